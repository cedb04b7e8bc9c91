package sqlstore_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/sqlstore"
)

// TestFriendChanges follows the change log through imports, tag changes and
// deletes: each write is one version, and FriendChanges returns the current
// facts of exactly the friends written since a version, in one snapshot.
func TestFriendChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			db := testdb.Open(t, backend)
			a, err := db.CreateAccount(ctx, "changes", "")
			if err != nil {
				t.Fatal(err)
			}
			changed := func(since int64, limit int) *kizuna.FriendChanges {
				t.Helper()
				ch, err := db.FriendChanges(ctx, a, since, limit)
				if err != nil {
					t.Fatal(err)
				}
				return ch
			}
			ids := func(ch *kizuna.FriendChanges) []string {
				var out []string
				for _, f := range ch.Friends {
					out = append(out, f.LineUserID+":"+strings.Join(f.Tags, ","))
				}
				return out
			}
			if ch := changed(0, 10); ch.Version != 0 || ch.Rebuild || len(ch.Friends) != 0 {
				t.Fatalf("before any write: %+v", ch)
			}
			if _, err := db.ImportFriends(ctx, a, strings.NewReader(ndjson(fullLine(1, "VIP"), line(2, nil), line(3, map[string]any{"tags": []string{"old"}}))), kizuna.ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			ch := changed(0, 10)
			if want := []string{uid(1) + ":Shared,VIP", uid(2) + ":", uid(3) + ":old"}; ch.Version != 1 || ch.Rebuild || !slices.Equal(ids(ch), want) {
				t.Fatalf("after the import: version %d rebuild %v friends %v, want 1 false %v", ch.Version, ch.Rebuild, ids(ch), want)
			}
			if s := ch.Friends[0].Shopify; s == nil || s.OrdersCount != 4 || !slices.Equal(s.TagsNorm, []string{"wholesale"}) {
				t.Fatalf("facts of friend 1: %+v", s)
			}
			if ch := changed(0, 2); !ch.Rebuild || ch.Version != 1 {
				t.Fatalf("three friends over a limit of two: %+v", ch)
			}

			// Tags: added to two friends, removed from one; a new tag is created.
			if err := db.TagFriends(ctx, a, []string{uid(2), uid(3)}, []string{"new"}, []string{"old"}); err != nil {
				t.Fatal(err)
			}
			ch = changed(1, 10)
			if want := []string{uid(2) + ":new", uid(3) + ":new"}; ch.Version != 2 || !slices.Equal(ids(ch), want) || !slices.Contains(ch.TagNames, "new") {
				t.Fatalf("after tagging: version %d friends %v tags %v, want 2 %v", ch.Version, ids(ch), ch.TagNames, want)
			}
			// Both versions at once: friend 2 and 3 once each, as they are now.
			if got, want := ids(changed(0, 10)), []string{uid(1) + ":Shared,VIP", uid(2) + ":new", uid(3) + ":new"}; !slices.Equal(got, want) {
				t.Fatalf("since 0: %v, want %v", got, want)
			}

			// Refusals change nothing and log nothing.
			for _, bad := range []struct {
				ids, add, remove []string
				code, path       string
			}{
				{[]string{uid(1), uid(99)}, []string{"x"}, nil, kizuna.ENOTFOUND, ""},
				{[]string{uid(1)}, []string{" "}, nil, kizuna.EINVALID, "add[0]"},
				{[]string{uid(1)}, []string{"x"}, []string{"x"}, kizuna.EINVALID, "remove[0]"},
			} {
				err := db.TagFriends(ctx, a, bad.ids, bad.add, bad.remove)
				var e *kizuna.Error
				if kizuna.ErrorCode(err) != bad.code || (bad.path != "" && (!errors.As(err, &e) || e.Path != bad.path)) {
					t.Fatalf("TagFriends(%v, %v, %v) = %v, want %s at %q", bad.ids, bad.add, bad.remove, err, bad.code, bad.path)
				}
			}
			if v, _ := db.FriendsVersion(ctx, a); v != 2 {
				t.Fatalf("refused writes moved the version to %d", v)
			}
			// Every account's version in one read, as a follower polls them.
			other, _ := db.CreateAccount(ctx, "other-"+backend, "")
			gone := &kizuna.Account{ID: 1 << 40, Name: "gone"}
			if vs, err := db.FriendsVersions(ctx, []*kizuna.Account{a, other, gone}); err != nil || len(vs) != 2 || vs[a.ID] != 2 || vs[other.ID] != 0 {
				t.Fatalf("FriendsVersions = %v, %v; want %d: 2, %d: 0 and nothing for a missing account", vs, err, a.ID, other.ID)
			}
			if f, err := db.FindFriend(ctx, a, uid(1)); err != nil || slices.Contains(f.Tags, "x") {
				t.Fatalf("a refused write tagged friend 1: %v %v", f, err)
			}

			// Deletes: the friend is gone from the database and reported gone.
			if n, err := db.DeleteFriends(ctx, a, []string{uid(3), uid(98)}); err != nil || n != 1 {
				t.Fatalf("DeleteFriends = %d, %v", n, err)
			}
			ch = changed(2, 10)
			if ch.Version != 3 || len(ch.Friends) != 0 || !slices.Equal(ch.Gone, []string{uid(3), uid(98)}) {
				t.Fatalf("after the delete: %+v", ch)
			}
			if _, err := db.FindFriend(ctx, a, uid(3)); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
				t.Fatalf("deleted friend found: %v", err)
			}
			if n, err := db.DeleteFriends(ctx, a, []string{uid(3)}); err != nil || n != 0 {
				t.Fatalf("deleting again deleted %d", n)
			}
			if v, _ := db.FriendsVersion(ctx, a); v != 3 {
				t.Fatalf("a delete of nobody moved the version to %d", v)
			}

			// A log that no longer reaches back asks for a rebuild.
			if err := sqlstore.DropChange(ctx, db, a, 2); err != nil {
				t.Fatal(err)
			}
			if ch := changed(1, 10); !ch.Rebuild || ch.Version != 3 {
				t.Fatalf("with version 2's row gone: %+v", ch)
			}
			if ch := changed(2, 10); ch.Rebuild {
				t.Fatalf("since 2 needs only row 3: %+v", ch)
			}
		})
	}
}

// TestTagFriendsPastTheLogLimit tags more friends than the change log
// lists: the write succeeds, followers are told to rebuild, and a missing
// friend is still named. (Not parallel: it lowers a package limit.)
func TestTagFriendsPastTheLogLimit(t *testing.T) {
	defer sqlstore.SetChangeLogMaxIDs(3)()
	ctx := context.Background()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			db := testdb.Open(t, backend)
			a, _ := db.CreateAccount(ctx, "shop", "")
			if _, err := db.ImportFriends(ctx, a, strings.NewReader(ndjson(line(1, nil), line(2, nil))), kizuna.ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ImportFriends(ctx, a, strings.NewReader(ndjson(line(3, nil), line(4, nil), line(5, nil))), kizuna.ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			v, _ := db.FriendsVersion(ctx, a)
			all := []string{uid(1), uid(2), uid(3), uid(4), uid(5)}
			if err := db.TagFriends(ctx, a, all, []string{"x"}, nil); err != nil {
				t.Fatalf("tagging more friends than the log lists: %v", err)
			}
			if ch, err := db.FriendChanges(ctx, a, v, 100); err != nil || !ch.Rebuild {
				t.Fatalf("the change log after a write past its limit: %+v %v, want a rebuild", ch, err)
			}
			err := db.TagFriends(ctx, a, append(all[:4:4], uid(9)), []string{"y"}, nil)
			if kizuna.ErrorCode(err) != kizuna.ENOTFOUND || !strings.Contains(err.Error(), uid(9)) {
				t.Fatalf("a missing friend among many: %v", err)
			}
			if f, _ := db.FindFriend(ctx, a, uid(1)); !slices.Contains(f.Tags, "x") || slices.Contains(f.Tags, "y") {
				t.Fatalf("friend 1's tags: %v", f.Tags)
			}
		})
	}
}
