package wws

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/wwsgo/wws/internal/testpki"
	"github.com/wwsgo/wws/transport/tcp"
)

// tlsListener opens a net.tcp listener with transport security on a free
// loopback port.
func tlsListener(t *testing.T, cfg *tls.Config) (*Listener, string) {
	t.Helper()
	url := fmt.Sprintf("net.tcp://127.0.0.1:%d/secure", freePort(t))
	l, err := NewListener(ChannelTypeDuplexSession, BindingTCP,
		ListenerProperty{ListenerPropertyTLSConfig, cfg},
		ListenerProperty{ListenerPropertyConnectTimeout, 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Open(testCtx(t), url); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close(context.Background()) })
	return l, url
}

// acceptEcho accepts sessions until the listener closes; each is answered
// by echoing its requests. Accept failures are sent on errs.
func acceptEcho(t *testing.T, l *Listener) (errs <-chan error, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan error, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.AcceptChannel(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				select {
				case ch <- err:
				default:
				}
				continue
			}
			echoSession(ctx, c)
		}
	}()
	return ch, func() { cancel(); l.Abort(); <-done }
}

func echoSession(ctx context.Context, c *Channel) {
	defer c.Abort()
	for {
		m, err := c.Receive(ctx)
		if err != nil {
			c.Close(ctx)
			return
		}
		body, _ := m.BodyXML()
		r := c.NewMessage()
		r.SetAction(m.Action() + "Response")
		r.SetBodyXML(body)
		if c.Reply(ctx, m, r) != nil {
			return
		}
	}
}

func echoOnce(t *testing.T, ctx context.Context, c *Channel, text string) {
	t.Helper()
	req := c.NewMessage()
	req.SetAction("urn:echo")
	body := `<Echo xmlns="urn:t">` + text + `</Echo>`
	if err := req.SetBodyXML([]byte(body)); err != nil {
		t.Fatal(err)
	}
	reply, err := c.Request(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := reply.BodyXML(); string(got) != body {
		t.Fatalf("reply %s, want %s", got, body)
	}
}

// TestTCPTLSRequestReply: a net.tcp listener with a certificate, a client
// trusting its CA; requests and replies travel inside TLS, and the channel
// closes gracefully.
func TestTCPTLSRequestReply(t *testing.T) {
	leaks := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, leaks) }) // after the listeners' cleanups
	ctx := testCtx(t)
	ca := testpki.NewCA(t, "wws test CA")
	l, url := tlsListener(t, &tls.Config{Certificates: []tls.Certificate{ca.Server(t)}})
	errs, stop := acceptEcho(t, l)
	defer stop()
	c, err := Dial(ctx, url, ChannelProperty{ChannelPropertyTLSConfig, &tls.Config{RootCAs: ca.Pool}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		echoOnce(t, ctx, c, fmt.Sprintf("<n>%d</n>", i))
	}
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errs:
		t.Fatalf("accept: %v", err)
	default:
	}
}

// TestTCPTLSAbortPendingReceive: Abort ends a receive pending on a TLS
// session at once, with WS_E_OPERATION_ABORTED, on both sides.
func TestTCPTLSAbortPendingReceive(t *testing.T) {
	leaks := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, leaks) }) // after the listeners' cleanups
	ctx := testCtx(t)
	ca := testpki.NewCA(t, "wws test CA")
	l, url := tlsListener(t, &tls.Config{Certificates: []tls.Certificate{ca.Server(t)}})
	// One session to abort on the client side, one on the server side.
	for side := range 2 {
		accepted := make(chan *Channel, 1)
		go func() {
			s, err := l.AcceptChannel(ctx)
			if err != nil {
				t.Error(err)
			}
			accepted <- s
		}()
		c, err := Dial(ctx, url, ChannelProperty{ChannelPropertyTLSConfig, &tls.Config{RootCAs: ca.Pool}})
		if err != nil {
			t.Fatal(err)
		}
		s := <-accepted
		if s == nil {
			t.FailNow()
		}
		ch, peer := c, s
		if side == 1 {
			ch, peer = s, c
		}
		done := pendingOp(t, func() error { _, err := ch.Receive(ctx); return err })
		expectAborted(t, ch.Abort, done, WS_E_OPERATION_ABORTED)
		if ch.State() != ChannelStateFaulted {
			t.Fatalf("state after abort: %v", ch.State())
		}
		peer.Abort()
	}
}

// TestTCPTLSCertificateErrors: a certificate the client cannot verify fails
// Open with the CERT_E_* code Windows gives, and the listener serves the
// next, well-configured client.
func TestTCPTLSCertificateErrors(t *testing.T) {
	leaks := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, leaks) }) // after the listeners' cleanups
	ctx := testCtx(t)
	ca := testpki.NewCA(t, "wws test CA")
	other := testpki.NewCA(t, "another CA")
	for _, tc := range []struct {
		name string
		cert tls.Certificate
		pool *x509.CertPool
		want HRESULT
	}{
		{"untrusted root", ca.Server(t), other.Pool, CERT_E_UNTRUSTEDROOT},
		{"name mismatch", ca.Issue(t, testpki.Options{IPs: []net.IP{net.ParseIP("127.0.0.2")}}), ca.Pool, CERT_E_CN_NO_MATCH},
		{"expired", ca.Issue(t, testpki.Options{NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-24 * time.Hour)}), ca.Pool, CERT_E_EXPIRED},
		{"client usage", ca.Issue(t, testpki.Options{Usage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}), ca.Pool, CERT_E_WRONG_USAGE},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, url := tlsListener(t, &tls.Config{Certificates: []tls.Certificate{tc.cert}})
			errs, stop := acceptEcho(t, l)
			defer stop()
			start := time.Now()
			_, err := Dial(ctx, url, ChannelProperty{ChannelPropertyTLSConfig, &tls.Config{RootCAs: tc.pool}})
			mustCode(t, err, tc.want)
			var ue *tcp.UpgradeError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), "application/ssl-tls") {
				t.Fatalf("error does not say which upgrade failed: %v", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("refusal took %v", d)
			}
			// The listener's side of that session fails one Accept.
			select {
			case err := <-errs:
				if !HResult(err).Failed() {
					t.Fatalf("accept error %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("the failed upgrade did not reach Accept")
			}
			// The listener goes on serving.
			good := &tls.Config{RootCAs: tc.pool, InsecureSkipVerify: true}
			c, err := Dial(ctx, url, ChannelProperty{ChannelPropertyTLSConfig, good})
			if err != nil {
				t.Fatal(err)
			}
			echoOnce(t, ctx, c, "<after/>")
			c.Close(ctx)
		})
	}
}

// TestTCPTLSMismatchedPeers: a TLS client and a plaintext listener, and a
// plaintext client and a TLS listener, each fail at once with the
// UpgradeInvalid framing fault; neither falls back to plaintext.
func TestTCPTLSMismatchedPeers(t *testing.T) {
	leaks := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, leaks) }) // after the listeners' cleanups
	ctx := testCtx(t)
	ca := testpki.NewCA(t, "wws test CA")

	plain, plainURL := tcpListener(t)
	_, stopPlain := acceptEcho(t, plain)
	defer stopPlain()
	start := time.Now()
	_, err := Dial(ctx, plainURL, ChannelProperty{ChannelPropertyTLSConfig, &tls.Config{RootCAs: ca.Pool}})
	mustCode(t, err, WS_E_ENDPOINT_FAILURE)
	if !strings.Contains(err.Error(), "UpgradeInvalid") {
		t.Fatalf("TLS client to a plaintext listener: %v", err)
	}

	secure, secureURL := tlsListener(t, &tls.Config{Certificates: []tls.Certificate{ca.Server(t)}})
	_, stopSecure := acceptEcho(t, secure)
	defer stopSecure()
	_, err = Dial(ctx, secureURL)
	mustCode(t, err, WS_E_ENDPOINT_FAILURE)
	if !strings.Contains(err.Error(), "UpgradeInvalid") {
		t.Fatalf("plaintext client to a TLS listener: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("refusals took %v", d)
	}
	// Both listeners still serve their own kind.
	c, err := Dial(ctx, secureURL, ChannelProperty{ChannelPropertyTLSConfig, &tls.Config{RootCAs: ca.Pool}})
	if err != nil {
		t.Fatal(err)
	}
	echoOnce(t, ctx, c, "<tls/>")
	c.Close(ctx)
	c, err = Dial(ctx, plainURL)
	if err != nil {
		t.Fatal(err)
	}
	echoOnce(t, ctx, c, "<plain/>")
	c.Close(ctx)
}

// TestTCPTLSClientCertificates: a listener requiring client certificates
// from its CA serves a client presenting one; a client with none, or with
// one from another CA, fails Open, and the listener's Accept fails with the
// reason (WS_E_SECURITY_VERIFICATION_FAILURE, CERT_E_UNTRUSTEDROOT) while it
// goes on serving.
func TestTCPTLSClientCertificates(t *testing.T) {
	leaks := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, leaks) }) // after the listeners' cleanups
	ctx := testCtx(t)
	ca := testpki.NewCA(t, "wws test CA")
	other := testpki.NewCA(t, "another CA")
	l, url := tlsListener(t, &tls.Config{
		Certificates: []tls.Certificate{ca.Server(t)},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    ca.Pool,
	})
	type acc struct {
		ch  *Channel
		err error
	}
	accepts := make(chan acc, 1)
	accept := func() {
		go func() {
			c, err := l.AcceptChannel(ctx)
			accepts <- acc{c, err}
		}()
	}

	accept()
	good := &tls.Config{RootCAs: ca.Pool, Certificates: []tls.Certificate{ca.Client(t, "alice")}}
	c, err := Dial(ctx, url, ChannelProperty{ChannelPropertyTLSConfig, good})
	if err != nil {
		t.Fatal(err)
	}
	a := <-accepts
	if a.err != nil {
		t.Fatal(a.err)
	}
	go echoSession(ctx, a.ch)
	echoOnce(t, ctx, c, "<alice/>")
	c.Close(ctx)

	for _, tc := range []struct {
		name       string
		certs      []tls.Certificate // presented whatever CAs the server names
		wantServer HRESULT
	}{
		{"no certificate", nil, WS_E_SECURITY_VERIFICATION_FAILURE},
		{"other CA", []tls.Certificate{other.Client(t, "mallory")}, CERT_E_UNTRUSTEDROOT},
	} {
		t.Run(tc.name, func(t *testing.T) {
			accept()
			cfg := &tls.Config{RootCAs: ca.Pool}
			if tc.certs != nil {
				// Presented even though the server names other CAs (Go's
				// client would otherwise send none).
				cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &tc.certs[0], nil }
			}
			_, err := Dial(ctx, url, ChannelProperty{ChannelPropertyTLSConfig, cfg})
			mustCode(t, err, WS_E_SECURITY_VERIFICATION_FAILURE)
			a := <-accepts
			mustCode(t, a.err, tc.wantServer)
			if !strings.Contains(a.err.Error(), "application/ssl-tls upgrade") || !strings.Contains(a.err.Error(), "from 127.0.0.1:") {
				t.Fatalf("accept error does not say what failed and where: %v", a.err)
			}
		})
	}

	// Still serving.
	accept()
	c, err = Dial(ctx, url, ChannelProperty{ChannelPropertyTLSConfig, good})
	if err != nil {
		t.Fatal(err)
	}
	a = <-accepts
	if a.err != nil {
		t.Fatal(a.err)
	}
	go echoSession(ctx, a.ch)
	echoOnce(t, ctx, c, "<again/>")
	c.Close(ctx)
}

// TestHTTPSClientCertificates: an https reply listener requiring client
// certificates serves a request channel presenting one and refuses one
// without.
func TestHTTPSClientCertificates(t *testing.T) {
	leaks := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, leaks) }) // after the listeners' cleanups
	ctx := testCtx(t)
	ca := testpki.NewCA(t, "wws test CA")
	url := fmt.Sprintf("https://127.0.0.1:%d/secure", freePort(t))
	l, err := NewListener(ChannelTypeReply, BindingHTTP, ListenerProperty{ListenerPropertyTLSConfig, &tls.Config{
		Certificates: []tls.Certificate{ca.Server(t)},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    ca.Pool,
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Open(ctx, url); err != nil {
		t.Fatal(err)
	}
	stop := httpEcho(t, l)
	defer stop()
	request := func(cfg *tls.Config) error {
		ch, err := Dial(ctx, url, ChannelProperty{ChannelPropertyTLSConfig, cfg})
		if err != nil {
			return err
		}
		defer ch.Close(ctx)
		req := ch.NewMessage()
		req.SetAction("urn:s")
		req.SetBodyXML([]byte(`<who>me</who>`))
		reply, err := ch.Request(ctx, req)
		if err != nil {
			return err
		}
		if b, _ := reply.BodyXML(); string(b) != `<who>me</who>` {
			t.Fatalf("reply %s", b)
		}
		return nil
	}
	if err := request(&tls.Config{RootCAs: ca.Pool, Certificates: []tls.Certificate{ca.Client(t, "alice")}}); err != nil {
		t.Fatal(err)
	}
	mustCode(t, request(&tls.Config{RootCAs: ca.Pool}), WS_E_SECURITY_VERIFICATION_FAILURE)
	mustCode(t, request(&tls.Config{RootCAs: testpki.NewCA(t, "another CA").Pool, Certificates: []tls.Certificate{ca.Client(t, "bob")}}), CERT_E_UNTRUSTEDROOT)
	if err := request(&tls.Config{RootCAs: ca.Pool, Certificates: []tls.Certificate{ca.Client(t, "carol")}}); err != nil {
		t.Fatalf("after refusals: %v", err)
	}
}

// TestTCPTLSProperties: the TLS properties belong to net.tcp channels and
// listeners; a net.tcp listener's configuration needs a certificate.
func TestTCPTLSProperties(t *testing.T) {
	cfg := &tls.Config{}
	c, err := NewChannel(ChannelTypeDuplexSession, BindingTCP, ChannelProperty{ChannelPropertyTLSConfig, cfg})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := c.Property(ChannelPropertyTLSConfig); err != nil || v != cfg {
		t.Fatalf("Property = %v, %v", v, err)
	}
	if _, err := NewChannel(ChannelTypeDuplexSession, BindingTCP, ChannelProperty{ChannelPropertyTLSConfig, "yes"}); HResult(err) != E_INVALIDARG {
		t.Fatalf("a string as TLS config: %v", err)
	}
	if _, err := NewChannel(ChannelTypeDuplexSession, BindingNamedPipe, ChannelProperty{ChannelPropertyTLSConfig, cfg}); HResult(err) != E_INVALIDARG {
		t.Fatalf("TLS config on net.pipe: %v", err)
	}
	l, err := NewListener(ChannelTypeDuplexSession, BindingTCP, ListenerProperty{ListenerPropertyTLSConfig, &tls.Config{}})
	if err != nil {
		t.Fatal(err)
	}
	err = l.Open(testCtx(t), fmt.Sprintf("net.tcp://127.0.0.1:%d/", freePort(t)))
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		l.Close(context.Background())
		t.Fatalf("a TLS listener without a certificate opened: %v", err)
	}
}

// TestTCPTLSAbortPendingOpen: Abort ends an Open waiting for the answer to
// its upgrade request, and one inside the TLS handshake, at once.
func TestTCPTLSAbortPendingOpen(t *testing.T) {
	leaks := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, leaks) })
	ca := testpki.NewCA(t, "wws test CA")
	for _, tc := range []struct {
		name   string
		answer []byte // what the service sends after the preamble, then nothing
	}{
		{"before the UpgradeResponse", nil},
		{"in the TLS handshake", []byte{0x0A}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			conns := make(chan net.Conn, 1)
			go func() {
				c, err := ln.Accept()
				if err != nil {
					close(conns)
					return
				}
				buf := make([]byte, 512)
				c.Read(buf) // the preamble and upgrade request
				c.Write(tc.answer)
				conns <- c
			}()
			defer func() {
				ln.Close()
				if c, ok := <-conns; ok {
					c.Close()
				}
			}()
			ch, err := NewChannel(ChannelTypeDuplexSession, BindingTCP, ChannelProperty{ChannelPropertyTLSConfig, &tls.Config{RootCAs: ca.Pool}})
			if err != nil {
				t.Fatal(err)
			}
			url := "net.tcp://" + ln.Addr().String() + "/silent"
			done := pendingOp(t, func() error { return ch.Open(testCtx(t), url) })
			expectAborted(t, ch.Abort, done, WS_E_OPERATION_ABORTED)
		})
	}
}
