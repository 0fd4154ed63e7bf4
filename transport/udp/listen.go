package udp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/wwsgo/wws/transport"
)

// Listener receives soap.udp datagrams on one socket and hands each one
// out as an accepted Conn. It implements transport.Listener.
//
// The socket stays open while the Listener or any Conn it accepted is
// open: closing the Listener ends Accept, and the socket is closed when
// the last accepted Conn is closed too.
type Listener struct {
	pc      *net.UDPConn
	s       settings
	group   netip.Addr // the multicast group joined, if any
	joined  []int      // interfaces the group was joined on
	pktinfo bool       // reads carry the destination address
	local   map[netip.Addr]bool
	sched   *scheduler

	slot  chan struct{} // held by the Accept reading the socket
	rbuf  []byte
	oob   []byte
	ids   idReader
	idbuf []byte
	dup   *dupCache

	done      chan struct{} // closed by Close
	closeOnce sync.Once

	mu   sync.Mutex
	refs int // the listener itself, until closed, and every open accepted Conn
}

// Listen opens a listener for a soap.udp URL. The path is ignored. The
// host picks the address bound: a literal IP that address, "+", "*" or a
// name every address (IPv4 and IPv6 on one socket where the system allows,
// or the family cfg.IPVersion names). Port 0 picks a free port (see Addr).
//
// A multicast group as host makes a multicast listener: it binds the
// group's port on every address of the group's family, joins the group on
// the interfaces of ExtraMulticastInterfaces (by default every interface
// that is up and multicast-capable, or the loopback interface if there is
// no other), and receives the datagrams sent to the group and to the port.
// A multicast listener (that, or ExtraMulticast) shares its port: other
// sockets may bind it too (SO_REUSEADDR, SO_REUSEPORT). ExtraMulticastLoopback
// false drops the group's datagrams sent from this host.
//
// ctx bounds the setup only.
func Listen(ctx context.Context, rawURL string, cfg *transport.Config) (transport.Listener, error) {
	l, err := listen(ctx, rawURL, cfg)
	if err != nil {
		return nil, err
	}
	return l, nil
}

func listen(ctx context.Context, rawURL string, cfg *transport.Config) (*Listener, error) {
	host, port, _, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	s, err := parseConfig(cfg)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ip, literal := parseIP(host)
	group := literal && ip.IsMulticast()
	multicast := group || s.multicast
	if multicast && !multicastSupported {
		return nil, errors.New("soap.udp: multicast listeners are implemented for Linux only")
	}
	var netw, addr string
	switch {
	case group:
		if netw, err = network(s.ipv, ip); err != nil {
			return nil, err
		}
		unspec := netip.IPv4Unspecified()
		if ip.Is6() {
			unspec = netip.IPv6Unspecified()
		}
		addr = netip.AddrPortFrom(unspec, uint16(port)).String()
	case literal:
		if netw, err = network(s.ipv, ip); err != nil {
			return nil, err
		}
		addr = netip.AddrPortFrom(ip, uint16(port)).String()
	default:
		netw, _ = network(s.ipv, netip.Addr{})
		addr = net.JoinHostPort("", strconv.Itoa(port))
	}
	lc := net.ListenConfig{}
	if multicast {
		lc.Control = reuseControl
	}
	p, err := lc.ListenPacket(ctx, netw, addr)
	if err != nil {
		return nil, err
	}
	pc := p.(*net.UDPConn)
	l := &Listener{
		pc:   pc,
		s:    s,
		slot: make(chan struct{}, 1),
		dup:  newDupCache(s.dupN, s.dupWindow),
		done: make(chan struct{}),
		refs: 1,
	}
	if group {
		l.group = ip
		if err := l.join(); err != nil {
			pc.Close()
			return nil, err
		}
		l.pktinfo = true
		l.oob = make([]byte, oobSize)
		if !s.loopback {
			l.local = localAddrs()
		}
	}
	l.sched = newScheduler(l.write, s.maxPendingBytes)
	return l, nil
}

// join joins the group on the configured or the default interfaces.
func (l *Listener) join() error {
	ifs := l.s.mcIfs
	explicit := len(ifs) > 0
	if !explicit {
		var err error
		if ifs, err = defaultInterfaces(); err != nil {
			return err
		}
	}
	joined, err := setupMulticastListener(l.pc, l.group, ifs, l.s.loopback)
	l.joined = joined
	if err != nil && (explicit || len(joined) == 0) {
		return err
	}
	return nil
}

// defaultInterfaces returns the interfaces that are up and
// multicast-capable, or the loopback ones if there is no other.
func defaultInterfaces() ([]int, error) {
	ifis, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("soap.udp: listing interfaces: %w", err)
	}
	var mc, lo []int
	for _, ifi := range ifis {
		if ifi.Flags&net.FlagUp == 0 {
			continue
		}
		if ifi.Flags&net.FlagMulticast != 0 {
			mc = append(mc, ifi.Index)
		} else if ifi.Flags&net.FlagLoopback != 0 {
			lo = append(lo, ifi.Index)
		}
	}
	if len(mc) > 0 {
		return mc, nil
	}
	if len(lo) > 0 {
		return lo, nil
	}
	return nil, errors.New("soap.udp: no interface to join a multicast group on")
}

// localAddrs returns this host's addresses, to recognise looped-back
// multicast.
func localAddrs() map[netip.Addr]bool {
	m := map[netip.Addr]bool{}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(ipn.IP); ok {
				m[ip.Unmap()] = true
			}
		}
	}
	return m
}

func (l *Listener) write(b []byte, to netip.AddrPort) error {
	_, err := l.pc.WriteToUDPAddrPort(b, to)
	return err
}

// Addr returns the address listened on.
func (l *Listener) Addr() net.Addr { return l.pc.LocalAddr() }

// Interfaces returns the indexes of the interfaces a multicast listener
// joined its group on (nil for other listeners).
func (l *Listener) Interfaces() []int { return append([]int(nil), l.joined...) }

// Accept waits for the next datagram and returns a Conn for it: a datagram
// whose MessageID was already received is dropped (see
// ExtraDuplicateHistory), as is one longer than the Config's
// MaxMessageSize. Concurrent Accepts take turns reading the socket. It
// returns transport.ErrListenerClosed once Close was called, and ctx's
// error when ctx ends first.
func (l *Listener) Accept(ctx context.Context) (transport.Conn, error) {
	select {
	case l.slot <- struct{}{}:
	case <-l.done:
		return nil, transport.ErrListenerClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-l.slot }()
	select {
	case <-l.done:
		return nil, transport.ErrListenerClosed
	default:
	}
	if l.rbuf == nil {
		l.rbuf = make([]byte, MaxDatagramSize)
	}
	stop := watch(ctx, l.pc)
	defer stop()
	for {
		var n, oobn int
		var from netip.AddrPort
		var err error
		if l.pktinfo {
			n, oobn, _, from, err = l.pc.ReadMsgUDPAddrPort(l.rbuf, l.oob)
		} else {
			n, from, err = l.pc.ReadFromUDPAddrPort(l.rbuf)
		}
		if err != nil {
			select {
			case <-l.done:
				return nil, transport.ErrListenerClosed
			default:
			}
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				// A deadline not set for this Accept: clear it, unless
				// Close set it meanwhile.
				l.pc.SetReadDeadline(time.Time{})
				if l.closed() {
					return nil, transport.ErrListenerClosed
				}
				continue
			}
			return nil, err
		}
		b := l.rbuf[:n]
		if l.s.maxMsg > 0 && n > l.s.maxMsg {
			continue
		}
		if l.local != nil && l.local[from.Addr().Unmap()] {
			if dst, ok := destination(l.oob[:oobn]); ok && dst.IsMulticast() {
				continue // MULTICAST_LOOPBACK false: our own host's multicast
			}
		}
		if l.dup != nil {
			id, ok := l.ids.messageID(l.idbuf[:0], b)
			l.idbuf = id
			if ok && l.dup.duplicate(id, time.Now()) {
				continue
			}
		}
		// The Conn holds the socket open; a Close that came first wins.
		l.mu.Lock()
		if l.closed() {
			l.mu.Unlock()
			return nil, transport.ErrListenerClosed
		}
		l.refs++
		l.mu.Unlock()
		from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
		return &serverConn{
			l:       l,
			data:    append([]byte(nil), b...),
			remote:  from,
			raddr:   udpAddr(from),
			closing: make(chan struct{}),
			aborted: make(chan struct{}),
		}, nil
	}
}

// Close stops the listener: pending and later Accepts return
// transport.ErrListenerClosed, and the repeats of replies whose Conn was
// already closed are dropped. Accepted Conns still open keep working; the
// socket is closed with the last of them.
func (l *Listener) Close() error {
	l.stop(true)
	return nil
}

// Abort is Close without waiting for the repeat goroutine to end.
func (l *Listener) Abort() { l.stop(false) }

func (l *Listener) stop(wait bool) {
	l.closeOnce.Do(func() {
		close(l.done)
		l.pc.SetReadDeadline(time.Unix(1, 0))
		l.sched.dropReleased()
		l.release(wait)
	})
}

// release drops one reference to the socket, closing it with the last.
func (l *Listener) release(wait bool) {
	l.mu.Lock()
	l.refs--
	last := l.refs == 0
	l.mu.Unlock()
	if last {
		done := l.sched.close()
		l.pc.Close()
		if wait {
			<-done
		}
	}
}

func (l *Listener) closed() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

// serverConn is an accepted Conn: one datagram, and replies to its sender
// from the listener's socket.
type serverConn struct {
	l      *Listener
	data   []byte
	remote netip.AddrPort
	raddr  *net.UDPAddr
	own    owner // guarded by l.sched.mu

	rmu   sync.Mutex
	read  bool
	frame transport.Frame

	closing   chan struct{}
	aborted   chan struct{}
	closeOnce sync.Once
	abortOnce sync.Once
	relOnce   sync.Once
}

// LocalAddr returns the listener's address.
func (c *serverConn) LocalAddr() net.Addr { return c.l.pc.LocalAddr() }

// RemoteAddr returns the datagram's sender.
func (c *serverConn) RemoteAddr() net.Addr { return c.raddr }

// Receive returns the accepted datagram (Frame.Remote is its sender), then
// io.EOF; net.ErrClosed after Abort.
func (c *serverConn) Receive(ctx context.Context) (*transport.Frame, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	select {
	case <-c.aborted:
		return nil, net.ErrClosed
	default:
	}
	if c.read {
		return nil, io.EOF
	}
	c.read = true
	c.frame = transport.Frame{Data: c.data, Remote: c.raddr}
	return &c.frame, nil
}

// Send transmits f.Data from the listener's socket to the datagram's
// sender, or to f.Remote, with repeats as a client's Send.
func (c *serverConn) Send(ctx context.Context, f *transport.Frame) error {
	to := c.remote
	if f.Remote != nil {
		var err error
		if to, err = addrPortOf(f.Remote); err != nil {
			return err
		}
	}
	return send(ctx, f.Data, to, c.l.pc, c.l.sched, &c.own, c.l.s.rt, c.closedErr)
}

func (c *serverConn) closedErr() error {
	select {
	case <-c.aborted:
		return net.ErrClosed
	case <-c.closing:
		return net.ErrClosed
	default:
		return nil
	}
}

// CloseSend does nothing.
func (c *serverConn) CloseSend(ctx context.Context) error { return nil }

// Close ends the Conn. The repeats of replies already sent go on from the
// listener (they stop with Listener.Close); when the listener is already
// closed, Close waits for them within ctx instead, as a client's Close.
func (c *serverConn) Close(ctx context.Context) error {
	var err error
	c.closeOnce.Do(func() {
		close(c.closing)
		if c.l.closed() && !c.l.sched.wait(&c.own, ctx.Done(), c.aborted) {
			err = ctx.Err()
		}
		c.l.sched.mu.Lock()
		c.own.released = true
		c.l.sched.mu.Unlock()
		if c.l.closed() {
			c.l.sched.dropReleased()
		}
		c.relOnce.Do(func() { c.l.release(true) })
	})
	return err
}

// Abort ends the Conn at once and drops the repeats of its replies. It
// never blocks; a repeat being transmitted at that moment still completes.
func (c *serverConn) Abort() {
	c.abortOnce.Do(func() {
		close(c.aborted)
		c.l.sched.cancel(&c.own)
		c.relOnce.Do(func() { c.l.release(false) })
	})
}

var (
	_ transport.Listener = (*Listener)(nil)
	_ transport.Conn     = (*serverConn)(nil)
)
