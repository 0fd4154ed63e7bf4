package nbfx_test

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"testing"
	"time"

	"github.com/wwsgo/wws/nbfx"
	"github.com/wwsgo/wws/xmlnode"
	"github.com/wwsgo/wws/xmltext"
)

// envelope4k is the ~4 KB SOAP 1.2 envelope with WS-Addressing headers and
// a data-contract body that the text codec benchmarks use too.
func envelope4k(b testing.TB) []byte {
	data, err := os.ReadFile("../xmltext/testdata/envelope4k.xml")
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// typed records a document's nodes, giving text the types a WCF
// DataContractSerializer would write (integers, booleans, GUIDs, dates),
// so that the binary form has the records WCF puts on the wire.
func typed(b testing.TB, text []byte) []xmlnode.Node {
	var nodes []xmlnode.Node
	r := xmltext.NewReader(text, xmltext.ReaderOptions{})
	for {
		n, err := r.Next()
		if err == io.EOF {
			return nodes
		}
		if err != nil {
			b.Fatal(err)
		}
		c := xmlnode.Node{Kind: n.Kind, Prefix: bytes.Clone(n.Prefix), Local: bytes.Clone(n.Local), NS: bytes.Clone(n.NS), Depth: n.Depth}
		for _, a := range n.Attrs {
			c.Attrs = append(c.Attrs, xmlnode.Attr{Prefix: bytes.Clone(a.Prefix), Local: bytes.Clone(a.Local), NS: bytes.Clone(a.NS),
				Value: xmlnode.Chars(bytes.Clone(a.Value.Bytes))})
		}
		if n.Kind == xmlnode.KindText || n.Kind == xmlnode.KindComment {
			v := xmlnode.Chars(bytes.Clone(n.Value.Bytes))
			if n.Kind == xmlnode.KindText {
				v = typeOf(v)
			}
			c.Value = v
		}
		nodes = append(nodes, c)
	}
}

func typeOf(v xmlnode.Value) xmlnode.Value {
	s := string(v.Bytes)
	if i, err := v.Int64(); err == nil && len(s) < 19 {
		return xmlnode.Int(i)
	}
	if s == "true" || s == "false" {
		return xmlnode.Bool(s == "true")
	}
	if g, err := v.GUID(); err == nil {
		if len(s) > 36 {
			return xmlnode.UniqueID(g)
		}
		return xmlnode.UUID(g)
	}
	if t, kind, err := v.Time(); err == nil && kind == xmlnode.KindUTC {
		return xmlnode.DateTime(t.In(time.UTC))
	}
	return v
}

func replay(w xmlnode.Writer, nodes []xmlnode.Node) error {
	for i := range nodes {
		if err := xmlnode.WriteNode(w, &nodes[i]); err != nil {
			return err
		}
	}
	return nil
}

// binaryEnvelope returns the envelope in the binary session encoding as a
// session's second message carries it: the strings already in the
// dictionaries, an empty StringTable, then the document.
func binaryEnvelope(b testing.TB) (doc []byte, rd *nbfx.SessionDictionary, nodes []xmlnode.Node) {
	nodes = typed(b, envelope4k(b))
	wd := nbfx.NewSessionDictionary(0)
	w := nbfx.NewWriter(wd)
	if err := replay(w, nodes); err != nil {
		b.Fatal(err)
	}
	rd = nbfx.NewSessionDictionary(0)
	if _, err := rd.ReadStringTable(wd.AppendStringTable(nil)); err != nil {
		b.Fatal(err)
	}
	return bytes.Clone(w.Bytes()), rd, nodes
}

func BenchmarkReadBinaryEnvelope(b *testing.B) {
	doc, rd, _ := binaryEnvelope(b)
	r := nbfx.NewReader(doc, rd, xmlnode.Quotas{})
	b.SetBytes(int64(len(envelope4k(b))))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.Reset(doc)
		for {
			n, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			_ = n
		}
	}
}

// BenchmarkEncodingXMLTokenText is the peer: encoding/xml tokenizing the
// text form of the same envelope.
func BenchmarkEncodingXMLTokenText(b *testing.B) {
	text := envelope4k(b)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	rd := bytes.NewReader(text)
	for i := 0; i < b.N; i++ {
		rd.Reset(text)
		d := xml.NewDecoder(rd)
		for {
			_, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkWriteBinaryEnvelope(b *testing.B) {
	_, _, nodes := binaryEnvelope(b)
	wd := nbfx.NewSessionDictionary(0)
	w := nbfx.NewWriter(wd)
	replay(w, nodes) // announce the session strings once, as a session's first message
	wd.AppendStringTable(nil)
	b.SetBytes(int64(len(envelope4k(b))))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.Reset()
		if err := replay(w, nodes); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBinaryEnvelopeAllocs is the steady-state allocation guarantee: reading
// and writing the envelope allocate nothing.
func TestBinaryEnvelopeAllocs(t *testing.T) {
	doc, rd, nodes := binaryEnvelope(t)
	r := nbfx.NewReader(doc, rd, xmlnode.Quotas{})
	read := func() {
		r.Reset(doc)
		for {
			if _, err := r.Next(); err != nil {
				return
			}
		}
	}
	read()
	if a := testing.AllocsPerRun(50, read); a != 0 {
		t.Errorf("reading allocates %v times per envelope", a)
	}
	wd := nbfx.NewSessionDictionary(0)
	w := nbfx.NewWriter(wd)
	replay(w, nodes)
	wd.AppendStringTable(nil)
	write := func() {
		w.Reset()
		replay(w, nodes)
	}
	if a := testing.AllocsPerRun(50, write); a != 0 {
		t.Errorf("writing allocates %v times per envelope", a)
	}
	t.Logf("text %d bytes, binary %d bytes", len(envelope4k(t)), len(doc))
}
