//go:build !unix

package soaphttp

import "net"

// canProbe says whether connAlive can tell a closed connection here: not
// on this platform, where exchanges go through net/http's Transport, whose
// reader goroutine sees a server close an idle connection.
const canProbe = false

func connAlive(net.Conn) bool { return false }
