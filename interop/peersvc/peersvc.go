// Package peersvc is the interop tests' peer contract served with the wws
// channel API: the same service as interop/peer/Peer.cs hosts on Mono
// (namespace http://wws.test/peer, contract Echo: Echo, Add, Mirror,
// Reverse, one-way Notify, LastNotification, Fail), so that Mono's WCF
// client can be run against wws unchanged. Calculator actions are answered
// by the demo Calculator.
package peersvc

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/wwsgo/wws"
	"github.com/wwsgo/wws/internal/demo"
	"github.com/wwsgo/wws/soap"
	"github.com/wwsgo/wws/xmlnode"
)

// Namespace is the peer contract's namespace.
const Namespace = "http://wws.test/peer"

// Action returns the action of an operation of the peer contract.
func Action(op string) string { return Namespace + "/Echo/" + op }

// Service is the peer contract's state: the last one-way notification.
type Service struct {
	mu   sync.Mutex
	last string
	// Calls records the operations served, in order.
	Calls []string
}

func (s *Service) record(op string) {
	s.mu.Lock()
	s.Calls = append(s.Calls, op)
	s.mu.Unlock()
}

// Handle answers one message (a demo.Handler).
func (s *Service) Handle(req *wws.Message, newMessage func() *wws.Message) (*wws.Message, error) {
	op, ok := strings.CutPrefix(req.Action(), Namespace+"/Echo/")
	if !ok {
		return demo.Calculator(req, newMessage)
	}
	s.record(op)
	params, err := readParams(req)
	if err != nil {
		return nil, err
	}
	var result func(w xmlnode.Writer) error // writes the content of <OpResult>
	switch op {
	case "Echo":
		text := params["text"]
		result = textResult(text.text)
	case "Add":
		a, err1 := xmlnode.Chars(params["a"].text).Int64()
		b, err2 := xmlnode.Chars(params["b"].text).Int64()
		if err1 != nil || err2 != nil {
			return nil, demo.BadRequest("Add: a and b must be integers")
		}
		sum := a + b
		result = func(w xmlnode.Writer) error { return w.WriteText(xmlnode.Int(sum)) }
	case "Mirror":
		v := params["value"]
		result = func(w xmlnode.Writer) error { return v.writeContent(w) }
		return reply(newMessage, req.Action(), op, v.attrs, result), nil
	case "Reverse":
		data, err := xmlnode.Chars(params["data"].text).Base64()
		if err != nil {
			return nil, demo.BadRequest("Reverse: data is not base64")
		}
		data = slices.Clone(data)
		slices.Reverse(data)
		result = func(w xmlnode.Writer) error { return w.WriteText(xmlnode.Bytes(data)) }
	case "Notify":
		s.mu.Lock()
		s.last = string(params["text"].text)
		s.mu.Unlock()
		return nil, nil
	case "LastNotification":
		s.mu.Lock()
		last := s.last
		s.mu.Unlock()
		result = textResult([]byte(last))
	case "Fail":
		return nil, &wws.Fault{
			Code:     soap.QName{NS: soap.NamespaceSOAP12, Local: soap.CodeSender},
			Subcodes: []soap.QName{{NS: Namespace, Local: "PeerFault"}},
			Reason:   []soap.ReasonText{{Lang: "en-US", Text: string(params["reason"].text)}},
		}
	default:
		return nil, demo.ActionNotSupported(req.Action())
	}
	return reply(newMessage, req.Action(), op, nil, result), nil
}

func textResult(text []byte) func(w xmlnode.Writer) error {
	return func(w xmlnode.Writer) error { return w.WriteText(xmlnode.Chars(text)) }
}

// reply builds <OpResponse xmlns=ns><OpResult attrs>content</OpResult></OpResponse>.
func reply(newMessage func() *wws.Message, action, op string, attrs []xmlnode.Attr, content func(xmlnode.Writer) error) *wws.Message {
	m := newMessage()
	m.SetAction(action + "Response")
	ns := []byte(Namespace)
	m.SetBody(func(w xmlnode.Writer) error {
		if err := w.WriteStartElement(nil, []byte(op+"Response"), ns); err != nil {
			return err
		}
		if err := w.WriteStartElement(nil, []byte(op+"Result"), ns); err != nil {
			return err
		}
		for _, a := range attrs {
			var err error
			if a.IsXmlns() {
				err = w.WriteXmlns(a.DeclaredPrefix(), a.Value.Bytes)
			} else {
				err = w.WriteAttr(a.Prefix, a.Local, a.NS, a.Value)
			}
			if err != nil {
				return err
			}
		}
		if err := content(w); err != nil {
			return err
		}
		if err := w.WriteEndElement(); err != nil {
			return err
		}
		return w.WriteEndElement()
	})
	return m
}

// param is one parameter element of a request: its text, or its children
// recorded as nodes (for a data contract), and its attributes.
type param struct {
	text  []byte
	attrs []xmlnode.Attr
	nodes []xmlnode.Node
}

// writeContent replays a parameter's children.
func (p param) writeContent(w xmlnode.Writer) error {
	for i := range p.nodes {
		if err := xmlnode.WriteNode(w, &p.nodes[i]); err != nil {
			return err
		}
	}
	return nil
}

// readParams reads <Op><p1>…</p1><p2>…</p2></Op> into copies.
func readParams(req *wws.Message) (map[string]param, error) {
	r, err := req.BodyReader()
	if err != nil {
		return nil, err
	}
	out := map[string]param{}
	var name string
	var cur param
	for {
		n, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		switch {
		case n.Depth == 2 && n.Kind == xmlnode.KindStartElement:
			name = string(n.Local)
			cur = param{}
			for _, a := range n.Attrs {
				cur.attrs = append(cur.attrs, copyAttr(a))
			}
		case n.Depth == 2 && n.Kind == xmlnode.KindEndElement:
			out[name] = cur
		case n.Depth == 2 && n.Kind == xmlnode.KindText:
			cur.text = n.Value.AppendText(cur.text)
		case n.Depth > 2:
			cur.nodes = append(cur.nodes, copyNode(n))
		}
	}
}

func copyAttr(a xmlnode.Attr) xmlnode.Attr {
	return xmlnode.Attr{Prefix: bytes.Clone(a.Prefix), Local: bytes.Clone(a.Local), NS: bytes.Clone(a.NS), Value: copyValue(a.Value)}
}

func copyValue(v xmlnode.Value) xmlnode.Value {
	v.Bytes = bytes.Clone(v.Bytes)
	return v
}

func copyNode(n *xmlnode.Node) xmlnode.Node {
	c := xmlnode.Node{Kind: n.Kind, Prefix: bytes.Clone(n.Prefix), Local: bytes.Clone(n.Local), NS: bytes.Clone(n.NS),
		Value: copyValue(n.Value), Depth: n.Depth}
	for _, a := range n.Attrs {
		c.Attrs = append(c.Attrs, copyAttr(a))
	}
	return c
}

// String summarises the calls served.
func (s *Service) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprint(s.Calls)
}
