package xmltext

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wwsgo/wws/xmlnode"
)

// The text envelopes of the Mono wire captures, copied from
// shared/vectors/mono by testdata/extract_vectors.go (testdata/vectors/INDEX.txt
// says where each one came from). NAME.decoded.xml beside NAME.xml is how
// Mono's own reader pretty-printed the same envelope.
func vectorFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("testdata/vectors/*/*.xml")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		if !strings.HasSuffix(f, ".decoded.xml") {
			out = append(out, f)
		}
	}
	if len(out) < 100 {
		t.Fatalf("only %d vectors in testdata/vectors", len(out))
	}
	return out
}

func TestVectors(t *testing.T) {
	for _, f := range vectorFiles(t) {
		t.Run(strings.TrimPrefix(f, "testdata/vectors/"), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			want, err := xmlnode.Infoset(NewReader(data, ReaderOptions{}))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(want, "}Envelope\n") {
				t.Fatalf("no envelope in\n%s", want)
			}
			// Write and read again, in each charset.
			for _, cs := range []Charset{UTF8, UTF16LE, UTF16BE} {
				w := NewWriter(WriterOptions{Charset: cs, XMLDeclaration: true})
				if err := xmlnode.Copy(w, NewReader(data, ReaderOptions{})); err != nil {
					t.Fatalf("%v: %v", cs, err)
				}
				got, err := xmlnode.Infoset(NewReader(w.Bytes(), ReaderOptions{}))
				if err != nil {
					t.Fatalf("%v: %v", cs, err)
				}
				if got != want {
					t.Fatalf("%v: Infoset after round trip\n%s\nwant\n%s", cs, got, want)
				}
				// The UTF-8 output is the input, but for the space Mono
				// writes in empty-element tags (<a />).
				if cs == UTF8 && !bytes.Equal(w.Bytes(), bytes.ReplaceAll(data, []byte(" />"), []byte("/>"))) {
					t.Errorf("output differs from the input\n got %s\nwant %s", w.Bytes(), data)
				}
			}

			// Compare with Mono's rendering, where there is one.
			dec, err := os.ReadFile(strings.TrimSuffix(f, ".xml") + ".decoded.xml")
			if os.IsNotExist(err) {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			monoInfo, err := xmlnode.Infoset(skipBlankText(NewReader(dec, ReaderOptions{})))
			if err != nil {
				t.Fatalf("decoded.xml: %v", err)
			}
			if got, _ := xmlnode.Infoset(skipBlankText(NewReader(data, ReaderOptions{}))); got != monoInfo {
				t.Errorf("Infoset differs from Mono's rendering\n%s\nwant\n%s", got, monoInfo)
			}
			// Our indented output is Mono's, but for the space Mono writes
			// in empty-element tags (<a />).
			w := NewWriter(WriterOptions{Indent: "  "})
			if err := xmlnode.Copy(w, NewReader(data, ReaderOptions{})); err != nil {
				t.Fatal(err)
			}
			wantText := strings.ReplaceAll(strings.TrimSuffix(string(dec), "\n"), " />", "/>")
			if string(w.Bytes()) != wantText {
				t.Errorf("indented output\n%s\nwant (Mono)\n%s", w.Bytes(), wantText)
			}
		})
	}
}

// skipBlankText drops text nodes that are only white space.
func skipBlankText(r xmlnode.Reader) xmlnode.Reader { return blankSkipper{r} }

type blankSkipper struct{ r xmlnode.Reader }

func (s blankSkipper) Next() (*xmlnode.Node, error) {
	for {
		n, err := s.r.Next()
		if err != nil || n.Kind != xmlnode.KindText || len(xmlnode.TrimSpace(n.Value.Bytes)) > 0 {
			return n, err
		}
	}
}

// TestVectorsAsFragments reads each envelope's body content as a fragment,
// as a SOAP stack hands a body to a serializer.
func TestVectorsAsFragments(t *testing.T) {
	for _, f := range vectorFiles(t) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		i := bytes.Index(data, []byte(":Body>"))
		j := bytes.LastIndex(data, []byte("</"))
		j = bytes.LastIndex(data[:j], []byte("</"))
		if i < 0 || j < i {
			t.Fatalf("%s: no body", f)
		}
		body := data[i+len(":Body>") : j]
		if _, err := xmlnode.Infoset(NewReader(body, ReaderOptions{Fragment: true})); err != nil &&
			!strings.Contains(err.Error(), "undeclared namespace prefix") {
			t.Errorf("%s: body %s: %v", f, body, err)
		}
	}
}
