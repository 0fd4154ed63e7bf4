package interop

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wwsgo/wws/interop/monopeer"
)

// buildExample builds one program of examples/ into the test's directory.
func buildExample(ctx context.Context, t *testing.T, name string) string {
	t.Helper()
	exe := filepath.Join(t.TempDir(), name)
	build := exec.CommandContext(ctx, "go", "build", "-o", exe, "../examples/"+name)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return exe
}

// TestMonoCalculatorToAddService: Mono's WCF client for the getting-started
// Calculator (NetTcpBinding, SecurityMode.None) calls README's service,
// examples/add-service: Add is answered, Subtract (which it does not serve)
// comes back to WCF as a FaultException, on the same session.
func TestMonoCalculatorToAddService(t *testing.T) {
	monopeer.Require(t)
	monopeer.Build(t)
	ctx := ctxFor(t, 3*time.Minute)
	exe := buildExample(ctx, t, "add-service")
	url := strings.TrimSuffix(monopeer.URL("nettcp", monopeer.FreePort(t)), "peer")
	svc := exec.CommandContext(ctx, exe, url)
	stdout, _ := svc.StdoutPipe()
	var stderr strings.Builder
	svc.Stderr = &stderr
	if err := svc.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		svc.Process.Signal(os.Interrupt)
		if err := svc.Wait(); err != nil {
			t.Errorf("add-service after an interrupt: %v\n%s", err, stderr.String())
		}
	}()
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() || sc.Text() != "listening "+url {
		t.Fatalf("add-service printed %q, want %q\n%s", sc.Text(), "listening "+url, stderr.String())
	}
	go func() {
		for sc.Scan() {
		}
	}()
	out, err := monopeer.Call(t, "calc", "nettcp", url, "Add", "Add=1.5,2.25", "Subtract")
	if err == nil {
		t.Errorf("the client succeeded although Subtract is not served:\n%s", out)
	}
	rs := monopeer.Results(out)
	if len(rs) != 3 || !rs[0].Pass || rs[0].Detail != "Add(100,15.99)=115.99" || !rs[1].Pass || rs[1].Detail != "Add(1.5,2.25)=3.75" ||
		rs[2].Pass || rs[2].Op != "Subtract" || !strings.Contains(rs[2].Detail, "Fault") {
		t.Errorf("results %+v, want two Adds passed and Subtract failed with a fault:\n%s", rs, out)
	}
}

// TestAddClientToMonoCalculator: README's client, examples/add-client,
// calls Mono's WCF service hosting the Calculator with
// NetTcpBinding(SecurityMode.None).
func TestAddClientToMonoCalculator(t *testing.T) {
	monopeer.Require(t)
	monopeer.Build(t)
	ctx := ctxFor(t, 3*time.Minute)
	exe := buildExample(ctx, t, "add-client")
	url := monopeer.URL("nettcp", monopeer.FreePort(t))
	monopeer.Serve(t, "nettcp", url)
	cctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(cctx, exe, url).CombinedOutput()
	if err != nil {
		t.Fatalf("add-client: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "AddResult>115.99</") {
		t.Errorf("add-client printed %s", out)
	}
}
