// Command mount-on-nethttp mounts a SOAP endpoint — an HTTP reply listener
// opened with Listener.OpenHandler — on the program's own http.ServeMux,
// beside an ordinary handler. The http.Server stays the program's: its
// address, TLS, middleware and graceful shutdown apply to both.
//
//	go run ./examples/mount-on-nethttp                  # serves on 127.0.0.1:8090 until Ctrl-C
//	go run ./examples/mount-on-nethttp -addr :9000
//	go run ./examples/mount-on-nethttp -selftest        # serve on a free port, call both handlers, exit
//
// Routes: GET /healthz answers "ok"; POST /hello is the SOAP endpoint
// (SOAP 1.2, WS-Addressing 1.0, text: WCF's WSHttpBinding with
// SecurityMode.None), action urn:example:Hello, body
// <Hello xmlns="urn:example"><name>…</name></Hello>. Try it with
//
//	go run ./cmd/wws call http://127.0.0.1:8090/hello --action urn:example:Hello \
//	    --body '<Hello xmlns="urn:example"><name>Go</name></Hello>'
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/wwsgo/wws"
	"github.com/wwsgo/wws/xmlnode"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8090", "address to serve on")
	selftest := flag.Bool("selftest", false, "serve on a free loopback port, call both handlers, then shut down")
	flag.Parse()
	if *selftest {
		*addr = "127.0.0.1:0"
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, *selftest); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, addr string, selftest bool) error {
	// The SOAP endpoint: a reply listener with no socket of its own.
	l, err := wws.NewListener(wws.ChannelTypeReply, wws.BindingHTTP)
	if err != nil {
		return err
	}
	if err := l.OpenHandler(ctx); err != nil {
		return err
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.Handle("/hello", l) // the listener is an http.Handler

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	base := "http://" + ln.Addr().String()
	fmt.Printf("listening %s (GET /healthz, SOAP at POST /hello)\n", base)

	sctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		serveHello(sctx, l)
	}()

	if selftest {
		err = callBoth(ctx, base)
	} else {
		<-ctx.Done()
	}

	// Shut down: close the listener first (it answers the requests it holds
	// and refuses new ones with 503), then the server, which waits for the
	// handlers still running.
	cancel()
	l.Close(context.Background())
	wg.Wait()
	sdctx, sdcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer sdcancel()
	if serr := srv.Shutdown(sdctx); err == nil {
		err = serr
	}
	return err
}

// serveHello accepts one channel per HTTP request given to the listener's
// ServeHTTP, and answers each on its own goroutine.
func serveHello(ctx context.Context, l *wws.Listener) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		ch, err := l.AcceptChannel(ctx)
		if err != nil {
			return // the listener was closed, or ctx ended
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer ch.Close(context.Background())
			req, err := ch.Receive(ctx)
			if err != nil {
				return
			}
			if req.Action() != "urn:example:Hello" {
				ch.SendFault(ctx, req, fmt.Errorf("unknown action %q", req.Action()))
				return
			}
			name, err := textOf(req, "name")
			if err != nil {
				ch.SendFault(ctx, req, err)
				return
			}
			reply := ch.NewMessage()
			reply.SetAction("urn:example:HelloResponse")
			body := fmt.Sprintf(`<HelloResponse xmlns="urn:example"><HelloResult>Hello, %s!</HelloResult></HelloResponse>`, html.EscapeString(name))
			if err := reply.SetBodyXML([]byte(body)); err != nil {
				ch.SendFault(ctx, req, err)
				return
			}
			ch.Reply(ctx, req, reply)
		}()
	}
}

// callBoth calls the ordinary handler with net/http and the SOAP endpoint
// with a wws request channel.
func callBoth(ctx context.Context, base string) error {
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		return err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Printf("GET /healthz: %d %s", resp.StatusCode, b)

	resp, err = http.Get(base + "/hello")
	if err != nil {
		return err
	}
	resp.Body.Close()
	fmt.Printf("GET /hello: %d (the endpoint takes POST only)\n", resp.StatusCode)

	ch, err := wws.Dial(ctx, base+"/hello")
	if err != nil {
		return err
	}
	defer ch.Close(ctx)
	req := ch.NewMessage()
	req.SetAction("urn:example:Hello")
	req.SetBodyXML([]byte(`<Hello xmlns="urn:example"><name>net/http</name></Hello>`))
	reply, err := ch.Request(ctx, req)
	if err != nil {
		return err
	}
	result, err := textOf(reply, "HelloResult")
	if err != nil {
		return err
	}
	fmt.Printf("SOAP Hello: %s (action %s)\n", result, reply.Action())

	req = ch.NewMessage()
	req.SetAction("urn:example:Goodbye")
	_, err = ch.Request(ctx, req)
	var e *wws.Error
	if !errors.As(err, &e) || e.Fault == nil {
		return fmt.Errorf("Goodbye: %v, want a fault", err)
	}
	fmt.Printf("SOAP Goodbye: %v: %s\n", wws.HResult(err), e.Fault.ReasonText())
	return nil
}

// textOf returns the text of the first element named local in the body.
func textOf(m *wws.Message, local string) (string, error) {
	r, err := m.BodyReader()
	if err != nil {
		return "", err
	}
	inside := false
	var text []byte
	for {
		n, err := r.Next()
		if err == io.EOF {
			return "", fmt.Errorf("no <%s> in the body", local)
		}
		if err != nil {
			return "", err
		}
		switch n.Kind {
		case xmlnode.KindStartElement:
			inside = string(n.Local) == local
		case xmlnode.KindText:
			if inside {
				text = n.Value.AppendText(text)
			}
		case xmlnode.KindEndElement:
			if inside {
				return string(text), nil
			}
		}
	}
}
