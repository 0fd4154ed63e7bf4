package wws

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// test_WsOpenChannel: HTTP channels open without I/O.
func TestWineOpenChannelHTTP(t *testing.T) {
	ctx := testCtx(t)
	ch, err := NewChannel(ChannelTypeRequest, BindingHTTP)
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.Close(ctx); err != nil {
		t.Fatalf("close in Created: %v", err)
	}
	ch, _ = NewChannel(ChannelTypeRequest, BindingHTTP)
	mustCode(t, ch.Open(ctx, ""), E_INVALIDARG)
	var nilCh *Channel
	mustCode(t, nilCh.Open(ctx, "http://localhost"), E_INVALIDARG)
	if err := ch.Open(ctx, "http://localhost"); err != nil {
		t.Fatal(err)
	}
	if ch.State() != ChannelStateOpen {
		t.Fatalf("state %v", ch.State())
	}
	mustCode(t, ch.Open(ctx, "http://localhost"), WS_E_INVALID_OPERATION)
	if err := ch.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if ch.State() != ChannelStateClosed {
		t.Fatalf("state %v", ch.State())
	}
	if err := ch.Close(ctx); err != nil {
		t.Fatal(err)
	}
	mustCode(t, nilCh.Close(ctx), E_INVALIDARG)
}

// test_WsResetChannel
func TestWineResetChannelHTTP(t *testing.T) {
	ctx := testCtx(t)
	ch, _ := NewChannel(ChannelTypeRequest, BindingHTTP)
	if err := ch.Reset(); err != nil {
		t.Fatal(err)
	}
	if err := ch.SetProperty(ChannelPropertyResolveTimeout, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := ch.Open(ctx, "http://localhost"); err != nil {
		t.Fatal(err)
	}
	mustCode(t, ch.Reset(), WS_E_INVALID_OPERATION)
	ch.Close(ctx)
	if err := ch.Reset(); err != nil {
		t.Fatal(err)
	}
	if ch.State() != ChannelStateCreated {
		t.Fatalf("state %v", ch.State())
	}
	if v, _ := ch.Property(ChannelPropertyChannelType); v != ChannelTypeRequest {
		t.Fatalf("channel type %v", v)
	}
	if v, _ := ch.Property(ChannelPropertyResolveTimeout); v != 5*time.Second {
		t.Fatalf("resolve timeout %v after reset", v)
	}
}

// rawHTTPServer is Wine's proxy.c server: it reads one request, records it,
// and answers with status, a mapped header and body.
func rawHTTPServer(t *testing.T, status string, body string) (url string, got <-chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	c := make(chan string, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		br := bufio.NewReader(conn)
		var head strings.Builder
		length := 0
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			head.WriteString(line)
			if line == "\r\n" {
				break
			}
			if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "Content-Length") {
				length, _ = strconv.Atoi(strings.TrimSpace(v))
			}
			if strings.HasPrefix(strings.ToLower(line), "expect:") {
				conn.Write([]byte("HTTP/1.1 100 Continue\r\n\r\n"))
			}
		}
		b := make([]byte, length)
		io.ReadFull(br, b)
		c <- head.String() + string(b)
		fmt.Fprintf(conn, "HTTP/1.1 %s\r\nContent-Type: text/xml; charset=utf-8\r\nConnection: close\r\nMappedResponseHeader: value\r\nContent-Length: %d\r\n\r\n%s", status, len(body), body)
	}()
	return "http://" + ln.Addr().String(), c
}

func soap11Channel(t *testing.T, url string, props ...ChannelProperty) *Channel {
	t.Helper()
	props = append([]ChannelProperty{
		{ChannelPropertyEnvelopeVersion, EnvelopeSOAP11},
		{ChannelPropertyAddressingVersion, AddressingTransport},
	}, props...)
	ch, err := NewChannel(ChannelTypeRequest, BindingHTTP, props...)
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.Open(testCtx(t), url); err != nil {
		t.Fatal(err)
	}
	return ch
}

// proxy.c test_WsSendMessage and test_WsReceiveMessage: the exact SOAP 1.1
// request, and a reply read from the response.
func TestWineProxySendReceive(t *testing.T) {
	ctx := testCtx(t)
	reply := `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><resp_test1 xmlns="ns">-2</resp_test1></s:Body></s:Envelope>`
	url, got := rawHTTPServer(t, "200 OK", reply)
	ch := soap11Channel(t, url, ChannelProperty{ChannelPropertyHTTPMessageMapping, HTTPMessageMapping{ResponseHeaders: []string{"MappedResponseHeader"}}})
	mustCode(t, ch.Send(ctx, nil), E_INVALIDARG)
	req := ch.NewMessage()
	req.SetAction("req_test1")
	req.SetBody(int32Body("req_test1", -1))
	resp, err := ch.Request(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	request := <-got
	wantBody := `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><req_test1 xmlns="ns">-1</req_test1></s:Body></s:Envelope>`
	if !strings.HasSuffix(request, "\r\n\r\n"+wantBody) {
		t.Errorf("request body:\n%s\nwant\n%s", request, wantBody)
	}
	for _, h := range []string{"POST / HTTP/1.1\r\n", "Content-Type: text/xml; charset=utf-8\r\n", "Soapaction: \"req_test1\"\r\n"} {
		if !strings.Contains(http.CanonicalHeaderKey(request), http.CanonicalHeaderKey(h)) && !strings.Contains(request, h) {
			t.Errorf("request lacks %q:\n%s", h, request)
		}
	}
	if v := readInt32Body(t, resp, "resp_test1"); v != -2 {
		t.Errorf("value %d", v)
	}
	if resp.HTTPHeader.Get("MappedResponseHeader") != "value" {
		t.Errorf("mapped response header %q", resp.HTTPHeader)
	}
	ch.Close(ctx)
}

// WsSendMessage then WsReceiveMessage on an HTTP request channel: the
// response of the send is the message the receive returns.
func TestHTTPSendThenReceive(t *testing.T) {
	ctx := testCtx(t)
	reply := `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><resp_test1 xmlns="ns">-2</resp_test1></s:Body></s:Envelope>`
	url, got := rawHTTPServer(t, "200 OK", reply)
	ch := soap11Channel(t, url)
	req := ch.NewMessage()
	req.SetAction("req_test1")
	req.SetBody(int32Body("req_test1", -1))
	if err := ch.Send(ctx, req); err != nil {
		t.Fatal(err)
	}
	<-got
	resp, err := ch.Receive(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v := readInt32Body(t, resp, "resp_test1"); v != -2 {
		t.Errorf("value %d", v)
	}
	if _, err := ch.Receive(ctx); HResult(err) != WS_S_END {
		t.Errorf("second receive: %v, want WS_S_END", err)
	}
	// A refused connection fails the request and leaves the channel Open.
	dead := "http://127.0.0.1:" + strconv.Itoa(freePort(t)) + "/"
	ch2 := soap11Channel(t, dead)
	for i := 0; i < 2; i++ {
		req := ch2.NewMessage()
		req.SetAction("req_test1")
		if _, err := ch2.Request(ctx, req); HResult(err) != WS_E_ENDPOINT_NOT_FOUND {
			t.Errorf("request %d to a closed port: %v, want WS_E_ENDPOINT_NOT_FOUND", i, err)
		}
	}
	if st := ch2.State(); st != ChannelStateOpen {
		t.Errorf("the channel is %s after refused requests", st)
	}
	ch.Close(ctx)
	ch2.Close(ctx)
}

// proxy.c's fault case: a SOAP 1.1 fault in a 500 response surfaces as
// WS_E_ENDPOINT_FAULT_RECEIVED with its code, reason and detail.
func TestWineProxyFault(t *testing.T) {
	ctx := testCtx(t)
	fault := `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>` +
		`<faultcode>s:Client</faultcode><faultstring>OLS Exception</faultstring>` +
		`<detail><ServerFault xmlns="http://schemas.microsoft.com/office/licensingservice/2014/09/" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><ErrorCode>1030</ErrorCode></ServerFault></detail>` +
		`</s:Fault></s:Body></s:Envelope>`
	url, _ := rawHTTPServer(t, "500 Internal Server Error", fault)
	ch := soap11Channel(t, url)
	req := ch.NewMessage()
	req.SetAction("req_test1")
	req.SetBody(int32Body("req_test1", -1))
	_, err := ch.Request(ctx, req)
	mustCode(t, err, WS_E_ENDPOINT_FAULT_RECEIVED)
	var e *Error
	if !errors.As(err, &e) || e.Fault == nil {
		t.Fatalf("no fault in %v", err)
	}
	if e.Fault.Code.Local != "Sender" || e.Fault.ReasonText() != "OLS Exception" || !strings.Contains(string(e.Fault.Detail), "<ErrorCode>1030</ErrorCode>") {
		t.Errorf("fault %+v detail %s", e.Fault, e.Fault.Detail)
	}
	ch.Close(ctx)
}

// httpStatusServer answers every request with a status and headers.
func TestHTTPStatusCodes(t *testing.T) {
	ctx := testCtx(t)
	for _, tc := range []struct {
		status int
		header string
		code   HRESULT
	}{
		{404, "", WS_E_ENDPOINT_NOT_FOUND},
		{503, "", WS_E_ENDPOINT_TOO_BUSY},
		{401, "Basic realm=x", WS_E_SERVER_REQUIRES_BASIC_AUTH},
		{401, "Digest realm=x", WS_E_SERVER_REQUIRES_DIGEST_AUTH},
		{401, "NTLM", WS_E_SERVER_REQUIRES_NTLM_AUTH},
		{401, "Negotiate", WS_E_SERVER_REQUIRES_NEGOTIATE_AUTH},
		{407, "Basic realm=x", WS_E_PROXY_REQUIRES_BASIC_AUTH},
		{413, "", WS_E_QUOTA_EXCEEDED},
		{200, "wrong content type", WS_E_INVALID_FORMAT},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			if tc.header == "wrong content type" {
				w.Header().Set("Content-Type", "text/html")
				w.Write([]byte("<html>nope</html>"))
				return
			}
			if tc.status == 407 {
				w.Header().Set("Proxy-Authenticate", tc.header)
			} else if tc.header != "" {
				w.Header().Set("WWW-Authenticate", tc.header)
			}
			w.WriteHeader(tc.status)
		}))
		ch, _ := NewChannel(ChannelTypeRequest, BindingHTTP)
		ch.Open(ctx, srv.URL)
		req := ch.NewMessage()
		req.SetAction("urn:a")
		_, err := ch.Request(ctx, req)
		if HResult(err) != tc.code {
			t.Errorf("status %d %q: %v, want %v", tc.status, tc.header, err, tc.code)
		}
		// A failed exchange does not fault a request channel: the next
		// request is a new exchange.
		if st := ch.State(); st != ChannelStateOpen {
			t.Errorf("status %d: the channel is %s after the failed request", tc.status, st)
		}
		req = ch.NewMessage()
		req.SetAction("urn:a")
		if _, err := ch.Request(ctx, req); HResult(err) != tc.code {
			t.Errorf("status %d, second request: %v, want %v", tc.status, err, tc.code)
		}
		ch.Close(ctx)
		srv.Close()
	}
}

// httpEcho serves an echo on a reply listener until the returned stop runs.
func httpEcho(t *testing.T, l *Listener) (stop func()) { return httpEchoServer(t, l, true) }

// httpEchoServer is httpEcho; strict checks every reply, which a test
// cutting connections turns off.
func httpEchoServer(t *testing.T, l *Listener, strict bool) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			ch, err := l.AcceptChannel(ctx)
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer ch.Close(context.Background())
				m, err := ch.Receive(ctx)
				if err != nil {
					return
				}
				if _, err := ch.Receive(ctx); strict && HResult(err) != WS_S_END {
					t.Errorf("second receive on a reply channel: %v, want WS_S_END", err)
				}
				switch m.Action() {
				case "urn:oneway":
					return // closing without a reply answers 202
				case "urn:fail":
					ch.SendFault(ctx, m, errors.New("it failed"))
					return
				}
				body, _ := m.BodyXML()
				r := ch.NewMessage()
				r.SetAction(m.Action() + "Response")
				r.SetBodyXML(body)
				if err := ch.Reply(ctx, m, r); err != nil {
					// A client that has its answer may hang up before the
					// service hears the write complete; only other
					// failures are errors.
					if h := HResult(err); strict && h != WS_E_OPERATION_ABORTED && h != WS_E_ENDPOINT_DISCONNECTED {
						t.Errorf("reply: %v", err)
					}
					return
				}
				if strict {
					mustCode(t, ch.Reply(ctx, m, ch.NewMessage()), WS_E_INVALID_OPERATION)
				}
			}()
		}
	}()
	return func() { cancel(); l.Close(context.Background()); wg.Wait() }
}

// TestHTTPCombinations: request/reply, one-way and faults over HTTP for
// every envelope and addressing version, text and binary.
func TestHTTPCombinations(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx := testCtx(t)
	for _, env := range []EnvelopeVersion{EnvelopeSOAP11, EnvelopeSOAP12} {
		for _, addr := range []AddressingVersion{Addressing09, Addressing10, AddressingTransport} {
			for _, enc := range []Encoding{EncodingUTF8, EncodingUTF16LE, EncodingBinary} {
				if enc == EncodingBinary && (env != EnvelopeSOAP12 || addr == AddressingTransport) {
					continue
				}
				name := fmt.Sprintf("%v/%v/%v", env, addr, enc)
				t.Run(name, func(t *testing.T) {
					props := []ChannelProperty{{ChannelPropertyEnvelopeVersion, env}, {ChannelPropertyAddressingVersion, addr}, {ChannelPropertyEncoding, enc}}
					url := fmt.Sprintf("http://127.0.0.1:%d/svc", freePort(t))
					l, err := NewListener(ChannelTypeReply, BindingHTTP)
					if err != nil {
						t.Fatal(err)
					}
					l.SetChannelProperties(props...)
					if err := l.Open(ctx, url); err != nil {
						t.Fatal(err)
					}
					stop := httpEcho(t, l)
					defer stop()
					ch, err := NewChannel(ChannelTypeRequest, BindingHTTP, props...)
					if err != nil {
						t.Fatal(err)
					}
					defer ch.Close(ctx)
					if err := ch.Open(ctx, url); err != nil {
						t.Fatal(err)
					}
					for i := 0; i < 3; i++ {
						req := ch.NewMessage()
						req.SetAction("urn:echo")
						body := fmt.Sprintf(`<e xmlns="urn:t">日本 %d &amp;</e>`, i)
						req.SetBodyXML([]byte(body))
						reply, err := ch.Request(ctx, req)
						if err != nil {
							t.Fatal(err)
						}
						got, _ := reply.BodyXML()
						if string(got) != body {
							t.Fatalf("reply %s", got)
						}
						if addr != AddressingTransport && (reply.Action() != "urn:echoResponse" || reply.RelatesTo() != req.MessageID()) {
							t.Fatalf("action %q relates %q", reply.Action(), reply.RelatesTo())
						}
					}
					ow := ch.NewMessage()
					ow.SetAction("urn:oneway")
					if err := ch.Send(ctx, ow); err != nil {
						t.Fatalf("one-way: %v", err)
					}
					f := ch.NewMessage()
					f.SetAction("urn:fail")
					_, err = ch.Request(ctx, f)
					var e *Error
					if HResult(err) != WS_E_ENDPOINT_FAULT_RECEIVED || !errors.As(err, &e) || e.Fault.ReasonText() != internalErrorReason {
						t.Fatalf("fault: %v", err)
					}
				})
			}
		}
	}
}

// TestHTTPMountedHandler mounts a listener on a user's ServeMux beside an
// ordinary handler.
func TestHTTPMountedHandler(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx := testCtx(t)
	l, err := NewListener(ChannelTypeReply, BindingHTTP)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.OpenHandler(ctx); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/soap", l)
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	stop := httpEcho(t, l)
	defer stop()
	resp, err := http.Get(srv.URL + "/health")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "ok" {
		t.Fatalf("ordinary handler: %q", b)
	}
	ch, _ := NewChannel(ChannelTypeRequest, BindingHTTP)
	defer ch.Close(ctx)
	ch.Open(ctx, srv.URL+"/soap")
	req := ch.NewMessage()
	req.SetAction("urn:mounted")
	req.SetBodyXML([]byte(`<m>1</m>`))
	reply, err := ch.Request(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if body, _ := reply.BodyXML(); string(body) != `<m>1</m>` {
		t.Fatalf("reply %s", body)
	}
	srv.CloseClientConnections()
}

// TestHTTPRequestSizeLimit: a request over the reply channel's message size
// is refused with 413 before its body is read.
func TestHTTPRequestSizeLimit(t *testing.T) {
	ctx := testCtx(t)
	url := fmt.Sprintf("http://127.0.0.1:%d/small", freePort(t))
	l, _ := NewListener(ChannelTypeReply, BindingHTTP)
	l.SetChannelProperties(ChannelProperty{ChannelPropertyMaxBufferedMessageSize, uint32(1024)})
	if err := l.Open(ctx, url); err != nil {
		t.Fatal(err)
	}
	stop := httpEcho(t, l)
	defer stop()
	ch, _ := NewChannel(ChannelTypeRequest, BindingHTTP, ChannelProperty{ChannelPropertyMaxBufferedMessageSize, uint32(1 << 20)})
	defer ch.Close(ctx)
	ch.Open(ctx, url)
	req := ch.NewMessage()
	req.SetAction("urn:big")
	req.SetBodyXML([]byte("<big>" + strings.Repeat("x", 4096) + "</big>"))
	_, err := ch.Request(ctx, req)
	mustCode(t, err, WS_E_QUOTA_EXCEEDED)
}

// testCert returns a TLS server certificate for 127.0.0.1 and a pool
// trusting it.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "wws test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// TestHTTPS: a reply listener serving https with its certificate, a request
// channel trusting it through a supplied pool; without the pool the
// certificate is refused.
func TestHTTPS(t *testing.T) {
	ctx := testCtx(t)
	cert, pool := testCert(t)
	url := fmt.Sprintf("https://127.0.0.1:%d/secure", freePort(t))
	l, err := NewListener(ChannelTypeReply, BindingHTTP, ListenerProperty{ListenerPropertyTLSConfig, &tls.Config{Certificates: []tls.Certificate{cert}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Open(ctx, url); err != nil {
		t.Fatal(err)
	}
	stop := httpEcho(t, l)
	defer stop()
	ch, err := Dial(ctx, url, ChannelProperty{ChannelPropertyTLSConfig, &tls.Config{RootCAs: pool}})
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close(ctx)
	req := ch.NewMessage()
	req.SetAction("urn:s")
	req.SetBodyXML([]byte(`<secret>1</secret>`))
	reply, err := ch.Request(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := reply.BodyXML(); string(b) != `<secret>1</secret>` {
		t.Fatalf("reply %s", b)
	}
	untrusting, _ := Dial(ctx, url)
	defer untrusting.Close(ctx)
	req = untrusting.NewMessage()
	req.SetAction("urn:s")
	if _, err := untrusting.Request(ctx, req); err == nil {
		t.Fatal("an untrusted certificate was accepted")
	}
}

// TestHTTPHeaderMapping: mapped request headers reach the reply channel's
// message, mapped response headers the request channel's reply.
func TestHTTPHeaderMapping(t *testing.T) {
	ctx := testCtx(t)
	url := fmt.Sprintf("http://127.0.0.1:%d/map", freePort(t))
	l, _ := NewListener(ChannelTypeReply, BindingHTTP)
	l.SetChannelProperties(ChannelProperty{ChannelPropertyHTTPMessageMapping, HTTPMessageMapping{RequestHeaders: []string{"X-Tenant"}}})
	if err := l.Open(ctx, url); err != nil {
		t.Fatal(err)
	}
	defer l.Close(ctx)
	go func() {
		ch, err := l.AcceptChannel(ctx)
		if err != nil {
			return
		}
		defer ch.Close(ctx)
		m, err := ch.Receive(ctx)
		if err != nil {
			return
		}
		r := ch.NewMessage()
		r.SetAction("urn:r")
		r.HTTPHeader = http.Header{"X-Tenant-Seen": {m.HTTPHeader.Get("X-Tenant")}, "X-Ignored": {"no"}}
		ch.Reply(ctx, m, r)
	}()
	ch, _ := Dial(ctx, url, ChannelProperty{ChannelPropertyHTTPMessageMapping, HTTPMessageMapping{ResponseHeaders: []string{"X-Tenant-Seen"}}})
	defer ch.Close(ctx)
	req := ch.NewMessage()
	req.SetAction("urn:q")
	req.HTTPHeader = http.Header{"X-Tenant": {"contoso"}}
	reply, err := ch.Request(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if got := reply.HTTPHeader.Get("X-Tenant-Seen"); got != "contoso" {
		t.Errorf("the service saw tenant %q", got)
	}
	if reply.HTTPHeader.Get("X-Ignored") != "" {
		t.Errorf("an unmapped response header came through: %v", reply.HTTPHeader)
	}
}
