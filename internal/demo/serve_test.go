package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/wwsgo/wws"
	"github.com/wwsgo/wws/nmf"
	"github.com/wwsgo/wws/transport/pipe"
)

// noLeaks checks, after every cleanup registered later has run, that the
// test left no goroutines behind.
func noLeaks(t *testing.T) {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// binding is a session binding the shutdown tests run over.
type binding struct {
	name string
	url  func(t *testing.T) string
}

var seq atomic.Int64

var sessionBindings = []binding{
	{"net.tcp", func(t *testing.T) string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return fmt.Sprintf("net.tcp://127.0.0.1:%d/echo", l.Addr().(*net.TCPAddr).Port)
	}},
	{"net.pipe", func(t *testing.T) string {
		return fmt.Sprintf("net.pipe://localhost/wwsdemo%d-%d/echo", os.Getpid(), seq.Add(1))
	}},
}

func forEachBinding(t *testing.T, f func(t *testing.T, b binding)) {
	for _, b := range sessionBindings {
		t.Run(b.name, func(t *testing.T) { f(t, b) })
	}
}

// server runs a Server on a fresh listener for url; stop cancels Serve's
// context and returns how long Serve took to return after that.
type server struct {
	url     string
	cancel  context.CancelFunc
	done    chan struct{}
	stopped time.Duration
}

func startServer(t *testing.T, url string, s *Server) *server {
	t.Helper()
	l, err := wws.Listen(testCtx(t), url)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv := &server{url: url, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(srv.done)
		s.Serve(ctx, l, url)
	}()
	t.Cleanup(func() {
		srv.stop(t)
		l.Close(context.Background())
	})
	return srv
}

// stop cancels Serve's context and waits (bounded) for Serve to return.
func (s *server) stop(t *testing.T) time.Duration {
	t.Helper()
	start := time.Now()
	s.cancel()
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		t.Fatal("Serve did not return within 20s of the stop")
	}
	return time.Since(start)
}

func echoRequest(t *testing.T, c *wws.Channel, text string) {
	t.Helper()
	req := c.NewMessage()
	req.SetAction("urn:echo")
	body := "<Echo xmlns=\"urn:t\">" + text + "</Echo>"
	if err := req.SetBodyXML([]byte(body)); err != nil {
		t.Fatal(err)
	}
	reply, err := c.Request(testCtx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := reply.BodyXML(); string(got) != body {
		t.Fatalf("reply %s, want %s", got, body)
	}
}

// TestServeShutdownEndsSessions: when the service stops, a wws client
// waiting in Receive sees the end of the session — WS_S_END, io.EOF — not
// WS_E_ENDPOINT_DISCONNECTED, and closes its channel without error; Serve
// returns as soon as the client has answered with its own End.
func TestServeShutdownEndsSessions(t *testing.T) {
	forEachBinding(t, func(t *testing.T, b binding) {
		noLeaks(t)
		srv := startServer(t, b.url(t), &Server{Handler: Echo, ShutdownTimeout: 10 * time.Second})
		const n = 20
		var clients []*wws.Channel
		for i := 0; i < n; i++ {
			c, err := wws.Dial(testCtx(t), srv.url)
			if err != nil {
				t.Fatal(err)
			}
			clients = append(clients, c)
			echoRequest(t, c, fmt.Sprint("hello ", i))
		}
		var wg sync.WaitGroup
		errs := make([]error, n)
		closeErrs := make([]error, n)
		for i, c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = c.Receive(testCtx(t))
				closeErrs[i] = c.Close(testCtx(t))
			}()
		}
		time.Sleep(50 * time.Millisecond) // the receives are pending
		took := srv.stop(t)
		wg.Wait()
		for i := range clients {
			if wws.HResult(errs[i]) != wws.WS_S_END || !errors.Is(errs[i], io.EOF) {
				t.Errorf("client %d: pending receive ended with %v, want WS_S_END (io.EOF)", i, errs[i])
			}
			if closeErrs[i] != nil {
				t.Errorf("client %d: close after the service's End: %v", i, closeErrs[i])
			}
		}
		if took > 5*time.Second {
			t.Errorf("Serve took %v to stop; the clients answered at once", took)
		}
		t.Logf("%d sessions ended in order; Serve returned %v after the stop", n, took.Round(time.Millisecond))
	})
}

// TestServeShutdownOnTheWire: what the stop sends, byte by byte: the End
// record on each session, then nothing — the connection stays open — until
// the peer's End comes, and only then the connection is closed.
func TestServeShutdownOnTheWire(t *testing.T) {
	forEachBinding(t, func(t *testing.T, b binding) {
		noLeaks(t)
		srv := startServer(t, b.url(t), &Server{Handler: Echo, ShutdownTimeout: 10 * time.Second})
		conn := rawSession(t, srv.url)
		stopped := make(chan time.Duration, 1)
		go func() { stopped <- srv.stop(t) }()
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		var one [1]byte
		if _, err := io.ReadFull(conn, one[:]); err != nil {
			t.Fatalf("reading the service's End: %v", err)
		}
		if nmf.RecordType(one[0]) != nmf.EndRecord {
			t.Fatalf("the service sent record 0x%02X, want End (0x%02X)", one[0], byte(nmf.EndRecord))
		}
		// The service waits for our End: the connection is not closed.
		conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		if _, err := conn.Read(one[:]); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("after its End the service sent or closed (%v) before the client's End", err)
		}
		select {
		case d := <-stopped:
			t.Fatalf("Serve returned (%v) before the client's End", d)
		default:
		}
		if _, err := conn.Write(nmf.AppendEnd(nil)); err != nil {
			t.Fatal(err)
		}
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		if n, err := conn.Read(one[:]); err != io.EOF {
			t.Fatalf("after the client's End: %d bytes, %v; want the end of the stream", n, err)
		}
		select {
		case d := <-stopped:
			t.Logf("Serve returned %v after the stop", d.Round(time.Millisecond))
		case <-time.After(5 * time.Second):
			t.Fatal("Serve did not return after the session ended")
		}
	})
}

// rawSession opens a session by hand: the [MC-NMF] duplex preamble for the
// binary session encoding, and the service's PreambleAck.
func rawSession(t *testing.T, url string) net.Conn {
	t.Helper()
	var conn net.Conn
	var err error
	if strings.HasPrefix(url, "net.pipe:") {
		var path string
		path, err = pipe.SocketPath(url)
		if err != nil {
			t.Fatal(err)
		}
		conn, err = net.Dial("unix", path)
	} else {
		conn, err = net.Dial("tcp", strings.TrimSuffix(strings.TrimPrefix(url, "net.tcp://"), "/echo"))
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write(nmf.AppendPreamble(nil, nmf.ModeDuplex, url, nmf.EncodingSOAP12BinarySession)); err != nil {
		t.Fatal(err)
	}
	var ack [1]byte
	if _, err := io.ReadFull(conn, ack[:]); err != nil || nmf.RecordType(ack[0]) != nmf.PreambleAckRecord {
		t.Fatalf("preamble answered with 0x%02X, %v", ack[0], err)
	}
	conn.SetDeadline(time.Time{})
	return conn
}

// TestServeShutdownAbortsLaggards: a peer that never sends its End does
// not hold the stop up for longer than the shutdown timeout: its channel is
// aborted then, and Serve returns.
func TestServeShutdownAbortsLaggards(t *testing.T) {
	forEachBinding(t, func(t *testing.T, b binding) {
		noLeaks(t)
		srv := startServer(t, b.url(t), &Server{Handler: Echo, ShutdownTimeout: 300 * time.Millisecond})
		conn := rawSession(t, srv.url)
		took := srv.stop(t)
		if took < 250*time.Millisecond || took > 3*time.Second {
			t.Fatalf("Serve returned %v after the stop; want about the 300ms shutdown timeout", took)
		}
		// The laggard got the End first, then the connection went away.
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		got, err := io.ReadAll(conn)
		if len(got) < 1 || nmf.RecordType(got[0]) != nmf.EndRecord {
			t.Fatalf("the laggard read % X (%v); want the End record first", got, err)
		}
	})
}

// TestServeShutdownFinishesInFlight: a request being answered when the
// stop comes is answered; the session then ends in order.
func TestServeShutdownFinishesInFlight(t *testing.T) {
	forEachBinding(t, func(t *testing.T, b binding) {
		noLeaks(t)
		started := make(chan struct{}, 1)
		slow := func(req *wws.Message, newMessage func() *wws.Message) (*wws.Message, error) {
			started <- struct{}{}
			time.Sleep(300 * time.Millisecond)
			return Echo(req, newMessage)
		}
		srv := startServer(t, b.url(t), &Server{Handler: slow, ShutdownTimeout: 10 * time.Second})
		c, err := wws.Dial(testCtx(t), srv.url)
		if err != nil {
			t.Fatal(err)
		}
		replied := make(chan error, 1)
		go func() {
			req := c.NewMessage()
			req.SetAction("urn:echo")
			req.SetBodyXML([]byte(`<Echo xmlns="urn:t">late</Echo>`))
			_, err := c.Request(testCtx(t), req)
			replied <- err
		}()
		<-started
		stopped := make(chan time.Duration, 1)
		go func() { stopped <- srv.stop(t) }()
		if err := <-replied; err != nil {
			t.Fatalf("the request in flight at the stop: %v", err)
		}
		_, err = c.Receive(testCtx(t))
		if wws.HResult(err) != wws.WS_S_END {
			t.Fatalf("receive after the stop: %v, want WS_S_END", err)
		}
		if err := c.Close(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		<-stopped
	})
}

// TestServeListenerClosedOnStop: after the stop the listener is closed and
// new clients are refused.
func TestServeListenerClosedOnStop(t *testing.T) {
	noLeaks(t)
	url := sessionBindings[0].url(t)
	srv := startServer(t, url, &Server{Handler: Echo})
	srv.stop(t)
	if c, err := wws.Dial(testCtx(t), url, wws.ChannelProperty{ID: wws.ChannelPropertyConnectTimeout, Value: 2 * time.Second}); err == nil {
		c.Close(testCtx(t))
		t.Fatal("a client opened after the stop")
	}
}

// TestServeShutdownAnswersHTTP: an HTTP request being handled when the
// stop comes is answered; the listener then closes.
func TestServeShutdownAnswersHTTP(t *testing.T) {
	noLeaks(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("http://127.0.0.1:%d/echo", l.Addr().(*net.TCPAddr).Port)
	l.Close()
	started := make(chan struct{}, 1)
	slow := func(req *wws.Message, newMessage func() *wws.Message) (*wws.Message, error) {
		started <- struct{}{}
		time.Sleep(300 * time.Millisecond)
		return Echo(req, newMessage)
	}
	srv := startServer(t, url, &Server{Handler: slow, ShutdownTimeout: 10 * time.Second})
	c, err := wws.Dial(testCtx(t), url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(testCtx(t))
	replied := make(chan error, 1)
	go func() {
		req := c.NewMessage()
		req.SetAction("urn:echo")
		req.SetBodyXML([]byte(`<Echo xmlns="urn:t">late</Echo>`))
		_, err := c.Request(testCtx(t), req)
		replied <- err
	}()
	<-started
	took := srv.stop(t)
	if err := <-replied; err != nil {
		t.Fatalf("the request in flight at the stop: %v", err)
	}
	if took > 5*time.Second {
		t.Errorf("Serve took %v to stop", took)
	}
}
