// Package demo holds the services wws serve hosts: the WCF getting-started
// Calculator (contract ICalculator in http://Microsoft.ServiceModel.Samples,
// as the stock WCF sample client calls it) and an echo service, written on
// the channel API, and the serving loop that runs them on a listener.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/wwsgo/wws"
	"github.com/wwsgo/wws/soap"
	"github.com/wwsgo/wws/xmlnode"
)

// CalculatorNS is the Calculator's contract namespace.
const CalculatorNS = "http://Microsoft.ServiceModel.Samples"

// CalculatorAction returns the action of a Calculator operation (Add, Subtract, Multiply, Divide).
func CalculatorAction(op string) string { return CalculatorNS + "/ICalculator/" + op }

// Handler answers one request. It returns the reply, or nil for a one-way
// message; an error is sent back as a fault.
type Handler func(req *wws.Message, newMessage func() *wws.Message) (*wws.Message, error)

// Logger receives one line per message served.
type Logger func(endpoint, action string)

// DefaultShutdownTimeout is how long a graceful shutdown gives each
// channel to finish the message it is answering and end its session.
const DefaultShutdownTimeout = 5 * time.Second

// Server serves a Handler on listeners.
type Server struct {
	// Handler answers each message received.
	Handler Handler
	// Log, if set, is told of each message received.
	Log Logger
	// ShutdownTimeout bounds the graceful shutdown once the context given to
	// Serve is done (DefaultShutdownTimeout if zero); see Serve.
	ShutdownTimeout time.Duration
}

// Serve serves h on l as a Server with the default shutdown timeout; see
// (*Server).Serve.
func Serve(ctx context.Context, l *wws.Listener, url string, h Handler, log Logger) error {
	return (&Server{Handler: h, Log: log}).Serve(ctx, l, url)
}

// Serve accepts channels on l until ctx is done or l is closed, and serves
// each with s.Handler on its own goroutine: receive a message, answer it,
// until the peer ends the session; then it closes the channel.
//
// When ctx is done Serve shuts down gracefully: it closes l (no more
// channels are accepted), and each channel finishes the message it is
// answering, receives no more, and is closed — on net.tcp and net.pipe the
// End record goes out and the peer's End is awaited, so that a WCF client
// sees an orderly end of its session (its pending receive gets the end of
// the session, WS_S_END for a wws client), not a reset. A channel that has
// not closed within s.ShutdownTimeout of ctx ending (a peer that never
// sends its End, a handler that does not return) is aborted. Serve returns
// when every channel is done; it never returns an error today.
func (s *Server) Serve(ctx context.Context, l *wws.Listener, url string) error {
	timeout := s.ShutdownTimeout
	if timeout <= 0 {
		timeout = DefaultShutdownTimeout
	}
	// drain is the context of everything a channel does once the stop has
	// begun: it ends timeout after ctx, and then every channel still open
	// is aborted.
	drain, endDrain := context.WithCancel(context.WithoutCancel(ctx))
	defer endDrain()
	var timerMu sync.Mutex
	var timer *time.Timer
	returned := false
	stopWatch := context.AfterFunc(ctx, func() {
		timerMu.Lock()
		defer timerMu.Unlock()
		if !returned {
			timer = time.AfterFunc(timeout, endDrain)
		}
	})
	defer func() {
		stopWatch()
		timerMu.Lock()
		returned = true
		if timer != nil {
			timer.Stop()
		}
		timerMu.Unlock()
	}()

	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		ch, err := l.AcceptChannel(ctx)
		if err != nil {
			code := wws.HResult(err)
			if ctx.Err() != nil {
				s.acceptWaiting(ctx, drain, l, url, &wg)
				// Stop listening; the channels are closing meanwhile.
				l.Close(drain)
				return nil
			}
			if code == wws.WS_E_OPERATION_ABORTED || code == wws.WS_E_OBJECT_FAULTED {
				return nil // the listener was closed or aborted
			}
			// A peer that failed its handshake does not stop the others.
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.serveChannel(ctx, drain, ch, url)
		}()
	}
}

// acceptWaiting accepts, once the stop has begun, the sessions the
// transport has already acknowledged and that wait for an Accept (their
// clients' Open has succeeded): closing the listener would abort them, so
// they are accepted and closed in order like the others. It stops at the
// first moment nothing is waiting.
func (s *Server) acceptWaiting(ctx, drain context.Context, l *wws.Listener, url string, wg *sync.WaitGroup) {
	for drain.Err() == nil {
		actx, cancel := context.WithTimeout(drain, 20*time.Millisecond)
		ch, err := l.AcceptChannel(actx)
		cancel()
		if err != nil {
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.serveChannel(ctx, drain, ch, url)
		}()
	}
}

// serveChannel serves one channel until its peer ends the session, or ctx
// (the stop) is done; then closes it within drain, which also aborts it
// when it ends. A reply channel (HTTP) has one request: it is answered
// even when the stop has begun.
func (s *Server) serveChannel(ctx, drain context.Context, ch *wws.Channel, url string) {
	stopAbort := context.AfterFunc(drain, func() { ch.Abort() })
	defer stopAbort()
	defer ch.Close(drain)
	oneRequest := ch.Type() == wws.ChannelTypeReply
	recvCtx := ctx
	if oneRequest {
		recvCtx = drain
	}
	for oneRequest || ctx.Err() == nil {
		req, err := ch.Receive(recvCtx)
		if err != nil {
			if wws.HResult(err) == wws.WS_E_ENDPOINT_FAULT_RECEIVED {
				continue
			}
			return // the end of the session, a broken one, or the stop
		}
		if s.Log != nil {
			s.Log(url, req.Action())
		}
		reply, herr := s.Handler(req, ch.NewMessage)
		// A reply channel answers whatever the handler answers (Mono's
		// clients send no addressing headers at all with WS-Addressing
		// 2004/08). Over UDP a datagram is answered when it says where to
		// (a ReplyTo; anonymous means its sender); on sessions a message
		// without a MessageID is one-way.
		var oneWay bool
		switch {
		case oneRequest:
		case ch.Binding() == wws.BindingUDP:
			oneWay = req.ReplyTo() == ""
		default:
			oneWay = req.MessageID() == ""
		}
		// The answer goes out even when the stop comes meanwhile: drain
		// bounds it.
		switch {
		case oneWay:
		case herr != nil:
			err = ch.SendFault(drain, req, herr)
		case reply != nil:
			err = ch.Reply(drain, req, reply)
		}
		if err != nil {
			return
		}
		if oneRequest {
			return
		}
	}
}

// Calculator answers the four ICalculator operations.
func Calculator(req *wws.Message, newMessage func() *wws.Message) (*wws.Message, error) {
	action := req.Action()
	op, ok := strings.CutPrefix(action, CalculatorNS+"/ICalculator/")
	if !ok {
		return nil, ActionNotSupported(action)
	}
	n1, n2, err := readOperands(req, op)
	if err != nil {
		return nil, err
	}
	var result float64
	switch op {
	case "Add":
		result = n1 + n2
	case "Subtract":
		result = n1 - n2
	case "Multiply":
		result = n1 * n2
	case "Divide":
		result = n1 / n2
	default:
		return nil, ActionNotSupported(action)
	}
	reply := newMessage()
	reply.SetAction(action + "Response")
	ns, resp, res := []byte(CalculatorNS), []byte(op+"Response"), []byte(op+"Result")
	reply.SetBody(func(w xmlnode.Writer) error {
		if err := w.WriteStartElement(nil, resp, ns); err != nil {
			return err
		}
		if err := w.WriteStartElement(nil, res, ns); err != nil {
			return err
		}
		if err := w.WriteText(xmlnode.Double(result)); err != nil {
			return err
		}
		if err := w.WriteEndElement(); err != nil {
			return err
		}
		return w.WriteEndElement()
	})
	return reply, nil
}

// readOperands reads <Op><n1>…</n1><n2>…</n2></Op>.
func readOperands(req *wws.Message, op string) (n1, n2 float64, err error) {
	r, err := req.BodyReader()
	if err != nil {
		return 0, 0, err
	}
	var got [2]bool
	var cur int = -1
	var text []byte
	for {
		n, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, 0, err
		}
		switch n.Kind {
		case xmlnode.KindStartElement:
			cur = -1
			if n.Depth == 2 && string(n.NS) == CalculatorNS { // <Op><n1>
				switch string(n.Local) {
				case "n1":
					cur = 0
				case "n2":
					cur = 1
				}
			}
			text = text[:0]
		case xmlnode.KindText:
			if cur >= 0 {
				text = n.Value.AppendText(text)
			}
		case xmlnode.KindEndElement:
			if cur >= 0 {
				f, err := xmlnode.Chars(text).Float64()
				if err != nil {
					return 0, 0, BadRequest(fmt.Sprintf("%s: n%d is not a number: %q", op, cur+1, text))
				}
				if cur == 0 {
					n1 = f
				} else {
					n2 = f
				}
				got[cur] = true
				cur = -1
			}
		}
	}
	if !got[0] || !got[1] {
		return 0, 0, BadRequest(op + ": the request needs n1 and n2")
	}
	return n1, n2, nil
}

// Echo answers any request with its own body and the action <action>Response.
func Echo(req *wws.Message, newMessage func() *wws.Message) (*wws.Message, error) {
	body, err := req.BodyXML()
	if err != nil {
		return nil, err
	}
	reply := newMessage()
	reply.SetAction(req.Action() + "Response")
	if err := reply.SetBodyXML(body); err != nil {
		return nil, err
	}
	return reply, nil
}

// Mux routes by endpoint path: the echo service at /echo, the Calculator elsewhere.
func Mux(path string) Handler {
	if strings.TrimSuffix(path, "/") == "/echo" || strings.HasSuffix(strings.TrimSuffix(path, "/"), "/echo") {
		return Echo
	}
	return Calculator
}

// MuxByTo routes by the path of the message's To header, for transports
// where one listener serves every path (soap.udp).
func MuxByTo(req *wws.Message, newMessage func() *wws.Message) (*wws.Message, error) {
	path := req.To()
	if u, err := url.Parse(path); err == nil {
		path = u.Path
	}
	return Mux(path)(req, newMessage)
}

// ActionNotSupported is the fault for an unknown action, as WCF sends it.
func ActionNotSupported(action string) error {
	return &wws.Fault{
		Code:     soap.QName{NS: soap.NamespaceSOAP12, Local: soap.CodeSender},
		Subcodes: []soap.QName{{NS: soap.NamespaceAddressing10, Local: "ActionNotSupported"}},
		Reason: []soap.ReasonText{{Lang: "en-US", Text: fmt.Sprintf(
			"The message with Action '%s' cannot be processed at the receiver.", action)}},
	}
}

// BadRequest is a Sender fault for a request the service cannot read.
func BadRequest(reason string) error {
	return &wws.Fault{Code: soap.QName{NS: soap.NamespaceSOAP12, Local: soap.CodeSender},
		Reason: []soap.ReasonText{{Lang: "en-US", Text: reason}}}
}

// FormatResult renders a calculator result the way the WCF sample prints it.
func FormatResult(f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return fmt.Sprint(f)
	}
	return string(xmlnode.AppendFloat(nil, f, 64))
}

var errStopped = errors.New("stopped")
