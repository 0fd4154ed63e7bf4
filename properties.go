package wws

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"reflect"
	"sync"
	"time"

	"github.com/wwsgo/wws/transport/udp"
)

// ChannelPropertyID is WS_CHANNEL_PROPERTY_ID.
type ChannelPropertyID uint32

// Channel property ids, with WWSAPI's values. Each names its Go value type
// and its WWSAPI default; docs/wwsapi-map.md lists which bindings have it and
// when it can be set.
const (
	ChannelPropertyMaxBufferedMessageSize          ChannelPropertyID = 0  // uint32, 65536
	ChannelPropertyMaxStreamedMessageSize          ChannelPropertyID = 1  // uint64, 4194304; no effect: streamed transfer is E_NOTIMPL
	ChannelPropertyMaxStreamedStartSize            ChannelPropertyID = 2  // uint32, 16384
	ChannelPropertyMaxStreamedFlushSize            ChannelPropertyID = 3  // uint32, 65536
	ChannelPropertyEncoding                        ChannelPropertyID = 4  // Encoding
	ChannelPropertyEnvelopeVersion                 ChannelPropertyID = 5  // EnvelopeVersion, SOAP 1.2
	ChannelPropertyAddressingVersion               ChannelPropertyID = 6  // AddressingVersion, 1.0
	ChannelPropertyMaxSessionDictionarySize        ChannelPropertyID = 7  // uint32, 2048
	ChannelPropertyState                           ChannelPropertyID = 8  // ChannelState (read-only)
	ChannelPropertyAsyncCallbackModel              ChannelPropertyID = 9  // CallbackModel, LongCallback; no effect: Go calls block, use goroutines
	ChannelPropertyIPVersion                       ChannelPropertyID = 10 // IPVersion, IPVersionAuto
	ChannelPropertyResolveTimeout                  ChannelPropertyID = 11 // time.Duration, Infinite; name resolution is bounded by ConnectTimeout
	ChannelPropertyConnectTimeout                  ChannelPropertyID = 12 // time.Duration, 30s
	ChannelPropertySendTimeout                     ChannelPropertyID = 13 // time.Duration, 30s
	ChannelPropertyReceiveResponseTimeout          ChannelPropertyID = 14 // time.Duration, 30s
	ChannelPropertyReceiveTimeout                  ChannelPropertyID = 15 // time.Duration, 30s
	ChannelPropertyCloseTimeout                    ChannelPropertyID = 16 // time.Duration, 30s
	ChannelPropertyEnableTimeouts                  ChannelPropertyID = 17 // bool, true
	ChannelPropertyTransferMode                    ChannelPropertyID = 18 // TransferMode, TransferBuffered; others E_NOTIMPL
	ChannelPropertyMulticastInterface              ChannelPropertyID = 19 // uint32, 0
	ChannelPropertyMulticastHops                   ChannelPropertyID = 20 // uint32, 1
	ChannelPropertyRemoteAddress                   ChannelPropertyID = 21 // string (read-only)
	ChannelPropertyRemoteIPAddress                 ChannelPropertyID = 22 // net.Addr (read-only)
	ChannelPropertyHTTPConnectionID                ChannelPropertyID = 23 // uint64 (read-only)
	ChannelPropertyCustomChannelCallbacks          ChannelPropertyID = 24 // CustomTransport
	ChannelPropertyCustomChannelParameters         ChannelPropertyID = 25 // any; given to the custom Dial as Config.Extra[transport.ExtraCustomParameters]
	ChannelPropertyCustomChannelInstance           ChannelPropertyID = 26 // any (read-only)
	ChannelPropertyTransportURL                    ChannelPropertyID = 27 // string (read-only)
	ChannelPropertyNoDelay                         ChannelPropertyID = 28 // bool, false
	ChannelPropertySendKeepAlives                  ChannelPropertyID = 29 // bool, false
	ChannelPropertyKeepAliveTime                   ChannelPropertyID = 30 // time.Duration, 2h
	ChannelPropertyKeepAliveInterval               ChannelPropertyID = 31 // time.Duration, 1s
	ChannelPropertyMaxHTTPServerConnections        ChannelPropertyID = 32 // uint32, unlimited
	ChannelPropertyIsSessionShutDown               ChannelPropertyID = 33 // bool (read-only)
	ChannelPropertyChannelType                     ChannelPropertyID = 34 // ChannelType (read-only)
	ChannelPropertyTrimBufferedMessageSize         ChannelPropertyID = 35 // uint32, 65536; a hint, no effect
	ChannelPropertyEncoder                         ChannelPropertyID = 36 // not supported (E_NOTIMPL)
	ChannelPropertyDecoder                         ChannelPropertyID = 37 // not supported (E_NOTIMPL)
	ChannelPropertyProtectionLevel                 ChannelPropertyID = 38 // ProtectionLevel (read-only)
	ChannelPropertyCookieMode                      ChannelPropertyID = 39 // CookieMode, CookieAuto: a cookie jar per channel
	ChannelPropertyHTTPProxySettingMode            ChannelPropertyID = 40 // HTTPProxySettingMode, HTTPProxyAuto
	ChannelPropertyCustomHTTPProxy                 ChannelPropertyID = 41 // HTTPProxy
	ChannelPropertyHTTPMessageMapping              ChannelPropertyID = 42 // HTTPMessageMapping
	ChannelPropertyEnableHTTPRedirect              ChannelPropertyID = 43 // bool, false: a 3xx response fails the request
	ChannelPropertyHTTPRedirectCallbackContext     ChannelPropertyID = 44 // HTTPRedirectFunc
	ChannelPropertyFaultsAsErrors                  ChannelPropertyID = 45 // bool, true
	ChannelPropertyAllowUnsecuredFaults            ChannelPropertyID = 46 // bool, false; no effect: wws has no message security
	ChannelPropertyHTTPServerSPN                   ChannelPropertyID = 47 // string (read-only)
	ChannelPropertyHTTPProxySPN                    ChannelPropertyID = 48 // string (read-only)
	ChannelPropertyMaxHTTPRequestHeadersBufferSize ChannelPropertyID = 49 // uint32, 65536
)

// Channel properties of wws beyond WWSAPI's (ids from 0x1000, so that they
// never collide with webservices.h's).
const (
	// ChannelPropertyHTTPClient is the *http.Client an HTTP request
	// channel sends with (its own transport, TLS and proxy settings apply;
	// the TLS and proxy properties do not).
	ChannelPropertyHTTPClient ChannelPropertyID = 0x1000
	// ChannelPropertyTLSConfig is the *tls.Config of https request channels
	// and net.tcp channels: RootCAs to trust (nil: the system's roots),
	// Certificates to present as the client certificate when the service
	// asks for one, ServerName (empty: the URL's host). On a net.tcp channel
	// it turns on transport security as WCF's NetTcpBinding with
	// SecurityMode.Transport does: the preamble asks for the [MC-NMF]
	// application/ssl-tls upgrade and the session runs inside TLS; a service
	// that does not upgrade is refused, never spoken to in plaintext.
	// Certificate failures are CERT_E_* errors (CERT_E_UNTRUSTEDROOT,
	// CERT_E_CN_NO_MATCH, CERT_E_EXPIRED, …). Set at creation.
	ChannelPropertyTLSConfig ChannelPropertyID = 0x1001
	// ChannelPropertyUDPRetransmission is the udp.Retransmission of a UDP
	// channel: SOAP-over-UDP's repeat counts and delays
	// (udp.DefaultRetransmission; udp.NoRetransmission turns repeats off).
	ChannelPropertyUDPRetransmission ChannelPropertyID = 0x1002
	// ChannelPropertyFaultDisclosure is the FaultDisclosure SendFault
	// uses for errors that carry no fault of their own (WsSendFaultMessageForError's
	// faultDisclosure argument). Default: MinimalFaultDisclosure.
	ChannelPropertyFaultDisclosure ChannelPropertyID = 0x1003
)

// Property storage slots: WWSAPI's ids are their own slots; the wws
// extensions follow them.
const (
	numWWSAPIChannelProperties = 50
	slotHTTPClient             = 50
	slotTLSConfig              = 51
	slotUDPRetransmission      = 52
	slotFaultDisclosure        = 53
	numChannelProperties       = 54
)

// slot returns where the property is stored, or -1 for an unknown id.
func (id ChannelPropertyID) slot() int {
	switch {
	case id < numWWSAPIChannelProperties:
		return int(id)
	case id >= 0x1000 && id < 0x1000+numChannelProperties-numWWSAPIChannelProperties:
		return numWWSAPIChannelProperties + int(id-0x1000)
	}
	return -1
}

// ListenerPropertyID is WS_LISTENER_PROPERTY_ID.
type ListenerPropertyID uint32

// Listener property ids, with WWSAPI's values.
const (
	// ListenerPropertyListenBacklog (uint32; TCP and named pipes; default
	// 0x7FFFFFFF, WWSAPI's SOMAXCONN, "the most reasonable") is how many
	// sessions may wait for an Accept: connections whose [MC-NMF] preamble
	// was read and admitted, not yet taken by Accept (WCF's
	// MaxPendingConnections). Values above 1024 count as 1024, 0 as 1. A
	// client that finds the backlog full is not answered: its Open waits
	// until an Accept frees a place; if none does within the listener's
	// ConnectTimeout (counted from the socket accept) the client is refused
	// with the ServerTooBusy framing fault, and its Open fails with
	// WS_E_ENDPOINT_TOO_BUSY (or WS_E_OPERATION_TIMED_OUT, if its own
	// connect timeout ends first). The socket's own queue of connections
	// not yet accepted is the operating system's (somaxconn). Set at
	// creation only (SetProperty: E_INVALIDARG, as on Windows).
	ListenerPropertyListenBacklog               ListenerPropertyID = 0
	ListenerPropertyIPVersion                   ListenerPropertyID = 1  // IPVersion, IPVersionAuto
	ListenerPropertyState                       ListenerPropertyID = 2  // ListenerState (read-only)
	ListenerPropertyAsyncCallbackModel          ListenerPropertyID = 3  // CallbackModel; no effect
	ListenerPropertyChannelType                 ListenerPropertyID = 4  // ChannelType (read-only)
	ListenerPropertyChannelBinding              ListenerPropertyID = 5  // ChannelBinding (read-only)
	ListenerPropertyConnectTimeout              ListenerPropertyID = 6  // time.Duration, 15s
	ListenerPropertyIsMulticast                 ListenerPropertyID = 7  // bool, false
	ListenerPropertyMulticastInterfaces         ListenerPropertyID = 8  // []uint32
	ListenerPropertyMulticastLoopback           ListenerPropertyID = 9  // bool, true
	ListenerPropertyCloseTimeout                ListenerPropertyID = 10 // time.Duration, 5s
	ListenerPropertyToHeaderMatchingOptions     ListenerPropertyID = 11 // uint32; other than the default E_NOTIMPL: the To header is not checked
	ListenerPropertyTransportURLMatchingOptions ListenerPropertyID = 12 // uint32
	ListenerPropertyCustomListenerCallbacks     ListenerPropertyID = 13 // CustomTransport
	ListenerPropertyCustomListenerParameters    ListenerPropertyID = 14 // any; given to the custom Listen as Config.Extra[transport.ExtraCustomParameters]
	ListenerPropertyCustomListenerInstance      ListenerPropertyID = 15 // any (read-only)
	ListenerPropertyDisallowedUserAgent         ListenerPropertyID = 16 // []string, {"Mozilla"}: such requests get 403
)

// Listener properties of wws beyond WWSAPI's.
const (
	// ListenerPropertyTLSConfig is the *tls.Config an https or net.tcp
	// listener serves with: its certificate (required), and client
	// certificate requirements (ClientAuth, e.g. RequireAndVerifyClientCert,
	// with ClientCAs). A net.tcp listener with it requires transport
	// security: every session must ask for the [MC-NMF] application/ssl-tls
	// upgrade (WCF's NetTcpBinding with SecurityMode.Transport); a client
	// that does not is refused with an UpgradeInvalid framing fault. A
	// session whose TLS handshake fails — a client certificate that does not
	// verify, say — fails one Accept with its CERT_E_* or
	// WS_E_SECURITY_VERIFICATION_FAILURE error; the listener goes on
	// serving. Set at creation.
	ListenerPropertyTLSConfig ListenerPropertyID = 0x1000
	// ListenerPropertyMaxConnections (uint32; TCP and named pipes; default
	// 0xFFFFFFFF, no limit; at least 1) is the most sessions the listener
	// holds at once: admitted and not yet closed, whether waiting for an
	// Accept or accepted (WCF's MaxConnections). A session's place frees
	// when its channel is closed or aborted (or, never accepted, when the
	// listener closes). At the limit a new client is not answered: its Open
	// waits until a place frees; if none does within the listener's
	// ConnectTimeout (counted from the socket accept) the client is refused
	// with the ServerTooBusy framing fault, and its Open fails with
	// WS_E_ENDPOINT_TOO_BUSY (or WS_E_OPERATION_TIMED_OUT, if its own
	// connect timeout ends first). Nothing is refused at the socket: each
	// waiting client holds one until it is answered or refused. Set at
	// creation.
	ListenerPropertyMaxConnections ListenerPropertyID = 0x1001
)

const (
	numWWSAPIListenerProperties = 17
	slotListenerTLSConfig       = 17
	slotListenerMaxConnections  = 18
	numListenerProperties       = 19
)

// slot returns where the property is stored, or -1 for an unknown id.
func (id ListenerPropertyID) slot() int {
	switch {
	case id < numWWSAPIListenerProperties:
		return int(id)
	case id >= 0x1000 && id < 0x1000+numListenerProperties-numWWSAPIListenerProperties:
		return numWWSAPIListenerProperties + int(id-0x1000)
	}
	return -1
}

// HTTPMessageMapping is WS_HTTP_MESSAGE_MAPPING: which HTTP headers travel
// to and from a message's HTTPHeader. RequestHeaders names the request
// headers (sent by a request channel, received by a reply channel),
// ResponseHeaders the response headers. A nil list maps every header (the
// default); an empty one maps none.
type HTTPMessageMapping struct {
	// RequestHeaders names the request headers mapped; nil maps all.
	RequestHeaders []string
	// ResponseHeaders names the response headers mapped; nil maps all.
	ResponseHeaders []string
}

// HTTPProxy is WS_CUSTOM_HTTP_PROXY.
type HTTPProxy struct {
	Servers string // proxy URL, e.g. "http://proxy:3128"
	Bypass  string // comma-separated hosts that bypass the proxy
}

// setRule says when a property may be set.
type setRule uint8

const (
	setCreate setRule = iota // at creation only
	setAny                   // at creation or later, in any state
	getOnly                  // never set by the caller
)

const (
	bHTTP   = 1 << BindingHTTP
	bTCP    = 1 << BindingTCP
	bUDP    = 1 << BindingUDP
	bCustom = 1 << BindingCustom
	bPipe   = 1 << BindingNamedPipe
	bAll    = bHTTP | bTCP | bUDP | bCustom | bPipe
)

// propInfo describes one property: its name, Go type, set rule, the
// bindings that have it, and its default.
type propInfo struct {
	name     string
	typ      reflect.Type
	set      setRule
	bindings uint8
	notImpl  bool
	def      func(b ChannelBinding, t ChannelType) any
}

var (
	tUint32   = reflect.TypeFor[uint32]()
	tUint64   = reflect.TypeFor[uint64]()
	tBool     = reflect.TypeFor[bool]()
	tDuration = reflect.TypeFor[time.Duration]()
	tString   = reflect.TypeFor[string]()
	tAny      = reflect.TypeFor[any]()
)

func constant(v any) func(ChannelBinding, ChannelType) any {
	return func(ChannelBinding, ChannelType) any { return v }
}

var channelProps = [numChannelProperties]propInfo{
	ChannelPropertyMaxBufferedMessageSize:          {"MaxBufferedMessageSize", tUint32, setCreate, bAll, false, constant(uint32(65536))},
	ChannelPropertyMaxStreamedMessageSize:          {"MaxStreamedMessageSize", tUint64, setCreate, bHTTP, false, constant(uint64(4194304))},
	ChannelPropertyMaxStreamedStartSize:            {"MaxStreamedStartSize", tUint32, setCreate, bHTTP, false, constant(uint32(16384))},
	ChannelPropertyMaxStreamedFlushSize:            {"MaxStreamedFlushSize", tUint32, setCreate, bHTTP, false, constant(uint32(65536))},
	ChannelPropertyEncoding:                        {"Encoding", reflect.TypeFor[Encoding](), setCreate, bAll, false, defaultEncoding},
	ChannelPropertyEnvelopeVersion:                 {"EnvelopeVersion", reflect.TypeFor[EnvelopeVersion](), setCreate, bAll, false, constant(EnvelopeSOAP12)},
	ChannelPropertyAddressingVersion:               {"AddressingVersion", reflect.TypeFor[AddressingVersion](), setCreate, bAll, false, constant(Addressing10)},
	ChannelPropertyMaxSessionDictionarySize:        {"MaxSessionDictionarySize", tUint32, setCreate, bTCP | bPipe | bCustom, false, constant(uint32(2048))},
	ChannelPropertyState:                           {"State", reflect.TypeFor[ChannelState](), getOnly, bAll, false, nil},
	ChannelPropertyAsyncCallbackModel:              {"AsyncCallbackModel", reflect.TypeFor[CallbackModel](), setCreate, bAll, false, constant(LongCallback)},
	ChannelPropertyIPVersion:                       {"IPVersion", reflect.TypeFor[IPVersion](), setCreate, bTCP | bUDP, false, constant(IPVersionAuto)},
	ChannelPropertyResolveTimeout:                  {"ResolveTimeout", tDuration, setAny, bHTTP | bTCP, false, constant(Infinite)},
	ChannelPropertyConnectTimeout:                  {"ConnectTimeout", tDuration, setAny, bHTTP | bTCP | bPipe | bCustom, false, constant(30 * time.Second)},
	ChannelPropertySendTimeout:                     {"SendTimeout", tDuration, setAny, bHTTP | bTCP | bPipe | bUDP | bCustom, false, constant(30 * time.Second)},
	ChannelPropertyReceiveResponseTimeout:          {"ReceiveResponseTimeout", tDuration, setAny, bHTTP, false, constant(30 * time.Second)},
	ChannelPropertyReceiveTimeout:                  {"ReceiveTimeout", tDuration, setAny, bHTTP | bTCP | bPipe | bUDP | bCustom, false, constant(30 * time.Second)},
	ChannelPropertyCloseTimeout:                    {"CloseTimeout", tDuration, setAny, bTCP | bPipe | bHTTP | bCustom, false, constant(30 * time.Second)},
	ChannelPropertyEnableTimeouts:                  {"EnableTimeouts", tBool, setCreate, bAll, false, constant(true)},
	ChannelPropertyTransferMode:                    {"TransferMode", reflect.TypeFor[TransferMode](), setCreate, bHTTP, false, constant(TransferBuffered)},
	ChannelPropertyMulticastInterface:              {"MulticastInterface", tUint32, setAny, bUDP, false, constant(uint32(0))},
	ChannelPropertyMulticastHops:                   {"MulticastHops", tUint32, setCreate, bUDP, false, constant(uint32(1))},
	ChannelPropertyRemoteAddress:                   {"RemoteAddress", tString, getOnly, bUDP, false, nil},
	ChannelPropertyRemoteIPAddress:                 {"RemoteIPAddress", tAny, getOnly, bTCP | bHTTP | bUDP | bPipe, false, nil},
	ChannelPropertyHTTPConnectionID:                {"HTTPConnectionID", tUint64, getOnly, bHTTP, false, nil},
	ChannelPropertyCustomChannelCallbacks:          {"CustomChannelCallbacks", tAny, setCreate, bCustom, false, nil},
	ChannelPropertyCustomChannelParameters:         {"CustomChannelParameters", tAny, setCreate, bCustom, false, nil},
	ChannelPropertyCustomChannelInstance:           {"CustomChannelInstance", tAny, getOnly, bCustom, false, nil},
	ChannelPropertyTransportURL:                    {"TransportURL", tString, getOnly, bHTTP | bTCP | bPipe | bUDP | bCustom, false, nil},
	ChannelPropertyNoDelay:                         {"NoDelay", tBool, setAny, bTCP, false, constant(false)},
	ChannelPropertySendKeepAlives:                  {"SendKeepAlives", tBool, setCreate, bTCP, false, constant(false)},
	ChannelPropertyKeepAliveTime:                   {"KeepAliveTime", tDuration, setCreate, bTCP, false, constant(2 * time.Hour)},
	ChannelPropertyKeepAliveInterval:               {"KeepAliveInterval", tDuration, setCreate, bTCP, false, constant(time.Second)},
	ChannelPropertyMaxHTTPServerConnections:        {"MaxHTTPServerConnections", tUint32, setCreate, bHTTP, false, constant(uint32(0xFFFFFFFF))},
	ChannelPropertyIsSessionShutDown:               {"IsSessionShutDown", tBool, getOnly, bTCP | bPipe | bCustom, false, nil},
	ChannelPropertyChannelType:                     {"ChannelType", reflect.TypeFor[ChannelType](), getOnly, bAll, false, nil},
	ChannelPropertyTrimBufferedMessageSize:         {"TrimBufferedMessageSize", tUint32, setCreate, bTCP | bHTTP | bPipe, false, constant(uint32(65536))},
	ChannelPropertyEncoder:                         {"Encoder", tAny, setCreate, bTCP | bHTTP | bPipe, true, nil},
	ChannelPropertyDecoder:                         {"Decoder", tAny, setCreate, bTCP | bHTTP | bPipe, true, nil},
	ChannelPropertyProtectionLevel:                 {"ProtectionLevel", reflect.TypeFor[ProtectionLevel](), getOnly, bAll, false, constant(ProtectionNone)},
	ChannelPropertyCookieMode:                      {"CookieMode", reflect.TypeFor[CookieMode](), setCreate, bHTTP, false, constant(CookieAuto)},
	ChannelPropertyHTTPProxySettingMode:            {"HTTPProxySettingMode", reflect.TypeFor[HTTPProxySettingMode](), setCreate, bHTTP, false, constant(HTTPProxyAuto)},
	ChannelPropertyCustomHTTPProxy:                 {"CustomHTTPProxy", reflect.TypeFor[HTTPProxy](), setCreate, bHTTP, false, nil},
	ChannelPropertyHTTPMessageMapping:              {"HTTPMessageMapping", tAny, setCreate, bHTTP, false, nil},
	ChannelPropertyEnableHTTPRedirect:              {"EnableHTTPRedirect", tBool, setCreate, bHTTP, false, constant(false)},
	ChannelPropertyHTTPRedirectCallbackContext:     {"HTTPRedirectCallbackContext", tAny, setCreate, bHTTP, true, nil},
	ChannelPropertyFaultsAsErrors:                  {"FaultsAsErrors", tBool, setAny, bAll, false, constant(true)},
	ChannelPropertyAllowUnsecuredFaults:            {"AllowUnsecuredFaults", tBool, setAny, bHTTP | bTCP | bPipe, false, constant(false)},
	ChannelPropertyHTTPServerSPN:                   {"HTTPServerSPN", tString, getOnly, bHTTP, true, nil},
	ChannelPropertyHTTPProxySPN:                    {"HTTPProxySPN", tString, getOnly, bHTTP, true, nil},
	ChannelPropertyMaxHTTPRequestHeadersBufferSize: {"MaxHTTPRequestHeadersBufferSize", tUint32, setCreate, bHTTP, false, constant(uint32(65536))},
	slotHTTPClient:                                 {"HTTPClient", reflect.TypeFor[*http.Client](), setCreate, bHTTP, false, nil},
	slotTLSConfig:                                  {"TLSConfig", reflect.TypeFor[*tls.Config](), setCreate, bHTTP | bTCP, false, nil},
	slotUDPRetransmission:                          {"UDPRetransmission", reflect.TypeFor[udp.Retransmission](), setCreate, bUDP, false, nil},
	slotFaultDisclosure:                            {"FaultDisclosure", reflect.TypeFor[FaultDisclosure](), setAny, bAll, false, constant(MinimalFaultDisclosure)},
}

// defaultEncoding is WWSAPI's per-binding default encoding.
func defaultEncoding(b ChannelBinding, t ChannelType) any {
	switch b {
	case BindingTCP, BindingNamedPipe:
		return EncodingBinarySession
	}
	return EncodingUTF8
}

// String returns the id's Go name, "ChannelPropertyMaxBufferedMessageSize",
// or "ChannelPropertyID(n)" for an id wws does not know.
func (id ChannelPropertyID) String() string {
	if i := id.slot(); i >= 0 {
		return "ChannelProperty" + channelProps[i].name
	}
	return fmt.Sprintf("ChannelPropertyID(%d)", uint32(id))
}

type listenerPropInfo struct {
	name     string
	typ      reflect.Type
	set      setRule
	bindings uint8
	def      any
}

var listenerProps = [numListenerProperties]listenerPropInfo{
	ListenerPropertyListenBacklog:               {"ListenBacklog", tUint32, setCreate, bTCP | bPipe, uint32(0x7FFFFFFF)},
	ListenerPropertyIPVersion:                   {"IPVersion", reflect.TypeFor[IPVersion](), setCreate, bTCP | bUDP, IPVersionAuto},
	ListenerPropertyState:                       {"State", reflect.TypeFor[ListenerState](), getOnly, bAll, nil},
	ListenerPropertyAsyncCallbackModel:          {"AsyncCallbackModel", reflect.TypeFor[CallbackModel](), setCreate, bAll, LongCallback},
	ListenerPropertyChannelType:                 {"ChannelType", reflect.TypeFor[ChannelType](), getOnly, bAll, nil},
	ListenerPropertyChannelBinding:              {"ChannelBinding", reflect.TypeFor[ChannelBinding](), getOnly, bAll, nil},
	ListenerPropertyConnectTimeout:              {"ConnectTimeout", tDuration, setCreate, bTCP | bPipe | bCustom, 15 * time.Second},
	ListenerPropertyIsMulticast:                 {"IsMulticast", tBool, setCreate, bUDP, false},
	ListenerPropertyMulticastInterfaces:         {"MulticastInterfaces", reflect.TypeFor[[]uint32](), setAny, bUDP, []uint32(nil)},
	ListenerPropertyMulticastLoopback:           {"MulticastLoopback", tBool, setCreate, bUDP, true},
	ListenerPropertyCloseTimeout:                {"CloseTimeout", tDuration, setCreate, bHTTP, 5 * time.Second},
	ListenerPropertyToHeaderMatchingOptions:     {"ToHeaderMatchingOptions", tUint32, setCreate, bTCP | bHTTP | bUDP | bPipe, MatchURLThisHost | MatchURLExactPath | MatchURLPort | MatchURLNoQuery},
	ListenerPropertyTransportURLMatchingOptions: {"TransportURLMatchingOptions", tUint32, setCreate, bTCP | bHTTP | bPipe, MatchURLThisHost | MatchURLExactPath | MatchURLPort | MatchURLNoQuery},
	ListenerPropertyCustomListenerCallbacks:     {"CustomListenerCallbacks", tAny, setCreate, bCustom, nil},
	ListenerPropertyCustomListenerParameters:    {"CustomListenerParameters", tAny, setCreate, bCustom, nil},
	ListenerPropertyCustomListenerInstance:      {"CustomListenerInstance", tAny, getOnly, bCustom, nil},
	ListenerPropertyDisallowedUserAgent:         {"DisallowedUserAgent", reflect.TypeFor[[]string](), setCreate, bHTTP, []string{"Mozilla"}},
	slotListenerTLSConfig:                       {"TLSConfig", reflect.TypeFor[*tls.Config](), setCreate, bHTTP | bTCP, nil},
	slotListenerMaxConnections:                  {"MaxConnections", tUint32, setCreate, bTCP | bPipe, uint32(0xFFFFFFFF)},
}

// String returns the id's Go name, "ListenerPropertyListenBacklog", or
// "ListenerPropertyID(n)" for an id wws does not know.
func (id ListenerPropertyID) String() string {
	if i := id.slot(); i >= 0 {
		return "ListenerProperty" + listenerProps[i].name
	}
	return fmt.Sprintf("ListenerPropertyID(%d)", uint32(id))
}

// checkValue checks v against the property's Go type (an interface-typed
// property takes any non-nil value) and range rules.
func checkValue(name string, typ reflect.Type, v any) error {
	if v == nil {
		return invalidArg("property %s: nil value", name)
	}
	if typ != tAny && reflect.TypeOf(v) != typ {
		return invalidArg("property %s takes a %s, not a %T", name, typ, v)
	}
	if d, ok := v.(time.Duration); ok && d < 0 {
		return invalidArg("property %s: negative timeout %v", name, d)
	}
	return nil
}

// channelPropertyValues holds a channel's properties.
type channelPropertyValues struct {
	v [numChannelProperties]any
	// shared marks the defaults of a binding and channel type, used by
	// every channel created without properties: never written (SetProperty
	// copies first).
	shared bool
}

// defaultProps caches the shared defaults per binding and channel type.
var defaultProps sync.Map // [2]uint32{binding, type} -> *channelPropertyValues

// newChannelProperties validates props for a channel of binding b and type t
// and fills in the defaults.
func newChannelProperties(b ChannelBinding, t ChannelType, props []ChannelProperty) (*channelPropertyValues, error) {
	if len(props) == 0 {
		key := [2]uint32{uint32(b), uint32(t)}
		if pv, ok := defaultProps.Load(key); ok {
			return pv.(*channelPropertyValues), nil
		}
		pv, err := buildChannelProperties(b, t, nil)
		if err != nil {
			return nil, err
		}
		pv.shared = true
		got, _ := defaultProps.LoadOrStore(key, pv)
		return got.(*channelPropertyValues), nil
	}
	return buildChannelProperties(b, t, props)
}

// buildChannelProperties is newChannelProperties without the cache.
func buildChannelProperties(b ChannelBinding, t ChannelType, props []ChannelProperty) (*channelPropertyValues, error) {
	pv := &channelPropertyValues{}
	for _, p := range props {
		i := p.ID.slot()
		if i < 0 {
			return nil, invalidArg("unknown channel property id %d", uint32(p.ID))
		}
		info := &channelProps[i]
		if info.bindings&(1<<b) == 0 {
			return nil, invalidArg("%s is not a property of %s channels", p.ID, b)
		}
		if info.set == getOnly {
			return nil, invalidArg("%s is read-only", p.ID)
		}
		if info.notImpl {
			return nil, newError(E_NOTIMPL, nil, "%s is not implemented", p.ID)
		}
		if err := checkValue(info.name, info.typ, p.Value); err != nil {
			return nil, err
		}
		if err := checkChannelValue(b, t, p.ID, p.Value); err != nil {
			return nil, err
		}
		pv.v[i] = p.Value
	}
	for i := range channelProps {
		info := &channelProps[i]
		if pv.v[i] == nil && info.def != nil && info.bindings&(1<<b) != 0 {
			pv.v[i] = info.def(b, t)
		}
	}
	// With timeouts disabled, every timeout not given explicitly is infinite.
	if enable, _ := pv.v[ChannelPropertyEnableTimeouts].(bool); !enable {
		given := map[ChannelPropertyID]bool{}
		for _, p := range props {
			given[p.ID] = true
		}
		for _, id := range []ChannelPropertyID{ChannelPropertyResolveTimeout, ChannelPropertyConnectTimeout,
			ChannelPropertySendTimeout, ChannelPropertyReceiveResponseTimeout, ChannelPropertyReceiveTimeout,
			ChannelPropertyCloseTimeout} {
			if !given[id] && pv.v[id] != nil {
				pv.v[id] = Infinite
			}
		}
	}
	return pv, nil
}

// checkChannelValue applies value rules beyond the type.
func checkChannelValue(b ChannelBinding, t ChannelType, id ChannelPropertyID, v any) error {
	switch id {
	case ChannelPropertyMaxBufferedMessageSize:
		if v.(uint32) == 0 {
			return invalidArg("%s must be at least 1", id)
		}
		if b == BindingUDP && v.(uint32) != 65536 {
			return invalidArg("%s is fixed at 65536 for UDP channels", id)
		}
	case ChannelPropertyEncoding:
		e := v.(Encoding)
		if e > EncodingRaw {
			return invalidArg("%s: unknown encoding %d", id, uint32(e))
		}
		if b == BindingUDP && e != EncodingUTF8 {
			return invalidArg("UDP channels use the UTF-8 text encoding only")
		}
		if e == EncodingBinarySession && !t.isSession() && b != BindingCustom {
			return invalidArg("the binary session encoding needs a session channel type")
		}
		if e == EncodingRaw && b != BindingHTTP {
			return invalidArg("the raw encoding is for HTTP channels only")
		}
	case ChannelPropertyEnvelopeVersion:
		ev := v.(EnvelopeVersion)
		if ev < EnvelopeSOAP11 || ev > EnvelopeNone {
			return invalidArg("%s: unknown envelope version %d", id, uint32(ev))
		}
		if b == BindingNamedPipe && ev != EnvelopeSOAP12 {
			return invalidArg("named pipe channels use SOAP 1.2 only")
		}
	case ChannelPropertyAddressingVersion:
		av := v.(AddressingVersion)
		if av < Addressing09 || av > AddressingTransport {
			return invalidArg("%s: unknown addressing version %d", id, uint32(av))
		}
		if av == AddressingTransport && b != BindingHTTP && b != BindingCustom {
			return invalidArg("addressing version Transport is for HTTP channels only")
		}
	case ChannelPropertyIPVersion:
		if iv := v.(IPVersion); iv < IPVersion4 || iv > IPVersionAuto {
			return invalidArg("%s: unknown IP version %d", id, uint32(iv))
		}
	case ChannelPropertyTransferMode:
		if tm := v.(TransferMode); tm > TransferStreamed {
			return invalidArg("%s: unknown transfer mode %d", id, uint32(tm))
		} else if tm != TransferBuffered {
			return newError(E_NOTIMPL, nil, "%s: streamed transfer is not implemented; messages are buffered", id)
		}
	case ChannelPropertyMaxSessionDictionarySize:
		if v.(uint32) > 0x7FFFFFFF {
			return invalidArg("%s too large", id)
		}
	}
	return nil
}

// ChannelProperty is WS_CHANNEL_PROPERTY: an id and a value of the Go type
// the id's documentation names.
type ChannelProperty struct {
	// ID names the property (WS_CHANNEL_PROPERTY_ID).
	ID ChannelPropertyID
	// Value is the property's value, of the Go type the ID's documentation
	// names; another type is E_INVALIDARG.
	Value any
}

// ListenerProperty is WS_LISTENER_PROPERTY.
type ListenerProperty struct {
	// ID names the property (WS_LISTENER_PROPERTY_ID).
	ID ListenerPropertyID
	// Value is the property's value, of the Go type the ID's documentation
	// names; another type is E_INVALIDARG.
	Value any
}

func newListenerProperties(b ChannelBinding, props []ListenerProperty) ([numListenerProperties]any, error) {
	var v [numListenerProperties]any
	for _, p := range props {
		i := p.ID.slot()
		if i < 0 {
			return v, invalidArg("unknown listener property id %d", uint32(p.ID))
		}
		info := &listenerProps[i]
		if info.bindings&(1<<b) == 0 {
			return v, invalidArg("%s is not a property of %s listeners", p.ID, b)
		}
		if info.set == getOnly {
			return v, invalidArg("%s is read-only", p.ID)
		}
		if err := checkValue(info.name, info.typ, p.Value); err != nil {
			return v, err
		}
		if p.ID == ListenerPropertyToHeaderMatchingOptions && p.Value.(uint32) != listenerProps[i].def.(uint32) {
			return v, newError(E_NOTIMPL, nil, "%s: only the default matching is built (the To header is not checked)", p.ID)
		}
		if p.ID == ListenerPropertyMaxConnections && p.Value.(uint32) == 0 {
			return v, invalidArg("%s must be at least 1", p.ID)
		}
		v[i] = p.Value
	}
	for i := range listenerProps {
		info := &listenerProps[i]
		if v[i] == nil && info.def != nil && info.bindings&(1<<b) != 0 {
			v[i] = info.def
		}
	}
	return v, nil
}
