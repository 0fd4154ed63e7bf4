package soap

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wwsgo/wws/nbfx"
	"github.com/wwsgo/wws/xmlnode"
	"github.com/wwsgo/wws/xmltext"
)

func intBody(w xmlnode.Writer) error {
	w.WriteStartElement(nil, []byte("req_test1"), []byte("ns"))
	w.WriteText(xmlnode.Int(-1))
	return w.WriteEndElement()
}

// TestWineSOAP11Request is Wine's proxy.c test_WsSendMessage: a SOAP 1.1
// request without addressing is exactly these bytes.
func TestWineSOAP11Request(t *testing.T) {
	w := xmltext.NewWriter(xmltext.WriterOptions{})
	h := Header{Version: SOAP11, Addressing: AddressingNone}
	h.SetAction("req_test1") // travels in SOAPAction, not in the envelope
	if err := WriteEnvelope(w, &h, intBody); err != nil {
		t.Fatal(err)
	}
	want := `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><req_test1 xmlns="ns">-1</req_test1></s:Body></s:Envelope>`
	if got := string(w.Bytes()); got != want {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
}

// TestHeadersRoundTrip writes every header in each version combination and
// both encodings, and reads them back.
func TestHeadersRoundTrip(t *testing.T) {
	for _, v := range []Version{SOAP11, SOAP12} {
		for _, a := range []Addressing{Addressing200408, Addressing10, AddressingNone} {
			for _, binary := range []bool{false, true} {
				if binary && (v != SOAP12 || a == AddressingNone) {
					continue
				}
				h := Header{Version: v, Addressing: a}
				h.SetAction("urn:act")
				h.SetTo("net.tcp://host/svc")
				h.NewMessageID()
				h.RelatesTo = []byte("urn:uuid:00112233-4455-6677-8899-aabbccddeeff")
				h.RelationshipType = []byte("urn:rel")
				h.ReplyTo.Address = []byte(a.Anonymous())
				h.FaultTo = EndpointReference{Address: []byte("http://faults/"), ReferenceParameters: []byte(`<p xmlns="urn:p">1</p>`)}
				h.Custom = []CustomHeader{{Local: []byte("Token"), NS: []byte("urn:t"), MustUnderstand: true,
					XML: []byte(`<t:Token xmlns:t="urn:t" xmlns:s="` + v.Namespace() + `" s:mustUnderstand="1">abc</t:Token>`)}}
				var w interface {
					xmlnode.Writer
					Bytes() []byte
				}
				if binary {
					w = nbfx.NewWriter(nil)
				} else {
					w = xmltext.NewWriter(xmltext.WriterOptions{})
				}
				if err := WriteEnvelope(w, &h, intBody); err != nil {
					t.Fatal(err)
				}
				data := bytes.Clone(w.Bytes())
				var r xmlnode.Reader
				if binary {
					r = nbfx.NewReader(data, nil, xmlnode.Quotas{})
				} else {
					r = xmltext.NewReader(data, xmltext.ReaderOptions{})
				}
				var got Header
				if err := ReadEnvelopeStart(r, &got); err != nil {
					t.Fatalf("%v %v binary=%v: %v\n%s", v, a, binary, err, data)
				}
				if got.Version != v {
					t.Errorf("version %v", got.Version)
				}
				if a == AddressingNone {
					if got.Action != nil || got.MessageID != nil {
						t.Errorf("%v: addressing headers written: %q", v, data)
					}
				} else {
					if got.Addressing != a || string(got.Action) != "urn:act" || string(got.To) != "net.tcp://host/svc" ||
						string(got.MessageID) != string(h.MessageID) || string(got.RelatesTo) != string(h.RelatesTo) ||
						string(got.RelationshipType) != "urn:rel" || string(got.ReplyTo.Address) != a.Anonymous() ||
						string(got.FaultTo.Address) != "http://faults/" || !strings.Contains(string(got.FaultTo.ReferenceParameters), "urn:p") {
						t.Errorf("%v %v binary=%v: read back %+v", v, a, binary, got)
					}
				}
				if len(got.Custom) != 1 || !got.Custom[0].MustUnderstand || string(got.Custom[0].Local) != "Token" {
					t.Errorf("%v %v: custom headers %+v", v, a, got.Custom)
				}
				n, err := r.Next()
				if err != nil || !n.Is("req_test1", "ns") {
					t.Fatalf("body: %v %v", n, err)
				}
			}
		}
	}
}

// TestFaultRoundTrip writes faults of both versions and reads them back.
func TestFaultRoundTrip(t *testing.T) {
	f := &Fault{
		Code:     QName{NamespaceSOAP12, CodeSender},
		Subcodes: []QName{{"http://wws.test/peer", "PeerFault"}},
		Reason:   []ReasonText{{"en-US", "boom"}, {"de-DE", "Bumm"}},
		Role:     "urn:role",
		Detail:   []byte(`<d xmlns="urn:d">details</d>`),
	}
	for _, v := range []Version{SOAP11, SOAP12} {
		w := xmltext.NewWriter(xmltext.WriterOptions{})
		h := Header{Version: v, Addressing: Addressing10}
		h.SetAction(Addressing10.FaultAction())
		if err := WriteEnvelope(w, &h, func(w xmlnode.Writer) error { return WriteFault(w, v, f) }); err != nil {
			t.Fatal(err)
		}
		got, _, err := FaultFromText(w.Bytes())
		if err != nil {
			t.Fatalf("%v: %v\n%s", v, err, w.Bytes())
		}
		if got.Code.Local != CodeSender || len(got.Subcodes) != 1 || got.Subcodes[0] != f.Subcodes[0] ||
			got.ReasonText() != "boom" || got.Role != "urn:role" || !strings.Contains(string(got.Detail), "details") {
			t.Errorf("%v: read back %+v\n%s", v, got, w.Bytes())
		}
	}
}

// TestMonoFaults reads the faults Mono sent in the captures: SOAP 1.2 with an
// unqualified code, SOAP 1.1 with the subcode as faultcode.
func TestMonoFaults(t *testing.T) {
	for _, dir := range []string{"http-soap12-wsa10", "http-soap11", "basichttp", "wshttp", "http-soap12"} {
		files, _ := filepath.Glob("../../shared/vectors/mono/" + dir + "/*.s2c.bin")
		if len(files) == 0 {
			t.Skip("vectors not available")
		}
		data, _ := os.ReadFile(files[0])
		i := bytes.LastIndex(data, []byte("<s:Envelope"))
		if i < 0 {
			t.Fatalf("%s: no envelope", dir)
		}
		env := data[i:]
		f, h, err := FaultFromText(env)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		if f.ReasonText() != "boom" || f.Code.Local != CodeSender {
			t.Errorf("%s: fault %+v", dir, f)
		}
		if len(f.Subcodes) == 0 || f.Subcodes[0].Local != "PeerFault" || f.Subcodes[0].NS != "http://wws.test/peer" {
			t.Errorf("%s: subcodes %+v", dir, f.Subcodes)
		}
		_ = h
	}
}

// TestReadErrors lists envelopes that are not valid SOAP.
func TestReadErrors(t *testing.T) {
	for _, doc := range []string{
		`<Envelope/>`,
		`<s:Envelope xmlns:s="urn:not-soap"><s:Body/></s:Envelope>`,
		`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"/>`,
		`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">text<s:Body/></s:Envelope>`,
		`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header><a:Action xmlns:a="http://www.w3.org/2005/08/addressing">x</a:Action><a:Action xmlns:a="http://www.w3.org/2005/08/addressing">y</a:Action></s:Header><s:Body/></s:Envelope>`,
		`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header><a:Action xmlns:a="http://www.w3.org/2005/08/addressing"><x/></a:Action></s:Header><s:Body/></s:Envelope>`,
		`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Foo/></s:Envelope>`,
	} {
		var h Header
		err := ReadEnvelopeStart(xmltext.NewReader([]byte(doc), xmltext.ReaderOptions{}), &h)
		if err == nil {
			t.Errorf("accepted %s", doc)
		}
	}
	var h Header
	r := xmltext.NewReader([]byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body></s:Body><x/></s:Envelope>`), xmltext.ReaderOptions{Fragment: true})
	if err := ReadEnvelopeStart(r, &h); err != nil {
		t.Fatal(err)
	}
	r.Next() // Body end
	if err := ReadEnvelopeEnd(r); err == nil {
		t.Error("element after the Body accepted")
	}
	_ = io.EOF
}

// TestCustomHeaderMustUnderstand: a custom header marked MustUnderstand is
// written with s:mustUnderstand="1" even when its XML lacks it, also when
// the header rebinds the prefix s, and read back as MustUnderstand.
func TestCustomHeaderMustUnderstand(t *testing.T) {
	for _, xml := range []string{
		`<t:Token xmlns:t="urn:t">abc</t:Token>`,
		`<s:Token xmlns:s="urn:t">abc</s:Token>`,
		`<Token xmlns="urn:t"><x>1</x></Token>`,
	} {
		for _, binary := range []bool{false, true} {
			h := Header{Version: SOAP12, Addressing: Addressing10}
			h.SetAction("urn:act")
			h.Custom = []CustomHeader{{Local: []byte("Token"), NS: []byte("urn:t"), MustUnderstand: true, XML: []byte(xml)}}
			var w interface {
				xmlnode.Writer
				Bytes() []byte
			}
			if binary {
				w = nbfx.NewWriter(nil)
			} else {
				w = xmltext.NewWriter(xmltext.WriterOptions{})
			}
			if err := WriteEnvelope(w, &h, nil); err != nil {
				t.Fatalf("%s: %v", xml, err)
			}
			var r xmlnode.Reader
			if binary {
				r = nbfx.NewReader(w.Bytes(), nil, xmlnode.Quotas{})
			} else {
				r = xmltext.NewReader(w.Bytes(), xmltext.ReaderOptions{})
			}
			var got Header
			if err := ReadEnvelopeStart(r, &got); err != nil {
				t.Fatalf("%s binary=%v: %v\n%s", xml, binary, err, w.Bytes())
			}
			if len(got.Custom) != 1 || !got.Custom[0].MustUnderstand || string(got.Custom[0].NS) != "urn:t" {
				t.Errorf("%s binary=%v: read back %+v\n%s", xml, binary, got.Custom, w.Bytes())
			}
		}
	}
}

// TestFaultCodeQNames: how the text of a fault code Value becomes a QName —
// declared prefixes resolve, the standard codes without a prefix (or with an
// undeclared s:) are the envelope's, and anything else is kept as it came.
func TestFaultCodeQNames(t *testing.T) {
	const env12 = "http://www.w3.org/2003/05/soap-envelope"
	for _, tc := range []struct {
		value string
		want  QName
	}{
		{"s:Sender", QName{env12, CodeSender}},
		{"Sender", QName{env12, CodeSender}},
		{"x:Sender", QName{"urn:x", CodeSender}},
		{"x:Custom", QName{"urn:x", "Custom"}},
		{"Custom", QName{"", "Custom"}},
		{"T:Sender", QName{"", "T:Sender"}}, // undeclared prefix: not the standard code
		{"e::x", QName{"", "e::x"}},         // not a QName
		{"a:b:c", QName{"", "a:b:c"}},
	} {
		doc := `<s:Envelope xmlns:s="` + env12 + `" xmlns:x="urn:x"><s:Body><s:Fault><s:Code><s:Value>` +
			tc.value + `</s:Value></s:Code><s:Reason><s:Text xml:lang="en">r</s:Text></s:Reason></s:Fault></s:Body></s:Envelope>`
		f, _, err := FaultFromText([]byte(doc))
		if err != nil {
			t.Fatalf("%s: %v", tc.value, err)
		}
		if f.Code != tc.want {
			t.Errorf("%s: code %+v, want %+v", tc.value, f.Code, tc.want)
		}
	}
}
