package wws

import (
	"fmt"
	"math"
	"time"

	"github.com/wwsgo/wws/soap"
)

// ChannelType is WS_CHANNEL_TYPE: what a channel can do.
type ChannelType uint32

// Channel types, with WWSAPI's values (bit flags: input 1, output 2, session 4).
const (
	ChannelTypeInput         ChannelType = 0x1
	ChannelTypeOutput        ChannelType = 0x2
	ChannelTypeDuplex        ChannelType = 0x3
	ChannelTypeInputSession  ChannelType = 0x5
	ChannelTypeOutputSession ChannelType = 0x6
	ChannelTypeDuplexSession ChannelType = 0x7
	ChannelTypeRequest       ChannelType = 0x8
	ChannelTypeReply         ChannelType = 0x10
)

const channelTypeSession = 0x4

// String returns the type's name without its prefix, "DuplexSession",
// or "ChannelType(0xN)".
func (t ChannelType) String() string {
	switch t {
	case ChannelTypeInput:
		return "Input"
	case ChannelTypeOutput:
		return "Output"
	case ChannelTypeDuplex:
		return "Duplex"
	case ChannelTypeInputSession:
		return "InputSession"
	case ChannelTypeOutputSession:
		return "OutputSession"
	case ChannelTypeDuplexSession:
		return "DuplexSession"
	case ChannelTypeRequest:
		return "Request"
	case ChannelTypeReply:
		return "Reply"
	}
	return fmt.Sprintf("ChannelType(0x%X)", uint32(t))
}

func (t ChannelType) valid() bool {
	switch t {
	case ChannelTypeInput, ChannelTypeOutput, ChannelTypeDuplex, ChannelTypeInputSession,
		ChannelTypeOutputSession, ChannelTypeDuplexSession, ChannelTypeRequest, ChannelTypeReply:
		return true
	}
	return false
}

// isSession reports the session flag.
func (t ChannelType) isSession() bool { return t&channelTypeSession != 0 && t < ChannelTypeRequest }

// canSend reports whether the type can send messages.
func (t ChannelType) canSend() bool {
	return t&ChannelTypeOutput != 0 && t < ChannelTypeRequest || t == ChannelTypeRequest || t == ChannelTypeReply
}

// canReceive reports whether the type can receive messages.
func (t ChannelType) canReceive() bool {
	return t&ChannelTypeInput != 0 && t < ChannelTypeRequest || t == ChannelTypeRequest || t == ChannelTypeReply
}

// ChannelBinding is WS_CHANNEL_BINDING: the protocol a channel speaks.
type ChannelBinding uint32

// Bindings, with WWSAPI's values.
const (
	BindingHTTP      ChannelBinding = 0
	BindingTCP       ChannelBinding = 1
	BindingUDP       ChannelBinding = 2
	BindingCustom    ChannelBinding = 3
	BindingNamedPipe ChannelBinding = 4
)

// String returns "HTTP", "TCP", "UDP", "Custom" or "NamedPipe", or
// "ChannelBinding(n)".
func (b ChannelBinding) String() string {
	switch b {
	case BindingHTTP:
		return "HTTP"
	case BindingTCP:
		return "TCP"
	case BindingUDP:
		return "UDP"
	case BindingCustom:
		return "Custom"
	case BindingNamedPipe:
		return "NamedPipe"
	}
	return fmt.Sprintf("ChannelBinding(%d)", uint32(b))
}

// ChannelState is WS_CHANNEL_STATE.
type ChannelState uint32

// Channel states, with WWSAPI's values.
const (
	ChannelStateCreated   ChannelState = 0
	ChannelStateOpening   ChannelState = 1
	ChannelStateAccepting ChannelState = 2
	ChannelStateOpen      ChannelState = 3
	ChannelStateFaulted   ChannelState = 4
	ChannelStateClosing   ChannelState = 5
	ChannelStateClosed    ChannelState = 6
)

var channelStateNames = [...]string{"Created", "Opening", "Accepting", "Open", "Faulted", "Closing", "Closed"}

// String returns the state's name, "Open", or "ChannelState(n)".
func (s ChannelState) String() string {
	if int(s) < len(channelStateNames) {
		return channelStateNames[s]
	}
	return fmt.Sprintf("ChannelState(%d)", uint32(s))
}

// ListenerState is WS_LISTENER_STATE (which has no Accepting state, so its
// values differ from ChannelState's).
type ListenerState uint32

// Listener states, with WWSAPI's values.
const (
	ListenerStateCreated ListenerState = 0
	ListenerStateOpening ListenerState = 1
	ListenerStateOpen    ListenerState = 2
	ListenerStateFaulted ListenerState = 3
	ListenerStateClosing ListenerState = 4
	ListenerStateClosed  ListenerState = 5
)

var listenerStateNames = [...]string{"Created", "Opening", "Open", "Faulted", "Closing", "Closed"}

// String returns the state's name, "Open", or "ListenerState(n)".
func (s ListenerState) String() string {
	if int(s) < len(listenerStateNames) {
		return listenerStateNames[s]
	}
	return fmt.Sprintf("ListenerState(%d)", uint32(s))
}

// EnvelopeVersion is WS_ENVELOPE_VERSION.
type EnvelopeVersion uint32

// Envelope versions.
const (
	EnvelopeSOAP11 EnvelopeVersion = 1
	EnvelopeSOAP12 EnvelopeVersion = 2
	EnvelopeNone   EnvelopeVersion = 3
)

// String returns "SOAP 1.1", "SOAP 1.2" or "no envelope".
func (v EnvelopeVersion) String() string { return soap.Version(v).String() }

// AddressingVersion is WS_ADDRESSING_VERSION.
type AddressingVersion uint32

// Addressing versions: Addressing09 is the 2004/08 member submission,
// AddressingTransport means no addressing headers (the transport addresses
// the message; HTTP only).
const (
	Addressing09        AddressingVersion = 1
	Addressing10        AddressingVersion = 2
	AddressingTransport AddressingVersion = 3
)

// String returns "WS-Addressing 2004/08", "WS-Addressing 1.0" or
// "no addressing".
func (a AddressingVersion) String() string { return soap.Addressing(a).String() }

// Encoding is WS_ENCODING: how envelopes are written on the wire.
type Encoding uint32

// Encodings, with WWSAPI's values.
const (
	EncodingBinary        Encoding = 0 // .NET Binary XML, static dictionary only (SOAP 1.2)
	EncodingBinarySession Encoding = 1 // .NET Binary XML with session dictionaries (session channels, SOAP 1.2)
	EncodingMTOMUTF8      Encoding = 2
	EncodingMTOMUTF16BE   Encoding = 3
	EncodingMTOMUTF16LE   Encoding = 4
	EncodingUTF8          Encoding = 5
	EncodingUTF16BE       Encoding = 6
	EncodingUTF16LE       Encoding = 7
	EncodingRaw           Encoding = 8 // HTTP only: bodies without envelopes
)

var encodingNames = [...]string{"Binary", "BinarySession", "MTOMUTF8", "MTOMUTF16BE", "MTOMUTF16LE",
	"UTF8", "UTF16BE", "UTF16LE", "Raw"}

// String returns the encoding's name without its prefix, "BinarySession",
// or "Encoding(n)".
func (e Encoding) String() string {
	if int(e) < len(encodingNames) {
		return encodingNames[e]
	}
	return fmt.Sprintf("Encoding(%d)", uint32(e))
}

func (e Encoding) isBinary() bool { return e == EncodingBinary || e == EncodingBinarySession }
func (e Encoding) isMTOM() bool {
	return e == EncodingMTOMUTF8 || e == EncodingMTOMUTF16BE || e == EncodingMTOMUTF16LE
}

// MessageState is WS_MESSAGE_STATE.
type MessageState uint32

// Message states, with WWSAPI's values.
const (
	MessageStateEmpty       MessageState = 1
	MessageStateInitialized MessageState = 2
	MessageStateReading     MessageState = 3
	MessageStateWriting     MessageState = 4
	MessageStateDone        MessageState = 5
)

var messageStateNames = [...]string{"", "Empty", "Initialized", "Reading", "Writing", "Done"}

// String returns the state's name, "Initialized", or "MessageState(n)".
func (s MessageState) String() string {
	if s >= 1 && int(s) < len(messageStateNames) {
		return messageStateNames[s]
	}
	return fmt.Sprintf("MessageState(%d)", uint32(s))
}

// IPVersion is WS_IP_VERSION.
type IPVersion uint32

// IP versions.
const (
	IPVersion4    IPVersion = 1
	IPVersion6    IPVersion = 2
	IPVersionAuto IPVersion = 3
)

// TransferMode is WS_TRANSFER_MODE.
type TransferMode uint32

// Transfer modes.
const (
	TransferBuffered       TransferMode = 0
	TransferStreamedInput  TransferMode = 1
	TransferStreamedOutput TransferMode = 2
	TransferStreamed       TransferMode = 3
)

// CallbackModel is WS_CALLBACK_MODEL.
type CallbackModel uint32

// Callback models.
const (
	ShortCallback CallbackModel = 0
	LongCallback  CallbackModel = 1
)

// ProtectionLevel is WS_PROTECTION_LEVEL.
type ProtectionLevel uint32

// Protection levels.
const (
	ProtectionNone           ProtectionLevel = 1
	ProtectionSign           ProtectionLevel = 2
	ProtectionSignAndEncrypt ProtectionLevel = 3
)

// FaultDisclosure is WS_FAULT_DISCLOSURE: how much of an error a fault
// made from it tells the peer.
type FaultDisclosure uint32

// Fault disclosures.
const (
	// MinimalFaultDisclosure sends a generic reason for errors that carry
	// no fault of their own, so that internal details do not leak.
	MinimalFaultDisclosure FaultDisclosure = 0
	// FullFaultDisclosure sends the error's text as the reason.
	FullFaultDisclosure FaultDisclosure = 1
)

// CookieMode is WS_COOKIE_MODE.
type CookieMode uint32

// Cookie modes.
const (
	CookieManual CookieMode = 1
	CookieAuto   CookieMode = 2
)

// HTTPProxySettingMode is WS_HTTP_PROXY_SETTING_MODE.
type HTTPProxySettingMode uint32

// Proxy setting modes.
const (
	HTTPProxyAuto   HTTPProxySettingMode = 1 // from the environment (HTTP_PROXY, HTTPS_PROXY, NO_PROXY)
	HTTPProxyNone   HTTPProxySettingMode = 2
	HTTPProxyCustom HTTPProxySettingMode = 3
)

// Infinite is the timeout value for "never time out" (WWSAPI's INFINITE).
const Infinite time.Duration = math.MaxInt64

// URL matching flags of WS_MATCH_URL_*, for ListenerPropertyToHeaderMatchingOptions.
const (
	MatchURLDNSHost               uint32 = 0x1
	MatchURLDNSFullyQualifiedHost uint32 = 0x2
	MatchURLNetBIOSHost           uint32 = 0x4
	MatchURLLocalHost             uint32 = 0x8
	MatchURLHostAddresses         uint32 = 0x10
	MatchURLThisHost              uint32 = 0x1f
	MatchURLPort                  uint32 = 0x20
	MatchURLExactPath             uint32 = 0x40
	MatchURLPrefixPath            uint32 = 0x80
	MatchURLNoQuery               uint32 = 0x100
)
