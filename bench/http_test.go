package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"

	"github.com/wwsgo/wws"
)

// echoHandler is the one server both HTTP clients call: a SOAP 1.1
// endpoint answering each request with its own envelope.
func echoHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		w.Write(b)
	})
}

// The gowsdl-style client: what github.com/hooklift/gowsdl's soap package
// does (the module proxy here does not serve it), encoding/xml and net/http.
type soapEnvelope struct {
	XMLName xml.Name `xml:"http://schemas.xmlsoap.org/soap/envelope/ Envelope"`
	Body    soapBody
}

type soapBody struct {
	XMLName xml.Name `xml:"http://schemas.xmlsoap.org/soap/envelope/ Body"`
	Content any      `xml:",omitempty"`
}

type echoRequest struct {
	XMLName xml.Name `xml:"urn:bench Echo"`
	Text    string   `xml:"text"`
}

type echoResponseEnvelope struct {
	XMLName xml.Name `xml:"http://schemas.xmlsoap.org/soap/envelope/ Envelope"`
	Body    struct {
		Echo echoRequest
	} `xml:"Body"`
}

func gowsdlCall(ctx context.Context, client *http.Client, url string) error {
	var buf bytes.Buffer
	enc := xml.NewEncoder(&buf)
	if err := enc.Encode(soapEnvelope{Body: soapBody{Content: echoRequest{Text: Text}}}); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, "POST", url, &buf)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "text/xml; charset=\"utf-8\"")
	req.Header.Set("SOAPAction", `"urn:bench:Echo"`)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var out echoResponseEnvelope
	if err := xml.NewDecoder(resp.Body).Decode(&out); err != nil {
		return err
	}
	if len(out.Body.Echo.Text) != len(Text) {
		return fmt.Errorf("echo of %d bytes", len(out.Body.Echo.Text))
	}
	return nil
}

// rawHTTPClient is the floor of F9: the request a gowsdl-style client
// sends, encoded once, written as it is on one kept-alive connection, and
// the response read with no more parsing than HTTP/1.1 needs (status line,
// Content-Length, body). No client can spend less per call against the same
// server.
type rawHTTPClient struct {
	conn net.Conn
	br   *bufio.Reader
	req  []byte
	body []byte
	want int
}

func newRawHTTPClient(rawURL string) (*rawHTTPClient, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	var env bytes.Buffer
	if err := xml.NewEncoder(&env).Encode(soapEnvelope{Body: soapBody{Content: echoRequest{Text: Text}}}); err != nil {
		return nil, err
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		return nil, err
	}
	req := fmt.Appendf(nil, "POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: text/xml; charset=\"utf-8\"\r\n"+
		"SOAPAction: \"urn:bench:Echo\"\r\nContent-Length: %d\r\n\r\n", u.Host, env.Len())
	return &rawHTTPClient{conn: conn, br: bufio.NewReader(conn), req: append(req, env.Bytes()...), want: env.Len()}, nil
}

func (c *rawHTTPClient) call() error {
	if _, err := c.conn.Write(c.req); err != nil {
		return err
	}
	status, err := c.br.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(status, []byte("HTTP/1.1 200 ")) {
		return fmt.Errorf("status line %q", status)
	}
	n := -1
	for {
		line, err := c.br.ReadSlice('\n')
		if err != nil {
			return err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(k, []byte("Content-Length")) {
			if n, err = strconv.Atoi(string(bytes.TrimSpace(v))); err != nil {
				return fmt.Errorf("Content-Length %q", v)
			}
		}
	}
	if n != c.want {
		return fmt.Errorf("response of %d bytes, want the %d sent", n, c.want)
	}
	if cap(c.body) < n {
		c.body = make([]byte, n)
	}
	_, err = io.ReadFull(c.br, c.body[:n])
	return err
}

// BenchmarkHTTPRequestReply is F9: SOAP 1.1 request/reply over HTTP, a wws
// request channel beside a gowsdl-style encoding/xml client, against the
// same net/http server, with rawHTTPClient (impl=rawhttp) as the floor.
func BenchmarkHTTPRequestReply(b *testing.B) {
	srv := httptest.NewServer(echoHandler())
	defer srv.Close()
	ctx := context.Background()
	b.Run("impl=wws", func(b *testing.B) {
		runCallers(b, 1, func() (func() error, func(), error) {
			ch, err := wws.Dial(ctx, srv.URL,
				wws.ChannelProperty{ID: wws.ChannelPropertyEnvelopeVersion, Value: wws.EnvelopeSOAP11},
				wws.ChannelProperty{ID: wws.ChannelPropertyAddressingVersion, Value: wws.AddressingTransport})
			if err != nil {
				return nil, nil, err
			}
			return func() error { return WWSCall(ctx, ch) }, func() { ch.Close(ctx) }, nil
		})
	})
	b.Run("impl=gowsdl-style", func(b *testing.B) {
		client := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
		runCallers(b, 1, func() (func() error, func(), error) {
			return func() error { return gowsdlCall(ctx, client, srv.URL) }, func() { client.CloseIdleConnections() }, nil
		})
	})
	b.Run("impl=rawhttp", func(b *testing.B) {
		runCallers(b, 1, func() (func() error, func(), error) {
			c, err := newRawHTTPClient(srv.URL)
			if err != nil {
				return nil, nil, err
			}
			return c.call, func() { c.conn.Close() }, nil
		})
	})
}
