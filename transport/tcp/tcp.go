package tcp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wwsgo/wws/nmf"
	"github.com/wwsgo/wws/transport"
)

// DefaultPort is the net.tcp port of a URL without one.
const DefaultPort = 808

// ParseURL splits a net.tcp URL into the address to dial or listen on and
// the path. The host may be "+" or "*" (any address).
func ParseURL(raw string) (host string, port int, path string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", 0, "", fmt.Errorf("nettcp: bad URL %q: %v", raw, err)
	}
	if u.Scheme != "net.tcp" {
		return "", 0, "", fmt.Errorf("nettcp: URL %q does not have the net.tcp scheme", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", 0, "", fmt.Errorf("nettcp: URL %q has a query or fragment", raw)
	}
	host = u.Hostname()
	port = DefaultPort
	if p := u.Port(); p != "" {
		port, err = strconv.Atoi(p)
		if err != nil || port < 0 || port > 65535 {
			return "", 0, "", fmt.Errorf("nettcp: bad port in %q", raw)
		}
	}
	if host == "" {
		return "", 0, "", fmt.Errorf("nettcp: URL %q has no host", raw)
	}
	path = u.EscapedPath()
	if path == "" {
		path = "/"
	}
	return host, port, path, nil
}

// Dial connects to a net.tcp URL — trying every address the host resolves
// to — and performs the duplex preamble, within ctx. With a *tls.Config in
// cfg.Extra[ExtraTLSConfig] the preamble asks for the application/ssl-tls
// upgrade and the session runs inside TLS (ClientHandshakeTLS).
func Dial(ctx context.Context, rawURL string, cfg *transport.Config) (transport.Conn, error) {
	host, port, _, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	tc, err := tlsConfigFrom(cfg)
	if err != nil {
		return nil, err
	}
	enc, ok := EncodingFor(cfg.ContentType)
	if !ok {
		return nil, fmt.Errorf("nettcp: no [MC-NMF] known encoding for %q", cfg.ContentType)
	}
	d := net.Dialer{KeepAlive: -1}
	if cfg.KeepAlive {
		d.KeepAliveConfig = net.KeepAliveConfig{Enable: true, Idle: cfg.KeepAliveTime, Interval: cfg.KeepAliveInterval, Count: -1}
	}
	conn, err := d.DialContext(ctx, cfg.Network("tcp"), net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return nil, err
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetNoDelay(cfg.NoDelay)
	}
	var s *Session
	if tc != nil {
		s, err = ClientHandshakeTLS(ctx, conn, rawURL, enc, tc)
	} else {
		s, err = ClientHandshake(ctx, conn, rawURL, enc)
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	return s, nil
}

// Listen opens a net.tcp listener for url. Listeners in one process may
// share a port: each receives the sessions whose Via path it owns (the
// longest matching path wins); a session for no listener's path is refused
// with an EndpointNotFound fault. The host "+", "*", "localhost" and other
// names listen on every address (IPv4 and IPv6); a literal IP on that address.
//
// With a *tls.Config in cfg.Extra[ExtraTLSConfig] the listener requires
// transport security: each session must ask for the application/ssl-tls
// upgrade, and runs inside TLS after it. A client that does not is refused
// with an UpgradeInvalid fault; a session whose TLS handshake fails (a
// client certificate the configuration does not accept, say) is handed to
// one Accept as its *UpgradeError, and the listener goes on serving.
func Listen(ctx context.Context, rawURL string, cfg *transport.Config) (transport.Listener, error) {
	host, port, path, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	enc, ok := EncodingFor(cfg.ContentType)
	if !ok {
		return nil, fmt.Errorf("nettcp: no [MC-NMF] known encoding for %q", cfg.ContentType)
	}
	tc, err := serverTLSConfig(cfg)
	if err != nil {
		return nil, err
	}
	bindHost := ""
	if ip := net.ParseIP(strings.Trim(host, "[]")); ip != nil {
		bindHost = ip.String()
	}
	addr := net.JoinHostPort(bindHost, strconv.Itoa(port))
	l := newListener(path, enc, cfg)
	l.tls = tc
	p, err := ports.register(cfg.Network("tcp"), addr, l)
	if err != nil {
		return nil, err
	}
	l.port = p
	return l, nil
}

func newListener(path string, enc nmf.Encoding, cfg *transport.Config) *Listener {
	l := &Listener{
		path:    strings.TrimSuffix(path, "/"),
		enc:     enc,
		cfg:     *cfg,
		queue:   make(chan accepted, max(cfg.Backlog, 1)),
		done:    make(chan struct{}),
		pending: make(map[net.Conn]struct{}),
	}
	if l.cfg.ConnectTimeout <= 0 {
		l.cfg.ConnectTimeout = 15 * time.Second
	}
	l.lim = newLimits(cap(l.queue), cfg)
	return l
}

// ListenOn serves [MC-NMF] duplex sessions on a listener the caller opened
// (the named-pipe binding's Unix socket): every connection's preamble is
// read on its own goroutine and must name path in its Via. Closing the
// returned Listener closes ln.
func ListenOn(ln net.Listener, path string, cfg *transport.Config) (*Listener, error) {
	enc, ok := EncodingFor(cfg.ContentType)
	if !ok {
		return nil, fmt.Errorf("nettcp: no [MC-NMF] known encoding for %q", cfg.ContentType)
	}
	l := newListener(path, enc, cfg)
	p := &sharedPort{ln: ln, listeners: []*Listener{l}}
	l.port = p
	p.wg.Add(1)
	go p.acceptLoop()
	return l, nil
}

// Listener is a net.tcp listener for one path.
type Listener struct {
	path string
	enc  nmf.Encoding
	cfg  transport.Config
	port *sharedPort
	tls  *tls.Config // transport security required, or nil

	queue   chan accepted // sessions past their preamble, waiting for Accept
	done    chan struct{}
	once    sync.Once
	mu      sync.Mutex
	pending map[net.Conn]struct{} // connections in their handshake
	lim     limits                // backlog and connection limits (limit.go)
}

// Addr returns the address listened on.
func (l *Listener) Addr() net.Addr { return l.port.ln.Addr() }

// accepted is what Accept takes from the queue: a session, or the failure
// of a session's transport security upgrade.
type accepted struct {
	s   *Session
	err error
	adm *admission // the places the session holds in the listener's limits
}

// Accept returns the next session whose preamble named this listener's
// path; on a listener with transport security, the *UpgradeError of a
// session whose upgrade failed is returned instead of it (the listener
// stays usable).
func (l *Listener) Accept(ctx context.Context) (transport.Conn, error) {
	select {
	case a := <-l.queue:
		a.adm.taken()
		if a.err != nil {
			return nil, a.err
		}
		return a.s, nil
	case <-l.done:
		return nil, transport.ErrListenerClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Close stops the listener: pending Accepts return, queued sessions are
// refused, and the port is released when no listener uses it.
func (l *Listener) Close() error {
	l.once.Do(func() {
		close(l.done)
		ports.unregister(l)
		l.mu.Lock()
		for c := range l.pending {
			c.Close()
		}
		l.mu.Unlock()
		for {
			select {
			case a := <-l.queue:
				if a.s != nil {
					a.s.Abort()
				}
			default:
				return
			}
		}
	})
	return nil
}

// deliver hands a session, or the failure of its upgrade, to Accept,
// waiting at most the connect timeout for an Accept to take it.
func (l *Listener) deliver(a accepted) {
	t := time.NewTimer(l.cfg.ConnectTimeout)
	defer t.Stop()
	select {
	case l.queue <- a:
		return
	case <-l.done:
	case <-t.C:
	}
	if a.s != nil {
		a.s.Abort()
	}
}

// matches reports whether via's path is this listener's path or below it.
func (l *Listener) matches(viaPath string) int {
	p := strings.TrimSuffix(viaPath, "/")
	if p == l.path || strings.HasPrefix(p, l.path+"/") || l.path == "" {
		return len(l.path)
	}
	return -1
}

// ports is the process's table of shared net.tcp ports. It is the one piece
// of package-level state: a port is a process-wide resource, and sharing it
// between listeners by Via path needs one owner per port.
var ports = portTable{m: map[string]*sharedPort{}}

type portTable struct {
	mu sync.Mutex
	m  map[string]*sharedPort
}

type sharedPort struct {
	key       string
	ln        net.Listener
	listeners []*Listener
	wg        sync.WaitGroup
}

func (t *portTable) register(netw, addr string, l *Listener) (*sharedPort, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	key := netw + " " + addr
	if p, ok := t.m[key]; ok {
		for _, o := range p.listeners {
			if o.path == l.path {
				return nil, fmt.Errorf("nettcp: %s path %q: %w", addr, l.path+"/", errAddrInUse)
			}
			if o.enc != l.enc {
				return nil, fmt.Errorf("nettcp: %s is shared by listeners of different encodings: %w", addr, errAddrInUse)
			}
		}
		p.listeners = append(p.listeners, l)
		return p, nil
	}
	lc := net.ListenConfig{KeepAlive: -1}
	ln, err := lc.Listen(context.Background(), netw, addr)
	if err != nil {
		return nil, err
	}
	p := &sharedPort{key: key, ln: ln, listeners: []*Listener{l}}
	t.m[key] = p
	p.wg.Add(1)
	go p.acceptLoop()
	return p, nil
}

var errAddrInUse = errors.New("address already in use")

func (t *portTable) unregister(l *Listener) {
	t.mu.Lock()
	p := l.port
	for i, o := range p.listeners {
		if o == l {
			p.listeners = append(p.listeners[:i], p.listeners[i+1:]...)
			break
		}
	}
	last := len(p.listeners) == 0
	if last && p.key != "" {
		delete(t.m, p.key)
	}
	t.mu.Unlock()
	if last {
		p.ln.Close()
		p.wg.Wait()
	}
}

// route returns the listener owning via's path, if any.
func (p *sharedPort) route(via string) *Listener {
	u, err := url.Parse(via)
	if err != nil {
		return nil
	}
	path := u.EscapedPath()
	ports.mu.Lock()
	defer ports.mu.Unlock()
	var best *Listener
	bestLen := -1
	for _, l := range p.listeners {
		if n := l.matches(path); n > bestLen {
			best, bestLen = l, n
		}
	}
	return best
}

// acceptLoop accepts connections and runs each one's handshake on its own
// goroutine, so that no peer can hold up the others.
func (p *sharedPort) acceptLoop() {
	defer p.wg.Done()
	var delay time.Duration
	for {
		conn, err := p.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors and the like: back off and go on.
			if delay == 0 {
				delay = 5 * time.Millisecond
			} else if delay < time.Second {
				delay *= 2
			}
			time.Sleep(delay)
			continue
		}
		delay = 0
		p.wg.Add(1)
		go p.handshake(conn)
	}
}

func (p *sharedPort) handshake(conn net.Conn) {
	defer p.wg.Done()
	var owner *Listener
	ports.mu.Lock()
	if len(p.listeners) > 0 {
		owner = p.listeners[0]
	}
	ports.mu.Unlock()
	if owner == nil {
		conn.Close()
		return
	}
	// The connect timeout and encoding of the first listener bound the
	// preamble; the Via then picks the listener.
	owner.track(conn, true)
	defer owner.track(conn, false)
	ctx, cancel := context.WithTimeout(context.Background(), owner.cfg.ConnectTimeout)
	defer cancel()
	var target *Listener
	adm := &admission{Conn: conn}
	sc := &ServerConfig{Encoding: owner.enc, MaxEnvelopeSize: owner.cfg.MaxMessageSize}
	sc.Admit = func(ctx context.Context) error { return target.admit(ctx, adm) }
	sc.Route = func(via string) bool {
		target = p.route(via)
		if target == nil {
			return false
		}
		sc.TLS = target.tls
		return true
	}
	s, _, err := ServerHandshake(ctx, adm, sc)
	if err != nil {
		var ue *UpgradeError
		if errors.As(err, &ue) && target != nil {
			target.deliver(accepted{err: err, adm: adm})
		}
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetNoDelay(target.cfg.NoDelay)
	}
	s.framer.MaxEnvelopeSize = target.cfg.MaxMessageSize
	target.deliver(accepted{s: s, adm: adm})
}

func (l *Listener) track(c net.Conn, add bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if add {
		l.pending[c] = struct{}{}
	} else {
		delete(l.pending, c)
	}
}
