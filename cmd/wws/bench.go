package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wwsgo/wws"
	"github.com/wwsgo/wws/internal/demo"
)

const benchUsage = `Usage: wws bench URL [flags]

Puts request/reply load on an endpoint: --concurrency callers, each on its
own channel, call it for --duration. A progress line on standard error shows
the call rate and the latency percentiles as it runs; a summary table (or,
with --json, one JSON object) is printed on standard output at the end.

Without --action and --body, the request is the Calculator's Add — or, for a
URL whose path ends in /echo, a 128-byte echo — as wws serve hosts them.

Flags:
  --duration D                how long to run (default 10s)
  --concurrency N             callers, each with its own channel (default 1)
  --action A, --body XML      the request (see above)
  --soap, --addressing, --encoding   as for wws call
  --tls, --ca FILE, --cert FILE --key FILE
                              transport security, as for wws call: net.tcp then asks
                              for the [MC-NMF] application/ssl-tls upgrade (TLS)
  --timeout D                 limit for each call (default 30s)
  --json                      print the summary as JSON (shape below)

JSON summary: {"url": string, "concurrency": int, "duration_seconds": float,
"calls": int, "errors": int, "calls_per_second": float,
"latency_microseconds": {"p50": float, "p90": float, "p99": float, "max": float},
"first_error": string (only when errors > 0)}

Examples:
  wws bench net.tcp://127.0.0.1:8808/ --duration 5s --concurrency 16
  wws bench http://127.0.0.1:8080/echo --json
  wws bench net.tcp://127.0.0.1:9000/ --ca ca.pem --duration 5s
`

// benchSummary is the --json output; its shape is documented in benchUsage.
type benchSummary struct {
	URL             string             `json:"url"`
	Concurrency     int                `json:"concurrency"`
	DurationSeconds float64            `json:"duration_seconds"`
	Calls           int64              `json:"calls"`
	Errors          int64              `json:"errors"`
	CallsPerSecond  float64            `json:"calls_per_second"`
	Latency         map[string]float64 `json:"latency_microseconds"`
	FirstError      string             `json:"first_error,omitempty"`
}

// recorder collects call latencies and errors from the callers.
type recorder struct {
	mu       sync.Mutex
	lat      []time.Duration
	calls    atomic.Int64
	errs     atomic.Int64
	firstErr atomic.Value
}

func (r *recorder) add(d time.Duration, err error) {
	if err != nil {
		r.errs.Add(1)
		r.firstErr.CompareAndSwap(nil, err.Error())
		return
	}
	r.calls.Add(1)
	r.mu.Lock()
	r.lat = append(r.lat, d)
	r.mu.Unlock()
}

// percentiles returns p50, p90, p99 and max of the latencies so far.
func (r *recorder) percentiles() (p50, p90, p99, max time.Duration) {
	r.mu.Lock()
	l := append([]time.Duration(nil), r.lat...)
	r.mu.Unlock()
	if len(l) == 0 {
		return
	}
	sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	at := func(p float64) time.Duration { return l[int(float64(len(l)-1)*p)] }
	return at(0.50), at(0.90), at(0.99), l[len(l)-1]
}

func (r *recorder) summary(target string, concurrency int, elapsed time.Duration) benchSummary {
	p50, p90, p99, max := r.percentiles()
	us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }
	s := benchSummary{URL: target, Concurrency: concurrency, DurationSeconds: elapsed.Seconds(),
		Calls: r.calls.Load(), Errors: r.errs.Load(),
		Latency: map[string]float64{"p50": us(p50), "p90": us(p90), "p99": us(p99), "max": us(max)}}
	if elapsed > 0 {
		s.CallsPerSecond = float64(s.Calls) / elapsed.Seconds()
	}
	if e, ok := r.firstErr.Load().(string); ok {
		s.FirstError = e
	}
	return s
}

func printSummary(w io.Writer, s benchSummary) {
	fmt.Fprintf(w, "%-14s %s\n", "endpoint", s.URL)
	fmt.Fprintf(w, "%-14s %d\n", "concurrency", s.Concurrency)
	fmt.Fprintf(w, "%-14s %.2fs\n", "duration", s.DurationSeconds)
	fmt.Fprintf(w, "%-14s %d\n", "calls", s.Calls)
	fmt.Fprintf(w, "%-14s %d\n", "errors", s.Errors)
	fmt.Fprintf(w, "%-14s %.0f/s\n", "rate", s.CallsPerSecond)
	for _, p := range []string{"p50", "p90", "p99", "max"} {
		fmt.Fprintf(w, "%-14s %v\n", "latency "+p, time.Duration(s.Latency[p]*1e3).Round(time.Microsecond))
	}
	if s.FirstError != "" {
		fmt.Fprintf(w, "%-14s %s\n", "first error", s.FirstError)
	}
}

// defaultRequest picks the Calculator's Add, or an echo for /echo paths.
func defaultRequest(target string) (action, body string) {
	u, _ := url.Parse(target)
	if u != nil && strings.HasSuffix(strings.TrimSuffix(u.Path, "/"), "/echo") {
		return "urn:wws:bench:Echo", `<Echo xmlns="urn:wws:bench"><text>` + strings.Repeat("x", 84) + `</text></Echo>`
	}
	return demo.CalculatorAction("Add"), `<Add xmlns="` + demo.CalculatorNS + `"><n1>100</n1><n2>15.99</n2></Add>`
}

func cmdBench(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, benchUsage) }
	duration := fs.Duration("duration", 10*time.Second, "how long to run")
	concurrency := fs.Int("concurrency", 1, "callers, each with its own channel")
	action := fs.String("action", "", "the request's action")
	body := fs.String("body", "", "the request's body content")
	timeout := fs.Duration("timeout", 30*time.Second, "limit for each call")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	wf := addWireFlags(fs)
	tf := addTLSFlags(fs, false)
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
	if target == "" || *concurrency < 1 || *duration <= 0 {
		fmt.Fprint(stderr, "wws bench: need a URL, --concurrency ≥ 1 and a positive --duration\n\n"+benchUsage)
		return 2
	}
	if (*action == "") != (*body == "") {
		fmt.Fprintln(stderr, "wws bench: give both --action and --body, or neither")
		return 2
	}
	if *action == "" {
		*action, *body = defaultRequest(target)
	}
	sec, err := tf.load()
	if err != nil {
		fmt.Fprintf(stderr, "wws bench: %v\n", err)
		return 2
	}
	wf.sec = sec
	props, err := wf.clientProperties(target)
	if err != nil {
		fmt.Fprintf(stderr, "wws bench: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rec, elapsed, err := runLoad(ctx, target, *action, []byte(*body), props, *concurrency, *duration, *timeout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "wws bench: %v\n", err)
		if h := hint(err); h != "" {
			fmt.Fprintf(stderr, "hint: %s\n", h)
		}
		return 2
	}
	s := rec.summary(target, *concurrency, elapsed)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(s)
	} else {
		printSummary(stdout, s)
	}
	if s.Calls == 0 {
		return 2
	}
	return 0
}

// runLoad opens concurrency channels and calls until duration has passed,
// printing a progress line on progress every second.
func runLoad(ctx context.Context, target, action string, body []byte, props []wws.ChannelProperty,
	concurrency int, duration, timeout time.Duration, progress io.Writer) (*recorder, time.Duration, error) {
	chans := make([]*wws.Channel, 0, concurrency)
	defer func() {
		for _, ch := range chans {
			closeOrAbort(ch)
		}
	}()
	for i := 0; i < concurrency; i++ {
		dctx, cancel := context.WithTimeout(ctx, timeout)
		ch, err := wws.Dial(dctx, target, props...)
		cancel()
		if err != nil {
			return nil, 0, err
		}
		chans = append(chans, ch)
	}
	rec := &recorder{}
	lctx, cancel := context.WithTimeout(ctx, duration)
	defer cancel()
	runEnd, _ := lctx.Deadline()
	start := time.Now()
	var wg sync.WaitGroup
	for _, ch := range chans {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for lctx.Err() == nil {
				t0 := time.Now()
				cctx, cancel := context.WithTimeout(lctx, timeout)
				_, err := callOn(cctx, ch, action, body)
				cancel()
				if err != nil && (lctx.Err() != nil || !time.Now().Before(runEnd)) {
					return // the run ended during this call (its deadline may be met by the connection first)
				}
				rec.add(time.Since(t0), err)
				if err != nil && ch.State() != wws.ChannelStateOpen {
					return // the channel is gone; its error was counted
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-done:
			elapsed := time.Since(start)
			fmt.Fprintf(progress, "\r%s\n", progressLine(rec, elapsed))
			return rec, elapsed, nil
		case <-tick.C:
			fmt.Fprintf(progress, "\r%s", progressLine(rec, time.Since(start)))
		}
	}
}

func progressLine(rec *recorder, elapsed time.Duration) string {
	p50, _, p99, _ := rec.percentiles()
	rate := 0.0
	if elapsed > 0 {
		rate = float64(rec.calls.Load()) / elapsed.Seconds()
	}
	return fmt.Sprintf("%6.1fs  %8d calls  %9.0f/s  p50 %-9v p99 %-9v errors %d",
		elapsed.Seconds(), rec.calls.Load(), rate, p50.Round(time.Microsecond), p99.Round(time.Microsecond), rec.errs.Load())
}

// callOn makes one request on ch and returns the reply's body.
func callOn(ctx context.Context, ch *wws.Channel, action string, body []byte) ([]byte, error) {
	req := ch.NewMessage()
	req.SetAction(action)
	if err := req.SetBodyXML(body); err != nil {
		return nil, err
	}
	reply, err := ch.Request(ctx, req)
	if err != nil {
		return nil, err
	}
	return reply.BodyXML()
}
