package sqlstore_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

// TestTags creates, renames and deletes friend tags: saved segments follow a
// rename, a delete waits until no live segment tests the tag, carriers'
// tags change with it, and each write reaches the change log.
func TestTags(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			db := testdb.Open(t, backend)
			a, _ := db.CreateAccount(ctx, "shop", "")
			if _, err := db.ImportFriends(ctx, a, strings.NewReader(ndjson(fullLine(1, "VIP"), line(2, nil))), kizuna.ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			tagNames := func() []string {
				tags, err := db.Tags(ctx, a)
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, tg := range tags {
					out = append(out, tg.Name)
				}
				return out
			}
			v0, _ := db.FriendsVersion(ctx, a)
			if err := db.CreateTag(ctx, a, "Spring"); err != nil {
				t.Fatal(err)
			}
			if ch, _ := db.FriendChanges(ctx, a, v0, 10); ch.Version != v0+1 || !slices.Contains(ch.TagNames, "Spring") {
				t.Fatalf("a new tag did not reach the change log: %+v", ch)
			}
			if got := kizuna.ErrorCode(db.CreateTag(ctx, a, "Spring")); got != kizuna.ECONFLICT {
				t.Fatalf("creating a tag twice: %s", got)
			}
			// A typed name is trimmed: " Spring " is the same tag, not a second one.
			if got := kizuna.ErrorCode(db.CreateTag(ctx, a, " Spring ")); got != kizuna.ECONFLICT {
				t.Fatalf("creating \" Spring \" next to \"Spring\": %s", got)
			}
			if err := db.TagFriends(ctx, a, []string{uid(2)}, []string{" Spring"}, nil); err != nil {
				t.Fatal(err)
			}
			if f, _ := db.FindFriend(ctx, a, uid(2)); !slices.Equal(f.Tags, []string{"Spring"}) {
				t.Fatalf("friend 2 tagged \" Spring\": %q", f.Tags)
			}
			if err := db.TagFriends(ctx, a, []string{uid(2)}, nil, []string{"Spring"}); err != nil {
				t.Fatal(err)
			}
			seg, err := db.CreateSegment(ctx, a, "test", "VIPs", 0, json.RawMessage(`{"groups":[{"conditions":[{"field":"tag","op":"has_any","value":["VIP","Spring"]}]}]}`))
			if err != nil {
				t.Fatal(err)
			}

			v1, _ := db.FriendsVersion(ctx, a)
			if err := db.RenameTag(ctx, a, "carol", "VIP", "VIP 2026"); err != nil {
				t.Fatal(err)
			}
			if got, _ := db.Segment(ctx, a, seg.ID); !strings.Contains(string(got.Filter), `["VIP 2026","Spring"]`) {
				t.Fatalf("the segment did not follow the rename: %s", got.Filter)
			}
			if h, _ := db.SegmentHistory(ctx, a, seg.ID); h[len(h)-1].Actor != "carol" || h[len(h)-1].Action != "edit" {
				t.Fatalf("history %+v", h[len(h)-1])
			}
			if f, _ := db.FindFriend(ctx, a, uid(1)); !slices.Contains(f.Tags, "VIP 2026") || slices.Contains(f.Tags, "VIP") {
				t.Fatalf("friend 1's tags %v", f.Tags)
			}
			if ch, _ := db.FriendChanges(ctx, a, v1, 10); len(ch.Friends) != 1 || ch.Friends[0].LineUserID != uid(1) || !slices.Contains(ch.Friends[0].Tags, "VIP 2026") {
				t.Fatalf("the rename's carriers in the log: %+v", ch)
			}
			for _, c := range []struct {
				from, to, code string
			}{{"VIP 2026", "Spring", kizuna.ECONFLICT}, {"nope", "x", kizuna.ENOTFOUND}, {"Spring", " ", kizuna.EINVALID}} {
				if got := kizuna.ErrorCode(db.RenameTag(ctx, a, "test", c.from, c.to)); got != c.code {
					t.Fatalf("rename %q to %q: %s, want %s", c.from, c.to, got, c.code)
				}
			}

			// Automatic classification: the segment's members get a tag.
			v2, _ := db.FriendsVersion(ctx, a)
			if n, err := db.TagSegmentMembers(ctx, a, seg.ID, "Auto"); err != nil || n != 1 {
				t.Fatalf("TagSegmentMembers = %d, %v", n, err)
			}
			if f, _ := db.FindFriend(ctx, a, uid(1)); !slices.Contains(f.Tags, "Auto") {
				t.Fatalf("the member's tags %v", f.Tags)
			}
			if f, _ := db.FindFriend(ctx, a, uid(2)); slices.Contains(f.Tags, "Auto") {
				t.Fatalf("a non-member was tagged: %v", f.Tags)
			}
			if ch, _ := db.FriendChanges(ctx, a, v2, 10); len(ch.Friends) != 1 || !slices.Contains(ch.Friends[0].Tags, "Auto") {
				t.Fatalf("the classification in the log: %+v", ch)
			}
			if _, err := db.TagSegmentMembers(ctx, a, seg.ID+100, "Auto"); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
				t.Fatalf("an unknown segment: %v", err)
			}

			err = db.DeleteTag(ctx, a, "VIP 2026")
			if kizuna.ErrorCode(err) != kizuna.ECONFLICT || !strings.Contains(err.Error(), `"VIPs"`) {
				t.Fatalf("deleting a tag a segment uses: %v", err)
			}
			if err := db.DeleteSegment(ctx, a, "test", seg.ID); err != nil {
				t.Fatal(err)
			}
			if err := db.DeleteTag(ctx, a, "VIP 2026"); err != nil {
				t.Fatal(err)
			}
			if f, _ := db.FindFriend(ctx, a, uid(1)); slices.Contains(f.Tags, "VIP 2026") {
				t.Fatalf("friend 1 still carries the deleted tag: %v", f.Tags)
			}
			if got := tagNames(); slices.Contains(got, "VIP 2026") || !slices.Contains(got, "Spring") {
				t.Fatalf("tags %v", got)
			}
			// The deleted segment tests the deleted tag: it cannot come back
			// (it would test a tag that does not exist) until the tag does.
			_, err = db.RestoreSegment(ctx, a, "test", seg.ID)
			if kizuna.ErrorCode(err) != kizuna.ECONFLICT || !strings.Contains(err.Error(), `"VIP 2026"`) {
				t.Fatalf("restoring a segment whose tag was deleted: %v", err)
			}
			if live, err := db.Segments(ctx, a); err != nil || len(live) != 0 {
				t.Fatalf("the refused restore brought back %v (%v)", live, err)
			}
			if err := db.CreateTag(ctx, a, "VIP 2026"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.RestoreSegment(ctx, a, "test", seg.ID); err != nil {
				t.Fatalf("restoring once the tag exists again: %v", err)
			}
		})
	}
}
