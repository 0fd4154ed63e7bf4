package interop

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wwsgo/wws/interop/monopeer"
	"github.com/wwsgo/wws/nmf"
)

// relay is a loopback TCP proxy that records what passes each way and how
// each direction ended: with the end of the stream (an orderly FIN) or an
// error (a reset).
type relay struct {
	ln     net.Listener
	target string

	mu             sync.Mutex
	toService      []byte // client -> service
	toClient       []byte // service -> client
	serviceEnd     error  // how the service's direction ended (nil: FIN)
	clientEnd      error  // how the client's direction ended (nil: FIN)
	serviceEndSeen bool
	clientEndSeen  bool
	wg             sync.WaitGroup
}

func startRelay(t *testing.T, target string) *relay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{ln: ln, target: target}
	r.wg.Add(1)
	go r.accept()
	t.Cleanup(func() {
		ln.Close()
		r.wg.Wait()
	})
	return r
}

func (r *relay) port() int { return r.ln.Addr().(*net.TCPAddr).Port }

func (r *relay) accept() {
	defer r.wg.Done()
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", r.target)
		if err != nil {
			c.Close()
			continue
		}
		r.wg.Add(2)
		go r.pipe(c.(*net.TCPConn), s.(*net.TCPConn), true)
		go r.pipe(s.(*net.TCPConn), c.(*net.TCPConn), false)
	}
}

// pipe copies from src to dst, recording; at src's end it passes the FIN
// on (or, after an error, resets dst).
func (r *relay) pipe(src, dst *net.TCPConn, fromClient bool) {
	defer r.wg.Done()
	buf := make([]byte, 32<<10)
	var end error
	for {
		n, err := src.Read(buf)
		if n > 0 {
			r.mu.Lock()
			if fromClient {
				r.toService = append(r.toService, buf[:n]...)
			} else {
				r.toClient = append(r.toClient, buf[:n]...)
			}
			r.mu.Unlock()
			if _, werr := dst.Write(buf[:n]); werr != nil {
				end = werr
				break
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				end = err
			}
			break
		}
	}
	r.mu.Lock()
	if fromClient {
		r.clientEnd, r.clientEndSeen = end, true
	} else {
		r.serviceEnd, r.serviceEndSeen = end, true
	}
	r.mu.Unlock()
	if end != nil {
		dst.SetLinger(0)
		dst.Close()
		src.Close()
		return
	}
	dst.CloseWrite()
	src.CloseRead()
}

// TestMonoClientSeesOrderlyShutdown: a Mono WCF net.tcp client
// (NetTcpBinding, SecurityMode.None) is connected to `wws serve` when that
// process gets SIGINT. wws serve ends the session with an End record and
// waits for the client's; the Mono client takes it as the end of the
// session — its next call ends at once without a reply, never with a
// CommunicationException about a reset or aborted connection — closes its
// channel without error, and ends its side of the connection (Mono sends
// no End record of its own, only the end of the stream). wws serve exits
// then, instead of waiting out its shutdown timeout to abort.
func TestMonoClientSeesOrderlyShutdown(t *testing.T) {
	monopeer.Require(t)
	if runtime.GOOS == "windows" {
		t.Skip("sends SIGINT to wws serve")
	}
	ctx := ctxFor(t, 3*time.Minute)
	exe := filepath.Join(t.TempDir(), "wws")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", exe, "../cmd/wws").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	port := monopeer.FreePort(t)
	url := fmt.Sprintf("net.tcp://127.0.0.1:%d/", port)
	serve := exec.CommandContext(ctx, exe, "serve", url)
	stdout, err := serve.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderrR, stderrW := io.Pipe()
	serve.Stderr = stderrW
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() {
		err := serve.Wait()
		stderrW.Close()
		exited <- err
	}()
	defer func() {
		serve.Process.Kill()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
		}
	}()
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() || sc.Text() != "listening "+url {
		t.Fatalf("wws serve printed %q, want %q", sc.Text(), "listening "+url)
	}
	go io.Copy(io.Discard, stdout)
	served := make(chan string, 16)
	var logMu sync.Mutex
	var log strings.Builder
	go func() {
		s := bufio.NewScanner(stderrR)
		for s.Scan() {
			logMu.Lock()
			log.WriteString(s.Text() + "\n")
			logMu.Unlock()
			if strings.Contains(s.Text(), "/ICalculator/") {
				served <- s.Text()
			}
		}
	}()
	defer func() {
		logMu.Lock()
		t.Logf("wws serve log:\n%s", log.String())
		logMu.Unlock()
	}()

	r := startRelay(t, fmt.Sprintf("127.0.0.1:%d", port))
	t.Setenv("PEER_TIMING", "1")
	type result struct {
		out string
		err error
	}
	client := make(chan result, 1)
	go func() {
		// Add, then idle in the session while the service stops, then a
		// call that meets the end of the session, then Close.
		out, err := monopeer.Call(t, "calc", "nettcp", fmt.Sprintf("net.tcp://127.0.0.1:%d/", r.port()),
			"Add", "Sleep=1500", "Multiply", "Close")
		client <- result{out, err}
	}()
	select {
	case <-served:
	case res := <-client:
		t.Fatalf("the Mono client ended before its first call was served: %v\n%s", res.err, res.out)
	case <-time.After(90 * time.Second):
		t.Fatal("the Mono client's first call was not served within 90s")
	}
	stop := time.Now()
	if err := serve.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	var took time.Duration
	select {
	case err := <-exited:
		took = time.Since(stop)
		if err != nil {
			t.Errorf("wws serve exited with %v after SIGINT", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("wws serve did not exit within 30s of SIGINT")
	}
	res := <-client
	t.Logf("wws serve exited %v after SIGINT", took.Round(time.Millisecond))

	rs := monopeer.Results(res.out)
	byOp := map[string]monopeer.Result{}
	for _, x := range rs {
		byOp[x.Op] = x
	}
	if x, ok := byOp["Add"]; !ok || !x.Pass {
		t.Errorf("the call before the stop: %+v", x)
	}
	// The call after the stop finds the session ended: Mono reports the
	// missing reply its own way; a reset or aborted connection is what an
	// orderly close must not look like.
	m, ok := byOp["Multiply"]
	if !ok {
		t.Errorf("no result for the call after the stop")
	}
	for _, bad := range []string{"CommunicationException", "reset", "Reset", "abort", "Abort", "SocketException", "IOException"} {
		if strings.Contains(m.Detail, bad) {
			t.Errorf("the call after the stop failed like a broken connection: %s", m.Detail)
		}
	}
	if c, ok := byOp["Close"]; !ok || !c.Pass {
		t.Errorf("the Mono client's Close after the stop: %+v", c)
	}
	// wws serve waited for the client to end its side (Mono's call after
	// the stop read our End and ended its session), not for its 5 s
	// shutdown timeout.
	if took >= 5*time.Second {
		t.Errorf("wws serve took %v to exit: it aborted the session instead of seeing the client end it", took)
	}
	if took < 500*time.Millisecond {
		t.Errorf("wws serve exited %v after SIGINT, before the client (idle for 1.5 s) could end its session", took)
	}

	// On the wire: the service's End, and the connection ended with FINs
	// both ways, no reset.
	deadline := time.Now().Add(5 * time.Second)
	for {
		r.mu.Lock()
		done := r.serviceEndSeen && r.clientEndSeen
		r.mu.Unlock()
		if done || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.serviceEndSeen || !r.clientEndSeen {
		t.Fatalf("the connection did not end (service side ended: %v, client side: %v)", r.serviceEndSeen, r.clientEndSeen)
	}
	if r.serviceEnd != nil {
		t.Errorf("the service's side of the connection ended with %v, want an orderly end of stream", r.serviceEnd)
	}
	if n := len(r.toClient); n == 0 || nmf.RecordType(r.toClient[n-1]) != nmf.EndRecord {
		t.Errorf("the service's last bytes: % X, want the End record", tail(r.toClient))
	}
	// Mono's client closes its socket without an End record of its own (as
	// its service does, see shared/reference/mono-peer.md): an orderly end
	// of stream is its answer.
	if r.clientEnd != nil {
		t.Errorf("the client's side of the connection ended with %v, want an orderly end of stream", r.clientEnd)
	}
	t.Logf("service -> client ends % X; client -> service ends % X (client side ended with %v)", tail(r.toClient), tail(r.toService), r.clientEnd)
	t.Logf("Mono client:\n%s", res.out)
}

func tail(b []byte) []byte {
	if len(b) > 8 {
		return b[len(b)-8:]
	}
	return b
}
