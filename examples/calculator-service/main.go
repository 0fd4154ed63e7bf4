// Command calculator-service hosts the WCF getting-started Calculator
// (contract ICalculator, namespace http://Microsoft.ServiceModel.Samples:
// Add, Subtract, Multiply and Divide of two doubles n1 and n2) with the wws
// channel API: a listener per URL, an accept loop, one goroutine per
// accepted channel, replies, and SOAP faults for requests it cannot serve.
//
// Run it, then call it with examples/calculator-client, `wws call`, or the
// stock WCF sample client configured with a matching binding:
//
//	go run ./examples/calculator-service
//	go run ./examples/calculator-service net.tcp://127.0.0.1:9000/calc http://127.0.0.1:9080/calc
//	go run ./examples/calculator-service -http-binding basicHttpBinding
//
// Without URLs it listens on net.tcp://127.0.0.1:8808/ and
// http://127.0.0.1:8080/, as `wws serve` does. It prints "listening <url>"
// per endpoint and runs until interrupted (Ctrl-C), then aborts the
// channels still open and exits 0. The -tcp-binding and -http-binding flags
// name the WCF binding the clients use (see wcfBindings and docs/guide.md).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/url"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/wwsgo/wws"
	"github.com/wwsgo/wws/soap"
	"github.com/wwsgo/wws/xmlnode"
)

const calculatorNS = "http://Microsoft.ServiceModel.Samples"

// wcfBindings maps a WCF binding configuration to the channel properties
// that speak the same wire format (docs/guide.md, "Interop with WCF").
var wcfBindings = map[string][]wws.ChannelProperty{
	// NetTcpBinding(SecurityMode.None): binary XML with session
	// dictionaries, SOAP 1.2, WS-Addressing 1.0 — the net.tcp defaults.
	"netTcpBinding": nil,
	// CustomBinding(TextMessageEncoding(Soap12WSAddressing10), TcpTransport).
	"netTcpBinding-text": {{ID: wws.ChannelPropertyEncoding, Value: wws.EncodingUTF8}},
	// NetNamedPipeBinding(SecurityMode.None): as netTcpBinding.
	"netNamedPipeBinding": nil,
	// BasicHttpBinding: SOAP 1.1, no WS-Addressing, text.
	"basicHttpBinding": {
		{ID: wws.ChannelPropertyEnvelopeVersion, Value: wws.EnvelopeSOAP11},
		{ID: wws.ChannelPropertyAddressingVersion, Value: wws.AddressingTransport},
	},
	// WSHttpBinding(SecurityMode.None): SOAP 1.2, WS-Addressing 1.0,
	// text — the HTTP defaults.
	"wsHttpBinding": nil,
	// CustomBinding(BinaryMessageEncoding, HttpTransport).
	"binaryHttpBinding": {{ID: wws.ChannelPropertyEncoding, Value: wws.EncodingBinary}},
}

func bindingNames() string {
	var names []string
	for n := range wcfBindings {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func main() {
	tcpBinding := flag.String("tcp-binding", "netTcpBinding", "WCF binding of the net.tcp clients: "+bindingNames())
	httpBinding := flag.String("http-binding", "wsHttpBinding", "WCF binding of the HTTP clients: "+bindingNames())
	flag.Parse()
	urls := flag.Args()
	if len(urls) == 0 {
		urls = []string{"net.tcp://127.0.0.1:8808/", "http://127.0.0.1:8080/"}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var wg sync.WaitGroup
	for _, raw := range urls {
		l, err := openListener(ctx, raw, *tcpBinding, *httpBinding)
		if err != nil {
			log.Printf("calculator-service: %v", err)
			stop() // stop the endpoints already open
			wg.Wait()
			os.Exit(1)
		}
		fmt.Printf("listening %s\n", raw)
		wg.Add(1)
		go func() {
			defer wg.Done()
			serve(ctx, l)
		}()
	}
	wg.Wait() // until interrupted
}

// openListener creates and opens the listener for one endpoint URL; the
// scheme picks the binding and the channel type.
func openListener(ctx context.Context, raw, tcpBinding, httpBinding string) (*wws.Listener, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	var t wws.ChannelType
	var b wws.ChannelBinding
	name := ""
	switch u.Scheme {
	case "net.tcp":
		t, b, name = wws.ChannelTypeDuplexSession, wws.BindingTCP, tcpBinding
	case "net.pipe":
		t, b, name = wws.ChannelTypeDuplexSession, wws.BindingNamedPipe, "netNamedPipeBinding"
	case "http", "https":
		t, b, name = wws.ChannelTypeReply, wws.BindingHTTP, httpBinding
	default:
		return nil, fmt.Errorf("%s: want a net.tcp, net.pipe or http URL", raw)
	}
	props, ok := wcfBindings[name]
	if !ok {
		return nil, fmt.Errorf("unknown binding %q (want one of %s)", name, bindingNames())
	}
	l, err := wws.NewListener(t, b)
	if err != nil {
		return nil, err
	}
	// The wire settings of the accepted channels, and a receive timeout
	// as long as WCF's service default: an idle session is closed after
	// ten minutes instead of the channel default of 30 seconds.
	props = append(props, wws.ChannelProperty{ID: wws.ChannelPropertyReceiveTimeout, Value: 10 * time.Minute})
	if err := l.SetChannelProperties(props...); err != nil {
		return nil, err
	}
	if err := l.Open(ctx, raw); err != nil {
		return nil, err
	}
	return l, nil
}

// serve accepts channels until ctx ends, serving each on its own goroutine,
// then closes the listener and waits for the channels.
func serve(ctx context.Context, l *wws.Listener) {
	var wg sync.WaitGroup
	defer wg.Wait()
	defer l.Close(context.Background())
	for {
		ch, err := l.AcceptChannel(ctx)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, wws.ErrAborted) || errors.Is(err, wws.ErrFaulted) {
				return // stopping: the accept was cancelled, or the listener aborted
			}
			log.Printf("accept: %v", err) // e.g. a client whose handshake failed
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			serveChannel(ctx, ch)
		}()
	}
}

// serveChannel answers the requests of one channel: every request of a
// net.tcp session, or the one request of an HTTP exchange.
func serveChannel(ctx context.Context, ch *wws.Channel) {
	// When the service stops, abort the channel: a pending Receive returns
	// WS_E_OPERATION_ABORTED at once.
	stop := context.AfterFunc(ctx, func() { ch.Abort() })
	defer stop()
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ch.Close(cctx)
	}()
	for {
		req, err := ch.Receive(ctx)
		switch {
		case errors.Is(err, io.EOF):
			return // WS_S_END: the client ended the session, or the HTTP exchange is done
		case errors.Is(err, wws.ErrFaultReceived):
			continue // a client sent us a fault; nothing to answer
		case err != nil:
			if ctx.Err() == nil {
				log.Printf("receive: %v", err)
			}
			return
		}
		reply, err := calculate(req, ch.NewMessage())
		if req.MessageID() == "" && ch.Type() != wws.ChannelTypeReply {
			continue // a one-way message on a session: nothing to answer
		}
		if err != nil {
			err = ch.SendFault(ctx, req, err) // err is a *wws.Fault: sent as it is
		} else {
			err = ch.Reply(ctx, req, reply)
		}
		if err != nil {
			log.Printf("reply: %v", err)
			return
		}
	}
}

// calculate answers one ICalculator request: it reads n1 and n2 from the
// body and writes <OpResponse><OpResult>r</OpResult></OpResponse>.
func calculate(req, reply *wws.Message) (*wws.Message, error) {
	op, ok := strings.CutPrefix(req.Action(), calculatorNS+"/ICalculator/")
	if !ok {
		return nil, actionNotSupported(req.Action())
	}
	n1, n2, err := operands(req)
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
		result = n1 / n2 // like .NET: 1/0 is +Inf, not an error
	default:
		return nil, actionNotSupported(req.Action())
	}
	reply.SetAction(req.Action() + "Response")
	reply.SetBody(func(w xmlnode.Writer) error {
		ns := []byte(calculatorNS)
		if err := w.WriteStartElement(nil, []byte(op+"Response"), ns); err != nil {
			return err
		}
		if err := w.WriteStartElement(nil, []byte(op+"Result"), ns); err != nil {
			return err
		}
		// A typed double: binary XML writes it as a double record, text
		// XML as its shortest decimal form.
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

// operands reads <Op xmlns="http://Microsoft.ServiceModel.Samples"><n1>…</n1><n2>…</n2></Op>.
func operands(req *wws.Message) (n1, n2 float64, err error) {
	r, err := req.BodyReader()
	if err != nil {
		return 0, 0, err
	}
	var (
		name string // "n1" or "n2" while inside one of them
		text []byte
		seen = map[string]float64{}
	)
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
			name, text = "", text[:0]
			if n.Depth == 2 && string(n.NS) == calculatorNS {
				name = string(n.Local)
			}
		case xmlnode.KindText:
			text = n.Value.AppendText(text) // a typed value (binary XML) or characters
		case xmlnode.KindEndElement:
			if name == "n1" || name == "n2" {
				f, err := xmlnode.Chars(text).Float64()
				if err != nil {
					return 0, 0, badRequest(fmt.Sprintf("%s is not a number: %q", name, text))
				}
				seen[name] = f
			}
			name = ""
		}
	}
	n1, ok1 := seen["n1"]
	n2, ok2 := seen["n2"]
	if !ok1 || !ok2 {
		return 0, 0, badRequest("the request needs n1 and n2")
	}
	return n1, n2, nil
}

// actionNotSupported is the fault WCF sends for an unknown action.
func actionNotSupported(action string) error {
	return &wws.Fault{
		Code:     soap.QName{NS: soap.NamespaceSOAP12, Local: soap.CodeSender},
		Subcodes: []soap.QName{{NS: soap.NamespaceAddressing10, Local: "ActionNotSupported"}},
		Reason: []soap.ReasonText{{Lang: "en-US",
			Text: fmt.Sprintf("The message with Action '%s' cannot be processed at the receiver.", action)}},
	}
}

// badRequest is a Sender fault for a request the service cannot read.
func badRequest(reason string) error {
	return &wws.Fault{
		Code:   soap.QName{NS: soap.NamespaceSOAP12, Local: soap.CodeSender},
		Reason: []soap.ReasonText{{Lang: "en-US", Text: reason}},
	}
}
