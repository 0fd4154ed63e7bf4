package soap_test

import (
	"fmt"

	"github.com/wwsgo/wws/soap"
	"github.com/wwsgo/wws/xmlnode"
	"github.com/wwsgo/wws/xmltext"
)

// A SOAP 1.2 request with WS-Addressing 1.0 headers, in text XML.
func ExampleWriteEnvelope() {
	h := soap.Header{Version: soap.SOAP12, Addressing: soap.Addressing10}
	h.SetAction("urn:example:Ping")
	h.SetTo("net.tcp://host/svc")
	h.MessageID = []byte("urn:uuid:00000000-0000-4000-8000-000000000001")
	w := xmltext.NewWriter(xmltext.WriterOptions{Indent: "  "})
	soap.WriteEnvelope(w, &h, func(w xmlnode.Writer) error {
		w.WriteStartElement(nil, []byte("Ping"), []byte("urn:example"))
		return w.WriteEndElement()
	})
	w.Flush()
	fmt.Println(string(w.Bytes()))
	// Output:
	// <s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing">
	//   <s:Header>
	//     <a:Action s:mustUnderstand="1">urn:example:Ping</a:Action>
	//     <a:MessageID>urn:uuid:00000000-0000-4000-8000-000000000001</a:MessageID>
	//     <a:To s:mustUnderstand="1">net.tcp://host/svc</a:To>
	//   </s:Header>
	//   <s:Body>
	//     <Ping xmlns="urn:example"/>
	//   </s:Body>
	// </s:Envelope>
}
