package soaphttp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptrace"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wwsgo/wws/transport"
)

// errAborted is returned by the operations of an aborted Conn.
var errAborted = fmt.Errorf("soaphttp: the connection was aborted: %w", net.ErrClosed)

// errClosed is returned by the operations of a closed Conn.
var errClosed = fmt.Errorf("soaphttp: the connection is closed: %w", net.ErrClosed)

// ParseURL checks an http or https URL and returns it parsed.
func ParseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("soaphttp: bad URL %q: %v", raw, err)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("soaphttp: URL %q does not have the http or https scheme", raw)
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("soaphttp: URL %q has no host", raw)
	}
	if u.Fragment != "" {
		return nil, fmt.Errorf("soaphttp: URL %q has a fragment", raw)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 0 || n > 65535 {
			return nil, fmt.Errorf("soaphttp: bad port in %q", raw)
		}
	}
	return u, nil
}

// Dial returns a client Conn (a WWSAPI HTTP request channel's connection)
// for an http or https URL. Nothing goes on the wire: connections are made
// by Send, from a pool of keep-alive connections. ctx is not used beyond
// the call.
//
// The Conn's settings come from cfg: the content type and SOAP version of
// the messages, MaxMessageSize bounding response bodies, ConnectTimeout
// and IPVersion for the default client's dials, and the Extra keys of this
// package.
func Dial(ctx context.Context, rawURL string, cfg *transport.Config) (transport.Conn, error) {
	u, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	s, err := readSettings(cfg)
	if err != nil {
		return nil, err
	}
	c := &ClientConn{url: u.String(), s: s, client: s.client}
	if c.client == nil {
		d, network := dialer(cfg)
		if c.direct = newDirectClient(u, s, d, network); c.direct == nil {
			c.client = newClient(s, d, network)
			c.owned = true
		}
	}
	c.abortCtx, c.abort = context.WithCancel(context.Background())
	return c, nil
}

// dialer returns how a client connects: the dialer and its network.
func dialer(cfg *transport.Config) (*net.Dialer, string) {
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	if cfg != nil && cfg.ConnectTimeout > 0 {
		d.Timeout = cfg.ConnectTimeout
	}
	return d, cfg.Network("tcp")
}

// newClient builds a client on a clone of http.DefaultTransport.
func newClient(s *settings, d *net.Dialer, network string) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	switch s.proxyMode {
	case ProxyNone:
		t.Proxy = nil
	case ProxyCustom:
		t.Proxy = http.ProxyURL(s.proxyURL)
	default:
		t.Proxy = http.ProxyFromEnvironment
	}
	if s.tls != nil {
		t.TLSClientConfig = s.tls.Clone()
	}
	t.DialContext = func(ctx context.Context, _, addr string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}
	t.MaxConnsPerHost = s.maxConnsPerHost
	// The response must come within the channel's timeouts, not the
	// transport's: they are bounded by the contexts given to Send.
	hc := &http.Client{Transport: t}
	if !s.followRedirects {
		// WWSAPI does not follow redirects unless told to
		// (WS_CHANNEL_PROPERTY_ENABLE_HTTP_REDIRECT defaults to FALSE).
		hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	if s.cookies {
		hc.Jar, _ = cookiejar.New(nil) // never fails without options
	}
	return hc
}

// ClientConn is the Conn of an HTTP request channel: every Send is one POST
// exchange, whose response the next Receive returns. It implements
// transport.Conn.
type ClientConn struct {
	url    string
	s      *settings
	client *http.Client  // nil when direct is set
	owned  bool          // client is the Conn's own
	direct *directClient // the exchanges without http.Client, when possible

	abortCtx context.Context
	abort    context.CancelFunc

	mu       sync.Mutex
	closed   bool
	inflight chan struct{} // closed when the pending Send has kept its response
	resp     *response     // the kept response, until Receive takes it
	local    net.Addr
	remote   net.Addr
}

// response is what a Send kept for Receive: a frame or the error the
// response means.
type response struct {
	frame *transport.Frame
	err   error
}

// URL returns the URL requests are posted to.
func (c *ClientConn) URL() string { return c.url }

// LocalAddr returns the local address of the last exchange's connection.
func (c *ClientConn) LocalAddr() net.Addr {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.local
}

// RemoteAddr returns the remote address of the last exchange's connection.
func (c *ClientConn) RemoteAddr() net.Addr {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.remote
}

// Send posts f.Data and waits, within ctx, for the response's status,
// headers and body, which it keeps for Receive. It returns an error when
// no response came (connection failure, ctx, Abort) or the body could not
// be read; a response of any status is a success of Send, and what the
// status means is Receive's result.
//
// The request's Content-Type is f.ContentType when set, else the
// configured one with the action added where its media type carries it
// (SOAPAction for text/xml, action= for application/soap+xml). f.Header
// holds extra request headers (filtered by the HeaderMapping's Request
// names, if any).
func (c *ClientConn) Send(ctx context.Context, f *transport.Frame) error {
	if err := c.abortCtx.Err(); err != nil {
		return errAborted
	}
	ct, soapAction := f.ContentType, ""
	if ct == "" {
		var err error
		if ct, soapAction, err = requestContentType(c.s.contentType, c.s.media, f.Action); err != nil {
			return err
		}
	}
	done := make(chan struct{})
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return errClosed
	}
	if c.inflight != nil {
		c.mu.Unlock()
		return errors.New("soaphttp: a request is already in progress on this connection")
	}
	c.inflight, c.resp = done, nil
	c.mu.Unlock()

	resp, err := c.exchange(ctx, f, ct, soapAction)
	c.mu.Lock()
	c.inflight = nil
	if err == nil {
		c.resp = resp
	}
	c.mu.Unlock()
	close(done)
	return err
}

func (c *ClientConn) exchange(ctx context.Context, f *transport.Frame, ct, soapAction string) (*response, error) {
	rctx := ctx
	if c.direct == nil {
		// Abort cuts an exchange of the direct client by closing its
		// connection; one through http.Client, by its context, which
		// must also end at ctx's deadline (ctx may have no Done: see
		// BoundByDeadline).
		var cancel context.CancelFunc
		if dl, ok := ctx.Deadline(); ok {
			rctx, cancel = context.WithDeadline(ctx, dl)
		} else {
			rctx, cancel = context.WithCancel(ctx)
		}
		defer cancel()
		stop := context.AfterFunc(c.abortCtx, cancel)
		defer stop()
		rctx = httptrace.WithClientTrace(rctx, &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
			c.setAddrs(info.Conn)
		}})
	}
	data := f.Data
	if c.direct == nil {
		// http.Transport may go on writing the body after Do returns (a
		// response that came early); Send keeps nothing of f
		// (transport.DeadlineBound), so the body is its own copy.
		data = bytes.Clone(data)
	}
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, c.url, bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("soaphttp: %w", err)
	}
	addHeaders(req.Header, f.Header, c.s.mapping.Request)
	req.Header.Set("Content-Type", ct)
	if soapAction != "" {
		req.Header.Set("SOAPAction", soapAction)
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", UserAgent)
	}
	var resp *http.Response
	if c.direct != nil {
		var conn net.Conn
		if resp, conn, err = c.direct.do(ctx, req); err == nil {
			c.setAddrs(conn)
		}
	} else {
		resp, err = c.client.Do(req)
	}
	if err != nil {
		return nil, c.failure(ctx, err)
	}
	defer resp.Body.Close()

	r := &response{}
	media, _ := parseContentType(resp.Header.Get("Content-Type"))
	soapBody := media == c.s.media
	status := resp.StatusCode
	// A body that may be a message is read up to the limit; the body of
	// an error status that is not a message only for the error's text.
	limit, message := c.s.maxSize, true
	if !soapBody && status != http.StatusInternalServerError && (status < 200 || status > 299) {
		limit, message = 512, false
	}
	if message && resp.ContentLength > limit {
		r.err = fmt.Errorf("soaphttp: the response (HTTP %d) is %d bytes, over the %d-byte limit: %w",
			status, resp.ContentLength, limit, ErrTooLarge)
		return r, nil // the body is closed unread: the connection is not reused
	}
	body, err := readAll(io.LimitReader(resp.Body, limit+1), resp.ContentLength, limit)
	if err != nil {
		return nil, c.failure(ctx, err)
	}
	if int64(len(body)) > limit {
		if message {
			r.err = fmt.Errorf("soaphttp: the response (HTTP %d) is over the %d-byte limit: %w", status, limit, ErrTooLarge)
			return r, nil
		}
		body = body[:limit]
	}
	r.frame, r.err = c.interpret(resp, body, soapBody)
	return r, nil
}

// responseHeaders returns the headers of a response to keep with its
// frame: the response's own, which nothing else holds, or those names.
func responseHeaders(h http.Header, names []string) http.Header {
	if names == nil {
		return h
	}
	return copyHeaders(h, names)
}

// setAddrs records the addresses of the connection an exchange is on.
func (c *ClientConn) setAddrs(conn net.Conn) {
	c.mu.Lock()
	c.local, c.remote = conn.LocalAddr(), conn.RemoteAddr()
	c.mu.Unlock()
}

// failure maps a request's failure: Abort, then ctx, then the error itself.
func (c *ClientConn) failure(ctx context.Context, err error) error {
	if c.abortCtx.Err() != nil {
		return errAborted
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		// The connection's deadline is ctx's: ctx has expired, though
		// its own timer may not have told it yet.
		if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
			return context.DeadlineExceeded
		}
	}
	if err == errClosed {
		return err
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		strings.Contains(err.Error(), "server closed idle connection"):
		// The service closed the connection before a whole response.
		return fmt.Errorf("soaphttp: POST %s: connection closed before the response: %w", c.url, io.ErrUnexpectedEOF)
	case strings.Contains(err.Error(), "malformed"):
		// net/http's errors for a response it cannot parse have no type
		// of their own; they all say "malformed".
		return &FormatError{Msg: fmt.Sprintf("POST %s: %v", c.url, err)}
	}
	return fmt.Errorf("soaphttp: POST %s: %w", c.url, err)
}

// interpret applies the status rules to a response read whole.
func (c *ClientConn) interpret(resp *http.Response, body []byte, soapBody bool) (*transport.Frame, error) {
	status := resp.StatusCode
	if soapBody && len(body) > 0 {
		return &transport.Frame{
			Data:        body,
			ContentType: resp.Header.Get("Content-Type"),
			Header:      responseHeaders(resp.Header, c.s.mapping.Response),
			Status:      status,
			Remote:      c.RemoteAddr(),
		}, nil
	}
	snippet := func() string {
		s := strings.TrimSpace(string(body))
		if len(s) > 200 {
			s = s[:200] + "…"
		}
		if s != "" {
			s = ": " + s
		}
		return s
	}
	switch {
	case status == http.StatusUnauthorized:
		return nil, &AuthError{Status: status, Schemes: authSchemes(resp.Header.Values("WWW-Authenticate"))}
	case status == http.StatusProxyAuthRequired:
		return nil, &AuthError{Status: status, Schemes: authSchemes(resp.Header.Values("Proxy-Authenticate"))}
	case status == http.StatusNotFound || status == http.StatusServiceUnavailable:
		return nil, &transport.Fault{Code: status, Msg: fmt.Sprintf("soaphttp: POST %s: HTTP %s%s", c.url, statusText(status), snippet())}
	case status >= 200 && status <= 299 && len(body) == 0:
		return nil, io.EOF
	case (status >= 200 && status <= 299 || status == http.StatusInternalServerError) && len(body) > 0:
		return nil, &FormatError{Status: status, ContentType: resp.Header.Get("Content-Type"), Expected: c.s.media, Prefix: body[:min(len(body), 64)]}
	}
	return nil, &transport.Fault{Code: status, Msg: fmt.Sprintf("soaphttp: POST %s: HTTP %s%s", c.url, statusText(status), snippet())}
}

// Receive returns the response of the last Send, once, as a frame — Data
// the body, ContentType, Header the response headers (filtered by the
// HeaderMapping's Response names, if any) and Status — or the error it
// means:
//
//   - a body of the expected media type is a frame whatever the status
//     (a SOAP fault comes with 500);
//   - 2xx without a body (202, 204, an empty 200: a one-way exchange) and
//     a second Receive: io.EOF;
//   - 401 and 407: *AuthError;
//   - 404, 503 and other statuses without a message: *transport.Fault
//     with Code the status;
//   - 2xx and 500 with a body of another content type: *FormatError;
//   - a body over MaxMessageSize: an error wrapping ErrTooLarge.
//
// If a Send is in progress, Receive waits for it within ctx.
func (c *ClientConn) Receive(ctx context.Context) (*transport.Frame, error) {
	if c.abortCtx.Err() != nil {
		return nil, errAborted
	}
	c.mu.Lock()
	wait := c.inflight
	c.mu.Unlock()
	if wait != nil {
		var expired <-chan time.Time
		if dl, ok := ctx.Deadline(); ok {
			t := time.NewTimer(time.Until(dl))
			defer t.Stop()
			expired = t.C
		}
		select {
		case <-wait:
		case <-c.abortCtx.Done():
			return nil, errAborted
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-expired:
			return nil, context.DeadlineExceeded
		}
	}
	c.mu.Lock()
	r := c.resp
	c.resp = nil
	closed := c.closed
	c.mu.Unlock()
	if r == nil {
		if closed {
			return nil, errClosed
		}
		return nil, io.EOF
	}
	return r.frame, r.err
}

// BoundByDeadline marks ClientConn as transport.DeadlineBound: Send and
// Receive end at ctx.Deadline() even when ctx has no Done channel.
func (c *ClientConn) BoundByDeadline() {}

// CloseSend does nothing: an HTTP exchange has no end of its own.
func (c *ClientConn) CloseSend(ctx context.Context) error { return nil }

// Close ends the Conn: later Sends fail. A Conn with its own client closes
// its idle connections; a supplied client's pool is left alone.
func (c *ClientConn) Close(ctx context.Context) error {
	c.mu.Lock()
	c.closed = true
	c.resp = nil
	c.mu.Unlock()
	if c.direct != nil {
		c.direct.close(false)
	}
	if c.owned {
		c.client.CloseIdleConnections()
	}
	return nil
}

// Abort cancels the request in flight — its connection is closed, not
// returned to the pool — and makes pending and later Sends and Receives
// fail at once.
func (c *ClientConn) Abort() {
	c.abort()
	c.mu.Lock()
	c.closed = true
	c.resp = nil
	c.mu.Unlock()
	if c.direct != nil {
		c.direct.close(true)
	}
	if c.owned {
		c.client.CloseIdleConnections()
	}
}

var (
	_ transport.Conn          = (*ClientConn)(nil)
	_ transport.DeadlineBound = (*ClientConn)(nil)
)
