package udp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wwsgo/wws/transport"
)

func TestParseURL(t *testing.T) {
	leakCheck(t)
	for _, c := range []struct {
		url, host string
		port      int
		path      string
		err       string
	}{
		{url: "soap.udp://localhost:7533", host: "localhost", port: 7533, path: "/"},
		{url: "soap.udp://+:7533/svc", host: "+", port: 7533, path: "/svc"},
		{url: "soap.udp://*:3702", host: "*", port: 3702, path: "/"},
		{url: "soap.udp://127.0.0.1:19040/udp", host: "127.0.0.1", port: 19040, path: "/udp"},
		{url: "soap.udp://239.255.255.250:3702", host: "239.255.255.250", port: 3702, path: "/"},
		{url: "soap.udp://[FF02::C]:3702", host: "FF02::C", port: 3702, path: "/"},
		{url: "soap.udp://[fe80::1%25eth0]:3702/x", host: "fe80::1%eth0", port: 3702, path: "/x"},
		{url: "SOAP.UDP://h:1/a%20b?q=1", host: "h", port: 1, path: "/a%20b"},
		{url: "soap.udp://h", err: "no port"},
		{url: "soap.udp://h:99999", err: "bad port"},
		{url: "soap.udp://:7533", err: "no host"},
		{url: "net.tcp://h:1", err: "scheme"},
		{url: "soap.udp://h:1/#frag", err: "fragment"},
		{url: "soap.udp://u@h:1", err: "user"},
		{url: "soap.udp:opaque", err: "no authority"},
		{url: "soap.udp://h:x", err: "bad URL"},
	} {
		host, port, path, err := ParseURL(c.url)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseURL(%q) error %v, want one with %q", c.url, err, c.err)
			}
			continue
		}
		if err != nil || host != c.host || port != c.port || path != c.path {
			t.Errorf("ParseURL(%q) = %q, %d, %q, %v; want %q, %d, %q", c.url, host, port, path, err, c.host, c.port, c.path)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	leakCheck(t)
	ctx := tctx(t)
	for _, kv := range [][]any{
		{ExtraMulticastHops, 256},
		{ExtraMulticastHops, "1"},
		{ExtraMulticastInterface, -1},
		{ExtraMulticast, 1},
		{ExtraMulticastInterfaces, []string{"lo"}},
		{ExtraMulticastInterfaces, []int{0}},
		{ExtraMulticastLoopback, "yes"},
		{ExtraRetransmission, 3},
		{ExtraRetransmission, Retransmission{UnicastRepeat: -1}},
		{ExtraRetransmission, Retransmission{UnicastRepeat: 1, MinDelay: time.Second, MaxDelay: time.Millisecond}},
		{ExtraRetransmission, Retransmission{MulticastRepeat: 1000}},
		{ExtraDuplicateHistory, 1.5},
		{ExtraDuplicateWindow, -time.Second},
		{ExtraMaxPendingBytes, -1},
		{ExtraMaxPendingBytes, uint64(1 << 40)},
	} {
		if c, err := Dial(ctx, "soap.udp://127.0.0.1:9", config(kv...)); err == nil {
			c.Abort()
			t.Errorf("Dial with %v = %v: no error", kv[0], kv[1])
		}
		if l, err := Listen(ctx, "soap.udp://127.0.0.1:0", config(kv...)); err == nil {
			l.Close()
			t.Errorf("Listen with %v = %v: no error", kv[0], kv[1])
		}
	}
	// Good values of every integer type are taken.
	for _, v := range []any{1, int8(1), int16(1), int32(1), int64(1), uint(1), uint8(1), uint16(1), uint32(1), uint64(1)} {
		c, err := Dial(ctx, "soap.udp://127.0.0.1:9", config(ExtraMulticastHops, v))
		if err != nil {
			t.Errorf("hops %T: %v", v, err)
			continue
		}
		c.Abort()
	}
	for _, u := range []string{"soap.udp://+:9", "soap.udp://*:9", "soap.udp://127.0.0.1:0", "http://127.0.0.1:9", "soap.udp://no-such-host.invalid:9"} {
		if c, err := Dial(ctx, u, config()); err == nil {
			c.Abort()
			t.Errorf("Dial(%q): no error", u)
		}
	}
	if _, err := Dial(ctx, "soap.udp://127.0.0.1:9", &transport.Config{IPVersion: 2}); err == nil {
		t.Error("Dial to IPv4 with IPVersion 2: no error")
	}
	if _, err := Listen(ctx, "soap.udp://[::1]:0", &transport.Config{IPVersion: 1}); err == nil {
		t.Error("Listen on IPv6 with IPVersion 1: no error")
	}
	// A nil Config is the defaults.
	c, err := Dial(ctx, "soap.udp://127.0.0.1:9", nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Abort()
}

// echoOnce accepts one datagram and answers it with reply (its own
// MessageID, RelatesTo the request's), then closes the accepted Conn.
func echoOnce(ctx context.Context, l transport.Listener, reply func(req []byte) []byte) error {
	c, err := l.Accept(ctx)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	f, err := c.Receive(ctx)
	if err != nil {
		return err
	}
	if err := c.Send(ctx, &transport.Frame{Data: reply(f.Data)}); err != nil {
		return err
	}
	if _, err := c.Receive(ctx); err != io.EOF {
		return fmt.Errorf("second Receive of an accepted Conn: %v, want io.EOF", err)
	}
	return nil
}

func TestRequestResponse(t *testing.T) {
	leakCheck(t)
	ctx := tctx(t)
	l, err := Listen(ctx, "soap.udp://127.0.0.1:0/svc", noRepeat())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	laddr := l.Addr().(*net.UDPAddr)
	if !laddr.IP.Equal(net.IPv4(127, 0, 0, 1)) || laddr.Port == 0 {
		t.Fatalf("listener address %v", laddr)
	}
	reqID, respID := newID(), newID()
	served := make(chan error, 1)
	go func() {
		served <- echoOnce(ctx, l, func(req []byte) []byte {
			return envelope(respID, "urn:reply", "<r>"+string(req[len(req)-30:])+"</r>")
		})
	}()

	c, err := Dial(ctx, fmt.Sprintf("soap.udp://127.0.0.1:%d/svc", laddr.Port), noRepeat())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if got := c.RemoteAddr().String(); got != laddr.String() {
		t.Errorf("client RemoteAddr %s, want %s", got, laddr)
	}
	req := envelope(reqID, "urn:request", "<q>hello</q>")
	if err := c.Send(ctx, &transport.Frame{Data: req}); err != nil {
		t.Fatal(err)
	}
	f, err := c.Receive(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := MessageID(f.Data); id != respID {
		t.Errorf("reply MessageID %q, want %q", id, respID)
	}
	if f.Remote == nil || f.Remote.String() != laddr.String() {
		t.Errorf("reply Frame.Remote %v, want %v", f.Remote, laddr)
	}
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	if err := c.CloseSend(ctx); err != nil {
		t.Error(err)
	}
	if err := c.Close(ctx); err != nil {
		t.Error(err)
	}
	if _, err := c.Receive(ctx); err != io.EOF {
		t.Errorf("Receive after Close: %v, want io.EOF", err)
	}
	if err := c.Send(ctx, &transport.Frame{Data: req}); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Send after Close: %v, want net.ErrClosed", err)
	}
}

func TestAcceptedConnAddresses(t *testing.T) {
	leakCheck(t)
	ctx := tctx(t)
	l, err := Listen(ctx, "soap.udp://127.0.0.1:0", noRepeat())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.UDPAddr).Port
	c, err := Dial(ctx, fmt.Sprintf("soap.udp://localhost:%d", port), noRepeat(ExtraMulticastHops, 3))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Abort()
	if err := c.Send(ctx, &transport.Frame{Data: envelope(newID(), "urn:a", "")}); err != nil {
		t.Fatal(err)
	}
	sc, err := l.Accept(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Abort()
	cport := c.LocalAddr().(*net.UDPAddr).Port
	ra := sc.RemoteAddr().(*net.UDPAddr)
	if ra.Port != cport || !ra.IP.IsLoopback() {
		t.Errorf("accepted RemoteAddr %v, want loopback port %d", ra, cport)
	}
	if sc.LocalAddr().String() != l.Addr().String() {
		t.Errorf("accepted LocalAddr %v, want %v", sc.LocalAddr(), l.Addr())
	}
	f, err := sc.Receive(ctx)
	if err != nil || f.Remote.String() != ra.String() {
		t.Fatalf("Receive: %v, Remote %v", err, f)
	}

	// Frame.Remote redirects a reply: to a third socket.
	third := rawListen(t, "udp4", "127.0.0.1:0")
	if err := sc.Send(ctx, &transport.Frame{Data: []byte("<x/>"), Remote: third.LocalAddr()}); err != nil {
		t.Fatal(err)
	}
	got := collect(third, 200*time.Millisecond, time.Now().Add(5*time.Second))
	if len(got) != 1 || string(got[0].data) != "<x/>" || got[0].from.Port() != uint16(port) {
		t.Fatalf("third socket got %d datagrams (%v)", len(got), got)
	}
	// A Remote of another net.Addr type, given by its string.
	if err := sc.Send(ctx, &transport.Frame{Data: []byte("<y/>"), Remote: stringAddr(third.LocalAddr().String())}); err != nil {
		t.Fatal(err)
	}
	if got := collect(third, 200*time.Millisecond, time.Now().Add(5*time.Second)); len(got) != 1 || string(got[0].data) != "<y/>" {
		t.Fatalf("third socket got %v", got)
	}
	if err := sc.Send(ctx, &transport.Frame{Data: []byte("<z/>"), Remote: stringAddr("nonsense")}); err == nil {
		t.Error("Send to an unparsable Remote: no error")
	}
	if err := sc.Send(ctx, &transport.Frame{}); err == nil {
		t.Error("Send of an empty message: no error")
	}
	// The client's Send honours Frame.Remote too.
	if err := c.Send(ctx, &transport.Frame{Data: []byte("<c/>"), Remote: third.LocalAddr()}); err != nil {
		t.Fatal(err)
	}
	if got := collect(third, 200*time.Millisecond, time.Now().Add(5*time.Second)); len(got) != 1 || int(got[0].from.Port()) != cport {
		t.Fatalf("third socket got %v from the client", got)
	}
}

type stringAddr string

func (a stringAddr) Network() string { return "udp" }
func (a stringAddr) String() string  { return string(a) }

func TestTooLarge(t *testing.T) {
	leakCheck(t)
	ctx := tctx(t)
	raw := rawListen(t, "udp4", "127.0.0.1:0")
	c, err := Dial(ctx, "soap.udp://"+raw.LocalAddr().String(), noRepeat())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Abort()
	for _, n := range []int{MaxDatagramSize + 1, 1 << 20} {
		if err := c.Send(ctx, &transport.Frame{Data: make([]byte, n)}); !errors.Is(err, ErrTooLarge) {
			t.Errorf("Send of %d bytes: %v, want ErrTooLarge", n, err)
		}
	}
	// 65,508..65,536 bytes fit the API but not an IPv4 datagram.
	if err := c.Send(ctx, &transport.Frame{Data: make([]byte, MaxDatagramSize)}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Send of %d bytes over IPv4: %v, want ErrTooLarge", MaxDatagramSize, err)
	}
	// The largest IPv4 datagram goes through, in one piece.
	big := bytes.Repeat([]byte("x"), 65507)
	if err := c.Send(ctx, &transport.Frame{Data: big}); err != nil {
		t.Fatalf("Send of 65,507 bytes: %v", err)
	}
	got := collect(raw, 200*time.Millisecond, time.Now().Add(5*time.Second))
	if len(got) != 1 || len(got[0].data) != len(big) {
		t.Fatalf("got %d datagrams", len(got))
	}
	// The Conn is still usable after ErrTooLarge.
	if err := c.Send(ctx, &transport.Frame{Data: []byte("<ok/>")}); err != nil {
		t.Fatal(err)
	}
}

func TestMaxMessageSizeOnReceive(t *testing.T) {
	leakCheck(t)
	ctx := tctx(t)
	cfg := noRepeat()
	cfg.MaxMessageSize = 100
	l, err := Listen(ctx, "soap.udp://127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c, err := Dial(ctx, "soap.udp://"+l.Addr().String(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Abort()
	c.Send(ctx, &transport.Frame{Data: bytes.Repeat([]byte("a"), 101)})
	c.Send(ctx, &transport.Frame{Data: bytes.Repeat([]byte("b"), 100)})
	sc, err := l.Accept(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Abort()
	f, _ := sc.Receive(ctx)
	if len(f.Data) != 100 || f.Data[0] != 'b' {
		t.Fatalf("accepted %d bytes %q...; the oversized datagram should have been dropped", len(f.Data), f.Data[:1])
	}
}

func TestIPv6Loopback(t *testing.T) {
	leakCheck(t)
	ctx := tctx(t)
	l, err := Listen(ctx, "soap.udp://[::1]:0", noRepeat())
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	defer l.Close()
	port := l.Addr().(*net.UDPAddr).Port
	served := make(chan error, 1)
	go func() {
		served <- echoOnce(ctx, l, func(req []byte) []byte { return envelope(newID(), "urn:reply", "") })
	}()
	c, err := Dial(ctx, fmt.Sprintf("soap.udp://[::1]:%d", port), noRepeat())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if err := c.Send(ctx, &transport.Frame{Data: envelope(newID(), "urn:q", "")}); err != nil {
		t.Fatal(err)
	}
	f, err := c.Receive(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if f.Remote.String() != fmt.Sprintf("[::1]:%d", port) {
		t.Errorf("Remote %v", f.Remote)
	}
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	// The largest IPv6 payload is larger than IPv4's.
	raw := rawListen(t, "udp6", "[::1]:0")
	c6, err := Dial(ctx, "soap.udp://"+raw.LocalAddr().String(), noRepeat())
	if err != nil {
		t.Fatal(err)
	}
	defer c6.Abort()
	if err := c6.Send(ctx, &transport.Frame{Data: make([]byte, 65527)}); err != nil {
		t.Errorf("65,527 bytes over IPv6: %v", err)
	}
	if err := c6.Send(ctx, &transport.Frame{Data: make([]byte, 65528)}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("65,528 bytes over IPv6: %v, want ErrTooLarge", err)
	}
	// Sending to the other family fails.
	if err := c6.Send(ctx, &transport.Frame{Data: []byte("<x/>"), Remote: &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9}}); err == nil {
		t.Error("IPv4 Remote on an IPv6 socket: no error")
	}
}

// TestDualStackWildcard: "+" listens on IPv4 and IPv6 at once where the
// system allows it; Frame.Remote of an IPv4 sender is a plain IPv4 address.
func TestDualStackWildcard(t *testing.T) {
	leakCheck(t)
	ctx := tctx(t)
	port := freePort(t)
	l, err := Listen(ctx, fmt.Sprintf("soap.udp://+:%d/ignored/path", port), noRepeat())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, host := range []string{"127.0.0.1", "[::1]"} {
		c, err := Dial(ctx, fmt.Sprintf("soap.udp://%s:%d", host, port), noRepeat())
		if err != nil {
			t.Logf("%s: %v", host, err)
			continue
		}
		c.Send(ctx, &transport.Frame{Data: envelope(newID(), "urn:a", "")})
		sc, err := l.Accept(ctx)
		if err != nil {
			c.Abort()
			t.Fatal(err)
		}
		ra := sc.RemoteAddr().(*net.UDPAddr)
		if want := strings.Trim(host, "[]"); ra.IP.String() != want {
			t.Errorf("sender %v, want %s", ra, want)
		}
		// The reply reaches the sender over the same family.
		sc.Send(ctx, &transport.Frame{Data: []byte("<r/>")})
		sc.Close(ctx)
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		f, err := c.Receive(rctx)
		cancel()
		if err != nil || string(f.Data) != "<r/>" {
			t.Errorf("%s: reply %v %v", host, f, err)
		}
		c.Abort()
	}
	// A second listener on the same port is refused (no IS_MULTICAST).
	if l2, err := Listen(ctx, fmt.Sprintf("soap.udp://+:%d", port), noRepeat()); err == nil {
		l2.Close()
		t.Error("second non-multicast listener on one port: no error")
	}
}

// TestAcceptKeepsSocket: accepting (and closing or aborting what was
// accepted) never closes the listener's socket.
func TestAcceptKeepsSocket(t *testing.T) {
	leakCheck(t)
	ctx := tctx(t)
	l, err := Listen(ctx, "soap.udp://127.0.0.1:0", noRepeat())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c, err := Dial(ctx, "soap.udp://"+l.Addr().String(), noRepeat())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Abort()
	var accepted []transport.Conn
	for i := range 6 {
		body := fmt.Sprintf("<n>%d</n>", i)
		if err := c.Send(ctx, &transport.Frame{Data: envelope(newID(), "urn:a", body)}); err != nil {
			t.Fatal(err)
		}
		sc, err := l.Accept(ctx)
		if err != nil {
			t.Fatalf("accept %d: %v", i, err)
		}
		f, err := sc.Receive(ctx)
		if err != nil || !bytes.Contains(f.Data, []byte(body)) {
			t.Fatalf("accept %d: %v %s", i, err, f.Data)
		}
		if _, err := sc.Receive(ctx); err != io.EOF {
			t.Fatalf("accept %d: second Receive %v", i, err)
		}
		switch i % 3 {
		case 0:
			if err := sc.Close(ctx); err != nil {
				t.Fatal(err)
			}
		case 1:
			sc.Abort()
			sc.Abort()
			if _, err := sc.Receive(ctx); !errors.Is(err, net.ErrClosed) {
				t.Errorf("Receive after Abort: %v", err)
			}
		default:
			accepted = append(accepted, sc) // left open for now
		}
	}
	// An accepted Conn left open still answers, after several others ended.
	for _, sc := range accepted {
		if err := sc.Send(ctx, &transport.Frame{Data: []byte("<late/>")}); err != nil {
			t.Fatal(err)
		}
		f, err := c.Receive(ctx)
		if err != nil || string(f.Data) != "<late/>" {
			t.Fatalf("late reply: %v %v", f, err)
		}
		sc.Close(ctx)
		if err := sc.Send(ctx, &transport.Frame{Data: []byte("<x/>")}); !errors.Is(err, net.ErrClosed) {
			t.Errorf("Send after Close: %v", err)
		}
	}
}

// TestListenerClose: Close ends pending Accepts; accepted Conns still open
// keep the socket, which closes with the last of them.
func TestListenerClose(t *testing.T) {
	leakCheck(t)
	ctx := tctx(t)
	port := freePort(t)
	url := fmt.Sprintf("soap.udp://127.0.0.1:%d", port)
	l, err := Listen(ctx, url, noRepeat())
	if err != nil {
		t.Fatal(err)
	}
	c, err := Dial(ctx, url, noRepeat())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Abort()
	c.Send(ctx, &transport.Frame{Data: envelope(newID(), "urn:a", "")})
	sc, err := l.Accept(ctx)
	if err != nil {
		t.Fatal(err)
	}

	errs := make(chan error, 2)
	for range 2 {
		go func() {
			_, err := l.Accept(ctx)
			errs <- err
		}()
	}
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := <-errs; !errors.Is(err, transport.ErrListenerClosed) {
			t.Errorf("pending Accept: %v", err)
		}
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Accepts took %v to end", d)
	}
	if _, err := l.Accept(ctx); !errors.Is(err, transport.ErrListenerClosed) {
		t.Errorf("Accept after Close: %v", err)
	}
	l.Close()
	// The accepted Conn still answers from the port.
	if err := sc.Send(ctx, &transport.Frame{Data: []byte("<after-close/>")}); err != nil {
		t.Fatal(err)
	}
	if f, err := c.Receive(ctx); err != nil || f.Remote.(*net.UDPAddr).Port != port {
		t.Fatalf("reply after listener Close: %v %v", f, err)
	}
	// The port is still taken...
	if pc, err := net.ListenPacket("udp4", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
		pc.Close()
		t.Error("port free while an accepted Conn is open")
	}
	sc.Close(ctx)
	// ...and free once the last accepted Conn closed.
	pc, err := net.ListenPacket("udp4", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatalf("port not released: %v", err)
	}
	pc.Close()
}

func TestAcceptContext(t *testing.T) {
	leakCheck(t)
	ctx := tctx(t)
	l, err := Listen(ctx, "soap.udp://127.0.0.1:0", noRepeat())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := l.Accept(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Accept with an expiring context: %v", err)
	}
	cctx, ccancel := context.WithCancel(ctx)
	ccancel()
	if _, err := l.Accept(cctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Accept with a cancelled context: %v", err)
	}
	// The deadline left by the first Accept does not spoil the next.
	c, err := Dial(ctx, "soap.udp://"+l.Addr().String(), noRepeat())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Abort()
	go func() {
		time.Sleep(100 * time.Millisecond)
		c.Send(ctx, &transport.Frame{Data: []byte("<x/>")})
	}()
	sc, err := l.Accept(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sc.Close(ctx)

	// Concurrent Accepts take turns and each gets a datagram.
	var wg sync.WaitGroup
	got := make(chan string, 3)
	for range 3 {
		wg.Go(func() {
			sc, err := l.Accept(ctx)
			if err != nil {
				got <- err.Error()
				return
			}
			f, _ := sc.Receive(ctx)
			got <- string(f.Data)
			sc.Close(ctx)
		})
	}
	for i := range 3 {
		c.Send(ctx, &transport.Frame{Data: []byte(fmt.Sprintf("<m%d/>", i))})
	}
	wg.Wait()
	close(got)
	seen := map[string]bool{}
	for s := range got {
		seen[s] = true
	}
	if len(seen) != 3 || !seen["<m0/>"] || !seen["<m1/>"] || !seen["<m2/>"] {
		t.Errorf("concurrent Accepts got %v", seen)
	}
}

func TestReceiveContextAndAbort(t *testing.T) {
	leakCheck(t)
	ctx := tctx(t)
	raw := rawListen(t, "udp4", "127.0.0.1:0")
	c, err := Dial(ctx, "soap.udp://"+raw.LocalAddr().String(), noRepeat())
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := c.Receive(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Receive with an expiring context: %v", err)
	}
	// Still usable.
	caddr := c.LocalAddr().(*net.UDPAddr)
	raw.WriteToUDPAddrPort([]byte("<a/>"), netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(caddr.Port)))
	f, err := c.Receive(ctx)
	if err != nil || string(f.Data) != "<a/>" {
		t.Fatalf("Receive: %v %v", f, err)
	}
	if f.Remote.String() != raw.LocalAddr().String() {
		t.Errorf("Remote %v, want %v", f.Remote, raw.LocalAddr())
	}
	// Abort unblocks a Receive at once and never blocks.
	done := make(chan error, 1)
	go func() {
		_, err := c.Receive(context.Background())
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	c.Abort()
	c.Abort()
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("Abort took %v", d)
	}
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("Receive after Abort: %v, want net.ErrClosed", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Receive did not return after Abort")
	}
	if err := c.Close(ctx); err != nil {
		t.Errorf("Close after Abort: %v", err)
	}
	if err := c.Send(ctx, &transport.Frame{Data: []byte("<x/>")}); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Send after Abort: %v", err)
	}
}

func TestCloseEndsReceive(t *testing.T) {
	leakCheck(t)
	ctx := tctx(t)
	raw := rawListen(t, "udp4", "127.0.0.1:0")
	c, err := Dial(ctx, "soap.udp://"+raw.LocalAddr().String(), config())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := c.Receive(context.Background())
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != io.EOF {
			t.Errorf("Receive after Close: %v, want io.EOF", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Receive did not return after Close")
	}
	c.Abort()
}

func TestSendContext(t *testing.T) {
	leakCheck(t)
	ctx := tctx(t)
	c, err := Dial(ctx, "soap.udp://127.0.0.1:9", noRepeat())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Abort()
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := c.Send(cctx, &transport.Frame{Data: []byte("<x/>")}); !errors.Is(err, context.Canceled) {
		t.Errorf("Send with a cancelled context: %v", err)
	}
}

func TestListenerAbort(t *testing.T) {
	leakCheck(t)
	ctx := tctx(t)
	l, err := Listen(ctx, "soap.udp://127.0.0.1:0", config())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := l.Accept(ctx)
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	start := time.Now()
	l.(*Listener).Abort()
	if d := time.Since(start); d > 50*time.Millisecond {
		t.Errorf("Abort took %v", d)
	}
	if err := <-done; !errors.Is(err, transport.ErrListenerClosed) {
		t.Errorf("Accept after Abort: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Error(err)
	}
}
