package tcp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"time"

	"github.com/wwsgo/wws/nmf"
	"github.com/wwsgo/wws/transport"
)

// Transport security: the [MC-NMF] application/ssl-tls upgrade, as WCF's
// NetTcpBinding with SecurityMode.Transport (client credential type None or
// Certificate) speaks it. The initiator sends Version, Mode, Via,
// KnownEncoding and an UpgradeRequest record naming application/ssl-tls; the
// receiver answers with an UpgradeResponse record; both then run a TLS
// handshake over the socket, initiator as the TLS client; PreambleEnd, the
// PreambleAck and every record after them travel inside TLS.

// ExtraTLSConfig is the transport.Config.Extra key of a *tls.Config that
// turns on transport security (the application/ssl-tls upgrade). For Dial
// it is the TLS client configuration: RootCAs to trust (nil: the system's),
// Certificates to present when the service asks for one, ServerName (empty:
// the Via's host). For Listen it is the TLS server configuration: it must
// hold a certificate (Certificates, GetCertificate or GetConfigForClient);
// ClientAuth and ClientCAs make the listener require client certificates.
// Either side refuses a peer that does not upgrade: there is no fallback to
// plaintext.
const ExtraTLSConfig = "tcp.TLSConfig"

// UpgradeError is a failed transport security upgrade of a session: the TLS
// handshake, or the PreambleEnd and PreambleAck records exchanged inside TLS
// after it. Err is the cause, for example a *tls.CertificateVerificationError
// wrapping an x509.UnknownAuthorityError when the peer's certificate is not
// trusted.
type UpgradeError struct {
	Protocol string   // the upgrade protocol, nmf.UpgradeSSLTLS
	Via      string   // the Via of the session's preamble
	Remote   net.Addr // the peer's address
	Server   bool     // the failure was seen by the receiver (listener) side
	// Err is the cause (see above).
	Err error
}

// Error names the protocol, the Via, the peer and the cause.
func (e *UpgradeError) Error() string {
	side := "to"
	if e.Server {
		side = "from"
	}
	return fmt.Sprintf("nettcp: %s upgrade of the session for %s %s %v failed: %v", e.Protocol, e.Via, side, e.Remote, e.Err)
}

// Unwrap returns Err.
func (e *UpgradeError) Unwrap() error { return e.Err }

// tlsConfigFrom returns the *tls.Config in cfg.Extra[ExtraTLSConfig], nil
// when there is none.
func tlsConfigFrom(cfg *transport.Config) (*tls.Config, error) {
	v, ok := cfg.Extra[ExtraTLSConfig]
	if !ok || v == nil {
		return nil, nil
	}
	tc, ok := v.(*tls.Config)
	if !ok {
		return nil, fmt.Errorf("nettcp: Config.Extra[%q] holds a %T, not a *tls.Config", ExtraTLSConfig, v)
	}
	return tc, nil
}

// serverTLSConfig checks a listener's TLS configuration.
func serverTLSConfig(cfg *transport.Config) (*tls.Config, error) {
	tc, err := tlsConfigFrom(cfg)
	if err != nil || tc == nil {
		return nil, err
	}
	if len(tc.Certificates) == 0 && tc.GetCertificate == nil && tc.GetConfigForClient == nil {
		return nil, errors.New("nettcp: a listener with transport security needs a *tls.Config with a certificate (Certificates, GetCertificate or GetConfigForClient)")
	}
	return tc, nil
}

// secureConn is a session's TLS connection. Its Close closes the socket at
// once, without TLS's close_notify alert: a session's Abort must never wait
// to write to a peer that may not be reading. The end of a session is said
// by the [MC-NMF] End record inside TLS, as WCF's SslStream-based
// connections do.
type secureConn struct {
	*tls.Conn
	raw net.Conn
}

func (c *secureConn) Close() error { return c.raw.Close() }

// prefixConn reads prefix before the connection: bytes the framer read past
// the last record of the plaintext preamble belong to the TLS handshake.
type prefixConn struct {
	net.Conn
	prefix []byte
}

func (c *prefixConn) Read(p []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(p, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// takeBuffered returns conn with the framer's unread input put in front.
func takeBuffered(conn net.Conn, f *nmf.Framer) net.Conn {
	b := f.Buffered()
	if len(b) == 0 {
		return conn
	}
	prefix := append([]byte(nil), b...)
	f.Discard(len(b))
	return &prefixConn{Conn: conn, prefix: prefix}
}

// ConnectionState returns the TLS state of a session that was upgraded with
// application/ssl-tls — the peer's certificates, the negotiated version —
// and false for a session without transport security.
func (s *Session) ConnectionState() (tls.ConnectionState, bool) {
	if sc, ok := s.conn.(*secureConn); ok {
		return sc.ConnectionState(), true
	}
	return tls.ConnectionState{}, false
}

// upgradeErr wraps a failure of the upgrade phase. The end of the stream in
// the middle of it is io.ErrUnexpectedEOF, not the end of a session.
func upgradeErr(ctx context.Context, conn net.Conn, via string, server bool, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		err = fmt.Errorf("%w: %w", err, io.ErrUnexpectedEOF)
	}
	return &UpgradeError{Protocol: nmf.UpgradeSSLTLS, Via: via, Remote: conn.RemoteAddr(), Server: server, Err: err}
}

// ClientHandshakeTLS performs the duplex preamble with transport security,
// within ctx: Version, Mode, Via, KnownEncoding and an UpgradeRequest for
// application/ssl-tls; the service's UpgradeResponse; a TLS handshake as the
// client with config (ServerName defaults to the Via's host); then
// PreambleEnd and the service's PreambleAck inside TLS. The session's
// records all travel inside TLS. A service that answers the upgrade request
// with anything but UpgradeResponse is refused (a Fault record is a
// *transport.Fault); a failed TLS handshake is an *UpgradeError whose chain
// holds the TLS or x509 error.
func ClientHandshakeTLS(ctx context.Context, conn net.Conn, via string, enc nmf.Encoding, config *tls.Config) (*Session, error) {
	if config == nil {
		return nil, errors.New("nettcp: transport security without a *tls.Config")
	}
	if len(via) > nmf.MaxViaSize {
		return nil, fmt.Errorf("nettcp: Via of %d bytes exceeds the limit of %d", len(via), nmf.MaxViaSize)
	}
	conn.SetDeadline(deadline(ctx))
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	b := nmf.AppendVersion(nil)
	b = nmf.AppendMode(b, nmf.ModeDuplex)
	b = nmf.AppendVia(b, via)
	b = nmf.AppendKnownEncoding(b, enc)
	b = nmf.AppendUpgradeRequest(b, nmf.UpgradeSSLTLS)
	if _, err := conn.Write(b); err != nil {
		return nil, ctxErr(ctx, err)
	}
	f := nmf.NewFramer(nil, conn)
	r, err := f.ReadRecord()
	if err != nil {
		if err == io.EOF {
			return nil, fmt.Errorf("nettcp: connection closed by the peer after the %s upgrade request (the service may not offer transport security; WCF's is SecurityMode.Transport): %w", nmf.UpgradeSSLTLS, io.ErrUnexpectedEOF)
		}
		return nil, ctxErr(ctx, err)
	}
	switch r.Type {
	case nmf.UpgradeResponseRecord:
	case nmf.FaultRecord:
		uri := string(r.Data)
		if uri == nmf.FaultUpgradeInvalid {
			return nil, &transport.Fault{URI: uri, Msg: fmt.Sprintf("net.tcp peer sent framing fault UpgradeInvalid: the service at %s does not accept the %s upgrade (it may not use transport security)", via, nmf.UpgradeSSLTLS)}
		}
		return nil, FaultError(uri)
	default:
		return nil, &nmf.Error{Offset: r.Offset, Record: r.Type, Msg: "expected UpgradeResponse or Fault after the " + nmf.UpgradeSSLTLS + " upgrade request; refusing to go on without transport security"}
	}

	tc := config.Clone()
	if tc.ServerName == "" {
		if u, err := url.Parse(via); err == nil {
			tc.ServerName = u.Hostname()
		}
	}
	tconn := tls.Client(takeBuffered(conn, f), tc)
	if err := tconn.HandshakeContext(ctx); err != nil {
		return nil, upgradeErr(ctx, conn, via, false, err)
	}
	sc := &secureConn{Conn: tconn, raw: conn}
	f.SetReader(sc)
	if _, err := sc.Write(nmf.AppendPreambleEnd(nil)); err != nil {
		return nil, upgradeErr(ctx, conn, via, false, err)
	}
	r, err = f.ReadRecord()
	if err != nil {
		var fe *nmf.Error
		if errors.As(err, &fe) {
			return nil, err
		}
		return nil, upgradeErr(ctx, conn, via, false, err)
	}
	switch r.Type {
	case nmf.PreambleAckRecord:
	case nmf.FaultRecord:
		return nil, FaultError(string(r.Data))
	default:
		return nil, &nmf.Error{Offset: r.Offset, Record: r.Type, Msg: "expected PreambleAck or Fault inside TLS"}
	}
	conn.SetDeadline(time.Time{})
	return NewSession(sc, f, via), nil
}

// serverUpgradeTLS is the receiver's side of the application/ssl-tls
// upgrade, after the UpgradeRequest record: UpgradeResponse, the TLS
// handshake as the server with config, then PreambleEnd read and
// PreambleAck sent inside TLS. ServerHandshake calls it; conn's deadline is
// set. A failure closes conn; it is an *UpgradeError unless the peer broke
// the framing inside TLS (an *nmf.Error or, for a second upgrade request, a
// *transport.Fault after the UpgradeInvalid fault was sent).
func serverUpgradeTLS(ctx context.Context, conn net.Conn, f *nmf.Framer, via string, config *tls.Config) (*Session, error) {
	if _, err := conn.Write(nmf.AppendUpgradeResponse(nil)); err != nil {
		conn.Close()
		return nil, ctxErr(ctx, err)
	}
	tconn := tls.Server(takeBuffered(conn, f), config)
	if err := tconn.HandshakeContext(ctx); err != nil {
		// The alert sent must reach the client before the socket closes:
		// closing with its unread records would reset the connection and
		// discard the alert (TLS 1.3 clients write before they learn that
		// their certificate was refused).
		lingeringClose(conn)
		return nil, upgradeErr(ctx, conn, via, true, err)
	}
	sc := &secureConn{Conn: tconn, raw: conn}
	f.SetReader(sc)
	r, err := f.ReadRecord()
	if err != nil {
		conn.Close()
		var fe *nmf.Error
		if errors.As(err, &fe) {
			return nil, err
		}
		return nil, upgradeErr(ctx, conn, via, true, err)
	}
	switch r.Type {
	case nmf.PreambleEndRecord:
	case nmf.UpgradeRequestRecord:
		sc.Write(nmf.AppendFault(nil, nmf.FaultUpgradeInvalid))
		lingeringClose(sc)
		return nil, &transport.Fault{URI: nmf.FaultUpgradeInvalid, Msg: fmt.Sprintf("nettcp preamble: a second upgrade (%q) inside %s is not supported", r.Data, nmf.UpgradeSSLTLS)}
	default:
		conn.Close()
		return nil, &nmf.Error{Offset: r.Offset, Record: r.Type, Msg: "expected PreambleEnd inside TLS"}
	}
	if _, err := sc.Write(nmf.AppendPreambleAck(nil)); err != nil {
		conn.Close()
		return nil, upgradeErr(ctx, conn, via, true, err)
	}
	conn.SetDeadline(time.Time{})
	return NewSession(sc, f, via), nil
}
