package wws

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/wwsgo/wws/transport"
	"github.com/wwsgo/wws/transport/soaphttp"
	"github.com/wwsgo/wws/transport/tcp"
)

// Listener is WS_LISTENER: it listens on a URL and accepts channels.
// It is safe for concurrent use; Abort may be called at any time.
type Listener struct {
	typ     ChannelType
	binding ChannelBinding

	mu      sync.Mutex
	props   [numListenerProperties]any
	state   ListenerState
	tl      transport.Listener
	url     string
	abortCh chan struct{} // closed by Abort and Close: pending accepts end
	closed  bool
	// abortedEarly records an Abort in the Created state: the next Open
	// fails with WS_E_OPERATION_ABORTED, as WWSAPI documents.
	abortedEarly bool
	// abortedClosing records an Abort while Close is in progress: Close
	// then returns WS_E_OPERATION_ABORTED.
	abortedClosing bool
	cancelOpen     context.CancelFunc
	chanProps      []ChannelProperty
	accepts        map[*generation]context.CancelFunc // pending accepts, cancelled by Abort and Close
}

// track registers a pending accept; it reports false if the listener is
// already aborted or closed.
func (l *Listener) track(g *generation, cancel context.CancelFunc) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	if l.accepts == nil {
		l.accepts = make(map[*generation]context.CancelFunc)
	}
	l.accepts[g] = cancel
	return true
}

func (l *Listener) untrack(g *generation) {
	l.mu.Lock()
	delete(l.accepts, g)
	l.mu.Unlock()
}

// cancelAccepts ends every pending accept; l.mu is held.
func (l *Listener) cancelAccepts() {
	for _, cancel := range l.accepts {
		cancel()
	}
}

// NewListener creates a listener (WsCreateListener) for channels of the
// given type and binding, in the Created state.
func NewListener(t ChannelType, b ChannelBinding, props ...ListenerProperty) (*Listener, error) {
	if err := checkListenerType(t, b); err != nil {
		return nil, err
	}
	pv, err := newListenerProperties(b, props)
	if err != nil {
		return nil, err
	}
	if b == BindingCustom {
		if _, ok := pv[ListenerPropertyCustomListenerCallbacks].(CustomTransport); !ok {
			return nil, invalidArg("a custom listener needs ListenerPropertyCustomListenerCallbacks holding a CustomTransport")
		}
	}
	return &Listener{typ: t, binding: b, props: pv, state: ListenerStateCreated, abortCh: make(chan struct{})}, nil
}

func checkListenerType(t ChannelType, b ChannelBinding) error {
	if !t.valid() {
		return invalidArg("unknown channel type 0x%X", uint32(t))
	}
	ok := false
	switch b {
	case BindingHTTP:
		ok = t == ChannelTypeReply
	case BindingTCP, BindingNamedPipe:
		ok = t == ChannelTypeDuplexSession
	case BindingUDP:
		ok = t == ChannelTypeDuplex || t == ChannelTypeInput
	case BindingCustom:
		ok = true
	default:
		return invalidArg("unknown channel binding %d", uint32(b))
	}
	if !ok {
		return invalidArg("%s listeners of the %s binding are not supported", t, b)
	}
	return nil
}

func nilListener() error { return invalidArg("nil listener") }

// State returns the listener's state.
func (l *Listener) State() ListenerState {
	if l == nil {
		return ListenerStateClosed
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.state
}

// Open starts listening on url (WsOpenListener): Created -> Opening -> Open.
// The host may be "+" or "*" for every address; a net.tcp path is matched
// against the Via of incoming sessions.
func (l *Listener) Open(ctx context.Context, url string) error {
	if l == nil {
		return nilListener()
	}
	if ctx == nil {
		return invalidArg("nil context")
	}
	if url == "" {
		return invalidArg("empty listener URL")
	}
	if err := l.checkEncoding("open listener " + url); err != nil {
		return err
	}
	l.mu.Lock()
	if l.state != ListenerStateCreated {
		st := l.state
		l.mu.Unlock()
		return newError(WS_E_INVALID_OPERATION, nil, "open listener: the listener is %s", st)
	}
	if l.abortedEarly {
		l.state = ListenerStateFaulted
		l.mu.Unlock()
		return newError(WS_E_OPERATION_ABORTED, nil, "open listener: aborted before the open")
	}
	l.state = ListenerStateOpening
	octx, cancel := context.WithCancel(ctx)
	l.cancelOpen = cancel
	l.mu.Unlock()
	defer cancel()

	tl, err := l.listen(octx, url)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err == nil && l.state != ListenerStateOpening { // aborted meanwhile
		tl.Close()
		err = context.Canceled
	}
	if err != nil {
		if l.state == ListenerStateOpening {
			l.state = ListenerStateFaulted
			return l.listenErr(err, url)
		}
		return newError(WS_E_OPERATION_ABORTED, err, "open listener %s: aborted", url)
	}
	l.tl = tl
	l.url = url
	l.state = ListenerStateOpen
	return nil
}

// checkEncoding applies to the accepted channels' properties (those of
// SetChannelProperties) the checks Channel.Open applies to a client's:
// encodings not built yet are E_NOTIMPL, combinations WWSAPI refuses
// E_INVALIDARG. It runs before the listener leaves the Created state, so
// that the properties can still be corrected.
func (l *Listener) checkEncoding(op string) error {
	ch, err := l.newChannel(nil)
	if err == nil {
		err = ch.checkEncoding()
	}
	if err != nil {
		return wrapErr(err, op)
	}
	return nil
}

func (l *Listener) listenErr(err error, url string) error {
	var e *Error
	if errors.As(err, &e) {
		return wrapErr(err, "open listener "+url)
	}
	code := classify(err)
	if code == WS_E_OTHER {
		code = WS_E_INVALID_ENDPOINT_URL
	}
	return newError(code, err, "open listener %s", url)
}

// transportConfig returns the transport settings for accepted channels: the
// listener's properties with the channel properties of SetChannelProperties.
func (l *Listener) transportConfig() (*transport.Config, error) {
	ch, err := l.newChannel(nil)
	if err != nil {
		return nil, err
	}
	cfg := ch.transportConfig()
	l.mu.Lock()
	defer l.mu.Unlock()
	if d, ok := l.props[ListenerPropertyConnectTimeout].(time.Duration); ok {
		cfg.ConnectTimeout = d
	}
	if ipv, ok := l.props[ListenerPropertyIPVersion].(IPVersion); ok {
		cfg.IPVersion = int(ipv)
	}
	if b, ok := l.props[ListenerPropertyListenBacklog].(uint32); ok {
		cfg.Backlog = int(min(max(b, 1), maxBacklog))
	}
	if n, ok := l.props[slotListenerMaxConnections].(uint32); ok && n != 0xFFFFFFFF {
		cfg.Extra[tcp.ExtraMaxConnections] = int(min(n, 1<<30))
	}
	l.addExtra(cfg)
	return cfg, nil
}

// maxBacklog is the most sessions ListenerPropertyListenBacklog lets wait
// for an Accept.
const maxBacklog = 1024

// NewChannel is WsCreateChannelForListener: a channel in the Created state,
// of the listener's type and binding, to be given to Accept. The listener
// may be in any state. The channel has the properties given to
// SetChannelProperties, then props.
func (l *Listener) NewChannel(props ...ChannelProperty) (*Channel, error) {
	if l == nil {
		return nil, nilListener()
	}
	return l.newChannel(props)
}

func (l *Listener) newChannel(props []ChannelProperty) (*Channel, error) {
	l.mu.Lock()
	props = append(append([]ChannelProperty(nil), l.chanProps...), props...)
	l.mu.Unlock()
	if l.binding == BindingCustom {
		l.mu.Lock()
		cb := l.props[ListenerPropertyCustomListenerCallbacks]
		l.mu.Unlock()
		props = append([]ChannelProperty{{ChannelPropertyCustomChannelCallbacks, cb}}, props...)
	}
	pv, err := newChannelProperties(l.binding, l.typ, props)
	if err != nil {
		return nil, err
	}
	return &Channel{typ: l.typ, binding: l.binding, props: pv, state: ChannelStateCreated, g: newGeneration(), listener: l}, nil
}

// SetChannelProperties sets properties that shape every accepted channel's
// wire settings (encoding, envelope and addressing versions, sizes): the
// transport listens with them. Call it before Open.
func (l *Listener) SetChannelProperties(props ...ChannelProperty) error {
	if l == nil {
		return nilListener()
	}
	if _, err := newChannelProperties(l.binding, l.typ, props); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.state != ListenerStateCreated {
		return newError(WS_E_INVALID_OPERATION, nil, "set channel properties: the listener is %s", l.state)
	}
	l.chanProps = append([]ChannelProperty(nil), props...)
	return nil
}

// Accept is WsAcceptChannel: it waits for the next incoming connection or
// message exchange and binds it to ch (from NewChannel, in the Created
// state): ch moves Created -> Accepting -> Open. Aborting ch or the
// listener, or closing the listener, makes a pending Accept return
// WS_E_OPERATION_ABORTED; a Faulted listener refuses with WS_E_OBJECT_FAULTED.
func (l *Listener) Accept(ctx context.Context, ch *Channel) error {
	if l == nil {
		return nilListener()
	}
	if ch == nil {
		return nilChannel()
	}
	if ctx == nil {
		return invalidArg("nil context")
	}
	if ch.listener != l {
		return invalidArg("accept: the channel was not created by this listener")
	}
	l.mu.Lock()
	switch l.state {
	case ListenerStateOpen:
	case ListenerStateFaulted:
		l.mu.Unlock()
		return newError(WS_E_OBJECT_FAULTED, nil, "accept: the listener is faulted")
	default:
		st := l.state
		l.mu.Unlock()
		return newError(WS_E_INVALID_OPERATION, nil, "accept: the listener is %s", st)
	}
	tl, labort := l.tl, l.abortCh
	l.mu.Unlock()

	ch.mu.Lock()
	if ch.state != ChannelStateCreated {
		st := ch.state
		ch.mu.Unlock()
		return newError(WS_E_INVALID_OPERATION, nil, "accept: the channel is %s", st)
	}
	g := ch.g
	if ch.abortedEarly {
		ch.state = ChannelStateFaulted
		ch.mu.Unlock()
		return newError(WS_E_OPERATION_ABORTED, nil, "accept: the channel was aborted before the accept")
	}
	ch.state = ChannelStateAccepting
	actx, cancel := context.WithCancel(ctx)
	g.cancelOpen = cancel
	ch.mu.Unlock()
	defer cancel()
	if !l.track(g, cancel) { // the listener was aborted or closed meanwhile
		cancel()
	}
	conn, err := tl.Accept(actx)
	l.untrack(g)
	var cd *codec
	if err == nil {
		cd = ch.newCodec()
	}
	ch.mu.Lock()
	if err == nil && g.aborted.Load() {
		conn.Abort()
		err = context.Canceled
	}
	if err != nil {
		if ch.state == ChannelStateAccepting {
			ch.state = ChannelStateFaulted
		}
		ch.mu.Unlock()
		select {
		case <-labort:
			return newError(WS_E_OPERATION_ABORTED, err, "accept: the listener was aborted or closed")
		default:
		}
		if g.aborted.Load() || errors.Is(err, transport.ErrListenerClosed) || errors.Is(err, context.Canceled) {
			return newError(WS_E_OPERATION_ABORTED, err, "accept: aborted")
		}
		return wrapErr(err, "accept")
	}
	g.conn = conn
	g.codec = cd
	g.url = acceptedURL(conn, l.url)
	ch.state = ChannelStateOpen
	ch.startReader(g)
	ch.mu.Unlock()
	return nil
}

// OpenHandler opens an HTTP reply listener without a socket of its own
// (Created -> Open): it accepts the requests given to its ServeHTTP, so that
// the endpoint can be mounted in an existing http.ServeMux or server, which
// keeps its TLS, middleware and graceful shutdown. The channel properties of
// SetChannelProperties apply as for Open.
func (l *Listener) OpenHandler(ctx context.Context) error {
	if l == nil {
		return nilListener()
	}
	if l.binding != BindingHTTP {
		return newError(WS_E_INVALID_OPERATION, nil, "open handler: %s listeners are not HTTP handlers", l.binding)
	}
	if err := l.checkEncoding("open handler"); err != nil {
		return err
	}
	cfg, err := l.transportConfig()
	if err != nil {
		return err
	}
	h, err := soaphttp.NewHandlerErr(cfg)
	if err != nil {
		return newError(E_INVALIDARG, err, "open handler")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.state != ListenerStateCreated {
		return newError(WS_E_INVALID_OPERATION, nil, "open handler: the listener is %s", l.state)
	}
	if l.abortedEarly {
		l.state = ListenerStateFaulted
		return newError(WS_E_OPERATION_ABORTED, nil, "open handler: aborted before the open")
	}
	l.tl = h
	l.state = ListenerStateOpen
	return nil
}

// ServeHTTP makes an HTTP listener an http.Handler: each request it is
// given becomes a channel for Accept. A listener that is not open answers
// 503 Service Unavailable.
func (l *Listener) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	h, ok := l.tl.(http.Handler)
	open := l.state == ListenerStateOpen
	l.mu.Unlock()
	if !ok || !open {
		http.Error(w, "the endpoint is not open", http.StatusServiceUnavailable)
		return
	}
	h.ServeHTTP(w, r)
}

// acceptedURL returns the URL the client used: the net.tcp Via, or the listener's.
func acceptedURL(conn transport.Conn, def string) string {
	if v, ok := conn.(interface{ Via() string }); ok && v.Via() != "" {
		return v.Via()
	}
	if u, ok := conn.(interface{ URL() string }); ok && u.URL() != "" {
		return u.URL()
	}
	return def
}

// Close is WsCloseListener: it stops listening (Open or Faulted -> Closing
// -> Closed), aborts pending accepts, and waits for the transport to let go
// of its address (an HTTP listener first lets requests already accepted
// finish, up to ListenerPropertyCloseTimeout). Closing a listener never
// opened, or already closed, succeeds. A nil ctx is E_INVALIDARG.
//
// As in WWSAPI, channels already accepted are not touched: they belong to
// the caller, who closes them (Channel.Close ends a net.tcp or net.pipe
// session with End records each way, as WCF peers expect). A service
// shutting down gracefully closes the listener, then each of its channels
// with a bounded context, aborting only those that do not finish in time;
// internal/demo's Serve, behind wws serve, does exactly that.
//
// If ctx ends before the transport has closed, the transport is aborted and
// Close returns WS_E_OPERATION_TIMED_OUT (a deadline) or
// WS_E_OPERATION_ABORTED (a cancellation); an Abort during Close makes it
// return WS_E_OPERATION_ABORTED. The listener ends Closed in every case.
func (l *Listener) Close(ctx context.Context) error {
	if l == nil {
		return nilListener()
	}
	if ctx == nil {
		return invalidArg("close listener: nil context")
	}
	l.mu.Lock()
	switch l.state {
	case ListenerStateCreated, ListenerStateClosed:
		l.state = ListenerStateClosed
		l.mu.Unlock()
		return nil
	case ListenerStateOpen, ListenerStateFaulted:
	default:
		st := l.state
		l.mu.Unlock()
		return newError(WS_E_INVALID_OPERATION, nil, "close listener: the listener is %s", st)
	}
	l.state = ListenerStateClosing
	l.abortedClosing = false
	tl := l.tl
	if !l.closed {
		l.closed = true
		close(l.abortCh)
	}
	l.cancelAccepts()
	l.mu.Unlock()
	var err error
	if tl != nil {
		done := make(chan error, 1)
		go func() { done <- tl.Close() }()
		select {
		case err = <-done:
		case <-ctx.Done():
			abortTransport(tl)
			<-done // an aborted transport listener returns at once
			err = ctx.Err()
		}
	}
	l.mu.Lock()
	l.state = ListenerStateClosed
	l.tl = nil
	aborted := l.abortedClosing
	l.mu.Unlock()
	switch {
	case aborted:
		return newError(WS_E_OPERATION_ABORTED, err, "close listener: aborted")
	case err != nil:
		return wrapErr(err, "close listener")
	}
	return nil
}

// abortTransport stops a transport listener without waiting, where it can;
// otherwise it closes it.
func abortTransport(tl transport.Listener) {
	if a, ok := tl.(interface{ Abort() }); ok {
		a.Abort()
	} else {
		tl.Close()
	}
}

// Abort is WsAbortListener: any state, any goroutine, never waits. Pending
// accepts return WS_E_OPERATION_ABORTED; an Open listener becomes Faulted
// and stops listening; an Abort before Open makes Open fail.
func (l *Listener) Abort() error {
	if l == nil {
		return nilListener()
	}
	l.mu.Lock()
	switch l.state {
	case ListenerStateCreated:
		l.abortedEarly = true
	case ListenerStateOpening, ListenerStateOpen:
		l.state = ListenerStateFaulted
	case ListenerStateClosing:
		l.abortedClosing = true
	}
	if !l.closed {
		l.closed = true
		close(l.abortCh)
	}
	l.cancelAccepts()
	tl := l.tl
	cancel := l.cancelOpen
	l.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	if tl != nil {
		abortTransport(tl) // never waits, unlike Close
	}
	return nil
}

// Reset is WsResetListener: Created or Closed -> Created, keeping properties.
func (l *Listener) Reset() error {
	if l == nil {
		return nilListener()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.state != ListenerStateCreated && l.state != ListenerStateClosed {
		return newError(WS_E_INVALID_OPERATION, nil, "reset listener: the listener is %s", l.state)
	}
	l.state = ListenerStateCreated
	l.abortedEarly = false
	l.closed = false
	l.abortCh = make(chan struct{})
	l.tl = nil
	return nil
}

// Property is WsGetListenerProperty.
func (l *Listener) Property(id ListenerPropertyID) (any, error) {
	if l == nil {
		return nil, nilListener()
	}
	slot := id.slot()
	if slot < 0 {
		return nil, invalidArg("unknown listener property id %d", uint32(id))
	}
	info := &listenerProps[slot]
	if info.bindings&(1<<l.binding) == 0 {
		return nil, invalidArg("%s is not a property of %s listeners", id, l.binding)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch id {
	case ListenerPropertyState:
		return l.state, nil
	case ListenerPropertyChannelType:
		return l.typ, nil
	case ListenerPropertyChannelBinding:
		return l.binding, nil
	case ListenerPropertyCustomListenerInstance:
		if l.tl == nil {
			return nil, newError(WS_E_INVALID_OPERATION, nil, "%s: the listener is not open", id)
		}
		return l.tl, nil
	}
	v := l.props[slot]
	if v == nil {
		return nil, invalidArg("%s has no value on this listener", id)
	}
	return v, nil
}

// SetProperty is WsSetListenerProperty; WWSAPI lets almost nothing be set
// after creation (MulticastInterfaces only), the rest is E_INVALIDARG.
func (l *Listener) SetProperty(id ListenerPropertyID, v any) error {
	if l == nil {
		return nilListener()
	}
	slot := id.slot()
	if slot < 0 {
		return invalidArg("unknown listener property id %d", uint32(id))
	}
	info := &listenerProps[slot]
	if info.bindings&(1<<l.binding) == 0 {
		return invalidArg("%s is not a property of %s listeners", id, l.binding)
	}
	if info.set != setAny {
		return invalidArg("%s cannot be set after the listener is created", id)
	}
	if err := checkValue(info.name, info.typ, v); err != nil {
		return err
	}
	l.mu.Lock()
	l.props[slot] = v
	l.mu.Unlock()
	return nil
}

// AcceptChannel creates a channel and accepts into it: the Go-shaped form of
// NewChannel followed by Accept.
func (l *Listener) AcceptChannel(ctx context.Context) (*Channel, error) {
	ch, err := l.NewChannel()
	if err != nil {
		return nil, err
	}
	if err := l.Accept(ctx, ch); err != nil {
		return nil, err
	}
	return ch, nil
}
