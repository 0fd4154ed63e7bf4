//go:build !unix

package sockpeek

import "net"

// Supported reports whether Peek can tell anything on this platform.
const Supported = false

// Peek returns Unknown on this platform.
func Peek(net.Conn) State { return Unknown }
