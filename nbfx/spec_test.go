package nbfx

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wwsgo/wws/xmlnode"
)

// specExamples are the structure examples of [MC-NBFX] §3, bytes and the XML
// they encode. In the XML, strN names dictionary string N: even N is the
// [MC-NBFS] static string, odd N a session string the test defines as "strN".
// exact marks examples whose bytes the Writer reproduces from the decoded
// nodes. The others differ because the example shows a record WCF's writer
// would not pick: a longer length form, text not folded into its
// WithEndElement form, or a name written inline that the static dictionary
// holds (the Writer references any name the dictionary has).
var specExamples = []struct {
	name  string
	hex   string
	xml   string
	exact bool
}{
	{"EndElement", "40 03 64 6F 63 01", `<doc></doc>`, true},
	{"Comment", "02 07 63 6F 6D 6D 65 6E 74", `<!--comment-->`, true},
	{"Array", "03 40 03 61 72 72 01 8B 03 33 33 88 88 DD DD", `<arr>13107</arr><arr>-30584</arr><arr>-8739</arr>`, false},
	{"ShortAttribute", "40 03 64 6F 63 04 04 61 74 74 72 84 01", `<doc attr="false"></doc>`, true},
	{"Attribute", "40 03 64 6F 63 09 03 70 72 65 0A 68 74 74 70 3A 2F 2F 61 62 63 05 03 70 72 65 04 61 74 74 72 84 01", `<doc xmlns:pre="http://abc" pre:attr="false"></doc>`, true},
	{"ShortDictionaryAttribute", "40 03 64 6F 63 06 08 86 01", `<doc str8="true"></doc>`, true},
	{"DictionaryAttribute", "40 03 64 6F 63 09 03 70 72 65 0A 68 74 74 70 3A 2F 2F 61 62 63 07 03 70 72 65 00 86 01", `<doc xmlns:pre="http://abc" pre:str0="true"></doc>`, true},
	{"ShortXmlnsAttribute", "40 03 64 6F 63 08 0A 68 74 74 70 3A 2F 2F 61 62 63 01", `<doc xmlns="http://abc"></doc>`, true},
	{"XmlnsAttribute", "40 03 64 6F 63 09 01 70 0A 68 74 74 70 3A 2F 2F 61 62 63 01", `<doc xmlns:p="http://abc"></doc>`, true},
	{"ShortDictionaryXmlnsAttribute", "40 03 64 6F 63 0A 04 01", `<doc xmlns="str4"></doc>`, true},
	{"DictionaryXmlnsAttribute", "40 03 64 6F 63 0B 01 70 04 01", `<doc xmlns:p="str4"></doc>`, true},
	{"PrefixDictionaryAttributeF", "40 03 64 6F 63 09 01 66 0A 68 74 74 70 3A 2F 2F 61 62 63 11 0B 98 05 68 65 6C 6C 6F 01", `<doc xmlns:f="http://abc" f:str11="hello"></doc>`, true},
	{"PrefixDictionaryAttributeX", "40 03 64 6F 63 09 01 78 0A 68 74 74 70 3A 2F 2F 61 62 63 23 15 98 05 77 6F 72 6C 64 01", `<doc xmlns:x="http://abc" x:str21="world"></doc>`, true},
	{"PrefixAttributeK", "40 03 64 6F 63 09 01 6B 0A 68 74 74 70 3A 2F 2F 61 62 63 30 04 61 74 74 72 86 01", `<doc xmlns:k="http://abc" k:attr="true"></doc>`, true},
	{"PrefixAttributeZ", "40 03 64 6F 63 09 01 7A 0A 68 74 74 70 3A 2F 2F 61 62 63 3F 03 61 62 63 98 03 78 79 7A 01", `<doc xmlns:z="http://abc" z:abc="xyz"></doc>`, true},
	{"ShortElement", "40 03 64 6F 63 01", `<doc></doc>`, true},
	{"Element", "41 03 70 72 65 03 64 6F 63 09 03 70 72 65 0A 68 74 74 70 3A 2F 2F 61 62 63 01", `<pre:doc xmlns:pre="http://abc"></pre:doc>`, true},
	{"ShortDictionaryElement", "42 0E 01", `<str14></str14>`, true},
	{"DictionaryElement", "43 03 70 72 65 0E 09 03 70 72 65 0A 68 74 74 70 3A 2F 2F 61 62 63 01", `<pre:str14 xmlns:pre="http://abc"></pre:str14>`, true},
	{"PrefixDictionaryElementA", "44 0A 09 01 61 0A 68 74 74 70 3A 2F 2F 61 62 63 01", `<a:str10 xmlns:a="http://abc"></a:str10>`, true},
	{"PrefixDictionaryElementS", "56 26 09 01 73 0A 68 74 74 70 3A 2F 2F 61 62 63 01", `<s:str38 xmlns:s="http://abc"></s:str38>`, true},
	{"PrefixElementA", "5E 05 68 65 6C 6C 6F 09 01 61 0A 68 74 74 70 3A 2F 2F 61 62 63 01", `<a:hello xmlns:a="http://abc"></a:hello>`, true},
	{"PrefixElementS", "70 09 4D 79 4D 65 73 73 61 67 65 09 01 73 0A 68 74 74 70 3A 2F 2F 61 62 63 01", `<s:MyMessage xmlns:s="http://abc"></s:MyMessage>`, true},
	{"ZeroText", "40 03 64 6F 63 06 A0 03 80 01", `<doc str416="0"></doc>`, true},
	{"ZeroTextWithEndElement", "40 03 61 62 63 81", `<abc>0</abc>`, true},
	{"OneText", "40 03 64 6F 63 06 00 82 01", `<doc str0="1"></doc>`, true},
	{"OneTextWithEndElement", "40 03 61 62 63 83", `<abc>1</abc>`, true},
	{"FalseText", "40 03 64 6F 63 06 00 84 01", `<doc str0="false"></doc>`, true},
	{"FalseTextWithEndElement", "40 03 61 62 63 85", `<abc>false</abc>`, true},
	{"TrueText", "40 03 64 6F 63 06 00 86 01", `<doc str0="true"></doc>`, true},
	{"TrueTextWithEndElement", "40 03 61 62 63 87", `<abc>true</abc>`, true},
	{"Int8Text", "40 03 64 6F 63 06 EC 01 88 DE 01", `<doc str236="-34"></doc>`, true},
	{"Int8TextWithEndElement", "42 9A 01 89 7F", `<str154>127</str154>`, true},
	{"Int16Text", "40 03 64 6F 63 06 EC 01 8A 00 80 01", `<doc str236="-32768"></doc>`, true},
	{"Int16TextWithEndElement", "42 9A 01 8B FF 7F", `<str154>32767</str154>`, true},
	{"Int32Text", "40 03 64 6F 63 06 EC 01 8C 15 CD 5B 07 01", `<doc str236="123456789"></doc>`, true},
	{"Int32TextWithEndElement", "42 9A 01 8D FF FF FF 7F", `<str154>2147483647</str154>`, true},
	{"Int64Text", "40 03 64 6F 63 06 EC 01 8E 00 00 00 80 00 00 00 00 01", `<doc str236="2147483648"></doc>`, true},
	{"Int64TextWithEndElement", "42 9A 01 8F 00 00 00 00 00 01 00 00", `<str154>1099511627776</str154>`, true},
	{"FloatText", "40 03 64 6F 63 04 01 61 90 CD CC 8C 3F 01", `<doc a="1.1"></doc>`, false},
	{"FloatTextWithEndElement", "40 05 50 72 69 63 65 91 CD CC 01 42", `<Price>32.45</Price>`, true},
	{"DoubleText", "40 03 64 6F 63 04 01 61 92 74 57 14 8B 0A BF 05 40 01", `<doc a="2.71828182845905"></doc>`, false},
	{"DoubleTextWithEndElement", "40 02 50 49 93 11 2D 44 54 FB 21 09 40", `<PI>3.14159265358979</PI>`, true},
	{"DecimalText", "40 03 64 6F 63 04 03 69 6E 74 94 00 00 06 00 00 00 00 00 80 2D 4E 00 00 00 00 00 01", `<doc int="5.123456"></doc>`, false},
	{"DecimalTextWithEndElement", "40 08 4D 61 78 56 61 6C 75 65 95 00 00 00 00 FF FF FF FF FF FF FF FF FF FF FF FF", `<MaxValue>79228162514264337593543950335</MaxValue>`, true},
	{"DateTimeText", "40 03 64 6F 63 06 6E 96 FF 3F 37 F4 75 28 CA 2B 01", `<doc str110="9999-12-31T23:59:59.9999999"></doc>`, true},
	{"DateTimeTextWithEndElement", "42 6C 97 00 40 8E F9 5B 47 C8 08", `<str108>2006-05-17T00:00:00</str108>`, true},
	{"Chars8Text", "40 03 64 6F 63 98 05 68 65 6C 6C 6F 01", `<doc>hello</doc>`, false},
	{"Chars8TextWithEndElement", "40 01 61 99 05 68 65 6C 6C 6F", `<a>hello</a>`, false},
	{"Chars16Text", "40 03 64 6F 63 9A 05 00 68 65 6C 6C 6F 01", `<doc>hello</doc>`, false},
	{"Chars16TextWithEndElement", "40 01 61 9B 05 00 68 65 6C 6C 6F", `<a>hello</a>`, false},
	{"Chars32Text", "40 03 64 6F 63 9C 05 00 00 00 68 65 6C 6C 6F 01", `<doc>hello</doc>`, false},
	{"Chars32TextWithEndElement", "40 01 61 9D 05 00 00 00 68 65 6C 6C 6F", `<a>hello</a>`, false},
	{"Bytes8Text", "40 03 64 6F 63 9E 08 00 01 02 03 04 05 06 07 01", `<doc>AAECAwQFBgc=</doc>`, false},
	{"Bytes8TextWithEndElement", "40 06 42 61 73 65 36 34 9F 08 00 01 02 03 04 05 06 07", `<Base64>AAECAwQFBgc=</Base64>`, true},
	{"Bytes16Text", "40 03 64 6F 63 A0 08 00 00 01 02 03 04 05 06 07 01", `<doc>AAECAwQFBgc=</doc>`, false},
	{"Bytes16TextWithEndElement", "40 06 42 61 73 65 36 34 A1 08 00 00 01 02 03 04 05 06 07", `<Base64>AAECAwQFBgc=</Base64>`, false},
	{"Bytes32Text", "40 03 64 6F 63 A2 08 00 00 00 00 01 02 03 04 05 06 07 01", `<doc>AAECAwQFBgc=</doc>`, false},
	{"Bytes32TextWithEndElement", "40 06 42 61 73 65 36 34 A3 08 00 00 00 00 01 02 03 04 05 06 07", `<Base64>AAECAwQFBgc=</Base64>`, false},
	{"StartListText/EndListText", "40 03 64 6F 63 04 01 61 A4 88 7B 98 05 68 65 6C 6C 6F 86 A6 01", `<doc a="123 hello true"></doc>`, false},
	{"EmptyText", "40 03 64 6F 63 04 01 61 A8 01", `<doc a=""></doc>`, false},
	{"EmptyTextWithEndElement", "40 03 64 6F 63 A9", `<doc></doc>`, true},
	{"DictionaryText", "40 03 64 6F 63 04 02 6E 73 AA 38 01", `<doc ns="str56"></doc>`, true},
	{"DictionaryTextWithEndElement", "40 04 54 79 70 65 AB C4 01", `<Type>str196</Type>`, false},
	{"UniqueIdText", "40 03 64 6F 63 AC 00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF 01", `<doc>urn:uuid:33221100-5544-7766-8899-aabbccddeeff</doc>`, false},
	{"UniqueIdTextWithEndElement", "42 1A AD 00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF", `<str26>urn:uuid:33221100-5544-7766-8899-aabbccddeeff</str26>`, true},
	{"TimeSpanText", "40 03 64 6F 63 AE 00 C4 F5 32 FF FF FF FF 01", `<doc>-PT5M44S</doc>`, false},
	{"TimeSpanTextWithEndElement", "42 94 07 AF 00 B0 8E F0 1B 00 00 00", `<str916>PT3H20M</str916>`, true},
	{"UuidText", "40 03 64 6F 63 B0 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 01", `<doc>03020100-0504-0706-0809-0a0b0c0d0e0f</doc>`, false},
	{"UuidTextWithEndElement", "40 02 49 44 B1 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F", `<ID>03020100-0504-0706-0809-0a0b0c0d0e0f</ID>`, true},
	{"UInt64Text", "40 03 64 6F 63 B2 FF FF FF FF FF FF FF FF 01", `<doc>18446744073709551615</doc>`, false},
	{"UInt64TextWithEndElement", "42 9A 01 B3 FE FF FF FF FF FF FF FF", `<str154>18446744073709551614</str154>`, true},
	{"BoolText", "40 03 64 6F 63 B4 01 01", `<doc>true</doc>`, false},
	{"BoolTextWithEndElement (Array)", "03 40 03 61 72 72 01 B5 05 01 00 01 00 01", `<arr>true</arr><arr>false</arr><arr>true</arr><arr>false</arr><arr>true</arr>`, false},
	{"UnicodeChars8Text", "40 03 64 6F 63 04 01 75 B6 06 75 00 6E 00 69 00 01", `<doc u="uni"></doc>`, false},
	{"UnicodeChars8TextWithEndElement", "40 01 55 B7 06 75 00 6E 00 69 00", `<U>uni</U>`, false},
	{"UnicodeChars16Text", "40 03 64 6F 63 04 03 75 31 36 B8 08 00 75 00 6E 00 69 00 32 00 01", `<doc u16="uni2"></doc>`, false},
	{"UnicodeChars16TextWithEndElement", "40 03 55 31 36 B9 08 00 75 00 6E 00 69 00 32 00", `<U16>uni2</U16>`, false},
	{"UnicodeChars32Text", "40 03 64 6F 63 04 03 75 33 32 BA 04 00 00 00 33 00 32 00 01", `<doc u32="32"></doc>`, false},
	{"UnicodeChars32TextWithEndElement", "40 03 55 33 32 BB 04 00 00 00 33 00 32 00", `<U32>32</U32>`, false},
	{"QNameDictionaryText", "40 03 64 6F 63 06 F0 06 BC 08 8E 07 01", `<doc str880="i:str910"></doc>`, true},
	{"QNameDictionaryTextWithEndElement", "40 04 54 79 70 65 BD 12 90 07", `<Type>s:str912</Type>`, false},
}

func unhexSpaced(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

var strN = regexp.MustCompile(`str(\d+)`)

// expandStrN replaces even strN with the static dictionary string N.
func expandStrN(t testing.TB, xml string) string {
	return strN.ReplaceAllStringFunc(xml, func(m string) string {
		n, _ := strconv.Atoi(m[3:])
		if n%2 == 1 {
			return m
		}
		s, ok := StaticString(uint32(n))
		if !ok {
			t.Fatalf("no static string %d", n)
		}
		return s2(s)
	})
}

func s2(b []byte) string { return string(b) }

// specSession returns a session dictionary where odd id N is "strN".
func specSession() *SessionDictionary {
	d := NewSessionDictionary(1 << 16)
	for i := 1; i <= 31; i += 2 {
		d.add([]byte("str" + strconv.Itoa(i)))
	}
	return d
}

// render writes nodes as plain XML exactly as the spec's examples show them:
// attributes in order, no self-closing tags.
func render(r xmlnode.Reader) (string, error) {
	var sb strings.Builder
	open := false
	for {
		n, err := r.Next()
		if err == io.EOF {
			return sb.String(), nil
		}
		if err != nil {
			return sb.String(), err
		}
		if open && n.Kind != xmlnode.KindStartElement {
			sb.WriteByte('>')
			open = false
		}
		switch n.Kind {
		case xmlnode.KindStartElement:
			if open {
				sb.WriteByte('>')
			}
			sb.WriteByte('<')
			if len(n.Prefix) > 0 {
				sb.Write(n.Prefix)
				sb.WriteByte(':')
			}
			sb.Write(n.Local)
			for _, a := range n.Attrs {
				sb.WriteByte(' ')
				if len(a.Prefix) > 0 {
					sb.Write(a.Prefix)
					sb.WriteByte(':')
				}
				sb.Write(a.Local)
				sb.WriteString(`="`)
				sb.WriteString(escape(string(a.Value.AppendText(nil)), true))
				sb.WriteByte('"')
			}
			open = true
		case xmlnode.KindEndElement:
			sb.WriteString("</")
			if len(n.Prefix) > 0 {
				sb.Write(n.Prefix)
				sb.WriteByte(':')
			}
			sb.Write(n.Local)
			sb.WriteByte('>')
		case xmlnode.KindText:
			sb.WriteString(escape(string(n.Value.AppendText(nil)), false))
		case xmlnode.KindComment:
			sb.WriteString("<!--")
			sb.Write(n.Value.Bytes)
			sb.WriteString("-->")
		}
	}
}

func escape(s string, attr bool) string {
	s = strings.ReplaceAll(s, "&", "&amp;")
	s = strings.ReplaceAll(s, "<", "&lt;")
	if attr {
		return strings.ReplaceAll(s, `"`, "&quot;")
	}
	return strings.ReplaceAll(s, ">", "&gt;")
}

// TestSpecExamples decodes every [MC-NBFX] §3 structure example, checks
// the XML, re-encodes the nodes and decodes again.
func TestSpecExamples(t *testing.T) {
	for _, ex := range specExamples {
		t.Run(ex.name, func(t *testing.T) {
			data := unhexSpaced(t, ex.hex)
			want := expandStrN(t, ex.xml)
			got, err := render(NewReader(data, specSession(), xmlnode.Quotas{}))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if got != want {
				t.Fatalf("decode:\n got %s\nwant %s", got, want)
			}
			// Re-encode the nodes with a session dictionary that already
			// holds the strN strings (so that odd ids are reused) and is
			// full (so that no other string is added).
			wd := specSession()
			wd.ids = map[string]uint32{}
			for i := 1; i <= 31; i += 2 {
				wd.ids["str"+strconv.Itoa(i)] = uint32(i)
			}
			wd.MaxSize = wd.Size()
			w := NewWriter(wd)
			if err := xmlnode.Copy(w, NewReader(data, specSession(), xmlnode.Quotas{})); err != nil {
				t.Fatalf("re-encode: %v", err)
			}
			if ex.exact && !bytes.Equal(w.Bytes(), data) {
				t.Errorf("re-encode:\n got % X\nwant % X", w.Bytes(), data)
			}
			again, err := render(NewReader(w.Bytes(), specSession(), xmlnode.Quotas{}))
			if err != nil {
				t.Fatalf("decode of re-encoding: %v\n% X", err, w.Bytes())
			}
			if again != want {
				t.Fatalf("decode of re-encoding:\n got %s\nwant %s", again, want)
			}
		})
	}
}

// TestNBFSExample is the [MC-NBFS] §3 example: a SOAP envelope using the
// static dictionary, 42 bytes, both directions byte for byte.
func TestNBFSExample(t *testing.T) {
	data := unhexSpaced(t, `56 02 0B 01 61 06 0B 01 73 04 56 08 44 0A 1E 00
82 99 06 61 63 74 69 6F 6E 01 56 0E 40 09 49 6E
76 65 6E 74 6F 72 79 81 01 01`)
	want := `<s:Envelope xmlns:a="http://www.w3.org/2005/08/addressing" xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header><a:Action s:mustUnderstand="1">action</a:Action></s:Header><s:Body><Inventory>0</Inventory></s:Body></s:Envelope>`
	got, err := render(NewReader(data, nil, xmlnode.Quotas{}))
	if err != nil || got != want {
		t.Fatalf("decode: %v\n got %s\nwant %s", err, got, want)
	}
	w := NewWriter(nil)
	if err := xmlnode.Copy(w, NewReader(data, nil, xmlnode.Quotas{})); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(w.Bytes(), data) {
		t.Fatalf("encode:\n got % X\nwant % X", w.Bytes(), data)
	}
}

// TestNBFSEExample is the [MC-NBFSE] §3 example: a StringTable defining
// "action" (1) and "Inventory" (3), after which the writer uses ids AB 01
// and 42 03 where the static-only encoding had 99 06 "action" and 40 09
// "Inventory".
func TestNBFSEExample(t *testing.T) {
	table := unhexSpaced(t, "11 06 61 63 74 69 6F 6E 09 49 6E 76 65 6E 74 6F 72 79")
	rd := NewSessionDictionary(0)
	rest, err := rd.ReadStringTable(table)
	if err != nil || len(rest) != 0 {
		t.Fatalf("ReadStringTable: %v, %d left", err, len(rest))
	}
	for id, s := range map[uint32]string{1: "action", 3: "Inventory"} {
		if got, ok := rd.String(id); !ok || string(got) != s {
			t.Errorf("id %d = %q, %v; want %q", id, got, ok, s)
		}
	}
	if rd.Size() != len("action")+1+len("Inventory")+1 {
		t.Errorf("Size = %d", rd.Size())
	}
	// The writer side announces the same table for the same strings.
	wd := NewSessionDictionary(0)
	wd.Add([]byte("action"))
	wd.Add([]byte("Inventory"))
	if got := wd.AppendStringTable(nil); !bytes.Equal(got, table) {
		t.Errorf("AppendStringTable = % X, want % X", got, table)
	}
	if got := wd.AppendStringTable(nil); !bytes.Equal(got, []byte{0}) {
		t.Errorf("second AppendStringTable = % X, want 00", got)
	}
	// The envelope of the [MC-NBFS] example, with the session strings.
	doc := unhexSpaced(t, `56 02 0B 01 61 06 0B 01 73 04 56 08 44 0A 1E 00 82 AB 01 01 56 0E 42 03 81 01 01`)
	want := `<s:Envelope xmlns:a="http://www.w3.org/2005/08/addressing" xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header><a:Action s:mustUnderstand="1">action</a:Action></s:Header><s:Body><Inventory>0</Inventory></s:Body></s:Envelope>`
	got, err := render(NewReader(doc, rd, xmlnode.Quotas{}))
	if err != nil || got != want {
		t.Fatalf("decode: %v\n got %s\nwant %s", err, got, want)
	}
	// Writing it: the Action value as a dictionary string, the body element
	// name through the session dictionary.
	wd2 := NewSessionDictionary(0)
	w := NewWriter(wd2)
	s, a, soap, wsa := []byte("s"), []byte("a"), []byte("http://www.w3.org/2003/05/soap-envelope"), []byte("http://www.w3.org/2005/08/addressing")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.WriteStartElement(s, []byte("Envelope"), soap))
	must(w.WriteXmlns(a, wsa))
	must(w.WriteXmlns(s, soap))
	must(w.WriteStartElement(s, []byte("Header"), soap))
	must(w.WriteStartElement(a, []byte("Action"), wsa))
	must(w.WriteAttr(s, []byte("mustUnderstand"), soap, xmlnode.Int(1)))
	must(w.WriteText(xmlnode.Dict([]byte("action"))))
	must(w.WriteEndElement())
	must(w.WriteEndElement())
	must(w.WriteStartElement(s, []byte("Body"), soap))
	must(w.WriteStartElement(nil, []byte("Inventory"), nil))
	must(w.WriteText(xmlnode.Int(0)))
	must(w.WriteEndElement())
	must(w.WriteEndElement())
	must(w.WriteEndElement())
	if !bytes.Equal(w.Bytes(), doc) {
		t.Errorf("encode:\n got % X\nwant % X", w.Bytes(), doc)
	}
	if got := wd2.AppendStringTable(nil); !bytes.Equal(got, table) {
		t.Errorf("table = % X, want % X", got, table)
	}
}

func TestMultiByteInt31(t *testing.T) {
	for _, tc := range []struct {
		v   uint32
		hex string
	}{
		{17, "11"}, {145, "91 01"}, {5521, "91 2B"}, {16384, "80 80 01"},
		{2097152, "80 80 80 01"}, {268435456, "80 80 80 80 01"}, {0x7FFFFFFF, "FF FF FF FF 07"}, {0, "00"},
	} {
		want := unhexSpaced(t, tc.hex)
		if got := AppendMultiByteInt31(nil, tc.v); !bytes.Equal(got, want) {
			t.Errorf("Append(%d) = % X, want % X", tc.v, got, want)
		}
		v, n := ReadMultiByteInt31(want)
		if v != tc.v || n != len(want) {
			t.Errorf("Read(% X) = %d, %d", want, v, n)
		}
	}
	for _, bad := range []string{"FF FF FF FF 08", "FF FF FF FF FF", "80 80 80 80 80 01"} {
		if _, n := ReadMultiByteInt31(unhexSpaced(t, bad)); n != -1 {
			t.Errorf("Read(%s) n = %d, want -1", bad, n)
		}
	}
	if _, n := ReadMultiByteInt31([]byte{0x80}); n != 0 {
		t.Errorf("truncated: n = %d, want 0", n)
	}
}

// TestSessionDictionaryQuota is the quota rule: each string costs len+1, the
// total may reach the quota but not exceed it (16 strings of 127 bytes fill
// 2048; a 17th string fails), and the writer side stops adding at the quota.
func TestSessionDictionaryQuota(t *testing.T) {
	for _, size := range []int{2048, 4096} {
		d := NewSessionDictionary(size)
		n := 0
		for {
			s := []byte(fmt.Sprintf("teststr%0120d_%02x", 0, n))[:127]
			var tbl []byte
			tbl = AppendMultiByteInt31(tbl, uint32(len(s)+1))
			tbl = AppendMultiByteInt31(tbl, uint32(len(s)))
			tbl = append(tbl, s...)
			if d.Size()+len(s)+1 > size {
				_, err := d.ReadStringTable(tbl)
				if !errors.Is(err, xmlnode.ErrQuotaExceeded) {
					t.Fatalf("size %d: string %d over quota: err = %v", size, n, err)
				}
				break
			}
			if _, err := d.ReadStringTable(tbl); err != nil {
				t.Fatalf("size %d: string %d: %v", size, n, err)
			}
			n++
		}
		if n != size/128 || d.Size() != size {
			t.Errorf("size %d: %d strings fit, total %d; want %d, %d", size, n, d.Size(), size/128, size)
		}
		// Writer side: Add refuses at the quota.
		wd := NewSessionDictionary(size)
		added := 0
		for i := 0; ; i++ {
			if _, ok := wd.Add([]byte(fmt.Sprintf("%0126d_", i))); !ok {
				break
			}
			added++
		}
		if added != size/128 {
			t.Errorf("writer side: %d added, want %d", added, size/128)
		}
	}
}

func TestSessionDictionaryRollback(t *testing.T) {
	d := NewSessionDictionary(0)
	d.Add([]byte("one"))
	d.AppendStringTable(nil)
	d.Add([]byte("two"))
	d.Add([]byte("three"))
	d.Rollback()
	if d.Len() != 1 || d.Size() != 4 || d.Pending() != 0 {
		t.Fatalf("after rollback: len %d size %d pending %d", d.Len(), d.Size(), d.Pending())
	}
	if _, ok := d.ID([]byte("two")); ok {
		t.Fatal("rolled back string still has an id")
	}
	if id, ok := d.Add([]byte("two")); !ok || id != 3 {
		t.Fatalf("re-add: id %d ok %v, want 3", id, ok)
	}
}
