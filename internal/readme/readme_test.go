//go:build unix

package readme_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// root is the module root, where README.md is and its commands run.
const root = "../.."

// block is a fenced code block of README.md.
type block struct {
	lang  string
	line  int // of the opening fence
	lines []string
}

func readBlocks(t *testing.T) []block {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var blocks []block
	var cur *block
	for i, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && strings.HasPrefix(trimmed, "```"):
			cur = &block{lang: strings.TrimPrefix(trimmed, "```"), line: i + 1}
		case cur != nil && trimmed == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.lines = append(cur.lines, line)
		}
	}
	if cur != nil {
		t.Fatalf("README.md:%d: unclosed code block", cur.line)
	}
	return blocks
}

// command is one command line of an sh block.
type command struct {
	text       string // as written, continuation lines joined
	run        string // what runs: comment stripped, go run replaced, ports mapped
	background bool   // it ends with &
	wantExit   int    // from a trailing "# ... exit status N" comment
	binary     string // the program's name (wws, add-client, ...)
	args       []string
}

var (
	goRun      = regexp.MustCompile(`^go run (\./[A-Za-z0-9_./-]+)`)
	exitStatus = regexp.MustCompile(`exit status (\d+)`)
	loopback   = regexp.MustCompile(`127\.0\.0\.1:(\d+)`)
	urlArg     = regexp.MustCompile(`^[a-z][a-z.+]*://\S+$`)
)

// splitComment splits an sh line at a comment: a # after a blank, outside
// quotes.
func splitComment(s string) (code, comment string) {
	var quote rune
	for i, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '#' && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t'):
			return strings.TrimSpace(s[:i]), s[i+1:]
		}
	}
	return strings.TrimSpace(s), ""
}

// shellWords splits a command into words the way sh does for the simple
// commands README uses: blanks separate, single and double quotes group.
func shellWords(s string) []string {
	var words []string
	var w strings.Builder
	in, quote := false, rune(0)
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				w.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ' || r == '\t':
			if in {
				words = append(words, w.String())
				w.Reset()
				in = false
			}
		default:
			w.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, w.String())
	}
	return words
}

// commands returns the command lines of an sh block.
func commands(b block) []command {
	var out []command
	var pending string
	for _, line := range b.lines {
		if strings.HasSuffix(strings.TrimRight(line, " "), `\`) {
			pending += strings.TrimSpace(strings.TrimSuffix(strings.TrimRight(line, " "), `\`)) + " "
			continue
		}
		line = pending + strings.TrimSpace(line)
		pending = ""
		code, comment := splitComment(line)
		if code == "" {
			continue
		}
		c := command{text: code}
		if m := exitStatus.FindStringSubmatch(comment); m != nil {
			c.wantExit, _ = strconv.Atoi(m[1])
		}
		if strings.HasSuffix(code, "&") && !strings.HasSuffix(code, "&&") {
			c.background = true
			c.text = strings.TrimSpace(strings.TrimSuffix(code, "&"))
		}
		out = append(out, c)
	}
	return out
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// syncBuffer is a bytes buffer safe for a writer and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// background is a command started with &.
type background struct {
	c      command
	cmd    *exec.Cmd
	stdout *syncBuffer
	stderr *syncBuffer
	done   chan error
}

// TestReadmeCommands runs every command of README.md's sh code blocks, in
// order, on loopback: "go run ./pkg" is the package built once into a
// temporary directory, every 127.0.0.1 port gets a free one, a command
// ending in & runs in the background until it has printed "listening
// <url>" for each URL it was given (and is interrupted at the end, and
// must then exit 0). Each command must exit with the status its comment
// names (0 if none), and the output of an sh block must hold the lines of
// the text block that follows it, in order ("..." skips lines). "go test
// ./..." is not run: it is what runs this test.
func TestReadmeCommands(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	blocks := readBlocks(t)
	var first []string
	for _, b := range blocks {
		if b.lang == "sh" {
			for _, c := range commands(b) {
				first = append(first, c.text)
			}
			break
		}
	}
	if strings.Join(first, "\n") != "go run ./cmd/wws demo\ngo test ./..." {
		t.Errorf("README.md's first sh block is %q, want exactly the demo and the test command", first)
	}

	// Build every program the commands run, once.
	bin := t.TempDir()
	pkgs := map[string]bool{}
	for _, b := range blocks {
		if b.lang != "sh" {
			continue
		}
		for _, c := range commands(b) {
			if m := goRun.FindStringSubmatch(c.text); m != nil {
				pkgs[m[1]] = true
			} else if !strings.HasPrefix(c.text, "go test ") {
				t.Fatalf("README.md:%d: %q: the test runs only go run and go test commands", b.line, c.text)
			}
		}
	}
	args := []string{"build", "-o", bin + string(filepath.Separator)}
	for p := range pkgs {
		args = append(args, p)
	}
	build := exec.CommandContext(ctx, "go", args...)
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}

	// The commands' loopback ports, each mapped to a free one; in the
	// output shown, only these are mapped.
	ports := map[string]string{}
	for _, b := range blocks {
		if b.lang == "sh" {
			for _, c := range commands(b) {
				for _, m := range loopback.FindAllStringSubmatch(c.text, -1) {
					if ports[m[1]] == "" {
						ports[m[1]] = freePort(t)
					}
				}
			}
		}
	}
	mapPorts := func(s string) string {
		return loopback.ReplaceAllStringFunc(s, func(m string) string {
			if p := ports[loopback.FindStringSubmatch(m)[1]]; p != "" {
				return "127.0.0.1:" + p
			}
			return m
		})
	}

	var bgs []*background
	defer func() {
		for _, bg := range bgs {
			stopBackground(t, bg)
		}
	}()
	ran := map[string]bool{} // wws subcommands run
	for i, b := range blocks {
		if b.lang != "sh" {
			continue
		}
		var output strings.Builder // of the whole block, command after command
		for _, c := range commands(b) {
			if strings.HasPrefix(c.text, "go test ") {
				t.Logf("README.md:%d: not running %q (it runs this test)", b.line, c.text)
				continue
			}
			m := goRun.FindStringSubmatch(c.text)
			c.binary = path.Base(m[1])
			c.run = "exec " + filepath.Join(bin, c.binary) + mapPorts(strings.TrimPrefix(c.text, m[0]))
			c.args = shellWords(mapPorts(strings.TrimPrefix(c.text, m[0])))
			if c.binary == "wws" && len(c.args) > 0 {
				ran[c.args[0]] = true
			}
			if c.background {
				bg := startBackground(ctx, t, c)
				bgs = append(bgs, bg)
				output.WriteString(bg.stdout.String())
				continue
			}
			out := runForeground(ctx, t, b, c)
			output.WriteString(out)
		}
		if i+1 < len(blocks) && blocks[i+1].lang == "text" {
			checkOutput(t, blocks[i+1], mapPorts, output.String())
		}
	}
	for _, sub := range []string{"demo", "serve", "call", "decode", "bench"} {
		if !ran[sub] {
			t.Errorf("README.md runs no wws %s", sub)
		}
	}
}

// runForeground runs a command to completion and checks its exit status
// and what every such command must print; it returns stdout then stderr.
func runForeground(ctx context.Context, t *testing.T, b block, c command) string {
	t.Helper()
	cctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(cctx, "sh", "-c", c.run)
	cmd.Dir = root
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	switch {
	case cctx.Err() != nil:
		t.Fatalf("README.md:%d: %q did not finish within 90s\n%s%s", b.line, c.text, stdout.String(), stderr.String())
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("README.md:%d: %q: %v", b.line, c.text, err)
	}
	t.Logf("README.md:%d: %s -> exit %d in %v", b.line, c.text, code, time.Since(start).Round(time.Millisecond))
	if code != c.wantExit {
		t.Errorf("README.md:%d: %q exited %d, want %d\nstdout:\n%s\nstderr:\n%s", b.line, c.text, code, c.wantExit, stdout.String(), stderr.String())
	}
	var want []string
	if c.binary == "wws" && len(c.args) > 0 {
		switch c.args[0] {
		case "demo":
			want = []string{"checks passed, 0 failed"}
		case "decode":
			want = []string{"<s:Envelope"}
		case "bench":
			want = []string{"calls", "rate", "latency p50", "latency p99"}
		case "call":
			if code == 0 && strings.TrimSpace(stdout.String()) == "" {
				t.Errorf("README.md:%d: %q printed no reply", b.line, c.text)
			}
		}
	}
	for _, w := range want {
		if !strings.Contains(stdout.String(), w) {
			t.Errorf("README.md:%d: %q: the output lacks %q:\n%s\nstderr:\n%s", b.line, c.text, w, stdout.String(), stderr.String())
		}
	}
	return stdout.String() + stderr.String()
}

// startBackground starts a command and waits until it has printed
// "listening <url>" for every URL among its arguments.
func startBackground(ctx context.Context, t *testing.T, c command) *background {
	t.Helper()
	bg := &background{c: c, stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan error, 1)}
	bg.cmd = exec.Command("sh", "-c", c.run) // "exec": the signal reaches the program
	bg.cmd.Dir = root
	bg.cmd.Stdout, bg.cmd.Stderr = bg.stdout, bg.stderr
	bg.cmd.WaitDelay = 5 * time.Second
	if err := bg.cmd.Start(); err != nil {
		t.Fatalf("%q: %v", c.text, err)
	}
	go func() { bg.done <- bg.cmd.Wait() }()
	var urls []string
	for _, a := range c.args {
		if urlArg.MatchString(a) {
			urls = append(urls, a)
		}
	}
	if len(urls) == 0 {
		stopBackground(t, bg)
		t.Fatalf("%q: a background command needs the URLs it listens on, to wait for", c.text)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		missing := ""
		for _, u := range urls {
			if !strings.Contains(bg.stdout.String(), "listening "+u+"\n") {
				missing = u
			}
		}
		if missing == "" {
			t.Logf("%s: listening", c.text)
			return bg
		}
		select {
		case err := <-bg.done:
			bg.done <- err
			t.Fatalf("%q exited (%v) before listening on %s\nstdout:\n%s\nstderr:\n%s", c.text, err, missing, bg.stdout, bg.stderr)
		case <-ctx.Done():
			t.Fatalf("%q: %v", c.text, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%q did not print \"listening %s\" within 20s\nstdout:\n%s\nstderr:\n%s", c.text, missing, bg.stdout, bg.stderr)
		}
	}
}

// stopBackground interrupts a background command, as Ctrl-C would, and
// checks it exits 0 promptly; it kills it otherwise.
func stopBackground(t *testing.T, bg *background) {
	t.Helper()
	bg.cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-bg.done:
		if err != nil {
			t.Errorf("%q exited with %v after an interrupt\nstderr (tail):\n%s", bg.c.text, err, tail(bg.stderr.String(), 2000))
		}
	case <-time.After(10 * time.Second):
		t.Errorf("%q did not exit within 10s of an interrupt", bg.c.text)
		bg.cmd.Process.Kill()
		<-bg.done
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// checkOutput checks that the lines of a text block appear, in order and
// each whole, in out; a line "..." or "…" stands for any lines.
func checkOutput(t *testing.T, b block, mapPorts func(string) string, out string) {
	t.Helper()
	got := strings.Split(out, "\n")
	at := 0
	for _, w := range b.lines {
		if tw := strings.TrimSpace(w); tw == "..." || tw == "…" {
			continue
		}
		w = mapPorts(w)
		found := false
		for at < len(got) {
			at++
			if got[at-1] == w {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("README.md:%d: the output shown has the line\n\t%s\nwhich the commands did not print (in this order); they printed:\n%s", b.line, w, out)
			return
		}
	}
}

// TestShellWords: the quoting the README's commands use.
func TestShellWords(t *testing.T) {
	got := shellWords(` call net.tcp://h/  --body '<a x="1">b c</a>' "d e"`)
	want := []string{"call", "net.tcp://h/", "--body", `<a x="1">b c</a>`, "d e"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("shellWords: %q, want %q", got, want)
	}
	code, comment := splitComment(`wws call x --body '<a># not</a>'   # exit status 1`)
	if code != `wws call x --body '<a># not</a>'` || !strings.Contains(comment, "exit status 1") {
		t.Errorf("splitComment: %q %q", code, comment)
	}
	cs := commands(block{lines: []string{"go run ./cmd/wws call a \\", "    --b c   # exit status 2", "", "go run ./x serve u &  # note"}})
	if len(cs) != 2 || cs[0].text != "go run ./cmd/wws call a --b c" || cs[0].wantExit != 2 || !cs[1].background || cs[1].text != "go run ./x serve u" {
		t.Errorf("commands: %+v", cs)
	}
}
