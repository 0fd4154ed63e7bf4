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

// Serve accepts channels on l until ctx is done or l is closed, and serves
// each with h on its own goroutine: receive a message, answer it, until the
// peer ends the session. It returns when every channel is done.
func Serve(ctx context.Context, l *wws.Listener, url string, h Handler, log Logger) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	stop := context.AfterFunc(ctx, func() { l.Abort() })
	defer stop()
	for {
		ch, err := l.AcceptChannel(ctx)
		if err != nil {
			if ctx.Err() != nil || wws.HResult(err) == wws.WS_E_OPERATION_ABORTED || wws.HResult(err) == wws.WS_E_OBJECT_FAULTED {
				return nil
			}
			// A peer that failed its handshake does not stop the others.
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			serveChannel(ctx, ch, url, h, log)
		}()
	}
}

func serveChannel(ctx context.Context, ch *wws.Channel, url string, h Handler, log Logger) {
	stop := context.AfterFunc(ctx, func() { ch.Abort() })
	defer stop()
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ch.Close(cctx)
	}()
	for {
		req, err := ch.Receive(ctx)
		if err != nil {
			if wws.HResult(err) == wws.WS_E_ENDPOINT_FAULT_RECEIVED {
				continue
			}
			return
		}
		if log != nil {
			log(url, req.Action())
		}
		reply, herr := h(req, ch.NewMessage)
		// A reply channel answers whatever the handler answers (Mono's
		// clients send no addressing headers at all with WS-Addressing
		// 2004/08). Over UDP a datagram is answered when it says where to
		// (a ReplyTo; anonymous means its sender); on sessions a message
		// without a MessageID is one-way.
		var oneWay bool
		switch {
		case ch.Type() == wws.ChannelTypeReply:
		case ch.Binding() == wws.BindingUDP:
			oneWay = req.ReplyTo() == ""
		default:
			oneWay = req.MessageID() == ""
		}
		switch {
		case oneWay:
		case herr != nil:
			err = ch.SendFault(ctx, req, herr)
		case reply != nil:
			err = ch.Reply(ctx, req, reply)
		}
		if err != nil {
			return
		}
		if ch.Type() == wws.ChannelTypeReply {
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
