// Package nbfx is the .NET Binary Format for XML: the record encoding of
// [MC-NBFX], with the SOAP static dictionary of [MC-NBFS] and the in-band
// session dictionaries of [MC-NBFSE].
//
// Reader decodes a document (or the body of one sized envelope) into
// xmlnode nodes; Writer encodes nodes choosing records the way WCF's binary
// writer does: dictionary references for known strings, typed text records
// for typed values, the shortest integer form, and the "WithEndElement"
// variant for text that ends its element. A SessionDictionary carries the
// strings of one direction of a session across documents.
//
// The codec holds no policy: it knows nothing of channels, messages or
// framing. Each record is named by its [MC-NBFX] name (RecordChars8Text, …).
package nbfx

// Record types of [MC-NBFX] §2.2. A text record's WithEndElement form is the
// record type plus one.
const (
	RecordEndElement                    = 0x01
	RecordComment                       = 0x02
	RecordArray                         = 0x03
	RecordShortAttribute                = 0x04
	RecordAttribute                     = 0x05
	RecordShortDictionaryAttribute      = 0x06
	RecordDictionaryAttribute           = 0x07
	RecordShortXmlnsAttribute           = 0x08
	RecordXmlnsAttribute                = 0x09
	RecordShortDictionaryXmlnsAttribute = 0x0A
	RecordDictionaryXmlnsAttribute      = 0x0B
	RecordPrefixDictionaryAttributeA    = 0x0C // … through Z = 0x25
	RecordPrefixAttributeA              = 0x26 // … through Z = 0x3F
	RecordShortElement                  = 0x40
	RecordElement                       = 0x41
	RecordShortDictionaryElement        = 0x42
	RecordDictionaryElement             = 0x43
	RecordPrefixDictionaryElementA      = 0x44 // … through Z = 0x5D
	RecordPrefixElementA                = 0x5E // … through Z = 0x77

	RecordZeroText            = 0x80
	RecordOneText             = 0x82
	RecordFalseText           = 0x84
	RecordTrueText            = 0x86
	RecordInt8Text            = 0x88
	RecordInt16Text           = 0x8A
	RecordInt32Text           = 0x8C
	RecordInt64Text           = 0x8E
	RecordFloatText           = 0x90
	RecordDoubleText          = 0x92
	RecordDecimalText         = 0x94
	RecordDateTimeText        = 0x96
	RecordChars8Text          = 0x98
	RecordChars16Text         = 0x9A
	RecordChars32Text         = 0x9C
	RecordBytes8Text          = 0x9E
	RecordBytes16Text         = 0xA0
	RecordBytes32Text         = 0xA2
	RecordStartListText       = 0xA4
	RecordEndListText         = 0xA6
	RecordEmptyText           = 0xA8
	RecordDictionaryText      = 0xAA
	RecordUniqueIdText        = 0xAC
	RecordTimeSpanText        = 0xAE
	RecordUuidText            = 0xB0
	RecordUInt64Text          = 0xB2
	RecordBoolText            = 0xB4
	RecordUnicodeChars8Text   = 0xB6
	RecordUnicodeChars16Text  = 0xB8
	RecordUnicodeChars32Text  = 0xBA
	RecordQNameDictionaryText = 0xBC
)

var recordNames = map[byte]string{
	RecordEndElement: "EndElement", RecordComment: "Comment", RecordArray: "Array",
	RecordShortAttribute: "ShortAttribute", RecordAttribute: "Attribute",
	RecordShortDictionaryAttribute: "ShortDictionaryAttribute", RecordDictionaryAttribute: "DictionaryAttribute",
	RecordShortXmlnsAttribute: "ShortXmlnsAttribute", RecordXmlnsAttribute: "XmlnsAttribute",
	RecordShortDictionaryXmlnsAttribute: "ShortDictionaryXmlnsAttribute", RecordDictionaryXmlnsAttribute: "DictionaryXmlnsAttribute",
	RecordShortElement: "ShortElement", RecordElement: "Element",
	RecordShortDictionaryElement: "ShortDictionaryElement", RecordDictionaryElement: "DictionaryElement",
	RecordZeroText: "ZeroText", RecordOneText: "OneText", RecordFalseText: "FalseText", RecordTrueText: "TrueText",
	RecordInt8Text: "Int8Text", RecordInt16Text: "Int16Text", RecordInt32Text: "Int32Text", RecordInt64Text: "Int64Text",
	RecordFloatText: "FloatText", RecordDoubleText: "DoubleText", RecordDecimalText: "DecimalText",
	RecordDateTimeText: "DateTimeText", RecordChars8Text: "Chars8Text", RecordChars16Text: "Chars16Text",
	RecordChars32Text: "Chars32Text", RecordBytes8Text: "Bytes8Text", RecordBytes16Text: "Bytes16Text",
	RecordBytes32Text: "Bytes32Text", RecordStartListText: "StartListText", RecordEndListText: "EndListText",
	RecordEmptyText: "EmptyText", RecordDictionaryText: "DictionaryText", RecordUniqueIdText: "UniqueIdText",
	RecordTimeSpanText: "TimeSpanText", RecordUuidText: "UuidText", RecordUInt64Text: "UInt64Text",
	RecordBoolText: "BoolText", RecordUnicodeChars8Text: "UnicodeChars8Text",
	RecordUnicodeChars16Text: "UnicodeChars16Text", RecordUnicodeChars32Text: "UnicodeChars32Text",
	RecordQNameDictionaryText: "QNameDictionaryText",
}

// RecordName returns the [MC-NBFX] name of a record type byte.
func RecordName(t byte) string {
	switch {
	case t >= RecordPrefixDictionaryAttributeA && t < RecordPrefixAttributeA:
		return "PrefixDictionaryAttribute" + string(rune('A'+t-RecordPrefixDictionaryAttributeA))
	case t >= RecordPrefixAttributeA && t < RecordShortElement:
		return "PrefixAttribute" + string(rune('A'+t-RecordPrefixAttributeA))
	case t >= RecordPrefixDictionaryElementA && t < RecordPrefixElementA:
		return "PrefixDictionaryElement" + string(rune('A'+t-RecordPrefixDictionaryElementA))
	case t >= RecordPrefixElementA && t < 0x78:
		return "PrefixElement" + string(rune('A'+t-RecordPrefixElementA))
	case t >= RecordZeroText && t <= RecordQNameDictionaryText+1:
		if n, ok := recordNames[t&^1]; ok {
			if t&1 == 1 {
				return n + "WithEndElement"
			}
			return n
		}
	}
	if n, ok := recordNames[t]; ok {
		return n
	}
	return "reserved"
}

// MaxMultiByteInt31 is the largest value a MultiByteInt31 can hold.
const MaxMultiByteInt31 = 0x7FFFFFFF

// AppendMultiByteInt31 appends v as an [MC-NBFX] §2.1.2 MultiByteInt31: 7-bit
// groups, least significant first, high bit set on all but the last.
func AppendMultiByteInt31(dst []byte, v uint32) []byte {
	for v >= 0x80 {
		dst = append(dst, byte(v)|0x80)
		v >>= 7
	}
	return append(dst, byte(v))
}

// ReadMultiByteInt31 decodes a MultiByteInt31 from the start of b, returning
// the value and the number of bytes used. n is 0 when b ends first, and -1
// when the encoding is invalid (over 5 bytes or over 0x7FFFFFFF).
func ReadMultiByteInt31(b []byte) (v uint32, n int) {
	if len(b) > 0 && b[0] < 0x80 {
		return uint32(b[0]), 1
	}
	for i := 0; i < 5; i++ {
		if i >= len(b) {
			return 0, 0
		}
		c := b[i]
		if i == 4 && c&0xF8 != 0 {
			return 0, -1
		}
		v |= uint32(c&0x7F) << (7 * i)
		if c < 0x80 {
			return v, i + 1
		}
	}
	return 0, -1
}
