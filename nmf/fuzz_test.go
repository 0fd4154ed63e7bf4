package nmf

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzFramer decodes arbitrary bytes as an [MC-NMF] stream. It must never
// panic; every record decoded must encode back to bytes that decode to the
// same record.
func FuzzFramer(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.bin")
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add(AppendPreamble(nil, ModeDuplex, "net.tcp://h/p", EncodingSOAP12BinarySession))
	f.Add(AppendUnsizedEnvelope(nil, []byte("abcdef"), 2))
	f.Fuzz(func(t *testing.T, data []byte) {
		fr := NewFramer(nil, bytes.NewReader(data))
		fr.MaxEnvelopeSize = 1 << 16
		for {
			r, err := fr.ReadRecord()
			if err == io.EOF {
				return
			}
			if err != nil {
				var fe *Error
				if !errors.As(err, &fe) {
					t.Fatalf("error of type %T: %v", err, err)
				}
				return
			}
			enc := appendRecord(nil, r)
			r2, err := NewFramer(nil, bytes.NewReader(enc)).ReadRecord()
			if err != nil {
				t.Fatalf("re-encoded %s does not decode: %v", r.Type, err)
			}
			if r2.Type != r.Type || r2.Major != r.Major || r2.Minor != r.Minor || r2.Mode != r.Mode ||
				r2.Encoding != r.Encoding || !bytes.Equal(r2.Data, r.Data) {
				t.Fatalf("record changed on re-encoding: %v -> %v", r, r2)
			}
		}
	})
}

// appendRecord encodes a decoded record again.
func appendRecord(dst []byte, r *Record) []byte {
	switch r.Type {
	case VersionRecord:
		return append(dst, 0, r.Major, r.Minor)
	case ModeRecord:
		return AppendMode(dst, r.Mode)
	case ViaRecord:
		return AppendVia(dst, string(r.Data))
	case KnownEncodingRecord:
		return AppendKnownEncoding(dst, r.Encoding)
	case ExtensibleEncodingRecord:
		return AppendExtensibleEncoding(dst, string(r.Data))
	case UnsizedEnvelopeRecord:
		return AppendUnsizedEnvelope(dst, r.Data, 7)
	case SizedEnvelopeRecord:
		return AppendSizedEnvelope(dst, r.Data)
	case FaultRecord:
		return AppendFault(dst, string(r.Data))
	case UpgradeRequestRecord:
		return AppendUpgradeRequest(dst, string(r.Data))
	}
	return append(dst, byte(r.Type))
}
