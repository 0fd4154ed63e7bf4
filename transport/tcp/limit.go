package tcp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/wwsgo/wws/transport"
	"github.com/wwsgo/wws/transport/internal/sockpeek"
)

// ExtraMaxConnections is the transport.Config.Extra key of an int: the most
// sessions a listener holds at once — admitted (their preamble read) and
// not yet closed, whether waiting for an Accept or accepted. At the limit a
// new client is not answered: its preamble waits unacknowledged until a
// session closes, so the client's open waits too. A client still waiting
// when the listener's connect timeout (counted from the socket accept)
// runs out is refused with the [MC-NMF] ServerTooBusy fault. Absent, zero
// or negative: no limit. WCF's MaxConnections plays this part.
//
// The backlog (transport.Config.Backlog, at least 1) bounds the sessions
// admitted and not yet taken by an Accept in the same way: a client that
// finds it full waits unacknowledged, then gets ServerTooBusy, instead of
// being acknowledged and dropped.
const ExtraMaxConnections = "tcp.MaxConnections"

// errTooBusy is why a client was refused: no room before its time ran out.
var errTooBusy = errors.New("nettcp: the listener has no room for another session (backlog or connection limit) within the connect timeout")

// errPeerGone is why an admission was not used: the client hung up first.
var errPeerGone = errors.New("nettcp: the client closed the connection while it waited for room")

// limits are a listener's admission counters; each is a semaphore with a
// token per session holding a place.
type limits struct {
	backlog chan struct{} // admitted, not yet taken by Accept; capacity cap(queue)
	conns   chan struct{} // admitted, connection not yet closed; nil: no limit
}

// newLimits sizes a listener's limits: the backlog as its accept queue,
// the connections as ExtraMaxConnections says.
func newLimits(backlog int, cfg *transport.Config) limits {
	lim := limits{backlog: make(chan struct{}, backlog)}
	if n, ok := cfg.Extra[ExtraMaxConnections].(int); ok && n > 0 {
		lim.conns = make(chan struct{}, n)
	}
	return lim
}

// admission is a server connection during and after its handshake, with
// the places it holds in its listener's limits: a place in the backlog
// from its admission until an Accept takes it (or it closes first), and a
// connection from its admission until it closes. Closing it gives back
// what it still holds.
type admission struct {
	net.Conn
	mu      sync.Mutex
	lim     *limits
	backlog bool // holds a backlog token
	conn    bool // holds a connection token
	closed  bool
}

// admit waits until l has room for one more session — a backlog place,
// then a connection — and records them in a. It gives up a little before
// ctx's deadline, so that the ServerTooBusy fault can still be written
// within it, and when the listener closes.
func (l *Listener) admit(ctx context.Context, a *admission) error {
	lim := &l.lim
	if dl, ok := ctx.Deadline(); ok {
		grace := min(time.Until(dl)/4, 500*time.Millisecond)
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-grace))
		defer cancel()
	}
	waited := false
	take := func(sem chan struct{}) error {
		if sem == nil {
			return nil
		}
		select {
		case sem <- struct{}{}:
			return nil
		default:
		}
		waited = true
		select {
		case sem <- struct{}{}:
			return nil
		case <-l.done:
			return fmt.Errorf("nettcp: the listener closed while the session waited for room: %w", net.ErrClosed)
		case <-ctx.Done():
			return errTooBusy
		}
	}
	if err := take(lim.backlog); err != nil {
		return err
	}
	if err := take(lim.conns); err != nil {
		<-lim.backlog
		return err
	}
	// A client that gave up while it waited (its own connect timeout) has
	// closed its socket: its place goes to the next one waiting.
	if waited && sockpeek.Peek(a.Conn) == sockpeek.Closed {
		if lim.conns != nil {
			<-lim.conns
		}
		<-lim.backlog
		return errPeerGone
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.lim, a.backlog, a.conn = lim, true, lim.conns != nil
	if a.closed { // closed under us: give everything back
		a.giveBack()
	}
	return nil
}

// taken marks the session as taken by an Accept: its backlog place frees.
// A nil admission (a session not from a listener) holds nothing.
func (a *admission) taken() {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.backlog {
		a.backlog = false
		<-a.lim.backlog
	}
}

// giveBack returns every token still held; a.mu is held.
func (a *admission) giveBack() {
	if a.backlog {
		a.backlog = false
		<-a.lim.backlog
	}
	if a.conn {
		a.conn = false
		<-a.lim.conns
	}
}

// Close closes the connection and gives back the places it held.
func (a *admission) Close() error {
	err := a.Conn.Close()
	a.mu.Lock()
	a.closed = true
	a.giveBack()
	a.mu.Unlock()
	return err
}

// CloseWrite shuts down the sending side where the connection can (TCP
// and Unix sockets), for the lingering close after a fault.
func (a *admission) CloseWrite() error {
	if cw, ok := a.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return errors.ErrUnsupported
}
