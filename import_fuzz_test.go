package kizuna_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/conformance"
)

// FuzzParseFriendLine checks the import line parser: it never panics, every
// refusal is an invalid_import *Error with a path and a message, and every
// accepted line, written back as JSON, parses to the same friend.
func FuzzParseFriendLine(f *testing.F) {
	for _, line := range bytes.Split(conformance.Load(f).Friends, []byte("\n")) {
		if len(bytes.TrimSpace(line)) > 0 {
			f.Add(line)
		}
	}
	f.Add([]byte(`{"line_user_id":"U00000000000000000000000000000001","added_at":"9999-12-31T23:59:59-14:00"}`))
	f.Add([]byte(`{"line_user_id":"U00000000000000000000000000000001","added_at":"2026-01-01T00:00:00Z","tags":["a"],"tags":["b"]}`))
	f.Add([]byte(`{"line_user_id":"U00000000000000000000000000000001","added_at":"2026-01-01T00:00:00Z","display_name":"a\u0000","hubspot":{"properties":{"p":{"x":1,"x":2}}}}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		fr, err := kizuna.ParseFriendLine(in)
		if err != nil {
			var e *kizuna.Error
			if !errors.As(err, &e) || e.Code != kizuna.EINVALIDIMPORT || e.Path == "" || e.Message == "" {
				t.Fatalf("refusal without code, path or message: %#v", err)
			}
			return
		}
		if !kizuna.TimeInRange(fr.AddedAt) {
			t.Fatalf("accepted added_at %s outside the range", fr.AddedAt)
		}
		out, err := json.Marshal(fr)
		if err != nil {
			t.Fatalf("marshal accepted friend: %v", err)
		}
		again, err := kizuna.ParseFriendLine(out)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
		out2, _ := json.Marshal(again)
		if !bytes.Equal(out, out2) {
			t.Fatalf("round trip changed the friend:\n%s\n%s", out, out2)
		}
	})
}

// FuzzParseCatalog checks the catalog parser the same way: no panic, every
// refusal an invalid *Error with a path, every accepted document the same
// after a round trip through its JSON form.
func FuzzParseCatalog(f *testing.F) {
	f.Add(conformance.Load(f).Catalog)
	f.Add([]byte(`{"hubspot":{"segments":[{"id":"1","name":"a"}],"properties":[],"segments":[]}}`))
	f.Add([]byte(`{"klaviyo":{"lists":[{"id":"Y","name":"N"}],"properties":[{"name":"p","label":"P","type":"string","options":[{"value":"v","label":"V"}]}]}}`))
	f.Add([]byte(`{"mailchimp":{}}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := kizuna.ParseCatalog(in)
		if err != nil {
			var e *kizuna.Error
			if !errors.As(err, &e) || e.Code != kizuna.EINVALID || e.Path == "" || e.Message == "" {
				t.Fatalf("refusal without code, path or message: %#v", err)
			}
			return
		}
		out, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("marshal accepted catalog: %v", err)
		}
		again, err := kizuna.ParseCatalog(out)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
		out2, _ := json.Marshal(again)
		if !bytes.Equal(out, out2) {
			t.Fatalf("round trip changed the catalog:\n%s\n%s", out, out2)
		}
	})
}
