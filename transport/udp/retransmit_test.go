package udp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/wwsgo/wws/transport"
)

// collectN reads datagrams until n arrived or the deadline passed.
func collectN(pc *net.UDPConn, n int, deadline time.Time) []datagram {
	var got []datagram
	buf := make([]byte, MaxDatagramSize)
	for len(got) < n {
		pc.SetReadDeadline(deadline)
		k, from, err := pc.ReadFromUDPAddrPort(buf)
		if err != nil {
			break
		}
		got = append(got, datagram{data: append([]byte(nil), buf[:k]...), from: from, at: time.Now()})
	}
	return got
}

// Timing tolerances: repeats are never early (beyond timer granularity)
// but may be late on a loaded machine, under the race detector.
const (
	early  = 5 * time.Millisecond
	late   = 200 * time.Millisecond
	jitter = 50 * time.Millisecond // how much earlier a gap may look than its delay
)

// checkSchedule checks the gaps between the transmissions of one message
// against Appendix I: the first gap in [min, max], then each gap double
// the one before, bounded by upper.
func checkSchedule(t *testing.T, got []datagram, rt Retransmission) {
	t.Helper()
	var prev time.Duration
	for i := 1; i < len(got); i++ {
		gap := got[i].at.Sub(got[i-1].at)
		var lo, hi time.Duration
		if i == 1 {
			lo, hi = rt.MinDelay, rt.MaxDelay
		} else {
			// prev includes delivery latency; the nominal delay was at
			// most prev, so the next is at most min(2*prev, upper).
			nominal := min(2*prev, rt.UpperDelay)
			lo, hi = min(2*(prev-jitter), rt.UpperDelay), nominal
		}
		if gap < lo-early || gap > hi+late {
			t.Errorf("gap %d = %v, want within [%v, %v] (gaps so far %v)", i, gap, lo, hi, gaps(got[:i+1]))
		}
		if gap > rt.UpperDelay+late {
			t.Errorf("gap %d = %v exceeds UDP_UPPER_DELAY %v", i, gap, rt.UpperDelay)
		}
		prev = gap
	}
}

func gaps(got []datagram) []time.Duration {
	var g []time.Duration
	for i := 1; i < len(got); i++ {
		g = append(g, got[i].at.Sub(got[i-1].at).Round(time.Millisecond))
	}
	return g
}

func TestRetransmissionParameters(t *testing.T) {
	leakCheck(t)
	rt := DefaultRetransmission
	if rt.UnicastRepeat != 2 || rt.MulticastRepeat != 4 || rt.MinDelay != 50*time.Millisecond ||
		rt.MaxDelay != 250*time.Millisecond || rt.UpperDelay != 500*time.Millisecond {
		t.Fatalf("DefaultRetransmission = %+v", rt)
	}
	seen := map[time.Duration]bool{}
	for range 2000 {
		d := rt.firstDelay()
		if d < rt.MinDelay || d > rt.MaxDelay {
			t.Fatalf("first delay %v outside [%v, %v]", d, rt.MinDelay, rt.MaxDelay)
		}
		seen[d/(10*time.Millisecond)] = true
	}
	if len(seen) < 15 {
		t.Errorf("first delays are not spread over the range: %d buckets of 10ms", len(seen))
	}
	if got := rt.next(200 * time.Millisecond); got != 400*time.Millisecond {
		t.Errorf("next(200ms) = %v", got)
	}
	if got := rt.next(300 * time.Millisecond); got != 500*time.Millisecond {
		t.Errorf("next(300ms) = %v, want the upper delay", got)
	}
	if rt.repeats(netip.MustParseAddr("239.255.255.250")) != 4 || rt.repeats(netip.MustParseAddr("ff02::c")) != 4 ||
		rt.repeats(netip.MustParseAddr("127.0.0.1")) != 2 || rt.repeats(netip.MustParseAddr("::1")) != 2 {
		t.Error("repeat count by destination")
	}
	fixed := Retransmission{UnicastRepeat: 1, MinDelay: 7 * time.Millisecond, MaxDelay: 7 * time.Millisecond, UpperDelay: 7 * time.Millisecond}
	if fixed.firstDelay() != 7*time.Millisecond {
		t.Error("fixed first delay")
	}
}

// TestSchedulerAlgorithm runs the scheduler alone, recording when it sends.
func TestSchedulerAlgorithm(t *testing.T) {
	leakCheck(t)
	var mu sync.Mutex
	var got []datagram
	s := newScheduler(func(b []byte, to netip.AddrPort) error {
		mu.Lock()
		got = append(got, datagram{data: b, from: to, at: time.Now()})
		mu.Unlock()
		return nil
	}, 1<<20)
	defer func() { <-s.close() }()
	rt := Retransmission{UnicastRepeat: 4, MulticastRepeat: 1, MinDelay: 20 * time.Millisecond, MaxDelay: 40 * time.Millisecond, UpperDelay: 90 * time.Millisecond}
	var o owner
	to := netip.MustParseAddrPort("127.0.0.1:9")
	data := []byte("abc")
	start := time.Now()
	if !s.add(&o, rt, data, to) {
		t.Fatal("nothing scheduled")
	}
	data[0] = 'X' // the scheduler holds its own copy
	if !s.wait(&o, nil, nil) {
		t.Fatal("wait did not drain")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 4 {
		t.Fatalf("%d repeats, want 4", len(got))
	}
	all := append([]datagram{{at: start}}, got...)
	checkSchedule(t, all, rt)
	for _, d := range got {
		if string(d.data) != "abc" || d.from != to {
			t.Errorf("repeat %q to %v", d.data, d.from)
		}
	}
	s.mu.Lock()
	if s.bytes != 0 || len(s.q) != 0 || o.pending != 0 {
		t.Errorf("after draining: %d bytes, %d queued, %d pending", s.bytes, len(s.q), o.pending)
	}
	s.mu.Unlock()
	// The goroutine ends once the queue is empty.
	deadline := time.Now().Add(time.Second)
	for {
		s.mu.Lock()
		running := s.running
		s.mu.Unlock()
		if !running {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("scheduler goroutine still running with an empty queue")
		}
		time.Sleep(time.Millisecond)
	}
	if s.add(&o, NoRetransmission, data, to) {
		t.Error("NoRetransmission scheduled repeats")
	}
}

// TestRetransmitUnicast counts, on the wire, 1 + UNICAST_UDP_REPEAT copies
// of a message sent to a unicast address, on Appendix I's schedule.
func TestRetransmitUnicast(t *testing.T) {
	leakCheck(t)
	ctx := tctx(t)
	raw := rawListen(t, "udp4", "127.0.0.1:0")
	c, err := Dial(ctx, "soap.udp://"+raw.LocalAddr().String(), config())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Abort()
	msg := envelope(newID(), "urn:one-way", "<n>1</n>")
	start := time.Now()
	if err := c.Send(ctx, &transport.Frame{Data: msg}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 50*time.Millisecond {
		t.Errorf("Send blocked for %v", d)
	}
	// All repeats are due within 250 + 500 ms.
	got := collect(raw, 700*time.Millisecond, start.Add(3*time.Second))
	if len(got) != 1+UnicastUDPRepeat {
		t.Fatalf("%d datagrams on the wire, want %d (gaps %v)", len(got), 1+UnicastUDPRepeat, gaps(got))
	}
	for _, d := range got {
		if !bytes.Equal(d.data, msg) {
			t.Fatal("a repeat differs from the message")
		}
	}
	checkSchedule(t, got, DefaultRetransmission)
	t.Logf("unicast gaps %v", gaps(got))
}

// TestRetransmitMulticast counts 1 + MULTICAST_UDP_REPEAT copies of a
// message sent to a group, received by a socket joined on loopback.
func TestRetransmitMulticast(t *testing.T) {
	leakCheck(t)
	lo, ok := needMulticast(t)
	if !ok {
		return
	}
	ctx := tctx(t)
	port := freePort(t)
	raw := groupListen(t, port, lo)
	c, err := Dial(ctx, fmt.Sprintf("soap.udp://%s:%d", testGroup, port), config(ExtraMulticastInterface, lo))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Abort()
	msg := envelope(newID(), "urn:one-way", "<n>1</n>")
	start := time.Now()
	if err := c.Send(ctx, &transport.Frame{Data: msg}); err != nil {
		t.Fatal(err)
	}
	// All repeats are due within 250 + 500 + 500 + 500 ms.
	got := collect(raw, 1500*time.Millisecond, start.Add(5*time.Second))
	if len(got) != 1+MulticastUDPRepeat {
		t.Fatalf("%d datagrams on the wire, want %d (gaps %v)", len(got), 1+MulticastUDPRepeat, gaps(got))
	}
	for _, d := range got {
		if !bytes.Equal(d.data, msg) {
			t.Fatal("a repeat differs from the message")
		}
		if d.from.Addr() != netip.MustParseAddr("127.0.0.1") {
			t.Errorf("multicast from %v, want 127.0.0.1 (the loopback interface's address)", d.from)
		}
	}
	checkSchedule(t, got, DefaultRetransmission)
	if total := got[len(got)-1].at.Sub(got[0].at); total > 250*time.Millisecond+3*500*time.Millisecond+late {
		t.Errorf("repeats took %v", total)
	}
	t.Logf("multicast gaps %v", gaps(got))

	// Frame.Remote naming the group from a Conn dialled to a unicast
	// address gets the multicast count too.
	c2, err := Dial(ctx, "soap.udp://127.0.0.1:9", config(ExtraMulticastInterface, lo,
		ExtraRetransmission, Retransmission{UnicastRepeat: 0, MulticastRepeat: 2, MinDelay: 10 * time.Millisecond, MaxDelay: 10 * time.Millisecond, UpperDelay: 20 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Abort()
	if err := c2.Send(ctx, &transport.Frame{Data: msg, Remote: &net.UDPAddr{IP: net.ParseIP(testGroup), Port: port}}); err != nil {
		t.Fatal(err)
	}
	if got := collect(raw, 500*time.Millisecond, time.Now().Add(3*time.Second)); len(got) != 3 {
		t.Errorf("%d datagrams to the group via Frame.Remote, want 3", len(got))
	}
}

func TestRetransmitConfigured(t *testing.T) {
	leakCheck(t)
	ctx := tctx(t)
	raw := rawListen(t, "udp4", "127.0.0.1:0")
	url := "soap.udp://" + raw.LocalAddr().String()
	for _, c := range []struct {
		name string
		rt   any
		want int
	}{
		{"off", NoRetransmission, 1},
		{"nil pointer", (*Retransmission)(nil), 1},
		{"one", &Retransmission{UnicastRepeat: 1, MinDelay: 10 * time.Millisecond, MaxDelay: 20 * time.Millisecond, UpperDelay: 40 * time.Millisecond}, 2},
		{"five", Retransmission{UnicastRepeat: 5, MinDelay: 5 * time.Millisecond, MaxDelay: 10 * time.Millisecond, UpperDelay: 20 * time.Millisecond}, 6},
		{"multicast only", Retransmission{MulticastRepeat: 3, MinDelay: 5 * time.Millisecond, MaxDelay: 10 * time.Millisecond, UpperDelay: 20 * time.Millisecond}, 1},
	} {
		conn, err := Dial(ctx, url, config(ExtraRetransmission, c.rt))
		if err != nil {
			t.Fatal(err)
		}
		conn.Send(ctx, &transport.Frame{Data: envelope(newID(), "urn:a", "")})
		got := collect(raw, 300*time.Millisecond, time.Now().Add(3*time.Second))
		if len(got) != c.want {
			t.Errorf("%s: %d datagrams, want %d", c.name, len(got), c.want)
		}
		conn.Abort()
	}
}

// TestAbortCancelsRepeats: no datagram leaves after Abort returns.
func TestAbortCancelsRepeats(t *testing.T) {
	leakCheck(t)
	ctx := tctx(t)
	rt := Retransmission{UnicastRepeat: 4, MinDelay: 50 * time.Millisecond, MaxDelay: 100 * time.Millisecond, UpperDelay: 200 * time.Millisecond}
	raw := rawListen(t, "udp4", "127.0.0.1:0")
	for _, after := range []int{1, 2} {
		c, err := Dial(ctx, "soap.udp://"+raw.LocalAddr().String(), config(ExtraRetransmission, rt))
		if err != nil {
			t.Fatal(err)
		}
		c.Send(ctx, &transport.Frame{Data: envelope(newID(), "urn:a", "")})
		if got := collectN(raw, after, time.Now().Add(3*time.Second)); len(got) != after {
			t.Fatalf("%d datagrams before Abort, want %d", len(got), after)
		}
		start := time.Now()
		c.Abort()
		if d := time.Since(start); d > 50*time.Millisecond {
			t.Errorf("Abort took %v", d)
		}
		if got := collect(raw, 600*time.Millisecond, time.Now().Add(2*time.Second)); len(got) != 0 {
			t.Errorf("%d datagrams after Abort (aborted after %d)", len(got), after)
		}
	}

	// An accepted Conn's Abort cancels the repeats of its reply, and
	// leaves the listener and the other Conns alone.
	l, err := Listen(ctx, "soap.udp://127.0.0.1:0", config(ExtraRetransmission, rt))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for range 2 {
		raw.WriteTo(envelope(newID(), "urn:a", ""), l.Addr())
	}
	sc1, err := l.Accept(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sc2, err := l.Accept(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sc2.Abort()
	sc1.Send(ctx, &transport.Frame{Data: []byte("<one/>")})
	sc2.Send(ctx, &transport.Frame{Data: []byte("<two/>")})
	collectN(raw, 2, time.Now().Add(3*time.Second))
	sc1.Abort()
	got := collect(raw, 600*time.Millisecond, time.Now().Add(4*time.Second))
	for _, d := range got {
		if string(d.data) != "<two/>" {
			t.Errorf("after Abort of the first accepted Conn: %s", d.data)
		}
	}
	if len(got) != rt.UnicastRepeat {
		t.Errorf("the second accepted Conn's reply was repeated %d times, want %d", len(got), rt.UnicastRepeat)
	}
}

// TestCloseDrainsRepeats: a client's Close sends the repeats still due,
// within its context.
func TestCloseDrainsRepeats(t *testing.T) {
	leakCheck(t)
	ctx := tctx(t)
	raw := rawListen(t, "udp4", "127.0.0.1:0")
	c, err := Dial(ctx, "soap.udp://"+raw.LocalAddr().String(), config())
	if err != nil {
		t.Fatal(err)
	}
	c.Send(ctx, &transport.Frame{Data: envelope(newID(), "urn:a", "")})
	start := time.Now()
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 150*time.Millisecond-early || d > 750*time.Millisecond+late {
		t.Errorf("Close took %v, want the time of the repeats (150-750ms)", d)
	}
	if got := collect(raw, 100*time.Millisecond, time.Now().Add(time.Second)); len(got) != 1+UnicastUDPRepeat {
		t.Errorf("%d datagrams once Close returned, want %d", len(got), 1+UnicastUDPRepeat)
	}

	// A Close whose context ends first drops the rest.
	c, err = Dial(ctx, "soap.udp://"+raw.LocalAddr().String(), config())
	if err != nil {
		t.Fatal(err)
	}
	c.Send(ctx, &transport.Frame{Data: envelope(newID(), "urn:a", "")})
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if err := c.Close(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Close with a short context: %v", err)
	}
	if got := collect(raw, 700*time.Millisecond, time.Now().Add(2*time.Second)); len(got) != 1 {
		t.Errorf("%d datagrams, want 1 (repeats dropped by the expired Close)", len(got))
	}

	// Abort ends a Close that waits for repeats.
	c, err = Dial(ctx, "soap.udp://"+raw.LocalAddr().String(), config())
	if err != nil {
		t.Fatal(err)
	}
	c.Send(ctx, &transport.Frame{Data: envelope(newID(), "urn:a", "")})
	closed := make(chan error, 1)
	go func() { closed <- c.Close(ctx) }()
	time.Sleep(10 * time.Millisecond)
	c.Abort()
	select {
	case <-closed:
	case <-time.After(time.Second):
		t.Fatal("Close did not return after Abort")
	}
	collect(raw, 200*time.Millisecond, time.Now().Add(time.Second))
}

// TestAcceptedCloseKeepsRepeats: closing an accepted Conn leaves its
// reply's repeats to the listener; Listener.Close drops them.
func TestAcceptedCloseKeepsRepeats(t *testing.T) {
	leakCheck(t)
	ctx := tctx(t)
	raw := rawListen(t, "udp4", "127.0.0.1:0")
	l, err := Listen(ctx, "soap.udp://127.0.0.1:0", config())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accept := func() transport.Conn {
		raw.WriteTo(envelope(newID(), "urn:a", ""), l.Addr())
		sc, err := l.Accept(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return sc
	}
	sc := accept()
	sc.Send(ctx, &transport.Frame{Data: []byte("<reply/>")})
	start := time.Now()
	sc.Close(ctx)
	if d := time.Since(start); d > 50*time.Millisecond {
		t.Errorf("accepted Close took %v: it must not wait for repeats while the listener is open", d)
	}
	if got := collect(raw, 700*time.Millisecond, time.Now().Add(3*time.Second)); len(got) != 1+UnicastUDPRepeat {
		t.Errorf("%d datagrams, want %d", len(got), 1+UnicastUDPRepeat)
	}

	// Listener.Close drops the repeats of Conns already closed...
	sc = accept()
	open := accept()
	sc.Send(ctx, &transport.Frame{Data: []byte("<closed/>")})
	sc.Close(ctx)
	open.Send(ctx, &transport.Frame{Data: []byte("<open/>")})
	l.Close()
	got := collect(raw, 700*time.Millisecond, time.Now().Add(3*time.Second))
	n := map[string]int{}
	for _, d := range got {
		n[string(d.data)]++
	}
	if n["<closed/>"] != 1 {
		t.Errorf("reply of a closed Conn sent %d times after Listener.Close, want 1", n["<closed/>"])
	}
	// ...but not those of Conns still open, whose Close then waits for them.
	if n["<open/>"] != 1+UnicastUDPRepeat {
		t.Errorf("reply of an open Conn sent %d times, want %d", n["<open/>"], 1+UnicastUDPRepeat)
	}
	open.Send(ctx, &transport.Frame{Data: []byte("<last/>")})
	start = time.Now()
	if err := open.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 150*time.Millisecond-early {
		t.Errorf("last Close after Listener.Close took %v; it should wait for the repeats", d)
	}
	if got := collect(raw, 100*time.Millisecond, time.Now().Add(time.Second)); len(got) != 1+UnicastUDPRepeat {
		t.Errorf("%d datagrams of the last reply, want %d", len(got), 1+UnicastUDPRepeat)
	}
}

// TestPendingBytesBound: beyond ExtraMaxPendingBytes a message is sent
// once, without repeats.
func TestPendingBytesBound(t *testing.T) {
	leakCheck(t)
	ctx := tctx(t)
	raw := rawListen(t, "udp4", "127.0.0.1:0")
	fast := Retransmission{UnicastRepeat: 2, MinDelay: 20 * time.Millisecond, MaxDelay: 40 * time.Millisecond, UpperDelay: 80 * time.Millisecond}
	c, err := Dial(ctx, "soap.udp://"+raw.LocalAddr().String(), config(ExtraMaxPendingBytes, 1000, ExtraRetransmission, fast))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Abort()
	for _, b := range []byte("abc") {
		c.Send(ctx, &transport.Frame{Data: bytes.Repeat([]byte{b}, 600)})
	}
	n := map[byte]int{}
	for _, d := range collect(raw, 300*time.Millisecond, time.Now().Add(3*time.Second)) {
		n[d.data[0]]++
	}
	if n['a'] != 3 || n['b'] != 1 || n['c'] != 1 {
		t.Errorf("transmissions per message %v, want a:3 b:1 c:1", n)
	}
	// Once the first message's repeats are done, there is room again.
	c.Send(ctx, &transport.Frame{Data: bytes.Repeat([]byte("d"), 600)})
	if got := collect(raw, 300*time.Millisecond, time.Now().Add(3*time.Second)); len(got) != 3 {
		t.Errorf("%d transmissions after the queue emptied, want 3", len(got))
	}
}
