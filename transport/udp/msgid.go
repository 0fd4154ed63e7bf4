package udp

import (
	"bytes"

	"github.com/wwsgo/wws/soap"
	"github.com/wwsgo/wws/xmlnode"
	"github.com/wwsgo/wws/xmltext"
)

// MessageID returns the wsa:MessageID of a datagram holding a text SOAP
// envelope: the trimmed text of the first MessageID header block, in the
// WS-Addressing 1.0 or 2004/08 namespace, of a SOAP 1.2 or 1.1 Envelope.
// It reads only as far as that header (never the body), and reports false
// for anything else: no such header, an empty one, or a datagram that is
// not a well-formed envelope up to it. UTF-8 and UTF-16 (with a byte order
// mark) are read.
//
// It is how duplicates are recognised: repeats of a message carry the same
// MessageID, and datagrams without one are never treated as duplicates.
func MessageID(datagram []byte) (string, bool) {
	var x idReader
	id, ok := x.messageID(nil, datagram)
	return string(id), ok
}

var (
	messageIDName = []byte("MessageID")
	nsAddr10      = []byte(soap.NamespaceAddressing10)
	nsAddr04      = []byte(soap.NamespaceAddressing200408)
	nsSOAP12      = []byte(soap.NamespaceSOAP12)
	nsSOAP11      = []byte(soap.NamespaceSOAP11)
)

// idReader extracts MessageIDs, reusing its XML reader.
type idReader struct {
	r *xmltext.Reader
}

// messageID appends the MessageID of data to dst.
func (x *idReader) messageID(dst, data []byte) ([]byte, bool) {
	// Cheap refusal first: most datagrams without the name are not worth
	// parsing. (UTF-16 text does not hold the name as ASCII bytes.)
	if !bytes.Contains(data, messageIDName) && !utf16BOM(data) {
		return dst, false
	}
	if x.r == nil {
		x.r = xmltext.NewReader(data, xmltext.ReaderOptions{})
	} else {
		x.r.Reset(data)
	}
	r := x.r
	n, ok := nextElement(r)
	if !ok || n.Kind != xmlnode.KindStartElement || string(n.Local) != "Envelope" {
		return dst, false
	}
	var sns []byte // the package's copy: the node's slices do not outlive the next read
	switch {
	case bytes.Equal(n.NS, nsSOAP12):
		sns = nsSOAP12
	case bytes.Equal(n.NS, nsSOAP11):
		sns = nsSOAP11
	default:
		return dst, false
	}
	n, ok = nextElement(r)
	if !ok || n.Kind != xmlnode.KindStartElement || string(n.Local) != "Header" || !bytes.Equal(n.NS, sns) {
		return dst, false
	}
	for {
		n, ok = nextElement(r)
		if !ok || n.Kind != xmlnode.KindStartElement {
			return dst, false // the end of Header, or an error
		}
		if bytes.Equal(n.Local, messageIDName) && (bytes.Equal(n.NS, nsAddr10) || bytes.Equal(n.NS, nsAddr04)) {
			return readID(r, dst)
		}
		if soap.Skip(r, n) != nil {
			return dst, false
		}
	}
}

// readID reads the text of the MessageID element whose start was just read.
func readID(r *xmltext.Reader, dst []byte) ([]byte, bool) {
	start := len(dst)
	for {
		n, err := r.Next()
		if err != nil {
			return dst[:start], false
		}
		switch n.Kind {
		case xmlnode.KindText:
			dst = n.Value.AppendText(dst)
		case xmlnode.KindStartElement:
			return dst[:start], false
		case xmlnode.KindEndElement:
			id := xmlnode.TrimSpace(dst[start:])
			if len(id) == 0 {
				return dst[:start], false
			}
			n := copy(dst[start:], id)
			return dst[:start+n], true
		}
	}
}

// nextElement returns the next start or end element, skipping comments and
// white space; text that is not white space, or an error, is a failure.
func nextElement(r *xmltext.Reader) (*xmlnode.Node, bool) {
	for {
		n, err := r.Next()
		if err != nil {
			return nil, false
		}
		switch n.Kind {
		case xmlnode.KindStartElement, xmlnode.KindEndElement:
			return n, true
		case xmlnode.KindComment:
		case xmlnode.KindText:
			if n.Value.Type != xmlnode.TypeChars || len(xmlnode.TrimSpace(n.Value.Bytes)) != 0 {
				return nil, false
			}
		default:
			return nil, false
		}
	}
}

func utf16BOM(b []byte) bool {
	return len(b) >= 2 && (b[0] == 0xFF && b[1] == 0xFE || b[0] == 0xFE && b[1] == 0xFF)
}
