package wws

import (
	"fmt"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func udpURL(t *testing.T) (listen, dial string) {
	port := freePort(t)
	return fmt.Sprintf("soap.udp://+:%d", port), fmt.Sprintf("soap.udp://localhost:%d", port)
}

// Wine loopback row 1: UDP duplex, message read and write with the
// streaming calls; a non-session channel has no session to shut down.
func TestWineUDPReadWrite(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx := testCtx(t)
	lurl, url := udpURL(t)
	l, err := NewListener(ChannelTypeDuplex, BindingUDP)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Open(ctx, lurl); err != nil {
		t.Fatal(err)
	}
	defer l.Close(ctx)
	served := make(chan error, 1)
	go func() {
		ch, err := l.NewChannel()
		if err == nil {
			err = l.Accept(ctx, ch)
		}
		if err != nil {
			served <- err
			return
		}
		defer ch.Close(ctx)
		if ch.State() != ChannelStateOpen {
			served <- fmt.Errorf("accepted channel %v", ch.State())
			return
		}
		if _, err := ch.ReadMessageStart(nil); HResult(err) != E_INVALIDARG {
			served <- fmt.Errorf("ReadMessageStart(nil ctx): %v", err)
			return
		}
		var nilCh *Channel
		if _, err := nilCh.ReadMessageStart(ctx); HResult(err) != E_INVALIDARG {
			served <- fmt.Errorf("nil channel: %v", err)
			return
		}
		m, err := ch.ReadMessageStart(ctx)
		if err != nil {
			served <- err
			return
		}
		if HResult(ch.ReadMessageEnd(ctx, nil)) != E_INVALIDARG {
			served <- fmt.Errorf("ReadMessageEnd(nil) accepted")
			return
		}
		if err := ch.ReadMessageEnd(ctx, m); err != nil {
			served <- err
			return
		}
		body, err := m.BodyXML()
		if err == nil && len(body) != 0 {
			err = fmt.Errorf("body %q, want empty", body)
		}
		served <- err
	}()
	ch, _ := NewChannel(ChannelTypeDuplex, BindingUDP)
	if err := ch.Open(ctx, url); err != nil {
		t.Fatal(err)
	}
	mustCode(t, ch.ShutdownSession(ctx), WS_E_INVALID_OPERATION)
	m := ch.NewMessage()
	mustCode(t, ch.WriteMessageStart(ctx, nil), E_INVALIDARG)
	var nilCh *Channel
	mustCode(t, nilCh.WriteMessageStart(ctx, m), E_INVALIDARG)
	if err := ch.WriteMessageStart(ctx, m); err != nil {
		t.Fatal(err)
	}
	mustCode(t, ch.WriteMessageEnd(ctx, nil), E_INVALIDARG)
	if err := ch.WriteMessageEnd(ctx, m); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not read the message")
	}
	if err := ch.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// Wine loopback row 3 and listener.c: accept rules, then one message with
// value -1 over UDP.
func TestWineUDPAcceptChannel(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx := testCtx(t)
	var nilL *Listener
	mustCode(t, nilL.Accept(ctx, nil), E_INVALIDARG)
	l0, _ := NewListener(ChannelTypeDuplex, BindingUDP)
	mustCode(t, l0.Accept(ctx, nil), E_INVALIDARG)
	ch0, _ := l0.NewChannel()
	mustCode(t, l0.Accept(ctx, ch0), WS_E_INVALID_OPERATION)

	lurl, url := udpURL(t)
	l, _ := NewListener(ChannelTypeDuplex, BindingUDP)
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
		defer ch.Close(ctx)
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
		if _, err := ch.Receive(ctx); HResult(err) != WS_S_END {
			errc <- fmt.Errorf("second receive: %v, want WS_S_END", err)
			return
		}
		errc <- nil
	}()
	ch, _ := NewChannel(ChannelTypeDuplex, BindingUDP)
	if err := ch.Open(ctx, url); err != nil {
		t.Fatal(err)
	}
	defer ch.Close(ctx)
	m := ch.NewMessage()
	m.SetAction("action")
	m.SetBody(int32Body("localname", -1))
	if err := ch.Send(ctx, m); err != nil {
		t.Fatal(err)
	}
	var v int64
	select {
	case v = <-got:
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	case err := <-errc:
		if err != nil {
			t.Fatal(err)
		}
		v = <-got // sent before the goroutine reported success
	}
	if v != -1 {
		t.Fatalf("value %d", v)
	}
}

// TestUDPRequestReply: a request over UDP answered to the sender's address,
// correlated by RelatesTo; REMOTE_ADDRESS names the sender.
func TestUDPRequestReply(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx := testCtx(t)
	lurl, url := udpURL(t)
	l, _ := NewListener(ChannelTypeDuplex, BindingUDP)
	if err := l.Open(ctx, lurl); err != nil {
		t.Fatal(err)
	}
	defer l.Close(ctx)
	remote := make(chan any, 1)
	go func() {
		ch, err := l.AcceptChannel(ctx)
		if err != nil {
			return
		}
		defer ch.Close(ctx)
		m, err := ch.Receive(ctx)
		if err != nil {
			return
		}
		addr, _ := ch.Property(ChannelPropertyRemoteAddress)
		remote <- addr
		r := ch.NewMessage()
		r.SetAction("urn:pong")
		body, _ := m.BodyXML()
		r.SetBodyXML(body)
		ch.Reply(ctx, m, r)
	}()
	ch, err := Dial(ctx, url, ChannelProperty{ChannelPropertyReceiveTimeout, 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close(ctx)
	req := ch.NewMessage()
	req.SetAction("urn:ping")
	req.SetBodyXML([]byte(`<ping>1</ping>`))
	reply, err := ch.Request(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := reply.BodyXML(); string(b) != `<ping>1</ping>` || reply.RelatesTo() != req.MessageID() {
		t.Fatalf("reply %s relates %s", b, reply.RelatesTo())
	}
	if a, _ := (<-remote).(string); len(a) < len("soap.udp://") || a[:len("soap.udp://")] != "soap.udp://" {
		t.Fatalf("REMOTE_ADDRESS %q", a)
	}
	big := ch.NewMessage()
	big.SetAction("urn:big")
	big.SetBodyXML([]byte("<b>" + string(make([]byte, 0)) + fmt.Sprintf("%070000d", 0) + "</b>"))
	mustCode(t, ch.Send(ctx, big), WS_E_QUOTA_EXCEEDED)
}
