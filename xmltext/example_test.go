package xmltext_test

import (
	"fmt"
	"io"
	"log"

	"github.com/wwsgo/wws/xmlnode"
	"github.com/wwsgo/wws/xmltext"
)

// Example reads a SOAP envelope node by node, picks out the body's text,
// and writes the nodes out again, indented for reading.
func Example() {
	envelope := []byte(`<?xml version="1.0" encoding="utf-8"?>` +
		`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">` +
		`<s:Body><Echo xmlns="http://wws.test/peer"><text>fish &amp; chips</text></Echo></s:Body>` +
		`</s:Envelope>`)

	r := xmltext.NewReader(envelope, xmltext.ReaderOptions{})
	w := xmltext.NewWriter(xmltext.WriterOptions{Indent: "  "})
	var elem string
	for {
		n, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		switch n.Kind {
		case xmlnode.KindStartElement:
			elem = fmt.Sprintf("{%s}%s", n.NS, n.Local)
		case xmlnode.KindText:
			fmt.Printf("%s: %s\n", elem, n.Value.Bytes)
		}
		// n is valid only until the next call to Next: use it now.
		if err := xmlnode.WriteNode(w, n); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println(string(w.Bytes()))
	// Output:
	// {http://wws.test/peer}text: fish & chips
	// <s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">
	//   <s:Body>
	//     <Echo xmlns="http://wws.test/peer">
	//       <text>fish &amp; chips</text>
	//     </Echo>
	//   </s:Body>
	// </s:Envelope>
}
