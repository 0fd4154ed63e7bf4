package soap

import (
	"fmt"

	"github.com/wwsgo/wws/xmlnode"
	"github.com/wwsgo/wws/xmltext"
)

// Names as byte slices, so that writing allocates nothing.
var (
	bS                = []byte("s")
	bA                = []byte("a")
	bEnvelope         = []byte("Envelope")
	bHeader           = []byte("Header")
	bBody             = []byte("Body")
	bFault            = []byte("Fault")
	bMustUnderstand   = []byte("mustUnderstand")
	bMU               = []byte("smu")
	bAction           = []byte("Action")
	bTo               = []byte("To")
	bMessageID        = []byte("MessageID")
	bRelatesTo        = []byte("RelatesTo")
	bRelationshipType = []byte("RelationshipType")
	bReplyTo          = []byte("ReplyTo")
	bFaultTo          = []byte("FaultTo")
	bFrom             = []byte("From")
	bAddress          = []byte("Address")
	bRefParams        = []byte("ReferenceParameters")
	bRefProps         = []byte("ReferenceProperties")
	bNS11             = []byte(NamespaceSOAP11)
	bNS12             = []byte(NamespaceSOAP12)
	bWSA10            = []byte(NamespaceAddressing10)
	bWSA04            = []byte(NamespaceAddressing200408)
)

func (v Version) ns() []byte {
	if v == SOAP11 {
		return bNS11
	}
	return bNS12
}

func (a Addressing) ns() []byte {
	if a == Addressing200408 {
		return bWSA04
	}
	return bWSA10
}

// WriteEnvelopeStart writes the Envelope start tag, the Header with h's
// headers, and the Body start tag; the caller writes the body's content and
// then calls WriteEnvelopeEnd.
//
// Headers are written as WCF writes them: Action and To with
// mustUnderstand="1", then MessageID, RelatesTo, ReplyTo, From, FaultTo, and
// the custom headers. With AddressingNone no addressing header is written and
// the Header element appears only for custom headers. Action and To are
// written as dictionary-eligible strings, MessageID and RelatesTo as
// UniqueIds when they are urn:uuid values.
func WriteEnvelopeStart(w xmlnode.Writer, h *Header) error {
	if h.Version != SOAP11 && h.Version != SOAP12 {
		return fmt.Errorf("soap: cannot write an envelope of version %v", h.Version)
	}
	sns := h.Version.ns()
	ew := errWriter{w: w}
	ew.start(bS, bEnvelope, sns)
	ew.xmlns(bS, sns)
	addr := h.Addressing == Addressing10 || h.Addressing == Addressing200408
	if addr {
		ew.xmlns(bA, h.Addressing.ns())
	}
	hasHeaders := len(h.Custom) > 0 || (addr && (h.Action != nil || h.To != nil || h.MessageID != nil ||
		h.RelatesTo != nil || !h.ReplyTo.IsZero() || !h.FaultTo.IsZero() || !h.From.IsZero()))
	if hasHeaders {
		ew.start(bS, bHeader, sns)
		if addr {
			ans := h.Addressing.ns()
			if h.Action != nil {
				ew.start(bA, bAction, ans)
				ew.attr(bS, bMustUnderstand, sns, xmlnode.Int(1))
				ew.text(xmlnode.Dict(h.Action))
				ew.end()
			}
			if h.MessageID != nil {
				ew.start(bA, bMessageID, ans)
				ew.text(messageIDValue(h.MessageID))
				ew.end()
			}
			if h.RelatesTo != nil {
				ew.start(bA, bRelatesTo, ans)
				if len(h.RelationshipType) > 0 {
					ew.attr(nil, bRelationshipType, nil, xmlnode.Chars(h.RelationshipType))
				}
				ew.text(messageIDValue(h.RelatesTo))
				ew.end()
			}
			ew.epr(bReplyTo, ans, h.Addressing, &h.ReplyTo)
			ew.epr(bFrom, ans, h.Addressing, &h.From)
			ew.epr(bFaultTo, ans, h.Addressing, &h.FaultTo)
			if h.To != nil {
				ew.start(bA, bTo, ans)
				ew.attr(bS, bMustUnderstand, sns, xmlnode.Int(1))
				ew.text(xmlnode.Dict(h.To))
				ew.end()
			}
		}
		for i := range h.Custom {
			ew.custom(&h.Custom[i], sns)
		}
		ew.end()
	}
	ew.start(bS, bBody, sns)
	return ew.err
}

// WriteEnvelopeEnd ends the Body and the Envelope.
func WriteEnvelopeEnd(w xmlnode.Writer) error {
	if err := w.WriteEndElement(); err != nil {
		return err
	}
	return w.WriteEndElement()
}

// errWriter carries the first error through a sequence of writes.
type errWriter struct {
	w   xmlnode.Writer
	err error
}

func (e *errWriter) start(p, l, ns []byte) {
	if e.err == nil {
		e.err = e.w.WriteStartElement(p, l, ns)
	}
}

func (e *errWriter) xmlns(p, ns []byte) {
	if e.err == nil {
		e.err = e.w.WriteXmlns(p, ns)
	}
}

func (e *errWriter) attr(p, l, ns []byte, v xmlnode.Value) {
	if e.err == nil {
		e.err = e.w.WriteAttr(p, l, ns, v)
	}
}

func (e *errWriter) text(v xmlnode.Value) {
	if e.err == nil {
		e.err = e.w.WriteText(v)
	}
}

func (e *errWriter) end() {
	if e.err == nil {
		e.err = e.w.WriteEndElement()
	}
}

// xml copies a text XML fragment into the writer.
func (e *errWriter) xml(frag []byte) {
	if e.err == nil && len(frag) > 0 {
		e.err = xmlnode.Copy(e.w, xmltext.NewReader(frag, xmltext.ReaderOptions{Fragment: true}))
	}
}

// custom copies a custom header block, adding s:mustUnderstand="1" when
// the header says it must be understood and its XML does not say so itself.
func (e *errWriter) custom(c *CustomHeader, sns []byte) {
	if !c.MustUnderstand {
		e.xml(c.XML)
		return
	}
	if e.err != nil || len(c.XML) == 0 {
		return
	}
	r := xmltext.NewReader(c.XML, xmltext.ReaderOptions{Fragment: true})
	n, err := r.Next()
	if err != nil {
		e.err = err
		return
	}
	if n.Kind != xmlnode.KindStartElement {
		e.err = fmt.Errorf("soap: custom header %s is not an element", c.Local)
		return
	}
	if e.err = xmlnode.WriteNode(e.w, n); e.err != nil {
		return
	}
	if _, ok := n.Attr(string(bMustUnderstand), string(sns)); !ok {
		prefix := bS
		for i := range n.Attrs {
			if a := &n.Attrs[i]; a.IsXmlns() && string(a.DeclaredPrefix()) == "s" {
				prefix = bMU // the header rebinds s: declare a prefix of our own
				e.xmlns(prefix, sns)
			}
		}
		e.attr(prefix, bMustUnderstand, sns, xmlnode.Int(1))
	}
	if e.err == nil {
		e.err = xmlnode.Copy(e.w, r)
	}
}

func (e *errWriter) epr(name, ans []byte, a Addressing, r *EndpointReference) {
	if r.IsZero() {
		return
	}
	e.start(bA, name, ans)
	e.start(bA, bAddress, ans)
	e.text(xmlnode.Dict(r.Address))
	e.end()
	if len(r.ReferenceParameters) > 0 {
		if a == Addressing200408 {
			e.start(bA, bRefProps, ans)
		} else {
			e.start(bA, bRefParams, ans)
		}
		e.xml(r.ReferenceParameters)
		e.end()
	}
	e.end()
}

// WriteEnvelope writes a whole envelope whose body content is written by body
// (which may be nil for an empty body).
func WriteEnvelope(w xmlnode.Writer, h *Header, body func(xmlnode.Writer) error) error {
	if err := WriteEnvelopeStart(w, h); err != nil {
		return err
	}
	if body != nil {
		if err := body(w); err != nil {
			return err
		}
	}
	return WriteEnvelopeEnd(w)
}
