package wws

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// cutProxy forwards one TCP connection to target and cuts both sides once
// limit bytes have gone in the chosen direction (limit < 0: never).
type cutProxy struct {
	ln       net.Listener
	target   string
	c2sLimit int64 // bytes client -> service before the cut, or -1
	s2cLimit int64
	c2s, s2c atomic.Int64 // bytes forwarded
	wg       sync.WaitGroup
}

func startCutProxy(t *testing.T, target string, c2sLimit, s2cLimit int64) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target, c2sLimit: c2sLimit, s2cLimit: s2cLimit}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			var once sync.Once
			cut := func() { once.Do(func() { c.Close(); s.Close() }) }
			p.wg.Add(2)
			go func() { defer p.wg.Done(); p.pump(s, c, p.c2sLimit, &p.c2s, cut) }()
			go func() { defer p.wg.Done(); p.pump(c, s, p.s2cLimit, &p.s2c, cut) }()
		}
	}()
	return p
}

// pump copies src to dst, cutting everything once limit bytes went through.
func (p *cutProxy) pump(dst, src net.Conn, limit int64, n *atomic.Int64, cut func()) {
	defer cut()
	buf := make([]byte, 1)
	for {
		if limit >= 0 && n.Load() >= limit {
			return
		}
		if _, err := src.Read(buf); err != nil {
			return
		}
		if _, err := dst.Write(buf); err != nil {
			return
		}
		n.Add(1)
	}
}

func (p *cutProxy) close() {
	p.ln.Close()
	p.wg.Wait()
}

func (p *cutProxy) url() string { return "net.tcp://" + p.ln.Addr().String() + "/cut" }

// cutSession is the recorded session the cuts are made in: open, three
// request/replies with a session string each, shutdown, close.
func cutSession(ctx context.Context, url string) error {
	ch, err := NewChannel(ChannelTypeDuplexSession, BindingTCP,
		ChannelProperty{ChannelPropertyReceiveTimeout, 2 * time.Second},
		ChannelProperty{ChannelPropertyCloseTimeout, 2 * time.Second},
		ChannelProperty{ChannelPropertyConnectTimeout, 2 * time.Second})
	if err != nil {
		return err
	}
	defer ch.Close(context.Background())
	if err := ch.Open(ctx, url); err != nil {
		return err
	}
	for i := 0; i < 3; i++ {
		req := ch.NewMessage()
		req.SetAction("urn:cut")
		req.SetBodyXML([]byte(fmt.Sprintf(`<Cut%d xmlns="urn:cut"><v>%d</v></Cut%d>`, i, i, i)))
		if _, err := ch.Request(ctx, req); err != nil {
			return err
		}
	}
	if err := ch.ShutdownSession(ctx); err != nil {
		return err
	}
	if _, err := ch.Receive(ctx); HResult(err) != WS_S_END {
		return fmt.Errorf("end of session: %w", err)
	}
	return ch.Close(ctx)
}

// TestCutEveryByte cuts a net.tcp session at every byte offset of each
// direction. Every cut gives both ends a clean WWSAPI error, never a panic
// or a hang; the listener goes on serving; nothing leaks.
func TestCutEveryByte(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	url := fmt.Sprintf("net.tcp://127.0.0.1:%d/cut", freePort(t))
	l, err := NewListener(ChannelTypeDuplexSession, BindingTCP, ListenerProperty{ListenerPropertyConnectTimeout, 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Open(ctx, url); err != nil {
		t.Fatal(err)
	}
	var serverErrs sync.Map // HRESULT -> count, what the service saw
	sctx, stopServer := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			ch, err := l.AcceptChannel(sctx)
			if err != nil {
				if sctx.Err() != nil {
					return
				}
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer ch.Close(context.Background())
				for {
					m, err := ch.Receive(sctx)
					if err != nil {
						v, _ := serverErrs.LoadOrStore(HResult(err), new(atomic.Int64))
						v.(*atomic.Int64).Add(1)
						return
					}
					r := ch.NewMessage()
					r.SetAction("urn:cutResponse")
					body, _ := m.BodyXML()
					r.SetBodyXML(body)
					if err := ch.Reply(sctx, m, r); err != nil {
						return
					}
				}
			}()
		}
	}()
	target := url[len("net.tcp://") : len(url)-len("/cut")]

	// Record the session's length in each direction.
	p := startCutProxy(t, target, -1, -1)
	if err := cutSession(ctx, p.url()); err != nil {
		t.Fatalf("the uncut session fails: %v", err)
	}
	p.close()
	c2s, s2c := p.c2s.Load(), p.s2c.Load()
	t.Logf("session: %d bytes client->service, %d service->client", c2s, s2c)

	allowed := map[HRESULT]bool{WS_E_ENDPOINT_DISCONNECTED: true, WS_E_INVALID_FORMAT: true,
		WS_E_OPERATION_TIMED_OUT: true, WS_E_ENDPOINT_NOT_FOUND: true, WS_S_END: true}
	clientErrs := map[HRESULT]int{}
	cuts := 0
	for dir := 0; dir < 2; dir++ {
		total := c2s
		if dir == 1 {
			total = s2c
		}
		for off := int64(0); off < total; off++ {
			c2sLimit, s2cLimit := off, int64(-1)
			if dir == 1 {
				c2sLimit, s2cLimit = -1, off
			}
			p := startCutProxy(t, target, c2sLimit, s2cLimit)
			done := make(chan error, 1)
			go func() { done <- cutSession(ctx, p.url()) }()
			select {
			case err := <-done:
				code := HResult(err)
				if err == nil {
					// A cut after the last byte that matters (the peer's End
					// already read) may leave nothing to notice.
					code = S_OK
				} else if !allowed[code] {
					t.Errorf("dir %d offset %d: client got %v", dir, off, err)
				}
				clientErrs[code]++
			case <-time.After(20 * time.Second):
				t.Fatalf("dir %d offset %d: the client hung", dir, off)
			}
			p.close()
			cuts++
		}
	}
	t.Logf("%d cuts; client results %v", cuts, clientErrs)
	// The listener still serves a whole session.
	if err := cutSession(ctx, url); err != nil {
		t.Fatalf("after the cuts, a session fails: %v", err)
	}
	stopServer()
	l.Close(ctx)
	wg.Wait()
	serverErrs.Range(func(k, v any) bool {
		code := k.(HRESULT)
		if !allowed[code] && code != WS_E_OPERATION_ABORTED {
			t.Errorf("the service saw %v %d times", code, v.(*atomic.Int64).Load())
		}
		return true
	})
	_ = io.EOF
}

// TestCutEveryByteHTTP cuts an HTTP exchange (two SOAP 1.2 requests on one
// keep-alive connection) at every byte offset of each direction.
func TestCutEveryByteHTTP(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	url := fmt.Sprintf("http://127.0.0.1:%d/cut", freePort(t))
	l, err := NewListener(ChannelTypeReply, BindingHTTP)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Open(ctx, url); err != nil {
		t.Fatal(err)
	}
	stop := httpEchoServer(t, l, false)
	target := url[len("http://") : len(url)-len("/cut")]
	exchange := func(u string) error {
		ch, err := NewChannel(ChannelTypeRequest, BindingHTTP, ChannelProperty{ChannelPropertyReceiveTimeout, 2 * time.Second})
		if err != nil {
			return err
		}
		defer ch.Close(ctx)
		if err := ch.Open(ctx, u); err != nil {
			return err
		}
		for i := 0; i < 2; i++ {
			req := ch.NewMessage()
			req.SetAction("urn:cut")
			req.SetBodyXML([]byte(fmt.Sprintf(`<c xmlns="urn:cut">%d</c>`, i)))
			if _, err := ch.Request(ctx, req); err != nil {
				return err
			}
		}
		return nil
	}
	p := startCutProxy(t, target, -1, -1)
	if err := exchange("http://" + p.ln.Addr().String() + "/cut"); err != nil {
		t.Fatalf("uncut: %v", err)
	}
	p.close()
	c2s, s2c := p.c2s.Load(), p.s2c.Load()
	allowed := map[HRESULT]bool{WS_E_ENDPOINT_DISCONNECTED: true, WS_E_INVALID_FORMAT: true, WS_E_OPERATION_TIMED_OUT: true,
		WS_E_ENDPOINT_NOT_FOUND: true, WS_E_ENDPOINT_FAILURE: true}
	results := map[HRESULT]int{}
	for dir := 0; dir < 2; dir++ {
		total := c2s
		if dir == 1 {
			total = s2c
		}
		for off := int64(0); off < total; off++ {
			c2sLimit, s2cLimit := off, int64(-1)
			if dir == 1 {
				c2sLimit, s2cLimit = -1, off
			}
			p := startCutProxy(t, target, c2sLimit, s2cLimit)
			done := make(chan error, 1)
			go func() { done <- exchange("http://" + p.ln.Addr().String() + "/cut") }()
			select {
			case err := <-done:
				code := HResult(err)
				if err != nil && !allowed[code] {
					t.Errorf("dir %d offset %d: %v", dir, off, err)
				}
				results[code]++
			case <-time.After(20 * time.Second):
				t.Fatalf("dir %d offset %d: the client hung", dir, off)
			}
			p.close()
		}
	}
	t.Logf("%d + %d cuts: %v", c2s, s2c, results)
	if err := exchange(url); err != nil {
		t.Fatalf("after the cuts: %v", err)
	}
	stop()
}
