package soaphttp

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/wwsgo/wws/transport/internal/sockpeek"
)

// directClient makes a ClientConn's exchanges itself, on one keep-alive
// connection and in the caller's goroutine: net/http's Request.Write, then
// http.ReadResponse. net/http's Transport gives every connection a reader
// and a writer goroutine and hands each exchange across both; a request
// channel has one exchange in flight at a time and needs none of that.
//
// It is used when nothing needs http.Client: no supplied client, no proxy,
// no redirects to follow (cookies it keeps itself, as http.Client does), and a platform where an idle
// connection the server has closed can be seen before it is reused
// (connAlive). Otherwise the ClientConn sends with an http.Client.
type directClient struct {
	network string // tcp, tcp4 or tcp6
	addr    string // host:port
	dialer  *net.Dialer
	tls     *tls.Config    // nil for http
	jar     http.CookieJar // nil unless cookies are kept

	mu     sync.Mutex // guards conn against Close and Abort
	conn   net.Conn   // the connection (TLS over raw for https); nil when none
	raw    net.Conn
	br     *bufio.Reader
	bw     *bufio.Writer
	busy   bool // an exchange is on conn
	closed bool
}

// newDirectClient returns the direct client for u, or nil when the
// exchanges must go through an http.Client.
func newDirectClient(u *url.URL, s *settings, d *net.Dialer, network string) *directClient {
	if !canProbe || s.client != nil || s.followRedirects {
		return nil
	}
	switch s.proxyMode {
	case ProxyCustom:
		return nil
	case ProxyEnvironment:
		if p, err := http.ProxyFromEnvironment(&http.Request{URL: u}); err != nil || p != nil {
			return nil
		}
	}
	dc := &directClient{network: network, addr: u.Host, dialer: d}
	if s.cookies {
		dc.jar, _ = cookiejar.New(nil) // never fails without options
	}
	if u.Port() == "" {
		dc.addr = net.JoinHostPort(u.Hostname(), map[string]string{"http": "80", "https": "443"}[u.Scheme])
	}
	if u.Scheme == "https" {
		dc.tls = &tls.Config{}
		if s.tls != nil {
			dc.tls = s.tls.Clone()
		}
		if dc.tls.ServerName == "" {
			dc.tls.ServerName = u.Hostname()
		}
	}
	return dc
}

// get returns the connection to send on — the kept-alive one if the server
// has not closed it, else a new one — and whether it was kept alive. The
// exchange it starts ends with drop or release.
func (dc *directClient) get(ctx context.Context) (conn net.Conn, reused bool, err error) {
	dc.mu.Lock()
	if dc.closed {
		dc.mu.Unlock()
		return nil, false, errClosed
	}
	dc.busy = true
	conn = dc.conn
	dc.mu.Unlock()
	if conn != nil {
		if dc.br.Buffered() == 0 && testHookConnAlive(dc.raw) {
			return conn, true, nil
		}
		conn.Close()
	}
	conn, raw, err := dc.dial(ctx)
	dc.mu.Lock()
	defer dc.mu.Unlock()
	dc.conn, dc.raw = conn, raw
	if err == nil && dc.closed {
		conn.Close()
		dc.conn, dc.raw, err = nil, nil, errClosed
	}
	if err != nil {
		dc.busy = false
		return nil, false, err
	}
	if dc.br == nil {
		dc.br, dc.bw = bufio.NewReaderSize(conn, 4096), bufio.NewWriterSize(conn, 4096)
	} else {
		dc.br.Reset(conn)
		dc.bw.Reset(conn)
	}
	return conn, false, nil
}

// dial makes a new connection, with the TLS handshake for https.
func (dc *directClient) dial(ctx context.Context) (conn, raw net.Conn, err error) {
	raw, err = dc.dialer.DialContext(ctx, dc.network, dc.addr)
	if err != nil || dc.tls == nil {
		return raw, raw, err
	}
	// ctx may bound the handshake by its deadline alone.
	dl, _ := ctx.Deadline()
	raw.SetDeadline(dl)
	tc := tls.Client(raw, dc.tls)
	if err := tc.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, nil, err
	}
	return tc, raw, nil
}

// drop ends an exchange that leaves conn unusable: it is closed.
func (dc *directClient) drop(conn net.Conn) {
	conn.Close()
	dc.mu.Lock()
	if dc.conn == conn {
		dc.conn, dc.raw = nil, nil
	}
	dc.busy = false
	dc.mu.Unlock()
}

// release ends an exchange that leaves conn ready for the next one.
func (dc *directClient) release(conn net.Conn) {
	dc.mu.Lock()
	dc.busy = false
	closed := dc.closed
	if closed && dc.conn == conn {
		dc.conn, dc.raw = nil, nil
	}
	dc.mu.Unlock()
	if closed {
		conn.Close()
	}
}

// close makes later exchanges fail and closes the connection, at once if
// it is idle, else when the exchange on it ends. abort closes it at once,
// cutting the exchange.
func (dc *directClient) close(abort bool) {
	dc.mu.Lock()
	dc.closed = true
	conn := dc.conn
	if dc.busy && !abort {
		conn = nil
	} else {
		dc.conn, dc.raw = nil, nil
	}
	dc.mu.Unlock()
	if conn != nil {
		conn.Close()
	}
}

// pastDeadline ends a connection's pending I/O at once.
var pastDeadline = time.Unix(1, 0)

// canProbe says whether connAlive can tell a closed connection here;
// elsewhere exchanges go through net/http's Transport, whose reader
// goroutine sees a server close an idle connection.
const canProbe = sockpeek.Supported

// connAlive reports whether an idle connection can still carry an exchange:
// the server has neither closed it nor sent anything on it.
func connAlive(c net.Conn) bool { return sockpeek.Peek(c) == sockpeek.Empty }

// testHookConnAlive is connAlive, unless a test says otherwise.
var testHookConnAlive = connAlive

// noStop is the stop of an exchange whose context cannot be cancelled.
func noStop() bool { return true }

// do sends req and reads its response's status and headers; the caller
// reads and closes the body, whose Close keeps the connection for the next
// exchange when the body was read to its end. ctx bounds the whole exchange,
// body included — its deadline through the connection's, without a timer of
// its own —; when it ends the connection is cut.
func (dc *directClient) do(ctx context.Context, req *http.Request) (*http.Response, net.Conn, error) {
	// Request.Write does not check what http.Transport checks before a
	// request goes out: a header that would split the request is refused.
	if err := validHeaders(req.Header); err != nil {
		return nil, nil, err
	}
	if dc.jar != nil {
		for _, ck := range dc.jar.Cookies(req.URL) {
			req.AddCookie(ck)
		}
	}
	for attempt := 0; ; attempt++ {
		conn, reused, err := dc.get(ctx)
		if err != nil {
			return nil, nil, err
		}
		// ctx's deadline bounds the exchange by the connection's deadline,
		// its cancellation (and Abort, through the caller's ctx) by
		// cutting that deadline short.
		dl, _ := ctx.Deadline()
		conn.SetDeadline(dl)
		stop := noStop
		if ctx.Done() != nil {
			stop = context.AfterFunc(ctx, func() { conn.SetDeadline(pastDeadline) })
		}
		err = req.Write(dc.bw)
		if err == nil {
			err = dc.bw.Flush()
		}
		if err != nil {
			stop()
			dc.drop(conn)
			// Nothing of the request reached a server that had closed
			// the kept-alive connection: send it once more on a new one,
			// as net/http does, with its body from the start.
			if reused && attempt == 0 && ctx.Err() == nil && req.GetBody != nil {
				if req.Body, err = req.GetBody(); err == nil {
					continue
				}
			}
			return nil, nil, err
		}
		var resp *http.Response
		for {
			resp, err = http.ReadResponse(dc.br, req)
			if err != nil || resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
				break
			}
			// An interim response (100 Continue, 103 Early Hints): the
			// final one follows.
			resp.Body.Close()
		}
		if err != nil {
			stop()
			dc.drop(conn)
			return nil, nil, err
		}
		if dc.jar != nil {
			if cks := resp.Cookies(); len(cks) > 0 {
				dc.jar.SetCookies(req.URL, cks)
			}
		}
		resp.Body = &directBody{ReadCloser: resp.Body, dc: dc, conn: conn, stop: stop, keep: !resp.Close}
		return resp, conn, nil
	}
}

// directBody is a response body on a direct client's connection.
type directBody struct {
	io.ReadCloser
	dc    *directClient
	conn  net.Conn
	stop  func() bool
	keep  bool // the server did not ask to close the connection
	eof   bool
	final bool
}

func (b *directBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.eof = true
	}
	return n, err
}

// Close keeps the connection for the next exchange if the body was read to
// its end, the server did not ask to close it and the exchange's context
// did not cut it; otherwise it closes the connection.
func (b *directBody) Close() error {
	if b.final {
		return nil
	}
	b.final = true
	cut := !b.stop()
	if cut || !b.eof || !b.keep {
		b.dc.drop(b.conn)
		return nil
	}
	b.ReadCloser.Close()
	b.dc.release(b.conn)
	return nil
}

// validHeaders checks header names and values as http.Transport does: a
// name is an RFC 9110 token, a value has no control characters but
// horizontal tab.
func validHeaders(h http.Header) error {
	for k, vs := range h {
		if k == "" || strings.IndexFunc(k, func(r rune) bool { return !isTokenChar(r) }) >= 0 {
			return fmt.Errorf("net/http: invalid header field name %q", k)
		}
		for _, v := range vs {
			if strings.IndexFunc(v, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) >= 0 {
				return fmt.Errorf("net/http: invalid header field value for %q", k)
			}
		}
	}
	return nil
}

func isTokenChar(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return true
	}
	return r < 0x7f && strings.ContainsRune("!#$%&'*+-.^_`|~", r)
}
