package bench

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wwsgo/wws"
)

// runCallers runs b.N calls spread over callers goroutines, each with its
// own connection made by setup before the clock starts, and reports the
// 50th and 99th percentile latencies.
func runCallers(b *testing.B, callers int, setup func() (call func() error, done func(), err error)) {
	b.Helper()
	calls := make([]func() error, callers)
	dones := make([]func(), callers)
	for i := range calls {
		c, d, err := setup()
		if err != nil {
			b.Fatal(err)
		}
		calls[i], dones[i] = c, d
	}
	defer func() {
		for _, d := range dones {
			d()
		}
	}()
	// Warm up each connection.
	for _, c := range calls {
		if err := c(); err != nil {
			b.Fatal(err)
		}
	}
	var lat Latencies
	lat.d = make([]time.Duration, 0, b.N)
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	b.ReportAllocs()
	b.ResetTimer()
	for _, c := range calls {
		wg.Add(1)
		go func(call func() error) {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				t0 := time.Now()
				if err := call(); err != nil {
					failed.Store(err)
					return
				}
				lat.Add(time.Since(t0))
			}
		}(c)
	}
	wg.Wait()
	b.StopTimer()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(lat.Percentile(50).Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(lat.Percentile(99).Nanoseconds()), "p99-ns")
}

// benchWWS measures wws callers: with reuse, each caller reuses its
// messages (WWSCaller); without, each call makes new ones (WWSCall).
func benchWWS(b *testing.B, callers int, shared bool) { benchWWSCalls(b, callers, shared, false) }

func benchWWSCalls(b *testing.B, callers int, shared, reuse bool) {
	srv, err := StartWWS()
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()
	var sharedCh *wws.Channel
	if shared {
		sharedCh, err = wws.Dial(ctx, srv.URL, NoDelay)
		if err != nil {
			b.Fatal(err)
		}
		defer sharedCh.Close(ctx)
	}
	call := func(ch *wws.Channel) func() error {
		if reuse {
			c := NewWWSCaller(ch)
			return func() error { return c.Call(ctx) }
		}
		return func() error { return WWSCall(ctx, ch) }
	}
	runCallers(b, callers, func() (func() error, func(), error) {
		if shared {
			return call(sharedCh), func() {}, nil
		}
		ch, err := wws.Dial(ctx, srv.URL, NoDelay)
		if err != nil {
			return nil, nil, err
		}
		return call(ch), func() { ch.Close(ctx) }, nil
	})
}

func benchGRPC(b *testing.B, callers int) {
	srv, err := StartGRPC()
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()
	runCallers(b, callers, func() (func() error, func(), error) {
		cc, err := DialGRPC(srv.Addr)
		if err != nil {
			return nil, nil, err
		}
		return func() error { return GRPCCall(ctx, cc) }, func() { cc.Close() }, nil
	})
}

func benchRaw(b *testing.B, callers int) {
	srv, err := StartRaw()
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	runCallers(b, callers, func() (func() error, func(), error) {
		c, err := net.Dial("tcp", srv.Addr)
		if err != nil {
			return nil, nil, err
		}
		buf := make([]byte, len(Payload))
		return func() error { return RawCall(c, buf) }, func() { c.Close() }, nil
	})
}

// BenchmarkRequestReply is F1/F2: net.tcp request/reply with a 128-byte
// body, one caller and 16 (each with its own session, and sharing one),
// beside gRPC-Go unary echo with a raw-bytes codec and raw TCP ping-pong.
func BenchmarkRequestReply(b *testing.B) {
	b.Run("impl=wws/callers=1", func(b *testing.B) { benchWWS(b, 1, false) })
	b.Run("impl=wws-reuse/callers=1", func(b *testing.B) { benchWWSCalls(b, 1, false, true) })
	b.Run("impl=grpc/callers=1", func(b *testing.B) { benchGRPC(b, 1) })
	b.Run("impl=rawtcp/callers=1", func(b *testing.B) { benchRaw(b, 1) })
	b.Run("impl=wws/callers=16", func(b *testing.B) { benchWWS(b, 16, false) })
	b.Run("impl=wws-reuse/callers=16", func(b *testing.B) { benchWWSCalls(b, 16, false, true) })
	b.Run("impl=wws-shared/callers=16", func(b *testing.B) { benchWWS(b, 16, true) })
	b.Run("impl=grpc/callers=16", func(b *testing.B) { benchGRPC(b, 16) })
	b.Run("impl=rawtcp/callers=16", func(b *testing.B) { benchRaw(b, 16) })
}
