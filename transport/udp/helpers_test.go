package udp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/wwsgo/wws/transport"
)

// leakCheck verifies, after every cleanup registered later has run, that
// the test left no goroutines behind.
func leakCheck(t *testing.T) {
	t.Helper()
	t.Cleanup(func() { goleak.VerifyNone(t) })
}

// tctx is a context bounding one test.
func tctx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// config returns a Config with the given Extra entries (key, value pairs).
func config(kv ...any) *transport.Config {
	cfg := &transport.Config{SOAPVersion: 2, ContentType: "application/soap+xml; charset=utf-8", MaxMessageSize: 65536, Extra: map[string]any{}}
	for i := 0; i+1 < len(kv); i += 2 {
		cfg.Extra[kv[i].(string)] = kv[i+1]
	}
	return cfg
}

// noRepeat is a Config without retransmission.
func noRepeat(kv ...any) *transport.Config {
	return config(append([]any{ExtraRetransmission, NoRetransmission}, kv...)...)
}

const (
	nsS12  = "http://www.w3.org/2003/05/soap-envelope"
	nsS11  = "http://schemas.xmlsoap.org/soap/envelope/"
	nsA10  = "http://www.w3.org/2005/08/addressing"
	nsA04  = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
	nsDisc = "http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01"
)

// envelope returns a SOAP 1.2 / WS-Addressing 1.0 envelope; an empty id
// leaves MessageID out.
func envelope(id, action, body string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<s:Envelope xmlns:s="%s" xmlns:a="%s"><s:Header><a:Action s:mustUnderstand="1">%s</a:Action>`, nsS12, nsA10, action)
	if id != "" {
		fmt.Fprintf(&b, `<a:MessageID>%s</a:MessageID>`, id)
	}
	fmt.Fprintf(&b, `<a:To s:mustUnderstand="1">urn:test</a:To></s:Header><s:Body>%s</s:Body></s:Envelope>`, body)
	return []byte(b.String())
}

var idSeq struct {
	sync.Mutex
	n int
}

// newID returns a fresh MessageID.
func newID() string {
	idSeq.Lock()
	defer idSeq.Unlock()
	idSeq.n++
	return fmt.Sprintf("urn:uuid:00000000-0000-4000-8000-%012d", idSeq.n)
}

// datagram is what a raw receiver got.
type datagram struct {
	data []byte
	from netip.AddrPort
	at   time.Time
}

// rawListen opens a plain UDP socket on loopback for the test.
func rawListen(t *testing.T, network, addr string) *net.UDPConn {
	t.Helper()
	pc, err := net.ListenPacket(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc.(*net.UDPConn)
}

// collect reads datagrams from pc until quiet passes without one, or until
// the absolute deadline.
func collect(pc *net.UDPConn, quiet time.Duration, deadline time.Time) []datagram {
	var got []datagram
	buf := make([]byte, MaxDatagramSize)
	for {
		d := time.Now().Add(quiet)
		if d.After(deadline) {
			d = deadline
		}
		pc.SetReadDeadline(d)
		n, from, err := pc.ReadFromUDPAddrPort(buf)
		if err != nil {
			return got
		}
		got = append(got, datagram{data: append([]byte(nil), buf[:n]...), from: from, at: time.Now()})
	}
}

// loopbackIndex returns the index of the loopback interface.
func loopbackIndex(t *testing.T) int {
	t.Helper()
	ifis, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, ifi := range ifis {
		if ifi.Flags&net.FlagLoopback != 0 && ifi.Flags&net.FlagUp != 0 {
			return ifi.Index
		}
	}
	t.Skip("no loopback interface")
	return 0
}

// freePort returns a UDP port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	return pc.LocalAddr().(*net.UDPAddr).Port
}

// testGroup is the IPv4 group the multicast tests use (WS-Discovery's),
// on a free port and on the loopback interface only.
const testGroup = "239.255.255.250"

// groupListen opens a raw socket joined to testGroup:port on the loopback
// interface, sharing the port, to count what goes to the group.
func groupListen(t *testing.T, port, lo int) *net.UDPConn {
	t.Helper()
	lc := net.ListenConfig{Control: reuseControl}
	p, err := lc.ListenPacket(context.Background(), "udp4", fmt.Sprintf("0.0.0.0:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	pc := p.(*net.UDPConn)
	t.Cleanup(func() { pc.Close() })
	if _, err := setupMulticastListener(pc, netip.MustParseAddr(testGroup), []int{lo}, true); err != nil {
		t.Fatal(err)
	}
	return pc
}

// multicastWorks reports whether a datagram sent to testGroup on the
// loopback interface comes back to a socket joined there.
func multicastWorks(lo int) error {
	if !multicastSupported {
		return errNoMulticastSend()
	}
	lc := net.ListenConfig{Control: reuseControl}
	p, err := lc.ListenPacket(context.Background(), "udp4", "0.0.0.0:0")
	if err != nil {
		return err
	}
	r := p.(*net.UDPConn)
	defer r.Close()
	if _, err := setupMulticastListener(r, netip.MustParseAddr(testGroup), []int{lo}, true); err != nil {
		return err
	}
	s, err := net.ListenUDP("udp4", nil)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := setMulticastSend(s, false, 1, lo); err != nil {
		return err
	}
	port := r.LocalAddr().(*net.UDPAddr).Port
	if _, err := s.WriteToUDPAddrPort([]byte("probe"), netip.AddrPortFrom(netip.MustParseAddr(testGroup), uint16(port))); err != nil {
		return err
	}
	r.SetReadDeadline(time.Now().Add(time.Second))
	buf := make([]byte, 16)
	if _, _, err := r.ReadFromUDP(buf); err != nil {
		return fmt.Errorf("nothing came back: %w", err)
	}
	return nil
}

// Environment variables of the network-namespace fallback.
const (
	envInNetns    = "WWS_UDP_IN_NETNS"    // set in the re-executed test
	envForceNetns = "WWS_UDP_FORCE_NETNS" // "1": use a namespace even if loopback multicast works
)

var netnsSeq struct {
	sync.Mutex
	n int
}

// needMulticast makes sure IPv4 multicast works on the loopback interface
// for a top-level test and returns that interface's index. When it does
// not work here (no route, no permission), and the test runs as root with
// `ip netns` available, it re-runs the test in a fresh network namespace
// whose loopback interface carries multicast, reports the child's result,
// and returns ok false: the caller returns at once. Otherwise it skips.
func needMulticast(t *testing.T) (lo int, ok bool) {
	t.Helper()
	lo = loopbackIndex(t)
	inNetns := os.Getenv(envInNetns) == "1"
	err := multicastWorks(lo)
	if err == nil && (inNetns || os.Getenv(envForceNetns) != "1") {
		return lo, true
	}
	if inNetns {
		t.Fatalf("multicast on loopback does not work even in the network namespace: %v", err)
	}
	if err == nil {
		err = errors.New("forced by " + envForceNetns + "=1")
	}
	ipCmd, lookErr := exec.LookPath("ip")
	if os.Geteuid() != 0 || lookErr != nil || strings.Contains(t.Name(), "/") {
		t.Skipf("IPv4 multicast on the loopback interface does not work here (%v), and a network namespace needs root and ip(8); skipping", err)
	}
	t.Logf("multicast on loopback: %v; re-running %s in a network namespace", err, t.Name())
	netnsSeq.Lock()
	netnsSeq.n++
	ns := fmt.Sprintf("wwsudp-%d-%d", os.Getpid(), netnsSeq.n)
	netnsSeq.Unlock()
	run := func(args ...string) error {
		out, err := exec.Command(ipCmd, args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := run("netns", "add", ns); err != nil {
		t.Skipf("cannot create a network namespace (%v); skipping", err)
	}
	defer run("netns", "delete", ns)
	if err := run("-n", ns, "link", "set", "lo", "up"); err != nil {
		t.Fatal(err)
	}
	run("-n", ns, "link", "set", "lo", "multicast", "on")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, ipCmd, "netns", "exec", ns, os.Args[0],
		"-test.run", "^"+regexp.QuoteMeta(t.Name())+"$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), envInNetns+"=1")
	cmd.WaitDelay = 5 * time.Second
	out, runErr := cmd.CombinedOutput()
	t.Logf("in network namespace %s:\n%s", ns, out)
	if runErr != nil {
		t.Fatalf("%s in a network namespace: %v", t.Name(), runErr)
	}
	if strings.Contains(string(out), "--- SKIP") || !strings.Contains(string(out), "--- PASS") {
		t.Fatalf("%s did not pass in the network namespace", t.Name())
	}
	return 0, false
}
