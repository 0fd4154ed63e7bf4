//go:build !unix

package wws

import "testing"

// needFiles: this platform has no RLIMIT_NOFILE to check; the test runs.
func needFiles(t *testing.T, n uint64) {}
