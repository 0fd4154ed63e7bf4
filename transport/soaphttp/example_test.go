package soaphttp_test

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/wwsgo/wws/transport"
	"github.com/wwsgo/wws/transport/soaphttp"
)

// A SOAP 1.1 service and its client on loopback: one request/reply
// exchange and one one-way message.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cfg := &transport.Config{SOAPVersion: 1, ContentType: "text/xml; charset=utf-8", MaxMessageSize: 65536}

	l, err := soaphttp.Listen(ctx, "http://127.0.0.1:0/svc", cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer l.Close()
	served := make(chan struct{})
	go func() {
		defer close(served)
		for range 2 {
			c, err := l.Accept(ctx)
			if err != nil {
				return
			}
			req, _ := c.Receive(ctx)
			fmt.Printf("service: %s %s\n", req.Action, req.Data)
			if req.Action == "urn:notify" {
				c.Close(ctx) // one-way: 202 Accepted
				continue
			}
			c.Send(ctx, &transport.Frame{Data: []byte("<reply/>")})
		}
	}()

	c, err := soaphttp.Dial(ctx, "http://"+l.Addr().String()+"/svc", cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close(ctx)
	c.Send(ctx, &transport.Frame{Data: []byte("<request/>"), Action: "urn:echo"})
	resp, err := c.Receive(ctx)
	fmt.Printf("client: %d %s %s %v\n", resp.Status, resp.ContentType, resp.Data, err)

	c.Send(ctx, &transport.Frame{Data: []byte("<note/>"), Action: "urn:notify"})
	_, err = c.Receive(ctx)
	fmt.Printf("client: one-way: %v\n", err)
	<-served

	// Output:
	// service: urn:echo <request/>
	// client: 200 text/xml; charset=utf-8 <reply/> <nil>
	// service: urn:notify <note/>
	// client: one-way: EOF
}

// The endpoint mounted in the user's own server, beside other handlers.
func ExampleNewHandler() {
	h := soaphttp.NewHandler(&transport.Config{SOAPVersion: 2, ContentType: "application/soap+xml; charset=utf-8"})
	mux := http.NewServeMux()
	mux.Handle("/soap", h)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	srv := &http.Server{Addr: "127.0.0.1:8080", Handler: mux}
	go srv.ListenAndServe()

	ctx := context.Background()
	for {
		c, err := h.Accept(ctx) // each POST to /soap
		if err != nil {
			break // transport.ErrListenerClosed after h.Close()
		}
		go func() {
			req, _ := c.Receive(ctx)
			c.Send(ctx, &transport.Frame{Data: req.Data}) // echo
		}()
	}
}
