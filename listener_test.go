package wws

import (
	"context"
	"testing"
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
