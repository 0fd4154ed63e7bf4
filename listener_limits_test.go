package wws

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// noLeaks checks, after every cleanup registered later has run, that the
// test left no goroutines behind (other tests' goroutines running in
// parallel, or still finishing, are ignored).
func noLeaks(t *testing.T) {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
}

// limitServer accepts channels on l and serves each until its session
// ends, then closes it; accepted counts the channels accepted. stop ends
// the loop and closes the listener and every channel still open.
func limitServer(t *testing.T, l *Listener) (accepted func() int, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	n := 0
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			ch, err := l.AcceptChannel(ctx)
			if err != nil {
				if ctx.Err() != nil || HResult(err) == WS_E_OPERATION_ABORTED {
					return
				}
				continue
			}
			mu.Lock()
			n++
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					if _, err := ch.Receive(ctx); err != nil {
						break
					}
				}
				cctx, ccancel := context.WithTimeout(context.Background(), 2*time.Second)
				ch.Close(cctx)
				ccancel()
			}()
		}
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			l.Close(context.Background())
			wg.Wait()
		})
	}
	t.Cleanup(stop)
	return func() int { mu.Lock(); defer mu.Unlock(); return n }, stop
}

// limitedListener opens a listener of sb with props.
func limitedListener(t *testing.T, sb sessionBinding, props ...ListenerProperty) (*Listener, string) {
	t.Helper()
	l, err := sb.newListener(props...)
	if err != nil {
		t.Fatal(err)
	}
	lu, du := sb.endpoint(t, "limits")
	if err := l.Open(testCtx(t), lu); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close(context.Background()) })
	return l, du
}

// dialWithin dials url with a connect timeout; the channel is closed on cleanup.
func dialWithin(t *testing.T, sb sessionBinding, url string, d time.Duration) (*Channel, error) {
	c, err := sb.newChannel(ChannelProperty{ChannelPropertyConnectTimeout, d})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Open(testCtx(t), url)
	t.Cleanup(func() {
		c.Abort()
		c.Close(context.Background())
	})
	return c, err
}

// forEachSocketSession runs f per session binding with sockets (net.tcp,
// net.pipe): the limits are the socket transports'.
func forEachSocketSession(t *testing.T, f func(t *testing.T, sb sessionBinding)) {
	for _, sb := range sessionBindings {
		if sb.b == BindingCustom {
			continue
		}
		t.Run(sb.name, func(t *testing.T) { f(t, sb) })
	}
}

// TestListenerMaxConnections: with ListenerPropertyMaxConnections 5, five
// clients open; the sixth's Open waits unanswered (its own connect timeout
// ends it with WS_E_OPERATION_TIMED_OUT), and a sixth that waits longer
// opens as soon as one of the five sessions is closed.
func TestListenerMaxConnections(t *testing.T) {
	forEachSocketSession(t, func(t *testing.T, sb sessionBinding) {
		noLeaks(t)
		l, url := limitedListener(t, sb, ListenerProperty{ListenerPropertyMaxConnections, uint32(5)})
		accepted, stop := limitServer(t, l)
		defer stop()
		var clients []*Channel
		for i := 0; i < 5; i++ {
			c, err := dialWithin(t, sb, url, 5*time.Second)
			if err != nil {
				t.Fatalf("client %d: %v", i+1, err)
			}
			clients = append(clients, c)
		}
		start := time.Now()
		_, err := dialWithin(t, sb, url, 300*time.Millisecond)
		mustCode(t, err, WS_E_OPERATION_TIMED_OUT)
		if d := time.Since(start); d < 250*time.Millisecond || d > 3*time.Second {
			t.Fatalf("the sixth open ended after %v, want its 300ms connect timeout", d)
		}

		sixth := make(chan error, 1)
		var sixthCh *Channel
		go func() {
			c, err := dialWithin(t, sb, url, 10*time.Second)
			sixthCh = c
			sixth <- err
		}()
		select {
		case err := <-sixth:
			t.Fatalf("the sixth client opened (%v) while five sessions were open", err)
		case <-time.After(300 * time.Millisecond):
		}
		// The client ends its session; the service closes its channel, which
		// frees the place.
		closed := time.Now()
		if err := clients[0].Close(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-sixth:
			if err != nil {
				t.Fatalf("the sixth client after a place freed: %v", err)
			}
			t.Logf("the sixth client opened %v after a session closed", time.Since(closed).Round(time.Millisecond))
		case <-time.After(5 * time.Second):
			t.Fatal("the sixth client did not open after a session closed")
		}
		deadline := time.Now().Add(2 * time.Second)
		for accepted() != 6 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if n := accepted(); n != 6 {
			t.Fatalf("the service accepted %d channels, want 6", n)
		}
		for _, c := range append(clients[1:], sixthCh) {
			if err := c.Close(testCtx(t)); err != nil {
				t.Error(err)
			}
		}
		stop()
	})
}

// TestListenerMaxConnectionsRefusal: a client still waiting for a place
// when the listener's connect timeout runs out is refused with the
// ServerTooBusy framing fault: its Open fails with WS_E_ENDPOINT_TOO_BUSY.
// The listener goes on serving.
func TestListenerMaxConnectionsRefusal(t *testing.T) {
	forEachSocketSession(t, func(t *testing.T, sb sessionBinding) {
		noLeaks(t)
		l, url := limitedListener(t, sb,
			ListenerProperty{ListenerPropertyMaxConnections, uint32(1)},
			ListenerProperty{ListenerPropertyConnectTimeout, 400 * time.Millisecond})
		_, stop := limitServer(t, l)
		defer stop()
		first, err := dialWithin(t, sb, url, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = dialWithin(t, sb, url, 5*time.Second)
		mustCode(t, err, WS_E_ENDPOINT_TOO_BUSY)
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("refused after %v, want about the listener's 400ms connect timeout", d)
		}
		if err := first.Close(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		c, err := dialWithin(t, sb, url, 5*time.Second)
		if err != nil {
			t.Fatalf("after the first session closed: %v", err)
		}
		if err := c.Close(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		stop()
	})
}

// TestListenerBacklog: with ListenerPropertyListenBacklog 2 and nobody
// accepting, two clients are answered and wait for an Accept; a third is
// not answered until an Accept takes one of them.
func TestListenerBacklog(t *testing.T) {
	forEachSocketSession(t, func(t *testing.T, sb sessionBinding) {
		noLeaks(t)
		l, url := limitedListener(t, sb, ListenerProperty{ListenerPropertyListenBacklog, uint32(2)})
		var clients []*Channel
		for i := 0; i < 2; i++ {
			c, err := dialWithin(t, sb, url, 5*time.Second)
			if err != nil {
				t.Fatalf("client %d: %v", i+1, err)
			}
			clients = append(clients, c)
		}
		_, err := dialWithin(t, sb, url, 300*time.Millisecond)
		mustCode(t, err, WS_E_OPERATION_TIMED_OUT)
		third := make(chan error, 1)
		go func() {
			c, err := dialWithin(t, sb, url, 10*time.Second)
			clients = append(clients, c)
			third <- err
		}()
		select {
		case err := <-third:
			t.Fatalf("a client opened (%v) with the backlog full", err)
		case <-time.After(300 * time.Millisecond):
		}
		ch, err := l.AcceptChannel(testCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		served := []*Channel{ch}
		select {
		case err := <-third:
			if err != nil {
				t.Fatalf("after an Accept: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the waiting client did not open after an Accept")
		}
		// The two still waiting are accepted in turn.
		for i := 0; i < 2; i++ {
			ch, err := l.AcceptChannel(testCtx(t))
			if err != nil {
				t.Fatal(err)
			}
			served = append(served, ch)
		}
		// Both sides end the sessions: End each way.
		var wg sync.WaitGroup
		for i := range served {
			wg.Add(2)
			go func() { defer wg.Done(); clients[i].Close(testCtx(t)) }()
			go func() { defer wg.Done(); served[i].Close(testCtx(t)) }()
		}
		wg.Wait()
		l.Close(testCtx(t))
	})
}

// TestListenerBacklogRefusal: a client that finds the backlog full for the
// whole of the listener's connect timeout gets WS_E_ENDPOINT_TOO_BUSY.
func TestListenerBacklogRefusal(t *testing.T) {
	forEachSocketSession(t, func(t *testing.T, sb sessionBinding) {
		noLeaks(t)
		l, url := limitedListener(t, sb,
			ListenerProperty{ListenerPropertyListenBacklog, uint32(1)},
			ListenerProperty{ListenerPropertyConnectTimeout, 400 * time.Millisecond})
		if _, err := dialWithin(t, sb, url, 5*time.Second); err != nil {
			t.Fatal(err)
		}
		_, err := dialWithin(t, sb, url, 5*time.Second)
		mustCode(t, err, WS_E_ENDPOINT_TOO_BUSY)
		ch, err := l.AcceptChannel(testCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		ch.Abort()
		ch.Close(testCtx(t))
		l.Close(testCtx(t))
	})
}

// TestListenerLimitsBurst: fifty clients at once against a listener that
// holds three sessions: three open, every other one ends with
// WS_E_ENDPOINT_TOO_BUSY or WS_E_OPERATION_TIMED_OUT, nothing hangs or
// leaks, and the listener serves on once the three have gone.
func TestListenerLimitsBurst(t *testing.T) {
	forEachSocketSession(t, func(t *testing.T, sb sessionBinding) {
		noLeaks(t)
		l, url := limitedListener(t, sb,
			ListenerProperty{ListenerPropertyMaxConnections, uint32(3)},
			ListenerProperty{ListenerPropertyListenBacklog, uint32(2)},
			ListenerProperty{ListenerPropertyConnectTimeout, 600 * time.Millisecond})
		_, stop := limitServer(t, l)
		defer stop()
		const n = 50
		var mu sync.Mutex
		var opened []*Channel
		codes := map[HRESULT]int{}
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := sb.newChannel(ChannelProperty{ChannelPropertyConnectTimeout, 2 * time.Second})
				if err != nil {
					t.Error(err)
					return
				}
				err = c.Open(testCtx(t), url)
				mu.Lock()
				defer mu.Unlock()
				codes[HResult(err)]++
				if err == nil {
					opened = append(opened, c)
				} else {
					c.Close(context.Background())
				}
			}()
		}
		wg.Wait()
		t.Logf("outcomes: %v", codes)
		if len(opened) != 3 {
			t.Errorf("%d clients opened, want 3", len(opened))
		}
		for code := range codes {
			switch code {
			case S_OK, WS_E_ENDPOINT_TOO_BUSY, WS_E_OPERATION_TIMED_OUT:
			default:
				t.Errorf("unexpected outcome %v", code)
			}
		}
		for _, c := range opened {
			c.Close(testCtx(t))
		}
		c, err := dialWithin(t, sb, url, 5*time.Second)
		if err != nil {
			t.Fatalf("after the burst: %v", err)
		}
		c.Close(testCtx(t))
		stop()
	})
}

// TestListenerLimitProperties: the defaults, the range, and the rules for
// setting ListenBacklog and MaxConnections.
func TestListenerLimitProperties(t *testing.T) {
	forEachSocketSession(t, func(t *testing.T, sb sessionBinding) {
		l, err := sb.newListener()
		if err != nil {
			t.Fatal(err)
		}
		for id, want := range map[ListenerPropertyID]uint32{
			ListenerPropertyListenBacklog:  0x7FFFFFFF,
			ListenerPropertyMaxConnections: 0xFFFFFFFF,
		} {
			v, err := l.Property(id)
			if err != nil || v != want {
				t.Errorf("%v = %v, %v; want %#x", id, v, err, want)
			}
			// Creation-only, as WWSAPI has LISTEN_BACKLOG.
			mustCode(t, l.SetProperty(id, uint32(10)), E_INVALIDARG)
			mustCode(t, l.SetProperty(id, 10), E_INVALIDARG)
		}
		_, err = sb.newListener(ListenerProperty{ListenerPropertyMaxConnections, uint32(0)})
		mustCode(t, err, E_INVALIDARG)
		_, err = sb.newListener(ListenerProperty{ListenerPropertyMaxConnections, 5})
		mustCode(t, err, E_INVALIDARG)
		l, err = sb.newListener(ListenerProperty{ListenerPropertyMaxConnections, uint32(7)}, ListenerProperty{ListenerPropertyListenBacklog, uint32(0)})
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := l.Property(ListenerPropertyMaxConnections); v != uint32(7) {
			t.Errorf("MaxConnections reads back %v", v)
		}
	})
	// Not properties of the other bindings.
	for _, b := range []struct {
		t ChannelType
		b ChannelBinding
	}{{ChannelTypeReply, BindingHTTP}, {ChannelTypeDuplex, BindingUDP}} {
		for _, id := range []ListenerPropertyID{ListenerPropertyMaxConnections, ListenerPropertyListenBacklog} {
			_, err := NewListener(b.t, b.b, ListenerProperty{id, uint32(5)})
			mustCode(t, err, E_INVALIDARG)
		}
	}
}
