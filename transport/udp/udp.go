// Package udp is the soap.udp binding: SOAP-over-UDP 1.1 (OASIS Standard,
// 1 July 2009) as WWSAPI's WS_UDP_CHANNEL_BINDING and WCF's
// UdpTransportBindingElement speak it. Every message is one datagram
// holding one text envelope; the binding adds what SOAP-over-UDP asks of a
// transport on top of bare datagrams:
//
//   - Retransmission: Send transmits a datagram once and then repeats it on
//     the randomised, doubling schedule of the spec's Appendix I (see
//     Retransmission). The repeats run on one timer goroutine per socket,
//     never on the caller's; they reuse the message bytes, and so the
//     message's wsa:MessageID.
//   - Duplicate suppression: a datagram whose wsa:MessageID was already
//     received on the same socket is dropped (see MessageID and
//     ExtraDuplicateHistory). Datagrams without a MessageID are never
//     dropped as duplicates.
//   - Multicast: a client sends to a group with a hop limit and an outgoing
//     interface (ExtraMulticastHops, ExtraMulticastInterface); a listener
//     joins a group on chosen interfaces (ExtraMulticast,
//     ExtraMulticastInterfaces, ExtraMulticastLoopback), sharing the port
//     with other listeners.
//
// A client Conn (Dial) is one unconnected socket: Send goes to the URL's
// address (or to Frame.Remote), and Receive returns every datagram that
// arrives, from anyone, with Frame.Remote set to the sender — so that a
// multicast request can collect unicast responses from several responders.
//
// A Listener (Listen) owns one socket. Accept returns a Conn per datagram
// received: its Receive yields that datagram and then io.EOF, and its Send
// answers the sender from the listener's socket. Accepting never closes the
// listener's socket, and closing an accepted Conn does not affect the
// listener.
//
// Multicast and the socket options it needs are implemented for Linux with
// the standard library's syscall package; on other systems unicast works and
// multicast settings are refused.
package udp

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wwsgo/wws/transport"
)

// Scheme is the URL scheme of the binding.
const Scheme = "soap.udp"

// MaxDatagramSize is the largest message Send accepts: WWSAPI's fixed
// MAX_BUFFERED_MESSAGE_SIZE for UDP channels (65,536 bytes). The IP layer
// allows a little less (65,507 bytes of UDP payload over IPv4, 65,527 over
// IPv6); Send reports a message the kernel refuses for its size as
// ErrTooLarge too.
const MaxDatagramSize = 65536

// ErrTooLarge is returned by Send for a message that does not fit in one
// datagram.
var ErrTooLarge = errors.New("soap.udp: message too large for one datagram")

// Keys of transport.Config.Extra the binding reads. Integer values may be
// given as any Go integer type; the channel layer maps WWSAPI's properties
// to them as noted.
const (
	// ExtraMulticastHops (integer, 0–255) is the IPv4 TTL / IPv6 hop limit
	// of multicast datagrams a client sends: WS_CHANNEL_PROPERTY_MULTICAST_HOPS.
	// Default 1 (the link).
	ExtraMulticastHops = "udp.MulticastHops"
	// ExtraMulticastInterface (integer) is the index of the interface a
	// client sends multicast datagrams on: WS_CHANNEL_PROPERTY_MULTICAST_INTERFACE.
	// 0, the default, lets the system choose (the route to the group).
	ExtraMulticastInterface = "udp.MulticastInterface"
	// ExtraMulticast (bool) makes a listener a multicast listener:
	// WS_LISTENER_PROPERTY_IS_MULTICAST. Its port may then be shared with
	// other sockets (SO_REUSEADDR and SO_REUSEPORT), and when the URL's host
	// is a multicast group the listener joins it. A listener whose URL host
	// is a multicast group is a multicast listener whatever this says.
	ExtraMulticast = "udp.Multicast"
	// ExtraMulticastInterfaces ([]uint32 or []int) are the indexes of the
	// interfaces a multicast listener joins its group on:
	// WS_LISTENER_PROPERTY_MULTICAST_INTERFACES. Empty, the default, means
	// every interface that is up and multicast-capable, or the loopback
	// interface when there is no other.
	ExtraMulticastInterfaces = "udp.MulticastInterfaces"
	// ExtraMulticastLoopback (bool) says whether a multicast listener
	// receives multicast datagrams sent from this host:
	// WS_LISTENER_PROPERTY_MULTICAST_LOOPBACK. Default true. Windows gives
	// IP_MULTICAST_LOOP this receive-side meaning; Linux applies the option
	// to sending, so false both sets IP_MULTICAST_LOOP off on the listener's
	// socket and drops received multicast datagrams whose source is one of
	// this host's addresses.
	ExtraMulticastLoopback = "udp.MulticastLoopback"
	// ExtraRetransmission (Retransmission or *Retransmission) sets the
	// retransmission of sent messages. Absent: DefaultRetransmission. The
	// zero Retransmission (NoRetransmission) turns repeats off.
	ExtraRetransmission = "udp.Retransmission"
	// ExtraDuplicateHistory (integer) is how many received MessageIDs are
	// remembered to drop duplicates; 0 means DefaultDuplicateHistory, a
	// negative value turns duplicate suppression off.
	ExtraDuplicateHistory = "udp.DuplicateHistory"
	// ExtraDuplicateWindow (time.Duration) is how long a received MessageID
	// is remembered; 0 means DefaultDuplicateWindow.
	ExtraDuplicateWindow = "udp.DuplicateWindow"
	// ExtraMaxPendingBytes (integer) bounds the bytes of messages a socket
	// holds for their repeats; 0 means DefaultMaxPendingBytes. A message
	// sent while the bound is reached is transmitted once, without repeats.
	ExtraMaxPendingBytes = "udp.MaxPendingBytes"
)

// Defaults of the duplicate cache and the repeat queue.
const (
	DefaultDuplicateHistory = 4096
	DefaultDuplicateWindow  = time.Minute
	DefaultMaxPendingBytes  = 1 << 20
)

// ParseURL splits a soap.udp URL, soap.udp://host:port[/path][?query]. The
// port is required (SOAP-over-UDP has no default port); host is returned
// without brackets and may be "+" or "*" (any address, for listeners), a
// name, or an IP literal (an IPv6 one with its zone, if any). path is the
// escaped path, "/" when empty; a query is allowed and ignored.
func ParseURL(raw string) (host string, port int, path string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", 0, "", fmt.Errorf("soap.udp: bad URL %q: %v", raw, err)
	}
	if !strings.EqualFold(u.Scheme, Scheme) {
		return "", 0, "", fmt.Errorf("soap.udp: URL %q does not have the soap.udp scheme", raw)
	}
	if u.Fragment != "" || u.User != nil || u.Opaque != "" {
		return "", 0, "", fmt.Errorf("soap.udp: URL %q has a fragment, user information or no authority", raw)
	}
	host = u.Hostname()
	if host == "" {
		return "", 0, "", fmt.Errorf("soap.udp: URL %q has no host", raw)
	}
	p := u.Port()
	if p == "" {
		return "", 0, "", fmt.Errorf("soap.udp: URL %q has no port", raw)
	}
	port, err = strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, "", fmt.Errorf("soap.udp: bad port in %q", raw)
	}
	path = u.EscapedPath()
	if path == "" {
		path = "/"
	}
	return host, port, path, nil
}

// parseIP parses an IP literal, with an IPv6 zone if any.
func parseIP(host string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// settings are a Config's values the binding uses, checked.
type settings struct {
	ipv             int
	maxMsg          int
	hops            int
	mcIf            int
	multicast       bool
	mcIfs           []int
	loopback        bool
	rt              Retransmission
	dupN            int
	dupWindow       time.Duration
	maxPendingBytes int
}

func parseConfig(cfg *transport.Config) (settings, error) {
	s := settings{
		hops:            1,
		loopback:        true,
		rt:              DefaultRetransmission,
		dupN:            DefaultDuplicateHistory,
		dupWindow:       DefaultDuplicateWindow,
		maxPendingBytes: DefaultMaxPendingBytes,
	}
	if cfg == nil {
		return s, nil
	}
	s.ipv = cfg.IPVersion
	s.maxMsg = cfg.MaxMessageSize
	x := cfg.Extra
	bad := func(key string, v any) error {
		return fmt.Errorf("soap.udp: Config.Extra[%q] = %v (%T) is not valid", key, v, v)
	}
	if v, ok := x[ExtraMulticastHops]; ok {
		n, ok := toInt(v)
		if !ok || n < 0 || n > 255 {
			return s, bad(ExtraMulticastHops, v)
		}
		s.hops = n
	}
	if v, ok := x[ExtraMulticastInterface]; ok {
		n, ok := toInt(v)
		if !ok || n < 0 {
			return s, bad(ExtraMulticastInterface, v)
		}
		s.mcIf = n
	}
	if v, ok := x[ExtraMulticast]; ok {
		b, ok := v.(bool)
		if !ok {
			return s, bad(ExtraMulticast, v)
		}
		s.multicast = b
	}
	if v, ok := x[ExtraMulticastInterfaces]; ok {
		switch l := v.(type) {
		case []uint32:
			for _, i := range l {
				if i > math.MaxInt32 {
					return s, bad(ExtraMulticastInterfaces, v)
				}
				s.mcIfs = append(s.mcIfs, int(i))
			}
		case []int:
			for _, i := range l {
				if i <= 0 || i > math.MaxInt32 {
					return s, bad(ExtraMulticastInterfaces, v)
				}
				s.mcIfs = append(s.mcIfs, i)
			}
		case nil:
		default:
			return s, bad(ExtraMulticastInterfaces, v)
		}
	}
	if v, ok := x[ExtraMulticastLoopback]; ok {
		b, ok := v.(bool)
		if !ok {
			return s, bad(ExtraMulticastLoopback, v)
		}
		s.loopback = b
	}
	if v, ok := x[ExtraRetransmission]; ok {
		switch r := v.(type) {
		case Retransmission:
			s.rt = r
		case *Retransmission:
			if r == nil {
				s.rt = NoRetransmission
			} else {
				s.rt = *r
			}
		default:
			return s, bad(ExtraRetransmission, v)
		}
		if err := s.rt.check(); err != nil {
			return s, err
		}
	}
	if v, ok := x[ExtraDuplicateHistory]; ok {
		n, ok := toInt(v)
		if !ok {
			return s, bad(ExtraDuplicateHistory, v)
		}
		switch {
		case n < 0:
			s.dupN = 0
		case n > 0:
			s.dupN = n
		}
	}
	if v, ok := x[ExtraDuplicateWindow]; ok {
		d, ok := v.(time.Duration)
		if !ok || d < 0 {
			return s, bad(ExtraDuplicateWindow, v)
		}
		if d > 0 {
			s.dupWindow = d
		}
	}
	if v, ok := x[ExtraMaxPendingBytes]; ok {
		n, ok := toInt(v)
		if !ok || n < 0 {
			return s, bad(ExtraMaxPendingBytes, v)
		}
		if n > 0 {
			s.maxPendingBytes = n
		}
	}
	return s, nil
}

func toInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int8:
		return int(n), true
	case int16:
		return int(n), true
	case int32:
		return int(n), true
	case int64:
		if n < math.MinInt32 || n > math.MaxInt32 {
			return 0, false
		}
		return int(n), true
	case uint:
		if n > math.MaxInt32 {
			return 0, false
		}
		return int(n), true
	case uint8:
		return int(n), true
	case uint16:
		return int(n), true
	case uint32:
		if n > math.MaxInt32 {
			return 0, false
		}
		return int(n), true
	case uint64:
		if n > math.MaxInt32 {
			return 0, false
		}
		return int(n), true
	}
	return 0, false
}

// udpAddr converts an address for Frame.Remote and RemoteAddr.
func udpAddr(ap netip.AddrPort) *net.UDPAddr {
	return net.UDPAddrFromAddrPort(netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()))
}

// addrPortOf converts a Frame.Remote given by the caller.
func addrPortOf(a net.Addr) (netip.AddrPort, error) {
	switch v := a.(type) {
	case *net.UDPAddr:
		if v == nil {
			break
		}
		ap := v.AddrPort()
		if !ap.Addr().IsValid() {
			return netip.AddrPort{}, fmt.Errorf("soap.udp: remote address %v has no IP", v)
		}
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), nil
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("soap.udp: remote address %v: %v", a, err)
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), nil
}

// network returns the network name for the IP version setting and an address.
func network(ipv int, a netip.Addr) (string, error) {
	switch {
	case !a.IsValid():
		switch ipv {
		case 1:
			return "udp4", nil
		case 2:
			return "udp6", nil
		}
		return "udp", nil
	case a.Is4():
		if ipv == 2 {
			return "", fmt.Errorf("soap.udp: %v is an IPv4 address, but the IP version is IPv6", a)
		}
		return "udp4", nil
	default:
		if ipv == 1 {
			return "", fmt.Errorf("soap.udp: %v is an IPv6 address, but the IP version is IPv4", a)
		}
		return "udp6", nil
	}
}
