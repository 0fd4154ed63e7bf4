package wws

import (
	"sync"

	"github.com/wwsgo/wws/nbfx"
	"github.com/wwsgo/wws/xmlnode"
	"github.com/wwsgo/wws/xmltext"
)

// Readers and writers reused by the operations that need one only for
// their own duration (validating, copying and rendering bodies). Readers
// handed to users (BodyReader) are never pooled.
var (
	fragmentReaders = sync.Pool{New: func() any { return xmltext.NewReader(nil, xmltext.ReaderOptions{Fragment: true}) }}
	textReaders     = sync.Pool{New: func() any { return xmltext.NewReader(nil, xmltext.ReaderOptions{}) }}
	binaryReaders   = sync.Pool{New: func() any { return nbfx.NewReader(nil, nil, xmlnode.Quotas{}) }}
	textWriters     = sync.Pool{New: func() any { return xmltext.NewWriter(xmltext.WriterOptions{}) }}
)

// fragmentReader returns a pooled reader of a text XML fragment; put it
// back with putReader.
func fragmentReader(b []byte) *xmltext.Reader {
	r := fragmentReaders.Get().(*xmltext.Reader)
	r.Reset(b)
	return r
}

// envelopeReader returns a pooled reader of a received envelope.
func (m *Message) envelopeReader() xmlnode.Reader {
	if m.binary {
		r := binaryReaders.Get().(*nbfx.Reader)
		r.SetDictionary(m.dict)
		r.Reset(m.data)
		return r
	}
	r := textReaders.Get().(*xmltext.Reader)
	r.Reset(m.data)
	return r
}

// putReader returns a reader of envelopeReader (or a bodyReader over one).
func putReader(r xmlnode.Reader) {
	switch r := r.(type) {
	case *nbfx.Reader:
		r.SetDictionary(nil)
		r.Reset(nil)
		binaryReaders.Put(r)
	case *xmltext.Reader:
		r.Reset(nil)
		textReaders.Put(r)
	case *bodyReader:
		putReader(r.r)
	}
}

// putFragmentReader returns a reader of fragmentReader.
func putFragmentReader(r *xmltext.Reader) {
	r.Reset(nil)
	fragmentReaders.Put(r)
}

// textWriter returns a pooled text writer, reset; put it back with putWriter.
func textWriter() *xmltext.Writer {
	w := textWriters.Get().(*xmltext.Writer)
	w.Reset()
	return w
}

func putWriter(w *xmltext.Writer) {
	if cap(w.Bytes()) <= 1<<16 { // do not keep what one large body grew
		textWriters.Put(w)
	}
}
