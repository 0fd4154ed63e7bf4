// Package mem is an in-memory transport: a Network of named endpoints
// whose connections move frames through Go channels. It is what a custom
// binding looks like — the channel layer keeps states, pending operations,
// encoding and abort; the transport only moves encoded messages — and it
// lets tests run the channel semantics without sockets.
//
// A Network implements wws.CustomTransport (Dial and Listen on URLs of any
// scheme; the URL names the endpoint). A connection behaves as a session:
// frames arrive in order, CloseSend ends the peer's receiving with io.EOF,
// Abort ends both sides at once.
package mem

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"

	"github.com/wwsgo/wws/transport"
)

// Network is a set of in-memory endpoints. The zero Network is ready to use.
type Network struct {
	mu        sync.Mutex
	listeners map[string]*Listener
}

// ErrNoEndpoint is returned by Dial when nothing listens at the URL.
var ErrNoEndpoint = errors.New("mem: no listener at that URL")

// ErrAddressInUse is returned by Listen when the URL is taken.
var ErrAddressInUse = errors.New("mem: URL already listened on")

// Addr is the address of an in-memory endpoint.
type Addr string

// Network returns "mem".
func (a Addr) Network() string { return "mem" }

// String returns the endpoint's URL.
func (a Addr) String() string { return string(a) }

// Dial connects to the listener at url. It waits, within ctx, until the
// listener accepts the connection.
func (n *Network) Dial(ctx context.Context, url string, cfg *transport.Config) (transport.Conn, error) {
	n.mu.Lock()
	l := n.listeners[url]
	n.mu.Unlock()
	if l == nil {
		return nil, fmt.Errorf("mem: %s: %w", url, ErrNoEndpoint)
	}
	a, b := Pipe(Addr("client:"+url), Addr(url))
	select {
	case l.queue <- b:
	case <-l.done:
		return nil, fmt.Errorf("mem: %s: %w", url, ErrNoEndpoint)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case <-b.accepted:
		return a, nil
	case <-l.done:
		return nil, fmt.Errorf("mem: %s: %w", url, ErrNoEndpoint)
	case <-ctx.Done():
		a.Abort()
		return nil, ctx.Err()
	}
}

// Listen creates a listener at url.
func (n *Network) Listen(ctx context.Context, url string, cfg *transport.Config) (transport.Listener, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.listeners == nil {
		n.listeners = make(map[string]*Listener)
	}
	if _, taken := n.listeners[url]; taken {
		return nil, fmt.Errorf("mem: %s: %w", url, ErrAddressInUse)
	}
	l := &Listener{net: n, url: url, queue: make(chan *Conn), done: make(chan struct{})}
	n.listeners[url] = l
	return l, nil
}

// Listener is an in-memory listener.
type Listener struct {
	net   *Network
	url   string
	queue chan *Conn
	done  chan struct{}
	once  sync.Once
}

// Accept returns the next connection dialed to the listener's URL.
func (l *Listener) Accept(ctx context.Context) (transport.Conn, error) {
	select {
	case c := <-l.queue:
		close(c.accepted)
		return c, nil
	case <-l.done:
		return nil, transport.ErrListenerClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Close stops the listener; pending Accepts and Dials end.
func (l *Listener) Close() error {
	l.once.Do(func() {
		close(l.done)
		l.net.mu.Lock()
		delete(l.net.listeners, l.url)
		l.net.mu.Unlock()
	})
	return nil
}

// Addr returns the listener's URL as an address.
func (l *Listener) Addr() net.Addr { return Addr(l.url) }

// Conn is one end of an in-memory connection.
type Conn struct {
	local, remote Addr
	in            chan []byte   // frames from the peer
	out           chan []byte   // frames to the peer (the peer's in)
	inEnded       chan struct{} // closed by the peer's CloseSend
	outEnded      chan struct{} // the peer's inEnded
	aborted       chan struct{} // closed by Abort on either end
	accepted      chan struct{} // closed when a listener accepted this end
	sendOnce      sync.Once
	abortOnce     *sync.Once
	frame         transport.Frame
}

// Pipe returns the two ends of a connection.
func Pipe(a, b Addr) (*Conn, *Conn) {
	ab, ba := make(chan []byte, 16), make(chan []byte, 16)
	aEnd, bEnd := make(chan struct{}), make(chan struct{})
	aborted := make(chan struct{})
	once := new(sync.Once)
	ca := &Conn{local: a, remote: b, in: ba, out: ab, inEnded: aEnd, outEnded: bEnd, aborted: aborted, abortOnce: once, accepted: make(chan struct{})}
	cb := &Conn{local: b, remote: a, in: ab, out: ba, inEnded: bEnd, outEnded: aEnd, aborted: aborted, abortOnce: once, accepted: make(chan struct{})}
	return ca, cb
}

var errAborted = fmt.Errorf("mem: connection aborted: %w", net.ErrClosed)

// Send delivers a copy of f.Data to the peer, waiting within ctx while the
// peer's queue is full.
func (c *Conn) Send(ctx context.Context, f *transport.Frame) error {
	select {
	case <-c.outEnded:
		return errors.New("mem: send after CloseSend")
	default:
	}
	data := append([]byte(nil), f.Data...)
	select {
	case c.out <- data:
		return nil
	case <-c.aborted:
		return errAborted
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Receive returns the next frame, or io.EOF once the peer called CloseSend
// and every frame before it was received.
func (c *Conn) Receive(ctx context.Context) (*transport.Frame, error) {
	select {
	case d := <-c.in:
		c.frame = transport.Frame{Data: d, Remote: c.remote}
		return &c.frame, nil
	default:
	}
	select {
	case d := <-c.in:
		c.frame = transport.Frame{Data: d, Remote: c.remote}
		return &c.frame, nil
	case <-c.inEnded:
		select {
		case d := <-c.in:
			c.frame = transport.Frame{Data: d, Remote: c.remote}
			return &c.frame, nil
		default:
		}
		return nil, io.EOF
	case <-c.aborted:
		return nil, errAborted
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// CloseSend tells the peer that no more frames follow.
func (c *Conn) CloseSend(ctx context.Context) error {
	c.sendOnce.Do(func() { close(c.outEnded) })
	return nil
}

// Close ends the session: CloseSend, then — within ctx — the peer's CloseSend.
func (c *Conn) Close(ctx context.Context) error {
	c.CloseSend(ctx)
	select {
	case <-c.inEnded:
		return nil
	case <-c.aborted:
		return nil
	case <-ctx.Done():
		c.Abort()
		return ctx.Err()
	}
}

// Abort ends the connection at once for both ends.
func (c *Conn) Abort() { c.abortOnce.Do(func() { close(c.aborted) }) }

// LocalAddr returns this end's address.
func (c *Conn) LocalAddr() net.Addr { return c.local }

// RemoteAddr returns the peer's address.
func (c *Conn) RemoteAddr() net.Addr { return c.remote }

var (
	_ transport.Conn     = (*Conn)(nil)
	_ transport.Listener = (*Listener)(nil)
)
