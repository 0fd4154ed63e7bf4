package soaphttp

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/wwsgo/wws/transport"
)

// Listen opens a listener for an http or https URL: an http.Server on the
// URL's port serving a Handler at the URL's path. The host "+", "*" and
// names (localhost included) listen on every address, IPv4 and IPv6; a
// literal IP on that address only. Port 0 picks a free port (see Addr).
//
// Listeners in one process share a port: each gets the requests for its
// path (MatchExactPath, WWSAPI's default: that path only, with or without
// a trailing slash, compared without regard to case as HTTP.sys does;
// MatchPrefixPath: also the paths below it, the longest match winning). A
// request for no listener's path gets 404. All listeners on a port must
// share the scheme; the first https listener's TLS configuration (which
// must hold a certificate) serves the port.
//
// The server speaks HTTP/1.1 (over TLS for https). ctx bounds the setup only.
func Listen(ctx context.Context, rawURL string, cfg *transport.Config) (transport.Listener, error) {
	u, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if u.RawQuery != "" {
		return nil, fmt.Errorf("soaphttp: listen URL %q has a query", rawURL)
	}
	h, err := NewHandlerErr(cfg)
	if err != nil {
		return nil, err
	}
	port := 80
	if u.Scheme == "https" {
		port = 443
		if h.s.tls == nil || len(h.s.tls.Certificates) == 0 && h.s.tls.GetCertificate == nil && h.s.tls.GetConfigForClient == nil {
			return nil, errors.New("soaphttp: an https listener needs a *tls.Config with a certificate in Config.Extra[ExtraTLSConfig]")
		}
	}
	if p := u.Port(); p != "" {
		port, _ = strconv.Atoi(p)
	}
	bindHost := ""
	if ip := net.ParseIP(u.Hostname()); ip != nil {
		bindHost = ip.String()
	}
	netw := cfg.Network("tcp")
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	l := &Listener{h: h, url: rawURL, path: normPath(path), prefix: h.s.pathMatch == MatchPrefixPath}
	p, err := ports.register(ctx, netw, bindHost, port, u.Scheme, l)
	if err != nil {
		return nil, err
	}
	l.port = p
	return l, nil
}

// normPath is the form paths are matched in.
func normPath(p string) string { return strings.ToLower(strings.TrimSuffix(p, "/")) }

// Listener is a Handler served by Listen at one path of a shared port.
type Listener struct {
	h      *Handler
	url    string
	path   string
	prefix bool
	port   *sharedPort
	once   sync.Once
}

// Accept returns the Conn of the next request for the listener's path,
// waiting within ctx; transport.ErrListenerClosed after Close.
func (l *Listener) Accept(ctx context.Context) (transport.Conn, error) { return l.h.Accept(ctx) }

// Addr returns the address listened on.
func (l *Listener) Addr() net.Addr { return l.port.ln.Addr() }

// ServeHTTP serves a request as if it had arrived on the listener's port,
// so that the endpoint can also be mounted in another server.
func (l *Listener) ServeHTTP(w http.ResponseWriter, r *http.Request) { l.h.ServeHTTP(w, r) }

// URL returns the URL the listener was opened with.
func (l *Listener) URL() string { return l.url }

// Close is the Handler's Close (pending Accepts return, requests not yet
// accepted get 503, accepted ones have the close timeout to be answered);
// then the path is released, and the port when no listener uses it.
func (l *Listener) Close() error {
	l.h.Close()
	l.release(false)
	return nil
}

// Abort is Close without the close timeout: requests not yet answered are
// cut at once, and the port is closed without waiting for connections to
// go idle. It may be called while a Close is waiting, to end it.
func (l *Listener) Abort() {
	l.h.Abort()
	l.release(true)
}

func (l *Listener) release(now bool) { l.once.Do(func() { ports.unregister(l, now) }) }

// match returns how well the listener owns path (normalised): its path's
// length for a match, -1 otherwise; an exact match beats every prefix.
func (l *Listener) match(path string) int {
	switch {
	case path == l.path:
		return 1 << 30
	case l.prefix && (l.path == "" || strings.HasPrefix(path, l.path+"/")):
		return len(l.path)
	}
	return -1
}

// ports is the process's table of shared HTTP ports, as transport/tcp has
// for net.tcp: a port is a process-wide resource, and sharing it between
// listeners by path needs one owner per port.
var ports = portTable{m: map[string]*sharedPort{}}

type portTable struct {
	mu sync.Mutex
	m  map[string]*sharedPort
}

type sharedPort struct {
	key       string
	scheme    string
	ln        net.Listener
	srv       *http.Server
	served    chan struct{}
	listeners []*Listener // guarded by ports.mu
}

func (t *portTable) register(ctx context.Context, netw, host string, port int, scheme string, l *Listener) (*sharedPort, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	if port != 0 {
		if p, ok := t.m[netw+" "+addr]; ok {
			if p.scheme != scheme {
				return nil, fmt.Errorf("soaphttp: %s is served with %s, not %s: %w", addr, p.scheme, scheme, syscall.EADDRINUSE)
			}
			for _, o := range p.listeners {
				if o.path == l.path {
					return nil, fmt.Errorf("soaphttp: %s path %q has a listener: %w", addr, l.path+"/", syscall.EADDRINUSE)
				}
			}
			p.listeners = append(p.listeners, l)
			return p, nil
		}
	}
	lc := net.ListenConfig{}
	ln, err := lc.Listen(ctx, netw, addr)
	if err != nil {
		return nil, err
	}
	s := l.h.s
	p := &sharedPort{scheme: scheme, ln: ln, served: make(chan struct{}), listeners: []*Listener{l}}
	p.key = netw + " " + net.JoinHostPort(host, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
	p.srv = &http.Server{
		Handler:           p,
		ReadHeaderTimeout: s.readTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    cmp.Or(s.maxHeaderBytes, 64<<10), // WWSAPI's MAX_HTTP_REQUEST_HEADERS_BUFFER_SIZE
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	if scheme == "https" {
		p.srv.TLSConfig = s.tls.Clone()
	}
	// HTTP/1.1 only, as WWSAPI and WCF speak it: Expect: 100-continue,
	// keep-alive and a cut connection on Abort mean what they say. (A
	// Handler in the user's own server may be offered HTTP/2.)
	var protos http.Protocols
	protos.SetHTTP1(true)
	p.srv.Protocols = &protos
	t.m[p.key] = p
	go func() {
		defer close(p.served)
		if scheme == "https" {
			p.srv.ServeTLS(ln, "", "")
		} else {
			p.srv.Serve(ln)
		}
	}()
	return p, nil
}

func (t *portTable) unregister(l *Listener, now bool) {
	t.mu.Lock()
	p := l.port
	for i, o := range p.listeners {
		if o == l {
			p.listeners = append(p.listeners[:i], p.listeners[i+1:]...)
			break
		}
	}
	last := len(p.listeners) == 0
	if last {
		delete(t.m, p.key)
	}
	t.mu.Unlock()
	if last {
		if !now {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			p.srv.Shutdown(ctx)
			cancel()
		}
		p.srv.Close()
		<-p.served
	}
}

// ServeHTTP routes a request to the listener owning its path.
func (p *sharedPort) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := normPath(r.URL.EscapedPath())
	ports.mu.Lock()
	var best *Listener
	bestN := -1
	for _, l := range p.listeners {
		if n := l.match(path); n > bestN {
			best, bestN = l, n
		}
	}
	ports.mu.Unlock()
	if best == nil {
		plainError(w, http.StatusNotFound, fmt.Sprintf("No endpoint listens at %s.", r.URL.Path))
		return
	}
	best.h.ServeHTTP(w, r)
}

var _ transport.Listener = (*Listener)(nil)
