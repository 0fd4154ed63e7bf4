//go:build ignore

// gen_fuzz_corpus writes the seed corpus of FuzzReader into
// testdata/fuzz/FuzzReader: the vector envelopes (testdata/vectors), the
// benchmark envelope, UTF-16 forms of some of them, and hand-made tricky
// inputs. Run from the xmltext directory:
//
//	go run testdata/gen_fuzz_corpus.go
package main

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf16"
)

var tricky = []string{
	// Well-formed.
	`<a/>`,
	"\ufeff<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?>\r\n<!-- c --><?pi x?><a/>\n",
	`<a x="&lt;&gt;&amp;&quot;&apos;&#9;&#10;&#13;&#x20;" y='"'>&#xD7FF;&#xE000;&#xFFFD;&#x10000;&#x10FFFF;&#1114111;</a>`,
	"<a x=\"\t\r\n \r\">\r\n\r\r</a>",
	`<a><![CDATA[]]><![CDATA[]]]]><![CDATA[>]]>]<![CDATA[<&]]></a>`,
	`<a><!----><!-- - --><!--x-y--></a>`,
	`<p:a xmlns:p="u" xmlns="d" p:x="1" x="2"><b xmlns="" p:x="3"><p:c xmlns:p="v"/><p:d/></b></p:a>`,
	`<a xml:lang="en" xmlns:xml="http://www.w3.org/XML/1998/namespace"><b xml:space="preserve"> </b></a>`,
	`<é:ñ xmlns:é="ü" é:日本="語">😀</é:ñ>`,
	`<_.-a b.c-d_="" e:f="" xmlns:e="g&amp;h"/>`,
	`<a xmlns:q="u" xmlns:r="u" q:x="1" r:y="2" x="3"/>`,
	"text<a/> <b>x</b>tail",
	`<![CDATA[fragment]]>&amp;`,
	`<a>]]&gt; ]> ]]</a>`,
	`<a xmlns="u"><b xmlns="v"><c xmlns=""/></b></a>`,
	"<a>" + strings.Repeat("<b>", 40) + strings.Repeat("</b>", 40) + "</a>",
	"<a" + func() string {
		var s string
		for i := 0; i < 40; i++ {
			s += fmt.Sprintf(" a%d='%d'", i, i)
		}
		return s
	}() + "/>",
	// Malformed.
	`<a><b></a>`,
	`<a>`,
	`</a>`,
	`<a/><b/>`,
	`<a/>x`,
	`<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>`,
	`<a x="1" x="2"/>`,
	`<a xmlns:p="u" xmlns:q="u" p:x="1" q:x="2"/>`,
	`<a x="<"/>`,
	"<a>\xff</a>",
	"<a>\xed\xa0\x80</a>",
	"<a>\x00</a>",
	"<a>\uFFFE</a>",
	`<a>&#0;&#xFFFF;&#xD800;&#x110000;</a>`,
	`<a>&foo;</a>`,
	`<a>x]]>y</a>`,
	`<a><!-- -- --></a>`,
	`<a><![CDATA[x</a>`,
	` <?xml version="1.0"?><a/>`,
	`<p:a/>`,
	`<a xmlns:p=""/>`,
	`<a xmlns:xml="u"/>`,
	`<xmlns:a/>`,
	`<a:b:c/>`,
	`<a x="1"y="2"/>`,
	`<?xml version="1.0" encoding="utf-16"?><a/>`,
}

func main() {
	dir := filepath.Join("testdata", "fuzz", "FuzzReader")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		panic(err)
	}
	var seeds [][]byte
	for _, s := range tricky {
		seeds = append(seeds, []byte(s))
	}
	files, _ := filepath.Glob("testdata/vectors/*/*.xml")
	files = append(files, "testdata/envelope4k.xml")
	seen := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, ".decoded.xml") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			panic(err)
		}
		// The vectors repeat themselves across scenarios; keep one of each
		// shape (same length modulo message IDs).
		key := fmt.Sprintf("%s-%d", filepath.Base(filepath.Dir(f)), len(data)/64)
		if seen[key] {
			continue
		}
		seen[key] = true
		seeds = append(seeds, data)
	}
	seeds = append(seeds,
		utf16LE("<?xml version=\"1.0\" encoding=\"utf-16\"?><a x=\"é\">😀</a>", true),
		utf16LE("<a>\U0001F600</a>", false),
		utf16BE("<a>日本</a>", true),
		append(utf16LE("<a>", true), 0x00, 0xD8, '<', 0),
	)
	for _, s := range seeds {
		name := fmt.Sprintf("%x", sha256.Sum256(s))[:16]
		content := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			panic(err)
		}
	}
	fmt.Println(len(seeds), "seeds")
}

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
