package soaphttp

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/wwsgo/wws/transport"
)

// leakCheck verifies, after every cleanup registered later has run, that
// the test left no goroutines behind.
func leakCheck(t *testing.T) {
	t.Helper()
	t.Cleanup(func() { goleak.VerifyNone(t) })
}

// tctx is a context bounding one test.
func tctx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

const (
	ct11  = "text/xml; charset=utf-8"
	ct12  = "application/soap+xml; charset=utf-8"
	ctBin = "application/soap+msbin1"

	env11 = `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><Echo xmlns="urn:t"/></s:Body></s:Envelope>`
	env12 = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><Echo xmlns="urn:t"/></s:Body></s:Envelope>`
)

func config(soap int, ct string) *transport.Config {
	return &transport.Config{SOAPVersion: soap, ContentType: ct, MaxMessageSize: 65536, Extra: map[string]any{}}
}

// testClient is a plain net/http client whose idle connections are closed
// at the end of the test.
func testClient(t *testing.T) *http.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// connCounter counts the TCP connections a test server accepted.
type connCounter struct{ n atomic.Int32 }

func (c *connCounter) hook(_ net.Conn, s http.ConnState) {
	if s == http.StateNew {
		c.n.Add(1)
	}
}
