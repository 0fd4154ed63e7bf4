package tcp_test

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/wwsgo/wws/transport"
	"github.com/wwsgo/wws/transport/tcp"
)

// The net.tcp binding on its own: a session carries encoded envelopes.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	url := fmt.Sprintf("net.tcp://%s/svc", ln.Addr())
	ln.Close()
	cfg := &transport.Config{ContentType: "application/soap+msbin1"}
	l, err := tcp.Listen(ctx, url, cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer l.Close()
	go func() {
		c, err := l.Accept(ctx)
		if err != nil {
			return
		}
		f, err := c.Receive(ctx)
		if err == nil {
			c.Send(ctx, &transport.Frame{Data: append([]byte(nil), f.Data...)})
		}
		c.Close(ctx)
	}()
	c, err := tcp.Dial(ctx, url, cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	c.Send(ctx, &transport.Frame{Data: []byte{0x40, 0x01, 'a', 0x01}})
	f, _ := c.Receive(ctx)
	fmt.Printf("% X\n", f.Data)
	c.Close(ctx)
	// Output:
	// 40 01 61 01
}
