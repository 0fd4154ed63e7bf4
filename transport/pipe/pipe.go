// Package pipe is the named-pipe binding (net.pipe URLs): [MC-NMF] duplex
// sessions exactly as net.tcp speaks them — the session code is the tcp
// package's — over a local stream socket.
//
// On Linux and macOS the pipe is a Unix domain socket. A URL maps to its
// socket path as .NET's named pipes on Unix do, so that the name a .NET
// program uses is the same file:
//
//	net.pipe://localhost/calc        ->  $TMPDIR/CoreFxPipe_calc
//	net.pipe://localhost/app/calc    ->  $TMPDIR/CoreFxPipe_app_calc
//
// ($TMPDIR is os.TempDir(); the path's slashes become underscores.) The host
// must name this machine ("localhost", ".", "+", "*" or its host name).
// Sockets are created with mode 0600. A socket file left by a process that
// has died is replaced; one a live process listens on is
// WS_E_ADDRESS_IN_USE (an error wrapping syscall.EADDRINUSE).
package pipe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/wwsgo/wws/transport"
	"github.com/wwsgo/wws/transport/tcp"
)

// SocketPath returns the socket file a net.pipe URL names.
func SocketPath(rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("netpipe: bad URL %q: %v", rawURL, err)
	}
	if u.Scheme != "net.pipe" {
		return "", fmt.Errorf("netpipe: URL %q does not have the net.pipe scheme", rawURL)
	}
	if u.Port() != "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("netpipe: URL %q has a port, query or fragment", rawURL)
	}
	if !isLocal(u.Hostname()) {
		return "", fmt.Errorf("netpipe: %q is not this machine; named pipes are local", u.Hostname())
	}
	name := strings.Trim(u.Path, "/")
	if name == "" {
		return "", fmt.Errorf("netpipe: URL %q has no pipe name", rawURL)
	}
	name = strings.ReplaceAll(name, "/", "_")
	if strings.ContainsAny(name, "\x00") || name == "." || name == ".." {
		return "", fmt.Errorf("netpipe: bad pipe name %q", name)
	}
	return filepath.Join(os.TempDir(), "CoreFxPipe_"+name), nil
}

func isLocal(host string) bool {
	switch strings.ToLower(host) {
	case "localhost", ".", "+", "*", "127.0.0.1", "::1":
		return true
	}
	h, err := os.Hostname()
	return err == nil && strings.EqualFold(h, host)
}

// Dial connects to a net.pipe URL and performs the duplex preamble, within ctx.
func Dial(ctx context.Context, rawURL string, cfg *transport.Config) (transport.Conn, error) {
	path, err := SocketPath(rawURL)
	if err != nil {
		return nil, err
	}
	enc, ok := tcp.EncodingFor(cfg.ContentType)
	if !ok {
		return nil, fmt.Errorf("netpipe: no [MC-NMF] known encoding for %q", cfg.ContentType)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("netpipe: no pipe at %s: %w", path, syscall.ECONNREFUSED)
		}
		return nil, err
	}
	s, err := tcp.ClientHandshake(ctx, conn, rawURL, enc)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return s, nil
}

// Listen creates the pipe's socket and serves duplex sessions on it.
func Listen(ctx context.Context, rawURL string, cfg *transport.Config) (transport.Listener, error) {
	path, err := SocketPath(rawURL)
	if err != nil {
		return nil, err
	}
	u, _ := url.Parse(rawURL)
	if err := removeStale(path); err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "unix", path)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	l, err := tcp.ListenOn(ln, u.EscapedPath(), cfg)
	if err != nil {
		ln.Close()
		return nil, err
	}
	return l, nil
}

// removeStale removes a socket file nobody listens on; a live one is an
// address in use, and a file that is not a socket is left alone.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode()&os.ModeSocket == 0 {
		return fmt.Errorf("netpipe: %s exists and is not a socket: %w", path, syscall.EADDRINUSE)
	}
	c, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		c.Close()
		return fmt.Errorf("netpipe: a process listens on %s already: %w", path, syscall.EADDRINUSE)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
