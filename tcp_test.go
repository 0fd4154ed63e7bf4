package wws

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// freePort returns a TCP port free on loopback right now.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// tcpPair opens a listener on a free port and returns it with a URL.
func tcpListener(t testing.TB, props ...ChannelProperty) (*Listener, string) {
	t.Helper()
	url := fmt.Sprintf("net.tcp://127.0.0.1:%d/test", freePort(t))
	l, err := NewListener(ChannelTypeDuplexSession, BindingTCP)
	if err != nil {
		t.Fatal(err)
	}
	if len(props) > 0 {
		if err := l.SetChannelProperties(props...); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Open(testCtx(t), url); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close(context.Background()) })
	return l, url
}

func mustCode(t testing.TB, err error, want HRESULT) {
	t.Helper()
	if got := HResult(err); got != want {
		t.Fatalf("got %v (%v), want %v", got, err, want)
	}
}

func TestTCPSendReceive(t *testing.T) {
	ctx := testCtx(t)
	l, url := tcpListener(t)
	done := make(chan error, 1)
	go func() {
		ch, err := l.AcceptChannel(ctx)
		if err != nil {
			done <- err
			return
		}
		defer ch.Close(ctx)
		for {
			m, err := ch.Receive(ctx)
			if HResult(err) == WS_S_END {
				done <- nil
				return
			}
			if err != nil {
				done <- err
				return
			}
			body, err := m.BodyXML()
			if err != nil {
				done <- err
				return
			}
			reply := ch.NewMessage()
			reply.SetAction(m.Action() + "Response")
			if err := reply.SetBodyXML(body); err != nil {
				done <- err
				return
			}
			if err := ch.Reply(ctx, m, reply); err != nil {
				done <- err
				return
			}
		}
	}()
	c, err := Dial(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		req := c.NewMessage()
		req.SetAction("urn:echo")
		body := fmt.Sprintf(`<Echo xmlns="urn:t"><text>hello %d 日本語 &amp; &lt;</text><n>%d</n></Echo>`, i, i)
		if err := req.SetBodyXML([]byte(body)); err != nil {
			t.Fatal(err)
		}
		reply, err := c.Request(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		got, err := reply.BodyXML()
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != body || reply.Action() != "urn:echoResponse" || reply.RelatesTo() != req.MessageID() {
			t.Fatalf("reply %s action %s relates %s (req %s)", got, reply.Action(), reply.RelatesTo(), req.MessageID())
		}
	}
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if c.State() != ChannelStateClosed {
		t.Fatalf("state %v", c.State())
	}
}

func TestTCPAbortPendingReceive(t *testing.T) {
	ctx := testCtx(t)
	l, url := tcpListener(t)
	accepted := make(chan *Channel, 1)
	go func() {
		ch, err := l.AcceptChannel(ctx)
		if err == nil {
			accepted <- ch
		}
	}()
	c, err := Dial(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	srv := <-accepted
	defer srv.Close(ctx)
	errc := make(chan error, 1)
	go func() {
		_, err := c.Receive(ctx)
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond)
	start := time.Now()
	c.Abort()
	select {
	case err := <-errc:
		mustCode(t, err, WS_E_OPERATION_ABORTED)
		if d := time.Since(start); d > 100*time.Millisecond {
			t.Fatalf("abort took %v", d)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("receive did not return after abort")
	}
	if c.State() != ChannelStateFaulted {
		t.Fatalf("state %v", c.State())
	}
	_, err = c.Receive(ctx)
	mustCode(t, err, WS_E_OBJECT_FAULTED)
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if c.State() != ChannelStateClosed {
		t.Fatalf("state %v", c.State())
	}
	// The server side sees the session end.
	_, err = srv.Receive(ctx)
	if err == nil || !(HResult(err) == WS_S_END || HResult(err) == WS_E_ENDPOINT_DISCONNECTED) {
		t.Fatalf("server receive after client abort: %v", err)
	}
	_ = errors.Is
	_ = io.EOF
	_ = strings.Contains
}
