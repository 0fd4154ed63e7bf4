//go:build ignore

// extract_vectors copies the text SOAP envelopes out of the Mono wire
// captures in shared/vectors/mono into testdata/vectors, with the pretty
// printed rendering Mono's own reader gave each one (from the
// .decoded.txt beside the capture) where there is one.
//
// Run from the xmltext directory:
//
//	go run testdata/extract_vectors.go ../../shared/vectors/mono
//
// HTTP captures: each message's body after the header block (Content-Length
// bytes; "100 Continue" interim responses have none). net.tcp captures:
// the payload of each [MC-NMF] SizedEnvelope record (06 <varint size>
// <bytes>) after the preamble. UDP captures: each datagram whole.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

var httpScenarios = []string{"basichttp", "http-soap11", "http-soap11-wsa04", "http-soap11-wsa10",
	"http-soap12", "http-soap12-wsa04", "http-soap12-wsa10", "wshttp"}

func main() {
	root := os.Args[1]
	out := filepath.Join("testdata", "vectors")
	var index []string
	for _, sc := range httpScenarios {
		files, _ := filepath.Glob(filepath.Join(root, sc, "p*-c*.c2s.bin"))
		for _, f := range files {
			for _, dir := range []string{"c2s", "s2c"} {
				fn := strings.Replace(f, ".c2s.bin", "."+dir+".bin", 1)
				data, err := os.ReadFile(fn)
				check(err)
				bodies := httpBodies(data)
				dec := decodedBodies(strings.Replace(fn, "."+dir+".bin", ".decoded.txt", 1), dir)
				index = append(index, write(out, sc, filepath.Base(fn), bodies, dec)...)
			}
		}
	}
	files, _ := filepath.Glob(filepath.Join(root, "nettcp-text-soap12", "p*-c*.c2s.bin"))
	for _, f := range files {
		for _, dir := range []string{"c2s", "s2c"} {
			fn := strings.Replace(f, ".c2s.bin", "."+dir+".bin", 1)
			data, err := os.ReadFile(fn)
			check(err)
			bodies := nmfEnvelopes(data)
			dec := decodedBodies(strings.Replace(fn, "."+dir+".bin", ".decoded.txt", 1), dir)
			index = append(index, write(out, "nettcp-text-soap12", filepath.Base(fn), bodies, dec)...)
		}
	}
	files, _ = filepath.Glob(filepath.Join(root, "udp-oneway", "p*-d*.c2s.bin"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		check(err)
		dtxt, err := os.ReadFile(strings.Replace(f, ".c2s.bin", ".decoded.txt", 1))
		check(err)
		_, rest, _ := bytes.Cut(dtxt, []byte("\n")) // "== datagram, N bytes"
		index = append(index, write(out, "udp-oneway", filepath.Base(f), [][]byte{data}, [][]byte{rest})...)
	}
	check(os.WriteFile(filepath.Join(out, "INDEX.txt"), []byte(strings.Join(index, "\n")+"\n"), 0o644))
}

func write(out, scenario, capture string, bodies, decoded [][]byte) []string {
	var lines []string
	dir := filepath.Join(out, scenario)
	check(os.MkdirAll(dir, 0o755))
	base := strings.TrimSuffix(capture, ".bin")
	for i, b := range bodies {
		name := fmt.Sprintf("%s-%d", base, i+1)
		check(os.WriteFile(filepath.Join(dir, name+".xml"), b, 0o644))
		line := fmt.Sprintf("%s/%s.xml: body %d of shared/vectors/mono/%s/%s", scenario, name, i+1, scenario, capture)
		if len(decoded) == len(bodies) {
			check(os.WriteFile(filepath.Join(dir, name+".decoded.xml"), decoded[i], 0o644))
			line += fmt.Sprintf(" (+ .decoded.xml from %s.decoded.txt)", strings.SplitN(base, ".", 2)[0])
		}
		lines = append(lines, line)
	}
	return lines
}

// httpBodies splits an HTTP/1.1 byte stream into its non-empty message bodies.
func httpBodies(data []byte) [][]byte {
	var bodies [][]byte
	for len(data) > 0 {
		head, rest, ok := bytes.Cut(data, []byte("\r\n\r\n"))
		if !ok {
			panic("truncated HTTP head")
		}
		n := 0
		for _, line := range strings.Split(string(head), "\r\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "Content-Length") {
				var err error
				n, err = strconv.Atoi(strings.TrimSpace(v))
				check(err)
			}
		}
		if n > 0 {
			bodies = append(bodies, rest[:n])
		}
		data = rest[n:]
	}
	return bodies
}

// nmfEnvelopes returns the payloads of the SizedEnvelope records of an
// [MC-NMF] duplex session (preamble records are skipped).
func nmfEnvelopes(data []byte) [][]byte {
	var envs [][]byte
	for p := 0; p < len(data); {
		switch data[p] {
		case 0x00: // version
			p += 3
		case 0x01, 0x03: // mode, known encoding
			p += 2
		case 0x02: // via
			n, k := varint(data[p+1:])
			p += 1 + k + n
		case 0x0b, 0x0c, 0x07: // ack, preamble end, end
			p++
		case 0x06:
			n, k := varint(data[p+1:])
			envs = append(envs, data[p+1+k:p+1+k+n])
			p += 1 + k + n
		default:
			panic(fmt.Sprintf("record type %#x at %d", data[p], p))
		}
	}
	return envs
}

func varint(b []byte) (int, int) {
	n, shift := 0, 0
	for i, c := range b {
		n |= int(c&0x7f) << shift
		if c < 0x80 {
			return n, i + 1
		}
		shift += 7
	}
	panic("bad varint")
}

// decodedBodies returns the "| "-prefixed XML blocks of one direction of a
// .decoded.txt file, in order.
func decodedBodies(fn, dir string) [][]byte {
	f, err := os.Open(fn)
	check(err)
	defer f.Close()
	want := "== client->service"
	if dir == "s2c" {
		want = "== service->client"
	}
	var blocks [][]byte
	var cur []byte
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "== ") {
			in = strings.HasPrefix(line, want)
			continue
		}
		if !in {
			continue
		}
		if t, ok := strings.CutPrefix(strings.TrimLeft(line, " "), "| "); ok {
			cur = append(cur, t...)
			cur = append(cur, '\n')
			continue
		}
		if cur != nil {
			blocks = append(blocks, cur)
			cur = nil
		}
	}
	if cur != nil {
		blocks = append(blocks, cur)
	}
	return blocks
}

func check(err error) {
	if err != nil {
		panic(err)
	}
}
