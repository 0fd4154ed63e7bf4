package xmlnode

import "testing"

// TestParseGUID: 8-4-4-4-12 hex digits in either case, and nothing else —
// a dash anywhere else, a missing digit or a stray character is refused
// (without reading past the input).
func TestParseGUID(t *testing.T) {
	g, ok := ParseGUID([]byte("2fd45e24-fcf9-42a5-993c-92A599c7d43b"))
	if !ok || string(AppendGUID(nil, g)) != "2fd45e24-fcf9-42a5-993c-92a599c7d43b" {
		t.Fatalf("ParseGUID = %x, %v", g, ok)
	}
	for _, bad := range []string{
		"2fd45e24-fcf9-42a5-993c-92a5-99c7d43", // a fifth dash (found by fuzzing: read past the end)
		"2fd45e24-fcf9-42a5-993c-92a599c7d43",  // too short
		"2fd45e24-fcf9-42a5-993c-92a599c7d43bb",
		"2fd45e24-fcf9-42a5-993c-92a599c7d43g",
		"2fd45e24xfcf9-42a5-993c-92a599c7d43b",
		"-fd45e24-fcf9-42a5-993c-92a599c7d43b",
		"",
	} {
		if _, ok := ParseGUID([]byte(bad)); ok {
			t.Errorf("ParseGUID(%q) accepted", bad)
		}
	}
}
