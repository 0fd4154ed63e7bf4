package wws

import (
	"errors"
	"io"
	"net"
	"net/http"

	"github.com/wwsgo/wws/nbfx"
	"github.com/wwsgo/wws/soap"
	"github.com/wwsgo/wws/xmlnode"
	"github.com/wwsgo/wws/xmltext"
)

// Message is WS_MESSAGE: a SOAP message's headers and body, to be sent or
// as received. A Message is not safe for concurrent use.
//
// A message to send holds its body as text XML (SetBodyXML) or as a function
// that writes body nodes (SetBody). A received message keeps the bytes it
// arrived in and decodes the body when asked (BodyXML, BodyReader), in
// whatever encoding it came.
type Message struct {
	state MessageState
	hdr   soap.Header

	// Body to send.
	bodyXML  []byte
	bodyFunc func(xmlnode.Writer) error
	fault    *Fault

	// Received body.
	data     []byte // the encoded envelope (owned)
	binary   bool
	dict     *nbfx.SessionDictionary // points at dictView, or nil
	dictView nbfx.SessionDictionary  // the session dictionary as of this message
	isFault  bool

	br bodyReader // reused by AppendBodyXML and writeBody

	remote net.Addr // the sender's address, where the transport gives it (UDP)
	dest   net.Addr // where to send it, when not the channel's peer (UDP replies)

	// HTTPHeader holds HTTP headers mapped to and from the message (HTTP
	// channels with a message mapping).
	HTTPHeader http.Header
}

// NewMessage returns an empty message of the given versions (WsCreateMessage).
// Envelope version None needs addressing Transport.
func NewMessage(env EnvelopeVersion, addr AddressingVersion) *Message {
	m := &Message{state: MessageStateEmpty}
	m.hdr.Version = soap.Version(env)
	m.hdr.Addressing = soap.Addressing(addr)
	return m
}

// State returns the message state.
func (m *Message) State() MessageState {
	if m == nil {
		return 0
	}
	return m.state
}

// EnvelopeVersion returns the message's envelope version.
func (m *Message) EnvelopeVersion() EnvelopeVersion { return EnvelopeVersion(m.hdr.Version) }

// AddressingVersion returns the message's addressing version.
func (m *Message) AddressingVersion() AddressingVersion { return AddressingVersion(m.hdr.Addressing) }

// Reset returns the message to the Empty state, keeping its versions and memory (WsResetMessage).
func (m *Message) Reset() {
	m.state = MessageStateEmpty
	m.hdr.Reset()
	m.bodyXML = m.bodyXML[:0]
	m.bodyFunc = nil
	m.fault = nil
	m.data = m.data[:0]
	m.dict = nil
	m.isFault = false
	m.binary = false
	m.HTTPHeader = nil
}

// init moves an empty message to Initialized.
func (m *Message) init() {
	if m.state == MessageStateEmpty {
		m.state = MessageStateInitialized
	}
}

// Action returns the Action header ("" when absent).
func (m *Message) Action() string { return string(m.hdr.Action) }

// SetAction sets the Action header.
func (m *Message) SetAction(action string) {
	m.init()
	m.hdr.SetAction(action)
}

// To returns the To header.
func (m *Message) To() string { return string(m.hdr.To) }

// SetTo sets the To header (by default a channel addresses a message to
// the URL it was opened with).
func (m *Message) SetTo(to string) {
	m.init()
	m.hdr.SetTo(to)
}

// MessageID returns the MessageID header.
func (m *Message) MessageID() string { return string(m.hdr.MessageID) }

// SetMessageID sets the MessageID header.
func (m *Message) SetMessageID(id string) {
	m.init()
	m.hdr.MessageID = []byte(id)
}

// RelatesTo returns the RelatesTo header.
func (m *Message) RelatesTo() string { return string(m.hdr.RelatesTo) }

// SetRelatesTo sets the RelatesTo header.
func (m *Message) SetRelatesTo(id string) {
	m.init()
	m.hdr.RelatesTo = []byte(id)
}

// ReplyTo returns the address of the ReplyTo header.
func (m *Message) ReplyTo() string { return string(m.hdr.ReplyTo.Address) }

// SetReplyTo sets the ReplyTo header's address.
func (m *Message) SetReplyTo(addr string) {
	m.init()
	m.hdr.ReplyTo = soap.EndpointReference{Address: []byte(addr)}
}

// FaultTo returns the address of the FaultTo header.
func (m *Message) FaultTo() string { return string(m.hdr.FaultTo.Address) }

// SetFaultTo sets the FaultTo header's address.
func (m *Message) SetFaultTo(addr string) {
	m.init()
	m.hdr.FaultTo = soap.EndpointReference{Address: []byte(addr)}
}

// Header returns the message's headers, for reading and editing beyond the
// accessors (custom headers, reference parameters).
func (m *Message) Header() *soap.Header { return &m.hdr }

// AddCustomHeader adds a header block given as one text XML element.
func (m *Message) AddCustomHeader(xml []byte, mustUnderstand bool) error {
	r := xmltext.NewReader(xml, xmltext.ReaderOptions{})
	n, err := r.Next()
	if err != nil {
		return newError(E_INVALIDARG, err, "custom header is not XML")
	}
	if n.Kind != xmlnode.KindStartElement {
		return invalidArg("custom header must be one element")
	}
	m.init()
	m.hdr.Custom = append(m.hdr.Custom, soap.CustomHeader{Local: append([]byte(nil), n.Local...),
		NS: append([]byte(nil), n.NS...), MustUnderstand: mustUnderstand, XML: append([]byte(nil), xml...)})
	return xmlnode.Copy(discard{}, r)
}

// SetBodyXML sets the body's content, given as text XML: any number of
// elements (a fragment). It is checked for well-formedness now, and written
// in the channel's encoding when the message is sent.
func (m *Message) SetBodyXML(fragment []byte) error {
	if m == nil {
		return invalidArg("nil message")
	}
	if m.state != MessageStateEmpty && m.state != MessageStateInitialized && m.state != MessageStateWriting {
		return newError(WS_E_INVALID_OPERATION, nil, "set the body of a message in state %s", m.state)
	}
	r := fragmentReader(fragment)
	err := xmlnode.Copy(discard{}, r)
	putFragmentReader(r)
	if err != nil {
		return newError(E_INVALIDARG, err, "body is not well-formed XML")
	}
	m.init()
	m.bodyXML = append(m.bodyXML[:0], fragment...)
	m.bodyFunc = nil
	m.fault = nil
	return nil
}

// SetBody sets a function that writes the body's content as nodes when the
// message is sent (WWSAPI's WsWriteBody): the fast path for typed values.
func (m *Message) SetBody(write func(w xmlnode.Writer) error) {
	m.init()
	m.bodyFunc = write
	m.bodyXML = m.bodyXML[:0]
	m.fault = nil
}

// SetFault makes the body a SOAP fault.
func (m *Message) SetFault(f *Fault) {
	m.init()
	m.fault = f
	m.bodyFunc = nil
	m.bodyXML = m.bodyXML[:0]
}

// IsFault reports whether a received message's body is a SOAP fault
// (WS_MESSAGE_PROPERTY_IS_FAULT).
func (m *Message) IsFault() bool { return m.isFault || m.fault != nil }

// Fault returns the fault a received message carries, reading it from the
// body, or the fault set on a message to send.
func (m *Message) Fault() (*Fault, error) {
	if m.fault != nil {
		return m.fault, nil
	}
	if !m.isFault {
		return nil, newError(WS_E_INVALID_OPERATION, nil, "the message is not a fault")
	}
	r, first, err := m.bodyReader(true)
	if err != nil {
		return nil, err
	}
	f, err := soap.ReadFault(r, first, m.hdr.Version)
	putReader(r)
	if err != nil {
		return nil, wrapErr(err, "read fault")
	}
	return f, nil
}

// BodyXML returns the body's content rendered as text XML, whatever
// encoding the message arrived in.
func (m *Message) BodyXML() ([]byte, error) {
	if m == nil {
		return nil, invalidArg("nil message")
	}
	return m.AppendBodyXML(nil)
}

// AppendBodyXML appends the body's content rendered as text XML to dst
// and returns the extended buffer, as BodyXML does but into the caller's
// memory.
func (m *Message) AppendBodyXML(dst []byte) ([]byte, error) {
	if m == nil {
		return dst, invalidArg("nil message")
	}
	if m.data == nil && m.bodyFunc == nil && m.fault == nil {
		return append(dst, m.bodyXML...), nil
	}
	w := textWriter()
	defer putWriter(w)
	if m.data == nil {
		if err := m.writeBody(w); err != nil {
			return dst, wrapErr(err, "render body")
		}
	} else if err := m.copyReceivedBody(w); err != nil {
		return dst, wrapErr(err, "read body")
	}
	if err := w.Flush(); err != nil {
		return dst, wrapErr(err, "render body")
	}
	if dst == nil {
		dst = []byte{} // an empty body is an empty slice, not nil
	}
	return append(dst, w.Bytes()...), nil
}

// BodyReader returns a reader of the body's content: the nodes between the
// Body's start and end tags, then io.EOF, with depths counted from the body
// (its top elements have depth 1). Each call starts from the beginning.
func (m *Message) BodyReader() (xmlnode.Reader, error) {
	if m.data == nil {
		if m.bodyFunc != nil || m.fault != nil {
			b, err := m.BodyXML()
			if err != nil {
				return nil, err
			}
			return xmltext.NewReader(b, xmltext.ReaderOptions{Fragment: true}), nil
		}
		return xmltext.NewReader(m.bodyXML, xmltext.ReaderOptions{Fragment: true}), nil
	}
	r, first, err := m.bodyReader(false)
	if err != nil {
		return nil, err
	}
	return &bodyReader{r: r, first: first}, nil
}

// bodyReader re-reads the received envelope up to the body and returns the
// reader with the body's first node (nil for an empty body). A pooled
// reader (pooled true) goes back with putReader, also after an error.
func (m *Message) bodyReader(pooled bool) (xmlnode.Reader, *xmlnode.Node, error) {
	var r xmlnode.Reader
	switch {
	case pooled:
		r = m.envelopeReader()
	case m.binary:
		r = nbfx.NewReader(m.data, m.dict, xmlnode.Quotas{})
	default:
		r = xmltext.NewReader(m.data, xmltext.ReaderOptions{})
	}
	fail := func(err error, what string) (xmlnode.Reader, *xmlnode.Node, error) {
		if pooled {
			putReader(r)
		}
		return nil, nil, wrapErr(err, what)
	}
	// The headers were read when the message arrived: skip them.
	if err := skipToBody(r); err != nil {
		return fail(err, "read envelope")
	}
	n, err := r.Next()
	if err != nil {
		return fail(err, "read body")
	}
	if n.Kind == xmlnode.KindEndElement {
		return r, nil, nil
	}
	return r, n, nil
}

// bodyReader yields the body's content nodes and stops at the Body's end.
type bodyReader struct {
	r     xmlnode.Reader
	first *xmlnode.Node
	depth int
	done  bool
	begun bool
}

func (b *bodyReader) Next() (*xmlnode.Node, error) {
	if b.done {
		return nil, io.EOF
	}
	var n *xmlnode.Node
	if !b.begun {
		b.begun = true
		if b.first == nil {
			b.done = true
			return nil, io.EOF
		}
		n = b.first
	} else {
		var err error
		n, err = b.r.Next()
		if err != nil {
			if err == io.EOF {
				err = &soap.FormatError{Msg: "envelope ends inside the Body"}
			}
			return nil, err
		}
	}
	switch n.Kind {
	case xmlnode.KindStartElement:
		b.depth++
	case xmlnode.KindEndElement:
		if b.depth == 0 {
			b.done = true
			return nil, io.EOF
		}
		b.depth--
	}
	n.Depth -= 2 // relative to the Body, as for a fragment read on its own
	return n, nil
}

// LookupNamespace resolves a prefix in the body's scope.
func (b *bodyReader) LookupNamespace(prefix []byte) ([]byte, bool) {
	if res, ok := b.r.(xmlnode.NamespaceResolver); ok {
		return res.LookupNamespace(prefix)
	}
	return nil, false
}

// writeBody writes the body content to w.
func (m *Message) writeBody(w xmlnode.Writer) error {
	switch {
	case m.fault != nil:
		return soap.WriteFault(w, m.hdr.Version, m.fault)
	case m.bodyFunc != nil:
		return m.bodyFunc(w)
	case len(m.bodyXML) > 0:
		r := fragmentReader(m.bodyXML)
		err := xmlnode.Copy(w, r)
		putFragmentReader(r)
		return err
	case m.data != nil:
		return m.copyReceivedBody(w)
	}
	return nil
}

// copyReceivedBody copies the received envelope's body content to w, with
// a pooled reader and the message's own bodyReader (no allocation).
func (m *Message) copyReceivedBody(w xmlnode.Writer) error {
	r, first, err := m.bodyReader(true)
	if err != nil {
		return err
	}
	m.br = bodyReader{r: r, first: first}
	err = xmlnode.Copy(w, &m.br)
	m.br = bodyReader{}
	putReader(r)
	return err
}

// discard is an xmlnode.Writer that writes nothing, for validating input.
type discard struct{}

func (discard) WriteStartElement(prefix, local, ns []byte) error          { return nil }
func (discard) WriteAttr(prefix, local, ns []byte, v xmlnode.Value) error { return nil }
func (discard) WriteXmlns(prefix, ns []byte) error                        { return nil }
func (discard) WriteEndElement() error                                    { return nil }
func (discard) WriteText(v xmlnode.Value) error                           { return nil }
func (discard) WriteComment(text []byte) error                            { return nil }

var errNilMessage = errors.New("nil message")

// take moves src's contents into m; src is not to be used again.
func (m *Message) take(src *Message) {
	*m = *src
	if m.dict != nil {
		m.dict = &m.dictView
	}
}

// skipToBody reads an envelope, already checked when it was received, up
// to and including the Body's start tag.
func skipToBody(r xmlnode.Reader) error {
	for {
		n, err := r.Next()
		if err != nil {
			if err == io.EOF {
				return &soap.FormatError{Msg: "the envelope has no Body"}
			}
			return err
		}
		if n.Kind == xmlnode.KindStartElement && n.Depth == 2 && string(n.Local) == "Body" {
			return nil
		}
	}
}
