package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

func freePortT(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func freeUDPPortT(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// TestBenchEachBinding runs wws bench against wws serve on each binding:
// a progress line on standard error, a summary table, and JSON of the
// documented shape.
func TestBenchEachBinding(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	urls := []string{
		fmt.Sprintf("net.tcp://127.0.0.1:%d/", freePortT(t)),
		fmt.Sprintf("net.pipe://localhost/wws-bench-test-%d/", os.Getpid()),
		fmt.Sprintf("http://127.0.0.1:%d/", freePortT(t)),
		fmt.Sprintf("soap.udp://127.0.0.1:%d/", freeUDPPortT(t)),
	}
	srv, err := startServices(ctx, urls, &wireFlags{soap: "1.2", addressing: "1.0"}, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.stop()
	for _, u := range urls {
		t.Run(u, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run([]string{"bench", u, "--duration", "1500ms", "--concurrency", "2"}, nil, &out, &errb); code != 0 {
				t.Fatalf("exit %d: %s %s", code, out.String(), errb.String())
			}
			if !strings.Contains(errb.String(), "calls") || !strings.Contains(errb.String(), "p99") {
				t.Errorf("no progress line: %q", errb.String())
			}
			for _, want := range []string{"calls", "rate", "latency p50", "latency p99"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("summary lacks %q:\n%s", want, out.String())
				}
			}
			out.Reset()
			if code := run([]string{"bench", u + "echo", "--duration", "500ms", "--json"}, nil, &out, io.Discard); code != 0 {
				t.Fatalf("--json: exit %d", code)
			}
			checkBenchJSON(t, out.Bytes())
		})
	}
}

// checkBenchJSON validates the summary against the shape documented in
// wws bench -h: every field present, with its JSON type, nothing else.
func checkBenchJSON(t *testing.T, data []byte) {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, data)
	}
	want := map[string]string{"url": "string", "concurrency": "number", "duration_seconds": "number", "calls": "number",
		"errors": "number", "calls_per_second": "number", "latency_microseconds": "object"}
	for k, typ := range want {
		v, ok := m[k]
		if !ok {
			t.Errorf("JSON lacks %q", k)
			continue
		}
		if jsonType(v) != typ {
			t.Errorf("%q is a %s, want a %s", k, jsonType(v), typ)
		}
	}
	for k := range m {
		if _, ok := want[k]; !ok && k != "first_error" {
			t.Errorf("undocumented field %q", k)
		}
	}
	lat, _ := m["latency_microseconds"].(map[string]any)
	for _, p := range []string{"p50", "p90", "p99", "max"} {
		if jsonType(lat[p]) != "number" {
			t.Errorf("latency %q is %v", p, lat[p])
		}
	}
	if c, _ := m["calls"].(float64); c < 1 {
		t.Errorf("no calls: %s", data)
	}
}

func jsonType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case map[string]any:
		return "object"
	case bool:
		return "bool"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

func TestCallRepeat(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	u := fmt.Sprintf("net.tcp://127.0.0.1:%d/", freePortT(t))
	srv, err := startServices(ctx, []string{u}, &wireFlags{soap: "1.2", addressing: "1.0"}, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.stop()
	out, errs, code := runCmd(t, nil, "call", u, "--action", "http://Microsoft.ServiceModel.Samples/ICalculator/Multiply",
		"--body", `<Multiply xmlns="http://Microsoft.ServiceModel.Samples"><n1>9</n1><n2>81.25</n2></Multiply>`, "--repeat", "20")
	if code != 0 || !strings.Contains(out, "<MultiplyResult>731.25</MultiplyResult>") || !strings.Contains(errs, "calls          20") {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out, errs)
	}
}
