package sqlstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

// TestSegments covers saved segments and folders on both backends: strict
// validation that changes nothing, unique names, edits recorded with the
// filter before and after, duplicates, soft deletes restorable for 30 days,
// folders that must be empty to go, and accounts that cannot see each other.
func TestSegments(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			db := testdb.Open(t, backend)
			clock := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
			db.Now = func() time.Time { return clock }
			a, _ := db.CreateAccount(ctx, "shop-a", "")
			b, _ := db.CreateAccount(ctx, "shop-b", "")
			if _, err := db.ImportFriends(ctx, a, strings.NewReader(ndjson(fullLine(1, "VIP"))), kizuna.ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			wantErr := func(err error, code, path string) {
				t.Helper()
				var e *kizuna.Error
				if kizuna.ErrorCode(err) != code || (path != "" && (!errors.As(err, &e) || e.Path != path)) {
					t.Fatalf("got %v, want %s at %q", err, code, path)
				}
			}
			vip := json.RawMessage(`{"groups":[{"conditions":[{"field":"tag","op":"has","value":"VIP"}]}]}`)
			shared := json.RawMessage(`{ "groups": [ {"conditions": [{"value": "Shared", "op": "has", "field": "tag"}]} ] }`)

			folder, err := db.CreateFolder(ctx, a, " Campaigns ")
			if err != nil || folder.Name != "Campaigns" {
				t.Fatalf("CreateFolder: %+v %v", folder, err)
			}
			_, err = db.CreateFolder(ctx, a, "Campaigns")
			wantErr(err, kizuna.ECONFLICT, "name")
			if _, err := db.CreateFolder(ctx, b, "Campaigns"); err != nil {
				t.Fatalf("another account's folder of the same name: %v", err)
			}

			// Refusals change nothing.
			_, err = db.CreateSegment(ctx, a, "test", "VIPs", 0, json.RawMessage(`{"groups":[]}`))
			wantErr(err, kizuna.EINVALIDFILTER, "groups")
			_, err = db.CreateSegment(ctx, a, "test", "VIPs", 0, json.RawMessage(`{"groups":[{"conditions":[{"field":"tag","op":"has","value":"nope"}]}]}`))
			wantErr(err, kizuna.EINVALIDFILTER, "groups[0].conditions[0].value")
			_, err = db.CreateSegment(ctx, a, "test", "  ", 0, vip)
			wantErr(err, kizuna.EINVALID, "name")
			_, err = db.CreateSegment(ctx, a, "test", "VIPs", folder.ID+1000, vip)
			wantErr(err, kizuna.ENOTFOUND, "folder_id")
			if list, err := db.Segments(ctx, a); err != nil || len(list) != 0 {
				t.Fatalf("refused creates saved %d segments", len(list))
			}

			s, err := db.CreateSegment(ctx, a, "aiko@example.com", "VIPs", folder.ID, vip)
			if err != nil {
				t.Fatal(err)
			}
			if s.FolderID == nil || *s.FolderID != folder.ID || s.Usage == nil || len(s.Usage) != 0 || !s.CreatedAt.Equal(clock) {
				t.Fatalf("created %+v", s)
			}
			_, err = db.CreateSegment(ctx, a, "test", "VIPs", 0, shared)
			wantErr(err, kizuna.ECONFLICT, "name")

			// Edits: rename, a new filter (stored canonically; the stored
			// count of the old filter is forgotten), out of the folder.
			if err := db.SetSegmentCount(ctx, a, s.ID, 1, clock); err != nil {
				t.Fatal(err)
			}
			clock = clock.Add(time.Hour)
			name := "VIP and shared"
			noFolder := int64(0)
			s2, err := db.EditSegment(ctx, a, "ben@example.com", s.ID, kizuna.SegmentEdit{Name: &name, Filter: shared, FolderID: &noFolder})
			if err != nil {
				t.Fatal(err)
			}
			if s2.Name != name || s2.FolderID != nil || s2.Count != nil || !s2.UpdatedAt.Equal(clock) ||
				string(s2.Filter) != `{"groups":[{"conditions":[{"field":"tag","op":"has","value":"Shared"}]}]}` {
				t.Fatalf("edited %+v filter %s", s2, s2.Filter)
			}
			hist, err := db.SegmentHistory(ctx, a, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			var actions []string
			for _, c := range hist {
				actions = append(actions, c.Actor+":"+c.Action)
			}
			if want := []string{"aiko@example.com:create", "ben@example.com:rename", "ben@example.com:edit", "ben@example.com:move"}; !slices.Equal(actions, want) {
				t.Fatalf("history %v, want %v", actions, want)
			}
			if e := hist[2]; string(e.FilterBefore) != string(s.Filter) || string(e.FilterAfter) != string(s2.Filter) {
				t.Fatalf("the edit recorded %s -> %s", e.FilterBefore, e.FilterAfter)
			}
			// An edit that changes nothing records nothing.
			if _, err := db.EditSegment(ctx, a, "test", s.ID, kizuna.SegmentEdit{Name: &name, Filter: shared, FolderID: &noFolder}); err != nil {
				t.Fatal(err)
			}
			if again, err := db.SegmentHistory(ctx, a, s.ID); err != nil || len(again) != len(hist) {
				t.Fatalf("a no-op edit recorded %+v", again[len(hist):])
			}

			// Duplicates keep the filter; the folder must be empty to go.
			if _, err := db.EditSegment(ctx, a, "test", s.ID, kizuna.SegmentEdit{FolderID: &folder.ID}); err != nil {
				t.Fatal(err)
			}
			dup, err := db.DuplicateSegment(ctx, a, "test", s.ID, "VIP and shared (copy)")
			if err != nil || dup.ID == s.ID || string(dup.Filter) != string(s2.Filter) || dup.FolderID == nil || *dup.FolderID != folder.ID {
				t.Fatalf("duplicate %+v %v", dup, err)
			}
			wantErr(db.DeleteFolder(ctx, a, folder.ID), kizuna.ECONFLICT, "")

			// Soft deletes: gone from the list, restorable, not over a live name.
			if err := db.DeleteSegment(ctx, a, "test", dup.ID); err != nil {
				t.Fatal(err)
			}
			_, err = db.Segment(ctx, a, dup.ID)
			wantErr(err, kizuna.ENOTFOUND, "")
			if del, err := db.DeletedSegments(ctx, a); err != nil || len(del) != 1 || del[0].ID != dup.ID || del[0].DeletedAt == nil {
				t.Fatalf("deleted list %+v", del)
			}
			taker, err := db.CreateSegment(ctx, a, "test", "VIP and shared (copy)", 0, vip)
			if err != nil {
				t.Fatal(err)
			}
			_, err = db.RestoreSegment(ctx, a, "test", dup.ID)
			wantErr(err, kizuna.ECONFLICT, "name")
			if err := db.DeleteSegment(ctx, a, "test", taker.ID); err != nil {
				t.Fatal(err)
			}
			if r, err := db.RestoreSegment(ctx, a, "test", dup.ID); err != nil || r.Name != "VIP and shared (copy)" {
				t.Fatalf("restore: %+v %v", r, err)
			}
			clock = clock.Add(kizuna.RestoreWindow + time.Second)
			_, err = db.RestoreSegment(ctx, a, "test", taker.ID)
			wantErr(err, kizuna.ENOTFOUND, "")

			// Another account sees none of it.
			_, err = db.Segment(ctx, b, s.ID)
			wantErr(err, kizuna.ENOTFOUND, "")
			_, err = db.EditSegment(ctx, b, "test", s.ID, kizuna.SegmentEdit{Name: &name})
			wantErr(err, kizuna.ENOTFOUND, "")
			wantErr(db.DeleteSegment(ctx, b, "test", s.ID), kizuna.ENOTFOUND, "")
			_, err = db.SegmentHistory(ctx, b, s.ID)
			wantErr(err, kizuna.ENOTFOUND, "")
			_, err = db.CreateSegment(ctx, b, "test", "x", folder.ID, json.RawMessage(`{"groups":[{"conditions":[{"field":"shopify.linked","op":"is","value":true}]}]}`))
			wantErr(err, kizuna.ENOTFOUND, "folder_id")
			wantErr(db.DeleteFolder(ctx, b, folder.ID), kizuna.ENOTFOUND, "folder_id")
			if list, err := db.Segments(ctx, b); err != nil || len(list) != 0 {
				t.Fatalf("shop-b lists %d segments", len(list))
			}

			// Emptied, the folder goes.
			for _, id := range []int64{s.ID, dup.ID} {
				if _, err := db.EditSegment(ctx, a, "test", id, kizuna.SegmentEdit{FolderID: &noFolder}); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.DeleteFolder(ctx, a, folder.ID); err != nil {
				t.Fatal(err)
			}
			if fs, err := db.Folders(ctx, a); err != nil || len(fs) != 0 {
				t.Fatalf("folders left: %+v", fs)
			}
		})
	}
}
