package monopeer

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// BenchResult is one "BENCH ..." line of the peer's bench mode: n Echo calls made one
// after another on one channel, timed by the client itself.
type BenchResult struct {
	Calls int           // calls timed
	Total time.Duration // from the first call's start to the last one's end
	P50   time.Duration // median call
	P99   time.Duration // 99th percentile call
	Max   time.Duration // slowest call
}

// PerCall returns Total divided by Calls.
func (r BenchResult) PerCall() time.Duration {
	if r.Calls == 0 {
		return 0
	}
	return r.Total / time.Duration(r.Calls)
}

// ParseBench finds the first "BENCH calls=... total_ns=... p50_ns=... p99_ns=..." line
// in out (the output of `mono Peer.exe bench`, see Peer.cs) and parses it.
func ParseBench(out string) (BenchResult, error) {
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimRight(line, "\r")
		rest, ok := strings.CutPrefix(line, "BENCH ")
		if !ok {
			continue
		}
		var r BenchResult
		seen := 0
		for _, f := range strings.Fields(rest) {
			k, v, _ := strings.Cut(f, "=")
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return BenchResult{}, fmt.Errorf("interop: bad BENCH field %q in %q", f, line)
			}
			switch k {
			case "calls":
				r.Calls = int(n)
			case "total_ns":
				r.Total = time.Duration(n)
			case "p50_ns":
				r.P50 = time.Duration(n)
			case "p99_ns":
				r.P99 = time.Duration(n)
			case "max_ns":
				r.Max = time.Duration(n)
			default:
				continue
			}
			seen++
		}
		if r.Calls <= 0 || seen < 4 {
			return BenchResult{}, fmt.Errorf("interop: incomplete BENCH line %q", line)
		}
		return r, nil
	}
	return BenchResult{}, errors.New("interop: no BENCH line in the client's output")
}

// BenchClient is a running `mono Peer.exe bench <binding> <url> - [text]`: Mono's WCF
// client for the peer contract with one open, warmed-up channel, making timed Echo
// calls when asked (Run). It lets a Go benchmark time Mono's client in its b.N loop
// without paying for Mono's start, the channel's open or the warm-up each time.
type BenchClient struct {
	Binding, URL string

	cmd     *exec.Cmd
	stdin   io.WriteCloser
	out     syncBuffer // everything the client printed
	lines   chan string
	done    chan struct{}
	waitErr error // valid once done is closed

	stopOnce sync.Once
	stopErr  error
}

// StartBench builds the peer, starts its bench client against url (text is the Echo
// argument; "" means the peer's default) and waits, at most StartTimeout, until it has
// opened its channel and made its warm-up calls. It registers a cleanup that stops the
// client (see Stop) and, if the test failed, logs its output.
func StartBench(t testing.TB, binding, url, text string) *BenchClient {
	t.Helper()
	exe := Build(t)
	args := []string{exe, "bench", binding, url, "-"}
	if text != "" {
		args = append(args, text)
	}
	c := &BenchClient{Binding: binding, URL: url, lines: make(chan string, 16), done: make(chan struct{})}
	cmd := exec.Command("mono", args...)
	cmd.Dir = filepath.Dir(exe)
	cmd.Stderr = &c.out
	cmd.WaitDelay = 5 * time.Second
	setProcessGroup(cmd)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("interop: %v", err)
	}
	if c.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatalf("interop: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("interop: starting mono Peer.exe bench: %v", err)
	}
	c.cmd = cmd
	go func() {
		r := bufio.NewReader(stdout)
		for {
			line, err := r.ReadString('\n')
			c.out.Write([]byte(line))
			if s := strings.TrimRight(line, "\r\n"); s != "" {
				select {
				case c.lines <- s:
				default: // nobody is waiting for it; it stays in the output
				}
			}
			if err != nil {
				break
			}
		}
		c.waitErr = cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Logf("interop: stopping the %s bench client: %v", binding, err)
		}
		if t.Failed() {
			t.Logf("interop: %s bench client for %s output:\n%s", binding, url, c.Log())
		}
	})
	if _, err := c.wait("ready", StartTimeout); err != nil {
		c.kill()
		t.Fatalf("interop: mono Peer.exe bench %s %s: %v\n%s", binding, url, err, c.Log())
	}
	return c
}

// wait waits for a line starting with prefix, or one starting with "FAIL".
func (c *BenchClient) wait(prefix string, timeout time.Duration) (string, error) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		select {
		case line := <-c.lines:
			if strings.HasPrefix(line, prefix) {
				return line, nil
			}
			if strings.HasPrefix(line, "FAIL") {
				return "", errors.New(line)
			}
		case <-c.done:
			return "", fmt.Errorf("the client exited (%v)", c.waitErr)
		case <-timer.C:
			return "", fmt.Errorf("no %q line within %v", prefix, timeout)
		}
	}
}

// Run asks the client for n timed Echo calls and returns their BENCH line, waiting at
// most timeout; on a timeout the client is killed. The result's figures are the
// client's own clock, so they leave out the pipe to and from this process.
func (c *BenchClient) Run(n int, timeout time.Duration) (BenchResult, error) {
	if n < 1 {
		return BenchResult{}, fmt.Errorf("interop: bench run of %d calls", n)
	}
	if _, err := fmt.Fprintf(c.stdin, "%d\n", n); err != nil {
		return BenchResult{}, fmt.Errorf("interop: bench client: %w", err)
	}
	line, err := c.wait("BENCH ", timeout)
	if err != nil {
		c.kill()
		return BenchResult{}, fmt.Errorf("interop: bench client, %d calls: %w", n, err)
	}
	r, err := ParseBench(line)
	if err == nil && r.Calls != n {
		err = fmt.Errorf("interop: bench client made %d calls, want %d", r.Calls, n)
	}
	return r, err
}

// Log returns everything the client printed so far.
func (c *BenchClient) Log() string { return c.out.String() }

// Stop asks the client to close its channel and exit ("quit", then end of stdin),
// waits up to StopTimeout plus the client's own 10 s bound on closing, then kills its
// process group. It is idempotent; it returns the exit error, if any.
func (c *BenchClient) Stop() error {
	c.stopOnce.Do(func() {
		io.WriteString(c.stdin, "quit\n")
		c.stdin.Close()
		timer := time.NewTimer(StopTimeout + 10*time.Second)
		defer timer.Stop()
		select {
		case <-c.done:
			c.stopErr = c.waitErr
		case <-timer.C:
			c.kill()
			c.stopErr = errors.New("did not exit after quit; killed")
		}
	})
	return c.stopErr
}

// kill kills the process group and waits (bounded) for the reader goroutine.
func (c *BenchClient) kill() {
	killProcessGroup(c.cmd)
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
	}
}
