package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/internal/linetest"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/jobs"
)

// pagedReader serves records in pages of 10 from an offset cursor, and
// fails once at the page given.
type pagedReader struct {
	mu      sync.Mutex
	records []kizuna.SourceRecord
	failAt  string // the cursor to fail once at
	reads   []string
}

func (r *pagedReader) Page(_ context.Context, kind, cursor string) (*jobs.SourcePage, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reads = append(r.reads, cursor)
	if cursor == r.failAt && r.failAt != "" {
		r.failAt = ""
		return nil, errors.New("the source answered 503")
	}
	from := 0
	if cursor != "" {
		from, _ = strconv.Atoi(cursor)
	}
	to := min(from+10, len(r.records))
	return &jobs.SourcePage{Records: r.records[from:to], Next: strconv.Itoa(to), Done: to == len(r.records)}, nil
}

// TestSourceSyncResumes backfills 95 Shopify customers claiming friends:
// a failure at the fourth page stops the sync with its cursor saved, the
// retry resumes from there (no page read twice except the failed one), and
// every friend has its customer's data; then the same through the job
// engine, which runs one sync per source at a time.
func TestSourceSyncResumes(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := testdb.Open(t, backend)
			eng := engine.New(db, db, nil)
			defer eng.Stop()
			a, _ := db.CreateAccount(ctx, "shop", "")
			var lines []string
			var records []kizuna.SourceRecord
			for i := 1; i <= 95; i++ {
				u := fmt.Sprintf("U%032x", i)
				lines = append(lines, fmt.Sprintf(`{"line_user_id": %q, "added_at": "2026-11-01T10:00:00+09:00"}`, u))
				records = append(records, kizuna.SourceRecord{Source: "shopify", RecordID: fmt.Sprintf("gid://shopify/Customer/%d", 9007199254740993+i),
					LineUserID: u, UpdatedAt: time.Date(2026, 12, 1, 0, 0, i, 0, time.UTC), Shopify: &kizuna.ShopifyCustomer{OrdersCount: int64(i % 7)}})
			}
			if _, err := db.ImportFriends(ctx, a, strings.NewReader(strings.Join(lines, "\n")), kizuna.ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			r := &pagedReader{records: records, failAt: "30"}
			s, err := db.StartSourceSync(ctx, a, "shopify", kizuna.SyncBackfill, "job-7")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := jobs.SyncSource(ctx, db, r, a, s, nil); err == nil {
				t.Fatal("the failing page did not stop the sync")
			}
			s, err = db.StartSourceSync(ctx, a, "shopify", kizuna.SyncBackfill, "job-7")
			if err != nil || !s.Resumed || s.Cursor != "30" || s.Records != 30 {
				t.Fatalf("resume: %+v %v", s, err)
			}
			done, err := jobs.SyncSource(ctx, db, r, a, s, nil)
			if err != nil || done.Status != "done" || done.Records != 95 {
				t.Fatalf("the resumed sync: %+v %v", done, err)
			}
			if got := strings.Join(r.reads, ","); got != ",10,20,30,30,40,50,60,70,80,90" {
				t.Fatalf("pages read: %s", got)
			}
			p, err := eng.Preview(ctx, a, kizuna.PreviewRequest{Filter: json.RawMessage(`{"groups":[{"conditions":[{"field":"shopify.linked","op":"is","value":true}]}]}`), CountOnly: true})
			if err != nil || p.Count != 95 {
				t.Fatalf("linked friends: %+v %v", p, err)
			}

			// Through the jobs: a poll of HubSpot (queued twice: River keeps
			// one waiting or running per account and source).
			h := &pagedReader{}
			for i := 1; i <= 25; i++ {
				h.records = append(h.records, kizuna.SourceRecord{Source: "hubspot", RecordID: strconv.Itoa(i), LineUserID: fmt.Sprintf("U%032x", i),
					UpdatedAt: time.Date(2026, 12, 2, 0, 0, i, 0, time.UTC), HubSpot: &kizuna.HubSpotContact{Segments: []string{"12"}}})
			}
			if err := db.Connect(ctx, a, "test", kizuna.Connection{Source: "hubspot", APIBase: "https://api.hubapi.com"}, kizuna.ConnectionSecrets{"access_token": "t", "client_secret": "c"}); err != nil {
				t.Fatal(err)
			}
			env := linetest.StartWith(t, db, eng, linetest.Options{Jobs: jobs.Config{SourceStore: db,
				Sources: func(c *kizuna.Connection, _ kizuna.ConnectionSecrets, _ time.Time) (jobs.SourceReader, error) {
					return h, nil
				}}})
			for range 2 {
				if err := env.Jobs.StartSourceSync(ctx, a, "hubspot", kizuna.SyncPoll); err != nil {
					t.Fatal(err)
				}
			}
			deadline := time.Now().Add(30 * time.Second)
			for {
				fs, _ := db.Freshness(ctx, a)
				if len(fs) == 2 && fs[1].Source == "hubspot" && fs[1].LastSuccessAt != nil {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the HubSpot sync did not finish: %+v", fs)
				}
				time.Sleep(20 * time.Millisecond)
			}
			p, err = eng.Preview(ctx, a, kizuna.PreviewRequest{Filter: json.RawMessage(`{"groups":[{"conditions":[{"field":"hubspot.segment","op":"member_of","value":["12"]}]}]}`), CountOnly: true})
			if err != nil || p.Count != 25 {
				t.Fatalf("HubSpot members: %+v %v", p, err)
			}
		})
	}
}
