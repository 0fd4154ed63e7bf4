package pipe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/wwsgo/wws/transport"
)

func TestSocketPath(t *testing.T) {
	for _, tc := range []struct{ url, want string }{
		{"net.pipe://localhost/calc", "CoreFxPipe_calc"},
		{"net.pipe://localhost/app/calc/", "CoreFxPipe_app_calc"},
		{"net.pipe://./x", "CoreFxPipe_x"},
		{"net.pipe://+/x", "CoreFxPipe_x"},
	} {
		got, err := SocketPath(tc.url)
		if err != nil || got != os.TempDir()+"/"+tc.want {
			t.Errorf("%s: %q %v", tc.url, got, err)
		}
	}
	for _, bad := range []string{"net.pipe://otherhost/x", "net.pipe://localhost/", "net.tcp://localhost/x", "net.pipe://localhost:1/x"} {
		if _, err := SocketPath(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// TestListenRules: the socket is 0600; a live socket is an address in use;
// a stale one (its process gone) is replaced.
func TestListenRules(t *testing.T) {
	ctx := context.Background()
	url := fmt.Sprintf("net.pipe://localhost/wws-pipe-test-%d", os.Getpid())
	cfg := &transport.Config{ContentType: "application/soap+msbinsession1"}
	l, err := Listen(ctx, url, cfg)
	if err != nil {
		t.Fatal(err)
	}
	path, _ := SocketPath(url)
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket mode %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	if _, err := Listen(ctx, url, cfg); !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("second listener: %v, want EADDRINUSE", err)
	}
	l.Close()
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the socket file outlived its listener: %v", err)
	}
	// A stale socket: bound, then its listener gone without removing it.
	ul, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ul.SetUnlinkOnClose(false)
	ul.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("no stale socket to test with: %v", err)
	}
	l, err = Listen(ctx, url, cfg)
	if err != nil {
		t.Fatalf("listening over a stale socket: %v", err)
	}
	l.Close()
	// A file that is not a socket is left alone.
	os.WriteFile(path, []byte("x"), 0o600)
	defer os.Remove(path)
	if _, err := Listen(ctx, url, cfg); err == nil {
		t.Error("a regular file at the socket path was replaced")
	}
}
