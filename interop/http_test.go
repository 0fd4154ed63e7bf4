package interop

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wwsgo/wws"
	"github.com/wwsgo/wws/interop/monopeer"
)

// httpBindings maps the peer's HTTP bindings to the wws channel properties
// that speak the same wire format.
var httpBindings = []struct {
	binding string
	env     wws.EnvelopeVersion
	addr    wws.AddressingVersion
	enc     wws.Encoding
}{
	{"basichttp", wws.EnvelopeSOAP11, wws.AddressingTransport, wws.EncodingUTF8},
	{"http-soap11", wws.EnvelopeSOAP11, wws.AddressingTransport, wws.EncodingUTF8},
	{"http-soap11-wsa04", wws.EnvelopeSOAP11, wws.Addressing09, wws.EncodingUTF8},
	{"http-soap11-wsa10", wws.EnvelopeSOAP11, wws.Addressing10, wws.EncodingUTF8},
	{"http-soap12", wws.EnvelopeSOAP12, wws.AddressingTransport, wws.EncodingUTF8},
	{"http-soap12-wsa04", wws.EnvelopeSOAP12, wws.Addressing09, wws.EncodingUTF8},
	{"http-soap12-wsa10", wws.EnvelopeSOAP12, wws.Addressing10, wws.EncodingUTF8},
	{"http-binary", wws.EnvelopeSOAP12, wws.Addressing10, wws.EncodingBinary},
	{"wshttp", wws.EnvelopeSOAP12, wws.Addressing10, wws.EncodingUTF8},
}

func httpProps(env wws.EnvelopeVersion, addr wws.AddressingVersion, enc wws.Encoding) []wws.ChannelProperty {
	return []wws.ChannelProperty{
		{ID: wws.ChannelPropertyEnvelopeVersion, Value: env},
		{ID: wws.ChannelPropertyAddressingVersion, Value: addr},
		{ID: wws.ChannelPropertyEncoding, Value: enc},
	}
}

// A wws client calling Mono's WCF service over each HTTP binding: typed
// calls, one-way, a fault.
func TestClientToMonoHTTP(t *testing.T) {
	for _, tc := range httpBindings {
		t.Run(tc.binding, func(t *testing.T) {
			monopeer.Require(t)
			ctx := ctxFor(t, 3*time.Minute)
			url := monopeer.URL(tc.binding, monopeer.FreePort(t))
			svc := monopeer.Serve(t, tc.binding, url)
			ch, err := wws.Dial(ctx, url, httpProps(tc.env, tc.addr, tc.enc)...)
			if err != nil {
				t.Fatal(err)
			}
			defer ch.Close(ctx)
			clientSuite(t, ctx, ch)
			for _, op := range []string{"CALL Echo", "CALL Add", "CALL Mirror", "CALL Reverse len=300", "CALL Notify", "CALL Fail reason=boom"} {
				if !strings.Contains(svc.Log(), op) {
					t.Errorf("service log lacks %q", op)
				}
			}
		})
	}
}

// Mono's WCF client calling a wws reply listener serving the same contract
// over each HTTP binding.
func TestMonoClientToWWSHTTP(t *testing.T) {
	for _, tc := range httpBindings {
		t.Run(tc.binding, func(t *testing.T) {
			monopeer.Require(t)
			url := monopeer.URL(tc.binding, monopeer.FreePort(t))
			svc := serveWWS(t, url, httpProps(tc.env, tc.addr, tc.enc)...)
			out, err := monopeer.Call(t, "call", tc.binding, url)
			if err != nil {
				t.Fatal(err)
			}
			if err := monopeer.Check(out); err != nil {
				t.Fatal(err)
			}
			if n := len(monopeer.Results(out)); n < 8 {
				t.Errorf("only %d calls ran", n)
			}
			t.Logf("served: %s", svc)
		})
	}
}

// Mono's Calculator client calling `wws serve` over HTTP (BasicHttpBinding's
// SOAP 1.1 and WSHttpBinding's SOAP 1.2 + WS-Addressing 1.0).
func TestMonoCalculatorToWWSServeHTTP(t *testing.T) {
	for _, tc := range []struct{ binding, soap, addressing string }{
		{"basichttp", "1.1", "none"},
		{"wshttp", "1.2", "1.0"},
	} {
		t.Run(tc.binding, func(t *testing.T) {
			monopeer.Require(t)
			ctx := ctxFor(t, 3*time.Minute)
			exe := filepath.Join(t.TempDir(), "wws")
			if out, err := exec.CommandContext(ctx, "go", "build", "-o", exe, "../cmd/wws").CombinedOutput(); err != nil {
				t.Fatalf("go build: %v\n%s", err, out)
			}
			url := strings.TrimSuffix(monopeer.URL(tc.binding, monopeer.FreePort(t)), "peer")
			serve := exec.CommandContext(ctx, exe, "serve", "--soap", tc.soap, "--addressing", tc.addressing, url)
			stdout, _ := serve.StdoutPipe()
			var stderr strings.Builder
			serve.Stderr = &stderr
			if err := serve.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() {
				serve.Process.Signal(os.Interrupt)
				serve.Wait()
				t.Logf("wws serve log:\n%s", stderr.String())
			}()
			sc := bufio.NewScanner(stdout)
			if !sc.Scan() || sc.Text() != "listening "+url {
				t.Fatalf("wws serve printed %q, want %q", sc.Text(), "listening "+url)
			}
			go func() {
				for sc.Scan() {
				}
			}()
			out, err := monopeer.Call(t, "calc", tc.binding, url)
			if err != nil {
				t.Fatal(err)
			}
			if err := monopeer.Check(out); err != nil {
				t.Fatal(err)
			}
		})
	}
}

var _ = context.Background
