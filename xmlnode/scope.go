package xmlnode

import (
	"bytes"
	"io"
	"sort"
	"strings"
)

// Scope is a stack of namespace bindings, one frame per open element, for
// readers resolving prefixes and writers deciding which declarations to
// emit. It copies what it is given into its own buffer, so bindings outlive
// the caller's slices. The zero Scope is ready to use and has the xml and
// xmlns prefixes bound.
type Scope struct {
	arena  []byte
	binds  []binding
	frames []int

	// gen changes whenever the bindings change; cache remembers lookups of
	// the empty and one-letter prefixes (what binary XML and SOAP mostly
	// use) for the current gen.
	gen   uint32
	cache [27]cachedNS
	// other remembers the last lookup of a longer prefix (WCF's d4p1 and
	// the like), in its own small buffer.
	other       cachedNS
	otherPrefix []byte
}

type cachedNS struct {
	gen uint32 // valid when equal to Scope.gen (and non-zero)
	ns  []byte
	ok  bool
}

// cacheSlot returns the cache index for prefix, or -1.
func cacheSlot(prefix []byte) int {
	switch {
	case len(prefix) == 0:
		return 26
	case len(prefix) == 1 && prefix[0] >= 'a' && prefix[0] <= 'z':
		return int(prefix[0] - 'a')
	}
	return -1
}

func (s *Scope) changed() {
	s.gen++
	if s.gen == 0 { // wrapped: forget everything
		s.cache = [27]cachedNS{}
		s.other = cachedNS{}
		s.gen = 1
	}
}

type binding struct {
	prefixOff, prefixLen int
	nsOff, nsLen         int
}

// Reset empties the scope, keeping its buffers.
func (s *Scope) Reset() {
	s.arena = s.arena[:0]
	s.binds = s.binds[:0]
	s.frames = s.frames[:0]
	s.changed()
}

// Push opens a frame for a new element.
func (s *Scope) Push() { s.frames = append(s.frames, len(s.binds)) }

// Pop closes the innermost frame, dropping its bindings.
func (s *Scope) Pop() {
	if len(s.frames) == 0 {
		return
	}
	n := s.frames[len(s.frames)-1]
	s.frames = s.frames[:len(s.frames)-1]
	s.Truncate(n)
}

// Mark returns the current number of bindings, for a caller that tracks
// element boundaries itself instead of with Push and Pop: Truncate(mark)
// later drops the bindings declared after it.
func (s *Scope) Mark() int { return len(s.binds) }

// Truncate drops the bindings declared after mark (see Mark).
func (s *Scope) Truncate(mark int) {
	if mark < len(s.binds) {
		s.arena = s.arena[:s.binds[mark].prefixOff]
		s.binds = s.binds[:mark]
		s.changed()
	}
}

// DeclaredSince reports whether prefix was declared after mark.
func (s *Scope) DeclaredSince(mark int, prefix []byte) bool {
	for i := len(s.binds) - 1; i >= mark; i-- {
		b := s.binds[i]
		if bytes.Equal(s.arena[b.prefixOff:b.prefixOff+b.prefixLen], prefix) {
			return true
		}
	}
	return false
}

// Depth returns the number of open frames.
func (s *Scope) Depth() int { return len(s.frames) }

// Len returns the number of bindings in scope.
func (s *Scope) Len() int { return len(s.binds) }

// Declare binds prefix to ns in the innermost frame.
func (s *Scope) Declare(prefix, ns []byte) {
	b := binding{prefixOff: len(s.arena), prefixLen: len(prefix)}
	s.arena = append(s.arena, prefix...)
	b.nsOff, b.nsLen = len(s.arena), len(ns)
	s.arena = append(s.arena, ns...)
	s.binds = append(s.binds, b)
	s.changed()
}

// DeclaredHere reports whether prefix is declared in the innermost frame.
func (s *Scope) DeclaredHere(prefix []byte) bool {
	start := 0
	if len(s.frames) > 0 {
		start = s.frames[len(s.frames)-1]
	}
	return s.DeclaredSince(start, prefix)
}

// Lookup returns the namespace bound to prefix. The empty prefix is unbound
// (no namespace) unless declared; xml and xmlns are always bound.
func (s *Scope) Lookup(prefix []byte) ([]byte, bool) {
	slot := cacheSlot(prefix)
	if slot >= 0 && s.gen != 0 && s.cache[slot].gen == s.gen {
		return s.cache[slot].ns, s.cache[slot].ok
	}
	if slot < 0 && s.gen != 0 && s.other.gen == s.gen && bytes.Equal(s.otherPrefix, prefix) {
		return s.other.ns, s.other.ok
	}
	ns, ok := s.lookup(prefix)
	if s.gen != 0 {
		if slot >= 0 {
			s.cache[slot] = cachedNS{gen: s.gen, ns: ns, ok: ok}
		} else {
			s.otherPrefix = append(s.otherPrefix[:0], prefix...)
			s.other = cachedNS{gen: s.gen, ns: ns, ok: ok}
		}
	}
	return ns, ok
}

func (s *Scope) lookup(prefix []byte) ([]byte, bool) {
	for i := len(s.binds) - 1; i >= 0; i-- {
		b := s.binds[i]
		if bytes.Equal(s.arena[b.prefixOff:b.prefixOff+b.prefixLen], prefix) {
			return s.arena[b.nsOff : b.nsOff+b.nsLen : b.nsOff+b.nsLen], true
		}
	}
	switch string(prefix) {
	case "":
		return nil, true
	case "xml":
		return xmlNS, true
	case "xmlns":
		return xmlnsNS, true
	}
	return nil, false
}

// LookupPrefix returns the innermost prefix bound to ns that is not hidden
// by a later binding of the same prefix.
func (s *Scope) LookupPrefix(ns []byte) ([]byte, bool) {
	for i := len(s.binds) - 1; i >= 0; i-- {
		b := s.binds[i]
		if !bytes.Equal(s.arena[b.nsOff:b.nsOff+b.nsLen], ns) {
			continue
		}
		p := s.arena[b.prefixOff : b.prefixOff+b.prefixLen : b.prefixOff+b.prefixLen]
		if cur, _ := s.Lookup(p); bytes.Equal(cur, ns) {
			return p, true
		}
	}
	return nil, false
}

var (
	xmlNS   = []byte(NamespaceXML)
	xmlnsNS = []byte(NamespaceXMLNS)
	xmlnsB  = []byte("xmlns")
)

// XmlnsNS returns NamespaceXMLNS as a byte slice callers must not modify.
func XmlnsNS() []byte { return xmlnsNS[:len(xmlnsNS):len(xmlnsNS)] }

// Copy reads r to the end and writes every node to w. Text keeps its type.
func Copy(w Writer, r Reader) error {
	for {
		n, err := r.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := WriteNode(w, n); err != nil {
			return err
		}
	}
}

// WriteNode writes one node read from a Reader to w.
func WriteNode(w Writer, n *Node) error {
	switch n.Kind {
	case KindStartElement:
		if err := w.WriteStartElement(n.Prefix, n.Local, n.NS); err != nil {
			return err
		}
		for i := range n.Attrs {
			a := &n.Attrs[i]
			var err error
			if a.IsXmlns() {
				var ns []byte
				if a.Value.IsText() {
					ns = a.Value.Bytes
				} else {
					ns = a.Value.AppendText(nil)
				}
				err = w.WriteXmlns(a.DeclaredPrefix(), ns)
			} else {
				err = w.WriteAttr(a.Prefix, a.Local, a.NS, a.Value)
			}
			if err != nil {
				return err
			}
		}
	case KindEndElement:
		return w.WriteEndElement()
	case KindText:
		return w.WriteText(n.Value)
	case KindComment:
		return w.WriteComment(n.Value.Bytes)
	}
	return nil
}

// Infoset reads r to the end and renders what matters to a consumer of the
// document — element and attribute names with their namespaces, attribute
// values, text — one line per node, ignoring prefixes, namespace
// declarations, comments and how text is split or typed. Two documents with
// equal Infoset renderings carry the same information.
func Infoset(r Reader) (string, error) {
	var sb strings.Builder
	var text []byte
	depth := 0
	flush := func() {
		if len(text) > 0 {
			sb.WriteString(strings.Repeat("  ", depth))
			sb.WriteString("text ")
			sb.WriteString(strconvQuote(text))
			sb.WriteByte('\n')
			text = text[:0]
		}
	}
	var attrs []string
	for {
		n, err := r.Next()
		if err == io.EOF {
			flush()
			return sb.String(), nil
		}
		if err != nil {
			return sb.String(), err
		}
		switch n.Kind {
		case KindStartElement:
			flush()
			sb.WriteString(strings.Repeat("  ", depth))
			sb.WriteString("{" + string(n.NS) + "}" + string(n.Local))
			attrs = attrs[:0]
			for i := range n.Attrs {
				a := &n.Attrs[i]
				if a.IsXmlns() {
					continue
				}
				attrs = append(attrs, " {"+string(a.NS)+"}"+string(a.Local)+"="+strconvQuote(a.Value.AppendText(nil)))
			}
			sort.Strings(attrs)
			for _, a := range attrs {
				sb.WriteString(a)
			}
			sb.WriteByte('\n')
			depth++
		case KindEndElement:
			flush()
			depth--
		case KindText:
			text = n.Value.AppendText(text)
		}
	}
}

func strconvQuote(b []byte) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for _, r := range string(b) {
		switch r {
		case '"':
			sb.WriteString(`\"`)
		case '\\':
			sb.WriteString(`\\`)
		case '\n':
			sb.WriteString(`\n`)
		case '\r':
			sb.WriteString(`\r`)
		case '\t':
			sb.WriteString(`\t`)
		default:
			sb.WriteRune(r)
		}
	}
	sb.WriteByte('"')
	return sb.String()
}

// NewSliceReader returns a Reader that yields copies of nodes, for tests and
// for replaying a recorded node sequence.
func NewSliceReader(nodes []Node) Reader { return &sliceReader{nodes: nodes} }

type sliceReader struct {
	nodes []Node
	i     int
}

func (r *sliceReader) Next() (*Node, error) {
	if r.i >= len(r.nodes) {
		return nil, io.EOF
	}
	n := &r.nodes[r.i]
	r.i++
	return n, nil
}
