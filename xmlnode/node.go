// Package xmlnode is the XML node model shared by every encoding in wws: a
// streaming Reader that hands out nodes (start element, end element, text,
// comment) and a Writer that takes them, with text that can be typed the way
// [MC-NBFX] text records carry it (bool, integers, floating point, decimal,
// DateTime, TimeSpan, UniqueId, Uuid, base64 bytes, dictionary strings, QNames).
//
// The text encoding (package xmltext) and the .NET Binary XML encoding (package
// nbfx) both implement Reader and Writer, so a document read in one encoding can
// be written in the other with Copy.
//
// Readers hand out views: the *Node returned by Next, its names, attributes and
// byte slices stay valid only until the next call to Next. Nothing is allocated
// per node in steady state.
package xmlnode

import (
	"errors"
	"fmt"
)

// Kind is the kind of a node.
type Kind uint8

// Node kinds.
const (
	KindNone         Kind = iota
	KindStartElement      // an element's start tag, with its attributes
	KindEndElement        // an element's end (an empty element yields a start and an end)
	KindText              // character content, possibly typed
	KindComment           // a comment; its text is in Value.Bytes
)

// String returns the kind's name without its prefix, "StartElement".
func (k Kind) String() string {
	switch k {
	case KindNone:
		return "None"
	case KindStartElement:
		return "StartElement"
	case KindEndElement:
		return "EndElement"
	case KindText:
		return "Text"
	case KindComment:
		return "Comment"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Well-known namespace names.
const (
	NamespaceXML   = "http://www.w3.org/XML/1998/namespace"
	NamespaceXMLNS = "http://www.w3.org/2000/xmlns/"
)

// Attr is one attribute of a start tag. Namespace declarations are attributes
// too: xmlns="…" has Prefix "" and Local "xmlns", xmlns:p="…" has Prefix
// "xmlns" and Local "p"; both have NS == NamespaceXMLNS.
type Attr struct {
	// Prefix and Local are the attribute's name as written.
	Prefix []byte
	Local  []byte
	NS     []byte // the namespace the prefix is bound to ("" for an unprefixed attribute)
	// Value is the attribute's value (for a declaration, the namespace URI).
	Value Value
}

// IsXmlns reports whether the attribute is a namespace declaration.
func (a *Attr) IsXmlns() bool {
	return (len(a.Prefix) == 0 && string(a.Local) == "xmlns") || string(a.Prefix) == "xmlns"
}

// DeclaredPrefix returns the prefix a namespace declaration binds ("" for the
// default namespace). It is meaningful only when IsXmlns reports true.
func (a *Attr) DeclaredPrefix() []byte {
	if len(a.Prefix) == 0 {
		return nil
	}
	return a.Local
}

// Node is what a Reader yields. Which fields are set depends on Kind.
type Node struct {
	// Kind says what the node is.
	Kind Kind

	// Element name (KindStartElement and KindEndElement).
	Prefix []byte
	Local  []byte
	NS     []byte

	// Attrs holds a start tag's attributes in document order, namespace
	// declarations included.
	Attrs []Attr

	// Value is the content of a text node and the text of a comment.
	Value Value

	// Depth is the element nesting depth: 1 for the root's start and end,
	// and the depth of the enclosing element for text and comments.
	Depth int
}

// Attr returns the value of the attribute with the given local name and
// namespace, and whether it was present.
func (n *Node) Attr(local, ns string) (Value, bool) {
	for i := range n.Attrs {
		a := &n.Attrs[i]
		if string(a.Local) == local && string(a.NS) == ns && !a.IsXmlns() {
			return a.Value, true
		}
	}
	return Value{}, false
}

// Is reports whether the node is an element (start or end) with this local
// name and namespace.
func (n *Node) Is(local, ns string) bool {
	return string(n.Local) == local && string(n.NS) == ns
}

// Reader reads a document, or a fragment, one node at a time.
//
// Next returns the next node, or io.EOF after the last one. The node and
// every slice reachable from it are valid until the following call to Next.
// Errors in the input are *Error values naming the byte offset.
type Reader interface {
	// Next returns the next node, or io.EOF after the last one.
	Next() (*Node, error)
}

// Writer writes nodes in one encoding.
//
// WriteStartElement opens a start tag; WriteAttr and WriteXmlns may follow
// it until any other call closes the tag. A writer declares by itself any
// namespace an element or attribute uses that is not yet bound to its prefix
// (as .NET's XmlWriter does), so a caller only needs WriteXmlns to place a
// declaration deliberately. Byte slices passed in are not retained.
type Writer interface {
	// WriteStartElement opens the element prefix:local in namespace ns.
	WriteStartElement(prefix, local, ns []byte) error
	// WriteAttr adds an attribute to the start tag just opened.
	WriteAttr(prefix, local, ns []byte, v Value) error
	// WriteXmlns declares prefix ("" for the default namespace) as ns on
	// the start tag just opened.
	WriteXmlns(prefix, ns []byte) error
	// WriteEndElement closes the innermost open element.
	WriteEndElement() error
	// WriteText writes character content, typed or not.
	WriteText(v Value) error
	// WriteComment writes a comment.
	WriteComment(text []byte) error
}

// ErrQuotaExceeded is wrapped by errors that report a reader quota being
// exceeded (depth, attributes, string length, input size, dictionary size).
var ErrQuotaExceeded = errors.New("quota exceeded")

// Error is an error in XML input, at a byte offset of that input.
type Error struct {
	Encoding string // "xml", "nbfx", …
	Offset   int64  // byte offset into the input where the problem was found
	// Msg says what is wrong.
	Msg string
	Err error // an underlying cause, e.g. ErrQuotaExceeded; may be nil
}

// Error returns "<encoding>: offset N: <Msg>: <Err>".
func (e *Error) Error() string {
	if e.Err != nil && e.Msg == "" {
		return fmt.Sprintf("%s: offset %d: %v", e.Encoding, e.Offset, e.Err)
	}
	if e.Err != nil {
		return fmt.Sprintf("%s: offset %d: %s: %v", e.Encoding, e.Offset, e.Msg, e.Err)
	}
	return fmt.Sprintf("%s: offset %d: %s", e.Encoding, e.Offset, e.Msg)
}

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }

// Quotas bound what a reader accepts, so hostile input cannot make it commit
// unbounded memory or recurse without limit. A zero field means the default.
type Quotas struct {
	MaxDepth        int // element nesting; default 32 (WWSAPI's WS_XML_READER_PROPERTY_MAX_DEPTH)
	MaxAttributes   int // attributes per start tag, namespace declarations included; default 128
	MaxStringLength int // bytes of one name, attribute value, text or comment; default 0 = bounded only by MaxBytes
	MaxBytes        int // size of the input; default 0 = no limit beyond the buffer given
	MaxNamespaces   int // namespace declarations in scope at once; default 256
}

// Default quota values.
const (
	DefaultMaxDepth      = 32
	DefaultMaxAttributes = 128
	DefaultMaxNamespaces = 256
)

// WithDefaults returns q with zero fields replaced by the defaults.
func (q Quotas) WithDefaults() Quotas {
	if q.MaxDepth <= 0 {
		q.MaxDepth = DefaultMaxDepth
	}
	if q.MaxAttributes <= 0 {
		q.MaxAttributes = DefaultMaxAttributes
	}
	if q.MaxNamespaces <= 0 {
		q.MaxNamespaces = DefaultMaxNamespaces
	}
	return q
}

// NamespaceResolver is implemented by readers that can resolve a prefix in
// the scope of the node last returned, as needed to interpret QName values
// such as a SOAP fault code ("s:Sender") or an xsi:type.
type NamespaceResolver interface {
	// LookupNamespace returns the namespace prefix is bound to ("" for the
	// default namespace), and whether it is bound.
	LookupNamespace(prefix []byte) ([]byte, bool)
}
