package soaphttp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wwsgo/wws/transport"
)

// Handler is the server side of the binding for one endpoint: an
// http.Handler turning each POST into a Conn that Accept returns, and a
// transport.Listener. [Listen] mounts Handlers on servers of its own;
// NewHandler lets the user mount one in their own http.ServeMux or server,
// with their own TLS, middleware and shutdown. A Handler serves whatever
// path it is given.
//
// A request is checked before it is queued: a method other than POST gets
// 405 (with Allow: POST), a body over MaxMessageSize 413 (at once when
// Content-Length says so, otherwise when reading passes the limit), a
// content type of another media type than the configured one 415 (with a
// plain-text explanation). The body is then read whole (Expect:
// 100-continue is answered by net/http as reading starts) and the request
// waits for an Accept, at most ExtraQueueTimeout and with at most
// ExtraQueueLength others, else it gets 503.
//
// Abort of an accepted Conn cuts the client's connection by panicking
// with http.ErrAbortHandler in the handler's goroutine: middleware that
// recovers panics must let that one through. A user's server should Close
// the Handler before shutting down: http.Server.Shutdown waits for the
// requests the Handler holds.
type Handler struct {
	s *settings

	queue   chan *ServerConn // unbuffered: a hand-off to Accept
	done    chan struct{}    // closed by Close
	force   context.Context  // done when the close timeout has passed
	forceFn context.CancelFunc
	stopCtx context.Context // cancelled by Close: interrupts body reads
	stop    context.CancelFunc

	mu       sync.Mutex
	waiting  int            // requests waiting for an Accept
	requests sync.WaitGroup // ServeHTTP calls begun before Close
	once     sync.Once
}

// NewHandler returns a Handler for messages as cfg describes them
// (ContentType, SOAPVersion, MaxMessageSize, Backlog and the Extra keys of
// this package). It panics if cfg's Extra settings are invalid; use
// NewHandlerErr to have the error.
func NewHandler(cfg *transport.Config) *Handler {
	h, err := NewHandlerErr(cfg)
	if err != nil {
		panic(err)
	}
	return h
}

// NewHandlerErr is NewHandler returning an error for invalid settings.
func NewHandlerErr(cfg *transport.Config) (*Handler, error) {
	s, err := readSettings(cfg)
	if err != nil {
		return nil, err
	}
	h := &Handler{
		s:     s,
		queue: make(chan *ServerConn),
		done:  make(chan struct{}),
	}
	h.stopCtx, h.stop = context.WithCancel(context.Background())
	h.force, h.forceFn = context.WithCancel(context.Background())
	return h, nil
}

// Addr returns nil: the address is the server's the Handler is mounted in.
// (The Listener Listen returns has the address listened on.)
func (h *Handler) Addr() net.Addr { return nil }

// Accept returns the Conn of the next request, waiting within ctx. It
// returns transport.ErrListenerClosed once Close was called.
func (h *Handler) Accept(ctx context.Context) (transport.Conn, error) {
	select {
	case <-h.done:
		return nil, transport.ErrListenerClosed
	default:
	}
	select {
	case c := <-h.queue:
		return c, nil
	case <-h.done:
		return nil, transport.ErrListenerClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Close stops accepting: pending Accepts return
// transport.ErrListenerClosed, requests not yet accepted (and those coming
// later) get 503. Requests already accepted have the close timeout to be
// answered, after which their connections are cut. Close returns when
// every request the Handler was serving has ended.
func (h *Handler) Close() error {
	h.shutdown()
	return nil
}

// Abort is Close without the close timeout: requests accepted and not yet
// answered are cut at once. It may be called while a Close is waiting, to
// end it.
func (h *Handler) Abort() {
	h.forceFn()
	h.shutdown()
}

func (h *Handler) shutdown() {
	h.once.Do(func() {
		h.mu.Lock()
		close(h.done)
		h.mu.Unlock()
		h.stop()
		t := time.AfterFunc(h.s.closeTimeout, h.forceFn)
		h.requests.Wait()
		t.Stop()
		h.forceFn()
	})
}

// begin registers a request; false once the Handler is closed.
func (h *Handler) begin() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	select {
	case <-h.done:
		return false
	default:
	}
	h.requests.Add(1)
	return true
}

func plainError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	io.WriteString(w, msg+"\n")
}

// ServeHTTP checks, reads and queues one request, and then — once it is
// accepted — waits for the Conn's response.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.begin() {
		plainError(w, http.StatusServiceUnavailable, "The endpoint is closing.")
		return
	}
	defer h.requests.Done()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		plainError(w, http.StatusMethodNotAllowed, "Messages are sent to this endpoint with POST.")
		return
	}
	if ua := r.UserAgent(); ua != "" {
		for _, bad := range h.s.disallowedUA {
			if bad != "" && strings.Contains(ua, bad) {
				plainError(w, http.StatusForbidden, "This endpoint does not serve this user agent.")
				return
			}
		}
	}
	ct := r.Header.Get("Content-Type")
	media, params := parseContentType(ct)
	if media != h.s.media {
		got := "no content type"
		if ct != "" {
			got = fmt.Sprintf("content type %q", ct)
		}
		plainError(w, http.StatusUnsupportedMediaType,
			fmt.Sprintf("The request has %s; this endpoint accepts %s (%s).", got, h.s.media, h.s.contentType))
		return
	}
	if r.ContentLength > h.s.maxSize {
		w.Header().Set("Connection", "close")
		plainError(w, http.StatusRequestEntityTooLarge,
			fmt.Sprintf("The request of %d bytes exceeds the limit of %d bytes.", r.ContentLength, h.s.maxSize))
		return
	}
	rc := http.NewResponseController(w)
	body, err := h.readBody(w, r, rc)
	if err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			w.Header().Set("Connection", "close")
			plainError(w, http.StatusRequestEntityTooLarge,
				fmt.Sprintf("The request exceeds the limit of %d bytes.", h.s.maxSize))
		case h.stopCtx.Err() != nil:
			w.Header().Set("Connection", "close")
			plainError(w, http.StatusServiceUnavailable, "The endpoint is closing.")
		}
		// Otherwise the client went away or was too slow: nothing to answer.
		return
	}
	if len(body) == 0 {
		plainError(w, http.StatusBadRequest, "The request has no message.")
		return
	}
	c := &ServerConn{
		h:     h,
		req:   transport.Frame{Data: body, ContentType: ct, Header: copyHeaders(r.Header, h.s.mapping.Request)},
		ops:   make(chan *serverOp),
		ended: make(chan struct{}),
		url:   requestURL(r),
	}
	c.abortCtx, c.abortFn = context.WithCancel(context.Background())
	c.abort = c.abortCtx.Done()
	c.req.Action = requestAction(params, r.Header.Values("SOAPAction"))
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		c.remote = net.TCPAddrFromAddrPort(ap)
	}
	c.req.Remote = c.remote
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		c.local = a
	}
	if !h.enqueue(w, r, c) {
		return
	}
	h.serve(w, r, rc, c)
}

// readBody reads the whole body within the read timeout, bounded by the
// maximum message size; Close interrupts it.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request, rc *http.ResponseController) ([]byte, error) {
	rc.SetReadDeadline(time.Now().Add(h.s.readTimeout))
	stop := context.AfterFunc(h.stopCtx, func() { rc.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	buf, err := readAll(http.MaxBytesReader(w, r.Body, h.s.maxSize), r.ContentLength, h.s.maxSize)
	if err != nil {
		return nil, err
	}
	if stop() {
		rc.SetReadDeadline(time.Time{})
	}
	return buf, nil
}

// readAll reads r to its end into a buffer sized for the body's
// Content-Length (size; negative when unknown), with room for one byte
// over limit, so that a body of the announced size is read without
// growing the buffer.
func readAll(r io.Reader, size, limit int64) ([]byte, error) {
	n := int64(4096)
	if size >= 0 {
		n = size
	}
	buf := make([]byte, 0, min(n, limit)+1)
	for {
		m, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
	}
}

// requestURL rebuilds the URL the client posted to (the channel's
// TRANSPORT_URL).
func requestURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.RequestURI()
}

// enqueue hands c to an Accept, waiting at most the queue timeout; it
// answers 503 itself when that fails.
func (h *Handler) enqueue(w http.ResponseWriter, r *http.Request, c *ServerConn) bool {
	h.mu.Lock()
	full := h.waiting >= h.s.queueLength
	if !full {
		h.waiting++
	}
	h.mu.Unlock()
	if full {
		plainError(w, http.StatusServiceUnavailable, "Too many requests are waiting for this endpoint.")
		return false
	}
	defer func() {
		h.mu.Lock()
		h.waiting--
		h.mu.Unlock()
	}()
	t := time.NewTimer(h.s.queueTimeout)
	defer t.Stop()
	select {
	case <-h.done:
	default:
		select {
		case h.queue <- c:
			return true
		case <-h.done:
		case <-t.C:
		case <-r.Context().Done():
			return false
		}
	}
	plainError(w, http.StatusServiceUnavailable, "The endpoint did not accept the request in time.")
	return false
}

// ServerConn is the accepted Conn of one HTTP request (a WWSAPI HTTP reply
// channel's connection). Receive returns the request; Send writes the
// response; Close without a Send answers 202 Accepted; Abort cuts the
// connection. It implements transport.Conn.
type ServerConn struct {
	h      *Handler
	req    transport.Frame
	url    string
	local  net.Addr
	remote net.Addr

	ops      chan *serverOp // to the handler goroutine
	abortCtx context.Context
	abortFn  context.CancelFunc
	abort    <-chan struct{} // abortCtx.Done(): closed by Abort
	ended    chan struct{}   // closed when the handler goroutine is done

	mu       sync.Mutex
	received bool
	answered bool // a Send or Close handed its response over
}

// serverOp is a response for the handler goroutine to write: a frame, or
// nil for 202 Accepted.
type serverOp struct {
	f        *transport.Frame
	deadline time.Time
	result   chan error
}

// serve waits, in the handler goroutine, for the Conn's response and
// writes it; Abort, the reply timeout and the close timeout cut the
// connection instead.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, rc *http.ResponseController, c *ServerConn) {
	defer close(c.ended)
	t := time.NewTimer(h.s.replyTimeout)
	defer t.Stop()
	var op *serverOp
	select {
	case op = <-c.ops:
	case <-c.abort:
		panic(http.ErrAbortHandler)
	case <-t.C:
		c.Abort()
		panic(http.ErrAbortHandler)
	case <-h.force.Done():
		c.Abort()
		panic(http.ErrAbortHandler)
	case <-r.Context().Done():
		return // the client went away
	}
	err := c.write(w, rc, op)
	op.result <- err
	if err != nil {
		panic(http.ErrAbortHandler)
	}
}

// write writes op's response; Abort and the close timeout interrupt it.
// The connection stays usable for the client's next request only when the
// write completed uninterrupted.
func (c *ServerConn) write(w http.ResponseWriter, rc *http.ResponseController, op *serverOp) error {
	rc.SetWriteDeadline(op.deadline)
	cut := func() { rc.SetWriteDeadline(time.Unix(1, 0)) }
	stopAbort := context.AfterFunc(c.abortCtx, cut)
	stopForce := context.AfterFunc(c.h.force, cut)
	err := c.writeResponse(w, rc, op)
	a, f := stopAbort(), stopForce()
	if !a || !f {
		return errAborted
	}
	if err == nil {
		rc.SetWriteDeadline(time.Time{})
	}
	return err
}

func (c *ServerConn) writeResponse(w http.ResponseWriter, rc *http.ResponseController, op *serverOp) error {
	hdr := w.Header()
	if op.f == nil {
		hdr.Set("Content-Length", "0")
		w.WriteHeader(http.StatusAccepted)
		return rc.Flush()
	}
	f := op.f
	addHeaders(hdr, f.Header, c.h.s.mapping.Response)
	ct := f.ContentType
	if ct == "" {
		ct = c.h.s.contentType
	}
	hdr.Set("Content-Type", ct)
	hdr.Set("Content-Length", strconv.Itoa(len(f.Data)))
	status := f.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	if _, err := w.Write(f.Data); err != nil {
		return err
	}
	return rc.Flush()
}

// URL returns the URL the client posted to.
func (c *ServerConn) URL() string { return c.url }

// LocalAddr returns the server's address of the request's connection.
func (c *ServerConn) LocalAddr() net.Addr { return c.local }

// RemoteAddr returns the client's address.
func (c *ServerConn) RemoteAddr() net.Addr { return c.remote }

// Receive returns the request, once — Data the body, ContentType, Action
// (from the action= parameter or the SOAPAction header), Header the
// request headers (filtered by the HeaderMapping's Request names, if any)
// and Remote the client's address — then io.EOF.
func (c *ServerConn) Receive(ctx context.Context) (*transport.Frame, error) {
	select {
	case <-c.abort:
		return nil, errAborted
	default:
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.received {
		return nil, io.EOF
	}
	c.received = true
	f := c.req
	return &f, nil
}

// errGone is returned when the request's connection ended before the response.
var errGone = fmt.Errorf("soaphttp: the client's connection ended before the response: %w", io.ErrUnexpectedEOF)

// Send writes the response, once, within ctx: status f.Status (200 when
// zero; a fault should be sent with 500), Content-Type f.ContentType or
// the configured one (without action=), body f.Data, and the headers of
// f.Header (filtered by the HeaderMapping's Response names, if any). If
// ctx ends while the response is being written the connection is cut.
func (c *ServerConn) Send(ctx context.Context, f *transport.Frame) error {
	return c.respond(ctx, f)
}

func (c *ServerConn) respond(ctx context.Context, f *transport.Frame) error {
	c.mu.Lock()
	if c.answered {
		c.mu.Unlock()
		if f == nil {
			return nil
		}
		return errors.New("soaphttp: the response was already sent")
	}
	c.answered = true
	c.mu.Unlock()
	d, _ := ctx.Deadline()
	op := &serverOp{f: f, deadline: d, result: make(chan error, 1)}
	select {
	case c.ops <- op:
	case <-c.abort:
		return errAborted
	case <-c.ended:
		select {
		case <-c.abort: // an Abort ends the exchange too: it is the cause
			return errAborted
		default:
		}
		if f == nil {
			return nil
		}
		return errGone
	case <-ctx.Done():
		c.mu.Lock()
		c.answered = false
		c.mu.Unlock()
		return ctx.Err()
	}
	select {
	case err := <-op.result:
		if err != nil {
			return fmt.Errorf("soaphttp: write the response: %w", err)
		}
		return nil
	case <-c.abort:
		return errAborted
	case <-ctx.Done():
		c.Abort()
		return ctx.Err()
	}
}

// CloseSend does nothing: the response ends the exchange.
func (c *ServerConn) CloseSend(ctx context.Context) error { return nil }

// Close ends the exchange: without a Send it answers 202 Accepted with no
// body (a one-way message), within ctx.
func (c *ServerConn) Close(ctx context.Context) error {
	return c.respond(ctx, nil)
}

// Abort cuts the client's connection, unless the response was written
// already, and makes Receive and Send return at once.
func (c *ServerConn) Abort() { c.abortFn() }

var (
	_ transport.Conn     = (*ServerConn)(nil)
	_ transport.Listener = (*Handler)(nil)
)
