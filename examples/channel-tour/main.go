// Command channel-tour walks through the channel model on loopback, one
// step per printed line: channel states and what a failed open, an abort in
// Created and a close in Created do; properties; messages with headers and
// custom headers; one-way sends; streaming writes and reads;
// AbandonMessage; faults as errors and as messages; shutting a session
// down. docs/guide.md quotes it section by section.
//
//	go run ./examples/channel-tour
//
// It needs nothing else running, finishes in well under a second, and
// exits 0 when every step went as the guide says.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/wwsgo/wws"
)

var failed bool

// step prints one line and records whether it went as expected.
func step(ok bool, format string, args ...any) {
	mark := "ok  "
	if !ok {
		mark, failed = "FAIL", true
	}
	fmt.Printf("%s %s\n", mark, fmt.Sprintf(format, args...))
}

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	states(ctx)
	properties()
	url, stop, err := startServer(ctx)
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	session(ctx, url)
	stop()
	if failed {
		os.Exit(1)
	}
}

// states: Created, a failed open, Reset, an abort in Created, a close in Created.
func states(ctx context.Context) {
	ch, err := wws.NewChannel(wws.ChannelTypeDuplexSession, wws.BindingTCP)
	if err != nil {
		panic(err)
	}
	step(ch.State() == wws.ChannelStateCreated, "a new channel is %s", ch.State())

	// Nothing listens on this port: the open fails and leaves the channel Faulted.
	err = ch.Open(ctx, "net.tcp://127.0.0.1:"+closedPort()+"/")
	step(wws.HResult(err) == wws.WS_E_ENDPOINT_NOT_FOUND && ch.State() == wws.ChannelStateFaulted,
		"open with nothing listening: %v; channel %s", wws.HResult(err), ch.State())
	err = ch.Open(ctx, "net.tcp://127.0.0.1:"+closedPort()+"/")
	step(errors.Is(err, wws.ErrFaulted), "open again: %v", wws.HResult(err))
	// Close releases a Faulted channel; Reset makes a Closed one new again.
	ch.Close(ctx)
	step(ch.State() == wws.ChannelStateClosed, "after Close: %s", ch.State())
	err = ch.Reset()
	step(err == nil && ch.State() == wws.ChannelStateCreated, "after Reset: %s (properties kept)", ch.State())

	// An abort in Created changes nothing now, but the next open fails.
	ch.Abort()
	step(ch.State() == wws.ChannelStateCreated, "abort in Created: still %s", ch.State())
	err = ch.Open(ctx, "net.tcp://127.0.0.1:"+closedPort()+"/")
	step(errors.Is(err, wws.ErrAborted), "open after that abort: %v; channel %s", wws.HResult(err), ch.State())

	// Closing a channel that was never opened succeeds.
	ch2, _ := wws.NewChannel(wws.ChannelTypeDuplexSession, wws.BindingTCP)
	err = ch2.Close(ctx)
	step(err == nil && ch2.State() == wws.ChannelStateClosed, "close in Created: %v; channel %s", wws.HResult(err), ch2.State())
}

// properties: reading defaults, setting at creation and after.
func properties() {
	ch, err := wws.NewChannel(wws.ChannelTypeDuplexSession, wws.BindingTCP,
		wws.ChannelProperty{ID: wws.ChannelPropertyEncoding, Value: wws.EncodingUTF8},
		wws.ChannelProperty{ID: wws.ChannelPropertyReceiveTimeout, Value: 5 * time.Second})
	if err != nil {
		panic(err)
	}
	enc, _ := ch.Property(wws.ChannelPropertyEncoding)
	dict, _ := ch.Property(wws.ChannelPropertyMaxSessionDictionarySize)
	step(enc == wws.EncodingUTF8 && dict == uint32(2048), "encoding %v, session dictionary %v bytes", enc, dict)

	// Timeouts can change at any time; the wire settings only at creation.
	err = ch.SetProperty(wws.ChannelPropertyReceiveTimeout, time.Minute)
	step(err == nil, "set ReceiveTimeout after creation: %v", wws.HResult(err))
	err = ch.SetProperty(wws.ChannelPropertyEncoding, wws.EncodingBinarySession)
	step(wws.HResult(err) == wws.E_INVALIDARG, "set Encoding after creation: %v", wws.HResult(err))
	err = ch.SetProperty(wws.ChannelPropertySendTimeout, 5000) // an int, not a time.Duration
	step(wws.HResult(err) == wws.E_INVALIDARG, "a value of the wrong Go type: %v", wws.HResult(err))
}

// session: one net.tcp session with the tour's server.
func session(ctx context.Context, url string) {
	ch, err := wws.Dial(ctx, url)
	if err != nil {
		step(false, "dial: %v", err)
		return
	}
	defer ch.Close(ctx)
	step(ch.State() == wws.ChannelStateOpen, "dialed %s: channel %s", url, ch.State())

	// A request with a custom header.
	req := ch.NewMessage()
	req.SetAction("urn:tour:Echo")
	if err := req.AddCustomHeader([]byte(`<Tenant xmlns="urn:tour">contoso</Tenant>`), false); err != nil {
		panic(err)
	}
	if err := req.SetBodyXML([]byte(`<Echo xmlns="urn:tour">hello</Echo>`)); err != nil {
		panic(err)
	}
	reply, err := ch.Request(ctx, req)
	if err != nil {
		step(false, "request: %v", err)
		return
	}
	body, _ := reply.BodyXML()
	step(reply.RelatesTo() == req.MessageID(), "reply %s relates to request %s", reply.Action(), req.MessageID())
	step(string(body) == `<Echo xmlns="urn:tour">hello (tenant contoso)</Echo>`, "reply body %s", body)

	// A sent message is Done; Reset makes it reusable.
	step(req.State() == wws.MessageStateDone, "the request is now %s", req.State())
	req.Reset()
	req.SetAction("urn:tour:Note")

	// One-way: Send, no MessageID, no reply.
	err = ch.Send(ctx, req)
	step(err == nil && req.MessageID() == "", "one-way send: %v", wws.HResult(err))

	// Streaming write: the body may be set between Start and End; the
	// message is buffered and goes on the wire at End.
	m := ch.NewMessage()
	m.SetAction("urn:tour:Note")
	if err := ch.WriteMessageStart(ctx, m); err != nil {
		panic(err)
	}
	m.SetBodyXML([]byte(`<Note xmlns="urn:tour">streamed</Note>`))
	err = ch.WriteMessageEnd(ctx, m)
	step(err == nil && m.State() == wws.MessageStateDone, "write message start/end: %v; message %s", wws.HResult(err), m.State())

	// Abandoning a message being written: it is never sent.
	m = ch.NewMessage()
	m.SetAction("urn:tour:Note")
	ch.WriteMessageStart(ctx, m)
	err = ch.AbandonMessage(m)
	step(err == nil && ch.State() == wws.ChannelStateOpen, "abandon a message being written: %v; channel %s", wws.HResult(err), ch.State())

	// The server pushes two messages; read the first in steps, abandon the second.
	push := ch.NewMessage()
	push.SetAction("urn:tour:Push")
	if err := ch.Send(ctx, push); err != nil {
		panic(err)
	}
	in, err := ch.ReadMessageStart(ctx)
	if err != nil {
		step(false, "read message start: %v", err)
		return
	}
	body, _ = in.BodyXML()
	err = ch.ReadMessageEnd(ctx, in)
	step(err == nil && in.State() == wws.MessageStateDone, "read message start/end: %s %s", in.Action(), body)
	in, err = ch.ReadMessageStart(ctx)
	if err != nil {
		step(false, "read message start: %v", err)
		return
	}
	err = ch.AbandonMessage(in)
	step(err == nil && ch.State() == wws.ChannelStateOpen, "abandon a message being read: %v; channel %s", wws.HResult(err), ch.State())

	// A fault reply is an error by default: WS_E_ENDPOINT_FAULT_RECEIVED
	// with the fault, and the reply message too.
	fail := ch.NewMessage()
	fail.SetAction("urn:tour:Fail")
	reply, err = ch.Request(ctx, fail)
	var e *wws.Error
	if errors.As(err, &e) && e.Fault != nil {
		step(errors.Is(err, wws.ErrFaultReceived) && reply.IsFault(), "fault as error: %v: %s", wws.HResult(err), e.Fault.ReasonText())
	} else {
		step(false, "fault as error: %v", err)
	}
	// With FaultsAsErrors off, a fault is an ordinary reply.
	ch.SetProperty(wws.ChannelPropertyFaultsAsErrors, false)
	fail = ch.NewMessage()
	fail.SetAction("urn:tour:Fail")
	reply, err = ch.Request(ctx, fail)
	if err == nil && reply.IsFault() {
		f, _ := reply.Fault()
		step(true, "fault as message: action %s, code %s", reply.Action(), f.Code.Local)
	} else {
		step(false, "fault as message: %v", err)
	}
	step(ch.State() == wws.ChannelStateOpen, "after the faults the channel is %s", ch.State())

	// Ending the session: no more sends from us; the server then ends its
	// side, and our receive says WS_S_END.
	err = ch.ShutdownSession(ctx)
	down, _ := ch.Property(wws.ChannelPropertyIsSessionShutDown)
	step(err == nil && down == true, "shutdown session: %v; IsSessionShutDown %v", wws.HResult(err), down)
	_, err = ch.Receive(ctx)
	step(wws.HResult(err) == wws.WS_S_END && errors.Is(err, io.EOF), "receive at the end of the session: %v", wws.HResult(err))
	err = ch.Close(ctx)
	step(err == nil && ch.State() == wws.ChannelStateClosed, "close: %v; channel %s", wws.HResult(err), ch.State())
}

// startServer listens on a free loopback port and serves the tour's
// actions on each accepted session.
func startServer(ctx context.Context) (url string, stop func(), err error) {
	url = "net.tcp://127.0.0.1:" + closedPort() + "/tour"
	l, err := wws.NewListener(wws.ChannelTypeDuplexSession, wws.BindingTCP)
	if err != nil {
		return "", nil, err
	}
	step(l.State() == wws.ListenerStateCreated, "a new listener is %s", l.State())
	if err := l.Open(ctx, url); err != nil {
		return "", nil, err
	}
	step(l.State() == wws.ListenerStateOpen, "listener opened on %s: %s", url, l.State())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			ch, err := l.AcceptChannel(ctx)
			if err != nil {
				return // the listener was closed
			}
			serveTour(ctx, ch)
		}
	}()
	return url, func() {
		l.Close(ctx)
		<-done
		step(l.State() == wws.ListenerStateClosed, "listener closed: %s", l.State())
	}, nil
}

func serveTour(ctx context.Context, ch *wws.Channel) {
	defer ch.Close(ctx)
	for {
		m, err := ch.Receive(ctx)
		if err != nil {
			return // WS_S_END when the client shut its session down
		}
		switch m.Action() {
		case "urn:tour:Echo":
			tenant := ""
			for _, h := range m.Header().Custom {
				if string(h.Local) == "Tenant" && string(h.NS) == "urn:tour" {
					tenant = text(h.XML)
				}
			}
			reply := ch.NewMessage()
			reply.SetAction("urn:tour:EchoResponse")
			reply.SetBodyXML([]byte(`<Echo xmlns="urn:tour">hello (tenant ` + tenant + `)</Echo>`))
			ch.Reply(ctx, m, reply)
		case "urn:tour:Push":
			for i := 1; i <= 2; i++ {
				p := ch.NewMessage()
				p.SetAction("urn:tour:Pushed")
				p.SetBodyXML(fmt.Appendf(nil, `<Pushed xmlns="urn:tour">%d</Pushed>`, i))
				ch.Send(ctx, p)
			}
		case "urn:tour:Fail":
			ch.SendFault(ctx, m, errors.New("the tour asked for a fault"))
		}
	}
}

// text returns the character content of a one-element XML fragment.
func text(xml []byte) string {
	var out []byte
	in := false
	for _, c := range xml {
		switch {
		case c == '<':
			in = true
		case c == '>':
			in = false
		case !in:
			out = append(out, c)
		}
	}
	return string(out)
}

// closedPort returns a loopback port nothing listens on (just now).
func closedPort() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}
