package wws

import "testing"

// TestHRESULTNamesAndTexts: every code wws knows has a name and a text.
func TestHRESULTNamesAndTexts(t *testing.T) {
	for h, name := range hresultNames {
		if h.Text() == "" {
			t.Errorf("%s has no text", name)
		}
	}
}
