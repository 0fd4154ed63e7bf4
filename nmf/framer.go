package nmf

import (
	"errors"
	"fmt"
	"io"
)

// DefaultMaxEnvelopeSize is the envelope size limit of a Framer whose
// MaxEnvelopeSize is zero: 65,536 bytes, WWSAPI's default
// WS_CHANNEL_PROPERTY_MAX_BUFFERED_MESSAGE_SIZE and WCF's default
// MaxReceivedMessageSize.
const DefaultMaxEnvelopeSize = 65536

// Record is a decoded record. Which fields are set depends on Type.
type Record struct {
	// Type is the record's type.
	Type RecordType

	Major, Minor byte     // VersionRecord
	Mode         Mode     // ModeRecord
	Encoding     Encoding // KnownEncodingRecord

	// Data is the Via URI, the ExtensibleEncoding content type, the Fault
	// URI, the UpgradeRequest protocol name, or an envelope's payload. It is
	// valid until the next ReadRecord.
	Data []byte

	Offset int64 // stream offset of the record's type byte
}

// String describes the record for logs and the decode command.
func (r *Record) String() string {
	switch r.Type {
	case VersionRecord:
		return fmt.Sprintf("%s %d.%d", r.Type, r.Major, r.Minor)
	case ModeRecord:
		return fmt.Sprintf("%s %s", r.Type, r.Mode)
	case KnownEncodingRecord:
		return fmt.Sprintf("%s %s", r.Type, r.Encoding)
	case ViaRecord, ExtensibleEncodingRecord, FaultRecord, UpgradeRequestRecord:
		return fmt.Sprintf("%s %q", r.Type, r.Data)
	case SizedEnvelopeRecord, UnsizedEnvelopeRecord:
		return fmt.Sprintf("%s size=%d", r.Type, len(r.Data))
	}
	return r.Type.String()
}

// Framer reads and writes [MC-NMF] records. Reading and writing are
// independent: one goroutine may read while another writes, but neither
// side is safe for concurrent use by itself.
type Framer struct {
	// MaxEnvelopeSize bounds the payload of a sized or unsized envelope;
	// 0 means DefaultMaxEnvelopeSize. A larger envelope is an error whose
	// Fault is FaultMaxMessageSizeExceeded, reported before it is read.
	MaxEnvelopeSize int

	r    io.Reader
	rbuf []byte // buffered input is rbuf[rpos:rend]
	rpos int
	rend int
	off  int64 // stream offset of rbuf[rpos]

	rec     Record
	payload []byte

	w    io.Writer
	wbuf []byte
}

// The read buffer starts small, so that an idle session holds little, and
// grows to readBufSize once a record has not fitted in it.
const (
	initialReadBufSize = 1024
	readBufSize        = 4096
)

// NewFramer returns a Framer that writes to w and reads from r. Either may be nil.
func NewFramer(w io.Writer, r io.Reader) *Framer {
	return &Framer{w: w, r: r}
}

// Offset returns the stream offset of the next byte ReadRecord will decode.
func (f *Framer) Offset() int64 { return f.off }

// Buffered returns input read from the stream but not yet decoded, which
// belongs to whatever follows the last record (an upgraded protocol, say).
func (f *Framer) Buffered() []byte { return f.rbuf[f.rpos:f.rend] }

// Discard drops n bytes of buffered input (after the caller took them from Buffered).
func (f *Framer) Discard(n int) {
	f.rpos += n
	f.off += int64(n)
}

// SetReader replaces the stream read from (after an upgrade). Buffered input
// is kept and read first.
func (f *Framer) SetReader(r io.Reader) { f.r = r }

// SetWriter replaces the stream written to (after an upgrade).
func (f *Framer) SetWriter(w io.Writer) { f.w = w }

func (f *Framer) maxEnvelope() int {
	if f.MaxEnvelopeSize <= 0 {
		return DefaultMaxEnvelopeSize
	}
	return f.MaxEnvelopeSize
}

// fill reads more input, keeping the unread bytes. It returns io.EOF only
// when no byte could be read.
func (f *Framer) fill() error {
	if f.rbuf == nil {
		f.rbuf = make([]byte, initialReadBufSize)
	}
	if f.rpos > 0 {
		n := copy(f.rbuf, f.rbuf[f.rpos:f.rend])
		f.rpos, f.rend = 0, n
	}
	if f.rend == len(f.rbuf) {
		return nil
	}
	if f.r == nil {
		return io.EOF
	}
	n, err := f.r.Read(f.rbuf[f.rend:])
	f.rend += n
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// byte1 returns the next byte.
func (f *Framer) byte1() (byte, error) {
	for f.rpos == f.rend {
		if err := f.fill(); err != nil {
			return 0, err
		}
	}
	b := f.rbuf[f.rpos]
	f.rpos++
	f.off++
	return b, nil
}

func (f *Framer) errAt(off int64, t RecordType, fault string, cause error, format string, args ...any) error {
	return &Error{Offset: off, Record: t, Msg: fmt.Sprintf(format, args...), Fault: fault, Err: cause}
}

// eofIn turns an end of input inside a record into io.ErrUnexpectedEOF.
func (f *Framer) eofIn(t RecordType, err error) error {
	if err == io.EOF {
		return f.errAt(f.off, t, "", io.ErrUnexpectedEOF, "input ends inside the record")
	}
	return err
}

// readSize reads a record size: at most 5 bytes, at most MaxSize.
func (f *Framer) readSize(t RecordType) (int, error) {
	start := f.off
	var v uint32
	for i := 0; i < 5; i++ {
		b, err := f.byte1()
		if err != nil {
			return 0, f.eofIn(t, err)
		}
		if i == 4 && b&0xF8 != 0 {
			return 0, f.errAt(start, t, "", nil, "record size exceeds 0x7FFFFFFF or 5 bytes")
		}
		v |= uint32(b&0x7F) << (7 * i)
		if b < 0x80 {
			return int(v), nil
		}
	}
	return 0, f.errAt(start, t, "", nil, "record size longer than 5 bytes")
}

// readN reads n bytes into the payload buffer, or returns a view of the read
// buffer when they are already there. n has been checked against its limit;
// memory grows with the bytes that actually arrive, not with the size claimed.
func (f *Framer) readN(t RecordType, n int) ([]byte, error) {
	if f.rend-f.rpos >= n {
		b := f.rbuf[f.rpos : f.rpos+n : f.rpos+n]
		f.rpos += n
		f.off += int64(n)
		return b, nil
	}
	p := append(f.payload[:0], f.rbuf[f.rpos:f.rend]...)
	f.off += int64(f.rend - f.rpos)
	f.rpos, f.rend = 0, 0
	if len(f.rbuf) < readBufSize {
		f.rbuf = make([]byte, readBufSize) // records this large come: read more at a time
	}
	for len(p) < n {
		if f.r == nil {
			f.payload = p
			return nil, f.eofIn(t, io.EOF)
		}
		if len(p) == cap(p) {
			p = append(p, make([]byte, min(n-len(p), max(len(p), readBufSize)))...)[:len(p)]
		}
		m, err := f.r.Read(p[len(p):min(n, cap(p))])
		p = p[:len(p)+m]
		f.off += int64(m)
		if err != nil && len(p) < n {
			f.payload = p
			return nil, f.eofIn(t, err)
		}
		if m == 0 && err == nil {
			f.payload = p
			return nil, io.ErrNoProgress
		}
	}
	f.payload = p
	return p, nil
}

// readString reads a sized string record body with the given limit.
func (f *Framer) readString(t RecordType, limit int, fault string) ([]byte, error) {
	start := f.off
	n, err := f.readSize(t)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, f.errAt(start, t, "", nil, "size 0 is invalid for a variable-size record")
	}
	if n > limit {
		return nil, f.errAt(start, t, fault, ErrTooLarge, "size %d exceeds the limit of %d", n, limit)
	}
	return f.readN(t, n)
}

// ReadRecord decodes the next record. At the end of input exactly between
// records it returns io.EOF; input ending inside a record is an *Error
// wrapping io.ErrUnexpectedEOF; I/O errors are returned as they are.
func (f *Framer) ReadRecord() (*Record, error) {
	start := f.off
	tb, err := f.byte1()
	if err != nil {
		return nil, err
	}
	t := RecordType(tb)
	f.rec = Record{Type: t, Offset: start}
	r := &f.rec
	switch t {
	case VersionRecord:
		if r.Major, err = f.byte1(); err == nil {
			r.Minor, err = f.byte1()
		}
	case ModeRecord:
		var b byte
		b, err = f.byte1()
		r.Mode = Mode(b)
	case KnownEncodingRecord:
		var b byte
		b, err = f.byte1()
		r.Encoding = Encoding(b)
	case ViaRecord:
		r.Data, err = f.readString(t, MaxViaSize, FaultViaTooLong)
	case ExtensibleEncodingRecord:
		r.Data, err = f.readString(t, MaxContentTypeSize, FaultContentTypeTooLong)
	case UpgradeRequestRecord:
		r.Data, err = f.readString(t, MaxUpgradeProtocolSize, "")
	case FaultRecord:
		r.Data, err = f.readString(t, MaxFaultSize, "")
	case SizedEnvelopeRecord:
		r.Data, err = f.readString(t, f.maxEnvelope(), FaultMaxMessageSizeExceeded)
	case UnsizedEnvelopeRecord:
		r.Data, err = f.readUnsized()
	case EndRecord, UpgradeResponseRecord, PreambleAckRecord, PreambleEndRecord:
	default:
		return nil, f.errAt(start, t, "", nil, "unknown record type 0x%02X", tb)
	}
	if err != nil {
		return nil, f.eofIn(t, err)
	}
	return r, nil
}

// readUnsized reads the chunks of an UnsizedEnvelope up to its zero-size
// terminator into the payload buffer.
func (f *Framer) readUnsized() ([]byte, error) {
	const t = UnsizedEnvelopeRecord
	total := 0
	max := f.maxEnvelope()
	f.payload = f.payload[:0]
	for {
		start := f.off
		n, err := f.readSize(t)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return f.payload, nil
		}
		if n > max-total {
			return nil, f.errAt(start, t, FaultMaxMessageSizeExceeded, ErrTooLarge,
				"chunk of %d bytes takes the envelope over the limit of %d", n, max)
		}
		total += n
		for n > 0 {
			if f.rpos == f.rend {
				if err := f.fill(); err != nil {
					return nil, f.eofIn(t, err)
				}
			}
			m := min(n, f.rend-f.rpos)
			f.payload = append(f.payload, f.rbuf[f.rpos:f.rpos+m]...)
			f.rpos += m
			f.off += int64(m)
			n -= m
		}
	}
}

// Writing. Each Write method encodes one record and writes it with one call.

func (f *Framer) flush() error {
	if f.w == nil {
		return errors.New("nmf: Framer has no writer")
	}
	_, err := f.w.Write(f.wbuf)
	f.wbuf = f.wbuf[:0]
	return err
}

// WritePreamble writes Version, Mode, Via, KnownEncoding and PreambleEnd in one write.
func (f *Framer) WritePreamble(m Mode, via string, e Encoding) error {
	f.wbuf = AppendPreamble(f.wbuf[:0], m, via, e)
	return f.flush()
}

// WriteVersion writes a Version record (1.0).
func (f *Framer) WriteVersion() error { f.wbuf = AppendVersion(f.wbuf[:0]); return f.flush() }

// WriteMode writes a Mode record.
func (f *Framer) WriteMode(m Mode) error { f.wbuf = AppendMode(f.wbuf[:0], m); return f.flush() }

// WriteVia writes a Via record.
func (f *Framer) WriteVia(via string) error { f.wbuf = AppendVia(f.wbuf[:0], via); return f.flush() }

// WriteKnownEncoding writes a KnownEncoding record.
func (f *Framer) WriteKnownEncoding(e Encoding) error {
	f.wbuf = AppendKnownEncoding(f.wbuf[:0], e)
	return f.flush()
}

// WriteExtensibleEncoding writes an ExtensibleEncoding record.
func (f *Framer) WriteExtensibleEncoding(contentType string) error {
	f.wbuf = AppendExtensibleEncoding(f.wbuf[:0], contentType)
	return f.flush()
}

// WriteUpgradeRequest writes an UpgradeRequest record.
func (f *Framer) WriteUpgradeRequest(protocol string) error {
	f.wbuf = AppendUpgradeRequest(f.wbuf[:0], protocol)
	return f.flush()
}

// WriteUpgradeResponse writes an UpgradeResponse record.
func (f *Framer) WriteUpgradeResponse() error {
	f.wbuf = AppendUpgradeResponse(f.wbuf[:0])
	return f.flush()
}

// WritePreambleEnd writes a PreambleEnd record.
func (f *Framer) WritePreambleEnd() error { f.wbuf = AppendPreambleEnd(f.wbuf[:0]); return f.flush() }

// WritePreambleAck writes a PreambleAck record.
func (f *Framer) WritePreambleAck() error { f.wbuf = AppendPreambleAck(f.wbuf[:0]); return f.flush() }

// WriteEnd writes an End record.
func (f *Framer) WriteEnd() error { f.wbuf = AppendEnd(f.wbuf[:0]); return f.flush() }

// WriteFault writes a Fault record.
func (f *Framer) WriteFault(uri string) error {
	f.wbuf = AppendFault(f.wbuf[:0], uri)
	return f.flush()
}

// WriteSizedEnvelope writes a SizedEnvelope record.
func (f *Framer) WriteSizedEnvelope(payload []byte) error {
	if len(payload) == 0 || len(payload) > MaxSize {
		return fmt.Errorf("nmf: SizedEnvelope payload of %d bytes", len(payload))
	}
	f.wbuf = AppendSizedEnvelope(f.wbuf[:0], payload)
	return f.flush()
}

// WriteUnsizedEnvelope writes an UnsizedEnvelope record in chunks of at most
// chunkSize bytes (0: one chunk).
func (f *Framer) WriteUnsizedEnvelope(payload []byte, chunkSize int) error {
	f.wbuf = AppendUnsizedEnvelope(f.wbuf[:0], payload, chunkSize)
	return f.flush()
}
