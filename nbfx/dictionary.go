package nbfx

import (
	"fmt"
	"sync"
	"unicode/utf8"

	"github.com/wwsgo/wws/xmlnode"
)

// The [MC-NBFS] static dictionary, laid out once in one byte arena so that
// readers can hand out views without converting strings.
var static struct {
	once  sync.Once
	arena []byte
	offs  []uint32 // string i is arena[offs[i]:offs[i+1]]
	ids   map[string]uint32
}

func initStatic() {
	static.once.Do(func() {
		n := 0
		for _, s := range nbfsStrings {
			n += len(s)
		}
		static.arena = make([]byte, 0, n)
		static.offs = make([]uint32, 0, len(nbfsStrings)+1)
		static.ids = make(map[string]uint32, len(nbfsStrings))
		for i, s := range nbfsStrings {
			static.offs = append(static.offs, uint32(len(static.arena)))
			static.arena = append(static.arena, s...)
			if _, dup := static.ids[s]; !dup {
				static.ids[s] = uint32(2 * i)
			}
		}
		static.offs = append(static.offs, uint32(len(static.arena)))
	})
}

// StaticString returns the [MC-NBFS] string with the given (even) id.
func StaticString(id uint32) ([]byte, bool) {
	initStatic()
	if id&1 != 0 || int(id/2) >= len(nbfsStrings) {
		return nil, false
	}
	i := id / 2
	a, b := static.offs[i], static.offs[i+1]
	return static.arena[a:b:b], true
}

// StaticID returns the [MC-NBFS] id of s, if s is in the static dictionary.
func StaticID(s []byte) (uint32, bool) {
	initStatic()
	id, ok := static.ids[string(s)]
	return id, ok
}

// DefaultMaxSessionDictionarySize is WCF's and WWSAPI's default quota for a
// session dictionary (WS_CHANNEL_PROPERTY_MAX_SESSION_DICTIONARY_SIZE).
const DefaultMaxSessionDictionarySize = 2048

// SessionDictionary is one direction of an [MC-NBFSE] in-band dictionary:
// the strings a sender has announced so far, with ids 1, 3, 5, … in the order
// they were announced. A session keeps one for what it reads and another for
// what it writes. Every string costs len+1 bytes against MaxSize; the total may
// reach MaxSize but not exceed it.
//
// A SessionDictionary is not safe for concurrent use.
type SessionDictionary struct {
	MaxSize int // quota in bytes; 0 means DefaultMaxSessionDictionarySize

	size    int
	arena   []byte
	offs    []uint32 // string i is arena[offs[i]:offs[i+1]]; len(offs) = count+1
	ids     map[string]uint32
	pending int // strings added since the last AppendStringTable (writer side)
}

// NewSessionDictionary returns an empty dictionary with the given quota.
func NewSessionDictionary(maxSize int) *SessionDictionary {
	return &SessionDictionary{MaxSize: maxSize}
}

func (d *SessionDictionary) quota() int {
	if d.MaxSize <= 0 {
		return DefaultMaxSessionDictionarySize
	}
	return d.MaxSize
}

// Reset empties the dictionary, keeping its quota and buffers.
func (d *SessionDictionary) Reset() {
	d.size = 0
	d.arena = d.arena[:0]
	d.offs = d.offs[:0]
	d.pending = 0
	clear(d.ids)
}

// Len returns the number of strings in the dictionary.
func (d *SessionDictionary) Len() int {
	if len(d.offs) == 0 {
		return 0
	}
	return len(d.offs) - 1
}

// Size returns the quota used so far: the sum of len+1 over the strings.
func (d *SessionDictionary) Size() int { return d.size }

// String returns the string with the given (odd) session id.
func (d *SessionDictionary) String(id uint32) ([]byte, bool) {
	if id&1 == 0 {
		return nil, false
	}
	i := int(id / 2)
	if i >= d.Len() {
		return nil, false
	}
	a, b := d.offs[i], d.offs[i+1]
	return d.arena[a:b:b], true
}

// View returns a read-only copy of the dictionary as it is now, sharing its
// memory: strings added to d later do not appear in it, and reading the view
// never races with d growing. (Strings are only ever appended, so what the
// view covers never changes.) Adding to a view fails.
func (d *SessionDictionary) View() SessionDictionary {
	a, o := len(d.arena), len(d.offs)
	return SessionDictionary{MaxSize: d.size, size: d.size, arena: d.arena[:a:a], offs: d.offs[:o:o]}
}

// ID returns the session id of s, if s has been added.
func (d *SessionDictionary) ID(s []byte) (uint32, bool) {
	if d.ids == nil {
		return 0, false
	}
	id, ok := d.ids[string(s)]
	return id, ok
}

// add appends s, assuming the caller checked the quota.
func (d *SessionDictionary) add(s []byte) uint32 {
	if len(d.offs) == 0 {
		d.offs = append(d.offs, 0)
	}
	id := uint32(2*d.Len() + 1)
	d.arena = append(d.arena, s...)
	d.offs = append(d.offs, uint32(len(d.arena)))
	d.size += len(s) + 1
	return id
}

// Add adds s for the next string table and returns its id. It returns false,
// adding nothing, when s is already present (its id is returned) or would take
// the dictionary over its quota; the writer then writes s inline.
func (d *SessionDictionary) Add(s []byte) (uint32, bool) {
	if id, ok := d.ID(s); ok {
		return id, false
	}
	if d.size+len(s)+1 > d.quota() || len(s) > MaxMultiByteInt31 {
		return 0, false
	}
	if d.ids == nil {
		d.ids = make(map[string]uint32)
	}
	id := d.add(s)
	d.ids[string(s)] = id
	d.pending++
	return id, true
}

// Pending returns the number of strings added since the last string table.
func (d *SessionDictionary) Pending() int { return d.pending }

// AppendStringTable appends the [MC-NBFSE] StringTable announcing the strings
// added since the previous call — MultiByteInt31 total size, then each string
// as MultiByteInt31 length and UTF-8 — and marks them announced.
func (d *SessionDictionary) AppendStringTable(dst []byte) []byte {
	first := d.Len() - d.pending
	size := 0
	for i := first; i < d.Len(); i++ {
		n := int(d.offs[i+1] - d.offs[i])
		size += mb31Len(uint32(n)) + n
	}
	dst = AppendMultiByteInt31(dst, uint32(size))
	for i := first; i < d.Len(); i++ {
		s := d.arena[d.offs[i]:d.offs[i+1]]
		dst = AppendMultiByteInt31(dst, uint32(len(s)))
		dst = append(dst, s...)
	}
	d.pending = 0
	return dst
}

// Rollback forgets the strings added since the last string table, for a
// document that was abandoned before it was sent.
func (d *SessionDictionary) Rollback() {
	for ; d.pending > 0; d.pending-- {
		n := d.Len() - 1
		s := d.arena[d.offs[n]:d.offs[n+1]]
		delete(d.ids, string(s))
		d.size -= len(s) + 1
		d.arena = d.arena[:d.offs[n]]
		d.offs = d.offs[:n+1]
	}
}

func mb31Len(v uint32) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// ReadStringTable decodes the [MC-NBFSE] StringTable at the start of b, adds
// its strings, and returns the rest of b (the document). A string over the
// quota is an error wrapping xmlnode.ErrQuotaExceeded; a malformed table is an
// *xmlnode.Error too. Strings are copied; b is not retained.
func (d *SessionDictionary) ReadStringTable(b []byte) ([]byte, error) {
	size, n := ReadMultiByteInt31(b)
	if n <= 0 {
		return nil, tableErr(0, "bad StringTable size")
	}
	if int(size) > len(b)-n {
		return nil, tableErr(0, fmt.Sprintf("StringTable size %d exceeds the %d bytes that follow", size, len(b)-n))
	}
	table := b[n : n+int(size)]
	off := n
	for len(table) > 0 {
		l, m := ReadMultiByteInt31(table)
		if m <= 0 || int(l) > len(table)-m {
			return nil, tableErr(off, "bad string length in StringTable")
		}
		s := table[m : m+int(l)]
		if !utf8.Valid(s) {
			return nil, tableErr(off, "string in StringTable is not valid UTF-8")
		}
		if d.size+len(s)+1 > d.quota() {
			return nil, &xmlnode.Error{Encoding: "nbfse", Offset: int64(off),
				Msg: fmt.Sprintf("session dictionary would grow to %d bytes, over its quota of %d", d.size+len(s)+1, d.quota()),
				Err: xmlnode.ErrQuotaExceeded}
		}
		d.add(s)
		table = table[m+int(l):]
		off += m + int(l)
	}
	return b[n+int(size):], nil
}

func tableErr(off int, msg string) error {
	return &xmlnode.Error{Encoding: "nbfse", Offset: int64(off), Msg: msg}
}
