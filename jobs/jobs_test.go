package jobs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/internal/linefake"
	"github.com/kizuna-line/kizuna/internal/linetest"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/jobs"
	"github.com/kizuna-line/kizuna/sqlstore"
)

const vipFilter = `{"groups":[{"conditions":[{"field":"tag","op":"has","value":"VIP"}]}]}`

func id(i int) string { return fmt.Sprintf("U%032x", i) }

// setup makes an account with n friends: those with i%3 != 0 are VIP, and
// those with i%10 == 0 blocked; the fake LINE knows the following ones.
func setup(t *testing.T, backend string, n int, o linetest.Options) (*sqlstore.DB, *engine.Engine, *kizuna.Account, *linetest.Env, *kizuna.Segment) {
	t.Helper()
	ctx := context.Background()
	db := testdb.Open(t, backend)
	eng := engine.New(db, db, nil)
	t.Cleanup(eng.Stop)
	a, err := db.CreateAccount(ctx, "shop", "")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for i := 1; i <= n; i++ {
		tags, status := `[]`, "following"
		if i%3 != 0 {
			tags = `["VIP"]`
		}
		if i%10 == 0 {
			status = "blocked"
		}
		fmt.Fprintf(&b, `{"line_user_id": %q, "added_at": "2026-11-01T10:00:00+09:00", "status": %q, "tags": %s}`+"\n", id(i), status, tags)
	}
	if _, err := db.ImportFriends(ctx, a, strings.NewReader(b.String()), kizuna.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	seg, err := db.CreateSegment(ctx, a, "test", "VIP", 0, json.RawMessage(vipFilter))
	if err != nil {
		t.Fatal(err)
	}
	env := linetest.StartWith(t, db, eng, o, a)
	for i := 1; i <= n; i++ {
		if i%10 != 0 {
			env.Fake.AddFriend(id(i), fmt.Sprintf("Friend %d", i))
		}
	}
	return db, eng, a, env, seg
}

func textMessage(s string) []kizuna.Message { return []kizuna.Message{{Type: "text", Text: s}} }

// members are the following VIPs among friends 1..n.
func members(n int) map[string]bool {
	m := map[string]bool{}
	for i := 1; i <= n; i++ {
		if i%3 != 0 && i%10 != 0 {
			m[id(i)] = true
		}
	}
	return m
}

// exactlyOnce checks that every member got exactly one delivery and
// nobody else got any.
func exactlyOnce(t *testing.T, fake *linefake.Fake, want map[string]bool) {
	t.Helper()
	got := fake.Counts()
	for u := range want {
		if got[u] != 1 {
			t.Errorf("%s received %d times, want once", u, got[u])
		}
	}
	for u, c := range got {
		if !want[u] {
			t.Errorf("%s is not a following member but received %d", u, c)
		}
	}
}

// TestBroadcastExactlyOnce sends to a segment through answers that are
// lost after LINE accepted, 500s, and rate-limit 429s: every following
// member gets the message once, blocked friends and non-members never, and
// the waterfall records the reach.
func TestBroadcastExactlyOnce(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			const n = 1700
			db, _, a, env, seg := setup(t, backend, n, linetest.Options{})
			env.Fake.InjectFault(linefake.RouteMulticast,
				linefake.AcceptThenServerError, linefake.ServerError, linefake.RateLimited,
				linefake.AcceptThenServerError, linefake.AcceptThenServerError)
			b, err := env.Service.CreateBroadcast(context.Background(), a, "ann", kizuna.BroadcastDraft{
				Name: "Sale", SegmentID: seg.ID, Messages: textMessage("セール開始！"), Schedule: kizuna.Schedule{Kind: kizuna.ScheduleNow}})
			if err != nil {
				t.Fatal(err)
			}
			b = linetest.WaitBroadcast(t, db, a, b.ID, time.Minute)
			want := members(n)
			exactlyOnce(t, env.Fake, want)
			r := b.Runs[0]
			blockedVIP := 0
			for i := 10; i <= n; i += 10 {
				if i%3 != 0 {
					blockedVIP++
				}
			}
			w := r.Waterfall
			if r.Status != kizuna.RunSent || b.Status != kizuna.BroadcastSent || w.Following != int64(len(want)) ||
				w.Matched != int64(len(want)+blockedVIP) || w.QuotaAllows != w.Following || w.Accepted != w.Following || w.Failed != 0 || w.Unsent != 0 {
				t.Fatalf("run %+v, broadcast status %s", r, b.Status)
			}
			if env.Fake.PendingFaults(linefake.RouteMulticast) != 0 {
				t.Fatal("the injected faults were not all met")
			}
		})
	}
}

// TestBroadcastMonthlyLimit: LINE's monthly limit met mid-run stops the
// run; the rest is kept unsent, never retried, and shown as such; a quota
// below the recipients is respected before sending.
func TestBroadcastMonthlyLimit(t *testing.T) {
	const n = 2000 // 1,200 members: three batches
	db, _, a, env, seg := setup(t, "sqlite", n, linetest.Options{Jobs: jobs.Config{Workers: 1}})
	ctx := context.Background()
	env.Fake.InjectFault(linefake.RouteMulticast, linefake.Fault{}, linefake.MonthlyLimit)
	b, err := env.Service.CreateBroadcast(ctx, a, "ann", kizuna.BroadcastDraft{Name: "Sale", SegmentID: seg.ID, Messages: textMessage("hi"), Schedule: kizuna.Schedule{Kind: kizuna.ScheduleNow}})
	if err != nil {
		t.Fatal(err)
	}
	b = linetest.WaitBroadcast(t, db, a, b.ID, time.Minute)
	r := b.Runs[0]
	if r.Status != kizuna.RunPartial || r.StopReason != "monthly_limit" || r.Waterfall.Accepted != 500 || r.Waterfall.Unsent != 700 {
		t.Fatalf("run %+v", r)
	}
	if got := len(env.Fake.Counts()); got != 500 {
		t.Fatalf("%d friends received, want 500", got)
	}

	// A quota of 300 left: only 300 are sent.
	env.Fake.SetQuota("limited", env.Fake.Usage()+300)
	b, err = env.Service.CreateBroadcast(ctx, a, "ann", kizuna.BroadcastDraft{Name: "Sale 2", SegmentID: seg.ID, Messages: textMessage("hi again"), Schedule: kizuna.Schedule{Kind: kizuna.ScheduleNow}})
	if err != nil {
		t.Fatal(err)
	}
	b = linetest.WaitBroadcast(t, db, a, b.ID, time.Minute)
	w := b.Runs[0].Waterfall
	if w.Quota == nil || *w.Quota != 300 || w.QuotaAllows != 300 || w.Accepted != 300 || w.Following != 1200 {
		t.Fatalf("waterfall %+v", w)
	}
}

// clock is a test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// TestRecurringReachesNewMembers: a daily broadcast's second run goes to
// the segment's members at that moment, including a friend who joined the
// segment since the first.
func TestRecurringReachesNewMembers(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			tokyo, _ := time.LoadLocation("Asia/Tokyo")
			c := &clock{t: time.Date(2026, 12, 1, 8, 0, 0, 0, tokyo)}
			const n = 30
			db, eng, a, env, seg := setup(t, backend, n, linetest.Options{Jobs: jobs.Config{Now: c.Now}})
			db.Now, eng.Now, env.Service.Now = c.Now, c.Now, c.Now
			ctx := context.Background()
			b, err := env.Service.CreateBroadcast(ctx, a, "ann", kizuna.BroadcastDraft{Name: "Daily", SegmentID: seg.ID, Messages: textMessage("おはよう"),
				Schedule: kizuna.Schedule{Kind: kizuna.ScheduleDaily, Time: "09:00"}})
			if err != nil {
				t.Fatal(err)
			}
			if b.NextRunAt == nil || !b.NextRunAt.Equal(time.Date(2026, 12, 1, 9, 0, 0, 0, tokyo)) {
				t.Fatalf("next run %v", b.NextRunAt)
			}
			c.Set(time.Date(2026, 12, 1, 9, 0, 1, 0, tokyo))
			waitRuns(t, db, a, b.ID, 1)
			exactlyOnce(t, env.Fake, members(n))
			// Friend 3 (not VIP) becomes VIP.
			if err := eng.TagFriends(ctx, a, []string{id(3)}, []string{"VIP"}, nil); err != nil {
				t.Fatal(err)
			}
			c.Set(time.Date(2026, 12, 2, 9, 0, 1, 0, tokyo))
			b = waitRuns(t, db, a, b.ID, 2)
			if got := env.Fake.Received(id(3)); got != 1 {
				t.Fatalf("the new member received %d, want 1", got)
			}
			for u := range members(n) {
				if got := env.Fake.Received(u); got != 2 {
					t.Fatalf("%s received %d, want 2", u, got)
				}
			}
			if b.Status != kizuna.BroadcastRecurring || b.Runs[0].Waterfall.Accepted != int64(len(members(n))+1) {
				t.Fatalf("broadcast %+v, latest run %+v", b, b.Runs[0])
			}
		})
	}
}

// waitRuns waits until the broadcast has k ended runs.
func waitRuns(t *testing.T, store kizuna.Store, a *kizuna.Account, id int64, k int) *kizuna.Broadcast {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		b, err := store.Broadcast(context.Background(), a, id)
		if err != nil {
			t.Fatal(err)
		}
		ended := 0
		for _, r := range b.Runs {
			if r.Status == kizuna.RunSent || r.Status == kizuna.RunPartial || r.Status == kizuna.RunFailed {
				ended++
			}
		}
		if ended >= k {
			return b
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d runs ended, want %d: %+v", ended, k, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
