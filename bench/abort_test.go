package bench

import (
	"bytes"
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wwsgo/wws"
)

// abortPending is how many operations are pending on the channel aborted.
const abortPending = 1000

// BenchmarkAbortPending is F7: Abort of a net.tcp session channel with
// 1,000 operations pending on it, each in its own goroutine:
//
//	op=request  Request calls whose requests the service has all read and
//	            will never answer
//	op=receive  Receive calls on a session on which nothing arrives
//	op=gochan   the floor: goroutines blocked in a select, released by
//	            closing a channel (benchCloseChan)
//
// Each iteration dials a new session, starts the operations, waits until
// all are pending, then calls Abort. abort-ns is the time Abort takes to
// return, release-ns the time from calling Abort until the last pending
// operation has returned (each goroutine notes when its call returns).
// Every operation must return WS_E_OPERATION_ABORTED. ns/op is the whole
// iteration, setting up included: read abort-ns and release-ns.
func BenchmarkAbortPending(b *testing.B) {
	b.Run("op=request/pending=1000", func(b *testing.B) { benchAbort(b, true) })
	b.Run("op=receive/pending=1000", func(b *testing.B) { benchAbort(b, false) })
	b.Run("op=gochan/pending=1000", benchCloseChan)
}

// benchCloseChan is F7's floor: 1,000 goroutines blocked in a select on
// two channels, released by closing one — what any Abort has to do at
// least, done by the Go runtime alone. release-ns is measured as for the
// channel (abort-ns is the close).
func benchCloseChan(b *testing.B) {
	var abortSum, releaseSum time.Duration
	ends := make([]time.Time, abortPending)
	for i := 0; i < b.N; i++ {
		abortCh, other := make(chan struct{}), make(chan struct{})
		var waiting atomic.Int64
		var wg sync.WaitGroup
		for j := range abortPending {
			wg.Add(1)
			go func() {
				defer wg.Done()
				waiting.Add(1)
				select {
				case <-abortCh:
				case <-other:
				}
				ends[j] = time.Now()
			}()
		}
		waitFor(b, func() bool { return waiting.Load() == abortPending }, "1,000 goroutines to start")
		time.Sleep(time.Millisecond) // and to block
		t0 := time.Now()
		close(abortCh)
		abort := time.Since(t0)
		wg.Wait()
		abortSum += abort
		releaseSum += latest(t0, ends).Sub(t0)
	}
	reportAbort(b, abortSum, releaseSum)
}

// latest returns the latest of t0 and ends.
func latest(t0 time.Time, ends []time.Time) time.Time {
	last := t0
	for _, e := range ends {
		if e.After(last) {
			last = e
		}
	}
	return last
}

// reportAbort reports the mean time for Abort to return (abort-ns) and for
// the last operation to be released (release-ns).
func reportAbort(b *testing.B, abortSum, releaseSum time.Duration) {
	b.ReportMetric(float64(abortSum.Nanoseconds())/float64(b.N), "abort-ns")
	b.ReportMetric(float64(releaseSum.Nanoseconds())/float64(b.N), "release-ns")
}

// silentServer is a net.tcp service that reads every message and answers
// none; read counts them.
type silentServer struct {
	*WWSServer
	read atomic.Int64
}

func startSilent() (*silentServer, error) {
	s := new(silentServer)
	var err error
	s.WWSServer, err = startService("silent", func(ctx context.Context, ch *wws.Channel) {
		m := ch.NewMessage()
		for {
			m.Reset()
			if ch.ReceiveInto(ctx, m) != nil {
				return
			}
			s.read.Add(1)
		}
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// setupTimeout bounds each wait of an iteration's setting up.
const setupTimeout = 30 * time.Second

func benchAbort(b *testing.B, request bool) {
	srv, err := startSilent()
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()
	var abortSum, releaseSum time.Duration
	errs := make([]error, abortPending)
	ends := make([]time.Time, abortPending)
	for i := 0; i < b.N; i++ {
		ch, err := wws.Dial(ctx, srv.URL)
		if err != nil {
			b.Fatal(err)
		}
		read := srv.read.Load()
		var wg sync.WaitGroup
		for j := range abortPending {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if request {
					m := ch.NewMessage()
					m.SetAction("urn:bench:Never")
					if errs[j] = m.SetBodyXML(Body); errs[j] == nil {
						_, errs[j] = ch.Request(ctx, m)
					}
				} else {
					_, errs[j] = ch.Receive(ctx)
				}
				ends[j] = time.Now()
			}()
		}
		if request {
			// Each request is pending once the service has read it.
			waitFor(b, func() bool { return srv.read.Load()-read >= abortPending }, "the service to read 1,000 requests")
		} else {
			// Each receive is pending once it is past the channel's state
			// check, waiting for a message. (The service's goroutine is in
			// receiveDispatched too, but called ReceiveInto.)
			waitFor(b, func() bool {
				return goroutinesIn("(*Channel).Receive(", "(*Channel).receiveDispatched(") >= abortPending
			}, "1,000 goroutines in Receive")
		}
		t0 := time.Now()
		ch.Abort()
		abort := time.Since(t0)
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(setupTimeout):
			b.Fatalf("%v after Abort some of the 1,000 operations are still pending", setupTimeout)
		}
		for j, err := range errs {
			if wws.HResult(err) != wws.WS_E_OPERATION_ABORTED {
				b.Fatalf("operation %d returned %v, want WS_E_OPERATION_ABORTED", j, err)
			}
		}
		abortSum += abort
		releaseSum += latest(t0, ends).Sub(t0)
		ch.Close(ctx)
	}
	reportAbort(b, abortSum, releaseSum)
}

// waitFor polls cond until it holds, failing the benchmark after
// setupTimeout.
func waitFor(b *testing.B, cond func() bool, what string) {
	b.Helper()
	deadline := time.Now().Add(setupTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			b.Fatalf("waited %v for %s", setupTimeout, what)
		}
		time.Sleep(time.Millisecond)
	}
}

var stackBuf []byte

// goroutinesIn counts the goroutines whose stack has frames of all the
// wws functions fns (e.g. "(*Channel).Receive(").
func goroutinesIn(fns ...string) int {
	if stackBuf == nil {
		stackBuf = make([]byte, 1<<20)
	}
	n := runtime.Stack(stackBuf, true)
	for n == len(stackBuf) {
		stackBuf = make([]byte, 2*len(stackBuf))
		n = runtime.Stack(stackBuf, true)
	}
	count := 0
	for g := range bytes.SplitSeq(stackBuf[:n], []byte("\n\n")) {
		all := true
		for _, fn := range fns {
			if !bytes.Contains(g, []byte("wws."+fn)) {
				all = false
				break
			}
		}
		if all {
			count++
		}
	}
	return count
}
