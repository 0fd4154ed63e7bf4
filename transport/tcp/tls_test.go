package tcp

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wwsgo/wws/internal/testpki"
	"github.com/wwsgo/wws/nmf"
	"github.com/wwsgo/wws/transport"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// loopback returns the two ends of a TCP connection on 127.0.0.1.
func loopback(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	acc := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		acc <- c
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-acc
	if server == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// recConn records what goes through a connection, each direction.
type recConn struct {
	net.Conn
	mu   sync.Mutex
	w, r bytes.Buffer
}

func (c *recConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.w.Write(p)
	c.mu.Unlock()
	return c.Conn.Write(p)
}

func (c *recConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.r.Write(p[:n])
	c.mu.Unlock()
	return n, err
}

const testVia = "net.tcp://127.0.0.1:808/secure"

// TestTLSUpgradeWire: the initiator's bytes are Version, Mode, Via,
// KnownEncoding and UpgradeRequest "application/ssl-tls", then a TLS
// handshake; the receiver's are UpgradeResponse, then TLS. PreambleEnd,
// PreambleAck and the envelopes never appear in the clear.
func TestTLSUpgradeWire(t *testing.T) {
	ctx := testCtx(t)
	ca := testpki.NewCA(t, "wws test CA")
	cc, sc := loopback(t)
	rec := &recConn{Conn: cc}
	type result struct {
		s   *Session
		err error
	}
	srv := make(chan result, 1)
	go func() {
		s, _, err := ServerHandshake(ctx, sc, &ServerConfig{
			Encoding: nmf.EncodingSOAP12BinarySession,
			TLS:      &tls.Config{Certificates: []tls.Certificate{ca.Server(t)}},
		})
		srv <- result{s, err}
	}()
	cs, err := ClientHandshakeTLS(ctx, rec, testVia, nmf.EncodingSOAP12BinarySession, &tls.Config{RootCAs: ca.Pool})
	if err != nil {
		t.Fatal(err)
	}
	r := <-srv
	if r.err != nil {
		t.Fatal(r.err)
	}
	ss := r.s
	if st, ok := cs.ConnectionState(); !ok || st.Version < tls.VersionTLS12 || len(st.PeerCertificates) == 0 {
		t.Fatalf("client TLS state %+v, %v", st, ok)
	}
	if _, ok := ss.ConnectionState(); !ok {
		t.Fatal("server session is not a TLS session")
	}
	secret := []byte("secret-envelope-marker")
	if err := cs.Send(ctx, &transport.Frame{Data: secret}); err != nil {
		t.Fatal(err)
	}
	f, err := ss.Receive(ctx)
	if err != nil || !bytes.Equal(f.Data, secret) {
		t.Fatalf("server received %v, %v", f, err)
	}
	if err := ss.Send(ctx, &transport.Frame{Data: []byte("secret-reply-marker")}); err != nil {
		t.Fatal(err)
	}
	if f, err := cs.Receive(ctx); err != nil || string(f.Data) != "secret-reply-marker" {
		t.Fatalf("client received %v, %v", f, err)
	}
	done := make(chan error, 1)
	go func() { done <- ss.Close(ctx) }()
	if err := cs.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	rec.mu.Lock()
	defer rec.mu.Unlock()
	want := nmf.AppendVersion(nil)
	want = nmf.AppendMode(want, nmf.ModeDuplex)
	want = nmf.AppendVia(want, testVia)
	want = nmf.AppendKnownEncoding(want, nmf.EncodingSOAP12BinarySession)
	want = append(want, 0x09, 19)
	want = append(want, "application/ssl-tls"...)
	sent := rec.w.Bytes()
	if !bytes.HasPrefix(sent, want) {
		t.Fatalf("client sent % x\nwant prefix % x", sent[:min(len(sent), len(want))], want)
	}
	if rest := sent[len(want):]; len(rest) < 3 || rest[0] != 0x16 || rest[1] != 0x03 {
		t.Fatalf("after the upgrade request the client sent % x, not a TLS handshake record", rest[:min(len(rest), 8)])
	}
	got := rec.r.Bytes()
	if len(got) < 4 || got[0] != byte(nmf.UpgradeResponseRecord) || got[1] != 0x16 || got[2] != 0x03 {
		t.Fatalf("server answered % x, want UpgradeResponse (0A) then a TLS handshake record", got[:min(len(got), 8)])
	}
	for _, b := range [][]byte{sent, got} {
		if bytes.Contains(b, []byte("secret-")) {
			t.Fatal("an envelope travelled in the clear")
		}
	}
}

// fakeServer answers a client's preamble with fixed bytes, then closes
// (or, with hold, keeps the connection open without a word).
func fakeServer(t *testing.T, answer []byte, hold bool) net.Conn {
	t.Helper()
	cc, sc := loopback(t)
	go func() {
		f := nmf.NewFramer(nil, sc)
		for {
			r, err := f.ReadRecord()
			if err != nil || r.Type == nmf.UpgradeRequestRecord || r.Type == nmf.PreambleEndRecord {
				break
			}
		}
		sc.Write(answer)
		if !hold {
			sc.Close()
		}
	}()
	return cc
}

// TestTLSClientRefusesServersThatDoNotUpgrade: a TLS client never goes on
// in plaintext; each wrong answer to its upgrade request is an error that
// says what came instead, promptly.
func TestTLSClientRefusesServersThatDoNotUpgrade(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer []byte
		hold   bool
		check  func(error) bool
	}{
		{"PreambleAck", nmf.AppendPreambleAck(nil), false, func(err error) bool {
			var fe *nmf.Error
			return errors.As(err, &fe) && strings.Contains(err.Error(), "expected UpgradeResponse")
		}},
		{"UpgradeInvalid fault", nmf.AppendFault(nil, nmf.FaultUpgradeInvalid), false, func(err error) bool {
			var f *transport.Fault
			return errors.As(err, &f) && f.URI == nmf.FaultUpgradeInvalid && strings.Contains(err.Error(), "does not accept the application/ssl-tls upgrade")
		}},
		{"closed", nil, false, func(err error) bool {
			return errors.Is(err, io.ErrUnexpectedEOF) && strings.Contains(err.Error(), "transport security")
		}},
		{"garbage after UpgradeResponse", append(nmf.AppendUpgradeResponse(nil), "HTTP/1.1 400 Bad Request\r\n\r\n"...), false, func(err error) bool {
			var ue *UpgradeError
			var rh tls.RecordHeaderError
			return errors.As(err, &ue) && errors.As(err, &rh)
		}},
		{"silence", nil, true, func(err error) bool {
			return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn := fakeServer(t, tc.answer, tc.hold)
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			start := time.Now()
			s, err := ClientHandshakeTLS(ctx, conn, testVia, nmf.EncodingSOAP12BinarySession, &tls.Config{})
			if err == nil {
				s.Abort()
				t.Fatal("the handshake succeeded")
			}
			if !tc.check(err) {
				t.Fatalf("error %T: %v", err, err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("took %v", d)
			}
		})
	}
}

// pipelinedConn is a TLS client's connection that sends the preamble and
// upgrade request in the same write as its ClientHello, and takes the
// UpgradeResponse off the input before TLS sees it: a client that does not
// wait for the UpgradeResponse.
type pipelinedConn struct {
	net.Conn
	preamble []byte
	gotResp  bool
}

func (c *pipelinedConn) Write(p []byte) (int, error) {
	if c.preamble != nil {
		b := append(c.preamble, p...)
		c.preamble = nil
		if _, err := c.Conn.Write(b); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return c.Conn.Write(p)
}

func (c *pipelinedConn) Read(p []byte) (int, error) {
	if !c.gotResp {
		var b [1]byte
		if _, err := io.ReadFull(c.Conn, b[:]); err != nil {
			return 0, err
		}
		if b[0] != byte(nmf.UpgradeResponseRecord) {
			return 0, errors.New("no UpgradeResponse")
		}
		c.gotResp = true
	}
	return c.Conn.Read(p)
}

// TestTLSServerTakesPipelinedClientHello: TLS bytes that arrive with the
// upgrade request (read into the framer's buffer) reach the TLS handshake.
func TestTLSServerTakesPipelinedClientHello(t *testing.T) {
	ctx := testCtx(t)
	ca := testpki.NewCA(t, "wws test CA")
	cc, sc := loopback(t)
	srv := make(chan error, 1)
	go func() {
		s, _, err := ServerHandshake(ctx, sc, &ServerConfig{
			Encoding: nmf.EncodingSOAP12BinarySession,
			TLS:      &tls.Config{Certificates: []tls.Certificate{ca.Server(t)}},
		})
		if err == nil {
			var f *transport.Frame
			if f, err = s.Receive(ctx); err == nil && string(f.Data) != "hi" {
				err = errors.New("wrong envelope")
			}
			s.Abort()
		}
		srv <- err
	}()
	pre := nmf.AppendVersion(nil)
	pre = nmf.AppendMode(pre, nmf.ModeDuplex)
	pre = nmf.AppendVia(pre, testVia)
	pre = nmf.AppendKnownEncoding(pre, nmf.EncodingSOAP12BinarySession)
	pre = nmf.AppendUpgradeRequest(pre, nmf.UpgradeSSLTLS)
	tc := tls.Client(&pipelinedConn{Conn: cc, preamble: pre}, &tls.Config{RootCAs: ca.Pool, ServerName: "127.0.0.1"})
	if err := tc.HandshakeContext(ctx); err != nil {
		t.Fatal(err)
	}
	tc.Write(append(nmf.AppendPreambleEnd(nil), nmf.AppendSizedEnvelope(nil, []byte("hi"))...))
	var ack [1]byte
	if _, err := io.ReadFull(tc, ack[:]); err != nil || ack[0] != byte(nmf.PreambleAckRecord) {
		t.Fatalf("ack % x, %v", ack, err)
	}
	if err := <-srv; err != nil {
		t.Fatal(err)
	}
}

// TestTLSServerRefusals: a TLS-configured server refuses a client without
// the upgrade, a client asking for another upgrade, and a second upgrade
// inside TLS, each with the UpgradeInvalid fault.
func TestTLSServerRefusals(t *testing.T) {
	ca := testpki.NewCA(t, "wws test CA")
	cfg := &tls.Config{Certificates: []tls.Certificate{ca.Server(t)}}
	pre := func(tail []byte) []byte {
		b := nmf.AppendVersion(nil)
		b = nmf.AppendMode(b, nmf.ModeDuplex)
		b = nmf.AppendVia(b, testVia)
		b = nmf.AppendKnownEncoding(b, nmf.EncodingSOAP12BinarySession)
		return append(b, tail...)
	}
	for _, tc := range []struct {
		name string
		in   []byte
	}{
		{"no upgrade", pre(nmf.AppendPreambleEnd(nil))},
		{"negotiate upgrade", pre(nmf.AppendUpgradeRequest(nil, nmf.UpgradeNegotiate))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testCtx(t)
			cc, sc := loopback(t)
			srv := make(chan error, 1)
			go func() {
				_, _, err := ServerHandshake(ctx, sc, &ServerConfig{Encoding: nmf.EncodingSOAP12BinarySession, TLS: cfg})
				srv <- err
			}()
			cc.SetDeadline(time.Now().Add(5 * time.Second))
			cc.Write(tc.in)
			got, _ := io.ReadAll(cc)
			if want := nmf.AppendFault(nil, nmf.FaultUpgradeInvalid); !bytes.Equal(got, want) {
				t.Fatalf("server answered %q, want %q", got, want)
			}
			var f *transport.Fault
			if err := <-srv; !errors.As(err, &f) || f.URI != nmf.FaultUpgradeInvalid {
				t.Fatalf("server: %v", err)
			}
		})
	}
	t.Run("second upgrade inside TLS", func(t *testing.T) {
		ctx := testCtx(t)
		cc, sc := loopback(t)
		srv := make(chan error, 1)
		go func() {
			_, _, err := ServerHandshake(ctx, sc, &ServerConfig{Encoding: nmf.EncodingSOAP12BinarySession, TLS: cfg})
			srv <- err
		}()
		cc.SetDeadline(time.Now().Add(5 * time.Second))
		cc.Write(pre(nmf.AppendUpgradeRequest(nil, nmf.UpgradeSSLTLS)))
		var resp [1]byte
		if _, err := io.ReadFull(cc, resp[:]); err != nil || resp[0] != byte(nmf.UpgradeResponseRecord) {
			t.Fatalf("response % x, %v", resp, err)
		}
		tc := tls.Client(cc, &tls.Config{RootCAs: ca.Pool, ServerName: "127.0.0.1"})
		tc.Write(nmf.AppendUpgradeRequest(nil, nmf.UpgradeSSLTLS))
		got, _ := io.ReadAll(tc)
		if want := nmf.AppendFault(nil, nmf.FaultUpgradeInvalid); !bytes.Equal(got, want) {
			t.Fatalf("server answered %q inside TLS, want %q", got, want)
		}
		if err := <-srv; err == nil || !strings.Contains(err.Error(), "second upgrade") {
			t.Fatalf("server: %v", err)
		}
	})
}

// TestTLSListener: Listen with a TLS configuration requires a certificate,
// serves TLS sessions, and hands a failed upgrade to Accept.
func TestTLSListener(t *testing.T) {
	ctx := testCtx(t)
	ca := testpki.NewCA(t, "wws test CA")
	base := transport.Config{ContentType: "application/soap+msbinsession1", ConnectTimeout: 5 * time.Second}
	cfg := base
	cfg.Extra = map[string]any{ExtraTLSConfig: &tls.Config{}}
	if _, err := Listen(ctx, "net.tcp://127.0.0.1:0/x", &cfg); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("Listen without a certificate: %v", err)
	}
	cfg.Extra = map[string]any{ExtraTLSConfig: "yes"}
	if _, err := Listen(ctx, "net.tcp://127.0.0.1:0/x", &cfg); err == nil {
		t.Fatal("Listen with a string for a TLS config")
	}
	cfg.Extra = map[string]any{ExtraTLSConfig: &tls.Config{Certificates: []tls.Certificate{ca.Server(t)}}}
	tl, err := Listen(ctx, "net.tcp://127.0.0.1:0/x", &cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tl.Close()
	url := "net.tcp://" + tl.Addr().String() + "/x"
	dial := base
	dial.Extra = map[string]any{ExtraTLSConfig: &tls.Config{RootCAs: testpki.NewCA(t, "other").Pool}}
	if _, err := Dial(ctx, url, &dial); err == nil {
		t.Fatal("an untrusted server was accepted")
	}
	if _, err := tl.Accept(ctx); err == nil || !strings.Contains(err.Error(), "application/ssl-tls upgrade") {
		t.Fatalf("Accept after a failed upgrade: %v", err)
	}
	dial.Extra = map[string]any{ExtraTLSConfig: &tls.Config{RootCAs: ca.Pool}}
	c, err := Dial(ctx, url, &dial)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Abort()
	s, err := tl.Accept(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Abort()
	if _, ok := s.(*Session).ConnectionState(); !ok {
		t.Fatal("accepted session without TLS")
	}
}
