package udp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wwsgo/wws/soap"
	"github.com/wwsgo/wws/transport"
	"github.com/wwsgo/wws/xmltext"
)

// WS-Discovery 1.1 (OASIS, 2009) over SOAP 1.2 and WS-Addressing 1.0.
const (
	discoveryTo     = "urn:docs-oasis-open-org:ws-dd:ns:discovery:2009:01"
	actionProbe     = nsDisc + "/Probe"
	actionProbeMatc = nsDisc + "/ProbeMatches"
	anonymous       = nsA10 + "/anonymous"
)

func probe(id string) []byte {
	return []byte(`<s:Envelope xmlns:s="` + nsS12 + `" xmlns:a="` + nsA10 + `" xmlns:d="` + nsDisc + `">` +
		`<s:Header><a:Action s:mustUnderstand="1">` + actionProbe + `</a:Action>` +
		`<a:MessageID>` + id + `</a:MessageID>` +
		`<a:ReplyTo><a:Address>` + anonymous + `</a:Address></a:ReplyTo>` +
		`<a:To s:mustUnderstand="1">` + discoveryTo + `</a:To></s:Header>` +
		`<s:Body><d:Probe><d:Types xmlns:p="urn:wws:test">p:Printer</d:Types></d:Probe></s:Body></s:Envelope>`)
}

func probeMatches(id, relatesTo, epr string) []byte {
	return []byte(`<s:Envelope xmlns:s="` + nsS12 + `" xmlns:a="` + nsA10 + `" xmlns:d="` + nsDisc + `">` +
		`<s:Header><a:Action s:mustUnderstand="1">` + actionProbeMatc + `</a:Action>` +
		`<a:MessageID>` + id + `</a:MessageID>` +
		`<a:RelatesTo>` + relatesTo + `</a:RelatesTo>` +
		`<a:To s:mustUnderstand="1">` + anonymous + `</a:To>` +
		`<d:AppSequence InstanceId="1" MessageNumber="1"/></s:Header>` +
		`<s:Body><d:ProbeMatches><d:ProbeMatch><a:EndpointReference><a:Address>` + epr + `</a:Address></a:EndpointReference>` +
		`<d:Types xmlns:p="urn:wws:test">p:Printer</d:Types><d:MetadataVersion>1</d:MetadataVersion></d:ProbeMatch></d:ProbeMatches></s:Body></s:Envelope>`)
}

// headers reads an envelope's addressing headers.
func headers(t *testing.T, b []byte) *soap.Header {
	t.Helper()
	var h soap.Header
	if err := soap.ReadEnvelopeStart(xmltext.NewReader(b, xmltext.ReaderOptions{}), &h); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	return &h
}

// responder is a target service: it answers each Probe its multicast
// listener accepts with a unicast ProbeMatches to the prober.
func responder(ctx context.Context, l transport.Listener, epr string, probes chan<- string) error {
	for {
		c, err := l.Accept(ctx)
		if err != nil {
			if errors.Is(err, transport.ErrListenerClosed) {
				return nil
			}
			return err
		}
		f, err := c.Receive(ctx)
		if err != nil {
			c.Abort()
			return err
		}
		var h soap.Header
		if err := soap.ReadEnvelopeStart(xmltext.NewReader(f.Data, xmltext.ReaderOptions{}), &h); err != nil {
			c.Abort()
			return err
		}
		if string(h.Action) != actionProbe {
			c.Abort()
			return fmt.Errorf("%s got action %q", epr, h.Action)
		}
		probes <- epr + " " + string(h.MessageID)
		// The reply goes to the Probe's source (anonymous ReplyTo), unicast.
		if err := c.Send(ctx, &transport.Frame{Data: probeMatches(newID(), string(h.MessageID), epr)}); err != nil {
			c.Abort()
			return err
		}
		c.Close(ctx)
	}
}

// TestWSDiscoveryProbe: a client multicasts a Probe (repeated
// MULTICAST_UDP_REPEAT times); two responders sharing the group port each
// accept it once and answer with a unicast ProbeMatches (repeated
// UNICAST_UDP_REPEAT times); the client collects both, once each.
func TestWSDiscoveryProbe(t *testing.T) {
	leakCheck(t)
	lo, ok := needMulticast(t)
	if !ok {
		return
	}
	ctx := tctx(t)
	port := freePort(t)
	group := fmt.Sprintf("soap.udp://%s:%d", testGroup, port)
	lcfg := config(ExtraMulticastInterfaces, []uint32{uint32(lo)})

	probes := make(chan string, 10)
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	var listeners []transport.Listener
	for i := range 2 {
		l, err := Listen(ctx, group, lcfg)
		if err != nil {
			t.Fatal(err)
		}
		listeners = append(listeners, l)
		if got := l.(*Listener).Interfaces(); len(got) != 1 || got[0] != lo {
			t.Errorf("responder %d joined on %v, want [%d]", i, got, lo)
		}
		epr := fmt.Sprintf("urn:uuid:00000000-0000-4000-8000-%012d", 900+i)
		wg.Go(func() { errs <- responder(ctx, l, epr, probes) })
	}
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
	}()
	// The test's own counter on the group port, beside the responders.
	wire := groupListen(t, port, lo)

	c, err := Dial(ctx, group, config(ExtraMulticastInterface, lo, ExtraMulticastHops, 1))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Abort()
	probeID := newID()
	start := time.Now()
	if err := c.Send(ctx, &transport.Frame{Data: probe(probeID)}); err != nil {
		t.Fatal(err)
	}

	// Collect ProbeMatches until every repeat had time to arrive.
	matches := map[string]int{}
	var from []net.Addr
	deadline := start.Add(3 * time.Second)
	for time.Now().Before(deadline) {
		rctx, cancel := context.WithDeadline(ctx, deadline)
		f, err := c.Receive(rctx)
		cancel()
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				break
			}
			t.Fatal(err)
		}
		h := headers(t, f.Data)
		if string(h.Action) != actionProbeMatc || string(h.RelatesTo) != probeID {
			t.Errorf("reply action %q RelatesTo %q, want ProbeMatches relating to %q", h.Action, h.RelatesTo, probeID)
		}
		if f.Remote.(*net.UDPAddr).Port != port {
			t.Errorf("ProbeMatches from %v, want the responders' port %d", f.Remote, port)
		}
		matches[string(h.MessageID)]++
		from = append(from, f.Remote)
		body := string(f.Data)
		i := strings.Index(body, "<a:Address>")
		j := strings.Index(body, "</a:Address>")
		if i < 0 || j < i {
			t.Fatalf("no EPR in %s", body)
		}
		matches["epr "+body[i+len("<a:Address>"):j]]++
	}
	if matches["epr urn:uuid:00000000-0000-4000-8000-000000000900"] != 1 || matches["epr urn:uuid:00000000-0000-4000-8000-000000000901"] != 1 {
		t.Errorf("ProbeMatches per responder %v, want one from each", matches)
	}
	if len(from) != 2 {
		t.Errorf("the client received %d ProbeMatches (%v), want 2", len(from), from)
	}
	// Each responder accepted the Probe once, despite its repeats.
	close(probes)
	var got []string
	for p := range probes {
		got = append(got, p)
	}
	if len(got) != 2 || !strings.HasSuffix(got[0], probeID) || !strings.HasSuffix(got[1], probeID) || got[0] == got[1] {
		t.Errorf("probes accepted by the responders: %v", got)
	}
	// And the Probe did go out 1 + MULTICAST_UDP_REPEAT times.
	if n := len(collect(wire, 100*time.Millisecond, time.Now().Add(time.Second))); n != 1+MulticastUDPRepeat {
		t.Errorf("the Probe went out %d times, want %d", n, 1+MulticastUDPRepeat)
	}
}

// TestMulticastLoopbackOff: a multicast listener with
// ExtraMulticastLoopback false does not receive this host's multicast, but
// still receives unicast datagrams to its port.
func TestMulticastLoopbackOff(t *testing.T) {
	leakCheck(t)
	lo, ok := needMulticast(t)
	if !ok {
		return
	}
	ctx := tctx(t)
	port := freePort(t)
	group := fmt.Sprintf("soap.udp://%s:%d", testGroup, port)
	on, err := Listen(ctx, group, noRepeat(ExtraMulticastInterfaces, []int{lo}))
	if err != nil {
		t.Fatal(err)
	}
	defer on.Close()
	off, err := Listen(ctx, group, noRepeat(ExtraMulticastInterfaces, []int{lo}, ExtraMulticastLoopback, false))
	if err != nil {
		t.Fatal(err)
	}
	defer off.Close()
	c, err := Dial(ctx, group, noRepeat(ExtraMulticastInterface, lo))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Abort()
	c.Send(ctx, &transport.Frame{Data: envelope(newID(), "urn:a", "")})
	if got := acceptAll(ctx, t, on, 300*time.Millisecond); len(got) != 1 {
		t.Errorf("loopback on: accepted %d, want 1", len(got))
	}
	if got := acceptAll(ctx, t, off, 300*time.Millisecond); len(got) != 0 {
		t.Errorf("loopback off: accepted %d of this host's multicast, want 0", len(got))
	}
	// Unicast to the port reaches one of the two listeners sharing it.
	u, err := Dial(ctx, fmt.Sprintf("soap.udp://127.0.0.1:%d", port), noRepeat())
	if err != nil {
		t.Fatal(err)
	}
	defer u.Abort()
	u.Send(ctx, &transport.Frame{Data: envelope(newID(), "urn:u", "")})
	n := len(acceptAll(ctx, t, on, 300*time.Millisecond)) + len(acceptAll(ctx, t, off, 300*time.Millisecond))
	if n != 1 {
		t.Errorf("a unicast datagram to the shared port was accepted %d times, want 1", n)
	}
}

// TestMulticastListenerOptions covers the listener's multicast settings.
func TestMulticastListenerOptions(t *testing.T) {
	leakCheck(t)
	lo, ok := needMulticast(t)
	if !ok {
		return
	}
	ctx := tctx(t)
	port := freePort(t)
	// The default interfaces: multicast-capable ones, else loopback. (Not
	// joined here: joining on a real interface would talk to its network.)
	ifs, err := defaultInterfaces()
	if err != nil || len(ifs) == 0 {
		t.Fatalf("default interfaces %v: %v", ifs, err)
	}
	for _, i := range ifs {
		ifi, err := net.InterfaceByIndex(i)
		if err != nil || ifi.Flags&net.FlagUp == 0 || ifi.Flags&(net.FlagMulticast|net.FlagLoopback) == 0 {
			t.Errorf("default interface %v: %v", ifi, err)
		}
	}
	t.Logf("default interfaces: %v (loopback is %d)", ifs, lo)
	// An interface that does not exist is an error.
	if l, err := Listen(ctx, fmt.Sprintf("soap.udp://%s:%d", testGroup, port), noRepeat(ExtraMulticastInterfaces, []uint32{1 << 20})); err == nil {
		l.Close()
		t.Error("joining on interface 1<<20: no error")
	}
	// IS_MULTICAST on a unicast URL: the port is shared, no group joined.
	a, err := Listen(ctx, fmt.Sprintf("soap.udp://127.0.0.1:%d", port), noRepeat(ExtraMulticast, true))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Listen(ctx, fmt.Sprintf("soap.udp://127.0.0.1:%d", port), noRepeat(ExtraMulticast, true))
	if err != nil {
		t.Fatalf("second IS_MULTICAST listener on the port: %v", err)
	}
	defer b.Close()
	if ifs := a.(*Listener).Interfaces(); ifs != nil {
		t.Errorf("joined %v without a group", ifs)
	}
	// A client's bad multicast interface is an error.
	if c, err := Dial(ctx, fmt.Sprintf("soap.udp://%s:%d", testGroup, port), noRepeat(ExtraMulticastInterface, 1<<20)); err == nil {
		c.Abort()
		t.Error("Dial with multicast interface 1<<20: no error")
	}
}
