package transport_test

import (
	"context"
	"fmt"

	"github.com/wwsgo/wws/transport"
	"github.com/wwsgo/wws/transport/mem"
)

// What a binding does: a Conn moves encoded messages; CloseSend ends the
// peer's receiving with io.EOF.
func ExampleConn() {
	ctx := context.Background()
	var a, b transport.Conn
	a, b = mem.Pipe("client", "service")
	a.Send(ctx, &transport.Frame{Data: []byte("<envelope/>")})
	a.CloseSend(ctx)
	f, _ := b.Receive(ctx)
	fmt.Printf("%s from %s\n", f.Data, f.Remote)
	_, err := b.Receive(ctx)
	fmt.Println(err)
	// Output:
	// <envelope/> from client
	// EOF
}
