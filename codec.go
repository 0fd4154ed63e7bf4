package wws

import (
	"sync"

	"github.com/wwsgo/wws/nbfx"
	"github.com/wwsgo/wws/soap"
	"github.com/wwsgo/wws/xmlnode"
	"github.com/wwsgo/wws/xmltext"
)

// codec turns messages into bytes and back for one connection: the message
// encoding, with a session dictionary for each direction when the encoding
// is the binary session one. Encoding and decoding each have one user at a
// time (the sender holding the send slot, the connection's reader).
type codec struct {
	enc  Encoding
	env  soap.Version
	addr soap.Addressing

	wdict *nbfx.SessionDictionary // strings this side announced
	rdict *nbfx.SessionDictionary // strings the peer announced
	bw    *nbfx.Writer
	tw    *xmltext.Writer
	out   []byte

	// Readers of received envelopes, reused under rmu.
	rmu sync.Mutex
	br  *nbfx.Reader
	tr  *xmltext.Reader

	quotas xmlnode.Quotas
}

func newCodec(enc Encoding, env EnvelopeVersion, addr AddressingVersion, dictSize int, maxMessage int) *codec {
	c := &codec{enc: enc, env: soap.Version(env), addr: soap.Addressing(addr)}
	c.quotas = xmlnode.Quotas{MaxBytes: maxMessage}
	if enc == EncodingBinarySession {
		c.wdict = nbfx.NewSessionDictionary(dictSize)
		c.rdict = nbfx.NewSessionDictionary(dictSize)
	}
	return c
}

// binary reports whether the codec writes binary XML.
func (c *codec) binary() bool { return c.enc == EncodingBinarySession || c.enc == EncodingBinary }

// writers makes the codec's writer on first use, so that a session that
// sends nothing holds none.
func (c *codec) writers() {
	switch {
	case c.bw != nil || c.tw != nil:
	case c.binary():
		c.bw = nbfx.NewWriter(c.wdict)
	case c.enc == EncodingUTF16LE:
		c.tw = xmltext.NewWriter(xmltext.WriterOptions{Charset: xmltext.UTF16LE})
	case c.enc == EncodingUTF16BE:
		c.tw = xmltext.NewWriter(xmltext.WriterOptions{Charset: xmltext.UTF16BE})
	default:
		c.tw = xmltext.NewWriter(xmltext.WriterOptions{})
	}
}

// contentType is the MIME type of the encoding for soap version env.
func contentType(enc Encoding, env EnvelopeVersion) string {
	switch enc {
	case EncodingBinarySession:
		return "application/soap+msbinsession1"
	case EncodingBinary:
		return "application/soap+msbin1"
	}
	charset := "utf-8"
	switch enc {
	case EncodingUTF16LE:
		charset = "unicodeFFFE"
	case EncodingUTF16BE:
		charset = "utf-16"
	}
	if env == EnvelopeSOAP11 {
		return "text/xml; charset=" + charset
	}
	return "application/soap+xml; charset=" + charset
}

// encode writes m as an envelope and returns the bytes, valid until the
// next encode. Strings added to the session dictionary are announced in a
// StringTable in front; on failure they are forgotten again.
func (c *codec) encode(m *Message) ([]byte, error) {
	c.writers()
	m.hdr.Version, m.hdr.Addressing = c.env, c.addr
	if c.bw != nil {
		c.bw.Reset()
		if err := soap.WriteEnvelope(c.bw, &m.hdr, m.writeBody); err != nil {
			if c.wdict != nil {
				c.wdict.Rollback()
			}
			return nil, err
		}
		if c.wdict != nil {
			c.out = c.wdict.AppendStringTable(c.out[:0])
			c.out = append(c.out, c.bw.Bytes()...)
			return c.out, nil
		}
		return c.bw.Bytes(), nil
	}
	c.tw.Reset()
	if err := soap.WriteEnvelope(c.tw, &m.hdr, m.writeBody); err != nil {
		return nil, err
	}
	if err := c.tw.Flush(); err != nil {
		return nil, err
	}
	return c.tw.Bytes(), nil
}

// decode reads a received envelope into m, which takes a copy of data: the
// headers, and whether the body is a fault. The body itself is decoded when
// the message is asked for it.
func (c *codec) decode(data []byte, m *Message) error {
	doc := data
	if c.rdict != nil {
		rest, err := c.rdict.ReadStringTable(data)
		if err != nil {
			return err
		}
		doc = rest
	}
	m.data = append(m.data[:0], doc...)
	if m.data == nil {
		m.data = []byte{}
	}
	m.binary = c.binary()
	m.dict = nil
	if c.rdict != nil {
		// The reader goroutine goes on adding strings while the message's
		// owner reads its body: the message keeps a view of its own.
		m.dictView = c.rdict.View()
		m.dict = &m.dictView
	}
	c.rmu.Lock()
	defer c.rmu.Unlock()
	var r xmlnode.Reader
	if m.binary {
		if c.br == nil {
			c.br = nbfx.NewReader(nil, nil, c.quotas)
		}
		c.br.SetDictionary(m.dict)
		c.br.Reset(m.data)
		r = c.br
	} else {
		if c.tr == nil {
			c.tr = xmltext.NewReader(nil, xmltext.ReaderOptions{Quotas: c.quotas})
		}
		c.tr.Reset(m.data)
		r = c.tr
	}
	if err := soap.ReadEnvelopeStart(r, &m.hdr); err != nil {
		return err
	}
	if m.hdr.Version != c.env {
		return &soap.FormatError{Msg: "received a " + m.hdr.Version.String() + " envelope on a " + c.env.String() + " channel"}
	}
	if m.hdr.Addressing == 0 {
		m.hdr.Addressing = c.addr
	}
	n, err := r.Next()
	if err != nil {
		return err
	}
	m.isFault = soap.IsFault(n, m.hdr.Version)
	// Read the rest now, so that a malformed or over-quota body fails the
	// receive (and faults the channel) rather than a later read of it.
	for n.Kind != xmlnode.KindEndElement {
		if n.Kind == xmlnode.KindStartElement {
			if err := soap.Skip(r, n); err != nil {
				return err
			}
		}
		if n, err = r.Next(); err != nil {
			return err
		}
	}
	if err := soap.ReadEnvelopeEnd(r); err != nil {
		return err
	}
	m.state = MessageStateDone
	return nil
}
