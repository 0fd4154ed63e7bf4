package monopeer

import (
	"strings"
	"testing"
	"time"
)

func TestParseBench(t *testing.T) {
	r, err := ParseBench("noise\r\nBENCH calls=4 total_ns=200 p50_ns=40 p99_ns=80 max_ns=90\r\n")
	if err != nil {
		t.Fatal(err)
	}
	want := BenchResult{Calls: 4, Total: 200, P50: 40, P99: 80, Max: 90}
	if r != want || r.PerCall() != 50 {
		t.Errorf("ParseBench = %+v, want %+v", r, want)
	}
	for _, bad := range []string{"", "BENCH calls=0 total_ns=1 p50_ns=1 p99_ns=1", "BENCH calls=2 total_ns=x", "BENCH calls=2"} {
		if _, err := ParseBench(bad); err == nil {
			t.Errorf("ParseBench(%q) succeeded", bad)
		}
	}
}

// TestBenchMode runs the peer's bench client against its service, once with
// a count on the command line and once driven through stdin (BenchClient).
func TestBenchMode(t *testing.T) {
	Require(t)
	t.Setenv("PEER_QUIET", "1")
	url := URL("nettcp", FreePort(t))
	svc := Serve(t, "nettcp", url)

	out, err := Call(t, "bench", "nettcp", url, "3", "bench text")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	r, err := ParseBench(out)
	if err != nil || r.Calls != 3 || r.Total <= 0 || r.P50 <= 0 || r.P99 < r.P50 || r.Max < r.P99 || r.Total < r.Max {
		t.Errorf("one-shot bench: %+v, %v\n%s", r, err, out)
	}

	c := StartBench(t, "nettcp", url, "")
	for _, n := range []int{1, 4} {
		r, err := c.Run(n, time.Minute)
		if err != nil || r.Calls != n || r.Total <= 0 {
			t.Errorf("Run(%d) = %+v, %v\n%s", n, r, err, c.Log())
		}
	}
	if err := c.Stop(); err != nil {
		t.Errorf("stop: %v\n%s", err, c.Log())
	}
	if strings.Contains(svc.Log(), "CALL Echo") {
		t.Errorf("PEER_QUIET=1, yet the service logged calls:\n%s", svc.Log())
	}
}
