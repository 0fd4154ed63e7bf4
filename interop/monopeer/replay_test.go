package monopeer

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// vectorsDir finds the Mono captures (shared/vectors/mono): $WWS_MONO_VECTORS, or a
// shared/vectors/mono directory next to one of the working directory's ancestors.
func vectorsDir(t *testing.T) string {
	if d := os.Getenv("WWS_MONO_VECTORS"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Skip(err)
	}
	for range 6 {
		cand := filepath.Join(dir, "shared", "vectors", "mono")
		if fi, err := os.Stat(cand); err == nil && fi.IsDir() {
			return cand
		}
		dir = filepath.Dir(dir)
	}
	t.Skip("interop: shared/vectors/mono not found; set WWS_MONO_VECTORS")
	return ""
}

func readVector(t *testing.T, dir, glob string) []byte {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, glob))
	if len(m) != 1 {
		t.Skipf("interop: no single %s in %s", glob, dir)
	}
	b, err := os.ReadFile(m[0])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestReplayMonoCaptures replays the client bytes of the Mono-to-Mono captures to the
// peer service and checks that it answers with the captured service bytes: the peer
// reproduces the captured contract (names, namespaces, actions, fault shape) exactly.
func TestReplayMonoCaptures(t *testing.T) {
	Require(t)
	vectors := vectorsDir(t)
	Build(t)

	for _, c := range []struct{ binding, dir string }{
		{"nettcp", "nettcp-binary-session"},
		{"nettcp-text12", "nettcp-text-soap12"},
	} {
		t.Run(c.binding, func(t *testing.T) {
			t.Parallel()
			c2s := readVector(t, filepath.Join(vectors, c.dir), "*-c1.c2s.bin")
			s2c := readVector(t, filepath.Join(vectors, c.dir), "*-c1.s2c.bin")
			port := FreePort(t)
			Serve(t, c.binding, URL(c.binding, port)) // the Via in the bytes names another port: Mono ignores it
			conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(30 * time.Second))
			if _, err := conn.Write(c2s); err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(conn) // the service closes after the client's End record
			if err != nil && len(got) < len(s2c) {
				t.Fatalf("read: %v after %d of %d bytes", err, len(got), len(s2c))
			}
			if !bytes.Equal(got, s2c) {
				i := 0
				for i < len(got) && i < len(s2c) && got[i] == s2c[i] {
					i++
				}
				t.Errorf("reply bytes differ from the capture at offset %d (got %d bytes, want %d)", i, len(got), len(s2c))
			}
		})
	}

	for _, c := range []struct{ binding, dir string }{
		{"basichttp", "basichttp"},
		{"http-soap11", "http-soap11"},
		{"http-soap11-wsa04", "http-soap11-wsa04"},
		{"http-soap11-wsa10", "http-soap11-wsa10"},
		{"http-soap12", "http-soap12"},
		{"http-soap12-wsa04", "http-soap12-wsa04"},
		{"http-soap12-wsa10", "http-soap12-wsa10"},
		{"http-binary", "http-binary"},
		{"wshttp", "wshttp"},
	} {
		t.Run(c.binding, func(t *testing.T) {
			t.Parallel()
			c2s := readVector(t, filepath.Join(vectors, c.dir), "*-c1.c2s.bin")
			s2c := readVector(t, filepath.Join(vectors, c.dir), "*-c1.s2c.bin")
			type request struct {
				line   string
				header http.Header
				body   []byte
			}
			var reqs []request
			var path string // the captured service's path; Mono's HTTP listener matches it
			br := bufio.NewReader(bytes.NewReader(c2s))
			for {
				if _, err := br.Peek(1); err != nil {
					break
				}
				req, err := http.ReadRequest(br)
				if err != nil {
					t.Fatalf("parsing captured request: %v", err)
				}
				body, _ := io.ReadAll(req.Body)
				for _, h := range []string{"Host", "Expect", "Connection", "Content-Length"} {
					req.Header.Del(h)
				}
				reqs = append(reqs, request{req.Method + " " + req.URL.RequestURI() + " HTTP/1.1", req.Header, body})
				path = req.URL.Path
			}
			var wants []*http.Response
			var wantBodies [][]byte
			br = bufio.NewReader(bytes.NewReader(s2c))
			for {
				if _, err := br.Peek(1); err != nil {
					break
				}
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatalf("parsing captured response: %v", err)
				}
				if resp.StatusCode == http.StatusContinue {
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				wants = append(wants, resp)
				wantBodies = append(wantBodies, b)
			}
			if len(reqs) == 0 || len(reqs) != len(wants) {
				t.Fatalf("capture has %d requests and %d responses", len(reqs), len(wants))
			}

			addr := fmt.Sprintf("127.0.0.1:%d", FreePort(t))
			Serve(t, c.binding, "http://"+addr+path)
			for i, r := range reqs {
				var msg bytes.Buffer
				fmt.Fprintf(&msg, "%s\r\nHost: %s\r\nConnection: close\r\nContent-Length: %d\r\n", r.line, addr, len(r.body))
				r.header.Write(&msg)
				msg.WriteString("\r\n")
				msg.Write(r.body)
				conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
				if err != nil {
					t.Fatal(err)
				}
				conn.SetDeadline(time.Now().Add(30 * time.Second))
				if _, err := conn.Write(msg.Bytes()); err != nil {
					t.Fatal(err)
				}
				resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
				if err != nil {
					conn.Close()
					t.Fatalf("request %d: %v", i, err)
				}
				got, _ := io.ReadAll(resp.Body)
				conn.Close()
				if resp.StatusCode != wants[i].StatusCode || !bytes.Equal(got, wantBodies[i]) {
					t.Errorf("request %d: got %s %q\nwant %s %q", i, resp.Status, got, wants[i].Status, wantBodies[i])
				}
			}
		})
	}
}
