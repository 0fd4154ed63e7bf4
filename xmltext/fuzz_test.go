package xmltext

import (
	"errors"
	"testing"

	"github.com/wwsgo/wws/xmlnode"
)

// FuzzReader reads arbitrary bytes, as a document and as a fragment. The
// Reader must not panic and must report failures as *xmlnode.Error. When it
// succeeds, writing the nodes with a Writer (in UTF-8 and in UTF-16) must
// succeed and read back to the same Infoset, and indented output must read
// back too. The seed corpus in testdata/fuzz/FuzzReader is made by
// testdata/gen_fuzz_corpus.go.
func FuzzReader(f *testing.F) {
	f.Add([]byte(`<a xmlns="u" x="1">t&amp;<b/></a>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, frag := range []bool{false, true} {
			fuzzRoundTrip(t, data, frag)
		}
	})
}

func fuzzRoundTrip(t *testing.T, data []byte, frag bool) {
	opts := ReaderOptions{Fragment: frag, Quotas: xmlnode.Quotas{MaxDepth: 256}}
	r := NewReader(data, opts)
	want, err := xmlnode.Infoset(r)
	if err != nil {
		var xe *xmlnode.Error
		if !errors.As(err, &xe) || xe.Encoding != "xml" {
			t.Fatalf("fragment=%v: error %v (%T) is not an *xmlnode.Error", frag, err, err)
		}
		if xe.Offset < 0 {
			t.Fatalf("fragment=%v: negative offset in %v", frag, err)
		}
		return
	}
	// Reset reads the same again.
	r.Reset(data)
	if again, err := xmlnode.Infoset(r); err != nil || again != want {
		t.Fatalf("fragment=%v: after Reset: %v\n%s\nwant\n%s", frag, err, again, want)
	}
	cs := UTF16LE
	if len(data)%2 == 1 {
		cs = UTF16BE
	}
	for _, wo := range []WriterOptions{{}, {Charset: cs, XMLDeclaration: true}} {
		w := NewWriter(wo)
		if err := xmlnode.Copy(w, NewReader(data, opts)); err != nil {
			t.Fatalf("fragment=%v %+v: writing what was read: %v", frag, wo, err)
		}
		got, err := xmlnode.Infoset(NewReader(w.Bytes(), opts))
		if err != nil {
			t.Fatalf("fragment=%v %+v: reading what was written: %v\n%q", frag, wo, err, w.Bytes())
		}
		if got != want {
			t.Fatalf("fragment=%v %+v: Infoset after round trip\n%s\nwant\n%s\nwritten %q", frag, wo, got, want, w.Bytes())
		}
	}
	w := NewWriter(WriterOptions{Indent: " "})
	if err := xmlnode.Copy(w, NewReader(data, opts)); err != nil {
		t.Fatalf("fragment=%v: writing indented: %v", frag, err)
	}
	if _, err := xmlnode.Infoset(NewReader(w.Bytes(), opts)); err != nil {
		t.Fatalf("fragment=%v: reading indented output: %v\n%q", frag, err, w.Bytes())
	}
}
