package soaphttp

import (
	"strings"
	"testing"
)

// FuzzRequestHeaders fuzzes what a server parses of a request's headers:
// the Content-Type (media type and parameters) and the action taken from
// its action= parameter or the SOAPAction header. The seed corpus is in
// testdata/fuzz/FuzzRequestHeaders.
func FuzzRequestHeaders(f *testing.F) {
	f.Add(`application/soap+xml; charset=utf-8; action="urn:a"`, ``)
	f.Fuzz(func(t *testing.T, contentType, soapAction string) {
		media, params := parseContentType(contentType)
		if media != strings.ToLower(media) || media != "" && strings.Count(media, "/") != 1 {
			t.Fatalf("media type %q of %q", media, contentType)
		}
		for k := range params {
			if k == "" || k != strings.ToLower(k) {
				t.Fatalf("parameter name %q of %q", k, contentType)
			}
		}
		a1 := requestAction(params, []string{soapAction})
		if a2 := requestAction(params, []string{soapAction}); a1 != a2 {
			t.Fatal("requestAction is not deterministic")
		}
		if _, ok := params["action"]; !ok && strings.TrimSpace(soapAction) == "" && a1 != "" {
			t.Fatalf("action %q from nothing", a1)
		}

		// What a client writes, a server reads back.
		action := soapAction
		for _, base := range []string{"text/xml; charset=utf-8", "application/soap+xml; charset=utf-8"} {
			m, _ := parseContentType(base)
			ct, sa, err := requestContentType(base, m, action)
			if err != nil {
				if !strings.ContainsFunc(action, func(r rune) bool { return r < ' ' || r == 0x7f }) {
					t.Fatalf("requestContentType(%q): %v", action, err)
				}
				return
			}
			gm, gp := parseContentType(ct)
			if gm != m {
				t.Fatalf("media type %q of %q, want %q", gm, ct, m)
			}
			var hdr []string
			if sa != "" {
				hdr = []string{sa}
			}
			if got := requestAction(gp, hdr); got != action && (action != "" || got != "") {
				t.Fatalf("action %q read back as %q (Content-Type %q, SOAPAction %q)", action, got, ct, sa)
			}
		}
	})
}

// FuzzAuthSchemes fuzzes the parsing of WWW-Authenticate and
// Proxy-Authenticate challenges.
func FuzzAuthSchemes(f *testing.F) {
	f.Add(`Basic realm="x"`)
	f.Fuzz(func(t *testing.T, v string) {
		seen := map[string]bool{}
		for _, s := range authSchemes(strings.Split(v, "\n")) {
			switch s {
			case "Basic", "Digest", "NTLM", "Negotiate":
			default:
				t.Fatalf("unknown scheme %q from %q", s, v)
			}
			if seen[s] {
				t.Fatalf("scheme %q twice from %q", s, v)
			}
			seen[s] = true
		}
	})
}
