package soap

import (
	"errors"
	"fmt"
	"io"

	"github.com/wwsgo/wws/xmlnode"
	"github.com/wwsgo/wws/xmltext"
)

type offsetter interface{ Offset() int64 }

func formatErr(r xmlnode.Reader, format string, args ...any) error {
	e := &FormatError{Msg: fmt.Sprintf(format, args...)}
	if o, ok := r.(offsetter); ok {
		e.Offset = o.Offset()
	}
	return e
}

// next returns the next node that is not a comment or whitespace-only text.
// Other text is an error: SOAP allows no character content outside the body.
func next(r xmlnode.Reader, where string) (*xmlnode.Node, error) {
	for {
		n, err := r.Next()
		if err == io.EOF {
			return nil, formatErr(r, "envelope ends early, in %s", where)
		}
		if err != nil {
			return nil, err
		}
		switch n.Kind {
		case xmlnode.KindComment:
			continue
		case xmlnode.KindText:
			if n.Value.IsText() && len(xmlnode.TrimSpace(n.Value.Bytes)) == 0 {
				continue
			}
			return nil, formatErr(r, "unexpected text %q in %s", n.Value.String(), where)
		}
		return n, nil
	}
}

// ReadEnvelopeStart reads the Envelope start tag, every header block and the
// Body start tag, filling h (Version from the envelope's namespace, and
// Addressing from the first addressing header seen, if h.Addressing is not
// already set). It returns when the next node of r is the first node of the
// body's content.
//
// Addressing headers of either WS-Addressing version are recognised; all
// other header blocks are kept in h.Custom as text XML.
func ReadEnvelopeStart(r xmlnode.Reader, h *Header) error {
	h.Reset()
	n, err := next(r, "the prolog")
	if err != nil {
		return err
	}
	if n.Kind != xmlnode.KindStartElement || string(n.Local) != "Envelope" {
		return formatErr(r, "document element is %s %q, not a SOAP Envelope", n.Kind, n.Local)
	}
	switch string(n.NS) {
	case NamespaceSOAP12:
		h.Version = SOAP12
	case NamespaceSOAP11:
		h.Version = SOAP11
	default:
		return formatErr(r, "Envelope in namespace %q, which is neither SOAP 1.1 nor SOAP 1.2", n.NS)
	}
	sns := h.Version.Namespace()
	n, err = next(r, "the Envelope")
	if err != nil {
		return err
	}
	if n.Kind == xmlnode.KindStartElement && n.Is("Header", sns) {
		if err := readHeaders(r, h, sns); err != nil {
			return err
		}
		if n, err = next(r, "the Envelope"); err != nil {
			return err
		}
	}
	if n.Kind != xmlnode.KindStartElement || !n.Is("Body", sns) {
		return formatErr(r, "expected the SOAP Body, found %s %q", n.Kind, n.Local)
	}
	return nil
}

// readHeaders reads the children of Header up to its end.
func readHeaders(r xmlnode.Reader, h *Header, sns string) error {
	for {
		n, err := next(r, "the Header")
		if err != nil {
			return err
		}
		if n.Kind == xmlnode.KindEndElement {
			return nil
		}
		addr := Addressing(0)
		switch string(n.NS) {
		case NamespaceAddressing10:
			addr = Addressing10
		case NamespaceAddressing200408:
			addr = Addressing200408
		}
		if addr != 0 {
			if h.Addressing == 0 {
				h.Addressing = addr
			}
			if handled, err := readAddressingHeader(r, n, h, addr); handled || err != nil {
				if err != nil {
					return err
				}
				continue
			}
		}
		mu := mustUnderstand(n, sns)
		c := CustomHeader{Local: h.own(n.Local), NS: h.own(n.NS), MustUnderstand: mu}
		xml, err := captureElement(r, n)
		if err != nil {
			return err
		}
		c.XML = h.own(xml)
		h.Custom = append(h.Custom, c)
	}
}

func mustUnderstand(n *xmlnode.Node, sns string) bool {
	v, ok := n.Attr("mustUnderstand", sns)
	if !ok {
		return false
	}
	b, err := v.Bool()
	return err == nil && b
}

// readAddressingHeader reads a known addressing header of version addr into
// h. It reports false, reading nothing, for an addressing element it does
// not handle.
func readAddressingHeader(r xmlnode.Reader, n *xmlnode.Node, h *Header, addr Addressing) (bool, error) {
	var dst *[]byte
	var epr *EndpointReference
	switch string(n.Local) {
	case "Action":
		dst = &h.Action
	case "To":
		dst = &h.To
	case "MessageID":
		dst = &h.MessageID
	case "RelatesTo":
		dst = &h.RelatesTo
		if v, ok := n.Attr("RelationshipType", ""); ok {
			h.RelationshipType = h.own(v.AppendText(nil))
		}
	case "ReplyTo":
		epr = &h.ReplyTo
	case "FaultTo":
		epr = &h.FaultTo
	case "From":
		epr = &h.From
	default:
		return false, nil
	}
	if dst != nil {
		if *dst != nil {
			return true, formatErr(r, "duplicate %s header", n.Local)
		}
		v, err := readText(r, h, n.Local)
		*dst = v
		return true, err
	}
	if !epr.IsZero() {
		return true, formatErr(r, "duplicate %s header", n.Local)
	}
	return true, readEPR(r, h, epr, addr.Namespace())
}

// readText reads the text content of the element whose start was just read,
// up to its end, into h's arena.
func readText(r xmlnode.Reader, h *Header, what []byte) ([]byte, error) {
	h.reserve(64)
	start := len(h.arena)
	for {
		n, err := r.Next()
		if err != nil {
			if err == io.EOF {
				err = formatErr(r, "envelope ends inside %s", what)
			}
			return nil, err
		}
		switch n.Kind {
		case xmlnode.KindText:
			h.arena = n.Value.AppendText(h.arena)
		case xmlnode.KindStartElement:
			return nil, formatErr(r, "element %q inside %s, which holds text only", n.Local, what)
		case xmlnode.KindEndElement:
			v := h.arena[start:len(h.arena):len(h.arena)]
			return xmlnode.TrimSpace(v), nil
		}
	}
}

// readEPR reads an endpoint reference's children up to its end.
func readEPR(r xmlnode.Reader, h *Header, epr *EndpointReference, ans string) error {
	found := false
	for {
		n, err := next(r, "an endpoint reference")
		if err != nil {
			return err
		}
		if n.Kind == xmlnode.KindEndElement {
			if !found {
				return formatErr(r, "endpoint reference without an Address")
			}
			return nil
		}
		switch {
		case n.Is("Address", ans):
			v, err := readText(r, h, bAddress)
			if err != nil {
				return err
			}
			epr.Address = v
			found = true
		case n.Is("ReferenceParameters", ans) || n.Is("ReferenceProperties", ans):
			xml, err := captureContent(r, n)
			if err != nil {
				return err
			}
			epr.ReferenceParameters = h.own(xml)
		default: // Metadata, PortType, ServiceName, extensions: skipped
			if err := Skip(r, n); err != nil {
				return err
			}
		}
	}
}

// Skip reads past the element whose start tag n was just read.
func Skip(r xmlnode.Reader, n *xmlnode.Node) error {
	depth := 1
	for depth > 0 {
		n, err := r.Next()
		if err != nil {
			if err == io.EOF {
				return formatErr(r, "document ends inside an element")
			}
			return err
		}
		switch n.Kind {
		case xmlnode.KindStartElement:
			depth++
		case xmlnode.KindEndElement:
			depth--
		}
	}
	return nil
}

// captureElement renders the element whose start tag n was just read, with
// all its content, as text XML.
func captureElement(r xmlnode.Reader, n *xmlnode.Node) ([]byte, error) {
	w := xmltext.NewWriter(xmltext.WriterOptions{})
	if err := xmlnode.WriteNode(w, n); err != nil {
		return nil, err
	}
	if err := copyUntilEnd(w, r, true); err != nil {
		return nil, err
	}
	return w.Bytes(), nil
}

// captureContent renders the content of the element whose start tag n was
// just read (not the element itself) as text XML.
func captureContent(r xmlnode.Reader, n *xmlnode.Node) ([]byte, error) {
	w := xmltext.NewWriter(xmltext.WriterOptions{})
	if err := copyUntilEnd(w, r, false); err != nil {
		return nil, err
	}
	return w.Bytes(), nil
}

// copyUntilEnd copies nodes up to the end of the current element, writing
// that end too when withEnd is set.
func copyUntilEnd(w xmlnode.Writer, r xmlnode.Reader, withEnd bool) error {
	depth := 1
	for {
		n, err := r.Next()
		if err != nil {
			if err == io.EOF {
				return formatErr(r, "document ends inside an element")
			}
			return err
		}
		switch n.Kind {
		case xmlnode.KindStartElement:
			depth++
		case xmlnode.KindEndElement:
			depth--
			if depth == 0 {
				if withEnd {
					return w.WriteEndElement()
				}
				return nil
			}
		}
		if err := xmlnode.WriteNode(w, n); err != nil {
			return err
		}
	}
}

// ReadEnvelopeEnd reads the end of the Envelope after the body's end tag and
// checks that nothing but comments and whitespace follows.
func ReadEnvelopeEnd(r xmlnode.Reader) error {
	n, err := next(r, "the Envelope")
	if err != nil {
		return err
	}
	if n.Kind != xmlnode.KindEndElement || string(n.Local) != "Envelope" {
		return formatErr(r, "expected the end of the Envelope after the Body, found %s %q", n.Kind, n.Local)
	}
	for {
		n, err := r.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if n.Kind == xmlnode.KindComment || (n.Kind == xmlnode.KindText && len(xmlnode.TrimSpace(n.Value.Bytes)) == 0) {
			continue
		}
		return formatErr(r, "%s after the Envelope", n.Kind)
	}
}

// ErrNotFault is returned by ReadFault for a body that is not a fault.
var ErrNotFault = errors.New("soap: body is not a fault")
