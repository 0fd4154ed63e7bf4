//go:build !linux

package udp

import (
	"errors"
	"net"
	"net/netip"
	"syscall"
)

// Multicast needs socket options this build does not set; unicast works.
const multicastSupported = false

const oobSize = 128

var errNoMulticast = errors.New("soap.udp: multicast is implemented for Linux only")

func reuseControl(network, address string, c syscall.RawConn) error { return errNoMulticast }

func setMulticastSend(pc *net.UDPConn, is6 bool, hops, ifindex int) error { return errNoMulticast }

func setupMulticastListener(pc *net.UDPConn, group netip.Addr, ifs []int, loopback bool) ([]int, error) {
	return nil, errNoMulticast
}

func destination(oob []byte) (netip.Addr, bool) { return netip.Addr{}, false }
