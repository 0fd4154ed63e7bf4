package xmltext

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"testing"

	"github.com/wwsgo/wws/xmlnode"
)

func loadEnvelope(tb testing.TB) []byte {
	tb.Helper()
	data, err := os.ReadFile("testdata/envelope4k.xml")
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// BenchmarkReadEnvelope reads every node of a 4 KB SOAP 1.2 envelope with a
// reused Reader.
func BenchmarkReadEnvelope(b *testing.B) {
	data := loadEnvelope(b)
	r := NewReader(data, ReaderOptions{})
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(data)
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkEncodingXMLToken reads the same envelope with encoding/xml's
// namespace-resolving Token.
func BenchmarkEncodingXMLToken(b *testing.B) {
	data := loadEnvelope(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		d := xml.NewDecoder(bytes.NewReader(data))
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

// BenchmarkEncodingXMLRawToken reads it with encoding/xml's RawToken, which
// neither resolves namespaces nor checks that tags match.
func BenchmarkEncodingXMLRawToken(b *testing.B) {
	data := loadEnvelope(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		d := xml.NewDecoder(bytes.NewReader(data))
		for {
			_, err := d.RawToken()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

// recordNodes reads data into deep copies of its nodes.
func recordNodes(tb testing.TB, data []byte, opts ReaderOptions) []xmlnode.Node {
	tb.Helper()
	var nodes []xmlnode.Node
	r := NewReader(data, opts)
	for {
		n, err := r.Next()
		if err == io.EOF {
			return nodes
		}
		if err != nil {
			tb.Fatal(err)
		}
		nodes = append(nodes, cloneNode(n))
	}
}

func cloneNode(n *xmlnode.Node) xmlnode.Node {
	c := *n
	c.Prefix = bytes.Clone(n.Prefix)
	c.Local = bytes.Clone(n.Local)
	c.NS = bytes.Clone(n.NS)
	c.Value.Bytes = bytes.Clone(n.Value.Bytes)
	c.Attrs = nil
	for _, a := range n.Attrs {
		a.Prefix = bytes.Clone(a.Prefix)
		a.Local = bytes.Clone(a.Local)
		a.NS = bytes.Clone(a.NS)
		a.Value.Bytes = bytes.Clone(a.Value.Bytes)
		c.Attrs = append(c.Attrs, a)
	}
	return c
}

// BenchmarkWriteEnvelope replays the envelope's nodes into a reused Writer.
func BenchmarkWriteEnvelope(b *testing.B) {
	data := loadEnvelope(b)
	nodes := recordNodes(b, data, ReaderOptions{})
	w := NewWriter(WriterOptions{XMLDeclaration: true})
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		w.Reset()
		for i := range nodes {
			if err := xmlnode.WriteNode(w, &nodes[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkEncodingXMLEncodeToken writes the same envelope with
// encoding/xml's Encoder, replaying its tokens (as Decoder.RawToken gives
// them: prefixed names and xmlns attributes as written) into a reused
// buffer: the encoding/xml peer of BenchmarkWriteEnvelope and nbfx's
// BenchmarkWriteBinaryEnvelope.
func BenchmarkEncodingXMLEncodeToken(b *testing.B) {
	data := loadEnvelope(b)
	var toks []xml.Token
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		t, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		toks = append(toks, xml.CopyToken(t))
	}
	var buf bytes.Buffer
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		e := xml.NewEncoder(&buf)
		for _, t := range toks {
			if err := e.EncodeToken(t); err != nil {
				b.Fatal(err)
			}
		}
		if err := e.Flush(); err != nil {
			b.Fatal(err)
		}
	}
}
