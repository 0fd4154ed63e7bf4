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

	"github.com/wwsgo/wws/soap"
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

// TestTCPFramingFaults checks the faults a listener sends for a bad
// preamble, and what a client makes of them.
func TestTCPFramingFaults(t *testing.T) {
	ctx := testCtx(t)
	_, url := tcpListener(t)
	host := strings.TrimPrefix(strings.TrimSuffix(url, "/test"), "net.tcp://")
	raw := func(preamble []byte) string {
		t.Helper()
		c, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		c.Write(preamble)
		b, _ := io.ReadAll(c)
		return string(b)
	}
	pre := func(mode byte, via string, enc byte) []byte {
		b := []byte{0, 1, 0, 1, mode, 2, byte(len(via))}
		b = append(b, via...)
		return append(b, 3, enc, 0x0C)
	}
	for _, tc := range []struct {
		name, fault string
		in          []byte
	}{
		{"unknown path", "EndpointNotFound", pre(2, "net.tcp://"+host+"/nothere", 8)},
		{"bad content type", "ContentTypeInvalid", pre(2, url, 3)},
		{"unsupported mode", "UnsupportedMode", pre(1, url, 8)},
		{"unsupported version", "UnsupportedVersion", append([]byte{0, 2, 0}, pre(2, url, 8)[3:]...)},
		{"upgrade", "UpgradeInvalid", append(pre(2, url, 8)[:len(pre(2, url, 8))-1], append([]byte{9, 19}, "application/ssl-tls"...)...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := raw(tc.in)
			if !strings.HasPrefix(got, "\x08") || !strings.HasSuffix(got, "/framing/faults/"+tc.fault) {
				t.Fatalf("server answered %q, want a Fault record with %s", got, tc.fault)
			}
		})
	}
	// A client dialing a path no listener owns gets WS_E_ENDPOINT_NOT_FOUND.
	_, err := Dial(ctx, "net.tcp://"+host+"/nothere")
	mustCode(t, err, WS_E_ENDPOINT_NOT_FOUND)
	// A client with another encoding gets the ContentTypeInvalid fault.
	_, err = Dial(ctx, url, ChannelProperty{ChannelPropertyEncoding, EncodingUTF8})
	if HResult(err) != WS_E_ENDPOINT_FAILURE || !strings.Contains(err.Error(), "ContentTypeInvalid") {
		t.Fatalf("text client on a binary listener: %v", err)
	}
	// Nothing listening at all.
	_, err = Dial(ctx, fmt.Sprintf("net.tcp://127.0.0.1:%d/", freePort(t)))
	mustCode(t, err, WS_E_ENDPOINT_NOT_FOUND)
}

// TestTCPHostilePeersDoNotStopListener: silent peers, garbage and cut
// connections do not keep the listener from serving a well-behaved client.
func TestTCPHostilePeersDoNotStopListener(t *testing.T) {
	ctx := testCtx(t)
	l, err := NewListener(ChannelTypeDuplexSession, BindingTCP, ListenerProperty{ListenerPropertyConnectTimeout, 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("net.tcp://127.0.0.1:%d/h", freePort(t))
	if err := l.Open(ctx, url); err != nil {
		t.Fatal(err)
	}
	defer l.Close(ctx)
	host := strings.TrimSuffix(strings.TrimPrefix(url, "net.tcp://"), "/h")
	var conns []net.Conn
	for _, junk := range [][]byte{nil, []byte("GET / HTTP/1.1\r\n\r\n"), {0, 1, 0, 1, 2, 2, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F}, {0, 1}} {
		c, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		c.Write(junk)
		conns = append(conns, c)
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	go func() {
		ch, err := l.AcceptChannel(ctx)
		if err != nil {
			return
		}
		defer ch.Close(ctx)
		m, err := ch.Receive(ctx)
		if err == nil {
			r := ch.NewMessage()
			r.SetAction("urn:ok")
			ch.Reply(ctx, m, r)
		}
		ch.Receive(ctx)
	}()
	start := time.Now()
	c, err := Dial(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	req := c.NewMessage()
	req.SetAction("urn:q")
	if _, err := c.Request(ctx, req); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 400*time.Millisecond {
		t.Errorf("served after %v: the hostile peers held it up", d)
	}
	c.Close(ctx)
	// The silent peers were closed at the connect timeout.
	for i, cn := range conns {
		cn.SetReadDeadline(time.Now().Add(3 * time.Second))
		if _, err := io.ReadAll(cn); err != nil {
			t.Errorf("hostile connection %d still open after the connect timeout: %v", i, err)
		}
	}
}

// TestTCPTimeouts: each timeout property bounds its own operation only.
func TestTCPTimeouts(t *testing.T) {
	ctx := testCtx(t)
	l, url := tcpListener(t)
	srv := make(chan *Channel, 1)
	go func() {
		ch, err := l.AcceptChannel(ctx)
		if err == nil {
			srv <- ch
		}
	}()
	c, err := Dial(ctx, url,
		ChannelProperty{ChannelPropertyReceiveTimeout, 200 * time.Millisecond},
		ChannelProperty{ChannelPropertyCloseTimeout, 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s := <-srv
	defer s.Abort()
	// Receive timeout: nothing arrives; the channel stays usable.
	start := time.Now()
	_, err = c.Receive(ctx)
	mustCode(t, err, WS_E_OPERATION_TIMED_OUT)
	if d := time.Since(start); d < 150*time.Millisecond || d > time.Second {
		t.Errorf("receive timed out after %v, want about 200ms", d)
	}
	if c.State() != ChannelStateOpen {
		t.Fatalf("state after a receive timeout: %v", c.State())
	}
	// The receive timeout does not fire during a slow send or while idle:
	// wait past it, then a message still goes through both ways.
	time.Sleep(300 * time.Millisecond)
	m := c.NewMessage()
	m.SetAction("urn:a")
	if err := c.Send(ctx, m); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	// A context deadline is honoured as well, shorter than the property.
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	_, err = c.Receive(cctx)
	cancel()
	mustCode(t, err, WS_E_OPERATION_TIMED_OUT)
	// A cancelled context aborts just that operation.
	cctx, cancel = context.WithCancel(ctx)
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	_, err = c.Receive(cctx)
	mustCode(t, err, WS_E_OPERATION_ABORTED)
	if c.State() != ChannelStateOpen {
		t.Fatalf("state after a cancelled receive: %v", c.State())
	}
	// Close timeout: the server never ends its side.
	start = time.Now()
	err = c.Close(ctx)
	mustCode(t, err, WS_E_OPERATION_TIMED_OUT)
	if d := time.Since(start); d > time.Second {
		t.Errorf("close took %v, want about 300ms", d)
	}
	if c.State() != ChannelStateClosed {
		t.Fatalf("state after a timed-out close: %v", c.State())
	}
	// Connect timeout: a server that never answers the preamble.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			defer c.Close()
			time.Sleep(2 * time.Second)
		}
	}()
	ch, _ := NewChannel(ChannelTypeDuplexSession, BindingTCP, ChannelProperty{ChannelPropertyConnectTimeout, 200 * time.Millisecond})
	start = time.Now()
	err = ch.Open(ctx, "net.tcp://"+ln.Addr().String()+"/")
	mustCode(t, err, WS_E_OPERATION_TIMED_OUT)
	if d := time.Since(start); d > time.Second {
		t.Errorf("open took %v, want about 200ms", d)
	}
}

// TestTCPDualStack: a listener on a host name serves IPv4 and IPv6
// clients; a client dials every address a name resolves to.
func TestTCPDualStack(t *testing.T) {
	ln6, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skip("no IPv6 loopback here")
	}
	ln6.Close()
	ctx := testCtx(t)
	port := freePort(t)
	l, err := NewListener(ChannelTypeDuplexSession, BindingTCP)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Open(ctx, fmt.Sprintf("net.tcp://localhost:%d/ds", port)); err != nil {
		t.Fatal(err)
	}
	defer l.Close(ctx)
	go func() {
		for {
			ch, err := l.AcceptChannel(ctx)
			if err != nil {
				return
			}
			go func() {
				defer ch.Close(ctx)
				for {
					m, err := ch.Receive(ctx)
					if err != nil {
						return
					}
					r := ch.NewMessage()
					r.SetAction("urn:r")
					ch.Reply(ctx, m, r)
				}
			}()
		}
	}()
	for _, host := range []string{"127.0.0.1", "[::1]", "localhost"} {
		c, err := Dial(ctx, fmt.Sprintf("net.tcp://%s:%d/ds", host, port))
		if err != nil {
			t.Fatalf("%s: %v", host, err)
		}
		req := c.NewMessage()
		req.SetAction("urn:q")
		if _, err := c.Request(ctx, req); err != nil {
			t.Fatalf("%s: %v", host, err)
		}
		c.Close(ctx)
	}
}

// TestTCPLateReplyDropped: the reply to a request given up on (its
// deadline passed) is dropped when it comes late; it never surfaces in a
// Receive, and the session goes on.
func TestTCPLateReplyDropped(t *testing.T) {
	ctx := testCtx(t)
	l, url := tcpListener(t)
	release := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- func() error {
			ch, err := l.AcceptChannel(ctx)
			if err != nil {
				return err
			}
			defer ch.Close(ctx)
			req, err := ch.Receive(ctx)
			if err != nil {
				return err
			}
			<-release
			reply := ch.NewMessage()
			reply.SetAction("urn:lateResponse")
			if err := ch.Reply(ctx, req, reply); err != nil {
				return err
			}
			push := ch.NewMessage()
			push.SetAction("urn:push")
			if err := ch.Send(ctx, push); err != nil {
				return err
			}
			_, err = ch.Receive(ctx)
			if HResult(err) != WS_S_END {
				return fmt.Errorf("server's last receive: %v", err)
			}
			return nil
		}()
	}()
	c, err := Dial(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	req := c.NewMessage()
	req.SetAction("urn:late")
	rctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	_, err = c.Request(rctx, req)
	cancel()
	if err == nil {
		t.Fatal("the request did not time out")
	}
	close(release)
	m, err := c.Receive(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m.Action() != "urn:push" {
		t.Fatalf("received %q, want urn:push (the late reply leaked)", m.Action())
	}
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestSendFaultDisclosure: SendFault hides a plain error's text unless the
// channel's FaultDisclosure is FullFaultDisclosure; a *Fault goes as it is.
func TestSendFaultDisclosure(t *testing.T) {
	ctx := testCtx(t)
	secret := errors.New("open /etc/app/db.conf: permission denied")
	own := &Fault{Code: soap.QName{NS: soap.NamespaceSOAP12, Local: soap.CodeSender},
		Reason: []soap.ReasonText{{Lang: "en-US", Text: "n2 must not be zero"}}}
	for _, tc := range []struct {
		props []ChannelProperty
		cause error
		want  string
	}{
		{nil, secret, internalErrorReason},
		{[]ChannelProperty{{ChannelPropertyFaultDisclosure, FullFaultDisclosure}}, secret, secret.Error()},
		{nil, fmt.Errorf("wrapped: %w", own), "n2 must not be zero"},
	} {
		l, url := tcpListener(t, tc.props...)
		go func() {
			ch, err := l.AcceptChannel(ctx)
			if err != nil {
				return
			}
			defer ch.Close(ctx)
			if m, err := ch.Receive(ctx); err == nil {
				ch.SendFault(ctx, m, tc.cause)
				ch.Receive(ctx)
			}
		}()
		c, err := Dial(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		req := c.NewMessage()
		req.SetAction("urn:fail")
		_, err = c.Request(ctx, req)
		var e *Error
		if !errors.As(err, &e) || e.Fault == nil || e.Fault.ReasonText() != tc.want {
			t.Errorf("%v: got %v, want the reason %q", tc.props, err, tc.want)
		}
		c.Close(ctx)
	}
}
