package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/wwsgo/wws/internal/capture"
	"github.com/wwsgo/wws/nbfx"
	"github.com/wwsgo/wws/nmf"
	"github.com/wwsgo/wws/xmlnode"
)

const decodeUsage = `Usage: wws decode [--nmf] [--max-envelope N] [FILE|-]

Prints .NET Binary XML ([MC-NBFX] with the [MC-NBFS] static dictionary) as
indented text XML. With --nmf the input is one direction of a captured
net.tcp or net.pipe connection: its [MC-NMF] records are walked, the
session dictionary ([MC-NBFSE]) is tracked across envelopes, and every
envelope is printed in turn, after a comment naming its offset and the
dictionary strings it added. Without --nmf a stream starting with an
[MC-NMF] Version record is recognised by itself. Reads standard input when
FILE is - or absent.

Examples:
  wws decode message.bin
  wws decode --nmf client-to-service.bin
  tshark ... | wws decode --nmf -
`

func cmdDecode(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("decode", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, decodeUsage) }
	nmfMode := fs.Bool("nmf", false, "input is a captured [MC-NMF] stream (net.tcp, net.pipe)")
	maxEnv := fs.Int("max-envelope", 64<<20, "largest envelope accepted, in bytes")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 1 {
		fmt.Fprintln(stderr, "wws decode: one input at most")
		return 2
	}
	in := stdin
	name := "standard input"
	if fs.NArg() == 1 && fs.Arg(0) != "-" {
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			fmt.Fprintf(stderr, "wws decode: %v\n", err)
			return 2
		}
		defer f.Close()
		in, name = f, fs.Arg(0)
	}
	data, err := io.ReadAll(io.LimitReader(in, int64(*maxEnv)*64+1))
	if err != nil {
		fmt.Fprintf(stderr, "wws decode: reading %s: %v\n", name, err)
		return 2
	}
	if len(data) == 0 {
		fmt.Fprintf(stderr, "wws decode: %s is empty\n", name)
		return 2
	}
	if *nmfMode || capture.IsNMF(data) {
		err = decodeStream(data, *maxEnv, stdout)
	} else {
		err = decodeDocument(data, stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "wws decode: %s: %v\n", name, err)
		return 2
	}
	return 0
}

func decodeDocument(data []byte, stdout io.Writer) error {
	out, err := capture.Indent(nbfx.NewReader(data, nil, xmlnode.Quotas{MaxDepth: 1000}))
	if err != nil {
		return err
	}
	stdout.Write(out)
	fmt.Fprintln(stdout)
	return nil
}

func decodeStream(data []byte, maxEnv int, stdout io.Writer) error {
	var records []string
	n := 0
	err := capture.Stream(bytes.NewReader(data), maxEnv, func(r *nmf.Record) {
		records = append(records, fmt.Sprintf("@%d %s", r.Offset, r))
	}, func(env *capture.Envelope) error {
		n++
		for _, r := range records {
			fmt.Fprintf(stdout, "<!-- %s -->\n", commentSafe(r))
		}
		records = records[:0]
		fmt.Fprintf(stdout, "<!-- @%d %s envelope %d, %d bytes, encoding %s", env.Offset, env.Record, n, env.Size, env.Encoding)
		if len(env.NewWords) > 0 {
			fmt.Fprintf(stdout, ", new session strings: %s", commentSafe(strings.Join(quoteAll(env.NewWords), " ")))
		}
		fmt.Fprintln(stdout, " -->")
		out, err := capture.Indent(env.Reader)
		if err != nil {
			return fmt.Errorf("envelope %d at offset %d: %w", n, env.Offset, err)
		}
		stdout.Write(out)
		fmt.Fprintln(stdout)
		return nil
	})
	for _, r := range records {
		fmt.Fprintf(stdout, "<!-- %s -->\n", commentSafe(r))
	}
	return err
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// commentSafe keeps text from ending an XML comment early.
func commentSafe(s string) string { return strings.ReplaceAll(s, "--", "- -") }
