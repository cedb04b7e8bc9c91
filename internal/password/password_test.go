package password

import (
	"strings"
	"testing"
)

func TestHashAndCheck(t *testing.T) {
	h, err := Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Fatalf("hash %q", h)
	}
	if !Check(h, "correct horse battery") {
		t.Error("the right password does not match")
	}
	for _, wrong := range []string{"", "correct horse batter", "Correct horse battery"} {
		if Check(h, wrong) {
			t.Errorf("%q matches", wrong)
		}
	}
	h2, _ := Hash("correct horse battery")
	if h2 == h {
		t.Error("two hashes of one password are equal: no salt")
	}
	for _, bad := range []string{"", "plain", "$argon2id$v=19$m=65536,t=3,p=2$AAAA", "$bcrypt$v=19$m=1,t=1,p=1$AAAA$AAAA"} {
		if Check(bad, "x") {
			t.Errorf("malformed hash %q matches", bad)
		}
	}
}
