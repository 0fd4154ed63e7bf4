package nmf_test

import (
	"bytes"
	"fmt"
	"io"

	"github.com/wwsgo/wws/nmf"
)

// Encoding a duplex session's first bytes and decoding them again.
func ExampleFramer() {
	var stream []byte
	stream = nmf.AppendPreamble(stream, nmf.ModeDuplex, "net.tcp://host/svc", nmf.EncodingSOAP12BinarySession)
	stream = nmf.AppendSizedEnvelope(stream, []byte{0x00, 0x40, 0x01, 'a', 0x01})
	stream = nmf.AppendEnd(stream)

	f := nmf.NewFramer(nil, bytes.NewReader(stream))
	for {
		r, err := f.ReadRecord()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(r)
	}
	// Output:
	// VersionRecord 1.0
	// ModeRecord duplex
	// ViaRecord "net.tcp://host/svc"
	// KnownEncodingRecord 0x08 (application/soap+msbinsession1)
	// PreambleEndRecord
	// SizedEnvelopeRecord size=5
	// EndRecord
}
