package wws

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wwsgo/wws/transport"
)

// Channel is WS_CHANNEL: one end of a message exchange — a net.tcp
// session, an HTTP request/reply exchange, a UDP socket — with WWSAPI's
// explicit states and its abort.
//
// A Channel is safe for concurrent use: sends may run beside receives,
// and Abort may be called at any time from any goroutine. Methods on a nil
// *Channel return E_INVALIDARG.
type Channel struct {
	typ      ChannelType
	binding  ChannelBinding
	props    *channelPropertyValues
	listener *Listener // the listener that created it, for server channels
	log      *slog.Logger

	mu    sync.Mutex
	state ChannelState
	g     *generation // the current open/accept lifetime
	// abortedEarly records an Abort in the Created state: the next Open or
	// accept fails with WS_E_OPERATION_ABORTED (WWSAPI's rule for listeners,
	// applied to channels as well).
	abortedEarly bool
}

// generation is one lifetime of a channel between Open (or accept) and
// Close or Reset. Abort acts on it; operations capture it when they start,
// so that nothing of one lifetime leaks into the next.
type generation struct {
	sendFrame transport.Frame // the frame being sent, under sendSlot

	abortCh    chan struct{} // closed by Abort
	aborted    atomic.Bool
	cancelOpen context.CancelFunc

	conn  transport.Conn
	codec *codec
	url   string // the URL opened, or the Via / request URL of an accepted channel

	sendSlot chan struct{} // one sender at a time (session dictionaries, framing order)
	recvSlot chan struct{} // one reader at a time of a request or reply exchange

	// Sessions and duplex channels (hasReader): see dispatch.go.
	hasReader  bool
	rtok       chan struct{} // the read token: its holder reads the connection
	in         *inbox        // unsolicited messages read by a holder that did not want them
	readerDone chan struct{} // closed when reading has ended; readErr is set before
	readErr    error
	endOnce    sync.Once

	reqMu     sync.Mutex
	pending   map[msgKey]chan *Message // requests awaiting a correlated reply; nil: given up on
	abandoned int                      // the nil entries of pending

	shutDown   atomic.Bool             // ShutdownSession succeeded
	received   atomic.Bool             // a message was received (exchange channels)
	replied    atomic.Bool             // a reply was sent (reply channels)
	held       atomic.Pointer[Message] // the response to a one-way Send on a request channel, for Receive
	reading    atomic.Pointer[Message]
	writing    atomic.Pointer[Message]
	faultedErr error // what faulted the channel
}

func newGeneration() *generation {
	return &generation{
		abortCh:    make(chan struct{}),
		sendSlot:   make(chan struct{}, 1),
		recvSlot:   make(chan struct{}, 1),
		rtok:       make(chan struct{}, 1),
		readerDone: make(chan struct{}),
	}
}

// NewChannel creates a client channel (WsCreateChannel) of the given type
// and binding, in the Created state. Properties not given take WWSAPI's
// defaults; a property the binding does not have, a read-only one, or a
// value of the wrong type is E_INVALIDARG.
func NewChannel(t ChannelType, b ChannelBinding, props ...ChannelProperty) (*Channel, error) {
	if err := checkClientType(t, b); err != nil {
		return nil, err
	}
	pv, err := newChannelProperties(b, t, props)
	if err != nil {
		return nil, err
	}
	if b == BindingCustom {
		if _, ok := pv.v[ChannelPropertyCustomChannelCallbacks].(CustomTransport); !ok {
			return nil, invalidArg("a custom channel needs ChannelPropertyCustomChannelCallbacks holding a CustomTransport")
		}
	}
	return &Channel{typ: t, binding: b, props: pv, state: ChannelStateCreated, g: newGeneration()}, nil
}

// checkClientType applies the binding × channel type matrix for client channels.
func checkClientType(t ChannelType, b ChannelBinding) error {
	if !t.valid() {
		return invalidArg("unknown channel type 0x%X", uint32(t))
	}
	ok := false
	switch b {
	case BindingHTTP:
		ok = t == ChannelTypeRequest
	case BindingTCP, BindingNamedPipe:
		ok = t == ChannelTypeDuplexSession
	case BindingUDP:
		ok = t == ChannelTypeDuplex
	case BindingCustom:
		ok = true
	default:
		return invalidArg("unknown channel binding %d", uint32(b))
	}
	if !ok {
		return invalidArg("%s channels of the %s binding are not supported (WWSAPI's binding and channel type matrix)", t, b)
	}
	return nil
}

// State returns the channel's state.
func (c *Channel) State() ChannelState {
	if c == nil {
		return ChannelStateClosed
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// Type returns the channel type.
func (c *Channel) Type() ChannelType { return c.typ }

// Binding returns the channel binding.
func (c *Channel) Binding() ChannelBinding { return c.binding }

func nilChannel() error { return invalidArg("nil channel") }

// SetLogger sets a logger for the channel's events (off by default).
func (c *Channel) SetLogger(l *slog.Logger) {
	if c != nil {
		c.mu.Lock()
		c.log = l
		c.mu.Unlock()
	}
}

func (c *Channel) logf(msg string, args ...any) {
	if c.log != nil {
		c.log.Debug(msg, args...)
	}
}

// timeout returns a duration-valued property.
func (c *Channel) timeout(id ChannelPropertyID) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d, ok := c.props.v[id].(time.Duration); ok {
		return d
	}
	return Infinite
}

// withTimeout bounds ctx by the timeout property id.
func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d == Infinite || d < 0 {
		return ctx, noCancel
	}
	return context.WithTimeout(ctx, d)
}

func noCancel() {}

// opTimeout bounds an I/O operation on g's connection by d. When the
// transport ends operations at a context's deadline by itself
// (transport.DeadlineBound), the bound is a deadlineCtx over ctx: no timer
// and no registration with ctx (only the transport's own watch of ctx, if
// ctx can be cancelled). The channel's own waits go through waitChans,
// which time a deadlineCtx themselves.
func opTimeout(ctx context.Context, d time.Duration, g *generation) (context.Context, *opCtx) {
	if d == Infinite || d < 0 {
		return ctx, nil
	}
	if _, ok := g.conn.(transport.DeadlineBound); ok {
		dl := time.Now().Add(d)
		if p, ok := ctx.Deadline(); ok && p.Before(dl) {
			dl = p
		}
		dc := deadlineCtxs.Get().(*deadlineCtx)
		dc.Context, dc.d = ctx, dl
		return dc, (*opCtx)(dc)
	}
	tctx, cancel := context.WithTimeout(ctx, d)
	return tctx, &opCtx{cancel: cancel}
}

// opCtx is what ends an operation's context: a pooled deadlineCtx goes
// back to its pool, a context.WithTimeout is cancelled. Its release is
// safe on nil.
type opCtx deadlineCtx

func (o *opCtx) release() {
	switch {
	case o == nil:
	case o.cancel != nil:
		o.cancel()
	default:
		o.Context = nil
		deadlineCtxs.Put((*deadlineCtx)(o))
	}
}

var deadlineCtxs = sync.Pool{New: func() any { return new(deadlineCtx) }}

// deadlineCtx is ctx bounded by a deadline d that its Done does not
// report: only transports that are DeadlineBound, and waitChans, are given
// one. Its Done is the parent's (it ends early only by cancellation).
type deadlineCtx struct {
	context.Context // the caller's
	d               time.Time
	cancel          context.CancelFunc // set only in an opCtx of a context.WithTimeout
}

func (c *deadlineCtx) Deadline() (time.Time, bool) { return c.d, true }
func (c *deadlineCtx) Err() error {
	if err := c.Context.Err(); err != nil {
		return err
	}
	if time.Now().Before(c.d) {
		return nil
	}
	return context.DeadlineExceeded
}

// waitChans returns what a wait within ctx selects on: ctx's Done, and for
// a deadlineCtx a timer's channel as well (stopped by stop). When the
// timer fires, the wait's error is context.DeadlineExceeded.
func waitChans(ctx context.Context) (done <-chan struct{}, timeout <-chan time.Time, stop func()) {
	if dc, ok := ctx.(*deadlineCtx); ok {
		t := time.NewTimer(time.Until(dc.d))
		return ctx.Done(), t.C, func() { t.Stop() }
	}
	return ctx.Done(), nil, noCancel
}

// transportConfig builds what the transport needs from the properties.
func (c *Channel) transportConfig() *transport.Config {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := &c.props.v
	enc, _ := v[ChannelPropertyEncoding].(Encoding)
	env, _ := v[ChannelPropertyEnvelopeVersion].(EnvelopeVersion)
	cfg := &transport.Config{
		ContentType:    contentType(enc, env),
		SOAPVersion:    int(env),
		MaxMessageSize: int(u32(v[ChannelPropertyMaxBufferedMessageSize], 65536)),
		Extra:          map[string]any{},
	}
	cfg.ConnectTimeout, _ = v[ChannelPropertyConnectTimeout].(time.Duration)
	cfg.NoDelay, _ = v[ChannelPropertyNoDelay].(bool)
	cfg.KeepAlive, _ = v[ChannelPropertySendKeepAlives].(bool)
	cfg.KeepAliveTime, _ = v[ChannelPropertyKeepAliveTime].(time.Duration)
	cfg.KeepAliveInterval, _ = v[ChannelPropertyKeepAliveInterval].(time.Duration)
	if ipv, ok := v[ChannelPropertyIPVersion].(IPVersion); ok {
		cfg.IPVersion = int(ipv)
	}
	c.addExtra(cfg)
	return cfg
}

func u32(v any, def uint32) uint32 {
	if x, ok := v.(uint32); ok {
		return x
	}
	return def
}

// newCodec returns the codec for a new connection of this channel.
func (c *Channel) newCodec() *codec {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := &c.props.v
	enc, _ := v[ChannelPropertyEncoding].(Encoding)
	env, _ := v[ChannelPropertyEnvelopeVersion].(EnvelopeVersion)
	addr, _ := v[ChannelPropertyAddressingVersion].(AddressingVersion)
	return newCodec(enc, env, addr, int(u32(v[ChannelPropertyMaxSessionDictionarySize], 2048)),
		int(u32(v[ChannelPropertyMaxBufferedMessageSize], 65536)))
}

// checkEncoding rejects encodings not built yet, and combinations WWSAPI refuses.
func (c *Channel) checkEncoding() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	enc, _ := c.props.v[ChannelPropertyEncoding].(Encoding)
	env, _ := c.props.v[ChannelPropertyEnvelopeVersion].(EnvelopeVersion)
	addr, _ := c.props.v[ChannelPropertyAddressingVersion].(AddressingVersion)
	switch {
	case enc.isMTOM():
		return newError(E_NOTIMPL, nil, "the MTOM encodings are not implemented yet")
	case enc == EncodingRaw:
		return newError(E_NOTIMPL, nil, "the raw encoding is not implemented yet")
	case enc.isBinary() && env != EnvelopeSOAP12:
		return invalidArg("the binary encodings need SOAP 1.2")
	case env == EnvelopeNone:
		return newError(E_NOTIMPL, nil, "messages without an envelope are not implemented yet")
	case enc.isBinary() && addr == AddressingTransport:
		return invalidArg("the binary encodings need WS-Addressing")
	}
	return nil
}

// Open opens a client channel to url (WsOpenChannel): Created -> Opening ->
// Open. For net.tcp this connects and exchanges the [MC-NMF] preamble; for
// HTTP nothing goes on the wire yet. The connect timeout property bounds it
// as well as ctx. An Abort while opening makes Open return
// WS_E_OPERATION_ABORTED; a failed open leaves the channel Faulted.
func (c *Channel) Open(ctx context.Context, url string) error {
	if c == nil {
		return nilChannel()
	}
	if ctx == nil {
		return invalidArg("nil context")
	}
	if url == "" {
		return invalidArg("empty endpoint URL")
	}
	if c.listener != nil {
		return newError(WS_E_INVALID_OPERATION, nil, "open: the channel belongs to a listener; accept it instead")
	}
	c.mu.Lock()
	switch c.state {
	case ChannelStateCreated:
	case ChannelStateFaulted:
		c.mu.Unlock()
		return newError(WS_E_OBJECT_FAULTED, nil, "open: the channel is faulted")
	default:
		st := c.state
		c.mu.Unlock()
		return newError(WS_E_INVALID_OPERATION, nil, "open: the channel is %s", st)
	}
	g := c.g
	if c.abortedEarly {
		c.state = ChannelStateFaulted
		c.mu.Unlock()
		return newError(WS_E_OPERATION_ABORTED, nil, "open: the channel was aborted before it was opened")
	}
	c.state = ChannelStateOpening
	octx, cancel := context.WithCancel(ctx)
	g.cancelOpen = cancel
	c.mu.Unlock()
	defer cancel()

	err := c.checkEncoding()
	var dialer transport.Dialer
	if err == nil {
		dialer, err = c.dialer(url)
	}
	var conn transport.Conn
	if err == nil {
		dctx, dcancel := withTimeout(octx, c.timeout(ChannelPropertyConnectTimeout))
		conn, err = dialer.Dial(dctx, url, c.transportConfig())
		dcancel()
	}
	var cd *codec
	if err == nil {
		cd = c.newCodec()
	}
	c.mu.Lock()
	if err == nil && g.aborted.Load() {
		conn.Abort()
		err = context.Canceled
	}
	if err != nil {
		c.state = ChannelStateFaulted
		aborted := g.aborted.Load()
		c.mu.Unlock()
		if aborted {
			return newError(WS_E_OPERATION_ABORTED, err, "open %s: aborted", url)
		}
		return c.openErr(err, url)
	}
	g.conn = conn
	g.url = url
	g.codec = cd
	c.state = ChannelStateOpen
	c.startReader(g)
	c.mu.Unlock()
	c.logf("wws: channel open", "url", url)
	return nil
}

// openErr maps a dial or handshake failure to WWSAPI's codes.
func (c *Channel) openErr(err error, url string) error {
	var tf *transport.Fault
	if errors.As(err, &tf) {
		return newError(faultCode(tf), err, "open %s", url)
	}
	var e *Error
	if errors.As(err, &e) {
		return wrapErr(err, "open "+url)
	}
	code := classify(err)
	if code == WS_E_OTHER || code == WS_E_INVALID_FORMAT && !isFormat(err) {
		code = WS_E_ENDPOINT_NOT_FOUND
	}
	return newError(code, err, "open %s", url)
}

func isFormat(err error) bool { return classify(err) == WS_E_INVALID_FORMAT }

// startReader prepares reading for channel types whose messages arrive
// unasked (sessions, duplex): the operations that want messages read them
// (dispatch.go). Request and reply channels read their one message in the
// operation itself.
func (c *Channel) startReader(g *generation) {
	if c.typ == ChannelTypeRequest || c.typ == ChannelTypeReply {
		return
	}
	g.hasReader = true
	g.in = newInbox()
	g.pending = make(map[msgKey]chan *Message)
}

// Abort is WsAbortChannel: it can be called in any state, from any
// goroutine, any number of times, and returns without waiting for I/O.
// Every pending operation returns WS_E_OPERATION_ABORTED promptly. An Open
// channel becomes Faulted; a pending open or accept fails and leaves it
// Faulted; a pending close still ends Closed; Created, Faulted and Closed
// channels stay as they are (an Abort in Created makes the next open fail).
func (c *Channel) Abort() error {
	if c == nil {
		return nilChannel()
	}
	c.mu.Lock()
	g := c.g
	switch c.state {
	case ChannelStateCreated:
		c.abortedEarly = true
	case ChannelStateOpening, ChannelStateAccepting, ChannelStateOpen:
		c.state = ChannelStateFaulted
	}
	first := !g.aborted.Swap(true)
	conn := g.conn
	cancelOpen := g.cancelOpen
	if first {
		// Closing abortCh readies every operation waiting on it, which
		// takes time in proportion to their number: it is done beside
		// Abort, which returns at once. Operations check g.aborted too.
		go func() {
			close(g.abortCh)
			if g.hasReader {
				g.endRead(errAborted) // sessions' waiters watch readerDone alone
			}
		}()
		if g.faultedErr == nil {
			g.faultedErr = errAborted
		}
	}
	c.mu.Unlock()
	if cancelOpen != nil {
		cancelOpen()
	}
	if conn != nil {
		conn.Abort()
	}
	return nil
}

var errAborted = errors.New("channel aborted")

// Close is WsCloseChannel. From Open it shuts the session down gracefully
// when no message is being read or written — the end of the session each
// way (net.tcp End records), bounded by the close timeout — and rudely
// otherwise; from Faulted it releases the connection. It ends Closed even
// when the graceful part fails (the error is returned). Closing a Created
// or Closed channel succeeds; an Abort during Close makes it return
// WS_E_OPERATION_ABORTED.
func (c *Channel) Close(ctx context.Context) error {
	if c == nil {
		return nilChannel()
	}
	if ctx == nil {
		return invalidArg("nil context")
	}
	c.mu.Lock()
	g := c.g
	prev := c.state
	switch prev {
	case ChannelStateCreated, ChannelStateClosed:
		c.state = ChannelStateClosed
		c.mu.Unlock()
		return nil
	case ChannelStateOpen, ChannelStateFaulted:
	default:
		c.mu.Unlock()
		return newError(WS_E_INVALID_OPERATION, nil, "close: the channel is %s", prev)
	}
	c.state = ChannelStateClosing
	c.mu.Unlock()

	var err error
	if prev == ChannelStateOpen && !g.aborted.Load() && g.reading.Load() == nil && g.writing.Load() == nil && g.conn != nil {
		cctx, cancel := withTimeout(ctx, c.timeout(ChannelPropertyCloseTimeout))
		err = g.conn.Close(cctx)
		cancel()
	} else if g.conn != nil {
		g.conn.Abort()
	}
	if g.hasReader {
		// Operations still waiting for messages end; what was queued for
		// them and never read is dropped.
		g.endRead(net.ErrClosed)
		g.in.drain()
	}
	c.mu.Lock()
	c.state = ChannelStateClosed
	aborted := g.aborted.Load()
	c.mu.Unlock()
	switch {
	case aborted && prev == ChannelStateOpen:
		return newError(WS_E_OPERATION_ABORTED, err, "close: aborted")
	case err != nil && !errors.Is(err, net.ErrClosed):
		return wrapErr(err, "close")
	}
	return nil
}

// Reset is WsResetChannel: a Created or Closed channel returns to Created,
// keeping its type, binding and properties, to be opened again.
func (c *Channel) Reset() error {
	if c == nil {
		return nilChannel()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != ChannelStateCreated && c.state != ChannelStateClosed {
		return newError(WS_E_INVALID_OPERATION, nil, "reset: the channel is %s", c.state)
	}
	c.state = ChannelStateCreated
	c.abortedEarly = false
	c.g = newGeneration()
	return nil
}

// NewMessage returns an empty message with the channel's envelope and
// addressing versions (WsCreateMessageForChannel).
func (c *Channel) NewMessage() *Message {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	env, _ := c.props.v[ChannelPropertyEnvelopeVersion].(EnvelopeVersion)
	addr, _ := c.props.v[ChannelPropertyAddressingVersion].(AddressingVersion)
	return NewMessage(env, addr)
}

// Property is WsGetChannelProperty: the value of a property, of the Go
// type its id documents. A property the channel's binding does not have is
// E_INVALIDARG.
func (c *Channel) Property(id ChannelPropertyID) (any, error) {
	if c == nil {
		return nil, nilChannel()
	}
	slot := id.slot()
	if slot < 0 {
		return nil, invalidArg("unknown channel property id %d", uint32(id))
	}
	info := &channelProps[slot]
	if info.bindings&(1<<c.binding) == 0 {
		return nil, invalidArg("%s is not a property of %s channels", id, c.binding)
	}
	if info.notImpl {
		return nil, newError(E_NOTIMPL, nil, "%s is not implemented", id)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.g
	switch id {
	case ChannelPropertyState:
		return c.state, nil
	case ChannelPropertyChannelType:
		return c.typ, nil
	case ChannelPropertyIsSessionShutDown:
		if !c.typ.isSession() {
			return nil, invalidArg("%s is for session channels", id)
		}
		if c.state != ChannelStateOpen && c.state != ChannelStateFaulted {
			return nil, newError(WS_E_INVALID_OPERATION, nil, "%s: the channel is %s", id, c.state)
		}
		return g.shutDown.Load(), nil
	case ChannelPropertyTransportURL:
		if g.url == "" {
			return nil, newError(WS_E_INVALID_OPERATION, nil, "%s: the channel is not open", id)
		}
		return g.url, nil
	case ChannelPropertyRemoteIPAddress:
		if g.conn == nil || g.conn.RemoteAddr() == nil {
			return nil, newError(WS_E_INVALID_OPERATION, nil, "%s: not known yet", id)
		}
		return g.conn.RemoteAddr(), nil
	case ChannelPropertyRemoteAddress:
		return c.remoteAddress()
	case ChannelPropertyCustomChannelInstance:
		if g.conn == nil {
			return nil, newError(WS_E_INVALID_OPERATION, nil, "%s: the channel is not open", id)
		}
		return g.conn, nil
	}
	v := c.props.v[slot]
	if v == nil {
		return nil, invalidArg("%s has no value on this channel", id)
	}
	return v, nil
}

// SetProperty is WsSetChannelProperty. Only properties WWSAPI lets change
// after creation (the timeouts, NoDelay, FaultsAsErrors, …) can be set;
// the others are E_INVALIDARG.
func (c *Channel) SetProperty(id ChannelPropertyID, v any) error {
	if c == nil {
		return nilChannel()
	}
	slot := id.slot()
	if slot < 0 {
		return invalidArg("unknown channel property id %d", uint32(id))
	}
	info := &channelProps[slot]
	if info.bindings&(1<<c.binding) == 0 {
		return invalidArg("%s is not a property of %s channels", id, c.binding)
	}
	if info.set != setAny {
		return invalidArg("%s cannot be set after the channel is created", id)
	}
	if err := checkValue(info.name, info.typ, v); err != nil {
		return err
	}
	c.mu.Lock()
	if c.props.shared {
		own := *c.props // copy on write: the defaults are shared
		own.shared = false
		c.props = &own
	}
	c.props.v[slot] = v
	c.mu.Unlock()
	return nil
}

// remoteAddress returns the UDP sender's address as a soap.udp URL.
func (c *Channel) remoteAddress() (any, error) {
	g := c.g
	if g.conn == nil || g.conn.RemoteAddr() == nil {
		return nil, newError(WS_E_INVALID_OPERATION, nil, "remote address: not known yet")
	}
	return "soap.udp://" + g.conn.RemoteAddr().String(), nil
}

// ioErr maps an operation's failure, and faults the channel when the
// failure leaves the connection unusable.
func (c *Channel) ioErr(g *generation, err error, op string, fatal bool) error {
	if g.aborted.Load() {
		// Built without fmt: an Abort may end a thousand operations at once.
		return &Error{Code: WS_E_OPERATION_ABORTED, Strings: []string{op + ": the channel was aborted"}, Err: err}
	}
	e := wrapErr(err, op)
	if fatal {
		c.fault(g, e)
	}
	return e
}

// fault moves an Open channel to Faulted after an error that leaves it
// unusable, and releases the connection.
func (c *Channel) fault(g *generation, err error) {
	c.mu.Lock()
	if c.g == g && c.state == ChannelStateOpen {
		c.state = ChannelStateFaulted
		g.faultedErr = err
	}
	c.mu.Unlock()
	if g.conn != nil {
		g.conn.Abort()
	}
}

// beginIO checks that an I/O operation may start and returns the lifetime
// it belongs to: Faulted channels refuse with WS_E_OBJECT_FAULTED, channels
// not Open with WS_E_INVALID_OPERATION.
func (c *Channel) beginIO(op string) (*generation, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch c.state {
	case ChannelStateOpen:
		return c.g, nil
	case ChannelStateFaulted:
		return nil, newError(WS_E_OBJECT_FAULTED, c.g.faultedErr, "%s: the channel is faulted", op)
	}
	return nil, newError(WS_E_INVALID_OPERATION, nil, "%s: the channel is %s", op, c.state)
}

// acquire takes a slot (send or receive), giving up on abort, ctx or timeout.
func acquire(ctx context.Context, g *generation, slot chan struct{}) error {
	select {
	case slot <- struct{}{}:
		return nil
	default:
	}
	done, timeout, stop := waitChans(ctx)
	defer stop()
	select {
	case slot <- struct{}{}:
		return nil
	case <-g.abortCh:
		return errAborted
	case <-done:
		return ctx.Err()
	case <-timeout:
		return context.DeadlineExceeded
	}
}

func release(slot chan struct{}) { <-slot }

// ensure io is used (EOF checks live in io.go).
var _ = io.EOF
