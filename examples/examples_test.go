// Package examples_test builds every example program and runs the ones that
// can run on their own on loopback, checking what they print: the channel
// tour, the stuck call, the net/http mount (with -selftest), and the
// calculator service with the calculator client against it over each
// binding, the add service with the add client, and the WS-Discovery probe
// against responders on loopback. It also checks that every Go snippet of
// docs/guide.md and README.md is quoted from an example, so that their code
// compiles.
package examples_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// binDir holds the example binaries, built once by TestMain.
var binDir string

func TestMain(m *testing.M) {
	if _, err := exec.LookPath("go"); err != nil {
		fmt.Println("examples: no go command to build the examples with; skipping")
		os.Exit(0)
	}
	dir, err := os.MkdirTemp("", "wws-examples-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	out, err := exec.CommandContext(ctx, "go", "build", "-o", dir+string(filepath.Separator), "./...").CombinedOutput()
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "examples: go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func bin(name string) string {
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	return filepath.Join(binDir, name)
}

// run runs an example to completion within d and returns its output.
func run(t *testing.T, d time.Duration, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin(name), args...).CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s %v did not finish within %v:\n%s", name, args, d, out)
	}
	return string(out), err
}

func mustContain(t *testing.T, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func TestChannelTour(t *testing.T) {
	out, err := run(t, 30*time.Second, "channel-tour")
	if err != nil || strings.Contains(out, "FAIL") {
		t.Fatalf("channel-tour: %v\n%s", err, out)
	}
	mustContain(t, out,
		"open with nothing listening: WS_E_ENDPOINT_NOT_FOUND (0x803D000D); channel Faulted",
		"open after that abort: WS_E_OPERATION_ABORTED (0x803D0004); channel Faulted",
		"close in Created: S_OK (0x00000000); channel Closed",
		"fault as error: WS_E_ENDPOINT_FAULT_RECEIVED (0x803D0013)",
		"receive at the end of the session: WS_S_END (0x003D0001)",
		"listener closed: Closed")
}

func TestAbortStuckCall(t *testing.T) {
	out, err := run(t, 30*time.Second, "abort-stuck-call")
	if err != nil {
		t.Fatalf("abort-stuck-call: %v\n%s", err, out)
	}
	mustContain(t, out, "all as expected", "open returned WS_E_OPERATION_ABORTED (0x803D0004); channel Faulted")
	if n := strings.Count(out, "request returned WS_E_OPERATION_ABORTED (0x803D0004)"); n != 2 {
		t.Errorf("%d aborted requests, want 2 (net.tcp and HTTP):\n%s", n, out)
	}
	if n := strings.Count(out, "WS_E_OPERATION_TIMED_OUT (0x803D0006)"); n != 4 {
		t.Errorf("%d timed-out requests, want 4:\n%s", n, out)
	}
}

func TestMountOnNetHTTP(t *testing.T) {
	out, err := run(t, 30*time.Second, "mount-on-nethttp", "-selftest")
	if err != nil {
		t.Fatalf("mount-on-nethttp: %v\n%s", err, out)
	}
	mustContain(t, out,
		"GET /healthz: 200 ok",
		"GET /hello: 405",
		"SOAP Hello: Hello, net/http! (action urn:example:HelloResponse)",
		"SOAP Goodbye: WS_E_ENDPOINT_FAULT_RECEIVED (0x803D0013)")
}

// service is a running service example.
type service struct {
	name string
	cmd  *exec.Cmd
	done chan error
	log  *strings.Builder
}

// startService starts calculator-service on urls and waits until it
// listens on all of them.
func startService(t *testing.T, flags []string, urls ...string) *service {
	t.Helper()
	return startProgram(t, "calculator-service", flags, urls...)
}

// startProgram starts the example program name with flags and urls, and
// waits until it prints "listening <url>" for each URL, in order.
func startProgram(t *testing.T, name string, flags []string, urls ...string) *service {
	t.Helper()
	cmd := exec.Command(bin(name), append(flags, urls...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &service{name: name, cmd: cmd, done: make(chan error, 1), log: &strings.Builder{}}
	cmd.Stderr = s.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	listening := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			listening <- sc.Text()
		}
		close(listening)
	}()
	go func() { s.done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-s.done
	})
	for _, u := range urls {
		select {
		case line, ok := <-listening:
			if !ok || line != "listening "+u {
				t.Fatalf("%s printed %q, want %q; stderr:\n%s", name, line, "listening "+u, s.log)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s did not listen on %s within 10s", name, u)
		}
	}
	go func() {
		for range listening {
		}
	}()
	return s
}

// stop interrupts the service and checks that it exits 0 promptly.
func (s *service) stop(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		return // no interrupt to send; the cleanup kills it
	}
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-s.done:
		s.done <- err // for the cleanup
		if err != nil {
			t.Errorf("%s exited with %v; stderr:\n%s", s.name, err, s.log)
		}
	case <-time.After(10 * time.Second):
		t.Errorf("%s did not stop within 10s of the interrupt", s.name)
	}
}

var calculatorResults = []string{
	"Add(100,15.99) = 115.99\n",
	"Subtract(145,76.54) = 68.46\n",
	"Multiply(9,81.25) = 731.25\n",
	"Divide(22,7) = 3.14285714285714\n",
	"Power(2,10): WS_E_ENDPOINT_FAULT_RECEIVED (0x803D0013): SOAP fault Sender/ActionNotSupported",
}

// TestCalculator runs the service and the client together over every
// binding preset the two share.
func TestCalculator(t *testing.T) {
	pipe := func(n int) string { return fmt.Sprintf("net.pipe://localhost/wws-examples-%d-%d", os.Getpid(), n) }
	for _, tc := range []struct {
		name    string
		flags   []string // the service's
		url     string
		binding string // the client's -binding, "" for the default
	}{
		{"netTcpBinding", nil, fmt.Sprintf("net.tcp://127.0.0.1:%d/", freePort(t)), ""},
		{"netTcpBinding-text", []string{"-tcp-binding", "netTcpBinding-text"}, fmt.Sprintf("net.tcp://127.0.0.1:%d/calc", freePort(t)), "netTcpBinding-text"},
		{"wsHttpBinding", nil, fmt.Sprintf("http://127.0.0.1:%d/", freePort(t)), ""},
		{"basicHttpBinding", []string{"-http-binding", "basicHttpBinding"}, fmt.Sprintf("http://127.0.0.1:%d/calc", freePort(t)), "basicHttpBinding"},
		{"binaryHttpBinding", []string{"-http-binding", "binaryHttpBinding"}, fmt.Sprintf("http://127.0.0.1:%d/calc", freePort(t)), "binaryHttpBinding"},
		{"netNamedPipeBinding", nil, pipe(1), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if strings.HasPrefix(tc.url, "net.pipe") && runtime.GOOS == "windows" {
				t.Skip("net.pipe is a Unix socket here")
			}
			svc := startService(t, tc.flags, tc.url)
			args := []string{"-fault", "-timeout", "20s"}
			if tc.binding != "" {
				args = append(args, "-binding", tc.binding)
			}
			out, err := run(t, 30*time.Second, "calculator-client", append(args, tc.url)...)
			if err != nil {
				t.Fatalf("calculator-client: %v\n%s\nservice stderr:\n%s", err, out, svc.log)
			}
			mustContain(t, out, calculatorResults...)
			svc.stop(t)
		})
	}
}

// TestCalculatorMismatch: the errors the guide says a client sees when its
// binding does not match the service's, or nothing listens.
func TestCalculatorMismatch(t *testing.T) {
	tcpURL := fmt.Sprintf("net.tcp://127.0.0.1:%d/", freePort(t))
	httpURL := fmt.Sprintf("http://127.0.0.1:%d/", freePort(t))
	svc := startService(t, nil, tcpURL, httpURL)
	for _, tc := range []struct {
		binding, url, want string
	}{
		{"basicHttpBinding", httpURL, "HTTP 415 Unsupported Media Type"},
		{"basicHttpBinding", httpURL, "WS_E_INVALID_FORMAT (0x803D0000)"},
		{"netTcpBinding-text", tcpURL, "ContentTypeInvalid"},
		{"netTcpBinding-text", tcpURL, "WS_E_ENDPOINT_FAILURE (0x803D000F)"},
		{"netTcpBinding", fmt.Sprintf("net.tcp://127.0.0.1:%d/", freePort(t)), "WS_E_ENDPOINT_NOT_FOUND (0x803D000D)"},
	} {
		out, err := run(t, 30*time.Second, "calculator-client", "-timeout", "10s", "-binding", tc.binding, tc.url)
		if err == nil {
			t.Errorf("%s against %s succeeded:\n%s", tc.binding, tc.url, out)
		}
		mustContain(t, out, tc.want)
	}
	svc.stop(t)
}

// TestGuideSnippets checks that every Go snippet in docs/guide.md is quoted
// from an example program: its lines, with indentation and blank lines
// ignored, appear in that order and contiguously in one example's source.
// A line "// ..." in a snippet marks an elision: the pieces around it must
// appear in order in the same file.
func TestGuideSnippets(t *testing.T) {
	checkSnippets(t, filepath.Join("..", "docs", "guide.md"))
}

// TestReadmeSnippets checks README.md's Go snippets the same way: the
// client and the service it shows are quoted from examples/add-client and
// examples/add-service, which TestAddClientService runs.
func TestReadmeSnippets(t *testing.T) {
	checkSnippets(t, filepath.Join("..", "README.md"))
}

func checkSnippets(t *testing.T, doc string) {
	t.Helper()
	text, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	sources := map[string][]string{}
	files, _ := filepath.Glob(filepath.Join("*", "*.go"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sources[f] = normalize(string(b))
	}
	snippets := goSnippets(string(text))
	if len(snippets) == 0 {
		t.Fatalf("no Go snippets found in %s", doc)
	}
	for i, s := range snippets {
		pieces := splitElisions(normalize(s))
		found := false
		for _, src := range sources {
			if quotes(src, pieces) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("%s snippet %d is not quoted from any example:\n%s", doc, i+1, s)
		}
	}
}

// goSnippets returns the contents of the ```go fenced blocks of a Markdown text.
func goSnippets(md string) []string {
	var out []string
	var cur []string
	in := false
	for _, line := range strings.Split(md, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case !in && trimmed == "```go":
			in, cur = true, nil
		case in && trimmed == "```":
			in = false
			out = append(out, strings.Join(cur, "\n"))
		case in:
			cur = append(cur, line)
		}
	}
	return out
}

func normalize(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if l := strings.TrimSpace(line); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func splitElisions(lines []string) [][]string {
	pieces := [][]string{nil}
	for _, l := range lines {
		if l == "// ..." || l == "// …" {
			pieces = append(pieces, nil)
			continue
		}
		pieces[len(pieces)-1] = append(pieces[len(pieces)-1], l)
	}
	return pieces
}

// quotes reports whether the pieces appear in src in order, each contiguously.
func quotes(src []string, pieces [][]string) bool {
	at := 0
	for _, p := range pieces {
		if len(p) == 0 {
			continue
		}
		i := indexOf(src[at:], p)
		if i < 0 {
			return false
		}
		at += i + len(p)
	}
	return true
}

func indexOf(src, p []string) int {
	for i := 0; i+len(p) <= len(src); i++ {
		match := true
		for j := range p {
			if src[i+j] != p[j] {
				match = false
				break
			}
		}
		if match {
			return i
		}
	}
	return -1
}
