package soap

import (
	"io"
	"strings"

	"github.com/wwsgo/wws/xmlnode"
	"github.com/wwsgo/wws/xmltext"
)

// QName is a namespace-qualified name.
type QName struct {
	// NS is the namespace URI ("" for none) and Local the local name.
	NS, Local string
}

// String returns "{NS}Local", or Local when NS is empty.
func (q QName) String() string {
	if q.NS == "" {
		return q.Local
	}
	return "{" + q.NS + "}" + q.Local
}

// Fault codes, named after SOAP 1.2 (SOAP 1.1's Client and Server are
// written for Sender and Receiver).
const (
	CodeVersionMismatch     = "VersionMismatch"
	CodeMustUnderstand      = "MustUnderstand"
	CodeDataEncodingUnknown = "DataEncodingUnknown"
	CodeSender              = "Sender"
	CodeReceiver            = "Receiver"
)

// Fault is a SOAP fault of either version.
type Fault struct {
	// Code is the fault code. Reading SOAP 1.1 maps Client to Sender and
	// Server to Receiver in the envelope namespace; writing maps them back.
	Code QName
	// Subcodes are SOAP 1.2's nested subcodes, outermost first. Writing SOAP
	// 1.1, the innermost subcode becomes the faultcode, as WCF does.
	Subcodes []QName
	Reason   []ReasonText
	Node     string // SOAP 1.2 Node
	Role     string // SOAP 1.2 Role, SOAP 1.1 faultactor
	// Detail is the content of the detail element as text XML (nil: no detail).
	Detail []byte
}

// ReasonText is one language's text of a fault reason.
type ReasonText struct {
	// Lang is the text's xml:lang, e.g. "en-US".
	Lang string
	// Text is the reason in that language.
	Text string
}

// ReasonText returns the first reason text.
func (f *Fault) ReasonText() string {
	if len(f.Reason) == 0 {
		return ""
	}
	return f.Reason[0].Text
}

// Error returns "SOAP fault " followed by the code's local name, each
// subcode's after a slash, and the first reason text.
func (f *Fault) Error() string {
	var sb strings.Builder
	sb.WriteString("SOAP fault ")
	sb.WriteString(f.Code.Local)
	for _, s := range f.Subcodes {
		sb.WriteString("/" + s.Local)
	}
	if r := f.ReasonText(); r != "" {
		sb.WriteString(": " + r)
	}
	return sb.String()
}

var (
	bCode        = []byte("Code")
	bValue       = []byte("Value")
	bSubcode     = []byte("Subcode")
	bReason      = []byte("Reason")
	bText        = []byte("Text")
	bNode        = []byte("Node")
	bRole        = []byte("Role")
	bDetail      = []byte("Detail")
	bLang        = []byte("lang")
	bXML         = []byte("xml")
	bXMLNS       = []byte(xmlnode.NamespaceXML)
	bFaultcode   = []byte("faultcode")
	bFaultstring = []byte("faultstring")
	bFaultactor  = []byte("faultactor")
	bDetail11    = []byte("detail")
)

// WriteFault writes a Fault element of version v, as the body's content.
func WriteFault(w xmlnode.Writer, v Version, f *Fault) error {
	ew := errWriter{w: w}
	sns := v.ns()
	ew.start(bS, bFault, sns)
	if v == SOAP11 {
		code := f.Code
		if len(f.Subcodes) > 0 {
			code = f.Subcodes[len(f.Subcodes)-1]
		}
		code = soap11Code(code)
		ew.start(nil, bFaultcode, nil)
		ew.qname(code, v.Namespace())
		ew.end()
		ew.start(nil, bFaultstring, nil)
		if len(f.Reason) > 0 && f.Reason[0].Lang != "" {
			ew.attr(bXML, bLang, bXMLNS, xmlnode.Chars([]byte(f.Reason[0].Lang)))
		}
		ew.text(xmlnode.Chars([]byte(f.ReasonText())))
		ew.end()
		if f.Role != "" {
			ew.start(nil, bFaultactor, nil)
			ew.text(xmlnode.Chars([]byte(f.Role)))
			ew.end()
		}
		if f.Detail != nil {
			ew.start(nil, bDetail11, nil)
			ew.xml(f.Detail)
			ew.end()
		}
		ew.end()
		return ew.err
	}
	ew.start(bS, bCode, sns)
	ew.start(bS, bValue, sns)
	code := f.Code
	if code.Local == "" {
		code = QName{NamespaceSOAP12, CodeReceiver}
	}
	ew.qname(code, v.Namespace())
	ew.end()
	for _, s := range f.Subcodes {
		ew.start(bS, bSubcode, sns)
		ew.start(bS, bValue, sns)
		ew.qname(s, v.Namespace())
		ew.end()
	}
	for range f.Subcodes {
		ew.end()
	}
	ew.end()
	ew.start(bS, bReason, sns)
	reasons := f.Reason
	if len(reasons) == 0 {
		reasons = []ReasonText{{Lang: "en-US"}}
	}
	for _, rt := range reasons {
		ew.start(bS, bText, sns)
		lang := rt.Lang
		if lang == "" {
			lang = "en-US"
		}
		ew.attr(bXML, bLang, bXMLNS, xmlnode.Chars([]byte(lang)))
		ew.text(xmlnode.Chars([]byte(rt.Text)))
		ew.end()
	}
	ew.end()
	if f.Node != "" {
		ew.start(bS, bNode, sns)
		ew.text(xmlnode.Chars([]byte(f.Node)))
		ew.end()
	}
	if f.Role != "" {
		ew.start(bS, bRole, sns)
		ew.text(xmlnode.Chars([]byte(f.Role)))
		ew.end()
	}
	if f.Detail != nil {
		ew.start(bS, bDetail, sns)
		ew.xml(f.Detail)
		ew.end()
	}
	ew.end()
	return ew.err
}

// soap11Code maps SOAP 1.2's Sender and Receiver to SOAP 1.1's Client and Server.
func soap11Code(q QName) QName {
	if q.NS == NamespaceSOAP12 || q.NS == NamespaceSOAP11 || q.NS == "" {
		switch q.Local {
		case CodeSender, "":
			return QName{NamespaceSOAP11, "Client"}
		case CodeReceiver:
			return QName{NamespaceSOAP11, "Server"}
		case CodeVersionMismatch, CodeMustUnderstand:
			return QName{NamespaceSOAP11, q.Local}
		}
	}
	return q
}

// qname writes a QName as text, using prefix s for the envelope namespace,
// a for the addressing namespaces, and declaring a prefix for others on the
// enclosing element (which is still open).
func (e *errWriter) qname(q QName, sns string) {
	var prefix string
	switch q.NS {
	case "":
	case sns:
		prefix = "s"
	case NamespaceAddressing10, NamespaceAddressing200408:
		prefix = "a"
		e.xmlns(bA, []byte(q.NS))
	default:
		prefix = "q"
		e.xmlns([]byte("q"), []byte(q.NS))
	}
	if prefix == "" {
		e.text(xmlnode.Chars([]byte(q.Local)))
		return
	}
	e.text(xmlnode.Chars([]byte(prefix + ":" + q.Local)))
}

// IsFault reports whether n, the first element of a body, is a Fault of version v.
func IsFault(n *xmlnode.Node, v Version) bool {
	return n.Kind == xmlnode.KindStartElement && n.Is("Fault", v.Namespace())
}

// ReadFault reads the Fault element whose start tag n was just read, up to
// its end. Prefixes in fault codes are resolved when r implements
// xmlnode.NamespaceResolver; an unprefixed code is taken to be in the
// envelope namespace (Mono writes SOAP 1.2 codes that way).
func ReadFault(r xmlnode.Reader, n *xmlnode.Node, v Version) (*Fault, error) {
	if !IsFault(n, v) {
		return nil, ErrNotFault
	}
	f := &Fault{}
	sns := v.Namespace()
	for {
		c, err := next(r, "the Fault")
		if err != nil {
			return nil, err
		}
		if c.Kind == xmlnode.KindEndElement {
			break
		}
		if v == SOAP11 {
			err = readFault11Child(r, c, f, sns)
		} else {
			err = readFault12Child(r, c, f, sns)
		}
		if err != nil {
			return nil, err
		}
	}
	if f.Code.Local == "" {
		return nil, formatErr(r, "fault without a code")
	}
	return f, nil
}

func readFault11Child(r xmlnode.Reader, c *xmlnode.Node, f *Fault, sns string) error {
	switch {
	case c.Is("faultcode", ""):
		s, err := readString(r, "faultcode")
		if err != nil {
			return err
		}
		q := resolveQName(r, s, sns)
		if q.NS == NamespaceSOAP11 {
			switch q.Local {
			case "Client":
				q.Local = CodeSender
			case "Server":
				q.Local = CodeReceiver
			}
			f.Code = q
		} else {
			// WCF puts a subcode in faultcode; keep the standard code too.
			f.Code = QName{NamespaceSOAP11, CodeSender}
			if strings.Contains(q.Local, "Server") || strings.Contains(q.Local, "Receiver") {
				f.Code.Local = CodeReceiver
			}
			f.Subcodes = append(f.Subcodes, q)
		}
	case c.Is("faultstring", ""):
		lang, _ := c.Attr("lang", xmlnode.NamespaceXML)
		s, err := readString(r, "faultstring")
		if err != nil {
			return err
		}
		f.Reason = append(f.Reason, ReasonText{Lang: lang.String(), Text: s})
	case c.Is("faultactor", ""):
		s, err := readString(r, "faultactor")
		if err != nil {
			return err
		}
		f.Role = s
	case c.Is("detail", ""):
		xml, err := captureContent(r, c)
		if err != nil {
			return err
		}
		f.Detail = nonNil(xml)
	default:
		return Skip(r, c)
	}
	return nil
}

func readFault12Child(r xmlnode.Reader, c *xmlnode.Node, f *Fault, sns string) error {
	switch {
	case c.Is("Code", sns):
		return readCode(r, f, sns, true)
	case c.Is("Reason", sns):
		for {
			t, err := next(r, "the fault Reason")
			if err != nil {
				return err
			}
			if t.Kind == xmlnode.KindEndElement {
				return nil
			}
			lang, _ := t.Attr("lang", xmlnode.NamespaceXML)
			l := lang.String()
			s, err := readString(r, "a fault reason Text")
			if err != nil {
				return err
			}
			f.Reason = append(f.Reason, ReasonText{Lang: l, Text: s})
		}
	case c.Is("Node", sns):
		s, err := readString(r, "Node")
		f.Node = s
		return err
	case c.Is("Role", sns):
		s, err := readString(r, "Role")
		f.Role = s
		return err
	case c.Is("Detail", sns):
		xml, err := captureContent(r, c)
		f.Detail = nonNil(xml)
		return err
	}
	return Skip(r, c)
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// readCode reads a Code or Subcode element's children (Value, Subcode).
func readCode(r xmlnode.Reader, f *Fault, sns string, top bool) error {
	for {
		c, err := next(r, "a fault code")
		if err != nil {
			return err
		}
		if c.Kind == xmlnode.KindEndElement {
			return nil
		}
		switch {
		case c.Is("Value", sns):
			s, err := readString(r, "a fault code Value")
			if err != nil {
				return err
			}
			q := resolveQName(r, s, sns)
			if top {
				f.Code = q
			} else {
				f.Subcodes = append(f.Subcodes, q)
			}
		case c.Is("Subcode", sns):
			if err := readCode(r, f, sns, false); err != nil {
				return err
			}
		default:
			if err := Skip(r, c); err != nil {
				return err
			}
		}
	}
}

// readString reads an element's text content.
func readString(r xmlnode.Reader, what string) (string, error) {
	var b []byte
	for {
		n, err := r.Next()
		if err != nil {
			if err == io.EOF {
				err = formatErr(r, "envelope ends inside %s", what)
			}
			return "", err
		}
		switch n.Kind {
		case xmlnode.KindText:
			b = n.Value.AppendText(b)
		case xmlnode.KindStartElement:
			return "", formatErr(r, "element %q inside %s", n.Local, what)
		case xmlnode.KindEndElement:
			return string(b), nil
		}
	}
}

// resolveQName resolves "p:local" against the reader's scope. An absent
// prefix, or an undeclared "s", leaves the envelope namespace for the
// standard codes; another undeclared prefix leaves the code as it came, in
// no namespace.
func resolveQName(r xmlnode.Reader, s, sns string) QName {
	s = strings.TrimSpace(s)
	prefix, local, ok := strings.Cut(s, ":")
	if !ok {
		local, prefix = s, ""
	}
	if strings.Contains(local, ":") {
		// Not a QName ("e::x", "a:b:c"): kept as it came, so that it is
		// written back the same.
		return QName{Local: s}
	}
	if res, ok := r.(xmlnode.NamespaceResolver); ok {
		if ns, found := res.LookupNamespace([]byte(prefix)); found && (len(ns) > 0 || prefix != "") {
			return QName{NS: string(ns), Local: local}
		}
	}
	switch local {
	case CodeSender, CodeReceiver, CodeMustUnderstand, CodeVersionMismatch, CodeDataEncodingUnknown, "Client", "Server":
		if prefix == "" || prefix == "s" {
			return QName{NS: sns, Local: local}
		}
	}
	if prefix != "" {
		// An undeclared prefix: the code is kept as it came ("T:Sender"),
		// not taken for another one.
		return QName{Local: s}
	}
	return QName{Local: local}
}

// FaultFromText parses a fault from a text XML envelope (a convenience for
// tests and tools).
func FaultFromText(envelope []byte) (*Fault, *Header, error) {
	r := xmltext.NewReader(envelope, xmltext.ReaderOptions{})
	var h Header
	if err := ReadEnvelopeStart(r, &h); err != nil {
		return nil, nil, err
	}
	n, err := next(r, "the Body")
	if err != nil {
		return nil, nil, err
	}
	f, err := ReadFault(r, n, h.Version)
	return f, &h, err
}
