//go:build unix

package tcp

import (
	"errors"
	"net"
	"syscall"
)

// peerGone reports whether the peer of conn has closed or reset the
// connection, without reading anything: it peeks at the socket. Data
// waiting, or nothing yet, is a live peer; so is a connection that cannot
// be asked.
func peerGone(conn net.Conn) bool {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	gone := false
	var buf [1]byte
	rc.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case err == nil:
			gone = n == 0 // the end of the stream
		case errors.Is(err, syscall.EAGAIN), errors.Is(err, syscall.EWOULDBLOCK), errors.Is(err, syscall.EINTR):
		default:
			gone = true // reset, or otherwise broken
		}
		return true // never wait for readability
	})
	return gone
}
