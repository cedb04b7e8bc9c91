package hubspot_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/hubspot"
	"github.com/kizuna-line/kizuna/internal/hubspotfake"
)

const token = "pat-na1-test-token"

// clock is a test clock whose Sleep advances it.
type clock struct {
	mu     sync.Mutex
	t      time.Time
	slept  time.Duration
	sleeps int
}

func newClock() *clock { return &clock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.slept += d
	c.sleeps++
	c.mu.Unlock()
	return ctx.Err()
}

type env struct {
	fake   *hubspotfake.Fake
	srv    *httptest.Server
	clock  *clock
	client *hubspot.Client
}

func setup(t testing.TB, cfg hubspotfake.Config, ccfg hubspot.Config) *env {
	t.Helper()
	e := &env{clock: newClock()}
	cfg.AccessToken = token
	if cfg.ClientSecret == "" {
		cfg.ClientSecret = "client-secret"
	}
	if cfg.Now == nil {
		cfg.Now = e.clock.Now
	}
	if cfg.RateMax == 0 {
		cfg.RateMax = -1
	}
	if cfg.SearchRate == 0 {
		cfg.SearchRate = -1
	}
	e.fake = hubspotfake.New(cfg)
	e.srv = httptest.NewServer(e.fake)
	t.Cleanup(e.srv.Close)
	ccfg.BaseURL = e.srv.URL
	if ccfg.AccessToken == "" {
		ccfg.AccessToken = token
	}
	if ccfg.Now == nil {
		ccfg.Now = e.clock.Now
		ccfg.Sleep = e.clock.Sleep
	}
	var err error
	if e.client, err = hubspot.New(ccfg); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestCheck(t *testing.T) {
	for _, version := range []string{"", "v3", "2026-09"} {
		e := setup(t, hubspotfake.Config{}, hubspot.Config{Version: version})
		if err := e.client.Check(context.Background()); err != nil {
			t.Fatalf("version %q: %v", version, err)
		}
		want := map[string]string{"": "/crm/objects/2026-03/contacts", "v3": "/crm/v3/objects/contacts", "2026-09": "/crm/objects/2026-09/contacts"}[version]
		reqs := e.fake.Requests()
		if got := reqs[len(reqs)-1].URI; !strings.HasPrefix(got, want+"?") {
			t.Errorf("version %q: called %s, want %s", version, got, want)
		}
	}
	e := setup(t, hubspotfake.Config{}, hubspot.Config{AccessToken: "wrong-token-123"})
	err := e.client.Check(context.Background())
	if kizuna.ErrorCode(err) != kizuna.EUNAUTHORIZED {
		t.Fatalf("wrong token: %v, want %s", err, kizuna.EUNAUTHORIZED)
	}
	var ae *hubspot.APIError
	if !errors.As(err, &ae) || ae.Status != 401 || ae.Category != "INVALID_AUTHENTICATION" {
		t.Errorf("wrong token: %#v", ae)
	}
	if strings.Contains(err.Error(), "wrong-token-123") || strings.Contains(fmt.Sprintf("%v %#v", e.client, e.client), "wrong-token-123") {
		t.Error("the token shows")
	}
	if _, err := hubspot.New(hubspot.Config{BaseURL: "ftp://x", AccessToken: "t"}); kizuna.ErrorCode(err) != kizuna.EINVALID {
		t.Errorf("ftp base: %v", err)
	}
	if _, err := hubspot.New(hubspot.Config{AccessToken: "t", Version: "v4"}); kizuna.ErrorCode(err) != kizuna.EINVALID {
		t.Errorf("version v4: %v", err)
	}
}

const importLines = `{"line_user_id":"U0123456789abcdef0123456789abcdef","added_at":"2026-01-02T03:04:05Z","status":"following","tags":[],"hubspot":{"contact_id":"9007199254740993","segments":["VIP","Newsletter"],"properties":{"lifecyclestage":"customer","score":42.5,"vip":true,"interests":["golf","wine"],"email":"a@example.com","nothing":null}}}
{"line_user_id":"U1123456789abcdef0123456789abcdef","added_at":"2026-01-03T03:04:05Z","status":"following","tags":[],"hubspot":{"contact_id":"51","segments":["Newsletter"],"properties":{"lifecyclestage":"lead","signup":"2026-05-01"}}}
{"line_user_id":"U2123456789abcdef0123456789abcdef","added_at":"2026-01-04T03:04:05Z","status":"following","tags":[]}
{"line_user_id":"U3123456789abcdef0123456789abcdef","added_at":"2026-01-05T03:04:05Z","status":"blocked","tags":[],"hubspot":{"contact_id":"","segments":[],"properties":{}}}
`

// TestImportReadBack loads import lines into the fake and reads them back
// through the client: the contacts, their properties as HubSpot strings,
// the LINE user IDs, the lists and their members, the property types.
func TestImportReadBack(t *testing.T) {
	e := setup(t, hubspotfake.Config{}, hubspot.Config{})
	ctx := context.Background()
	n, err := e.fake.LoadNDJSON(strings.NewReader(importLines))
	if err != nil || n != 4 {
		t.Fatal(n, err)
	}
	var got []hubspot.Contact
	err = e.client.WalkContacts(ctx, "", []string{"email", "lifecyclestage", "score", "vip", "interests", "signup", "nothing", "no_such_property"}, func(p *hubspot.Page) error {
		got = append(got, p.Contacts...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d contacts, want 3", len(got))
	}
	byLine := map[string]hubspot.Contact{}
	for _, c := range got {
		byLine[c.LineUserID] = c
	}
	big := byLine["U0123456789abcdef0123456789abcdef"]
	if big.ID != "9007199254740993" {
		t.Errorf("id above 2^53: %q", big.ID)
	}
	for k, want := range map[string]string{"lifecyclestage": "customer", "score": "42.5", "vip": "true", "interests": "golf;wine", "hs_object_id": "9007199254740993"} {
		if g := big.Prop(k); g != want {
			t.Errorf("%s = %q, want %q", k, g, want)
		}
	}
	if v, ok := big.Properties["nothing"]; !ok || v != nil {
		t.Errorf("nothing: %v %v, want null", v, ok)
	}
	if _, ok := big.Properties["no_such_property"]; ok {
		t.Error("an unknown property came back")
	}
	small := byLine["U1123456789abcdef0123456789abcdef"]
	if small.ID != "51" || small.Prop("signup") != "2026-05-01" || !small.CreatedAt.Equal(time.Date(2026, 1, 3, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("contact 51: %+v", small)
	}
	third := byLine["U3123456789abcdef0123456789abcdef"]
	if third.ID == "" || third.ID == "51" {
		t.Errorf("contact without an ID got %q", third.ID)
	}

	props, err := e.client.Properties(ctx)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]string{}
	for _, p := range props {
		types[p.Name] = p.Type + "/" + p.FieldType
		if p.Name == "lifecyclestage" && (len(p.Options) != 8 || p.Options[5].Value != "customer") {
			t.Errorf("lifecyclestage options: %+v", p.Options)
		}
		if p.Name == "interests" && (!p.MultiValued() || len(p.Options) != 2) {
			t.Errorf("interests: %+v", p)
		}
	}
	for k, want := range map[string]string{"score": "number/number", "vip": "bool/booleancheckbox", "interests": "enumeration/checkbox",
		"signup": "date/date", "line_user_id": "string/text", "lifecyclestage": "enumeration/radio"} {
		if types[k] != want {
			t.Errorf("property %s: %s, want %s", k, types[k], want)
		}
	}

	// Back to Kizuna's values: what the import said, less the nulls.
	defs := hubspot.IndexProperties(props)
	kp := big.KizunaProperties(defs, []string{"lifecyclestage", "score", "vip", "interests", "email", "nothing"})
	want := `{"email":"a@example.com","interests":["golf","wine"],"lifecyclestage":"customer","score":42.5,"vip":true}`
	if b, _ := json.Marshal(kp); string(b) != want {
		t.Errorf("kizuna properties %s, want %s", b, want)
	}

	lists, err := e.client.AllLists(ctx)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]hubspot.List{}
	for _, l := range lists {
		names[l.Name] = l
	}
	if names["VIP"].Size != 1 || names["Newsletter"].Size != 2 || names["VIP"].ProcessingType != "MANUAL" {
		t.Errorf("lists: %+v", lists)
	}
	var members []string
	err = e.client.WalkMemberships(ctx, names["Newsletter"].ID, "", func(p *hubspot.MembershipPage) error {
		for _, m := range p.Members {
			members = append(members, m.RecordID)
		}
		return nil
	})
	if err != nil || !slices.Equal(members, []string{"51", "9007199254740993"}) {
		t.Errorf("newsletter members %v, %v", members, err)
	}
	in, err := e.client.ContactLists(ctx, "9007199254740993")
	if err != nil || len(in) != 2 {
		t.Errorf("lists of the contact: %v %v", in, err)
	}
	if l, err := e.client.ListByName(ctx, "vip"); err != nil || l.ID != names["VIP"].ID {
		t.Errorf("list by name: %+v %v", l, err)
	}
}

// TestPagingResume walks generated contacts, stops after two pages as a
// crash would, and resumes from the persisted cursor: nothing missed,
// nothing twice, cursors opaque.
func TestPagingResume(t *testing.T) {
	e := setup(t, hubspotfake.Config{}, hubspot.Config{Version: "v3"})
	if err := e.fake.Generate(1234, 7); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	seen := map[string]int{}
	var cursor string
	crash := errors.New("crash")
	pages := 0
	err := e.client.WalkContacts(ctx, "", nil, func(p *hubspot.Page) error {
		for _, c := range p.Contacts {
			seen[c.ID]++
		}
		cursor = p.Next
		if pages++; pages == 2 {
			return crash
		}
		return nil
	})
	if !errors.Is(err, crash) {
		t.Fatal(err)
	}
	if _, err := strconv.Atoi(cursor); err == nil {
		t.Errorf("cursor %q is a plain number", cursor)
	}
	err = e.client.WalkContacts(ctx, cursor, nil, func(p *hubspot.Page) error {
		for _, c := range p.Contacts {
			seen[c.ID]++
			if c.ID == "5" && c.LineUserID != e.fake.GeneratedLineUserID(5) {
				t.Errorf("line user id of 5: %q", c.LineUserID)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1234 {
		t.Errorf("%d contacts, want 1234", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("contact %s read %d times", id, n)
		}
	}
	// A generated list's memberships page by 250.
	vip := e.fake.ListID(hubspotfake.GenListVIP)
	total, pagesM := 0, 0
	err = e.client.WalkMemberships(ctx, vip, "", func(p *hubspot.MembershipPage) error {
		total += len(p.Members)
		pagesM++
		if p.Total == 0 {
			t.Error("no total")
		}
		return nil
	})
	if err != nil || total == 0 {
		t.Fatal(total, err)
	}
	if l, _ := e.client.GetList(ctx, vip); l.Size != int64(total) {
		t.Errorf("list size %d, members walked %d", l.Size, total)
	}
}

// TestUpdatedSince walks more than 10,000 updated contacts by hs_object_id
// slices, resumes from a cursor, and sees a later change only after the
// search index's lag.
func TestUpdatedSince(t *testing.T) {
	e := setup(t, hubspotfake.Config{IndexLag: 5 * time.Second, SearchRate: 4}, hubspot.Config{})
	const n = 12000
	if err := e.fake.Generate(n, 3); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	seen := make(map[string]bool, n)
	var saved hubspot.UpdatedCursor
	start := e.clock.Now()
	crash := errors.New("crash")
	err := e.client.WalkUpdatedSince(ctx, hubspot.UpdatedCursor{Since: hubspotfake.GenEpoch}, []string{"email"}, func(cs []hubspot.Contact, next hubspot.UpdatedCursor) error {
		for _, c := range cs {
			if seen[c.ID] {
				t.Errorf("contact %s twice", c.ID)
			}
			seen[c.ID] = true
		}
		saved = next
		if len(seen) >= 6000 {
			return crash
		}
		return nil
	})
	if !errors.Is(err, crash) {
		t.Fatal(err)
	}
	resumed, err := hubspot.ParseUpdatedCursor(saved.String())
	if err != nil || resumed != saved && !resumed.Since.Equal(saved.Since) {
		t.Fatal(resumed, err)
	}
	err = e.client.WalkUpdatedSince(ctx, resumed, []string{"email"}, func(cs []hubspot.Contact, next hubspot.UpdatedCursor) error {
		for _, c := range cs {
			if seen[c.ID] {
				t.Errorf("contact %s twice", c.ID)
			}
			seen[c.ID] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != n {
		t.Fatalf("%d contacts, want %d", len(seen), n)
	}
	// 60 searches at 4 a second take at least 14 s of the clock.
	if searches := e.fake.Count(hubspotfake.RouteSearch); e.clock.Now().Sub(start) < time.Duration(searches/4-1)*time.Second {
		t.Errorf("%d searches in %s", searches, e.clock.Now().Sub(start))
	}

	// A change after the walk, seen once the index catches up.
	since := e.clock.Now()
	v := "changed@example.com"
	if err := e.fake.SetProperty(ctx, "77", "email", &v); err != nil {
		t.Fatal(err)
	}
	var got []hubspot.Contact
	collect := func(cs []hubspot.Contact, _ hubspot.UpdatedCursor) error { got = append(got, cs...); return nil }
	if err := e.client.WalkUpdatedSince(ctx, hubspot.UpdatedCursor{Since: since}, []string{"email"}, collect); err != nil || len(got) != 0 {
		t.Fatalf("during the index lag: %v %v", got, err)
	}
	e.clock.Advance(6 * time.Second)
	if err := e.client.WalkUpdatedSince(ctx, hubspot.UpdatedCursor{Since: since}, []string{"email"}, collect); err != nil || len(got) != 1 || got[0].Prop("email") != v {
		t.Fatalf("after the lag: %v %v", got, err)
	}
	if _, err := hubspot.ParseUpdatedCursor("yesterday"); kizuna.ErrorCode(err) != kizuna.EINVALID {
		t.Errorf("bad cursor: %v", err)
	}
}

// TestSearchPagingLimit: offset paging stops at 10,000, as HubSpot's does.
func TestSearchPagingLimit(t *testing.T) {
	e := setup(t, hubspotfake.Config{}, hubspot.Config{})
	if err := e.fake.Generate(10100, 1); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p, err := e.client.Search(ctx, hubspot.SearchRequest{After: "9800"})
	if err != nil || p.Total != 10100 || p.Next != "10000" || len(p.Contacts) != 200 {
		t.Fatalf("%+v %v", p, err)
	}
	_, err = e.client.Search(ctx, hubspot.SearchRequest{After: p.Next})
	var ae *hubspot.APIError
	if !errors.As(err, &ae) || ae.Status != 400 {
		t.Fatalf("beyond 10,000: %v", err)
	}
	p, err = e.client.Search(ctx, hubspot.SearchRequest{FilterGroups: []hubspot.FilterGroup{
		{Filters: []hubspot.Filter{{PropertyName: "lifecyclestage", Operator: "EQ", Value: "customer"}, {PropertyName: "hs_object_id", Operator: "LTE", Value: "100"}}},
		{Filters: []hubspot.Filter{{PropertyName: "hs_object_id", Operator: "IN", Values: []string{"5000", "5001"}}}},
	}, Properties: []string{"lifecyclestage"}})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, c := range p.Contacts {
		ids[c.ID] = true
		if n, _ := strconv.Atoi(c.ID); n <= 100 && c.Prop("lifecyclestage") != "customer" {
			t.Errorf("contact %s is %s", c.ID, c.Prop("lifecyclestage"))
		}
	}
	if !ids["5000"] || !ids["5001"] || len(ids) < 3 || p.Total != len(ids) {
		t.Errorf("OR of groups: %d ids, total %d", len(ids), p.Total)
	}
}

// TestRateLimitStorm: a fake allowing 10 requests per 10 s and answering
// 429s between them; the client slows and loses nothing.
func TestRateLimitStorm(t *testing.T) {
	e := setup(t, hubspotfake.Config{RateMax: 10}, hubspot.Config{})
	if err := e.fake.Generate(500, 2); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	e.fake.InjectFault(hubspotfake.RouteContacts, hubspotfake.RateLimited, hubspotfake.RateLimited,
		hubspotfake.Fault{Status: 429, RetryAfter: 2}, hubspotfake.RateLimited)
	start := e.clock.Now()
	seen := map[string]bool{}
	after := ""
	for {
		p, err := e.client.ListContacts(ctx, after, 10, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Contacts {
			seen[c.ID] = true
		}
		if after = p.Next; after == "" {
			break
		}
	}
	if len(seen) != 500 {
		t.Errorf("%d contacts, want 500", len(seen))
	}
	// 50 pages at 10 per 10 s: at least 40 s.
	if took := e.clock.Now().Sub(start); took < 40*time.Second {
		t.Errorf("50 pages in %s", took)
	}
	over := 0
	for _, r := range e.fake.Requests() {
		if r.Status == 429 {
			over++
		}
	}
	if over != 4 { // the injected ones; the client itself kept within the window
		t.Errorf("%d 429s, want the 4 injected", over)
	}

	// The day's limit is an error at once, not a retry.
	e.fake.SetDailyMax(1)
	e.clock.Advance(time.Minute)
	if err := e.client.Check(ctx); err != nil {
		t.Fatal(err)
	}
	before := e.fake.Count(hubspotfake.RouteContacts)
	err := e.client.Check(ctx)
	var ae *hubspot.APIError
	if !errors.As(err, &ae) || ae.PolicyName != "DAILY" || kizuna.ErrorCode(err) != kizuna.EUNAVAILABLE || hubspot.Temporary(err) {
		t.Errorf("daily: %v", err)
	}
	if e.fake.Count(hubspotfake.RouteContacts) != before+1 {
		t.Error("the daily limit was retried")
	}
}

// TestLearnsLimit: a client that thinks it may send 100 per 10 s learns
// the fake's 5 from the headers, after at most one 429.
func TestLearnsLimit(t *testing.T) {
	e := setup(t, hubspotfake.Config{RateMax: 5}, hubspot.Config{RateMax: 100})
	e.fake.Generate(100, 1)
	ctx := context.Background()
	for range 20 {
		if _, err := e.client.ListContacts(ctx, "", 1, nil); err != nil {
			t.Fatal(err)
		}
	}
	over := 0
	for _, r := range e.fake.Requests() {
		if r.Status == 429 {
			over++
		}
		if r.Status == 200 && r.Header.Get("Authorization") != "Bearer "+token {
			t.Error("no bearer token")
		}
	}
	if over > 0 {
		t.Errorf("%d 429s: the headers should have told the limit", over)
	}
}

// Test5xxRetry: 500s, a 502 and a dropped connection are retried with
// backoff; a lasting failure is EUPSTREAM and Temporary.
func Test5xxRetry(t *testing.T) {
	e := setup(t, hubspotfake.Config{}, hubspot.Config{MaxRetries: 4})
	e.fake.Generate(10, 1)
	ctx := context.Background()
	e.fake.InjectFault(hubspotfake.RouteContacts, hubspotfake.ServerError, hubspotfake.Dropped, hubspotfake.BadGateway)
	p, err := e.client.ListContacts(ctx, "", 100, nil)
	if err != nil || len(p.Contacts) != 10 {
		t.Fatal(p, err)
	}
	// The 500 and the 502 wait 0.5 s and 1 s. Go's transport itself
	// retries a GET whose connection was dropped when the connection was
	// a reused one, so the fake may count the dropped request or not.
	if n := e.fake.Count(hubspotfake.RouteContacts); e.clock.slept < 1500*time.Millisecond || n < 3 || n > 4 {
		t.Errorf("slept %s, %d requests", e.clock.slept, e.fake.Count(hubspotfake.RouteContacts))
	}
	// A POST whose connection drops is the client's to retry.
	e.fake.InjectFault(hubspotfake.RouteBatchRead, hubspotfake.Dropped)
	if found, _, err := e.client.ReadContacts(ctx, []string{"1"}, nil); err != nil || len(found) != 1 {
		t.Fatalf("after a drop: %v %v", found, err)
	}
	for range 5 {
		e.fake.InjectFault(hubspotfake.RouteBatchRead, hubspotfake.ServerError)
	}
	_, _, err = e.client.ReadContacts(ctx, []string{"1"}, nil)
	if kizuna.ErrorCode(err) != kizuna.EUPSTREAM || !hubspot.Temporary(err) {
		t.Errorf("lasting 500: %v", err)
	}
}

// TestBatchRead reads 150 contacts in two requests, with missing ones.
func TestBatchRead(t *testing.T) {
	e := setup(t, hubspotfake.Config{}, hubspot.Config{})
	e.fake.Generate(140, 1)
	var ids []string
	for i := 1; i <= 150; i++ {
		ids = append(ids, strconv.Itoa(i))
	}
	found, missing, err := e.client.ReadContacts(context.Background(), ids, []string{"firstname"})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 140 || len(missing) != 10 || missing[0] != "141" || found[0].Prop("firstname") == "" {
		t.Errorf("found %d, missing %v", len(found), missing)
	}
	if n := e.fake.Count(hubspotfake.RouteBatchRead); n != 2 {
		t.Errorf("%d batch reads, want 2", n)
	}
}

// TestListMemberships adds and removes members of a MANUAL list; a
// DYNAMIC list refuses.
func TestListMemberships(t *testing.T) {
	e := setup(t, hubspotfake.Config{}, hubspot.Config{})
	e.fake.Generate(20, 1)
	ctx := context.Background()
	l, err := e.client.CreateList(ctx, "Campaign", "MANUAL")
	if err != nil {
		t.Fatal(err)
	}
	ch, err := e.client.AddToList(ctx, l.ID, []string{"1", "2", "999"})
	if err != nil || !slices.Equal(ch.Added, []string{"1", "2"}) || !slices.Equal(ch.Missing, []string{"999"}) {
		t.Fatalf("%+v %v", ch, err)
	}
	if ch, err = e.client.RemoveFromList(ctx, l.ID, []string{"2"}); err != nil || !slices.Equal(ch.Removed, []string{"2"}) {
		t.Fatalf("%+v %v", ch, err)
	}
	p, err := e.client.Memberships(ctx, l.ID, "", 0)
	if err != nil || len(p.Members) != 1 || p.Members[0].RecordID != "1" || p.Next != "" {
		t.Fatalf("%+v %v", p, err)
	}
	d, err := e.client.CreateList(ctx, "Engaged", "DYNAMIC")
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.client.AddToList(ctx, d.ID, []string{"1"})
	var ae *hubspot.APIError
	if !errors.As(err, &ae) || ae.Status != 400 {
		t.Errorf("dynamic add: %v", err)
	}
	if _, err := e.client.GetList(ctx, "424242"); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
		t.Errorf("no list: %v", err)
	}
}

func TestSignatureVector(t *testing.T) {
	body := []byte(`[{"eventId":1,"subscriptionType":"contact.creation","objectId":51}]`)
	sig := hubspot.Sign("testsecret", "POST", "https://example.com/webhooks/hubspot", body, "1700000000000")
	if sig != "Zz4hwFIaCKPfk7Cu+JotjmWa80BS2Ip8y6IgAnwDW7E=" {
		t.Fatalf("signature %s", sig)
	}
	if hubspotfake.Sign("testsecret", "POST", "https://example.com/webhooks/hubspot", body, "1700000000000") != sig {
		t.Fatal("the fake signs differently")
	}
	at := time.UnixMilli(1700000000000)
	for _, tc := range []struct {
		name   string
		secret string
		ts     string
		now    time.Time
		ok     bool
	}{
		{"good", "testsecret", "1700000000000", at.Add(time.Minute), true},
		{"wrong secret", "other", "1700000000000", at, false},
		{"stale", "testsecret", "1700000000000", at.Add(5*time.Minute + time.Millisecond), false},
		{"no timestamp", "testsecret", "", at, false},
	} {
		err := hubspot.VerifySignature(tc.secret, "POST", "https://example.com/webhooks/hubspot", body, tc.ts, sig, tc.now)
		if (err == nil) != tc.ok || (err != nil && kizuna.ErrorCode(err) != kizuna.EUNAUTHORIZED) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	evs, err := hubspot.ParseEvents([]byte(`[{"eventId":"2","eventType":"contact.propertyChange","objectId":9007199254740993,"occurredAt":5,"subscriptionId":25,"propertyValue":null},{"eventId":1,"subscriptionType":"contact.creation","objectId":51,"occurredAt":3}]`))
	if err != nil || len(evs) != 2 || evs[0].EventID != "1" || evs[1].SubscriptionType != "contact.propertyChange" || evs[1].ObjectID != "9007199254740993" {
		t.Errorf("%+v %v", evs, err)
	}
}

// receiver is a webhook endpoint that verifies with hubspot.Verifier.
type receiver struct {
	mu       sync.Mutex
	v        *hubspot.Verifier
	events   []hubspot.Event
	refused  int
	batches  int
	unsorted bool
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	evs, err := rc.v.Verify(r)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if err != nil {
		rc.refused++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	rc.batches++
	if !slices.IsSortedFunc(evs, func(a, b hubspot.Event) int { return a.OccurredAt.Compare(b.OccurredAt) }) {
		rc.unsorted = true
	}
	rc.events = append(rc.events, evs...)
}

func TestWebhooks(t *testing.T) {
	rc := &receiver{}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	url := hook.URL + "/hubspot/webhook/shop?x=1"
	e := setup(t, hubspotfake.Config{WebhookURL: url, ClientSecret: "s3cret"}, hubspot.Config{})
	rc.v = &hubspot.Verifier{ClientSecret: "s3cret", URL: url, Now: e.clock.Now}
	ctx := context.Background()
	id, err := e.fake.CreateContact(ctx, map[string]string{"email": "new@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	v := "customer"
	if err := e.fake.SetProperty(ctx, id, "lifecyclestage", &v); err != nil {
		t.Fatal(err)
	}
	if len(rc.events) != 2 || rc.events[0].SubscriptionType != "contact.creation" || rc.events[1].PropertyName != "lifecyclestage" ||
		rc.events[1].PropertyValue != "customer" || rc.events[1].ObjectID != id {
		t.Fatalf("events %+v", rc.events)
	}
	// The thin event, filled in by a batch read.
	found, _, err := e.client.ReadContacts(ctx, []string{rc.events[1].ObjectID}, []string{"lifecyclestage", "email"})
	if err != nil || found[0].Prop("lifecyclestage") != "customer" {
		t.Fatal(found, err)
	}
	// A replay: same dedup key, attempt 1.
	if _, err := e.fake.Replay(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if len(rc.events) != 3 || rc.events[2].DedupKey() != rc.events[1].DedupKey() || rc.events[2].AttemptNumber != 1 {
		t.Errorf("replay: %+v", rc.events[2])
	}
	// Held events go in batches of at most 100, newest first and twice.
	rc.events, rc.batches = nil, 0
	e.fake.SetWebhookMode(hubspotfake.WebhookMode{Hold: true, Reverse: true, Duplicate: true})
	for i := range 250 {
		e.clock.Advance(time.Millisecond)
		s := strconv.Itoa(i)
		if err := e.fake.SetProperty(ctx, id, "firstname", &s); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.fake.FlushWebhooks(ctx); err != nil {
		t.Fatal(err)
	}
	if rc.batches != 6 || len(rc.events) != 500 {
		t.Errorf("%d batches, %d events", rc.batches, len(rc.events))
	}
	keys := map[string]int{}
	for _, ev := range rc.events {
		keys[ev.DedupKey()]++
	}
	if rc.unsorted {
		t.Error("a batch's events are not sorted by occurredAt")
	}
	if d := e.fake.Deliveries(); d[len(d)-1].Events[0].OccurredAt < d[len(d)-1].Events[1].OccurredAt {
		t.Error("the fake did not reverse the batch")
	}
	if len(keys) != 250 {
		t.Errorf("%d distinct events, want 250", len(keys))
	}
	// Stale and wrongly signed deliveries are refused.
	e.fake.SetWebhookMode(hubspotfake.WebhookMode{Stale: true})
	if err := e.fake.SetProperty(ctx, id, "firstname", &v); err != nil {
		t.Fatal(err)
	}
	rc.v.ClientSecret = "other"
	e.fake.SetWebhookMode(hubspotfake.WebhookMode{})
	if err := e.fake.SetProperty(ctx, id, "firstname", &v); err != nil {
		t.Fatal(err)
	}
	if rc.refused != 2 {
		t.Errorf("%d refused, want 2", rc.refused)
	}
	ds := e.fake.Deliveries()
	if ds[len(ds)-1].Status != 401 {
		t.Errorf("last delivery %d", ds[len(ds)-1].Status)
	}
}

// TestBodyCap: a webhook body over the cap is refused before parsing.
func TestBodyCap(t *testing.T) {
	v := &hubspot.Verifier{ClientSecret: "s", URL: "https://x/y"}
	r := httptest.NewRequest("POST", "/y", io.MultiReader(strings.NewReader("["), strings.NewReader(strings.Repeat(" ", hubspot.MaxWebhookBody+1))))
	if _, err := v.Verify(r); kizuna.ErrorCode(err) != kizuna.ETOOLARGE {
		t.Errorf("%v", err)
	}
}
