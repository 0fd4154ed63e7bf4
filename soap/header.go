package soap

import (
	"bytes"
	"crypto/rand"

	"github.com/wwsgo/wws/xmlnode"
)

// Header holds an envelope's version and its headers: the WS-Addressing
// message addressing properties, and any other header blocks as XML.
//
// Byte fields read by ReadEnvelopeStart are copies owned by the Header,
// valid until Reset or the next read into it.
type Header struct {
	// Version is the envelope's SOAP version.
	Version Version
	// Addressing is the WS-Addressing version of the headers; ReadEnvelopeStart
	// sets it from the first addressing header when it is zero.
	Addressing Addressing

	// Action, To, MessageID and RelatesTo are the WS-Addressing headers'
	// values (nil when absent).
	Action           []byte
	To               []byte
	MessageID        []byte
	RelatesTo        []byte
	RelationshipType []byte // of RelatesTo; empty means the default ("reply")
	// ReplyTo, FaultTo and From are the WS-Addressing endpoint references
	// (zero when absent).
	ReplyTo EndpointReference
	FaultTo EndpointReference
	From    EndpointReference

	// Custom holds the header blocks that are not WS-Addressing headers.
	Custom []CustomHeader

	arena []byte
}

// EndpointReference is a WS-Addressing endpoint reference.
type EndpointReference struct {
	Address []byte // nil when the reference is absent
	// ReferenceParameters holds the children of ReferenceParameters (1.0)
	// or ReferenceProperties (2004/08), as text XML.
	ReferenceParameters []byte
}

// IsZero reports whether the reference is absent.
func (e *EndpointReference) IsZero() bool { return e.Address == nil && e.ReferenceParameters == nil }

// CustomHeader is a header block other than the addressing headers.
type CustomHeader struct {
	// Local and NS name the header element.
	Local, NS []byte
	// MustUnderstand is the header's mustUnderstand attribute.
	MustUnderstand bool
	XML            []byte // the whole header element as text XML
}

// Reset clears the header, keeping its memory and versions.
func (h *Header) Reset() {
	v, a := h.Version, h.Addressing
	arena := h.arena[:0]
	custom := h.Custom[:0]
	*h = Header{Version: v, Addressing: a, arena: arena, Custom: custom}
}

// arenaSize is the first allocation of a header's arena: enough for the
// addressing headers of a typical message in one allocation.
const arenaSize = 256

// reserve makes room for n more bytes in the arena. Slices handed out
// before keep pointing into the old memory, which stays valid.
func (h *Header) reserve(n int) {
	if cap(h.arena)-len(h.arena) < n {
		h.arena = append(make([]byte, 0, max(arenaSize, 2*cap(h.arena)+n)), h.arena...)
	}
}

// own copies b into the header's arena and returns the copy.
func (h *Header) own(b []byte) []byte {
	if b == nil {
		return nil
	}
	h.reserve(len(b))
	start := len(h.arena)
	h.arena = append(h.arena, b...)
	return h.arena[start:len(h.arena):len(h.arena)]
}

// SetAction sets the Action header.
func (h *Header) SetAction(s string) { h.Action = h.ownString(s) }

// SetTo sets the To header.
func (h *Header) SetTo(s string) { h.To = h.ownString(s) }

// SetRelatesTo sets the RelatesTo header (a copy of id).
func (h *Header) SetRelatesTo(id []byte) { h.RelatesTo = h.own(id) }

// SetReplyTo sets the ReplyTo header to an endpoint reference with the
// given address and no reference parameters.
func (h *Header) SetReplyTo(s string) { h.ReplyTo = EndpointReference{Address: h.ownString(s)} }

func (h *Header) ownString(s string) []byte {
	h.reserve(len(s))
	start := len(h.arena)
	h.arena = append(h.arena, s...)
	return h.arena[start:len(h.arena):len(h.arena)]
}

// NewMessageID sets MessageID to a fresh random "urn:uuid:" identifier.
func (h *Header) NewMessageID() {
	var g [16]byte
	rand.Read(g[:])
	g[6] = g[6]&0x0F | 0x40 // version 4
	g[8] = g[8]&0x3F | 0x80 // RFC 4122 variant
	h.reserve(45)
	start := len(h.arena)
	h.arena = append(h.arena, "urn:uuid:"...)
	h.arena = xmlnode.AppendGUID(h.arena, g)
	h.MessageID = h.arena[start:len(h.arena):len(h.arena)]
}

// IsFaultAction reports whether the Action is one of the fault actions.
func (h *Header) IsFaultAction() bool {
	a := string(h.Action)
	return a == FaultAction10 || a == SOAPFaultAction10 || a == FaultAction200408 || a == FaultActionWCF
}

// CopyFrom makes h a deep copy of src.
func (h *Header) CopyFrom(src *Header) {
	h.Reset()
	h.Version, h.Addressing = src.Version, src.Addressing
	h.Action = h.own(src.Action)
	h.To = h.own(src.To)
	h.MessageID = h.own(src.MessageID)
	h.RelatesTo = h.own(src.RelatesTo)
	h.RelationshipType = h.own(src.RelationshipType)
	h.ReplyTo = h.ownEPR(src.ReplyTo)
	h.FaultTo = h.ownEPR(src.FaultTo)
	h.From = h.ownEPR(src.From)
	for _, c := range src.Custom {
		h.Custom = append(h.Custom, CustomHeader{Local: h.own(c.Local), NS: h.own(c.NS), MustUnderstand: c.MustUnderstand, XML: h.own(c.XML)})
	}
}

func (h *Header) ownEPR(e EndpointReference) EndpointReference {
	return EndpointReference{Address: h.own(e.Address), ReferenceParameters: h.own(e.ReferenceParameters)}
}

// messageIDValue returns the value to write for a MessageID or RelatesTo: a
// typed UniqueId when it is a urn:uuid (the binary encoding then writes a
// UniqueIdText record, as WCF does), text otherwise.
func messageIDValue(id []byte) xmlnode.Value {
	if len(id) == 45 && bytes.HasPrefix(id, []byte("urn:uuid:")) {
		if g, ok := xmlnode.ParseGUID(id[9:]); ok && isLowerHex(id[9:]) {
			return xmlnode.UniqueID(g)
		}
	}
	return xmlnode.Chars(id)
}

func isLowerHex(b []byte) bool {
	for _, c := range b {
		if c >= 'A' && c <= 'F' {
			return false
		}
	}
	return true
}
