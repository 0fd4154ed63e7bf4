// Package transport defines what a wws binding is: something that dials and
// accepts connections and moves encoded messages over them. The channel
// layer (package wws) owns channel states, pending-operation bookkeeping,
// message encoding and abort; a transport owns connections and bytes.
//
// The built-in bindings live in the packages below this one (tcp, pipe,
// http, udp). A user's own binding implements Dialer and Listen and is
// plugged into a channel with the custom binding.
package transport

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// Frame is one encoded message as a transport moves it.
type Frame struct {
	// Data is the encoded envelope. On receive it is valid until the next
	// Receive on the same Conn unless the transport documents otherwise.
	Data []byte
	// Action is the message's action, for transports that carry it outside
	// the envelope (HTTP's SOAPAction header and action= parameter).
	Action string
	// ContentType is the MIME type of Data where the transport carries one.
	ContentType string
	// Header holds transport headers mapped to and from the message (HTTP).
	Header http.Header
	// Remote is the peer's address, where the transport knows it per message (UDP).
	Remote net.Addr
	// Status is the HTTP status code of a received response (HTTP request channels).
	Status int
}

// Conn is an established connection of a binding: a net.tcp session, one
// HTTP request/response exchange, a UDP socket, or a user's own.
//
// Send and Receive may be called concurrently with each other, but each is
// called by one goroutine at a time. Abort may be called at any time from
// any goroutine, any number of times: it must not block, and it must make
// every pending Send, Receive and Close return promptly.
type Conn interface {
	// Send transmits one message. A context deadline bounds it; if Send
	// fails part-way the connection is unusable.
	Send(ctx context.Context, f *Frame) error
	// Receive returns the next message, io.EOF when the peer has ended the
	// session (or, for a one-message exchange, after the message). When
	// ctx ends before any of a message has been consumed, Receive returns
	// ctx.Err() itself (not wrapped) and the Conn stays usable: the
	// channel layer relies on that to let a waiting operation give up
	// without breaking the session. An interruption part-way through a
	// message must return another error (wrapping ctx.Err() is fine).
	Receive(ctx context.Context) (*Frame, error)
	// CloseSend tells the peer no more messages follow (net.tcp's End record).
	CloseSend(ctx context.Context) error
	// Close closes gracefully within the context's deadline: for a session,
	// the end of the session each way, then the connection.
	Close(ctx context.Context) error
	// Abort closes at once, unblocking everything pending.
	Abort()
	// LocalAddr and RemoteAddr return the endpoints' addresses, if known.
	LocalAddr() net.Addr
	RemoteAddr() net.Addr
}

// DeadlineBound is implemented by Conns whose Send and Receive end at
// ctx.Deadline() by themselves (as net.Conn deadlines do), so that a
// context with a deadline and a nil Done bounds them. The channel layer
// then bounds operations of callers whose context cannot be cancelled
// without a timer per operation. Abort must still interrupt them. A
// DeadlineBound Conn's Send also keeps nothing of the Frame it is given
// once it returns: the channel layer reuses one Frame for every send.
type DeadlineBound interface {
	// BoundByDeadline does nothing; it marks the Conn.
	BoundByDeadline()
}

// Listener accepts connections for one endpoint URL.
type Listener interface {
	// Accept waits for the next connection. It returns ErrListenerClosed
	// once Close or Abort has been called.
	Accept(ctx context.Context) (Conn, error)
	// Close stops listening; Accepts pending return ErrListenerClosed.
	// Connections already accepted are not affected.
	Close() error
	// Addr returns the address listened on.
	Addr() net.Addr
}

// ErrListenerClosed is returned by Accept after the listener was closed.
var ErrListenerClosed = errors.New("transport: listener closed")

// Config carries a channel's or listener's settings a transport needs.
type Config struct {
	// ContentType names the message encoding: for net.tcp, it picks the
	// known encoding record; for HTTP, the Content-Type header.
	ContentType string
	// SOAPVersion is 1 or 2 (SOAP 1.1 or 1.2); HTTP needs it for headers.
	SOAPVersion int
	// MaxMessageSize bounds a received message before it is read.
	MaxMessageSize int
	// ConnectTimeout bounds a dial and its handshake; for a listener, the
	// handshake after a connection is accepted.
	ConnectTimeout time.Duration
	// NoDelay disables Nagle's algorithm on TCP.
	NoDelay bool
	// KeepAlive enables TCP keep-alives with the given idle time and interval.
	KeepAlive         bool
	KeepAliveTime     time.Duration
	KeepAliveInterval time.Duration
	// IPVersion restricts the address family: 1 IPv4, 2 IPv6, 3 either.
	IPVersion int
	// Backlog is the listen backlog hint.
	Backlog int
	// Extra carries binding-specific settings.
	Extra map[string]any
}

// Network returns base ("tcp", "udp") restricted to the address family
// IPVersion names: base+"4" for IPv4, base+"6" for IPv6, else base. A nil
// Config restricts nothing.
func (c *Config) Network(base string) string {
	if c != nil {
		switch c.IPVersion {
		case 1:
			return base + "4"
		case 2:
			return base + "6"
		}
	}
	return base
}

// ExtraCustomParameters is the Config.Extra key under which a custom
// binding's Dial and Listen find the value of the channel's
// CustomChannelParameters or the listener's CustomListenerParameters
// property (WS_CHANNEL_PROPERTY_CUSTOM_CHANNEL_PARAMETERS), when set.
const ExtraCustomParameters = "custom.Parameters"

// Dialer opens client connections.
type Dialer interface {
	// Dial connects to url within ctx and returns the connection, ready
	// for Send and Receive (a session binding has exchanged its preamble).
	Dial(ctx context.Context, url string, cfg *Config) (Conn, error)
}

// ListenFunc opens a listener on url.
type ListenFunc func(ctx context.Context, url string, cfg *Config) (Listener, error)

// Fault is a transport-level rejection by the peer (a [MC-NMF] Fault record,
// or an HTTP status), with the URI or status that said so.
type Fault struct {
	URI  string // the fault URI, e.g. nmf.FaultEndpointNotFound
	Code int    // an HTTP status, when the fault is one
	// Msg describes the fault; Error returns it when set.
	Msg string
}

// Error returns Msg, or "transport fault <URI>" when Msg is empty.
func (f *Fault) Error() string {
	if f.Msg != "" {
		return f.Msg
	}
	return "transport fault " + f.URI
}
