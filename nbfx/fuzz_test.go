package nbfx

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wwsgo/wws/xmlnode"
)

// readAll decodes every node, returning the first error.
func readAll(r xmlnode.Reader) error {
	for {
		_, err := r.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// roundTrip re-encodes a document that decoded cleanly and checks that the
// re-encoding decodes to the same infoset. Strings the writer adds to its
// session dictionary travel in a StringTable, as on the wire.
func roundTrip(t *testing.T, data []byte, rd *SessionDictionary) {
	t.Helper()
	want, err := xmlnode.Infoset(NewReader(data, rd, xmlnode.Quotas{MaxDepth: 1000}))
	if err != nil {
		t.Fatalf("second decode failed: %v", err)
	}
	wd := NewSessionDictionary(1 << 20)
	w := NewWriter(wd)
	if err := xmlnode.Copy(w, NewReader(data, rd, xmlnode.Quotas{MaxDepth: 1000})); err != nil {
		// The writer refuses some inputs the reader accepts (names it cannot
		// declare); that is not a round-trip failure.
		var xe *xmlnode.Error
		if errors.As(err, &xe) {
			t.Fatalf("decode during copy: %v", err)
		}
		return
	}
	table := wd.AppendStringTable(nil)
	rd2 := NewSessionDictionary(1 << 20)
	rest, err := rd2.ReadStringTable(append(table, w.Bytes()...))
	if err != nil {
		t.Fatalf("string table of the re-encoding: %v", err)
	}
	got, err := xmlnode.Infoset(NewReader(rest, rd2, xmlnode.Quotas{MaxDepth: 1000}))
	if err != nil {
		t.Fatalf("decode of re-encoding: %v\n% X", err, w.Bytes())
	}
	if got != want {
		t.Fatalf("infoset changed by re-encoding:\n got %s\nwant %s", got, want)
	}
}

func addVectorSeeds(f *testing.F, sessions bool) {
	for _, ex := range specExamples {
		f.Add(unhexSpaced(f, ex.hex))
	}
	seeds, _ := filepath.Glob("testdata/*.bin")
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil && strings.Contains(s, "session") == sessions {
			f.Add(b)
		}
	}
}

// FuzzReader decodes arbitrary bytes as a document without a session
// dictionary: it must never panic, and whatever decodes must survive
// re-encoding with the same infoset.
func FuzzReader(f *testing.F) {
	addVectorSeeds(f, false)
	f.Fuzz(func(t *testing.T, data []byte) {
		rd := specSession()
		if err := readAll(NewReader(data, rd, xmlnode.Quotas{MaxDepth: 1000})); err != nil {
			var xe *xmlnode.Error
			if !errors.As(err, &xe) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		roundTrip(t, data, rd)
	})
}

// FuzzSessionDocument decodes arbitrary bytes as one [MC-NBFSE] message: a
// StringTable, then a document using it, under a small quota.
func FuzzSessionDocument(f *testing.F) {
	addVectorSeeds(f, true)
	f.Add([]byte{0x11, 0x06, 'a', 'c', 't', 'i', 'o', 'n', 0x09, 'I', 'n', 'v', 'e', 'n', 't', 'o', 'r', 'y',
		0x42, 0x03, 0x81})
	f.Fuzz(func(t *testing.T, data []byte) {
		rd := NewSessionDictionary(256)
		rest, err := rd.ReadStringTable(data)
		if err != nil {
			if rd.Size() > 256 {
				t.Fatalf("dictionary grew to %d over its quota", rd.Size())
			}
			return
		}
		if err := readAll(NewReader(rest, rd, xmlnode.Quotas{MaxDepth: 1000})); err != nil {
			return
		}
		roundTrip(t, rest, rd)
	})
}

// TestQuotas checks each reader quota with the error it must give.
func TestQuotas(t *testing.T) {
	deep := bytes.Repeat([]byte{0x40, 0x01, 'a'}, 10000)
	manyAttrs := []byte{0x40, 0x01, 'a'}
	for i := 0; i < 100000; i++ {
		manyAttrs = append(manyAttrs, 0x04, 0x02, byte('a'+i%26), byte('a'+i/26%26), 0x80)
	}
	longText := append([]byte{0x40, 0x01, 'a', 0x9D}, 0x00, 0x00, 0x01, 0x00)
	longText = append(longText, bytes.Repeat([]byte("x"), 65536)...)
	for _, tc := range []struct {
		name string
		data []byte
		q    xmlnode.Quotas
	}{
		{"depth 10000", deep, xmlnode.Quotas{}},
		{"depth over 5", bytes.Repeat([]byte{0x40, 0x01, 'a'}, 6), xmlnode.Quotas{MaxDepth: 5}},
		{"100000 attributes", manyAttrs, xmlnode.Quotas{}},
		{"string length", longText, xmlnode.Quotas{MaxStringLength: 1000}},
		{"input size", longText, xmlnode.Quotas{MaxBytes: 1000}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := readAll(NewReader(tc.data, nil, tc.q))
			if !errors.Is(err, xmlnode.ErrQuotaExceeded) {
				t.Fatalf("err = %v, want a quota error", err)
			}
		})
	}
}

// TestHugeLengthsNoAllocation: length fields claiming 2 GB are rejected
// without committing memory.
func TestHugeLengthsNoAllocation(t *testing.T) {
	for _, data := range [][]byte{
		{0x40, 0xFF, 0xFF, 0xFF, 0xFF, 0x07},                              // element name
		{0x40, 0x01, 'a', 0x9C, 0xFF, 0xFF, 0xFF, 0x7F},                   // Chars32Text
		{0x40, 0x01, 'a', 0xA2, 0xFF, 0xFF, 0xFF, 0x7F},                   // Bytes32Text
		{0x40, 0x01, 'a', 0xBA, 0xFE, 0xFF, 0xFF, 0x7F},                   // UnicodeChars32Text
		{0x03, 0x40, 0x01, 'a', 0x01, 0x95, 0xFF, 0xFF, 0xFF, 0xFF, 0x07}, // Array of 2 G decimals
	} {
		allocs := testing.AllocsPerRun(10, func() {
			if err := readAll(NewReader(data, nil, xmlnode.Quotas{})); err == nil {
				t.Fatalf("% X: no error", data)
			}
		})
		if allocs > 10 {
			t.Errorf("% X: %v allocations", data, allocs)
		}
	}
	d := NewSessionDictionary(0)
	if _, err := d.ReadStringTable([]byte{0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x05}); err == nil {
		t.Fatal("string table claiming 2 GB accepted")
	}
}

// TestMalformed lists inputs the reader must reject, each with a clear error.
func TestMalformed(t *testing.T) {
	for _, tc := range []struct {
		name string
		hex  string
		msg  string
	}{
		{"end with no element", "01", "no open element"},
		{"unclosed element", "40 01 61", "ends inside element"},
		{"attribute outside tag", "40 01 61 98 01 78 04 01 62 80", "outside a start tag"},
		{"undeclared prefix", "5E 01 61 01", "undeclared prefix"},
		{"undeclared attribute prefix", "40 01 61 26 01 62 80 01", "undeclared prefix"},
		{"duplicate attribute", "40 01 61 04 01 62 80 04 01 62 82 01", "twice"},
		{"reserved record", "78", "reserved"},
		{"session id without dictionary", "42 01 01", "without a session dictionary"},
		{"unknown static id", "42 80 10 01", "not in [MC-NBFS]"},
		{"bad UTF-8 name", "40 01 FF 01", "UTF-8"},
		{"WithEndElement at top level", "99 01 61", "outside any element"},
		{"bool value 2", "40 01 61 B5 02", "BoolText value"},
		{"decimal scale 29", "40 01 61 95 00 00 1D 00 00 00 00 00 00 00 00 00 00 00 00 00", "scale"},
		{"odd UTF-16 length", "40 01 61 B7 03 61 00 62", "odd byte length"},
		{"unpaired surrogate", "40 01 61 B7 02 00 D8", "surrogate"},
		{"EndList alone", "40 01 61 04 01 62 A6 01", "EndListText without StartListText"},
		{"array count 0", "03 40 01 61 01 8B 00", "count is 0"},
		{"array bad type", "03 40 01 61 01 99 01 00", "not an Array value type"},
		{"array truncated", "03 40 01 61 01 8B 03 00 00", "exceeds"},
		{"xmlns prefix to empty", "40 01 61 09 01 70 00 01", "empty namespace"},
		{"text in attribute WithEnd", "40 01 61 04 01 62 99 00", "cannot be an attribute value"},
		{"negative Chars32", "40 01 61 9C FF FF FF FF", "negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := readAll(NewReader(unhexSpaced(t, tc.hex), nil, xmlnode.Quotas{}))
			var xe *xmlnode.Error
			if !errors.As(err, &xe) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err = %v, want *xmlnode.Error mentioning %q", err, tc.msg)
			}
		})
	}
}
