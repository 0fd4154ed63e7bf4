// Package nmf implements the records of the .NET Message Framing protocol
// [MC-NMF], the framing net.tcp and net.pipe use: an encoder (the Append*
// functions and the Framer's Write* methods) and a decoder (Framer.ReadRecord)
// of the 13 record types, in the manner of golang.org/x/net/http2's Framer.
//
// The package holds no connection policy: it does not decide which record may
// follow which, which modes or encodings to accept, or which fault to send.
// It enforces what the format itself bounds — 7-bit sizes of at most 5 bytes
// and 0x7FFFFFFF, no empty variable-size records, the Via, content-type,
// upgrade and fault size limits, and a configured maximum envelope size —
// before committing memory to a record.
package nmf

import (
	"errors"
	"fmt"
)

// RecordType is the first byte of every [MC-NMF] record.
type RecordType byte

// Record types, [MC-NMF] §2.2.
const (
	VersionRecord            RecordType = 0x00
	ModeRecord               RecordType = 0x01
	ViaRecord                RecordType = 0x02
	KnownEncodingRecord      RecordType = 0x03
	ExtensibleEncodingRecord RecordType = 0x04
	UnsizedEnvelopeRecord    RecordType = 0x05
	SizedEnvelopeRecord      RecordType = 0x06
	EndRecord                RecordType = 0x07
	FaultRecord              RecordType = 0x08
	UpgradeRequestRecord     RecordType = 0x09
	UpgradeResponseRecord    RecordType = 0x0A
	PreambleAckRecord        RecordType = 0x0B
	PreambleEndRecord        RecordType = 0x0C
)

var recordTypeNames = [...]string{
	"Version", "Mode", "Via", "KnownEncoding", "ExtensibleEncoding", "UnsizedEnvelope",
	"SizedEnvelope", "End", "Fault", "UpgradeRequest", "UpgradeResponse", "PreambleAck", "PreambleEnd",
}

// String returns the record's name as [MC-NMF] spells it, "ViaRecord",
// or "RecordType(0xNN)" for an unknown type.
func (t RecordType) String() string {
	if int(t) < len(recordTypeNames) {
		return recordTypeNames[t] + "Record"
	}
	return fmt.Sprintf("RecordType(0x%02X)", byte(t))
}

// Mode is the communication mode a Mode record announces, [MC-NMF] §2.2.3.2.
type Mode byte

// Modes.
const (
	ModeSingletonUnsized Mode = 0x01
	ModeDuplex           Mode = 0x02
	ModeSimplex          Mode = 0x03
	ModeSingletonSized   Mode = 0x04
)

// String returns "singleton-unsized", "duplex", "simplex" or
// "singleton-sized", or "Mode(0xNN)" for an unknown mode.
func (m Mode) String() string {
	switch m {
	case ModeSingletonUnsized:
		return "singleton-unsized"
	case ModeDuplex:
		return "duplex"
	case ModeSimplex:
		return "simplex"
	case ModeSingletonSized:
		return "singleton-sized"
	}
	return fmt.Sprintf("Mode(0x%02X)", byte(m))
}

// Encoding is the message encoding a KnownEncoding record names, [MC-NMF] §2.2.3.4.1.
type Encoding byte

// Known encodings.
const (
	EncodingSOAP11UTF8          Encoding = 0x00 // text/xml; charset=utf-8
	EncodingSOAP11UTF16         Encoding = 0x01 // text/xml; charset=utf16
	EncodingSOAP11UnicodeLE     Encoding = 0x02 // text/xml; charset=unicodeFFFE
	EncodingSOAP12UTF8          Encoding = 0x03 // application/soap+xml; charset=utf-8
	EncodingSOAP12UTF16         Encoding = 0x04 // application/soap+xml; charset=utf16
	EncodingSOAP12UnicodeLE     Encoding = 0x05 // application/soap+xml; charset=unicodeFFFE
	EncodingSOAP12MTOM          Encoding = 0x06 // multipart/related
	EncodingSOAP12Binary        Encoding = 0x07 // application/soap+msbin1 ([MC-NBFS])
	EncodingSOAP12BinarySession Encoding = 0x08 // application/soap+msbinsession1 ([MC-NBFSE])
)

var encodingNames = [...]string{
	"text/xml; charset=utf-8", "text/xml; charset=utf16", "text/xml; charset=unicodeFFFE",
	"application/soap+xml; charset=utf-8", "application/soap+xml; charset=utf16",
	"application/soap+xml; charset=unicodeFFFE", "multipart/related",
	"application/soap+msbin1", "application/soap+msbinsession1",
}

// ContentType returns the MIME content type the encoding stands for.
func (e Encoding) ContentType() string {
	if int(e) < len(encodingNames) {
		return encodingNames[e]
	}
	return ""
}

// String returns the encoding's byte and content type,
// "0x08 (application/soap+msbinsession1)", or "Encoding(0xNN)".
func (e Encoding) String() string {
	if ct := e.ContentType(); ct != "" {
		return fmt.Sprintf("0x%02X (%s)", byte(e), ct)
	}
	return fmt.Sprintf("Encoding(0x%02X)", byte(e))
}

// Size limits of [MC-NMF] §6 (product behaviour shared by WCF and WWSAPI).
const (
	MaxViaSize             = 2048
	MaxContentTypeSize     = 256
	MaxUpgradeProtocolSize = 256
	MaxFaultSize           = 256
	MaxSize                = 0x7FFFFFFF // largest record size a 7-bit size can carry
)

// Fault URIs a receiver sends in a Fault record, [MC-NMF] §2.2.3.8.
const (
	FaultPrefix                   = "http://schemas.microsoft.com/ws/2006/05/framing/faults/"
	FaultContentTypeInvalid       = FaultPrefix + "ContentTypeInvalid"
	FaultContentTypeTooLong       = FaultPrefix + "ContentTypeTooLong"
	FaultConnectionDispatchFailed = FaultPrefix + "ConnectionDispatchFailed"
	FaultEndpointNotFound         = FaultPrefix + "EndpointNotFound"
	FaultEndpointUnavailable      = FaultPrefix + "EndpointUnavailable"
	FaultMaxMessageSizeExceeded   = FaultPrefix + "MaxMessageSizeExceededFault"
	FaultServerTooBusy            = FaultPrefix + "ServerTooBusy"
	FaultServiceActivationFailed  = FaultPrefix + "ServiceActivationFailed"
	FaultUnsupportedMode          = FaultPrefix + "UnsupportedMode"
	FaultUnsupportedVersion       = FaultPrefix + "UnsupportedVersion"
	FaultUpgradeInvalid           = FaultPrefix + "UpgradeInvalid"
	FaultViaTooLong               = FaultPrefix + "ViaTooLong"
)

// Upgrade protocol names of UpgradeRequest records.
const (
	UpgradeSSLTLS    = "application/ssl-tls"
	UpgradeNegotiate = "application/negotiate"
)

// ErrTooLarge is wrapped by decode errors for records over a size limit.
var ErrTooLarge = errors.New("record over its size limit")

// Error is a framing error found while decoding, at a byte offset of the stream.
type Error struct {
	Offset int64      // offset of the record (or size field) at fault
	Record RecordType // the record being decoded
	// Msg says what is wrong.
	Msg string
	// Fault is the fault URI a receiver following WCF would send back for
	// this error, or "" when none is sent.
	Fault string
	Err   error // ErrTooLarge, io.ErrUnexpectedEOF, or nil
}

// Error returns "nmf: offset N: <record>: <Msg>".
func (e *Error) Error() string {
	return fmt.Sprintf("nmf: offset %d: %s: %s", e.Offset, e.Record, e.Msg)
}

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }

// AppendSize appends n as a [MC-NMF] §2.2.2 record size: 7-bit groups, least
// significant first, high bit set on all but the last. n must be in 0…MaxSize.
func AppendSize(dst []byte, n int) []byte {
	v := uint32(n)
	for v >= 0x80 {
		dst = append(dst, byte(v)|0x80)
		v >>= 7
	}
	return append(dst, byte(v))
}

// SizeLen returns the number of bytes AppendSize uses for n.
func SizeLen(n int) int {
	l := 1
	for v := uint32(n); v >= 0x80; v >>= 7 {
		l++
	}
	return l
}

// Encoders. Each appends one record to dst.

// AppendVersion appends a Version record for version 1.0.
func AppendVersion(dst []byte) []byte { return append(dst, byte(VersionRecord), 1, 0) }

// AppendMode appends a Mode record.
func AppendMode(dst []byte, m Mode) []byte { return append(dst, byte(ModeRecord), byte(m)) }

// AppendVia appends a Via record.
func AppendVia(dst []byte, via string) []byte {
	dst = append(dst, byte(ViaRecord))
	dst = AppendSize(dst, len(via))
	return append(dst, via...)
}

// AppendKnownEncoding appends a KnownEncoding record.
func AppendKnownEncoding(dst []byte, e Encoding) []byte {
	return append(dst, byte(KnownEncodingRecord), byte(e))
}

// AppendExtensibleEncoding appends an ExtensibleEncoding record.
func AppendExtensibleEncoding(dst []byte, contentType string) []byte {
	dst = append(dst, byte(ExtensibleEncodingRecord))
	dst = AppendSize(dst, len(contentType))
	return append(dst, contentType...)
}

// AppendUpgradeRequest appends an UpgradeRequest record.
func AppendUpgradeRequest(dst []byte, protocol string) []byte {
	dst = append(dst, byte(UpgradeRequestRecord))
	dst = AppendSize(dst, len(protocol))
	return append(dst, protocol...)
}

// AppendUpgradeResponse appends an UpgradeResponse record.
func AppendUpgradeResponse(dst []byte) []byte { return append(dst, byte(UpgradeResponseRecord)) }

// AppendPreambleEnd appends a PreambleEnd record.
func AppendPreambleEnd(dst []byte) []byte { return append(dst, byte(PreambleEndRecord)) }

// AppendPreambleAck appends a PreambleAck record.
func AppendPreambleAck(dst []byte) []byte { return append(dst, byte(PreambleAckRecord)) }

// AppendEnd appends an End record.
func AppendEnd(dst []byte) []byte { return append(dst, byte(EndRecord)) }

// AppendFault appends a Fault record carrying a fault URI.
func AppendFault(dst []byte, uri string) []byte {
	dst = append(dst, byte(FaultRecord))
	dst = AppendSize(dst, len(uri))
	return append(dst, uri...)
}

// AppendSizedEnvelope appends a SizedEnvelope record carrying payload.
func AppendSizedEnvelope(dst, payload []byte) []byte {
	dst = AppendSizedEnvelopeHeader(dst, len(payload))
	return append(dst, payload...)
}

// AppendSizedEnvelopeHeader appends the record type and size of a
// SizedEnvelope of n bytes, for a caller that appends the payload itself.
func AppendSizedEnvelopeHeader(dst []byte, n int) []byte {
	dst = append(dst, byte(SizedEnvelopeRecord))
	return AppendSize(dst, n)
}

// AppendUnsizedEnvelope appends an UnsizedEnvelope record: payload split into
// chunks of at most chunkSize bytes (0: one chunk), then the terminating
// zero-size chunk.
func AppendUnsizedEnvelope(dst, payload []byte, chunkSize int) []byte {
	dst = append(dst, byte(UnsizedEnvelopeRecord))
	if chunkSize <= 0 {
		chunkSize = len(payload)
	}
	for len(payload) > 0 {
		n := min(chunkSize, len(payload))
		dst = AppendSize(dst, n)
		dst = append(dst, payload[:n]...)
		payload = payload[n:]
	}
	return append(dst, 0)
}

// AppendPreamble appends the preamble an initiator sends when it needs no
// upgrade: Version, Mode, Via, KnownEncoding and PreambleEnd.
func AppendPreamble(dst []byte, m Mode, via string, e Encoding) []byte {
	dst = AppendVersion(dst)
	dst = AppendMode(dst, m)
	dst = AppendVia(dst, via)
	dst = AppendKnownEncoding(dst, e)
	return AppendPreambleEnd(dst)
}
