package xmltext

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/wwsgo/wws/xmlnode"
)

// WriterOptions configure a Writer.
type WriterOptions struct {
	// Charset is the output charset: UTF8 (also for CharsetAuto, the zero
	// value), UTF16LE or UTF16BE. UTF-16 output starts with a byte order
	// mark, as WCF's text encoder writes it (XmlDictionaryWriter wraps its
	// stream in an EncodingStreamWrapper that emits the preamble of
	// Encoding.Unicode / Encoding.BigEndianUnicode); UTF-8 output has none.
	Charset Charset

	// Indent, if not empty, pretty-prints the output for people: each
	// child element and comment goes on a new line, indented by Indent
	// once per level, and an end tag goes on a new line after element
	// children. No white space is added inside an element once text has
	// been written in it, nor to the top level of a fragment once text has
	// been written there; white space added before the first text of an
	// element (for <a><b/>text</a>) cannot be taken back, so indented
	// output is for display, not for exchange. Indent must consist of
	// spaces and tabs. New lines are written as "\n".
	Indent string

	// XMLDeclaration starts the output with <?xml version="1.0"
	// encoding="utf-8"?>, with encoding "utf-16" for UTF16LE and "utf-16BE"
	// for UTF16BE, as .NET's XmlUTF8NodeWriter names them.
	XMLDeclaration bool
}

// A Writer renders nodes as XML text into a buffer it owns. It implements
// xmlnode.Writer.
//
// Names must be NCNames and text must be valid UTF-8 consisting of XML 1.0
// characters; the Writer reports anything else as an error rather than
// write output that would not read back. It escapes & < > and CR in text
// (as &amp; &lt; &gt; &#xD;) and & < > " and tab, LF, CR in attribute values
// (the latter three as &#x9; &#xA; &#xD;), so that values read back as
// written. An element with no content is written as an empty-element tag
// <a/>: the start tag stays open until the next call decides.
//
// Namespaces: the Writer tracks the bindings in scope and declares any
// prefix an element or attribute uses that is not bound to its namespace
// there, on that element. The element's own declaration goes at the end of
// its start tag, where WCF's XmlDictionaryWriter puts declarations, unless
// WriteXmlns places it earlier (or an attribute that uses it comes first),
// so that a start tag replayed from a Reader keeps its attribute order.
// WriteXmlns places a declaration explicitly; one that repeats a
// declaration already made on the same element (explicitly or by the
// Writer) is dropped, and one that binds the element's own prefix to
// another namespace is an error. An attribute with a namespace but no
// prefix (or with a prefix that the element binds to another namespace)
// takes a prefix already bound to that namespace or, failing that, a new
// one named as WCF names them (d1p1, d1p2, … after the element depth). The
// prefix xml serves the XML namespace, which the Writer never declares by
// itself. A prefix with no namespace (nil ns) stands for the namespace the
// prefix is bound to in scope, and is an error if it is not bound.
//
// Text that would start the output with U+FEFF is written &#xFEFF;, so
// that it does not read back as a byte order mark.
//
// After an error, the output is incomplete: every later call returns the
// same error until Reset.
//
// A Writer is not safe for concurrent use.
type Writer struct {
	opts WriterOptions

	buf  []byte // the output in UTF-8
	out  []byte // the output in UTF-16, for a UTF-16 charset
	outN int    // bytes of buf already transcoded into out

	scope xmlnode.Scope
	stack []frame // open elements; stack[0] is the document level
	names []byte  // qualified names of the open elements
	open  bool    // a start tag is open: attributes may still follow
	err   error

	// The open element's own declaration, when it needs one, waits for an
	// explicit WriteXmlns of it, an attribute that uses it, or the end of
	// the start tag, so that a replayed start tag keeps its order.
	pending   bool
	pend      []byte // prefix then namespace
	pendSplit int    // length of the prefix in pend

	keys    []byte              // namespace, 0, local name of each attribute of the open start tag
	keyEnd  []int               // end offsets of the entries in keys
	bigKeys map[string]struct{} // the same, on tags with very many attributes
	tmp     []byte              // scratch for typed values that may need escaping

	// A few recent prefix lookups, valid while nsGen is unchanged: nsGen
	// counts changes to the bindings in scope.
	nsGen     uint64
	cache     [4]nsCache
	cacheNext int
}

// frame is an open element (or the document level) being written.
type frame struct {
	nameOff, nameLen int  // the qualified name in Writer.names
	children         bool // an element or comment has been written in it
	mixed            bool // text has been written in it
	declares         bool // namespace declarations were written on it
}

var _ xmlnode.Writer = (*Writer)(nil)

// NewWriter returns a Writer with the given options.
func NewWriter(opts WriterOptions) *Writer {
	w := &Writer{opts: opts}
	w.Reset()
	return w
}

// Reset discards the output and all state, keeping the buffers.
func (w *Writer) Reset() {
	w.buf = w.buf[:0]
	w.out = w.out[:0]
	w.outN = 0
	w.scope.Reset()
	w.stack = append(w.stack[:0], frame{})
	w.names = w.names[:0]
	w.open = false
	w.pending = false
	w.nsGen++
	w.err = nil
	for _, c := range []byte(w.opts.Indent) {
		if c != ' ' && c != '\t' {
			w.err = errors.New("xmltext: WriterOptions.Indent must consist of spaces and tabs")
			return
		}
	}
	switch w.opts.Charset {
	case UTF16LE:
		w.out = append(w.out, 0xFF, 0xFE)
	case UTF16BE:
		w.out = append(w.out, 0xFE, 0xFF)
	}
	if w.opts.XMLDeclaration {
		w.buf = append(w.buf, `<?xml version="1.0" encoding="`...)
		switch w.opts.Charset {
		case UTF16LE:
			w.buf = append(w.buf, "utf-16"...)
		case UTF16BE:
			w.buf = append(w.buf, "utf-16BE"...)
		default:
			w.buf = append(w.buf, "utf-8"...)
		}
		w.buf = append(w.buf, `"?>`...)
		w.stack[0].children = true
	}
}

// Bytes returns the output so far, in the output charset. It stays valid
// until the next call that writes or Reset. A start tag that is still
// open (see Flush) lacks its closing '>'.
func (w *Writer) Bytes() []byte {
	switch w.opts.Charset {
	case UTF16LE, UTF16BE:
		w.out = appendUTF16(w.out, w.buf[w.outN:], w.opts.Charset == UTF16BE)
		w.outN = len(w.buf)
		return w.out
	}
	return w.buf
}

// Flush closes a start tag left open, so that Bytes ends with a complete
// tag; the element can then no longer take attributes, and is written with
// an end tag even if it stays empty. Flush returns the error that stopped
// the Writer, if any.
func (w *Writer) Flush() error {
	if w.err == nil && w.open {
		w.closeStart()
	}
	return w.err
}

// Depth returns the number of open elements.
func (w *Writer) Depth() int { return len(w.stack) - 1 }

func (w *Writer) fail(msg string, args ...any) error {
	for _, a := range args {
		if b, ok := a.([]byte); ok {
			msg += " " + strconv.Quote(string(b))
		} else {
			msg += " " + a.(string)
		}
	}
	w.err = errors.New("xmltext: " + msg)
	return w.err
}

// closeStart ends an open start tag with '>'.
func (w *Writer) closeStart() {
	w.flushPending()
	w.buf = append(w.buf, '>')
	w.open = false
}

// flushPending writes the open element's own namespace declaration, if it
// is still due.
func (w *Writer) flushPending() {
	if w.pending {
		w.pending = false
		w.declare(w.pend[:w.pendSplit], w.pend[w.pendSplit:]) // checked by WriteStartElement
	}
}

// newline writes a line break and indentation for depth levels, if
// indenting, unless the parent frame has text.
func (w *Writer) newline(parent *frame, depth int) {
	if w.opts.Indent == "" || parent.mixed {
		return
	}
	w.buf = append(w.buf, '\n')
	for i := 0; i < depth; i++ {
		w.buf = append(w.buf, w.opts.Indent...)
	}
}

// resolvePrefix returns the namespace for a prefix given without one.
func (w *Writer) resolvePrefix(prefix, ns []byte) ([]byte, error) {
	if len(ns) > 0 || len(prefix) == 0 {
		return ns, nil
	}
	bound, ok := w.lookup(prefix)
	if !ok {
		return nil, w.fail("undeclared prefix", prefix)
	}
	return bound, nil
}

// WriteStartElement opens an element. Attributes may follow until the next
// call of another kind.
func (w *Writer) WriteStartElement(prefix, local, ns []byte) error {
	if w.err != nil {
		return w.err
	}
	if !isNCName(local) {
		return w.fail("invalid element name", local)
	}
	if len(prefix) > 0 && !isNCName(prefix) {
		return w.fail("invalid prefix", prefix)
	}
	if string(prefix) == "xmlns" {
		return w.fail("element name uses the reserved prefix xmlns")
	}
	if string(prefix) == "xml" && len(ns) > 0 && !bytes.Equal(ns, xmlNS) {
		return w.fail("the prefix xml is bound to", xmlnode.NamespaceXML)
	}
	if bytes.Equal(ns, xmlnsNS) || (string(prefix) != "xml" && bytes.Equal(ns, xmlNS)) {
		return w.fail("reserved namespace for an element:", ns)
	}
	if w.open {
		w.closeStart()
	}
	ns, err := w.resolvePrefix(prefix, ns)
	if err != nil {
		return err
	}
	declare := false
	if string(prefix) != "xml" {
		// A namespace bound already was checked when it was declared.
		if bound, _ := w.lookup(prefix); !bytes.Equal(bound, ns) {
			if err := w.checkChars(ns); err != nil {
				return err
			}
			declare = true
		}
	}
	parent := &w.stack[len(w.stack)-1]
	if parent.children || len(w.stack) > 1 {
		w.newline(parent, len(w.stack)-1)
	}
	parent.children = true
	f := frame{nameOff: len(w.names)}
	w.names = append(w.names, prefix...)
	if len(prefix) > 0 {
		w.names = append(w.names, ':')
	}
	w.names = append(w.names, local...)
	f.nameLen = len(w.names) - f.nameOff
	w.stack = append(w.stack, f)
	w.buf = append(w.buf, '<')
	w.buf = append(w.buf, w.names[f.nameOff:]...)
	w.open = true
	w.keys = w.keys[:0]
	w.keyEnd = w.keyEnd[:0]
	if len(w.bigKeys) > 0 {
		clear(w.bigKeys)
	}
	w.scope.Push()
	if declare {
		w.pending = true
		w.pend = append(append(w.pend[:0], prefix...), ns...)
		w.pendSplit = len(prefix)
	}
	return nil
}

// declare writes a namespace declaration into the open start tag and
// records the binding.
func (w *Writer) declare(prefix, ns []byte) error {
	w.buf = append(w.buf, " xmlns"...)
	if len(prefix) > 0 {
		w.buf = append(w.buf, ':')
		w.buf = append(w.buf, prefix...)
	}
	w.buf = append(w.buf, '=', '"')
	if err := w.appendEscaped(ns, &attrEscapes); err != nil {
		return err
	}
	w.buf = append(w.buf, '"')
	w.scope.Declare(prefix, ns)
	w.nsGen++
	w.stack[len(w.stack)-1].declares = true
	return nil
}

// lookup resolves a prefix through a small cache in front of w.scope.
func (w *Writer) lookup(prefix []byte) ([]byte, bool) {
	for i := range w.cache {
		c := &w.cache[i]
		if c.gen == w.nsGen && bytes.Equal(c.prefix, prefix) {
			return c.ns, true
		}
	}
	ns, ok := w.scope.Lookup(prefix)
	if ok {
		c := &w.cache[w.cacheNext]
		w.cacheNext = (w.cacheNext + 1) % len(w.cache)
		c.gen, c.prefix, c.ns = w.nsGen, append(c.prefix[:0], prefix...), ns
	}
	return ns, ok
}

// WriteXmlns declares prefix ("" for the default namespace) for ns on the
// open start tag, unless the same declaration is already there.
func (w *Writer) WriteXmlns(prefix, ns []byte) error {
	if w.err != nil {
		return w.err
	}
	if !w.open {
		return w.fail("WriteXmlns outside a start tag")
	}
	switch {
	case len(prefix) > 0 && !isNCName(prefix):
		return w.fail("invalid prefix", prefix)
	case string(prefix) == "xmlns":
		return w.fail("the prefix xmlns must not be declared")
	case string(prefix) == "xml":
		if !bytes.Equal(ns, xmlNS) {
			return w.fail("the prefix xml is bound to", xmlnode.NamespaceXML)
		}
	case bytes.Equal(ns, xmlNS) || bytes.Equal(ns, xmlnsNS):
		return w.fail("namespace must not be declared:", ns)
	case len(prefix) > 0 && len(ns) == 0:
		return w.fail("prefix cannot be undeclared:", prefix)
	}
	if w.pending && bytes.Equal(prefix, w.pend[:w.pendSplit]) {
		if !bytes.Equal(ns, w.pend[w.pendSplit:]) {
			return w.fail("prefix", prefix, "already declared on this element for another namespace")
		}
		w.flushPending()
		return nil
	}
	if w.scope.DeclaredHere(prefix) {
		if bound, _ := w.scope.Lookup(prefix); !bytes.Equal(bound, ns) {
			return w.fail("prefix", prefix, "already declared on this element for another namespace")
		}
		return nil
	}
	return w.declare(prefix, ns)
}

// WriteAttr writes an attribute into the open start tag. A namespace
// declaration (prefix xmlns, or no prefix and local name xmlns) is passed
// to WriteXmlns.
func (w *Writer) WriteAttr(prefix, local, ns []byte, v xmlnode.Value) error {
	if w.err != nil {
		return w.err
	}
	if !w.open {
		return w.fail("WriteAttr outside a start tag")
	}
	if string(prefix) == "xmlns" || (len(prefix) == 0 && string(local) == "xmlns") {
		var text []byte
		if v.IsText() {
			text = v.Bytes
		} else {
			w.tmp = v.AppendText(w.tmp[:0])
			text = w.tmp
		}
		if len(prefix) == 0 {
			return w.WriteXmlns(nil, text)
		}
		return w.WriteXmlns(local, text)
	}
	if !isNCName(local) {
		return w.fail("invalid attribute name", local)
	}
	if len(prefix) > 0 && !isNCName(prefix) {
		return w.fail("invalid prefix", prefix)
	}
	if string(prefix) == "xml" && len(ns) > 0 && !bytes.Equal(ns, xmlNS) {
		return w.fail("the prefix xml is bound to", xmlnode.NamespaceXML)
	}
	if bytes.Equal(ns, xmlnsNS) {
		return w.fail("attribute in the xmlns namespace:", local)
	}
	if w.pending && len(prefix) > 0 && len(ns) == 0 && bytes.Equal(prefix, w.pend[:w.pendSplit]) {
		ns = w.pend[w.pendSplit:]
	}
	ns, err := w.resolvePrefix(prefix, ns)
	if err != nil {
		return err
	}
	if err := w.addKey(ns, local); err != nil {
		return err
	}
	if len(ns) > 0 {
		if prefix, err = w.attrPrefix(prefix, ns); err != nil {
			return err
		}
	}
	w.buf = append(w.buf, ' ')
	if len(prefix) > 0 {
		w.buf = append(w.buf, prefix...)
		w.buf = append(w.buf, ':')
	}
	w.buf = append(w.buf, local...)
	w.buf = append(w.buf, '=', '"')
	if err := w.appendValue(v, &attrEscapes); err != nil {
		return err
	}
	w.buf = append(w.buf, '"')
	return nil
}

// attrPrefix returns the prefix to write for an attribute in namespace ns
// (not empty), declaring one if needed.
func (w *Writer) attrPrefix(prefix, ns []byte) ([]byte, error) {
	if bytes.Equal(ns, xmlNS) {
		return xmlPrefix, nil
	}
	// The element's own prefix, declared at the end of the start tag,
	// hides any binding of it in scope.
	var elemPrefix []byte
	if w.pending {
		elemPrefix = w.pend[:w.pendSplit]
		if len(elemPrefix) > 0 && bytes.Equal(ns, w.pend[w.pendSplit:]) &&
			(len(prefix) == 0 || bytes.Equal(prefix, elemPrefix)) {
			w.flushPending()
			return w.pend[:w.pendSplit], nil
		}
	}
	taken := func(p []byte) bool { return w.pending && bytes.Equal(p, elemPrefix) }
	if len(prefix) > 0 && !taken(prefix) {
		bound, _ := w.lookup(prefix)
		if bytes.Equal(bound, ns) {
			return prefix, nil
		}
		if !w.scope.DeclaredHere(prefix) {
			return prefix, w.declare(prefix, ns)
		}
		// The prefix is taken on this element: fall through to another.
	}
	if p, ok := w.scope.LookupPrefix(ns); ok && len(p) > 0 && !taken(p) {
		return p, nil
	}
	// A new prefix, d<depth>p<n>, not bound in scope.
	var gen [24]byte
	for n := 1; ; n++ {
		p := append(gen[:0], 'd')
		p = strconv.AppendInt(p, int64(len(w.stack)-1), 10)
		p = append(p, 'p')
		p = strconv.AppendInt(p, int64(n), 10)
		if _, ok := w.scope.Lookup(p); !ok && !taken(p) {
			if err := w.declare(p, ns); err != nil {
				return nil, err
			}
			b, _ := w.scope.LookupPrefix(ns)
			return b, nil
		}
	}
}

// addKey records an attribute of the open start tag and reports a
// duplicate.
func (w *Writer) addKey(ns, local []byte) error {
	n := len(w.keyEnd)
	if n >= 64 && len(w.bigKeys) == 0 {
		if w.bigKeys == nil {
			w.bigKeys = make(map[string]struct{})
		}
		for i := range n {
			w.bigKeys[string(w.key(i))] = struct{}{}
		}
	}
	off := len(w.keys)
	w.keys = append(w.keys, ns...)
	w.keys = append(w.keys, 0)
	w.keys = append(w.keys, local...)
	k := w.keys[off:]
	dup := false
	if n >= 64 {
		_, dup = w.bigKeys[string(k)]
		w.bigKeys[string(k)] = struct{}{}
	} else {
		for i := range n {
			if bytes.Equal(w.key(i), k) {
				dup = true
				break
			}
		}
	}
	if dup {
		return w.fail("duplicate attribute", local)
	}
	w.keyEnd = append(w.keyEnd, len(w.keys))
	return nil
}

// key returns the i'th recorded attribute key.
func (w *Writer) key(i int) []byte {
	start := 0
	if i > 0 {
		start = w.keyEnd[i-1]
	}
	return w.keys[start:w.keyEnd[i]]
}

// WriteEndElement closes the innermost open element.
func (w *Writer) WriteEndElement() error {
	if w.err != nil {
		return w.err
	}
	if len(w.stack) <= 1 {
		return w.fail("WriteEndElement without an open element")
	}
	f := w.stack[len(w.stack)-1]
	w.stack = w.stack[:len(w.stack)-1]
	if w.open {
		w.flushPending()
		w.buf = append(w.buf, '/', '>')
		w.open = false
	} else {
		if f.children {
			w.newline(&f, len(w.stack)-1)
		}
		w.buf = append(w.buf, '<', '/')
		w.buf = append(w.buf, w.names[f.nameOff:f.nameOff+f.nameLen]...)
		w.buf = append(w.buf, '>')
	}
	w.names = w.names[:f.nameOff]
	w.scope.Pop()
	if f.declares {
		w.nsGen++
	}
	return nil
}

// WriteText writes character content; typed values are rendered as
// Value.AppendText renders them. Empty text still ends an open start tag,
// so the element is written <a></a>.
func (w *Writer) WriteText(v xmlnode.Value) error {
	if w.err != nil {
		return w.err
	}
	if w.open {
		w.closeStart()
	}
	w.stack[len(w.stack)-1].mixed = true
	if len(w.buf) == 0 && v.IsText() && bytes.HasPrefix(v.Bytes, bom8) {
		// Text that starts the output with U+FEFF would read back as a
		// byte order mark.
		w.buf = append(w.buf, "&#xFEFF;"...)
		v.Bytes = v.Bytes[len(bom8):]
	}
	return w.appendValue(v, &textEscapes)
}

var bom8 = []byte("\uFEFF")

// WriteComment writes a comment. The text must not contain "--" nor end
// with '-'.
func (w *Writer) WriteComment(text []byte) error {
	if w.err != nil {
		return w.err
	}
	if bytes.Contains(text, []byte("--")) || (len(text) > 0 && text[len(text)-1] == '-') {
		return w.fail("comment text contains \"--\" or ends with '-'")
	}
	if err := w.checkChars(text); err != nil {
		return err
	}
	if w.open {
		w.closeStart()
	}
	parent := &w.stack[len(w.stack)-1]
	if parent.children || len(w.stack) > 1 {
		w.newline(parent, len(w.stack)-1)
	}
	parent.children = true
	w.buf = append(w.buf, "<!--"...)
	w.buf = append(w.buf, text...)
	w.buf = append(w.buf, "-->"...)
	return nil
}

// appendValue writes v escaped with esc.
func (w *Writer) appendValue(v xmlnode.Value, esc *[256]uint8) error {
	switch v.Type {
	case xmlnode.TypeChars, xmlnode.TypeDict:
		return w.appendEscaped(v.Bytes, esc)
	case xmlnode.TypeQName:
		w.tmp = v.AppendText(w.tmp[:0])
		return w.appendEscaped(w.tmp, esc)
	}
	// Numbers, dates, durations, GUIDs and base64 render as ASCII that
	// needs no escaping.
	w.buf = v.AppendText(w.buf)
	return nil
}

// checkChars reports text that is not valid UTF-8 or holds characters XML
// 1.0 does not allow.
func (w *Writer) checkChars(b []byte) error {
	for i := 0; i < len(b); {
		if textEscapes[b[i]] != escCheck {
			i++
			continue
		}
		if b[i] < utf8.RuneSelf {
			return w.illegal(rune(b[i]))
		}
		size, err := w.checkRune(b[i:])
		if err != nil {
			return err
		}
		i += size
	}
	return nil
}

func (w *Writer) illegal(r rune) error {
	return w.fail(fmt.Sprintf("illegal character U+%04X", r))
}

// checkRune validates the non-ASCII UTF-8 sequence at the start of b as an
// XML character and returns its length.
func (w *Writer) checkRune(b []byte) (int, error) {
	if b[0] >= 0xC2 && b[0] < 0xE0 && len(b) > 1 && b[1]&0xC0 == 0x80 {
		return 2, nil
	}
	r, size := utf8.DecodeRune(b)
	if r == utf8.RuneError && size <= 1 {
		return 0, w.fail("invalid UTF-8")
	}
	if !isXMLChar(r) {
		return 0, w.illegal(r)
	}
	return size, nil
}

// Escape tables: 0 copies the byte, escRef writes its reference from
// escapeStrings, escCheck needs checking (a control or non-ASCII byte).
const (
	escRef   = 1
	escCheck = 2
)

var (
	textEscapes = escapeTable("&<>\r")
	attrEscapes = escapeTable("&<>\"\t\n\r")
)

var escapeStrings = [256]string{'&': "&amp;", '<': "&lt;", '>': "&gt;", '"': "&quot;", '\t': "&#x9;", '\n': "&#xA;", '\r': "&#xD;"}

func escapeTable(chars string) (t [256]uint8) {
	for c := range 256 {
		if c >= utf8.RuneSelf || isControl(byte(c)) {
			t[c] = escCheck
		}
	}
	for i := 0; i < len(chars); i++ {
		t[chars[i]] = escRef
	}
	return
}

// appendEscaped appends b to the output, replacing the bytes esc marks by
// their references, and reports bytes that are not valid XML characters.
func (w *Writer) appendEscaped(b []byte, esc *[256]uint8) error {
	dst := w.buf
	run := 0
	for i := 0; i < len(b); {
		for i < len(b) && esc[b[i]] == 0 {
			i++
		}
		if i == len(b) {
			break
		}
		c := b[i]
		switch esc[c] {
		case escRef:
			dst = append(dst, b[run:i]...)
			dst = append(dst, escapeStrings[c]...)
			i++
			run = i
		default:
			if c < utf8.RuneSelf {
				return w.illegal(rune(c))
			}
			size, err := w.checkRune(b[i:])
			if err != nil {
				return err
			}
			i += size
		}
	}
	w.buf = append(dst, b[run:]...)
	return nil
}
