package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/wwsgo/wws"
	"github.com/wwsgo/wws/internal/demo"
	"github.com/wwsgo/wws/xmlnode"
)

const demoUsage = `Usage: wws demo

Serves the demo services on loopback (free ports), calls every Calculator
operation and the echo service over every binding built, aborts a channel
with receives pending and checks each returns WS_E_OPERATION_ABORTED at
once, and prints what happened. Exit status 0 when everything went as it
should.

Examples:
  wws demo                 # run it all; prints PASS/FAIL per check
  go run ./cmd/wws demo    # the same from a checkout
`

func cmdDemo(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, demoUsage) }
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	d := &demoRun{out: stdout}
	if err := d.run(ctx, stderr); err != nil {
		fmt.Fprintf(stderr, "wws demo: %v\n", err)
		return 2
	}
	fmt.Fprintf(stdout, "\n%d checks passed, %d failed\n", d.passed, d.failed)
	if d.failed > 0 {
		return 2
	}
	return 0
}

type demoRun struct {
	out            io.Writer
	passed, failed int
}

func (d *demoRun) check(ok bool, format string, args ...any) {
	status := "ok  "
	if ok {
		d.passed++
	} else {
		status = "FAIL"
		d.failed++
	}
	fmt.Fprintf(d.out, "%s %s\n", status, fmt.Sprintf(format, args...))
}

func freeTCPPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (d *demoRun) run(ctx context.Context, stderr io.Writer) error {
	port, err := freeTCPPort()
	if err != nil {
		return err
	}
	hport, err := freeTCPPort()
	if err != nil {
		return err
	}
	bindings := []struct {
		name string
		url  string
		wf   wireFlags
	}{
		{"net.tcp binary", fmt.Sprintf("net.tcp://127.0.0.1:%d/", port), wireFlags{soap: "1.2", addressing: "1.0"}},
		{"net.tcp text SOAP 1.2", fmt.Sprintf("net.tcp://127.0.0.1:%d/text/", port), wireFlags{soap: "1.2", addressing: "1.0", encoding: "text"}},
		{"net.pipe binary", fmt.Sprintf("net.pipe://localhost/wws-demo-%d/", os.Getpid()), wireFlags{soap: "1.2", addressing: "1.0"}},
		{"HTTP SOAP 1.1 (BasicHttpBinding)", fmt.Sprintf("http://127.0.0.1:%d/basic/", hport), wireFlags{soap: "1.1", addressing: "none"}},
		{"HTTP SOAP 1.2 + WS-Addressing 1.0 (WSHttpBinding)", fmt.Sprintf("http://127.0.0.1:%d/ws/", hport), wireFlags{soap: "1.2", addressing: "1.0"}},
		{"HTTP binary", fmt.Sprintf("http://127.0.0.1:%d/bin/", hport), wireFlags{soap: "1.2", addressing: "1.0", encoding: "binary"}},
		{"SOAP over UDP", fmt.Sprintf("soap.udp://127.0.0.1:%d/", hport), wireFlags{soap: "1.2", addressing: "1.0"}},
	}
	for _, b := range bindings {
		fmt.Fprintf(d.out, "== %s: serving %s\n", b.name, b.url)
		var logs bytes.Buffer
		var logMu sync.Mutex
		srv, err := startServices(ctx, []string{b.url}, &b.wf, io.Discard, lockedWriter{&logs, &logMu})
		if err != nil {
			return err
		}
		d.calculator(ctx, b.url, &b.wf)
		echoURL := strings.TrimSuffix(b.url, "/") + "/echo"
		if !strings.HasPrefix(b.url, "soap.udp") {
			d.echo(ctx, echoURL, &b.wf)
		}
		if !strings.HasPrefix(b.url, "http") {
			d.abort(ctx, echoURL, &b.wf)
		}
		srv.stop()
		logMu.Lock()
		n := strings.Count(logs.String(), "\n")
		logMu.Unlock()
		want := 5
		if strings.HasPrefix(b.url, "soap.udp") {
			want = 4
		}
		d.check(n >= want, "the service logged %d messages", n)
	}
	return nil
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (d *demoRun) calculator(ctx context.Context, url string, wf *wireFlags) {
	props, _, err := wf.channelProperties(url)
	if err != nil {
		d.check(false, "properties: %v", err)
		return
	}
	ch, err := wws.Dial(ctx, url, props...)
	if err != nil {
		d.check(false, "open %s: %v", url, err)
		return
	}
	defer ch.Close(ctx)
	for _, tc := range []struct {
		op     string
		n1, n2 float64
		want   float64
	}{
		{"Add", 100, 15.99, 115.99},
		{"Subtract", 145, 76.54, 68.46},
		{"Multiply", 9, 81.25, 731.25},
		{"Divide", 22, 7, 22.0 / 7},
	} {
		req := ch.NewMessage()
		req.SetAction(demo.CalculatorAction(tc.op))
		body := fmt.Sprintf(`<%s xmlns="%s"><n1>%v</n1><n2>%v</n2></%s>`, tc.op, demo.CalculatorNS, tc.n1, tc.n2, tc.op)
		req.SetBodyXML([]byte(body))
		reply, err := ch.Request(ctx, req)
		if err != nil {
			d.check(false, "Calculator.%s(%v, %v): %v", tc.op, tc.n1, tc.n2, err)
			continue
		}
		got, err := resultOf(reply)
		d.check(err == nil && math.Abs(got-tc.want) < 1e-9, "Calculator.%s(%v, %v) = %s", tc.op, tc.n1, tc.n2, demo.FormatResult(got))
	}
}

// resultOf reads the one number in a Calculator response.
func resultOf(m *wws.Message) (float64, error) {
	r, err := m.BodyReader()
	if err != nil {
		return 0, err
	}
	for {
		n, err := r.Next()
		if err != nil {
			return 0, errors.New("no result in the response")
		}
		if n.Kind == xmlnode.KindText {
			return n.Value.Float64()
		}
	}
}

func (d *demoRun) echo(ctx context.Context, url string, wf *wireFlags) {
	props, _, _ := wf.channelProperties(url)
	body := `<hello xmlns="urn:demo">wörld &amp; 😀</hello>`
	got, err := callOnce(ctx, url, "urn:demo:hello", []byte(body), props)
	d.check(err == nil && string(got) == body, "echo %s = %s (%v)", url, got, err)
}

// abort opens a channel, leaves three receives pending, aborts it, and
// checks each receive ends with WS_E_OPERATION_ABORTED within 100 ms.
func (d *demoRun) abort(ctx context.Context, url string, wf *wireFlags) {
	props, _, _ := wf.channelProperties(url)
	ch, err := wws.Dial(ctx, url, props...)
	if err != nil {
		d.check(false, "open %s: %v", url, err)
		return
	}
	errs := make(chan error, 3)
	for i := 0; i < 3; i++ {
		go func() {
			_, err := ch.Receive(ctx)
			errs <- err
		}()
	}
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	ch.Abort()
	aborted := 0
	var slowest time.Duration
	for i := 0; i < 3; i++ {
		select {
		case err := <-errs:
			if wws.HResult(err) == wws.WS_E_OPERATION_ABORTED {
				aborted++
			}
			slowest = time.Since(start)
		case <-time.After(2 * time.Second):
		}
	}
	d.check(aborted == 3 && slowest < 100*time.Millisecond,
		"abort: %d of 3 pending receives returned WS_E_OPERATION_ABORTED, the last after %v; channel %s",
		aborted, slowest.Round(time.Microsecond), ch.State())
	d.check(ch.State() == wws.ChannelStateFaulted, "abort left the channel %s (want Faulted)", ch.State())
	ch.Close(ctx)
	d.check(ch.State() == wws.ChannelStateClosed, "close after abort left the channel %s (want Closed)", ch.State())
}
