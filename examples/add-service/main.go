// Command add-service is the smallest service a WCF client can call: the
// Add operation of the WCF getting-started Calculator (contract
// ICalculator, namespace http://Microsoft.ServiceModel.Samples) on a
// net.tcp endpoint, answering the binary SOAP 1.2 that a WCF client with
// NetTcpBinding(SecurityMode.None) sends. README.md quotes it.
//
//	go run ./examples/add-service                           # net.tcp://127.0.0.1:8808/
//	go run ./examples/add-service net.tcp://0.0.0.0:9000/calc
//
// It prints "listening <url>" and serves until interrupted. Other actions
// get a SOAP fault. For all four operations, HTTP and the other bindings,
// see examples/calculator-service.
package main

import (
	"context"
	"encoding/xml"
	"fmt"
	"log"
	"os"
	"os/signal"
	"sync"

	"github.com/wwsgo/wws"
)

const ns = "http://Microsoft.ServiceModel.Samples"

func main() {
	url := "net.tcp://127.0.0.1:8808/" // the WCF client's endpoint address
	if len(os.Args) > 1 {
		url = os.Args[1]
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	l, err := wws.Listen(ctx, url) // net.tcp: a TCP listener of duplex sessions
	if err != nil {
		log.Fatal(err) // e.g. WS_E_ADDRESS_IN_USE (0x803D000B)
	}
	defer l.Close(context.Background())
	fmt.Println("listening", url)

	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		ch, err := l.AcceptChannel(ctx) // one channel per client session
		if err != nil {
			return // interrupted: ctx is done
		}
		wg.Go(func() { serve(ctx, ch) })
	}
}

// serve answers the requests of one session until the client ends it.
func serve(ctx context.Context, ch *wws.Channel) {
	defer ch.Close(context.Background())
	for {
		req, err := ch.Receive(ctx)
		if err != nil {
			return // io.EOF (WS_S_END): the client closed the session; or interrupted
		}
		var add struct {
			N1 float64 `xml:"n1"`
			N2 float64 `xml:"n2"`
		}
		body, _ := req.BodyXML() // the body as text XML, whatever the wire encoding
		if req.Action() != ns+"/ICalculator/Add" || xml.Unmarshal(body, &add) != nil {
			ch.SendFault(ctx, req, fmt.Errorf("cannot serve %s", req.Action())) // WCF throws a FaultException
			continue
		}
		reply := ch.NewMessage()
		reply.SetAction(req.Action() + "Response")
		reply.SetBodyXML(fmt.Appendf(nil, `<AddResponse xmlns="%s"><AddResult>%v</AddResult></AddResponse>`, ns, add.N1+add.N2))
		ch.Reply(ctx, req, reply)
	}
}
