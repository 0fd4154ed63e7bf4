//go:build unix

package soaphttp

import (
	"net"
	"syscall"
)

// canProbe says whether connAlive can tell a closed connection here.
const canProbe = true

// connAlive reports whether an idle connection can still carry an exchange:
// the server has neither closed it nor sent anything on it. It peeks
// without waiting.
func connAlive(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	alive := false
	var buf [1]byte
	err = rc.Read(func(fd uintptr) bool {
		// Nothing to read is the one good answer: end of stream, data
		// (no response is due) and errors mean the connection is done.
		_, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		alive = err == syscall.EAGAIN || err == syscall.EWOULDBLOCK
		return true
	})
	return err == nil && alive
}
