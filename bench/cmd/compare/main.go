// Command compare runs every comparison of wws with its peers, in one run on
// one machine, saves the raw benchmark output for benchstat and prints a
// table of ratios.
//
// Usage, from the bench directory:
//
//	go run ./cmd/compare [flags]
//
// It runs, with `go test -run '^$' -bench ... -count N`:
//
//   - in the repository root, the codec benchmarks of ./nbfx and ./xmltext
//     against encoding/xml (F4/F5);
//   - in bench, BenchmarkRequestReply (F1/F2 and, in its allocs/op, F6),
//     BenchmarkMonoNetTCP (F3; skipped without Mono), BenchmarkAbortPending
//     (F7), BenchmarkIdleSessions (F8) and BenchmarkHTTPRequestReply (F9).
//
// The raw output of both goes to the -o file (the benchmark lines also
// stream to stderr as they come); summarise it with benchstat, e.g.
//
//	go run golang.org/x/perf/cmd/benchstat@latest -col /impl compare.txt
//
// Then it prints, to stdout, the median of each measure over the -count
// runs and the ratios: each wws variant beside each peer in the same
// benchmark (gRPC-Go, raw TCP — the floor —, Mono's WCF, encoding/xml, a
// gowsdl-style HTTP client and, its floor, raw HTTP/1.1 on a kept-alive
// connection), as wws ÷ peer, so that below 1 means wws takes
// less time (or memory, or allocations). F7's release is set beside its
// floor, goroutines released by closing a channel (op=gochan); F8 has no
// peer, its figures are printed as they are.
//
// Flags:
//
//	-count n           runs of each benchmark (default 6; benchstat wants 6 or more)
//	-benchtime d       go test -benchtime (e.g. 2s or 100x; default go test's 1s)
//	-idle-sessions n   sessions of BenchmarkIdleSessions (default 10000, fewer if
//	                   RLIMIT_NOFILE's hard limit is too low; the benchmark says so)
//	-sets list         which comparisons to run, comma-separated, of
//	                   codec,nettcp,mono,abort,idle,http (default all)
//	-o file            where the raw output goes (default compare.txt)
//	-in file           do not run anything: print the table for a file saved before
//	-timeout d         go test -timeout for each of the two runs (default 60m)
//
// It reports what it measured and asserts nothing about timings; it exits
// non-zero only when go test fails (a benchmark that errs) or cannot run.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
)

func main() {
	count := flag.Int("count", 6, "runs of each benchmark")
	benchtime := flag.String("benchtime", "", "go test -benchtime")
	sessions := flag.Int("idle-sessions", 10000, "sessions of BenchmarkIdleSessions")
	sets := flag.String("sets", "codec,nettcp,mono,abort,idle,http", "comparisons to run")
	out := flag.String("o", "compare.txt", "raw benchmark output file")
	in := flag.String("in", "", "print the table for this raw output file instead of running")
	timeout := flag.String("timeout", "60m", "go test -timeout")
	flag.Parse()

	if *in != "" {
		f, err := os.Open(*in)
		if err != nil {
			fatal(err)
		}
		res := Parse(f)
		f.Close()
		PrintTable(os.Stdout, res)
		return
	}

	root, err := repoRoot()
	if err != nil {
		fatal(err)
	}
	want := map[string]bool{}
	for _, s := range strings.Split(*sets, ",") {
		s = strings.TrimSpace(s)
		if _, ok := benchmarksOf[s]; !ok && s != "codec" {
			fatal(fmt.Errorf("unknown set %q (codec, nettcp, mono, abort, idle, http)", s))
		}
		want[s] = true
	}
	f, err := os.Create(*out)
	if err != nil {
		fatal(err)
	}
	raw := io.MultiWriter(f, os.Stderr)
	common := []string{"test", "-run", "^$", "-count", strconv.Itoa(*count), "-timeout", *timeout}
	if *benchtime != "" {
		common = append(common, "-benchtime", *benchtime)
	}
	failed := false
	if want["codec"] {
		args := append(append([]string{}, common...), "-bench", codecPattern, "./nbfx", "./xmltext")
		failed = run(root, raw, args) != nil || failed
	}
	var names []string
	for _, s := range []string{"nettcp", "mono", "abort", "idle", "http"} {
		if want[s] {
			names = append(names, benchmarksOf[s])
		}
	}
	if len(names) > 0 {
		args := append(append([]string{}, common...), "-bench", "^("+strings.Join(names, "|")+")$", ".")
		env := "WWS_BENCH_IDLE_SESSIONS=" + strconv.Itoa(*sessions)
		failed = run(filepath.Join(root, "bench"), raw, args, env) != nil || failed
	}
	if err := f.Close(); err != nil {
		fatal(err)
	}
	f, err = os.Open(*out)
	if err != nil {
		fatal(err)
	}
	res := Parse(f)
	f.Close()
	fmt.Println()
	PrintTable(os.Stdout, res)
	fmt.Printf("\nraw output: %s (go run golang.org/x/perf/cmd/benchstat@latest -col /impl %s)\n", *out, *out)
	if failed {
		os.Exit(1)
	}
}

// codecPattern selects the codec benchmarks of ./nbfx and ./xmltext.
const codecPattern = "^Benchmark(ReadBinaryEnvelope|EncodingXMLTokenText|WriteBinaryEnvelope|ReadEnvelope|EncodingXMLToken|EncodingXMLRawToken|WriteEnvelope|EncodingXMLEncodeToken)$"

// benchmarksOf names the bench module's benchmark of each set.
var benchmarksOf = map[string]string{
	"nettcp": "BenchmarkRequestReply",
	"mono":   "BenchmarkMonoNetTCP",
	"abort":  "BenchmarkAbortPending",
	"idle":   "BenchmarkIdleSessions",
	"http":   "BenchmarkHTTPRequestReply",
}

// run runs go with args in dir, its output to stdout, with env added to
// the environment.
func run(dir string, stdout io.Writer, args []string, env ...string) error {
	fmt.Fprintf(os.Stderr, "== (cd %s && %s go %s)\n", dir, strings.Join(env, " "), strings.Join(args, " "))
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout = stdout
	cmd.Stderr = os.Stderr
	err := cmd.Run()
	if err != nil {
		fmt.Fprintf(os.Stderr, "compare: go test in %s: %v\n", dir, err)
	}
	return err
}

// repoRoot finds the repository root: the nearest directory, from the
// working directory up, that holds go.mod and bench/go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if isFile(filepath.Join(dir, "go.mod")) && isFile(filepath.Join(dir, "bench", "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no directory holding go.mod and bench/go.mod above the working directory")
		}
		dir = parent
	}
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "compare:", err)
	os.Exit(2)
}

// Results holds every value of each benchmark's measures, by name (without
// its -GOMAXPROCS suffix) and unit, and the names in the order first seen.
type Results struct {
	values map[string]map[string][]float64
	order  []string
}

var procsSuffix = regexp.MustCompile(`-\d+$`)

// Parse reads benchmark output (go test -bench's format) and collects the
// values of every line.
func Parse(r io.Reader) Results {
	res := Results{values: map[string]map[string][]float64{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
			continue
		}
		if _, err := strconv.ParseInt(f[1], 10, 64); err != nil {
			continue
		}
		name := procsSuffix.ReplaceAllString(f[0], "")
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			if res.values[name] == nil {
				res.values[name] = map[string][]float64{}
				res.order = append(res.order, name)
			}
			res.values[name][f[i+1]] = append(res.values[name][f[i+1]], v)
		}
	}
	return res
}

// Median returns the median of name's values in unit, and whether there are any.
func (r Results) Median(name, unit string) (float64, bool) {
	vs := append([]float64(nil), r.values[name][unit]...)
	if len(vs) == 0 {
		return 0, false
	}
	sort.Float64s(vs)
	if len(vs)%2 == 1 {
		return vs[len(vs)/2], true
	}
	return (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2, true
}

// names returns the benchmark names starting with prefix, in the order
// first seen.
func (r Results) names(prefix string) []string {
	var ns []string
	for _, n := range r.order {
		if strings.HasPrefix(n, prefix) {
			ns = append(ns, n)
		}
	}
	return ns
}

// row is one line of the table: a wws figure, and the peer's beside it.
type row struct {
	fig, measure    string
	wws, peer       string // sub-benchmark names, as shown
	wwsV, peerV     float64
	unit            string
	hasWWS, hasPeer bool
}

// PrintTable prints the comparisons found in res.
func PrintTable(w io.Writer, res Results) {
	var rows []row
	add := func(fig, measure, unit, wwsName, wwsLabel, peerName, peerLabel string) {
		r := row{fig: fig, measure: measure, unit: unit, wws: wwsLabel, peer: peerLabel}
		r.wwsV, r.hasWWS = res.Median(wwsName, unit)
		if peerName != "" {
			r.peerV, r.hasPeer = res.Median(peerName, unit)
		}
		if r.hasWWS || r.hasPeer {
			rows = append(rows, r)
		}
	}

	// F1/F2/F6: BenchmarkRequestReply/impl=<impl>/callers=<n>: each wws*
	// impl beside each other impl with the same callers.
	for _, rest := range variants(res, "BenchmarkRequestReply/impl=") {
		impls := implsWith(res, "BenchmarkRequestReply/impl=", rest)
		fig := "F1"
		if rest != "callers=1" {
			fig = "F2"
		}
		for _, wi := range impls {
			if !strings.HasPrefix(wi, "wws") {
				continue
			}
			for _, pi := range impls {
				if strings.HasPrefix(pi, "wws") {
					continue
				}
				wn := "BenchmarkRequestReply/impl=" + wi + "/" + rest
				pn := "BenchmarkRequestReply/impl=" + pi + "/" + rest
				add(fig, "net.tcp r/r "+rest, "ns/op", wn, wi, pn, pi)
				add(fig, "  p99", "p99-ns", wn, wi, pn, pi)
				if pi != "rawtcp" { // the floor allocates nothing
					add("F6", "allocs "+rest, "allocs/op", wn, wi, pn, pi)
					add("F6", "  bytes", "B/op", wn, wi, pn, pi)
				}
			}
		}
	}

	// F3: Mono's WCF.
	const mono = "BenchmarkMonoNetTCP/"
	mm := mono + "client=mono/service=mono"
	for _, v := range []string{"client=wws/service=mono", "client=mono/service=wws", "client=wws/service=wws"} {
		add("F3", "net.tcp r/r vs Mono", "ns/op", mono+v, v, mm, "mono/mono")
		add("F3", "  p50", "p50-ns", mono+v, v, mm, "mono/mono")
		add("F3", "  p99", "p99-ns", mono+v, v, mm, "mono/mono")
	}

	// F4/F5: codecs against encoding/xml.
	for _, c := range []struct{ fig, measure, wws, peer string }{
		{"F4", "decode binary 4 KB", "BenchmarkReadBinaryEnvelope", "BenchmarkEncodingXMLTokenText"},
		{"F5", "decode text 4 KB", "BenchmarkReadEnvelope", "BenchmarkEncodingXMLToken"},
		{"F5", "decode text 4 KB", "BenchmarkReadEnvelope", "BenchmarkEncodingXMLRawToken"},
		{"F4", "encode binary 4 KB", "BenchmarkWriteBinaryEnvelope", "BenchmarkEncodingXMLEncodeToken"},
		{"F5", "encode text 4 KB", "BenchmarkWriteEnvelope", "BenchmarkEncodingXMLEncodeToken"},
	} {
		wl, pl := strings.TrimPrefix(c.wws, "Benchmark"), strings.TrimPrefix(c.peer, "Benchmark")
		add(c.fig, c.measure, "ns/op", c.wws, wl, c.peer, pl)
		add(c.fig, "  allocs", "allocs/op", c.wws, wl, c.peer, pl)
	}

	// F7: Abort with 1,000 pending operations.
	// op=gochan is the floor: goroutines released by closing a channel.
	floor := ""
	for _, n := range res.names("BenchmarkAbortPending/") {
		if strings.HasPrefix(n, "BenchmarkAbortPending/op=gochan/") {
			floor = n
		}
	}
	for _, n := range res.names("BenchmarkAbortPending/") {
		if n == floor {
			continue
		}
		v := strings.TrimPrefix(n, "BenchmarkAbortPending/")
		add("F7", "Abort returns", "abort-ns", n, v, "", "")
		fl := ""
		if floor != "" {
			fl = strings.TrimPrefix(floor, "BenchmarkAbortPending/")
		}
		add("F7", "last op returns", "release-ns", n, v, floor, fl)
	}

	// F8: idle sessions.
	for _, n := range res.names("BenchmarkIdleSessions/") {
		v := strings.TrimPrefix(n, "BenchmarkIdleSessions/")
		add("F8", "RSS per idle session", "rss-B/session", n, v, "", "")
		add("F8", "heap per idle session", "heap-B/session", n, v, "", "")
		add("F8", "stacks per idle session", "stack-B/session", n, v, "", "")
		add("F8", "goroutines per session", "goroutines/session", n, v, "", "")
	}

	// F9: HTTP.
	for _, wi := range implsWith(res, "BenchmarkHTTPRequestReply/impl=", "") {
		if !strings.HasPrefix(wi, "wws") {
			continue
		}
		for _, pi := range implsWith(res, "BenchmarkHTTPRequestReply/impl=", "") {
			if strings.HasPrefix(pi, "wws") {
				continue
			}
			wn, pn := "BenchmarkHTTPRequestReply/impl="+wi, "BenchmarkHTTPRequestReply/impl="+pi
			add("F9", "HTTP SOAP 1.1 r/r", "ns/op", wn, wi, pn, pi)
			add("F9", "  p99", "p99-ns", wn, wi, pn, pi)
			if pi != "rawhttp" { // the floor allocates nothing
				add("F9", "  allocs", "allocs/op", wn, wi, pn, pi)
			}
		}
	}

	if len(rows) == 0 {
		fmt.Fprintln(w, "no benchmark results")
		return
	}
	sort.SliceStable(rows, func(i, j int) bool { return figLess(rows[i].fig, rows[j].fig) })
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "\t\twws\t\tpeer\t\twws ÷ peer\t")
	for i, r := range rows {
		if i > 0 && r.fig != rows[i-1].fig {
			fmt.Fprintln(tw, "\t\t\t\t\t\t\t")
		}
		wv, pv, ratio := "n/a", "", ""
		if r.hasWWS {
			wv = format(r.wwsV, r.unit)
		}
		if r.peer != "" {
			pv = "n/a"
			if r.hasPeer {
				pv = format(r.peerV, r.unit)
			}
			ratio = "n/a"
			switch {
			case r.hasWWS && r.hasPeer && r.peerV != 0:
				ratio = formatRatio(r.wwsV / r.peerV)
			case r.hasWWS && r.hasPeer && r.wwsV == 0:
				ratio = "both 0"
			}
		}
		fmt.Fprintf(tw, "%s %s\t%s\t%s\t%s\t%s\t%s\t\n", r.fig, r.measure, r.wws, wv, r.peer, pv, ratio)
	}
	tw.Flush()
	fmt.Fprintln(w, "medians over the runs; wws ÷ peer below 1: wws takes less (time, memory, allocations)")
}

// variants returns the distinct name parts after prefix<impl>/, in the order
// first seen (numbers in order: callers=2 before callers=16).
func variants(res Results, prefix string) []string {
	seen := map[string]bool{}
	var vs []string
	for _, n := range res.names(prefix) {
		if _, rest, ok := strings.Cut(strings.TrimPrefix(n, prefix), "/"); ok && !seen[rest] {
			seen[rest] = true
			vs = append(vs, rest)
		}
	}
	sort.SliceStable(vs, func(i, j int) bool { return natLess(vs[i], vs[j]) })
	return vs
}

// implsWith returns the impls of prefix<impl>[/rest] names, in the order
// first seen.
func implsWith(res Results, prefix, rest string) []string {
	var is []string
	for _, n := range res.names(prefix) {
		impl, r, _ := strings.Cut(strings.TrimPrefix(n, prefix), "/")
		if r == rest {
			is = append(is, impl)
		}
	}
	return is
}

// figLess orders F1 … F9 by number.
func figLess(a, b string) bool {
	an, _ := strconv.Atoi(strings.TrimPrefix(a, "F"))
	bn, _ := strconv.Atoi(strings.TrimPrefix(b, "F"))
	return an < bn
}

// formatRatio shows two significant digits below 0.1, two decimals above.
func formatRatio(r float64) string {
	if r < 0.1 {
		return strconv.FormatFloat(r, 'g', 2, 64)
	}
	return fmt.Sprintf("%.2f", r)
}

// natLess orders "callers=2" before "callers=16".
func natLess(a, b string) bool {
	ai, aok := trailingInt(a)
	bi, bok := trailingInt(b)
	if aok && bok && strings.TrimRight(a, "0123456789") == strings.TrimRight(b, "0123456789") {
		return ai < bi
	}
	return a < b
}

func trailingInt(s string) (int, bool) {
	d := strings.TrimRight(s, "0123456789")
	n, err := strconv.Atoi(s[len(d):])
	return n, err == nil
}

// format renders v in unit: durations for ns units, sizes for bytes.
func format(v float64, unit string) string {
	switch {
	case strings.HasPrefix(unit, "ns/") || strings.HasSuffix(unit, "-ns"):
		switch {
		case v >= 1e9:
			return fmt.Sprintf("%.3gs", v/1e9)
		case v >= 1e6:
			return fmt.Sprintf("%.3gms", v/1e6)
		case v >= 1e3:
			return fmt.Sprintf("%.3gµs", v/1e3)
		}
		return fmt.Sprintf("%.3gns", v)
	case strings.HasPrefix(unit, "B/") || strings.HasSuffix(unit, "-B/session"):
		switch {
		case v >= 1<<20:
			return fmt.Sprintf("%.3g MiB", v/(1<<20))
		case v >= 1<<10:
			return fmt.Sprintf("%.3g KiB", v/(1<<10))
		}
		return fmt.Sprintf("%.0f B", v)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}
