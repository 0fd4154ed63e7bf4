package transport

import "testing"

func TestConfigNetwork(t *testing.T) {
	for _, tc := range []struct {
		cfg  *Config
		want string
	}{{nil, "tcp"}, {&Config{}, "tcp"}, {&Config{IPVersion: 1}, "tcp4"}, {&Config{IPVersion: 2}, "tcp6"}, {&Config{IPVersion: 3}, "tcp"}} {
		if got := tc.cfg.Network("tcp"); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.cfg, got, tc.want)
		}
	}
}
