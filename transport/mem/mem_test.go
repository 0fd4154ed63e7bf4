package mem

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/wwsgo/wws/transport"
	"go.uber.org/goleak"
)

func TestPipeOrderEndAbort(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var n Network
	l, err := n.Listen(ctx, "mem://x", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Listen(ctx, "mem://x", nil); !errors.Is(err, ErrAddressInUse) {
		t.Fatalf("second listen: %v", err)
	}
	if _, err := n.Dial(ctx, "mem://nothing", nil); !errors.Is(err, ErrNoEndpoint) {
		t.Fatalf("dial nowhere: %v", err)
	}
	accepted := make(chan transport.Conn, 1)
	go func() {
		c, err := l.Accept(ctx)
		if err == nil {
			accepted <- c
		}
	}()
	c, err := n.Dial(ctx, "mem://x", nil)
	if err != nil {
		t.Fatal(err)
	}
	s := <-accepted
	for i := 0; i < 3; i++ {
		c.Send(ctx, &transport.Frame{Data: []byte{byte(i)}})
	}
	c.CloseSend(ctx)
	for i := 0; i < 3; i++ {
		f, err := s.Receive(ctx)
		if err != nil || f.Data[0] != byte(i) {
			t.Fatalf("frame %d: %v %v", i, f, err)
		}
	}
	if _, err := s.Receive(ctx); err != io.EOF {
		t.Fatalf("after CloseSend: %v", err)
	}
	done := make(chan error, 1)
	go func() { _, err := c.Receive(ctx); done <- err }()
	s.Abort()
	select {
	case err := <-done:
		if err == nil || err == io.EOF {
			t.Fatalf("receive after abort: %v", err)
		}
	case <-time.After(time.Second):
		t.Fatal("abort did not end the peer's receive")
	}
	l.Close()
	if _, err := l.Accept(ctx); err != transport.ErrListenerClosed {
		t.Fatalf("accept after close: %v", err)
	}
}
