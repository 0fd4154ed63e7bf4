package nbfx

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/wwsgo/wws/xmlnode"
)

// Writer encodes nodes as [MC-NBFX] records, appending to a buffer it owns.
// It implements xmlnode.Writer and picks records as WCF's XmlBinaryWriter
// does:
//
//   - names and namespaces in the [MC-NBFS] static dictionary are written as
//     dictionary references; with a SessionDictionary, other element and
//     attribute names and namespace URIs are added to it (while its quota
//     allows) and written as session references;
//   - text of type xmlnode.TypeDict is looked up the same way; other text is
//     written as Chars8/16/32Text (EmptyText when empty);
//   - integers take the shortest of ZeroText, OneText, Int8/16/32/64Text;
//     floating-point values that are integral are written as integers, as WCF
//     does (below 1e15, where the text form stays the same);
//   - a text record immediately followed by the end of its element becomes its
//     WithEndElement form.
//
// The strings the document adds to the session dictionary must be announced
// in a StringTable before the document; see SessionDictionary.AppendStringTable.
type Writer struct {
	buf   []byte
	dict  *SessionDictionary
	scope xmlnode.Scope

	inTag   bool // a start tag is open (attributes may follow)
	textEnd int  // offset of the last text record's type byte, or -1
	depth   int

	// The open start tag's element name, to declare its namespace at close.
	tagPrefix, tagNS []byte
	pend             []pendingNS // attribute namespaces to declare at close
	arena            []byte
}

type pendingNS struct{ prefixOff, prefixLen, nsOff, nsLen int }

// NewWriter returns a writer that adds strings to dict (which may be nil).
func NewWriter(dict *SessionDictionary) *Writer {
	w := &Writer{dict: dict}
	w.Reset()
	return w
}

// Reset discards what was written, keeping buffers and the dictionary.
func (w *Writer) Reset() {
	w.buf = w.buf[:0]
	w.scope.Reset()
	w.inTag = false
	w.textEnd = -1
	w.depth = 0
	w.pend = w.pend[:0]
	w.arena = w.arena[:0]
}

// SetDictionary sets the session dictionary strings are added to.
func (w *Writer) SetDictionary(d *SessionDictionary) { w.dict = d }

// Bytes returns the document written so far. It is valid until the next write or Reset.
func (w *Writer) Bytes() []byte { return w.buf }

// Depth returns the number of open elements.
func (w *Writer) Depth() int { return w.depth }

// monoDivergentID is the first [MC-NBFS] id where Mono's copy of the static
// dictionary differs from the specification (0x3C4–0x3CC: actor, faultcode,
// faultstring, faultactor, detail). The writer writes those strings inline so
// that Mono peers read them correctly; the reader accepts the ids.
const monoDivergentID = 0x3C4

// ErrWriterState is returned for calls out of order (an attribute outside a
// start tag, an end with no open element).
var ErrWriterState = errors.New("nbfx: writer call out of order")

func (w *Writer) stateErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrWriterState}, args...)...)
}

// dictID returns the dictionary id to use for s: static if there is one,
// else a session id (adding s if the quota allows).
func (w *Writer) dictID(s []byte) (uint32, bool) {
	if id, ok := StaticID(s); ok && id < monoDivergentID {
		return id, true
	}
	if w.dict == nil || len(s) == 0 {
		return 0, false
	}
	if id, ok := w.dict.ID(s); ok {
		return id, true
	}
	return w.dict.Add(s)
}

func (w *Writer) appendString(s []byte) {
	w.buf = AppendMultiByteInt31(w.buf, uint32(len(s)))
	w.buf = append(w.buf, s...)
}

func singleLetter(p []byte) (byte, bool) {
	if len(p) == 1 && p[0] >= 'a' && p[0] <= 'z' {
		return p[0] - 'a', true
	}
	return 0, false
}

// closeTag finishes an open start tag, declaring the namespaces it uses.
func (w *Writer) closeTag() error {
	if !w.inTag {
		return nil
	}
	w.inTag = false
	if ns, ok := w.scope.Lookup(w.tagPrefix); !ok || string(ns) != string(w.tagNS) {
		if len(w.tagPrefix) > 0 && len(w.tagNS) == 0 {
			return fmt.Errorf("nbfx: prefix %q cannot be bound to no namespace", w.tagPrefix)
		}
		w.declare(w.tagPrefix, w.tagNS)
	}
	for _, p := range w.pend {
		prefix := w.arena[p.prefixOff : p.prefixOff+p.prefixLen]
		ns := w.arena[p.nsOff : p.nsOff+p.nsLen]
		if cur, ok := w.scope.Lookup(prefix); !ok || string(cur) != string(ns) {
			if w.scope.DeclaredHere(prefix) {
				return fmt.Errorf("nbfx: prefix %q used for two namespaces in one start tag", prefix)
			}
			w.declare(prefix, ns)
		}
	}
	w.pend = w.pend[:0]
	w.arena = w.arena[:0]
	return nil
}

// declare writes a namespace declaration record and binds it.
func (w *Writer) declare(prefix, ns []byte) {
	id, dict := w.dictID(ns)
	switch {
	case len(prefix) == 0 && dict:
		w.buf = append(w.buf, RecordShortDictionaryXmlnsAttribute)
		w.buf = AppendMultiByteInt31(w.buf, id)
	case len(prefix) == 0:
		w.buf = append(w.buf, RecordShortXmlnsAttribute)
		w.appendString(ns)
	case dict:
		w.buf = append(w.buf, RecordDictionaryXmlnsAttribute)
		w.appendString(prefix)
		w.buf = AppendMultiByteInt31(w.buf, id)
	default:
		w.buf = append(w.buf, RecordXmlnsAttribute)
		w.appendString(prefix)
		w.appendString(ns)
	}
	w.scope.Declare(prefix, ns)
}

// WriteStartElement writes the element record: ShortDictionaryElement,
// PrefixDictionaryElementA–Z or DictionaryElement for a dictionary name,
// ShortElement, PrefixElementA–Z or Element otherwise.
func (w *Writer) WriteStartElement(prefix, local, ns []byte) error {
	if err := w.closeTag(); err != nil {
		return err
	}
	if len(local) == 0 {
		return fmt.Errorf("nbfx: element with an empty name")
	}
	w.textEnd = -1
	id, dict := w.dictID(local)
	letter, isLetter := singleLetter(prefix)
	switch {
	case dict && len(prefix) == 0:
		w.buf = append(w.buf, RecordShortDictionaryElement)
		w.buf = AppendMultiByteInt31(w.buf, id)
	case dict && isLetter:
		w.buf = append(w.buf, RecordPrefixDictionaryElementA+letter)
		w.buf = AppendMultiByteInt31(w.buf, id)
	case dict:
		w.buf = append(w.buf, RecordDictionaryElement)
		w.appendString(prefix)
		w.buf = AppendMultiByteInt31(w.buf, id)
	case len(prefix) == 0:
		w.buf = append(w.buf, RecordShortElement)
		w.appendString(local)
	case isLetter:
		w.buf = append(w.buf, RecordPrefixElementA+letter)
		w.appendString(local)
	default:
		w.buf = append(w.buf, RecordElement)
		w.appendString(prefix)
		w.appendString(local)
	}
	w.scope.Push()
	w.depth++
	w.inTag = true
	// Remember the element's prefix and namespace until the tag closes.
	w.arena = w.arena[:0]
	w.arena = append(w.arena, prefix...)
	w.arena = append(w.arena, ns...)
	w.tagPrefix = w.arena[:len(prefix):len(prefix)]
	w.tagNS = w.arena[len(prefix) : len(prefix)+len(ns) : len(prefix)+len(ns)]
	return nil
}

// WriteXmlns writes a namespace declaration in the open start tag, unless
// the same binding is already declared in it.
func (w *Writer) WriteXmlns(prefix, ns []byte) error {
	if !w.inTag {
		return w.stateErr("namespace declaration outside a start tag")
	}
	if len(prefix) > 0 && len(ns) == 0 {
		return fmt.Errorf("nbfx: prefix %q cannot be bound to no namespace", prefix)
	}
	if w.scope.DeclaredHere(prefix) {
		if cur, _ := w.scope.Lookup(prefix); string(cur) == string(ns) {
			return nil
		}
		return fmt.Errorf("nbfx: prefix %q declared twice in one start tag", prefix)
	}
	w.declare(prefix, ns)
	return nil
}

// WriteAttr writes an attribute record with its value.
func (w *Writer) WriteAttr(prefix, local, ns []byte, v xmlnode.Value) error {
	if !w.inTag {
		return w.stateErr("attribute %q outside a start tag", local)
	}
	if len(local) == 0 {
		return fmt.Errorf("nbfx: attribute with an empty name")
	}
	if len(ns) > 0 && len(prefix) == 0 {
		// An attribute in a namespace needs a prefix: reuse a binding or make one.
		if p, ok := w.scope.LookupPrefix(ns); ok && len(p) > 0 {
			prefix = p
		} else {
			prefix = fmt.Appendf(nil, "d%dp%d", w.depth, len(w.pend)+1)
		}
	}
	if len(prefix) > 0 && string(prefix) != "xml" {
		if cur, ok := w.scope.Lookup(prefix); !ok || string(cur) != string(ns) {
			p := pendingNS{prefixOff: len(w.arena), prefixLen: len(prefix)}
			w.arena = append(w.arena, prefix...)
			p.nsOff, p.nsLen = len(w.arena), len(ns)
			w.arena = append(w.arena, ns...)
			w.pend = append(w.pend, p) // tagPrefix/tagNS stay valid if the arena moves: appends never overwrite
		}
	}
	id, dict := w.dictID(local)
	letter, isLetter := singleLetter(prefix)
	switch {
	case dict && len(prefix) == 0:
		w.buf = append(w.buf, RecordShortDictionaryAttribute)
		w.buf = AppendMultiByteInt31(w.buf, id)
	case dict && isLetter:
		w.buf = append(w.buf, RecordPrefixDictionaryAttributeA+letter)
		w.buf = AppendMultiByteInt31(w.buf, id)
	case dict:
		w.buf = append(w.buf, RecordDictionaryAttribute)
		w.appendString(prefix)
		w.buf = AppendMultiByteInt31(w.buf, id)
	case len(prefix) == 0:
		w.buf = append(w.buf, RecordShortAttribute)
		w.appendString(local)
	case isLetter:
		w.buf = append(w.buf, RecordPrefixAttributeA+letter)
		w.appendString(local)
	default:
		w.buf = append(w.buf, RecordAttribute)
		w.appendString(prefix)
		w.appendString(local)
	}
	return w.appendValue(v)
}

// WriteEndElement ends the innermost element: it turns a text record that
// was the last thing written into its WithEndElement form, or writes an
// EndElement record.
func (w *Writer) WriteEndElement() error {
	if w.depth == 0 {
		return w.stateErr("end element with no open element")
	}
	if err := w.closeTag(); err != nil {
		return err
	}
	if w.textEnd >= 0 {
		w.buf[w.textEnd]++
		w.textEnd = -1
	} else {
		w.buf = append(w.buf, RecordEndElement)
	}
	w.scope.Pop()
	w.depth--
	return nil
}

// WriteText writes a text record for v.
func (w *Writer) WriteText(v xmlnode.Value) error {
	if err := w.closeTag(); err != nil {
		return err
	}
	at := len(w.buf)
	if err := w.appendValue(v); err != nil {
		return err
	}
	if w.depth > 0 {
		w.textEnd = at
	}
	return nil
}

// WriteComment writes a Comment record.
func (w *Writer) WriteComment(text []byte) error {
	if err := w.closeTag(); err != nil {
		return err
	}
	w.textEnd = -1
	w.buf = append(w.buf, RecordComment)
	w.appendString(text)
	return nil
}

// WriteArray writes an Array record: count items of one element name, each
// holding one value of type t (Bool, Int16/32/64, Float, Double, Decimal,
// DateTime, TimeSpan or Uuid), taken from values. The element is written
// without attributes.
func (w *Writer) WriteArray(prefix, local, ns []byte, values []xmlnode.Value) error {
	if len(values) == 0 {
		return fmt.Errorf("nbfx: an Array record needs at least one item")
	}
	var vt byte
	switch values[0].Type {
	case xmlnode.TypeBool:
		vt = RecordBoolText
	case xmlnode.TypeInt16:
		vt = RecordInt16Text
	case xmlnode.TypeInt8, xmlnode.TypeInt32:
		vt = RecordInt32Text
	case xmlnode.TypeInt64:
		vt = RecordInt64Text
	case xmlnode.TypeFloat:
		vt = RecordFloatText
	case xmlnode.TypeDouble:
		vt = RecordDoubleText
	case xmlnode.TypeDecimal:
		vt = RecordDecimalText
	case xmlnode.TypeDateTime:
		vt = RecordDateTimeText
	case xmlnode.TypeTimeSpan:
		vt = RecordTimeSpanText
	case xmlnode.TypeUUID:
		vt = RecordUuidText
	default:
		return fmt.Errorf("nbfx: values of type %s cannot form an Array record", values[0].Type)
	}
	if err := w.closeTag(); err != nil {
		return err
	}
	w.buf = append(w.buf, RecordArray)
	if err := w.WriteStartElement(prefix, local, ns); err != nil {
		return err
	}
	if err := w.closeTag(); err != nil {
		return err
	}
	w.buf = append(w.buf, RecordEndElement)
	w.scope.Pop()
	w.depth--
	w.buf = append(w.buf, vt+1)
	w.buf = AppendMultiByteInt31(w.buf, uint32(len(values)))
	for _, v := range values {
		if v.Type != values[0].Type {
			return fmt.Errorf("nbfx: Array items of mixed types %s and %s", values[0].Type, v.Type)
		}
		w.appendFixed(vt, v)
	}
	w.textEnd = -1
	return nil
}

// appendFixed appends the body of a fixed-size text record.
func (w *Writer) appendFixed(t byte, v xmlnode.Value) {
	b := w.buf
	switch t {
	case RecordBoolText, RecordInt8Text:
		b = append(b, byte(v.Num))
	case RecordInt16Text:
		b = binary.LittleEndian.AppendUint16(b, uint16(v.Num))
	case RecordInt32Text, RecordFloatText:
		b = binary.LittleEndian.AppendUint32(b, uint32(v.Num))
	case RecordInt64Text, RecordDoubleText, RecordDateTimeText, RecordTimeSpanText, RecordUInt64Text:
		b = binary.LittleEndian.AppendUint64(b, v.Num)
	case RecordDecimalText:
		b = append(b, 0, 0, byte(v.Hi>>32), byte(v.Hi>>40))
		b = binary.LittleEndian.AppendUint32(b, uint32(v.Hi))
		b = binary.LittleEndian.AppendUint64(b, v.Num)
	case RecordUuidText, RecordUniqueIdText:
		b = guidToWire(b, v.GUIDBytes())
	}
	w.buf = b
}

// appendInt writes the shortest integer record for n.
func (w *Writer) appendInt(n int64) {
	switch {
	case n == 0:
		w.buf = append(w.buf, RecordZeroText)
	case n == 1:
		w.buf = append(w.buf, RecordOneText)
	case n >= math.MinInt8 && n <= math.MaxInt8:
		w.buf = append(w.buf, RecordInt8Text, byte(n))
	case n >= math.MinInt16 && n <= math.MaxInt16:
		w.buf = append(w.buf, RecordInt16Text)
		w.buf = binary.LittleEndian.AppendUint16(w.buf, uint16(n))
	case n >= math.MinInt32 && n <= math.MaxInt32:
		w.buf = append(w.buf, RecordInt32Text)
		w.buf = binary.LittleEndian.AppendUint32(w.buf, uint32(n))
	default:
		w.buf = append(w.buf, RecordInt64Text)
		w.buf = binary.LittleEndian.AppendUint64(w.buf, uint64(n))
	}
}

// appendChars writes Chars8/16/32Text, or EmptyText for no text.
func (w *Writer) appendChars(s []byte) {
	switch n := len(s); {
	case n == 0:
		w.buf = append(w.buf, RecordEmptyText)
	case n <= math.MaxUint8:
		w.buf = append(w.buf, RecordChars8Text, byte(n))
	case n <= math.MaxUint16:
		w.buf = append(w.buf, RecordChars16Text)
		w.buf = binary.LittleEndian.AppendUint16(w.buf, uint16(n))
	default:
		w.buf = append(w.buf, RecordChars32Text)
		w.buf = binary.LittleEndian.AppendUint32(w.buf, uint32(n))
	}
	w.buf = append(w.buf, s...)
}

// appendValue writes the text record for v (plain form).
func (w *Writer) appendValue(v xmlnode.Value) error {
	switch v.Type {
	case xmlnode.TypeChars:
		if !utf8.Valid(v.Bytes) {
			return fmt.Errorf("nbfx: text is not valid UTF-8")
		}
		w.appendChars(v.Bytes)
	case xmlnode.TypeDict:
		if !utf8.Valid(v.Bytes) {
			return fmt.Errorf("nbfx: text is not valid UTF-8")
		}
		if id, ok := w.dictID(v.Bytes); ok {
			w.buf = append(w.buf, RecordDictionaryText)
			w.buf = AppendMultiByteInt31(w.buf, id)
		} else {
			w.appendChars(v.Bytes)
		}
	case xmlnode.TypeBool:
		if v.Num != 0 {
			w.buf = append(w.buf, RecordTrueText)
		} else {
			w.buf = append(w.buf, RecordFalseText)
		}
	case xmlnode.TypeInt8, xmlnode.TypeInt16, xmlnode.TypeInt32, xmlnode.TypeInt64:
		w.appendInt(int64(v.Num))
	case xmlnode.TypeUint64:
		if v.Num <= math.MaxInt64 {
			w.appendInt(int64(v.Num))
		} else {
			w.buf = append(w.buf, RecordUInt64Text)
			w.appendFixed(RecordUInt64Text, v)
		}
	case xmlnode.TypeFloat:
		f := math.Float32frombits(uint32(v.Num))
		if i, ok := integral(float64(f), 1e7); ok {
			w.appendInt(i)
		} else {
			w.buf = append(w.buf, RecordFloatText)
			w.appendFixed(RecordFloatText, v)
		}
	case xmlnode.TypeDouble:
		if i, ok := integral(math.Float64frombits(v.Num), 1e15); ok {
			w.appendInt(i)
		} else {
			w.buf = append(w.buf, RecordDoubleText)
			w.appendFixed(RecordDoubleText, v)
		}
	case xmlnode.TypeDecimal:
		w.buf = append(w.buf, RecordDecimalText)
		w.appendFixed(RecordDecimalText, v)
	case xmlnode.TypeDateTime:
		w.buf = append(w.buf, RecordDateTimeText)
		w.appendFixed(RecordDateTimeText, v)
	case xmlnode.TypeTimeSpan:
		w.buf = append(w.buf, RecordTimeSpanText)
		w.appendFixed(RecordTimeSpanText, v)
	case xmlnode.TypeUniqueID:
		w.buf = append(w.buf, RecordUniqueIdText)
		w.appendFixed(RecordUniqueIdText, v)
	case xmlnode.TypeUUID:
		w.buf = append(w.buf, RecordUuidText)
		w.appendFixed(RecordUuidText, v)
	case xmlnode.TypeBytes:
		switch n := len(v.Bytes); {
		case n <= math.MaxUint8:
			w.buf = append(w.buf, RecordBytes8Text, byte(n))
		case n <= math.MaxUint16:
			w.buf = append(w.buf, RecordBytes16Text)
			w.buf = binary.LittleEndian.AppendUint16(w.buf, uint16(n))
		default:
			w.buf = append(w.buf, RecordBytes32Text)
			w.buf = binary.LittleEndian.AppendUint32(w.buf, uint32(n))
		}
		w.buf = append(w.buf, v.Bytes...)
	case xmlnode.TypeQName:
		if id, ok := w.dictID(v.Bytes); ok && v.Num < 26 {
			w.buf = append(w.buf, RecordQNameDictionaryText, byte(v.Num))
			w.buf = AppendMultiByteInt31(w.buf, id)
		} else {
			w.buf = append(w.buf, RecordChars8Text, 0)
			at := len(w.buf)
			w.buf = v.AppendText(w.buf)
			n := len(w.buf) - at
			if n > math.MaxUint8 {
				// Rare: re-encode with a wider length.
				text := append([]byte(nil), w.buf[at:]...)
				w.buf = w.buf[:at-2]
				w.appendChars(text)
			} else {
				w.buf[at-1] = byte(n)
			}
		}
	default:
		return fmt.Errorf("nbfx: cannot write a value of type %s", v.Type)
	}
	return nil
}

// integral reports whether f is an integer below limit in magnitude, which
// WCF writes as an integer record. The limit keeps the text form unchanged:
// .NET writes larger values in exponent notation. Negative zero stays a
// floating-point value, so that it round-trips.
func integral(f, limit float64) (int64, bool) {
	if f > -limit && f < limit {
		i := int64(f)
		if float64(i) == f && !(f == 0 && math.Signbit(f)) {
			return i, true
		}
	}
	return 0, false
}

var _ xmlnode.Writer = (*Writer)(nil)
var _ xmlnode.Reader = (*Reader)(nil)
