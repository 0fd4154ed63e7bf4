package wws

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"time"

	"github.com/wwsgo/wws/soap"
	"github.com/wwsgo/wws/transport"
)

func nilMessage() error { return invalidArg("nil message") }

// checkSendable checks a message about to be sent: Empty or Initialized,
// of the channel's versions.
func (c *Channel) checkSendable(m *Message, op string) error {
	if m == nil {
		return nilMessage()
	}
	if m.state != MessageStateEmpty && m.state != MessageStateInitialized {
		return newError(WS_E_INVALID_OPERATION, nil, "%s: the message is %s, not Empty or Initialized", op, m.state)
	}
	c.mu.Lock()
	env, _ := c.props.v[ChannelPropertyEnvelopeVersion].(EnvelopeVersion)
	addr, _ := c.props.v[ChannelPropertyAddressingVersion].(AddressingVersion)
	c.mu.Unlock()
	if m.hdr.Version != 0 && EnvelopeVersion(m.hdr.Version) != env || m.hdr.Addressing != 0 && AddressingVersion(m.hdr.Addressing) != addr {
		return invalidArg("%s: the message is %s/%s, the channel %s/%s", op, EnvelopeVersion(m.hdr.Version),
			AddressingVersion(m.hdr.Addressing), env, addr)
	}
	return nil
}

// sendTimeout bounds a send. On an HTTP request channel the transport's
// send waits for the response, so the response timeouts add to it.
func (c *Channel) sendTimeout() time.Duration {
	d := c.timeout(ChannelPropertySendTimeout)
	if c.binding != BindingHTTP || c.typ != ChannelTypeRequest {
		return d
	}
	for _, id := range []ChannelPropertyID{ChannelPropertyReceiveResponseTimeout, ChannelPropertyReceiveTimeout} {
		e := c.timeout(id)
		if d == Infinite || e == Infinite {
			return Infinite
		}
		d += e
	}
	return d
}

func (c *Channel) faultsAsErrors() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.props.v[ChannelPropertyFaultsAsErrors].(bool)
	return !ok || b
}

func (c *Channel) maxMessage() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return int(u32(c.props.v[ChannelPropertyMaxBufferedMessageSize], 65536))
}

// Send is WsSendMessage: it sends a whole message. A client channel
// addresses it to the URL it was opened with unless its To is set. The send
// timeout property bounds it as well as ctx; a send that fails part-way
// leaves the channel Faulted.
func (c *Channel) Send(ctx context.Context, m *Message) error {
	if c == nil {
		return nilChannel()
	}
	if ctx == nil {
		return invalidArg("nil context")
	}
	if err := c.checkSendable(m, "send"); err != nil {
		return err
	}
	g, err := c.beginIO("send")
	if err != nil {
		return err
	}
	if err := c.checkSendOK(g, "send"); err != nil {
		return err
	}
	if c.typ == ChannelTypeRequest && !g.hasReader {
		// A one-way message on a request channel: the exchange ends with it.
		return c.exchange(ctx, g, m, nil, "send")
	}
	if err := c.send(ctx, g, m, "send"); err != nil {
		return err
	}
	if c.typ == ChannelTypeReply {
		g.replied.Store(true)
	}
	return nil
}

// checkSendOK applies the channel type's rules to a send.
func (c *Channel) checkSendOK(g *generation, op string) error {
	if !c.typ.canSend() {
		return newError(WS_E_INVALID_OPERATION, nil, "%s: %s channels cannot send", op, c.typ)
	}
	if g.shutDown.Load() {
		return newError(WS_E_INVALID_OPERATION, nil, "%s: the session was shut down", op)
	}
	if c.typ == ChannelTypeReply && g.replied.Load() {
		return newError(WS_E_INVALID_OPERATION, nil, "%s: the reply was already sent", op)
	}
	return nil
}

// address fills in the To header of a client's message.
func (c *Channel) address(g *generation, m *Message) {
	if m.hdr.To == nil && c.listener == nil && m.hdr.Addressing != soap.AddressingNone {
		m.hdr.SetTo(g.url)
	}
}

// send encodes and writes m holding the send slot.
func (c *Channel) send(ctx context.Context, g *generation, m *Message, op string) error {
	m.init()
	m.hdr.Version, m.hdr.Addressing = g.codec.env, g.codec.addr
	c.address(g, m)
	sctx, dc := opTimeout(ctx, c.sendTimeout(), g)
	defer dc.release()
	if err := acquire(sctx, g, g.sendSlot); err != nil {
		return c.ioErr(g, err, op, false)
	}
	data, err := g.codec.encode(m)
	if err != nil {
		release(g.sendSlot)
		return newError(WS_E_INVALID_FORMAT, err, "%s: encode the message", op)
	}
	if max := c.maxMessage(); len(data) > max {
		if g.codec.wdict != nil {
			g.codec.wdict.Rollback()
		}
		release(g.sendSlot)
		return newError(WS_E_QUOTA_EXCEEDED, nil, "%s: the message is %d bytes, over the %d-byte MaxBufferedMessageSize", op, len(data), max)
	}
	var f *transport.Frame
	if _, ok := g.conn.(transport.DeadlineBound); ok {
		f = &g.sendFrame // the send slot's: a DeadlineBound Send keeps nothing of it
	} else {
		f = new(transport.Frame) // others (an HTTP server exchange) may go on reading it after Send returns
	}
	*f = transport.Frame{Data: data, Header: m.HTTPHeader, Remote: m.dest}
	if c.binding == BindingHTTP || c.binding == BindingCustom {
		f.Action = string(m.hdr.Action) // carried outside the envelope
	}
	if m.IsFault() && c.typ == ChannelTypeReply {
		f.Status = 500 // SOAP over HTTP answers faults with 500
	}
	err = g.conn.Send(sctx, f)
	if f == &g.sendFrame {
		*f = transport.Frame{}
	}
	release(g.sendSlot)
	if err != nil {
		// A failed exchange of a request channel (an HTTP request refused,
		// timed out, answered 404) leaves the channel usable: the next
		// request is a new exchange. On a session the failure is fatal.
		fatal := c.typ != ChannelTypeRequest
		if errors.Is(err, io.EOF) && !g.aborted.Load() { // the end of the stream, while sending: a disconnection
			e := newError(WS_E_ENDPOINT_DISCONNECTED, err, "%s: the connection was closed", op)
			if fatal {
				c.fault(g, e)
			}
			return e
		}
		return c.ioErr(g, err, op, fatal)
	}
	m.state = MessageStateDone
	return nil
}

// Receive is WsReceiveMessage: it returns the next message. When the peer
// has ended the session (or a reply channel's one message was read) it
// returns an error whose HResult is WS_S_END and that matches io.EOF. A
// fault arrives as WS_E_ENDPOINT_FAULT_RECEIVED with the fault in the
// *Error, and the message is returned too. The receive timeout property
// bounds it as well as ctx.
func (c *Channel) Receive(ctx context.Context) (*Message, error) {
	m, err := c.receive(ctx, "receive", nil)
	if err != nil {
		return m, err
	}
	if m.isFault && c.faultsAsErrors() {
		return m, c.faultErr(m, "receive")
	}
	return m, nil
}

// ReceiveInto is Receive into the caller's message, as WsReceiveMessage
// fills the message it is given: m must be Empty (new, or Reset), and a
// message reused this way costs no allocation once its buffers have grown.
func (c *Channel) ReceiveInto(ctx context.Context, m *Message) error {
	if m == nil {
		return nilMessage()
	}
	if m.state != MessageStateEmpty {
		return newError(WS_E_INVALID_OPERATION, nil, "receive: the message is %s, not Empty", m.state)
	}
	got, err := c.receive(ctx, "receive", m)
	if got != nil && got != m {
		m.take(got)
	}
	if err != nil {
		return err
	}
	if m.isFault && c.faultsAsErrors() {
		return c.faultErr(m, "receive")
	}
	return nil
}

// faultErr builds WS_E_ENDPOINT_FAULT_RECEIVED for a fault message.
func (c *Channel) faultErr(m *Message, op string) error {
	f, err := m.Fault()
	if err != nil {
		return wrapErr(err, op+": read the fault received")
	}
	return &Error{Code: WS_E_ENDPOINT_FAULT_RECEIVED, Strings: []string{op + ": the endpoint sent a fault"}, Fault: f}
}

var errEnd = &Error{Code: WS_S_END, Strings: []string{"receive: no more messages"}, Err: io.EOF}

// receive waits for the next message (state Done).
func (c *Channel) receive(ctx context.Context, op string, dst *Message) (*Message, error) {
	if c == nil {
		return nil, nilChannel()
	}
	if ctx == nil {
		return nil, invalidArg("nil context")
	}
	g, err := c.beginIO(op)
	if err != nil {
		return nil, err
	}
	if !c.typ.canReceive() {
		return nil, newError(WS_E_INVALID_OPERATION, nil, "%s: %s channels cannot receive", op, c.typ)
	}
	rctx, dc := opTimeout(ctx, c.timeout(ChannelPropertyReceiveTimeout), g)
	defer dc.release()
	if !g.hasReader {
		return c.receiveDirect(rctx, g, op, dst)
	}
	return c.receiveDispatched(rctx, g, op, dst)
}

// readerErr reports why the reader goroutine stopped: the end of the
// session (WS_S_END), or an error that faults the channel.
func (c *Channel) readerErr(g *generation, op string) error {
	err := g.readErr
	if errors.Is(err, io.EOF) {
		return errEnd
	}
	if g.aborted.Load() {
		return newError(WS_E_OPERATION_ABORTED, err, "%s: the channel was aborted", op)
	}
	var tf *transport.Fault
	if errors.As(err, &tf) {
		e := newError(faultCode(tf), err, "%s", op)
		c.fault(g, e)
		return e
	}
	e := wrapErr(err, op)
	if e.Code == WS_E_OPERATION_ABORTED { // the connection was closed under the reader
		e.Code = WS_E_ENDPOINT_DISCONNECTED
	}
	c.fault(g, e)
	return e
}

// receiveDirect reads the one message of a request or reply exchange.
func (c *Channel) receiveDirect(ctx context.Context, g *generation, op string, dst *Message) (*Message, error) {
	if m := g.held.Swap(nil); m != nil {
		g.received.Store(true)
		return m, nil
	}
	if err := acquire(ctx, g, g.recvSlot); err != nil {
		return nil, c.ioErr(g, err, op, false)
	}
	defer release(g.recvSlot)
	f, err := g.conn.Receive(ctx)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errEnd
		}
		return nil, c.ioErr(g, err, op, c.typ != ChannelTypeReply)
	}
	m := dst
	if m == nil {
		m = &Message{}
	}
	if err := g.decodeFrame(f, m); err != nil {
		return nil, c.ioErr(g, err, op, false)
	}
	g.received.Store(true)
	return m, nil
}

// decodeFrame decodes a received frame into m: the envelope, the sender,
// the HTTP headers, and the action the transport carried when the envelope
// has none (HTTP's SOAPAction header or action= parameter, without
// addressing headers).
func (g *generation) decodeFrame(f *transport.Frame, m *Message) error {
	m.state, m.remote, m.HTTPHeader = MessageStateDone, f.Remote, f.Header
	if err := g.codec.decode(f.Data, m); err != nil {
		return err
	}
	if m.hdr.Action == nil && f.Action != "" {
		m.hdr.SetAction(f.Action)
	}
	return nil
}

// Request is WsRequestReply: it sends req and returns the reply correlated
// with it. A request without a MessageID gets a fresh one (and ReplyTo
// anonymous); on a session the reply is the message whose RelatesTo names
// it, so several requests may be outstanding at once. A fault reply is
// WS_E_ENDPOINT_FAULT_RECEIVED with the fault, and the reply is returned.
// The send and receive timeouts bound the two halves.
func (c *Channel) Request(ctx context.Context, req *Message) (*Message, error) {
	return c.request(ctx, req, nil)
}

// RequestInto is Request with the reply read into the caller's message, as
// WsRequestReply fills the reply message it is given: reply must be Empty
// (new, or Reset). Messages reused this way cost no allocation once their
// buffers have grown.
func (c *Channel) RequestInto(ctx context.Context, req, reply *Message) error {
	if reply == nil {
		return nilMessage()
	}
	if reply.state != MessageStateEmpty {
		return newError(WS_E_INVALID_OPERATION, nil, "request: the reply message is %s, not Empty", reply.state)
	}
	got, err := c.request(ctx, req, reply)
	if got != nil && got != reply {
		reply.take(got)
	}
	return err
}

// request is Request; the reply is read into dst when dst is not nil.
func (c *Channel) request(ctx context.Context, req, dst *Message) (*Message, error) {
	if c == nil {
		return nil, nilChannel()
	}
	if ctx == nil {
		return nil, invalidArg("nil context")
	}
	if err := c.checkSendable(req, "request"); err != nil {
		return nil, err
	}
	g, err := c.beginIO("request")
	if err != nil {
		return nil, err
	}
	if err := c.checkSendOK(g, "request"); err != nil {
		return nil, err
	}
	if c.typ == ChannelTypeReply || !c.typ.canReceive() {
		return nil, newError(WS_E_INVALID_OPERATION, nil, "request: %s channels cannot make requests", c.typ)
	}
	req.init()
	addressed := g.codec.addr != soap.AddressingNone
	if addressed {
		if req.hdr.MessageID == nil {
			req.hdr.NewMessageID()
		}
		if req.hdr.ReplyTo.IsZero() {
			req.hdr.SetReplyTo(g.codec.addr.Anonymous())
		}
	}
	var reply *Message
	if !g.hasReader {
		reply = dst
		if reply == nil {
			reply = new(Message)
		}
		if err := c.exchange(ctx, g, req, reply, "request"); err != nil {
			return nil, err
		}
	} else if addressed {
		reply, err = c.requestSession(ctx, g, req, dst)
	} else {
		if err = c.send(ctx, g, req, "request"); err == nil {
			reply, err = c.receive(ctx, "request", dst)
		}
	}
	if err != nil {
		return reply, err
	}
	if reply.isFault && c.faultsAsErrors() {
		return reply, c.faultErr(reply, "request")
	}
	return reply, nil
}

// requestSession sends req on a session and waits for the reply that
// relates to it, read into dst when dst is not nil.
func (c *Channel) requestSession(ctx context.Context, g *generation, req, dst *Message) (*Message, error) {
	key := keyOf(req.hdr.MessageID)
	ch := replyChans.Get().(chan *Message)
	g.reqMu.Lock()
	if prev, dup := g.pending[key]; prev != nil {
		g.reqMu.Unlock()
		replyChans.Put(ch)
		return nil, invalidArg("request: a request with MessageID %s is already pending", req.hdr.MessageID)
	} else if dup {
		g.abandoned-- // a retry of a request given up on
	}
	g.pending[key] = ch
	g.reqMu.Unlock()
	if err := c.send(ctx, g, req, "request"); err != nil {
		g.forget(key)
		return nil, err
	}
	rctx, dc := opTimeout(ctx, c.timeout(ChannelPropertyReceiveTimeout), g)
	defer dc.release()
	m, holding, err := c.takeToken(rctx, g, ch)
	if holding {
		m, err = c.readFor(rctx, g, ch, dst)
		g.giveToken()
		if err == nil {
			replyChans.Put(ch) // the reply was read here: nothing was sent on ch
			return m, nil
		}
	}
	if err == nil {
		replyChans.Put(ch) // the reply was taken from ch
		return m, nil
	}
	switch {
	case g.aborted.Load() || err == errAborted:
		return nil, c.ioErr(g, errAborted, "request", false) // the session is gone: nothing to forget
	case isInterruption(err) && !g.readEnded():
		g.abandon(key)
		select {
		case m := <-ch: // the reply came as the wait ended
			return m, nil
		default:
		}
		return nil, c.ioErr(g, err, "request", false)
	}
	g.forget(key)
	select {
	case m := <-ch:
		return m, nil
	default:
	}
	if errors.Is(g.readErr, io.EOF) {
		return nil, newError(WS_E_ENDPOINT_DISCONNECTED, io.ErrUnexpectedEOF, "request: the session ended before the reply came")
	}
	return nil, c.readerErr(g, "request")
}

// maxAbandoned bounds how many given-up requests a session remembers in
// order to drop their late replies.
const maxAbandoned = 1024

// exchange runs one request/response exchange on a request channel (HTTP):
// the request goes out and the response comes back on the same exchange.
// With out nil the request is one-way and the response must be empty.
func (c *Channel) exchange(ctx context.Context, g *generation, req *Message, out *Message, op string) error {
	if err := c.send(ctx, g, req, op); err != nil {
		return err
	}
	rctx, dc := opTimeout(ctx, c.timeout(ChannelPropertyReceiveTimeout), g)
	defer dc.release()
	f, err := g.conn.Receive(rctx)
	if out == nil {
		if err != nil && !errors.Is(err, io.EOF) {
			return c.ioErr(g, err, op, false)
		}
		if err == nil && len(f.Data) > 0 {
			// A message in the response of a one-way send: a fault fails
			// the send; anything else is kept for the next Receive (WWSAPI
			// lets a request channel send, then receive the response).
			m := new(Message)
			if derr := g.decodeFrame(f, m); derr != nil {
				return newError(HResult(derr), derr, "%s: read the response", op)
			}
			if m.isFault {
				return c.faultErr(m, op)
			}
			g.held.Store(m)
		}
		return nil
	}
	if err != nil {
		if errors.Is(err, io.EOF) {
			return newError(WS_E_INVALID_FORMAT, nil, "%s: the response has no message", op)
		}
		return c.ioErr(g, err, op, false)
	}
	if err := g.decodeFrame(f, out); err != nil {
		return newError(HResult(err), err, "%s: read the response", op)
	}
	if len(out.hdr.RelatesTo) > 0 && len(req.hdr.MessageID) > 0 && string(out.hdr.RelatesTo) != string(req.hdr.MessageID) {
		return newError(WS_E_INVALID_FORMAT, nil, "%s: the response relates to %s, not to the request %s", op, out.hdr.RelatesTo, req.hdr.MessageID)
	}
	return nil
}

// Reply is WsSendReplyMessage: it sends reply as the answer to req —
// RelatesTo names req's MessageID, and the reply goes to req's ReplyTo
// address when that is not the anonymous one.
func (c *Channel) Reply(ctx context.Context, req, reply *Message) error {
	if c == nil {
		return nilChannel()
	}
	if ctx == nil {
		return invalidArg("nil context")
	}
	if req == nil || reply == nil {
		return nilMessage()
	}
	if req.state == MessageStateEmpty {
		return invalidArg("reply: the request message is empty")
	}
	if err := c.checkSendable(reply, "reply"); err != nil {
		return err
	}
	g, err := c.beginIO("reply")
	if err != nil {
		return err
	}
	if err := c.checkSendOK(g, "reply"); err != nil {
		return err
	}
	reply.init()
	if g.codec.addr != soap.AddressingNone {
		if reply.hdr.RelatesTo == nil && req.hdr.MessageID != nil {
			reply.hdr.SetRelatesTo(req.hdr.MessageID)
		}
		if a := req.hdr.ReplyTo.Address; reply.hdr.To == nil && a != nil && !isAnonymous(a) {
			reply.hdr.SetTo(string(a))
		}
	}
	if reply.dest == nil {
		reply.dest = replyDestination(req)
	}
	if err := c.send(ctx, g, reply, "reply"); err != nil {
		return err
	}
	if c.typ == ChannelTypeReply {
		g.replied.Store(true)
	}
	return nil
}

// replyDestination is where a datagram reply goes: to the ReplyTo address
// when it is a soap.udp URL, else (anonymous) to the request's sender.
func replyDestination(req *Message) net.Addr {
	if a := req.hdr.ReplyTo.Address; a != nil && !isAnonymous(a) {
		if u, err := url.Parse(string(a)); err == nil && u.Scheme == "soap.udp" {
			if addr, err := net.ResolveUDPAddr("udp", u.Host); err == nil {
				return addr
			}
		}
	}
	return req.remote
}

func isAnonymous(a []byte) bool {
	return string(a) == soap.Anonymous10 || string(a) == soap.Anonymous200408 || string(a) == soap.None10
}

// SendFault is WsSendFaultMessageForError: it replies to req with a SOAP
// fault made from cause. A *Fault (or an *Error carrying one) in cause's
// chain is sent as it is; any other error becomes a Receiver fault whose
// reason is generic — or the error's text when the channel's
// FaultDisclosure property is FullFaultDisclosure.
func (c *Channel) SendFault(ctx context.Context, req *Message, cause error) error {
	if c == nil {
		return nilChannel()
	}
	c.mu.Lock()
	disclosure, _ := c.props.v[slotFaultDisclosure].(FaultDisclosure)
	c.mu.Unlock()
	var f *Fault
	if disclosure == FullFaultDisclosure {
		f = FaultFor(cause)
	} else {
		f = FaultFor(faultOnly{cause})
	}
	reply := c.NewMessage()
	reply.SetFault(f)
	addr := reply.hdr.Addressing
	if addr != soap.AddressingNone {
		reply.SetAction(addr.FaultAction())
	}
	return c.Reply(ctx, req, reply)
}

// faultOnly hides an error's text from FaultFor, keeping the faults in
// its chain: minimal fault disclosure.
type faultOnly struct{ err error }

func (faultOnly) Error() string   { return internalErrorReason }
func (f faultOnly) Unwrap() error { return f.err }

// internalErrorReason is the reason of a fault that discloses nothing
// (WCF's wording).
const internalErrorReason = "The server was unable to process the request due to an internal error."

// FaultFor returns the fault to send for err: the *Fault in its chain, the
// Fault of an *Error in it, or a generic Receiver fault with err's text
// (full disclosure; SendFault discloses less by default).
func FaultFor(err error) *Fault {
	var f *Fault
	if errors.As(err, &f) {
		return f
	}
	var e *Error
	if errors.As(err, &e) && e.Fault != nil {
		return e.Fault
	}
	reason := internalErrorReason
	if err != nil {
		reason = err.Error()
	}
	return &Fault{Code: soap.QName{NS: soap.NamespaceSOAP12, Local: soap.CodeReceiver},
		Reason: []soap.ReasonText{{Lang: "en-US", Text: reason}}}
}

// WriteMessageStart begins sending m: it moves to Writing and becomes the
// channel's message in progress; its body may be set until WriteMessageEnd
// sends it. (Messages are buffered: nothing goes on the wire before End.)
func (c *Channel) WriteMessageStart(ctx context.Context, m *Message) error {
	if c == nil {
		return nilChannel()
	}
	if ctx == nil {
		return invalidArg("nil context")
	}
	if err := c.checkSendable(m, "write message start"); err != nil {
		return err
	}
	g, err := c.beginIO("write message start")
	if err != nil {
		return err
	}
	if err := c.checkSendOK(g, "write message start"); err != nil {
		return err
	}
	if !g.writing.CompareAndSwap(nil, m) {
		return newError(WS_E_INVALID_OPERATION, nil, "write message start: another message is being written")
	}
	m.init()
	m.state = MessageStateWriting
	return nil
}

// WriteMessageEnd finishes the message begun with WriteMessageStart and sends it.
func (c *Channel) WriteMessageEnd(ctx context.Context, m *Message) error {
	if c == nil {
		return nilChannel()
	}
	if ctx == nil || m == nil {
		return invalidArg("nil argument")
	}
	g, err := c.beginIO("write message end")
	if err != nil {
		return err
	}
	if g.writing.Load() != m {
		return invalidArg("write message end: the message is not the one being written")
	}
	m.state = MessageStateInitialized
	if c.typ == ChannelTypeRequest && !g.hasReader {
		err = c.exchange(ctx, g, m, nil, "write message end")
	} else {
		err = c.send(ctx, g, m, "write message end")
	}
	g.writing.CompareAndSwap(m, nil)
	if err != nil {
		m.state = MessageStateDone
		return err
	}
	if c.typ == ChannelTypeReply {
		g.replied.Store(true)
	}
	return nil
}

// ReadMessageStart receives the next message with its headers and leaves it
// Reading, as the channel's message in progress, until ReadMessageEnd or
// AbandonMessage. At the end of the session it returns WS_S_END.
func (c *Channel) ReadMessageStart(ctx context.Context) (*Message, error) {
	if c == nil {
		return nil, nilChannel()
	}
	if ctx == nil {
		return nil, invalidArg("nil context")
	}
	g, err := c.beginIO("read message start")
	if err != nil {
		return nil, err
	}
	if !g.reading.CompareAndSwap(nil, &Message{}) {
		return nil, newError(WS_E_INVALID_OPERATION, nil, "read message start: another message is being read")
	}
	m, err := c.receive(ctx, "read message start", nil)
	if err != nil {
		g.reading.Store(nil)
		return nil, err
	}
	m.state = MessageStateReading
	g.reading.Store(m)
	return m, nil
}

// ReadMessageEnd finishes reading the message begun with ReadMessageStart.
func (c *Channel) ReadMessageEnd(ctx context.Context, m *Message) error {
	if c == nil {
		return nilChannel()
	}
	if ctx == nil || m == nil {
		return invalidArg("nil argument")
	}
	g, err := c.beginIO("read message end")
	if err != nil {
		return err
	}
	if !g.reading.CompareAndSwap(m, nil) {
		return invalidArg("read message end: the message is not the one being read")
	}
	m.state = MessageStateDone
	return nil
}

// AbandonMessage is WsAbandonMessage: it drops the message being read or
// written — a message being written is never sent — and keeps the channel
// usable. It never blocks.
func (c *Channel) AbandonMessage(m *Message) error {
	if c == nil {
		return nilChannel()
	}
	if m == nil {
		return nilMessage()
	}
	c.mu.Lock()
	st, g := c.state, c.g
	c.mu.Unlock()
	if st != ChannelStateOpen && st != ChannelStateFaulted {
		return newError(WS_E_INVALID_OPERATION, nil, "abandon message: the channel is %s", st)
	}
	switch {
	case g.writing.CompareAndSwap(m, nil), g.reading.CompareAndSwap(m, nil):
		m.state = MessageStateDone
		return nil
	}
	return invalidArg("abandon message: the message is not being read or written on this channel")
}

// ShutdownSession is WsShutdownSessionChannel: it tells the peer that no
// more messages will be sent (net.tcp's End record); the peer's receives
// then return WS_S_END. Only session channels that can send, only when
// Open, only once.
func (c *Channel) ShutdownSession(ctx context.Context) error {
	if c == nil {
		return nilChannel()
	}
	if ctx == nil {
		return invalidArg("nil context")
	}
	g, err := c.beginIO("shutdown session")
	if err != nil {
		return err
	}
	if !c.typ.isSession() || !c.typ.canSend() {
		return newError(WS_E_INVALID_OPERATION, nil, "shutdown session: %s channels have no session to shut down", c.typ)
	}
	if g.shutDown.Swap(true) {
		return newError(WS_E_INVALID_OPERATION, nil, "shutdown session: already shut down")
	}
	sctx, cancel := withTimeout(ctx, c.timeout(ChannelPropertySendTimeout))
	defer cancel()
	if err := acquire(sctx, g, g.sendSlot); err != nil {
		return c.ioErr(g, err, "shutdown session", false)
	}
	err = g.conn.CloseSend(sctx)
	release(g.sendSlot)
	if err != nil {
		return c.ioErr(g, err, "shutdown session", true)
	}
	return nil
}
