package monopeer

import (
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// TestMonoToMono runs the Mono client against the Mono service: it proves the peer and
// this harness work before anyone reads a failure as a wws problem. It covers nettcp
// and basichttp; WWS_MONOPEER_ALL=1 runs every binding.
func TestMonoToMono(t *testing.T) {
	Require(t)
	bindings := []string{"nettcp", "basichttp"}
	if os.Getenv("WWS_MONOPEER_ALL") == "1" {
		bindings = Bindings
	}
	Build(t) // once, before the parallel subtests
	for _, b := range bindings {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			url := URL(b, FreePort(t))
			svc := Serve(t, b, url)

			out, err := Call(t, "call", b, url)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if err := Check(out); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out, "8 passed, 0 failed") {
				t.Errorf("client summary missing:\n%s", out)
			}
			for _, want := range []string{
				"PASS Echo hello wws",
				"PASS Fail FaultException code=",
				"reason=boom",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("client output lacks %q", want)
				}
			}

			out, err = Call(t, "calc", b, url)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if rs := Results(out); len(rs) != 4 || Check(out) != nil {
				t.Errorf("calc results %+v", rs)
			}

			for _, want := range []string{"CALL Echo text=hello wws", "CALL Fail reason=boom", "CALL Calculator.Divide n1=22 n2=7"} {
				if !svc.WaitLog(want, 5*time.Second) {
					t.Errorf("service log lacks %q", want)
				}
			}
			if err := svc.Stop(); err != nil {
				t.Errorf("stop: %v", err)
			}
			if !svc.Exited() || !strings.Contains(svc.Log(), "closed") {
				t.Errorf("service did not shut down cleanly:\n%s", svc.Log())
			}
		})
	}
}

// TestServiceSurvivesClientFailures checks that the peer service keeps serving after
// clients that misbehave (garbage, connections reset mid-preamble or mid-message, a
// truncated HTTP request), the property Go tests rely on when wws gets something wrong,
// and that the client reports a dead address as a FAIL line rather than a crash.
func TestServiceSurvivesClientFailures(t *testing.T) {
	Require(t)
	for _, b := range []string{"nettcp", "basichttp"} {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			port := FreePort(t)
			url := URL(b, port)
			Serve(t, b, url)
			addr := fmt.Sprintf("127.0.0.1:%d", port)
			via := []byte(url)
			preamble := append([]byte{0x00, 0x01, 0x00, 0x01, 0x02, 0x02, byte(len(via))}, via...)
			preamble = append(preamble, 0x03, 0x08, 0x0c)
			// Each of these used to wedge Mono's own net.tcp listener for good (see
			// interop/peer/Robust.cs); the last one also left a thread spinning.
			trunc := append(append([]byte{}, preamble...), 0x06, 0x50, 0x00, 'a', 'b', 'c')
			abuse := []struct {
				data  []byte
				reset bool // close with RST instead of FIN
				wait  time.Duration
			}{
				{[]byte("garbage!!"), false, 100 * time.Millisecond},
				{[]byte("garbage!!"), true, 100 * time.Millisecond},
				{nil, false, 100 * time.Millisecond},
				{preamble[:5], true, 100 * time.Millisecond},
				{preamble, true, 100 * time.Millisecond},
				{trunc, true, 100 * time.Millisecond},
				{trunc, false, 0},
				{[]byte("POST /peer HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: text/xml\r\nContent-Length: 500\r\n\r\n<s:Envelope"), true, 100 * time.Millisecond},
			}
			for _, a := range abuse {
				c, err := net.DialTimeout("tcp", addr, 5*time.Second)
				if err != nil {
					t.Fatal(err)
				}
				c.SetDeadline(time.Now().Add(5 * time.Second))
				c.Write(a.data)
				time.Sleep(a.wait)
				if a.reset {
					c.(*net.TCPConn).SetLinger(0)
				}
				c.Close()
			}
			out, err := Call(t, "call", b, url, "Echo=again", "Add=1,2", "Fail=bang", "Echo")
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if !strings.Contains(out, "PASS Fail FaultException code=") || !strings.Contains(out, "reason=bang") {
				t.Errorf("fault details:\n%s", out)
			}
			if b != "nettcp" {
				return
			}
			dead := URL(b, FreePort(t))
			if out, err := Call(t, "call", b, dead, "Echo"); err == nil || !strings.Contains(out, "FAIL Echo") {
				t.Errorf("call to a dead address: err=%v\n%s", err, out)
			}
		})
	}
}

func TestResults(t *testing.T) {
	out := "PASS Echo hello wws\r\nnoise\nFAIL Add 41\nPASS Notify note-1\n2 passed, 1 failed\n"
	rs := Results(out)
	want := []Result{{true, "Echo", "hello wws"}, {false, "Add", "41"}, {true, "Notify", "note-1"}}
	if len(rs) != len(want) {
		t.Fatalf("Results = %+v", rs)
	}
	for i := range want {
		if rs[i] != want[i] {
			t.Errorf("Results[%d] = %+v, want %+v", i, rs[i], want[i])
		}
	}
	if err := Check(out); err == nil || !strings.Contains(err.Error(), "Add 41") {
		t.Errorf("Check = %v", err)
	}
	if err := Check("PASS Echo x\n"); err != nil {
		t.Errorf("Check(pass) = %v", err)
	}
	if err := Check(""); err != ErrNoResults {
		t.Errorf("Check(empty) = %v", err)
	}
}

func TestURL(t *testing.T) {
	if got := URL("nettcp-text12", 5); got != "net.tcp://127.0.0.1:5/peer" {
		t.Errorf("URL = %q", got)
	}
	if got := URL("wshttp", 6); got != "http://127.0.0.1:6/peer" {
		t.Errorf("URL = %q", got)
	}
	if p := FreePort(t); p <= 0 || p > 65535 {
		t.Errorf("FreePort = %d", p)
	}
}
