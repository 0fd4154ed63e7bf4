package monopeer

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// UDPTimeout bounds one run of the udp-send client mode.
const UDPTimeout = time.Minute

// UDPSend runs `mono Peer.exe udp-send <url> <text> <count>`: Mono's WCF client sends
// the one-way message Notify(text) count times to a soap.udp URL over Mono's internal
// SOAP-over-UDP transport (System.ServiceModel.Discovery.Udp.UdpTransportBindingElement,
// created by reflection) with Text(Soap12WSAddressing10) encoding. The action is
// http://wws.test/peer/Notify/Notify (contract name "Notify", as in the captures of
// shared/vectors/mono/udp-oneway), and Mono transmits every message 3 times with one
// MessageID. It returns the client's output ("PASS Notify sent text=... n=i" per
// message, then "N passed, M failed"); err is non-nil when the client exits non-zero or
// runs longer than UDPTimeout (or the test's deadline), in which case its process group
// is killed. It skips the test without Mono (see Require).
func UDPSend(t testing.TB, url, text string, count int) (out string, err error) {
	t.Helper()
	exe := Build(t)
	timeout := UDPTimeout
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if dl, ok := d.Deadline(); ok {
			if left := time.Until(dl) - 5*time.Second; left < timeout && left > 0 {
				timeout = left
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "mono", exe, "udp-send", url, text, strconv.Itoa(count))
	cmd.Dir = filepath.Dir(exe)
	setProcessGroup(cmd)
	cmd.Cancel = func() error { killProcessGroup(cmd); return nil }
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	b, err := cmd.CombinedOutput()
	out = string(b)
	if ctx.Err() != nil {
		err = fmt.Errorf("interop: mono Peer.exe udp-send %s: timed out after %v: %w", url, timeout, ctx.Err())
	} else if err != nil {
		err = fmt.Errorf("interop: mono Peer.exe udp-send %s: %w", url, err)
	}
	t.Logf("interop: mono Peer.exe udp-send %s %q %d (%v):\n%s", url, text, count, time.Since(start).Round(time.Millisecond), out)
	return out, err
}
