package kizuna_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/conformance"
)

// FuzzParseFilter checks that the parser never panics, that every refusal is
// an invalid_filter *Error with a path, and that every accepted filter
// survives a round trip through its JSON form unchanged.
func FuzzParseFilter(f *testing.F) {
	for _, c := range conformance.Load(f).Cases {
		f.Add([]byte(c.Filter))
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"groups":[{"conditions":[{"field":"shopify.abandoned_cart","op":"exists","hours_since":{"op":"between","value":[1,2]}}]}]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		flt, err := kizuna.ParseFilter(in)
		if err != nil {
			var e *kizuna.Error
			if !errors.As(err, &e) || e.Code != kizuna.EINVALIDFILTER || e.Path == "" || e.Message == "" {
				t.Fatalf("refusal without code, path or message: %#v", err)
			}
			return
		}
		out, err := json.Marshal(flt)
		if err != nil {
			t.Fatalf("marshal accepted filter: %v", err)
		}
		again, err := kizuna.ParseFilter(out)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
		out2, _ := json.Marshal(again)
		if string(out) != string(out2) {
			t.Fatalf("round trip changed the filter:\n%s\n%s", out, out2)
		}
	})
}
