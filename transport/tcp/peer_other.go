//go:build !unix

package tcp

import "net"

// peerGone reports whether the peer of conn has closed the connection; on
// this platform it cannot tell without reading, and says no.
func peerGone(conn net.Conn) bool { return false }
