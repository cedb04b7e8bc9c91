package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kizuna-line/kizuna/internal/testdb"
)

// TestCLITimesInRange: an import line whose time leaves the years
// 0001-9999 in some zone is refused with its line and path, and a preview's
// --now outside them prints the error object at "now" (it used to fail
// while writing the answer, with no error object).
func TestCLITimesInRange(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			k := kizunaCLI{t: t, dsn: testdb.DSN(t, backend)}
			k.ok("", "account", "create", "shop")
			k.ok(friendsNDJSON, "import", "--account", "shop", "-")
			bad := `{"line_user_id": "U00000000000000000000000000000009", "added_at": "9999-12-31T23:59:59-14:00"}` + "\n"
			r := k.run(bad, "import", "--account", "shop", "-")
			if r.code == 0 || !strings.Contains(r.stderr, "line 1: added_at must be between 0001-01-02 and 9999-12-30") || !strings.Contains(r.stderr, "(at added_at)") {
				t.Errorf("import of a time past 9999: %+v", r)
			}
			for _, now := range []string{"9999-12-31T23:59:59-14:00", "0000-01-01T00:00:00Z"} {
				r = k.run(vipFilter, "preview", "--account", "shop", "--filter", "-", "--now", now, "--json")
				var e struct {
					Error struct{ Code, Message, Path string } `json:"error"`
				}
				if err := json.Unmarshal([]byte(r.stdout), &e); err != nil || r.code == 0 || e.Error.Code != "invalid" || e.Error.Path != "now" {
					t.Errorf("preview --now %s: %+v %+v", now, r, e)
				}
			}
			// The account still answers.
			k.ok(vipFilter, "preview", "--account", "shop", "--filter", "-", "--json")
		})
	}
}
