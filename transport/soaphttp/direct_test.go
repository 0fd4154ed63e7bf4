package soaphttp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wwsgo/wws/transport"
)

// exchange sends env12 on c and returns the response's body.
func exchange(t *testing.T, c *ClientConn) (string, error) {
	t.Helper()
	if err := c.Send(tctx(t), &transport.Frame{Data: []byte(env12)}); err != nil {
		return "", err
	}
	f, err := c.Receive(tctx(t))
	if err != nil {
		return "", err
	}
	return string(f.Data), nil
}

// echoServer answers every POST with its body, counting connections.
func echoServer(t *testing.T, h func(w http.ResponseWriter, r *http.Request)) (*httptest.Server, *connCounter) {
	var cc connCounter
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h != nil {
			h(w, r)
			return
		}
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", ct12)
		w.Write(b)
	}))
	ts.Config.ConnState = cc.hook
	ts.Start()
	t.Cleanup(ts.Close)
	return ts, &cc
}

func TestDirectClientChosen(t *testing.T) {
	for _, tc := range []struct {
		name   string
		extra  map[string]any
		direct bool
	}{
		{"default", nil, canProbe},
		{"ProxyNone", map[string]any{ExtraProxyMode: ProxyNone}, canProbe},
		{"custom proxy", map[string]any{ExtraProxyURL: "http://127.0.0.1:1"}, false},
		{"cookies", map[string]any{ExtraCookies: true}, canProbe},
		{"redirects", map[string]any{ExtraFollowRedirects: true}, false},
		{"supplied client", map[string]any{ExtraClient: &http.Client{}}, false},
	} {
		cfg := config(2, ct12)
		for k, v := range tc.extra {
			cfg.Extra[k] = v
		}
		c := dial(t, "http://127.0.0.1:1/svc", cfg)
		if got := c.direct != nil; got != tc.direct {
			t.Errorf("%s: direct client %v, want %v", tc.name, got, tc.direct)
		}
		if (c.direct == nil) == (c.client == nil) {
			t.Errorf("%s: one of the direct client and the http.Client must be set", tc.name)
		}
	}
}

func skipWithoutDirect(t *testing.T) {
	if !canProbe {
		t.Skip("requests go through net/http's Transport on this platform")
	}
}

// The connection is kept alive across exchanges, and a new one is made
// when the server has closed it while idle.
func TestDirectClientKeepAlive(t *testing.T) {
	skipWithoutDirect(t)
	leakCheck(t)
	ts, cc := echoServer(t, nil)
	c := dial(t, ts.URL, config(2, ct12))
	for i := 0; i < 5; i++ {
		if body, err := exchange(t, c); err != nil || body != env12 {
			t.Fatalf("exchange %d: %q, %v", i, body, err)
		}
	}
	if n := cc.n.Load(); n != 1 {
		t.Fatalf("5 exchanges took %d connections, want 1", n)
	}
	ts.CloseClientConnections()
	for i := 0; i < 2; i++ {
		if body, err := exchange(t, c); err != nil || body != env12 {
			t.Fatalf("exchange after the server closed the idle connection: %q, %v", body, err)
		}
	}
	if n := cc.n.Load(); n != 2 {
		t.Fatalf("%d connections, want 2", n)
	}
	if c.LocalAddr() == nil || c.RemoteAddr().String() != ts.Listener.Addr().String() {
		t.Errorf("addresses %v -> %v, want the server's %v", c.LocalAddr(), c.RemoteAddr(), ts.Listener.Addr())
	}
}

// Connection: close, a chunked body and a body over the limit: each
// exchange succeeds or fails as it should, and the next one works.
func TestDirectClientResponses(t *testing.T) {
	skipWithoutDirect(t)
	leakCheck(t)
	big := strings.Repeat("x", 70000)
	ts, cc := echoServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", ct12)
		switch r.URL.Query().Get("kind") {
		case "close":
			w.Header().Set("Connection", "close")
			io.WriteString(w, env12)
		case "chunked":
			io.WriteString(w, env12[:10])
			w.(http.Flusher).Flush()
			io.WriteString(w, env12[10:])
		case "big":
			io.WriteString(w, big)
		default:
			io.WriteString(w, env12)
		}
	})
	for _, kind := range []string{"close", "chunked", "big"} {
		c := dial(t, ts.URL+"?kind="+kind, config(2, ct12))
		before := cc.n.Load()
		body, err := exchange(t, c)
		if kind == "big" {
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("%s: %v, want ErrTooLarge", kind, err)
			}
		} else if err != nil || body != env12 {
			t.Fatalf("%s: %q, %v", kind, body, err)
		}
		c.url = ts.URL // the next exchange gets a plain response
		if body, err := exchange(t, c); err != nil || body != env12 {
			t.Fatalf("after %s: %q, %v", kind, body, err)
		}
		want := before + 1 // chunked: the connection is kept
		if kind != "chunked" {
			want++ // closed by the server, or cut with the body unread
		}
		if n := cc.n.Load(); n != want {
			t.Errorf("after %s: %d connections, want %d", kind, n, want)
		}
		c.Close(context.Background())
	}
}

// rawServer answers each request on a connection with what respond
// returns for it.
func rawServer(t *testing.T, respond func(i int) string) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			br := bufio.NewReader(conn)
			for i := 0; ; i++ {
				req, err := http.ReadRequest(br)
				if err != nil {
					break
				}
				io.Copy(io.Discard, req.Body)
				if _, err := io.WriteString(conn, respond(i)); err != nil {
					break
				}
			}
			conn.Close()
		}
	}()
	return "http://" + ln.Addr().String() + "/svc"
}

func rawResponse(body string) string {
	return fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s", ct12, len(body), body)
}

// Interim responses are skipped; bytes after a response mean the
// connection is not reused.
func TestDirectClientInterimAndTrailingBytes(t *testing.T) {
	skipWithoutDirect(t)
	leakCheck(t)
	url := rawServer(t, func(i int) string {
		switch i {
		case 0:
			return "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + rawResponse(env12)
		case 1:
			return rawResponse(env12) + "garbage"
		}
		return rawResponse("<unexpected/>")
	})
	c := dial(t, url, config(2, ct12))
	for i := 0; i < 3; i++ {
		if body, err := exchange(t, c); err != nil || body != env12 {
			t.Fatalf("exchange %d: %q, %v", i, body, err)
		}
	}
}

// Close lets the exchange in flight finish, then closes its connection;
// Abort cuts it.
func TestDirectClientCloseAndAbortInFlight(t *testing.T) {
	skipWithoutDirect(t)
	leakCheck(t)
	release := make(chan struct{})
	ts, _ := echoServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case <-release:
		case <-r.Context().Done():
		}
		w.Header().Set("Content-Type", ct12)
		io.WriteString(w, env12)
	})
	for _, abort := range []bool{false, true} {
		c := dial(t, ts.URL, config(2, ct12))
		sent := make(chan error, 1)
		go func() { sent <- c.Send(tctx(t), &transport.Frame{Data: []byte(env12)}) }()
		time.Sleep(50 * time.Millisecond) // the request is at the server
		if abort {
			c.Abort()
			if err := <-sent; !errors.Is(err, net.ErrClosed) {
				t.Errorf("Send cut by Abort: %v", err)
			}
			continue
		}
		c.Close(context.Background())
		release <- struct{}{}
		if err := <-sent; err != nil {
			t.Errorf("Send in flight at Close: %v", err)
		}
		if err := c.Send(tctx(t), &transport.Frame{Data: []byte(env12)}); !errors.Is(err, net.ErrClosed) {
			t.Errorf("Send after Close: %v", err)
		}
		if c.direct.conn != nil {
			t.Error("the connection outlived Close and its exchange")
		}
	}
}

// A context that ends cuts the exchange and its connection; the next
// exchange makes a new one.
func TestDirectClientContext(t *testing.T) {
	skipWithoutDirect(t)
	leakCheck(t)
	slow := make(chan struct{})
	t.Cleanup(func() { close(slow) })
	ts, cc := echoServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.URL.Query().Get("slow") != "" {
			select {
			case <-slow:
			case <-r.Context().Done():
			}
		}
		w.Header().Set("Content-Type", ct12)
		io.WriteString(w, env12)
	})
	c := dial(t, ts.URL+"?slow=1", config(2, ct12))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := c.Send(ctx, &transport.Frame{Data: []byte(env12)}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Send past its deadline: %v", err)
	}
	c.url = ts.URL
	if body, err := exchange(t, c); err != nil || body != env12 {
		t.Fatalf("exchange after a cut one: %q, %v", body, err)
	}
	if n := cc.n.Load(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}

// deadlineOnly is a context with a deadline and no Done channel, as the
// channel layer gives a transport.DeadlineBound Conn.
type deadlineOnly struct {
	context.Context
	d time.Time
}

func (c deadlineOnly) Deadline() (time.Time, bool) { return c.d, true }
func (c deadlineOnly) Err() error {
	if time.Now().Before(c.d) {
		return nil
	}
	return context.DeadlineExceeded
}

// A deadline without a Done channel bounds Send and Receive, with the
// direct client and with an http.Client.
func TestClientDeadlineBound(t *testing.T) {
	leakCheck(t)
	slow := make(chan struct{})
	t.Cleanup(func() { close(slow) })
	ts, _ := echoServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case <-slow:
		case <-r.Context().Done():
		}
	})
	for _, redirects := range []bool{false, true} {
		cfg := config(2, ct12)
		cfg.Extra[ExtraFollowRedirects] = redirects // true: an http.Client
		c := dial(t, ts.URL, cfg)
		sent := make(chan error, 1)
		go func() {
			sent <- c.Send(deadlineOnly{context.Background(), time.Now().Add(200 * time.Millisecond)}, &transport.Frame{Data: []byte(env12)})
		}()
		time.Sleep(20 * time.Millisecond)
		start := time.Now()
		if _, err := c.Receive(deadlineOnly{context.Background(), time.Now().Add(50 * time.Millisecond)}); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("redirects %v: Receive waiting for the Send: %v", redirects, err)
		}
		select {
		case err := <-sent:
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("redirects %v: Send past its deadline: %v", redirects, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("redirects %v: Send did not end at its deadline", redirects)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("redirects %v: the deadline took %v to end the exchange", redirects, d)
		}
		c.Close(context.Background())
	}
}

// A request whose writing fails on a kept-alive connection the server has
// reset (unseen, here, by the idle check) is sent again, whole, on a new
// connection.
func TestDirectClientResendsAfterReset(t *testing.T) {
	skipWithoutDirect(t)
	leakCheck(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	bodies := make(chan string, 4)
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			req, err := http.ReadRequest(bufio.NewReader(conn))
			if err == nil {
				b, _ := io.ReadAll(req.Body)
				bodies <- string(b)
				io.WriteString(conn, rawResponse(env12))
			}
			// One exchange per connection, then a reset.
			conn.(*net.TCPConn).SetLinger(0)
			conn.Close()
		}
	}()
	testHookConnAlive = func(net.Conn) bool { return true }
	t.Cleanup(func() { testHookConnAlive = connAlive })
	c := dial(t, "http://"+ln.Addr().String()+"/svc", config(2, ct12))
	for i := 0; i < 2; i++ {
		if i == 1 {
			time.Sleep(50 * time.Millisecond) // the reset has arrived
		}
		if body, err := exchange(t, c); err != nil || body != env12 {
			t.Fatalf("exchange %d: %q, %v", i, body, err)
		}
		if got := <-bodies; got != env12 {
			t.Fatalf("exchange %d: the server read %q", i, got)
		}
	}
}

// A header that would split the request is refused before anything goes
// out, with the direct client as with an http.Client.
func TestClientRefusesHeaderInjection(t *testing.T) {
	leakCheck(t)
	ts, got := recorder(t, 200, ct12, env12, nil)
	for _, redirects := range []bool{false, true} {
		cfg := config(2, ct12)
		cfg.Extra[ExtraFollowRedirects] = redirects // true: an http.Client
		c := dial(t, ts.URL, cfg)
		for _, h := range []http.Header{
			{"X-Bad\r\nInjected": {"1"}},
			{"X-Bad": {"a\r\nInjected: 1"}},
			{"X-Bad": {"a\nb"}},
			{"X Bad": {"1"}},
		} {
			if err := c.Send(tctx(t), &transport.Frame{Data: []byte(env12), Header: h}); err == nil {
				t.Errorf("redirects %v: header %q was sent", redirects, h)
			}
		}
		if err := c.Send(tctx(t), &transport.Frame{Data: []byte(env12), Header: http.Header{"X-Good": {"a\tb"}}}); err != nil {
			t.Errorf("redirects %v: a valid header: %v", redirects, err)
		}
		c.Close(context.Background())
	}
	if n := len(got); n != 2 {
		t.Errorf("the server saw %d requests, want the 2 valid ones", n)
	}
	for len(got) > 0 {
		if r := <-got; r.header.Get("Injected") != "" || r.header.Get("X-Good") != "a\tb" {
			t.Errorf("the server saw headers %v", r.header)
		}
	}
}
