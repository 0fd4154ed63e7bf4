package wws

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestLoadThousandClients: 1,000 clients connect at once to one net.tcp
// listener on 127.0.0.1 and each makes 10 request/reply calls on its
// session, then closes it. Every client connects, every call is answered
// with its own body, every session ends in order (End each way), the
// service accepts exactly 1,000 channels, all within one deadline, and no
// goroutine is left behind. With -short it runs 100 clients.
func TestLoadThousandClients(t *testing.T) {
	clients, calls := 1000, 10
	if testing.Short() {
		clients = 100
	}
	// Each session is two sockets in this process, plus the listener's.
	needFiles(t, uint64(2*clients+256))
	noLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	l, err := NewListener(ChannelTypeDuplexSession, BindingTCP)
	if err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("net.tcp://127.0.0.1:%d/load", freePort(t))
	if err := l.Open(ctx, url); err != nil {
		t.Fatal(err)
	}
	backlog, _ := l.Property(ListenerPropertyListenBacklog)
	backlog = min(backlog.(uint32), maxBacklog)

	// The service: one goroutine per channel, echoing until the session ends.
	var accepted, served, serverErrs atomic.Int64
	var swg sync.WaitGroup
	swg.Add(1)
	go func() {
		defer swg.Done()
		for {
			ch, err := l.AcceptChannel(ctx)
			if err != nil {
				if HResult(err) == WS_E_OPERATION_ABORTED || ctx.Err() != nil {
					return
				}
				serverErrs.Add(1)
				t.Errorf("accept: %v", err)
				continue
			}
			accepted.Add(1)
			swg.Add(1)
			go func() {
				defer swg.Done()
				defer ch.Close(ctx)
				for {
					m, err := ch.Receive(ctx)
					if HResult(err) == WS_S_END {
						return
					}
					if err != nil {
						serverErrs.Add(1)
						t.Errorf("service receive: %v", err)
						return
					}
					body, err := m.BodyXML()
					if err == nil {
						r := ch.NewMessage()
						r.SetAction(m.Action() + "Response")
						if err = r.SetBodyXML(body); err == nil {
							err = ch.Reply(ctx, m, r)
						}
					}
					if err != nil {
						serverErrs.Add(1)
						t.Errorf("service reply: %v", err)
						return
					}
					served.Add(1)
				}
			}()
		}
	}()

	// The clients, released at once.
	start := make(chan struct{})
	var connected, answered, finished atomic.Int64
	var mu sync.Mutex
	failures := map[HRESULT]int{}
	var connectTimes []time.Duration
	fail := func(err error) {
		mu.Lock()
		failures[HResult(err)]++
		n := failures[HResult(err)]
		mu.Unlock()
		if n <= 3 {
			t.Error(err)
		}
	}
	var cwg sync.WaitGroup
	for i := 0; i < clients; i++ {
		cwg.Add(1)
		go func() {
			defer cwg.Done()
			defer finished.Add(1)
			<-start
			t0 := time.Now()
			c, err := Dial(ctx, url, ChannelProperty{ChannelPropertyConnectTimeout, time.Minute})
			if err != nil {
				fail(fmt.Errorf("client %d: open: %w", i, err))
				return
			}
			d := time.Since(t0)
			mu.Lock()
			connectTimes = append(connectTimes, d)
			mu.Unlock()
			connected.Add(1)
			defer func() {
				if err := c.Close(ctx); err != nil {
					fail(fmt.Errorf("client %d: close: %w", i, err))
				}
			}()
			for j := 0; j < calls; j++ {
				body := fmt.Sprintf(`<Echo xmlns="urn:load"><client>%d</client><call>%d</call></Echo>`, i, j)
				req := c.NewMessage()
				req.SetAction("urn:load/Echo")
				if err := req.SetBodyXML([]byte(body)); err != nil {
					fail(err)
					return
				}
				reply, err := c.Request(ctx, req)
				if err != nil {
					fail(fmt.Errorf("client %d call %d: %w", i, j, err))
					return
				}
				if got, err := reply.BodyXML(); err != nil || string(got) != body {
					fail(fmt.Errorf("client %d call %d: reply %q (%v), want %q", i, j, got, err, body))
					return
				}
				answered.Add(1)
			}
		}()
	}
	began := time.Now()
	close(start)
	done := make(chan struct{})
	go func() { cwg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		t.Errorf("after %v: %d of %d clients connected, %d of %d calls answered, %d clients finished; the rest are stuck",
			time.Since(began).Round(time.Millisecond), connected.Load(), clients, answered.Load(), clients*calls, finished.Load())
		cancel() // every pending operation ends with the context
		l.Abort()
		<-done
	}
	elapsed := time.Since(began)
	l.Close(context.Background())
	swg.Wait()

	if n := connected.Load(); n != int64(clients) {
		t.Errorf("%d of %d clients connected", n, clients)
	}
	if n := answered.Load(); n != int64(clients*calls) {
		t.Errorf("%d of %d calls answered", n, clients*calls)
	}
	if n := accepted.Load(); n != int64(clients) {
		t.Errorf("the service accepted %d channels, want %d", n, clients)
	}
	if n := served.Load(); n != int64(clients*calls) {
		t.Errorf("the service answered %d calls, want %d", n, clients*calls)
	}
	if len(failures) > 0 || serverErrs.Load() > 0 {
		t.Errorf("client failures by code: %v; service errors: %d", failures, serverErrs.Load())
	}
	sort.Slice(connectTimes, func(i, j int) bool { return connectTimes[i] < connectTimes[j] })
	pct := func(p float64) time.Duration {
		if len(connectTimes) == 0 {
			return 0
		}
		return connectTimes[int(p*float64(len(connectTimes)-1))].Round(time.Microsecond)
	}
	t.Logf("%d clients x %d calls over %s (backlog %v sessions, somaxconn %s): %v in all, %.0f calls/s; open p50 %v, p99 %v, max %v",
		clients, calls, "127.0.0.1", backlog, somaxconn(), elapsed.Round(time.Millisecond),
		float64(answered.Load())/elapsed.Seconds(), pct(0.5), pct(0.99), pct(1))
}

// somaxconn returns the kernel's cap on a socket's listen queue, where it
// can tell (Linux), or "unknown".
func somaxconn() string {
	b, err := os.ReadFile("/proc/sys/net/core/somaxconn")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}
