package wws

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/wwsgo/wws/transport/mem"
	"github.com/wwsgo/wws/transport/pipe"
)

// sessionBinding is a binding with [MC-NMF] duplex sessions: the channel
// semantics suites run over each of them.
type sessionBinding struct {
	name   string
	b      ChannelBinding
	scheme string
}

// memNetwork is the in-memory network the custom binding's suite runs on.
var memNetwork = &mem.Network{}

var sessionBindings = []sessionBinding{
	{"net.tcp", BindingTCP, "net.tcp"},
	{"net.pipe", BindingNamedPipe, "net.pipe"},
	{"custom (in-memory)", BindingCustom, "mem"},
}

// newChannel creates a duplex session client channel of the binding.
func (sb sessionBinding) newChannel(props ...ChannelProperty) (*Channel, error) {
	if sb.b == BindingCustom {
		props = append([]ChannelProperty{{ChannelPropertyCustomChannelCallbacks, CustomTransport(memNetwork)},
			{ChannelPropertyEncoding, EncodingBinarySession}}, props...)
	}
	return NewChannel(ChannelTypeDuplexSession, sb.b, props...)
}

// newListener creates a duplex session listener of the binding.
func (sb sessionBinding) newListener(props ...ListenerProperty) (*Listener, error) {
	if sb.b == BindingCustom {
		props = append([]ListenerProperty{{ListenerPropertyCustomListenerCallbacks, CustomTransport(memNetwork)}}, props...)
	}
	l, err := NewListener(ChannelTypeDuplexSession, sb.b, props...)
	if err == nil && sb.b == BindingCustom {
		err = l.SetChannelProperties(ChannelProperty{ChannelPropertyEncoding, EncodingBinarySession})
	}
	return l, err
}

var pipeSeq atomic.Int64

// endpoint returns a fresh endpoint as the listener opens it ("+" host) and
// as a client dials it ("localhost").
func (sb sessionBinding) endpoint(t testing.TB, path string) (listen, dial string) {
	t.Helper()
	if sb.b == BindingTCP {
		port := freePort(t)
		return fmt.Sprintf("net.tcp://+:%d/%s", port, path), fmt.Sprintf("net.tcp://localhost:%d/%s", port, path)
	}
	if sb.b == BindingCustom {
		u := fmt.Sprintf("mem://test%d/%s", pipeSeq.Add(1), path)
		return u, u
	}
	name := fmt.Sprintf("wwstest%d-%d/%s", pipeSeq.Add(1), freePort(t), path)
	return "net.pipe://+/" + name, "net.pipe://localhost/" + name
}

// url returns a fresh endpoint URL usable by both sides.
func (sb sessionBinding) url(t testing.TB, path string) string {
	_, d := sb.endpoint(t, path)
	return d
}

// openURLs returns the URL forms Wine's test_WsOpenListener opens, for
// one endpoint: the wildcard host with a path, then host names.
func (sb sessionBinding) openURLs(t testing.TB) []string {
	if sb.b == BindingTCP {
		port := freePort(t)
		return []string{fmt.Sprintf("net.tcp://+:%d/path", port), fmt.Sprintf("net.tcp://localhost:%d", port), fmt.Sprintf("net.tcp://127.0.0.1:%d", port)}
	}
	if sb.b == BindingCustom {
		n := pipeSeq.Add(1)
		return []string{fmt.Sprintf("mem://open%d/path", n), fmt.Sprintf("mem://open%d-b", n), fmt.Sprintf("mem://open%d-c", n)}
	}
	name := fmt.Sprintf("wwstest%d-%d", pipeSeq.Add(1), freePort(t))
	return []string{"net.pipe://+/" + name + "/path", "net.pipe://localhost/" + name, "net.pipe://./" + name}
}

// silentServer listens where a client of this binding dials the returned
// URL and never answers (never completes a handshake); close stops it.
func (sb sessionBinding) silentServer(t testing.TB) (url string, close func()) {
	t.Helper()
	if sb.b == BindingCustom {
		u := sb.url(t, "silent")
		l, err := memNetwork.Listen(context.Background(), u, nil)
		if err != nil {
			t.Fatal(err)
		}
		return u, func() { l.Close() }
	}
	ln, u := sb.rawListener(t)
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	return u, func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	}
}

// rawListener opens a plain socket where a client of this binding dials
// the returned URL, for tests that play the server byte by byte.
func (sb sessionBinding) rawListener(t testing.TB) (net.Listener, string) {
	t.Helper()
	if sb.b == BindingCustom {
		t.Skip("the in-memory transport has no byte stream to play")
	}
	if sb.b == BindingTCP {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		return ln, fmt.Sprintf("net.tcp://localhost:%d", ln.Addr().(*net.TCPAddr).Port)
	}
	url := sb.url(t, "raw")
	path, err := pipe.SocketPath(url)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	return ln, url
}

// forEachSession runs f as a subtest per session binding.
func forEachSession(t *testing.T, f func(t *testing.T, sb sessionBinding)) {
	for _, sb := range sessionBindings {
		t.Run(sb.name, func(t *testing.T) { f(t, sb) })
	}
}
