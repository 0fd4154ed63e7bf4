package xmltext

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wwsgo/wws/xmlnode"
)

// op is one Writer call in a test script.
type op func(w *Writer) error

func start(prefix, local, ns string) op {
	return func(w *Writer) error { return w.WriteStartElement(b(prefix), b(local), b(ns)) }
}

func attr(prefix, local, ns, value string) op {
	return func(w *Writer) error { return w.WriteAttr(b(prefix), b(local), b(ns), xmlnode.Chars(b(value))) }
}

func typedAttr(local string, v xmlnode.Value) op {
	return func(w *Writer) error { return w.WriteAttr(nil, b(local), nil, v) }
}

func xmlns(prefix, ns string) op {
	return func(w *Writer) error { return w.WriteXmlns(b(prefix), b(ns)) }
}

func end() op { return func(w *Writer) error { return w.WriteEndElement() } }

func text(s string) op { return func(w *Writer) error { return w.WriteText(xmlnode.Chars(b(s))) } }

func typed(v xmlnode.Value) op { return func(w *Writer) error { return w.WriteText(v) } }

func comment(s string) op { return func(w *Writer) error { return w.WriteComment(b(s)) } }

// b converts a string to bytes, "" to nil (as readers hand out names).
func b(s string) []byte {
	if s == "" {
		return nil
	}
	return []byte(s)
}

func run(w *Writer, ops []op) error {
	for _, o := range ops {
		if err := o(w); err != nil {
			return err
		}
	}
	return nil
}

func TestWriterOutput(t *testing.T) {
	const s = "http://www.w3.org/2003/05/soap-envelope"
	tests := []struct {
		name string
		opts WriterOptions
		ops  []op
		want string
	}{
		{"empty element", WriterOptions{}, []op{start("", "a", ""), end()}, `<a/>`},
		{"empty text forces end tag", WriterOptions{}, []op{start("", "a", ""), text(""), end()}, `<a></a>`},
		{"nested", WriterOptions{}, []op{start("", "a", ""), start("", "b", ""), end(), text("t"), end()}, `<a><b/>t</a>`},
		{"attributes", WriterOptions{}, []op{start("", "a", ""), attr("", "x", "", "1"), attr("", "y", "", ""), end()}, `<a x="1" y=""/>`},
		{"declaration", WriterOptions{XMLDeclaration: true}, []op{start("", "a", ""), end()}, `<?xml version="1.0" encoding="utf-8"?><a/>`},
		{"text escaping", WriterOptions{}, []op{start("", "a", ""), text("a&b<c>d\re\"f'g\th\ni]]>"), end()},
			"<a>a&amp;b&lt;c&gt;d&#xD;e\"f'g\th\ni]]&gt;</a>"},
		{"attribute escaping", WriterOptions{}, []op{start("", "a", ""), attr("", "x", "", "\"&<>\t\n\r'"), end()},
			`<a x="&quot;&amp;&lt;&gt;&#x9;&#xA;&#xD;'"/>`},
		{"non-ascii", WriterOptions{}, []op{start("", "日本", ""), attr("", "é", "", "ü😀"), text("语"), end()}, `<日本 é="ü😀">语</日本>`},
		{"comment", WriterOptions{}, []op{comment(" top "), start("", "a", ""), comment("in"), end()}, `<!-- top --><a><!--in--></a>`},
		{"fragment starting with U+FEFF", WriterOptions{}, []op{text("\uFEFF\uFEFFx")}, "&#xFEFF;\uFEFFx"},
		{"fragment", WriterOptions{}, []op{text("x"), start("", "a", ""), end(), text("y"), start("", "b", ""), end()}, `x<a/>y<b/>`},

		// Namespaces.
		{"element namespace declared once", WriterOptions{}, []op{start("s", "Envelope", s), start("s", "Body", s), end(), end()},
			`<s:Envelope xmlns:s="` + s + `"><s:Body/></s:Envelope>`},
		{"default namespace", WriterOptions{}, []op{start("", "a", "u"), start("", "b", "u"), end(), end()}, `<a xmlns="u"><b/></a>`},
		{"default namespace undeclared", WriterOptions{}, []op{start("", "a", "u"), start("", "b", ""), start("", "c", ""), end(), end(), end()},
			`<a xmlns="u"><b xmlns=""><c/></b></a>`},
		{"explicit declaration not duplicated", WriterOptions{}, []op{start("p", "a", "u"), xmlns("p", "u"), xmlns("q", "v"), xmlns("q", "v"), end()},
			`<p:a xmlns:p="u" xmlns:q="v"/>`},
		{"explicit redundant declaration kept", WriterOptions{}, []op{start("p", "a", "u"), start("p", "b", "u"), xmlns("p", "u"), end(), end()},
			`<p:a xmlns:p="u"><p:b xmlns:p="u"/></p:a>`},
		{"explicit declaration before use", WriterOptions{}, []op{start("", "a", ""), xmlns("i", "x"), attr("i", "nil", "x", "true"), end()},
			`<a xmlns:i="x" i:nil="true"/>`},
		{"attribute declares its prefix", WriterOptions{}, []op{start("", "a", ""), attr("i", "type", "x", "t"), xmlns("i", "x"), end()},
			`<a xmlns:i="x" i:type="t"/>`},
		{"attribute reuses element prefix", WriterOptions{}, []op{start("s", "a", "u"), attr("", "x", "u", "1"), end()},
			`<s:a xmlns:s="u" s:x="1"/>`},
		{"attribute gets generated prefix", WriterOptions{}, []op{start("", "a", "u"), attr("", "x", "v", "1"), attr("", "y", "w", "2"), attr("", "z", "v", "3"), end()},
			`<a xmlns:d1p1="v" d1p1:x="1" xmlns:d1p2="w" d1p2:y="2" d1p1:z="3" xmlns="u"/>`},
		{"default namespace is not used for attributes", WriterOptions{}, []op{start("", "a", "u"), start("", "b", "u"), attr("", "x", "u", "1"), end(), end()},
			`<a xmlns="u"><b xmlns:d2p1="u" d2p1:x="1"/></a>`},
		{"attribute prefix taken on element", WriterOptions{}, []op{start("p", "a", "u"), attr("p", "x", "v", "1"), end()},
			`<p:a xmlns:d1p1="v" d1p1:x="1" xmlns:p="u"/>`},
		{"attribute prefix rebound in child", WriterOptions{}, []op{start("p", "a", "u"), start("", "b", ""), attr("p", "x", "v", "1"), end(), end()},
			`<p:a xmlns:p="u"><b xmlns:p="v" p:x="1"/></p:a>`},
		{"element prefix hides ancestor binding for attributes", WriterOptions{}, []op{start("p", "r", "v"), start("p", "a", "u"), attr("p", "x", "v", "1"), attr("", "y", "v", "2"), end(), end()},
			`<p:r xmlns:p="v"><p:a xmlns:d2p1="v" d2p1:x="1" d2p1:y="2" xmlns:p="u"/></p:r>`},
		{"attribute uses pending element prefix", WriterOptions{}, []op{start("p", "r", "v"), start("p", "a", "u"), attr("", "y", "u", "2"), end(), end()},
			`<p:r xmlns:p="v"><p:a xmlns:p="u" p:y="2"/></p:r>`},
		{"attribute prefix without namespace uses pending element prefix", WriterOptions{}, []op{start("p", "r", "v"), start("p", "a", "u"), attr("p", "y", "", "2"), end(), end()},
			`<p:r xmlns:p="v"><p:a xmlns:p="u" p:y="2"/></p:r>`},
		{"generated prefix skips pending element prefix", WriterOptions{}, []op{start("d1p1", "a", "u"), attr("", "x", "v", "1"), end()},
			`<d1p1:a xmlns:d1p2="v" d1p2:x="1" xmlns:d1p1="u"/>`},
		{"unprefixed attribute ignores pending default namespace", WriterOptions{}, []op{start("s", "r", "0"), start("", "a", "0"), attr("", "x", "", "1"), end(), end()},
			`<s:r xmlns:s="0"><a x="1" xmlns="0"/></s:r>`},
		{"xml prefix", WriterOptions{}, []op{start("", "a", ""), attr("xml", "lang", xmlnode.NamespaceXML, "en"), attr("", "space", xmlnode.NamespaceXML, "preserve"), end()},
			`<a xml:lang="en" xml:space="preserve"/>`},
		{"prefix without namespace resolves", WriterOptions{}, []op{start("p", "a", "u"), start("p", "b", ""), attr("p", "x", "", "1"), attr("xml", "lang", "", "en"), end(), end()},
			`<p:a xmlns:p="u"><p:b p:x="1" xml:lang="en"/></p:a>`},
		{"xmlns through WriteAttr", WriterOptions{}, []op{start("", "a", "u"), attr("", "xmlns", "", "u"), attr("xmlns", "p", xmlnode.NamespaceXMLNS, "v"), end()},
			`<a xmlns="u" xmlns:p="v"/>`},
		{"escaped namespace", WriterOptions{}, []op{start("p", "a", `u&"v`), end()}, `<p:a xmlns:p="u&amp;&quot;v"/>`},
		{"scope restored", WriterOptions{}, []op{start("", "r", ""), start("p", "a", "u"), end(), start("p", "b", "u"), end(), end()},
			`<r><p:a xmlns:p="u"/><p:b xmlns:p="u"/></r>`},

		// Typed values.
		{"typed text", WriterOptions{}, []op{start("", "a", ""),
			typed(xmlnode.Int(-42)), text(" "), typed(xmlnode.Bool(true)), text(" "), typed(xmlnode.Double(0.1)), text(" "),
			typed(xmlnode.Bytes([]byte{0, 1, 2, 0xFE, 0xFF})), text(" "),
			typed(xmlnode.UniqueID([16]byte{0x0f, 0x8f, 0xad, 0x5b, 0xd9, 0xcb, 0x46, 0x9f, 0xa1, 0x65, 0x70, 0x86, 0x77, 0x28, 0x95, 0x0e})), text(" "),
			typed(xmlnode.DateTime(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC))), text(" "),
			typed(xmlnode.TimeSpan(90 * time.Second)), text(" "),
			typed(xmlnode.Decimal(0, 1234, 2, true)), text(" "),
			typed(xmlnode.QName('a', []byte("x&y"))), text(" "),
			typed(xmlnode.Dict([]byte("<d>"))),
			end()},
			`<a>-42 true 0.1 AAEC/v8= urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e 2024-01-02T03:04:05Z PT1M30S -12.34 a:x&amp;y &lt;d&gt;</a>`},
		{"typed attributes", WriterOptions{}, []op{start("", "a", ""), typedAttr("i", xmlnode.Uint(18446744073709551615)), typedAttr("f", xmlnode.Float(1.5)), typedAttr("q", xmlnode.QName('b', []byte(`"`))), end()},
			`<a i="18446744073709551615" f="1.5" q="b:&quot;"/>`},

		// Indentation.
		{"indent", WriterOptions{Indent: "  ", XMLDeclaration: true}, []op{start("", "a", ""), start("", "b", ""), start("", "c", ""), text("x"), end(), start("", "d", ""), end(), end(), comment("c"), end()},
			"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<a>\n  <b>\n    <c>x</c>\n    <d/>\n  </b>\n  <!--c-->\n</a>"},
		{"indent keeps mixed content", WriterOptions{Indent: "\t"}, []op{start("", "a", ""), start("", "p", ""), text("x "), start("", "b", ""), text("y"), end(), text(" z"), start("", "c", ""), end(), end(), end()},
			"<a>\n\t<p>x <b>y</b> z<c/></p>\n</a>"},
		{"indent top level", WriterOptions{Indent: " "}, []op{comment("1"), start("", "a", ""), end(), comment("2")}, "<!--1-->\n<a/>\n<!--2-->"},
		{"indent fragment with text", WriterOptions{Indent: " "}, []op{start("", "a", ""), end(), text("t"), start("", "b", ""), end()}, "<a/>t<b/>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := NewWriter(tt.opts)
			if err := run(w, tt.ops); err != nil {
				t.Fatalf("error %v; output so far %s", err, w.Bytes())
			}
			if got := string(w.Bytes()); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
			// Whatever the Writer writes reads back.
			frag := strings.Contains(tt.name, "fragment")
			if _, err := dump(NewReader(w.Bytes(), ReaderOptions{Fragment: frag})); err != nil {
				t.Errorf("output does not read back: %v", err)
			}
			// Reset gives the same output again.
			w.Reset()
			if err := run(w, tt.ops); err != nil || string(w.Bytes()) != tt.want {
				t.Errorf("after Reset: %s, %v", w.Bytes(), err)
			}
		})
	}
}

func TestWriterErrors(t *testing.T) {
	tests := []struct {
		name string
		ops  []op
		msg  string
	}{
		{"invalid element name", []op{start("", "1a", "")}, "invalid element name"},
		{"empty element name", []op{start("", "", "")}, "invalid element name"},
		{"colon in local name", []op{start("", "a:b", "")}, "invalid element name"},
		{"invalid prefix", []op{start("-p", "a", "u")}, "invalid prefix"},
		{"non-ascii non-name", []op{start("", "a\u00a0", "")}, "invalid element name"},
		{"invalid utf-8 name", []op{start("", "a\xff", "")}, "invalid element name"},
		{"xmlns element prefix", []op{start("xmlns", "a", "u")}, "reserved prefix xmlns"},
		{"xml prefix misbound", []op{start("xml", "a", "u")}, "the prefix xml is bound to"},
		{"element in xmlns namespace", []op{start("p", "a", xmlnode.NamespaceXMLNS)}, "reserved namespace"},
		{"element in xml namespace without xml prefix", []op{start("", "a", xmlnode.NamespaceXML)}, "reserved namespace"},
		{"undeclared element prefix", []op{start("p", "a", "")}, "undeclared prefix"},
		{"invalid attribute name", []op{start("", "a", ""), attr("", "x y", "", "")}, "invalid attribute name"},
		{"undeclared attribute prefix", []op{start("", "a", ""), attr("p", "x", "", "")}, "undeclared prefix"},
		{"duplicate attribute", []op{start("", "a", ""), attr("", "x", "", "1"), attr("", "x", "", "2")}, "duplicate attribute"},
		{"duplicate attribute by namespace", []op{start("", "a", ""), attr("p", "x", "u", "1"), attr("q", "x", "u", "2")}, "duplicate attribute"},
		{"attribute outside start tag", []op{start("", "a", ""), text("t"), attr("", "x", "", "")}, "outside a start tag"},
		{"xmlns outside start tag", []op{xmlns("p", "u")}, "outside a start tag"},
		{"conflicting declaration", []op{start("p", "a", "u"), xmlns("p", "v")}, "already declared"},
		{"undeclaring a prefix", []op{start("", "a", ""), xmlns("p", "")}, "cannot be undeclared"},
		{"declaring xmlns", []op{start("", "a", ""), xmlns("xmlns", "u")}, "must not be declared"},
		{"declaring the xml namespace", []op{start("", "a", ""), xmlns("p", xmlnode.NamespaceXML)}, "must not be declared"},
		{"end without element", []op{end()}, "without an open element"},
		{"too many ends", []op{start("", "a", ""), end(), end()}, "without an open element"},
		{"invalid utf-8 text", []op{start("", "a", ""), text("\xff")}, "invalid UTF-8"},
		{"surrogate text", []op{start("", "a", ""), text("\xed\xa0\x80")}, "invalid UTF-8"},
		{"control text", []op{start("", "a", ""), text("a\x00b")}, "illegal character U+0000"},
		{"FFFE text", []op{start("", "a", ""), text("\uFFFE")}, "illegal character U+FFFE"},
		{"invalid utf-8 attribute", []op{start("", "a", ""), attr("", "x", "", "\xc3")}, "invalid UTF-8"},
		{"control attribute", []op{start("", "a", ""), attr("", "x", "", "\x1b")}, "illegal character U+001B"},
		{"invalid namespace", []op{start("p", "a", "\x01")}, "illegal character U+0001"},
		{"invalid attribute namespace", []op{start("", "a", ""), attr("p", "x", "\xff", "")}, "invalid UTF-8"},
		{"double dash comment", []op{comment("a--b")}, "contains \"--\""},
		{"dash-ended comment", []op{comment("a-")}, "ends with '-'"},
		{"control in comment", []op{comment("\x07")}, "illegal character U+0007"},
		{"invalid QName text", []op{start("", "a", ""), typed(xmlnode.QName('a', []byte("\xff")))}, "invalid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := NewWriter(WriterOptions{})
			err := run(w, tt.ops)
			if err == nil {
				t.Fatalf("no error; output %s", w.Bytes())
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not contain %q", err, tt.msg)
			}
			// The error is sticky.
			if err2 := w.WriteText(xmlnode.Chars([]byte("x"))); err2 != err {
				t.Errorf("next call returned %v, want %v", err2, err)
			}
			if err2 := w.Flush(); err2 != err {
				t.Errorf("Flush returned %v, want %v", err2, err)
			}
			// Reset clears it.
			w.Reset()
			if err := run(w, []op{start("", "a", ""), end()}); err != nil || string(w.Bytes()) != "<a/>" {
				t.Errorf("after Reset: %s, %v", w.Bytes(), err)
			}
		})
	}
}

func TestWriterBadIndent(t *testing.T) {
	w := NewWriter(WriterOptions{Indent: "--"})
	if err := w.WriteStartElement(nil, b("a"), nil); err == nil {
		t.Error("no error for a non-blank Indent")
	}
}

func TestWriterManyAttributes(t *testing.T) {
	w := NewWriter(WriterOptions{})
	w.WriteStartElement(nil, b("a"), nil)
	for i := range 1000 {
		if err := w.WriteAttr(nil, []byte(fmt.Sprintf("a%d", i)), nil, xmlnode.Chars(nil)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.WriteAttr(nil, b("a500"), nil, xmlnode.Chars(nil)); err == nil || !strings.Contains(err.Error(), "duplicate") {
		t.Fatalf("duplicate among many attributes: %v", err)
	}
	// The next start tag starts with a clean slate.
	w.Reset()
	w.WriteStartElement(nil, b("a"), nil)
	for i := range 100 {
		w.WriteAttr(nil, []byte(fmt.Sprintf("a%d", i)), nil, xmlnode.Chars(nil))
	}
	w.WriteStartElement(nil, b("b"), nil)
	for i := range 100 {
		if err := w.WriteAttr(nil, []byte(fmt.Sprintf("a%d", i)), nil, xmlnode.Chars(nil)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestWriterFlushAndBytes(t *testing.T) {
	w := NewWriter(WriterOptions{})
	w.WriteStartElement(nil, b("a"), nil)
	w.WriteAttr(nil, b("x"), nil, xmlnode.Chars(b("1")))
	if got := string(w.Bytes()); got != `<a x="1"` {
		t.Errorf("Bytes with an open start tag = %q", got)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := string(w.Bytes()); got != `<a x="1">` {
		t.Errorf("Bytes after Flush = %q", got)
	}
	if err := w.WriteAttr(nil, b("y"), nil, xmlnode.Chars(nil)); err == nil {
		t.Error("WriteAttr after Flush succeeded")
	}
	w.Reset()
	w.WriteStartElement(nil, b("a"), nil)
	w.Flush()
	w.WriteEndElement()
	if got := string(w.Bytes()); got != `<a></a>` {
		t.Errorf("flushed empty element = %q", got)
	}
	if w.Depth() != 0 {
		t.Errorf("Depth = %d", w.Depth())
	}
}

func TestWriterUTF16(t *testing.T) {
	ops := []op{start("p", "a", "urn:é"), attr("", "x", "", "日本"), text("😀 <é>"), end()}
	const body = `<p:a x="日本" xmlns:p="urn:é">😀 &lt;é&gt;</p:a>`
	tests := []struct {
		cs   Charset
		decl bool
		want []byte
	}{
		{UTF16LE, false, utf16LE(body, true)},
		{UTF16BE, false, utf16BE(body, true)},
		{UTF16LE, true, utf16LE(`<?xml version="1.0" encoding="utf-16"?>`+body, true)},
		{UTF16BE, true, utf16BE(`<?xml version="1.0" encoding="utf-16BE"?>`+body, true)},
		{UTF8, true, []byte(`<?xml version="1.0" encoding="utf-8"?>` + body)},
		{CharsetAuto, false, []byte(body)},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.cs, tt.decl), func(t *testing.T) {
			w := NewWriter(WriterOptions{Charset: tt.cs, XMLDeclaration: tt.decl})
			// Bytes part-way through must not disturb the result.
			for i, o := range ops {
				if err := o(w); err != nil {
					t.Fatal(err)
				}
				if i == 1 {
					w.Bytes()
				}
			}
			if got := w.Bytes(); !bytes.Equal(got, tt.want) {
				t.Errorf("got  % x\nwant % x", got, tt.want)
			}
			w.Reset()
			run(w, ops)
			if got := w.Bytes(); !bytes.Equal(got, tt.want) {
				t.Errorf("after Reset got % x", got)
			}
		})
	}
}

// TestRoundTripUTF16 reads UTF-8, writes UTF-16 and back, both byte
// orders, and checks the Infoset survives each step.
func TestRoundTripUTF16(t *testing.T) {
	doc := []byte(`<?xml version="1.0"?><s:Envelope xmlns:s="urn:s"><s:Body a="x&#9;y"><t xml:lang="ja">日本語 é 😀 &lt;&amp;&gt;&#xD;</t></s:Body></s:Envelope>`)
	want, err := xmlnode.Infoset(NewReader(doc, ReaderOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	cur := doc
	for _, cs := range []Charset{UTF16LE, UTF8, UTF16BE, UTF16LE, UTF8} {
		w := NewWriter(WriterOptions{Charset: cs, XMLDeclaration: true})
		if err := xmlnode.Copy(w, NewReader(cur, ReaderOptions{})); err != nil {
			t.Fatalf("%v: %v", cs, err)
		}
		cur = bytes.Clone(w.Bytes())
		got, err := xmlnode.Infoset(NewReader(cur, ReaderOptions{}))
		if err != nil {
			t.Fatalf("%v: %v", cs, err)
		}
		if got != want {
			t.Fatalf("%v: got\n%s\nwant\n%s", cs, got, want)
		}
	}
}

// TestRoundTrip writes what the Reader reads and checks that the output
// reads back to the same Infoset and, where stated, the same bytes.
func TestRoundTrip(t *testing.T) {
	tests := []struct {
		in   string
		frag bool
		same string // expected output, if not the input
	}{
		{in: `<a/>`},
		{in: `<a x="1" y="&quot;&amp;&lt;&gt;&#x9;&#xA;&#xD;'"/>`},
		{in: `<a>&lt;&amp;&gt;"'&#xD;</a>`},
		{in: `<a>x<![CDATA[<&>]]>y</a>`, same: `<a>x&lt;&amp;&gt;y</a>`},
		{in: "<a>\r\n</a>", same: "<a>\n</a>"},
		{in: "<a x='\r\n\t'/>", same: `<a x="  "/>`},
		{in: `<a><!-- c --><?pi x?></a>`, same: `<a><!-- c --></a>`},
		{in: `<p:a xmlns:p="u" xmlns="d"><b p:x="1" xmlns=""/></p:a>`},
		{in: `<p:a xmlns:p="u1"><p:b xmlns:p="u2"/></p:a>`},
		{in: `<a p:x="1" xmlns:p="u"/>`, same: `<a xmlns:p="u" p:x="1"/>`},
		{in: `<p:a p:x="1" xmlns:p="u"/>`, same: `<p:a xmlns:p="u" p:x="1"/>`},
		{in: `<p:a q:x="1" xmlns:p="u" xmlns:q="v"/>`, same: `<p:a xmlns:q="v" q:x="1" xmlns:p="u"/>`},
		{in: `<a xml:lang="en" xmlns:xml="http://www.w3.org/XML/1998/namespace"/>`},
		{in: `t<a/>u<b>v</b>`, frag: true},
		{in: `<?xml version="1.0" encoding="utf-8"?><!--x--><a></a><!--y-->`, same: `<!--x--><a/><!--y-->`},
		{in: `<a>&#x1F600;&#233;</a>`, same: `<a>😀é</a>`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			opts := ReaderOptions{Fragment: tt.frag}
			want, err := xmlnode.Infoset(NewReader([]byte(tt.in), opts))
			if err != nil {
				t.Fatal(err)
			}
			w := NewWriter(WriterOptions{})
			if err := xmlnode.Copy(w, NewReader([]byte(tt.in), opts)); err != nil {
				t.Fatal(err)
			}
			same := tt.same
			if same == "" {
				same = tt.in
			}
			if string(w.Bytes()) != same {
				t.Errorf("wrote %s, want %s", w.Bytes(), same)
			}
			got, err := xmlnode.Infoset(NewReader(w.Bytes(), opts))
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("Infoset after round trip\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestWriterErrorsAreNotQuotaErrors(t *testing.T) {
	w := NewWriter(WriterOptions{})
	err := w.WriteStartElement(nil, b("1"), nil)
	if err == nil || errors.Is(err, xmlnode.ErrQuotaExceeded) {
		t.Errorf("got %v", err)
	}
}
