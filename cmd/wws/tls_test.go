package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/wwsgo/wws/internal/testpki"
)

// serveWire parses serve's flags as cmdServe does.
func serveWire(t *testing.T, args ...string) *wireFlags {
	t.Helper()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	wf := addWireFlags(fs)
	tf := addTLSFlags(fs, true)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	sec, err := tf.load()
	if err != nil {
		t.Fatal(err)
	}
	wf.sec = sec
	return wf
}

const addBody = `<Add xmlns="http://Microsoft.ServiceModel.Samples"><n1>100</n1><n2>15.99</n2></Add>`
const addAction = "http://Microsoft.ServiceModel.Samples/ICalculator/Add"

// TestTLSFlags: wws serve --cert/--key serves net.tcp and https with TLS;
// wws call and bench reach it with --ca, and fail with the certificate's
// error and a hint without; with serve --ca, clients must present a
// certificate (call --cert/--key).
func TestTLSFlags(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	ca := testpki.NewCA(t, "wws test CA")
	clientsCA := testpki.NewCA(t, "wws clients CA")
	serverCert, serverKey := testpki.WriteFiles(t, dir, "server", ca.Server(t))
	clientCert, clientKey := testpki.WriteFiles(t, dir, "client", clientsCA.Client(t, "alice"))
	caFile := ca.WriteCA(t, dir, "ca")
	clientsCAFile := clientsCA.WriteCA(t, dir, "clients-ca")

	tcpURL := fmt.Sprintf("net.tcp://127.0.0.1:%d/", freePortT(t))
	httpsURL := fmt.Sprintf("https://127.0.0.1:%d/", freePortT(t))
	srv, err := startServices(ctx, []string{tcpURL, httpsURL}, serveWire(t, "--cert", serverCert, "--key", serverKey), io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{tcpURL, httpsURL} {
		out, errs, code := runCmd(t, nil, "call", u, "--ca", caFile, "--action", addAction, "--body", addBody)
		if code != 0 || !strings.Contains(out, "<AddResult>115.99</AddResult>") {
			t.Fatalf("call %s --ca: exit %d\n%s%s", u, code, out, errs)
		}
		_, errs, code = runCmd(t, nil, "call", u, "--tls", "--action", addAction, "--body", addBody, "--timeout", "5s")
		if code != 2 || !strings.Contains(errs, "CERT_E_UNTRUSTEDROOT") || !strings.Contains(errs, "hint: ") {
			t.Fatalf("call %s with the system's roots: exit %d\n%s", u, code, errs)
		}
	}
	_, errs, code := runCmd(t, nil, "call", tcpURL, "--action", addAction, "--body", addBody, "--timeout", "5s")
	if code != 2 || !strings.Contains(errs, "UpgradeInvalid") || !strings.Contains(errs, "--tls") {
		t.Fatalf("plaintext call to a TLS service: exit %d\n%s", code, errs)
	}
	out, errs, code := runCmd(t, nil, "bench", tcpURL, "--ca", caFile, "--duration", "300ms", "--json")
	if code != 0 || !strings.Contains(out, `"calls"`) {
		t.Fatalf("bench --ca: exit %d\n%s%s", code, out, errs)
	}
	srv.stop()

	// Client certificates required.
	tcpURL = fmt.Sprintf("net.tcp://127.0.0.1:%d/", freePortT(t))
	httpsURL = fmt.Sprintf("https://127.0.0.1:%d/", freePortT(t))
	srv, err = startServices(ctx, []string{tcpURL, httpsURL}, serveWire(t, "--cert", serverCert, "--key", serverKey, "--ca", clientsCAFile), io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.stop()
	for _, u := range []string{tcpURL, httpsURL} {
		out, errs, code := runCmd(t, nil, "call", u, "--ca", caFile, "--cert", clientCert, "--key", clientKey, "--action", addAction, "--body", addBody)
		if code != 0 || !strings.Contains(out, "<AddResult>115.99</AddResult>") {
			t.Fatalf("call %s with a client certificate: exit %d\n%s%s", u, code, out, errs)
		}
		_, errs, code = runCmd(t, nil, "call", u, "--ca", caFile, "--action", addAction, "--body", addBody, "--timeout", "5s")
		if code != 2 || !strings.Contains(errs, "WS_E_SECURITY_VERIFICATION_FAILURE") {
			t.Fatalf("call %s without a client certificate: exit %d\n%s", u, code, errs)
		}
	}
	out, errs, code = runCmd(t, nil, "bench", tcpURL, "--ca", caFile, "--cert", clientCert, "--key", clientKey, "--duration", "300ms", "--json")
	if code != 0 || !strings.Contains(out, `"calls"`) {
		t.Fatalf("bench with a client certificate: exit %d\n%s%s", code, out, errs)
	}
}

// TestTLSFlagErrors: flags that cannot work are refused before anything is
// dialled, saying why; -h documents the flags with an example.
func TestTLSFlagErrors(t *testing.T) {
	dir := t.TempDir()
	ca := testpki.NewCA(t, "wws test CA")
	cert, key := testpki.WriteFiles(t, dir, "server", ca.Server(t))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"call", "net.tcp://127.0.0.1:1/", "--action", "a", "--body", "<a/>", "--cert", cert}, "--cert and --key go together"},
		{[]string{"call", "http://127.0.0.1:1/", "--action", "a", "--body", "<a/>", "--tls"}, "apply to net.tcp and https URLs"},
		{[]string{"call", "net.tcp://127.0.0.1:1/", "--action", "a", "--body", "<a/>", "--ca", key}, "no PEM certificate"},
		{[]string{"call", "net.tcp://127.0.0.1:1/", "--action", "a", "--body", "<a/>", "--cert", key, "--key", cert}, "--cert " + key},
		{[]string{"bench", "net.tcp://127.0.0.1:1/", "--ca", dir + "/missing.pem"}, "--ca: "},
		{[]string{"serve", "--ca", cert, "net.tcp://127.0.0.1:1/"}, "--ca needs --cert and --key"},
	} {
		_, errs, code := runCmd(t, nil, tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, code, errs, tc.want)
		}
	}
	for _, cmd := range []string{"serve", "call", "bench"} {
		_, errs, _ := runCmd(t, nil, cmd, "-h")
		for _, want := range []string{"--cert FILE", "--ca FILE", "application/ssl-tls", "--ca "} {
			if !strings.Contains(errs, want) {
				t.Errorf("wws %s -h lacks %q", cmd, want)
			}
		}
	}
}
