//go:build unix

package sockpeek_test

import (
	"fmt"
	"net"

	"github.com/wwsgo/wws/transport/internal/sockpeek"
)

func Example() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	peer, err := ln.Accept()
	if err != nil {
		fmt.Println(err)
		return
	}
	names := map[sockpeek.State]string{sockpeek.Unknown: "unknown", sockpeek.Empty: "empty", sockpeek.Data: "data", sockpeek.Closed: "closed"}
	fmt.Println(names[sockpeek.Peek(c)])
	peer.Write([]byte("x")) // loopback: delivered before Write returns
	fmt.Println(names[sockpeek.Peek(c)])
	c.Read(make([]byte, 1))
	peer.Close()
	fmt.Println(names[sockpeek.Peek(c)])
	// Output:
	// empty
	// data
	// closed
}
