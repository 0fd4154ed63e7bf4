package wws

import (
	"context"
	"crypto/tls"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wwsgo/wws/nmf"
	"github.com/wwsgo/wws/transport"
	"github.com/wwsgo/wws/transport/pipe"
	"github.com/wwsgo/wws/transport/soaphttp"
	"github.com/wwsgo/wws/transport/tcp"
	"github.com/wwsgo/wws/transport/udp"
)

// CustomTransport is what a custom binding (BindingCustom) brings: the Go
// shape of WWSAPI's WS_CUSTOM_CHANNEL_CALLBACKS and
// WS_CUSTOM_LISTENER_CALLBACKS. The channel layer keeps states, pending
// operations, encoding and abort; the transport only moves encoded
// messages. Give it as ChannelPropertyCustomChannelCallbacks (clients) or
// ListenerPropertyCustomListenerCallbacks (listeners).
type CustomTransport interface {
	transport.Dialer
	// Listen opens a listener on url for a listener of BindingCustom
	// (WS_CREATE_LISTENER_CALLBACK with WS_OPEN_LISTENER_CALLBACK).
	Listen(ctx context.Context, url string, cfg *transport.Config) (transport.Listener, error)
}

// scheme returns the URL scheme a binding takes.
func (b ChannelBinding) scheme() string {
	switch b {
	case BindingHTTP:
		return "http"
	case BindingTCP:
		return "net.tcp"
	case BindingUDP:
		return "soap.udp"
	case BindingNamedPipe:
		return "net.pipe"
	}
	return ""
}

func checkScheme(b ChannelBinding, raw string) error {
	if b == BindingCustom {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return newError(WS_E_INVALID_ENDPOINT_URL, err, "bad URL %q", raw)
	}
	s := strings.ToLower(u.Scheme)
	if s == b.scheme() || b == BindingHTTP && s == "https" {
		return nil
	}
	return newError(WS_E_INVALID_ENDPOINT_URL, nil, "URL %q does not have the %s scheme of the %s binding", raw, b.scheme(), b)
}

// dialer returns the transport that opens this channel's connections.
func (c *Channel) dialer(raw string) (transport.Dialer, error) {
	if err := checkScheme(c.binding, raw); err != nil {
		return nil, err
	}
	switch c.binding {
	case BindingTCP:
		return dialFunc(tcp.Dial), nil
	case BindingNamedPipe:
		return dialFunc(pipe.Dial), nil
	case BindingHTTP:
		return dialFunc(soaphttp.Dial), nil
	case BindingUDP:
		return dialFunc(udp.Dial), nil
	case BindingCustom:
		c.mu.Lock()
		ct, _ := c.props.v[ChannelPropertyCustomChannelCallbacks].(CustomTransport)
		c.mu.Unlock()
		return ct, nil
	}
	return nil, newError(E_NOTIMPL, nil, "the %s binding is not implemented yet", c.binding)
}

// listen opens the transport listener for this listener's binding.
func (l *Listener) listen(ctx context.Context, raw string) (transport.Listener, error) {
	if err := checkScheme(l.binding, raw); err != nil {
		return nil, err
	}
	cfg, err := l.transportConfig()
	if err != nil {
		return nil, err
	}
	switch l.binding {
	case BindingTCP:
		return tcp.Listen(ctx, raw, cfg)
	case BindingNamedPipe:
		return pipe.Listen(ctx, raw, cfg)
	case BindingHTTP:
		return soaphttp.Listen(ctx, raw, cfg)
	case BindingUDP:
		return udp.Listen(ctx, raw, cfg)
	case BindingCustom:
		l.mu.Lock()
		ct, _ := l.props[ListenerPropertyCustomListenerCallbacks].(CustomTransport)
		l.mu.Unlock()
		return ct.Listen(ctx, raw, cfg)
	}
	return nil, newError(E_NOTIMPL, nil, "the %s binding is not implemented yet", l.binding)
}

type dialFunc func(ctx context.Context, url string, cfg *transport.Config) (transport.Conn, error)

func (f dialFunc) Dial(ctx context.Context, url string, cfg *transport.Config) (transport.Conn, error) {
	return f(ctx, url, cfg)
}

// addExtra adds binding-specific settings to a channel's transport
// config; c.mu is held.
func (c *Channel) addExtra(cfg *transport.Config) {
	v := &c.props.v
	if c.binding == BindingCustom {
		if p := v[ChannelPropertyCustomChannelParameters]; p != nil {
			cfg.Extra[transport.ExtraCustomParameters] = p
		}
		return
	}
	if c.binding == BindingUDP {
		if h, ok := v[ChannelPropertyMulticastHops].(uint32); ok {
			cfg.Extra[udp.ExtraMulticastHops] = h
		}
		if i, ok := v[ChannelPropertyMulticastInterface].(uint32); ok {
			cfg.Extra[udp.ExtraMulticastInterface] = i
		}
		if r, ok := v[slotUDPRetransmission].(udp.Retransmission); ok {
			cfg.Extra[udp.ExtraRetransmission] = r
		}
		return
	}
	if c.binding == BindingTCP {
		if tc, ok := v[slotTLSConfig].(*tls.Config); ok && tc != nil {
			cfg.Extra[tcp.ExtraTLSConfig] = tc
		}
		return
	}
	if c.binding != BindingHTTP {
		return
	}
	if hc, ok := v[slotHTTPClient].(*http.Client); ok {
		cfg.Extra[soaphttp.ExtraClient] = hc
	}
	if tc, ok := v[slotTLSConfig].(*tls.Config); ok {
		cfg.Extra[soaphttp.ExtraTLSConfig] = tc
	}
	switch mode, _ := v[ChannelPropertyHTTPProxySettingMode].(HTTPProxySettingMode); mode {
	case HTTPProxyNone:
		cfg.Extra[soaphttp.ExtraProxyMode] = soaphttp.ProxyNone
	case HTTPProxyCustom:
		if p, ok := v[ChannelPropertyCustomHTTPProxy].(HTTPProxy); ok {
			cfg.Extra[soaphttp.ExtraProxyMode] = soaphttp.ProxyCustom
			cfg.Extra[soaphttp.ExtraProxyURL] = p.Servers
		}
	}
	if m, ok := v[ChannelPropertyHTTPMessageMapping].(HTTPMessageMapping); ok {
		cfg.Extra[soaphttp.ExtraHeaderMapping] = &soaphttp.HeaderMapping{Request: m.RequestHeaders, Response: m.ResponseHeaders}
	}
	if r, ok := v[ChannelPropertyEnableHTTPRedirect].(bool); ok {
		cfg.Extra[soaphttp.ExtraFollowRedirects] = r
	}
	if m, ok := v[ChannelPropertyCookieMode].(CookieMode); ok {
		cfg.Extra[soaphttp.ExtraCookies] = m == CookieAuto
	}
	if n, ok := v[ChannelPropertyMaxHTTPServerConnections].(uint32); ok && n != 0xFFFFFFFF && n <= math.MaxInt32 {
		cfg.Extra[soaphttp.ExtraMaxConnsPerHost] = int(n)
	}
}

// addExtra adds binding-specific settings to a listener's transport
// config; l.mu is held.
func (l *Listener) addExtra(cfg *transport.Config) {
	if l.binding == BindingCustom {
		if p := l.props[ListenerPropertyCustomListenerParameters]; p != nil {
			cfg.Extra[transport.ExtraCustomParameters] = p
		}
		return
	}
	if l.binding == BindingUDP {
		if m, ok := l.props[ListenerPropertyIsMulticast].(bool); ok {
			cfg.Extra[udp.ExtraMulticast] = m
		}
		if ifs, ok := l.props[ListenerPropertyMulticastInterfaces].([]uint32); ok && len(ifs) > 0 {
			cfg.Extra[udp.ExtraMulticastInterfaces] = ifs
		}
		if lb, ok := l.props[ListenerPropertyMulticastLoopback].(bool); ok {
			cfg.Extra[udp.ExtraMulticastLoopback] = lb
		}
		return
	}
	if l.binding == BindingTCP {
		// The listener's TLS configuration, never a client one given with
		// SetChannelProperties.
		delete(cfg.Extra, tcp.ExtraTLSConfig)
		if tc, ok := l.props[slotListenerTLSConfig].(*tls.Config); ok && tc != nil {
			cfg.Extra[tcp.ExtraTLSConfig] = tc
		}
		return
	}
	if l.binding != BindingHTTP {
		return
	}
	if tc, ok := l.props[slotListenerTLSConfig].(*tls.Config); ok {
		cfg.Extra[soaphttp.ExtraTLSConfig] = tc
	}
	if d, ok := l.props[ListenerPropertyCloseTimeout].(time.Duration); ok {
		cfg.Extra[soaphttp.ExtraCloseTimeout] = d
	}
	if ua, ok := l.props[ListenerPropertyDisallowedUserAgent].([]string); ok {
		cfg.Extra[soaphttp.ExtraDisallowedUserAgents] = ua
	}
	for _, p := range l.chanProps {
		if n, ok := p.Value.(uint32); ok && p.ID == ChannelPropertyMaxHTTPRequestHeadersBufferSize && n <= math.MaxInt32 {
			cfg.Extra[soaphttp.ExtraMaxHeaderBytes] = int(n)
		}
	}
	if m, ok := l.props[ListenerPropertyTransportURLMatchingOptions].(uint32); ok && m&MatchURLPrefixPath != 0 {
		cfg.Extra[soaphttp.ExtraPathMatch] = soaphttp.MatchPrefixPath
	}
}

// faultCode maps a transport-level fault to WWSAPI's code.
func faultCode(f *transport.Fault) HRESULT {
	switch f.URI {
	case nmf.FaultEndpointNotFound:
		return WS_E_ENDPOINT_NOT_FOUND
	case nmf.FaultEndpointUnavailable, nmf.FaultServiceActivationFailed, nmf.FaultConnectionDispatchFailed:
		return WS_E_ENDPOINT_NOT_AVAILABLE
	case nmf.FaultServerTooBusy:
		return WS_E_ENDPOINT_TOO_BUSY
	case nmf.FaultMaxMessageSizeExceeded:
		return WS_E_QUOTA_EXCEEDED
	case nmf.FaultContentTypeInvalid, nmf.FaultContentTypeTooLong, nmf.FaultUnsupportedMode,
		nmf.FaultUnsupportedVersion, nmf.FaultUpgradeInvalid, nmf.FaultViaTooLong:
		return WS_E_ENDPOINT_FAILURE
	}
	switch {
	case f.Code == 404, f.Code == 410:
		return WS_E_ENDPOINT_NOT_FOUND
	case f.Code == 503:
		return WS_E_ENDPOINT_TOO_BUSY
	case f.Code == 401, f.Code == 403:
		return WS_E_ENDPOINT_ACCESS_DENIED
	case f.Code == 413:
		return WS_E_QUOTA_EXCEEDED
	case f.Code == 502, f.Code == 504:
		return WS_E_PROXY_FAILURE
	case f.Code == 415:
		return WS_E_INVALID_FORMAT
	}
	return WS_E_ENDPOINT_FAILURE
}

// bindingFor maps a URL scheme to its binding and client and server channel
// types, as Dial and Listen use them.
func bindingFor(raw string) (b ChannelBinding, client, server ChannelType, err error) {
	u, perr := url.Parse(raw)
	if perr != nil {
		return 0, 0, 0, newError(WS_E_INVALID_ENDPOINT_URL, perr, "bad URL %q", raw)
	}
	switch strings.ToLower(u.Scheme) {
	case "net.tcp":
		return BindingTCP, ChannelTypeDuplexSession, ChannelTypeDuplexSession, nil
	case "net.pipe":
		return BindingNamedPipe, ChannelTypeDuplexSession, ChannelTypeDuplexSession, nil
	case "http", "https":
		return BindingHTTP, ChannelTypeRequest, ChannelTypeReply, nil
	case "soap.udp":
		return BindingUDP, ChannelTypeDuplex, ChannelTypeDuplex, nil
	}
	return 0, 0, 0, newError(WS_E_INVALID_ENDPOINT_URL, nil, "URL %q: unknown scheme %q (want net.tcp, net.pipe, http, https or soap.udp)", raw, u.Scheme)
}

// Dial creates and opens a client channel for url; the scheme picks the
// binding and channel type: net.tcp a TCP duplex session, net.pipe a named
// pipe duplex session, http and https an HTTP request channel, soap.udp a
// UDP duplex channel.
func Dial(ctx context.Context, url string, props ...ChannelProperty) (*Channel, error) {
	b, t, _, err := bindingFor(url)
	if err != nil {
		return nil, err
	}
	c, err := NewChannel(t, b, props...)
	if err != nil {
		return nil, err
	}
	if err := c.Open(ctx, url); err != nil {
		c.Abort()
		c.Close(context.Background())
		return nil, err
	}
	return c, nil
}

// Listen creates and opens a listener for url; the scheme picks the binding
// and channel type as for Dial (http and https listen with reply channels).
// Channel properties for the accepted channels (encoding, versions) can be
// set with SetChannelProperties before Open when using NewListener instead.
func Listen(ctx context.Context, url string, props ...ListenerProperty) (*Listener, error) {
	b, _, t, err := bindingFor(url)
	if err != nil {
		return nil, err
	}
	l, err := NewListener(t, b, props...)
	if err != nil {
		return nil, err
	}
	if err := l.Open(ctx, url); err != nil {
		return nil, err
	}
	return l, nil
}
