package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

// TestReach checks a broadcast's reach: the recipients are the following
// members in LINE user ID order, Matched counts the blocked friends that
// match the conditions too (a negation is taken over following and blocked
// friends alike), and a write is in the very next answer.
func TestReach(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t, "sqlite")
	e := engine.New(db, db, nil)
	defer e.Stop()
	a, _ := db.CreateAccount(ctx, "shop", "")
	var lines []string
	// Friends 1-9: odd ones VIP; 7, 8 and 9 blocked.
	for i := 9; i >= 1; i-- {
		tags, status := `[]`, "following"
		if i%2 == 1 {
			tags = `["VIP"]`
		}
		if i >= 7 {
			status = "blocked"
		}
		lines = append(lines, fmt.Sprintf(`{"line_user_id": "U%032x", "added_at": "2026-11-%02dT10:00:00+09:00", "status": %q, "tags": %s}`, i, i, status, tags))
	}
	if _, err := db.ImportFriends(ctx, a, strings.NewReader(strings.Join(lines, "\n")), kizuna.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	waitReady(t, e, a)
	id := func(i int) string { return fmt.Sprintf("U%032x", i) }
	for _, c := range []struct {
		filter  string
		want    []string
		matched int64
	}{
		{`{"groups":[{"conditions":[{"field":"tag","op":"has","value":"VIP"}]}]}`, []string{id(1), id(3), id(5)}, 5},
		{`{"groups":[{"conditions":[{"field":"tag","op":"not_has","value":"VIP"}]}]}`, []string{id(2), id(4), id(6)}, 4},
		{`{"groups":[{"conditions":[{"field":"tag","op":"has","value":"VIP"}]},{"conditions":[{"field":"tag","op":"not_has","value":"VIP"}]}]}`, []string{id(1), id(2), id(3), id(4), id(5), id(6)}, 9},
	} {
		r, err := e.Reach(ctx, a, json.RawMessage(c.filter), db.Now())
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(r.Recipients, c.want) || r.Matched != c.matched {
			t.Errorf("%s: recipients %v matched %d, want %v and %d", c.filter, r.Recipients, r.Matched, c.want, c.matched)
		}
	}
	// A tag given now is in the next reach.
	if err := db.TagFriends(ctx, a, []string{id(2)}, []string{"VIP"}, nil); err != nil {
		t.Fatal(err)
	}
	r, err := e.Reach(ctx, a, json.RawMessage(`{"groups":[{"conditions":[{"field":"tag","op":"has","value":"VIP"}]}]}`), db.Now())
	if err != nil || !slices.Equal(r.Recipients, []string{id(1), id(2), id(3), id(5)}) || r.Matched != 6 {
		t.Fatalf("after tagging: %+v %v", r, err)
	}
	// An unknown tag is refused as in a preview.
	if _, err := e.Reach(ctx, a, json.RawMessage(`{"groups":[{"conditions":[{"field":"tag","op":"has","value":"nope"}]}]}`), db.Now()); kizuna.ErrorCode(err) != kizuna.EINVALIDFILTER {
		t.Fatalf("unknown tag: %v", err)
	}
}
