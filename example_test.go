package wws_test

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/wwsgo/wws"
)

// A net.tcp service and a client in one program: the listener accepts a
// channel and answers each request with its own body; the client sends one
// request and prints the reply.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := fmt.Sprintf("net.tcp://127.0.0.1:%d/echo", freePort())

	l, err := wws.Listen(ctx, url)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer l.Close(ctx)
	go func() {
		ch, err := l.AcceptChannel(ctx)
		if err != nil {
			return
		}
		defer ch.Close(ctx)
		for {
			req, err := ch.Receive(ctx)
			if err != nil {
				return // WS_S_END when the client ends the session
			}
			body, _ := req.BodyXML()
			reply := ch.NewMessage()
			reply.SetAction(req.Action() + "Response")
			reply.SetBodyXML(body)
			ch.Reply(ctx, req, reply)
		}
	}()

	ch, err := wws.Dial(ctx, url)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ch.Close(ctx)
	req := ch.NewMessage()
	req.SetAction("urn:example:Hello")
	req.SetBodyXML([]byte(`<Hello xmlns="urn:example">world</Hello>`))
	reply, err := ch.Request(ctx, req)
	if err != nil {
		fmt.Println(wws.HResult(err), err)
		return
	}
	body, _ := reply.BodyXML()
	fmt.Println(reply.Action())
	fmt.Println(string(body))
	// Output:
	// urn:example:HelloResponse
	// <Hello xmlns="urn:example">world</Hello>
}

// Abort cancels every pending operation at once, in any state.
func ExampleChannel_Abort() {
	ctx := context.Background()
	url := fmt.Sprintf("net.tcp://127.0.0.1:%d/abort", freePort())
	l, _ := wws.Listen(ctx, url)
	defer l.Close(ctx)
	go func() {
		if ch, err := l.AcceptChannel(ctx); err == nil {
			ch.Receive(ctx) // waits until the client goes away
			ch.Close(ctx)
		}
	}()
	ch, _ := wws.Dial(ctx, url)
	done := make(chan error)
	go func() {
		_, err := ch.Receive(ctx) // nothing will arrive
		done <- err
	}()
	time.Sleep(10 * time.Millisecond)
	ch.Abort()
	fmt.Println(wws.HResult(<-done))
	fmt.Println(ch.State())
	ch.Close(ctx)
	fmt.Println(ch.State())
	// Output:
	// WS_E_OPERATION_ABORTED (0x803D0004)
	// Faulted
	// Closed
}

// HResult gives the WWSAPI code of any error the package returns.
func ExampleHResult() {
	ch, _ := wws.NewChannel(wws.ChannelTypeDuplexSession, wws.BindingTCP)
	err := ch.Send(context.Background(), ch.NewMessage())
	fmt.Println(wws.HResult(err))
	err = ch.SetProperty(wws.ChannelPropertyState, wws.ChannelStateOpen)
	fmt.Println(wws.HResult(err))
	// Output:
	// WS_E_INVALID_OPERATION (0x803D0003)
	// E_INVALIDARG (0x80070057)
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
