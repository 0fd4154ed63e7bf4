// Package monopeer builds and drives the project's Mono WCF peer (interop/peer/Peer.cs)
// from Go tests: a real WCF client and service, written against Mono's
// System.ServiceModel, that wws must interoperate with over loopback.
//
// A typical test:
//
//	func TestCallMonoService(t *testing.T) {
//		monopeer.Require(t) // skips (or fails with WWS_REQUIRE_PEERS=1) without Mono
//		url := monopeer.URL("nettcp", monopeer.FreePort(t))
//		svc := monopeer.Serve(t, "nettcp", url)
//		// ... talk to url with wws ...
//		_ = svc.Log() // "CALL Echo text=..." lines
//	}
//
//	func TestMonoClient(t *testing.T) {
//		// ... start a wws service on url ...
//		out, err := monopeer.Call(t, "call", "basichttp", url) // or "calc"
//		if err != nil {
//			t.Fatalf("%v\n%s", err, out)
//		}
//	}
//
// The peer contract (namespace http://wws.test/peer, contract name Echo, actions
// http://wws.test/peer/Echo/<Op> and .../<Op>Response) is the one of the captures in
// shared/vectors/mono; the service also hosts Microsoft's GettingStarted ICalculator
// (http://Microsoft.ServiceModel.Samples) on the same address. The header of Peer.cs
// documents modes, operations, bindings and output lines.
//
// Every child process runs in its own process group and is killed on cleanup or
// timeout; nothing here waits without a bound.
package monopeer

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wwsgo/wws/interop/peer"
)

// Timeouts used by the helpers. Mono starts in a second or two; its WCF takes about
// 50 ms per net.tcp call and 100 ms per HTTP call.
const (
	BuildTimeout = 2 * time.Minute  // compiling Peer.cs with mcs
	StartTimeout = 60 * time.Second // from starting the service to its "listening" line
	StopTimeout  = 10 * time.Second // from "quit" to process exit, before it is killed
	CallTimeout  = 2 * time.Minute  // one run of a client mode
)

// Bindings lists the binding names Peer.exe understands, in the order of its usage text.
var Bindings = []string{
	"nettcp",            // NetTcpBinding(SecurityMode.None), buffered: NMF duplex, binary + session dictionary
	"nettcp-text12",     // CustomBinding Text(Soap12WSAddressing10, UTF-8) + TcpTransport
	"basichttp",         // BasicHttpBinding: SOAP 1.1, SOAPAction, no addressing
	"http-soap11",       // CustomBinding Text(Soap11) + HttpTransport
	"http-soap11-wsa04", // Text(Soap11WSAddressingAugust2004) + HTTP
	"http-soap11-wsa10", // Text(Soap11WSAddressing10) + HTTP
	"http-soap12",       // Text(Soap12) + HTTP
	"http-soap12-wsa04", // Text(Soap12WSAddressingAugust2004) + HTTP
	"http-soap12-wsa10", // Text(Soap12WSAddressing10) + HTTP
	"http-binary",       // BinaryMessageEncoding + HTTP (application/soap+msbin1)
	"wshttp",            // WSHttpBinding(SecurityMode.None): SOAP 1.2 + WSA 1.0 text
}

const skipMessage = "interop: Mono not installed (apt-get install mono-mcs mono-runtime libmono-system-servicemodel4.0a-cil ...); set WWS_REQUIRE_PEERS=1 to make this a failure"

// Require skips the test when mono or mcs is not on PATH; with the environment
// variable WWS_REQUIRE_PEERS=1 it fails the test instead.
func Require(t testing.TB) {
	t.Helper()
	if Available() {
		return
	}
	if os.Getenv("WWS_REQUIRE_PEERS") == "1" {
		t.Fatal(skipMessage)
	}
	t.Skip(skipMessage)
}

// Available reports whether mono and mcs are on PATH.
func Available() bool {
	for _, tool := range []string{"mono", "mcs"} {
		if _, err := exec.LookPath(tool); err != nil {
			return false
		}
	}
	return true
}

var build struct {
	once sync.Once
	exe  string
	err  error
}

// Build calls Require, then compiles Peer.cs (embedded from interop/peer) with mcs once
// per test process and returns the path of Peer.exe, with Peer.exe.config next to it.
// The output goes to a directory under os.TempDir named after a hash of the sources,
// so test processes share one build and a changed source gets a new directory.
func Build(t testing.TB) string {
	t.Helper()
	Require(t)
	build.once.Do(func() {
		build.exe, build.err = compile()
	})
	if build.err != nil {
		t.Fatalf("interop: building Peer.exe: %v", build.err)
	}
	return build.exe
}

// sources returns the embedded *.cs files and the config, by name.
func sources() (map[string][]byte, error) {
	files := map[string][]byte{}
	names, err := fs.Glob(peer.Sources, "*.cs")
	if err != nil {
		return nil, err
	}
	names = append(names, peer.ConfigName)
	for _, n := range names {
		b, err := peer.Sources.ReadFile(n)
		if err != nil {
			return nil, err
		}
		files[n] = b
	}
	return files, nil
}

func compile() (string, error) {
	files, err := sources()
	if err != nil {
		return "", err
	}
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(files[n]))
		h.Write(files[n])
	}
	sum := hex.EncodeToString(h.Sum(nil))[:16]
	dir := filepath.Join(os.TempDir(), "wws-monopeer-"+sum)
	exe := filepath.Join(dir, "Peer.exe")
	if complete(dir) {
		return exe, nil
	}

	tmp, err := os.MkdirTemp(os.TempDir(), "wws-monopeer-build-")
	if err != nil {
		return "", err
	}
	var cs []string
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(tmp, n), files[n], 0o644); err != nil {
			os.RemoveAll(tmp)
			return "", err
		}
		if strings.HasSuffix(n, ".cs") {
			cs = append(cs, n)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), BuildTimeout)
	defer cancel()
	args := append([]string{"-nologo", "-out:Peer.exe", "-r:System.ServiceModel.dll",
		"-r:System.Runtime.Serialization.dll", "-r:System.Xml.dll"}, cs...)
	cmd := exec.CommandContext(ctx, "mcs", args...)
	cmd.Dir = tmp
	setProcessGroup(cmd)
	cmd.WaitDelay = 5 * time.Second
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("mcs %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	// Publish the finished build atomically; a concurrent test process may have won.
	if err := os.Rename(tmp, dir); err != nil {
		if complete(dir) {
			os.RemoveAll(tmp)
			return exe, nil
		}
		return filepath.Join(tmp, "Peer.exe"), nil
	}
	return exe, nil
}

func complete(dir string) bool {
	for _, n := range []string{"Peer.exe", peer.ConfigName} {
		if fi, err := os.Stat(filepath.Join(dir, n)); err != nil || !fi.Mode().IsRegular() || fi.Size() == 0 {
			return false
		}
	}
	return true
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("interop: free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// URL returns the address to use for binding on port: net.tcp://127.0.0.1:<port>/peer
// for the net.tcp bindings, http://127.0.0.1:<port>/peer otherwise.
func URL(binding string, port int) string {
	if strings.HasPrefix(binding, "nettcp") {
		return fmt.Sprintf("net.tcp://127.0.0.1:%d/peer", port)
	}
	return fmt.Sprintf("http://127.0.0.1:%d/peer", port)
}

// syncBuffer is a bytes.Buffer safe for concurrent writers and readers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Service is a running `mono Peer.exe serve` process.
type Service struct {
	Binding string // binding name, one of Bindings
	URL     string // the address it listens on

	cmd     *exec.Cmd
	stdin   io.WriteCloser
	out     syncBuffer // stdout and stderr, interleaved
	done    chan struct{}
	waitErr error // valid once done is closed

	stopOnce sync.Once
	stopErr  error
}

// Serve builds the peer, starts `mono Peer.exe serve binding url` and waits (at most
// StartTimeout) until it prints "listening <url>". It registers a cleanup that stops
// the service (see Stop) and, if the test failed, logs the service output.
func Serve(t testing.TB, binding, url string) *Service {
	t.Helper()
	exe := Build(t)
	s := &Service{Binding: binding, URL: url, done: make(chan struct{})}
	cmd := exec.Command("mono", exe, "serve", binding, url)
	cmd.Dir = filepath.Dir(exe)
	cmd.Stderr = &s.out
	cmd.WaitDelay = 5 * time.Second
	setProcessGroup(cmd)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("interop: %v", err)
	}
	if s.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatalf("interop: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("interop: starting mono Peer.exe serve: %v", err)
	}
	s.cmd = cmd
	ready := make(chan struct{})
	go func() {
		r := bufio.NewReader(stdout)
		signalled := false
		for {
			line, err := r.ReadString('\n')
			s.out.Write([]byte(line))
			if !signalled && strings.HasPrefix(line, "listening ") {
				signalled = true
				close(ready)
			}
			if err != nil {
				break
			}
		}
		s.waitErr = cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Logf("interop: stopping %s service: %v", binding, err)
		}
		if t.Failed() {
			t.Logf("interop: %s service %s output:\n%s", binding, url, s.Log())
		}
	})

	timer := time.NewTimer(StartTimeout)
	defer timer.Stop()
	select {
	case <-ready:
		return s
	case <-s.done:
		t.Fatalf("interop: mono Peer.exe serve %s %s exited before listening (%v):\n%s", binding, url, s.waitErr, s.Log())
	case <-timer.C:
		s.kill()
		t.Fatalf("interop: mono Peer.exe serve %s %s not listening after %v:\n%s", binding, url, StartTimeout, s.Log())
	}
	return nil
}

// Log returns everything the service printed so far (stdout and stderr): the
// "listening" line, one "CALL <op> ..." line per operation (e.g. "CALL Echo text=hi",
// "CALL Add a=40 b=2", "CALL Notify text=x", "CALL Fail reason=boom",
// "CALL Calculator.Add n1=1 n2=2 -> 3"), "ERROR <exception>: <message>" for requests
// Mono rejected (unknown action, unreadable body), "NOTE ..." when the net.tcp layer
// dropped a broken connection, Mono's own stack traces, and "closing"/"closed" at the
// end.
func (s *Service) Log() string { return s.out.String() }

// WaitLog waits up to timeout for the service output to contain substr (for example
// "CALL Notify text=x" after a one-way send) and reports whether it did.
func (s *Service) WaitLog(substr string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		if strings.Contains(s.Log(), substr) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-s.done:
			return strings.Contains(s.Log(), substr)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Exited reports whether the service process has ended.
func (s *Service) Exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// Stop asks the service to quit (a "quit" line, then end of stdin), waits up to
// StopTimeout, then kills its process group. It is idempotent and safe to call
// before the registered cleanup; it returns the process's exit error, if any, or an
// error saying it had to be killed.
func (s *Service) Stop() error {
	s.stopOnce.Do(func() {
		if s.cmd == nil {
			return
		}
		io.WriteString(s.stdin, "quit\n")
		s.stdin.Close()
		timer := time.NewTimer(StopTimeout)
		defer timer.Stop()
		select {
		case <-s.done:
			s.stopErr = s.waitErr
		case <-timer.C:
			s.kill()
			s.stopErr = fmt.Errorf("did not exit within %v after quit; killed", StopTimeout)
		}
	})
	return s.stopErr
}

// kill kills the process group and waits (bounded) for the reader goroutine.
func (s *Service) kill() {
	killProcessGroup(s.cmd)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
	}
}

// Call runs a client mode of the peer — "call" (the peer contract) or "calc" (the
// GettingStarted calculator) — against url with the given binding, and returns its
// combined output. args are operations (see Peer.cs; none means all, in the default
// order). err is non-nil when the client exits non-zero (some call failed) or runs
// longer than CallTimeout (or the test's deadline), in which case its process group
// is killed.
func Call(t testing.TB, mode, binding, url string, args ...string) (out string, err error) {
	t.Helper()
	exe := Build(t)
	timeout := CallTimeout
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if dl, ok := d.Deadline(); ok {
			if left := time.Until(dl) - 5*time.Second; left < timeout && left > 0 {
				timeout = left
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "mono", append([]string{exe, mode, binding, url}, args...)...)
	cmd.Dir = filepath.Dir(exe)
	setProcessGroup(cmd)
	cmd.Cancel = func() error { killProcessGroup(cmd); return nil }
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	b, err := cmd.CombinedOutput()
	out = string(b)
	if ctx.Err() != nil {
		err = fmt.Errorf("interop: mono Peer.exe %s %s %s: timed out after %v: %w", mode, binding, url, timeout, ctx.Err())
	} else if err != nil {
		err = fmt.Errorf("interop: mono Peer.exe %s %s %s: %w", mode, binding, url, err)
	}
	t.Logf("interop: mono Peer.exe %s %s %s %s (%v):\n%s", mode, binding, url, strings.Join(args, " "),
		time.Since(start).Round(time.Millisecond), out)
	return out, err
}

// Result is one PASS/FAIL line of a client run.
type Result struct {
	Pass   bool
	Op     string // "Echo", "Add", ... as the client names them
	Detail string // the rest of the line
}

// Results parses the PASS/FAIL lines of a client's output, in order.
func Results(out string) []Result {
	var rs []Result
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimRight(line, "\r")
		var r Result
		switch {
		case strings.HasPrefix(line, "PASS "):
			r.Pass = true
			line = line[5:]
		case strings.HasPrefix(line, "FAIL "):
			line = line[5:]
		default:
			continue
		}
		r.Op, r.Detail, _ = strings.Cut(line, " ")
		rs = append(rs, r)
	}
	return rs
}

// ErrNoResults is returned by Check when the output has no PASS/FAIL lines.
var ErrNoResults = errors.New("interop: no PASS/FAIL lines in client output")

// Check returns nil if out (a client's output) has at least one result and every
// result passed, and otherwise an error listing the failures.
func Check(out string) error {
	rs := Results(out)
	if len(rs) == 0 {
		return ErrNoResults
	}
	var failed []string
	for _, r := range rs {
		if !r.Pass {
			failed = append(failed, r.Op+" "+r.Detail)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("interop: %d of %d calls failed: %s", len(failed), len(rs), strings.Join(failed, "; "))
	}
	return nil
}
