package klaviyo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/klaviyofake"
	"github.com/kizuna-line/kizuna/klaviyo"
)

const testKey = "pk_test_0123456789abcdef"

// vclock is a virtual clock: the fake reads it, the client's sleeps move
// it, so rate-limit tests take no real time.
type vclock struct {
	mu    sync.Mutex
	t     time.Time
	slept time.Duration
}

func newClock() *vclock { return &vclock{t: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)} }

func (c *vclock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *vclock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (c *vclock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.slept += d
	c.mu.Unlock()
	return nil
}

type env struct {
	fake  *klaviyofake.Fake
	srv   *httptest.Server
	clock *vclock
}

func newEnv(t testing.TB, cfg klaviyofake.Config) *env {
	t.Helper()
	clk := newClock()
	if cfg.APIKey == "" {
		cfg.APIKey = testKey
	}
	cfg.Now = clk.Now
	f := klaviyofake.New(cfg)
	srv := httptest.NewServer(f)
	t.Cleanup(func() { f.Close(); srv.Close() })
	return &env{fake: f, srv: srv, clock: clk}
}

func (e *env) client(t testing.TB, key string) *klaviyo.Client {
	t.Helper()
	c, err := klaviyo.New(klaviyo.Config{BaseURL: e.srv.URL, APIKey: key, HTTPClient: e.srv.Client(), Now: e.clock.Now, Sleep: e.clock.Sleep})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// readAll reads every profile from cursor, returning them and the
// cursors of the pages.
func readAll(t testing.TB, c *klaviyo.Client, q klaviyo.ProfileQuery, cursor string) ([]klaviyo.Profile, []string) {
	t.Helper()
	var ps []klaviyo.Profile
	var cursors []string
	err := c.Profiles(context.Background(), q, cursor, func(p *klaviyo.ProfilePage) error {
		ps = append(ps, p.Profiles...)
		cursors = append(cursors, p.Next)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ps, cursors
}

func ids(ps []klaviyo.Profile) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func TestCheck(t *testing.T) {
	e := newEnv(t, klaviyofake.Config{})
	ctx := context.Background()
	if err := e.client(t, testKey).Check(ctx); err != nil {
		t.Fatalf("check with the right key: %v", err)
	}
	err := e.client(t, "pk_wrong_secret_key").Check(ctx)
	if kizuna.ErrorCode(err) != kizuna.EUNAUTHORIZED {
		t.Fatalf("wrong key: %v, want %s", err, kizuna.EUNAUTHORIZED)
	}
	if strings.Contains(err.Error(), "pk_wrong_secret_key") || strings.Contains(fmt.Sprintf("%v %#v", e.client(t, "pk_wrong_secret_key"), e.client(t, "pk_wrong_secret_key")), "pk_wrong") {
		t.Fatal("the key shows in an error or in the client's printout")
	}
	if ja := kizuna.LocalMessage(err, "ja"); !strings.Contains(ja, "APIキー") {
		t.Errorf("Japanese of %v: %q", err, ja)
	}
	// The fake: no revision is a 400 JSON:API error; the key is masked in
	// the record.
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/lists", nil)
	req.Header.Set("Authorization", "Klaviyo-API-Key "+testKey)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 400 || res.Header.Get("Content-Type") != klaviyofake.ContentType || !strings.Contains(string(body), "revision") {
		t.Errorf("no revision: %d %s %s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	for _, r := range e.fake.Requests() {
		if strings.Contains(fmt.Sprint(r.Header), testKey) {
			t.Fatal("the record keeps the key")
		}
	}
}

func TestPagingAndResume(t *testing.T) {
	e := newEnv(t, klaviyofake.Config{})
	e.fake.Generate(250, 7)
	c := e.client(t, testKey)
	all, cursors := readAll(t, c, klaviyo.ProfileQuery{}, "")
	if len(all) != 250 || len(cursors) != 3 || cursors[2] != "" {
		t.Fatalf("read %d profiles in %d pages (%q)", len(all), len(cursors), cursors)
	}
	seen := map[string]bool{}
	for _, p := range all {
		if seen[p.ID] || len(p.ID) != 26 || !kizuna.ValidLineUserID(p.LineUserID) || p.Properties["plan"] == nil {
			t.Fatalf("profile %+v: duplicate or incomplete", p)
		}
		seen[p.ID] = true
	}
	if !strings.Contains(cursors[0], "page%5Bcursor%5D=") || !strings.HasPrefix(cursors[0], e.srv.URL+"/api/profiles") {
		t.Errorf("the cursor %q is not a links.next URL", cursors[0])
	}
	// A crash after the first page: a new client resumes from its cursor
	// and reads exactly the rest.
	rest, _ := readAll(t, e.client(t, testKey), klaviyo.ProfileQuery{}, cursors[0])
	if !slices.Equal(ids(rest), ids(all[100:])) {
		t.Fatalf("resumed %d profiles, want the last 150 in order", len(rest))
	}
	// A cursor for another host is refused: the key goes nowhere else.
	err := c.Profiles(context.Background(), klaviyo.ProfileQuery{}, "https://evil.example/api/profiles?page%5Bcursor%5D=x", func(*klaviyo.ProfilePage) error { return nil })
	if kizuna.ErrorCode(err) != kizuna.EINVALID {
		t.Errorf("foreign cursor: %v", err)
	}
	// A page size over the maximum is refused by the fake.
	for _, path := range []string{"/api/profiles?page[size]=101", "/api/lists?page[size]=11", "/api/segments?page[size]=11"} {
		if st := rawGet(t, e, path); st != 400 {
			t.Errorf("GET %s: %d, want 400", path, st)
		}
	}
	// Filters: equals on email, any on ids.
	byEmail, _ := readAll(t, c, klaviyo.ProfileQuery{Filter: `equals(email,"gen3@example.test")`}, "")
	if len(byEmail) != 1 || byEmail[0].ID != all[3].ID {
		t.Errorf("equals(email): %v", ids(byEmail))
	}
	got, err := c.ProfilesByID(context.Background(), []string{all[5].ID, all[9].ID, "01NOSUCHPROFILE00000000000"})
	if err != nil || !slices.Equal(ids(got), []string{all[5].ID, all[9].ID}) {
		t.Errorf("by id: %v %v", ids(got), err)
	}
}

func rawGet(t testing.TB, e *env, path string) int {
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	req.Header.Set("Authorization", "Klaviyo-API-Key "+testKey)
	req.Header.Set("revision", klaviyofake.DefaultRevision)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func TestUpdatedSince(t *testing.T) {
	e := newEnv(t, klaviyofake.Config{})
	e.fake.Generate(60, 1)
	c := e.client(t, testKey)
	all, _ := readAll(t, c, klaviyo.ProfileQuery{}, "")
	e.clock.Advance(time.Hour)
	t1 := e.clock.Now()
	must(t, e.fake.SetProperty(all[10].ID, "plan", "platinum"))
	must(t, e.fake.AddToList("KzGenE", all[20].ID))
	lists, err := c.Lists(context.Background())
	if err != nil || len(lists) != len(klaviyofake.GeneratedLists) {
		t.Fatalf("lists %v %v", lists, err)
	}
	poll := func(since time.Time) []klaviyo.Profile {
		var out []klaviyo.Profile
		must(t, c.UpdatedSince(context.Background(), since, "", func(p *klaviyo.ProfilePage) error {
			out = append(out, p.Profiles...)
			return nil
		}))
		return out
	}
	got := poll(t1)
	if !slices.Equal(ids(got), []string{all[10].ID, all[20].ID}) {
		t.Fatalf("updated since %s: %v", t1, ids(got))
	}
	if string(got[0].Properties["plan"]) != `"platinum"` || !got[0].Updated.Equal(t1) {
		t.Errorf("changed profile: %+v", got[0])
	}
	// A change later in the same second as the last one seen is not
	// missed by the next poll from that second.
	last := got[len(got)-1].Updated
	e.clock.Advance(300 * time.Millisecond)
	must(t, e.fake.RemoveFromList("KzGenE", all[20].ID))
	must(t, e.fake.SetProperty(all[30].ID, "vip", nil))
	got = poll(last)
	if !slices.Contains(ids(got), all[30].ID) || !slices.Contains(ids(got), all[20].ID) {
		t.Fatalf("same-second change missed: %v", ids(got))
	}
	if _, ok := got[len(got)-1].Properties["vip"]; ok {
		t.Errorf("a null property stays: %s", got[len(got)-1].Properties)
	}
	// Membership now, for a reconcile.
	var members []string
	must(t, c.ListMembers(context.Background(), "KzGenE", "", func(p *klaviyo.MemberPage) error {
		members = append(members, p.IDs...)
		return nil
	}))
	if slices.Contains(members, all[20].ID) {
		t.Errorf("a removed member is still listed")
	}
	pl, err := c.ProfileLists(context.Background(), all[20].ID)
	must(t, err)
	for _, l := range pl {
		if l.ID == "KzGenE" {
			t.Errorf("profile lists still name KzGenE")
		}
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestRateLimitStorm: tight limits and injected 429s slow the backfill
// and lose nothing.
func TestRateLimitStorm(t *testing.T) {
	e := newEnv(t, klaviyofake.Config{Limits: map[string]klaviyofake.Limit{klaviyofake.RouteProfiles: {Burst: 3, Steady: 20}}})
	e.fake.Generate(1000, 3)
	e.fake.InjectFault(klaviyofake.RouteProfiles, klaviyofake.Throttled, klaviyofake.Fault{Status: 429, RetryAfter: 30}, klaviyofake.Throttled)
	c := e.client(t, testKey)
	start := e.clock.Now()
	got, _ := readAll(t, c, klaviyo.ProfileQuery{PageSize: 10}, "")
	if len(got) != 1000 || len(slices.Compact(slices.Sorted(slices.Values(ids(got))))) != 1000 {
		t.Fatalf("read %d profiles", len(got))
	}
	elapsed := e.clock.Now().Sub(start)
	throttled := 0
	for _, r := range e.fake.Requests() {
		if r.Status == 429 {
			throttled++
		}
	}
	// 100 pages at 20 a minute: five windows, the last starting 4
	// minutes in.
	if elapsed < 4*time.Minute || elapsed > 7*time.Minute || throttled < 3 {
		t.Errorf("100 pages in %s of virtual time with %d 429s", elapsed, throttled)
	}
	t.Logf("100 pages in %s of virtual time, %d answers were 429", elapsed, throttled)

	// A Retry-After of hours (a daily cap) is an error at once.
	e.fake.InjectFault(klaviyofake.RouteLists, klaviyofake.Fault{Status: 429, RetryAfter: 7200})
	before := e.clock.Now()
	err := c.Check(context.Background())
	if kizuna.ErrorCode(err) != kizuna.EUNAVAILABLE || !klaviyo.Temporary(err) || e.clock.Now() != before {
		t.Errorf("daily cap: %v after %s", err, e.clock.Now().Sub(before))
	}
}

func TestServerErrorRetry(t *testing.T) {
	e := newEnv(t, klaviyofake.Config{})
	e.fake.Generate(30, 2)
	c := e.client(t, testKey)
	e.fake.InjectFault(klaviyofake.RouteProfiles, klaviyofake.ServerError, klaviyofake.DropConnection, klaviyofake.Unavailable)
	got, _ := readAll(t, c, klaviyo.ProfileQuery{PageSize: 10}, "")
	if len(got) != 30 {
		t.Fatalf("read %d profiles after 5xx and a dropped connection", len(got))
	}
	for range 10 {
		e.fake.InjectFault(klaviyofake.RouteLists, klaviyofake.ServerError)
	}
	err := c.Check(context.Background())
	if kizuna.ErrorCode(err) != kizuna.EUPSTREAM || !klaviyo.Temporary(err) {
		t.Errorf("persistent 500: %v", err)
	}
	var ae *klaviyo.APIError
	if !errors.As(err, &ae) || ae.Status != 500 {
		t.Errorf("no status in %v", err)
	}
}

func TestLoadFromImportLines(t *testing.T) {
	e := newEnv(t, klaviyofake.Config{})
	lines := `{"line_user_id":"U0000000000000000000000000000000a","added_at":"2026-01-01T00:00:00Z","klaviyo":{"profile_id":"01HZZKLAVIYOPROFILE0000001","lists":["Xy12ab","Zz99cd"],"properties":{"plan":"gold","points":1200,"tags":["a","b"],"nested":{"k":1.5},"big":9007199254740993}}}
{"line_user_id":"U0000000000000000000000000000000b","added_at":"2026-01-01T00:00:00Z","klaviyo":{"lists":["Xy12ab"],"properties":{"plan":"free"}}}
{"line_user_id":"U0000000000000000000000000000000c","added_at":"2026-01-01T00:00:00Z"}
`
	n, err := e.fake.LoadNDJSON(strings.NewReader(lines))
	if err != nil || n != 2 {
		t.Fatalf("loaded %d: %v", n, err)
	}
	c := e.client(t, testKey)
	got, _ := readAll(t, c, klaviyo.ProfileQuery{}, "")
	if len(got) != 2 {
		t.Fatalf("%d profiles", len(got))
	}
	p := got[0]
	if p.ID != "01HZZKLAVIYOPROFILE0000001" || p.LineUserID != "U0000000000000000000000000000000a" {
		t.Errorf("profile %+v", p)
	}
	// Values are kept as Klaviyo sent them: an integer above 2^53 is
	// not rounded through a float64.
	if string(p.Properties["big"]) != "9007199254740993" {
		t.Errorf("big integer: %s", p.Properties["big"])
	}
	delete(p.Properties, "big")
	want := map[string]any{"plan": "gold", "points": 1200.0, "tags": []any{"a", "b"}, "nested": map[string]any{"k": 1.5}, "line_user_id": "U0000000000000000000000000000000a"}
	gotProps := map[string]any{}
	for k, v := range p.Properties {
		var x any
		must(t, json.Unmarshal(v, &x))
		gotProps[k] = x
	}
	if !reflect.DeepEqual(gotProps, want) {
		t.Errorf("properties %v, want %v", gotProps, want)
	}
	members := map[string][]string{}
	for _, l := range []string{"Xy12ab", "Zz99cd"} {
		must(t, c.ListMembers(context.Background(), l, "", func(pg *klaviyo.MemberPage) error {
			members[l] = append(members[l], pg.IDs...)
			return nil
		}))
	}
	if !slices.Equal(members["Xy12ab"], []string{got[0].ID, got[1].ID}) || !slices.Equal(members["Zz99cd"], []string{got[0].ID}) {
		t.Errorf("members %v", members)
	}
	var full []klaviyo.Profile
	must(t, c.ListProfiles(context.Background(), "Zz99cd", "", func(pg *klaviyo.ProfilePage) error {
		full = append(full, pg.Profiles...)
		return nil
	}))
	if len(full) != 1 || full[0].JoinedAt == nil || full[0].LineUserID == "" {
		t.Errorf("list profiles %+v", full)
	}
	// A custom property name for the LINE user ID.
	e2 := newEnv(t, klaviyofake.Config{LineUserIDProperty: "lineId"})
	_, err = e2.fake.LoadNDJSON(strings.NewReader(lines))
	must(t, err)
	c2, _ := klaviyo.New(klaviyo.Config{BaseURL: e2.srv.URL, APIKey: testKey, LineUserIDProperty: "lineId"})
	got2, _ := readAll(t, c2, klaviyo.ProfileQuery{}, "")
	if got2[1].LineUserID != "U0000000000000000000000000000000b" {
		t.Errorf("custom property: %+v", got2[1])
	}
}

func TestListMembership(t *testing.T) {
	e := newEnv(t, klaviyofake.Config{})
	e.fake.Generate(1500, 5)
	c := e.client(t, testKey)
	all, _ := readAll(t, c, klaviyo.ProfileQuery{}, "")
	l, err := c.CreateList(context.Background(), "Campaign")
	must(t, err)
	must(t, c.AddToList(context.Background(), l.ID, ids(all)))
	if n := e.fake.Count(klaviyofake.RouteListMembership); n != 2 {
		t.Errorf("1,500 ids in %d calls, want 2", n)
	}
	must(t, c.RemoveFromList(context.Background(), l.ID, ids(all[:500])))
	var members []string
	must(t, c.ListMembers(context.Background(), l.ID, "", func(p *klaviyo.MemberPage) error {
		members = append(members, p.IDs...)
		return nil
	}))
	if !slices.Equal(members, ids(all[500:])) {
		t.Errorf("%d members, want the last 1,000", len(members))
	}
	err = c.AddToList(context.Background(), l.ID, []string{"01NOSUCHPROFILE00000000000"})
	var ae *klaviyo.APIError
	if !errors.As(err, &ae) || ae.Status != 400 {
		t.Errorf("unknown profile: %v", err)
	}
	// Segments are read the same way.
	seg, _ := e.fake.CreateSegment("SegVIP", "VIP buyers")
	must(t, e.fake.AddToSegment(seg, all[1].ID, all[2].ID))
	segs, err := c.Segments(context.Background())
	must(t, err)
	var sm []string
	must(t, c.SegmentMembers(context.Background(), seg, "", func(p *klaviyo.MemberPage) error {
		sm = append(sm, p.IDs...)
		return nil
	}))
	ps, err := c.ProfileSegments(context.Background(), all[2].ID)
	must(t, err)
	if len(segs) != 1 || segs[0].Name != "VIP buyers" || !slices.Equal(sm, []string{all[1].ID, all[2].ID}) || len(ps) != 1 {
		t.Errorf("segments %v members %v of profile %v", segs, sm, ps)
	}
}

func TestWebhook(t *testing.T) {
	// integrations.md §4.5's vector.
	if got := klaviyo.Sign("testsecret", []byte(`{"data":[],"meta":{}}`), "2024-01-01T00:00:00Z"); got != "e3eb8051e4d2f167ec7e2724657f79799b97f55a623afdb00ff3f8062280424d" {
		t.Fatalf("test vector: %s", got)
	}
	if klaviyofake.Sign("s", []byte("b"), "t") != klaviyo.Sign("s", []byte("b"), "t") {
		t.Fatal("the fake and the client sign differently")
	}
	const secret = "a-webhook-secret-16+"
	var mu sync.Mutex
	seen := map[string]int{}
	var statuses []int
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, err := klaviyo.ReadWebhook(r, secret)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			statuses = append(statuses, 401)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		for _, ev := range d.Events {
			seen[ev.ExternalID]++
		}
		statuses = append(statuses, 200)
	}))
	defer recv.Close()
	e := newEnv(t, klaviyofake.Config{WebhookURL: recv.URL, WebhookSecret: secret})
	ctx := context.Background()
	ev := e.fake.ProfileEvent("event:klaviyo.subscribed_to_email_marketing", "01PROFILE")
	good := e.fake.NewDelivery(ev)
	d, err := klaviyo.VerifyWebhook(secret, good.Header(), good.Body)
	if err != nil || len(d.Events) != 1 || d.Events[0].ProfileID != "01PROFILE" || d.Events[0].ExternalID != ev.ExternalID {
		t.Fatalf("good delivery: %+v %v", d, err)
	}
	// Bad: a changed byte, the wrong secret, a mismatched webhook id.
	bad := bytes.Replace(good.Body, []byte("01PROFILE"), []byte("01PROFILF"), 1)
	if _, err := klaviyo.VerifyWebhook(secret, good.Header(), bad); kizuna.ErrorCode(err) != kizuna.EUNAUTHORIZED {
		t.Errorf("tampered body: %v", err)
	}
	if _, err := klaviyo.VerifyWebhook("another-secret-xx", good.Header(), good.Body); kizuna.ErrorCode(err) != kizuna.EUNAUTHORIZED {
		t.Errorf("wrong secret: %v", err)
	}
	mis := e.fake.NewMismatchedDelivery(ev)
	if _, err := klaviyo.VerifyWebhook(secret, mis.Header(), mis.Body); kizuna.ErrorCode(err) != kizuna.EUNAUTHORIZED {
		t.Errorf("mismatched id: %v", err)
	}
	// Over HTTP: a replay and duplicates carry the same event ids; out of
	// order changes nothing of that.
	ev2 := e.fake.ProfileEvent("event:klaviyo.opened_email", "01PROFILE")
	second := e.fake.NewDelivery(ev2)
	if _, err := e.fake.SendAll(ctx, klaviyofake.Duplicate, good, second); err != nil {
		t.Fatal(err)
	}
	if _, err := e.fake.SendAll(ctx, klaviyofake.Reversed, good, second, mis); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if seen[ev.ExternalID] != 3 || seen[ev2.ExternalID] != 3 || len(seen) != 2 || !slices.Equal(statuses, []int{200, 200, 200, 200, 401, 200, 200}) {
		t.Errorf("seen %v statuses %v", seen, statuses)
	}
}

// TestUnderPrefix: the fake mounted under a path (as the demo mounts its
// fakes) gives links.next the client can follow.
func TestUnderPrefix(t *testing.T) {
	clk := newClock()
	f := klaviyofake.New(klaviyofake.Config{APIKey: testKey, Now: clk.Now})
	f.Generate(150, 9)
	mux := http.NewServeMux()
	mux.Handle("/fake-klaviyo/", http.StripPrefix("/fake-klaviyo", f))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c, err := klaviyo.New(klaviyo.Config{BaseURL: srv.URL + "/fake-klaviyo", APIKey: testKey, Now: clk.Now, Sleep: clk.Sleep})
	must(t, err)
	got, cursors := readAll(t, c, klaviyo.ProfileQuery{}, "")
	if len(got) != 150 || !strings.HasPrefix(cursors[0], srv.URL+"/fake-klaviyo/api/profiles?") {
		t.Fatalf("%d profiles, cursor %q", len(got), cursors[0])
	}
}
