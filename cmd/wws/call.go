package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/wwsgo/wws"
)

const callUsage = `Usage: wws call URL --action A (--body XML | --body-file F) [flags]

Sends one request to URL and prints the reply's body as XML. A SOAP fault
in reply is printed on standard error (exit status 1); any other failure is
described on standard error (exit status 2).

Flags:
  --action A                  the request's action (required)
  --body XML                  the body's content, as text XML
  --body-file F               read the body's content from F (- for standard input)
  --soap 1.1|1.2              envelope version (default 1.2)
  --addressing none|0.9|1.0   WS-Addressing version (default 1.0)
  --encoding text|binary      message encoding (default: binary for net.tcp, text otherwise)
  --timeout D                 overall time limit (default 30s)
  --repeat N                  send the request N times on one channel; print the first
                              reply, then a latency summary on standard error

Transport security (net.tcp: the [MC-NMF] application/ssl-tls upgrade, as WCF's
NetTcpBinding with SecurityMode.Transport; https: TLS as usual):
  --tls                       net.tcp: use TLS, trusting the system's root CAs
  --ca FILE                   CA certificates (PEM) to trust for the service's
                              certificate instead of the system's; implies --tls
  --cert FILE --key FILE      client certificate chain and private key (PEM),
                              presented when the service asks for one; implies --tls
  A certificate that does not verify fails with its Windows code, e.g.
  CERT_E_UNTRUSTEDROOT (0x800B0109) or CERT_E_CN_NO_MATCH (0x800B010F).

Examples:
  wws call net.tcp://127.0.0.1:8808/ \
      --action http://Microsoft.ServiceModel.Samples/ICalculator/Add \
      --body '<Add xmlns="http://Microsoft.ServiceModel.Samples"><n1>100</n1><n2>15.99</n2></Add>'
  wws call net.tcp://127.0.0.1:8808/echo --action urn:hello --body '<hello>world</hello>'
  wws call net.tcp://127.0.0.1:9000/echo --ca ca.pem --cert client.pem --key client.key \
      --action urn:hello --body '<hello>world</hello>'
`

// wireFlags are the encoding choices shared by serve and call, and the
// transport security the TLS flags loaded (nil: none).
type wireFlags struct {
	soap, addressing, encoding string
	sec                        *security
}

func addWireFlags(fs *flag.FlagSet) *wireFlags {
	wf := &wireFlags{}
	fs.StringVar(&wf.soap, "soap", "1.2", "envelope version: 1.1 or 1.2")
	fs.StringVar(&wf.addressing, "addressing", "1.0", "WS-Addressing version: none, 0.9 or 1.0")
	fs.StringVar(&wf.encoding, "encoding", "", "text or binary (default: binary for net.tcp and net.pipe, text otherwise)")
	return wf
}

// channelProperties turns the flags into channel properties for url.
func (wf *wireFlags) channelProperties(raw string) ([]wws.ChannelProperty, wws.ChannelBinding, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, 0, fmt.Errorf("bad URL %q: %v", raw, err)
	}
	var b wws.ChannelBinding
	switch strings.ToLower(u.Scheme) {
	case "net.tcp":
		b = wws.BindingTCP
	case "net.pipe":
		b = wws.BindingNamedPipe
	case "http", "https":
		b = wws.BindingHTTP
	case "soap.udp":
		b = wws.BindingUDP
	default:
		return nil, 0, fmt.Errorf("URL %q: unknown scheme %q (want net.tcp, net.pipe, http, https or soap.udp)", raw, u.Scheme)
	}
	var env wws.EnvelopeVersion
	switch wf.soap {
	case "1.1":
		env = wws.EnvelopeSOAP11
	case "1.2", "":
		env = wws.EnvelopeSOAP12
	default:
		return nil, 0, fmt.Errorf("--soap %q: want 1.1 or 1.2", wf.soap)
	}
	var addr wws.AddressingVersion
	switch wf.addressing {
	case "1.0", "":
		addr = wws.Addressing10
	case "0.9", "2004", "2004/08":
		addr = wws.Addressing09
	case "none":
		addr = wws.AddressingTransport
	default:
		return nil, 0, fmt.Errorf("--addressing %q: want none, 0.9 or 1.0", wf.addressing)
	}
	enc := wf.encoding
	if enc == "" {
		enc = "text"
		if (b == wws.BindingTCP || b == wws.BindingNamedPipe) && env == wws.EnvelopeSOAP12 && addr != wws.AddressingTransport {
			enc = "binary"
		}
	}
	var e wws.Encoding
	switch enc {
	case "text":
		e = wws.EncodingUTF8
	case "binary":
		if env != wws.EnvelopeSOAP12 {
			return nil, 0, errors.New("--encoding binary needs --soap 1.2")
		}
		if addr == wws.AddressingTransport {
			return nil, 0, errors.New("--encoding binary needs WS-Addressing (--addressing 0.9 or 1.0)")
		}
		e = wws.EncodingBinary
		if b == wws.BindingTCP || b == wws.BindingNamedPipe {
			e = wws.EncodingBinarySession
		}
	default:
		return nil, 0, fmt.Errorf("--encoding %q: want text or binary", enc)
	}
	props := []wws.ChannelProperty{{ID: wws.ChannelPropertyEncoding, Value: e}}
	if b != wws.BindingNamedPipe {
		props = append(props, wws.ChannelProperty{ID: wws.ChannelPropertyEnvelopeVersion, Value: env})
	}
	props = append(props, wws.ChannelProperty{ID: wws.ChannelPropertyAddressingVersion, Value: addr})
	return props, b, nil
}

// clientProperties are the channel properties of a client of raw: the
// wire settings and the transport security.
func (wf *wireFlags) clientProperties(raw string) ([]wws.ChannelProperty, error) {
	props, _, err := wf.channelProperties(raw)
	if err != nil {
		return nil, err
	}
	sp, err := wf.sec.clientProperties(raw)
	if err != nil {
		return nil, err
	}
	return append(props, sp...), nil
}

func cmdCall(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("call", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, callUsage) }
	action := fs.String("action", "", "the request's action")
	body := fs.String("body", "", "the body's content as text XML")
	bodyFile := fs.String("body-file", "", "file holding the body's content")
	timeout := fs.Duration("timeout", 30*time.Second, "overall time limit")
	repeat := fs.Int("repeat", 1, "send the request this many times on one channel")
	wf := addWireFlags(fs)
	tf := addTLSFlags(fs, false)
	// Accept the URL before or after the flags.
	var target string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		target, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if target == "" && fs.NArg() > 0 {
		target = fs.Arg(0)
	}
	if target == "" || *action == "" || (*body == "") == (*bodyFile == "") {
		fmt.Fprint(stderr, "wws call: need a URL, --action, and one of --body or --body-file\n\n"+callUsage)
		return 2
	}
	content := []byte(*body)
	if *bodyFile != "" {
		var err error
		if *bodyFile == "-" {
			content, err = io.ReadAll(os.Stdin)
		} else {
			content, err = os.ReadFile(*bodyFile)
		}
		if err != nil {
			fmt.Fprintf(stderr, "wws call: %v\n", err)
			return 2
		}
	}
	sec, err := tf.load()
	if err != nil {
		fmt.Fprintf(stderr, "wws call: %v\n", err)
		return 2
	}
	wf.sec = sec
	props, err := wf.clientProperties(target)
	if err != nil {
		fmt.Fprintf(stderr, "wws call: %v\n", err)
		return 2
	}
	if *repeat < 1 {
		fmt.Fprintln(stderr, "wws call: --repeat must be at least 1")
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	reply, err := callRepeat(ctx, target, *action, content, props, *repeat, stderr)
	if err != nil {
		var e *wws.Error
		if errors.As(err, &e) && e.Fault != nil {
			printFault(stderr, e.Fault)
			return 1
		}
		fmt.Fprintf(stderr, "wws call: %v\n", err)
		if h := hint(err); h != "" {
			fmt.Fprintf(stderr, "hint: %s\n", h)
		}
		return 2
	}
	stdout.Write(reply)
	fmt.Fprintln(stdout)
	return 0
}

// callRepeat opens a channel, sends the request n times and returns the
// first reply's body; with n > 1 it prints a latency summary on summary.
func callRepeat(ctx context.Context, target, action string, body []byte, props []wws.ChannelProperty, n int, summary io.Writer) ([]byte, error) {
	ch, err := wws.Dial(ctx, target, props...)
	if err != nil {
		return nil, err
	}
	defer closeOrAbort(ch)
	rec := &recorder{}
	var first []byte
	start := time.Now()
	for i := 0; i < n; i++ {
		t0 := time.Now()
		b, err := callOn(ctx, ch, action, body)
		if err != nil {
			return nil, err
		}
		rec.add(time.Since(t0), nil)
		if i == 0 {
			first = b
		}
	}
	if n > 1 {
		printSummary(summary, rec.summary(target, 1, time.Since(start)))
	}
	return first, nil
}

// callOnce opens a channel, sends one request and returns the reply body.
func callOnce(ctx context.Context, target, action string, body []byte, props []wws.ChannelProperty) ([]byte, error) {
	return callRepeat(ctx, target, action, body, props, 1, nil)
}

// closeOrAbort closes ch within 5 s, and aborts it if that fails.
func closeOrAbort(ch *wws.Channel) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if ch.Close(ctx) != nil {
		ch.Abort()
	}
}

func printFault(w io.Writer, f *wws.Fault) {
	fmt.Fprintf(w, "SOAP fault: %s", f.Code.Local)
	for _, s := range f.Subcodes {
		fmt.Fprintf(w, " / %s", s.Local)
	}
	fmt.Fprintln(w)
	for _, r := range f.Reason {
		fmt.Fprintf(w, "reason (%s): %s\n", r.Lang, r.Text)
	}
	if f.Detail != nil {
		fmt.Fprintf(w, "detail: %s\n", f.Detail)
	}
}

// hint suggests a fix for the failures WCF users meet most.
func hint(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "does not accept the application/ssl-tls upgrade"),
		strings.Contains(msg, "after the application/ssl-tls upgrade request"):
		return "the service does not use TLS transport security; call it without --tls, --ca and --cert"
	case strings.Contains(msg, "expect transport security"), strings.Contains(msg, "UpgradeInvalid"),
		wws.HResult(err) == wws.WS_E_ENDPOINT_DISCONNECTED && strings.Contains(msg, "open"):
		return "the service expects transport security: TLS (SecurityMode.Transport with a certificate; call with --tls, or --ca FILE) or Windows (a default NetTcpBinding; configure SecurityMode.None on the service)"
	case wws.HResult(err) == wws.CERT_E_UNTRUSTEDROOT:
		return "the service's certificate does not chain to a trusted root; give its CA with --ca FILE"
	case wws.HResult(err) == wws.CERT_E_CN_NO_MATCH:
		return "the service's certificate does not name the URL's host; use the host name the certificate names"
	case wws.HResult(err) == wws.WS_E_SECURITY_VERIFICATION_FAILURE && strings.Contains(msg, "remote error"):
		return "the service refused the TLS handshake; it may require a client certificate (--cert FILE --key FILE)"
	case strings.Contains(msg, "ContentTypeInvalid"):
		return "the service expects another message encoding; try --encoding text or binary, and --soap"
	case strings.Contains(msg, "EndpointNotFound"):
		return "no endpoint at that path on the service; check the URL's path"
	case wws.HResult(err) == wws.WS_E_ENDPOINT_NOT_FOUND:
		return "nothing is listening there; check host and port (net.tcp's default port is 808)"
	}
	return ""
}
