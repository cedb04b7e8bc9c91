package agent_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/agent"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/sqlstore"
)

var serviceNow = time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)

// smallShop is an account of 40 friends: every fourth a VIP, Shopify
// customers whose last order is i*5 days ago with i%6 orders, every fifth
// blocked.
func smallShop(t *testing.T) (*sqlstore.DB, *kizuna.Account) {
	t.Helper()
	ctx := context.Background()
	db := testdb.Open(t, "sqlite")
	a, err := db.CreateAccount(ctx, "shop", "Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for i := 0; i < 40; i++ {
		added := serviceNow.AddDate(0, 0, -i*3).Format(time.RFC3339)
		status := "following"
		if i%5 == 4 {
			status = "blocked"
		}
		tags := `[]`
		if i%4 == 0 {
			tags = `["VIP"]`
		}
		last := serviceNow.AddDate(0, 0, -i*5).Format(time.RFC3339)
		fmt.Fprintf(&b, `{"line_user_id": "U%032x", "display_name": "F%d", "added_at": %q, "status": %q, "tags": %s, "shopify": {"customer_id": "c%d", "orders_count": %d, "last_order_at": %q}}`+"\n",
			i+1, i, added, status, tags, i, i%6+1, last)
	}
	if _, err := db.ImportFriends(ctx, a, strings.NewReader(b.String()), kizuna.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	return db, a
}

func TestProposeApproveCancel(t *testing.T) {
	ctx := context.Background()
	st, a := smallShop(t)
	svc := &agent.Service{Store: st, Counts: st, Now: func() time.Time { return serviceNow }}

	// Consult asks first, with the choices' counts.
	q, err := svc.Propose(ctx, a, agent.Request{Mode: agent.ModeConsult, Lang: "ja", Goal: "最近購入していない人に再来店キャンペーンを送りたい", Actor: "a@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Questions) != 1 || q.Questions[0].Key != "recency" || len(q.Filter) != 0 {
		t.Fatalf("consult: want one question on recency and no filter, got %+v", q)
	}
	counts := map[string]int64{}
	for _, alt := range q.Questions[0].Alternatives {
		counts[alt.Value] = alt.Count
	}
	// Following friends whose last order is ≥ N days ago: i*5 ≥ N, i%5 != 4.
	want := func(n int) int64 {
		c := int64(0)
		for i := 0; i < 40; i++ {
			if i%5 != 4 && i*5 >= n {
				c++
			}
		}
		return c
	}
	for _, n := range []int{30, 60, 90, 180} {
		if counts[fmt.Sprint(n)] != want(n) {
			t.Errorf("%d days: count %d, want %d", n, counts[fmt.Sprint(n)], want(n))
		}
	}
	// Answering proposes.
	p, err := svc.Propose(ctx, a, agent.Request{After: q.ID, Choose: map[string]string{"recency": "60"}, Actor: "a@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Count != want(60) || len(p.Questions) != 0 || p.Name == "" || p.Draft == "" || len(p.Sample) == 0 {
		t.Fatalf("after the answer: %+v", p)
	}
	if len(p.Assumptions) == 0 || len(p.Assumptions[0].Alternatives) < 2 {
		t.Fatalf("assumptions: %+v", p.Assumptions)
	}
	// A refinement keeps the conversation.
	r, err := svc.Propose(ctx, a, agent.Request{After: p.ID, Goal: "VIPも除外して", Actor: "a@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Groups []struct {
			Conditions []map[string]any `json:"conditions"`
		} `json:"groups"`
	}
	if err := json.Unmarshal(r.Filter, &f); err != nil || len(f.Groups) != 1 || len(f.Groups[0].Conditions) != 2 {
		t.Fatalf("refined filter: %s", r.Filter)
	}
	if r.Count >= p.Count {
		t.Errorf("excluding VIPs left %d of %d", r.Count, p.Count)
	}
	// Nothing exists before Approve; Approve creates one segment.
	if segs, _ := st.Segments(ctx, a); len(segs) != 0 {
		t.Fatalf("%d segments before approve", len(segs))
	}
	seg, ap, err := svc.Approve(ctx, a, "boss@example.com", r.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if seg.Name != r.Name || ap.Status != kizuna.ProposalApproved || *ap.SegmentID != seg.ID {
		t.Fatalf("approved: %+v %+v", seg, ap)
	}
	if _, _, err := svc.Approve(ctx, a, "boss@example.com", r.ID, ""); kizuna.ErrorCode(err) != kizuna.ECONFLICT {
		t.Fatalf("second approve: %v", err)
	}
	// Cancel creates nothing.
	c, err := svc.Propose(ctx, a, agent.Request{Lang: "en", Goal: "VIPs", Actor: "a@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Cancel(ctx, a, "a@example.com", c.ID); err != nil {
		t.Fatal(err)
	}
	if segs, _ := st.Segments(ctx, a); len(segs) != 1 {
		t.Fatalf("%d segments after cancel, want 1", len(segs))
	}
}

func TestProposeRefusals(t *testing.T) {
	ctx := context.Background()
	st, a := smallShop(t)
	svc := &agent.Service{Store: st, Counts: st}
	for _, tc := range []struct {
		req  agent.Request
		path string
	}{
		{agent.Request{Goal: ""}, "goal"},
		{agent.Request{Goal: strings.Repeat("あ", agent.MaxGoalLength+1)}, "goal"},
		{agent.Request{Goal: "VIPs", Mode: "yolo"}, "mode"},
		{agent.Request{Goal: "VIPs", Lang: "fr"}, "lang"},
	} {
		_, err := svc.Propose(ctx, a, tc.req)
		var e *kizuna.Error
		if err == nil || !asError(err, &e) || e.Path != tc.path {
			t.Errorf("%+v: %v, want an error at %s", tc.req, err, tc.path)
		}
	}
}

func asError(err error, e **kizuna.Error) bool {
	k, ok := err.(*kizuna.Error)
	*e = k
	return ok
}
