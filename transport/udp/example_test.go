package udp_test

import (
	"context"
	"fmt"
	"time"

	"github.com/wwsgo/wws/transport"
	"github.com/wwsgo/wws/transport/udp"
)

// The soap.udp binding on its own: a request and its reply over loopback.
// Each message goes out three times (SOAP-over-UDP retransmission); the
// receiving side drops the repeats by MessageID, so each is seen once.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cfg := &transport.Config{SOAPVersion: 2, ContentType: "application/soap+xml; charset=utf-8"}

	l, err := udp.Listen(ctx, "soap.udp://127.0.0.1:0/svc", cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer l.Close()
	served := make(chan struct{})
	go func() {
		defer close(served)
		c, err := l.Accept(ctx) // one datagram per accepted Conn
		if err != nil {
			return
		}
		req, _ := c.Receive(ctx)
		id, _ := udp.MessageID(req.Data)
		fmt.Println("service got", id)
		c.Send(ctx, &transport.Frame{Data: envelope("urn:uuid:2", "<pong/>")}) // to the sender
		c.Close(ctx)
	}()

	c, err := udp.Dial(ctx, "soap.udp://"+l.Addr().String()+"/svc", cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	c.Send(ctx, &transport.Frame{Data: envelope("urn:uuid:1", "<ping/>")})
	reply, _ := c.Receive(ctx)
	id, _ := udp.MessageID(reply.Data)
	fmt.Println("client got", id, "from the service:", reply.Remote.String() == l.Addr().String())
	<-served
	c.Close(ctx) // waits for the request's repeats to go out
	// Output:
	// service got urn:uuid:1
	// client got urn:uuid:2 from the service: true
}

func envelope(id, body string) []byte {
	return []byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing">` +
		`<s:Header><a:Action s:mustUnderstand="1">urn:example</a:Action><a:MessageID>` + id + `</a:MessageID></s:Header>` +
		`<s:Body>` + body + `</s:Body></s:Envelope>`)
}
