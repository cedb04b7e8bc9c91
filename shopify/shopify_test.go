package shopify_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/shopifyfake"
	"github.com/kizuna-line/kizuna/shopify"
)

const token = "shpat_test_token_123"

// clock is the time both the fake and the client run on: the client's
// sleeps move it instead of waiting.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *clock) sleep(ctx context.Context, d time.Duration) error {
	c.advance(d)
	return ctx.Err()
}

type env struct {
	fake  *shopifyfake.Fake
	srv   *httptest.Server
	clock *clock
}

func start(t testing.TB, cfg shopifyfake.Config) *env {
	t.Helper()
	e := &env{clock: newClock()}
	cfg.AccessToken = token
	if cfg.WebhookSecret == "" {
		cfg.WebhookSecret = "testsecret"
	}
	cfg.Now = e.clock.now
	e.fake = shopifyfake.New(cfg)
	e.srv = httptest.NewServer(e.fake)
	t.Cleanup(func() { e.fake.Close(); e.srv.Close() })
	return e
}

func (e *env) client(t testing.TB, mod func(*shopify.Config)) *shopify.Client {
	t.Helper()
	cfg := shopify.Config{BaseURL: e.srv.URL, AccessToken: token, Now: e.clock.now, Sleep: e.clock.sleep}
	if mod != nil {
		mod(&cfg)
	}
	c, err := shopify.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// conformance loads the public conformance friends into the fake.
func conformance(t testing.TB, f *shopifyfake.Fake) []*kizuna.Friend {
	t.Helper()
	b, err := os.ReadFile("../testdata/conformance/friends.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	var friends []*kizuna.Friend
	for _, line := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		fr, err := kizuna.ParseFriendLine([]byte(line))
		if err != nil {
			t.Fatal(err)
		}
		if fr.Shopify != nil {
			friends = append(friends, fr)
		}
	}
	if n, err := f.LoadNDJSON(strings.NewReader(string(b))); err != nil || n != len(friends) {
		t.Fatalf("LoadNDJSON = %d, %v; want %d", n, err, len(friends))
	}
	return friends
}

func TestCheckAndAuth(t *testing.T) {
	e := start(t, shopifyfake.Config{})
	e.fake.Generate(42, 1)
	shop, err := e.client(t, nil).Check(context.Background())
	if err != nil || shop.CustomersCount != 42 || shop.Domain != shopifyfake.DefaultShopDomain {
		t.Fatalf("Check = %+v, %v", shop, err)
	}
	bad := e.client(t, func(c *shopify.Config) { c.AccessToken = "shpat_wrong" })
	_, err = bad.Check(context.Background())
	if kizuna.ErrorCode(err) != kizuna.EUNAUTHORIZED || strings.Contains(err.Error(), "shpat_wrong") {
		t.Fatalf("a wrong token: %v (code %s)", err, kizuna.ErrorCode(err))
	}
	if s := bad.String(); strings.Contains(s, "shpat") {
		t.Errorf("String shows the token: %s", s)
	}
	reqs := e.fake.Requests()
	last := reqs[len(reqs)-1]
	if last.Status != 401 || last.Header.Get("X-Shopify-Access-Token") != "shpat_wrong" || !strings.Contains(last.Path, "/admin/api/2026-07/graphql.json") {
		t.Errorf("the fake recorded %+v", last)
	}
	if _, err := shopify.New(shopify.Config{BaseURL: "ftp://x", AccessToken: "t"}); kizuna.ErrorCode(err) != kizuna.EINVALID {
		t.Errorf("a bad base URL: %v", err)
	}
}

// TestImportReadBack loads the conformance friends and reads the same
// data back, a page of 7 at a time, resuming from a middle cursor.
func TestImportReadBack(t *testing.T) {
	e := start(t, shopifyfake.Config{})
	friends := conformance(t, e.fake)
	c := e.client(t, func(c *shopify.Config) { c.PageSize = 7 })
	var got []shopify.Customer
	var cursors []string
	err := c.Customers(context.Background(), shopify.Query{}, func(p *shopify.CustomerPage) error {
		got = append(got, p.Customers...)
		cursors = append(cursors, p.Cursor)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(friends) {
		t.Fatalf("read %d customers, loaded %d", len(got), len(friends))
	}
	byLine := map[string]shopify.Customer{}
	for _, cu := range got {
		byLine[cu.LineUserID] = cu
	}
	for _, fr := range friends {
		cu, ok := byLine[fr.LineUserID]
		switch {
		case !ok:
			t.Errorf("%s: not read back", fr.LineUserID)
		case cu.LegacyID != fr.Shopify.CustomerID || cu.ID != "gid://shopify/Customer/"+fr.Shopify.CustomerID:
			t.Errorf("%s: ids %s %s, want %s", fr.LineUserID, cu.ID, cu.LegacyID, fr.Shopify.CustomerID)
		case cu.NumberOfOrders != fr.Shopify.OrdersCount || !slices.Equal(cu.Tags, fr.Shopify.Tags):
			t.Errorf("%s: orders %d tags %q, want %d %q", fr.LineUserID, cu.NumberOfOrders, cu.Tags, fr.Shopify.OrdersCount, fr.Shopify.Tags)
		case (cu.LastOrderAt == nil) != (fr.Shopify.LastOrderAt == nil) || (cu.LastOrderAt != nil && !cu.LastOrderAt.Equal(*fr.Shopify.LastOrderAt)):
			t.Errorf("%s: last order %v, want %v", fr.LineUserID, cu.LastOrderAt, fr.Shopify.LastOrderAt)
		}
	}
	// Checkouts come back with their customer and completion.
	want := 0
	for _, fr := range friends {
		want += len(fr.Shopify.Checkouts)
	}
	var cks []shopify.Checkout
	if err := c.AbandonedCheckouts(context.Background(), shopify.Query{}, func(p *shopify.CheckoutPage) error {
		cks = append(cks, p.Checkouts...)
		return nil
	}); err != nil || len(cks) != want {
		t.Fatalf("checkouts: %d, %v; want %d", len(cks), err, want)
	}
	// Resume after the third page: exactly the rest, no gap, no repeat.
	var rest []shopify.Customer
	if err := c.Customers(context.Background(), shopify.Query{After: cursors[2]}, func(p *shopify.CustomerPage) error {
		rest = append(rest, p.Customers...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(rest) != len(got)-21 || rest[0].ID != got[21].ID {
		t.Errorf("resumed with %d customers from %s; want %d from %s", len(rest), rest[0].ID, len(got)-21, got[21].ID)
	}
	// A cursor is opaque to the caller, and checked.
	err = c.Customers(context.Background(), shopify.Query{After: "not-a-cursor"}, func(*shopify.CustomerPage) error { return nil })
	if kizuna.ErrorCode(err) != kizuna.EINVALID {
		t.Errorf("a bad cursor: %v", err)
	}
	err = c.Customers(context.Background(), shopify.Query{First: 251}, func(*shopify.CustomerPage) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "250") {
		t.Errorf("first 251: %v", err)
	}
}

func TestUpdatedSince(t *testing.T) {
	e := start(t, shopifyfake.Config{})
	e.fake.Generate(500, 7)
	c := e.client(t, nil)
	e.clock.advance(time.Hour)
	since := e.clock.now()
	ids := []string{"gid://shopify/Customer/9007199254742092", "9007199254742292"}
	if _, err := e.fake.PlaceOrder(context.Background(), ids[0]); err != nil {
		t.Fatal(err)
	}
	e.clock.advance(time.Minute)
	if _, err := e.fake.TagCustomer(context.Background(), ids[1], []string{"vip2"}, nil); err != nil {
		t.Fatal(err)
	}
	var got []shopify.Customer
	if err := c.Customers(context.Background(), shopify.Query{UpdatedSince: since}, func(p *shopify.CustomerPage) error {
		got = append(got, p.Customers...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].LegacyID != "9007199254742092" || got[1].LegacyID != "9007199254742292" || !slices.Contains(got[1].Tags, "vip2") {
		t.Fatalf("updated since: %+v", got)
	}
	if got[0].LastOrderAt == nil || !got[0].LastOrderAt.Equal(since) {
		t.Errorf("the order's time: %v, want %v", got[0].LastOrderAt, since)
	}
}

// TestThrottleStorm starts with an empty bucket that answers THROTTLED
// with a 429: the client waits as throttleStatus says and loses nothing.
func TestThrottleStorm(t *testing.T) {
	for _, status := range []int{200, 429} {
		e := start(t, shopifyfake.Config{Bucket: 600, RestoreRate: 50, ThrottleStatus: status})
		e.fake.Generate(3000, 3)
		e.fake.SetAvailable(0)
		c := e.client(t, nil)
		began := e.clock.now()
		seen := map[string]bool{}
		err := c.Customers(context.Background(), shopify.Query{}, func(p *shopify.CustomerPage) error {
			for _, cu := range p.Customers {
				if seen[cu.ID] {
					t.Fatalf("%s twice", cu.ID)
				}
				seen[cu.ID] = true
			}
			return nil
		})
		st := c.Stats()
		if err != nil || len(seen) != 3000 || st.Throttled == 0 {
			t.Fatalf("status %d: %d customers, %v, stats %+v", status, len(seen), err, st)
		}
		// 12 pages of 252 points at 50 a second: about a minute of the
		// clock, and no more than the bucket demands.
		took := e.clock.now().Sub(began)
		if min := time.Duration(12*252/50) * time.Second; took < min-5*time.Second || took > min+20*time.Second {
			t.Errorf("status %d: took %v on the clock, want about %v", status, took, min)
		}
		if st.Throttled > 3 {
			t.Errorf("status %d: throttled %d times; the pacing should avoid all but the first", status, st.Throttled)
		}
	}
}

func TestRetries(t *testing.T) {
	e := start(t, shopifyfake.Config{})
	e.fake.Generate(600, 5)
	c := e.client(t, nil)
	e.fake.InjectFault(shopifyfake.RouteGraphQL, shopifyfake.ServerError, shopifyfake.BadGateway, shopifyfake.Dropped, shopifyfake.Fault{Status: 503, Body: "<html>busy</html>"})
	n := 0
	if err := c.Customers(context.Background(), shopify.Query{}, func(p *shopify.CustomerPage) error { n += len(p.Customers); return nil }); err != nil || n != 600 {
		t.Fatalf("read %d, %v", n, err)
	}
	if st := c.Stats(); st.Retries != 4 {
		t.Errorf("retries %d, want 4", st.Retries)
	}
	for range 7 {
		e.fake.InjectFault(shopifyfake.RouteGraphQL, shopifyfake.ServerError)
	}
	_, err := c.Check(context.Background())
	if kizuna.ErrorCode(err) != kizuna.EUPSTREAM {
		t.Errorf("7 failures: %v", err)
	}
}

// receiver collects webhooks as Kizuna's receiver would, verified.
type receiver struct {
	mu    sync.Mutex
	got   []*shopify.Delivery
	bad   int
	srv   *httptest.Server
	calls int
}

func newReceiver(t *testing.T, secret string) *receiver {
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		d, err := shopify.ReadWebhook(req, "old-secret", secret)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.calls++
		if err != nil {
			r.bad++
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		r.got = append(r.got, d)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) deliveries() []*shopify.Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*shopify.Delivery(nil), r.got...)
}

func TestVerifyVector(t *testing.T) {
	body := []byte(`{"id":123,"email":"a@example.com"}`)
	if !shopify.Verify("testsecret", body, "D2hXEF5B4xf4p53kOOfd4b89WvDoAY5UsPlMJlWyRwU=") {
		t.Error("the test vector of integrations.md §2.5 does not verify")
	}
	if shopify.Verify("testsecret", append(body, ' '), "D2hXEF5B4xf4p53kOOfd4b89WvDoAY5UsPlMJlWyRwU=") || shopify.Verify("other", body, "D2hXEF5B4xf4p53kOOfd4b89WvDoAY5UsPlMJlWyRwU=") || shopify.Verify("testsecret", body, "!!") {
		t.Error("a changed body, secret or header verifies")
	}
	if got := shopifyfake.Sign("testsecret", body); got != "D2hXEF5B4xf4p53kOOfd4b89WvDoAY5UsPlMJlWyRwU=" {
		t.Errorf("the fake signs %s", got)
	}
}

// TestWebhooks places an order, tags a customer, abandons and completes a
// cart in the fake, and reads the signed deliveries: typed, with ids above
// 2^53 exact, and a replay carrying the same ids.
func TestWebhooks(t *testing.T) {
	e := start(t, shopifyfake.Config{WebhookSecret: "whsec"})
	e.fake.Generate(10, 9)
	rcv := newReceiver(t, "whsec")
	e.fake.SetWebhookURL(rcv.srv.URL)
	ctx := context.Background()
	cust := "gid://shopify/Customer/9007199254741993" // generated customer 1: 2^53+1001
	ckID, _, err := e.fake.AbandonCart(ctx, cust)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.advance(time.Minute)
	order, err := e.fake.PlaceOrder(ctx, cust)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.advance(time.Minute)
	if _, err := e.fake.TagCustomer(ctx, cust, []string{"vip", "new"}, []string{"wholesale", "absent"}); err != nil {
		t.Fatal(err)
	}
	got := rcv.deliveries()
	var topics []string
	for _, d := range got {
		topics = append(topics, d.Topic)
		if d.ShopDomain != shopifyfake.DefaultShopDomain || d.APIVersion != "2026-07" || d.WebhookID == "" || d.EventID == "" || d.TriggeredAt.IsZero() {
			t.Errorf("%s: headers %+v", d.Topic, d)
		}
		if d.ResourceID() == "" || d.RecordTime().IsZero() {
			t.Errorf("%s: no resource id or record time", d.Topic)
		}
	}
	wantTopics := []string{"checkouts/create", "orders/create", "customers/purchasing_summary", "checkouts/update", "customer.tags_added"}
	if len(got) < len(wantTopics) || !slices.Equal(topics[:5], wantTopics) {
		t.Fatalf("topics %q, want %q then maybe tags_removed", topics, wantTopics)
	}
	ck := got[0].Checkout
	if ck == nil || ck.LegacyID != ckID || ck.CustomerID != cust || ck.CompletedAt != nil {
		t.Errorf("checkouts/create: %+v", ck)
	}
	o := got[1].Order
	if o == nil || o.LegacyID != order.ID || o.CustomerID != cust || o.CheckoutID != "gid://shopify/AbandonedCheckout/"+ckID || o.CheckoutToken == "" {
		t.Errorf("orders/create: %+v (order %+v)", o, order)
	}
	if strings.Contains(string(got[1].Body), "e+") || !strings.Contains(string(got[1].Body), `"id":`+order.ID) {
		t.Errorf("the order's id is not the exact integer %s: %s", order.ID, got[1].Body)
	}
	s := got[2].Summary
	if s == nil || s.CustomerID != cust || s.NumberOfOrders != order.Count || !s.OccurredAt.Equal(e.clock.now().Add(-time.Minute)) {
		t.Errorf("purchasing summary: %+v", s)
	}
	if strings.Contains(string(got[2].Body), "tags") || strings.Contains(string(got[1].Body), "orders_count") {
		t.Error("a 2025-01+ payload carries tags or orders_count")
	}
	if u := got[3].Checkout; u == nil || u.CompletedAt == nil {
		t.Errorf("checkouts/update: %+v", u)
	}
	if tg := got[4].Tags; tg == nil || !tg.Added || !slices.Equal(tg.Tags, []string{"vip", "new"}) && !slices.Equal(tg.Tags, []string{"new"}) {
		t.Errorf("tags_added: %+v", tg)
	}
	// A replay is the same delivery: the same ids and bytes.
	if err := e.fake.Replay(ctx, got[1].WebhookID); err != nil {
		t.Fatal(err)
	}
	again := rcv.deliveries()
	r := again[len(again)-1]
	if r.WebhookID != got[1].WebhookID || r.EventID != got[1].EventID || string(r.Body) != string(got[1].Body) {
		t.Errorf("the replay differs: %+v", r)
	}
	// A wrong secret: every delivery refused.
	e.fake.SetWebhookURL(newReceiver(t, "other").srv.URL)
	bad := newReceiver(t, "other")
	e.fake.SetWebhookURL(bad.srv.URL)
	if _, err := e.fake.PlaceOrder(ctx, cust); err != nil {
		t.Fatal(err)
	}
	if bad.bad != 2 || len(bad.deliveries()) != 0 {
		t.Errorf("a wrong secret: %d refused, %d taken", bad.bad, len(bad.deliveries()))
	}
}

func TestWebhookModes(t *testing.T) {
	e := start(t, shopifyfake.Config{})
	e.fake.Generate(3, 1)
	rcv := newReceiver(t, "testsecret")
	e.fake.SetWebhookURL(rcv.srv.URL)
	ctx := context.Background()
	e.fake.SetWebhookMode(shopifyfake.Duplicate)
	e.fake.TagCustomer(ctx, "9007199254741992", []string{"a"}, nil)
	got := rcv.deliveries()
	if len(got) != 2 || got[0].WebhookID != got[1].WebhookID {
		t.Fatalf("duplicate mode: %d deliveries", len(got))
	}
	e.fake.SetWebhookMode(shopifyfake.Hold)
	e.fake.TagCustomer(ctx, "9007199254741992", []string{"b"}, nil)
	e.clock.advance(time.Second)
	e.fake.TagCustomer(ctx, "9007199254741992", []string{"c"}, nil)
	if len(rcv.deliveries()) != 2 {
		t.Fatal("hold mode sent")
	}
	e.fake.Release(ctx)
	got = rcv.deliveries()[2:]
	if len(got) != 2 || got[0].Tags.Tags[0] != "c" || !got[0].RecordTime().After(got[1].RecordTime()) {
		t.Fatalf("released out of order: %+v", got)
	}
}

func TestWebhookRefusals(t *testing.T) {
	body := `{"id":9007199254740993,"admin_graphql_api_id":"gid://shopify/Customer/9007199254740993","updated_at":"2026-12-01T09:00:00+09:00"}`
	req := func(b, sig string) *http.Request {
		r := httptest.NewRequest("POST", "/shopify/webhook/acme", strings.NewReader(b))
		r.Header.Set("X-Shopify-Hmac-Sha256", sig)
		r.Header.Set("X-Shopify-Topic", "customers/update")
		r.Header.Set("X-Shopify-Webhook-Id", "w1")
		return r
	}
	d, err := shopify.ReadWebhook(req(body, shopifyfake.Sign("s", []byte(body))), "s")
	if err != nil || d.Customer.LegacyID != "9007199254740993" || d.RecordTime().Format(time.RFC3339) != "2026-12-01T09:00:00+09:00" {
		t.Fatalf("a good delivery: %+v, %v", d, err)
	}
	if _, err := shopify.ReadWebhook(req(body, shopifyfake.Sign("t", []byte(body))), "s"); kizuna.ErrorCode(err) != kizuna.EUNAUTHORIZED {
		t.Errorf("a bad signature: %v", err)
	}
	big := strings.Repeat(" ", shopify.MaxWebhookBody) + body
	if _, err := shopify.ReadWebhook(req(big, shopifyfake.Sign("s", []byte(big))), "s"); kizuna.ErrorCode(err) != kizuna.ETOOLARGE {
		t.Errorf("a big body: %v", err)
	}
	if _, err := shopify.ReadWebhook(req("{", shopifyfake.Sign("s", []byte("{"))), "s"); kizuna.ErrorCode(err) != kizuna.EINVALID {
		t.Errorf("bad JSON: %v", err)
	}
}

// TestBulkBackfill reads a shop above the threshold through a bulk
// operation: every customer and checkout once, a resume from a middle
// cursor, a dropped download taken up again, and bulk_operations/finish.
func TestBulkBackfill(t *testing.T) {
	e := start(t, shopifyfake.Config{})
	e.fake.Generate(2000, 11)
	rcv := newReceiver(t, "testsecret")
	e.fake.SetWebhookURL(rcv.srv.URL)
	c := e.client(t, func(c *shopify.Config) { c.BulkThreshold = 1000 })
	var pages []*shopify.Page
	custs, cks := map[string]bool{}, map[string]bool{}
	err := c.Backfill(context.Background(), "", func(p *shopify.Page) error {
		pages = append(pages, p)
		for _, cu := range p.Customers {
			if custs[cu.ID] || cu.LineUserID == "" {
				t.Fatalf("%s twice or without a LINE user ID", cu.ID)
			}
			custs[cu.ID] = true
		}
		for _, ck := range p.Checkouts {
			if !custs[ck.CustomerID] {
				t.Fatalf("checkout %s before its customer %s", ck.ID, ck.CustomerID)
			}
			cks[ck.ID] = true
		}
		return nil
	})
	if err != nil || len(custs) != 2000 || !pages[0].Bulk {
		t.Fatalf("bulk backfill: %d customers, %v", len(custs), err)
	}
	var paged int
	c.AbandonedCheckouts(context.Background(), shopify.Query{}, func(p *shopify.CheckoutPage) error { paged += len(p.Checkouts); return nil })
	if len(cks) != paged || paged == 0 {
		t.Errorf("bulk read %d checkouts, paged %d", len(cks), paged)
	}
	time.Sleep(50 * time.Millisecond) // bulk_operations/finish is sent after the poll's answer
	finished := false
	for _, d := range rcv.deliveries() {
		finished = finished || (d.Bulk != nil && d.Bulk.Status == "COMPLETED")
	}
	if !finished {
		t.Error("no bulk_operations/finish")
	}
	// Resume after page 3, with the download dropped once on the way.
	e.fake.InjectFault(shopifyfake.RouteBulkFile, shopifyfake.Dropped)
	var rest []shopify.Customer
	if err := c.Backfill(context.Background(), pages[2].Cursor, func(p *shopify.Page) error {
		rest = append(rest, p.Customers...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(rest) != 2000-3*250 || rest[0].ID != pages[3].Customers[0].ID {
		t.Errorf("resumed with %d customers", len(rest))
	}
	// An expired file: the backfill starts a new bulk query and reads it
	// all (what it repeats, the caller's upserts absorb).
	e.fake.ExpireBulkFiles()
	n := 0
	if err := c.Backfill(context.Background(), pages[2].Cursor, func(p *shopify.Page) error { n += len(p.Customers); return nil }); err != nil || n != 2000 {
		t.Errorf("after the file expired: %d customers, %v", n, err)
	}
	// Below the threshold: paged, customers then checkouts.
	small := e.client(t, func(c *shopify.Config) { c.BulkThreshold = 5000 })
	n, k := 0, 0
	if err := small.Backfill(context.Background(), "", func(p *shopify.Page) error {
		if p.Bulk {
			t.Fatal("bulk below the threshold")
		}
		n, k = n+len(p.Customers), k+len(p.Checkouts)
		return nil
	}); err != nil || n != 2000 || k != paged {
		t.Errorf("paged backfill: %d, %d, %v", n, k, err)
	}
}

func TestContextStops(t *testing.T) {
	e := start(t, shopifyfake.Config{})
	e.fake.InjectFault(shopifyfake.RouteGraphQL, shopifyfake.Fault{Delay: 5 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := e.client(t, nil).Check(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Check past its deadline: %v", err)
	}
	_ = io.Discard
}

// TestCallbackErrorStops: the caller's error ends a read at once, paged or
// bulk, and is returned as it is (a failed write is not retried here).
func TestCallbackErrorStops(t *testing.T) {
	e := start(t, shopifyfake.Config{})
	e.fake.Generate(1200, 2)
	boom := errors.New("disk full")
	for _, threshold := range []int{-1, 100} {
		c := e.client(t, func(c *shopify.Config) { c.BulkThreshold = threshold })
		calls := 0
		err := c.Backfill(context.Background(), "", func(*shopify.Page) error { calls++; return boom })
		if !errors.Is(err, boom) || calls != 1 {
			t.Errorf("threshold %d: %v after %d calls", threshold, err, calls)
		}
	}
}

// TestPagingCap: past the paging cap (1,000 here, Shopify's 25,000) the
// read goes on in a new updated_at window, every customer once, even
// where several share an updated_at second, and a cursor from the second
// window resumes.
func TestPagingCap(t *testing.T) {
	e := start(t, shopifyfake.Config{MaxDepth: 1000})
	e.fake.Generate(2600, 8)
	// Ten customers changed in the same second, in the middle.
	e.clock.advance(time.Hour)
	for i := 0; i < 10; i++ {
		if _, err := e.fake.TagCustomer(context.Background(), strconv.Itoa(9007199254741992+i*7), []string{"same-second"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, size := range []int{250, 7 * 11} {
		c := e.client(t, func(c *shopify.Config) { c.MaxDepth = 1000; c.PageSize = size })
		seen := map[string]bool{}
		var cursors []string
		err := c.Customers(context.Background(), shopify.Query{}, func(p *shopify.CustomerPage) error {
			for _, cu := range p.Customers {
				if seen[cu.ID] {
					t.Fatalf("page size %d: %s twice", size, cu.ID)
				}
				seen[cu.ID] = true
			}
			cursors = append(cursors, p.Cursor)
			return nil
		})
		if err != nil || len(seen) != 2600 {
			t.Fatalf("page size %d: %d customers, %v", size, len(seen), err)
		}
		n := 0
		mid := cursors[len(cursors)*3/4]
		if err := c.Customers(context.Background(), shopify.Query{After: mid}, func(p *shopify.CustomerPage) error { n += len(p.Customers); return nil }); err != nil || n == 0 || n >= 2600/4+size {
			t.Errorf("page size %d: resumed with %d, %v", size, n, err)
		}
	}
	// Without windows the fake refuses the page past the cap.
	c := e.client(t, func(c *shopify.Config) { c.MaxDepth = 1 << 30 })
	err := c.Customers(context.Background(), shopify.Query{}, func(*shopify.CustomerPage) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "25000") {
		t.Errorf("past the cap: %v", err)
	}
}

// TestSameAsImport reads the conformance shop back through a backfill and
// compares each customer, as Kizuna's import format has it, with the
// friend it was loaded from: tags, orders, last order, and the abandoned
// cart each gives.
func TestSameAsImport(t *testing.T) {
	e := start(t, shopifyfake.Config{})
	friends := conformance(t, e.fake)
	c := e.client(t, func(c *shopify.Config) { c.PageSize = 13 })
	var custs []shopify.Customer
	var cks []shopify.Checkout
	if err := c.Backfill(context.Background(), "", func(p *shopify.Page) error {
		custs = append(custs, p.Customers...)
		cks = append(cks, p.Checkouts...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	byLine := map[string]*kizuna.ShopifyCustomer{}
	for i := range custs {
		byLine[custs[i].LineUserID] = custs[i].Kizuna(cks)
	}
	for _, fr := range friends {
		got, want := byLine[fr.LineUserID], fr.Shopify
		if got == nil {
			t.Errorf("%s: missing", fr.LineUserID)
			continue
		}
		ga, gok := got.AbandonedAt()
		wa, wok := want.AbandonedAt()
		if got.CustomerID != want.CustomerID || got.OrdersCount != want.OrdersCount || !slices.Equal(got.Tags, want.Tags) ||
			len(got.Checkouts) != len(want.Checkouts) || gok != wok || !ga.Equal(wa) {
			t.Errorf("%s: synced %+v, imported %+v", fr.LineUserID, got, want)
		}
	}
}

func TestCustomerWebhooks(t *testing.T) {
	e := start(t, shopifyfake.Config{})
	rcv := newReceiver(t, "testsecret")
	e.fake.SetWebhookURL(rcv.srv.URL)
	id, _ := e.fake.CreateCustomer(context.Background(), "U0123456789abcdef0123456789abcdef", "a@example.com")
	e.clock.advance(time.Second)
	if _, err := e.fake.UpdateCustomer(context.Background(), id, "b@example.com"); err != nil {
		t.Fatal(err)
	}
	got := rcv.deliveries()
	if len(got) != 2 || got[0].Customer == nil || got[1].Customer == nil || got[1].Customer.Email != "b@example.com" || got[1].Customer.LegacyID != id ||
		!got[1].RecordTime().After(got[0].RecordTime()) {
		t.Fatalf("customer webhooks: %+v", got)
	}
	for _, d := range got {
		for _, gone := range []string{`"tags"`, `"orders_count"`, `"total_spent"`, `"last_order_id"`} {
			if strings.Contains(string(d.Body), gone) {
				t.Errorf("%s carries %s since 2025-01", d.Topic, gone)
			}
		}
	}
	// The new customer is read with its LINE user ID.
	var cu []shopify.Customer
	e.client(t, nil).Customers(context.Background(), shopify.Query{}, func(p *shopify.CustomerPage) error { cu = append(cu, p.Customers...); return nil })
	if len(cu) != 1 || cu[0].LineUserID != "U0123456789abcdef0123456789abcdef" || cu[0].Email != "b@example.com" {
		t.Errorf("read back: %+v", cu)
	}
}
