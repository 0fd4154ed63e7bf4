package examples_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestAddClientService runs the README's client and service together: the
// Add reply printed, a service stopped by an interrupt exits 0, and a client
// with nothing to call exits 1 with WS_E_ENDPOINT_NOT_FOUND.
func TestAddClientService(t *testing.T) {
	url := fmt.Sprintf("net.tcp://127.0.0.1:%d/", freePort(t))
	svc := startProgram(t, "add-service", nil, url)
	for range 2 { // two sessions, one after the other
		out, err := run(t, 30*time.Second, "add-client", url)
		if err != nil {
			t.Fatalf("add-client: %v\n%s\nservice stderr:\n%s", err, out, svc.log)
		}
		if out != `<AddResponse xmlns="http://Microsoft.ServiceModel.Samples"><AddResult>115.99</AddResult></AddResponse>`+"\n" {
			t.Errorf("add-client printed %q", out)
		}
	}
	svc.stop(t)

	out, err := run(t, 30*time.Second, "add-client", fmt.Sprintf("net.tcp://127.0.0.1:%d/", freePort(t)))
	if err == nil || !strings.Contains(out, "WS_E_ENDPOINT_NOT_FOUND (0x803D000D)") {
		t.Errorf("add-client with nothing listening: %v\n%s", err, out)
	}
}
