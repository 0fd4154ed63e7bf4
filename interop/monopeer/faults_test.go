package monopeer

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// badRequests are sent to the peer service; each must come back as a fault that names
// the request (RelatesTo) and the reason, and the service must keep serving.
var badRequests = []struct {
	action, body, want string
}{
	{"http://wws.test/peer/Echo/Nope", `<Nope xmlns="http://wws.test/peer"/>`, "a:ActionNotSupported"},
	{"http://wws.test/peer/Echo/Add", `<Add xmlns="http://wws.test/peer"><a>forty</a><b>2</b></Add>`, "a:DeserializationFailed"},
	{"http://wws.test/peer/Echo/Fail", `<Fail xmlns="http://wws.test/peer"><reason>bang</reason></Fail>`, "a:PeerFault"},
	{"http://wws.test/peer/Echo/Echo", `<Echo xmlns="http://wws.test/peer"><text>still here</text></Echo>`, "<EchoResult>still here</EchoResult>"},
}

func soap12(action, to, id, body string) string {
	return `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header>` +
		`<a:Action s:mustUnderstand="1">` + action + `</a:Action><a:MessageID>` + id + `</a:MessageID>` +
		`<a:ReplyTo><a:Address>http://www.w3.org/2005/08/addressing/anonymous</a:Address></a:ReplyTo>` +
		`<a:To s:mustUnderstand="1">` + to + `</a:To></s:Header><s:Body>` + body + `</s:Body></s:Envelope>`
}

func checkReply(t *testing.T, i int, reply, id, want string) {
	t.Helper()
	if !strings.Contains(reply, want) {
		t.Errorf("request %d: reply lacks %q:\n%s", i, want, reply)
	}
	if !strings.Contains(reply, "<a:RelatesTo>"+id+"</a:RelatesTo>") {
		t.Errorf("request %d: reply does not relate to %s:\n%s", i, id, reply)
	}
}

// TestServiceFaultsForBadRequests checks what the peer service answers to requests
// Mono's dispatcher rejects by itself (unknown action, unreadable body): real faults,
// over net.tcp too, where Mono alone would answer nothing at all.
func TestServiceFaultsForBadRequests(t *testing.T) {
	Require(t)
	Build(t)
	t.Run("nettcp-text12", func(t *testing.T) {
		t.Parallel()
		port := FreePort(t)
		url := URL("nettcp-text12", port)
		Serve(t, "nettcp-text12", url)
		conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(60 * time.Second))
		// [MC-NMF] preamble: version 1.0, duplex, via, SOAP 1.2 UTF-8 text, end.
		pre := append([]byte{0x00, 0x01, 0x00, 0x01, 0x02, 0x02}, binary.AppendUvarint(nil, uint64(len(url)))...)
		pre = append(append(pre, url...), 0x03, 0x03, 0x0c)
		if _, err := conn.Write(pre); err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(conn)
		if b, err := r.ReadByte(); err != nil || b != 0x0b {
			t.Fatalf("preamble ack: %x %v", b, err)
		}
		for i, q := range badRequests {
			id := fmt.Sprintf("urn:uuid:00000000-0000-4000-8000-%012d", i)
			env := soap12(q.action, url, id, q.body)
			rec := append([]byte{0x06}, binary.AppendUvarint(nil, uint64(len(env)))...)
			if _, err := conn.Write(append(rec, env...)); err != nil {
				t.Fatal(err)
			}
			if b, err := r.ReadByte(); err != nil || b != 0x06 {
				t.Fatalf("request %d: record %x %v", i, b, err)
			}
			n, err := binary.ReadUvarint(r)
			if err != nil {
				t.Fatal(err)
			}
			reply := make([]byte, n)
			if _, err := io.ReadFull(r, reply); err != nil {
				t.Fatal(err)
			}
			checkReply(t, i, string(reply), id, q.want)
		}
		conn.Write([]byte{0x07})
	})
	t.Run("http-soap12-wsa10", func(t *testing.T) {
		t.Parallel()
		url := URL("http-soap12-wsa10", FreePort(t))
		Serve(t, "http-soap12-wsa10", url)
		client := &http.Client{Timeout: 30 * time.Second}
		for i, q := range badRequests {
			id := fmt.Sprintf("urn:uuid:00000000-0000-4000-8000-%012d", i)
			resp, err := client.Post(url, "application/soap+xml; charset=utf-8", strings.NewReader(soap12(q.action, url, id, q.body)))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if want := strings.HasPrefix(q.want, "a:"); want != (resp.StatusCode == http.StatusInternalServerError) {
				t.Errorf("request %d: status %s", i, resp.Status)
			}
			checkReply(t, i, string(b), id, q.want)
		}
	})
}
