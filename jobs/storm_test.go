package jobs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/internal/hubspotfake"
	"github.com/kizuna-line/kizuna/internal/klaviyofake"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/jobs"
	"github.com/kizuna-line/kizuna/sources"
)

// stormClock is the fakes' and the clients' virtual clock: a sleep
// advances it, and is kept.
type stormClock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

func (c *stormClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *stormClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.sleeps = append(c.sleeps, d)
	c.mu.Unlock()
	return ctx.Err()
}

// slept counts the sleeps of exactly d.
func (c *stormClock) slept(d time.Duration) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, s := range c.sleeps {
		if s == d {
			n++
		}
	}
	return n
}

// countingReader counts the records each page hands to the sync.
type countingReader struct {
	r     jobs.SourceReader
	seen  map[string]int
	pages int
}

func (c *countingReader) Page(ctx context.Context, kind, cursor string) (*jobs.SourcePage, error) {
	p, err := c.r.Page(ctx, kind, cursor)
	if err == nil {
		c.pages++
		for _, r := range p.Records {
			c.seen[r.RecordID]++
		}
	}
	return p, err
}

// TestSyncThrottledStorm backfills 1,200 generated HubSpot contacts and
// Klaviyo profiles through jobs.SyncSource and the real readers, from
// fakes whose rate limits are tight and which answer a run of 429s with
// Retry-After on top, all on a virtual clock: the sync slows down (the
// clock shows each Retry-After waited and the time the limit demands) and
// loses nothing: every record arrives once, and every friend is linked.
func TestSyncThrottledStorm(t *testing.T) {
	const n = 1200
	type vendor struct {
		name    string
		setup   func(t *testing.T, clock *stormClock) (conn *kizuna.Connection, secrets kizuna.ConnectionSecrets, lineIDs []string)
		retry   time.Duration // the injected 429s' Retry-After
		storm   int           // how many
		least   time.Duration // the least time the limit allows the pages in
		linkKey string
	}
	vendors := []vendor{{
		name: "hubspot", retry: 9 * time.Second, storm: 4,
		// 12 pages of 100 contacts at 5 requests per rolling 10 s.
		least: 20 * time.Second, linkKey: kizuna.FieldHubSpotLinked,
		setup: func(t *testing.T, clock *stormClock) (*kizuna.Connection, kizuna.ConnectionSecrets, []string) {
			fake := hubspotfake.New(hubspotfake.Config{AccessToken: "pat-storm", RateMax: 5, SearchRate: -1, Now: clock.Now})
			if err := fake.Generate(n, 7); err != nil {
				t.Fatal(err)
			}
			fake.InjectFault(hubspotfake.RouteContacts, slices.Repeat([]hubspotfake.Fault{{Status: 429, RetryAfter: 9}}, 4)...)
			srv := httptest.NewServer(fake)
			t.Cleanup(srv.Close)
			var ids []string
			for i := uint64(1); i <= n; i++ {
				if u := fake.GeneratedLineUserID(i); u != "" {
					ids = append(ids, u)
				}
			}
			return &kizuna.Connection{Source: kizuna.SourceHubSpot, APIBase: srv.URL}, kizuna.ConnectionSecrets{"access_token": "pat-storm", "client_secret": "s"}, ids
		},
	}, {
		name: "klaviyo", retry: 7 * time.Second, storm: 5,
		// 12 pages of 100 profiles at 4 a minute.
		least: 2 * time.Minute, linkKey: kizuna.FieldKlaviyoLinked,
		setup: func(t *testing.T, clock *stormClock) (*kizuna.Connection, kizuna.ConnectionSecrets, []string) {
			fake := klaviyofake.New(klaviyofake.Config{APIKey: "pk_storm", Now: clock.Now,
				Limits: map[string]klaviyofake.Limit{klaviyofake.RouteProfiles: {Burst: 1, Steady: 4}}})
			t.Cleanup(fake.Close)
			fake.Generate(n, 7)
			fake.InjectFault(klaviyofake.RouteProfiles, slices.Repeat([]klaviyofake.Fault{{Status: 429, RetryAfter: 7}}, 5)...)
			srv := httptest.NewServer(fake)
			t.Cleanup(srv.Close)
			var ids []string
			for _, p := range fake.Dump(0, -1).Profiles {
				var u string
				if json.Unmarshal(p.Properties["line_user_id"], &u) == nil && kizuna.ValidLineUserID(u) {
					ids = append(ids, u)
				}
			}
			return &kizuna.Connection{Source: kizuna.SourceKlaviyo, APIBase: srv.URL}, kizuna.ConnectionSecrets{"api_key": "pk_storm"}, ids
		},
	}}
	for _, backend := range testdb.Backends() {
		for _, v := range vendors {
			t.Run(backend+"/"+v.name, func(t *testing.T) {
				ctx := context.Background()
				db := testdb.Open(t, backend)
				a, _ := db.CreateAccount(ctx, "shop", "")
				clock := &stormClock{t: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
				conn, secrets, lineIDs := v.setup(t, clock)
				if len(lineIDs) < n/2 {
					t.Fatalf("only %d records carry a LINE user ID", len(lineIDs))
				}
				var b strings.Builder
				for _, u := range lineIDs {
					fmt.Fprintf(&b, `{"line_user_id": %q, "added_at": "2026-11-01T10:00:00+09:00"}`+"\n", u)
				}
				if _, err := db.ImportFriends(ctx, a, strings.NewReader(b.String()), kizuna.ImportOptions{}); err != nil {
					t.Fatal(err)
				}
				r, err := sources.For(sources.Options{Now: clock.Now, Sleep: clock.Sleep})(conn, secrets, time.Time{})
				if err != nil {
					t.Fatal(err)
				}
				cr := &countingReader{r: r, seen: map[string]int{}}
				start := clock.Now()
				s, err := db.StartSourceSync(ctx, a, v.name, kizuna.SyncBackfill, "job-1")
				if err != nil {
					t.Fatal(err)
				}
				done, err := jobs.SyncSource(ctx, db, cr, a, s, nil)
				if err != nil {
					t.Fatalf("the sync gave up in the storm: %v", err)
				}
				took := clock.Now().Sub(start)
				if done.Status != "done" || done.Records != n || len(cr.seen) != n {
					t.Fatalf("sync %+v: %d records seen, want %d", done, len(cr.seen), n)
				}
				for id, c := range cr.seen {
					if c != 1 {
						t.Fatalf("record %s arrived %d times", id, c)
					}
				}
				if got := clock.slept(v.retry); got < v.storm {
					t.Errorf("%d waits of the Retry-After %v, want %d", got, v.retry, v.storm)
				}
				if took < v.least {
					t.Errorf("the backfill took %v of the clock, less than the limit allows (%v)", took, v.least)
				}
				eng := engine.New(db, db, nil)
				defer eng.Stop()
				p, err := eng.Preview(ctx, a, kizuna.PreviewRequest{Filter: json.RawMessage(`{"groups":[{"conditions":[{"field":"` + v.linkKey + `","op":"is","value":true}]}]}`), CountOnly: true})
				if err != nil || p.Count != int64(len(lineIDs)) {
					t.Fatalf("linked friends %+v %v, want %d", p, err, len(lineIDs))
				}
				t.Logf("%d pages in %v of the clock, %d sleeps", cr.pages, took, len(clock.sleeps))
			})
		}
	}
}
