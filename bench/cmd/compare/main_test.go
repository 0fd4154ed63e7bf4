package main

import (
	"os"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	res := Parse(strings.NewReader(`goos: linux
BenchmarkRequestReply/impl=wws/callers=1-2   	     100	     38000 ns/op	     28000 p50-ns	  2532 B/op	      11 allocs/op
BenchmarkRequestReply/impl=wws/callers=1-2   	     100	     40000 ns/op	     30000 p50-ns	  2532 B/op	      11 allocs/op
BenchmarkRequestReply/impl=wws/callers=1-2   	     100	     90000 ns/op	     31000 p50-ns	  2532 B/op	      11 allocs/op
BenchmarkIdleSessions/sessions=9963-2         	       1	2438438585 ns/op	         1.000 goroutines/session	     20798 heap-B/session
BenchmarkNoProcs	10	5 ns/op
--- BENCH: BenchmarkIdleSessions/sessions=9963-2
    idle_test.go:63: NOTE: ...
PASS
`))
	if v, ok := res.Median("BenchmarkRequestReply/impl=wws/callers=1", "ns/op"); !ok || v != 40000 {
		t.Errorf("median ns/op = %v, %v; want 40000", v, ok)
	}
	if v, ok := res.Median("BenchmarkIdleSessions/sessions=9963", "heap-B/session"); !ok || v != 20798 {
		t.Errorf("heap-B/session = %v, %v", v, ok)
	}
	if _, ok := res.Median("BenchmarkNoProcs", "ns/op"); !ok {
		t.Error("a name without a GOMAXPROCS suffix is lost")
	}
	if _, ok := res.Median("BenchmarkRequestReply/impl=wws/callers=1", "p99-ns"); ok {
		t.Error("a missing unit has a median")
	}
	if got := strings.Join(res.order, " "); got != "BenchmarkRequestReply/impl=wws/callers=1 BenchmarkIdleSessions/sessions=9963 BenchmarkNoProcs" {
		t.Errorf("order %s", got)
	}
}

// TestTable prints the table of a real (short, noisy) run and checks its
// rows are there; it asserts nothing about the figures themselves.
func TestTable(t *testing.T) {
	f, err := os.Open("testdata/sample.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out strings.Builder
	PrintTable(&out, Parse(f))
	table := out.String()
	t.Log("\n" + table)
	for _, want := range []string{
		"F1 net.tcp r/r callers=1", "F2 net.tcp r/r callers=16", "wws-shared", "rawtcp",
		"F3 net.tcp r/r vs Mono", "client=mono/service=wws", "mono/mono",
		"F4 decode binary 4 KB", "EncodingXMLTokenText", "F5 decode text 4 KB", "F5 encode text 4 KB", "EncodingXMLEncodeToken",
		"F6 allocs callers=1", "F7 Abort returns", "F7 last op returns", "op=receive/pending=1000",
		"F8 RSS per idle session", "sessions=1000", "F9 HTTP SOAP 1.1 r/r", "gowsdl-style",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q", want)
		}
	}
	if strings.Contains(table, "n/a") {
		t.Errorf("table has a missing figure:\n%s", table)
	}
	// The F3 rows come after every F2 row.
	if strings.Index(table, "F3 ") < strings.LastIndex(table, "F2 ") {
		t.Errorf("rows out of order:\n%s", table)
	}
}

func TestFormat(t *testing.T) {
	for _, c := range []struct {
		v    float64
		unit string
		want string
	}{
		{38641, "ns/op", "38.6µs"},
		{50532600, "p50-ns", "50.5ms"},
		{2.4e9, "ns/op", "2.4s"},
		{950, "ns/op", "950ns"},
		{20798, "heap-B/session", "20.3 KiB"},
		{310, "B/op", "310 B"},
		{11, "allocs/op", "11"},
	} {
		if got := format(c.v, c.unit); got != c.want {
			t.Errorf("format(%v, %s) = %q, want %q", c.v, c.unit, got, c.want)
		}
	}
	if got := formatRatio(0.00312); got != "0.0031" {
		t.Errorf("formatRatio = %s", got)
	}
	if got := formatRatio(1.234); got != "1.23" {
		t.Errorf("formatRatio = %s", got)
	}
}
