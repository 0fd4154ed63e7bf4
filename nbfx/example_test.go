package nbfx_test

import (
	"fmt"
	"io"

	"github.com/wwsgo/wws/nbfx"
	"github.com/wwsgo/wws/xmlnode"
)

// Decoding the [MC-NBFS] §3 example envelope node by node.
func ExampleReader() {
	doc := []byte{0x56, 0x02, 0x0B, 0x01, 0x61, 0x06, 0x0B, 0x01, 0x73, 0x04, 0x56, 0x08, 0x44, 0x0A, 0x1E, 0x00,
		0x82, 0x99, 0x06, 'a', 'c', 't', 'i', 'o', 'n', 0x01, 0x56, 0x0E, 0x40, 0x09,
		'I', 'n', 'v', 'e', 'n', 't', 'o', 'r', 'y', 0x81, 0x01, 0x01}
	r := nbfx.NewReader(doc, nil, xmlnode.Quotas{})
	for {
		n, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		switch n.Kind {
		case xmlnode.KindStartElement:
			fmt.Printf("%*s<%s> {%s}\n", 2*n.Depth-2, "", n.Local, n.NS)
		case xmlnode.KindText:
			fmt.Printf("%*s%q (%s)\n", 2*n.Depth, "", n.Value.String(), n.Value.Type)
		}
	}
	// Output:
	// <Envelope> {http://www.w3.org/2003/05/soap-envelope}
	//   <Header> {http://www.w3.org/2003/05/soap-envelope}
	//     <Action> {http://www.w3.org/2005/08/addressing}
	//       "action" (Chars)
	//   <Body> {http://www.w3.org/2003/05/soap-envelope}
	//     <Inventory> {}
	//       "0" (Int32)
}

// Writing with a session dictionary: new names go into the StringTable
// that precedes the document on a binary-session connection.
func ExampleWriter() {
	dict := nbfx.NewSessionDictionary(0)
	w := nbfx.NewWriter(dict)
	w.WriteStartElement(nil, []byte("Order"), []byte("urn:shop"))
	w.WriteStartElement(nil, []byte("Quantity"), []byte("urn:shop"))
	w.WriteText(xmlnode.Int(3))
	w.WriteEndElement()
	w.WriteEndElement()
	table := dict.AppendStringTable(nil)
	fmt.Printf("table % X\n", table)
	fmt.Printf("doc   % X\n", w.Bytes())
	// Output:
	// table 18 05 4F 72 64 65 72 08 75 72 6E 3A 73 68 6F 70 08 51 75 61 6E 74 69 74 79
	// doc   42 01 0A 03 42 05 89 03 01
}
