package xmltext

import (
	"unicode/utf8"
)

// detectCharset applies the rules documented at CharsetAuto and returns the
// charset of data and the length of its byte order mark.
func detectCharset(data []byte) (Charset, int) {
	switch {
	case len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF:
		return UTF8, 3
	case len(data) >= 2 && data[0] == 0xFF && data[1] == 0xFE:
		return UTF16LE, 2
	case len(data) >= 2 && data[0] == 0xFE && data[1] == 0xFF:
		return UTF16BE, 2
	case len(data) >= 2 && data[0] != 0 && data[1] == 0:
		return UTF16LE, 0
	case len(data) >= 2 && data[0] == 0 && data[1] != 0:
		return UTF16BE, 0
	}
	return UTF8, 0
}

// bomLen returns the length of a byte order mark for cs at the start of data.
func bomLen(data []byte, cs Charset) int {
	switch {
	case cs == UTF8 && len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF:
		return 3
	case cs == UTF16LE && len(data) >= 2 && data[0] == 0xFF && data[1] == 0xFE,
		cs == UTF16BE && len(data) >= 2 && data[0] == 0xFE && data[1] == 0xFF:
		return 2
	}
	return 0
}

// utf16ToUTF8 appends the UTF-8 form of the UTF-16 text src to dst. On
// malformed input (an odd length or an unpaired surrogate) it returns the
// offset in src of the bad code unit.
func utf16ToUTF8(dst, src []byte, bigEndian bool) ([]byte, int, bool) {
	hi, lo := 1, 0
	if bigEndian {
		hi, lo = 0, 1
	}
	n := len(src) &^ 1
	for i := 0; i < n; i += 2 {
		u := rune(src[i+hi])<<8 | rune(src[i+lo])
		if u < utf8.RuneSelf {
			dst = append(dst, byte(u))
			continue
		}
		if u >= 0xD800 && u < 0xE000 {
			if u >= 0xDC00 || i+3 >= n {
				return dst, i, false
			}
			u2 := rune(src[i+2+hi])<<8 | rune(src[i+2+lo])
			if u2 < 0xDC00 || u2 >= 0xE000 {
				return dst, i, false
			}
			u = 0x10000 + (u-0xD800)<<10 + (u2 - 0xDC00)
			i += 2
		}
		dst = utf8.AppendRune(dst, u)
	}
	if n != len(src) {
		return dst, n, false
	}
	return dst, 0, true
}

// appendUTF16 appends the UTF-16 form of the valid UTF-8 text src to dst.
func appendUTF16(dst, src []byte, bigEndian bool) []byte {
	put := func(dst []byte, u uint16) []byte {
		if bigEndian {
			return append(dst, byte(u>>8), byte(u))
		}
		return append(dst, byte(u), byte(u>>8))
	}
	for i := 0; i < len(src); {
		c := src[i]
		if c < utf8.RuneSelf {
			if bigEndian {
				dst = append(dst, 0, c)
			} else {
				dst = append(dst, c, 0)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(src[i:])
		i += size
		if r >= 0x10000 {
			r -= 0x10000
			dst = put(dst, uint16(0xD800+(r>>10)))
			dst = put(dst, uint16(0xDC00+(r&0x3FF)))
			continue
		}
		dst = put(dst, uint16(r))
	}
	return dst
}
