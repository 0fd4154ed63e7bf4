// Command abort-stuck-call shows the ways out of a call that waits on a
// service that never answers: Abort from another goroutine (WsAbortChannel),
// a context deadline, and a timeout property — printing each HRESULT and
// the channel's state before and after. It also aborts an Open stuck on a
// server that accepts the connection but never answers the net.tcp preamble.
//
// It runs on its own, on loopback, over net.tcp and HTTP, and takes about
// two seconds:
//
//	go run ./examples/abort-stuck-call
//
// Exit status 0 when every outcome was the one expected.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/wwsgo/wws"
)

const wait = 200 * time.Millisecond // how long each call is left stuck

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ok := true
	for _, scheme := range []string{"net.tcp", "http"} {
		url, stop, err := silentService(ctx, scheme)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Printf("== %s: a service that receives requests and never answers\n", scheme)
		ok = abortFromGoroutine(ctx, url) && ok
		ok = contextDeadline(ctx, url) && ok
		ok = timeoutProperty(ctx, url) && ok
		stop()
	}
	fmt.Println("== net.tcp: a server that accepts the connection and never answers the preamble")
	ok = abortOpen(ctx) && ok
	if !ok {
		fmt.Println("FAILED")
		os.Exit(1)
	}
	fmt.Println("all as expected")
}

// abortFromGoroutine leaves a Request pending and aborts the channel from
// another goroutine.
func abortFromGoroutine(ctx context.Context, url string) bool {
	ch, err := wws.Dial(ctx, url)
	if err != nil {
		fmt.Println("dial:", err)
		return false
	}
	req := ch.NewMessage()
	req.SetAction("urn:example:Stuck")
	req.SetBodyXML([]byte(`<Stuck xmlns="urn:example"/>`))

	time.AfterFunc(wait, func() {
		fmt.Printf("  abort: channel was %s\n", ch.State())
		ch.Abort() // any goroutine, any state; never waits for I/O
	})
	start := time.Now()
	_, err = ch.Request(ctx, req) // blocks until the abort
	fmt.Printf("  request returned %v after %v; channel %s\n",
		wws.HResult(err), time.Since(start).Round(10*time.Millisecond), ch.State())

	// A faulted channel refuses new I/O; Close releases it.
	again := ch.NewMessage()
	again.SetAction("urn:example:Again")
	errAgain := ch.Send(ctx, again)
	fmt.Printf("  send on the faulted channel: %v\n", wws.HResult(errAgain))
	errClose := ch.Close(ctx)
	fmt.Printf("  close: %v; channel %s\n", wws.HResult(errClose), ch.State())
	return errors.Is(err, wws.ErrAborted) && errors.Is(errAgain, wws.ErrFaulted) &&
		errClose == nil && ch.State() == wws.ChannelStateClosed
}

// contextDeadline bounds the same call with a context deadline.
func contextDeadline(ctx context.Context, url string) bool {
	ch, err := wws.Dial(ctx, url)
	if err != nil {
		fmt.Println("dial:", err)
		return false
	}
	defer ch.Close(ctx)
	req := ch.NewMessage()
	req.SetAction("urn:example:Stuck")

	dctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	start := time.Now()
	_, err = ch.Request(dctx, req)
	fmt.Printf("  with a %v deadline: %v after %v; channel %s\n", wait,
		wws.HResult(err), time.Since(start).Round(10*time.Millisecond), ch.State())
	// Over net.tcp only the request gave up: the session stays Open. Over
	// HTTP the exchange was cut half-way, which faults the channel.
	return errors.Is(err, wws.ErrTimedOut) && errors.Is(err, context.DeadlineExceeded)
}

// timeoutProperty bounds it with the channel's own timeout property.
func timeoutProperty(ctx context.Context, url string) bool {
	// Over net.tcp the receive timeout bounds waiting for the reply. Over
	// HTTP the reply comes back on the request's own exchange, bounded by
	// the sum of the send, receive-response and receive timeouts.
	props := []wws.ChannelProperty{{ID: wws.ChannelPropertyReceiveTimeout, Value: wait}}
	label := fmt.Sprintf("ReceiveTimeout %v", wait)
	if strings.HasPrefix(url, "http") {
		props = append(props,
			wws.ChannelProperty{ID: wws.ChannelPropertySendTimeout, Value: wait / 2},
			wws.ChannelProperty{ID: wws.ChannelPropertyReceiveResponseTimeout, Value: wait / 2})
		label = fmt.Sprintf("SendTimeout %v + ReceiveResponseTimeout %v + ReceiveTimeout %v", wait/2, wait/2, wait)
	}
	ch, err := wws.Dial(ctx, url, props...)
	if err != nil {
		fmt.Println("dial:", err)
		return false
	}
	defer ch.Close(ctx)
	req := ch.NewMessage()
	req.SetAction("urn:example:Stuck")
	start := time.Now()
	_, err = ch.Request(ctx, req)
	fmt.Printf("  with %s: %v after %v; channel %s\n", label,
		wws.HResult(err), time.Since(start).Round(10*time.Millisecond), ch.State())
	return wws.HResult(err) == wws.WS_E_OPERATION_TIMED_OUT
}

// abortOpen aborts an Open waiting for a PreambleAck that never comes.
func abortOpen(ctx context.Context) bool {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return false
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			defer c.Close()
			<-ctx.Done() // hold the connection, say nothing
		}
	}()
	ch, err := wws.NewChannel(wws.ChannelTypeDuplexSession, wws.BindingTCP)
	if err != nil {
		fmt.Println(err)
		return false
	}
	time.AfterFunc(wait, func() {
		fmt.Printf("  abort: channel was %s\n", ch.State())
		ch.Abort()
	})
	err = ch.Open(ctx, "net.tcp://"+ln.Addr().String()+"/")
	fmt.Printf("  open returned %v; channel %s\n", wws.HResult(err), ch.State())
	ch.Close(ctx)
	fmt.Printf("  after close: %s\n", ch.State())
	return errors.Is(err, wws.ErrAborted) && ch.State() == wws.ChannelStateClosed
}

// silentService listens on a free loopback port: it accepts channels and
// receives their messages but never replies. stop aborts everything.
func silentService(ctx context.Context, scheme string) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	url = fmt.Sprintf("%s://%s/silent", scheme, ln.Addr())
	ln.Close()
	l, err := wws.Listen(ctx, url)
	if err != nil {
		return "", nil, err
	}
	sctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			ch, err := l.AcceptChannel(sctx)
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer ch.Close(context.Background())
				stop := context.AfterFunc(sctx, func() { ch.Abort() })
				defer stop()
				for {
					if _, err := ch.Receive(sctx); err != nil {
						break // the session ended, or the HTTP request was read
					}
				}
				if ch.Type() == wws.ChannelTypeReply {
					<-sctx.Done() // never answer: keep the HTTP request hanging until stop
				}
			}()
		}
	}()
	return url, func() { cancel(); l.Close(context.Background()); wg.Wait() }, nil
}
