//go:build unix

package wws

import (
	"syscall"
	"testing"
)

// needFiles makes sure the process may open n files (sockets): it raises
// the soft RLIMIT_NOFILE up to the hard limit if it must, and skips the
// test, saying why, when even the hard limit is lower.
func needFiles(t *testing.T, n uint64) {
	t.Helper()
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		t.Skipf("needs %d open files and cannot read RLIMIT_NOFILE: %v", n, err)
	}
	if rl.Cur >= n {
		return
	}
	if rl.Max < n {
		t.Skipf("needs %d open files; RLIMIT_NOFILE is %d (hard limit %d): raise it with ulimit -n", n, rl.Cur, rl.Max)
	}
	old := rl
	rl.Cur = n
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		t.Skipf("needs %d open files; RLIMIT_NOFILE is %d and could not be raised: %v", n, old.Cur, err)
	}
	t.Logf("raised the soft RLIMIT_NOFILE from %d to %d", old.Cur, n)
	t.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old) })
}
