package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

// TestEngineEstimatedAdded checks that the engine counts the members with
// an estimated added date as SQL does, on an index that learned of them
// through the change log (a follower sync after the build) and on one
// built with them; and that a webhook follow is in the engine's very next
// preview.
func TestEngineEstimatedAdded(t *testing.T) {
	ctx := context.Background()
	lineID := func(n int) string { return fmt.Sprintf("U%032x", n) }
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			db := testdb.Open(t, backend)
			now := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
			db.Now = func() time.Time { return now }
			e := engine.New(db, db, nil)
			defer e.Stop()
			e.Now = db.Now
			a, err := db.CreateAccount(ctx, "shop", "Asia/Tokyo")
			if err != nil {
				t.Fatal(err)
			}
			var lines []string
			for n := 1; n <= 60; n++ {
				tag := []string{"VIP", "new", "other"}[n%3]
				lines = append(lines, fmt.Sprintf(`{"line_user_id": %q, "added_at": "2026-%02d-%02dT10:00:00+09:00", "tags": [%q]}`, lineID(n), 1+n%11, 1+n%27, tag))
			}
			if _, err := e.ImportFriends(ctx, a, strings.NewReader(strings.Join(lines, "\n")), kizuna.ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			waitReady(t, e, a)

			filters := []string{
				`{"field":"line.days_since_added","op":"lte","value":0}`,
				`{"field":"line.days_since_added","op":"gte","value":30}`,
				`{"field":"line.added_date","op":"on","value":"2026-12-01"}`,
				`{"field":"line.added_date","op":"after","value":"2026-06-30"}`,
				`{"field":"line.added_date","op":"between","value":["2026-01-01","2026-12-31"]}`,
				`{"field":"tag","op":"has","value":"VIP"}`,
				`{"field":"tag","op":"has","value":"VIP"},{"field":"line.days_since_added","op":"lt","value":400}`,
				`{"field":"tag","op":"not_has","value":"VIP"}]},{"conditions":[{"field":"line.added_date","op":"on","value":"2026-12-01"}`,
			}
			compare := func(what string, wantSomeEstimated bool) {
				t.Helper()
				some := false
				for _, f := range filters {
					req := kizuna.PreviewRequest{Filter: json.RawMessage(`{"groups":[{"conditions":[` + f + `]}]}`), Lang: "en"}
					got, err := e.Preview(ctx, a, req)
					if err != nil {
						t.Fatalf("%s: %s: %v", what, f, err)
					}
					want, err := db.Preview(ctx, a, req)
					if err != nil {
						t.Fatal(err)
					}
					if got.AnsweredBy != "engine" {
						t.Fatalf("%s: answered by %s", what, got.AnsweredBy)
					}
					samePreview(t, what+": "+f, got, want)
					if !strings.Contains(f, "line.") && got.EstimatedAdded != 0 {
						t.Fatalf("%s: %s tests no added date but counts %d estimated", what, f, got.EstimatedAdded)
					}
					some = some || got.EstimatedAdded > 0
				}
				if some != wantSomeEstimated {
					t.Fatalf("%s: estimated dates counted: %v, want %v", what, some, wantSomeEstimated)
				}
			}
			compare("before the sync", false)

			// A sync: 20 new friends (estimated dates), 10 of the imported
			// ones not returned (blocked), tags for some new ones.
			s, err := db.StartLineSync(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			var page []kizuna.Follower
			for n := 11; n <= 80; n++ {
				page = append(page, kizuna.Follower{LineUserID: lineID(n), DisplayName: fmt.Sprintf("Friend %d", n)})
			}
			if _, err := db.SyncFollowers(ctx, a, s.ID, page); err != nil {
				t.Fatal(err)
			}
			if s, err = db.FinishLineSync(ctx, a, s.ID); err != nil || s.Added != 20 || s.Blocked != 10 {
				t.Fatalf("sync %+v %v", s, err)
			}
			var vips []string
			for n := 61; n <= 80; n += 2 {
				vips = append(vips, lineID(n))
			}
			if err := e.TagFriends(ctx, a, vips, []string{"VIP"}, nil); err != nil {
				t.Fatal(err)
			}
			compare("applied from the change log", true)
			p, err := e.Preview(ctx, a, kizuna.PreviewRequest{Filter: json.RawMessage(`{"groups":[{"conditions":[{"field":"line.days_since_added","op":"lte","value":0}]}]}`)})
			if err != nil || p.Count != 20 || p.EstimatedAdded != 20 {
				t.Fatalf("added today: %+v %v", p, err)
			}

			// A webhook follow: in the next preview, with a known date.
			before := p.Count
			if _, err := db.ApplyWebhookEvents(ctx, a, []kizuna.WebhookEvent{{ID: "ev1", Type: kizuna.EventFollow, LineUserID: lineID(100), At: now.Add(-time.Minute)}}); err != nil {
				t.Fatal(err)
			}
			p, err = e.Preview(ctx, a, kizuna.PreviewRequest{Filter: json.RawMessage(`{"groups":[{"conditions":[{"field":"line.days_since_added","op":"lte","value":0}]}]}`)})
			if err != nil || p.AnsweredBy != "engine" || p.Count != before+1 || p.EstimatedAdded != 20 {
				t.Fatalf("after a webhook follow: %+v %v", p, err)
			}
			// And an unfollow, the same way; a blocked friend following again is back.
			if _, err := db.ApplyWebhookEvents(ctx, a, []kizuna.WebhookEvent{
				{ID: "ev2", Type: kizuna.EventUnfollow, LineUserID: lineID(61), At: now},
				{ID: "ev3", Type: kizuna.EventFollow, LineUserID: lineID(1), At: now, Unblocked: true},
			}); err != nil {
				t.Fatal(err)
			}
			p, err = e.Preview(ctx, a, kizuna.PreviewRequest{Filter: json.RawMessage(`{"groups":[{"conditions":[{"field":"line.days_since_added","op":"lte","value":0}]}]}`)})
			if err != nil || p.AnsweredBy != "engine" || p.Count != before || p.EstimatedAdded != 19 {
				t.Fatalf("after a webhook unfollow: %+v %v", p, err)
			}
			compare("after webhooks", true)

			// A fresh index, built with the estimated friends.
			e2 := engine.New(db, db, nil)
			defer e2.Stop()
			e2.Now = db.Now
			waitReady(t, e2, a)
			e = e2
			compare("built", true)
		})
	}
}
