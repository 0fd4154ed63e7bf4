// Package soaphttp is the HTTP binding: SOAP over HTTP as WWSAPI's
// WS_HTTP_CHANNEL_BINDING and WCF's BasicHttpBinding, WSHttpBinding (without
// message security) and custom bindings with an HttpTransport speak it, on
// net/http.
//
// Every message exchange is one HTTP POST. A client ([Dial]) sends the
// request and keeps the response for the next Receive; a server ([Listen],
// or a [Handler] mounted in the user's own http.Server) turns each POST into
// one accepted transport.Conn, whose Send writes the response and whose
// Close without a Send answers 202 Accepted (a one-way message).
//
// A client makes its exchanges itself, HTTP/1.1 on one keep-alive
// connection in the calling goroutine (net/http's Request.Write and
// ReadResponse, no Transport), unless it needs an http.Client: one given
// as ExtraClient, a proxy, redirects to follow, or a platform other than
// Unix. Then it sends with an http.Client of its own or the one given.
//
// Headers on the wire:
//
//	SOAP 1.1 text:  Content-Type: text/xml; charset=utf-8
//	                SOAPAction: "<action>"
//	SOAP 1.2 text:  Content-Type: application/soap+xml; charset=utf-8; action="<action>"
//	binary:         Content-Type: application/soap+msbin1
//
// The content type is transport.Config.ContentType (the charset of the
// UTF-16 encodings included); the action goes where its media type says.
// Responses carry the content type without action=. A server takes the
// action from either place, since Mono sends SOAPAction with SOAP 1.2 too.
//
// HTTP settings beyond transport.Config come from Config.Extra under the
// Extra* keys below; a value of the wrong type makes Dial or Listen fail.
package soaphttp

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wwsgo/wws/transport"
)

// Keys of transport.Config.Extra read by this package, with the type each
// value must have.
const (
	// ExtraClient is the *http.Client a client Conn sends with. It is
	// used as it is (ExtraTLSConfig and the proxy keys do not apply to it)
	// and is not closed by Conn.Close. Default: a client of the Conn's own,
	// on a clone of http.DefaultTransport.
	ExtraClient = "soaphttp.Client"
	// ExtraTLSConfig is a *tls.Config. For the default client it is the
	// TLS client configuration (RootCAs for a private certificate pool,
	// client certificates, ServerName). For an https Listen it is the
	// server configuration and must hold a certificate.
	ExtraTLSConfig = "soaphttp.TLSConfig"
	// ExtraProxyMode is a ProxyMode for the default client
	// (WS_CHANNEL_PROPERTY_HTTP_PROXY_SETTING_MODE). Default: ProxyEnvironment.
	ExtraProxyMode = "soaphttp.ProxyMode"
	// ExtraProxyURL is the proxy of ProxyCustom, a *url.URL or a string
	// (WS_CHANNEL_PROPERTY_CUSTOM_HTTP_PROXY). Given without
	// ExtraProxyMode it implies ProxyCustom.
	ExtraProxyURL = "soaphttp.ProxyURL"
	// ExtraHeaderMapping is a *HeaderMapping
	// (WS_CHANNEL_PROPERTY_HTTP_MESSAGE_MAPPING).
	ExtraHeaderMapping = "soaphttp.HeaderMapping"
	// ExtraPathMatch is a PathMatch: how a Listen URL's path matches
	// request paths (WS_LISTENER_PROPERTY_TRANSPORT_URL_MATCHING_OPTIONS).
	// Default: MatchExactPath.
	ExtraPathMatch = "soaphttp.PathMatch"
	// ExtraCloseTimeout is a time.Duration: how long a closed listener
	// lets requests already accepted finish their responses
	// (WS_LISTENER_PROPERTY_CLOSE_TIMEOUT). Default: DefaultCloseTimeout.
	ExtraCloseTimeout = "soaphttp.CloseTimeout"
	// ExtraQueueLength is an int: how many requests may wait for an
	// Accept at once; more get 503 at once. Default: Config.Backlog if
	// positive, else DefaultQueueLength.
	ExtraQueueLength = "soaphttp.QueueLength"
	// ExtraQueueTimeout is a time.Duration: how long a request waits for
	// an Accept before it gets 503. Default: DefaultQueueTimeout.
	ExtraQueueTimeout = "soaphttp.QueueTimeout"
	// ExtraReplyTimeout is a time.Duration: how long an accepted request
	// waits for the channel's Send, Close or Abort before its connection
	// is cut. Default: DefaultReplyTimeout.
	ExtraReplyTimeout = "soaphttp.ReplyTimeout"
	// ExtraReadTimeout is a time.Duration bounding the reading of a
	// request's headers (Listen only) and of its body. Default:
	// DefaultReadTimeout.
	ExtraReadTimeout = "soaphttp.ReadTimeout"
	// ExtraFollowRedirects is a bool: whether the default client follows
	// 3xx redirects (WS_CHANNEL_PROPERTY_ENABLE_HTTP_REDIRECT). Default:
	// false — a redirect is the response, and fails the exchange.
	ExtraFollowRedirects = "soaphttp.FollowRedirects"
	// ExtraCookies is a bool: whether the default client keeps cookies
	// the server sets and sends them back (WS_COOKIE_MODE_AUTO), in a jar
	// of the Conn's own. Default: false (WS_COOKIE_MODE_MANUAL).
	ExtraCookies = "soaphttp.Cookies"
	// ExtraMaxConnsPerHost is an int bounding the default client's
	// connections to one server (WS_CHANNEL_PROPERTY_MAX_HTTP_SERVER_CONNECTIONS).
	// Default: no bound.
	ExtraMaxConnsPerHost = "soaphttp.MaxConnsPerHost"
	// ExtraDisallowedUserAgents is a []string: a request whose User-Agent
	// contains one of them is refused with 403 Forbidden
	// (WS_LISTENER_PROPERTY_DISALLOWED_USER_AGENT). Default: none.
	ExtraDisallowedUserAgents = "soaphttp.DisallowedUserAgents"
	// ExtraMaxHeaderBytes is an int bounding a request's headers on a
	// Listen (WS_CHANNEL_PROPERTY_MAX_HTTP_REQUEST_HEADERS_BUFFER_SIZE).
	// Default: 64 KiB.
	ExtraMaxHeaderBytes = "soaphttp.MaxHeaderBytes"
)

// Defaults of the Extra settings.
const (
	DefaultCloseTimeout   = 5 * time.Second // WWSAPI's listener CLOSE_TIMEOUT
	DefaultQueueLength    = 64
	DefaultQueueTimeout   = 30 * time.Second
	DefaultReplyTimeout   = time.Minute // WCF's service-side SendTimeout
	DefaultReadTimeout    = 30 * time.Second
	DefaultMaxMessageSize = 65536 // WWSAPI's MAX_BUFFERED_MESSAGE_SIZE
)

// UserAgent is the User-Agent header of requests.
const UserAgent = "wws/0.1"

// ProxyMode says how the default client finds its proxy.
type ProxyMode int

const (
	// ProxyEnvironment uses HTTP_PROXY, HTTPS_PROXY and NO_PROXY
	// (WWSAPI's WS_HTTP_PROXY_SETTING_MODE_AUTO).
	ProxyEnvironment ProxyMode = iota
	// ProxyNone connects directly.
	ProxyNone
	// ProxyCustom uses the proxy given as ExtraProxyURL.
	ProxyCustom
)

// PathMatch says which request paths a listener owns.
type PathMatch int

const (
	// MatchExactPath: only its own path (WS_MATCH_URL_EXACT_PATH).
	MatchExactPath PathMatch = iota
	// MatchPrefixPath: its path and every path below it; the longest
	// matching listener's path wins (WS_MATCH_URL_PREFIX_PATH).
	MatchPrefixPath
)

// HeaderMapping names the HTTP headers mapped to and from messages, as
// WS_HTTP_MESSAGE_MAPPING does. A nil list maps every header: a sender
// adds every header of Frame.Header, a receiver copies every header into
// Frame.Header. A non-nil list maps only the headers it names.
//
// On a client, Request names the headers of Frame.Header sent with a
// request and Response the response headers copied into the received
// Frame.Header. On a server, Request names the request headers copied into
// the accepted Frame.Header and Response the headers of Frame.Header sent
// with the response.
//
// The headers the binding itself writes (Content-Type, Content-Length,
// SOAPAction, Host, Connection, Transfer-Encoding, Expect) are never taken
// from Frame.Header.
type HeaderMapping struct {
	// Request names the request headers mapped; nil maps every one.
	Request []string
	// Response names the response headers mapped; nil maps every one.
	Response []string
}

// ErrTooLarge is wrapped by the errors for messages over
// Config.MaxMessageSize.
var ErrTooLarge = errors.New("soaphttp: message exceeds the maximum message size")

// AuthError is a 401 or 407 response: the server (401) or a proxy (407)
// wants the client to authenticate, with one of Schemes.
type AuthError struct {
	// Status is the HTTP status: 401 or 407.
	Status int
	// Schemes are the schemes offered by WWW-Authenticate (401) or
	// Proxy-Authenticate (407) that WWSAPI knows, in the order offered:
	// "Basic", "Digest", "NTLM", "Negotiate".
	Schemes []string
}

// Proxy reports whether a proxy asked for authentication (407).
func (e *AuthError) Proxy() bool { return e.Status == http.StatusProxyAuthRequired }

// Error says who asked for authentication, with the HTTP status and
// the schemes offered.
func (e *AuthError) Error() string {
	who := "server"
	if e.Proxy() {
		who = "proxy"
	}
	s := fmt.Sprintf("soaphttp: the %s requires authentication (HTTP %d)", who, e.Status)
	if len(e.Schemes) > 0 {
		s += " with " + strings.Join(e.Schemes, ", ")
	}
	return s
}

// FormatError is a response whose body is not a message of the expected
// content type (an HTML error page, a different encoding).
type FormatError struct {
	Status      int    // HTTP status of the response
	ContentType string // the content type received
	Expected    string // the media type expected
	Prefix      []byte // the first bytes of the body (up to 64)
	// Msg, when set, says what else was wrong: a response net/http could
	// not parse at all (then the fields above are empty).
	Msg string
}

// Error describes the response: its status, content type and first bytes,
// or what made it malformed.
func (e *FormatError) Error() string {
	if e.Msg != "" {
		return "soaphttp: malformed response: " + e.Msg
	}
	return fmt.Sprintf("soaphttp: the response (HTTP %d) has content type %q, not %s; it begins %q",
		e.Status, e.ContentType, e.Expected, e.Prefix)
}

// reserved are the headers the binding writes itself.
var reserved = map[string]bool{
	"Content-Type": true, "Content-Length": true, "Soapaction": true, "Host": true,
	"Connection": true, "Transfer-Encoding": true, "Expect": true, "Te": true, "Trailer": true,
	"Upgrade": true, "Keep-Alive": true, "Proxy-Connection": true,
}

// addHeaders adds the headers of src to dst that names allows (all when
// names is nil), except the reserved ones.
func addHeaders(dst, src http.Header, names []string) {
	if names == nil {
		for k, vs := range src {
			if ck := http.CanonicalHeaderKey(k); !reserved[ck] {
				for _, v := range vs {
					dst.Add(ck, v)
				}
			}
		}
		return
	}
	for _, n := range names {
		ck := http.CanonicalHeaderKey(n)
		if reserved[ck] {
			continue
		}
		for _, v := range src.Values(ck) {
			dst.Add(ck, v)
		}
	}
}

// copyHeaders returns the headers of src that names allows (a clone of
// all of them when names is nil).
func copyHeaders(src http.Header, names []string) http.Header {
	if names == nil {
		return src.Clone()
	}
	h := http.Header{}
	for _, n := range names {
		if vs := src.Values(n); len(vs) > 0 {
			h[http.CanonicalHeaderKey(n)] = append([]string(nil), vs...)
		}
	}
	return h
}

// settings are the HTTP settings read from a Config.
type settings struct {
	contentType string // the message content type
	media       string // its media type, lower case
	soap        int
	maxSize     int64

	client    *http.Client
	tls       *tls.Config
	proxyMode ProxyMode
	proxyURL  *url.URL
	mapping   HeaderMapping

	pathMatch    PathMatch
	closeTimeout time.Duration
	queueLength  int
	queueTimeout time.Duration
	replyTimeout time.Duration
	readTimeout  time.Duration

	followRedirects bool
	cookies         bool
	maxConnsPerHost int
	disallowedUA    []string
	maxHeaderBytes  int
}

// readSettings reads cfg and its Extra keys, with the defaults.
func readSettings(cfg *transport.Config) (*settings, error) {
	if cfg == nil {
		cfg = &transport.Config{}
	}
	s := &settings{
		contentType:  cfg.ContentType,
		soap:         cfg.SOAPVersion,
		maxSize:      int64(cfg.MaxMessageSize),
		closeTimeout: DefaultCloseTimeout,
		queueLength:  DefaultQueueLength,
		queueTimeout: DefaultQueueTimeout,
		replyTimeout: DefaultReplyTimeout,
		readTimeout:  DefaultReadTimeout,
	}
	if s.soap == 0 {
		s.soap = 2
	}
	if s.contentType == "" {
		if s.soap == 1 {
			s.contentType = "text/xml; charset=utf-8"
		} else {
			s.contentType = "application/soap+xml; charset=utf-8"
		}
	}
	s.media, _ = parseContentType(s.contentType)
	if s.media == "" {
		return nil, fmt.Errorf("soaphttp: bad content type %q", cfg.ContentType)
	}
	if s.maxSize <= 0 {
		s.maxSize = DefaultMaxMessageSize
	}
	if cfg.Backlog > 0 {
		s.queueLength = cfg.Backlog
	}
	var err error
	get := func(key string, dst any) {
		v, ok := cfg.Extra[key]
		if !ok || v == nil || err != nil {
			return
		}
		bad := false
		switch d := dst.(type) {
		case **http.Client:
			*d, bad = v.(*http.Client)
		case **tls.Config:
			*d, bad = v.(*tls.Config)
		case *ProxyMode:
			*d, bad = v.(ProxyMode)
		case *PathMatch:
			*d, bad = v.(PathMatch)
		case *time.Duration:
			var x time.Duration
			x, bad = v.(time.Duration)
			if bad && x > 0 {
				*d = x
			}
		case *int:
			var x int
			x, bad = v.(int)
			if bad && x > 0 {
				*d = x
			}
		case *bool:
			*d, bad = v.(bool)
		case *[]string:
			*d, bad = v.([]string)
		case *HeaderMapping:
			var m *HeaderMapping
			m, bad = v.(*HeaderMapping)
			if bad && m != nil {
				*d = *m
			}
		}
		if !bad {
			err = fmt.Errorf("soaphttp: Config.Extra[%q] is a %T, not a %T", key, v, dst)
		}
	}
	get(ExtraClient, &s.client)
	get(ExtraTLSConfig, &s.tls)
	get(ExtraHeaderMapping, &s.mapping)
	get(ExtraPathMatch, &s.pathMatch)
	get(ExtraCloseTimeout, &s.closeTimeout)
	get(ExtraQueueLength, &s.queueLength)
	get(ExtraQueueTimeout, &s.queueTimeout)
	get(ExtraReplyTimeout, &s.replyTimeout)
	get(ExtraReadTimeout, &s.readTimeout)
	get(ExtraFollowRedirects, &s.followRedirects)
	get(ExtraCookies, &s.cookies)
	get(ExtraMaxConnsPerHost, &s.maxConnsPerHost)
	get(ExtraDisallowedUserAgents, &s.disallowedUA)
	get(ExtraMaxHeaderBytes, &s.maxHeaderBytes)
	mode, hasMode := cfg.Extra[ExtraProxyMode]
	get(ExtraProxyMode, &s.proxyMode)
	if err != nil {
		return nil, err
	}
	if v, ok := cfg.Extra[ExtraProxyURL]; ok && v != nil {
		switch p := v.(type) {
		case *url.URL:
			s.proxyURL = p
		case string:
			if s.proxyURL, err = url.Parse(p); err != nil {
				return nil, fmt.Errorf("soaphttp: bad proxy URL %q: %v", p, err)
			}
		default:
			return nil, fmt.Errorf("soaphttp: Config.Extra[%q] is a %T, not a *url.URL or string", ExtraProxyURL, v)
		}
		if !hasMode || mode == nil {
			s.proxyMode = ProxyCustom
		}
	}
	switch s.proxyMode {
	case ProxyEnvironment, ProxyNone:
	case ProxyCustom:
		if s.proxyURL == nil || s.proxyURL.Host == "" {
			return nil, errors.New("soaphttp: ProxyCustom needs a proxy URL with a host (Config.Extra[ExtraProxyURL])")
		}
	default:
		return nil, fmt.Errorf("soaphttp: unknown proxy mode %d", s.proxyMode)
	}
	if s.pathMatch != MatchExactPath && s.pathMatch != MatchPrefixPath {
		return nil, fmt.Errorf("soaphttp: unknown path match %d", s.pathMatch)
	}
	return s, nil
}

// Media types of the SOAP encodings.
const (
	mediaSOAP11 = "text/xml"
	mediaSOAP12 = "application/soap+xml"
)

// requestContentType returns the Content-Type of a request carrying
// action, and the SOAPAction header value to send with it ("" for none).
func requestContentType(contentType, media, action string) (ct, soapAction string, err error) {
	if strings.ContainsFunc(action, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return "", "", fmt.Errorf("soaphttp: the action %q has control characters", action)
	}
	switch media {
	case mediaSOAP11:
		return contentType, quote(action), nil
	case mediaSOAP12:
		if action != "" {
			return contentType + "; action=" + quote(action), "", nil
		}
	}
	return contentType, "", nil
}

// quote returns s as an HTTP quoted-string.
func quote(s string) string {
	if !strings.ContainsAny(s, `"\`) {
		return `"` + s + `"`
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

// unquote returns the value of a quoted-string (backslash escapes
// resolved), or s trimmed when it is not quoted.
func unquote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return s
	}
	s = s[1 : len(s)-1]
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// parseContentType splits a Content-Type value into its media type (lower
// case, "" when there is none) and parameters (names lower case, values
// unquoted). It is lenient: a malformed parameter is skipped, an unquoted
// value runs to the next ';'.
func parseContentType(v string) (media string, params map[string]string) {
	i := strings.IndexByte(v, ';')
	if i < 0 {
		i = len(v)
	}
	media = strings.ToLower(strings.TrimSpace(v[:i]))
	if strings.ContainsAny(media, " \t\"=,") || strings.Count(media, "/") != 1 ||
		strings.HasPrefix(media, "/") || strings.HasSuffix(media, "/") {
		media = ""
	}
	rest := v[i:]
	for len(rest) > 0 {
		rest = strings.TrimLeft(rest[1:], " \t") // past the ';'
		eq := strings.IndexAny(rest, "=;")
		if eq < 0 || rest[eq] == ';' {
			if eq < 0 {
				break
			}
			rest = rest[eq:]
			continue
		}
		name := strings.ToLower(strings.TrimSpace(rest[:eq]))
		rest = strings.TrimLeft(rest[eq+1:], " \t")
		var val string
		if strings.HasPrefix(rest, `"`) {
			j := 1
			for j < len(rest) && rest[j] != '"' {
				if rest[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(rest) { // unterminated: take the rest
				val = unquote(rest + `"`)
				rest = ""
			} else {
				val = unquote(rest[:j+1])
				rest = rest[j+1:]
			}
			if k := strings.IndexByte(rest, ';'); k >= 0 {
				rest = rest[k:]
			} else {
				rest = ""
			}
		} else {
			k := strings.IndexByte(rest, ';')
			if k < 0 {
				k = len(rest)
			}
			val = strings.TrimSpace(rest[:k])
			rest = rest[k:]
		}
		if name == "" {
			continue
		}
		if params == nil {
			params = map[string]string{}
		}
		if _, dup := params[name]; !dup {
			params[name] = val
		}
	}
	return media, params
}

// requestAction returns a request's action: the action= parameter of its
// content type, else its SOAPAction header (SOAP 1.1, and Mono's SOAP 1.2).
func requestAction(params map[string]string, soapAction []string) string {
	if a, ok := params["action"]; ok && a != "" {
		return a
	}
	if len(soapAction) > 0 {
		return unquote(soapAction[0])
	}
	return ""
}

// authSchemes returns the schemes WWSAPI knows (Basic, Digest, NTLM,
// Negotiate) among the challenges of WWW-Authenticate or
// Proxy-Authenticate header values, in order, without duplicates.
func authSchemes(values []string) []string {
	var out []string
	add := func(tok string) {
		var s string
		switch strings.ToLower(tok) {
		case "basic":
			s = "Basic"
		case "digest":
			s = "Digest"
		case "ntlm":
			s = "NTLM"
		case "negotiate":
			s = "Negotiate"
		default:
			return
		}
		for _, o := range out {
			if o == s {
				return
			}
		}
		out = append(out, s)
	}
	for _, v := range values {
		// Split at commas outside quoted strings; an element that starts
		// with a token not followed by '=' begins a challenge.
		start, inQuote := 0, false
		for i := 0; i <= len(v); i++ {
			if i < len(v) {
				switch c := v[i]; {
				case inQuote && c == '\\':
					i++
					continue
				case c == '"':
					inQuote = !inQuote
					continue
				case inQuote || c != ',':
					continue
				}
			}
			el := strings.TrimSpace(v[start:min(i, len(v))])
			start = i + 1
			end := strings.IndexAny(el, " \t=")
			if end < 0 {
				end = len(el)
			}
			if end < len(el) && el[end] == '=' {
				continue // an auth-param of the previous challenge
			}
			add(el[:end])
		}
	}
	return out
}

// statusText is a status line's text for messages.
func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return strconv.Itoa(code) + " " + t
	}
	return strconv.Itoa(code)
}
