package examples_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wwsgo/wws"
)

// WS-Discovery April 2005 over WS-Addressing 2004/08, as the example sends it.
const (
	discoveryNS     = "http://schemas.xmlsoap.org/ws/2005/04/discovery"
	discoveryTo     = "urn:schemas-xmlsoap-org:ws:2005:04:discovery"
	actionProbe     = discoveryNS + "/Probe"
	actionMatches   = discoveryNS + "/ProbeMatches"
	anonymous200408 = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
	discoveryGroup  = "239.255.255.250"
)

// probeSeen is what a responder saw of a Probe.
type probeSeen struct {
	action, to, replyTo, messageID string
	env                            wws.EnvelopeVersion
	addr                           wws.AddressingVersion
	body                           string
}

// discoveryResponder is a target service built on a wws UDP listener: it
// answers each Probe with a ProbeMatches for epr, unicast to the prober
// (anonymous ReplyTo), after a decoy ProbeMatches that relates to another
// message and must be ignored. It runs until the test ends.
func discoveryResponder(t *testing.T, url, epr string, props ...wws.ListenerProperty) <-chan probeSeen {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	l, err := wws.NewListener(wws.ChannelTypeDuplex, wws.BindingUDP, props...)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.SetChannelProperties(
		wws.ChannelProperty{ID: wws.ChannelPropertyEnvelopeVersion, Value: wws.EnvelopeSOAP12},
		wws.ChannelProperty{ID: wws.ChannelPropertyAddressingVersion, Value: wws.Addressing09},
	); err != nil {
		t.Fatal(err)
	}
	octx, ocancel := context.WithTimeout(ctx, 10*time.Second)
	defer ocancel()
	if err := l.Open(octx, url); err != nil {
		t.Fatalf("responder at %s: %v", url, err)
	}
	seen := make(chan probeSeen, 16)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			ch, err := l.AcceptChannel(ctx)
			if err != nil {
				return // the test is over
			}
			if err := answerProbe(ctx, ch, epr, seen); err != nil && ctx.Err() == nil {
				t.Errorf("responder %s: %v", epr, err)
			}
			cctx, ccancel := context.WithTimeout(context.Background(), 5*time.Second)
			ch.Close(cctx)
			ccancel()
		}
	}()
	t.Cleanup(func() {
		cancel()
		l.Abort()
		l.Close(context.Background())
		wg.Wait()
	})
	return seen
}

func answerProbe(ctx context.Context, ch *wws.Channel, epr string, seen chan<- probeSeen) error {
	req, err := ch.Receive(ctx)
	if err != nil {
		return err
	}
	body, err := req.BodyXML()
	if err != nil {
		return err
	}
	seen <- probeSeen{action: req.Action(), to: req.To(), replyTo: req.ReplyTo(), messageID: req.MessageID(),
		env: req.EnvelopeVersion(), addr: req.AddressingVersion(), body: string(body)}
	if req.Action() != actionProbe {
		return nil
	}
	decoy := ch.NewMessage()
	decoy.SetAction(actionMatches)
	decoy.SetTo(anonymous200408)
	decoy.SetMessageID(uuid())
	decoy.SetRelatesTo(uuid()) // another Probe's
	decoy.SetBodyXML([]byte(matchesBody("urn:uuid:decoy", "")))
	if err := ch.Send(ctx, decoy); err != nil {
		return err
	}
	reply := ch.NewMessage()
	reply.SetAction(actionMatches)
	reply.SetTo(anonymous200408)
	reply.SetMessageID(uuid())
	reply.SetBodyXML([]byte(matchesBody(epr, "http://127.0.0.1:1/"+strings.TrimPrefix(epr, "urn:uuid:"))))
	return ch.Reply(ctx, req, reply) // RelatesTo the Probe, to its sender
}

func matchesBody(epr, xaddr string) string {
	return `<d:ProbeMatches xmlns:d="` + discoveryNS + `" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing">` +
		`<d:ProbeMatch><a:EndpointReference><a:Address>` + epr + `</a:Address></a:EndpointReference>` +
		`<d:Types xmlns:p="urn:wws:test">p:Printer</d:Types><d:Scopes>urn:wws:lab</d:Scopes>` +
		`<d:XAddrs>` + xaddr + `</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion></d:ProbeMatch></d:ProbeMatches>`
}

func uuid() string {
	var u [16]byte
	rand.Read(u[:])
	u[6] = u[6]&0x0F | 0x40
	u[8] = u[8]&0x3F | 0x80
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// checkProbe checks the Probe a responder saw against WS-Discovery 2005/04.
func checkProbe(t *testing.T, p probeSeen, wantInBody ...string) {
	t.Helper()
	if p.action != actionProbe || p.to != discoveryTo || p.replyTo != anonymous200408 ||
		!strings.HasPrefix(p.messageID, "urn:uuid:") || p.env != wws.EnvelopeSOAP12 || p.addr != wws.Addressing09 {
		t.Errorf("the Probe: %+v", p)
	}
	for _, w := range append([]string{`<d:Probe xmlns:d="` + discoveryNS + `"`}, wantInBody...) {
		if !strings.Contains(p.body, w) {
			t.Errorf("the Probe's body lacks %q: %s", w, p.body)
		}
	}
}

// TestWSDiscoveryProbeUnicast runs ws-discovery-probe against a wws
// responder on loopback by unicast: one ProbeMatch printed (the decoy and
// the SOAP-over-UDP repeats dropped), exit status 0; and with nobody
// answering, "0 matches" and exit status 1.
func TestWSDiscoveryProbeUnicast(t *testing.T) {
	port := freeUDPPort(t)
	epr := "urn:uuid:00000000-0000-4000-8000-000000000042"
	seen := discoveryResponder(t, fmt.Sprintf("soap.udp://127.0.0.1:%d", port), epr)
	out, err := run(t, 30*time.Second, "ws-discovery-probe", "-addr", fmt.Sprintf("soap.udp://127.0.0.1:%d", port),
		"-wait", "2s", "-types", "{urn:wws:test}Printer", "-scopes", "urn:wws:lab")
	if err != nil {
		t.Fatalf("ws-discovery-probe: %v\n%s", err, out)
	}
	mustContain(t, out, "match "+epr+" types=[p:Printer] scopes=[urn:wws:lab] xaddrs=[http://127.0.0.1:1/00000000-0000-4000-8000-000000000042] version=1\n",
		"1 matches\n")
	if strings.Contains(out, "decoy") {
		t.Errorf("the decoy ProbeMatches was printed:\n%s", out)
	}
	select {
	case p := <-seen:
		checkProbe(t, p, `<d:Types xmlns:t0="urn:wws:test">t0:Printer</d:Types>`, `<d:Scopes>urn:wws:lab</d:Scopes>`)
	default:
		t.Fatal("the responder saw no Probe")
	}
	select {
	case p := <-seen:
		t.Errorf("the responder saw a second Probe (repeats are not deduplicated?): %+v", p)
	default:
	}

	// Nobody listening there: no match, exit status 1.
	out, err = run(t, 30*time.Second, "ws-discovery-probe", "-addr", fmt.Sprintf("soap.udp://127.0.0.1:%d", freeUDPPort(t)), "-wait", "500ms")
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Errorf("with no responder: %v, want exit status 1\n%s", err, out)
	}
	mustContain(t, out, "0 matches\n")
}

// loopbackInterface returns the loopback interface.
func loopbackInterface(t *testing.T) net.Interface {
	t.Helper()
	ifs, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, ifi := range ifs {
		if ifi.Flags&net.FlagLoopback != 0 && ifi.Flags&net.FlagUp != 0 {
			return ifi
		}
	}
	t.Skip("no loopback interface")
	return net.Interface{}
}

// multicastOnLoopback reports whether a wws UDP client's datagram to the
// discovery group, sent on the loopback interface, reaches a listener
// joined there.
func multicastOnLoopback(t *testing.T, lo net.Interface, port int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	url := fmt.Sprintf("soap.udp://%s:%d", discoveryGroup, port)
	l, err := wws.NewListener(wws.ChannelTypeDuplex, wws.BindingUDP,
		wws.ListenerProperty{ID: wws.ListenerPropertyIsMulticast, Value: true},
		wws.ListenerProperty{ID: wws.ListenerPropertyMulticastInterfaces, Value: []uint32{uint32(lo.Index)}})
	if err != nil {
		return err
	}
	if err := l.Open(ctx, url); err != nil {
		return err
	}
	defer l.Close(context.Background())
	ch, err := wws.Dial(ctx, url, wws.ChannelProperty{ID: wws.ChannelPropertyMulticastInterface, Value: uint32(lo.Index)})
	if err != nil {
		return err
	}
	defer ch.Abort()
	m := ch.NewMessage()
	m.SetAction("urn:wws:test:ping")
	m.SetMessageID(uuid())
	if err := ch.Send(ctx, m); err != nil {
		return err
	}
	actx, acancel := context.WithTimeout(ctx, time.Second)
	defer acancel()
	got, err := l.AcceptChannel(actx)
	if err != nil {
		return fmt.Errorf("nothing arrived: %w", err)
	}
	got.Abort()
	return nil
}

// TestWSDiscoveryProbeMulticast runs ws-discovery-probe multicast to the
// discovery group (on a free port, not 3702, and on the loopback interface
// only, hop limit 1) with two wws responders joined to it: each answers
// once, by unicast, and both ProbeMatches are printed. Skipped where
// multicast does not work on the loopback interface.
func TestWSDiscoveryProbeMulticast(t *testing.T) {
	lo := loopbackInterface(t)
	port := freeUDPPort(t)
	if err := multicastOnLoopback(t, lo, port); err != nil {
		t.Skipf("multicast on the loopback interface does not work here: %v", err)
	}
	group := fmt.Sprintf("soap.udp://%s:%d", discoveryGroup, port)
	mprops := []wws.ListenerProperty{
		{ID: wws.ListenerPropertyIsMulticast, Value: true},
		{ID: wws.ListenerPropertyMulticastInterfaces, Value: []uint32{uint32(lo.Index)}},
	}
	eprs := []string{"urn:uuid:00000000-0000-4000-8000-000000000001", "urn:uuid:00000000-0000-4000-8000-000000000002"}
	var seen []<-chan probeSeen
	for _, epr := range eprs {
		seen = append(seen, discoveryResponder(t, group, epr, mprops...))
	}
	out, err := run(t, 30*time.Second, "ws-discovery-probe", "-addr", group, "-iface", lo.Name, "-hops", "1", "-wait", "2s")
	if err != nil {
		t.Fatalf("ws-discovery-probe: %v\n%s", err, out)
	}
	mustContain(t, out, "match "+eprs[0]+" ", "match "+eprs[1]+" ", "2 matches\n")
	for i, s := range seen {
		select {
		case p := <-s:
			checkProbe(t, p, `<d:Probe xmlns:d="`+discoveryNS+`"/>`)
		default:
			t.Errorf("responder %d saw no Probe", i)
		}
	}
}
