// Package interop tests wws against a real WCF: Mono's, driven through the
// project's own peer programs (interop/peer, built and run by
// interop/monopeer). The tests skip when Mono is not installed, and fail
// instead under WWS_REQUIRE_PEERS=1.
package interop

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wwsgo/wws"
	"github.com/wwsgo/wws/internal/demo"
	"github.com/wwsgo/wws/interop/monopeer"
	"github.com/wwsgo/wws/interop/peersvc"
	"github.com/wwsgo/wws/xmlnode"
	"github.com/wwsgo/wws/xmltext"
)

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// composite is the Mirror parameter as WCF's DataContractSerializer writes
// it: every type the issue lists.
const composite = `<value xmlns:i="http://www.w3.org/2001/XMLSchema-instance">` +
	`<Text>héllo &lt;wws&gt; &amp; été 日本語</Text><Int32>-123456</Int32><Int64>1234567890123</Int64>` +
	`<Double>3.5</Double><Flag>true</Flag><When>2024-01-02T03:04:05Z</When>` +
	`<Id>0f8fad5b-d9cb-469f-a165-70867728950e</Id><Blob>AAEC/v8=</Blob><Span>PT1M30S</Span><Money>12.34</Money>` +
	`<Tags xmlns:b="http://schemas.microsoft.com/2003/10/Serialization/Arrays"><b:string>a</b:string><b:string>b</b:string></Tags></value>`

// call sends one request of the peer contract and returns the reply body.
func call(t *testing.T, ctx context.Context, ch *wws.Channel, op, params string) (string, error) {
	t.Helper()
	req := ch.NewMessage()
	req.SetAction(peersvc.Action(op))
	if err := req.SetBodyXML([]byte(fmt.Sprintf(`<%s xmlns="%s">%s</%s>`, op, peersvc.Namespace, params, op))); err != nil {
		t.Fatal(err)
	}
	reply, err := ch.Request(ctx, req)
	if err != nil {
		return "", err
	}
	if want := peersvc.Action(op) + "Response"; reply.AddressingVersion() != wws.AddressingTransport && reply.Action() != want {
		t.Errorf("%s: reply action %q, want %q", op, reply.Action(), want)
	}
	body, err := reply.BodyXML()
	return string(body), err
}

func infoset(t *testing.T, xml string) string {
	t.Helper()
	s, err := xmlnode.Infoset(xmltext.NewReader([]byte(xml), xmltext.ReaderOptions{Fragment: true}))
	if err != nil {
		t.Fatalf("%v\n%s", err, xml)
	}
	return s
}

// clientSuite runs every operation of the peer contract from a wws client
// on one session, as Mono's own client does.
func clientSuite(t *testing.T, ctx context.Context, ch *wws.Channel) {
	result := func(op, body string) string {
		r := xmltext.NewReader([]byte(body), xmltext.ReaderOptions{Fragment: true})
		var text []byte
		depth := 0
		for {
			n, err := r.Next()
			if err != nil {
				break
			}
			switch n.Kind {
			case xmlnode.KindStartElement:
				depth++
			case xmlnode.KindEndElement:
				depth--
			case xmlnode.KindText:
				if depth == 2 {
					text = n.Value.AppendText(text)
				}
			}
		}
		return string(text)
	}
	for _, text := range []string{"hello wws", "日本語 é 😀 &lt;&amp;&gt;"} {
		body, err := call(t, ctx, ch, "Echo", "<text>"+text+"</text>")
		if err != nil {
			t.Fatalf("Echo: %v", err)
		}
		want := strings.NewReplacer("&lt;", "<", "&amp;", "&", "&gt;", ">").Replace(text)
		if got := result("Echo", body); got != want {
			t.Errorf("Echo(%q) = %q", want, got)
		}
	}
	body, err := call(t, ctx, ch, "Add", "<a>40</a><b>2</b>")
	if err != nil || result("Add", body) != "42" {
		t.Errorf("Add(40, 2) = %s, %v", body, err)
	}
	body, err = call(t, ctx, ch, "Mirror", composite)
	if err != nil {
		t.Fatalf("Mirror: %v", err)
	}
	want := strings.Replace(strings.Replace(composite, "<value ", "<MirrorResult ", 1), "</value>", "</MirrorResult>", 1)
	want = `<MirrorResponse xmlns="` + peersvc.Namespace + `">` + want + `</MirrorResponse>`
	want = strings.ReplaceAll(want, "<Text>", `<Text>`) // same namespace as the response wrapper
	if g, w := infoset(t, body), infoset(t, qualify(want)); g != w {
		t.Errorf("Mirror returned\n%s\nwant\n%s", g, w)
	}
	data := make([]byte, 300)
	for i := range data {
		data[i] = byte(i)
	}
	body, err = call(t, ctx, ch, "Reverse", "<data>"+string(xmlnode.Bytes(data).AppendText(nil))+"</data>")
	if err != nil {
		t.Fatalf("Reverse: %v", err)
	}
	got, _ := xmlnode.Chars([]byte(result("Reverse", body))).Base64()
	if len(got) != 300 || got[0] != byte(299%256) || got[299] != 0 {
		t.Errorf("Reverse returned %d bytes", len(got))
	}
	token := fmt.Sprintf("note-%d", time.Now().UnixNano())
	notify := ch.NewMessage()
	notify.SetAction(peersvc.Action("Notify"))
	notify.SetBodyXML([]byte(`<Notify xmlns="` + peersvc.Namespace + `"><text>` + token + `</text></Notify>`))
	if err := ch.Send(ctx, notify); err != nil {
		t.Fatalf("Notify (one-way): %v", err)
	}
	body, err = call(t, ctx, ch, "LastNotification", "")
	if err != nil || result("LastNotification", body) != token {
		t.Errorf("LastNotification = %s, %v; want %s", body, err, token)
	}
	_, err = call(t, ctx, ch, "Fail", "<reason>boom</reason>")
	var e *wws.Error
	if wws.HResult(err) != wws.WS_E_ENDPOINT_FAULT_RECEIVED || !errors.As(err, &e) || e.Fault == nil {
		t.Fatalf("Fail: %v, want WS_E_ENDPOINT_FAULT_RECEIVED with the fault", err)
	}
	if e.Fault.ReasonText() != "boom" || e.Fault.Code.Local != "Sender" || len(e.Fault.Subcodes) == 0 || e.Fault.Subcodes[0].Local != "PeerFault" {
		t.Errorf("fault %+v", e.Fault)
	}
	// The session is still usable after a fault.
	if body, err := call(t, ctx, ch, "Add", "<a>1</a><b>2</b>"); err != nil || result("Add", body) != "3" {
		t.Errorf("Add after the fault = %s, %v", body, err)
	}
}

// qualify puts the data contract's members in the peer namespace (they
// inherit the wrapper's default namespace in WCF's output).
func qualify(s string) string { return s }

// The (a) cases: a wws client calling Mono's WCF service.
func TestClientToMonoNetTCP(t *testing.T) {
	for _, tc := range []struct {
		binding string
		props   []wws.ChannelProperty
	}{
		{"nettcp", nil},
		{"nettcp-text12", []wws.ChannelProperty{{ID: wws.ChannelPropertyEncoding, Value: wws.EncodingUTF8}}},
	} {
		t.Run(tc.binding, func(t *testing.T) {
			monopeer.Require(t)
			ctx := ctxFor(t, 3*time.Minute)
			url := monopeer.URL(tc.binding, monopeer.FreePort(t))
			svc := monopeer.Serve(t, tc.binding, url)
			ch, err := wws.Dial(ctx, url, tc.props...)
			if err != nil {
				t.Fatal(err)
			}
			clientSuite(t, ctx, ch)
			// Ending the session: our End, then the service closes its side
			// (Mono closes the socket instead of sending End).
			if err := ch.ShutdownSession(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := ch.Receive(ctx); wws.HResult(err) != wws.WS_S_END {
				t.Errorf("receive after shutdown: %v, want WS_S_END once the service closed the session", err)
			}
			cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			if err := ch.Close(cctx); err != nil {
				t.Errorf("close: %v", err)
			}
			for _, op := range []string{"CALL Echo", "CALL Add", "CALL Mirror", "CALL Reverse len=300", "CALL Notify", "CALL LastNotification", "CALL Fail reason=boom"} {
				if !strings.Contains(svc.Log(), op) {
					t.Errorf("service log lacks %q", op)
				}
			}
		})
	}
}

// serveWWS serves the peer contract on url with the channel API.
func serveWWS(t *testing.T, url string, props ...wws.ChannelProperty) *peersvc.Service {
	ctx, cancel := context.WithCancel(context.Background())
	typ, binding := wws.ChannelTypeDuplexSession, wws.BindingTCP
	if strings.HasPrefix(url, "http") {
		typ, binding = wws.ChannelTypeReply, wws.BindingHTTP
	}
	l, err := wws.NewListener(typ, binding)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.SetChannelProperties(props...); err != nil {
		t.Fatal(err)
	}
	if err := l.Open(ctx, url); err != nil {
		t.Fatal(err)
	}
	svc := &peersvc.Service{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		demo.Serve(ctx, l, url, svc.Handle, nil)
	}()
	t.Cleanup(func() {
		cancel()
		l.Close(context.Background())
		<-done
	})
	return svc
}

// The (b) and (c) cases: Mono's WCF client calling a wws listener serving
// the same contract with the channel API, binary and text SOAP 1.2.
func TestMonoClientToWWSNetTCP(t *testing.T) {
	for _, tc := range []struct {
		binding string
		props   []wws.ChannelProperty
	}{
		{"nettcp", nil},
		{"nettcp-text12", []wws.ChannelProperty{{ID: wws.ChannelPropertyEncoding, Value: wws.EncodingUTF8}}},
	} {
		t.Run(tc.binding, func(t *testing.T) {
			monopeer.Require(t)
			url := monopeer.URL(tc.binding, monopeer.FreePort(t))
			svc := serveWWS(t, url, tc.props...)
			out, err := monopeer.Call(t, "call", tc.binding, url)
			if err != nil {
				t.Fatal(err)
			}
			if err := monopeer.Check(out); err != nil {
				t.Fatal(err)
			}
			if n := len(monopeer.Results(out)); n < 8 {
				t.Errorf("only %d calls ran", n)
			}
			t.Logf("served: %s", svc)
		})
	}
}

// The (d) case: Mono's client for the WCF getting-started Calculator calling
// `wws serve` unchanged.
func TestMonoCalculatorToWWSServe(t *testing.T) {
	monopeer.Require(t)
	ctx := ctxFor(t, 3*time.Minute)
	exe := filepath.Join(t.TempDir(), "wws")
	build := exec.CommandContext(ctx, "go", "build", "-o", exe, "../cmd/wws")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	url := monopeer.URL("nettcp", monopeer.FreePort(t))
	url = strings.TrimSuffix(url, "peer")
	serve := exec.CommandContext(ctx, exe, "serve", url)
	stdout, _ := serve.StdoutPipe()
	var stderr strings.Builder
	serve.Stderr = &stderr
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		serve.Process.Signal(os.Interrupt)
		serve.Wait()
		t.Logf("wws serve log:\n%s", stderr.String())
	}()
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() || sc.Text() != "listening "+url {
		t.Fatalf("wws serve printed %q, want %q", sc.Text(), "listening "+url)
	}
	go func() {
		for sc.Scan() {
		}
	}()
	out, err := monopeer.Call(t, "calc", "nettcp", url)
	if err != nil {
		t.Fatal(err)
	}
	if err := monopeer.Check(out); err != nil {
		t.Fatal(err)
	}
	if n := len(monopeer.Results(out)); n != 4 {
		t.Errorf("%d calculator calls, want 4", n)
	}
}
