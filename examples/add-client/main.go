// Command add-client is the smallest client of the WCF getting-started
// Calculator: one net.tcp request, ICalculator.Add(100, 15.99), and the
// reply's body printed as XML. README.md quotes it.
//
//	go run ./examples/add-client                           # net.tcp://127.0.0.1:8808/
//	go run ./examples/add-client net.tcp://host:port/path  # a WCF NetTcpBinding(SecurityMode.None) endpoint
//
// For every operation, every binding and the WCF binding presets, see
// examples/calculator-client.
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/wwsgo/wws"
)

func main() {
	url := "net.tcp://127.0.0.1:8808/" // wws serve, or a WCF service with NetTcpBinding(SecurityMode.None)
	if len(os.Args) > 1 {
		url = os.Args[1]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	ch, err := wws.Dial(ctx, url) // connect and exchange the net.tcp preamble
	if err != nil {
		log.Fatal(err) // e.g. WS_E_ENDPOINT_NOT_FOUND (0x803D000D): nothing listens there
	}
	defer ch.Close(ctx) // ends the session gracefully

	req := ch.NewMessage() // SOAP 1.2, WS-Addressing 1.0, binary XML: NetTcpBinding's wire format
	req.SetAction("http://Microsoft.ServiceModel.Samples/ICalculator/Add")
	req.SetBodyXML([]byte(`<Add xmlns="http://Microsoft.ServiceModel.Samples"><n1>100</n1><n2>15.99</n2></Add>`))
	reply, err := ch.Request(ctx, req)
	if err != nil {
		log.Fatal(err) // a SOAP fault: wws.HResult(err) == wws.WS_E_ENDPOINT_FAULT_RECEIVED
	}
	body, err := reply.BodyXML()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", body)
}
