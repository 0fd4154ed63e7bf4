package mem_test

import (
	"context"
	"fmt"

	"github.com/wwsgo/wws"
	"github.com/wwsgo/wws/transport/mem"
)

// A custom binding: channels over an in-memory network, with all of the
// channel layer's semantics (states, sessions, abort) on top.
func Example() {
	ctx := context.Background()
	network := &mem.Network{}

	l, _ := wws.NewListener(wws.ChannelTypeDuplexSession, wws.BindingCustom,
		wws.ListenerProperty{ID: wws.ListenerPropertyCustomListenerCallbacks, Value: wws.CustomTransport(network)})
	if err := l.Open(ctx, "mem://calculator"); err != nil {
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
		req, err := ch.Receive(ctx)
		if err != nil {
			return
		}
		reply := ch.NewMessage()
		reply.SetAction(req.Action() + "Response")
		reply.SetBodyXML([]byte(`<sum>3</sum>`))
		ch.Reply(ctx, req, reply)
		ch.Receive(ctx) // until the client ends the session
	}()

	ch, _ := wws.NewChannel(wws.ChannelTypeDuplexSession, wws.BindingCustom,
		wws.ChannelProperty{ID: wws.ChannelPropertyCustomChannelCallbacks, Value: wws.CustomTransport(network)})
	if err := ch.Open(ctx, "mem://calculator"); err != nil {
		fmt.Println(err)
		return
	}
	req := ch.NewMessage()
	req.SetAction("urn:add")
	req.SetBodyXML([]byte(`<add><a>1</a><b>2</b></add>`))
	reply, err := ch.Request(ctx, req)
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := reply.BodyXML()
	fmt.Println(reply.Action(), string(body))
	ch.Close(ctx)
	fmt.Println(ch.State())
	// Output:
	// urn:addResponse <sum>3</sum>
	// Closed
}
