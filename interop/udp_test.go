package interop

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/wwsgo/wws/interop/monopeer"
	"github.com/wwsgo/wws/soap"
	"github.com/wwsgo/wws/transport"
	"github.com/wwsgo/wws/transport/udp"
	"github.com/wwsgo/wws/xmltext"
)

// TestMonoUDPClient: Mono's WCF client sends one-way messages over its
// soap.udp transport to a wws UDP listener. Mono transmits every message
// three times with one MessageID (first checked on a plain socket); the
// listener accepts each message exactly once.
func TestMonoUDPClient(t *testing.T) {
	monopeer.Require(t)
	t.Cleanup(func() { goleak.VerifyNone(t) })
	monopeer.Build(t) // before any deadline starts: the first build takes a while
	ctx := ctxFor(t, 3*time.Minute)

	// 1. What Mono puts on the wire: 3 identical datagrams per message.
	raw, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	rawURL := fmt.Sprintf("soap.udp://%s/udp", raw.LocalAddr())
	out, err := monopeer.UDPSend(t, rawURL, "udp-raw", 1)
	if err != nil || monopeer.Check(out) != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var copies [][]byte
	buf := make([]byte, 65536)
	for {
		raw.SetReadDeadline(time.Now().Add(time.Second))
		n, _, err := raw.ReadFromUDP(buf)
		if err != nil {
			break
		}
		copies = append(copies, append([]byte(nil), buf[:n]...))
	}
	if len(copies) < 2 {
		t.Fatalf("Mono sent %d datagrams for one message; the duplicate test needs repeats", len(copies))
	}
	id0, ok := udp.MessageID(copies[0])
	for i, c := range copies {
		if id, _ := udp.MessageID(c); !ok || id != id0 || string(c) != string(copies[0]) {
			t.Errorf("copy %d differs from the first (MessageID %q vs %q)", i, id, id0)
		}
	}
	t.Logf("Mono sent %d copies of the message, MessageID %s", len(copies), id0)

	// 2. A wws listener gets each of Mono's messages once.
	cfg := &transport.Config{SOAPVersion: 2, ContentType: "application/soap+xml; charset=utf-8", MaxMessageSize: 65536}
	l, err := udp.Listen(ctx, "soap.udp://127.0.0.1:0/udp", cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	url := fmt.Sprintf("soap.udp://%s/udp", l.Addr())

	type msg struct {
		id, action, to string
		body           string
		from           net.Addr
	}
	got := make(chan msg, 16)
	accepted := make(chan error, 1)
	go func() {
		defer close(got)
		for {
			c, err := l.Accept(ctx)
			if err != nil {
				if errors.Is(err, transport.ErrListenerClosed) {
					err = nil
				}
				accepted <- err
				return
			}
			f, err := c.Receive(ctx)
			if err != nil {
				c.Abort()
				accepted <- err
				return
			}
			var h soap.Header
			r := xmltext.NewReader(f.Data, xmltext.ReaderOptions{})
			if err := soap.ReadEnvelopeStart(r, &h); err != nil {
				c.Abort()
				accepted <- fmt.Errorf("%v\n%s", err, f.Data)
				return
			}
			got <- msg{id: string(h.MessageID), action: string(h.Action), to: string(h.To), body: string(f.Data), from: f.Remote}
			c.Close(ctx)
		}
	}()

	const count = 2
	out, err = monopeer.UDPSend(t, url, "udp-hello", count)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if err := monopeer.Check(out); err != nil || !strings.Contains(out, fmt.Sprintf("%d passed, 0 failed", count)) {
		t.Fatalf("Mono client: %v\n%s", err, out)
	}
	// Mono has sent all its copies when it exits; give the last ones time to be read.
	time.Sleep(time.Second)
	l.Close()
	if err := <-accepted; err != nil {
		t.Fatal(err)
	}
	var msgs []msg
	for m := range got {
		msgs = append(msgs, m)
	}
	if len(msgs) != count {
		t.Fatalf("the listener accepted %d messages, want %d (Mono sent each %d times)", len(msgs), count, len(copies))
	}
	if msgs[0].id == msgs[1].id || msgs[0].id == "" {
		t.Errorf("MessageIDs %q and %q", msgs[0].id, msgs[1].id)
	}
	for _, m := range msgs {
		if m.action != "http://wws.test/peer/Notify/Notify" || m.to != url {
			t.Errorf("action %q to %q", m.action, m.to)
		}
		if !strings.Contains(m.body, "<text>udp-hello</text>") {
			t.Errorf("body %s", m.body)
		}
		if a, ok := m.from.(*net.UDPAddr); !ok || !a.IP.IsLoopback() {
			t.Errorf("sender %v", m.from)
		}
	}
}
