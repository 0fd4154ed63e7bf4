package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/wwsgo/wws"
	"github.com/wwsgo/wws/internal/demo"
)

const serveUsage = `Usage: wws serve [flags] [URL ...]

Hosts the demo services on each URL until interrupted: the WCF
getting-started Calculator (ICalculator, namespace
http://Microsoft.ServiceModel.Samples: Add, Subtract, Multiply, Divide of
n1, n2) at the URL, and an echo service at its path + "echo" (or at the URL
itself when its path ends in /echo): any request is answered with its own
body and the action <action>Response; one-way messages are only logged.
Prints "listening <url>" per endpoint, and logs one line per message on
standard error: time, endpoint, action.

Defaults: net.tcp://127.0.0.1:8808/ and http://127.0.0.1:8080/

Flags:
  --soap 1.1|1.2              envelope version (default 1.2)
  --addressing none|0.9|1.0   WS-Addressing version (default 1.0)
  --encoding text|binary      message encoding (default: binary for net.tcp, text otherwise)

Transport security (applies to net.tcp and https URLs; others are served as they are):
  --cert FILE --key FILE      certificate chain and private key (PEM) the service
                              presents. net.tcp endpoints then require TLS: the [MC-NMF]
                              application/ssl-tls upgrade of WCF's NetTcpBinding with
                              SecurityMode.Transport; clients without it are refused
                              (UpgradeInvalid). https endpoints need these flags.
  --ca FILE                   CA certificates (PEM) client certificates must chain to:
                              clients must present one (ClientCredentialType
                              Certificate); needs --cert

Examples:
  wws serve
  wws serve net.tcp://0.0.0.0:9000/calc
  wws serve --cert server.pem --key server.key net.tcp://0.0.0.0:9000/ https://0.0.0.0:8443/
  wws serve --cert server.pem --key server.key --ca clients-ca.pem net.tcp://0.0.0.0:9000/
`

func cmdServe(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, serveUsage) }
	wf := addWireFlags(fs)
	tf := addTLSFlags(fs, true)
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	sec, err := tf.load()
	if err != nil {
		fmt.Fprintf(stderr, "wws serve: %v\n", err)
		return 2
	}
	wf.sec = sec
	urls := fs.Args()
	if len(urls) == 0 {
		urls = []string{"net.tcp://127.0.0.1:8808/", "http://127.0.0.1:8080/"}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := startServices(ctx, urls, wf, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "wws serve: %v\n", err)
		return 2
	}
	<-ctx.Done()
	srv.stop()
	return 0
}

// services is a set of running endpoints.
type services struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	urls   []string
}

func (s *services) stop() {
	s.cancel()
	s.wg.Wait()
}

// endpoints expands a serve URL into the Calculator and echo endpoints.
func endpoints(raw string) ([]string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	p := u.Path
	if p == "" {
		p = "/"
	}
	if strings.HasSuffix(strings.TrimSuffix(p, "/"), "/echo") || u.Scheme == "soap.udp" {
		// A soap.udp listener owns its port whatever the path: the echo
		// service shares it, chosen by the To header's path.
		return []string{raw}, nil
	}
	echo := *u
	echo.Path = strings.TrimSuffix(p, "/") + "/echo"
	return []string{raw, echo.String()}, nil
}

// startServices opens every endpoint and serves it until ctx ends.
func startServices(ctx context.Context, urls []string, wf *wireFlags, stdout, stderr io.Writer) (*services, error) {
	ctx, cancel := context.WithCancel(ctx)
	s := &services{cancel: cancel}
	var logMu sync.Mutex
	logf := func(endpoint, action string) {
		logMu.Lock()
		defer logMu.Unlock()
		fmt.Fprintf(stderr, "%s %s %s\n", time.Now().UTC().Format(time.RFC3339Nano), endpoint, action)
	}
	for _, raw := range urls {
		eps, err := endpoints(raw)
		if err != nil {
			s.stop()
			return nil, err
		}
		for _, ep := range eps {
			l, err := openListener(ctx, ep, wf)
			if err != nil {
				if wws.HResult(err) == wws.E_NOTIMPL {
					fmt.Fprintf(stderr, "wws serve: skipping %s: %v\n", ep, err)
					continue
				}
				s.stop()
				return nil, err
			}
			s.urls = append(s.urls, ep)
			fmt.Fprintf(stdout, "listening %s\n", ep)
			path := ep
			if u, err := url.Parse(ep); err == nil {
				path = u.Path
			}
			handler := demo.Mux(path)
			if strings.HasPrefix(ep, "soap.udp:") {
				handler = demo.MuxByTo
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				demo.Serve(ctx, l, ep, handler, logf)
				l.Close(context.Background())
			}()
		}
	}
	if len(s.urls) == 0 {
		s.stop()
		return nil, fmt.Errorf("no endpoint could be opened")
	}
	return s, nil
}

// openListener opens a listener for url with the wire settings.
func openListener(ctx context.Context, raw string, wf *wireFlags) (*wws.Listener, error) {
	props, b, err := wf.channelProperties(raw)
	if err != nil {
		return nil, err
	}
	var t wws.ChannelType
	switch b {
	case wws.BindingHTTP:
		t = wws.ChannelTypeReply
	case wws.BindingUDP:
		t = wws.ChannelTypeDuplex
	default:
		t = wws.ChannelTypeDuplexSession
	}
	lprops, err := wf.sec.listenerProperties(raw)
	if err != nil {
		return nil, err
	}
	l, err := wws.NewListener(t, b, lprops...)
	if err != nil {
		return nil, err
	}
	if err := l.SetChannelProperties(props...); err != nil {
		return nil, err
	}
	if err := l.Open(ctx, raw); err != nil {
		return nil, err
	}
	return l, nil
}
