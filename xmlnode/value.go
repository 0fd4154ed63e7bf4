package xmlnode

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"time"
	"unicode/utf8"
)

// Type says how a Value holds its content. Text encodings produce TypeChars;
// the binary encoding produces the type of the text record it read.
type Type uint8

// Value types, after the [MC-NBFX] text records.
const (
	TypeChars    Type = iota // UTF-8 text in Bytes
	TypeDict                 // a dictionary string; its text in Bytes
	TypeBool                 // Num is 0 or 1
	TypeInt8                 // Num holds the value as uint64(int64(v))
	TypeInt16                // likewise
	TypeInt32                // likewise
	TypeInt64                // likewise
	TypeUint64               // Num
	TypeFloat                // Num holds math.Float32bits
	TypeDouble               // Num holds math.Float64bits
	TypeDecimal              // Num is the low 64 bits, Hi the high 32 bits | scale<<32 | sign<<40
	TypeDateTime             // Num is .NET's DateTime.ToBinary: ticks | kind<<62
	TypeTimeSpan             // Num holds the ticks (100 ns) as uint64(int64(t))
	TypeUniqueID             // a GUID written "urn:uuid:…"; Num/Hi hold its 16 bytes in text order, big-endian
	TypeUUID                 // a GUID written without prefix; stored as TypeUniqueID
	TypeBytes                // binary data written as base64; raw bytes in Bytes
	TypeQName                // a qualified name: Num is the prefix letter (0 = 'a' … 25 = 'z'), Bytes the local name
)

var typeNames = [...]string{"Chars", "Dict", "Bool", "Int8", "Int16", "Int32", "Int64", "UInt64",
	"Float", "Double", "Decimal", "DateTime", "TimeSpan", "UniqueId", "Uuid", "Bytes", "QName"}

// String returns the type's name without its prefix, "Double".
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// Value is a piece of text, possibly typed. The zero Value is empty text.
type Value struct {
	// Type says how the fields below hold the content (see the Type constants).
	Type Type
	// Bytes holds text, a dictionary string's text, base64 data's raw bytes
	// or a QName's local name.
	Bytes []byte
	// Num and Hi hold the numeric types, as each Type constant says.
	Num uint64
	Hi  uint64
}

// DateTimeKind is .NET's DateTimeKind, kept in the top two bits of a binary DateTime.
type DateTimeKind uint8

// DateTime kinds.
const (
	KindUnspecified DateTimeKind = 0
	KindUTC         DateTimeKind = 1
	KindLocal       DateTimeKind = 2
)

// Constructors.

// Chars returns a text value holding b.
func Chars(b []byte) Value { return Value{Type: TypeChars, Bytes: b} }

// Dict returns a text value that an encoder may write as a dictionary
// reference ([MC-NBFS] static or [MC-NBFSE] session string).
func Dict(b []byte) Value { return Value{Type: TypeDict, Bytes: b} }

// Bool returns a boolean value.
func Bool(b bool) Value {
	if b {
		return Value{Type: TypeBool, Num: 1}
	}
	return Value{Type: TypeBool}
}

// Int returns an integer value; an encoder picks the shortest form.
func Int(v int64) Value { return Value{Type: TypeInt64, Num: uint64(v)} }

// Uint returns an unsigned 64-bit value.
func Uint(v uint64) Value { return Value{Type: TypeUint64, Num: v} }

// Float returns a 32-bit floating-point value.
func Float(f float32) Value { return Value{Type: TypeFloat, Num: uint64(math.Float32bits(f))} }

// Double returns a 64-bit floating-point value.
func Double(f float64) Value { return Value{Type: TypeDouble, Num: math.Float64bits(f)} }

// Bytes returns binary data, written as base64 text.
func Bytes(b []byte) Value { return Value{Type: TypeBytes, Bytes: b} }

// QName returns a qualified name whose prefix is a single letter a–z.
func QName(prefix byte, local []byte) Value {
	return Value{Type: TypeQName, Num: uint64(prefix - 'a'), Bytes: local}
}

// UniqueID returns a GUID written as "urn:uuid:…". g is in text order.
func UniqueID(g [16]byte) Value {
	return Value{Type: TypeUniqueID, Num: binary.BigEndian.Uint64(g[:8]), Hi: binary.BigEndian.Uint64(g[8:])}
}

// UUID returns a GUID written without the urn:uuid: prefix. g is in text order.
func UUID(g [16]byte) Value {
	v := UniqueID(g)
	v.Type = TypeUUID
	return v
}

// TimeSpan returns a .NET TimeSpan of d (rounded toward zero to 100 ns ticks).
func TimeSpan(d time.Duration) Value {
	return Value{Type: TypeTimeSpan, Num: uint64(int64(d) / 100)}
}

// ticksAtUnixEpoch is the .NET tick count of 1970-01-01T00:00:00.
const ticksAtUnixEpoch = 621355968000000000

// DateTime returns a .NET DateTime. A time in time.UTC has kind UTC, one in
// time.Local has kind Local (stored as UTC ticks, as .NET's ToBinary does),
// any other location is written as its wall-clock time with kind Unspecified.
func DateTime(t time.Time) Value {
	switch t.Location() {
	case time.UTC:
		return Value{Type: TypeDateTime, Num: uint64(timeTicks(t)) | uint64(KindUTC)<<62}
	case time.Local:
		return Value{Type: TypeDateTime, Num: uint64(timeTicks(t.UTC())) | uint64(KindLocal)<<62}
	}
	_, off := t.Zone()
	wall := t.UTC().Add(time.Duration(off) * time.Second)
	return Value{Type: TypeDateTime, Num: uint64(timeTicks(wall))}
}

func timeTicks(t time.Time) int64 {
	return t.Unix()*10_000_000 + int64(t.Nanosecond())/100 + ticksAtUnixEpoch
}

// Decimal returns a .NET decimal: a 96-bit magnitude (hi32:lo64) divided by
// 10^scale (0–28), negative when neg is set.
func Decimal(hi32 uint32, lo64 uint64, scale uint8, neg bool) Value {
	hi := uint64(hi32) | uint64(scale)<<32
	if neg {
		hi |= 0x80 << 40
	}
	return Value{Type: TypeDecimal, Num: lo64, Hi: hi}
}

// Accessors.

// IsEmpty reports whether the value is empty text.
func (v Value) IsEmpty() bool {
	return (v.Type == TypeChars || v.Type == TypeDict) && len(v.Bytes) == 0
}

// IsText reports whether the value is untyped text (chars or a dictionary string).
func (v Value) IsText() bool { return v.Type == TypeChars || v.Type == TypeDict }

// String returns the value rendered as text.
func (v Value) String() string {
	if v.IsText() {
		return string(v.Bytes)
	}
	var buf [64]byte
	return string(v.AppendText(buf[:0]))
}

// Equal reports whether the two values render to the same text.
func (v Value) Equal(w Value) bool {
	if v.IsText() && w.IsText() {
		return string(v.Bytes) == string(w.Bytes)
	}
	var a, b [64]byte
	return string(v.AppendText(a[:0])) == string(w.AppendText(b[:0]))
}

// GUIDBytes returns the 16 bytes of a UniqueID or UUID value in text order.
func (v Value) GUIDBytes() [16]byte {
	var g [16]byte
	binary.BigEndian.PutUint64(g[:8], v.Num)
	binary.BigEndian.PutUint64(g[8:], v.Hi)
	return g
}

// errType is returned when text does not parse as the requested type.
var errType = errors.New("xmlnode: value does not have the requested type")

// TypeError says a value could not be read as a type.
type TypeError struct {
	// Want is the type asked for.
	Want Type
	// Text is the value's text.
	Text string
}

// Error returns "xmlnode: <text> is not a valid <type>".
func (e *TypeError) Error() string {
	return fmt.Sprintf("xmlnode: %q is not a valid %s", e.Text, e.Want)
}

// Unwrap returns the error all TypeErrors share.
func (e *TypeError) Unwrap() error { return errType }

func (v Value) typeErr(want Type) error {
	s := v.String()
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return &TypeError{Want: want, Text: s}
}

// Bool returns the value as a boolean (xs:boolean: true, false, 1, 0).
func (v Value) Bool() (bool, error) {
	switch v.Type {
	case TypeBool:
		return v.Num != 0, nil
	case TypeInt8, TypeInt16, TypeInt32, TypeInt64, TypeUint64:
		if v.Num <= 1 {
			return v.Num == 1, nil
		}
	case TypeChars, TypeDict:
		switch string(TrimSpace(v.Bytes)) {
		case "true", "1":
			return true, nil
		case "false", "0":
			return false, nil
		}
	}
	return false, v.typeErr(TypeBool)
}

// Int64 returns the value as a signed integer.
func (v Value) Int64() (int64, error) {
	switch v.Type {
	case TypeInt8, TypeInt16, TypeInt32, TypeInt64:
		return int64(v.Num), nil
	case TypeBool:
		return int64(v.Num), nil
	case TypeUint64:
		if v.Num <= math.MaxInt64 {
			return int64(v.Num), nil
		}
	case TypeChars, TypeDict:
		if n, ok := parseInt(TrimSpace(v.Bytes)); ok {
			return n, nil
		}
	}
	return 0, v.typeErr(TypeInt64)
}

// Uint64 returns the value as an unsigned integer.
func (v Value) Uint64() (uint64, error) {
	switch v.Type {
	case TypeUint64:
		return v.Num, nil
	case TypeInt8, TypeInt16, TypeInt32, TypeInt64, TypeBool:
		if int64(v.Num) >= 0 {
			return v.Num, nil
		}
	case TypeChars, TypeDict:
		if n, ok := parseUint(TrimSpace(v.Bytes)); ok {
			return n, nil
		}
	}
	return 0, v.typeErr(TypeUint64)
}

// Float64 returns the value as a double.
func (v Value) Float64() (float64, error) {
	switch v.Type {
	case TypeDouble:
		return math.Float64frombits(v.Num), nil
	case TypeFloat:
		return float64(math.Float32frombits(uint32(v.Num))), nil
	case TypeInt8, TypeInt16, TypeInt32, TypeInt64:
		return float64(int64(v.Num)), nil
	case TypeUint64:
		return float64(v.Num), nil
	case TypeDecimal:
		f, err := strconv.ParseFloat(v.String(), 64)
		if err == nil {
			return f, nil
		}
	case TypeChars, TypeDict:
		s := string(TrimSpace(v.Bytes))
		switch s {
		case "INF":
			return math.Inf(1), nil
		case "-INF":
			return math.Inf(-1), nil
		case "NaN":
			return math.NaN(), nil
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && !isNamedFloat(s) {
			return f, nil
		}
	}
	return 0, v.typeErr(TypeDouble)
}

// isNamedFloat reports Go spellings (inf, nan, …) that xs:double does not allow.
func isNamedFloat(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c == 'i' || c == 'n' || c == 'x' || c == 'p' || c == '_' {
			return true
		}
	}
	return false
}

// Base64 returns the value as binary data: the raw bytes of a TypeBytes value,
// or base64-decoded text.
func (v Value) Base64() ([]byte, error) {
	switch v.Type {
	case TypeBytes:
		return v.Bytes, nil
	case TypeChars, TypeDict:
		b := TrimSpace(v.Bytes)
		out := make([]byte, base64.StdEncoding.DecodedLen(len(b)))
		n, err := base64.StdEncoding.Decode(out, b)
		if err == nil {
			return out[:n], nil
		}
	}
	return nil, v.typeErr(TypeBytes)
}

// GUID returns the value as a GUID in text order. Text may carry the
// urn:uuid: prefix.
func (v Value) GUID() ([16]byte, error) {
	switch v.Type {
	case TypeUniqueID, TypeUUID:
		return v.GUIDBytes(), nil
	case TypeChars, TypeDict:
		b := TrimSpace(v.Bytes)
		if len(b) == 45 && string(b[:9]) == "urn:uuid:" {
			b = b[9:]
		}
		if g, ok := ParseGUID(b); ok {
			return g, nil
		}
	}
	return [16]byte{}, v.typeErr(TypeUUID)
}

// Time returns the value as a time. Kind UTC gives a time in time.UTC, kind
// Local one in time.Local, kind Unspecified a wall-clock time in time.UTC.
func (v Value) Time() (time.Time, DateTimeKind, error) {
	switch v.Type {
	case TypeDateTime:
		kind := DateTimeKind(v.Num >> 62)
		t := ticksTime(int64(v.Num & (1<<62 - 1)))
		if kind == KindLocal {
			return t.In(time.Local), kind, nil
		}
		return t, kind, nil
	case TypeChars, TypeDict:
		if t, kind, ok := parseDateTime(TrimSpace(v.Bytes)); ok {
			return t, kind, nil
		}
	}
	return time.Time{}, 0, v.typeErr(TypeDateTime)
}

func ticksTime(ticks int64) time.Time {
	t := ticks - ticksAtUnixEpoch
	sec := t / 10_000_000
	ns := (t % 10_000_000) * 100
	if ns < 0 {
		sec--
		ns += 1e9
	}
	return time.Unix(sec, ns).UTC()
}

// Duration returns the value as a duration (a .NET TimeSpan, or xs:duration text).
func (v Value) Duration() (time.Duration, error) {
	switch v.Type {
	case TypeTimeSpan:
		return time.Duration(int64(v.Num) * 100), nil
	case TypeChars, TypeDict:
		if ticks, ok := parseDuration(TrimSpace(v.Bytes)); ok {
			return time.Duration(ticks * 100), nil
		}
	}
	return 0, v.typeErr(TypeTimeSpan)
}

// Rendering.

// AppendText appends the value's text form to dst, as .NET's XmlConvert
// writes each type.
func (v Value) AppendText(dst []byte) []byte {
	switch v.Type {
	case TypeChars, TypeDict:
		return append(dst, v.Bytes...)
	case TypeBool:
		if v.Num != 0 {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case TypeInt8, TypeInt16, TypeInt32, TypeInt64:
		return strconv.AppendInt(dst, int64(v.Num), 10)
	case TypeUint64:
		return strconv.AppendUint(dst, v.Num, 10)
	case TypeFloat:
		return AppendFloat(dst, float64(math.Float32frombits(uint32(v.Num))), 32)
	case TypeDouble:
		return AppendFloat(dst, math.Float64frombits(v.Num), 64)
	case TypeDecimal:
		return appendDecimal(dst, v.Num, v.Hi)
	case TypeDateTime:
		return appendDateTime(dst, v.Num)
	case TypeTimeSpan:
		return appendDuration(dst, int64(v.Num))
	case TypeUniqueID:
		dst = append(dst, "urn:uuid:"...)
		return AppendGUID(dst, v.GUIDBytes())
	case TypeUUID:
		return AppendGUID(dst, v.GUIDBytes())
	case TypeBytes:
		n := base64.StdEncoding.EncodedLen(len(v.Bytes))
		dst = grow(dst, n)
		base64.StdEncoding.Encode(dst[len(dst):len(dst)+n], v.Bytes)
		return dst[:len(dst)+n]
	case TypeQName:
		dst = append(dst, byte('a'+v.Num%26), ':')
		return append(dst, v.Bytes...)
	}
	return dst
}

func grow(b []byte, n int) []byte {
	if cap(b)-len(b) >= n {
		return b
	}
	nb := make([]byte, len(b), 2*cap(b)+n)
	copy(nb, b)
	return nb
}

// AppendFloat appends f the way .NET writes xs:float (bitSize 32) and
// xs:double (64): shortest round-trip digits, INF, -INF, NaN, and exponent
// notation with an upper-case E outside the range 1e-5 … 1e15 (1e7 for float).
func AppendFloat(dst []byte, f float64, bitSize int) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "INF"...)
	case math.IsInf(f, -1):
		return append(dst, "-INF"...)
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case f == 0:
		if math.Signbit(f) {
			return append(dst, "-0"...)
		}
		return append(dst, '0')
	}
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], f, 'e', -1, bitSize) // [-]d[.ddd]e±dd
	neg := e[0] == '-'
	if neg {
		e = e[1:]
		dst = append(dst, '-')
	}
	ei := 0
	for ei < len(e) && e[ei] != 'e' {
		ei++
	}
	mant := e[:ei]
	exp, _ := strconv.Atoi(string(e[ei+1:]))
	digits := make([]byte, 0, 24)
	for _, c := range mant {
		if c != '.' {
			digits = append(digits, c)
		}
	}
	maxExp := 15
	if bitSize == 32 {
		maxExp = 7
	}
	if exp >= maxExp || exp < -5 {
		dst = append(dst, digits[0])
		if len(digits) > 1 {
			dst = append(dst, '.')
			dst = append(dst, digits[1:]...)
		}
		dst = append(dst, 'E')
		if exp < 0 {
			dst = append(dst, '-')
			exp = -exp
		} else {
			dst = append(dst, '+')
		}
		if exp < 10 {
			dst = append(dst, '0')
		}
		return strconv.AppendInt(dst, int64(exp), 10)
	}
	if exp < 0 {
		dst = append(dst, '0', '.')
		for i := -1; i > exp; i-- {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	}
	if len(digits) <= exp+1 {
		dst = append(dst, digits...)
		for i := len(digits); i <= exp; i++ {
			dst = append(dst, '0')
		}
		return dst
	}
	dst = append(dst, digits[:exp+1]...)
	dst = append(dst, '.')
	return append(dst, digits[exp+1:]...)
}

// appendDecimal renders a .NET decimal, keeping its scale's trailing zeros.
func appendDecimal(dst []byte, lo, hi uint64) []byte {
	scale := int(hi >> 32 & 0xFF)
	neg := hi>>40&0x80 != 0
	mag := [3]uint32{uint32(hi), uint32(lo >> 32), uint32(lo)} // most significant first
	var digits [40]byte
	n := 0
	for mag[0] != 0 || mag[1] != 0 || mag[2] != 0 {
		var rem uint32
		for i := range mag {
			q, r := bits.Div32(rem, mag[i], 10)
			mag[i], rem = q, r
		}
		digits[n] = byte('0' + rem)
		n++
	}
	for n <= scale { // at least one digit before the point
		digits[n] = '0'
		n++
	}
	if neg {
		dst = append(dst, '-')
	}
	for i := n - 1; i >= 0; i-- {
		if i == scale-1 {
			dst = append(dst, '.')
		}
		dst = append(dst, digits[i])
	}
	return dst
}

func appendDateTime(dst []byte, raw uint64) []byte {
	kind := DateTimeKind(raw >> 62)
	ticks := int64(raw & (1<<62 - 1))
	t := ticksTime(ticks)
	if kind == KindLocal {
		t = t.In(time.Local)
	}
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	dst = appendPad(dst, y, 4)
	dst = append(dst, '-')
	dst = appendPad(dst, int(mo), 2)
	dst = append(dst, '-')
	dst = appendPad(dst, d, 2)
	dst = append(dst, 'T')
	dst = appendPad(dst, h, 2)
	dst = append(dst, ':')
	dst = appendPad(dst, mi, 2)
	dst = append(dst, ':')
	dst = appendPad(dst, s, 2)
	dst = appendFraction(dst, int64(t.Nanosecond()/100))
	switch kind {
	case KindUTC:
		dst = append(dst, 'Z')
	case KindLocal:
		_, off := t.Zone()
		if off < 0 {
			dst = append(dst, '-')
			off = -off
		} else {
			dst = append(dst, '+')
		}
		dst = appendPad(dst, off/3600, 2)
		dst = append(dst, ':')
		dst = appendPad(dst, off/60%60, 2)
	}
	return dst
}

// appendFraction appends ".fffffff" with trailing zeros trimmed, or nothing for 0.
func appendFraction(dst []byte, frac int64) []byte {
	if frac == 0 {
		return dst
	}
	var f [7]byte
	for i := 6; i >= 0; i-- {
		f[i] = byte('0' + frac%10)
		frac /= 10
	}
	n := 7
	for n > 0 && f[n-1] == '0' {
		n--
	}
	dst = append(dst, '.')
	return append(dst, f[:n]...)
}

func appendPad(dst []byte, v, width int) []byte {
	var b [20]byte
	i := len(b)
	for v > 0 || i == len(b) {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
	}
	for len(b)-i < width {
		i--
		b[i] = '0'
	}
	return append(dst, b[i:]...)
}

// appendDuration renders ticks as xs:duration, as .NET's XmlConvert does for a TimeSpan.
func appendDuration(dst []byte, ticks int64) []byte {
	u := uint64(ticks)
	if ticks < 0 {
		dst = append(dst, '-')
		u = uint64(-ticks)
	}
	dst = append(dst, 'P')
	frac := int64(u % 10_000_000)
	secs := u / 10_000_000
	days := secs / 86400
	h := secs / 3600 % 24
	m := secs / 60 % 60
	s := secs % 60
	if days > 0 {
		dst = strconv.AppendUint(dst, days, 10)
		dst = append(dst, 'D')
	}
	if h != 0 || m != 0 || s != 0 || frac != 0 || days == 0 {
		dst = append(dst, 'T')
		if h > 0 {
			dst = strconv.AppendUint(dst, h, 10)
			dst = append(dst, 'H')
		}
		if m > 0 {
			dst = strconv.AppendUint(dst, m, 10)
			dst = append(dst, 'M')
		}
		if s > 0 || frac > 0 || (h == 0 && m == 0) {
			dst = strconv.AppendUint(dst, s, 10)
			dst = appendFraction(dst, frac)
			dst = append(dst, 'S')
		}
	}
	return dst
}

const hexDigits = "0123456789abcdef"

// AppendGUID appends g (text order) as 8-4-4-4-12 lower-case hex.
func AppendGUID(dst []byte, g [16]byte) []byte {
	for i, c := range g {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, hexDigits[c>>4], hexDigits[c&15])
	}
	return dst
}

// ParseGUID parses 8-4-4-4-12 hex (either case) into text order.
func ParseGUID(b []byte) ([16]byte, bool) {
	var g [16]byte
	if len(b) != 36 || b[8] != '-' || b[13] != '-' || b[18] != '-' || b[23] != '-' {
		return g, false
	}
	j := 0
	for i := 0; i < 36; i += 2 {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			i++ // the dashes, checked above; any other is not a hex digit
		}
		hi, ok1 := unhex(b[i])
		lo, ok2 := unhex(b[i+1])
		if !ok1 || !ok2 {
			return g, false
		}
		g[j] = hi<<4 | lo
		j++
	}
	return g, true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// TrimSpace trims XML whitespace (space, tab, CR, LF) from both ends of b.
func TrimSpace(b []byte) []byte {
	for len(b) > 0 && IsSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && IsSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// IsSpace reports whether c is XML whitespace.
func IsSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func parseUint(b []byte) (uint64, bool) {
	if len(b) > 0 && b[0] == '+' {
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		hi, lo := bits.Mul64(n, 10)
		if hi != 0 {
			return 0, false
		}
		var carry uint64
		n, carry = bits.Add64(lo, uint64(c-'0'), 0)
		if carry != 0 {
			return 0, false
		}
	}
	return n, true
}

func parseInt(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && b[0] == '-' {
		neg = true
		b = b[1:]
	} else if len(b) > 0 && b[0] == '+' {
		b = b[1:]
	}
	if len(b) == 0 || b[0] == '+' {
		return 0, false
	}
	u, ok := parseUint(b)
	if !ok {
		return 0, false
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true
	}
	if u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}

// parseDateTime parses xs:dateTime as .NET writes it: yyyy-MM-ddTHH:mm:ss[.f{1,7}][Z|±hh:mm].
func parseDateTime(b []byte) (time.Time, DateTimeKind, bool) {
	num := func(s []byte) (int, bool) {
		n := 0
		for _, c := range s {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, len(s) > 0
	}
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return time.Time{}, 0, false
	}
	y, ok1 := num(b[0:4])
	mo, ok2 := num(b[5:7])
	d, ok3 := num(b[8:10])
	h, ok4 := num(b[11:13])
	mi, ok5 := num(b[14:16])
	s, ok6 := num(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59 {
		return time.Time{}, 0, false
	}
	rest := b[19:]
	ns := 0
	if len(rest) > 0 && rest[0] == '.' {
		i := 1
		scale := 100_000_000
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			ns += int(rest[i]-'0') * scale
			scale /= 10
			i++
		}
		if i == 1 {
			return time.Time{}, 0, false
		}
		rest = rest[i:]
	}
	t := time.Date(y, time.Month(mo), d, h, mi, s, ns/100*100, time.UTC)
	if t.Day() != d {
		return time.Time{}, 0, false
	}
	switch {
	case len(rest) == 0:
		return t, KindUnspecified, true
	case len(rest) == 1 && rest[0] == 'Z':
		return t, KindUTC, true
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := num(rest[1:3])
		om, ok2 := num(rest[4:6])
		if !ok1 || !ok2 || oh > 14 || om > 59 {
			return time.Time{}, 0, false
		}
		off := (oh*60 + om) * 60
		if rest[0] == '-' {
			off = -off
		}
		utc := t.Add(-time.Duration(off) * time.Second)
		return utc.In(time.Local), KindLocal, true
	}
	return time.Time{}, 0, false
}

// parseDuration parses xs:duration into .NET ticks. Years count 365 days and
// months 30, as .NET's XmlConvert.ToTimeSpan does.
func parseDuration(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && b[0] == '-' {
		neg = true
		b = b[1:]
	}
	if len(b) < 2 || b[0] != 'P' {
		return 0, false
	}
	b = b[1:]
	var ticks uint64
	inTime := false
	any := false
	add := func(n, unit uint64) bool {
		hi, lo := bits.Mul64(n, unit)
		if hi != 0 {
			return false
		}
		var c uint64
		ticks, c = bits.Add64(ticks, lo, 0)
		return c == 0
	}
	for len(b) > 0 {
		if b[0] == 'T' {
			if inTime {
				return 0, false
			}
			inTime = true
			b = b[1:]
			if len(b) == 0 {
				return 0, false
			}
			continue
		}
		i := 0
		var n uint64
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			hi, lo := bits.Mul64(n, 10)
			if hi != 0 {
				return 0, false
			}
			n = lo + uint64(b[i]-'0')
			i++
		}
		if i == 0 || i == len(b) {
			return 0, false
		}
		var frac uint64
		if b[i] == '.' {
			if !inTime {
				return 0, false
			}
			i++
			scale := uint64(1_000_000)
			j := i
			for i < len(b) && b[i] >= '0' && b[i] <= '9' {
				frac += uint64(b[i]-'0') * scale
				scale /= 10
				i++
			}
			if i == j || i == len(b) || b[i] != 'S' {
				return 0, false
			}
		}
		var unit uint64
		switch {
		case !inTime && b[i] == 'Y':
			unit = 365 * 864_000_000_000
		case !inTime && b[i] == 'M':
			unit = 30 * 864_000_000_000
		case !inTime && b[i] == 'D':
			unit = 864_000_000_000
		case inTime && b[i] == 'H':
			unit = 36_000_000_000
		case inTime && b[i] == 'M':
			unit = 600_000_000
		case inTime && b[i] == 'S':
			unit = 10_000_000
		default:
			return 0, false
		}
		if !add(n, unit) || !add(frac, 1) {
			return 0, false
		}
		any = true
		b = b[i+1:]
	}
	if !any || ticks > math.MaxInt64 {
		return 0, false
	}
	if neg {
		return -int64(ticks), true
	}
	return int64(ticks), true
}

// ValidUTF8 reports whether b is valid UTF-8 (a helper for encoders).
func ValidUTF8(b []byte) bool { return utf8.Valid(b) }
