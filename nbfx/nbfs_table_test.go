package nbfx

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

// readMonoNBFS parses testdata/mono-nbfs-static-dictionary.txt, Mono 6.8's
// copy of the [MC-NBFS] static dictionary: "#" comment lines, then one
// "0xID string" line per entry (the string is everything after the first
// space, and is empty for 0x0A2).
func readMonoNBFS(t *testing.T) map[int]string {
	t.Helper()
	f, err := os.Open("testdata/mono-nbfs-static-dictionary.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mono := make(map[int]string)
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		idText, s, _ := strings.Cut(line, " ")
		id, err := strconv.ParseInt(idText, 0, 32)
		if err != nil || !strings.HasPrefix(idText, "0x") {
			t.Fatalf("line %d: bad id %q", n, idText)
		}
		if _, dup := mono[int(id)]; dup {
			t.Fatalf("line %d: id %#x listed twice", n, id)
		}
		mono[int(id)] = s
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return mono
}

func TestNBFSTableMatchesMono(t *testing.T) {
	if got := len(nbfsStrings); got != 487 {
		t.Fatalf("len(nbfsStrings) = %d, want 487 (even ids 0x000..0x3CC)", got)
	}

	// The only expected differences from Mono: the spec (and .NET) have these
	// in lower case and has 0x3CC; Mono capitalises them and stops at 0x3CA.
	type diff struct{ spec, mono string }
	known := map[int]diff{
		0x3C4: {"actor", "Actor"},
		0x3C6: {"faultcode", "Faultcode"},
		0x3C8: {"faultstring", "Faultstring"},
		0x3CA: {"faultactor", "Faultactor"},
		0x3CC: {"detail", ""}, // absent from Mono
	}

	mono := readMonoNBFS(t)
	for id := range mono {
		if id < 0 || id%2 != 0 || id/2 >= len(nbfsStrings) {
			t.Errorf("Mono has id %#x, which is not an even id in the table", id)
		}
	}
	for i, s := range nbfsStrings {
		id := 2 * i
		m, inMono := mono[id]
		if d, ok := known[id]; ok {
			if s != d.spec {
				t.Errorf("%#x: table has %q, want %q", id, s, d.spec)
			}
			if id == 0x3CC {
				if inMono {
					t.Errorf("%#x: expected Mono to stop at 0x3CA, but it has %q", id, m)
				}
				continue
			}
			if !inMono {
				t.Errorf("%#x: missing from Mono", id)
				continue
			}
			if m != d.mono || m == s || !strings.EqualFold(m, s) {
				t.Errorf("%#x: want a case-only difference %q (spec) vs %q (Mono); got %q vs %q", id, d.spec, d.mono, s, m)
			}
			continue
		}
		if !inMono {
			t.Errorf("%#x: %q missing from Mono", id, s)
			continue
		}
		if m != s {
			t.Errorf("%#x: table has %q, Mono has %q", id, s, m)
		}
	}

	// Spot checks against [MC-NBFS] section 2.1.
	spot := map[int]string{
		0x00:  "mustUnderstand",
		0x02:  "Envelope",
		0x04:  "http://www.w3.org/2003/05/soap-envelope",
		0x06:  "http://www.w3.org/2005/08/addressing",
		0x0A:  "Action",
		0x14:  "http://www.w3.org/2005/08/addressing/anonymous",
		0x2A:  "Address",
		0x2C:  "ReplyTo",
		0x84:  "s",
		0x86:  "Fault",
		0xA2:  "",
		0xB6:  "a",
		0xD2:  "http://schemas.xmlsoap.org/ws/2004/08/addressing",
		0x372: "http://www.w3.org/2001/XMLSchema-instance",
		0x3C2: "http://schemas.xmlsoap.org/soap/envelope/",
		0x3CC: "detail",
	}
	for id, want := range spot {
		if got := nbfsStrings[id/2]; got != want {
			t.Errorf("nbfsStrings[%#x/2] = %q, want %q", id, got, want)
		}
	}

	// The spec's table has no duplicate strings (the string at 0xA2 is the
	// only empty one). Some strings differ only in case, and are distinct
	// entries: mustUnderstand 0x000 / MustUnderstand 0x088, role 0x08A /
	// Role 0x096, Detail 0x098 / detail 0x3CC, qname 0x0A0 / QName 0x3A2,
	// Type 0x076 / type 0x378, Username 0x14E / UserName 0x25A,
	// FaultCode 0x2A2 / faultcode 0x3C6.
	seen := make(map[string]int)
	for i, s := range nbfsStrings {
		if prev, dup := seen[s]; dup {
			t.Errorf("%q at %#x duplicates %#x", s, 2*i, prev)
		}
		seen[s] = 2 * i
	}

	// No Markdown conversion artefacts.
	for i, s := range nbfsStrings {
		if s == "-" || strings.ContainsAny(s, "\\*&<>|`") {
			t.Errorf("%#x: %q looks like a Markdown/HTML artefact", 2*i, s)
		}
	}
}
