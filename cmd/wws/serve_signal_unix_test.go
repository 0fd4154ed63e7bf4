//go:build unix

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wwsgo/wws"
)

// TestServeSIGINTEndsSessionsInOrder: wws serve stopping on SIGINT ends
// each live net.tcp and net.pipe session in order: a client waiting in
// Receive gets WS_S_END (io.EOF), not WS_E_ENDPOINT_DISCONNECTED, closes
// its channel without error, and serve exits 0 as soon as the clients have
// ended their side.
func TestServeSIGINTEndsSessionsInOrder(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	urls := []string{
		fmt.Sprintf("net.tcp://127.0.0.1:%d/", freePortT(t)),
		fmt.Sprintf("net.pipe://localhost/wws-sigint-test-%d/", os.Getpid()),
	}
	outR, outW := io.Pipe()
	exit := make(chan int, 1)
	go func() {
		exit <- cmdServe(urls, outW, io.Discard)
		outW.Close()
	}()
	// "listening" is printed after the signal handler is installed.
	sc := bufio.NewScanner(outR)
	var endpoints []string
	for len(endpoints) < 2*len(urls) && sc.Scan() {
		if ep, ok := strings.CutPrefix(sc.Text(), "listening "); ok {
			endpoints = append(endpoints, ep)
		}
	}
	go io.Copy(io.Discard, outR)
	if len(endpoints) != 2*len(urls) {
		t.Fatalf("wws serve listened on %v", endpoints)
	}

	type client struct {
		url       string
		ch        *wws.Channel
		recvErr   error
		closeErr  error
		finishing sync.WaitGroup
	}
	var clients []*client
	for _, ep := range endpoints {
		for i := 0; i < 5; i++ {
			c, err := wws.Dial(ctx, ep)
			if err != nil {
				t.Fatal(err)
			}
			req := c.NewMessage()
			req.SetAction("urn:sigint")
			body := `<Echo xmlns="urn:t">before</Echo>`
			req.SetBodyXML([]byte(body))
			if strings.HasSuffix(ep, "/echo") {
				if _, err := c.Request(ctx, req); err != nil {
					t.Fatalf("%s: %v", ep, err)
				}
			}
			cl := &client{url: ep, ch: c}
			cl.finishing.Add(1)
			go func() {
				defer cl.finishing.Done()
				_, cl.recvErr = c.Receive(ctx)
				cl.closeErr = c.Close(ctx)
			}()
			clients = append(clients, cl)
		}
	}
	time.Sleep(50 * time.Millisecond) // the receives are pending
	start := time.Now()
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-exit:
		if code != 0 {
			t.Errorf("wws serve exited %d", code)
		}
	case <-ctx.Done():
		t.Fatal("wws serve did not exit after SIGINT")
	}
	took := time.Since(start)
	for _, cl := range clients {
		cl.finishing.Wait()
		if wws.HResult(cl.recvErr) != wws.WS_S_END || !errors.Is(cl.recvErr, io.EOF) {
			t.Errorf("%s: pending receive ended with %v, want WS_S_END (io.EOF)", cl.url, cl.recvErr)
		}
		if cl.closeErr != nil {
			t.Errorf("%s: close after the service's End: %v", cl.url, cl.closeErr)
		}
	}
	if took > 3*time.Second {
		t.Errorf("wws serve took %v to exit; its clients ended their sessions at once", took)
	}
	t.Logf("%d sessions ended in order; wws serve exited %v after SIGINT", len(clients), took.Round(time.Millisecond))
}
