package wws

// Wine's conformance tests of the WWSAPI channel and listener layer
// (dlls/webservices/tests/channel.c and the older tests/listener.c), which
// Wine runs against real Windows, ported to this API. Each test names the
// Wine function it ports; ports are free ports on loopback instead of 7533.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/wwsgo/wws/nmf"
	"github.com/wwsgo/wws/xmlnode"
)

// int32Body writes WWSAPI's test body: <localname xmlns="ns">value</localname>.
func int32Body(local string, value int64) func(xmlnode.Writer) error {
	return func(w xmlnode.Writer) error {
		if err := w.WriteStartElement(nil, []byte(local), []byte("ns")); err != nil {
			return err
		}
		if err := w.WriteText(xmlnode.Int(value)); err != nil {
			return err
		}
		return w.WriteEndElement()
	}
}

// readInt32Body reads back the value of <localname xmlns="ns">.
func readInt32Body(t *testing.T, m *Message, local string) int64 {
	t.Helper()
	r, err := m.BodyReader()
	if err != nil {
		t.Fatal(err)
	}
	n, err := r.Next()
	if err != nil || n.Kind != xmlnode.KindStartElement || !n.Is(local, "ns") {
		t.Fatalf("body starts with %v %v, want <%s xmlns=\"ns\">", n, err, local)
	}
	n, err = r.Next()
	if err != nil || n.Kind != xmlnode.KindText {
		t.Fatalf("body element holds %v %v", n, err)
	}
	v, err := n.Value.Int64()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func prop(t *testing.T, get func(ChannelPropertyID) (any, error), id ChannelPropertyID) any {
	t.Helper()
	v, err := get(id)
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	return v
}

// test_WsCreateChannel
func TestWineCreateChannel(t *testing.T) {
	ch, err := NewChannel(ChannelTypeRequest, BindingHTTP)
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[ChannelPropertyID]any{
		ChannelPropertyMaxBufferedMessageSize: uint32(65536),
		ChannelPropertyEncoding:               EncodingUTF8,
		ChannelPropertyEnvelopeVersion:        EnvelopeSOAP12,
		ChannelPropertyAddressingVersion:      Addressing10,
		ChannelPropertyState:                  ChannelStateCreated,
	} {
		if got := prop(t, ch.Property, id); got != want {
			t.Errorf("%s = %v, want %v", id, got, want)
		}
	}
	_, err = ch.Property(ChannelPropertyMaxSessionDictionarySize)
	mustCode(t, err, E_INVALIDARG)
	mustCode(t, ch.SetProperty(ChannelPropertyState, ChannelStateOpen), E_INVALIDARG)
	mustCode(t, ch.SetProperty(ChannelPropertyEncoding, EncodingUTF8), E_INVALIDARG)

	ch, err = NewChannel(ChannelTypeRequest, BindingHTTP, ChannelProperty{ChannelPropertyEncoding, EncodingUTF16LE})
	if err != nil {
		t.Fatal(err)
	}
	if got := prop(t, ch.Property, ChannelPropertyEncoding); got != EncodingUTF16LE {
		t.Errorf("encoding %v, want UTF16LE", got)
	}

	ch, err = NewChannel(ChannelTypeDuplexSession, BindingTCP)
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[ChannelPropertyID]any{
		ChannelPropertyEncoding:                 EncodingBinarySession,
		ChannelPropertyEnvelopeVersion:          EnvelopeSOAP12,
		ChannelPropertyAddressingVersion:        Addressing10,
		ChannelPropertyMaxSessionDictionarySize: uint32(2048),
	} {
		if got := prop(t, ch.Property, id); got != want {
			t.Errorf("%s = %v, want %v", id, got, want)
		}
	}
	mustCode(t, ch.SetProperty(ChannelPropertyMaxSessionDictionarySize, uint32(4096)), E_INVALIDARG)
}

// test_WsCreateListener
func TestWineCreateListener(t *testing.T) { forEachSession(t, testWineCreateListener) }

func testWineCreateListener(t *testing.T, sb sessionBinding) {
	l, err := sb.newListener()
	if err != nil {
		t.Fatal(err)
	}
	mustCode(t, l.SetProperty(ListenerPropertyListenBacklog, uint32(1000)), E_INVALIDARG)
	mustCode(t, l.SetProperty(ListenerPropertyIPVersion, IPVersion4), E_INVALIDARG)
	want := map[ListenerPropertyID]any{
		ListenerPropertyChannelType:    ChannelTypeDuplexSession,
		ListenerPropertyChannelBinding: sb.b,
		ListenerPropertyState:          ListenerStateCreated,
	}
	if sb.b == BindingTCP {
		want[ListenerPropertyIPVersion] = IPVersionAuto
	} else {
		_, err := l.Property(ListenerPropertyIPVersion)
		mustCode(t, err, E_INVALIDARG) // named pipes and custom transports have no IP version
	}
	for id, want := range want {
		got, err := l.Property(id)
		if err != nil || got != want {
			t.Errorf("%s = %v (%v), want %v", id, got, err, want)
		}
	}
	mustCode(t, l.SetProperty(ListenerPropertyState, ListenerStateOpen), E_INVALIDARG)
	var nilL *Listener
	mustCode(t, nilL.Open(context.Background(), "net.tcp://+:1/"), E_INVALIDARG)
}

// test_WsOpenListener
func TestWineOpenListener(t *testing.T) { forEachSession(t, testWineOpenListener) }

func testWineOpenListener(t *testing.T, sb sessionBinding) {
	ctx := testCtx(t)
	var nilL *Listener
	mustCode(t, nilL.Open(ctx, ""), E_INVALIDARG)
	l, _ := sb.newListener()
	if err := l.Close(ctx); err != nil {
		t.Fatalf("close of a listener never opened: %v", err)
	}
	l, _ = sb.newListener()
	mustCode(t, l.Open(ctx, ""), E_INVALIDARG)
	urls := sb.openURLs(t)
	mustCode(t, nilL.Open(ctx, urls[0]), E_INVALIDARG)
	if err := l.Open(ctx, urls[0]); err != nil {
		t.Fatal(err)
	}
	mustCode(t, l.Open(ctx, urls[0]), WS_E_INVALID_OPERATION)
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for _, url := range urls[1:] {
		l, _ := sb.newListener()
		if err := l.Open(ctx, url); err != nil {
			t.Fatalf("%s: %v", url, err)
		}
		if err := l.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	mustCode(t, nilL.Close(ctx), E_INVALIDARG)
}

// test_WsCreateChannelForListener
func TestWineCreateChannelForListener(t *testing.T) {
	forEachSession(t, testWineCreateChannelForListener)
}

func testWineCreateChannelForListener(t *testing.T, sb sessionBinding) {
	var nilL *Listener
	if _, err := nilL.NewChannel(); HResult(err) != E_INVALIDARG {
		t.Fatalf("nil listener: %v", err)
	}
	l, _ := sb.newListener()
	ch, err := l.NewChannel()
	if err != nil {
		t.Fatal(err)
	}
	if got := prop(t, ch.Property, ChannelPropertyChannelType); got != ChannelTypeDuplexSession {
		t.Errorf("channel type %v", got)
	}
	if got := prop(t, ch.Property, ChannelPropertyState); got != ChannelStateCreated {
		t.Errorf("state %v", got)
	}
}

// test_WsResetListener
func TestWineResetListener(t *testing.T) { forEachSession(t, testWineResetListener) }

func testWineResetListener(t *testing.T, sb sessionBinding) {
	ctx := testCtx(t)
	var nilL *Listener
	mustCode(t, nilL.Reset(), E_INVALIDARG)
	l, err := sb.newListener(ListenerProperty{ListenerPropertyConnectTimeout, time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Reset(); err != nil {
		t.Fatal(err)
	}
	if err := l.Open(ctx, sb.openURLs(t)[0]); err != nil {
		t.Fatal(err)
	}
	mustCode(t, l.Reset(), WS_E_INVALID_OPERATION)
	l.Close(ctx)
	if err := l.Reset(); err != nil {
		t.Fatal(err)
	}
	if l.State() != ListenerStateCreated {
		t.Errorf("state %v", l.State())
	}
	if v, _ := l.Property(ListenerPropertyConnectTimeout); v != time.Second {
		t.Errorf("connect timeout %v after reset, want 1s", v)
	}
}

// serverThread is Wine's listener_proc: a listener on url, one channel
// accepted and checked Open, fn run on it, then the channel and the listener
// closed. It returns a channel that yields fn's error.
func serverThread(t *testing.T, sb sessionBinding, url string, fn func(ch *Channel) error) (ready <-chan struct{}, done <-chan error) {
	t.Helper()
	ctx := testCtx(t)
	l, err := sb.newListener()
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Open(ctx, url); err != nil {
		t.Fatal(err)
	}
	r := make(chan struct{})
	d := make(chan error, 1)
	closed := make(chan error, 1)
	t.Cleanup(func() {
		select {
		case err := <-closed:
			if err != nil {
				t.Errorf("server close: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("server close did not finish")
		}
	})
	go func() {
		defer l.Close(ctx)
		var cerr error
		defer func() { closed <- cerr }()
		ch, err := l.NewChannel()
		if err != nil {
			d <- err
			return
		}
		close(r)
		if err := l.Accept(ctx, ch); err != nil {
			d <- err
			return
		}
		if ch.State() != ChannelStateOpen {
			d <- fmt.Errorf("accepted channel is %v", ch.State())
			return
		}
		err = fn(ch)
		d <- err // Wine signals done before it closes the channel
		cerr = ch.Close(ctx)
	}()
	return r, d
}

// Loopback row 2: TCP duplex session — state rules before open, two sends,
// shutdown once.
func TestWineDuplexSession(t *testing.T) { forEachSession(t, testWineDuplexSession) }

func testWineDuplexSession(t *testing.T, sb sessionBinding) {
	ctx := testCtx(t)
	lurl, url := sb.endpoint(t, "")
	ready, done := serverThread(t, sb, lurl, func(ch *Channel) error {
		for i := 0; i < 2; i++ {
			if _, err := ch.Receive(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	<-ready
	ch, err := sb.newChannel()
	if err != nil {
		t.Fatal(err)
	}
	mustCode(t, ch.ShutdownSession(ctx), WS_E_INVALID_OPERATION)
	_, err = ch.Receive(ctx)
	mustCode(t, err, WS_E_INVALID_OPERATION)
	mustCode(t, ch.Send(ctx, ch.NewMessage()), WS_E_INVALID_OPERATION)
	if err := ch.Open(ctx, url); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		m := ch.NewMessage()
		m.SetAction("action")
		m.SetBody(int32Body("localname", -1))
		if err := ch.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := ch.ShutdownSession(ctx); err != nil {
		t.Fatal(err)
	}
	mustCode(t, ch.ShutdownSession(ctx), WS_E_INVALID_OPERATION)
	if v, _ := ch.Property(ChannelPropertyIsSessionShutDown); v != true {
		t.Errorf("IsSessionShutDown = %v", v)
	}
	if err := ch.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// Loopback row 4 and listener.c: accept rules, then one message with value -1.
func TestWineAcceptChannel(t *testing.T) { forEachSession(t, testWineAcceptChannel) }

func testWineAcceptChannel(t *testing.T, sb sessionBinding) {
	ctx := testCtx(t)
	var nilL *Listener
	mustCode(t, nilL.Accept(ctx, nil), E_INVALIDARG)
	l0, _ := sb.newListener()
	mustCode(t, l0.Accept(ctx, nil), E_INVALIDARG)
	ch0, _ := l0.NewChannel()
	mustCode(t, l0.Accept(ctx, ch0), WS_E_INVALID_OPERATION)

	lurl, url := sb.endpoint(t, "")
	l, err := sb.newListener()
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Open(ctx, lurl); err != nil {
		t.Fatal(err)
	}
	defer l.Close(ctx)
	got := make(chan int64, 1)
	errc := make(chan error, 1)
	go func() {
		ch, _ := l.NewChannel()
		if err := l.Accept(ctx, ch); err != nil {
			errc <- err
			return
		}
		// listener.c: accepting again into the now open channel is refused.
		if err := l.Accept(ctx, ch); HResult(err) != WS_E_INVALID_OPERATION {
			errc <- fmt.Errorf("second accept: %v", err)
			return
		}
		m, err := ch.Receive(ctx)
		if err != nil {
			errc <- err
			return
		}
		got <- readInt32Body(t, m, "localname")
		errc <- ch.Close(ctx) // waits for the client's End
	}()
	ch, err := sb.newChannel()
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.Open(ctx, url); err != nil {
		t.Fatal(err)
	}
	m := ch.NewMessage()
	m.SetAction("action")
	m.SetBody(int32Body("localname", -1))
	if err := ch.Send(ctx, m); err != nil {
		t.Fatal(err)
	}
	select {
	case v := <-got:
		if v != -1 {
			t.Fatalf("value %d", v)
		}
	case err := <-errc:
		t.Fatal(err)
	}
	if err := ch.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

func portOf(url string) string {
	i := strings.LastIndex(url, ":")
	return strings.TrimRight(url[i+1:], "/")
}

// Loopback row 5: request/reply over a duplex session; the server answers
// with a plain send (no RelatesTo), as in Wine's test.
func TestWineRequestReply(t *testing.T) { forEachSession(t, testWineRequestReply) }

func testWineRequestReply(t *testing.T, sb sessionBinding) {
	ctx := testCtx(t)
	lurl, url := sb.endpoint(t, "")
	ready, done := serverThread(t, sb, lurl, func(ch *Channel) error {
		m, err := ch.Receive(ctx)
		if err != nil {
			return err
		}
		if m.Action() != "request" {
			return fmt.Errorf("action %q", m.Action())
		}
		v := readInt32Body(t, m, "req")
		reply := ch.NewMessage()
		reply.SetAction("reply")
		reply.SetBody(int32Body("reply", v))
		if err := ch.Send(ctx, reply); err != nil {
			return err
		}
		// Wait for the client to end the session, so that the request
		// below can only time out.
		if _, err := ch.Receive(ctx); HResult(err) != WS_S_END {
			return fmt.Errorf("server receive: %v, want WS_S_END", err)
		}
		return nil
	})
	<-ready
	ch, _ := sb.newChannel(ChannelProperty{ChannelPropertyReceiveTimeout, 5 * time.Second})
	if err := ch.Open(ctx, url); err != nil {
		t.Fatal(err)
	}
	// Without RelatesTo in the reply the request is not correlated: Wine's
	// test does not assert the result. Here the request times out waiting
	// for a correlated reply, and the uncorrelated reply is received instead.
	req := ch.NewMessage()
	req.SetAction("request")
	req.SetBody(int32Body("req", -1))
	rctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	_, err := ch.Request(rctx, req)
	cancel()
	mustCode(t, err, WS_E_OPERATION_TIMED_OUT)
	m, err := ch.Receive(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m.Action() != "reply" || readInt32Body(t, m, "reply") != -1 {
		t.Fatalf("reply %q", m.Action())
	}
	if err := ch.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// Loopback rows 7 and 8: the session dictionary quota, against a raw
// socket server that sends one new dictionary string per message.
func TestWineSessionDictionaryQuota(t *testing.T) {
	forEachSession(t, func(t *testing.T, sb sessionBinding) {
		for _, size := range []int{2048, 4096} {
			t.Run(fmt.Sprint(size), func(t *testing.T) { testDictionaryQuota(t, sb, size) })
		}
	})
}

func testDictionaryQuota(t *testing.T, sb sessionBinding, dictSize int) {
	ctx := testCtx(t)
	ln, url := sb.rawListener(t)
	defer ln.Close()
	var names []string
	total := 0
	for i := 0; ; i++ {
		s := fmt.Sprintf("teststr%s_%02x", strings.Repeat("s", 127-len("teststr")-3), i)
		if total+len(s)+1 > dictSize {
			break
		}
		total += len(s) + 1
		names = append(names, s)
	}
	final := "final_str"
	serverErr := make(chan error, 1)
	go func() {
		serverErr <- rawDictionaryServer(ln, url, append(names, final))
	}()

	ch, err := sb.newChannel(ChannelProperty{ChannelPropertyMaxSessionDictionarySize, uint32(dictSize)})
	if err != nil {
		t.Fatal(err)
	}
	if v := prop(t, ch.Property, ChannelPropertyMaxSessionDictionarySize); v != uint32(dictSize) {
		t.Fatalf("dictionary size %v", v)
	}
	mustCode(t, ch.ShutdownSession(ctx), WS_E_INVALID_OPERATION)
	if err := ch.Open(ctx, url); err != nil {
		t.Fatal(err)
	}
	for i, name := range names {
		m, err := ch.Receive(ctx)
		if err != nil {
			t.Fatalf("receive %d: %v", i, err)
		}
		if v := readInt32Body(t, m, name); v != -1 {
			t.Fatalf("value %d", v)
		}
	}
	if len(names) != dictSize/128 {
		t.Fatalf("%d strings fit in %d bytes, Windows fits %d", len(names), dictSize, dictSize/128)
	}
	_, err = ch.Receive(ctx)
	mustCode(t, err, WS_E_QUOTA_EXCEEDED)
	if ch.State() != ChannelStateFaulted {
		t.Fatalf("state %v after the quota error, want Faulted", ch.State())
	}
	_, err = ch.Receive(ctx)
	mustCode(t, err, WS_E_OBJECT_FAULTED)
	mustCode(t, ch.Send(ctx, ch.NewMessage()), WS_E_OBJECT_FAULTED)
	mustCode(t, ch.ShutdownSession(ctx), WS_E_OBJECT_FAULTED)
	if err := ch.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-serverErr; err != nil {
		t.Fatal(err)
	}
}

// rawDictionaryServer is Wine's listener_socket_proc: it checks the
// client's preamble byte for byte, acknowledges it, then sends one sized
// envelope per name, each announcing the name in its StringTable and using
// it as the body element's name.
func rawDictionaryServer(ln net.Listener, url string, names []string) error {
	conn, err := ln.Accept()
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	want := nmf.AppendPreamble(nil, nmf.ModeDuplex, url, nmf.EncodingSOAP12BinarySession)
	got := make([]byte, len(want))
	if _, err := io.ReadFull(conn, got); err != nil {
		return fmt.Errorf("reading the preamble: %v", err)
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("preamble\n got % X\nwant % X", got, want)
	}
	if _, err := conn.Write([]byte{0x0B}); err != nil {
		return err
	}
	for i, name := range names {
		var table []byte
		table = nmf.AppendSize(table, len(name))
		table = append(table, name...)
		payload := nmf.AppendSize(nil, len(table))
		payload = append(payload, table...)
		payload = append(payload, 0x56, 0x02, 0x0B, 0x01, 'a', 0x06, 0x0B, 0x01, 's', 0x04, 0x56, 0x08,
			0x44, 0x0A, 0x1E, 0x00, 0x82, 0x99, 0x06)
		payload = append(payload, "action"...)
		payload = append(payload, 0x44, 0x0C, 0x1E, 0x00, 0x82, 0x99, byte(len(url)))
		payload = append(payload, url...)
		payload = append(payload, 0x01, 0x56, 0x0E, 0x42)
		payload = nmf.AppendSize(payload, 2*i+1)
		payload = append(payload, 0x08, 0x02, 'n', 's', 0x89, 0xFF, 0x01, 0x01)
		if _, err := conn.Write(nmf.AppendSizedEnvelope(nil, payload)); err != nil {
			return fmt.Errorf("sending message %d: %v", i, err)
		}
	}
	io.Copy(io.Discard, conn)
	return nil
}

// Loopback row 6: the async client. Go has no WS_ASYNC_CONTEXT: the same
// calls run on goroutines, and complete as the synchronous ones do (WWSAPI
// accepts S_OK in place of WS_S_ASYNC when an operation finishes at once).
func TestWineAsyncClient(t *testing.T) { forEachSession(t, testWineAsyncClient) }

func testWineAsyncClient(t *testing.T, sb sessionBinding) {
	ctx := testCtx(t)
	lurl, url := sb.endpoint(t, "")
	ready, done := serverThread(t, sb, lurl, func(ch *Channel) error {
		for i := 0; i < 2; i++ {
			if _, err := ch.Receive(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	<-ready
	ch, _ := sb.newChannel()
	async := func(f func() error) error {
		r := make(chan error, 1)
		go func() { r <- f() }()
		return <-r
	}
	if err := async(func() error { return ch.Open(ctx, url) }); err != nil {
		t.Fatal(err)
	}
	m := ch.NewMessage()
	m.SetAction("action")
	m.SetBody(int32Body("localname", -1))
	if err := async(func() error { return ch.Send(ctx, m) }); err != nil {
		t.Fatal(err)
	}
	m = ch.NewMessage()
	m.SetAction("action")
	m.SetBody(int32Body("localname", -1))
	if err := ch.Send(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := async(func() error { return ch.ShutdownSession(ctx) }); err != nil {
		t.Fatal(err)
	}
	mustCode(t, ch.ShutdownSession(ctx), WS_E_INVALID_OPERATION)
	if err := async(func() error { return ch.Close(ctx) }); err != nil {
		t.Fatal(err)
	}
}
