package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/wwsgo/wws"
	"github.com/wwsgo/wws/interop/monopeer"
	"github.com/wwsgo/wws/xmlnode"
)

// The F3 comparisons call the peer contract's Echo (interop/peer/Peer.cs):
// namespace http://wws.test/peer, action http://wws.test/peer/Echo/Echo.
const (
	peerNS              = "http://wws.test/peer"
	peerEchoAction      = peerNS + "/Echo/Echo"
	peerEchoReplyAction = peerEchoAction + "Response"
)

// peerBody is the request body Mono's WCF client sends for Echo(Text), the
// 84 characters that make the other comparisons' body 128 bytes.
var peerBody = []byte(`<Echo xmlns="` + peerNS + `"><text>` + Text + `</text></Echo>`)

// textBytes is Text, for the reply's check.
var textBytes = []byte(Text)

// BenchmarkMonoNetTCP is F3: net.tcp request/reply, one caller on one
// session, beside Mono's WCF NetTcpBinding (SecurityMode.None; binary
// encoding with the session dictionary), in one run on one machine:
//
//	client=mono/service=mono  Mono's client and service (the peer program)
//	client=wws/service=mono   a wws channel calling Mono's service
//	client=mono/service=wws   Mono's client calling a wws service
//	client=wws/service=wws    both wws, on the same contract and body
//
// Mono's client runs in its own process (`mono Peer.exe bench`), started
// once with its channel open and warmed up; each b.N round asks it for b.N
// calls and reports its own clock: ns/op is its total over b.N, p50-ns and
// p99-ns its per-call percentiles (the pipe to this process is not timed).
// The Mono service runs with PEER_QUIET=1, so it does not print a line per
// call. A net.tcp call with Mono at either end takes about 50 ms (a
// system-call trace shows Mono's client idle for 50 ms after its one write
// of each request, whoever the service is; a wws client waits as long for
// Mono's service), so its rows take about a second each at the default
// -benchtime. Without Mono the benchmark is skipped (a failure with
// WWS_REQUIRE_PEERS=1).
func BenchmarkMonoNetTCP(b *testing.B) {
	monopeer.Require(b)
	monopeer.Build(b)
	b.Setenv("PEER_QUIET", "1")
	monoURL := monopeer.URL("nettcp", monopeer.FreePort(b))
	monopeer.Serve(b, "nettcp", monoURL)
	wwsSvc, err := startPeerEcho()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(wwsSvc.Close) // after the Mono clients' cleanups
	// Both Mono clients start here, once: a sub-benchmark's cleanups run
	// after each of its b.N rounds.
	monoToMono := monopeer.StartBench(b, "nettcp", monoURL, Text)
	monoToWWS := monopeer.StartBench(b, "nettcp", wwsSvc.URL, Text)

	b.Run("client=mono/service=mono", func(b *testing.B) { benchMonoClient(b, monoToMono) })
	b.Run("client=wws/service=mono", func(b *testing.B) { benchWWSPeerClient(b, monoURL) })
	b.Run("client=mono/service=wws", func(b *testing.B) { benchMonoClient(b, monoToWWS) })
	b.Run("client=wws/service=wws", func(b *testing.B) { benchWWSPeerClient(b, wwsSvc.URL) })
}

// benchMonoClient has Mono's client make b.N calls and reports its figures.
func benchMonoClient(b *testing.B, c *monopeer.BenchClient) {
	// Generous: Mono takes about 50 ms per call here.
	timeout := time.Minute + time.Duration(b.N)*250*time.Millisecond
	r, err := c.Run(b.N, timeout)
	if err != nil {
		b.Fatalf("%v\n%s", err, c.Log())
	}
	b.ReportMetric(float64(r.Total.Nanoseconds())/float64(b.N), "ns/op")
	b.ReportMetric(float64(r.P50.Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(r.P99.Nanoseconds()), "p99-ns")
}

// benchWWSPeerClient makes Echo calls with a wws channel reusing its
// messages (a WWSCaller of the peer contract).
func benchWWSPeerClient(b *testing.B, url string) {
	ctx := context.Background()
	runCallers(b, 1, func() (func() error, func(), error) {
		ch, err := wws.Dial(ctx, url)
		if err != nil {
			return nil, nil, err
		}
		c := newCaller(ch, peerEchoAction, peerBody, func(reply []byte) error {
			if !bytes.Contains(reply, textBytes) {
				return fmt.Errorf("echo reply %q", reply)
			}
			return nil
		})
		return func() error { return c.Call(ctx) }, func() { ch.Close(ctx) }, nil
	})
}

// startPeerEcho starts a wws net.tcp service answering the peer contract's
// Echo, written as StartWWS's echo is: one goroutine per channel, messages
// and buffers reused, the body read with BodyReader and written with
// SetBody (<EchoResponse><EchoResult>text</EchoResult></EchoResponse>).
func startPeerEcho() (*WWSServer, error) { return startService("peer", servePeerEcho) }

func servePeerEcho(ctx context.Context, ch *wws.Channel) {
	req, reply := ch.NewMessage(), ch.NewMessage()
	var text []byte
	ns := []byte(peerNS)
	writeReply := func(w xmlnode.Writer) error {
		if err := w.WriteStartElement(nil, []byte("EchoResponse"), ns); err != nil {
			return err
		}
		if err := w.WriteStartElement(nil, []byte("EchoResult"), ns); err != nil {
			return err
		}
		if err := w.WriteText(xmlnode.Chars(text)); err != nil {
			return err
		}
		if err := w.WriteEndElement(); err != nil {
			return err
		}
		return w.WriteEndElement()
	}
	for {
		req.Reset()
		if ch.ReceiveInto(ctx, req) != nil {
			return
		}
		if req.Action() != peerEchoAction {
			if ch.SendFault(ctx, req, fmt.Errorf("bench: only %s is served, not %s", peerEchoAction, req.Action())) != nil {
				return
			}
			continue
		}
		r, err := req.BodyReader()
		if err != nil {
			return
		}
		text = text[:0]
		for {
			n, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return
			}
			if n.Depth == 2 && n.Kind == xmlnode.KindText {
				text = n.Value.AppendText(text)
			}
		}
		reply.Reset()
		reply.SetAction(peerEchoReplyAction)
		reply.SetBody(writeReply)
		if ch.Reply(ctx, req, reply) != nil {
			return
		}
	}
}
