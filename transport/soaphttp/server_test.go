package soaphttp

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wwsgo/wws/transport"
)

// listen opens a listener on a free loopback port, closed at the end of the test.
func listen(t *testing.T, path string, cfg *transport.Config) (*Listener, string) {
	t.Helper()
	l, err := Listen(context.Background(), "http://127.0.0.1:0"+path, cfg)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l.(*Listener), "http://" + l.Addr().String()
}

// post sends a request with a plain net/http client in the background.
func post(t *testing.T, client *http.Client, url, ct string, hdr http.Header, body io.Reader) <-chan result {
	req, err := http.NewRequest(http.MethodPost, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	return do(client, req)
}

type result struct {
	status int
	header http.Header
	body   string
	err    error
}

func do(client *http.Client, req *http.Request) <-chan result {
	ch := make(chan result, 1)
	go func() {
		resp, err := client.Do(req)
		if err != nil {
			ch <- result{err: err}
			return
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		ch <- result{resp.StatusCode, resp.Header, string(b), err}
	}()
	return ch
}

func wait(t *testing.T, ch <-chan result) result {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("no response in 5 s")
	}
	return result{}
}

func accept(t *testing.T, l transport.Listener) *ServerConn {
	t.Helper()
	c, err := l.Accept(tctx(t))
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	return c.(*ServerConn)
}

func TestServerRoundTrip(t *testing.T) {
	leakCheck(t)
	tests := []struct {
		name       string
		soap       int
		ct         string // the listener's
		reqCT      string
		hdr        http.Header
		wantAction string
		status     int
		wantStatus int
		wantCT     string
	}{
		{"soap11", 1, ct11, ct11, http.Header{"Soapaction": {`"urn:echo"`}}, "urn:echo", 0, 200, ct11},
		{"soap11 unquoted action", 1, ct11, "TEXT/XML", http.Header{"Soapaction": {`urn:echo`}}, "urn:echo", 0, 200, ct11},
		{"soap11 fault", 1, ct11, ct11, http.Header{"Soapaction": {`""`}}, "", 500, 500, ct11},
		{"soap12 action param", 2, ct12, ct12 + `; action="urn:echo"`, nil, "urn:echo", 0, 200, ct12},
		{"soap12 mono SOAPAction", 2, ct12, ct12, http.Header{"Soapaction": {`"urn:echo"`}}, "urn:echo", 0, 200, ct12},
		{"soap12 both", 2, ct12, ct12 + `; action="urn:param"`, http.Header{"Soapaction": {`"urn:header"`}}, "urn:param", 0, 200, ct12},
		{"binary", 2, ctBin, ctBin, nil, "", 0, 200, ctBin},
		{"soap12 accepted status", 2, ct12, ct12, nil, "", 202, 202, ct12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, base := listen(t, "/svc", config(tt.soap, tt.ct))
			hdr := http.Header{"X-In": {"in"}}
			for k, v := range tt.hdr {
				hdr[k] = v
			}
			resc := post(t, testClient(t), base+"/svc", tt.reqCT, hdr, strings.NewReader("request body"))
			c := accept(t, l)
			f, err := c.Receive(tctx(t))
			if err != nil {
				t.Fatalf("Receive: %v", err)
			}
			if string(f.Data) != "request body" || f.Action != tt.wantAction || f.ContentType != tt.reqCT ||
				f.Header.Get("X-In") != "in" || f.Remote == nil || f.Remote.String() != c.RemoteAddr().String() {
				t.Errorf("request frame %+v", f)
			}
			if c.LocalAddr() == nil || c.LocalAddr().String() != l.Addr().String() {
				t.Errorf("local address %v, want %v", c.LocalAddr(), l.Addr())
			}
			if !strings.HasSuffix(c.URL(), "/svc") {
				t.Errorf("URL %q", c.URL())
			}
			if _, err := c.Receive(tctx(t)); err != io.EOF {
				t.Errorf("second Receive: %v", err)
			}
			resp := &transport.Frame{Data: []byte("response body"), Status: tt.status,
				Header: http.Header{"X-Out": {"out"}, "Content-Length": {"1"}}}
			if err := c.Send(tctx(t), resp); err != nil {
				t.Fatalf("Send: %v", err)
			}
			if err := c.Send(tctx(t), resp); err == nil {
				t.Error("a second Send succeeded")
			}
			if err := c.Close(tctx(t)); err != nil {
				t.Errorf("Close after Send: %v", err)
			}
			r := wait(t, resc)
			if r.err != nil || r.status != tt.wantStatus || r.body != "response body" ||
				r.header.Get("Content-Type") != tt.wantCT || r.header.Get("X-Out") != "out" {
				t.Errorf("response %+v", r)
			}
		})
	}
}

func TestServerRejects(t *testing.T) {
	leakCheck(t)
	big := strings.Repeat("x", 1000)
	tests := []struct {
		name   string
		method string
		ct     string
		body   io.Reader
		chunk  bool
		want   int
		check  func(t *testing.T, r result)
	}{
		{"GET", "GET", "", nil, false, 405, func(t *testing.T, r result) {
			if r.header.Get("Allow") != "POST" {
				t.Errorf("Allow %q", r.header.Get("Allow"))
			}
		}},
		{"PUT", "PUT", ct12, strings.NewReader("x"), false, 405, nil},
		{"wrong content type", "POST", ct11, strings.NewReader("x"), false, 415, func(t *testing.T, r result) {
			if !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") || !strings.Contains(r.body, "application/soap+xml") ||
				strings.Contains(r.body, "Envelope") {
				t.Errorf("415 answer %q %q", r.header.Get("Content-Type"), r.body)
			}
		}},
		{"binary to text", "POST", ctBin, strings.NewReader("x"), false, 415, nil},
		{"no content type", "POST", "", strings.NewReader("x"), false, 415, nil},
		{"over size", "POST", ct12, strings.NewReader(big), false, 413, nil},
		{"over size chunked", "POST", ct12, strings.NewReader(big), true, 413, nil},
		{"empty body", "POST", ct12, strings.NewReader(""), false, 400, nil},
	}
	cfg := config(2, ct12)
	cfg.MaxMessageSize = 999
	l, base := listen(t, "/svc", cfg)
	client := testClient(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.body
			if tt.chunk {
				body = io.MultiReader(body) // unknown length: chunked
			}
			req, _ := http.NewRequest(tt.method, base+"/svc", body)
			if tt.ct != "" {
				req.Header.Set("Content-Type", tt.ct)
			}
			r := wait(t, do(client, req))
			if r.err != nil || r.status != tt.want {
				t.Fatalf("response %d %v %q; want %d", r.status, r.err, r.body, tt.want)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
	// Nothing was queued.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if c, err := l.Accept(ctx); err == nil {
		t.Errorf("a rejected request was accepted: %v", c)
	}
	// A message of exactly the maximum size is accepted.
	resc := post(t, client, base+"/svc", ct12, nil, strings.NewReader(big[:999]))
	c := accept(t, l)
	if f, _ := c.Receive(tctx(t)); len(f.Data) != 999 {
		t.Errorf("%d bytes received", len(f.Data))
	}
	c.Close(tctx(t))
	if r := wait(t, resc); r.status != 202 {
		t.Errorf("status %d", r.status)
	}
}

func TestServerOneWay(t *testing.T) {
	leakCheck(t)
	l, base := listen(t, "/svc", config(2, ct12))
	resc := post(t, testClient(t), base+"/svc", ct12, nil, strings.NewReader(env12))
	c := accept(t, l)
	if _, err := c.Receive(tctx(t)); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(tctx(t)); err != nil {
		t.Fatalf("Close: %v", err)
	}
	r := wait(t, resc)
	if r.err != nil || r.status != http.StatusAccepted || r.body != "" || r.header.Get("Content-Length") != "0" {
		t.Errorf("response %+v", r)
	}
	if err := c.Send(tctx(t), &transport.Frame{Data: []byte(env12)}); err == nil {
		t.Error("Send after Close succeeded")
	}
}

func TestServerAbort(t *testing.T) {
	leakCheck(t)
	for _, when := range []string{"before receive", "after receive", "while send blocks"} {
		t.Run(when, func(t *testing.T) {
			cfg := config(2, ct12)
			cfg.MaxMessageSize = 64 << 20
			l, base := listen(t, "/svc", cfg)
			var resc <-chan result
			var raw net.Conn
			if when == "while send blocks" {
				// A client that never reads the response.
				var err error
				raw, err = net.Dial("tcp", l.Addr().String())
				if err != nil {
					t.Fatal(err)
				}
				defer raw.Close()
				fmt.Fprintf(raw, "POST /svc HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: 2\r\n\r\nhi", ct12)
			} else {
				resc = post(t, testClient(t), base+"/svc", ct12, nil, strings.NewReader(env12))
			}
			c := accept(t, l)
			if when != "before receive" {
				c.Receive(tctx(t))
			}
			sendErr := make(chan error, 1)
			if when == "while send blocks" {
				go func() { sendErr <- c.Send(context.Background(), &transport.Frame{Data: make([]byte, 32<<20)}) }()
				time.Sleep(100 * time.Millisecond)
				select {
				case err := <-sendErr:
					t.Fatalf("Send of 32 MiB to a client not reading returned: %v", err)
				default:
				}
			}
			start := time.Now()
			c.Abort()
			c.Abort()
			if _, err := c.Receive(tctx(t)); !errors.Is(err, net.ErrClosed) {
				t.Errorf("Receive after Abort: %v", err)
			}
			if when == "while send blocks" {
				select {
				case err := <-sendErr:
					if err == nil {
						t.Error("the blocked Send succeeded")
					}
				case <-time.After(2 * time.Second):
					t.Fatal("the blocked Send did not return after Abort")
				}
			} else {
				if err := c.Send(tctx(t), &transport.Frame{Data: []byte(env12)}); !errors.Is(err, net.ErrClosed) {
					t.Errorf("Send after Abort: %v", err)
				}
				r := wait(t, resc)
				if r.err == nil {
					t.Errorf("the client got a response after Abort: %+v", r)
				}
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("Abort took %v", d)
			}
			if raw != nil {
				// The connection is cut: reading ends with an error or EOF.
				raw.SetReadDeadline(time.Now().Add(5 * time.Second))
				_, err := io.Copy(io.Discard, raw)
				if ne, ok := err.(net.Error); ok && ne.Timeout() {
					t.Error("the connection was not cut")
				}
			}
		})
	}
}

func TestListenerClosePendingAccept(t *testing.T) {
	leakCheck(t)
	l, _ := listen(t, "/svc", config(2, ct12))
	errc := make(chan error, 1)
	go func() {
		_, err := l.Accept(context.Background())
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		if err != transport.ErrListenerClosed {
			t.Errorf("Accept: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Accept did not return after Close")
	}
	if _, err := l.Accept(tctx(t)); err != transport.ErrListenerClosed {
		t.Errorf("Accept after Close: %v", err)
	}
	l.Close() // again
}

func TestListenerAcceptContext(t *testing.T) {
	leakCheck(t)
	l, _ := listen(t, "/svc", config(2, ct12))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := l.Accept(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Accept: %v", err)
	}
}

func TestServerQueue(t *testing.T) {
	leakCheck(t)
	t.Run("timeout", func(t *testing.T) {
		cfg := config(2, ct12)
		cfg.Extra[ExtraQueueTimeout] = 100 * time.Millisecond
		_, base := listen(t, "/svc", cfg)
		start := time.Now()
		r := wait(t, post(t, testClient(t), base+"/svc", ct12, nil, strings.NewReader(env12)))
		if r.status != 503 {
			t.Errorf("status %d, want 503", r.status)
		}
		if d := time.Since(start); d < 100*time.Millisecond || d > 3*time.Second {
			t.Errorf("answered after %v", d)
		}
	})
	t.Run("full", func(t *testing.T) {
		cfg := config(2, ct12)
		cfg.Extra[ExtraQueueLength] = 1
		l, base := listen(t, "/svc", cfg)
		client := testClient(t)
		first := post(t, client, base+"/svc", ct12, nil, strings.NewReader(env12))
		// Wait until the first request is waiting in the queue.
		for i := 0; ; i++ {
			l.h.mu.Lock()
			n := l.h.waiting
			l.h.mu.Unlock()
			if n == 1 {
				break
			}
			if i > 500 {
				t.Fatal("the first request did not queue")
			}
			time.Sleep(10 * time.Millisecond)
		}
		if r := wait(t, post(t, client, base+"/svc", ct12, nil, strings.NewReader(env12))); r.status != 503 {
			t.Errorf("second request: %d, want 503", r.status)
		}
		c := accept(t, l)
		c.Close(tctx(t))
		if r := wait(t, first); r.status != 202 {
			t.Errorf("first request: %d", r.status)
		}
	})
	t.Run("close", func(t *testing.T) {
		l, base := listen(t, "/svc", config(2, ct12))
		resc := post(t, testClient(t), base+"/svc", ct12, nil, strings.NewReader(env12))
		for i := 0; ; i++ {
			l.h.mu.Lock()
			n := l.h.waiting
			l.h.mu.Unlock()
			if n == 1 {
				break
			}
			if i > 500 {
				t.Fatal("the request did not queue")
			}
			time.Sleep(10 * time.Millisecond)
		}
		l.Close()
		if r := wait(t, resc); r.status != 503 {
			t.Errorf("status %d, want 503", r.status)
		}
	})
}

func TestListenerCloseTimeout(t *testing.T) {
	leakCheck(t)
	t.Run("answered in time", func(t *testing.T) {
		cfg := config(2, ct12)
		cfg.Extra[ExtraCloseTimeout] = 5 * time.Second
		l, base := listen(t, "/svc", cfg)
		resc := post(t, testClient(t), base+"/svc", ct12, nil, strings.NewReader(env12))
		c := accept(t, l)
		closed := make(chan struct{})
		go func() { l.Close(); close(closed) }()
		time.Sleep(50 * time.Millisecond)
		select {
		case <-closed:
			t.Fatal("Close returned before the accepted request was answered")
		default:
		}
		if err := c.Send(tctx(t), &transport.Frame{Data: []byte(env12)}); err != nil {
			t.Fatalf("Send during Close: %v", err)
		}
		if r := wait(t, resc); r.status != 200 || r.body != env12 {
			t.Errorf("response %+v", r)
		}
		select {
		case <-closed:
		case <-time.After(3 * time.Second):
			t.Fatal("Close did not return after the answer")
		}
	})
	t.Run("not answered", func(t *testing.T) {
		cfg := config(2, ct12)
		cfg.Extra[ExtraCloseTimeout] = 200 * time.Millisecond
		l, base := listen(t, "/svc", cfg)
		resc := post(t, testClient(t), base+"/svc", ct12, nil, strings.NewReader(env12))
		c := accept(t, l)
		start := time.Now()
		l.Close()
		if d := time.Since(start); d < 150*time.Millisecond || d > 3*time.Second {
			t.Errorf("Close took %v", d)
		}
		if r := wait(t, resc); r.err == nil {
			t.Errorf("the client got a response: %+v", r)
		}
		if err := c.Send(tctx(t), &transport.Frame{Data: []byte(env12)}); err == nil {
			t.Error("Send after the close timeout succeeded")
		}
	})
	t.Run("reply timeout", func(t *testing.T) {
		cfg := config(2, ct12)
		cfg.Extra[ExtraReplyTimeout] = 100 * time.Millisecond
		l, base := listen(t, "/svc", cfg)
		resc := post(t, testClient(t), base+"/svc", ct12, nil, strings.NewReader(env12))
		c := accept(t, l)
		if r := wait(t, resc); r.err == nil {
			t.Errorf("the client got a response: %+v", r)
		}
		if err := c.Send(tctx(t), &transport.Frame{Data: []byte(env12)}); err == nil {
			t.Error("Send after the reply timeout succeeded")
		}
	})
}

func TestListenerAbort(t *testing.T) {
	leakCheck(t)
	for _, during := range []bool{false, true} {
		t.Run("during close "+strconv.FormatBool(during), func(t *testing.T) {
			l, base := listen(t, "/svc", config(2, ct12)) // the default 5 s close timeout
			resc := post(t, testClient(t), base+"/svc", ct12, nil, strings.NewReader(env12))
			c := accept(t, l)
			start := time.Now()
			closed := make(chan struct{})
			if during {
				go func() { l.Close(); close(closed) }()
				time.Sleep(50 * time.Millisecond)
			}
			l.Abort()
			if during {
				<-closed
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("Abort took %v", d)
			}
			if r := wait(t, resc); r.err == nil {
				t.Errorf("the client got a response: %+v", r)
			}
			if err := c.Send(tctx(t), &transport.Frame{Data: []byte(env12)}); err == nil {
				t.Error("Send after the listener's Abort succeeded")
			}
			if _, err := l.Accept(tctx(t)); err != transport.ErrListenerClosed {
				t.Errorf("Accept: %v", err)
			}
			// The port is free again.
			l2, err := Listen(context.Background(), "http://"+l.Addr().String()+"/svc", config(2, ct12))
			if err != nil {
				t.Fatalf("Listen again: %v", err)
			}
			l2.Close()
		})
	}
}

func TestSharedPort(t *testing.T) {
	leakCheck(t)
	la, base := listen(t, "/a", config(2, ct12))
	port := la.Addr().(*net.TCPAddr).Port
	open := func(path string, prefix bool) *Listener {
		cfg := config(2, ct12)
		if prefix {
			cfg.Extra[ExtraPathMatch] = MatchPrefixPath
		}
		l, err := Listen(context.Background(), "http://127.0.0.1:"+strconv.Itoa(port)+path, cfg)
		if err != nil {
			t.Fatalf("Listen %s: %v", path, err)
		}
		t.Cleanup(func() { l.Close() })
		return l.(*Listener)
	}
	lb := open("/b/", false)
	lp := open("/p", true)
	lpq := open("/p/q", false)
	if _, err := Listen(context.Background(), "http://127.0.0.1:"+strconv.Itoa(port)+"/A", config(2, ct12)); err == nil {
		t.Error("a second listener for /A was opened")
	}
	if _, err := Listen(context.Background(), "https://127.0.0.1:"+strconv.Itoa(port)+"/https", config(2, ct12)); err == nil {
		t.Error("an https listener shared an http port")
	}
	client := testClient(t)
	tests := []struct {
		path string
		want *Listener
	}{
		{"/a", la}, {"/a/", la}, {"/A", la}, {"/b", lb}, {"/b/", lb},
		{"/p", lp}, {"/p/x", lp}, {"/p/x/y", lp}, {"/p/q", lpq}, {"/p/q/", lpq},
		{"/c", nil}, {"/a/x", nil}, {"/", nil}, {"/pq", nil}, {"/p/q/r", lp},
	}
	all := []*Listener{la, lb, lp, lpq}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resc := post(t, client, base+tt.path+"?query", ct12, nil, strings.NewReader(tt.path))
			if tt.want == nil {
				if r := wait(t, resc); r.status != 404 {
					t.Errorf("status %d, want 404", r.status)
				}
				return
			}
			c := accept(t, tt.want)
			if f, _ := c.Receive(tctx(t)); string(f.Data) != tt.path {
				t.Errorf("received %q", f.Data)
			}
			c.Close(tctx(t))
			if r := wait(t, resc); r.status != 202 {
				t.Errorf("status %d", r.status)
			}
			for _, o := range all {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
				if c, err := o.Accept(ctx); err == nil {
					t.Errorf("another listener got a request: %s", c.(*ServerConn).URL())
				}
				cancel()
			}
		})
	}
	// Closing one listener frees its path only.
	la.Close()
	if r := wait(t, post(t, client, base+"/a", ct12, nil, strings.NewReader("x"))); r.status != 404 {
		t.Errorf("closed path: %d, want 404", r.status)
	}
	resc := post(t, client, base+"/b", ct12, nil, strings.NewReader("x"))
	accept(t, lb).Close(tctx(t))
	if r := wait(t, resc); r.status != 202 {
		t.Errorf("open path: %d", r.status)
	}
	// The path can be listened on again.
	la2 := open("/a", false)
	resc = post(t, client, base+"/a", ct12, nil, strings.NewReader("x"))
	accept(t, la2).Close(tctx(t))
	if r := wait(t, resc); r.status != 202 {
		t.Errorf("reopened path: %d", r.status)
	}
}

func TestHandlerOnServeMux(t *testing.T) {
	leakCheck(t)
	h := NewHandler(config(1, ct11))
	mux := http.NewServeMux()
	mux.Handle("/soap", h)
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") })
	ts := httptest.NewServer(mux)
	defer ts.Close()
	defer h.Close()
	if h.Addr() != nil {
		t.Errorf("Addr %v", h.Addr())
	}
	client := testClient(t)
	if r := wait(t, do(client, mustReq(t, "GET", ts.URL+"/hello", nil))); r.status != 200 || r.body != "hello" {
		t.Errorf("ordinary handler: %+v", r)
	}
	resc := post(t, client, ts.URL+"/soap", ct11, http.Header{"Soapaction": {`"urn:x"`}}, strings.NewReader(env11))
	c := accept(t, h)
	f, err := c.Receive(tctx(t))
	if err != nil || f.Action != "urn:x" || string(f.Data) != env11 {
		t.Fatalf("Receive: %v %+v", err, f)
	}
	c.Send(tctx(t), &transport.Frame{Data: []byte(env11)})
	if r := wait(t, resc); r.status != 200 || r.body != env11 || r.header.Get("Content-Type") != ct11 {
		t.Errorf("response %+v", r)
	}
	h.Close()
	if r := wait(t, post(t, client, ts.URL+"/soap", ct11, nil, strings.NewReader(env11))); r.status != 503 {
		t.Errorf("after Close: %d, want 503", r.status)
	}
	if _, err := h.Accept(tctx(t)); err != transport.ErrListenerClosed {
		t.Errorf("Accept after Close: %v", err)
	}
}

func mustReq(t *testing.T, method, url string, body io.Reader) *http.Request {
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestExpectContinue(t *testing.T) {
	leakCheck(t)
	l, _ := listen(t, "/svc", config(2, ct12))
	conn, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	// Mono's request head: SOAPAction with SOAP 1.2, Expect: 100-continue.
	fmt.Fprintf(conn, "POST /svc HTTP/1.1\r\nContent-Type: %s\r\nSOAPAction: \"urn:echo\"\r\nContent-Length: %d\r\n"+
		"Expect: 100-continue\r\nConnection: keep-alive\r\nHost: 127.0.0.1\r\n\r\n", ct12, len(env12))
	br := bufio.NewReader(conn)
	line, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 100 Continue") {
		t.Fatalf("interim response %q, %v", line, err)
	}
	if blank, _ := br.ReadString('\n'); blank != "\r\n" {
		t.Fatalf("after 100 Continue: %q", blank)
	}
	io.WriteString(conn, env12)
	c := accept(t, l)
	f, err := c.Receive(tctx(t))
	if err != nil || string(f.Data) != env12 || f.Action != "urn:echo" {
		t.Fatalf("Receive: %v %+v", err, f)
	}
	if err := c.Send(tctx(t), &transport.Frame{Data: []byte(env12)}); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(b) != env12 || resp.Header.Get("Content-Type") != ct12 {
		t.Errorf("response %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	// Over the limit: 413 without reading the body (no 100 Continue).
	cfg := config(2, ct12)
	cfg.MaxMessageSize = 10
	l2, _ := listen(t, "/svc", cfg)
	conn2, err := net.Dial("tcp", l2.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.Close()
	conn2.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(conn2, "POST /svc HTTP/1.1\r\nContent-Type: %s\r\nContent-Length: 11\r\nExpect: 100-continue\r\nHost: x\r\n\r\n", ct12)
	resp, err = http.ReadResponse(bufio.NewReader(conn2), nil)
	if err != nil || resp.StatusCode != 413 {
		t.Fatalf("response %v, %v; want 413", resp, err)
	}
	resp.Body.Close()
}

func TestClientServer(t *testing.T) {
	leakCheck(t)
	for _, soap := range []int{1, 2} {
		t.Run("soap1"+strconv.Itoa(soap), func(t *testing.T) {
			ct := ct12
			if soap == 1 {
				ct = ct11
			}
			l, base := listen(t, "/svc", config(soap, ct))
			c := dial(t, base+"/svc", config(soap, ct))
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 3; i++ {
					sc, err := l.Accept(tctx(t))
					if err != nil {
						t.Error(err)
						return
					}
					f, err := sc.Receive(tctx(t))
					if err != nil {
						t.Error(err)
						return
					}
					switch f.Action {
					case "urn:oneway":
						sc.Close(tctx(t))
					case "urn:fault":
						sc.Send(tctx(t), &transport.Frame{Data: []byte("fault"), Status: 500})
					default:
						sc.Send(tctx(t), &transport.Frame{Data: bytes.ToUpper(f.Data)})
					}
				}
			}()
			defer wg.Wait()
			if err := c.Send(tctx(t), &transport.Frame{Data: []byte("hello"), Action: "urn:echo"}); err != nil {
				t.Fatal(err)
			}
			if f, err := c.Receive(tctx(t)); err != nil || string(f.Data) != "HELLO" || f.Status != 200 {
				t.Errorf("Receive: %v %+v", err, f)
			}
			if err := c.Send(tctx(t), &transport.Frame{Data: []byte("x"), Action: "urn:oneway"}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Receive(tctx(t)); err != io.EOF {
				t.Errorf("one-way Receive: %v", err)
			}
			if err := c.Send(tctx(t), &transport.Frame{Data: []byte("x"), Action: "urn:fault"}); err != nil {
				t.Fatal(err)
			}
			if f, err := c.Receive(tctx(t)); err != nil || string(f.Data) != "fault" || f.Status != 500 {
				t.Errorf("fault Receive: %v %+v", err, f)
			}
		})
	}
}

func TestListenErrors(t *testing.T) {
	leakCheck(t)
	for _, u := range []string{"ftp://127.0.0.1:0/", "http://127.0.0.1:0/svc?x=1", "https://127.0.0.1:0/svc"} {
		if l, err := Listen(context.Background(), u, config(2, ct12)); err == nil {
			l.Close()
			t.Errorf("Listen %s succeeded", u)
		}
	}
	l, _ := listen(t, "/svc", config(2, ct12))
	// The port is taken by another process-level listener on a different key.
	if l2, err := Listen(context.Background(), "http://127.0.0.1:"+strconv.Itoa(l.Addr().(*net.TCPAddr).Port)+"/svc", config(2, ct12)); err == nil {
		l2.Close()
		t.Error("a second listener for the same path was opened")
	}
}

func TestListenHosts(t *testing.T) {
	leakCheck(t)
	hosts := []string{"127.0.0.1"}
	if ln, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		ln.Close()
		hosts = append(hosts, "[::1]")
	}
	client := testClient(t)
	for _, host := range []string{"+", "*", "localhost"} {
		t.Run(host, func(t *testing.T) {
			l, err := Listen(context.Background(), "http://"+host+":0/svc", nil)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
			for _, h := range hosts {
				resc := post(t, client, "http://"+h+":"+port+"/svc", ct12, nil, strings.NewReader(env12))
				c := accept(t, l)
				c.Close(tctx(t))
				if r := wait(t, resc); r.status != 202 {
					t.Errorf("%s: status %d", h, r.status)
				}
			}
		})
	}
}

func TestListenHTTPS(t *testing.T) {
	leakCheck(t)
	// Borrow httptest's certificate (for 127.0.0.1).
	ts := httptest.NewUnstartedServer(http.NotFoundHandler())
	ts.StartTLS()
	cert := ts.TLS.Certificates
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	ts.Close()

	cfg := config(2, ct12)
	cfg.Extra[ExtraTLSConfig] = &tls.Config{Certificates: cert}
	l, err := Listen(context.Background(), "https://127.0.0.1:0/svc", cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ccfg := config(2, ct12)
	ccfg.Extra[ExtraTLSConfig] = &tls.Config{RootCAs: pool}
	c := dial(t, "https://"+l.Addr().String()+"/svc", ccfg)
	errc := make(chan error, 1)
	go func() { errc <- c.Send(tctx(t), &transport.Frame{Data: []byte(env12), Action: "urn:a"}) }()
	sc := accept(t, l)
	if !strings.HasPrefix(sc.URL(), "https://") {
		t.Errorf("URL %q", sc.URL())
	}
	f, _ := sc.Receive(tctx(t))
	if f.Action != "urn:a" {
		t.Errorf("action %q", f.Action)
	}
	sc.Send(tctx(t), &transport.Frame{Data: []byte(env12)})
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if f, err := c.Receive(tctx(t)); err != nil || string(f.Data) != env12 {
		t.Fatalf("Receive: %v", err)
	}
}
