//go:build unix

package sockpeek

import (
	"errors"
	"net"
	"syscall"
)

// Supported reports whether Peek can tell anything on this platform.
const Supported = true

// Peek looks at c's socket without reading and without waiting.
func Peek(c net.Conn) State {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return Unknown
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return Unknown
	}
	st := Unknown
	var buf [1]byte
	err = rc.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case err == nil && n == 0:
			st = Closed // the end of the stream
		case err == nil:
			st = Data
		case errors.Is(err, syscall.EAGAIN), errors.Is(err, syscall.EWOULDBLOCK):
			st = Empty
		case errors.Is(err, syscall.EINTR):
		default:
			st = Closed // reset, or otherwise broken
		}
		return true // never wait for readability
	})
	if err != nil {
		return Unknown
	}
	return st
}
