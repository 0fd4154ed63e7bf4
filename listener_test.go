package wws

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestListenerOpenChecksEncoding: Listener.Open refuses the accepted
// channels' encodings as Channel.Open refuses a client's — E_NOTIMPL for
// encodings not built, E_INVALIDARG for combinations WWSAPI refuses —
// before it leaves Created, so that the properties can be corrected.
func TestListenerOpenChecksEncoding(t *testing.T) {
	ctx := testCtx(t)
	cases := []struct {
		name  string
		b     ChannelBinding
		t     ChannelType
		props []ChannelProperty
		want  HRESULT
	}{
		{"net.tcp MTOM", BindingTCP, ChannelTypeDuplexSession,
			[]ChannelProperty{{ChannelPropertyEncoding, EncodingMTOMUTF8}}, E_NOTIMPL},
		{"net.tcp binary SOAP 1.1", BindingTCP, ChannelTypeDuplexSession,
			[]ChannelProperty{{ChannelPropertyEnvelopeVersion, EnvelopeSOAP11}}, E_INVALIDARG},
		{"net.pipe MTOM", BindingNamedPipe, ChannelTypeDuplexSession,
			[]ChannelProperty{{ChannelPropertyEncoding, EncodingMTOMUTF16LE}}, E_NOTIMPL},
		{"HTTP raw", BindingHTTP, ChannelTypeReply,
			[]ChannelProperty{{ChannelPropertyEncoding, EncodingRaw}}, E_NOTIMPL},
		{"HTTP binary SOAP 1.1", BindingHTTP, ChannelTypeReply,
			[]ChannelProperty{{ChannelPropertyEncoding, EncodingBinary}, {ChannelPropertyEnvelopeVersion, EnvelopeSOAP11}}, E_INVALIDARG},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// The client side refuses the same properties.
			ct := tc.t
			if ct == ChannelTypeReply {
				ct = ChannelTypeRequest
			}
			c, err := NewChannel(ct, tc.b, tc.props...)
			if err != nil {
				t.Fatal(err)
			}
			mustCode(t, c.Open(ctx, tc.b.scheme()+"://localhost:1/x"), tc.want)
			l, err := NewListener(tc.t, tc.b)
			if err != nil {
				t.Fatal(err)
			}
			if err := l.SetChannelProperties(tc.props...); err != nil {
				t.Fatal(err)
			}
			var url string
			switch tc.b {
			case BindingTCP:
				url = sessionBindings[0].url(t, "enc")
			case BindingNamedPipe:
				url = sessionBindings[1].url(t, "enc")
			case BindingHTTP:
				url = "http://127.0.0.1:0/enc"
			}
			mustCode(t, l.Open(ctx, url), tc.want)
			if st := l.State(); st != ListenerStateCreated {
				t.Fatalf("after a refused open the listener is %v, want Created", st)
			}
			if tc.b == BindingHTTP {
				mustCode(t, l.OpenHandler(ctx), tc.want)
			}
			// Corrected, the same listener opens.
			if err := l.SetChannelProperties(); err != nil {
				t.Fatal(err)
			}
			if err := l.Open(ctx, url); err != nil {
				t.Fatal(err)
			}
			if err := l.Close(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestListenerCloseNilContext: Close(nil) is E_INVALIDARG, like every other
// method given a nil context, in any state; the listener is not closed by it.
func TestListenerCloseNilContext(t *testing.T) {
	forEachSession(t, func(t *testing.T, sb sessionBinding) {
		l, err := sb.newListener()
		if err != nil {
			t.Fatal(err)
		}
		//lint:ignore SA1012 the nil context is the point
		mustCode(t, l.Close(nil), E_INVALIDARG)
		if err := l.Open(testCtx(t), sb.url(t, "nilctx")); err != nil {
			t.Fatal(err)
		}
		//lint:ignore SA1012 the nil context is the point
		mustCode(t, l.Close(nil), E_INVALIDARG)
		if st := l.State(); st != ListenerStateOpen {
			t.Fatalf("state %v after Close(nil), want Open", st)
		}
		if err := l.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		if st := l.State(); st != ListenerStateClosed {
			t.Fatalf("state %v, want Closed", st)
		}
	})
	var l *Listener
	mustCode(t, l.Close(context.Background()), E_INVALIDARG)
}

// pendingHTTPRequest opens an HTTP reply listener whose close timeout is
// long, and leaves one request accepted and unanswered on it, so that
// Listener.Close has something to wait for. The request's client channel
// and the accepted channel are aborted on cleanup.
func pendingHTTPRequest(t *testing.T) *Listener {
	t.Helper()
	ctx := testCtx(t)
	l, err := NewListener(ChannelTypeReply, BindingHTTP, ListenerProperty{ListenerPropertyCloseTimeout, 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("http://127.0.0.1:%d/pending", freePort(t))
	if err := l.Open(ctx, url); err != nil {
		t.Fatal(err)
	}
	c, err := Dial(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	requested := make(chan struct{})
	go func() {
		defer close(requested)
		req := c.NewMessage()
		req.SetAction("urn:pending")
		req.SetBodyXML([]byte(`<P xmlns="urn:t"/>`))
		c.Request(ctx, req) // ends when the listener is aborted or the test cleans up
	}()
	ch, err := l.AcceptChannel(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ch.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ch.Abort()
		ch.Close(context.Background())
		c.Abort()
		<-requested
		c.Close(context.Background())
		l.Abort()
		l.Close(context.Background())
	})
	return l
}

// TestListenerCloseBoundedByContext: Close waits for the transport (an
// HTTP listener lets the request it accepted be answered, up to its close
// timeout), but no longer than ctx: then it aborts the transport and
// returns WS_E_OPERATION_TIMED_OUT, and the listener is Closed.
func TestListenerCloseBoundedByContext(t *testing.T) {
	noLeaks(t)
	l := pendingHTTPRequest(t)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	mustCode(t, l.Close(ctx), WS_E_OPERATION_TIMED_OUT)
	if d := time.Since(start); d < 150*time.Millisecond || d > 3*time.Second {
		t.Fatalf("Close returned after %v, want about the context's 200ms", d)
	}
	if st := l.State(); st != ListenerStateClosed {
		t.Fatalf("state %v, want Closed", st)
	}
}

// TestListenerAbortDuringClose: an Abort while Close waits ends the wait;
// Close returns WS_E_OPERATION_ABORTED and the listener is Closed.
func TestListenerAbortDuringClose(t *testing.T) {
	noLeaks(t)
	l := pendingHTTPRequest(t)
	closed := make(chan error, 1)
	go func() { closed <- l.Close(context.Background()) }()
	deadline := time.Now().Add(5 * time.Second)
	for l.State() != ListenerStateClosing && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if st := l.State(); st != ListenerStateClosing {
		t.Fatalf("state %v while Close waits, want Closing", st)
	}
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) with a request still accepted", err)
	case <-time.After(100 * time.Millisecond):
	}
	start := time.Now()
	if err := l.Abort(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-closed:
		mustCode(t, err, WS_E_OPERATION_ABORTED)
	case <-time.After(3 * time.Second):
		t.Fatal("Close still waiting 3s after Abort")
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close took %v to return after Abort", d)
	}
	if st := l.State(); st != ListenerStateClosed {
		t.Fatalf("state %v, want Closed", st)
	}
}
