package soap

import (
	"fmt"
	"testing"

	"github.com/wwsgo/wws/nbfx"
	"github.com/wwsgo/wws/xmlnode"
	"github.com/wwsgo/wws/xmltext"
)

// parseEnvelope reads a whole envelope: its headers, and its body, which
// is read as a Fault when it is one.
func parseEnvelope(r xmlnode.Reader) (*Header, *Fault, error) {
	var h Header
	if err := ReadEnvelopeStart(r, &h); err != nil {
		return nil, nil, err
	}
	var f *Fault
	for {
		n, err := r.Next()
		if err != nil {
			return nil, nil, err
		}
		if n.Kind == xmlnode.KindEndElement && n.Depth == 2 {
			break
		}
		if n.Kind == xmlnode.KindStartElement && n.Depth == 3 && f == nil && IsFault(n, h.Version) {
			if f, err = ReadFault(r, n, h.Version); err != nil {
				return nil, nil, err
			}
		}
	}
	return &h, f, ReadEnvelopeEnd(r)
}

// summary is what a header and fault must keep through a rewrite.
func summary(h *Header, f *Fault) string {
	s := fmt.Sprintf("v%d action=%q to=%q id=%q relates=%q replyTo=%q faultTo=%q custom=%d",
		h.Version, h.Action, h.To, h.MessageID, h.RelatesTo, h.ReplyTo.Address, h.FaultTo.Address, len(h.Custom))
	for _, c := range h.Custom {
		s += fmt.Sprintf(" {%s %s mu=%v}", c.NS, c.Local, c.MustUnderstand)
	}
	if f != nil {
		s += fmt.Sprintf(" fault=%s/%q", f.Code, f.ReasonText())
	}
	return s
}

// FuzzEnvelope reads arbitrary bytes as a SOAP envelope — text XML, or
// binary XML when the first byte is not '<' — with its addressing headers
// and fault. It must never panic; an envelope that reads cleanly must keep
// its headers and fault when written again and read back.
func FuzzEnvelope(f *testing.F) {
	// testdata/fuzz/FuzzEnvelope holds envelopes a Mono WCF client and
	// service exchanged over every SOAP and addressing version.
	var seed Header
	seed.Version, seed.Addressing = SOAP12, Addressing10
	seed.SetAction("urn:a")
	seed.SetTo("net.tcp://h/s")
	seed.NewMessageID()
	seed.ReplyTo.Address = []byte(Anonymous10)
	bw := nbfx.NewWriter(nil)
	WriteEnvelope(bw, &seed, nil)
	f.Add(append([]byte(nil), bw.Bytes()...))
	tw := xmltext.NewWriter(xmltext.WriterOptions{})
	WriteEnvelope(tw, &seed, func(w xmlnode.Writer) error {
		return WriteFault(w, SOAP12, &Fault{Code: QName{NS: NamespaceSOAP12, Local: CodeSender}, Reason: []ReasonText{{Lang: "en", Text: "boom"}}})
	})
	f.Add(append([]byte(nil), tw.Bytes()...))
	quotas := xmlnode.Quotas{MaxDepth: 64, MaxBytes: 1 << 16}
	f.Fuzz(func(t *testing.T, data []byte) {
		binary := len(data) > 0 && data[0] != '<'
		reader := func(b []byte) xmlnode.Reader {
			if binary {
				return nbfx.NewReader(b, nil, quotas)
			}
			return xmltext.NewReader(b, xmltext.ReaderOptions{Quotas: quotas})
		}
		h, fault, err := parseEnvelope(reader(data))
		if err != nil {
			return
		}
		var w interface {
			xmlnode.Writer
			Bytes() []byte
		}
		if binary {
			w = nbfx.NewWriter(nil)
		} else {
			w = xmltext.NewWriter(xmltext.WriterOptions{})
		}
		var body func(xmlnode.Writer) error
		if fault != nil {
			body = func(w xmlnode.Writer) error { return WriteFault(w, h.Version, fault) }
		}
		if err := WriteEnvelope(w, h, body); err != nil {
			return // some values read cannot be written (e.g. a custom header the writer refuses)
		}
		h2, fault2, err := parseEnvelope(reader(w.Bytes()))
		if err != nil {
			t.Fatalf("rewritten envelope does not read: %v\n%q", err, w.Bytes())
		}
		if a, b := summary(h, fault), summary(h2, fault2); a != b {
			t.Fatalf("changed by a rewrite:\n got %s\nwant %s", b, a)
		}
	})
}
