package wws

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/wwsgo/wws/nmf"
	"go.uber.org/goleak"
)

// rawSession dials url's port and sends a binary-session preamble for url,
// returning the connection once the PreambleAck arrived.
func rawSession(t *testing.T, url string) net.Conn {
	t.Helper()
	host := strings.TrimPrefix(url, "net.tcp://")
	host = host[:strings.Index(host, "/")]
	c, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	c.Write(nmf.AppendPreamble(nil, nmf.ModeDuplex, url, nmf.EncodingSOAP12BinarySession))
	ack := make([]byte, 1)
	if _, err := io.ReadFull(c, ack); err != nil || ack[0] != 0x0B {
		t.Fatalf("preamble ack: % X %v", ack, err)
	}
	c.SetDeadline(time.Time{})
	return c
}

// heapInUse returns the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// envelope wraps a binary body in a SOAP 1.2 envelope with no headers,
// after an empty StringTable.
func envelope(body []byte) []byte {
	b := []byte{0x00, 0x56, 0x02, 0x0B, 0x01, 's', 0x04, 0x56, 0x0E}
	b = append(b, body...)
	return append(b, 0x01, 0x01)
}

// TestHostileInput sends what a hostile peer sends to a listener and checks
// the code the service's receive gets, that memory stays bounded, and that
// a well-behaved session on the same listener is served meanwhile.
func TestHostileInput(t *testing.T) {
	deep := bytes.Repeat([]byte{0x40, 0x01, 'a'}, 10000)
	manyAttrs := []byte{0x40, 0x01, 'a'}
	for i := 0; i < 100000; i++ {
		manyAttrs = append(manyAttrs, 0x04, 0x03, byte('a'+i%26), byte('a'+i/26%26), byte('a'+i/676%26), 0x80)
	}
	flood := func() []byte { // a StringTable of 5,000 strings: far over the 2,048-byte quota
		var table []byte
		for i := 0; i < 5000; i++ {
			s := fmt.Sprintf("s%05d", i)
			table = append(table, byte(len(s)))
			table = append(table, s...)
		}
		b := nmf.AppendSize(nil, len(table))
		b = append(b, table...)
		return append(b, 0x56, 0x02, 0x01)
	}()
	for _, tc := range []struct {
		name  string
		bytes []byte
		want  HRESULT
	}{
		{"2 GB envelope size", []byte{0x06, 0xFF, 0xFF, 0xFF, 0xFF, 0x07}, WS_E_QUOTA_EXCEEDED},
		{"envelope over the message size", append(nmf.AppendSizedEnvelopeHeader(nil, 2<<20), make([]byte, 2<<20)...), WS_E_QUOTA_EXCEEDED},
		{"session dictionary flood", nmf.AppendSizedEnvelope(nil, flood), WS_E_QUOTA_EXCEEDED},
		{"10,000-deep nesting", nmf.AppendSizedEnvelope(nil, envelope(deep)), WS_E_QUOTA_EXCEEDED},
		{"100,000 attributes", nmf.AppendSizedEnvelope(nil, envelope(manyAttrs)), WS_E_QUOTA_EXCEEDED},
		{"garbage record", []byte{0xFF, 0xFF}, WS_E_INVALID_FORMAT},
		{"preamble again", nmf.AppendPreamble(nil, nmf.ModeDuplex, "net.tcp://x/", 8), WS_E_INVALID_FORMAT},
	} {
		t.Run(tc.name, func(t *testing.T) {
			leaks := goleak.IgnoreCurrent()
			t.Cleanup(func() { goleak.VerifyNone(t, leaks) }) // after the listener's cleanup
			ctx := testCtx(t)
			l, url := tcpListener(t, ChannelProperty{ChannelPropertyMaxBufferedMessageSize, uint32(65536 * 16)},
				ChannelProperty{ChannelPropertyCloseTimeout, time.Second})
			before := heapInUse()
			accepted := make(chan *Channel, 2)
			go func() {
				for i := 0; i < 2; i++ {
					ch, err := l.AcceptChannel(ctx)
					if err != nil {
						return
					}
					accepted <- ch
				}
			}()
			hostile := rawSession(t, url)
			defer hostile.Close()
			victim := <-accepted
			defer victim.Close(ctx)
			go hostile.Write(tc.bytes)
			// A good client on the same listener meanwhile.
			good, err := Dial(ctx, url, ChannelProperty{ChannelPropertyCloseTimeout, time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer good.Close(ctx)
			srv := <-accepted
			defer srv.Close(ctx)
			m := good.NewMessage()
			m.SetAction("urn:good")
			if err := good.Send(ctx, m); err != nil {
				t.Fatal(err)
			}
			if _, err := srv.Receive(ctx); err != nil {
				t.Fatalf("the good session was not served: %v", err)
			}
			_, err = victim.Receive(ctx)
			mustCode(t, err, tc.want)
			if victim.State() != ChannelStateFaulted {
				t.Errorf("state %v after hostile input", victim.State())
			}
			if grown := int64(heapInUse()) - int64(before); grown > 16<<20 {
				t.Errorf("the heap grew by %d bytes", grown)
			}
		})
	}
}

// TestHostilePreambles: a Via of 1 MB, a preamble that never ends, a
// preamble and then silence. Each is refused or cut at the connect
// timeout, and the listener goes on serving.
func TestHostilePreambles(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx := testCtx(t)
	l, err := NewListener(ChannelTypeDuplexSession, BindingTCP, ListenerProperty{ListenerPropertyConnectTimeout, 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("net.tcp://127.0.0.1:%d/p", freePort(t))
	if err := l.Open(ctx, url); err != nil {
		t.Fatal(err)
	}
	defer l.Close(ctx)
	host := strings.TrimSuffix(strings.TrimPrefix(url, "net.tcp://"), "/p")
	before := heapInUse()
	bigVia := append([]byte{0, 1, 0, 1, 2, 2}, nmf.AppendSize(nil, 1<<20)...)
	bigVia = append(bigVia, bytes.Repeat([]byte("v"), 1<<20)...)
	for _, tc := range []struct {
		name string
		send func(c net.Conn)
		want string // what the peer reads back before the close
	}{
		{"Via of 1 MB", func(c net.Conn) { c.Write(bigVia) }, "ViaTooLong"},
		{"endless preamble", func(c net.Conn) {
			c.Write([]byte{0, 1, 0})
			for i := 0; i < 200; i++ {
				if _, err := c.Write([]byte{1, 2}); err != nil { // Mode records, over and over
					return
				}
				time.Sleep(5 * time.Millisecond)
			}
		}, ""},
		{"preamble then silence", func(c net.Conn) { c.Write([]byte{0, 1, 0, 1, 2}) }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.Dial("tcp", host)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			go tc.send(c)
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			start := time.Now()
			got, err := io.ReadAll(c)
			if err != nil {
				t.Fatalf("the connection was not closed: %v", err)
			}
			if !strings.Contains(string(got), tc.want) {
				t.Errorf("read %q, want %q", got, tc.want)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("closed after %v", d)
			}
		})
	}
	if grown := int64(heapInUse()) - int64(before); grown > 16<<20 {
		t.Errorf("the heap grew by %d bytes", grown)
	}
	// Still serving.
	go func() {
		if ch, err := l.AcceptChannel(ctx); err == nil {
			ch.Receive(ctx)
			ch.Close(ctx)
		}
	}()
	c, err := Dial(ctx, url)
	if err != nil {
		t.Fatalf("after the hostile preambles: %v", err)
	}
	c.Close(ctx)
}

// TestSlowPeers: a peer sending a message a byte at a time makes the
// receive time out inside the message (the channel faults: the stream
// cannot be resumed); a peer that never reads makes a send time out (the
// channel faults). Other sessions are served.
func TestSlowPeers(t *testing.T) {
	leaks := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, leaks) })
	ctx := testCtx(t)
	l, url := tcpListener(t, ChannelProperty{ChannelPropertyReceiveTimeout, 300 * time.Millisecond},
		ChannelProperty{ChannelPropertyCloseTimeout, time.Second},
		ChannelProperty{ChannelPropertySendTimeout, 300 * time.Millisecond},
		ChannelProperty{ChannelPropertyMaxBufferedMessageSize, uint32(8 << 20)})
	accepted := make(chan *Channel, 3)
	go func() {
		for i := 0; i < 3; i++ {
			if ch, err := l.AcceptChannel(ctx); err == nil {
				accepted <- ch
			}
		}
	}()
	slow := rawSession(t, url)
	defer slow.Close()
	ch := <-accepted
	defer ch.Close(ctx)
	stopDrip := make(chan struct{})
	defer close(stopDrip)
	go func() {
		msg := nmf.AppendSizedEnvelope(nil, envelope([]byte{0x40, 0x01, 'a', 0x01}))
		for _, b := range msg {
			select {
			case <-stopDrip:
				return
			case <-time.After(200 * time.Millisecond):
			}
			slow.Write([]byte{b})
		}
	}()
	_, err := ch.Receive(ctx)
	mustCode(t, err, WS_E_OPERATION_TIMED_OUT)
	// The receive gave up inside a message: the session cannot go on.
	if ch.State() != ChannelStateFaulted {
		t.Errorf("state after a receive timeout inside a message: %v", ch.State())
	}
	// A peer that never reads: sends fill the socket and time out.
	mute := rawSession(t, url)
	defer mute.Close()
	ch = <-accepted
	defer ch.Close(ctx)
	var sendErr error
	for i := 0; i < 200 && sendErr == nil; i++ {
		m := ch.NewMessage()
		m.SetAction("urn:flood")
		m.SetBodyXML([]byte("<f>" + strings.Repeat("x", 1<<20) + "</f>"))
		sendErr = ch.Send(ctx, m)
	}
	mustCode(t, sendErr, WS_E_OPERATION_TIMED_OUT)
	if ch.State() != ChannelStateFaulted {
		t.Errorf("state after a send timeout: %v", ch.State())
	}
	good, err := Dial(ctx, url, ChannelProperty{ChannelPropertyCloseTimeout, time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer good.Close(ctx)
	srv := <-accepted
	defer srv.Close(ctx)
	m := good.NewMessage()
	m.SetAction("urn:good")
	if err := good.Send(ctx, m); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Receive(ctx); err != nil {
		t.Fatalf("the good session was not served: %v", err)
	}
}
