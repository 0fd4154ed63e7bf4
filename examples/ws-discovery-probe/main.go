// Command ws-discovery-probe looks for services on the local network with
// WS-Discovery (the April 2005 version that WCF's DiscoveryVersion.
// WSDiscoveryApril2005, Windows' Function Discovery and ONVIF devices
// speak): it sends one Probe over SOAP-over-UDP, multicast to
// 239.255.255.250:3702 by default, and prints every ProbeMatch that
// answers it within the wait.
//
//	go run ./examples/ws-discovery-probe
//	go run ./examples/ws-discovery-probe -types '{http://www.onvif.org/ver10/network/wsdl}NetworkVideoTransmitter'
//	go run ./examples/ws-discovery-probe -addr soap.udp://192.0.2.7:3702   # unicast to one host
//
// The Probe is SOAP 1.2 with WS-Addressing 2004/08, To
// urn:schemas-xmlsoap-org:ws:2005:04:discovery and a fresh MessageID; it
// goes out on a wws UDP duplex channel (wws.Dial of a soap.udp URL), which
// repeats it as SOAP-over-UDP asks and receives the unicast answers of
// every responder. A ProbeMatches counts when its RelatesTo names the
// Probe. Output, one line per ProbeMatch:
//
//	match urn:uuid:… types=[…] scopes=[…] xaddrs=[…] version=1
//
// then "N matches". Exit status 0 when at least one ProbeMatch arrived, 1
// when none did, 2 when the probe could not be sent.
package main

import (
	"context"
	"crypto/rand"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/wwsgo/wws"
)

// WS-Discovery April 2005 over WS-Addressing 2004/08.
const (
	discoveryNS     = "http://schemas.xmlsoap.org/ws/2005/04/discovery"
	discoveryTo     = "urn:schemas-xmlsoap-org:ws:2005:04:discovery"
	actionProbe     = discoveryNS + "/Probe"
	actionMatches   = discoveryNS + "/ProbeMatches"
	anonymous200408 = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
	defaultAddr     = "soap.udp://239.255.255.250:3702"
)

// probeMatches is the body of a ProbeMatches message.
type probeMatches struct {
	XMLName xml.Name `xml:"http://schemas.xmlsoap.org/ws/2005/04/discovery ProbeMatches"`
	Matches []struct {
		Address         string `xml:"http://schemas.xmlsoap.org/ws/2004/08/addressing EndpointReference>Address"`
		Types           string `xml:"http://schemas.xmlsoap.org/ws/2005/04/discovery Types"`
		Scopes          string `xml:"http://schemas.xmlsoap.org/ws/2005/04/discovery Scopes"`
		XAddrs          string `xml:"http://schemas.xmlsoap.org/ws/2005/04/discovery XAddrs"`
		MetadataVersion string `xml:"http://schemas.xmlsoap.org/ws/2005/04/discovery MetadataVersion"`
	} `xml:"http://schemas.xmlsoap.org/ws/2005/04/discovery ProbeMatch"`
}

func main() {
	addr := flag.String("addr", defaultAddr, "where the Probe goes: the multicast group, or one host's soap.udp://host:port for unicast")
	wait := flag.Duration("wait", 4*time.Second, "how long to collect ProbeMatches")
	types := flag.String("types", "", "space-separated types to probe for, each {namespace}LocalName (default: any)")
	scopes := flag.String("scopes", "", "space-separated scope URIs to probe for (default: any)")
	iface := flag.String("iface", "", "network interface for the multicast Probe, e.g. eth0 or lo (default: the system's choice)")
	hops := flag.Uint("hops", 1, "multicast hop limit (TTL)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: ws-discovery-probe [flags]   (default -addr %s)\n", defaultAddr)
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	body, err := probeBody(*types, *scopes)
	if err != nil {
		fmt.Fprintf(os.Stderr, "ws-discovery-probe: %v\n", err)
		os.Exit(2)
	}
	props := []wws.ChannelProperty{
		{ID: wws.ChannelPropertyEnvelopeVersion, Value: wws.EnvelopeSOAP12},
		{ID: wws.ChannelPropertyAddressingVersion, Value: wws.Addressing09},
		{ID: wws.ChannelPropertyMulticastHops, Value: uint32(*hops)},
	}
	if *iface != "" {
		ifi, err := net.InterfaceByName(*iface)
		if err != nil {
			fmt.Fprintf(os.Stderr, "ws-discovery-probe: %v\n", err)
			os.Exit(2)
		}
		props = append(props, wws.ChannelProperty{ID: wws.ChannelPropertyMulticastInterface, Value: uint32(ifi.Index)})
	}
	n, err := probe(*addr, body, *wait, props)
	if err != nil {
		fmt.Fprintf(os.Stderr, "ws-discovery-probe: %v\n", err)
		os.Exit(2)
	}
	fmt.Printf("%d matches\n", n)
	if n == 0 {
		os.Exit(1)
	}
}

// probe sends one Probe to addr and prints the ProbeMatches that answer it
// within wait; it returns how many ProbeMatch entries it printed.
func probe(addr string, body []byte, wait time.Duration, props []wws.ChannelProperty) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	ch, err := wws.Dial(ctx, addr, props...) // a UDP duplex channel: no connection, no I/O yet
	if err != nil {
		return 0, err
	}
	defer func() {
		// Close lets the Probe's scheduled repeats go out first.
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ch.Close(cctx)
	}()

	req := ch.NewMessage()
	req.SetAction(actionProbe)
	req.SetTo(discoveryTo) // not the URL: the discovery URN
	id := newMessageID()
	req.SetMessageID(id)
	req.SetReplyTo(anonymous200408) // answer to the address the Probe came from
	if err := req.SetBodyXML(body); err != nil {
		return 0, err
	}
	if err := ch.Send(ctx, req); err != nil {
		return 0, err
	}

	n := 0
	for {
		m, err := ch.Receive(ctx) // any datagram to our socket, from any responder
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, wws.ErrTimedOut) {
				return n, nil // the wait is over
			}
			if errors.Is(err, wws.ErrInvalidFormat) || errors.Is(err, wws.ErrFaultReceived) {
				continue // a stray datagram: not ours to answer
			}
			return n, err
		}
		if m.Action() != actionMatches || m.RelatesTo() != id {
			continue // not an answer to this Probe
		}
		xmlBody, err := m.BodyXML()
		if err != nil {
			continue
		}
		var pm probeMatches
		if err := xml.Unmarshal(xmlBody, &pm); err != nil {
			fmt.Fprintf(os.Stderr, "ws-discovery-probe: unreadable ProbeMatches: %v\n", err)
			continue
		}
		for _, p := range pm.Matches {
			fmt.Printf("match %s types=%v scopes=%v xaddrs=%v version=%s\n",
				strings.TrimSpace(p.Address), strings.Fields(p.Types), strings.Fields(p.Scopes),
				strings.Fields(p.XAddrs), strings.TrimSpace(p.MetadataVersion))
			n++
		}
	}
}

// probeBody writes the Probe element: <d:Probe> with optional <d:Types>
// (QNames, each namespace declared with a prefix of its own) and
// <d:Scopes>.
func probeBody(types, scopes string) ([]byte, error) {
	var b strings.Builder
	b.WriteString(`<d:Probe xmlns:d="` + discoveryNS + `">`)
	if fields := strings.Fields(types); len(fields) > 0 {
		var decls, names []string
		for i, t := range fields {
			ns, local, ok := strings.Cut(strings.TrimPrefix(t, "{"), "}")
			if !strings.HasPrefix(t, "{") || !ok || ns == "" || local == "" {
				return nil, fmt.Errorf("-types: %q is not {namespace}LocalName", t)
			}
			decls = append(decls, fmt.Sprintf(` xmlns:t%d="%s"`, i, xmlEscape(ns)))
			names = append(names, fmt.Sprintf("t%d:%s", i, xmlEscape(local)))
		}
		b.WriteString(`<d:Types` + strings.Join(decls, "") + `>` + strings.Join(names, " ") + `</d:Types>`)
	}
	if fields := strings.Fields(scopes); len(fields) > 0 {
		b.WriteString(`<d:Scopes>` + xmlEscape(strings.Join(fields, " ")) + `</d:Scopes>`)
	}
	b.WriteString(`</d:Probe>`)
	return []byte(b.String()), nil
}

func xmlEscape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// newMessageID returns a fresh urn:uuid: message id (a random UUID).
func newMessageID() string {
	var u [16]byte
	rand.Read(u[:])
	u[6] = u[6]&0x0F | 0x40 // version 4
	u[8] = u[8]&0x3F | 0x80 // RFC 4122 variant
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
