// Package tcp is the net.tcp binding: [MC-NMF] duplex sessions over TCP,
// as WCF's NetTcpBinding and WWSAPI's WS_TCP_CHANNEL_BINDING speak them.
// The session code (Session, ClientHandshake, ServerHandshake) works over
// any net.Conn and is shared with the named-pipe binding.
package tcp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/wwsgo/wws/nmf"
	"github.com/wwsgo/wws/transport"
)

// Session is one [MC-NMF] duplex session (mode 0x02) after its preamble: a
// sequence of SizedEnvelope records each way, ended by an End record. It
// implements transport.Conn.
type Session struct {
	conn   net.Conn
	framer *nmf.Framer
	via    string

	wmu  sync.Mutex // serialises writers of records
	wbuf []byte
	sent bool // End sent

	rmu sync.Mutex // held by Receive, and by Close while it reads the peer's End itself

	peerEnded chan struct{} // closed when the peer's End (or EOF) was read
	endOnce   sync.Once
	abortOnce sync.Once
	closed    chan struct{}
	frame     transport.Frame

	onRead, onWrite func() // interruptRead and interruptWrite, made once

	readInterrupted, writeInterrupted chan struct{} // an interrupt is done (buffered)
}

// NewSession wraps a connection whose preamble has been exchanged. Reads
// use framer, which may hold input already read past the preamble.
func NewSession(conn net.Conn, framer *nmf.Framer, via string) *Session {
	s := &Session{conn: conn, framer: framer, via: via, peerEnded: make(chan struct{}), closed: make(chan struct{})}
	s.onRead, s.onWrite = s.interruptRead, s.interruptWrite
	s.readInterrupted, s.writeInterrupted = make(chan struct{}, 1), make(chan struct{}, 1)
	return s
}

// BoundByDeadline marks Session as a transport.DeadlineBound: its Send and
// Receive end at ctx's deadline through the connection's deadlines.
func (s *Session) BoundByDeadline() {}

// Via returns the Via URI of the session's preamble.
func (s *Session) Via() string { return s.via }

// LocalAddr returns the local address.
func (s *Session) LocalAddr() net.Addr { return s.conn.LocalAddr() }

// RemoteAddr returns the peer's address.
func (s *Session) RemoteAddr() net.Addr { return s.conn.RemoteAddr() }

// deadline applies ctx's deadline (if any) to a write or read.
func deadline(ctx context.Context) time.Time {
	d, _ := ctx.Deadline()
	return d
}

// watch makes ctx's cancellation interrupt I/O on the connection for the
// duration of an operation. It returns the function that stops watching.
func (s *Session) watch(ctx context.Context, interrupt func()) func() bool {
	if ctx.Done() == nil {
		return noWatch
	}
	return context.AfterFunc(ctx, interrupt)
}

func noWatch() bool { return true }

// interruptRead and interruptWrite make the I/O in progress return at
// once, then say they are done (see unwatch).
func (s *Session) interruptRead() {
	s.conn.SetReadDeadline(time.Unix(1, 0))
	s.readInterrupted <- struct{}{}
}

func (s *Session) interruptWrite() {
	s.conn.SetWriteDeadline(time.Unix(1, 0))
	s.writeInterrupted <- struct{}{}
}

// unwatch stops a watch. If the interrupt has started already (ctx ended
// as the operation finished), it waits for the interrupt to be done, so
// that its deadline cannot reach the next operation.
func unwatch(stop func() bool, interrupted chan struct{}) {
	if !stop() {
		<-interrupted
	}
}

// Send writes one message as a SizedEnvelope record.
func (s *Session) Send(ctx context.Context, f *transport.Frame) error {
	if len(f.Data) == 0 {
		return errors.New("nettcp: empty envelope")
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.sent {
		return errors.New("nettcp: send after the End record")
	}
	s.wbuf = nmf.AppendSizedEnvelope(s.wbuf[:0], f.Data)
	return s.write(ctx, s.wbuf)
}

// SendBuffer writes a SizedEnvelope whose header the caller reserved: buf
// holds headroom bytes, then the payload; the header is written into the end
// of the headroom, so the payload is not copied. headroom must be at least 6.
func (s *Session) SendBuffer(ctx context.Context, buf []byte, headroom int) error {
	n := len(buf) - headroom
	if n <= 0 {
		return errors.New("nettcp: empty envelope")
	}
	h := nmf.SizeLen(n) + 1
	start := headroom - h
	nmf.AppendSizedEnvelopeHeader(buf[start:start], n)
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.sent {
		return errors.New("nettcp: send after the End record")
	}
	return s.write(ctx, buf[start:])
}

func (s *Session) write(ctx context.Context, b []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.conn.SetWriteDeadline(deadline(ctx))
	stop := s.watch(ctx, s.onWrite)
	_, err := s.conn.Write(b)
	unwatch(stop, s.writeInterrupted)
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// Receive reads the next SizedEnvelope. It returns io.EOF after the peer's
// End record, or when the peer closes the connection between records (as
// Mono's service does instead of sending End). A Fault record is a
// *transport.Fault. The frame's Data is valid until the next Receive.
//
// When ctx ends before a record has begun to arrive, Receive returns
// ctx.Err() itself and the session stays usable; when it ends inside a
// record, the error wraps ctx.Err() and the session is broken.
func (s *Session) Receive(ctx context.Context) (*transport.Frame, error) {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	s.conn.SetReadDeadline(deadline(ctx))
	stop := s.watch(ctx, s.onRead)
	defer unwatch(stop, s.readInterrupted)
	for {
		start := s.framer.Offset()
		r, err := s.framer.ReadRecord()
		if err != nil {
			if err == io.EOF {
				s.markEnded()
				return nil, io.EOF
			}
			cerr := ctx.Err()
			if cerr == nil && errors.Is(err, os.ErrDeadlineExceeded) {
				cerr = context.DeadlineExceeded // ctx's deadline, met by the connection first
			}
			if cerr != nil {
				if s.framer.Offset() == start {
					// Nothing of a record was consumed: the session is intact.
					return nil, cerr
				}
				return nil, fmt.Errorf("nettcp: receive interrupted inside the record at offset %d: %w", start, cerr)
			}
			return nil, err
		}
		switch r.Type {
		case nmf.SizedEnvelopeRecord:
			s.frame = transport.Frame{Data: r.Data}
			return &s.frame, nil
		case nmf.EndRecord:
			s.markEnded()
			return nil, io.EOF
		case nmf.FaultRecord:
			s.markEnded()
			return nil, FaultError(string(r.Data))
		default:
			return nil, &nmf.Error{Offset: r.Offset, Record: r.Type, Msg: "record not allowed in a duplex session after the preamble"}
		}
	}
}

func (s *Session) markEnded() { s.endOnce.Do(func() { close(s.peerEnded) }) }

// PeerEnded is closed once the peer's End record (or the end of the stream) was read.
func (s *Session) PeerEnded() <-chan struct{} { return s.peerEnded }

// CloseSend writes the End record, once.
func (s *Session) CloseSend(ctx context.Context) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.sent {
		return nil
	}
	s.sent = true
	return s.write(ctx, []byte{byte(nmf.EndRecord)})
}

// Close ends the session gracefully: End if not yet sent, then — within
// ctx — the peer's End, then the connection is closed. The peer's End is
// read by a Receive in progress if there is one; otherwise Close reads (and
// drops) what the peer still sends until its End. It returns ctx's error if
// the peer did not end in time.
func (s *Session) Close(ctx context.Context) error {
	err := s.CloseSend(ctx)
	if err == nil && s.rmu.TryLock() {
		err = s.drain(ctx)
		s.rmu.Unlock()
	}
	if err == nil {
		select {
		case <-s.peerEnded:
		case <-ctx.Done():
			err = ctx.Err()
		case <-s.closed:
		}
	}
	s.Abort()
	return err
}

// drain reads records until the peer's End or the end of the stream; s.rmu is held.
func (s *Session) drain(ctx context.Context) error {
	select {
	case <-s.peerEnded:
		return nil
	default:
	}
	s.conn.SetReadDeadline(deadline(ctx))
	stop := s.watch(ctx, s.onRead)
	defer unwatch(stop, s.readInterrupted)
	for {
		r, err := s.framer.ReadRecord()
		if err == io.EOF || err == nil && (r.Type == nmf.EndRecord || r.Type == nmf.FaultRecord) {
			s.markEnded()
			return nil
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return context.DeadlineExceeded // ctx's deadline, met by the connection first
			}
			s.markEnded()
			return nil
		}
	}
}

// Abort closes the connection at once.
func (s *Session) Abort() {
	s.abortOnce.Do(func() {
		close(s.closed)
		// A deadline in the past ends every pending read and write at
		// once; closing the socket then waits for them to let go of it,
		// which is not Abort's to wait for.
		s.conn.SetDeadline(time.Unix(1, 0))
		go s.conn.Close()
	})
}

// FaultError maps a framing fault URI to an error.
func FaultError(uri string) error {
	name := strings.TrimPrefix(uri, nmf.FaultPrefix)
	return &transport.Fault{URI: uri, Msg: "net.tcp peer sent framing fault " + name}
}

// Known encodings by content type.
var encodings = map[string]nmf.Encoding{
	"application/soap+msbinsession1":            nmf.EncodingSOAP12BinarySession,
	"application/soap+msbin1":                   nmf.EncodingSOAP12Binary,
	"application/soap+xml; charset=utf-8":       nmf.EncodingSOAP12UTF8,
	"application/soap+xml; charset=utf-16":      nmf.EncodingSOAP12UTF16,
	"application/soap+xml; charset=unicodeFFFE": nmf.EncodingSOAP12UnicodeLE,
	"text/xml; charset=utf-8":                   nmf.EncodingSOAP11UTF8,
	"text/xml; charset=utf-16":                  nmf.EncodingSOAP11UTF16,
	"text/xml; charset=unicodeFFFE":             nmf.EncodingSOAP11UnicodeLE,
}

// EncodingFor returns the [MC-NMF] known encoding for a content type.
func EncodingFor(contentType string) (nmf.Encoding, bool) {
	e, ok := encodings[contentType]
	return e, ok
}

// ClientHandshake sends the duplex preamble for via and waits for the
// PreambleAck, within ctx. A Fault record in reply is a *transport.Fault.
func ClientHandshake(ctx context.Context, conn net.Conn, via string, enc nmf.Encoding) (*Session, error) {
	if len(via) > nmf.MaxViaSize {
		return nil, fmt.Errorf("nettcp: Via of %d bytes exceeds the limit of %d", len(via), nmf.MaxViaSize)
	}
	conn.SetDeadline(deadline(ctx))
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if _, err := conn.Write(nmf.AppendPreamble(nil, nmf.ModeDuplex, via, enc)); err != nil {
		return nil, ctxErr(ctx, err)
	}
	f := nmf.NewFramer(nil, conn)
	r, err := f.ReadRecord()
	if err != nil {
		if err == io.EOF {
			return nil, fmt.Errorf("nettcp: connection closed by the peer after the preamble (the service may expect transport security; configure SecurityMode.None on it): %w", io.ErrUnexpectedEOF)
		}
		return nil, ctxErr(ctx, err)
	}
	switch r.Type {
	case nmf.PreambleAckRecord:
	case nmf.FaultRecord:
		return nil, FaultError(string(r.Data))
	default:
		return nil, &nmf.Error{Offset: r.Offset, Record: r.Type, Msg: "expected PreambleAck or Fault"}
	}
	conn.SetDeadline(time.Time{})
	return NewSession(conn, f, via), nil
}

// lingeringClose ends a connection the peer may still be writing to (a
// Via of a megabyte, say) so that it can read the Fault record sent before:
// closing at once with unread input would reset the connection and discard
// the fault. It stops sending, reads and drops what arrives for a bounded
// time and amount, then closes.
func lingeringClose(conn net.Conn) {
	if cw, ok := conn.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
		conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		io.Copy(io.Discard, io.LimitReader(conn, 4<<20))
	}
	conn.Close()
}

func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// Preamble is what a server read of a client's preamble.
type Preamble struct {
	// Mode is the communication mode of the Mode record (duplex for a session).
	Mode nmf.Mode
	// Via is the endpoint URL the client addressed (the Via record).
	Via string
	// Encoding is the message encoding the client announced.
	Encoding nmf.Encoding
}

// ServerConfig decides a server's answers during the handshake.
type ServerConfig struct {
	// Route is called with the Via; it returns false to refuse the
	// session with an EndpointNotFound fault.
	Route func(via string) bool
	// Encoding is the only known encoding accepted; others get a
	// ContentTypeInvalid fault.
	Encoding nmf.Encoding
	// MaxEnvelopeSize bounds envelopes read in the session.
	MaxEnvelopeSize int
	// TLS, when set, requires the application/ssl-tls upgrade (see
	// ClientHandshakeTLS): a client that sends PreambleEnd without it gets
	// an UpgradeInvalid fault. Route may set it for the endpoint it picks.
	TLS *tls.Config
	// Admit, when set, is called after Route accepted the Via, before the
	// rest of the preamble is read and answered: it may wait (within ctx)
	// for the endpoint to have room; an error refuses the session with a
	// ServerTooBusy fault.
	Admit func(ctx context.Context) error
}

// ServerHandshake reads a duplex preamble within ctx and answers it: a
// PreambleAck when the version, mode, Via and encoding are acceptable, and
// otherwise the Fault WCF sends (UnsupportedVersion, UnsupportedMode,
// EndpointNotFound, ContentTypeInvalid, UpgradeInvalid, ViaTooLong), after
// which the connection is closed.
func ServerHandshake(ctx context.Context, conn net.Conn, cfg *ServerConfig) (*Session, *Preamble, error) {
	conn.SetDeadline(deadline(ctx))
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	f := nmf.NewFramer(nil, conn)
	f.MaxEnvelopeSize = cfg.MaxEnvelopeSize
	p := &Preamble{}
	fault := func(uri string, format string, args ...any) (*Session, *Preamble, error) {
		conn.Write(nmf.AppendFault(nil, uri))
		lingeringClose(conn)
		return nil, p, &transport.Fault{URI: uri, Msg: fmt.Sprintf(format, args...)}
	}
	expect := []nmf.RecordType{nmf.VersionRecord, nmf.ModeRecord, nmf.ViaRecord, nmf.KnownEncodingRecord}
	for _, want := range expect {
		r, err := f.ReadRecord()
		if err != nil {
			var fe *nmf.Error
			if errors.As(err, &fe) && fe.Fault != "" {
				return fault(fe.Fault, "nettcp preamble: %v", err)
			}
			conn.Close()
			return nil, p, ctxErr(ctx, err)
		}
		if r.Type != want {
			if want == nmf.KnownEncodingRecord && r.Type == nmf.ExtensibleEncodingRecord {
				return fault(nmf.FaultContentTypeInvalid, "nettcp preamble: unsupported content type %q", r.Data)
			}
			conn.Close()
			return nil, p, &nmf.Error{Offset: r.Offset, Record: r.Type, Msg: "expected " + want.String()}
		}
		switch r.Type {
		case nmf.VersionRecord:
			if r.Major != 1 {
				return fault(nmf.FaultUnsupportedVersion, "nettcp preamble: unsupported version %d.%d", r.Major, r.Minor)
			}
		case nmf.ModeRecord:
			p.Mode = r.Mode
			if r.Mode != nmf.ModeDuplex {
				return fault(nmf.FaultUnsupportedMode, "nettcp preamble: unsupported mode %s", r.Mode)
			}
		case nmf.ViaRecord:
			p.Via = string(r.Data)
			if cfg.Route != nil && !cfg.Route(p.Via) {
				return fault(nmf.FaultEndpointNotFound, "nettcp preamble: no endpoint at %q", p.Via)
			}
			if cfg.Admit != nil {
				if err := cfg.Admit(ctx); err != nil {
					// The refusal goes out even when ctx ends meanwhile.
					stop()
					conn.SetDeadline(time.Now().Add(time.Second))
					return fault(nmf.FaultServerTooBusy, "nettcp preamble: %s: %v", p.Via, err)
				}
			}
		case nmf.KnownEncodingRecord:
			p.Encoding = r.Encoding
			if r.Encoding != cfg.Encoding {
				return fault(nmf.FaultContentTypeInvalid, "nettcp preamble: encoding %s, expected %s", r.Encoding, cfg.Encoding)
			}
		}
	}
	r, err := f.ReadRecord()
	if err != nil {
		conn.Close()
		return nil, p, ctxErr(ctx, err)
	}
	switch r.Type {
	case nmf.PreambleEndRecord:
		if cfg.TLS != nil {
			return fault(nmf.FaultUpgradeInvalid, "nettcp preamble: %s requires the %s upgrade; the client sent none", p.Via, nmf.UpgradeSSLTLS)
		}
	case nmf.UpgradeRequestRecord:
		if cfg.TLS != nil && string(r.Data) == nmf.UpgradeSSLTLS {
			s, err := serverUpgradeTLS(ctx, conn, f, p.Via, cfg.TLS)
			return s, p, err
		}
		return fault(nmf.FaultUpgradeInvalid, "nettcp preamble: upgrade %q is not supported", r.Data)
	default:
		conn.Close()
		return nil, p, &nmf.Error{Offset: r.Offset, Record: r.Type, Msg: "expected PreambleEnd"}
	}
	if _, err := conn.Write(nmf.AppendPreambleAck(nil)); err != nil {
		conn.Close()
		return nil, p, ctxErr(ctx, err)
	}
	conn.SetDeadline(time.Time{})
	return NewSession(conn, f, p.Via), p, nil
}
