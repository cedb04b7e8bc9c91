package klaviyofake_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/klaviyofake"
)

const key = "pk_fake_key"

type clock struct {
	mu sync.Mutex
	t  time.Time
}

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

func setup(t *testing.T, cfg klaviyofake.Config) (*klaviyofake.Fake, *httptest.Server, *clock) {
	clk := &clock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	cfg.APIKey, cfg.Now = key, clk.Now
	f := klaviyofake.New(cfg)
	srv := httptest.NewServer(f)
	t.Cleanup(func() { f.Close(); srv.Close() })
	return f, srv, clk
}

type answer struct {
	status int
	header http.Header
	doc    map[string]any
	raw    string
}

func do(t *testing.T, srv *httptest.Server, method, path, body string) answer {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Klaviyo-API-Key "+key)
	req.Header.Set("revision", klaviyofake.DefaultRevision)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	a := answer{status: res.StatusCode, header: res.Header, raw: string(b)}
	_ = json.Unmarshal(b, &a.doc)
	return a
}

func (a answer) errorMeta(k string) any {
	errs, _ := a.doc["errors"].([]any)
	if len(errs) == 0 {
		return nil
	}
	meta, _ := errs[0].(map[string]any)["meta"].(map[string]any)
	return meta[k]
}

func (a answer) data() map[string]any {
	d, _ := a.doc["data"].(map[string]any)
	return d
}

func TestCreateAndImport(t *testing.T) {
	_, srv, _ := setup(t, klaviyofake.Config{})
	const create = `{"data":{"type":"profile","attributes":{"email":"a@example.com","external_id":"shopify:1","properties":{"line_user_id":"U0123456789abcdef0123456789abcdef"}}}}`
	a := do(t, srv, "POST", "/api/profiles", create)
	if a.status != 201 || a.header.Get("Content-Type") != klaviyofake.ContentType {
		t.Fatalf("create: %d %s", a.status, a.raw)
	}
	id := a.data()["id"].(string)
	a = do(t, srv, "POST", "/api/profiles", create)
	if a.status != 409 || a.errorMeta("duplicate_profile_id") != id {
		t.Fatalf("duplicate: %d %s", a.status, a.raw)
	}
	// profile-import: 200 updates (merging properties, null removes),
	// 201 creates.
	a = do(t, srv, "POST", "/api/profile-import", `{"data":{"type":"profile","attributes":{"email":"a@example.com","properties":{"plan":"gold","line_user_id":null}}}}`)
	props := a.data()["attributes"].(map[string]any)["properties"].(map[string]any)
	if a.status != 200 || a.data()["id"] != id || props["plan"] != "gold" || props["line_user_id"] != nil {
		t.Fatalf("import update: %d %s", a.status, a.raw)
	}
	a = do(t, srv, "POST", "/api/profile-import", `{"data":{"type":"profile","attributes":{"email":"b@example.com"}}}`)
	if a.status != 201 || a.data()["id"] == id {
		t.Fatalf("import create: %d %s", a.status, a.raw)
	}
	a = do(t, srv, "GET", `/api/profiles?filter=equals(external_id,"shopify:1")`, "")
	if list, _ := a.doc["data"].([]any); a.status != 200 || len(list) != 1 {
		t.Errorf("equals(external_id): %s", a.raw)
	}
	a = do(t, srv, "GET", `/api/profiles?filter=equals(nickname,"x")`, "")
	if a.status != 400 {
		t.Errorf("unknown filter field: %d", a.status)
	}
	a = do(t, srv, "GET", "/api/profiles/"+id, "")
	if a.status != 200 || a.data()["id"] != id {
		t.Errorf("get: %s", a.raw)
	}
	if a := do(t, srv, "GET", "/api/profiles/nope", ""); a.status != 404 {
		t.Errorf("unknown profile: %d", a.status)
	}
}

func TestAuthAndRevision(t *testing.T) {
	_, srv, _ := setup(t, klaviyofake.Config{})
	for _, tc := range []struct {
		auth, rev string
		status    int
	}{
		{"", klaviyofake.DefaultRevision, 401},
		{"Bearer " + key, klaviyofake.DefaultRevision, 401},
		{"Klaviyo-API-Key nope", klaviyofake.DefaultRevision, 401},
		{"Klaviyo-API-Key " + key, "", 400},
		{"Klaviyo-API-Key " + key, "2099-01-15", 400},
		{"Klaviyo-API-Key " + key, "2025-10-15", 200},
	} {
		req, _ := http.NewRequest("GET", srv.URL+"/api/lists", nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		if tc.rev != "" {
			req.Header.Set("revision", tc.rev)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tc.status || (tc.status != 200 && !strings.Contains(string(b), `"errors"`)) {
			t.Errorf("%q %q: %d %s, want %d", tc.auth, tc.rev, res.StatusCode, b, tc.status)
		}
	}
}

// TestRateWindows: the burst window refuses the request over its count
// with Retry-After 1; the steady window with the seconds to the minute's
// end; successes carry RateLimit-* headers.
func TestRateWindows(t *testing.T) {
	_, srv, clk := setup(t, klaviyofake.Config{Limits: map[string]klaviyofake.Limit{klaviyofake.RouteLists: {Burst: 2, Steady: 3}}})
	a := do(t, srv, "GET", "/api/lists", "")
	if a.header.Get("RateLimit-Limit") != "3" || a.header.Get("RateLimit-Remaining") != "2" || a.header.Get("RateLimit-Reset") != "60" {
		t.Errorf("headers %v", a.header)
	}
	do(t, srv, "GET", "/api/lists", "")
	a = do(t, srv, "GET", "/api/lists", "")
	if a.status != 429 || a.header.Get("Retry-After") != "1" || !strings.Contains(a.raw, "throttled") {
		t.Fatalf("burst: %d %v %s", a.status, a.header, a.raw)
	}
	clk.Advance(time.Second)
	if a = do(t, srv, "GET", "/api/lists", ""); a.status != 200 || a.header.Get("RateLimit-Remaining") != "0" {
		t.Fatalf("next second: %d %v", a.status, a.header)
	}
	clk.Advance(15 * time.Second)
	if a = do(t, srv, "GET", "/api/lists", ""); a.status != 429 || a.header.Get("Retry-After") != "44" {
		t.Fatalf("steady: %d Retry-After %q", a.status, a.header.Get("Retry-After"))
	}
	clk.Advance(44 * time.Second)
	if a = do(t, srv, "GET", "/api/lists", ""); a.status != 200 {
		t.Fatalf("next minute: %d", a.status)
	}
}

func TestMembershipMovesUpdated(t *testing.T) {
	f, srv, clk := setup(t, klaviyofake.Config{UnknownProfileStatus: 404})
	id, err := f.AddProfile(klaviyofake.ProfileData{Email: "m@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	lid, _ := f.CreateList("", "Members")
	clk.Advance(time.Minute)
	if a := do(t, srv, "POST", "/api/lists/"+lid+"/relationships/profiles", `{"data":[{"type":"profile","id":"`+id+`"}]}`); a.status != 204 {
		t.Fatalf("add: %d %s", a.status, a.raw)
	}
	p, _ := f.Profile(id)
	if !p.Updated.Equal(clk.Now()) || len(p.Lists) != 1 || p.Lists[0] != lid {
		t.Errorf("after add: %+v", p)
	}
	if a := do(t, srv, "POST", "/api/lists/"+lid+"/relationships/profiles", `{"data":[{"type":"profile","id":"01NOPE"}]}`); a.status != 404 {
		t.Errorf("unknown profile: %d", a.status)
	}
	big := `{"data":[` + strings.Repeat(`{"type":"profile","id":"`+id+`"},`, 1000) + `{"type":"profile","id":"` + id + `"}]}`
	if a := do(t, srv, "POST", "/api/lists/"+lid+"/relationships/profiles", big); a.status != 400 {
		t.Errorf("1,001 ids: %d", a.status)
	}
	clk.Advance(time.Minute)
	if a := do(t, srv, "DELETE", "/api/lists/"+lid+"/relationships/profiles", `{"data":[{"type":"profile","id":"`+id+`"}]}`); a.status != 204 {
		t.Fatalf("remove: %d", a.status)
	}
	p, _ = f.Profile(id)
	if !p.Updated.Equal(clk.Now()) || len(p.Lists) != 0 {
		t.Errorf("after remove: %+v", p)
	}
	a := do(t, srv, "GET", "/api/lists/"+lid+"?additional-fields[list]=profile_count", "")
	if a.data()["attributes"].(map[string]any)["profile_count"] != 0.0 {
		t.Errorf("profile_count: %s", a.raw)
	}
}

func TestLoadFriends(t *testing.T) {
	f, _, _ := setup(t, klaviyofake.Config{LineUserIDProperty: "line_id"})
	fr, err := kizuna.ParseFriendLine([]byte(`{"line_user_id":"U0000000000000000000000000000000a","added_at":"2026-01-01T00:00:00Z","klaviyo":{"profile_id":"01P","lists":["L1"],"properties":{"plan":"gold"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := f.LoadFriends([]*kizuna.Friend{fr, {LineUserID: "U0000000000000000000000000000000b"}}); n != 1 || err != nil {
		t.Fatalf("loaded %d: %v", n, err)
	}
	d := f.Dump(0, -1)
	if len(d.Profiles) != 1 || string(d.Profiles[0].Properties["line_id"]) != `"U0000000000000000000000000000000a"` || d.Lists[0].ID != "L1" || d.Lists[0].Profiles != 1 {
		t.Errorf("dump %+v", d)
	}
}

// TestGenerateMemory: generated profiles are small enough that a million
// fit comfortably (measured on 200,000 to spare the shared CPUs; the
// store grows linearly).
func TestGenerateMemory(t *testing.T) {
	const n = 200_000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f := klaviyofake.New(klaviyofake.Config{APIKey: key})
	f.Generate(n, 1)
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := float64(after.HeapAlloc-before.HeapAlloc) / n
	t.Logf("%d profiles: %.0f bytes each, %.0f MB for a million", n, per, per)
	if per > 1000 {
		t.Errorf("%.0f bytes a profile", per)
	}
	if f.ProfileCount() != n {
		t.Errorf("%d profiles", f.ProfileCount())
	}
	runtime.KeepAlive(f)
	g := klaviyofake.New(klaviyofake.Config{APIKey: key})
	g.Generate(3, 1)
	h := klaviyofake.New(klaviyofake.Config{APIKey: key})
	h.Generate(3, 1)
	if a, b := g.Dump(0, -1).Profiles, h.Dump(0, -1).Profiles; a[2].ID != b[2].ID || string(a[2].Properties["line_user_id"]) != string(b[2].Properties["line_user_id"]) {
		t.Error("the same seed gave other profiles")
	}
}
