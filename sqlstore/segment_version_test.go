package sqlstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

// TestSegmentVersion checks editing together on both backends: every change
// steps the segment's version, and an edit made from an older version is
// refused, naming who changed the segment and when, and changes nothing.
func TestSegmentVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			db := testdb.Open(t, backend)
			clock := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
			db.Now = func() time.Time { return clock }
			a, _ := db.CreateAccount(ctx, "together", "Asia/Tokyo")
			if _, err := db.ImportFriends(ctx, a, strings.NewReader(ndjson(fullLine(1, "VIP"))), kizuna.ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			vip := json.RawMessage(`{"groups":[{"conditions":[{"field":"tag","op":"has","value":"VIP"}]}]}`)
			nobody := json.RawMessage(`{"groups":[{"conditions":[{"field":"tag","op":"not_has","value":"VIP"}]}]}`)
			seg, err := db.CreateSegment(ctx, a, "aiko@example.com", "VIPs", 0, vip)
			if err != nil {
				t.Fatal(err)
			}
			if seg.Version != 1 {
				t.Fatalf("a new segment's version is %d, want 1", seg.Version)
			}
			opened := seg.Version // both editors open version 1

			// Aiko renames it from version 1.
			clock = clock.Add(time.Hour)
			name := "Top customers"
			seg, err = db.EditSegment(ctx, a, "aiko@example.com", seg.ID, kizuna.SegmentEdit{Name: &name, Version: opened})
			if err != nil || seg.Version != 2 || seg.Name != name {
				t.Fatalf("rename from the current version: %+v %v", seg, err)
			}
			// Ben, still on version 1, saves a new filter and his old name.
			clock = clock.Add(time.Minute)
			old := "VIPs"
			folder := int64(0)
			_, err = db.EditSegment(ctx, a, "ben@example.com", seg.ID, kizuna.SegmentEdit{Name: &old, Filter: nobody, FolderID: &folder, Version: opened})
			var e *kizuna.Error
			if kizuna.ErrorCode(err) != kizuna.ECONFLICT || !errors.As(err, &e) || e.Path != kizuna.StalePath {
				t.Fatalf("a save from an old version: %v, want conflict at %q", err, kizuna.StalePath)
			}
			// Who and when, in the account's zone (12:00 UTC + 1h = 22:00 JST).
			for _, want := range []string{"aiko@example.com", "2026-11-28 22:00:00 JST"} {
				if !strings.Contains(e.Message, want) {
					t.Errorf("message %q does not say %q", e.Message, want)
				}
			}
			got, err := db.Segment(ctx, a, seg.ID)
			if err != nil || got.Name != name || string(got.Filter) != string(seg.Filter) || got.Version != 2 {
				t.Fatalf("the refused save changed the segment: %+v %v", got, err)
			}
			hist, _ := db.SegmentHistory(ctx, a, seg.ID)
			if len(hist) != 2 {
				t.Fatalf("history after a refused save: %+v", hist)
			}
			// From the current version, Ben's save goes through.
			seg, err = db.EditSegment(ctx, a, "ben@example.com", seg.ID, kizuna.SegmentEdit{Filter: nobody, Version: got.Version})
			if err != nil || seg.Version != 3 {
				t.Fatalf("save from the current version: %+v %v", seg, err)
			}
			// An edit that changes nothing keeps the version; one without a
			// version is not checked (the API's PATCH without one).
			if seg, err = db.EditSegment(ctx, a, "ben@example.com", seg.ID, kizuna.SegmentEdit{Filter: nobody, Version: 3}); err != nil || seg.Version != 3 {
				t.Fatalf("an edit that changes nothing: %+v %v", seg, err)
			}
			if seg, err = db.EditSegment(ctx, a, "api", seg.ID, kizuna.SegmentEdit{Name: &old}); err != nil || seg.Version != 4 {
				t.Fatalf("an edit without a version: %+v %v", seg, err)
			}
			// Deleting and restoring are changes too: a form opened before
			// them is stale.
			if err := db.DeleteSegment(ctx, a, "aiko@example.com", seg.ID); err != nil {
				t.Fatal(err)
			}
			if seg, err = db.RestoreSegment(ctx, a, "aiko@example.com", seg.ID); err != nil || seg.Version != 6 {
				t.Fatalf("restore: %+v %v", seg, err)
			}
			_, err = db.EditSegment(ctx, a, "ben@example.com", seg.ID, kizuna.SegmentEdit{Name: &name, Version: 4})
			if kizuna.ErrorCode(err) != kizuna.ECONFLICT {
				t.Fatalf("a save from before a delete and restore: %v", err)
			}
			// Renaming a tag rewrites the filters that test it: a change of
			// the filter like any other, so a form opened before it is stale
			// (its save would put back the old name).
			if err := db.RenameTag(ctx, a, "aiko@example.com", "VIP", "Gold"); err != nil {
				t.Fatal(err)
			}
			if got, err := db.Segment(ctx, a, seg.ID); err != nil || got.Version != 7 || !strings.Contains(string(got.Filter), "Gold") {
				t.Fatalf("after renaming its tag: %+v %v, want version 7 testing Gold", got, err)
			}
			_, err = db.EditSegment(ctx, a, "ben@example.com", seg.ID, kizuna.SegmentEdit{Name: &name, Version: 6})
			if kizuna.ErrorCode(err) != kizuna.ECONFLICT {
				t.Fatalf("a save from before a rename of its tag: %v", err)
			}
		})
	}
}
