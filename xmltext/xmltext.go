// Package xmltext implements the text XML encoding of wws: a Reader that
// parses XML 1.0 with namespaces into xmlnode nodes, and a Writer that
// renders xmlnode nodes as XML text, both as WCF's TextMessageEncoder reads
// and writes SOAP envelopes.
//
// The Reader works on a complete message held in memory. It is a
// non-recursive state machine over the input bytes: it hands out views into
// the input wherever the text needs no rewriting, and allocates nothing per
// node once its buffers have grown (reuse a Reader with Reset). It accepts
// UTF-8 and UTF-16 input, resolves namespace prefixes, expands the five
// predefined entities and character references, normalizes line ends and
// attribute whitespace as XML 1.0 requires, and rejects what is not
// well-formed, naming the byte offset. It refuses document type
// declarations, so no DTD processing (entity expansion, external fetches)
// can happen. Quotas bound depth, attribute count, string length, input
// size and namespace bindings.
//
// The Writer renders nodes into an internal buffer in UTF-8 or UTF-16,
// declaring namespaces as needed, escaping text and attribute values and
// rejecting names and characters XML 1.0 does not allow, so that whatever it
// produces reads back with the Reader to the same xmlnode.Infoset.
package xmltext

import (
	"unicode/utf8"

	"github.com/wwsgo/wws/xmlnode"
)

// Charset is the character encoding of a document.
type Charset uint8

const (
	// CharsetAuto makes a Reader detect the charset: a byte order mark
	// decides (EF BB BF for UTF-8, FF FE for UTF-16LE, FE FF for UTF-16BE);
	// without one, a zero byte among the first two (as in "<\x00?\x00xml"
	// or "\x00<\x00?xml") means UTF-16 of that byte order, and anything
	// else is UTF-8. The encoding named by an XML declaration is ignored,
	// as WCF ignores it. A Writer treats CharsetAuto as UTF8.
	CharsetAuto Charset = iota
	UTF8                // UTF-8; a Writer writes no byte order mark
	UTF16LE             // UTF-16, little-endian; a Writer starts with the BOM FF FE
	UTF16BE             // UTF-16, big-endian; a Writer starts with the BOM FE FF
)

// String returns "auto", "utf-8", "utf-16le" or "utf-16be".
func (c Charset) String() string {
	switch c {
	case CharsetAuto:
		return "auto"
	case UTF8:
		return "utf-8"
	case UTF16LE:
		return "utf-16le"
	case UTF16BE:
		return "utf-16be"
	}
	return "Charset(?)"
}

// Character classes of ASCII bytes in names.
const (
	cNameStart = 1 << iota // may start an NCName: letters and '_'
	cName                  // may continue an NCName: also digits, '-', '.'
	cSpace                 // XML white space
)

var asciiClass = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] |= cNameStart | cName
		t[c-'a'+'A'] |= cNameStart | cName
	}
	for c := '0'; c <= '9'; c++ {
		t[c] |= cName
	}
	t['_'] |= cNameStart | cName
	t['-'] |= cName
	t['.'] |= cName
	for _, c := range " \t\r\n" {
		t[c] |= cSpace
	}
	return
}()

func isSpace(c byte) bool { return asciiClass[c]&cSpace != 0 }

// isControl reports whether c is an ASCII control character XML 1.0 forbids.
func isControl(c byte) bool { return c < 0x20 && c != '\t' && c != '\n' && c != '\r' }

// specialTable returns a table that marks the bytes given, the forbidden
// control characters and every non-ASCII byte (which needs UTF-8 decoding).
func specialTable(special string) (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c >= 0x80 || isControl(byte(c))
	}
	for i := 0; i < len(special); i++ {
		t[special[i]] = true
	}
	return
}

// isXMLChar reports whether r is a Char of XML 1.0.
func isXMLChar(r rune) bool {
	switch {
	case r < 0x20:
		return r == '\t' || r == '\n' || r == '\r'
	case r <= 0xD7FF:
		return true
	case r < 0xE000:
		return false
	case r <= 0xFFFD:
		return true
	}
	return r >= 0x10000 && r <= utf8.MaxRune
}

// isNameStartRune reports whether a non-ASCII r may start a name (XML 1.0
// fifth edition, NameStartChar).
func isNameStartRune(r rune) bool {
	switch {
	case r < 0xC0:
		return false
	case r <= 0x2FF:
		return r != 0xD7 && r != 0xF7
	case r < 0x370:
		return false
	case r <= 0x1FFF:
		return r != 0x37E
	case r == 0x200C || r == 0x200D:
		return true
	case r >= 0x2070 && r <= 0x218F, r >= 0x2C00 && r <= 0x2FEF,
		r >= 0x3001 && r <= 0xD7FF, r >= 0xF900 && r <= 0xFDCF,
		r >= 0xFDF0 && r <= 0xFFFD, r >= 0x10000 && r <= 0xEFFFF:
		return true
	}
	return false
}

// isNameRune reports whether a non-ASCII r may continue a name.
func isNameRune(r rune) bool {
	return isNameStartRune(r) || r == 0xB7 || (r >= 0x300 && r <= 0x36F) || r == 0x203F || r == 0x2040
}

// isNCName reports whether b is a valid NCName (a name without colons).
func isNCName(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	if asciiClass[b[0]]&cNameStart != 0 {
		i := 1
		for i < len(b) && asciiClass[b[i]]&cName != 0 {
			i++
		}
		if i == len(b) {
			return true
		}
	}
	return isNCNameSlow(b)
}

// isNCNameSlow is isNCName for names with non-ASCII characters.
func isNCNameSlow(b []byte) bool {
	for i := 0; i < len(b); {
		c := b[i]
		cl := asciiClass[c]
		if cl&cName != 0 {
			if i == 0 && cl&cNameStart == 0 {
				return false
			}
			i++
			continue
		}
		if c < utf8.RuneSelf {
			return false
		}
		r, size := utf8.DecodeRune(b[i:])
		if size == 1 || !isNameRune(r) || (i == 0 && !isNameStartRune(r)) {
			return false
		}
		i += size
	}
	return true
}

var (
	xmlNS   = []byte(xmlnode.NamespaceXML)
	xmlnsNS = []byte(xmlnode.NamespaceXMLNS)

	xmlPrefix = []byte("xml")
)
