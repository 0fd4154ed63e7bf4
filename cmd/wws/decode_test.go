package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCmd(t *testing.T, stdin []byte, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, bytes.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

func TestDecodeDocument(t *testing.T) {
	// The [MC-NBFS] §3 example.
	doc := []byte{0x56, 0x02, 0x0B, 0x01, 0x61, 0x06, 0x0B, 0x01, 0x73, 0x04, 0x56, 0x08, 0x44, 0x0A, 0x1E, 0x00,
		0x82, 0x99, 0x06, 0x61, 0x63, 0x74, 0x69, 0x6F, 0x6E, 0x01, 0x56, 0x0E, 0x40, 0x09, 0x49, 0x6E,
		0x76, 0x65, 0x6E, 0x74, 0x6F, 0x72, 0x79, 0x81, 0x01, 0x01}
	out, errs, code := runCmd(t, doc, "decode", "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{`<s:Envelope xmlns:a="http://www.w3.org/2005/08/addressing" xmlns:s="http://www.w3.org/2003/05/soap-envelope">`,
		`<a:Action s:mustUnderstand="1">action</a:Action>`, `<Inventory>0</Inventory>`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
}

func TestDecodeBadInput(t *testing.T) {
	for _, in := range [][]byte{{0x40, 0x03, 'd', 'o'}, {0xFF}, {0x56, 0x02, 0x42, 0x81, 0x80}} {
		_, errs, code := runCmd(t, in, "decode")
		if code != 2 || !strings.Contains(errs, "offset") {
			t.Errorf("% X: exit %d, stderr %q; want 2 and an offset", in, code, errs)
		}
	}
	_, errs, code := runCmd(t, nil, "decode")
	if code != 2 || !strings.Contains(errs, "empty") {
		t.Errorf("empty input: exit %d, %q", code, errs)
	}
	_, errs, code = runCmd(t, []byte{0, 1, 0, 1, 2, 2, 0x80}, "decode", "--nmf")
	if code != 2 || !strings.Contains(errs, "offset") {
		t.Errorf("truncated stream: exit %d, %q", code, errs)
	}
}

// TestDecodeMonoCapture decodes a whole recorded Mono net.tcp session.
func TestDecodeMonoCapture(t *testing.T) {
	file := "../../../shared/vectors/mono/nettcp-binary-session/p19001-c1.c2s.bin"
	data, err := os.ReadFile(file)
	if err != nil {
		t.Skipf("vector not available: %v", err)
	}
	out, errs, code := runCmd(t, nil, "decode", "--nmf", file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if n := strings.Count(out, "<s:Envelope"); n != 8 {
		t.Errorf("%d envelopes, want 8", n)
	}
	for _, want := range []string{"日本語 é 😀 &lt;&amp;&gt;", "<b:string>a</b:string>", `new session strings: "text"`, "<!-- @0 VersionRecord 1.0 -->"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	_ = data
	_ = filepath.Base
}
