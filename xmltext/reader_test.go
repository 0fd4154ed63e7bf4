package xmltext

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf16"
	"unsafe"

	"github.com/wwsgo/wws/xmlnode"
)

// dump renders the nodes a Reader yields, one per line, and the error that
// ended it (nil at io.EOF).
//
//	start p:a{ns} x="v" q:y{ns}="v"   (namespace declarations as xmlns:p="…")
//	end p:a{ns}
//	text "…"
//	comment "…"
func dump(r *Reader) (string, error) {
	var sb strings.Builder
	for {
		n, err := r.Next()
		if err == io.EOF {
			return sb.String(), nil
		}
		if err != nil {
			return sb.String(), err
		}
		sb.WriteString(dumpNode(n))
		sb.WriteByte('\n')
	}
}

func dumpNode(n *xmlnode.Node) string {
	var sb strings.Builder
	qname := func(prefix, local, ns []byte) {
		if len(prefix) > 0 {
			sb.Write(prefix)
			sb.WriteByte(':')
		}
		sb.Write(local)
		if len(ns) > 0 {
			sb.WriteString("{" + string(ns) + "}")
		}
	}
	switch n.Kind {
	case xmlnode.KindStartElement:
		sb.WriteString("start ")
		qname(n.Prefix, n.Local, n.NS)
		for _, a := range n.Attrs {
			sb.WriteByte(' ')
			if a.IsXmlns() {
				qname(a.Prefix, a.Local, nil)
			} else {
				qname(a.Prefix, a.Local, a.NS)
			}
			fmt.Fprintf(&sb, "=%q", a.Value.Bytes)
		}
	case xmlnode.KindEndElement:
		sb.WriteString("end ")
		qname(n.Prefix, n.Local, n.NS)
	case xmlnode.KindText:
		fmt.Fprintf(&sb, "text %q", n.Value.Bytes)
	case xmlnode.KindComment:
		fmt.Fprintf(&sb, "comment %q", n.Value.Bytes)
	default:
		sb.WriteString("?")
	}
	return sb.String()
}

func lines(s ...string) string { return strings.Join(s, "\n") + "\n" }

func TestReaderNodes(t *testing.T) {
	tests := []struct {
		name string
		in   string
		frag bool
		want string
	}{
		{"empty element", `<a/>`, false, lines(`start a`, `end a`)},
		{"empty element with space", `<a />`, false, lines(`start a`, `end a`)},
		{"text", `<a>hi</a>`, false, lines(`start a`, `text "hi"`, `end a`)},
		{"no empty text", `<a></a>`, false, lines(`start a`, `end a`)},
		{"attributes", `<a x="1" y='2' z = "3"/>`, false, lines(`start a x="1" y="2" z="3"`, `end a`)},
		{"quotes inside values", `<a x="it's" y='say "hi"'/>`, false, lines(`start a x="it's" y="say \"hi\""`, `end a`)},
		{"gt in attribute", `<a x=">"/>`, false, lines(`start a x=">"`, `end a`)},
		{"nested", `<a><b><c/></b>t</a>`, false, lines(`start a`, `start b`, `start c`, `end c`, `end b`, `text "t"`, `end a`)},
		{"end tag space", `<a></a >`, false, lines(`start a`, `end a`)},
		{"declaration and misc", "\ufeff<?xml version=\"1.0\" encoding=\"utf-8\" standalone='yes'?>\n<!-- c1 -->\n<?pi data?>\n<a/>\n<!--c2-->\n",
			false, lines(`comment " c1 "`, `start a`, `end a`, `comment "c2"`)},
		{"declaration without encoding", `<?xml version="1.1"?><a/>`, false, lines(`start a`, `end a`)},
		{"whitespace kept inside root", "<a>\n <b/>\n</a>", false, lines(`start a`, `text "\n "`, `start b`, `end b`, `text "\n"`, `end a`)},
		{"predefined entities", `<a>&lt;&gt;&amp;&quot;&apos;</a>`, false, lines(`start a`, `text "<>&\"'"`, `end a`)},
		{"character references", `<a>&#65;&#x42;&#x1F600;&#xe9;x</a>`, false, lines(`start a`, `text "AB😀éx"`, `end a`)},
		{"references in attributes", `<a x="&lt;&#x41;&amp;&#9;&#10;&#13;"/>`, false, lines(`start a x="<A&\t\n\r"`, `end a`)},
		{"attribute normalization", "<a x=\"1\t2\n3\r\n4\r5\"/>", false, lines(`start a x="1 2 3 4 5"`, `end a`)},
		{"line ends in text", "<a>1\r\n2\r3\n4\r\n</a>", false, lines(`start a`, `text "1\n2\n3\n4\n"`, `end a`)},
		{"cdata", `<a>x<![CDATA[<&>]]>y</a>`, false, lines(`start a`, `text "x"`, `text "<&>"`, `text "y"`, `end a`)},
		{"cdata line ends", "<a><![CDATA[1\r\n2]]]></a>", false, lines(`start a`, `text "1\n2]"`, `end a`)},
		{"empty cdata", `<a><![CDATA[]]></a>`, false, lines(`start a`, `end a`)},
		{"comment", `<a><!-- x - y --></a>`, false, lines(`start a`, `comment " x - y "`, `end a`)},
		{"comment line ends", "<a><!--1\r\n2--></a>", false, lines(`start a`, `comment "1\n2"`, `end a`)},
		{"pi in content", `<a>x<?p q?>y</a>`, false, lines(`start a`, `text "x"`, `text "y"`, `end a`)},
		{"pi without data", `<a><?p?></a>`, false, lines(`start a`, `end a`)},
		{"brackets in text", `<a>]] ]>]</a>`, false, lines(`start a`, `text "]] ]>]"`, `end a`)},
		{"non-ascii names", `<é:ñ xmlns:é="u" é:ü="1"><日本/></é:ñ>`, false,
			lines(`start é:ñ{u} xmlns:é="u" é:ü{u}="1"`, `start 日本`, `end 日本`, `end é:ñ{u}`)},
		{"name characters", `<_a.b-c1 d.e="1"/>`, false, lines(`start _a.b-c1 d.e="1"`, `end _a.b-c1`)},
		{"fragment", "t1<a/> <b>x</b>t2", true, lines(`text "t1"`, `start a`, `end a`, `text " "`, `start b`, `text "x"`, `end b`, `text "t2"`)},
		{"empty fragment", "", true, ""},
		{"fragment with declaration", `<?xml version="1.0"?>x`, true, lines(`text "x"`)},
		{"fragment cdata", `<![CDATA[x]]>`, true, lines(`text "x"`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := dump(NewReader([]byte(tt.in), ReaderOptions{Fragment: tt.frag}))
			if err != nil {
				t.Fatalf("error %v after\n%s", err, got)
			}
			if got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestReaderNamespaces(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"default", `<a xmlns="u"><b/></a>`, lines(`start a{u} xmlns="u"`, `start b{u}`, `end b{u}`, `end a{u}`)},
		{"prefixed", `<p:a xmlns:p="u"><p:b/><c/></p:a>`, lines(`start p:a{u} xmlns:p="u"`, `start p:b{u}`, `end p:b{u}`, `start c`, `end c`, `end p:a{u}`)},
		{"declaration after use", `<p:a p:x="1" xmlns:p="u"/>`, lines(`start p:a{u} p:x{u}="1" xmlns:p="u"`, `end p:a{u}`)},
		{"unprefixed attribute has no namespace", `<a xmlns="u" x="1"/>`, lines(`start a{u} xmlns="u" x="1"`, `end a{u}`)},
		{"redeclared and restored", `<p:a xmlns:p="u1"><p:b xmlns:p="u2"><p:c/></p:b><p:d/></p:a>`,
			lines(`start p:a{u1} xmlns:p="u1"`, `start p:b{u2} xmlns:p="u2"`, `start p:c{u2}`, `end p:c{u2}`, `end p:b{u2}`, `start p:d{u1}`, `end p:d{u1}`, `end p:a{u1}`)},
		{"default undeclared", `<a xmlns="u"><b xmlns=""><c/></b><d/></a>`,
			lines(`start a{u} xmlns="u"`, `start b xmlns=""`, `start c`, `end c`, `end b`, `start d{u}`, `end d{u}`, `end a{u}`)},
		{"xml prefix", `<a xml:lang="en" xml:space='preserve'/>`, lines(`start a xml:lang{`+xmlnode.NamespaceXML+`}="en" xml:space{`+xmlnode.NamespaceXML+`}="preserve"`, `end a`)},
		{"xml prefix declared", `<a xmlns:xml="` + xmlnode.NamespaceXML + `"/>`, lines(`start a xmlns:xml="`+xmlnode.NamespaceXML+`"`, `end a`)},
		{"same local different namespaces", `<a xmlns:p="u1" xmlns:q="u2" p:x="1" q:x="2" x="3"/>`,
			lines(`start a xmlns:p="u1" xmlns:q="u2" p:x{u1}="1" q:x{u2}="2" x="3"`, `end a`)},
		{"entity in namespace", `<p:a xmlns:p="u&amp;v"/>`, lines(`start p:a{u&v} xmlns:p="u&v"`, `end p:a{u&v}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := dump(NewReader([]byte(tt.in), ReaderOptions{}))
			if err != nil {
				t.Fatalf("error %v after\n%s", err, got)
			}
			if got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestReaderXmlnsAttrs(t *testing.T) {
	r := NewReader([]byte(`<p:a xmlns="d" xmlns:p="u" p:x="1"/>`), ReaderOptions{})
	n, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if len(n.Attrs) != 3 {
		t.Fatalf("%d attributes, want 3", len(n.Attrs))
	}
	def, pre, x := &n.Attrs[0], &n.Attrs[1], &n.Attrs[2]
	if !def.IsXmlns() || len(def.Prefix) != 0 || string(def.Local) != "xmlns" || string(def.NS) != xmlnode.NamespaceXMLNS || string(def.DeclaredPrefix()) != "" {
		t.Errorf("default declaration: %+v", *def)
	}
	if !pre.IsXmlns() || string(pre.Prefix) != "xmlns" || string(pre.Local) != "p" || string(pre.NS) != xmlnode.NamespaceXMLNS || string(pre.DeclaredPrefix()) != "p" {
		t.Errorf("prefix declaration: %+v", *pre)
	}
	if x.IsXmlns() || string(x.NS) != "u" {
		t.Errorf("attribute: %+v", *x)
	}
	if v, ok := n.Attr("x", "u"); !ok || string(v.Bytes) != "1" {
		t.Errorf("Attr(x, u) = %q, %v", v.Bytes, ok)
	}
}

func TestReaderDepth(t *testing.T) {
	r := NewReader([]byte(`<a>t<b><!--c--></b></a>`), ReaderOptions{})
	var got []string
	for {
		n, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%v:%d", n.Kind, n.Depth))
	}
	want := "StartElement:1 Text:1 StartElement:2 Comment:2 EndElement:2 EndElement:1"
	if strings.Join(got, " ") != want {
		t.Errorf("got %s\nwant %s", strings.Join(got, " "), want)
	}
}

// TestReaderViews checks that values needing no rewriting alias the input
// and that rewritten ones do not.
func TestReaderViews(t *testing.T) {
	data := []byte(`<a x="plain" y="a&amp;b">text</a>`)
	in := func(b []byte) bool {
		p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
		start := uintptr(unsafe.Pointer(&data[0]))
		return p >= start && p < start+uintptr(len(data))
	}
	r := NewReader(data, ReaderOptions{})
	n, _ := r.Next()
	if !in(n.Local) || !in(n.Attrs[0].Value.Bytes) {
		t.Error("name or plain attribute value is not a view into the input")
	}
	if in(n.Attrs[1].Value.Bytes) || string(n.Attrs[1].Value.Bytes) != "a&b" {
		t.Errorf("expanded attribute value %q is in the input", n.Attrs[1].Value.Bytes)
	}
	n, _ = r.Next()
	if !in(n.Value.Bytes) {
		t.Error("plain text is not a view into the input")
	}
}

func TestReaderOffset(t *testing.T) {
	data := []byte(`<a x="1">text<b/></a>`)
	r := NewReader(data, ReaderOptions{})
	want := []int64{9, 13, 17, 17, 21}
	for i, w := range want {
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
		if got := r.Offset(); got != w {
			t.Errorf("after node %d: Offset() = %d, want %d", i, got, w)
		}
	}
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("got %v, want io.EOF", err)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("EOF is not sticky: %v", err)
	}
}

func TestReaderReset(t *testing.T) {
	r := NewReader([]byte(`<p:a xmlns:p="u"><p:b>`), ReaderOptions{})
	if _, err := dump(r); err == nil {
		t.Fatal("no error for unclosed elements")
	}
	if _, err := r.Next(); err == nil {
		t.Fatal("error is not sticky")
	}
	r.Reset([]byte(`<p:c/>`))
	if _, err := dump(r); err == nil || !strings.Contains(err.Error(), "undeclared") {
		t.Fatalf("bindings survived Reset: %v", err)
	}
	r.Reset([]byte(`<a>x</a>`))
	got, err := dump(r)
	if err != nil || got != lines(`start a`, `text "x"`, `end a`) {
		t.Fatalf("after Reset: %q, %v", got, err)
	}
}

type errCase struct {
	name string
	in   string
	off  int64
	msg  string
}

var readerErrors = []errCase{
	// Structure.
	{"mismatched end tag", `<a><b></a>`, 6, "element <b> closed by </a>"},
	{"mismatched prefixed end tag", `<p:a xmlns:p="u"></a>`, 17, "element <p:a> closed by </a>"},
	{"unclosed at EOF", `<a><b>`, 6, "element <b> is not closed"},
	{"unclosed with text", `<a>text`, 7, "element <a> is not closed"},
	{"unexpected end tag", `</a>`, 0, "unexpected end tag </a>"},
	{"missing root", ``, 0, "missing root element"},
	{"missing root after misc", `<?xml version="1.0"?><!--c--> `, 30, "missing root element"},
	{"text before root", `x<a/>`, 0, "text outside the root element"},
	{"text after root", `<a/>x`, 4, "text after the root element"},
	{"entity after root", `<a/> &amp;`, 5, "text after the root element"},
	{"element after root", `<a/><b/>`, 4, "element after the root element"},
	{"cdata outside root", `<![CDATA[x]]><a/>`, 0, "CDATA section outside the root element"},
	{"doctype", `<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>`, 0, "DOCTYPE is not allowed"},
	{"bad markup", `<a><!ELEMENT a ANY></a>`, 3, "invalid markup"},
	{"lt at end", `<a><`, 3, "unexpected end of input after '<'"},
	// Names.
	{"name starts with digit", `<1a/>`, 1, "may not start a name"},
	{"name starts with colon", `<:a/>`, 1, "misplaced ':'"},
	{"name ends with colon", `<a:/>`, 3, "ends with ':'"},
	{"two colons", `<a:b:c/>`, 4, "misplaced ':'"},
	{"local starts with digit", `<a:1/>`, 3, "may not start a name"},
	{"attribute name starts with dash", `<a -x="1"/>`, 3, "may not start a name"},
	{"no name", `< a/>`, 1, "expected a name"},
	{"non-name character", "<a\u00a0b/>", 2, "unexpected character"},
	{"non-name start", "<\u00b7a/>", 1, "expected a name"},
	{"end tag bad name", `<a></1>`, 5, "may not start a name"},
	// Start tags and attributes.
	{"duplicate attribute", `<a x="1" x="2"/>`, 9, "duplicate attribute x"},
	{"duplicate after resolution", `<a xmlns:p="u" xmlns:q="u" p:x="1" q:x="2"/>`, 35, "duplicate attribute {u}x"},
	{"duplicate declaration", `<a xmlns:p="u" xmlns:p="u"/>`, 15, "duplicate attribute {" + xmlnode.NamespaceXMLNS + "}p"},
	{"lt in attribute", `<a x="<"/>`, 6, "'<' in attribute value"},
	{"no space between attributes", `<a x="1"y="2"/>`, 8, "unexpected 'y' in start tag"},
	{"attribute without value", `<a x/>`, 4, "expected '='"},
	{"unquoted value", `<a x=1/>`, 5, "expected a quoted attribute value"},
	{"unterminated value", `<a x="1/>`, 5, "unterminated attribute value"},
	{"unterminated start tag", `<a x="1"`, 0, "unterminated start tag <a"},
	{"slash without gt", `<a/ >`, 2, "expected '>' after '/'"},
	{"end tag junk", `<a></a x>`, 7, "in end tag"},
	{"unterminated end tag", `<a></a`, 6, "in end tag"},
	// Characters.
	{"invalid utf-8 in text", "<a>\xff</a>", 3, "invalid UTF-8"},
	{"truncated utf-8 in text", "<a>\xe6\x97</a>", 3, "invalid UTF-8"},
	{"utf-8 surrogate", "<a>\xed\xa0\x80</a>", 3, "invalid UTF-8"},
	{"overlong utf-8", "<a>\xc0\xaf</a>", 3, "invalid UTF-8"},
	{"invalid utf-8 in attribute", "<a x=\"\xfe\"/>", 6, "invalid UTF-8"},
	{"invalid utf-8 in name", "<a\xff/>", 2, "invalid UTF-8"},
	{"invalid utf-8 in comment", "<a><!--\x80--></a>", 7, "invalid UTF-8"},
	{"invalid utf-8 outside root", "<a/>\xc3", 4, "invalid UTF-8"},
	{"control character", "<a>\x01</a>", 3, "illegal character U+0001"},
	{"nul", "<a>\x00</a>", 3, "illegal character U+0000"},
	{"control in attribute", "<a x=\"\x1f\"/>", 6, "illegal character U+001F"},
	{"control in cdata", "<a><![CDATA[\x0b]]></a>", 12, "illegal character U+000B"},
	{"U+FFFE", "<a>\uFFFE</a>", 3, "illegal character U+FFFE"},
	{"U+FFFF in attribute", "<a x=\"\uFFFF\"/>", 6, "illegal character U+FFFF"},
	{"U+FFFE in name", "<a\uFFFE/>", 2, "illegal character U+FFFE"},
	{"control in name", "<a\x01/>", 2, "illegal character U+0001"},
	// References.
	{"undefined entity", `<a>&nbsp;</a>`, 3, "undefined entity &nbsp;"},
	{"bare ampersand", `<a>a & b</a>`, 5, "malformed entity reference"},
	{"unterminated entity", `<a>&amp</a>`, 3, "malformed entity reference"},
	{"empty char ref", `<a>&#;</a>`, 3, "malformed character reference"},
	{"empty hex char ref", `<a>&#x;</a>`, 3, "malformed character reference"},
	{"upper X char ref", `<a>&#X41;</a>`, 3, "malformed character reference"},
	{"char ref to nul", `<a>&#0;</a>`, 3, "illegal character &#0;"},
	{"char ref to control", `<a>&#x1;</a>`, 3, "illegal character &#x1;"},
	{"char ref to surrogate", `<a>&#xD800;</a>`, 3, "illegal character &#xD800;"},
	{"char ref to FFFE", `<a>&#xFFFE;</a>`, 3, "illegal character &#xFFFE;"},
	{"char ref out of range", `<a>&#x110000;</a>`, 3, "out of range"},
	{"huge char ref", `<a>&#99999999999999999999;</a>`, 3, "out of range"},
	{"bad entity in attribute", `<a x="&foo;"/>`, 6, "undefined entity &foo;"},
	// Text, comments, CDATA, PIs.
	{"cdata end in text", `<a>x]]>y</a>`, 4, "']]>' is not allowed in text"},
	{"double dash in comment", `<a><!-- a -- b --></a>`, 10, "'--' is not allowed in a comment"},
	{"comment ending in dash", `<a><!-- a ---></a>`, 10, "'--' is not allowed in a comment"},
	{"unterminated comment", `<a><!-- x </a>`, 3, "unterminated comment"},
	{"unterminated cdata", `<a><![CDATA[x</a>`, 3, "unterminated CDATA section"},
	{"unterminated pi", `<a><?p x</a>`, 3, "unterminated processing instruction"},
	{"pi without space", `<a><?px?y?></a>`, 7, "after processing instruction target"},
	{"pi target with colon", `<a><?p:q?></a>`, 5, "contains ':'"},
	{"declaration not at start", ` <?xml version="1.0"?><a/>`, 1, "XML declaration is allowed only at the start"},
	{"declaration in content", `<a><?xml version="1.0"?></a>`, 3, "XML declaration is allowed only at the start"},
	{"reserved pi target", `<a><?XmL x?></a>`, 3, "XML declaration is allowed only at the start"},
	{"declaration without version", `<?xml encoding="utf-8"?><a/>`, 6, "in XML declaration"},
	{"declaration bad version", `<?xml version="2.0"?><a/>`, 15, "invalid version"},
	{"declaration bad standalone", `<?xml version="1.0" standalone="maybe"?><a/>`, 32, "invalid standalone"},
	{"declaration wrong order", `<?xml version="1.0" standalone="yes" encoding="utf-8"?><a/>`, 37, "in XML declaration"},
	{"declaration unterminated", `<?xml version="1.0"`, 19, "in XML declaration"},
	// Namespaces.
	{"undeclared element prefix", `<p:a/>`, 1, `undeclared namespace prefix "p"`},
	{"undeclared attribute prefix", `<a p:x="1"/>`, 3, `undeclared namespace prefix "p"`},
	{"prefix out of scope", `<a><b xmlns:p="u"/><p:c/></a>`, 20, `undeclared namespace prefix "p"`},
	{"undeclaring a prefix", `<a xmlns:p=""/>`, 3, "cannot be undeclared"},
	{"declaring xmlns", `<a xmlns:xmlns="u"/>`, 3, "xmlns must not be declared"},
	{"binding xml elsewhere", `<a xmlns:xml="u"/>`, 3, "the prefix xml must be bound"},
	{"binding the xml namespace", `<a xmlns:p="` + xmlnode.NamespaceXML + `"/>`, 3, "must not be declared"},
	{"binding the xmlns namespace", `<a xmlns="` + xmlnode.NamespaceXMLNS + `"/>`, 3, "must not be declared"},
	{"element with xmlns prefix", `<xmlns:a/>`, 1, "reserved prefix xmlns"},
}

func TestReaderErrors(t *testing.T) {
	for _, tt := range readerErrors {
		t.Run(tt.name, func(t *testing.T) {
			checkError(t, []byte(tt.in), ReaderOptions{}, tt.off, tt.msg, false)
		})
	}
}

// checkError reads in to its end and checks the error it ends with.
func checkError(t *testing.T, in []byte, opts ReaderOptions, off int64, msg string, quota bool) {
	t.Helper()
	got, err := dump(NewReader(in, opts))
	if err == nil {
		t.Fatalf("no error; nodes:\n%s", got)
	}
	var xe *xmlnode.Error
	if !errors.As(err, &xe) {
		t.Fatalf("error %v (%T) is not an *xmlnode.Error", err, err)
	}
	if xe.Encoding != "xml" {
		t.Errorf("Encoding = %q, want xml", xe.Encoding)
	}
	if xe.Offset != off {
		t.Errorf("offset %d, want %d (%v)", xe.Offset, off, err)
	}
	if !strings.Contains(err.Error(), msg) {
		t.Errorf("error %q does not contain %q", err, msg)
	}
	if errors.Is(err, xmlnode.ErrQuotaExceeded) != quota {
		t.Errorf("errors.Is(%v, ErrQuotaExceeded) = %v, want %v", err, !quota, quota)
	}
}

func TestReaderErrorsAreSticky(t *testing.T) {
	r := NewReader([]byte(`<a><b></a>`), ReaderOptions{})
	_, err1 := dump(r)
	_, err2 := r.Next()
	if err1 == nil || err1 != err2 {
		t.Errorf("first error %v, then %v", err1, err2)
	}
}

func TestReaderQuotas(t *testing.T) {
	deep := strings.Repeat("<a>", 10000) + strings.Repeat("</a>", 10000)
	var manyAttrs strings.Builder
	manyAttrs.WriteString("<a")
	for i := range 100000 {
		fmt.Fprintf(&manyAttrs, " a%d=\"\"", i)
	}
	manyAttrs.WriteString("/>")
	off129 := int64(strings.Index(manyAttrs.String(), " a128=") + 1)
	var manyNS strings.Builder
	manyNS.WriteString("<a")
	for i := range 300 {
		fmt.Fprintf(&manyNS, ` xmlns:p%d="u"`, i)
	}
	manyNS.WriteString("/>")
	nested := `<a xmlns:p="1" xmlns:q="2"><b xmlns:r="3"><c xmlns:s="4"/></b></a>`
	huge := "<a>" + strings.Repeat("x", 1<<20) + "</a>"

	tests := []struct {
		name string
		in   string
		q    xmlnode.Quotas
		off  int64
		msg  string
	}{
		{"depth 10000 with default quota", deep, xmlnode.Quotas{}, 32 * 3, "depth exceeds MaxDepth (32)"},
		{"depth at the limit", "<a><a><a></a></a></a>", xmlnode.Quotas{MaxDepth: 2}, 6, "MaxDepth (2)"},
		{"100000 attributes", manyAttrs.String(), xmlnode.Quotas{}, off129, "more than MaxAttributes (128)"},
		{"attributes at the limit", `<a x="1" y="2" z="3"/>`, xmlnode.Quotas{MaxAttributes: 2}, 15, "MaxAttributes (2)"},
		{"namespaces", manyNS.String(), xmlnode.Quotas{MaxAttributes: 1000}, 0, "MaxNamespaces (256)"},
		{"namespaces across elements", nested, xmlnode.Quotas{MaxNamespaces: 3}, 42, "MaxNamespaces (3)"},
		{"huge text", huge, xmlnode.Quotas{MaxStringLength: 1000}, 3, "text of 1048576 bytes exceeds MaxStringLength (1000)"},
		{"long name", `<abcdef/>`, xmlnode.Quotas{MaxStringLength: 5}, 1, "name of 6 bytes"},
		{"long attribute name", `<a bcdefg=""/>`, xmlnode.Quotas{MaxStringLength: 5}, 3, "name of 6 bytes"},
		{"long attribute value", `<a b="123456"/>`, xmlnode.Quotas{MaxStringLength: 5}, 6, "attribute value of 6 bytes"},
		{"long expanded text", `<a>&amp;&amp;&amp;&amp;&amp;&amp;</a>`, xmlnode.Quotas{MaxStringLength: 5}, 3, "text of 6 bytes"},
		{"long comment", `<a><!--123456--></a>`, xmlnode.Quotas{MaxStringLength: 5}, 3, "comment of 6 bytes"},
		{"long cdata", `<a><![CDATA[123456]]></a>`, xmlnode.Quotas{MaxStringLength: 5}, 3, "CDATA section of 6 bytes"},
		{"long pi", `<a><?p 123456?></a>`, xmlnode.Quotas{MaxStringLength: 5}, 3, "processing instruction of 7 bytes"},
		{"max bytes", `<a>12345</a>`, xmlnode.Quotas{MaxBytes: 11}, 11, "input of 12 bytes exceeds MaxBytes (11)"},
		{"max bytes of utf-16", string(utf16LE("<a/>", true)), xmlnode.Quotas{MaxBytes: 9}, 9, "input of 10 bytes exceeds MaxBytes (9)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkError(t, []byte(tt.in), ReaderOptions{Quotas: tt.q}, tt.off, tt.msg, true)
		})
	}

	// Within the quotas, the same inputs read.
	ok := []struct {
		name string
		in   string
		q    xmlnode.Quotas
	}{
		{"depth 10000 allowed", deep, xmlnode.Quotas{MaxDepth: 10000}},
		{"100000 attributes allowed", manyAttrs.String(), xmlnode.Quotas{MaxAttributes: 100000}},
		{"300 namespaces allowed", manyNS.String(), xmlnode.Quotas{MaxNamespaces: 300, MaxAttributes: 300}},
		{"huge text unlimited", huge, xmlnode.Quotas{}},
		{"max bytes exactly", `<a>12345</a>`, xmlnode.Quotas{MaxBytes: 12}},
		{"string length exactly", `<abcde x="12345">12345<!--12345--></abcde>`, xmlnode.Quotas{MaxStringLength: 5}},
	}
	for _, tt := range ok {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := dump(NewReader([]byte(tt.in), ReaderOptions{Quotas: tt.q})); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestReaderAttributeQuotaBoundsMemory checks that a tag with 100,000
// attributes fails before the Reader stores them all.
func TestReaderAttributeQuotaBoundsMemory(t *testing.T) {
	var b strings.Builder
	b.WriteString("<a")
	for i := range 100000 {
		fmt.Fprintf(&b, " a%d=\"v\"", i)
	}
	b.WriteString("/>")
	r := NewReader([]byte(b.String()), ReaderOptions{})
	if _, err := r.Next(); !errors.Is(err, xmlnode.ErrQuotaExceeded) {
		t.Fatalf("got %v, want a quota error", err)
	}
	if c := cap(r.attrs); c > 2*xmlnode.DefaultMaxAttributes {
		t.Errorf("reader grew room for %d attributes", c)
	}
}

// TestReaderManyAttributesDuplicates checks duplicate detection on a tag
// with more attributes than the pairwise scan handles.
func TestReaderManyAttributesDuplicates(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<a xmlns:p="u" xmlns:q="u"`)
	for i := range 1000 {
		fmt.Fprintf(&b, ` p:a%d="v"`, i)
	}
	off := b.Len() + 1
	b.WriteString(` q:a500="v"/>`)
	checkError(t, []byte(b.String()), ReaderOptions{Quotas: xmlnode.Quotas{MaxAttributes: 2000}},
		int64(off), "duplicate attribute {u}a500", false)

	// Without the duplicate, all are read.
	in := strings.Replace(b.String(), "q:a500", "q:b500", 1)
	if _, err := dump(NewReader([]byte(in), ReaderOptions{Quotas: xmlnode.Quotas{MaxAttributes: 2000}})); err != nil {
		t.Fatal(err)
	}
}

// utf16LE returns s in UTF-16LE, with a byte order mark if bom is set.
func utf16LE(s string, bom bool) []byte {
	var b []byte
	if bom {
		b = append(b, 0xFF, 0xFE)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

// utf16BE returns s in UTF-16BE, with a byte order mark if bom is set.
func utf16BE(s string, bom bool) []byte {
	var b []byte
	if bom {
		b = append(b, 0xFE, 0xFF)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	return b
}

func TestReaderUTF16(t *testing.T) {
	doc := `<?xml version="1.0" encoding="utf-16"?><p:a xmlns:p="urn:é" x="日本">😀 &lt;é&gt;<b/></p:a>`
	want, err := dump(NewReader([]byte(doc), ReaderOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   []byte
		cs   Charset
	}{
		{"LE with BOM", utf16LE(doc, true), CharsetAuto},
		{"BE with BOM", utf16BE(doc, true), CharsetAuto},
		{"LE without BOM", utf16LE(doc, false), CharsetAuto},
		{"BE without BOM", utf16BE(doc, false), CharsetAuto},
		{"LE forced", utf16LE(doc, false), UTF16LE},
		{"BE forced with BOM", utf16BE(doc, true), UTF16BE},
		{"LE without BOM or declaration", utf16LE(doc[strings.Index(doc, "?>")+2:], false), CharsetAuto},
		{"UTF-8 with BOM", append([]byte("\ufeff"), doc...), CharsetAuto},
		{"UTF-8 forced", []byte(doc), UTF8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := dump(NewReader(tt.in, ReaderOptions{Charset: tt.cs}))
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}

	// Offsets count bytes of the transcoded UTF-8.
	checkError(t, utf16LE("<é></b>", true), ReaderOptions{}, 4, "element <é> closed by </b>", false)
	// A malformed UTF-16 input is reported at its offset in the input.
	bad := append(utf16LE("<a>", true), 0x00, 0xD8, '<', 0) // unpaired high surrogate
	checkError(t, bad, ReaderOptions{}, 8, "malformed UTF-16", false)
	checkError(t, append(utf16LE("<a/>", true), '<'), ReaderOptions{}, 10, "malformed UTF-16", false)
	lowFirst := append(utf16BE("<a>", true), 0xDC, 0x00)
	checkError(t, lowFirst, ReaderOptions{}, 8, "malformed UTF-16", false)
	// UTF-16 bytes forced to be read as UTF-8 fail.
	checkError(t, utf16LE("<a/>", false), ReaderOptions{Charset: UTF8}, 1, "", false)
}

func TestReaderEncodingDeclarationIgnored(t *testing.T) {
	// WCF trusts the bytes: UTF-8 bytes that claim to be UTF-16 read as UTF-8.
	got, err := dump(NewReader([]byte(`<?xml version="1.0" encoding="utf-16"?><a>é</a>`), ReaderOptions{}))
	if err != nil || got != lines(`start a`, `text "é"`, `end a`) {
		t.Errorf("got %q, %v", got, err)
	}
}

func TestReaderBOMOffsets(t *testing.T) {
	checkError(t, []byte("\ufeff<a></b>"), ReaderOptions{}, 6, "closed by", false)
	if _, err := dump(NewReader([]byte("\ufeff\ufeff<a/>"), ReaderOptions{})); err == nil {
		t.Error("a second BOM was accepted as white space")
	}
}

func TestReaderFragmentRules(t *testing.T) {
	// A fragment may hold what a document may not, but must still be
	// well-formed.
	for _, in := range []string{"<a/><b/>", "text", "<a/>text", "<![CDATA[x]]>"} {
		if _, err := dump(NewReader([]byte(in), ReaderOptions{Fragment: true})); err != nil {
			t.Errorf("fragment %q: %v", in, err)
		}
		if _, err := dump(NewReader([]byte(in), ReaderOptions{})); err == nil {
			t.Errorf("document %q: no error", in)
		}
	}
	for _, in := range []string{"<a>", "</a>", "<a></b>", "a&b"} {
		if _, err := dump(NewReader([]byte(in), ReaderOptions{Fragment: true})); err == nil {
			t.Errorf("fragment %q: no error", in)
		}
	}
}

func TestReaderScratchReuse(t *testing.T) {
	// Expanded values of one node stay intact while later attributes are
	// expanded into the same scratch buffer.
	var b strings.Builder
	b.WriteString("<a")
	for i := range 100 {
		fmt.Fprintf(&b, ` a%d="%d&amp;%s"`, i, i, strings.Repeat("x", i))
	}
	b.WriteString("/>")
	r := NewReader([]byte(b.String()), ReaderOptions{Quotas: xmlnode.Quotas{MaxAttributes: 100}})
	n, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range n.Attrs {
		if want := fmt.Sprintf("%d&%s", i, strings.Repeat("x", i)); string(a.Value.Bytes) != want {
			t.Fatalf("attribute %d = %q, want %q", i, a.Value.Bytes, want)
		}
	}
}

func TestReaderEndNodeNamesValid(t *testing.T) {
	// The end node's namespace must survive the scope frame it came from
	// until the next call.
	r := NewReader([]byte(`<a><p:b xmlns:p="urn:one"/><q:c xmlns:q="urn:two"/></a>`), ReaderOptions{})
	var ends []string
	for {
		n, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if n.Kind == xmlnode.KindEndElement {
			ends = append(ends, string(n.Prefix)+":"+string(n.Local)+"="+string(n.NS))
		}
	}
	if got := strings.Join(ends, " "); got != "p:b=urn:one q:c=urn:two :a=" {
		t.Errorf("end nodes: %s", got)
	}
}

func TestReaderInfosetOfCDATAEqualsText(t *testing.T) {
	a, err1 := xmlnode.Infoset(NewReader([]byte(`<a>x<![CDATA[<y>]]>z</a>`), ReaderOptions{}))
	b, err2 := xmlnode.Infoset(NewReader([]byte(`<a>x&lt;y&gt;z</a>`), ReaderOptions{}))
	if err1 != nil || err2 != nil || a != b {
		t.Errorf("%q (%v) != %q (%v)", a, err1, b, err2)
	}
}

// TestSkipPlainText checks the word-at-a-time scan against a byte loop.
func TestSkipPlainText(t *testing.T) {
	naive := func(src []byte, p int) int {
		for p < len(src) && !textSpecial[src[p]] {
			p++
		}
		return p
	}
	alphabet := []byte("ab \t\n\r<&>]\x00\x1f\x20\x7f\x80\xc3\xa9\xff;=\"'")
	seed := uint64(1)
	rnd := func(n int) int {
		seed = seed*6364136223846793005 + 1442695040888963407
		return int(seed>>33) % n
	}
	// Every byte value in every lane.
	for c := range 256 {
		for pos := range 20 {
			src := bytes.Repeat([]byte("x"), 20)
			src[pos] = byte(c)
			for p := range 3 {
				if got, want := skipPlainText(src, p), naive(src, p); got != want {
					t.Fatalf("skipPlainText(%q, %d) = %d, want %d", src, p, got, want)
				}
			}
		}
	}
	for range 20000 {
		src := make([]byte, rnd(40))
		for i := range src {
			if rnd(4) == 0 {
				src[i] = alphabet[rnd(len(alphabet))]
			} else {
				src[i] = 'x'
			}
		}
		for p := 0; p <= len(src); p++ {
			if got, want := skipPlainText(src, p), naive(src, p); got != want {
				t.Fatalf("skipPlainText(%q, %d) = %d, want %d", src, p, got, want)
			}
		}
	}
}

func TestReaderLookupNamespace(t *testing.T) {
	r := NewReader([]byte(`<s:Fault xmlns:s="urn:s"><v xmlns:a="urn:a" xmlns="urn:d">a:Code</v><w/></s:Fault>`), ReaderOptions{})
	type probe struct {
		prefix string
		ns     string
		ok     bool
	}
	want := [][]probe{
		{{"s", "urn:s", true}, {"a", "", false}, {"", "", true}},          // start s:Fault
		{{"s", "urn:s", true}, {"a", "urn:a", true}, {"", "urn:d", true}}, // start v
		{{"a", "urn:a", true}, {"xml", xmlnode.NamespaceXML, true}},       // text
		{{"a", "urn:a", true}, {"", "urn:d", true}},                       // end v
		{{"a", "", false}, {"", "", true}, {"s", "urn:s", true}},          // start w
		{{"a", "", false}},                        // end w
		{{"s", "urn:s", true}, {"zz", "", false}}, // end s:Fault
	}
	for i, probes := range want {
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
		for _, p := range probes {
			ns, ok := r.LookupNamespace([]byte(p.prefix))
			if ok != p.ok || string(ns) != p.ns {
				t.Errorf("node %d: LookupNamespace(%q) = %q, %v; want %q, %v", i, p.prefix, ns, ok, p.ns, p.ok)
			}
		}
	}
}
