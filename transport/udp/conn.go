package udp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"

	"github.com/wwsgo/wws/transport"
)

// Conn is a client's soap.udp socket (Dial): an unconnected UDP socket on
// an ephemeral port of the target's address family. It implements
// transport.Conn.
type Conn struct {
	pc     *net.UDPConn
	target netip.AddrPort
	remote *net.UDPAddr
	s      settings

	sched *scheduler
	own   owner // guarded by sched.mu

	rmu   sync.Mutex // Receive
	rbuf  []byte
	ids   idReader
	idbuf []byte
	dup   *dupCache
	frame transport.Frame

	closing   chan struct{} // closed by Close: Receive returns io.EOF
	aborted   chan struct{} // closed by Abort
	closeOnce sync.Once
	abortOnce sync.Once
}

// Dial opens a client socket for a soap.udp URL. The URL's host — an IP
// literal, possibly a multicast group, or a name resolved within ctx to
// one address (cfg.IPVersion 1 or 2 restricts the family; otherwise an IPv4
// address is preferred) — is where Send sends by default; nothing is sent
// by Dial. Multicast sending takes the hop limit
// and interface from cfg.Extra (ExtraMulticastHops, ExtraMulticastInterface),
// retransmission from ExtraRetransmission, duplicate suppression from
// ExtraDuplicateHistory and ExtraDuplicateWindow.
func Dial(ctx context.Context, rawURL string, cfg *transport.Config) (transport.Conn, error) {
	c, err := dial(ctx, rawURL, cfg)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func dial(ctx context.Context, rawURL string, cfg *transport.Config) (*Conn, error) {
	host, port, _, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	s, err := parseConfig(cfg)
	if err != nil {
		return nil, err
	}
	if host == "+" || host == "*" {
		return nil, fmt.Errorf("soap.udp: cannot send to the wildcard host of %q", rawURL)
	}
	ip, ok := parseIP(host)
	if !ok {
		netw := "ip"
		switch s.ipv {
		case 1:
			netw = "ip4"
		case 2:
			netw = "ip6"
		}
		ips, err := net.DefaultResolver.LookupNetIP(ctx, netw, host)
		if err != nil {
			return nil, fmt.Errorf("soap.udp: resolving %q: %w", host, err)
		}
		if len(ips) == 0 {
			return nil, fmt.Errorf("soap.udp: no address for %q", host)
		}
		// A datagram cannot try one address after another as a TCP dial
		// does: take an IPv4 address if there is one, since a wildcard
		// listener takes both families and an IPv4 one is the likelier.
		ip = ips[0].Unmap()
		for _, a := range ips {
			if a.Unmap().Is4() {
				ip = a.Unmap()
				break
			}
		}
	}
	if port == 0 {
		return nil, fmt.Errorf("soap.udp: URL %q has port 0", rawURL)
	}
	netw, err := network(s.ipv, ip)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	pc, err := net.ListenUDP(netw, nil)
	if err != nil {
		return nil, err
	}
	switch {
	case multicastSupported:
		// Also for a unicast URL: Frame.Remote may name a group.
		if err := setMulticastSend(pc, ip.Is6(), s.hops, s.mcIf); err != nil {
			pc.Close()
			return nil, err
		}
	case ip.IsMulticast():
		pc.Close()
		return nil, errNoMulticastSend()
	}
	target := netip.AddrPortFrom(ip, uint16(port))
	c := &Conn{
		pc:      pc,
		target:  target,
		remote:  udpAddr(target),
		s:       s,
		dup:     newDupCache(s.dupN, s.dupWindow),
		closing: make(chan struct{}),
		aborted: make(chan struct{}),
	}
	c.sched = newScheduler(c.write, s.maxPendingBytes)
	return c, nil
}

func errNoMulticastSend() error {
	return errors.New("soap.udp: sending to a multicast group is implemented for Linux only")
}

// write transmits one datagram.
func (c *Conn) write(b []byte, to netip.AddrPort) error {
	_, err := c.pc.WriteToUDPAddrPort(b, to)
	return err
}

// LocalAddr returns the socket's address.
func (c *Conn) LocalAddr() net.Addr { return c.pc.LocalAddr() }

// RemoteAddr returns the URL's address, where Send sends by default.
func (c *Conn) RemoteAddr() net.Addr { return c.remote }

// Send transmits f.Data as one datagram to f.Remote, or to the URL's
// address when f.Remote is nil, and schedules its repeats (see
// Retransmission): it returns after the first transmission. A message
// longer than MaxDatagramSize, or refused by the kernel for its size, is
// ErrTooLarge. Send after Close or Abort returns net.ErrClosed.
func (c *Conn) Send(ctx context.Context, f *transport.Frame) error {
	to := c.target
	if f.Remote != nil {
		var err error
		if to, err = addrPortOf(f.Remote); err != nil {
			return err
		}
	}
	return send(ctx, f.Data, to, c.pc, c.sched, &c.own, c.s.rt, c.closedErr)
}

func (c *Conn) closedErr() error {
	if c.endErr() != nil {
		return net.ErrClosed
	}
	return nil
}

// endErr returns what Receive returns once the Conn is closed (io.EOF) or
// aborted (net.ErrClosed), or nil.
func (c *Conn) endErr() error {
	select {
	case <-c.aborted:
		return net.ErrClosed
	default:
	}
	select {
	case <-c.closing:
		return io.EOF
	default:
	}
	return nil
}

// send is Send of a client or an accepted Conn.
func send(ctx context.Context, data []byte, to netip.AddrPort, pc *net.UDPConn, sched *scheduler, o *owner, rt Retransmission, closed func() error) error {
	if len(data) == 0 {
		return errors.New("soap.udp: empty message")
	}
	if len(data) > MaxDatagramSize {
		return fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, len(data), MaxDatagramSize)
	}
	if err := closed(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if !to.Addr().IsValid() || to.Port() == 0 {
		return fmt.Errorf("soap.udp: cannot send to %v", to)
	}
	if _, err := pc.WriteToUDPAddrPort(data, to); err != nil {
		if errors.Is(err, syscall.EMSGSIZE) {
			return fmt.Errorf("%w: %d bytes to %v: %v", ErrTooLarge, len(data), to, err)
		}
		if errors.Is(err, net.ErrClosed) {
			return net.ErrClosed
		}
		return err
	}
	sched.add(o, rt, data, to)
	return nil
}

// Receive returns the next datagram that arrives on the socket, from any
// sender (Frame.Remote), skipping those whose MessageID was already received
// (see ExtraDuplicateHistory) and those longer than the Config's
// MaxMessageSize. The frame's Data is valid until the next Receive. After
// Close it returns io.EOF, after Abort net.ErrClosed.
func (c *Conn) Receive(ctx context.Context) (*transport.Frame, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if c.rbuf == nil {
		c.rbuf = make([]byte, MaxDatagramSize)
	}
	stop := watch(ctx, c.pc)
	defer stop()
	for {
		n, from, err := c.pc.ReadFromUDPAddrPort(c.rbuf)
		if err != nil {
			if err := c.endErr(); err != nil {
				return nil, err
			}
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				// A deadline left by an earlier context: go on.
				c.pc.SetReadDeadline(time.Time{})
				continue
			}
			return nil, err
		}
		b := c.rbuf[:n]
		if c.s.maxMsg > 0 && n > c.s.maxMsg {
			continue
		}
		if c.dup != nil {
			id, ok := c.ids.messageID(c.idbuf[:0], b)
			c.idbuf = id
			if ok && c.dup.duplicate(id, time.Now()) {
				continue
			}
		}
		c.frame = transport.Frame{Data: b, Remote: udpAddr(from)}
		return &c.frame, nil
	}
}

// watch makes ctx's end interrupt a read on pc. It returns a function that
// stops watching and, if the watch fired, waits for it and clears the
// deadline, so that no deadline outlives the operation.
func watch(ctx context.Context, pc *net.UDPConn) func() {
	if ctx.Done() == nil {
		return func() {}
	}
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		pc.SetReadDeadline(time.Unix(1, 0))
		close(fired)
	})
	return func() {
		if !stop() {
			<-fired
			pc.SetReadDeadline(time.Time{})
		}
	}
}

// CloseSend does nothing: datagrams have no end of stream.
func (c *Conn) CloseSend(ctx context.Context) error { return nil }

// Close waits, within ctx, for the repeats of messages already sent to go
// out (so that a one-way message sent just before Close keeps its
// SOAP-over-UDP reliability), then closes the socket; repeats still pending
// when ctx ends are dropped. A Receive in progress returns io.EOF.
func (c *Conn) Close(ctx context.Context) error {
	var err error
	c.closeOnce.Do(func() {
		if !c.sched.wait(&c.own, ctx.Done(), c.aborted) {
			err = ctx.Err()
		}
		close(c.closing)
		c.shutdown(true)
	})
	return err
}

// Abort closes the socket at once: pending repeats are dropped, a Receive
// in progress returns net.ErrClosed. It never blocks.
func (c *Conn) Abort() {
	c.abortOnce.Do(func() {
		close(c.aborted)
		c.shutdown(false)
	})
}

// shutdown stops the repeats and closes the socket, once; with wait it
// also waits for the scheduler's goroutine to end.
func (c *Conn) shutdown(wait bool) {
	c.sched.mu.Lock()
	c.own.cancelled = true
	c.sched.mu.Unlock()
	done := c.sched.close()
	c.pc.Close()
	if wait {
		<-done
	}
}

var _ transport.Conn = (*Conn)(nil)
