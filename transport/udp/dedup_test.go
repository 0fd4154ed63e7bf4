package udp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	"github.com/wwsgo/wws/transport"
)

func TestDupCache(t *testing.T) {
	leakCheck(t)
	now := time.Now()
	c := newDupCache(3, time.Minute)
	id := func(s string) []byte { return []byte(s) }
	if c.duplicate(id("a"), now) || !c.duplicate(id("a"), now) || !c.duplicate(id("a"), now.Add(59*time.Second)) {
		t.Fatal("a second sighting within the window is a duplicate")
	}
	if c.duplicate(nil, now) || c.duplicate(nil, now) {
		t.Error("an empty ID is never a duplicate")
	}
	// Capacity: the oldest is forgotten.
	c.duplicate(id("b"), now)
	c.duplicate(id("c"), now)
	c.duplicate(id("d"), now) // evicts a
	if c.len() != 3 {
		t.Errorf("%d IDs remembered, want 3", c.len())
	}
	if c.duplicate(id("a"), now) {
		t.Error("a was evicted and should be new again")
	}
	if !c.duplicate(id("d"), now) {
		t.Error("d is remembered")
	}
	// Window: everything older than a minute is forgotten.
	later := now.Add(time.Minute)
	if c.duplicate(id("d"), later) {
		t.Error("d is older than the window")
	}
	if c.len() != 1 {
		t.Errorf("%d IDs remembered after expiry, want 1", c.len())
	}
	var nilCache *dupCache
	if nilCache.duplicate(id("x"), now) || nilCache.duplicate(id("x"), now) || nilCache.len() != 0 {
		t.Error("a nil cache suppresses nothing")
	}
	if newDupCache(0, time.Minute) != nil || newDupCache(-1, time.Minute) != nil {
		t.Error("no cache for n <= 0")
	}
	// Many IDs: memory stays bounded.
	big := newDupCache(100, time.Hour)
	for i := range 10000 {
		big.duplicate(fmt.Appendf(nil, "urn:uuid:%d", i), now)
	}
	if big.len() != 100 || len(big.seen) != 100 || big.size != 100 {
		t.Errorf("cache holds %d/%d entries, want 100", big.len(), big.size)
	}
}

func readMono(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/mono-udp-oneway.bin")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// acceptAll accepts until nothing arrives for quiet, and returns the
// datagrams accepted.
func acceptAll(ctx context.Context, t *testing.T, l transport.Listener, quiet time.Duration) [][]byte {
	t.Helper()
	var got [][]byte
	for {
		actx, cancel := context.WithTimeout(ctx, quiet)
		c, err := l.Accept(actx)
		cancel()
		if err != nil {
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatal(err)
			}
			return got
		}
		f, err := c.Receive(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, append([]byte(nil), f.Data...))
		c.Close(ctx)
	}
}

// TestDuplicateSuppression: Mono sends every message three times with one
// MessageID; the listener accepts it once. Different MessageIDs, and
// datagrams without one, all arrive.
func TestDuplicateSuppression(t *testing.T) {
	leakCheck(t)
	ctx := tctx(t)
	mono := readMono(t)
	raw := rawListen(t, "udp4", "127.0.0.1:0")
	send := func(l transport.Listener, msgs ...[]byte) {
		for _, m := range msgs {
			if _, err := raw.WriteTo(m, l.Addr()); err != nil {
				t.Fatal(err)
			}
		}
	}
	l, err := Listen(ctx, "soap.udp://127.0.0.1:0", noRepeat())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	send(l, mono, mono, mono)
	if got := acceptAll(ctx, t, l, 150*time.Millisecond); len(got) != 1 || !bytes.Equal(got[0], mono) {
		t.Errorf("Mono's three copies: accepted %d", len(got))
	}
	// The same message again later is still a duplicate (within the window).
	send(l, mono)
	if got := acceptAll(ctx, t, l, 200*time.Millisecond); len(got) != 0 {
		t.Errorf("a late copy was accepted")
	}

	a, b, c := envelope(newID(), "urn:a", "<a/>"), envelope(newID(), "urn:a", "<b/>"), envelope(newID(), "urn:a", "<c/>")
	send(l, a, b, a, c, b, a)
	if got := acceptAll(ctx, t, l, 150*time.Millisecond); len(got) != 3 {
		t.Errorf("three MessageIDs, each repeated: accepted %d, want 3", len(got))
	}

	none := envelope("", "urn:a", "<n/>")
	send(l, none, none, none)
	if got := acceptAll(ctx, t, l, 150*time.Millisecond); len(got) != 3 {
		t.Errorf("no MessageID: accepted %d of 3", len(got))
	}
	junk := []byte("not xml at all, MessageID>")
	send(l, junk, junk)
	if got := acceptAll(ctx, t, l, 150*time.Millisecond); len(got) != 2 {
		t.Errorf("non-SOAP datagrams: accepted %d of 2", len(got))
	}

	// Suppression off.
	off, err := Listen(ctx, "soap.udp://127.0.0.1:0", noRepeat(ExtraDuplicateHistory, -1))
	if err != nil {
		t.Fatal(err)
	}
	defer off.Close()
	send(off, mono, mono, mono)
	if got := acceptAll(ctx, t, off, 150*time.Millisecond); len(got) != 3 {
		t.Errorf("suppression off: accepted %d of 3", len(got))
	}

	// A short window forgets.
	short, err := Listen(ctx, "soap.udp://127.0.0.1:0", noRepeat(ExtraDuplicateWindow, 50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer short.Close()
	// (A datagram's time is when Accept reads it.)
	send(short, mono)
	n := len(acceptAll(ctx, t, short, 100*time.Millisecond))
	time.Sleep(100 * time.Millisecond)
	send(short, mono)
	if n += len(acceptAll(ctx, t, short, 300*time.Millisecond)); n != 2 {
		t.Errorf("window 50ms, copies 200ms apart: accepted %d, want 2", n)
	}

	// A small history forgets the oldest.
	small, err := Listen(ctx, "soap.udp://127.0.0.1:0", noRepeat(ExtraDuplicateHistory, 2))
	if err != nil {
		t.Fatal(err)
	}
	defer small.Close()
	send(small, a, b, c, a)
	if got := acceptAll(ctx, t, small, 150*time.Millisecond); len(got) != 4 {
		t.Errorf("history 2: accepted %d, want 4 (a forgotten after c)", len(got))
	}
}

// TestClientDuplicateSuppression: a client's Receive drops repeats too.
func TestClientDuplicateSuppression(t *testing.T) {
	leakCheck(t)
	ctx := tctx(t)
	raw := rawListen(t, "udp4", "127.0.0.1:0")
	c, err := Dial(ctx, "soap.udp://"+raw.LocalAddr().String(), noRepeat())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Abort()
	to := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: c.LocalAddr().(*net.UDPAddr).Port}
	mono := readMono(t)
	other := envelope(newID(), "urn:b", "")
	for _, m := range [][]byte{mono, mono, other, mono, other, []byte("<last/>")} {
		raw.WriteTo(m, to)
	}
	var got [][]byte
	for {
		f, err := c.Receive(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, append([]byte(nil), f.Data...))
		if string(f.Data) == "<last/>" {
			break
		}
	}
	if len(got) != 3 || !bytes.Equal(got[0], mono) || !bytes.Equal(got[1], other) {
		t.Errorf("client received %d datagrams, want Mono's, the other, the last", len(got))
	}
}

// TestRepeatsSuppressed: wws's own repeats are dropped by a wws receiver.
func TestRepeatsSuppressed(t *testing.T) {
	leakCheck(t)
	ctx := tctx(t)
	rt := Retransmission{UnicastRepeat: 3, MinDelay: 5 * time.Millisecond, MaxDelay: 10 * time.Millisecond, UpperDelay: 20 * time.Millisecond}
	l, err := Listen(ctx, "soap.udp://127.0.0.1:0", config(ExtraRetransmission, rt))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c, err := Dial(ctx, "soap.udp://"+l.Addr().String(), config(ExtraRetransmission, rt))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Abort()
	for i := range 3 {
		c.Send(ctx, &transport.Frame{Data: envelope(newID(), "urn:a", fmt.Sprintf("<n>%d</n>", i))})
	}
	if got := acceptAll(ctx, t, l, 500*time.Millisecond); len(got) != 3 {
		t.Errorf("accepted %d, want 3 (each message once, despite 4 transmissions each)", len(got))
	}
}
