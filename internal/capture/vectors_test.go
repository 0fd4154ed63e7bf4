package capture

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/wwsgo/wws/nbfx"
	"github.com/wwsgo/wws/xmlnode"
	"github.com/wwsgo/wws/xmltext"
)

const vectorsDir = "../../../shared/vectors/mono"

// expected parses a .decoded.txt file: for each direction, the envelopes
// Mono's own readers decoded, as text XML.
func expected(t *testing.T, file string) map[string][]string {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	dir := ""
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			out[dir] = append(out[dir], strings.Join(cur, "\n"))
			cur = nil
		}
	}
	for _, line := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(line, "== client->service"):
			flush()
			dir = "c2s"
		case strings.HasPrefix(line, "== service->client"):
			flush()
			dir = "s2c"
		case strings.HasPrefix(strings.TrimLeft(line, " "), "| "):
			text := strings.TrimLeft(line, " ")[2:]
			if strings.HasPrefix(text, "<s:Envelope") || strings.HasPrefix(text, "<?xml") && len(cur) > 0 {
				flush()
			}
			cur = append(cur, text)
		default:
			flush()
		}
	}
	flush()
	return out
}

// infoset renders a document's infoset, dropping whitespace-only text (the
// indentation of the decoded files).
func infoset(r xmlnode.Reader) (string, error) {
	return xmlnode.Infoset(skipSpace{r})
}

type skipSpace struct{ r xmlnode.Reader }

func (s skipSpace) Next() (*xmlnode.Node, error) {
	for {
		n, err := s.r.Next()
		if err != nil {
			return n, err
		}
		if n.Kind == xmlnode.KindText && n.Value.IsText() && len(xmlnode.TrimSpace(n.Value.Bytes)) == 0 {
			continue
		}
		if n.Kind == xmlnode.KindComment {
			continue
		}
		return n, nil
	}
}

func textInfoset(t *testing.T, xml string) string {
	s, err := infoset(xmltext.NewReader([]byte(xml), xmltext.ReaderOptions{}))
	if err != nil {
		t.Fatalf("expected XML does not parse: %v\n%s", err, xml)
	}
	return s
}

// decoded is one envelope we decoded, with how to decode it again.
type decoded struct {
	infoset string
	binary  bool
	doc     []byte
	dict    *nbfx.SessionDictionary
}

// reencode writes the envelope's nodes with our writer of the same encoding
// and decodes the result again.
func reencode(t *testing.T, d decoded) string {
	t.Helper()
	if d.binary {
		wd := nbfx.NewSessionDictionary(1 << 20)
		w := nbfx.NewWriter(wd)
		if err := xmlnode.Copy(w, nbfx.NewReader(d.doc, d.dict, xmlnode.Quotas{MaxDepth: 100})); err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		rd := nbfx.NewSessionDictionary(1 << 20)
		if _, err := rd.ReadStringTable(wd.AppendStringTable(nil)); err != nil {
			t.Fatal(err)
		}
		s, err := infoset(nbfx.NewReader(w.Bytes(), rd, xmlnode.Quotas{MaxDepth: 100}))
		if err != nil {
			t.Fatalf("decode of re-encoding: %v", err)
		}
		return s
	}
	w := xmltext.NewWriter(xmltext.WriterOptions{})
	if err := xmlnode.Copy(w, xmltext.NewReader(d.doc, xmltext.ReaderOptions{})); err != nil {
		t.Fatalf("re-encode: %v", err)
	}
	w.Flush()
	s, err := infoset(xmltext.NewReader(w.Bytes(), xmltext.ReaderOptions{}))
	if err != nil {
		t.Fatalf("decode of re-encoding: %v", err)
	}
	return s
}

// decodeNMF decodes every envelope of a captured [MC-NMF] stream.
func decodeNMF(t *testing.T, data []byte) []decoded {
	var out []decoded
	dict := (*nbfx.SessionDictionary)(nil)
	err := Stream(bytes.NewReader(data), 1<<24, nil, func(env *Envelope) error {
		d := decoded{doc: bytes.Clone(env.Doc)}
		if rd, ok := env.Reader.(*nbfx.Reader); ok {
			d.binary = true
			_ = rd
			dict = sessionOf(env)
			d.dict = dict
		}
		s, err := infoset(env.Reader)
		if err != nil {
			return err
		}
		d.infoset = s
		out = append(out, d)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sessionOf digs the session dictionary out of an envelope's reader, by
// decoding a document that references nothing: the Stream keeps one
// dictionary per stream, which the test needs to decode again.
func sessionOf(env *Envelope) *nbfx.SessionDictionary { return env.Dictionary }

// decodeHTTP decodes the bodies of the HTTP messages in one direction.
func decodeHTTP(t *testing.T, data []byte) []decoded {
	var out []decoded
	br := bufio.NewReader(bytes.NewReader(data))
	for {
		var head []string
		for {
			line, err := br.ReadString('\n')
			if err == io.EOF && line == "" {
				return out
			}
			if err != nil && err != io.EOF {
				t.Fatal(err)
			}
			line = strings.TrimRight(line, "\r\n")
			if line == "" {
				break
			}
			head = append(head, line)
		}
		if len(head) == 0 {
			continue
		}
		length, chunked, ctype := 0, false, ""
		for _, h := range head[1:] {
			k, v, _ := strings.Cut(h, ":")
			v = strings.TrimSpace(v)
			switch strings.ToLower(k) {
			case "content-length":
				length, _ = strconv.Atoi(v)
			case "transfer-encoding":
				chunked = strings.Contains(strings.ToLower(v), "chunked")
			case "content-type":
				ctype = v
			}
		}
		var body []byte
		if chunked {
			for {
				line, _ := br.ReadString('\n')
				n, _ := strconv.ParseInt(strings.TrimSpace(line), 16, 64)
				if n == 0 {
					br.ReadString('\n')
					break
				}
				chunk := make([]byte, n)
				io.ReadFull(br, chunk)
				body = append(body, chunk...)
				br.ReadString('\n')
			}
		} else {
			body = make([]byte, length)
			io.ReadFull(br, body)
		}
		if len(body) == 0 || strings.Contains(ctype, "multipart") {
			continue
		}
		d := decoded{doc: body}
		var r xmlnode.Reader
		if strings.Contains(ctype, "msbin1") {
			d.binary = true
			r = nbfx.NewReader(body, nil, xmlnode.Quotas{MaxDepth: 100})
		} else {
			r = xmltext.NewReader(body, xmltext.ReaderOptions{})
		}
		s, err := infoset(r)
		if err != nil {
			t.Fatalf("HTTP body (%s): %v", ctype, err)
		}
		d.infoset = s
		out = append(out, d)
	}
}

// TestMonoVectors decodes every envelope Mono put on the wire, compares its
// infoset with what Mono's own readers decoded, and checks that writing it
// again with our writer and decoding gives the same infoset.
func TestMonoVectors(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join(vectorsDir, "*"))
	if err != nil || len(dirs) == 0 {
		t.Skip("vectors not available")
	}
	total := 0
	for _, dir := range dirs {
		name := filepath.Base(dir)
		if strings.HasPrefix(name, "udp") || strings.Contains(name, "mtom") || strings.Contains(name, "wshttp-sec") {
			continue
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*.decoded.txt"))
		for _, f := range files {
			base := strings.TrimSuffix(f, ".decoded.txt")
			t.Run(name+"/"+filepath.Base(base), func(t *testing.T) {
				want := expected(t, f)
				for _, d := range []string{"c2s", "s2c"} {
					data, err := os.ReadFile(base + "." + d + ".bin")
					if err != nil {
						t.Fatal(err)
					}
					var got []decoded
					if strings.HasPrefix(name, "nettcp") || strings.HasPrefix(name, "netpipe") {
						got = decodeNMF(t, data)
					} else {
						got = decodeHTTP(t, data)
					}
					if len(got) != len(want[d]) {
						t.Fatalf("%s: decoded %d envelopes, the file shows %d", d, len(got), len(want[d]))
					}
					for i := range got {
						w := textInfoset(t, want[d][i])
						if got[i].infoset != w {
							t.Fatalf("%s envelope %d differs from Mono's decoding:\n got %s\nwant %s", d, i+1, got[i].infoset, w)
						}
						if again := reencode(t, got[i]); again != w {
							t.Fatalf("%s envelope %d changed on re-encoding:\n got %s\nwant %s", d, i+1, again, w)
						}
						total++
					}
				}
			})
		}
	}
	t.Logf("%d envelopes checked", total)
	_ = fmt.Sprint
}
