package nmf

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPreambleBytes checks the duplex preamble against the bytes WCF, WWSAPI
// and Mono send for net.tcp://SampleServer/SampleApp/ with binary session encoding.
func TestPreambleBytes(t *testing.T) {
	want := unhex(t, `00 01 00 01 02 02 21 6E 65 74 2E 74 63 70 3A 2F 2F 53 61 6D 70 6C 65 53 65 72 76 65 72 2F 53 61 6D 70 6C 65 41 70 70 2F 03 08 0C`)
	got := AppendPreamble(nil, ModeDuplex, "net.tcp://SampleServer/SampleApp/", EncodingSOAP12BinarySession)
	if !bytes.Equal(got, want) {
		t.Fatalf("preamble\n got % X\nwant % X", got, want)
	}
	f := NewFramer(nil, bytes.NewReader(want))
	var seen []string
	for {
		r, err := f.ReadRecord()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, r.String())
	}
	wantSeen := []string{
		"VersionRecord 1.0", "ModeRecord duplex", `ViaRecord "net.tcp://SampleServer/SampleApp/"`,
		"KnownEncodingRecord 0x08 (application/soap+msbinsession1)", "PreambleEndRecord",
	}
	if strings.Join(seen, "|") != strings.Join(wantSeen, "|") {
		t.Fatalf("records %q, want %q", seen, wantSeen)
	}
}

// TestAllRecords encodes each of the 13 record types and decodes it back.
func TestAllRecords(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 70000)
	var stream []byte
	stream = AppendVersion(stream)
	stream = AppendMode(stream, ModeSingletonUnsized)
	stream = AppendVia(stream, "net.pipe://localhost/p")
	stream = AppendKnownEncoding(stream, EncodingSOAP12Binary)
	stream = AppendExtensibleEncoding(stream, "application/soap+msbinsession1+gzip")
	stream = AppendUpgradeRequest(stream, UpgradeSSLTLS)
	stream = AppendUpgradeResponse(stream)
	stream = AppendPreambleEnd(stream)
	stream = AppendPreambleAck(stream)
	stream = AppendSizedEnvelope(stream, []byte("sized"))
	stream = AppendUnsizedEnvelope(stream, big, 1000)
	stream = AppendSizedEnvelope(stream, big)
	stream = AppendFault(stream, FaultEndpointNotFound)
	stream = AppendEnd(stream)

	f := NewFramer(nil, iotestOneByte(bytes.NewReader(stream)))
	f.MaxEnvelopeSize = 100000
	check := func(want RecordType, data string) *Record {
		t.Helper()
		r, err := f.ReadRecord()
		if err != nil {
			t.Fatalf("reading %s: %v", want, err)
		}
		if r.Type != want {
			t.Fatalf("got %s, want %s", r.Type, want)
		}
		if data != "" && string(r.Data) != data {
			t.Fatalf("%s data %q, want %q", want, r.Data, data)
		}
		return r
	}
	if r := check(VersionRecord, ""); r.Major != 1 || r.Minor != 0 {
		t.Fatalf("version %d.%d", r.Major, r.Minor)
	}
	if r := check(ModeRecord, ""); r.Mode != ModeSingletonUnsized {
		t.Fatalf("mode %v", r.Mode)
	}
	check(ViaRecord, "net.pipe://localhost/p")
	if r := check(KnownEncodingRecord, ""); r.Encoding != EncodingSOAP12Binary {
		t.Fatalf("encoding %v", r.Encoding)
	}
	check(ExtensibleEncodingRecord, "application/soap+msbinsession1+gzip")
	check(UpgradeRequestRecord, UpgradeSSLTLS)
	check(UpgradeResponseRecord, "")
	check(PreambleEndRecord, "")
	check(PreambleAckRecord, "")
	check(SizedEnvelopeRecord, "sized")
	check(UnsizedEnvelopeRecord, string(big))
	check(SizedEnvelopeRecord, string(big))
	check(FaultRecord, FaultEndpointNotFound)
	check(EndRecord, "")
	if _, err := f.ReadRecord(); err != io.EOF {
		t.Fatalf("after the last record: %v, want io.EOF", err)
	}
	if f.Offset() != int64(len(stream)) {
		t.Fatalf("offset %d, want %d", f.Offset(), len(stream))
	}
}

// oneByteReader returns one byte per Read, to exercise buffering edges.
type oneByteReader struct{ r io.Reader }

func (o oneByteReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}

func iotestOneByte(r io.Reader) io.Reader { return oneByteReader{r} }

func TestSizeEncoding(t *testing.T) {
	for _, tc := range []struct {
		n   int
		hex string
	}{{0, "00"}, {0x7F, "7F"}, {0x80, "80 01"}, {0x3FFF, "FF 7F"}, {0x4000, "80 80 01"}, {MaxSize, "FF FF FF FF 07"}} {
		got := AppendSize(nil, tc.n)
		if !bytes.Equal(got, unhex(t, tc.hex)) || SizeLen(tc.n) != len(got) {
			t.Errorf("AppendSize(%d) = % X, want %s", tc.n, got, tc.hex)
		}
	}
}

// TestDecodeErrors covers the format rules the decoder enforces, each with
// the offset and fault a WCF receiver would report.
func TestDecodeErrors(t *testing.T) {
	via := func(n int) []byte {
		return append(append([]byte{0x02}, AppendSize(nil, n)...), bytes.Repeat([]byte("v"), n)...)
	}
	for _, tc := range []struct {
		name      string
		in        []byte
		offset    int64
		fault     string
		tooLarge  bool
		truncated bool
	}{
		{"unknown record type", []byte{0x0D}, 0, "", false, false},
		{"reserved 0xFF", []byte{0x00, 0x01, 0x00, 0xFF}, 3, "", false, false},
		{"empty Via", []byte{0x02, 0x00}, 1, "", false, false},
		{"empty SizedEnvelope", []byte{0x06, 0x00}, 1, "", false, false},
		{"Via too long", via(MaxViaSize + 1), 1, FaultViaTooLong, true, false},
		{"content type too long", append([]byte{0x04}, AppendSize(nil, 257)...), 1, FaultContentTypeTooLong, true, false},
		{"upgrade name too long", append([]byte{0x09}, AppendSize(nil, 257)...), 1, "", true, false},
		{"fault too long", append([]byte{0x08}, AppendSize(nil, 257)...), 1, "", true, false},
		{"envelope too large", []byte{0x06, 0x81, 0x80, 0x04}, 1, FaultMaxMessageSizeExceeded, true, false},
		{"2 GB envelope", []byte{0x06, 0xFF, 0xFF, 0xFF, 0xFF, 0x07}, 1, FaultMaxMessageSizeExceeded, true, false},
		{"size over 0x7FFFFFFF", []byte{0x06, 0xFF, 0xFF, 0xFF, 0xFF, 0x08}, 1, "", false, false},
		{"size of 6 bytes", []byte{0x06, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, 1, "", false, false},
		{"unsized chunks over the limit", append(append([]byte{0x05, 0xFF, 0xFF, 0x03}, bytes.Repeat([]byte{1}, 0xFFFF)...), 0x02, 1, 1, 0), 4 + 0xFFFF, FaultMaxMessageSizeExceeded, true, false},
		{"truncated Version", []byte{0x00, 0x01}, 2, "", false, true},
		{"truncated size", []byte{0x06, 0x80}, 2, "", false, true},
		{"truncated envelope", []byte{0x06, 0x05, 1, 2}, 4, "", false, true},
		{"unsized without terminator", []byte{0x05, 0x02, 1, 2}, 4, "", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := NewFramer(nil, bytes.NewReader(tc.in))
			var err error
			for err == nil {
				_, err = f.ReadRecord()
			}
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v (%T), want *Error", err, err)
			}
			if fe.Offset != tc.offset || fe.Fault != tc.fault || errors.Is(err, ErrTooLarge) != tc.tooLarge ||
				errors.Is(err, io.ErrUnexpectedEOF) != tc.truncated {
				t.Fatalf("err = %v: offset %d fault %q tooLarge %v truncated %v; want %d %q %v %v",
					err, fe.Offset, fe.Fault, errors.Is(err, ErrTooLarge), errors.Is(err, io.ErrUnexpectedEOF),
					tc.offset, tc.fault, tc.tooLarge, tc.truncated)
			}
		})
	}
}

// TestHugeSizeNoAllocation: a size claiming 2 GB is rejected before any
// memory is committed to it.
func TestHugeSizeNoAllocation(t *testing.T) {
	in := []byte{0x06, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0, 0, 0}
	f := NewFramer(nil, nil)
	f.MaxEnvelopeSize = MaxSize // even with no configured limit
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f.r = bytes.NewReader(in)
	_, err := f.ReadRecord()
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatal("no error")
	}
	if grown := after.TotalAlloc - before.TotalAlloc; grown > 64<<10 {
		t.Fatalf("allocated %d bytes for a 2 GB claim", grown)
	}
}

// TestMonoVectors walks every recorded Mono net.tcp and net.pipe stream to
// its end: each is a sequence of well-formed records.
func TestMonoVectors(t *testing.T) {
	files, _ := filepath.Glob("../../shared/vectors/mono/*/p*-c*.*.bin")
	pipes, _ := filepath.Glob("../../shared/vectors/mono/*/pipe-*.bin")
	files = append(files, pipes...)
	n := 0
	for _, file := range files {
		dir := filepath.Base(filepath.Dir(file))
		if !strings.HasPrefix(dir, "nettcp") && !strings.HasPrefix(dir, "netpipe") {
			continue
		}
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		f := NewFramer(nil, bytes.NewReader(data))
		envelopes := 0
		for {
			r, err := f.ReadRecord()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			if r.Type == SizedEnvelopeRecord || r.Type == UnsizedEnvelopeRecord {
				envelopes++
			}
		}
		if f.Offset() != int64(len(data)) {
			t.Fatalf("%s: stopped at %d of %d", file, f.Offset(), len(data))
		}
		n++
	}
	if n == 0 {
		t.Skip("vectors not found (../../shared/vectors/mono)")
	}
}
