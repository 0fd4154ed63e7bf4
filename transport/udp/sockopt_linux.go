//go:build linux

package udp

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// Socket options the syscall package does not name on every architecture.
const (
	soReusePort        = 0xf // SO_REUSEPORT (asm-generic; an error elsewhere is ignored)
	ipMulticastAll     = 49  // IP_MULTICAST_ALL (Linux 2.6.31)
	ipv6MulticastAll   = 29  // IPV6_MULTICAST_ALL (Linux 4.20)
	multicastSupported = true
)

// reuseControl is a net.ListenConfig Control function that lets several
// sockets bind one port: SO_REUSEADDR (which for UDP on Linux allows it by
// itself) and SO_REUSEPORT, whose failure on an old kernel is ignored.
func reuseControl(network, address string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
		if serr == nil {
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, soReusePort, 1)
		}
	})
	if err != nil {
		return err
	}
	return serr
}

// control runs f on the socket's descriptor.
func control(pc *net.UDPConn, f func(fd int) error) error {
	rc, err := pc.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = f(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

// setMulticastSend sets the hop limit and, if ifindex is not 0, the
// outgoing interface of multicast datagrams sent on pc. For IPv4 the
// interface's first IPv4 address is given as the source address too, so
// that a datagram sent on the loopback interface comes from 127.0.0.1.
func setMulticastSend(pc *net.UDPConn, is6 bool, hops, ifindex int) error {
	var src [4]byte
	if ifindex != 0 && !is6 {
		ifi, err := net.InterfaceByIndex(ifindex)
		if err != nil {
			return fmt.Errorf("soap.udp: multicast interface %d: %w", ifindex, err)
		}
		if a, ok := firstAddr(ifi, false); ok {
			src = a.As4()
		}
	}
	return control(pc, func(fd int) error {
		if is6 {
			if err := syscall.SetsockoptInt(fd, syscall.IPPROTO_IPV6, syscall.IPV6_MULTICAST_HOPS, hops); err != nil {
				return fmt.Errorf("soap.udp: IPV6_MULTICAST_HOPS: %w", err)
			}
			if ifindex != 0 {
				if err := syscall.SetsockoptInt(fd, syscall.IPPROTO_IPV6, syscall.IPV6_MULTICAST_IF, ifindex); err != nil {
					return fmt.Errorf("soap.udp: IPV6_MULTICAST_IF %d: %w", ifindex, err)
				}
			}
			return nil
		}
		if err := syscall.SetsockoptInt(fd, syscall.IPPROTO_IP, syscall.IP_MULTICAST_TTL, hops); err != nil {
			return fmt.Errorf("soap.udp: IP_MULTICAST_TTL: %w", err)
		}
		if ifindex != 0 {
			m := &syscall.IPMreqn{Ifindex: int32(ifindex), Address: src}
			if err := syscall.SetsockoptIPMreqn(fd, syscall.IPPROTO_IP, syscall.IP_MULTICAST_IF, m); err != nil {
				return fmt.Errorf("soap.udp: IP_MULTICAST_IF %d: %w", ifindex, err)
			}
		}
		return nil
	})
}

// firstAddr returns an interface's first address of a family.
func firstAddr(ifi *net.Interface, v6 bool) (netip.Addr, bool) {
	addrs, err := ifi.Addrs()
	if err != nil {
		return netip.Addr{}, false
	}
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip, ok := netip.AddrFromSlice(ipn.IP)
		if !ok {
			continue
		}
		ip = ip.Unmap()
		if ip.Is4() != !v6 {
			continue
		}
		return ip, true
	}
	return netip.Addr{}, false
}

// setupMulticastListener prepares a multicast listener's socket: it joins
// group on every interface of ifs, receives only the groups it joined
// (IP_MULTICAST_ALL off), sets IP_MULTICAST_LOOP, and asks for each
// datagram's destination address (IP_PKTINFO). It returns the interfaces
// joined.
func setupMulticastListener(pc *net.UDPConn, group netip.Addr, ifs []int, loopback bool) ([]int, error) {
	is6 := group.Is6()
	var joined []int
	err := control(pc, func(fd int) error {
		loop := 0
		if loopback {
			loop = 1
		}
		if is6 {
			syscall.SetsockoptInt(fd, syscall.IPPROTO_IPV6, ipv6MulticastAll, 0)
			if err := syscall.SetsockoptInt(fd, syscall.IPPROTO_IPV6, syscall.IPV6_MULTICAST_LOOP, loop); err != nil {
				return fmt.Errorf("soap.udp: IPV6_MULTICAST_LOOP: %w", err)
			}
			if err := syscall.SetsockoptInt(fd, syscall.IPPROTO_IPV6, syscall.IPV6_RECVPKTINFO, 1); err != nil {
				return fmt.Errorf("soap.udp: IPV6_RECVPKTINFO: %w", err)
			}
		} else {
			syscall.SetsockoptInt(fd, syscall.IPPROTO_IP, ipMulticastAll, 0)
			if err := syscall.SetsockoptInt(fd, syscall.IPPROTO_IP, syscall.IP_MULTICAST_LOOP, loop); err != nil {
				return fmt.Errorf("soap.udp: IP_MULTICAST_LOOP: %w", err)
			}
			if err := syscall.SetsockoptInt(fd, syscall.IPPROTO_IP, syscall.IP_PKTINFO, 1); err != nil {
				return fmt.Errorf("soap.udp: IP_PKTINFO: %w", err)
			}
		}
		var errs []error
		for _, i := range ifs {
			var err error
			if is6 {
				m := &syscall.IPv6Mreq{Interface: uint32(i)}
				m.Multiaddr = group.WithZone("").As16()
				err = syscall.SetsockoptIPv6Mreq(fd, syscall.IPPROTO_IPV6, syscall.IPV6_JOIN_GROUP, m)
			} else {
				m := &syscall.IPMreqn{Multiaddr: group.As4(), Ifindex: int32(i)}
				err = syscall.SetsockoptIPMreqn(fd, syscall.IPPROTO_IP, syscall.IP_ADD_MEMBERSHIP, m)
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("interface %d: %w", i, err))
				continue
			}
			joined = append(joined, i)
		}
		if len(errs) > 0 {
			return fmt.Errorf("soap.udp: joining %v: %w", group, errors.Join(errs...))
		}
		return nil
	})
	return joined, err
}

// oobSize is the control-message buffer a read with pktinfo needs.
const oobSize = 128

// destination returns the destination address of a datagram from the
// control messages read with it.
func destination(oob []byte) (netip.Addr, bool) {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return netip.Addr{}, false
	}
	for _, m := range msgs {
		switch {
		case m.Header.Level == syscall.IPPROTO_IP && m.Header.Type == syscall.IP_PKTINFO && len(m.Data) >= 12:
			// struct in_pktinfo { int ipi_ifindex; struct in_addr ipi_spec_dst, ipi_addr; }
			return netip.AddrFrom4([4]byte(m.Data[8:12])), true
		case m.Header.Level == syscall.IPPROTO_IPV6 && m.Header.Type == syscall.IPV6_PKTINFO && len(m.Data) >= 20:
			// struct in6_pktinfo { struct in6_addr ipi6_addr; unsigned ipi6_ifindex; }
			return netip.AddrFrom16([16]byte(m.Data[:16])).Unmap(), true
		}
	}
	return netip.Addr{}, false
}
