//go:build linux

package bench

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wwsgo/wws"
)

// idleSessions is F8's session count: the -idle-sessions flag, else
// $WWS_BENCH_IDLE_SESSIONS, else 1,000 (quick enough for CI). The issue's
// figure is 10,000:
//
//	go test -run '^$' -bench IdleSessions -idle-sessions 10000 .
var idleSessions = flag.Int("idle-sessions", envInt("WWS_BENCH_IDLE_SESSIONS", 1000),
	"open net.tcp sessions held by BenchmarkIdleSessions")

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkIdleSessions is F8: the memory an idle open net.tcp session
// costs, with many in one process. Each iteration opens the sessions (a
// wws client channel and the wws service's accepted channel each, the
// service with one goroutine per channel blocked in Receive, as a real
// service has), measures, and closes them. Reported per session, as the
// growth over the same process before the sessions were opened, both
// measured after a GC that returns free memory to the OS:
//
//	rss-B/session        resident memory (VmRSS of /proc/self/status)
//	heap-B/session       Go heap in use (runtime.MemStats.HeapInuse)
//	stack-B/session      goroutine stacks (MemStats.StackInuse)
//	goroutines/session   goroutines added
//
// Kernel socket buffers are not part of the process's RSS. Both ends of
// every session are in this process, so it needs two file descriptors a
// session: it raises the soft RLIMIT_NOFILE up to the hard limit and, if
// that is still too few, opens fewer sessions and says so (the count is in
// the benchmark's name). ns/op is the whole iteration: opening, measuring
// and closing all the sessions.
func BenchmarkIdleSessions(b *testing.B) {
	n, note := fitSessions(b, *idleSessions)
	logged := false
	b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) {
		if note != "" && !logged { // a parent benchmark's log is shown only with -v
			b.Log(note)
			logged = true
		}
		benchIdle(b, n)
	})
}

// fitSessions returns how many sessions the file limit allows, up to want,
// and a note saying why, when that is fewer.
func fitSessions(b *testing.B, want int) (int, string) {
	b.Helper()
	fds, _ := os.ReadDir("/proc/self/fd")
	need := uint64(2*want + len(fds) + 64) // two sockets a session, what is open, headroom
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return want, fmt.Sprintf("NOTE: cannot read RLIMIT_NOFILE (%v); trying %d sessions", err, want)
	}
	if rl.Cur < need && rl.Cur < rl.Max {
		old := rl
		rl.Cur = min(need, rl.Max)
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
			rl = old
		} else {
			b.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old) })
		}
	}
	if rl.Cur >= need {
		return want, ""
	}
	n := int((rl.Cur - min(rl.Cur, uint64(len(fds)+64))) / 2)
	if n < 1 {
		b.Skipf("RLIMIT_NOFILE is %d (hard limit %d): too few files for any session", rl.Cur, rl.Max)
	}
	return n, fmt.Sprintf("NOTE: %d sessions need %d open files; RLIMIT_NOFILE is %d (hard limit %d): measuring %d sessions instead (raise the hard limit with ulimit -Hn for the full count)",
		want, need, rl.Cur, rl.Max, n)
}

type memSample struct {
	rss, heap, stack uint64
	goroutines       int
}

// sample measures the process after a GC that returns free memory to the
// OS (so that RSS counts what is in use).
func sample(b *testing.B) memSample {
	b.Helper()
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rss, err := vmRSS()
	if err != nil {
		b.Fatal(err)
	}
	return memSample{rss: rss, heap: ms.HeapInuse, stack: ms.StackInuse, goroutines: runtime.NumGoroutine()}
}

// vmRSS reads VmRSS from /proc/self/status, in bytes.
func vmRSS() (uint64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := bytes.CutPrefix(sc.Bytes(), []byte("VmRSS:")); ok {
			kb, err := strconv.ParseUint(string(bytes.TrimSuffix(bytes.TrimSpace(v), []byte(" kB"))), 10, 64)
			return kb << 10, err
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no VmRSS in /proc/self/status")
}

// idleTimeout bounds opening or closing all the sessions.
const idleTimeout = 3 * time.Minute

// openers is how many clients dial at once.
const openers = 32

func benchIdle(b *testing.B, n int) {
	var rss, heap, stack, gs float64
	for i := 0; i < b.N; i++ {
		d := idleIteration(b, n)
		rss += d[0]
		heap += d[1]
		stack += d[2]
		gs += d[3]
	}
	per := float64(b.N) * float64(n)
	b.ReportMetric(rss/per, "rss-B/session")
	b.ReportMetric(heap/per, "heap-B/session")
	b.ReportMetric(stack/per, "stack-B/session")
	b.ReportMetric(gs/per, "goroutines/session")
}

// idleIteration opens n sessions, measures and closes them; it returns the
// growth of RSS, heap, stacks and goroutines.
func idleIteration(b *testing.B, n int) [4]float64 {
	ctx, cancel := context.WithTimeout(context.Background(), idleTimeout)
	defer cancel()
	// The service: one goroutine per channel, in Receive until the session
	// ends.
	var waiting atomic.Int64
	srv, err := startService("idle", func(ctx context.Context, ch *wws.Channel) {
		for {
			waiting.Add(1)
			_, err := ch.Receive(ctx)
			waiting.Add(-1)
			if err != nil {
				return
			}
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	url := srv.URL

	before := sample(b)
	clients := make([]*wws.Channel, n)
	var next atomic.Int64
	var failed atomic.Value
	var cwg sync.WaitGroup
	for range openers {
		cwg.Add(1)
		go func() {
			defer cwg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || failed.Load() != nil {
					return
				}
				ch, err := wws.Dial(ctx, url)
				if err != nil {
					failed.Store(fmt.Errorf("session %d of %d: %w", i+1, n, err))
					return
				}
				clients[i] = ch
			}
		}()
	}
	cwg.Wait()
	defer func() {
		// Close every session in order (End each way), many at once.
		var next atomic.Int64
		var wg sync.WaitGroup
		for range openers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1)) - 1
					if i >= n {
						return
					}
					if ch := clients[i]; ch != nil {
						ch.Close(ctx)
					}
				}
			}()
		}
		wg.Wait()
	}()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	deadline := time.Now().Add(idleTimeout)
	for waiting.Load() < int64(n) {
		if time.Now().After(deadline) {
			b.Fatalf("after %v, %d of %d service goroutines are in Receive", idleTimeout, waiting.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
	after := sample(b)
	return [4]float64{
		float64(after.rss) - float64(before.rss),
		float64(after.heap) - float64(before.heap),
		float64(after.stack) - float64(before.stack),
		float64(after.goroutines - before.goroutines),
	}
}
