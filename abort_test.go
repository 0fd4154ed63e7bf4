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

// expectAborted aborts and checks that the pending operation returns want
// within abortLatency; it returns what the operation returned.
func expectAborted(t *testing.T, abort func() error, done <-chan error, want HRESULT) HRESULT {
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
		mustCode(t, err, want)
		return HResult(err)
	case <-time.After(5 * time.Second):
		t.Fatal("the pending operation did not return after the abort")
	}
	return 0
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
