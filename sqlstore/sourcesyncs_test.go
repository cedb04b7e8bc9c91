package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/sqlstore"
)

// TestSourceSyncs runs source syncs as the jobs will: one per source at a
// time, a sync cut short (no heartbeat) resumed from its cursor, and the
// freshness read from them; another account sees none of it.
func TestSourceSyncs(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := testdb.Open(t, backend)
			now := time.Date(2026, 12, 4, 3, 0, 0, 0, time.UTC)
			db.Now = func() time.Time { return now }
			a, _ := db.CreateAccount(ctx, "shop", "")
			b, _ := db.CreateAccount(ctx, "other", "")
			if _, err := db.StartSourceSync(ctx, a, "square", kizuna.SyncBackfill, "job-1"); kizuna.ErrorCode(err) != kizuna.EINVALID {
				t.Fatalf("an unknown source: %v", err)
			}
			s, err := db.StartSourceSync(ctx, a, kizuna.SourceShopify, kizuna.SyncBackfill, "job-1")
			if err != nil || s.Resumed || s.Status != "running" {
				t.Fatalf("start: %+v %v", s, err)
			}
			// Another sync of the same source waits; another source does not.
			if _, err := db.StartSourceSync(ctx, a, kizuna.SourceShopify, kizuna.SyncPoll, "job-2"); kizuna.ErrorCode(err) != kizuna.ECONFLICT {
				t.Fatalf("a second Shopify sync: %v", err)
			}
			// The same job retried resumes its own at once.
			if own, err := db.StartSourceSync(ctx, a, kizuna.SourceShopify, kizuna.SyncBackfill, "job-1"); err != nil || own.ID != s.ID || !own.Resumed {
				t.Fatalf("the owner's retry: %+v %v", own, err)
			}
			h, err := db.StartSourceSync(ctx, a, kizuna.SourceHubSpot, kizuna.SyncBackfill, "job-1")
			if err != nil {
				t.Fatal(err)
			}
			if err := db.SourceSyncProgress(ctx, a, s.ID, "cursor-page-3", 750); err != nil {
				t.Fatal(err)
			}
			// The process dies; after SourceSyncStale another job resumes.
			now = now.Add(sqlstore.SourceSyncStale + time.Second)
			r, err := db.StartSourceSync(ctx, a, kizuna.SourceShopify, kizuna.SyncBackfill, "job-3")
			if err != nil || !r.Resumed || r.ID != s.ID || r.Cursor != "cursor-page-3" || r.Records != 750 || r.Kind != kizuna.SyncBackfill {
				t.Fatalf("resume: %+v %v", r, err)
			}
			if err := db.SourceSyncProgress(ctx, a, r.ID, "cursor-page-4", 250); err != nil {
				t.Fatal(err)
			}
			done, err := db.FinishSourceSync(ctx, a, r.ID)
			if err != nil || done.Status != "done" || done.Records != 1000 || done.FinishedAt == nil {
				t.Fatalf("finish: %+v %v", done, err)
			}
			if _, err := db.FinishSourceSync(ctx, a, r.ID); kizuna.ErrorCode(err) != kizuna.ECONFLICT {
				t.Fatalf("finishing twice: %v", err)
			}
			if err := db.SourceSyncProgress(ctx, a, r.ID, "x", 1); kizuna.ErrorCode(err) != kizuna.ECONFLICT {
				t.Fatalf("progress after the end: %v", err)
			}
			now = now.Add(time.Minute)
			if _, err := db.FailSourceSync(ctx, a, h.ID, "HubSpot answered 401: the token was revoked"); err != nil {
				t.Fatal(err)
			}
			// Account B cannot touch A's syncs.
			if _, err := db.FinishSourceSync(ctx, b, h.ID); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
				t.Fatalf("another account's sync: %v", err)
			}
			k, _ := db.StartSourceSync(ctx, a, kizuna.SourceKlaviyo, kizuna.SyncPoll, "job-1")
			fs, err := db.Freshness(ctx, a)
			if err != nil || len(fs) != 3 {
				t.Fatalf("freshness: %+v %v", fs, err)
			}
			if fs[0].Source != "shopify" || fs[0].LastSuccessAt == nil || !fs[0].LastSuccessAt.Equal(done.FinishedAt.UTC()) || fs[0].LastError != "" || fs[0].Running != nil {
				t.Errorf("Shopify: %+v", fs[0])
			}
			if fs[1].Source != "hubspot" || fs[1].LastSuccessAt != nil || fs[1].LastError == "" || fs[1].LastErrorAt == nil {
				t.Errorf("HubSpot: %+v", fs[1])
			}
			if fs[2].Source != "klaviyo" || fs[2].Running == nil || fs[2].Running.ID != k.ID {
				t.Errorf("Klaviyo: %+v", fs[2])
			}
			if fs, _ := db.Freshness(ctx, b); len(fs) != 0 {
				t.Fatalf("the other account's freshness: %+v", fs)
			}
		})
	}
}
