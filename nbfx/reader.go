package nbfx

import (
	"encoding/binary"
	"fmt"
	"io"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/wwsgo/wws/xmlnode"
)

// Reader decodes one [MC-NBFX] document held in memory. It implements
// xmlnode.Reader: nodes, names and values are views into the document, the
// dictionaries or the reader's own buffers, valid until the next call to Next.
//
// Dictionary references with even ids resolve against the [MC-NBFS] static
// dictionary, odd ids against the SessionDictionary given (none: an error).
type Reader struct {
	data []byte
	pos  int
	base int64 // added to offsets in errors
	dict *SessionDictionary
	q    xmlnode.Quotas

	node    xmlnode.Node
	attrs   []xmlnode.Attr
	scope   xmlnode.Scope
	stack   []openElem
	scratch []byte

	endPending bool // a *WithEndElement text record was returned; its end comes next

	// Array record state.
	arrLeft  int   // items still to yield
	arrPhase uint8 // 0 start, 1 text, 2 end
	arrType  byte  // value record type (WithEndElement form)
	arrStart xmlnode.Node
	arrAttrs []xmlnode.Attr
}

type openElem struct {
	prefix, local, ns []byte
	mark              int // the scope's bindings before this element's declarations
}

// NewReader returns a reader of data. dict may be nil when the document uses
// no session strings.
func NewReader(data []byte, dict *SessionDictionary, q xmlnode.Quotas) *Reader {
	r := &Reader{}
	r.q = q.WithDefaults()
	r.dict = dict
	r.Reset(data)
	return r
}

// Reset makes the reader read data from the start, keeping its dictionary,
// quotas and buffers.
func (r *Reader) Reset(data []byte) {
	r.data = data
	r.pos = 0
	r.base = 0
	r.scope.Reset()
	r.stack = r.stack[:0]
	r.endPending = false
	r.arrLeft = 0
	r.arrPhase = 0
	r.scratch = r.scratch[:0]
}

// SetDictionary sets the session dictionary that odd ids refer to.
func (r *Reader) SetDictionary(d *SessionDictionary) { r.dict = d }

// SetQuotas sets the quotas for what is read from now on.
func (r *Reader) SetQuotas(q xmlnode.Quotas) { r.q = q.WithDefaults() }

// SetBaseOffset sets what is added to offsets reported in errors, for a
// document that starts inside a larger stream.
func (r *Reader) SetBaseOffset(off int64) { r.base = off }

// Offset returns the offset of the next unread byte.
func (r *Reader) Offset() int64 { return r.base + int64(r.pos) }

// Depth returns the number of open elements.
func (r *Reader) Depth() int { return len(r.stack) }

func (r *Reader) errf(off int, format string, args ...any) error {
	return &xmlnode.Error{Encoding: "nbfx", Offset: r.base + int64(off), Msg: fmt.Sprintf(format, args...)}
}

func (r *Reader) quotaErr(off int, format string, args ...any) error {
	return &xmlnode.Error{Encoding: "nbfx", Offset: r.base + int64(off), Msg: fmt.Sprintf(format, args...), Err: xmlnode.ErrQuotaExceeded}
}

// Next returns the next node, or io.EOF at the end of the document.
func (r *Reader) Next() (*xmlnode.Node, error) {
	if r.pos == 0 && r.q.MaxBytes > 0 && len(r.data) > r.q.MaxBytes {
		return nil, r.quotaErr(0, "document of %d bytes exceeds the %d-byte quota", len(r.data), r.q.MaxBytes)
	}
	if r.endPending {
		r.endPending = false
		return r.endElement(), nil
	}
	if r.arrPhase != 0 || r.arrLeft > 0 {
		return r.nextArrayItem()
	}
	r.scratch = r.scratch[:0]
	if r.pos >= len(r.data) {
		if len(r.stack) > 0 {
			return nil, r.errf(r.pos, "document ends inside element %q (%d open)", r.stack[len(r.stack)-1].local, len(r.stack))
		}
		return nil, io.EOF
	}
	start := r.pos
	t := r.data[r.pos]
	r.pos++
	switch {
	case t == RecordEndElement:
		if len(r.stack) == 0 {
			return nil, r.errf(start, "EndElement record with no open element")
		}
		return r.endElement(), nil
	case t >= RecordShortElement && t < 0x78:
		if err := r.readElement(t, start); err != nil {
			return nil, err
		}
		return &r.node, nil
	case t >= RecordZeroText && t <= RecordQNameDictionaryText+1:
		if t&1 == 1 && len(r.stack) == 0 {
			return nil, r.errf(start, "%s record outside any element", RecordName(t))
		}
		n := &r.node
		n.Kind = xmlnode.KindText
		n.Prefix, n.Local, n.NS, n.Attrs = nil, nil, nil, nil
		n.Depth = len(r.stack)
		if err := r.readValueTo(t&^1, start, &n.Value); err != nil {
			return nil, err
		}
		r.endPending = t&1 == 1
		return &r.node, nil
	case t == RecordComment:
		s, err := r.readString()
		if err != nil {
			return nil, err
		}
		r.setText(xmlnode.KindComment, xmlnode.Chars(s))
		return &r.node, nil
	case t == RecordArray:
		return r.readArray(start)
	case t >= RecordShortAttribute && t < RecordShortElement:
		return nil, r.errf(start, "%s record outside a start tag", RecordName(t))
	}
	return nil, r.errf(start, "reserved record type 0x%02X", t)
}

func (r *Reader) endElement() *xmlnode.Node {
	e := &r.stack[len(r.stack)-1]
	r.setElement(xmlnode.KindEndElement, e.prefix, e.local, e.ns, nil)
	r.scope.Truncate(e.mark)
	r.stack = r.stack[:len(r.stack)-1]
	return &r.node
}

// setElement fills the node field by field (cheaper than assigning a
// whole Node, which clears its Value too).
func (r *Reader) setElement(k xmlnode.Kind, prefix, local, ns []byte, attrs []xmlnode.Attr) {
	n := &r.node
	n.Kind = k
	n.Prefix, n.Local, n.NS = prefix, local, ns
	n.Attrs = attrs
	n.Depth = len(r.stack)
}

// setText fills the node for text or a comment.
func (r *Reader) setText(k xmlnode.Kind, v xmlnode.Value) {
	n := &r.node
	n.Kind = k
	n.Prefix, n.Local, n.NS, n.Attrs = nil, nil, nil, nil
	n.Value = v
	n.Depth = len(r.stack)
}

// letters holds the prefixes a–z as views.
var letters = []byte("abcdefghijklmnopqrstuvwxyz")

func letter(i byte) []byte { return letters[i : i+1 : i+1] }

// readElement reads an element record of type t (already consumed) and its
// attribute records into r.node.
func (r *Reader) readElement(t byte, start int) error {
	var prefix, local []byte
	var err error
	switch {
	case t == RecordShortElement:
		local, err = r.readString()
	case t == RecordElement:
		if prefix, err = r.readString(); err == nil {
			local, err = r.readString()
		}
	case t == RecordShortDictionaryElement:
		local, err = r.readDictString()
	case t == RecordDictionaryElement:
		if prefix, err = r.readString(); err == nil {
			local, err = r.readDictString()
		}
	case t < RecordPrefixElementA:
		prefix = letter(t - RecordPrefixDictionaryElementA)
		local, err = r.readDictString()
	default:
		prefix = letter(t - RecordPrefixElementA)
		local, err = r.readString()
	}
	if err != nil {
		return err
	}
	if len(local) == 0 {
		return r.errf(start, "%s with an empty name", RecordName(t))
	}
	if len(r.stack) >= r.q.MaxDepth {
		return r.quotaErr(start, "element %q is nested %d deep, over the depth quota of %d", local, len(r.stack)+1, r.q.MaxDepth)
	}
	mark := r.scope.Mark()
	attrs := r.attrs[:0]
	for r.pos < len(r.data) {
		at := r.data[r.pos]
		if at < RecordShortAttribute || at >= RecordShortElement {
			break
		}
		if len(attrs) >= r.q.MaxAttributes {
			return r.quotaErr(r.pos, "element %q has more than %d attributes", local, r.q.MaxAttributes)
		}
		aStart := r.pos
		r.pos++
		var a xmlnode.Attr
		if err := r.readAttr(at, aStart, mark, &a); err != nil {
			r.attrs = attrs
			return err
		}
		attrs = append(attrs, a)
	}
	r.attrs = attrs
	// Resolve prefixes now that this tag's declarations are in scope.
	ns, ok := r.scope.Lookup(prefix)
	if !ok {
		return r.errf(start, "element %q uses undeclared prefix %q", local, prefix)
	}
	for i := range attrs {
		a := &attrs[i]
		if a.NS == nil && len(a.Prefix) > 0 { // not a namespace declaration
			ans, ok := r.scope.Lookup(a.Prefix)
			if !ok {
				return r.errf(start, "attribute %q of element %q uses undeclared prefix %q", a.Local, local, a.Prefix)
			}
			a.NS = ans
		}
		for j := 0; j < i; j++ {
			if string(attrs[j].Local) == string(a.Local) && string(attrs[j].NS) == string(a.NS) &&
				attrs[j].IsXmlns() == a.IsXmlns() {
				return r.errf(start, "element %q has attribute %q twice", local, a.Local)
			}
		}
	}
	if r.scope.Len() > r.q.MaxNamespaces {
		return r.quotaErr(start, "more than %d namespace declarations in scope", r.q.MaxNamespaces)
	}
	r.stack = append(r.stack, openElem{prefix: prefix, local: local, ns: ns, mark: mark})
	r.setElement(xmlnode.KindStartElement, prefix, local, ns, attrs)
	return nil
}

var (
	xmlnsB   = []byte("xmlns")
	xmlnsNS  = xmlnode.XmlnsNS()
	emptyStr = []byte{}
)

// readAttr reads one attribute record of type t (already consumed).
func (r *Reader) readAttr(t byte, start, mark int, a *xmlnode.Attr) error {
	var err error
	switch {
	case t == RecordShortAttribute:
		a.Local, err = r.readString()
	case t == RecordAttribute:
		if a.Prefix, err = r.readString(); err == nil {
			a.Local, err = r.readString()
		}
	case t == RecordShortDictionaryAttribute:
		a.Local, err = r.readDictString()
	case t == RecordDictionaryAttribute:
		if a.Prefix, err = r.readString(); err == nil {
			a.Local, err = r.readDictString()
		}
	case t == RecordShortXmlnsAttribute || t == RecordShortDictionaryXmlnsAttribute ||
		t == RecordXmlnsAttribute || t == RecordDictionaryXmlnsAttribute:
		var prefix, ns []byte
		if t == RecordXmlnsAttribute || t == RecordDictionaryXmlnsAttribute {
			if prefix, err = r.readString(); err != nil {
				return err
			}
			if len(prefix) == 0 {
				return r.errf(start, "%s with an empty prefix", RecordName(t))
			}
		}
		if t == RecordShortXmlnsAttribute || t == RecordXmlnsAttribute {
			ns, err = r.readString()
		} else {
			ns, err = r.readDictString()
		}
		if err != nil {
			return err
		}
		if len(prefix) > 0 && len(ns) == 0 {
			return r.errf(start, "prefix %q bound to the empty namespace", prefix)
		}
		if r.scope.DeclaredSince(mark, prefix) {
			return r.errf(start, "prefix %q declared twice in one start tag", prefix)
		}
		r.scope.Declare(prefix, ns)
		if len(prefix) == 0 {
			*a = xmlnode.Attr{Local: xmlnsB, NS: xmlnsNS, Value: xmlnode.Chars(ns)}
		} else {
			*a = xmlnode.Attr{Prefix: xmlnsB, Local: prefix, NS: xmlnsNS, Value: xmlnode.Chars(ns)}
		}
		return nil
	case t < RecordPrefixAttributeA:
		a.Prefix = letter(t - RecordPrefixDictionaryAttributeA)
		a.Local, err = r.readDictString()
	default:
		a.Prefix = letter(t - RecordPrefixAttributeA)
		a.Local, err = r.readString()
	}
	if err != nil {
		return err
	}
	if len(a.Local) == 0 {
		return r.errf(start, "%s with an empty name", RecordName(t))
	}
	if r.pos >= len(r.data) {
		return r.errf(r.pos, "attribute %q has no value record", a.Local)
	}
	vt := r.data[r.pos]
	if vt < RecordZeroText || vt > RecordQNameDictionaryText || vt&1 == 1 {
		return r.errf(r.pos, "attribute %q: record 0x%02X (%s) cannot be an attribute value", a.Local, vt, RecordName(vt))
	}
	r.pos++
	a.NS = nil
	return r.readValueTo(vt, r.pos-1, &a.Value)
}

// readString reads a String: MultiByteInt31 byte length and UTF-8.
func (r *Reader) readString() ([]byte, error) {
	start := r.pos
	n, m := ReadMultiByteInt31(r.data[r.pos:])
	if m == 0 {
		return nil, r.errf(start, "input ends inside a string length")
	}
	if m < 0 {
		return nil, r.errf(start, "invalid MultiByteInt31 string length")
	}
	r.pos += m
	return r.take(start, int(n), true)
}

// take returns the next n bytes, checking the string quota and, for text,
// UTF-8 validity.
func (r *Reader) take(start, n int, text bool) ([]byte, error) {
	if n > len(r.data)-r.pos {
		return nil, r.errf(start, "length %d exceeds the %d bytes left", n, len(r.data)-r.pos)
	}
	if r.q.MaxStringLength > 0 && n > r.q.MaxStringLength {
		return nil, r.quotaErr(start, "string of %d bytes exceeds the %d-byte quota", n, r.q.MaxStringLength)
	}
	b := r.data[r.pos : r.pos+n : r.pos+n]
	r.pos += n
	if text && !utf8.Valid(b) {
		return nil, r.errf(start, "string is not valid UTF-8")
	}
	return b, nil
}

// readDictString reads a DictionaryString: a MultiByteInt31 id, even for the
// static dictionary and odd for the session dictionary.
func (r *Reader) readDictString() ([]byte, error) {
	start := r.pos
	id, m := ReadMultiByteInt31(r.data[r.pos:])
	if m == 0 {
		return nil, r.errf(start, "input ends inside a dictionary id")
	}
	if m < 0 {
		return nil, r.errf(start, "invalid MultiByteInt31 dictionary id")
	}
	r.pos += m
	return r.dictString(start, id)
}

func (r *Reader) dictString(start int, id uint32) ([]byte, error) {
	if id&1 == 0 {
		if s, ok := StaticString(id); ok {
			return s, nil
		}
		return nil, r.errf(start, "static dictionary id 0x%X is not in [MC-NBFS]", id)
	}
	if r.dict == nil {
		return nil, r.errf(start, "session dictionary id %d used without a session dictionary", id)
	}
	if s, ok := r.dict.String(id); ok {
		return s, nil
	}
	return nil, r.errf(start, "session dictionary id %d not defined (%d strings known)", id, r.dict.Len())
}

// fixed returns the next n bytes of a fixed-size record body.
func (r *Reader) fixed(start, n int, what string) ([]byte, error) {
	if n > len(r.data)-r.pos {
		return nil, r.errf(start, "input ends inside %s", what)
	}
	b := r.data[r.pos : r.pos+n]
	r.pos += n
	return b, nil
}

// readValue reads the body of text record t (its plain, even form; the type
// byte is already consumed).
func (r *Reader) readValue(t byte, start int) (xmlnode.Value, error) {
	var v xmlnode.Value
	err := r.readValueTo(t, start, &v)
	return v, err
}

// readValueTo is readValue writing into *dst, to spare copying a Value.
func (r *Reader) readValueTo(t byte, start int, dst *xmlnode.Value) error {
	var b []byte
	var err error
	switch t {
	case RecordZeroText:
		*dst = xmlnode.Value{Type: xmlnode.TypeInt32}
		return nil
	case RecordOneText:
		*dst = xmlnode.Value{Type: xmlnode.TypeInt32, Num: 1}
		return nil
	case RecordFalseText:
		*dst = xmlnode.Value{Type: xmlnode.TypeBool}
		return nil
	case RecordTrueText:
		*dst = xmlnode.Value{Type: xmlnode.TypeBool, Num: 1}
		return nil
	case RecordInt8Text:
		if b, err = r.fixed(start, 1, "Int8Text"); err != nil {
			return err
		}
		*dst = xmlnode.Value{Type: xmlnode.TypeInt8, Num: uint64(int64(int8(b[0])))}
		return nil
	case RecordInt16Text:
		if b, err = r.fixed(start, 2, "Int16Text"); err != nil {
			return err
		}
		*dst = xmlnode.Value{Type: xmlnode.TypeInt16, Num: uint64(int64(int16(binary.LittleEndian.Uint16(b))))}
		return nil
	case RecordInt32Text:
		if b, err = r.fixed(start, 4, "Int32Text"); err != nil {
			return err
		}
		*dst = xmlnode.Value{Type: xmlnode.TypeInt32, Num: uint64(int64(int32(binary.LittleEndian.Uint32(b))))}
		return nil
	case RecordInt64Text:
		if b, err = r.fixed(start, 8, "Int64Text"); err != nil {
			return err
		}
		*dst = xmlnode.Value{Type: xmlnode.TypeInt64, Num: binary.LittleEndian.Uint64(b)}
		return nil
	case RecordUInt64Text:
		if b, err = r.fixed(start, 8, "UInt64Text"); err != nil {
			return err
		}
		*dst = xmlnode.Value{Type: xmlnode.TypeUint64, Num: binary.LittleEndian.Uint64(b)}
		return nil
	case RecordFloatText:
		if b, err = r.fixed(start, 4, "FloatText"); err != nil {
			return err
		}
		*dst = xmlnode.Value{Type: xmlnode.TypeFloat, Num: uint64(binary.LittleEndian.Uint32(b))}
		return nil
	case RecordDoubleText:
		if b, err = r.fixed(start, 8, "DoubleText"); err != nil {
			return err
		}
		*dst = xmlnode.Value{Type: xmlnode.TypeDouble, Num: binary.LittleEndian.Uint64(b)}
		return nil
	case RecordDecimalText:
		if b, err = r.fixed(start, 16, "DecimalText"); err != nil {
			return err
		}
		scale, sign := b[2], b[3]
		if scale > 28 || (sign != 0 && sign != 0x80) {
			return r.errf(start, "DecimalText with scale %d and sign byte 0x%02X", scale, sign)
		}
		*dst = xmlnode.Decimal(binary.LittleEndian.Uint32(b[4:8]), binary.LittleEndian.Uint64(b[8:16]), scale, sign != 0)
		return nil
	case RecordDateTimeText:
		if b, err = r.fixed(start, 8, "DateTimeText"); err != nil {
			return err
		}
		raw := binary.LittleEndian.Uint64(b)
		if raw>>62 == 3 || raw&(1<<62-1) > maxTicks {
			return r.errf(start, "DateTimeText value 0x%016X out of range", raw)
		}
		*dst = xmlnode.Value{Type: xmlnode.TypeDateTime, Num: raw}
		return nil
	case RecordTimeSpanText:
		if b, err = r.fixed(start, 8, "TimeSpanText"); err != nil {
			return err
		}
		*dst = xmlnode.Value{Type: xmlnode.TypeTimeSpan, Num: binary.LittleEndian.Uint64(b)}
		return nil
	case RecordUniqueIdText, RecordUuidText:
		if b, err = r.fixed(start, 16, "GUID"); err != nil {
			return err
		}
		g := guidFromWire(b)
		if t == RecordUuidText {
			*dst = xmlnode.UUID(g)
			return nil
		}
		*dst = xmlnode.UniqueID(g)
		return nil
	case RecordBoolText:
		if b, err = r.fixed(start, 1, "BoolText"); err != nil {
			return err
		}
		if b[0] > 1 {
			return r.errf(start, "BoolText value 0x%02X", b[0])
		}
		*dst = xmlnode.Value{Type: xmlnode.TypeBool, Num: uint64(b[0])}
		return nil
	case RecordChars8Text, RecordChars16Text, RecordChars32Text,
		RecordBytes8Text, RecordBytes16Text, RecordBytes32Text,
		RecordUnicodeChars8Text, RecordUnicodeChars16Text, RecordUnicodeChars32Text:
		return r.readCounted(t, start, dst)
	case RecordEmptyText:
		*dst = xmlnode.Value{Type: xmlnode.TypeChars, Bytes: emptyStr}
		return nil
	case RecordDictionaryText:
		s, err := r.readDictString()
		*dst = xmlnode.Value{Type: xmlnode.TypeDict, Bytes: s}
		return err
	case RecordQNameDictionaryText:
		if b, err = r.fixed(start, 1, "QNameDictionaryText"); err != nil {
			return err
		}
		if b[0] > 25 {
			return r.errf(start, "QNameDictionaryText prefix %d is not a letter a–z", b[0])
		}
		p := b[0]
		s, err := r.readDictString()
		*dst = xmlnode.Value{Type: xmlnode.TypeQName, Num: uint64(p), Bytes: s}
		return err
	case RecordStartListText:
		return r.readList(start, dst)
	case RecordEndListText:
		return r.errf(start, "EndListText without StartListText")
	}
	return r.errf(start, "reserved text record 0x%02X", t)
}

// maxTicks is .NET's DateTime.MaxValue.Ticks.
const maxTicks = 3155378975999999999

// readCounted reads the Chars, Bytes and UnicodeChars records, whose
// length is 1, 2 or 4 bytes (the 4-byte form is a signed INT32).
func (r *Reader) readCounted(t byte, start int, dst *xmlnode.Value) error {
	var width int
	switch t {
	case RecordChars8Text, RecordBytes8Text, RecordUnicodeChars8Text:
		width = 1
	case RecordChars16Text, RecordBytes16Text, RecordUnicodeChars16Text:
		width = 2
	default:
		width = 4
	}
	if width > len(r.data)-r.pos {
		return r.errf(start, "input ends inside the length of %s", RecordName(t))
	}
	lb := r.data[r.pos : r.pos+width]
	r.pos += width
	var n int
	switch width {
	case 1:
		n = int(lb[0])
	case 2:
		n = int(binary.LittleEndian.Uint16(lb))
	default:
		l := int32(binary.LittleEndian.Uint32(lb))
		if l < 0 {
			return r.errf(start, "%s with negative length %d", RecordName(t), l)
		}
		n = int(l)
	}
	switch t {
	case RecordBytes8Text, RecordBytes16Text, RecordBytes32Text:
		b, err := r.take(start, n, false)
		*dst = xmlnode.Value{Type: xmlnode.TypeBytes, Bytes: b}
		return err
	case RecordUnicodeChars8Text, RecordUnicodeChars16Text, RecordUnicodeChars32Text:
		if n%2 != 0 {
			return r.errf(start, "%s with odd byte length %d", RecordName(t), n)
		}
		b, err := r.take(start, n, false)
		if err != nil {
			return err
		}
		s, ok := r.utf16ToScratch(b)
		if !ok {
			return r.errf(start, "%s holds an unpaired UTF-16 surrogate", RecordName(t))
		}
		*dst = xmlnode.Chars(s)
		return nil
	}
	b, err := r.take(start, n, true)
	*dst = xmlnode.Chars(b)
	return err
}

// utf16ToScratch transcodes UTF-16LE to UTF-8 into the scratch buffer.
func (r *Reader) utf16ToScratch(b []byte) ([]byte, bool) {
	start := len(r.scratch)
	for i := 0; i < len(b); i += 2 {
		c := rune(binary.LittleEndian.Uint16(b[i:]))
		if utf16.IsSurrogate(c) {
			if c >= 0xDC00 || i+3 >= len(b) {
				return nil, false
			}
			c2 := rune(binary.LittleEndian.Uint16(b[i+2:]))
			c = utf16.DecodeRune(c, c2)
			if c == utf8.RuneError {
				return nil, false
			}
			i += 2
		}
		r.scratch = utf8.AppendRune(r.scratch, c)
	}
	return r.scratch[start:len(r.scratch):len(r.scratch)], true
}

// readList reads the items after StartListText up to EndListText and renders
// them, separated by single spaces, as text.
func (r *Reader) readList(start int, dst *xmlnode.Value) error {
	out := make([]byte, 0, 32)
	first := true
	for {
		if r.pos >= len(r.data) {
			return r.errf(start, "input ends inside a list")
		}
		t := r.data[r.pos]
		r.pos++
		if t == RecordEndListText {
			*dst = xmlnode.Chars(out)
			return nil
		}
		if t < RecordZeroText || t > RecordQNameDictionaryText || t&1 == 1 || t == RecordStartListText {
			return r.errf(r.pos-1, "record 0x%02X cannot be a list item", t)
		}
		v, err := r.readValue(t, r.pos-1)
		if err != nil {
			return err
		}
		if !first {
			out = append(out, ' ')
		}
		first = false
		out = v.AppendText(out)
		if r.q.MaxStringLength > 0 && len(out) > r.q.MaxStringLength {
			return r.quotaErr(start, "list text exceeds the %d-byte quota", r.q.MaxStringLength)
		}
	}
}

// guidFromWire converts a GUID's wire layout (Data1, Data2, Data3 little
// endian, then Data4) into text order.
func guidFromWire(b []byte) [16]byte {
	return [16]byte{b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6],
		b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]}
}

// guidToWire is the inverse of guidFromWire.
func guidToWire(dst []byte, g [16]byte) []byte {
	return append(dst, g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6],
		g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15])
}

// arrayItemSize gives the size of one item of an Array record's value type.
func arrayItemSize(t byte) int {
	switch t {
	case RecordBoolText + 1:
		return 1
	case RecordInt16Text + 1:
		return 2
	case RecordInt32Text + 1, RecordFloatText + 1:
		return 4
	case RecordInt64Text + 1, RecordDoubleText + 1, RecordDateTimeText + 1, RecordTimeSpanText + 1:
		return 8
	case RecordDecimalText + 1, RecordUuidText + 1:
		return 16
	}
	return 0
}

// readArray reads an Array record header: an element record with its
// attributes, EndElement, the value type and the item count.
func (r *Reader) readArray(start int) (*xmlnode.Node, error) {
	if r.pos >= len(r.data) {
		return nil, r.errf(start, "input ends inside an Array record")
	}
	et := r.data[r.pos]
	if et < RecordShortElement || et >= 0x78 {
		return nil, r.errf(r.pos, "Array record must start with an element record, not 0x%02X", et)
	}
	r.pos++
	if err := r.readElement(et, r.pos-1); err != nil {
		return nil, err
	}
	if r.pos >= len(r.data) || r.data[r.pos] != RecordEndElement {
		return nil, r.errf(r.pos, "Array element record must be followed by EndElement")
	}
	r.pos++
	if r.pos >= len(r.data) {
		return nil, r.errf(r.pos, "input ends before the Array value type")
	}
	vt := r.data[r.pos]
	size := arrayItemSize(vt)
	if size == 0 {
		return nil, r.errf(r.pos, "record 0x%02X (%s) is not an Array value type", vt, RecordName(vt))
	}
	r.pos++
	cstart := r.pos
	count, m := ReadMultiByteInt31(r.data[r.pos:])
	if m <= 0 {
		return nil, r.errf(cstart, "bad Array count")
	}
	r.pos += m
	if count == 0 {
		return nil, r.errf(cstart, "Array count is 0")
	}
	if int64(count)*int64(size) > int64(len(r.data)-r.pos) {
		return nil, r.errf(cstart, "Array of %d items of %d bytes exceeds the %d bytes left", count, size, len(r.data)-r.pos)
	}
	r.arrStart = r.node
	r.arrAttrs = append(r.arrAttrs[:0], r.node.Attrs...)
	r.arrStart.Attrs = r.arrAttrs
	r.arrType = vt
	r.arrLeft = int(count)
	r.arrPhase = 1 // the first start tag is the node just read
	r.arrLeft--
	return &r.node, nil
}

func (r *Reader) nextArrayItem() (*xmlnode.Node, error) {
	switch r.arrPhase {
	case 0: // start of the next item
		r.node = r.arrStart
		r.arrLeft--
		r.arrPhase = 1
		return &r.node, nil
	case 1: // the value
		v, err := r.readValue(r.arrType&^1, r.pos)
		if err != nil {
			return nil, err
		}
		r.setText(xmlnode.KindText, v)
		r.arrPhase = 2
		return &r.node, nil
	}
	// the end of the item
	e := &r.stack[len(r.stack)-1]
	r.setElement(xmlnode.KindEndElement, e.prefix, e.local, e.ns, nil)
	r.arrPhase = 0
	if r.arrLeft == 0 {
		r.scope.Truncate(e.mark)
		r.stack = r.stack[:len(r.stack)-1]
	}
	return &r.node, nil
}

// LookupNamespace resolves prefix in the scope of the node last returned.
// (For an end element the scope is the parent's.)
func (r *Reader) LookupNamespace(prefix []byte) ([]byte, bool) { return r.scope.Lookup(prefix) }

// DeclareNamespace binds prefix to ns outside the document, as if declared
// by an enclosing element, for reading a fragment cut from a larger document
// (a SOAP body without its envelope). Call it after Reset, before Next.
func (r *Reader) DeclareNamespace(prefix, ns []byte) { r.scope.Declare(prefix, ns) }
