// Package soap reads and writes SOAP 1.1 and 1.2 envelopes with
// WS-Addressing headers (the 2004/08 member submission, 1.0, or none), and
// SOAP faults of both versions, over any xmlnode encoding.
//
// Writing is WriteEnvelopeStart, the body's content, WriteEnvelopeEnd.
// Reading is ReadEnvelopeStart, which fills a Header and stops inside the
// Body, then the body's nodes, then ReadEnvelopeEnd. The package owns no
// connections, messages or correlation policy.
package soap

import (
	"fmt"
)

// Version is a SOAP envelope version; the values are WWSAPI's WS_ENVELOPE_VERSION.
type Version uint8

// Envelope versions.
const (
	SOAP11      Version = 1
	SOAP12      Version = 2
	VersionNone Version = 3 // no envelope (WWSAPI's raw HTTP messages)
)

// Namespaces of the two SOAP versions.
const (
	NamespaceSOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
	NamespaceSOAP12 = "http://www.w3.org/2003/05/soap-envelope"
)

// Namespace returns the envelope namespace of v.
func (v Version) Namespace() string {
	switch v {
	case SOAP11:
		return NamespaceSOAP11
	case SOAP12:
		return NamespaceSOAP12
	}
	return ""
}

// String returns "SOAP 1.1", "SOAP 1.2" or "no envelope".
func (v Version) String() string {
	switch v {
	case SOAP11:
		return "SOAP 1.1"
	case SOAP12:
		return "SOAP 1.2"
	case VersionNone:
		return "no envelope"
	}
	return fmt.Sprintf("Version(%d)", uint8(v))
}

// Addressing is a WS-Addressing version; the values are WWSAPI's WS_ADDRESSING_VERSION.
type Addressing uint8

// Addressing versions.
const (
	Addressing200408 Addressing = 1 // the 2004/08 member submission (WWSAPI 0.9, WCF WSAddressingAugust2004)
	Addressing10     Addressing = 2 // W3C WS-Addressing 1.0
	AddressingNone   Addressing = 3 // no addressing headers (WWSAPI's TRANSPORT: the transport addresses messages)
)

// WS-Addressing names.
const (
	NamespaceAddressing200408 = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
	NamespaceAddressing10     = "http://www.w3.org/2005/08/addressing"

	Anonymous10   = NamespaceAddressing10 + "/anonymous"
	None10        = NamespaceAddressing10 + "/none"
	Reply10       = NamespaceAddressing10 + "/reply"
	FaultAction10 = NamespaceAddressing10 + "/fault"
	// SOAPFaultAction10 is the action of SOAP faults under WS-Addressing 1.0
	// (its SOAP binding), which WCF and Mono send; FaultAction10 is for
	// WS-Addressing's own faults.
	SOAPFaultAction10 = NamespaceAddressing10 + "/soap/fault"
	Anonymous200408   = NamespaceAddressing200408 + "/role/anonymous"
	FaultAction200408 = NamespaceAddressing200408 + "/fault"
	Reply200408       = NamespaceAddressing200408 + "/Reply"

	// FaultActionWCF is the action WCF gives faults it generates itself.
	FaultActionWCF = "http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/dispatcher/fault"
)

// Namespace returns the addressing namespace of a ("" for AddressingNone).
func (a Addressing) Namespace() string {
	switch a {
	case Addressing200408:
		return NamespaceAddressing200408
	case Addressing10:
		return NamespaceAddressing10
	}
	return ""
}

// Anonymous returns the anonymous address of a.
func (a Addressing) Anonymous() string {
	switch a {
	case Addressing200408:
		return Anonymous200408
	case Addressing10:
		return Anonymous10
	}
	return ""
}

// FaultAction returns the default action of a SOAP fault message under a,
// as WCF sends it.
func (a Addressing) FaultAction() string {
	switch a {
	case Addressing200408:
		return FaultAction200408
	case Addressing10:
		return SOAPFaultAction10
	}
	return ""
}

// String returns "WS-Addressing 2004/08", "WS-Addressing 1.0" or "no addressing".
func (a Addressing) String() string {
	switch a {
	case Addressing200408:
		return "WS-Addressing 2004/08"
	case Addressing10:
		return "WS-Addressing 1.0"
	case AddressingNone:
		return "no addressing"
	}
	return fmt.Sprintf("Addressing(%d)", uint8(a))
}

// FormatError is an envelope that is well-formed XML but not a valid SOAP
// message for what was expected.
type FormatError struct {
	Offset int64 // reader offset, when the reader reports one
	// Msg says what is wrong.
	Msg string
}

// Error returns "soap: ", the offset when known, and Msg.
func (e *FormatError) Error() string {
	if e.Offset > 0 {
		return fmt.Sprintf("soap: offset %d: %s", e.Offset, e.Msg)
	}
	return "soap: " + e.Msg
}
