// Package sockpeek looks at a connected socket without reading from it: is
// the peer there and quiet, are bytes waiting, or has the peer closed or
// reset the connection. Transports use it to see that a connection has
// ended while no one is reading it.
package sockpeek

// State is what Peek saw.
type State int

const (
	Unknown State = iota // the socket could not be asked
	Empty                // nothing to read: the peer is there and quiet
	Data                 // bytes are waiting to be read
	Closed               // the peer closed or reset the connection
)
