package hubspotfake

import (
	"context"
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
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func start(t *testing.T, cfg Config) (*Fake, *testClock, func(method, path, body string) answer) {
	t.Helper()
	clk := &testClock{t: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	cfg.AccessToken = "tok"
	cfg.Now = clk.Now
	f := New(cfg)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, clk, func(method, path, body string) answer {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if !strings.HasPrefix(path, "/noauth") {
			req.Header.Set("Authorization", "Bearer tok")
		} else {
			req.URL.Path = strings.TrimPrefix(req.URL.Path, "/noauth")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		a := answer{status: res.StatusCode, header: res.Header, raw: string(b)}
		_ = json.Unmarshal(b, &a.body)
		return a
	}
}

func TestAuth(t *testing.T) {
	_, _, call := start(t, Config{})
	a := call("GET", "/noauth/crm/v3/objects/contacts", "")
	if a.status != 401 || a.body["category"] != "INVALID_AUTHENTICATION" || a.body["status"] != "error" || a.body["correlationId"] == "" {
		t.Errorf("%d %s", a.status, a.raw)
	}
}

func TestContactsWire(t *testing.T) {
	f, _, call := start(t, Config{RateMax: -1, SearchRate: -1})
	if err := f.Generate(150, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := f.LoadFriends([]*kizuna.Friend{{LineUserID: "U0123456789abcdef0123456789abcdef", HubSpot: &kizuna.HubSpotContact{ContactID: "9007199254740993"}}}); err != nil {
		t.Fatal(err)
	}
	a := call("GET", "/crm/v3/objects/contacts?limit=500&properties=email,phone,bogus", "")
	res := a.body["results"].([]any)
	if a.status != 200 || len(res) != 100 {
		t.Fatalf("%d, %d results", a.status, len(res))
	}
	props := res[0].(map[string]any)["properties"].(map[string]any)
	if _, ok := props["bogus"]; ok || props["phone"] != nil || props["email"] != "contact1@example.com" {
		t.Errorf("properties %v", props)
	}
	next := a.body["paging"].(map[string]any)["next"].(map[string]any)
	if !strings.HasPrefix(next["link"].(string), "?after=") {
		t.Errorf("paging %v", next)
	}
	b := call("GET", "/crm/objects/2026-03/contacts?limit=100&after="+next["after"].(string), "")
	if _, ok := b.body["paging"]; ok || len(b.body["results"].([]any)) != 51 {
		t.Errorf("last page: paging %v, %d results", b.body["paging"], len(b.body["results"].([]any)))
	}
	last := b.body["results"].([]any)[50].(map[string]any)
	if last["id"] != "9007199254740993" || !strings.Contains(b.raw, `"id":"9007199254740993"`) {
		t.Errorf("last %v", last)
	}
	if p := last["properties"].(map[string]any); p["hs_object_id"] != "9007199254740993" || p["createdate"] != nil || p["lastmodifieddate"] == nil {
		t.Errorf("default properties %v", p)
	}
	if a := call("GET", "/crm/v3/objects/contacts?after=garbage", ""); a.status != 400 {
		t.Errorf("bad cursor: %d", a.status)
	}
	// Batch read.
	a = call("POST", "/crm/v3/objects/contacts/batch/read", `{"inputs":[{"id":"1"},{"id":"7777"}],"properties":["email"]}`)
	if a.status != 207 || len(a.body["results"].([]any)) != 1 || !strings.Contains(a.raw, `"ids":["7777"]`) {
		t.Errorf("batch read: %d %s", a.status, a.raw)
	}
	in := `{"inputs":[` + strings.Repeat(`{"id":"1"},`, 100) + `{"id":"1"}]}`
	if a := call("POST", "/crm/v3/objects/contacts/batch/read", in); a.status != 400 {
		t.Errorf("101 inputs: %d", a.status)
	}
	// Search.
	for _, body := range []string{`{"limit":201}`, `{"after":"10000"}`, `{"filterGroups":[{"filters":[{"propertyName":"email","operator":"LIKE","value":"x"}]}]}`} {
		if a := call("POST", "/crm/v3/objects/contacts/search", body); a.status != 400 {
			t.Errorf("%s: %d", body, a.status)
		}
	}
	a = call("POST", "/crm/objects/2026-03/contacts/search", `{"filterGroups":[{"filters":[{"propertyName":"email","operator":"CONTAINS_TOKEN","value":"contact1*"}]}],"sorts":["-hs_object_id"],"limit":5}`)
	if a.status != 200 || a.body["total"].(float64) != 62 || a.body["results"].([]any)[0].(map[string]any)["id"] != "150" {
		t.Errorf("search: %d %.300s", a.status, a.raw)
	}
	if a.header.Get("X-HubSpot-RateLimit-Max") != "" {
		t.Error("search answered with the rate headers")
	}
	a = call("POST", "/crm/v3/objects/contacts/search", `{"filterGroups":[{"filters":[{"propertyName":"total_revenue","operator":"BETWEEN","value":"100","highValue":50000}]},{"filters":[{"propertyName":"phone","operator":"NOT_HAS_PROPERTY"},{"propertyName":"hs_object_id","operator":"EQ","value":3}]}],"limit":200}`)
	if a.status != 200 || a.body["total"].(float64) < 2 {
		t.Errorf("search: %d %.300s", a.status, a.raw)
	}
	// Properties.
	a = call("GET", "/crm/v3/properties/contacts/lifecyclestage", "")
	if a.status != 200 || a.body["type"] != "enumeration" || len(a.body["options"].([]any)) != 8 {
		t.Errorf("lifecyclestage: %s", a.raw)
	}
	if a := call("GET", "/crm/v3/properties/contacts/nope", ""); a.status != 404 {
		t.Errorf("unknown property: %d", a.status)
	}
}

func TestListsWire(t *testing.T) {
	f, _, call := start(t, Config{RateMax: -1})
	f.Generate(1000, 1)
	a := call("POST", "/crm/v3/lists", `{"name":"Static","objectTypeId":"0-1","processingType":"MANUAL"}`)
	id := a.body["list"].(map[string]any)["listId"].(string)
	a = call("PUT", "/crm/v3/lists/"+id+"/memberships/add", `["1","2","5000"]`)
	if a.status != 200 || !strings.Contains(a.raw, `"recordsIdsAdded":["1","2"]`) || !strings.Contains(a.raw, `"recordIdsMissing":["5000"]`) {
		t.Errorf("add: %s", a.raw)
	}
	a = call("PUT", "/crm/lists/2026-03/"+id+"/memberships/remove", `["2"]`)
	if !strings.Contains(a.raw, `"recordIdsRemoved":["2"]`) {
		t.Errorf("remove: %s", a.raw)
	}
	dyn := f.CreateList("Dynamic", "DYNAMIC")
	if a := call("PUT", "/crm/v3/lists/"+dyn+"/memberships/add", `["1"]`); a.status != 400 {
		t.Errorf("dynamic add: %d", a.status)
	}
	news := f.ListID(GenListNewsletter)
	a = call("GET", "/crm/v3/lists/"+news+"/memberships?limit=1000", "")
	if n := len(a.body["results"].([]any)); n != 250 || a.body["paging"] == nil {
		t.Errorf("memberships: %d results", n)
	}
	a = call("POST", "/crm/v3/lists/search", `{"count":2,"offset":1}`)
	if a.body["total"].(float64) != 4 || a.body["hasMore"] != true || a.body["offset"].(float64) != 3 {
		t.Errorf("lists search: %s", a.raw)
	}
	a = call("GET", "/crm/v3/lists/records/0-1/1/memberships", "")
	if !strings.Contains(a.raw, `"listId":"`+id+`"`) {
		t.Errorf("record lists: %s", a.raw)
	}
}

func TestRateLimitsWire(t *testing.T) {
	_, clk, call := start(t, Config{RateMax: 3, SearchRate: 2, DailyMax: 8})
	for i := range 3 {
		a := call("GET", "/crm/v3/properties/contacts", "")
		if a.status != 200 || a.header.Get("X-HubSpot-RateLimit-Max") != "3" || a.header.Get("X-HubSpot-RateLimit-Interval-Milliseconds") != "10000" ||
			a.header.Get("X-HubSpot-RateLimit-Remaining") != string(rune('2'-i)) || a.header.Get("X-HubSpot-RateLimit-Daily") != "8" {
			t.Errorf("request %d: %d %v", i, a.status, a.header)
		}
	}
	a := call("GET", "/crm/v3/properties/contacts", "")
	if a.status != 429 || a.body["policyName"] != "TEN_SECONDLY_ROLLING" || a.body["errorType"] != "RATE_LIMIT" {
		t.Errorf("4th: %d %s", a.status, a.raw)
	}
	clk.Advance(10 * time.Second)
	if a := call("GET", "/crm/v3/properties/contacts", ""); a.status != 200 {
		t.Errorf("after the window: %d", a.status)
	}
	call("POST", "/crm/v3/objects/contacts/search", `{}`)
	call("POST", "/crm/v3/objects/contacts/search", `{}`)
	if a := call("POST", "/crm/v3/objects/contacts/search", `{}`); a.status != 429 {
		t.Errorf("3rd search in a second: %d", a.status)
	}
	clk.Advance(time.Second)
	if a := call("POST", "/crm/v3/objects/contacts/search", `{}`); a.status != 200 {
		t.Errorf("search after a second: %d", a.status)
	}
	clk.Advance(time.Minute)
	call("GET", "/crm/v3/properties/contacts", "")
	if a := call("GET", "/crm/v3/properties/contacts", ""); a.status != 429 || a.body["policyName"] != "DAILY" {
		t.Errorf("daily: %d %s", a.status, a.raw)
	}
	clk.Advance(24 * time.Hour)
	if a := call("GET", "/crm/v3/properties/contacts", ""); a.status != 200 {
		t.Errorf("next day: %d", a.status)
	}
}

// TestMillion: a million generated contacts take next to no memory, and
// the last page is there.
func TestMillion(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f, _, call := start(t, Config{RateMax: -1})
	if err := f.Generate(1000000, 9); err != nil {
		t.Fatal(err)
	}
	a := call("GET", "/crm/v3/objects/contacts?limit=100&after="+encodeAfter(999950), "")
	if n := len(a.body["results"].([]any)); n != 51 || a.body["paging"] != nil {
		t.Errorf("last page: %d", n)
	}
	v := "x"
	if err := f.SetProperty(context.Background(), "999999", "firstname", &v); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	a = call("POST", "/crm/v3/objects/contacts/search", `{"filterGroups":[{"filters":[{"propertyName":"lastmodifieddate","operator":"GTE","value":"2026-11-30T00:00:00Z"}]}],"properties":["firstname"]}`)
	if a.status != 200 || a.body["total"].(float64) != 1 || !strings.Contains(a.raw, `"firstname":"x"`) {
		t.Errorf("search: %.300s", a.raw)
	}
	t.Logf("a search over a million contacts took %s", time.Since(began))
	if st := f.Dump(); st.Total != 1000000 || len(st.Contacts) != 1 || st.Contacts[0].Properties["firstname"] != "x" {
		t.Errorf("dump: %d, %d stored", st.Total, len(st.Contacts))
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 8<<20 {
		t.Errorf("the heap grew by %d bytes", grew)
	}
}

func TestAdminRoutes(t *testing.T) {
	var got []string
	var mu sync.Mutex
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, string(b))
		mu.Unlock()
	}))
	defer hook.Close()
	f, _, call := start(t, Config{WebhookURL: hook.URL, ClientSecret: "s"})
	a := call("POST", "/fake/contacts", `{"properties":{"email":"x@example.com"}}`)
	id := a.body["id"].(string)
	if a := call("POST", "/fake/contacts/"+id+"/properties", `{"name":"lifecyclestage","value":"lead"}`); a.status != 200 {
		t.Fatal(a.raw)
	}
	if a := call("POST", "/fake/memberships", `{"list":"Fans","contact_id":"`+id+`"}`); a.status != 200 || a.body["list_id"] == "" {
		t.Fatal(a.raw)
	}
	if a := call("POST", "/fake/webhooks/replay", `{"index":0}`); a.status != 200 {
		t.Fatal(a.raw)
	}
	if a := call("POST", "/fake/faults", `{"route":"contacts","status":503,"count":2}`); a.body["pending"].(float64) != 2 {
		t.Fatal(a.raw)
	}
	if a := call("GET", "/crm/v3/objects/contacts", ""); a.status != 503 {
		t.Errorf("fault: %d", a.status)
	}
	a = call("GET", "/fake/dump", "")
	if !strings.Contains(a.raw, `"lists":["Fans"]`) || !strings.Contains(a.raw, `"lifecyclestage":"lead"`) {
		t.Errorf("dump: %s", a.raw)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 3 || !strings.Contains(got[0], `"subscriptionType":"contact.creation"`) || !strings.Contains(got[2], `"attemptNumber":1`) {
		t.Errorf("webhooks %v", got)
	}
	if len(f.Requests()) == 0 || f.Requests()[0].Route != RouteContacts {
		t.Error("request record")
	}
}
