package sqlstore

import (
	"strings"
	"testing"

	"github.com/kizuna-line/kizuna/internal/password"
)

// TestDummyHashParameters checks that the constant hash an unknown address
// is checked against has the parameters of a stored hash: if password.Hash
// changes them, an unknown address would cost another time and memory than
// a known one, and answers would tell which addresses exist.
func TestDummyHashParameters(t *testing.T) {
	h, err := password.Hash("x")
	if err != nil {
		t.Fatal(err)
	}
	params := func(h string) string { // "$argon2id$v=19$m=...,t=...,p=...$"
		parts := strings.Split(h, "$")
		if len(parts) != 6 {
			t.Fatalf("hash %q has %d parts", h, len(parts))
		}
		return strings.Join(parts[:4], "$")
	}
	if got, want := params(dummyHash), params(h); got != want {
		t.Errorf("dummyHash has parameters %q, stored hashes %q: make it again with password.Hash", got, want)
	}
	if password.Check(dummyHash, "x") || password.Check(dummyHash, "") {
		t.Error("dummyHash matches a guessable password")
	}
}
