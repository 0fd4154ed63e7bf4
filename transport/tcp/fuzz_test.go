package tcp

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wwsgo/wws/internal/testpki"
	"github.com/wwsgo/wws/nmf"
)

// memConn is a connection that reads a fixed input, then the end of the
// stream, and discards what is written.
type memConn struct{ r *bytes.Reader }

func (c *memConn) Read(p []byte) (int, error)         { return c.r.Read(p) }
func (c *memConn) Write(p []byte) (int, error)        { return len(p), nil }
func (c *memConn) Close() error                       { return nil }
func (c *memConn) LocalAddr() net.Addr                { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 808} }
func (c *memConn) RemoteAddr() net.Addr               { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50000} }
func (c *memConn) SetDeadline(t time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(t time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(t time.Time) error { return nil }

// FuzzServerHandshake feeds arbitrary client bytes to a listener's
// handshake with transport security: the preamble, the UpgradeRequest, the
// TLS handshake over what follows, and the records inside TLS. It must
// return (never hang or panic) and, for input no TLS client could have
// sent, fail.
func FuzzServerHandshake(f *testing.F) {
	ca := testpki.NewCA(f, "fuzz CA")
	cfg := &tls.Config{Certificates: []tls.Certificate{ca.Server(f)}}
	pre := nmf.AppendVersion(nil)
	pre = nmf.AppendMode(pre, nmf.ModeDuplex)
	pre = nmf.AppendVia(pre, testVia)
	pre = nmf.AppendKnownEncoding(pre, nmf.EncodingSOAP12BinarySession)
	f.Add(nmf.AppendUpgradeRequest(append([]byte(nil), pre...), nmf.UpgradeSSLTLS))
	f.Add(nmf.AppendPreambleEnd(append([]byte(nil), pre...)))
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s, _, err := ServerHandshake(ctx, &memConn{bytes.NewReader(data)}, &ServerConfig{
			Encoding: nmf.EncodingSOAP12BinarySession,
			TLS:      cfg,
		})
		if err == nil {
			s.Abort()
			t.Fatalf("a handshake with transport security succeeded on replayed bytes")
		}
		if ctx.Err() != nil {
			t.Fatalf("the handshake ran into its time limit: %v", err)
		}
	})
}

// FuzzClientHandshakeTLS feeds arbitrary service bytes to a client asking
// for the application/ssl-tls upgrade. It must return, never panic, and
// never succeed without a TLS handshake with the service's certificate.
func FuzzClientHandshakeTLS(f *testing.F) {
	ca := testpki.NewCA(f, "fuzz CA")
	f.Add(nmf.AppendUpgradeResponse(nil))
	f.Add(nmf.AppendPreambleAck(nil))
	f.Add(nmf.AppendFault(nil, nmf.FaultUpgradeInvalid))
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s, err := ClientHandshakeTLS(ctx, &memConn{bytes.NewReader(data)}, testVia, nmf.EncodingSOAP12BinarySession, &tls.Config{RootCAs: ca.Pool})
		if err == nil {
			s.Abort()
			t.Fatalf("the client accepted a service that did not prove its certificate")
		}
		if ctx.Err() != nil {
			t.Fatalf("the handshake ran into its time limit: %v", err)
		}
	})
}

// TestWriteFuzzSeeds records a real exchange with transport security —
// each side's bytes — as seeds of the fuzz targets above, in
// testdata/fuzz/. It runs only with WWS_WRITE_FUZZ_SEEDS=1.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("WWS_WRITE_FUZZ_SEEDS") != "1" {
		t.Skip("set WWS_WRITE_FUZZ_SEEDS=1 to rewrite the fuzz seed corpus")
	}
	ctx := testCtx(t)
	ca := testpki.NewCA(t, "seed CA")
	cc, sc := loopback(t)
	crec := &recConn{Conn: cc}
	srv := make(chan error, 1)
	go func() {
		s, _, err := ServerHandshake(ctx, sc, &ServerConfig{
			Encoding: nmf.EncodingSOAP12BinarySession,
			TLS:      &tls.Config{Certificates: []tls.Certificate{ca.Server(t)}},
		})
		if err == nil {
			if _, err = s.Receive(ctx); err == nil {
				err = s.Close(ctx)
			}
		}
		srv <- err
	}()
	cs, err := ClientHandshakeTLS(ctx, crec, testVia, nmf.EncodingSOAP12BinarySession, &tls.Config{RootCAs: ca.Pool})
	if err != nil {
		t.Fatal(err)
	}
	if err := cs.SendBuffer(ctx, append(make([]byte, 8), "envelope"...), 8); err != nil {
		t.Fatal(err)
	}
	if err := cs.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-srv; err != nil {
		t.Fatal(err)
	}
	write := func(target, name string, b []byte) {
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	crec.mu.Lock()
	defer crec.mu.Unlock()
	write("FuzzServerHandshake", "tls13-session", crec.w.Bytes())
	write("FuzzClientHandshakeTLS", "tls13-session", crec.r.Bytes())
}
