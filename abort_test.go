package wws

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// abortLatency is how soon a pending operation must return after Abort.
const abortLatency = 100 * time.Millisecond

// pendingOp starts an operation that must still be pending after 50 ms,
// and returns a channel with its result.
func pendingOp(t *testing.T, op func() error) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- op() }()
	select {
	case err := <-done:
		t.Fatalf("operation returned before the abort: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	return done
}

// expectAborted aborts and checks that the pending operation returns
// WS_E_OPERATION_ABORTED within abortLatency.
func expectAborted(t *testing.T, abort func() error, done <-chan error) {
	t.Helper()
	start := time.Now()
	if err := abort(); err != nil {
		t.Fatalf("abort: %v", err)
	}
	if d := time.Since(start); d > time.Millisecond*20 {
		t.Errorf("Abort itself took %v", d)
	}
	select {
	case err := <-done:
		if d := time.Since(start); d > abortLatency {
			t.Errorf("the operation returned %v after the abort", d)
		}
		mustCode(t, err, WS_E_OPERATION_ABORTED)
	case <-time.After(5 * time.Second):
		t.Fatal("the pending operation did not return after the abort")
	}
}

// tcpFixture is a listener with an accepted server channel and a connected client.
type tcpFixture struct {
	l        *Listener
	url      string
	client   *Channel
	server   *Channel
	closeAll func()
}

func newTCPFixture(t *testing.T, sb sessionBinding, clientProps ...ChannelProperty) *tcpFixture {
	t.Helper()
	ctx := testCtx(t)
	url := sb.url(t, "abort")
	l, err := sb.newListener()
	if err != nil {
		t.Fatal(err)
	}
	if len(clientProps) > 0 { // the server accepts what the client may send
		cur := []ChannelProperty{}
		if sb.b == BindingCustom {
			cur = append(cur, ChannelProperty{ChannelPropertyEncoding, EncodingBinarySession})
		}
		if err := l.SetChannelProperties(append(cur, clientProps...)...); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Open(ctx, url); err != nil {
		t.Fatal(err)
	}
	f := &tcpFixture{l: l, url: url}
	srv := make(chan *Channel, 1)
	go func() {
		ch, err := l.AcceptChannel(ctx)
		if err != nil {
			t.Errorf("accept: %v", err)
		}
		srv <- ch
	}()
	f.client, err = sb.newChannel(clientProps...)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.client.Open(ctx, url); err != nil {
		t.Fatal(err)
	}
	f.server = <-srv
	f.closeAll = func() {
		f.client.Abort()
		f.client.Close(context.Background())
		if f.server != nil {
			f.server.Abort()
			f.server.Close(context.Background())
		}
		l.Close(context.Background())
	}
	return f
}

func bigMessage(ch *Channel, n int) *Message {
	m := ch.NewMessage()
	m.SetAction("urn:big")
	m.SetBodyXML([]byte("<big>" + strings.Repeat("x", n) + "</big>"))
	return m
}

// TestAbortSession aborts a net.tcp and a net.pipe channel in every state,
// with every kind of operation the binding has pending, and checks the code
// each operation returns, how fast, the state afterwards, and that nothing
// leaks.
func TestAbortSession(t *testing.T) { forEachSession(t, testAbortSession) }

func testAbortSession(t *testing.T, sb sessionBinding) {
	ctx := context.Background()
	type side int
	const (
		client side = iota
		server
	)
	cases := []struct {
		name  string
		after ChannelState
		run   func(t *testing.T) (abort func() error, done <-chan error, ch *Channel, cleanup func())
	}{
		{"Opening/open", ChannelStateFaulted, func(t *testing.T) (func() error, <-chan error, *Channel, func()) {
			// A server that accepts the connection but never answers the preamble.
			url, stop := sb.silentServer(t)
			ch, _ := sb.newChannel()
			done := pendingOp(t, func() error { return ch.Open(ctx, url) })
			if ch.State() != ChannelStateOpening {
				t.Errorf("state while opening: %v", ch.State())
			}
			return ch.Abort, done, ch, func() {
				stop()
				ch.Close(ctx)
			}
		}},
		{"Accepting/accept (channel aborted)", ChannelStateFaulted, func(t *testing.T) (func() error, <-chan error, *Channel, func()) {
			l, _ := sb.newListener()
			if err := l.Open(ctx, sb.url(t, "a")); err != nil {
				t.Fatal(err)
			}
			ch, _ := l.NewChannel()
			done := pendingOp(t, func() error { return l.Accept(ctx, ch) })
			if ch.State() != ChannelStateAccepting {
				t.Errorf("state while accepting: %v", ch.State())
			}
			return ch.Abort, done, ch, func() { ch.Close(ctx); l.Close(ctx) }
		}},
		{"Accepting/accept (listener aborted)", ChannelStateFaulted, func(t *testing.T) (func() error, <-chan error, *Channel, func()) {
			l, _ := sb.newListener()
			if err := l.Open(ctx, sb.url(t, "a")); err != nil {
				t.Fatal(err)
			}
			ch, _ := l.NewChannel()
			done := pendingOp(t, func() error { return l.Accept(ctx, ch) })
			return func() error {
				err := l.Abort()
				if l.State() != ListenerStateFaulted {
					t.Errorf("listener %v after abort, want Faulted", l.State())
				}
				return err
			}, done, ch, func() { ch.Close(ctx); l.Close(ctx) }
		}},
		{"Accepting/accept (listener closed)", ChannelStateFaulted, func(t *testing.T) (func() error, <-chan error, *Channel, func()) {
			l, _ := sb.newListener()
			if err := l.Open(ctx, sb.url(t, "a")); err != nil {
				t.Fatal(err)
			}
			ch, _ := l.NewChannel()
			done := pendingOp(t, func() error { return l.Accept(ctx, ch) })
			return func() error { return l.Close(ctx) }, done, ch, func() { ch.Close(ctx) }
		}},
	}
	for _, s := range []side{client, server} {
		who := map[side]string{client: "client", server: "server"}[s]
		// The server channel keeps the default 64 KB message limit: it
		// blocks by sending many smaller messages.
		msgSize := 256 << 10 // small enough to encode in a moment, so that the sender blocks in I/O
		if s == server {
			msgSize = 60000
		}
		pick := func(f *tcpFixture) (*Channel, *Channel) {
			if s == client {
				return f.client, f.server
			}
			return f.server, f.client
		}
		cases = append(cases,
			struct {
				name  string
				after ChannelState
				run   func(t *testing.T) (func() error, <-chan error, *Channel, func())
			}{"Open/receive (" + who + ")", ChannelStateFaulted, func(t *testing.T) (func() error, <-chan error, *Channel, func()) {
				f := newTCPFixture(t, sb)
				ch, _ := pick(f)
				done := pendingOp(t, func() error { _, err := ch.Receive(ctx); return err })
				return ch.Abort, done, ch, f.closeAll
			}},
			struct {
				name  string
				after ChannelState
				run   func(t *testing.T) (func() error, <-chan error, *Channel, func())
			}{"Open/read message start (" + who + ")", ChannelStateFaulted, func(t *testing.T) (func() error, <-chan error, *Channel, func()) {
				f := newTCPFixture(t, sb)
				ch, _ := pick(f)
				done := pendingOp(t, func() error { _, err := ch.ReadMessageStart(ctx); return err })
				return ch.Abort, done, ch, f.closeAll
			}},
			struct {
				name  string
				after ChannelState
				run   func(t *testing.T) (func() error, <-chan error, *Channel, func())
			}{"Open/request (" + who + ")", ChannelStateFaulted, func(t *testing.T) (func() error, <-chan error, *Channel, func()) {
				f := newTCPFixture(t, sb)
				ch, _ := pick(f)
				done := pendingOp(t, func() error {
					req := ch.NewMessage()
					req.SetAction("urn:never-answered")
					_, err := ch.Request(ctx, req)
					return err
				})
				return ch.Abort, done, ch, f.closeAll
			}},
			struct {
				name  string
				after ChannelState
				run   func(t *testing.T) (func() error, <-chan error, *Channel, func())
			}{"Open/send (" + who + ", peer not reading)", ChannelStateFaulted, func(t *testing.T) (func() error, <-chan error, *Channel, func()) {
				big := ChannelProperty{ChannelPropertyMaxBufferedMessageSize, uint32(8 << 20)}
				f := newTCPFixture(t, sb, big)
				ch, _ := pick(f)
				done := make(chan error, 1)
				var sent atomic.Int64
				go func() {
					for {
						if err := ch.Send(ctx, bigMessage(ch, msgSize)); err != nil {
							done <- err
							return
						}
						sent.Add(1)
					}
				}()
				waitBlocked(t, done, &sent)
				return ch.Abort, done, ch, f.closeAll
			}},
			struct {
				name  string
				after ChannelState
				run   func(t *testing.T) (func() error, <-chan error, *Channel, func())
			}{"Open/write message end (" + who + ", peer not reading)", ChannelStateFaulted, func(t *testing.T) (func() error, <-chan error, *Channel, func()) {
				big := ChannelProperty{ChannelPropertyMaxBufferedMessageSize, uint32(8 << 20)}
				f := newTCPFixture(t, sb, big)
				ch, _ := pick(f)
				done := make(chan error, 1)
				var sent atomic.Int64
				go func() {
					for {
						m := bigMessage(ch, msgSize)
						m2 := ch.NewMessage()
						if err := ch.WriteMessageStart(ctx, m2); err != nil {
							done <- err
							return
						}
						m2.SetBodyXML(m.bodyXML)
						if err := ch.WriteMessageEnd(ctx, m2); err != nil {
							done <- err
							return
						}
						sent.Add(1)
					}
				}()
				waitBlocked(t, done, &sent)
				return ch.Abort, done, ch, f.closeAll
			}},
			struct {
				name  string
				after ChannelState
				run   func(t *testing.T) (func() error, <-chan error, *Channel, func())
			}{"Closing/close (" + who + ", peer never ends)", ChannelStateClosed, func(t *testing.T) (func() error, <-chan error, *Channel, func()) {
				f := newTCPFixture(t, sb)
				ch, _ := pick(f)
				done := pendingOp(t, func() error { return ch.Close(ctx) })
				if ch.State() != ChannelStateClosing {
					t.Errorf("state while closing: %v", ch.State())
				}
				return ch.Abort, done, ch, f.closeAll
			}},
		)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			abort, done, ch, cleanup := tc.run(t)
			expectAborted(t, abort, done)
			if got := ch.State(); got != tc.after {
				t.Errorf("state after the abort: %v, want %v", got, tc.after)
			}
			if tc.after == ChannelStateFaulted {
				_, err := ch.Receive(ctx)
				mustCode(t, err, WS_E_OBJECT_FAULTED)
				mustCode(t, ch.Send(ctx, ch.NewMessage()), WS_E_OBJECT_FAULTED)
				if err := ch.Close(ctx); err != nil {
					t.Errorf("close after abort: %v", err)
				}
				if ch.State() != ChannelStateClosed {
					t.Errorf("close after abort left %v", ch.State())
				}
			}
			cleanup()
		})
	}
}

// waitBlocked waits until a sender loop has made no progress for 300 ms:
// it is blocked in a send the peer does not read.
func waitBlocked(t *testing.T, done <-chan error, sent *atomic.Int64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	last, since := sent.Load(), time.Now()
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("sending failed before the abort: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
		if n := sent.Load(); n != last {
			last, since = n, time.Now()
		} else if time.Since(since) > 300*time.Millisecond {
			return
		}
	}
	t.Fatal("the sender never blocked")
}

// TestAbortIdleStates: Abort in Created, Faulted and Closed succeeds and
// changes nothing; after an Abort in Created, Open fails with
// WS_E_OPERATION_ABORTED; Abort is idempotent.
func TestAbortIdleStates(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx := testCtx(t)
	ch, _ := NewChannel(ChannelTypeDuplexSession, BindingTCP)
	for i := 0; i < 3; i++ {
		if err := ch.Abort(); err != nil {
			t.Fatal(err)
		}
	}
	if ch.State() != ChannelStateCreated {
		t.Fatalf("state %v", ch.State())
	}
	mustCode(t, ch.Open(ctx, "net.tcp://127.0.0.1:1/"), WS_E_OPERATION_ABORTED)
	if ch.State() != ChannelStateFaulted {
		t.Fatalf("state after the refused open: %v", ch.State())
	}
	ch.Abort()
	if ch.State() != ChannelStateFaulted {
		t.Fatalf("abort changed Faulted to %v", ch.State())
	}
	ch.Close(ctx)
	ch.Abort()
	if ch.State() != ChannelStateClosed {
		t.Fatalf("abort changed Closed to %v", ch.State())
	}
	if err := ch.Reset(); err != nil {
		t.Fatal(err)
	}
	if ch.State() != ChannelStateCreated {
		t.Fatalf("state after reset %v", ch.State())
	}
	var nilCh *Channel
	mustCode(t, nilCh.Abort(), E_INVALIDARG)

	l, _ := NewListener(ChannelTypeDuplexSession, BindingTCP)
	l.Abort()
	mustCode(t, l.Open(ctx, fmt.Sprintf("net.tcp://127.0.0.1:%d/", freePort(t))), WS_E_OPERATION_ABORTED)
}

// TestAbortStress races Abort against open, send, receive, request and close
// on many channels, under -race, checking only that every operation ends
// with a WWSAPI code, nothing hangs and nothing leaks.
func TestAbortStress(t *testing.T) { forEachSession(t, testAbortStress) }

func testAbortStress(t *testing.T, sb sessionBinding) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx := testCtx(t)
	url := sb.url(t, "stress")
	l, err := sb.newListener()
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Open(ctx, url); err != nil {
		t.Fatal(err)
	}
	sctx, stopServer := context.WithCancel(ctx)
	var serverWG sync.WaitGroup
	serverWG.Add(1)
	go func() {
		defer serverWG.Done()
		for {
			ch, err := l.AcceptChannel(sctx)
			if err != nil {
				return
			}
			serverWG.Add(1)
			go func() {
				defer serverWG.Done()
				defer ch.Close(context.Background())
				for {
					m, err := ch.Receive(sctx)
					if err != nil {
						return
					}
					if m.MessageID() != "" {
						r := ch.NewMessage()
						r.SetAction("urn:r")
						if ch.Reply(sctx, m, r) != nil {
							return
						}
					}
				}
			}()
		}
	}()
	n := 2000
	if testing.Short() {
		n = 200
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			ch, _ := sb.newChannel()
			var opWG sync.WaitGroup
			opWG.Add(4)
			ok := func(err error) {
				switch HResult(err) {
				case S_OK, WS_S_END, WS_E_OPERATION_ABORTED, WS_E_OBJECT_FAULTED, WS_E_INVALID_OPERATION,
					WS_E_ENDPOINT_DISCONNECTED, WS_E_OPERATION_TIMED_OUT:
				default:
					t.Errorf("unexpected result %v", err)
				}
			}
			go func() {
				defer opWG.Done()
				ok(ch.Open(ctx, url))
				m := ch.NewMessage()
				m.SetAction("urn:x")
				ok(ch.Send(ctx, m))
			}()
			go func() {
				defer opWG.Done()
				time.Sleep(time.Duration(i%7) * 100 * time.Microsecond)
				_, err := ch.Receive(ctx)
				ok(err)
			}()
			go func() {
				defer opWG.Done()
				req := ch.NewMessage()
				req.SetAction("urn:q")
				_, err := ch.Request(ctx, req)
				ok(err)
			}()
			go func() {
				defer opWG.Done()
				time.Sleep(time.Duration(i%5) * 200 * time.Microsecond)
				ch.Abort()
			}()
			opWG.Wait()
			ok(ch.Close(ctx))
			if st := ch.State(); st != ChannelStateClosed {
				t.Errorf("state after close: %v", st)
			}
		}(i)
	}
	wg.Wait()
	stopServer()
	l.Close(ctx)
	serverWG.Wait()
}
