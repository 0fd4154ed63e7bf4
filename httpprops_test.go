package wws

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/wwsgo/wws/transport"
	"github.com/wwsgo/wws/transport/mem"
)

// soap12Reply answers every POST with an empty SOAP 1.2 envelope.
func soap12Reply(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/soap+xml; charset=utf-8")
	io.WriteString(w, `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body/></s:Envelope>`)
}

// TestHTTPRedirect: a redirect fails a request unless EnableHTTPRedirect
// is set; then the request follows it.
func TestHTTPRedirect(t *testing.T) {
	ctx := testCtx(t)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		soap12Reply(w)
	}))
	defer target.Close()
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		http.Redirect(w, r, target.URL+"/", http.StatusTemporaryRedirect)
	}))
	defer redirect.Close()
	for _, follow := range []bool{false, true} {
		ch, err := NewChannel(ChannelTypeRequest, BindingHTTP, ChannelProperty{ChannelPropertyEnableHTTPRedirect, follow})
		if err != nil {
			t.Fatal(err)
		}
		if err := ch.Open(ctx, redirect.URL+"/"); err != nil {
			t.Fatal(err)
		}
		req := ch.NewMessage()
		req.SetAction("urn:a")
		_, err = ch.Request(ctx, req)
		if follow && err != nil {
			t.Errorf("with EnableHTTPRedirect: %v", err)
		}
		if !follow && err == nil {
			t.Errorf("without EnableHTTPRedirect the redirect was followed")
		}
		ch.Close(ctx)
	}
}

// TestHTTPCookieMode: with CookieAuto (the default) a cookie the server
// sets is sent back on the channel's next request; with CookieManual it
// is not.
func TestHTTPCookieMode(t *testing.T) {
	ctx := testCtx(t)
	got := make(chan string, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		c, _ := r.Cookie("session")
		if c != nil {
			got <- c.Value
		} else {
			got <- ""
		}
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "s1", Path: "/"})
		soap12Reply(w)
	}))
	defer srv.Close()
	for _, tc := range []struct {
		mode CookieMode
		want string
	}{{CookieAuto, "s1"}, {CookieManual, ""}} {
		ch, err := NewChannel(ChannelTypeRequest, BindingHTTP, ChannelProperty{ChannelPropertyCookieMode, tc.mode})
		if err != nil {
			t.Fatal(err)
		}
		if err := ch.Open(ctx, srv.URL+"/"); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ {
			req := ch.NewMessage()
			req.SetAction("urn:a")
			if _, err := ch.Request(ctx, req); err != nil {
				t.Fatal(err)
			}
		}
		if first, second := <-got, <-got; first != "" || second != tc.want {
			t.Errorf("cookie mode %d: cookies %q then %q, want \"\" then %q", tc.mode, first, second, tc.want)
		}
		ch.Close(ctx)
	}
}

// TestHTTPDisallowedUserAgent: a listener refuses browsers (a User-Agent
// containing "Mozilla") with 403 by default, and the list can be changed.
func TestHTTPDisallowedUserAgent(t *testing.T) {
	ctx := testCtx(t)
	post := func(url, ua string) int {
		req, _ := http.NewRequestWithContext(ctx, "POST", url, strings.NewReader(
			`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body/></s:Envelope>`))
		req.Header.Set("Content-Type", "application/soap+xml; charset=utf-8")
		req.Header.Set("User-Agent", ua)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		props []ListenerProperty
		ua    string
		want  int
	}{
		{nil, "Mozilla/5.0 (X11)", http.StatusForbidden},
		{[]ListenerProperty{{ListenerPropertyDisallowedUserAgent, []string{"curl"}}}, "curl/8.0", http.StatusForbidden},
		{[]ListenerProperty{{ListenerPropertyDisallowedUserAgent, []string{}}}, "Mozilla/5.0 (X11)", http.StatusOK},
	} {
		l, err := NewListener(ChannelTypeReply, BindingHTTP, tc.props...)
		if err != nil {
			t.Fatal(err)
		}
		url := "http://127.0.0.1:" + strconv.Itoa(freePort(t)) + "/ua/"
		if err := l.Open(ctx, url); err != nil {
			t.Fatal(err)
		}
		stop := httpEcho(t, l)
		if got := post(url, tc.ua); got != tc.want {
			t.Errorf("User-Agent %q with %v: status %d, want %d", tc.ua, tc.props, got, tc.want)
		}
		stop()
		l.Close(ctx)
	}
}

// TestTransferModeStreamedNotImplemented: streamed transfer is E_NOTIMPL.
func TestTransferModeStreamedNotImplemented(t *testing.T) {
	_, err := NewChannel(ChannelTypeRequest, BindingHTTP, ChannelProperty{ChannelPropertyTransferMode, TransferStreamed})
	mustCode(t, err, E_NOTIMPL)
	if _, err := NewChannel(ChannelTypeRequest, BindingHTTP, ChannelProperty{ChannelPropertyTransferMode, TransferBuffered}); err != nil {
		t.Fatal(err)
	}
}

// paramsNetwork records the custom parameters its Dial and Listen see.
type paramsNetwork struct {
	*mem.Network
	dialed, listened chan any
}

func (n paramsNetwork) Dial(ctx context.Context, url string, cfg *transport.Config) (transport.Conn, error) {
	n.dialed <- cfg.Extra[transport.ExtraCustomParameters]
	return n.Network.Dial(ctx, url, cfg)
}

func (n paramsNetwork) Listen(ctx context.Context, url string, cfg *transport.Config) (transport.Listener, error) {
	n.listened <- cfg.Extra[transport.ExtraCustomParameters]
	return n.Network.Listen(ctx, url, cfg)
}

// TestCustomParameters: CustomChannelParameters and
// CustomListenerParameters reach the custom transport.
func TestCustomParameters(t *testing.T) {
	ctx := testCtx(t)
	n := paramsNetwork{&mem.Network{}, make(chan any, 1), make(chan any, 1)}
	l, err := NewListener(ChannelTypeDuplexSession, BindingCustom,
		ListenerProperty{ListenerPropertyCustomListenerCallbacks, CustomTransport(n)},
		ListenerProperty{ListenerPropertyCustomListenerParameters, "listener-params"})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Open(ctx, "mem://params/"); err != nil {
		t.Fatal(err)
	}
	defer l.Close(ctx)
	if got := <-n.listened; got != "listener-params" {
		t.Errorf("Listen saw %v", got)
	}
	ch, err := NewChannel(ChannelTypeDuplexSession, BindingCustom,
		ChannelProperty{ChannelPropertyCustomChannelCallbacks, CustomTransport(n)},
		ChannelProperty{ChannelPropertyCustomChannelParameters, 42})
	if err != nil {
		t.Fatal(err)
	}
	go l.AcceptChannel(ctx)
	if err := ch.Open(ctx, "mem://params/"); err != nil {
		t.Fatal(err)
	}
	if got := <-n.dialed; got != 42 {
		t.Errorf("Dial saw %v", got)
	}
	ch.Abort()
}

// TestToHeaderMatchingNotImplemented: the To header is not checked, so a
// listener refuses a matching option other than the default.
func TestToHeaderMatchingNotImplemented(t *testing.T) {
	_, err := NewListener(ChannelTypeDuplexSession, BindingTCP,
		ListenerProperty{ListenerPropertyToHeaderMatchingOptions, MatchURLPrefixPath})
	mustCode(t, err, E_NOTIMPL)
	def := MatchURLThisHost | MatchURLExactPath | MatchURLPort | MatchURLNoQuery
	if _, err := NewListener(ChannelTypeDuplexSession, BindingTCP, ListenerProperty{ListenerPropertyToHeaderMatchingOptions, def}); err != nil {
		t.Fatal(err)
	}
}
