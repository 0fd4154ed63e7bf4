package xmltext

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"io"
	"slices"
	"unicode/utf8"

	"github.com/wwsgo/wws/xmlnode"
)

// ReaderOptions configure a Reader.
type ReaderOptions struct {
	// Quotas bound what the Reader accepts; zero fields take the defaults
	// of xmlnode.Quotas.WithDefaults. A violation is an *xmlnode.Error
	// wrapping xmlnode.ErrQuotaExceeded.
	Quotas xmlnode.Quotas

	// Fragment makes the Reader accept any number of top-level elements
	// and top-level text, as in a SOAP body read on its own. Otherwise the
	// input must be a document: exactly one root element, with only white
	// space, comments, processing instructions and the XML declaration
	// around it.
	Fragment bool

	// Charset forces the input charset; CharsetAuto (the zero value)
	// detects it.
	Charset Charset
}

// A Reader reads XML text from a byte slice, one xmlnode.Node at a time.
// It implements xmlnode.Reader.
//
// Nodes are views: the *Node returned by Next, and every slice in it, stay
// valid only until the following call to Next (or Reset). Names and text
// that need no rewriting point into the input (into the Reader's UTF-8 copy
// of UTF-16 input); expanded references and normalized line ends live in a
// scratch buffer the Reader reuses.
//
// The Reader yields a start and an end element for every element (both for
// an empty-element tag <a/>), text, and comments (outside the root element
// too). Text is never empty, and a run of text between markup is one node.
// It skips processing
// instructions and the XML declaration, and outside the root element of a
// document (not a fragment) it skips white space. A CDATA section is
// yielded as a text node of its own, never merged with the text around it;
// an empty CDATA section yields nothing. Namespace declarations are
// reported among a start element's attributes as xmlnode.Attr describes.
//
// Offsets, in errors and from Offset, count bytes of the input as given,
// byte order mark included, when it is UTF-8. UTF-16 input is transcoded
// once, up front, into UTF-8 held by the Reader; offsets then count bytes of
// that UTF-8 text (which has no byte order mark), except for an error in the
// UTF-16 itself (an unpaired surrogate), whose offset counts bytes of the
// input as given.
//
// A Reader is not safe for concurrent use.
type Reader struct {
	opts ReaderOptions
	q    xmlnode.Quotas

	in       []byte // the input as given
	src      []byte // the UTF-8 text being parsed: in, or u8
	u8       []byte // transcoding buffer for UTF-16 input
	docStart int    // offset of the first byte after the byte order mark
	pos      int    // offset of the next unread byte in src

	started    bool  // the input has been checked and transcoded
	rootDone   bool  // the root element has ended (documents only)
	pendingEnd bool  // an empty-element tag's end is yet to be yielded
	popPending bool  // the innermost element ended; pop it on the next call
	err        error // sticky: the error or io.EOF already returned

	node    xmlnode.Node
	attrs   []xmlnode.Attr
	attrOff []int // offset of each attribute's name, for errors
	stack   []openElem
	scope   xmlnode.Scope
	scratch []byte // expanded text and attribute values of the current node
	seed    maphash.Seed
	keys    []attrKey // duplicate detection on tags with many attributes

	// A few recent prefix lookups, valid while nsGen is unchanged: nsGen
	// counts changes to the bindings in scope.
	nsGen     uint64
	cache     [4]nsCache
	cacheNext int
}

type openElem struct {
	qname    []byte // prefix:local, a view into src
	colon    int    // index of ':' in qname, or -1
	ns       []byte
	declares bool // the element declares namespaces
}

type nsCache struct {
	gen    uint64 // nsGen of the entry; 0 is never valid
	prefix []byte
	ns     []byte
}

type attrKey struct {
	h uint64
	i int
}

var _ xmlnode.Reader = (*Reader)(nil)

// NewReader returns a Reader that reads data. The Reader does not copy
// data, which must not change while the Reader uses it.
func NewReader(data []byte, opts ReaderOptions) *Reader {
	r := &Reader{opts: opts, q: opts.Quotas.WithDefaults()}
	r.Reset(data)
	return r
}

// Reset makes r read data from the start, with the same options, keeping
// the buffers it has grown.
func (r *Reader) Reset(data []byte) {
	r.in = data
	r.src = nil
	r.docStart = 0
	r.pos = 0
	r.started = false
	r.rootDone = false
	r.pendingEnd = false
	r.popPending = false
	r.err = nil
	r.node = xmlnode.Node{}
	r.attrs = r.attrs[:0]
	r.stack = r.stack[:0]
	r.scope.Reset()
	r.scratch = r.scratch[:0]
	r.nsGen++
}

var _ xmlnode.NamespaceResolver = (*Reader)(nil)

// LookupNamespace returns the namespace bound to prefix in the scope of the
// node Next returned last (for an end element, the scope of the element
// ending), for reading QName values such as "s:Sender" or an xsi:type. The
// empty prefix gives the default namespace (nil if there is none); xml and
// xmlns are always bound. The slice is valid until the next call to Next.
func (r *Reader) LookupNamespace(prefix []byte) ([]byte, bool) {
	return r.scope.Lookup(prefix)
}

// Offset returns the offset of the next unread byte (see Reader for what
// offsets count).
func (r *Reader) Offset() int64 { return int64(r.pos) }

// Next returns the next node, or io.EOF after the last one. Errors in the
// input are *xmlnode.Error values with Encoding "xml". After an error or
// io.EOF, Next keeps returning it.
func (r *Reader) Next() (*xmlnode.Node, error) {
	if r.err != nil {
		return nil, r.err
	}
	if r.popPending {
		r.popPending = false
		if r.stack[len(r.stack)-1].declares {
			r.nsGen++
		}
		r.stack = r.stack[:len(r.stack)-1]
		r.scope.Pop()
	}
	r.scratch = r.scratch[:0]
	if r.pendingEnd {
		r.pendingEnd = false
		return r.endNode(), nil
	}
	if !r.started {
		if err := r.begin(); err != nil {
			r.err = err
			return nil, err
		}
	}
	n, err := r.next()
	if err != nil {
		r.err = err
		return nil, err
	}
	return n, nil
}

// begin checks the input size and charset, transcoding UTF-16 to UTF-8.
func (r *Reader) begin() error {
	r.started = true
	data := r.in
	if r.q.MaxBytes > 0 && len(data) > r.q.MaxBytes {
		return r.quota(r.q.MaxBytes, "input of %d bytes exceeds MaxBytes (%d)", len(data), r.q.MaxBytes)
	}
	cs := r.opts.Charset
	bom := 0
	if cs == CharsetAuto {
		cs, bom = detectCharset(data)
	} else {
		bom = bomLen(data, cs)
	}
	if cs == UTF8 {
		r.src = data
		r.docStart = bom
		r.pos = bom
		return nil
	}
	u8, off, ok := utf16ToUTF8(r.u8[:0], data[bom:], cs == UTF16BE)
	r.u8 = u8
	if !ok {
		return r.errorf(bom+off, "malformed UTF-16")
	}
	r.src = u8
	return nil
}

func (r *Reader) errorf(off int, format string, args ...any) error {
	return &xmlnode.Error{Encoding: "xml", Offset: int64(off), Msg: fmt.Sprintf(format, args...)}
}

func (r *Reader) quota(off int, format string, args ...any) error {
	return &xmlnode.Error{Encoding: "xml", Offset: int64(off), Msg: fmt.Sprintf(format, args...), Err: xmlnode.ErrQuotaExceeded}
}

// next parses from r.pos up to the next node to yield.
func (r *Reader) next() (*xmlnode.Node, error) {
	src := r.src
	for {
		p := r.pos
		if p >= len(src) {
			return nil, r.atEOF()
		}
		if src[p] != '<' {
			n, err := r.text(p)
			if n == nil && err == nil {
				continue // white space outside the root
			}
			return n, err
		}
		if p+1 >= len(src) {
			return nil, r.errorf(p, "unexpected end of input after '<'")
		}
		switch src[p+1] {
		case '/':
			return r.endTag(p)
		case '?':
			if err := r.procInst(p); err != nil {
				return nil, err
			}
		case '!':
			rest := src[p:]
			switch {
			case bytes.HasPrefix(rest, []byte("<!--")):
				return r.comment(p)
			case bytes.HasPrefix(rest, []byte("<![CDATA[")):
				n, err := r.cdata(p)
				if n == nil && err == nil {
					continue // empty section
				}
				return n, err
			case bytes.HasPrefix(rest, []byte("<!DOCTYPE")):
				return nil, r.errorf(p, "DOCTYPE is not allowed (DTDs are not processed)")
			}
			return nil, r.errorf(p, "invalid markup after '<!'")
		default:
			return r.startTag(p)
		}
	}
}

func (r *Reader) atEOF() error {
	if n := len(r.stack); n > 0 {
		return r.errorf(len(r.src), "unexpected end of input: element <%s> is not closed", r.stack[n-1].qname)
	}
	if !r.opts.Fragment && !r.rootDone {
		return r.errorf(len(r.src), "missing root element")
	}
	return io.EOF
}

// checkRune validates the UTF-8 sequence at src[p] (a non-ASCII byte) as an
// XML character and returns its length.
func (r *Reader) checkRune(p int) (int, error) {
	src := r.src
	c := src[p]
	if c >= 0xC2 && c < 0xE0 && p+1 < len(src) && src[p+1]&0xC0 == 0x80 {
		return 2, nil // U+0080–U+07FF, all legal
	}
	ch, size := utf8.DecodeRune(src[p:])
	if ch == utf8.RuneError && size <= 1 {
		return 0, r.errorf(p, "invalid UTF-8")
	}
	if !isXMLChar(ch) {
		return 0, r.errorf(p, "illegal character U+%04X", ch)
	}
	return size, nil
}

func (r *Reader) illegal(p int) error {
	return r.errorf(p, "illegal character U+%04X", r.src[p])
}

var textSpecial = specialTable("<&\r>")

// text reads character data starting at src[start]. Outside the root of a
// document it only checks that the text is white space, and returns no node.
func (r *Reader) text(start int) (*xmlnode.Node, error) {
	src := r.src
	p := start
	base := len(r.scratch)
	copied := false // the value is being built in r.scratch
	run := start    // start of the input not yet copied to r.scratch
	for {
		p = skipPlainText(src, p)
		if p >= len(src) {
			break
		}
		c := src[p]
		if c == '<' {
			break
		}
		switch {
		case c == '&':
			r.scratch = append(r.scratch, src[run:p]...)
			copied = true
			np, err := r.reference(p)
			if err != nil {
				return nil, err
			}
			p, run = np, np
		case c == '\r':
			r.scratch = append(r.scratch, src[run:p]...)
			r.scratch = append(r.scratch, '\n')
			copied = true
			p++
			if p < len(src) && src[p] == '\n' {
				p++
			}
			run = p
		case c == '>':
			if p-start >= 2 && src[p-1] == ']' && src[p-2] == ']' {
				return nil, r.errorf(p-2, "']]>' is not allowed in text")
			}
			p++
		case c >= utf8.RuneSelf:
			size, err := r.checkRune(p)
			if err != nil {
				return nil, err
			}
			p += size
		default:
			return nil, r.illegal(p)
		}
	}
	r.pos = p
	depth := len(r.stack)
	if depth == 0 && !r.opts.Fragment {
		for i := start; i < p; i++ {
			if !isSpace(src[i]) {
				if r.rootDone {
					return nil, r.errorf(i, "text after the root element")
				}
				return nil, r.errorf(i, "text outside the root element")
			}
		}
		return nil, nil
	}
	var val []byte
	if copied {
		r.scratch = append(r.scratch, src[run:p]...)
		val = r.scratch[base:]
	} else {
		val = src[start:p]
	}
	if r.q.MaxStringLength > 0 && len(val) > r.q.MaxStringLength {
		return nil, r.quota(start, "text of %d bytes exceeds MaxStringLength (%d)", len(val), r.q.MaxStringLength)
	}
	return r.setValue(xmlnode.KindText, val, depth), nil
}

// setValue makes r.node a text or comment node. The node is set field by
// field: assigning a whole Node literal costs a bulk copy with write
// barrier checks, a fifth of the time of a read.
func (r *Reader) setValue(kind xmlnode.Kind, val []byte, depth int) *xmlnode.Node {
	n := &r.node
	n.Kind = kind
	n.Prefix, n.Local, n.NS, n.Attrs = nil, nil, nil, nil
	n.Value.Type, n.Value.Bytes, n.Value.Num, n.Value.Hi = xmlnode.TypeChars, val, 0, 0
	n.Depth = depth
	return n
}

// setElement makes r.node a start or end element node.
func (r *Reader) setElement(kind xmlnode.Kind, prefix, local, ns []byte, attrs []xmlnode.Attr, depth int) *xmlnode.Node {
	n := &r.node
	n.Kind = kind
	n.Prefix, n.Local, n.NS, n.Attrs = prefix, local, ns, attrs
	n.Value.Type, n.Value.Bytes, n.Value.Num, n.Value.Hi = xmlnode.TypeChars, nil, 0, 0
	n.Depth = depth
	return n
}

// skipPlainText returns the offset of the first byte from src[p] on that
// textSpecial marks, or len(src). It tests eight bytes at a time while none
// of them is a control character, non-ASCII, '<', '&' or '>'.
func skipPlainText(src []byte, p int) int {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	for {
		for p+8 <= len(src) {
			w := binary.LittleEndian.Uint64(src[p:])
			lt, amp, gt := w^(ones*'<'), w^(ones*'&'), w^(ones*'>')
			// A byte below 0x20, and (then) a zero byte in lt, amp or gt,
			// sets the high bit of its lane; so does a non-ASCII byte.
			t := (w - ones*0x20) | (lt-ones)&^lt | (amp-ones)&^amp | (gt-ones)&^gt
			if (t|w)&highs != 0 {
				break
			}
			p += 8
		}
		// Byte by byte through the word that stopped the fast loop; tab and
		// line feed stop it but are plain.
		end := min(p+8, len(src))
		for p < end && !textSpecial[src[p]] {
			p++
		}
		if p < end || p == len(src) {
			return p
		}
	}
}

// reference expands the entity or character reference at src[p] ('&')
// into r.scratch and returns the offset after it.
func (r *Reader) reference(p int) (int, error) {
	src := r.src
	rest := src[p+1:]
	if len(rest) >= 3 && rest[0] == '#' {
		v, n := rune(0), 1
		hex := rest[1] == 'x'
		if hex {
			n = 2
		}
	digits:
		for ; n < len(rest) && v <= utf8.MaxRune; n++ {
			c := rest[n]
			switch {
			case c >= '0' && c <= '9':
				if hex {
					v = v<<4 | rune(c-'0')
				} else {
					v = v*10 + rune(c-'0')
				}
			case hex && c|0x20 >= 'a' && c|0x20 <= 'f':
				v = v<<4 | rune(c|0x20-'a'+10)
			default:
				break digits
			}
		}
		digits := n - 1
		if hex {
			digits--
		}
		if v > utf8.MaxRune {
			return 0, r.errorf(p, "character reference out of range")
		}
		if digits == 0 || n >= len(rest) || rest[n] != ';' {
			return 0, r.errorf(p, "malformed character reference")
		}
		if !isXMLChar(v) {
			return 0, r.errorf(p, "character reference to illegal character %s", src[p:p+2+n])
		}
		r.scratch = utf8.AppendRune(r.scratch, v)
		return p + 2 + n, nil
	}
	var c byte
	n := 0
	switch {
	case bytes.HasPrefix(rest, []byte("lt;")):
		c, n = '<', 4
	case bytes.HasPrefix(rest, []byte("gt;")):
		c, n = '>', 4
	case bytes.HasPrefix(rest, []byte("amp;")):
		c, n = '&', 5
	case bytes.HasPrefix(rest, []byte("quot;")):
		c, n = '"', 6
	case bytes.HasPrefix(rest, []byte("apos;")):
		c, n = '\'', 6
	default:
		end, _, err := r.qname(p + 1)
		if err != nil || end >= len(src) || src[end] != ';' {
			return 0, r.errorf(p, "malformed entity reference ('&' must be written &amp;)")
		}
		return 0, r.errorf(p, "undefined entity &%s; (only the five predefined entities are allowed)", src[p+1:end])
	}
	r.scratch = append(r.scratch, c)
	return p + n, nil
}

// qname scans a name with at most one colon, whose parts are NCNames, at
// src[p]. It returns the offset after the name and the offset of its colon
// (-1 for none). A non-ASCII character that cannot be part of a name ends
// it, as any other byte does; the caller reports what follows.
func (r *Reader) qname(p int) (end, colon int, err error) {
	// Fast path: ASCII names, ended by an ASCII byte.
	src := r.src
	start := p
	colon = -1
	if p < len(src) && asciiClass[src[p]]&cNameStart != 0 {
		p++
		for p < len(src) && asciiClass[src[p]]&cName != 0 {
			p++
		}
		if p < len(src) && src[p] == ':' {
			colon = p
			p++
			if p < len(src) && asciiClass[src[p]]&cNameStart != 0 {
				p++
				for p < len(src) && asciiClass[src[p]]&cName != 0 {
					p++
				}
			} else {
				return r.qnameSlow(start)
			}
		}
		if (p >= len(src) || src[p] < utf8.RuneSelf && src[p] != ':') &&
			(r.q.MaxStringLength == 0 || p-start <= r.q.MaxStringLength) {
			return p, colon, nil
		}
	}
	return r.qnameSlow(start)
}

// qnameSlow is qname for any name, and reports what is wrong with one.
func (r *Reader) qnameSlow(p int) (end, colon int, err error) {
	src := r.src
	start := p
	colon = -1
	partStart := true
	for p < len(src) {
		c := src[p]
		cl := asciiClass[c]
		if cl&cName != 0 {
			if partStart && cl&cNameStart == 0 {
				return 0, 0, r.errorf(p, "invalid name: %q may not start a name", c)
			}
			partStart = false
			p++
			continue
		}
		if c == ':' {
			if partStart || colon >= 0 {
				return 0, 0, r.errorf(p, "invalid name: misplaced ':'")
			}
			colon = p
			partStart = true
			p++
			continue
		}
		if c < utf8.RuneSelf {
			break
		}
		ch, size := utf8.DecodeRune(src[p:])
		if ch == utf8.RuneError && size <= 1 {
			return 0, 0, r.errorf(p, "invalid UTF-8")
		}
		if partStart && !isNameStartRune(ch) || !isNameRune(ch) {
			if !isXMLChar(ch) {
				return 0, 0, r.errorf(p, "illegal character U+%04X", ch)
			}
			break
		}
		partStart = false
		p += size
	}
	if partStart {
		if p == start {
			if p >= len(src) {
				return 0, 0, r.errorf(p, "unexpected end of input, expected a name")
			}
			return 0, 0, r.errorf(p, "expected a name")
		}
		return 0, 0, r.errorf(p, "invalid name: ends with ':'")
	}
	if r.q.MaxStringLength > 0 && p-start > r.q.MaxStringLength {
		return 0, 0, r.quota(start, "name of %d bytes exceeds MaxStringLength (%d)", p-start, r.q.MaxStringLength)
	}
	return p, colon, nil
}

func (r *Reader) skipSpace(p int) int {
	src := r.src
	for p < len(src) && asciiClass[src[p]]&cSpace != 0 {
		p++
	}
	return p
}

var attrSpecial = specialTable("\"'<&\t\n\r")

// attrValue reads an attribute value that starts at src[p], after the
// opening quote q, normalizing white space as XML 1.0 requires for CDATA
// attributes. It returns the value and the offset after the closing quote.
func (r *Reader) attrValue(p int, q byte) ([]byte, int, error) {
	src := r.src
	start := p
	base := len(r.scratch)
	copied := false
	run := p
	for {
		for p < len(src) && !attrSpecial[src[p]] {
			p++
		}
		if p >= len(src) {
			return nil, 0, r.errorf(start-1, "unterminated attribute value")
		}
		c := src[p]
		switch {
		case c == q:
			var val []byte
			if copied {
				r.scratch = append(r.scratch, src[run:p]...)
				val = r.scratch[base:]
			} else {
				val = src[start:p]
			}
			if r.q.MaxStringLength > 0 && len(val) > r.q.MaxStringLength {
				return nil, 0, r.quota(start, "attribute value of %d bytes exceeds MaxStringLength (%d)", len(val), r.q.MaxStringLength)
			}
			return val, p + 1, nil
		case c == '"' || c == '\'':
			p++
		case c == '<':
			return nil, 0, r.errorf(p, "'<' in attribute value")
		case c == '&':
			r.scratch = append(r.scratch, src[run:p]...)
			copied = true
			np, err := r.reference(p)
			if err != nil {
				return nil, 0, err
			}
			p, run = np, np
		case c == '\t' || c == '\n' || c == '\r':
			r.scratch = append(r.scratch, src[run:p]...)
			r.scratch = append(r.scratch, ' ')
			copied = true
			p++
			if c == '\r' && p < len(src) && src[p] == '\n' {
				p++
			}
			run = p
		case c >= utf8.RuneSelf:
			size, err := r.checkRune(p)
			if err != nil {
				return nil, 0, err
			}
			p += size
		default:
			return nil, 0, r.illegal(p)
		}
	}
}

// startTag reads the start tag at src[lt] ('<').
func (r *Reader) startTag(lt int) (*xmlnode.Node, error) {
	src := r.src
	if len(r.stack) == 0 && r.rootDone {
		return nil, r.errorf(lt, "element after the root element")
	}
	if len(r.stack) >= r.q.MaxDepth {
		return nil, r.quota(lt, "element depth exceeds MaxDepth (%d)", r.q.MaxDepth)
	}
	nameEnd, colon, err := r.qname(lt + 1)
	if err != nil {
		return nil, err
	}
	p := nameEnd
	attrs := r.attrs[:0]
	offs := r.attrOff[:0]
	empty := false
	for {
		ws := p
		p = r.skipSpace(p)
		if p >= len(src) {
			return nil, r.errorf(lt, "unterminated start tag <%s", src[lt+1:nameEnd])
		}
		c := src[p]
		if c == '>' {
			p++
			break
		}
		if c == '/' {
			if p+1 < len(src) && src[p+1] == '>' {
				empty = true
				p += 2
				break
			}
			return nil, r.errorf(p, "expected '>' after '/' in start tag")
		}
		if p == ws {
			return nil, r.unexpected(p, "in start tag")
		}
		if len(attrs) >= r.q.MaxAttributes {
			return nil, r.quota(p, "element <%s> has more than MaxAttributes (%d) attributes", src[lt+1:nameEnd], r.q.MaxAttributes)
		}
		aStart := p
		aEnd, aColon, err := r.qname(p)
		if err != nil {
			return nil, err
		}
		p = r.skipSpace(aEnd)
		if p >= len(src) || src[p] != '=' {
			return nil, r.unexpected(p, "after attribute name, expected '='")
		}
		p = r.skipSpace(p + 1)
		if p >= len(src) || (src[p] != '"' && src[p] != '\'') {
			return nil, r.unexpected(p, "expected a quoted attribute value")
		}
		val, np, err := r.attrValue(p+1, src[p])
		if err != nil {
			return nil, err
		}
		p = np
		// Grow and set field by field (see setValue).
		if len(attrs) < cap(attrs) {
			attrs = attrs[:len(attrs)+1]
		} else {
			attrs = append(attrs, xmlnode.Attr{})
		}
		a := &attrs[len(attrs)-1]
		a.Prefix, a.Local, a.NS = nil, src[aStart:aEnd:aEnd], nil
		if aColon >= 0 {
			a.Prefix, a.Local = src[aStart:aColon:aColon], src[aColon+1:aEnd:aEnd]
		}
		a.Value.Type, a.Value.Bytes, a.Value.Num, a.Value.Hi = xmlnode.TypeChars, val, 0, 0
		offs = append(offs, aStart)
	}
	r.attrs, r.attrOff = attrs, offs
	r.pos = p

	// Namespaces: declarations first, then the names that use them.
	r.scope.Push()
	declares := false
	for i := range attrs {
		a := &attrs[i]
		if !a.IsXmlns() {
			continue
		}
		a.NS = xmlnsNS
		if err := r.declare(a.DeclaredPrefix(), a.Value.Bytes, offs[i]); err != nil {
			return nil, err
		}
		declares = true
	}
	if declares {
		r.nsGen++
		if r.scope.Len() > r.q.MaxNamespaces {
			return nil, r.quota(lt, "more than MaxNamespaces (%d) namespace bindings in scope", r.q.MaxNamespaces)
		}
	}
	qn := src[lt+1 : nameEnd : nameEnd]
	var prefix, local []byte = nil, qn
	if colon >= 0 {
		colon -= lt + 1
		prefix, local = qn[:colon:colon], qn[colon+1:]
		if string(prefix) == "xmlns" {
			return nil, r.errorf(lt+1, "element name <%s> uses the reserved prefix xmlns", qn)
		}
	}
	var ns []byte
	if n := len(r.stack); n > 0 && !declares && r.stack[n-1].colon == colon && eqShort(r.stack[n-1].qname[:max(colon, 0)], prefix) {
		// Same prefix as the parent, same bindings: same namespace.
		ns = r.stack[n-1].ns
	} else {
		var ok bool
		if ns, ok = r.lookup(prefix); !ok {
			return nil, r.errorf(lt+1, "undeclared namespace prefix %q", prefix)
		}
	}
	for i := range attrs {
		a := &attrs[i]
		if len(a.Prefix) == 0 || a.NS != nil {
			continue // no namespace, or a declaration
		}
		ns, ok := r.lookup(a.Prefix)
		if !ok {
			return nil, r.errorf(offs[i], "undeclared namespace prefix %q", a.Prefix)
		}
		a.NS = ns
	}
	if err := r.checkDuplicates(attrs); err != nil {
		return nil, err
	}
	// Grow the stack and set the fields one by one, which is cheaper than
	// appending a struct that holds pointers.
	if len(r.stack) < cap(r.stack) {
		r.stack = r.stack[:len(r.stack)+1]
	} else {
		r.stack = append(r.stack, openElem{})
	}
	e := &r.stack[len(r.stack)-1]
	e.qname, e.colon, e.ns, e.declares = qn, colon, ns, declares
	r.pendingEnd = empty
	return r.setElement(xmlnode.KindStartElement, prefix, local, ns, attrs, len(r.stack)), nil
}

// lookup resolves a prefix through a small cache in front of r.scope.
func (r *Reader) lookup(prefix []byte) ([]byte, bool) {
	for i := range r.cache {
		c := &r.cache[i]
		if c.gen == r.nsGen && eqShort(c.prefix, prefix) {
			return c.ns, true
		}
	}
	ns, ok := r.scope.Lookup(prefix)
	if ok {
		c := &r.cache[r.cacheNext]
		r.cacheNext = (r.cacheNext + 1) % len(r.cache)
		c.gen, c.prefix, c.ns = r.nsGen, prefix, ns
	}
	return ns, ok
}

// eqShort is bytes.Equal for short slices such as prefixes, without the
// call to the runtime's memequal.
func eqShort(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// unexpected reports the byte at src[p] (or the end of input) as out of place.
func (r *Reader) unexpected(p int, where string) error {
	if p >= len(r.src) {
		return r.errorf(p, "unexpected end of input %s", where)
	}
	c := r.src[p]
	if c >= utf8.RuneSelf {
		if _, err := r.checkRune(p); err != nil {
			return err
		}
		ch, _ := utf8.DecodeRune(r.src[p:])
		return r.errorf(p, "unexpected character %q %s", ch, where)
	}
	if isControl(c) {
		return r.illegal(p)
	}
	return r.errorf(p, "unexpected %q %s", c, where)
}

// declare binds prefix to ns in the innermost scope, enforcing the rules of
// Namespaces in XML 1.0 for the reserved prefixes and names.
func (r *Reader) declare(prefix, ns []byte, off int) error {
	switch {
	case string(prefix) == "xmlns":
		return r.errorf(off, "the prefix xmlns must not be declared")
	case string(prefix) == "xml":
		if !bytes.Equal(ns, xmlNS) {
			return r.errorf(off, "the prefix xml must be bound to %s", xmlnode.NamespaceXML)
		}
	case bytes.Equal(ns, xmlNS) || bytes.Equal(ns, xmlnsNS):
		return r.errorf(off, "namespace %s must not be declared", ns)
	case len(prefix) > 0 && len(ns) == 0:
		return r.errorf(off, "prefix %q cannot be undeclared (xmlns:%s=\"\")", prefix, prefix)
	}
	r.scope.Declare(prefix, ns)
	return nil
}

// checkDuplicates reports two attributes with the same local name and
// namespace. Short lists are compared pairwise; long ones by sorted hashes,
// so a tag with many attributes costs O(n log n).
func (r *Reader) checkDuplicates(attrs []xmlnode.Attr) error {
	if len(attrs) <= 16 {
		for i := 1; i < len(attrs); i++ {
			for j := 0; j < i; j++ {
				if sameName(&attrs[i], &attrs[j]) {
					return r.duplicate(i)
				}
			}
		}
		return nil
	}
	if r.seed == (maphash.Seed{}) {
		r.seed = maphash.MakeSeed()
	}
	keys := r.keys[:0]
	for i := range attrs {
		var h maphash.Hash
		h.SetSeed(r.seed)
		h.Write(attrs[i].NS)
		h.WriteByte(0)
		h.Write(attrs[i].Local)
		keys = append(keys, attrKey{h.Sum64(), i})
	}
	slices.SortFunc(keys, func(a, b attrKey) int { return cmp.Compare(a.h, b.h) })
	r.keys = keys
	for i := 1; i < len(keys); i++ {
		for j := i - 1; j >= 0 && keys[j].h == keys[i].h; j-- {
			if sameName(&attrs[keys[i].i], &attrs[keys[j].i]) {
				return r.duplicate(max(keys[i].i, keys[j].i))
			}
		}
	}
	return nil
}

func sameName(a, b *xmlnode.Attr) bool {
	return bytes.Equal(a.Local, b.Local) && bytes.Equal(a.NS, b.NS)
}

func (r *Reader) duplicate(i int) error {
	a := &r.attrs[i]
	if len(a.NS) > 0 {
		return r.errorf(r.attrOff[i], "duplicate attribute {%s}%s", a.NS, a.Local)
	}
	return r.errorf(r.attrOff[i], "duplicate attribute %s", a.Local)
}

// endTag reads the end tag at src[lt] ('<').
func (r *Reader) endTag(lt int) (*xmlnode.Node, error) {
	src := r.src
	if n := len(r.stack); n > 0 {
		// Fast path: the name of the innermost element (checked when its
		// start tag was read), then '>'.
		qn := r.stack[n-1].qname
		if end := lt + 2 + len(qn); end < len(src) && src[end] == '>' && bytes.Equal(src[lt+2:end], qn) {
			r.pos = end + 1
			return r.endNode(), nil
		}
	}
	nameEnd, _, err := r.qname(lt + 2)
	if err != nil {
		return nil, err
	}
	p := r.skipSpace(nameEnd)
	if p >= len(src) || src[p] != '>' {
		return nil, r.unexpected(p, "in end tag, expected '>'")
	}
	name := src[lt+2 : nameEnd]
	if len(r.stack) == 0 {
		return nil, r.errorf(lt, "unexpected end tag </%s>", name)
	}
	if top := &r.stack[len(r.stack)-1]; !bytes.Equal(top.qname, name) {
		return nil, r.errorf(lt, "element <%s> closed by </%s>", top.qname, name)
	}
	r.pos = p + 1
	return r.endNode(), nil
}

// endNode yields the end of the innermost element, which is popped on the
// next call so that the names stay valid until then.
func (r *Reader) endNode() *xmlnode.Node {
	e := &r.stack[len(r.stack)-1]
	var prefix, local []byte = nil, e.qname
	if e.colon >= 0 {
		prefix, local = e.qname[:e.colon:e.colon], e.qname[e.colon+1:]
	}
	r.popPending = true
	if len(r.stack) == 1 && !r.opts.Fragment {
		r.rootDone = true
	}
	return r.setElement(xmlnode.KindEndElement, prefix, local, e.ns, nil, len(r.stack))
}

var charSpecial = specialTable("\r")

// chars scans XML characters from src[p] up to the first occurrence of the
// terminator term (which must start with a byte charSpecial does not mark,
// or '\r' never). It normalizes line ends into r.scratch if there are any
// and returns the text and the offset after the terminator; ok is false at
// the end of input. The check callback sees each byte equal to term[0] that
// is not the terminator and returns an error to reject it.
func (r *Reader) chars(p int, term string, check func(p int) error) (val []byte, end int, ok bool, err error) {
	src := r.src
	start := p
	base := len(r.scratch)
	copied := false
	run := p
	t0 := term[0]
	for {
		for p < len(src) && !charSpecial[src[p]] && src[p] != t0 {
			p++
		}
		if p >= len(src) {
			return nil, 0, false, nil
		}
		c := src[p]
		switch {
		case c == t0:
			if bytes.HasPrefix(src[p:], []byte(term)) {
				if copied {
					r.scratch = append(r.scratch, src[run:p]...)
					val = r.scratch[base:]
				} else {
					val = src[start:p]
				}
				return val, p + len(term), true, nil
			}
			if check != nil {
				if err := check(p); err != nil {
					return nil, 0, false, err
				}
			}
			p++
		case c == '\r':
			r.scratch = append(r.scratch, src[run:p]...)
			r.scratch = append(r.scratch, '\n')
			copied = true
			p++
			if p < len(src) && src[p] == '\n' {
				p++
			}
			run = p
		case c >= utf8.RuneSelf:
			size, err := r.checkRune(p)
			if err != nil {
				return nil, 0, false, err
			}
			p += size
		default:
			return nil, 0, false, r.illegal(p)
		}
	}
}

// comment reads the comment at src[lt] ("<!--").
func (r *Reader) comment(lt int) (*xmlnode.Node, error) {
	val, end, ok, err := r.chars(lt+4, "-->", r.checkCommentDash)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, r.errorf(lt, "unterminated comment")
	}
	if r.q.MaxStringLength > 0 && len(val) > r.q.MaxStringLength {
		return nil, r.quota(lt, "comment of %d bytes exceeds MaxStringLength (%d)", len(val), r.q.MaxStringLength)
	}
	r.pos = end
	return r.setValue(xmlnode.KindComment, val, len(r.stack)), nil
}

func (r *Reader) checkCommentDash(p int) error {
	if p+1 < len(r.src) && r.src[p+1] == '-' {
		return r.errorf(p, "'--' is not allowed in a comment")
	}
	return nil
}

// cdata reads the CDATA section at src[lt] ("<![CDATA["). An empty section
// yields no node.
func (r *Reader) cdata(lt int) (*xmlnode.Node, error) {
	if len(r.stack) == 0 && !r.opts.Fragment {
		return nil, r.errorf(lt, "CDATA section outside the root element")
	}
	val, end, ok, err := r.chars(lt+9, "]]>", nil)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, r.errorf(lt, "unterminated CDATA section")
	}
	if r.q.MaxStringLength > 0 && len(val) > r.q.MaxStringLength {
		return nil, r.quota(lt, "CDATA section of %d bytes exceeds MaxStringLength (%d)", len(val), r.q.MaxStringLength)
	}
	r.pos = end
	if len(val) == 0 {
		return nil, nil
	}
	return r.setValue(xmlnode.KindText, val, len(r.stack)), nil
}

// procInst skips the processing instruction or XML declaration at src[lt].
func (r *Reader) procInst(lt int) error {
	src := r.src
	end, colon, err := r.qname(lt + 2)
	if err != nil {
		return err
	}
	target := src[lt+2 : end]
	if colon >= 0 {
		return r.errorf(lt+2, "processing instruction target %s contains ':'", target)
	}
	if len(target) == 3 && target[0]|0x20 == 'x' && target[1]|0x20 == 'm' && target[2]|0x20 == 'l' {
		if string(target) != "xml" || lt != r.docStart {
			return r.errorf(lt, "the XML declaration is allowed only at the start of the input")
		}
		return r.xmlDecl(end)
	}
	p := end
	if !bytes.HasPrefix(src[p:], []byte("?>")) {
		if p >= len(src) || !isSpace(src[p]) {
			return r.unexpected(p, "after processing instruction target")
		}
	}
	val, end, ok, err := r.chars(p, "?>", nil)
	if err != nil {
		return err
	}
	if !ok {
		return r.errorf(lt, "unterminated processing instruction")
	}
	if r.q.MaxStringLength > 0 && len(val) > r.q.MaxStringLength {
		return r.quota(lt, "processing instruction of %d bytes exceeds MaxStringLength (%d)", len(val), r.q.MaxStringLength)
	}
	r.pos = end
	return nil
}

// xmlDecl checks the XML declaration whose "<?xml" ends at src[p]:
// version, then optionally encoding and standalone, in that order. The
// encoding it names is not used (see CharsetAuto).
func (r *Reader) xmlDecl(p int) error {
	src := r.src
	names := [...]string{"version", "encoding", "standalone"}
	next := 0
	for {
		q := r.skipSpace(p)
		if bytes.HasPrefix(src[q:], []byte("?>")) {
			if next == 0 {
				return r.errorf(q, "XML declaration without version")
			}
			r.pos = q + 2
			return nil
		}
		if q == p {
			return r.unexpected(q, "in XML declaration")
		}
		p = q
		i := next
		for i < len(names) && !bytes.HasPrefix(src[p:], []byte(names[i])) {
			i++
		}
		if i == len(names) || (next == 0 && i != 0) {
			return r.unexpected(p, "in XML declaration")
		}
		next = i + 1
		p = r.skipSpace(p + len(names[i]))
		if p >= len(src) || src[p] != '=' {
			return r.unexpected(p, "in XML declaration, expected '='")
		}
		p = r.skipSpace(p + 1)
		if p >= len(src) || (src[p] != '"' && src[p] != '\'') {
			return r.unexpected(p, "in XML declaration, expected a quoted value")
		}
		q = bytes.IndexByte(src[p+1:], src[p])
		if q < 0 {
			return r.errorf(p, "unterminated value in XML declaration")
		}
		val := src[p+1 : p+1+q]
		var valid bool
		switch i {
		case 0:
			valid = len(val) >= 3 && val[0] == '1' && val[1] == '.' && allBytes(val[2:], func(c byte) bool { return c >= '0' && c <= '9' })
		case 1:
			valid = len(val) > 0 && asciiClass[val[0]]&cNameStart != 0 && val[0] != '_' && allBytes(val, func(c byte) bool { return asciiClass[c]&cName != 0 })
		case 2:
			valid = string(val) == "yes" || string(val) == "no"
		}
		if !valid {
			return r.errorf(p+1, "invalid %s %q in XML declaration", names[i], val)
		}
		p += q + 2
	}
}

func allBytes(b []byte, f func(byte) bool) bool {
	for _, c := range b {
		if !f(c) {
			return false
		}
	}
	return true
}
