package wws

import (
	"context"
	"io"
	"sync"
	"time"

	"github.com/wwsgo/wws/soap"
	"github.com/wwsgo/wws/xmlnode"
)

// Reading a session without a goroutine of its own.
//
// On channels whose messages arrive unasked (sessions, duplex) there is no
// reader goroutine. The operation that wants a message reads it itself,
// holding the generation's read token: a Receive reads until an unsolicited
// message comes, a Request until its reply comes. Whatever the token holder
// reads for someone else it hands over — a reply to the request waiting for
// it, an unsolicited message to the inbox — and the token passes to the
// next waiter when the holder is done. A request/reply call on a session
// nobody else reads thus costs no goroutine switch at all.
//
// A holder whose context ends while it waits for the start of a message
// gives the token back and leaves the session as it was (the transport
// promises that: see transport.Conn). A failure inside a message, or the
// end of the stream, ends reading for good: the error is kept in readErr,
// readerDone is closed, and every waiter sees it.

// inbox is the queue of unsolicited messages read by a token holder that
// did not want them (a Request waiting for its reply). It is bounded: the
// holder waits for room, which holds the peer back through the transport's
// flow control as a reader goroutine blocked on a full channel would.
type inbox struct {
	mu    sync.Mutex
	msgs  []*Message
	ready chan struct{} // a token: the queue may be non-empty
	room  chan struct{} // a token: the queue may have room
}

// inboxLimit bounds the messages queued for Receive.
const inboxLimit = 16

func newInbox() *inbox {
	return &inbox{ready: make(chan struct{}, 1), room: make(chan struct{}, 1)}
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// pop takes the oldest message, or nil.
func (q *inbox) pop() *Message {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.msgs) == 0 {
		return nil
	}
	m := q.msgs[0]
	q.msgs[0] = nil
	q.msgs = q.msgs[1:]
	if len(q.msgs) > 0 {
		signal(q.ready) // the next waiter may take the next one
	}
	if len(q.msgs) < inboxLimit {
		signal(q.room)
	}
	return m
}

// push queues m, waiting for room within ctx; when ctx ends or the channel
// is aborted first, m is queued anyway (one over the bound per holder that
// gave up) so that no message is lost, and ctx's error is returned.
func (q *inbox) push(ctx context.Context, g *generation, m *Message) error {
	for {
		q.mu.Lock()
		if len(q.msgs) < inboxLimit {
			q.msgs = append(q.msgs, m)
			q.mu.Unlock()
			signal(q.ready)
			return nil
		}
		q.mu.Unlock()
		done, timeout, stop := waitChans(ctx)
		select {
		case <-q.room:
			stop()
			continue
		case <-g.abortCh:
			stop()
			return errAborted
		case <-done:
		case <-timeout:
		}
		stop()
		q.mu.Lock()
		q.msgs = append(q.msgs, m)
		q.mu.Unlock()
		signal(q.ready)
		if err := ctx.Err(); err != nil {
			return err
		}
		return context.DeadlineExceeded
	}
}

// drain empties the queue (Close).
func (q *inbox) drain() {
	q.mu.Lock()
	clear(q.msgs)
	q.msgs = q.msgs[:0]
	q.mu.Unlock()
}

// endRead records the error that ends reading (io.EOF at the end of the
// session) and wakes every waiter; the first error wins.
func (g *generation) endRead(err error) {
	g.endOnce.Do(func() {
		g.readErr = err
		close(g.readerDone)
	})
}

// readEnded reports whether reading has ended.
func (g *generation) readEnded() bool {
	select {
	case <-g.readerDone:
		return true
	default:
		return false
	}
}

// isInterruption reports whether err is a transport's clean interruption of
// a Receive by its context: nothing of a message was consumed.
func isInterruption(err error) bool {
	return err == context.DeadlineExceeded || err == context.Canceled
}

// readNext reads and decodes the next message as the token holder. It
// returns a clean interruption as it is; any other failure ends reading.
func (c *Channel) readNext(ctx context.Context, g *generation, dst *Message) (*Message, error) {
	for {
		f, err := g.conn.Receive(ctx)
		if err != nil {
			if isInterruption(err) && !g.aborted.Load() {
				return nil, err
			}
			if g.aborted.Load() {
				err = context.Canceled
			}
			g.endRead(err)
			return nil, err
		}
		m := dst
		if m == nil {
			m = &Message{}
		}
		if err := g.decodeFrame(f, m); err != nil {
			if c.binding == BindingUDP {
				// Datagrams are independent: one that does not decode (from
				// anyone on the network) is dropped, the channel goes on.
				c.logf("wws: dropped an undecodable datagram", "from", f.Remote, "error", err)
				m.Reset()
				continue
			}
			g.endRead(err)
			g.conn.Abort()
			return nil, err
		}
		return m, nil
	}
}

// readFor reads as the token holder until the message wanted comes: the
// reply that goes to want, or — want nil — an unsolicited message. Replies
// to other pending requests are handed to them, late replies to requests
// given up on are dropped, and unsolicited messages a request does not
// want are queued in the inbox. The message wanted is decoded into dst
// when dst is not nil.
func (c *Channel) readFor(ctx context.Context, g *generation, want chan *Message, dst *Message) (*Message, error) {
	for {
		m, err := c.readNext(ctx, g, dst)
		if err != nil {
			return nil, err
		}
		if len(m.hdr.RelatesTo) > 0 {
			key := keyOf(m.hdr.RelatesTo)
			g.reqMu.Lock()
			ch, ok := g.pending[key]
			if ok {
				delete(g.pending, key)
				if ch == nil {
					g.abandoned--
				}
			}
			g.reqMu.Unlock()
			switch {
			case ok && ch == nil: // a late reply to a request given up on
				m.Reset()
				continue
			case ok && ch == want:
				return m, nil
			case ok:
				ch <- detach(m, dst) // buffered: never blocks
				continue
			}
		}
		if want == nil {
			return m, nil
		}
		if err := g.in.push(ctx, g, detach(m, dst)); err != nil {
			return nil, err
		}
	}
}

// detach returns m for someone else: m itself, or when m is the caller's
// dst, a new message that takes m's contents (dst is left empty).
func detach(m, dst *Message) *Message {
	if m != dst {
		return m
	}
	n := new(Message)
	n.take(m)
	*m = Message{hdr: soap.Header{Version: n.hdr.Version, Addressing: n.hdr.Addressing}}
	return n
}

// msgKey identifies a pending request by its MessageID: a urn:uuid by its
// 16 bytes (no string is made for it), any other id by its text.
type msgKey struct {
	uuid [16]byte
	s    string
}

// keyOf returns the key of a MessageID or RelatesTo value.
func keyOf(id []byte) msgKey {
	if len(id) == 45 && string(id[:9]) == "urn:uuid:" {
		if g, ok := xmlnode.ParseGUID(id[9:]); ok {
			return msgKey{uuid: g}
		}
	}
	return msgKey{s: string(id)}
}

// replyChans are the channels requests wait on for their reply; one goes
// back only after its reply was taken from it (nothing more is sent on it).
var replyChans = sync.Pool{New: func() any { return make(chan *Message, 1) }}

// forget removes a pending request.
func (g *generation) forget(key msgKey) {
	g.reqMu.Lock()
	delete(g.pending, key)
	g.reqMu.Unlock()
}

// abandon forgets a request given up on (timeout, cancellation) while the
// session goes on: its reply, if it comes late, is dropped rather than
// surfacing in a Receive. At most maxAbandoned are remembered.
func (g *generation) abandon(key msgKey) {
	g.reqMu.Lock()
	if _, ok := g.pending[key]; ok {
		if g.abandoned < maxAbandoned {
			g.pending[key] = nil
			g.abandoned++
		} else {
			delete(g.pending, key)
		}
	}
	g.reqMu.Unlock()
}

// takeToken waits for the read token, a message from the inbox, or the
// reply on want (when not nil), within ctx. It returns the message, or
// holding == true when the caller now holds the token and must read (and
// then give the token back with g.giveToken).
func (c *Channel) takeToken(ctx context.Context, g *generation, want chan *Message) (m *Message, holding bool, err error) {
	var ready chan struct{}
	if want == nil {
		ready = g.in.ready
	}
	var done <-chan struct{}
	var timeout <-chan time.Time
	stop := noCancel
	defer func() { stop() }()
	for {
		if want != nil {
			select {
			case m := <-want:
				return m, false, nil
			default:
			}
		} else if m := g.in.pop(); m != nil {
			return m, false, nil
		}
		if g.readEnded() {
			return nil, false, io.EOF
		}
		select {
		case g.rtok <- struct{}{}: // the token is free: no timer needed
			if m, ok := c.afterToken(g, want); ok {
				return m, false, nil
			}
			if g.readEnded() {
				g.giveToken()
				return nil, false, io.EOF
			}
			return nil, true, nil
		default:
		}
		if done == nil && timeout == nil {
			done, timeout, stop = waitChans(ctx)
		}
		select {
		case m := <-want: // nil when want is nil: never ready
			return m, false, nil
		case <-ready: // nil for a request: never ready
			continue
		case g.rtok <- struct{}{}:
			if m, ok := c.afterToken(g, want); ok {
				return m, false, nil
			}
			if g.readEnded() {
				g.giveToken()
				return nil, false, io.EOF
			}
			return nil, true, nil
		case <-g.readerDone: // also closed by Abort
			continue // look for a message queued before the end, then io.EOF
		case <-done:
			return nil, false, ctx.Err()
		case <-timeout:
			return nil, false, context.DeadlineExceeded
		}
	}
}

// afterToken looks, just after the token was taken, for a message that
// came while the caller waited for it; if there is one, the token is given
// back.
func (c *Channel) afterToken(g *generation, want chan *Message) (*Message, bool) {
	if want != nil {
		select {
		case m := <-want:
			g.giveToken()
			return m, true
		default:
		}
	} else if m := g.in.pop(); m != nil {
		g.giveToken()
		return m, true
	}
	return nil, false
}

// giveToken returns the read token; a waiter blocked on it takes it.
func (g *generation) giveToken() { <-g.rtok }

// receiveDispatched is Receive on a channel without a reader goroutine.
func (c *Channel) receiveDispatched(ctx context.Context, g *generation, op string, dst *Message) (*Message, error) {
	m, holding, err := c.takeToken(ctx, g, nil)
	if holding {
		m, err = c.readFor(ctx, g, nil, dst)
		g.giveToken()
	}
	if err == nil {
		return m, nil
	}
	return nil, c.waitErr(g, err, op)
}

// waitErr maps what ended a wait for a message to the operation's error.
func (c *Channel) waitErr(g *generation, err error, op string) error {
	switch {
	case g.aborted.Load() || err == errAborted:
		return c.ioErr(g, errAborted, op, false)
	case isInterruption(err) && !g.readEnded():
		return c.ioErr(g, err, op, false)
	}
	return c.readerErr(g, op)
}
