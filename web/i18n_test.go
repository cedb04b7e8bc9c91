package web

import "testing"

// TestMessagesOnce checks that no key is defined in two catalogs, where the
// first would silently hide the second, and that none is missing a language.
func TestMessagesOnce(t *testing.T) {
	seen := map[string]int{}
	for i, c := range catalogs {
		for k, v := range c {
			if j, dup := seen[k]; dup {
				t.Errorf("message %q is defined in catalogs %d and %d", k, j, i)
			}
			seen[k] = i
			if v[0] == "" || v[1] == "" {
				t.Errorf("message %q lacks a language: %q", k, v)
			}
		}
	}
}
