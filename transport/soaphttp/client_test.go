package soaphttp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wwsgo/wws/transport"
)

// recorded is what a test server saw of a request.
type recorded struct {
	method, uri string
	header      http.Header
	body        string
}

// recorder is a test server answering every request with a fixed response
// and recording the request.
func recorder(t *testing.T, status int, ct, body string, extra http.Header) (*httptest.Server, chan recorded) {
	got := make(chan recorded, 16)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- recorded{r.Method, r.RequestURI, r.Header.Clone(), string(b)}
		for k, vs := range extra {
			w.Header()[k] = vs
		}
		if ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(ts.Close)
	return ts, got
}

func dial(t *testing.T, url string, cfg *transport.Config) *ClientConn {
	t.Helper()
	c, err := Dial(context.Background(), url, cfg)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c.(*ClientConn)
}

func TestClientRequestHeaders(t *testing.T) {
	leakCheck(t)
	tests := []struct {
		name       string
		soap       int
		ct         string
		action     string
		wantCT     string
		wantAction []string // SOAPAction header values; nil for none
	}{
		{"soap11", 1, ct11, "http://wws.test/peer/Echo/Echo", ct11, []string{`"http://wws.test/peer/Echo/Echo"`}},
		{"soap11 empty action", 1, ct11, "", ct11, []string{`""`}},
		{"soap11 quote in action", 1, ct11, `urn:a"b\c`, ct11, []string{`"urn:a\"b\\c"`}},
		{"soap11 utf-16", 1, "text/xml; charset=utf-16", "urn:a", "text/xml; charset=utf-16", []string{`"urn:a"`}},
		{"soap12", 2, ct12, "http://wws.test/peer/Echo/Echo", ct12 + `; action="http://wws.test/peer/Echo/Echo"`, nil},
		{"soap12 empty action", 2, ct12, "", ct12, nil},
		{"soap12 unicodeFFFE", 2, "application/soap+xml; charset=unicodeFFFE", "urn:a", `application/soap+xml; charset=unicodeFFFE; action="urn:a"`, nil},
		{"binary", 2, ctBin, "urn:a", ctBin, nil},
		{"default soap11", 1, "", "urn:a", ct11, []string{`"urn:a"`}},
		{"default soap12", 2, "", "urn:a", ct12 + `; action="urn:a"`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			respCT := tt.wantCT
			if i := strings.Index(respCT, "; action"); i >= 0 {
				respCT = respCT[:i]
			}
			ts, got := recorder(t, 200, respCT, env12, nil)
			c := dial(t, ts.URL+"/svc?x=1", config(tt.soap, tt.ct))
			if err := c.Send(tctx(t), &transport.Frame{Data: []byte(env12), Action: tt.action}); err != nil {
				t.Fatalf("Send: %v", err)
			}
			r := <-got
			if r.method != "POST" || r.uri != "/svc?x=1" {
				t.Errorf("request line %s %s", r.method, r.uri)
			}
			if v := r.header.Values("Content-Type"); len(v) != 1 || v[0] != tt.wantCT {
				t.Errorf("Content-Type %q, want %q", v, tt.wantCT)
			}
			if v := r.header.Values("SOAPAction"); !reflect.DeepEqual(v, tt.wantAction) {
				t.Errorf("SOAPAction %q, want %q", v, tt.wantAction)
			}
			if v := r.header.Get("User-Agent"); v != UserAgent {
				t.Errorf("User-Agent %q", v)
			}
			if v := r.header.Get("Content-Length"); v != strconv.Itoa(len(env12)) {
				t.Errorf("Content-Length %q", v)
			}
			if r.body != env12 {
				t.Errorf("body %q", r.body)
			}
			f, err := c.Receive(tctx(t))
			if err != nil || string(f.Data) != env12 || f.Status != 200 {
				t.Fatalf("Receive: %v %+v", err, f)
			}
		})
	}
}

func TestClientControlCharacterAction(t *testing.T) {
	leakCheck(t)
	c := dial(t, "http://127.0.0.1:1/", config(1, ct11))
	if err := c.Send(tctx(t), &transport.Frame{Data: []byte(env11), Action: "urn:a\r\nX: y"}); err == nil {
		t.Fatal("an action with CR LF was sent")
	}
}

func TestClientStatus(t *testing.T) {
	leakCheck(t)
	big := strings.Repeat("x", 70000)
	type want struct {
		frame   bool
		status  int
		eof     bool
		fault   int
		auth    *AuthError
		format  bool
		tooBig  bool
		snippet string
		newConn bool // the connection is not reused
	}
	tests := []struct {
		name   string
		status int
		ct     string
		body   string
		hdr    http.Header
		chunk  bool
		want   want
	}{
		{"200 envelope", 200, ct12, env12, nil, false, want{frame: true, status: 200}},
		{"200 no charset", 200, "application/soap+xml", env12, nil, false, want{frame: true, status: 200}},
		{"200 other charset", 200, "Application/SOAP+XML; charset=utf-16", env12, nil, false, want{frame: true, status: 200}},
		{"500 fault envelope", 500, ct12, env12, nil, false, want{frame: true, status: 500}},
		{"400 fault envelope", 400, ct12, env12, nil, false, want{frame: true, status: 400}},
		{"202 empty", 202, "", "", nil, false, want{eof: true}},
		{"204", 204, "", "", nil, false, want{eof: true}},
		{"200 empty", 200, "", "", nil, false, want{eof: true}},
		{"200 empty soap type", 200, ct12, "", nil, false, want{eof: true}},
		{"404 html", 404, "text/html", "<html>Not Found</html>", nil, false, want{fault: 404, snippet: "Not Found"}},
		{"404 empty", 404, "", "", nil, false, want{fault: 404}},
		{"503", 503, "text/plain", "busy", nil, false, want{fault: 503}},
		{"500 empty", 500, "", "", nil, false, want{fault: 500}},
		{"400 plain", 400, "text/plain", "bad", nil, false, want{fault: 400}},
		{"302", 302, "", "", http.Header{"Location": {"/elsewhere"}}, false, want{fault: 302}},
		{"401 basic", 401, "", "", http.Header{"Www-Authenticate": {`Basic realm="a, b"`}}, false, want{auth: &AuthError{401, []string{"Basic"}}}},
		{"401 digest", 401, "", "", http.Header{"Www-Authenticate": {`Digest realm="r", qop="auth,auth-int", nonce="n"`}}, false, want{auth: &AuthError{401, []string{"Digest"}}}},
		{"401 ntlm", 401, "", "", http.Header{"Www-Authenticate": {`NTLM`}}, false, want{auth: &AuthError{401, []string{"NTLM"}}}},
		{"401 negotiate", 401, "", "", http.Header{"Www-Authenticate": {`Negotiate`}}, false, want{auth: &AuthError{401, []string{"Negotiate"}}}},
		{"401 several", 401, "text/html", "<html/>", http.Header{"Www-Authenticate": {`Negotiate`, `NTLM`, `Bearer realm="x"`, `basic realm="y"`}}, false,
			want{auth: &AuthError{401, []string{"Negotiate", "NTLM", "Basic"}}}},
		{"401 one line", 401, "", "", http.Header{"Www-Authenticate": {`Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple"`}}, false,
			want{auth: &AuthError{401, []string{"Basic"}}}},
		{"401 none known", 401, "", "", http.Header{"Www-Authenticate": {`Bearer`}}, false, want{auth: &AuthError{401, nil}}},
		{"407 basic", 407, "", "", http.Header{"Proxy-Authenticate": {`Basic realm="proxy"`}}, false, want{auth: &AuthError{407, []string{"Basic"}}}},
		{"407 ntlm negotiate", 407, "", "", http.Header{"Proxy-Authenticate": {`NTLM, Negotiate`}}, false, want{auth: &AuthError{407, []string{"NTLM", "Negotiate"}}}},
		{"200 html", 200, "text/html", "<html>hello</html>", nil, false, want{format: true}},
		{"500 html", 500, "text/html", "<html>Server Error</html>", nil, false, want{format: true}},
		{"200 soap 1.1 type", 200, ct11, env11, nil, false, want{format: true}},
		{"200 no type", 200, "", env12, nil, false, want{format: true}},
		{"too large", 200, ct12, big, nil, false, want{tooBig: true}},
		{"too large chunked", 200, ct12, big, nil, true, want{tooBig: true}},
		{"404 large html", 404, "text/html", big, nil, false, want{fault: 404, newConn: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cc connCounter
			ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				for k, vs := range tt.hdr {
					w.Header()[k] = vs
				}
				w.Header()["Content-Type"] = nil // no sniffing
				if tt.ct != "" {
					w.Header().Set("Content-Type", tt.ct)
				}
				if !tt.chunk && tt.body != "" {
					w.Header().Set("Content-Length", strconv.Itoa(len(tt.body)))
				}
				w.WriteHeader(tt.status)
				if tt.chunk {
					half := len(tt.body) / 2
					io.WriteString(w, tt.body[:half])
					w.(http.Flusher).Flush()
					io.WriteString(w, tt.body[half:])
				} else {
					io.WriteString(w, tt.body)
				}
			}))
			ts.Config.ConnState = cc.hook
			ts.Start()
			defer ts.Close()
			c := dial(t, ts.URL+"/svc", config(2, ct12))
			if err := c.Send(tctx(t), &transport.Frame{Data: []byte(env12), Action: "urn:a"}); err != nil {
				t.Fatalf("Send: %v", err)
			}
			f, err := c.Receive(tctx(t))
			w := tt.want
			switch {
			case w.frame:
				if err != nil {
					t.Fatalf("Receive: %v", err)
				}
				if string(f.Data) != tt.body || f.Status != w.status || f.ContentType != tt.ct {
					t.Errorf("frame %q status %d type %q", f.Data, f.Status, f.ContentType)
				}
				if f.Header.Get("Content-Type") != tt.ct {
					t.Errorf("frame headers %v", f.Header)
				}
			case w.eof:
				if err != io.EOF {
					t.Fatalf("Receive: %v, %v; want io.EOF", f, err)
				}
			case w.fault != 0:
				var tf *transport.Fault
				if !errors.As(err, &tf) || tf.Code != w.fault {
					t.Fatalf("Receive: %v; want a fault with code %d", err, w.fault)
				}
				if !strings.Contains(tf.Msg, w.snippet) {
					t.Errorf("fault message %q does not say %q", tf.Msg, w.snippet)
				}
			case w.auth != nil:
				var ae *AuthError
				if !errors.As(err, &ae) || !reflect.DeepEqual(ae, w.auth) {
					t.Fatalf("Receive: %#v; want %#v", err, w.auth)
				}
				if ae.Proxy() != (w.auth.Status == 407) || ae.Error() == "" {
					t.Errorf("Proxy() %v", ae.Proxy())
				}
			case w.format:
				var fe *FormatError
				if !errors.As(err, &fe) || fe.Status != tt.status || fe.ContentType != tt.ct ||
					!strings.HasPrefix(tt.body, string(fe.Prefix)) || len(fe.Prefix) == 0 || fe.Expected != mediaSOAP12 {
					t.Fatalf("Receive: %#v; want a FormatError", err)
				}
				if !strings.Contains(fe.Error(), tt.ct) {
					t.Errorf("message %q", fe.Error())
				}
			case w.tooBig:
				if !errors.Is(err, ErrTooLarge) {
					t.Fatalf("Receive: %v; want ErrTooLarge", err)
				}
			}
			if f, err := c.Receive(tctx(t)); err != io.EOF {
				t.Errorf("second Receive: %v, %v; want io.EOF", f, err)
			}
			// The next exchange reuses the connection, except after a
			// body over the limit.
			if err := c.Send(tctx(t), &transport.Frame{Data: []byte(env12)}); err != nil {
				t.Fatalf("second Send: %v", err)
			}
			c.Receive(tctx(t))
			wantConns := int32(1)
			if w.tooBig || w.newConn {
				wantConns = 2
			}
			if n := cc.n.Load(); n != wantConns {
				t.Errorf("%d connections, want %d", n, wantConns)
			}
		})
	}
}

func TestClientHTTPS(t *testing.T) {
	leakCheck(t)
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", ct11)
		io.WriteString(w, env11)
	}))
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.StartTLS()
	defer ts.Close()
	pool := x509.NewCertPool()
	pool.AddCert(ts.Certificate())

	cfg := config(1, ct11)
	cfg.Extra[ExtraTLSConfig] = &tls.Config{RootCAs: pool}
	c := dial(t, ts.URL+"/svc", cfg)
	if err := c.Send(tctx(t), &transport.Frame{Data: []byte(env11), Action: "urn:a"}); err != nil {
		t.Fatalf("Send with the test pool: %v", err)
	}
	if f, err := c.Receive(tctx(t)); err != nil || string(f.Data) != env11 {
		t.Fatalf("Receive: %v", err)
	}

	// Without the pool the certificate is not trusted.
	c2 := dial(t, ts.URL+"/svc", config(1, ct11))
	err := c2.Send(tctx(t), &transport.Frame{Data: []byte(env11)})
	var ue x509.UnknownAuthorityError
	if !errors.As(err, &ue) {
		t.Fatalf("Send without the pool: %v; want an unknown authority error", err)
	}
}

func TestClientHeaderMapping(t *testing.T) {
	leakCheck(t)
	respHdr := http.Header{"X-Resp-A": {"ra"}, "X-Resp-B": {"rb"}}
	sent := http.Header{"X-Req-A": {"a1", "a2"}, "X-Req-B": {"b"}, "Content-Type": {"text/html"}, "Soapaction": {"evil"}}
	tests := []struct {
		name     string
		mapping  *HeaderMapping
		wantReq  http.Header // headers among X-Req-* that must arrive
		wantResp []string    // X-Resp-* names in the frame
	}{
		{"no mapping", nil, http.Header{"X-Req-A": {"a1", "a2"}, "X-Req-B": {"b"}}, []string{"X-Resp-A", "X-Resp-B"}},
		{"mapped", &HeaderMapping{Request: []string{"x-req-a"}, Response: []string{"X-Resp-B"}}, http.Header{"X-Req-A": {"a1", "a2"}}, []string{"X-Resp-B"}},
		{"mapped none", &HeaderMapping{Request: []string{}, Response: []string{}}, http.Header{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, got := recorder(t, 200, ct11, env11, respHdr)
			cfg := config(1, ct11)
			if tt.mapping != nil {
				cfg.Extra[ExtraHeaderMapping] = tt.mapping
			}
			c := dial(t, ts.URL, cfg)
			if err := c.Send(tctx(t), &transport.Frame{Data: []byte(env11), Action: "urn:a", Header: sent}); err != nil {
				t.Fatal(err)
			}
			r := <-got
			gotReq := http.Header{}
			for k, v := range r.header {
				if strings.HasPrefix(k, "X-Req-") {
					gotReq[k] = v
				}
			}
			if !reflect.DeepEqual(gotReq, tt.wantReq) {
				t.Errorf("mapped request headers %v, want %v", gotReq, tt.wantReq)
			}
			if r.header.Get("Content-Type") != ct11 || r.header.Get("SOAPAction") != `"urn:a"` {
				t.Errorf("the frame's headers replaced the binding's: %v", r.header)
			}
			f, err := c.Receive(tctx(t))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for k := range f.Header {
				if strings.HasPrefix(k, "X-Resp-") {
					names = append(names, k)
				}
			}
			if len(names) > 1 && names[0] > names[1] {
				names[0], names[1] = names[1], names[0]
			}
			if !reflect.DeepEqual(names, tt.wantResp) {
				t.Errorf("response headers in the frame %v, want %v", names, tt.wantResp)
			}
		})
	}
}

func TestClientAbort(t *testing.T) {
	leakCheck(t)
	for _, stage := range []string{"before headers", "during body"} {
		t.Run(stage, func(t *testing.T) {
			var cc connCounter
			arrived := make(chan struct{}, 4)
			release := make(chan struct{})
			var once sync.Once
			ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				if r.Header.Get("X-Slow") != "" {
					if stage == "during body" {
						w.Header().Set("Content-Type", ct12)
						w.Header().Set("Content-Length", strconv.Itoa(len(env12)))
						io.WriteString(w, env12[:10])
						w.(http.Flusher).Flush()
					}
					arrived <- struct{}{}
					select {
					case <-release:
					case <-r.Context().Done():
					}
					return
				}
				w.Header().Set("Content-Type", ct12)
				io.WriteString(w, env12)
			}))
			ts.Config.ConnState = cc.hook
			ts.Start()
			defer ts.Close()
			defer once.Do(func() { close(release) })

			// A client shared by two Conns: the aborted exchange's
			// connection must not go back to its pool.
			shared := &http.Client{Transport: &http.Transport{}}
			defer shared.CloseIdleConnections()
			cfg := config(2, ct12)
			cfg.Extra[ExtraClient] = shared

			// Warm the pool with one connection.
			c0 := dial(t, ts.URL, cfg)
			if err := c0.Send(tctx(t), &transport.Frame{Data: []byte(env12)}); err != nil {
				t.Fatal(err)
			}
			c0.Receive(tctx(t))

			c := dial(t, ts.URL, cfg)
			errc := make(chan error, 1)
			go func() {
				errc <- c.Send(context.Background(), &transport.Frame{Data: []byte(env12), Header: http.Header{"X-Slow": {"1"}}})
			}()
			<-arrived
			start := time.Now()
			c.Abort()
			c.Abort() // any number of times
			select {
			case err := <-errc:
				if !errors.Is(err, net.ErrClosed) {
					t.Errorf("Send after Abort: %v", err)
				}
			case <-time.After(2 * time.Second):
				t.Fatal("Send did not return after Abort")
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("Send took %v to return after Abort", d)
			}
			if _, err := c.Receive(tctx(t)); !errors.Is(err, net.ErrClosed) {
				t.Errorf("Receive after Abort: %v", err)
			}
			if err := c.Send(tctx(t), &transport.Frame{Data: []byte(env12)}); !errors.Is(err, net.ErrClosed) {
				t.Errorf("Send after Abort: %v", err)
			}
			once.Do(func() { close(release) })

			// The pool holds no connection from the aborted exchange: the
			// next exchange dials a new one.
			if err := c0.Send(tctx(t), &transport.Frame{Data: []byte(env12)}); err != nil {
				t.Fatal(err)
			}
			if _, err := c0.Receive(tctx(t)); err != nil {
				t.Fatal(err)
			}
			if n := cc.n.Load(); n != 2 {
				t.Errorf("%d connections, want 2 (one warm, one after the aborted exchange's was closed)", n)
			}
		})
	}
}

func TestClientContext(t *testing.T) {
	leakCheck(t)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer ts.Close()
	c := dial(t, ts.URL, config(2, ct12))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := c.Send(ctx, &transport.Frame{Data: []byte(env12)}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Send: %v; want DeadlineExceeded", err)
	}
	c.Abort()
}

func TestClientLifecycle(t *testing.T) {
	leakCheck(t)
	ts, _ := recorder(t, 200, ct12, env12, nil)
	c := dial(t, ts.URL, config(2, ct12))
	if _, err := c.Receive(tctx(t)); err != io.EOF {
		t.Errorf("Receive before Send: %v", err)
	}
	if c.LocalAddr() != nil || c.RemoteAddr() != nil {
		t.Errorf("addresses before the first exchange")
	}
	if err := c.Send(tctx(t), &transport.Frame{Data: []byte(env12)}); err != nil {
		t.Fatal(err)
	}
	f, err := c.Receive(tctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if c.RemoteAddr() == nil || c.RemoteAddr().String() != ts.Listener.Addr().String() || f.Remote == nil {
		t.Errorf("remote address %v, want %v", c.RemoteAddr(), ts.Listener.Addr())
	}
	if err := c.CloseSend(tctx(t)); err != nil {
		t.Error(err)
	}
	if err := c.Close(tctx(t)); err != nil {
		t.Error(err)
	}
	if err := c.Send(tctx(t), &transport.Frame{Data: []byte(env12)}); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Send after Close: %v", err)
	}
}

func TestDialErrors(t *testing.T) {
	leakCheck(t)
	tests := []struct {
		name string
		url  string
		cfg  *transport.Config
	}{
		{"scheme", "net.tcp://host/svc", config(2, ct12)},
		{"no host", "http:///svc", config(2, ct12)},
		{"fragment", "http://host/svc#f", config(2, ct12)},
		{"bad port", "http://host:99999/svc", config(2, ct12)},
		{"unparsable", "http://[::1/svc", config(2, ct12)},
		{"bad content type", "http://host/svc", config(2, "; charset=utf-8")},
		{"bad extra type", "http://host/svc", &transport.Config{Extra: map[string]any{ExtraClient: "client"}}},
		{"bad timeout type", "http://host/svc", &transport.Config{Extra: map[string]any{ExtraCloseTimeout: 5}}},
		{"custom proxy without URL", "http://host/svc", &transport.Config{Extra: map[string]any{ExtraProxyMode: ProxyCustom}}},
		{"bad proxy URL", "http://host/svc", &transport.Config{Extra: map[string]any{ExtraProxyURL: 42}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if c, err := Dial(context.Background(), tt.url, tt.cfg); err == nil {
				c.Close(context.Background())
				t.Fatal("Dial succeeded")
			}
		})
	}
	for _, u := range []string{"HTTP://host/svc", "https://host:8443/svc?q=1", "http://[::1]:80/"} {
		c, err := Dial(context.Background(), u, nil)
		if err != nil {
			t.Errorf("Dial %s: %v", u, err)
			continue
		}
		c.Close(context.Background())
	}
}

func TestClientProxy(t *testing.T) {
	leakCheck(t)
	// A custom proxy receives the absolute-form request.
	proxy, got := recorder(t, 200, ct12, env12, nil)
	for _, v := range []any{proxy.URL, mustURL(t, proxy.URL)} {
		cfg := config(2, ct12)
		cfg.Extra[ExtraProxyURL] = v
		c := dial(t, "http://soap.invalid/svc", cfg)
		if err := c.Send(tctx(t), &transport.Frame{Data: []byte(env12)}); err != nil {
			t.Fatal(err)
		}
		if r := <-got; r.uri != "http://soap.invalid/svc" {
			t.Errorf("the proxy saw %q", r.uri)
		}
		c.Close(context.Background())
	}
	// ProxyNone connects directly; the default follows the environment.
	for mode, direct := range map[ProxyMode]bool{ProxyNone: true, ProxyEnvironment: false} {
		st, err := readSettings(&transport.Config{Extra: map[string]any{ExtraProxyMode: mode}})
		if err != nil {
			t.Fatal(err)
		}
		d, network := dialer(nil)
		tr := newClient(st, d, network).Transport.(*http.Transport)
		if (tr.Proxy == nil) != direct {
			t.Errorf("mode %d: proxy function %v", mode, tr.Proxy != nil)
		}
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
