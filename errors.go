package wws

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"

	"github.com/wwsgo/wws/nmf"
	"github.com/wwsgo/wws/soap"
	"github.com/wwsgo/wws/transport"
	"github.com/wwsgo/wws/transport/soaphttp"
	"github.com/wwsgo/wws/transport/tcp"
	"github.com/wwsgo/wws/transport/udp"
	"github.com/wwsgo/wws/xmlnode"
)

// Fault is a SOAP fault (WS_FAULT), received or to be sent.
type Fault = soap.Fault

// Error is WWSAPI's WS_ERROR: a result code, a list of strings saying what
// went wrong (most specific first), the SOAP fault received if any, and the
// Go error underneath. errors.Is and errors.As see through it to Err; two
// *Error values match under errors.Is when their codes are equal.
type Error struct {
	// Code is the result code: one of WWSAPI's WS_E_* values, or E_INVALIDARG,
	// E_NOTIMPL, ...
	Code HRESULT
	// Strings is the error string list (WsGetErrorString), most specific first.
	Strings []string
	// Fault is the SOAP fault received from the peer, if any
	// (WS_E_ENDPOINT_FAULT_RECEIVED).
	Fault *Fault
	// Err is the Go error underneath, if any; Unwrap returns it.
	Err error
}

// Error joins the strings, the fault, the cause and the code, for example
// "wws: open net.tcp://host/: dial tcp ...: WS_E_ENDPOINT_NOT_FOUND (0x803D000D)".
func (e *Error) Error() string {
	var sb strings.Builder
	sb.WriteString("wws: ")
	if len(e.Strings) > 0 {
		sb.WriteString(strings.Join(e.Strings, ": "))
		sb.WriteString(": ")
	}
	if e.Fault != nil {
		sb.WriteString(e.Fault.Error())
		sb.WriteString(": ")
	}
	if e.Err != nil && !containsErr(e.Strings, e.Err) {
		sb.WriteString(e.Err.Error())
		sb.WriteString(": ")
	}
	sb.WriteString(e.Code.String())
	return sb.String()
}

func containsErr(strs []string, err error) bool {
	s := err.Error()
	for _, x := range strs {
		if strings.Contains(x, s) {
			return true
		}
	}
	return false
}

// Unwrap returns the Go cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error with the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Strings == nil && t.Err == nil
}

// Sentinel errors to match with errors.Is: errors.Is(err, wws.ErrAborted).
var (
	ErrAborted          = &Error{Code: WS_E_OPERATION_ABORTED}
	ErrTimedOut         = &Error{Code: WS_E_OPERATION_TIMED_OUT}
	ErrFaulted          = &Error{Code: WS_E_OBJECT_FAULTED}
	ErrInvalidOperation = &Error{Code: WS_E_INVALID_OPERATION}
	ErrFaultReceived    = &Error{Code: WS_E_ENDPOINT_FAULT_RECEIVED}
	ErrQuotaExceeded    = &Error{Code: WS_E_QUOTA_EXCEEDED}
	ErrInvalidFormat    = &Error{Code: WS_E_INVALID_FORMAT}
	ErrDisconnected     = &Error{Code: WS_E_ENDPOINT_DISCONNECTED}
	ErrNotImplemented   = &Error{Code: E_NOTIMPL}
)

// newError returns an *Error with code, the cause and a message.
func newError(code HRESULT, cause error, format string, args ...any) *Error {
	e := &Error{Code: code, Err: cause}
	if format != "" {
		e.Strings = []string{fmt.Sprintf(format, args...)}
	}
	return e
}

// invalidArg is the error for a caller's bad argument (WWSAPI's E_INVALIDARG).
func invalidArg(format string, args ...any) *Error {
	return newError(E_INVALIDARG, nil, format, args...)
}

// HResult returns the HRESULT of err: S_OK for nil, the Code of an *Error
// anywhere in its chain, and for other errors the code WWSAPI maps such a
// failure to (a cancelled context is WS_E_OPERATION_ABORTED, a deadline
// WS_E_OPERATION_TIMED_OUT, a refused connection WS_E_ENDPOINT_NOT_FOUND, a
// reset one WS_E_ENDPOINT_DISCONNECTED, bad input WS_E_INVALID_FORMAT, a
// quota WS_E_QUOTA_EXCEEDED, a certificate that does not verify its
// CERT_E_* code, another failed TLS negotiation
// WS_E_SECURITY_VERIFICATION_FAILURE; anything else WS_E_OTHER).
func HResult(err error) HRESULT {
	if err == nil {
		return S_OK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return classify(err)
}

func classify(err error) HRESULT {
	if code, ok := certCode(err); ok {
		return code
	}
	var ne net.Error
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, net.ErrClosed):
		return WS_E_OPERATION_ABORTED
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return WS_E_OPERATION_TIMED_OUT
	case errors.Is(err, xmlnode.ErrQuotaExceeded), errors.Is(err, nmf.ErrTooLarge):
		return WS_E_QUOTA_EXCEEDED
	case errors.Is(err, io.EOF):
		return WS_S_END
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNABORTED):
		return WS_E_ENDPOINT_DISCONNECTED
	case errors.Is(err, syscall.ECONNREFUSED):
		return WS_E_ENDPOINT_NOT_FOUND
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return WS_E_ENDPOINT_UNREACHABLE
	case errors.Is(err, syscall.EADDRINUSE):
		return WS_E_ADDRESS_IN_USE
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return WS_E_ADDRESS_NOT_AVAILABLE
	case errors.As(err, &dnsErr):
		return WS_E_ENDPOINT_NOT_FOUND
	case errors.As(err, &ne) && ne.Timeout():
		return WS_E_OPERATION_TIMED_OUT
	}
	var tf *transport.Fault
	if errors.As(err, &tf) {
		return faultCode(tf)
	}
	var ae *soaphttp.AuthError
	if errors.As(err, &ae) {
		return authCode(ae)
	}
	var he *soaphttp.FormatError
	if errors.As(err, &he) {
		return WS_E_INVALID_FORMAT
	}
	if errors.Is(err, soaphttp.ErrTooLarge) || errors.Is(err, udp.ErrTooLarge) {
		return WS_E_QUOTA_EXCEEDED
	}
	var xe *xmlnode.Error
	var fe *nmf.Error
	var se *soap.FormatError
	var te *xmlnode.TypeError
	if errors.As(err, &xe) || errors.As(err, &fe) || errors.As(err, &se) || errors.As(err, &te) {
		return WS_E_INVALID_FORMAT
	}
	if code, ok := tlsCode(err); ok {
		return code
	}
	return WS_E_OTHER
}

// certCode maps a certificate that failed verification on this side of a
// TLS handshake (the peer's, as x509 saw it) to the CERT_E_* code Windows'
// chain policy gives for the same fault.
func certCode(err error) (HRESULT, bool) {
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	var sr x509.SystemRootsError
	var cv *tls.CertificateVerificationError
	switch {
	case errors.As(err, &ua):
		return CERT_E_UNTRUSTEDROOT, true
	case errors.As(err, &he):
		return CERT_E_CN_NO_MATCH, true
	case errors.As(err, &ci):
		switch ci.Reason {
		case x509.Expired:
			return CERT_E_EXPIRED, true
		case x509.IncompatibleUsage, x509.CANotAuthorizedForExtKeyUsage:
			return CERT_E_WRONG_USAGE, true
		case x509.NotAuthorizedToSign:
			return CERT_E_ROLE, true
		case x509.TooManyIntermediates:
			return CERT_E_PATHLENCONST, true
		case x509.CANotAuthorizedForThisName, x509.NameConstraintsWithoutSANs, x509.UnconstrainedName:
			return CERT_E_INVALID_NAME, true
		case x509.NameMismatch, x509.NoValidChains:
			return CERT_E_CHAINING, true
		}
		return WS_E_SECURITY_VERIFICATION_FAILURE, true
	case errors.As(err, &sr):
		return WS_E_SECURITY_SYSTEM_FAILURE, true
	case errors.As(err, &cv):
		// A VerifyPeerCertificate or VerifyConnection callback said no.
		return WS_E_SECURITY_VERIFICATION_FAILURE, true
	}
	return 0, false
}

// tlsCode maps the other failures of a TLS negotiation: a TLS alert from the
// peer (it refused this side's certificate, or the lack of one) and a failed
// net.tcp security upgrade are WS_E_SECURITY_VERIFICATION_FAILURE; a peer
// that does not speak TLS at all is WS_E_INVALID_FORMAT.
func tlsCode(err error) (HRESULT, bool) {
	var rh tls.RecordHeaderError
	var op *net.OpError
	var ue *tcp.UpgradeError
	switch {
	case errors.As(err, &rh):
		return WS_E_INVALID_FORMAT, true
	case errors.As(err, &op) && op.Op == "remote error":
		return WS_E_SECURITY_VERIFICATION_FAILURE, true
	case errors.As(err, &ue):
		return WS_E_SECURITY_VERIFICATION_FAILURE, true
	}
	return 0, false
}

// authCode maps an HTTP authentication demand to WWSAPI's codes, by the
// first scheme offered.
func authCode(e *soaphttp.AuthError) HRESULT {
	proxy := e.Proxy()
	for _, s := range e.Schemes {
		switch strings.ToLower(s) {
		case "basic":
			return pick(proxy, WS_E_PROXY_REQUIRES_BASIC_AUTH, WS_E_SERVER_REQUIRES_BASIC_AUTH)
		case "digest":
			return pick(proxy, WS_E_PROXY_REQUIRES_DIGEST_AUTH, WS_E_SERVER_REQUIRES_DIGEST_AUTH)
		case "ntlm":
			return pick(proxy, WS_E_PROXY_REQUIRES_NTLM_AUTH, WS_E_SERVER_REQUIRES_NTLM_AUTH)
		case "negotiate":
			return pick(proxy, WS_E_PROXY_REQUIRES_NEGOTIATE_AUTH, WS_E_SERVER_REQUIRES_NEGOTIATE_AUTH)
		}
	}
	return pick(proxy, WS_E_PROXY_ACCESS_DENIED, WS_E_ENDPOINT_ACCESS_DENIED)
}

func pick(cond bool, a, b HRESULT) HRESULT {
	if cond {
		return a
	}
	return b
}

// wrapErr turns any error into an *Error, keeping an existing code and
// adding what was being done to the strings.
func wrapErr(err error, what string) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		if what == "" {
			return e
		}
		n := *e
		n.Strings = append([]string{what}, e.Strings...)
		return &n
	}
	code := classify(err)
	if code == WS_S_END {
		return &Error{Code: WS_S_END, Strings: []string{what + ": end of session"}, Err: io.EOF}
	}
	return &Error{Code: code, Strings: []string{what}, Err: err}
}
