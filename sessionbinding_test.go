package wws

import (
	"fmt"
	"net"
	"sync/atomic"
	"testing"

	"github.com/wwsgo/wws/transport/pipe"
)

// sessionBinding is a binding with [MC-NMF] duplex sessions: the channel
// semantics suites run over each of them.
type sessionBinding struct {
	name   string
	b      ChannelBinding
	scheme string
}

var sessionBindings = []sessionBinding{
	{"net.tcp", BindingTCP, "net.tcp"},
	{"net.pipe", BindingNamedPipe, "net.pipe"},
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
	name := fmt.Sprintf("wwstest%d-%d", pipeSeq.Add(1), freePort(t))
	return []string{"net.pipe://+/" + name + "/path", "net.pipe://localhost/" + name, "net.pipe://./" + name}
}

// rawListener opens a plain socket where a client of this binding dials
// the returned URL, for tests that play the server byte by byte.
func (sb sessionBinding) rawListener(t testing.TB) (net.Listener, string) {
	t.Helper()
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
