package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/internal/hubspotfake"
	"github.com/kizuna-line/kizuna/internal/linetest"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/jobs"
	"github.com/kizuna-line/kizuna/sources"
	"github.com/kizuna-line/kizuna/sqlstore"
)

// offsetClock is the real clock moved by an offset a test changes.
type offsetClock struct{ off atomic.Int64 }

func (c *offsetClock) Now() time.Time              { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *offsetClock) Set(d time.Duration)         { c.off.Store(int64(d)) }
func (c *offsetClock) Second() time.Time           { return c.Now().Truncate(time.Second) }
func (c *offsetClock) SecondNow() func() time.Time { return c.Second }

// eventually waits up to within for cond, failing with its last word.
func eventually(t *testing.T, within time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ok, why := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", within, why)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// importFriends adds friends 1..n.
func importFriends(t *testing.T, db *sqlstore.DB, a *kizuna.Account, n int) {
	t.Helper()
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, `{"line_user_id": %q, "added_at": "2026-11-01T10:00:00+09:00"}`+"\n", id(i))
	}
	if _, err := db.ImportFriends(context.Background(), a, strings.NewReader(b.String()), kizuna.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestPeriodicPollAndReconcile connects an account to a fake HubSpot and
// starts nothing by hand: the periodic sync backfills it, then polls carry
// the changes made in the fake (a new contact, a list joined) to the
// store. A list left in the fake (which keeps the contact's
// lastmodifieddate, so no poll sees it) and a record changed in the store
// behind the sync's back stay wrong through polls, and are right after
// the reconcile that comes due.
func TestPeriodicPollAndReconcile(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := testdb.Open(t, backend)
			eng := engine.New(db, db, nil)
			t.Cleanup(eng.Stop)
			a, _ := db.CreateAccount(ctx, "shop", "")
			importFriends(t, db, a, 20)

			// The fake's history starts two hours ago: contacts 1-10,
			// 1-5 in the VIP list.
			fakeClock := &offsetClock{}
			fakeClock.Set(-2 * time.Hour)
			fake := hubspotfake.New(hubspotfake.Config{AccessToken: "pat-test", ClientSecret: "secret", RateMax: -1, SearchRate: -1, Now: fakeClock.Second})
			vip := fake.CreateList("VIP", "MANUAL")
			contact := map[int]string{}
			for i := 1; i <= 10; i++ {
				cid, err := fake.CreateContact(ctx, map[string]string{"line_user_id": id(i), "email": fmt.Sprintf("f%d@example.com", i)})
				if err != nil {
					t.Fatal(err)
				}
				contact[i] = cid
				if i <= 5 {
					if err := fake.AddToList("VIP", cid); err != nil {
						t.Fatal(err)
					}
				}
			}
			fakeClock.Set(0)
			srv := httptest.NewServer(fake)
			t.Cleanup(srv.Close)
			if err := db.Connect(ctx, a, "test", kizuna.Connection{Source: kizuna.SourceHubSpot, APIBase: srv.URL},
				kizuna.ConnectionSecrets{"access_token": "pat-test", "client_secret": "secret"}); err != nil {
				t.Fatal(err)
			}
			jobsClock := &offsetClock{}
			linetest.StartWith(t, db, eng, linetest.Options{Jobs: jobs.Config{SourceStore: eng, Sources: sources.For(sources.Options{}),
				PollEvery: 100 * time.Millisecond, ReconcileEvery: time.Hour, Now: jobsClock.Now}})

			members := func() ([]string, error) {
				p, err := eng.Preview(ctx, a, kizuna.PreviewRequest{Filter: json.RawMessage(`{"groups":[{"conditions":[{"field":"hubspot.segment","op":"member_of","value":["` + vip + `"]}]}]}`)})
				if err != nil {
					return nil, err
				}
				var out []string
				for i := 1; i <= 20; i++ {
					for _, s := range p.Sample {
						if s.LineUserID == id(i) {
							out = append(out, fmt.Sprint(i))
						}
					}
				}
				return out, nil
			}
			want := func(ids string) func() (bool, string) {
				return func() (bool, string) {
					got, err := members()
					return err == nil && strings.Join(got, ",") == ids, fmt.Sprintf("VIP members %v %v, want %s", got, err, ids)
				}
			}
			lastFull := func() time.Time {
				cs, err := db.ConnectedSources(ctx)
				if err != nil || len(cs) != 1 {
					t.Fatalf("connected sources %+v %v", cs, err)
				}
				return cs[0].LastFullAt
			}
			// The first tick backfills.
			eventually(t, 30*time.Second, want("1,2,3,4,5"))
			eventually(t, 30*time.Second, func() (bool, string) { return !lastFull().IsZero(), "no backfill finished" })
			backfilled := lastFull()

			// Polls: a new contact in the list, an old contact joining it.
			c11, err := fake.CreateContact(ctx, map[string]string{"line_user_id": id(11)})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []string{c11, contact[6]} {
				if err := fake.AddToList("VIP", c); err != nil {
					t.Fatal(err)
				}
			}
			eventually(t, 30*time.Second, want("1,2,3,4,5,6,11"))
			if !lastFull().Equal(backfilled) {
				t.Fatal("a poll was taken for a full read")
			}

			// Drift: contact 1 leaves the list in the fake; the store has
			// contact 7 in it, with its true update time.
			if err := fake.RemoveFromList("VIP", contact[1]); err != nil {
				t.Fatal(err)
			}
			var at7 time.Time
			for _, c := range fake.Dump().Contacts {
				if c.ID == contact[7] {
					at7 = c.UpdatedAt
				}
			}
			if _, err := eng.ApplySourceRecords(ctx, a, []kizuna.SourceRecord{{Source: kizuna.SourceHubSpot, RecordID: contact[7], LineUserID: id(7), UpdatedAt: at7,
				HubSpot: &kizuna.HubSpotContact{ContactID: contact[7], Segments: []string{vip}}}}); err != nil {
				t.Fatal(err)
			}
			drifted := "1,2,3,4,5,6,7,11"
			eventually(t, 10*time.Second, want(drifted))
			// Two more polls finish: nothing repaired.
			for range 2 {
				before := successAt(t, db, a)
				eventually(t, 30*time.Second, func() (bool, string) { return successAt(t, db, a).After(before), "no poll finished" })
			}
			if ok, why := want(drifted)(); !ok {
				t.Fatalf("a poll changed what it cannot see: %s", why)
			}
			if !lastFull().Equal(backfilled) {
				t.Fatal("a poll was taken for a full read")
			}
			// A day later the reconcile is due, and repairs both.
			jobsClock.Set(25 * time.Hour)
			eventually(t, 30*time.Second, want("2,3,4,5,6,11"))
			eventually(t, 30*time.Second, func() (bool, string) { return lastFull().After(backfilled), "no reconcile finished" })
		})
	}
}

// successAt is the end of the account's latest successful HubSpot sync.
func successAt(t *testing.T, db *sqlstore.DB, a *kizuna.Account) time.Time {
	t.Helper()
	fs, err := db.Freshness(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if f.Source == kizuna.SourceHubSpot && f.LastSuccessAt != nil {
			return *f.LastSuccessAt
		}
	}
	return time.Time{}
}

// slowReader serves four pages of five records of its source, each page
// taking a while (a third page in three fails, to be retried by either
// engine), and counts the pages read at once per connection.
type slowReader struct {
	source, key string
	engine      int
	t           *tracker
}

type tracker struct {
	mu       sync.Mutex
	inFlight map[string]int
	most     map[string]int
	syncs    map[string]int
	pages    [2]int // by engine
	failed   int
}

func (r *slowReader) Page(ctx context.Context, kind, cursor string) (*jobs.SourcePage, error) {
	tr := r.t
	tr.mu.Lock()
	tr.inFlight[r.key]++
	tr.most[r.key] = max(tr.most[r.key], tr.inFlight[r.key])
	if cursor == "" {
		tr.syncs[r.key]++
	}
	tr.pages[r.engine]++
	tr.failed++
	fail := cursor == "10" && tr.failed%3 == 0
	tr.mu.Unlock()
	defer func() {
		tr.mu.Lock()
		tr.inFlight[r.key]--
		tr.mu.Unlock()
	}()
	select {
	case <-time.After(15 * time.Millisecond):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if fail {
		return nil, errors.New("the source answered 503")
	}
	from := 0
	fmt.Sscan(cursor, &from)
	page := &jobs.SourcePage{Next: fmt.Sprint(from + 5), Done: from+5 >= 20}
	for i := from; i < from+5; i++ {
		rec := kizuna.SourceRecord{Source: r.source, RecordID: fmt.Sprint(i + 1), UpdatedAt: time.Date(2026, 12, 1, 0, 0, i, 0, time.UTC)}
		switch r.source {
		case kizuna.SourceShopify:
			rec.Shopify = &kizuna.ShopifyCustomer{OrdersCount: int64(i)}
		case kizuna.SourceHubSpot:
			rec.HubSpot = &kizuna.HubSpotContact{ContactID: rec.RecordID}
		case kizuna.SourceKlaviyo:
			rec.Klaviyo = &kizuna.KlaviyoProfile{ProfileID: rec.RecordID}
		}
		page.Records = append(page.Records, rec)
	}
	return page, nil
}

// TestPeriodicOneSyncAtATime runs two job engines on one database (two
// processes on PostgreSQL), with two accounts connected to the three
// sources and a poll due every 50 ms: the syncs run again and again (some
// failing and retried), but never two of one account's source at once.
func TestPeriodicOneSyncAtATime(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := testdb.Open(t, backend)
			eng := engine.New(db, db, nil)
			t.Cleanup(eng.Stop)
			var keys []string
			for _, name := range []string{"one", "two"} {
				a, err := db.CreateAccount(ctx, name, "")
				if err != nil {
					t.Fatal(err)
				}
				for _, source := range kizuna.Sources {
					secrets := kizuna.ConnectionSecrets{}
					for _, n := range kizuna.RequiredSecrets(source) {
						secrets[n] = "s"
					}
					if err := db.Connect(ctx, a, "test", kizuna.Connection{Source: source, APIBase: "https://" + name + ".example.com"}, secrets); err != nil {
						t.Fatal(err)
					}
					keys = append(keys, source+"@https://"+name+".example.com")
				}
			}
			if err := jobs.Migrate(ctx, db.WriteDB(), db.Dialect()); err != nil {
				t.Fatal(err)
			}
			tr := &tracker{inFlight: map[string]int{}, most: map[string]int{}, syncs: map[string]int{}}
			for e := range 2 {
				j, err := jobs.New(jobs.Config{DB: db.WriteDB(), Dialect: db.Dialect(), Store: eng, Reacher: eng, SourceStore: eng,
					Sources: func(c *kizuna.Connection, _ kizuna.ConnectionSecrets, _ time.Time) (jobs.SourceReader, error) {
						return &slowReader{source: c.Source, key: c.Source + "@" + c.APIBase, engine: e, t: tr}, nil
					},
					PollEvery: 50 * time.Millisecond, RetryBase: 20 * time.Millisecond})
				if err != nil {
					t.Fatal(err)
				}
				if err := j.Start(ctx); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() {
					stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					j.Stop(stop)
				})
			}
			eventually(t, 60*time.Second, func() (bool, string) {
				tr.mu.Lock()
				defer tr.mu.Unlock()
				for _, k := range keys {
					if tr.syncs[k] < 4 {
						return false, fmt.Sprintf("syncs begun: %v", tr.syncs)
					}
				}
				return true, ""
			})
			tr.mu.Lock()
			defer tr.mu.Unlock()
			for _, k := range keys {
				if tr.most[k] != 1 {
					t.Errorf("%s: %d pages read at once", k, tr.most[k])
				}
			}
			t.Logf("syncs begun per source %v; pages read by engine %v", tr.syncs, tr.pages)
		})
	}
}
