package xmltext

import (
	"io"
	"testing"
	"time"

	"github.com/wwsgo/wws/xmlnode"
)

func TestReaderAllocs(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("allocation counts are not meaningful under -cover or -race")
	}
	inputs := map[string][]byte{
		"envelope": loadEnvelope(t),
		"utf-16":   utf16LE(string(loadEnvelope(t)), true),
		"escapes and many attributes": []byte(`<a xmlns:p="u" p:a1="&amp;" p:a2="2" p:a3="3" p:a4="4" p:a5="5" p:a6="6" p:a7="7" p:a8="8" p:a9="9"` +
			` p:a10="10" p:a11="11" p:a12="12" p:a13="13" p:a14="14" p:a15="15" p:a16="16" p:a17="17" p:a18="18">` +
			"x&lt;y\r\n<![CDATA[z]]><!--c--><?pi?></a>"),
	}
	for name, data := range inputs {
		t.Run(name, func(t *testing.T) {
			r := NewReader(data, ReaderOptions{})
			readAll := func() {
				r.Reset(data)
				for {
					_, err := r.Next()
					if err == io.EOF {
						return
					}
					if err != nil {
						t.Fatal(err)
					}
				}
			}
			readAll() // grow the buffers
			if n := testing.AllocsPerRun(100, readAll); n != 0 {
				t.Errorf("%v allocations per document, want 0", n)
			}
		})
	}
}

func TestWriterAllocs(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("allocation counts are not meaningful under -cover or -race")
	}
	nodes := recordNodes(t, loadEnvelope(t), ReaderOptions{})
	// Typed values too, and generated prefixes.
	g := [16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	extra := []xmlnode.Node{
		{Kind: xmlnode.KindStartElement, Local: []byte("typed"), Attrs: []xmlnode.Attr{
			{Local: []byte("n"), NS: []byte("urn:gen"), Value: xmlnode.Int(42)},
			{Local: []byte("d"), Value: xmlnode.Double(3.25)},
		}},
		{Kind: xmlnode.KindText, Value: xmlnode.Double(1e-7)},
		{Kind: xmlnode.KindText, Value: xmlnode.Float(0.5)},
		{Kind: xmlnode.KindText, Value: xmlnode.Bytes([]byte("raw bytes"))},
		{Kind: xmlnode.KindText, Value: xmlnode.UniqueID(g)},
		{Kind: xmlnode.KindText, Value: xmlnode.DateTime(time.Date(2024, 5, 6, 7, 8, 9, 100, time.UTC))},
		{Kind: xmlnode.KindText, Value: xmlnode.TimeSpan(time.Hour)},
		{Kind: xmlnode.KindText, Value: xmlnode.Decimal(0, 12345, 3, false)},
		{Kind: xmlnode.KindText, Value: xmlnode.QName('a', []byte("b"))},
		{Kind: xmlnode.KindComment, Value: xmlnode.Chars([]byte("c"))},
		{Kind: xmlnode.KindEndElement},
	}
	all := append(nodes[:len(nodes)-1:len(nodes)-1], extra...)
	all = append(all, nodes[len(nodes)-1])
	for _, opts := range []WriterOptions{{}, {Charset: UTF16LE, XMLDeclaration: true}, {Indent: "  "}} {
		w := NewWriter(opts)
		writeAll := func() {
			w.Reset()
			for i := range all {
				if err := xmlnode.WriteNode(w, &all[i]); err != nil {
					t.Fatal(err)
				}
			}
			w.Bytes()
		}
		writeAll()
		if n := testing.AllocsPerRun(100, writeAll); n != 0 {
			t.Errorf("%+v: %v allocations per document, want 0", opts, n)
		}
	}
}
