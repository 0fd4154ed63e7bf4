// Package bench compares wws with its peers, measured in one run on one
// machine: gRPC-Go unary calls, raw TCP ping-pong (the floor), encoding/xml,
// and — where installed — Mono's WCF. It is its own module so that the
// library's go.mod stays lean; see docs/performance.md for how to run it.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"sync"
	"time"

	"github.com/wwsgo/wws"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding"
)

// Text is the 84 characters in Body's text element.
var Text = string(make128())

// Body is the 128-byte request body of the request/reply comparisons.
var Body = []byte(`<Echo xmlns="urn:bench"><text>` + Text + `</text></Echo>`)

func make128() []byte {
	b := make([]byte, 128-len(`<Echo xmlns="urn:bench"><text></text></Echo>`))
	for i := range b {
		b[i] = 'a' + byte(i%26)
	}
	return b
}

// Payload is the same 128 bytes for the peers that move raw bytes.
var Payload = Body

// NoDelay is the channel property the net.tcp comparisons set on both
// ends (TCP_NODELAY, as the peers have it).
var NoDelay = wws.ChannelProperty{ID: wws.ChannelPropertyNoDelay, Value: true}

// WWSServer is a wws net.tcp service on a free loopback port: each
// accepted channel is served in a goroutine of its own, and aborted when
// the service closes.
type WWSServer struct {
	URL    string
	l      *wws.Listener
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// startService starts a net.tcp service at path on a free loopback port,
// with the accepted channels' properties props, running serve for each
// accepted channel.
func startService(path string, serve func(context.Context, *wws.Channel), props ...wws.ChannelProperty) (*WWSServer, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &WWSServer{URL: fmt.Sprintf("net.tcp://127.0.0.1:%d/%s", port, path)}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.l, err = wws.NewListener(wws.ChannelTypeDuplexSession, wws.BindingTCP)
	if err == nil && len(props) > 0 {
		err = s.l.SetChannelProperties(props...)
	}
	if err == nil {
		err = s.l.Open(ctx, s.URL)
	}
	if err != nil {
		cancel()
		return nil, err
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			ch, err := s.l.AcceptChannel(ctx)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				continue
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer ch.Close(context.Background())
				stop := context.AfterFunc(ctx, func() { ch.Abort() })
				defer stop()
				serve(ctx, ch)
			}()
		}
	}()
	return s, nil
}

// Close stops the service.
func (s *WWSServer) Close() {
	s.cancel()
	s.l.Close(context.Background())
	s.wg.Wait()
}

// StartWWS starts a net.tcp echo service on a free loopback port. NoDelay
// on both ends: the socket option gRPC-Go and the raw TCP peer run with
// (Go's default). WWSAPI's default keeps Nagle's algorithm on, which
// stalls callers sharing a session for the peer's delayed ACK (tens of
// milliseconds at the 99th percentile).
func StartWWS() (*WWSServer, error) {
	return startService("echo", serveEcho, NoDelay)
}

// serveEcho answers each request with its body, reusing its messages and
// buffer, as a service written for speed does (ReceiveInto, Reset,
// AppendBodyXML).
func serveEcho(ctx context.Context, ch *wws.Channel) {
	req, reply := ch.NewMessage(), ch.NewMessage()
	var body []byte
	var err error
	for {
		req.Reset()
		if ch.ReceiveInto(ctx, req) != nil {
			return
		}
		if body, err = req.AppendBodyXML(body[:0]); err != nil {
			return
		}
		reply.Reset()
		reply.SetAction("urn:bench:EchoResponse")
		reply.SetBodyXML(body)
		if ch.Reply(ctx, req, reply) != nil {
			return
		}
	}
}

// WWSCall makes one request on ch and checks the reply.
func WWSCall(ctx context.Context, ch *wws.Channel) error {
	req := ch.NewMessage()
	req.SetAction("urn:bench:Echo")
	if err := req.SetBodyXML(Body); err != nil {
		return err
	}
	reply, err := ch.Request(ctx, req)
	if err != nil {
		return err
	}
	body, err := reply.BodyXML()
	if err != nil {
		return err
	}
	if len(body) != len(Body) {
		return fmt.Errorf("reply body of %d bytes", len(body))
	}
	return nil
}

// WWSCaller makes calls reusing its messages and buffer: the
// allocation-free way to use a channel (RequestInto, Reset, AppendBodyXML).
type WWSCaller struct {
	ch         *wws.Channel
	req, reply *wws.Message
	body       []byte

	action  string
	reqBody []byte
	check   func(reply []byte) error
}

// NewWWSCaller returns a caller of the echo service on ch.
func NewWWSCaller(ch *wws.Channel) *WWSCaller {
	return newCaller(ch, "urn:bench:Echo", Body, func(reply []byte) error {
		if len(reply) != len(Body) {
			return fmt.Errorf("reply body of %d bytes", len(reply))
		}
		return nil
	})
}

func newCaller(ch *wws.Channel, action string, body []byte, check func([]byte) error) *WWSCaller {
	return &WWSCaller{ch: ch, req: ch.NewMessage(), reply: ch.NewMessage(), action: action, reqBody: body, check: check}
}

// Call makes one request and checks the reply.
func (c *WWSCaller) Call(ctx context.Context) error {
	c.req.Reset()
	c.req.SetAction(c.action)
	if err := c.req.SetBodyXML(c.reqBody); err != nil {
		return err
	}
	c.reply.Reset()
	if err := c.ch.RequestInto(ctx, c.req, c.reply); err != nil {
		return err
	}
	var err error
	if c.body, err = c.reply.AppendBodyXML(c.body[:0]); err != nil {
		return err
	}
	return c.check(c.body)
}

// rawCodec is a gRPC codec that moves []byte as it is, so that gRPC is
// measured without protobuf.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) {
	b, ok := v.(*[]byte)
	if !ok {
		return nil, fmt.Errorf("rawCodec: %T", v)
	}
	return *b, nil
}

func (rawCodec) Unmarshal(data []byte, v any) error {
	b, ok := v.(*[]byte)
	if !ok {
		return fmt.Errorf("rawCodec: %T", v)
	}
	*b = append((*b)[:0], data...)
	return nil
}

func (rawCodec) Name() string { return "raw" }

func init() { encoding.RegisterCodec(rawCodec{}) }

type echoServer interface{}

var echoDesc = grpc.ServiceDesc{
	ServiceName: "bench.Echo",
	HandlerType: (*echoServer)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Echo",
		Handler: func(srv any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
			var in []byte
			if err := dec(&in); err != nil {
				return nil, err
			}
			return &in, nil
		},
	}},
}

// GRPCServer is a gRPC-Go unary echo service with the raw codec.
type GRPCServer struct {
	Addr string
	srv  *grpc.Server
	ln   net.Listener
}

// StartGRPC starts the gRPC echo service on a free loopback port.
func StartGRPC() (*GRPCServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := grpc.NewServer()
	s.RegisterService(&echoDesc, struct{}{})
	go s.Serve(ln)
	return &GRPCServer{Addr: ln.Addr().String(), srv: s, ln: ln}, nil
}

// Close stops the gRPC service.
func (g *GRPCServer) Close() { g.srv.Stop() }

// DialGRPC connects a gRPC client.
func DialGRPC(addr string) (*grpc.ClientConn, error) {
	return grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.CallContentSubtype("raw")))
}

// GRPCCall makes one unary echo call.
func GRPCCall(ctx context.Context, cc *grpc.ClientConn) error {
	in := Payload
	var out []byte
	if err := cc.Invoke(ctx, "/bench.Echo/Echo", &in, &out); err != nil {
		return err
	}
	if len(out) != len(in) {
		return errors.New("short echo")
	}
	return nil
}

// RawServer is a TCP server echoing 128-byte messages: the floor.
type RawServer struct {
	Addr string
	ln   net.Listener
	wg   sync.WaitGroup
}

// StartRaw starts the raw echo server.
func StartRaw() (*RawServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &RawServer{Addr: ln.Addr().String(), ln: ln}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer c.Close()
				buf := make([]byte, len(Payload))
				for {
					if _, err := io.ReadFull(c, buf); err != nil {
						return
					}
					if _, err := c.Write(buf); err != nil {
						return
					}
				}
			}()
		}
	}()
	return s, nil
}

// Close stops the raw server.
func (s *RawServer) Close() { s.ln.Close(); s.wg.Wait() }

// RawCall does one 128-byte round trip on c.
func RawCall(c net.Conn, buf []byte) error {
	if _, err := c.Write(Payload); err != nil {
		return err
	}
	_, err := io.ReadFull(c, buf)
	return err
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Latencies collects call durations and reports percentiles.
type Latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

// Add records one duration.
func (l *Latencies) Add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

// Percentile returns the p-th percentile (0–100).
func (l *Latencies) Percentile(p float64) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.d) == 0 {
		return 0
	}
	sort.Slice(l.d, func(i, j int) bool { return l.d[i] < l.d[j] })
	i := int(float64(len(l.d)-1) * p / 100)
	return l.d[i]
}
