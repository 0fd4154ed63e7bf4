// Command calculator-client calls the WCF getting-started Calculator
// (contract ICalculator, namespace http://Microsoft.ServiceModel.Samples)
// the way the stock WCF sample client does — Add(100,15.99),
// Subtract(145,76.54), Multiply(9,81.25), Divide(22,7) — and prints the
// results.
//
// The service can be `wws serve`, examples/calculator-service, or a WCF
// service whose binding matches -binding:
//
//	go run ./cmd/wws serve &                        # or: go run ./examples/calculator-service &
//	go run ./examples/calculator-client             # net.tcp://127.0.0.1:8808/
//	go run ./examples/calculator-client http://127.0.0.1:8080/
//	go run ./examples/calculator-client -binding basicHttpBinding http://127.0.0.1:8080/
//	go run ./examples/calculator-client -fault      # also call an operation the service lacks
//
// The binding defaults by the URL's scheme: netTcpBinding for net.tcp,
// wsHttpBinding (SecurityMode.None) for http and https, netNamedPipeBinding
// for net.pipe. Exit status 0 when every call succeeded (with -fault: and
// the extra call got its fault), 1 otherwise.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/wwsgo/wws"
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

func defaultBinding(url string) string {
	switch {
	case strings.HasPrefix(url, "http:"), strings.HasPrefix(url, "https:"):
		return "wsHttpBinding"
	case strings.HasPrefix(url, "net.pipe:"):
		return "netNamedPipeBinding"
	}
	return "netTcpBinding"
}

func main() {
	binding := flag.String("binding", "", "WCF binding of the service: "+bindingNames()+" (default: by the URL's scheme)")
	timeout := flag.Duration("timeout", 30*time.Second, "time limit for all the calls")
	fault := flag.Bool("fault", false, "also call Power, which the Calculator lacks, and print the fault")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: calculator-client [flags] [URL]   (default URL net.tcp://127.0.0.1:8808/)\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	url := "net.tcp://127.0.0.1:8808/"
	if flag.NArg() > 0 {
		url = flag.Arg(0)
	}
	if *binding == "" {
		*binding = defaultBinding(url)
	}
	props, ok := wcfBindings[*binding]
	if !ok {
		fmt.Fprintf(os.Stderr, "calculator-client: unknown binding %q (want one of %s)\n", *binding, bindingNames())
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if err := run(ctx, url, props, *fault); err != nil {
		fmt.Fprintf(os.Stderr, "calculator-client: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, url string, props []wws.ChannelProperty, fault bool) error {
	// Dial creates the channel (WsCreateChannel) and opens it
	// (WsOpenChannel): for net.tcp it connects and exchanges the preamble.
	ch, err := wws.Dial(ctx, url, props...)
	if err != nil {
		return err // e.g. WS_E_ENDPOINT_NOT_FOUND: nothing listens there
	}
	defer func() {
		// Close ends a net.tcp session gracefully; it ends Closed even
		// when that fails.
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ch.Close(cctx)
	}()
	for _, c := range []struct {
		op     string
		n1, n2 float64
	}{
		{"Add", 100, 15.99},
		{"Subtract", 145, 76.54},
		{"Multiply", 9, 81.25},
		{"Divide", 22, 7},
	} {
		result, err := call(ctx, ch, c.op, c.n1, c.n2)
		if err != nil {
			return fmt.Errorf("%s: %w", c.op, err)
		}
		// As the WCF sample prints it (.NET's 15 significant digits).
		fmt.Printf("%s(%s,%s) = %s\n", c.op, format(c.n1), format(c.n2), format(result))
	}
	if fault {
		_, err := call(ctx, ch, "Power", 2, 10)
		var e *wws.Error
		if !errors.As(err, &e) || e.Fault == nil {
			return fmt.Errorf("Power: got %v, want a fault", err)
		}
		// WS_E_ENDPOINT_FAULT_RECEIVED, with the fault the service sent.
		fmt.Printf("Power(2,10): %v: %s\n", wws.HResult(err), e.Fault)
		if ch.State() != wws.ChannelStateOpen {
			return fmt.Errorf("the channel is %s after a fault", ch.State())
		}
	}
	return nil
}

// call sends one Calculator request and returns the result.
func call(ctx context.Context, ch *wws.Channel, op string, n1, n2 float64) (float64, error) {
	req := ch.NewMessage()
	req.SetAction(calculatorNS + "/ICalculator/" + op)
	body := fmt.Sprintf(`<%s xmlns="%s"><n1>%s</n1><n2>%s</n2></%s>`,
		op, calculatorNS, xsdDouble(n1), xsdDouble(n2), op)
	if err := req.SetBodyXML([]byte(body)); err != nil {
		return 0, err
	}
	reply, err := ch.Request(ctx, req) // WsRequestReply
	if err != nil {
		return 0, err // a fault is WS_E_ENDPOINT_FAULT_RECEIVED with the *wws.Fault
	}
	return result(reply, op+"Result")
}

// result reads the double in <OpResponse><OpResult>…</OpResult></OpResponse>,
// in whatever encoding the reply came (text, or binary with a typed value).
func result(reply *wws.Message, name string) (float64, error) {
	r, err := reply.BodyReader()
	if err != nil {
		return 0, err
	}
	inside := false
	for {
		n, err := r.Next()
		if err == io.EOF {
			return 0, fmt.Errorf("no %s in the reply", name)
		}
		if err != nil {
			return 0, err
		}
		switch n.Kind {
		case xmlnode.KindStartElement:
			inside = n.Is(name, calculatorNS)
		case xmlnode.KindText:
			if inside {
				return n.Value.Float64()
			}
		}
	}
}

func xsdDouble(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func format(f float64) string { return strconv.FormatFloat(f, 'g', 15, 64) }
