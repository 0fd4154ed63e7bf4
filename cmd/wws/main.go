// Command wws serves, calls, decodes and benchmarks WCF and WWSAPI
// endpoints: the curl of net.tcp, SOAP over HTTP, SOAP over UDP and named
// pipes.
//
//	wws demo                          serve on loopback, call every operation, abort a channel
//	wws serve [URL ...]               host the Calculator and echo services
//	wws call URL --action A --body X  send one request, print the reply body
//	wws decode [--nmf] [FILE|-]       binary XML or a net.tcp capture as text XML
//	wws bench URL [flags]             request/reply load, progress line, summary
//
// Exit status: 0 on success, 1 when the peer answered with a SOAP fault
// (call), 2 for any other failure.
package main

import (
	"fmt"
	"io"
	"os"
)

const usage = `wws — WCF and WWSAPI endpoints from the command line

Usage:
  wws demo                        serve on loopback, call every operation, abort a channel
  wws serve [URL ...]             host the demo services (Calculator, echo at /echo)
  wws call URL --action A (--body XML | --body-file F) [flags]
                                  send one request and print the reply body
  wws decode [--nmf] [FILE|-]     print binary XML, or a captured net.tcp stream, as text XML
  wws bench URL [flags]           request/reply load with a live progress line and a summary

Run "wws <command> -h" for a command's flags and examples.
Exit status: 0 success, 1 a SOAP fault was received (call), 2 any other failure.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes the command line args and returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "decode":
		return cmdDecode(rest, stdin, stdout, stderr)
	case "serve":
		return cmdServe(rest, stdout, stderr)
	case "call":
		return cmdCall(rest, stdout, stderr)
	case "demo":
		return cmdDemo(rest, stdout, stderr)
	case "bench":
		return cmdBench(rest, stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "wws: unknown command %q\n\n%s", cmd, usage)
	return 2
}
