package udp

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

var fixedNow = time.Unix(1e9, 0)

func utf16LE(s string, bom bool) []byte {
	var b []byte
	if bom {
		b = append(b, 0xFF, 0xFE)
	}
	for _, r := range utf16.Encode([]rune(s)) {
		b = append(b, byte(r), byte(r>>8))
	}
	return b
}

// msgIDCases are envelopes and the MessageID each holds ("" for none).
func msgIDCases(t testing.TB) []struct{ name, in, want string } {
	mono, err := os.ReadFile("testdata/mono-udp-oneway.bin")
	if err != nil {
		t.Fatal(err)
	}
	s11 := `<s:Envelope xmlns:s="` + nsS11 + `" xmlns:w="` + nsA04 + `"><s:Header><w:Action>urn:a</w:Action><w:MessageID>uuid:1234</w:MessageID></s:Header><s:Body/></s:Envelope>`
	return []struct{ name, in, want string }{
		{"mono", string(mono), "urn:uuid:52d7a764-5502-4f16-9129-45c2c3eeb848"},
		{"soap11-wsa04", s11, "uuid:1234"},
		{"default-ns", `<Envelope xmlns="` + nsS12 + `"><Header><MessageID xmlns="` + nsA10 + `">urn:x</MessageID></Header><Body/></Envelope>`, "urn:x"},
		{"whitespace", `<s:Envelope xmlns:s="` + nsS12 + `"><s:Header>
			<a:MessageID xmlns:a="` + nsA10 + `">
				urn:spaced
			</a:MessageID></s:Header><s:Body/></s:Envelope>`, "urn:spaced"},
		{"entities", `<s:Envelope xmlns:s="` + nsS12 + `"><s:Header><a:MessageID xmlns:a="` + nsA10 + `">urn:a&amp;b&#x41;<![CDATA[c]]></a:MessageID></s:Header><s:Body/></s:Envelope>`, "urn:a&bAc"},
		{"after-nested-headers", `<?xml version="1.0"?><!-- c --><s:Envelope xmlns:s="` + nsS12 + `" xmlns:a="` + nsA10 + `"><s:Header><x:H xmlns:x="urn:x"><x:MessageID>not this</x:MessageID></x:H><a:ReplyTo><a:Address>urn:r</a:Address></a:ReplyTo><!-- c --><a:MessageID>urn:after</a:MessageID></s:Header><s:Body/></s:Envelope>`, "urn:after"},
		{"first-of-two", `<s:Envelope xmlns:s="` + nsS12 + `" xmlns:a="` + nsA10 + `"><s:Header><a:MessageID>urn:1</a:MessageID><a:MessageID>urn:2</a:MessageID></s:Header><s:Body/></s:Envelope>`, "urn:1"},
		{"body-after-id-broken", `<s:Envelope xmlns:s="` + nsS12 + `" xmlns:a="` + nsA10 + `"><s:Header><a:MessageID>urn:ok</a:MessageID></s:Header><s:Body><unclosed>`, "urn:ok"},
		{"utf16", string(utf16LE(`<s:Envelope xmlns:s="`+nsS12+`"><s:Header><a:MessageID xmlns:a="`+nsA10+`">urn:utf16</a:MessageID></s:Header><s:Body/></s:Envelope>`, true)), "urn:utf16"},

		{"wrong-ns", `<s:Envelope xmlns:s="` + nsS12 + `"><s:Header><a:MessageID xmlns:a="urn:other">urn:x</a:MessageID></s:Header><s:Body/></s:Envelope>`, ""},
		{"in-body", `<s:Envelope xmlns:s="` + nsS12 + `" xmlns:a="` + nsA10 + `"><s:Body><a:MessageID>urn:x</a:MessageID></s:Body></s:Envelope>`, ""},
		{"no-header", `<s:Envelope xmlns:s="` + nsS12 + `"><s:Body>MessageID</s:Body></s:Envelope>`, ""},
		{"not-soap", `<e:Envelope xmlns:e="urn:e"><e:Header><a:MessageID xmlns:a="` + nsA10 + `">urn:x</a:MessageID></e:Header></e:Envelope>`, ""},
		{"header-other-ns", `<s:Envelope xmlns:s="` + nsS12 + `"><h:Header xmlns:h="urn:h"><a:MessageID xmlns:a="` + nsA10 + `">urn:x</a:MessageID></h:Header></s:Envelope>`, ""},
		{"soap11-header-in-12", `<s:Envelope xmlns:s="` + nsS12 + `"><h:Header xmlns:h="` + nsS11 + `"><a:MessageID xmlns:a="` + nsA10 + `">urn:x</a:MessageID></h:Header></s:Envelope>`, ""},
		{"empty", `<s:Envelope xmlns:s="` + nsS12 + `"><s:Header><a:MessageID xmlns:a="` + nsA10 + `">  </a:MessageID></s:Header><s:Body/></s:Envelope>`, ""},
		{"element-inside", `<s:Envelope xmlns:s="` + nsS12 + `"><s:Header><a:MessageID xmlns:a="` + nsA10 + `">urn:<b/>x</a:MessageID></s:Header><s:Body/></s:Envelope>`, ""},
		{"truncated", `<s:Envelope xmlns:s="` + nsS12 + `"><s:Header><a:MessageID xmlns:a="` + nsA10 + `">urn:x`, ""},
		{"undeclared-prefix", `<s:Envelope xmlns:s="` + nsS12 + `"><s:Header><a:MessageID>urn:x</a:MessageID></s:Header></s:Envelope>`, ""},
		{"text-before-header", `<s:Envelope xmlns:s="` + nsS12 + `">junk<s:Header><a:MessageID xmlns:a="` + nsA10 + `">urn:x</a:MessageID></s:Header></s:Envelope>`, ""},
		{"not-xml", "MessageID: urn:x", ""},
		{"nothing", "", ""},
		{"binary", "\x56\x02\x0b\x01s\x04MessageID", ""},
	}
}

func TestMessageID(t *testing.T) {
	leakCheck(t)
	var x idReader // reused across cases, as a socket reuses it
	for _, c := range msgIDCases(t) {
		got, ok := MessageID([]byte(c.in))
		if got != c.want || ok != (c.want != "") {
			t.Errorf("%s: MessageID = %q, %v; want %q", c.name, got, ok, c.want)
		}
		b, ok2 := x.messageID([]byte("prefix"), []byte(c.in))
		if !bytes.HasPrefix(b, []byte("prefix")) || string(b[6:]) != c.want || ok2 != ok {
			t.Errorf("%s: appending form %q, %v", c.name, b, ok2)
		}
	}
}

func TestMessageIDAllocs(t *testing.T) {
	mono, err := os.ReadFile("testdata/mono-udp-oneway.bin")
	if err != nil {
		t.Fatal(err)
	}
	var x idReader
	buf := make([]byte, 0, 128)
	x.messageID(buf, mono)
	if n := testing.AllocsPerRun(100, func() { x.messageID(buf[:0], mono) }); n != 0 {
		t.Errorf("%v allocations per MessageID extraction, want 0", n)
	}
}

func BenchmarkMessageID(b *testing.B) {
	mono, err := os.ReadFile("testdata/mono-udp-oneway.bin")
	if err != nil {
		b.Fatal(err)
	}
	var x idReader
	buf := make([]byte, 0, 128)
	b.SetBytes(int64(len(mono)))
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = x.messageID(buf[:0], mono)
	}
}

// FuzzMessageID fuzzes the reading of a received datagram: MessageID
// extraction (the only parsing the binding does) and the duplicate cache
// fed with it. The seed corpus, in testdata/fuzz/FuzzMessageID, is the
// datagram Mono sent and variants of it.
func FuzzMessageID(f *testing.F) {
	for _, c := range msgIDCases(f) {
		f.Add([]byte(c.in))
	}
	var x idReader
	cache := newDupCache(16, 1<<62)
	f.Fuzz(func(t *testing.T, datagram []byte) {
		in := bytes.Clone(datagram)
		id, ok := x.messageID(nil, datagram)
		if !bytes.Equal(in, datagram) {
			t.Fatal("the datagram was modified")
		}
		s, ok2 := MessageID(datagram)
		if ok != ok2 || s != string(id) {
			t.Fatalf("MessageID %q %v, reused reader %q %v", s, ok2, id, ok)
		}
		if !ok {
			if len(id) != 0 {
				t.Fatalf("no MessageID, but %q", id)
			}
			return
		}
		if len(id) == 0 || strings.Trim(string(id), " \t\r\n") != string(id) {
			t.Fatalf("MessageID %q is empty or untrimmed", id)
		}
		if !utf16BOM(datagram) && !bytes.Contains(datagram, messageIDName) {
			t.Fatalf("MessageID %q from a datagram without the name", id)
		}
		// The cache: a second sighting is a duplicate.
		cache.duplicate(id, fixedNow)
		if !cache.duplicate(id, fixedNow) {
			t.Fatalf("MessageID %q not remembered", id)
		}
	})
}
