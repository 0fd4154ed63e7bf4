// Package capture decodes what was captured off the wire: a bare .NET
// Binary XML document, or one direction of a net.tcp or net.pipe
// connection ([MC-NMF] records), with the session dictionary of
// application/soap+msbinsession1 tracked across envelopes. It backs the
// wws decode command and the tests against recorded vectors.
package capture

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/wwsgo/wws/nbfx"
	"github.com/wwsgo/wws/nmf"
	"github.com/wwsgo/wws/xmlnode"
	"github.com/wwsgo/wws/xmltext"
)

// Envelope is one message found in a stream.
type Envelope struct {
	Offset   int64 // stream offset of its record
	Record   nmf.RecordType
	Size     int      // payload size
	NewWords []string // session dictionary strings its StringTable added
	Encoding nmf.Encoding
	Doc      []byte // the document bytes (binary, or text), valid during the callback
	Reader   xmlnode.Reader
	// Dictionary is the stream's session dictionary (binary session encoding).
	Dictionary *nbfx.SessionDictionary
}

// Stream walks a captured one-direction [MC-NMF] stream, calling fn for each
// envelope with a reader of its document, and record for every other
// record (when non-nil). The encoding is the one the stream's KnownEncoding
// record names; a stream without one (the receiver's direction) is taken
// to use the encoding its first envelope looks like. Errors name the
// stream offset.
func Stream(r io.Reader, maxEnvelope int, record func(*nmf.Record), fn func(*Envelope) error) error {
	f := nmf.NewFramer(nil, r)
	f.MaxEnvelopeSize = maxEnvelope
	enc, known := nmf.EncodingSOAP12BinarySession, false
	dict := nbfx.NewSessionDictionary(1 << 30)
	for {
		rec, err := f.ReadRecord()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if rec.Type == nmf.KnownEncodingRecord {
			enc, known = rec.Encoding, true
		}
		if rec.Type != nmf.SizedEnvelopeRecord && rec.Type != nmf.UnsizedEnvelopeRecord {
			if record != nil {
				record(rec)
			}
			continue
		}
		payload := rec.Data
		if !known {
			enc, known = Guess(payload), true
		}
		env := &Envelope{Offset: rec.Offset, Record: rec.Type, Size: len(rec.Data), Encoding: enc}
		switch enc {
		case nmf.EncodingSOAP12BinarySession:
			before := dict.Len()
			rest, err := dict.ReadStringTable(payload)
			if err != nil {
				return fmt.Errorf("envelope at offset %d: string table: %w", rec.Offset, err)
			}
			for id := before; id < dict.Len(); id++ {
				s, _ := dict.String(uint32(2*id + 1))
				env.NewWords = append(env.NewWords, string(s))
			}
			env.Doc = rest
			env.Dictionary = dict
			rd := nbfx.NewReader(rest, dict, xmlnode.Quotas{MaxDepth: 1000})
			rd.SetBaseOffset(rec.Offset + int64(len(payload)-len(rest)) + int64(1+nmf.SizeLen(len(payload))))
			env.Reader = rd
		case nmf.EncodingSOAP12Binary:
			env.Doc = payload
			env.Reader = nbfx.NewReader(payload, nil, xmlnode.Quotas{MaxDepth: 1000})
		default:
			env.Doc = payload
			env.Reader = xmltext.NewReader(payload, xmltext.ReaderOptions{Quotas: xmlnode.Quotas{MaxDepth: 1000}})
		}
		if err := fn(env); err != nil {
			return err
		}
	}
}

// Indent renders the document of r as indented text XML.
func Indent(r xmlnode.Reader) ([]byte, error) {
	w := xmltext.NewWriter(xmltext.WriterOptions{Indent: "  "})
	if err := xmlnode.Copy(w, r); err != nil {
		return nil, err
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	return bytes.Clone(w.Bytes()), nil
}

// IsNMF guesses whether data starts like an [MC-NMF] stream (a Version
// record 00 01 00 followed by a Mode record), rather than a binary XML document.
func IsNMF(data []byte) bool {
	return len(data) >= 5 && data[0] == 0 && data[1] == 1 && data[2] == 0 && data[3] == 1
}

// Guess says which encoding an envelope's bytes look like: text when they
// start like XML text, binary with a session StringTable when they start
// with a well-formed table followed by an element record, plain binary
// otherwise.
func Guess(payload []byte) nmf.Encoding {
	switch {
	case bytes.HasPrefix(payload, []byte{0xFF, 0xFE}), bytes.HasPrefix(payload, []byte{0xFE, 0xFF}),
		bytes.HasPrefix(payload, []byte{0, '<'}), bytes.HasPrefix(payload, []byte{'<', 0}):
		return nmf.EncodingSOAP12UTF16
	case bytes.HasPrefix(payload, []byte{0xEF, 0xBB, 0xBF}), bytes.HasPrefix(payload, []byte("<")):
		return nmf.EncodingSOAP12UTF8
	}
	d := nbfx.NewSessionDictionary(1 << 30)
	if rest, err := d.ReadStringTable(payload); err == nil && len(rest) > 0 && rest[0] >= nbfx.RecordShortElement && rest[0] < 0x78 {
		return nmf.EncodingSOAP12BinarySession
	}
	return nmf.EncodingSOAP12Binary
}

// ErrEmpty is returned for empty input.
var ErrEmpty = errors.New("no input")
