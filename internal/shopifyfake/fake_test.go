package shopifyfake

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

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

type tenv struct {
	f     *Fake
	srv   *httptest.Server
	clock *clock
}

func start(t *testing.T, cfg Config) *tenv {
	e := &tenv{clock: &clock{t: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}}
	cfg.AccessToken, cfg.WebhookSecret, cfg.Now = "tok", "sec", e.clock.now
	e.f = New(cfg)
	e.srv = httptest.NewServer(e.f)
	t.Cleanup(func() { e.f.Close(); e.srv.Close() })
	return e
}

type answer2 struct {
	status int
	header http.Header
	body   string
}

func (e *tenv) do(t *testing.T, method, path, tok, body string) answer2 {
	t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if tok != "" {
		req.Header.Set("X-Shopify-Access-Token", tok)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer2{res.StatusCode, res.Header, string(b)}
}

func (e *tenv) gql(t *testing.T, op, query string, vars map[string]any) answer2 {
	b, _ := json.Marshal(map[string]any{"operationName": op, "query": query, "variables": vars})
	return e.do(t, "POST", "/admin/api/2026-07/graphql.json", "tok", string(b))
}

func TestAuthAndVersion(t *testing.T) {
	e := start(t, Config{})
	a := e.do(t, "POST", "/admin/api/2026-07/graphql.json", "nope", `{"query":"query Shop { shop { name } }"}`)
	if a.status != 401 || !strings.Contains(a.body, `"errors":"[API] Invalid API key or access token`) {
		t.Errorf("a wrong token: %d %s", a.status, a.body)
	}
	if v := a.header.Get("X-Shopify-API-Version"); v != "2026-07" {
		t.Errorf("version %q", v)
	}
	// An unknown version falls forward to the fake's.
	a = e.do(t, "POST", "/admin/api/2019-02/graphql.json", "tok", `{"query":"{ shop { name } }"}`)
	if a.status != 200 || a.header.Get("X-Shopify-API-Version") != DefaultAPIVersion || !strings.Contains(a.body, "Kizuna Fake Shop") {
		t.Errorf("fallen forward, by the first field: %d %v %s", a.status, a.header, a.body)
	}
}

func TestFirstAndCursors(t *testing.T) {
	e := start(t, Config{})
	e.f.Generate(600, 1)
	q := `query Customers($first: Int!, $after: String) { customers(first: $first, after: $after) { nodes { id numberOfOrders metafield(namespace: "line", key: "user_id") { value } } pageInfo { hasNextPage endCursor } } }`
	a := e.gql(t, "Customers", q, map[string]any{"first": 251})
	if !strings.Contains(a.body, `"errors"`) || !strings.Contains(a.body, "250") {
		t.Errorf("first 251: %s", a.body)
	}
	a = e.gql(t, "Customers", q, map[string]any{"first": 250})
	var out struct {
		Data struct {
			Customers struct {
				Nodes []struct {
					ID        string `json:"id"`
					Orders    string `json:"numberOfOrders"`
					Metafield *struct {
						Value string `json:"value"`
					} `json:"metafield"`
				} `json:"nodes"`
				PageInfo struct {
					HasNextPage bool   `json:"hasNextPage"`
					EndCursor   string `json:"endCursor"`
				} `json:"pageInfo"`
			} `json:"customers"`
		} `json:"data"`
		Extensions struct {
			Cost cost `json:"cost"`
		} `json:"extensions"`
	}
	if err := json.Unmarshal([]byte(a.body), &out); err != nil {
		t.Fatal(err)
	}
	c := out.Data.Customers
	if len(c.Nodes) != 250 || !c.PageInfo.HasNextPage || c.Nodes[0].ID != "gid://shopify/Customer/9007199254741992" || c.Nodes[0].Metafield == nil {
		t.Fatalf("first page: %d nodes, %+v", len(c.Nodes), c.PageInfo)
	}
	if cs := out.Extensions.Cost; cs.RequestedQueryCost != 252 || *cs.ActualQueryCost != 252 || cs.ThrottleStatus.CurrentlyAvailable != 2000-252 {
		t.Errorf("cost %+v", cs)
	}
	// Another namespace is another metafield: null.
	a = e.gql(t, "Customers", strings.Replace(q, `"line"`, `"other"`, 1), map[string]any{"first": 1})
	if !strings.Contains(a.body, `"metafield":null`) {
		t.Errorf("another namespace: %s", a.body)
	}
}

func TestThrottled(t *testing.T) {
	for _, status := range []int{200, 429} {
		e := start(t, Config{ThrottleStatus: status, Bucket: 1000, RestoreRate: 50})
		e.f.SetAvailable(100)
		q := `query Customers($first: Int!) { customers(first: $first) { nodes { id } pageInfo { hasNextPage endCursor } } }`
		a := e.gql(t, "Customers", q, map[string]any{"first": 250})
		if a.status != status || !strings.Contains(a.body, `"code":"THROTTLED"`) || !strings.Contains(a.body, `"actualQueryCost":null`) || !strings.Contains(a.body, `"currentlyAvailable":100`) {
			t.Errorf("%d: %d %s", status, a.status, a.body)
		}
		e.clock.advance(4 * time.Second) // 100 + 200 points
		if a = e.gql(t, "Customers", q, map[string]any{"first": 250}); a.status != 200 || strings.Contains(a.body, "THROTTLED") {
			t.Errorf("%d, refilled: %d %s", status, a.status, a.body)
		}
	}
}

func TestREST(t *testing.T) {
	e := start(t, Config{})
	e.f.Generate(120, 2)
	a := e.do(t, "GET", "/admin/api/2026-07/customers.json?limit=50", "tok", "")
	link := a.header.Get("Link")
	if a.status != 200 || !strings.Contains(link, `rel="next"`) || a.header.Get("X-Shopify-Shop-Api-Call-Limit") != "1/40" {
		t.Fatalf("first page: %d %v", a.status, a.header)
	}
	if !strings.Contains(a.body, `"id":9007199254741992,`) || !strings.Contains(a.body, `"orders_count":`) {
		t.Errorf("REST ids are exact integers above 2^53: %.300s", a.body)
	}
	next := link[strings.Index(link, "/admin/"):strings.Index(link, ">")]
	a = e.do(t, "GET", next+"&updated_at_min=2026-01-01T00:00:00Z", "tok", "")
	if a.status != 400 {
		t.Errorf("page_info with another parameter: %d", a.status)
	}
	for range 40 {
		a = e.do(t, "GET", "/admin/api/2026-07/checkouts.json", "tok", "")
	}
	if a.status != 429 || a.header.Get("Retry-After") != "2.0" || !strings.Contains(a.body, "Exceeded 2 calls per second") {
		t.Errorf("the 41st call: %d %v %s", a.status, a.header, a.body)
	}
}

func TestBulkStateMachine(t *testing.T) {
	e := start(t, Config{BulkPolls: 2})
	e.f.Generate(50, 4)
	a := e.gql(t, "bulkOperationRunQuery", `mutation bulkOperationRunQuery($query: String!) { bulkOperationRunQuery(query: $query) { bulkOperation { id status } userErrors { message } } }`,
		map[string]any{"query": `{ customers { edges { node { id metafield(namespace: "line", key: "user_id") { value } } } } }`})
	if !strings.Contains(a.body, `"status":"CREATED"`) {
		t.Fatalf("run: %s", a.body)
	}
	var statuses []string
	var url string
	for range 3 {
		a = e.gql(t, "", `query { currentBulkOperation { id status url } }`, nil)
		var out struct {
			Data struct {
				Op struct{ Status, URL string } `json:"currentBulkOperation"`
			} `json:"data"`
		}
		json.Unmarshal([]byte(a.body), &out)
		statuses = append(statuses, out.Data.Op.Status)
		url = out.Data.Op.URL
	}
	if strings.Join(statuses, ",") != "RUNNING,RUNNING,COMPLETED" || url == "" {
		t.Fatalf("statuses %q, url %q", statuses, url)
	}
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	parents, children, lastParent := 0, 0, ""
	for sc.Scan() {
		var row map[string]any
		json.Unmarshal(sc.Bytes(), &row)
		if p, ok := row["__parentId"]; ok {
			children++
			if p != lastParent {
				t.Errorf("child of %v after %s", p, lastParent)
			}
		} else {
			parents++
			lastParent = row["id"].(string)
			if row["metafield"] == nil {
				t.Error("no metafield")
			}
		}
	}
	if parents != 50 || children == 0 {
		t.Errorf("%d customers, %d checkouts", parents, children)
	}
	// By the clock instead: RUNNING until a minute has passed.
	e2 := start(t, Config{BulkDuration: time.Minute})
	e2.gql(t, "bulkOperationRunQuery", `mutation { bulkOperationRunQuery(query: "{ customers { edges { node { id } } } }") { bulkOperation { id } } }`, nil)
	if a := e2.gql(t, "currentBulkOperation", `query currentBulkOperation { currentBulkOperation { status } }`, nil); !strings.Contains(a.body, "RUNNING") {
		t.Errorf("before a minute: %s", a.body)
	}
	e2.clock.advance(time.Minute)
	if a := e2.gql(t, "currentBulkOperation", `query currentBulkOperation { currentBulkOperation { status } }`, nil); !strings.Contains(a.body, "COMPLETED") {
		t.Errorf("after a minute: %s", a.body)
	}
}

// TestMillionFits generates a million customers and reads a page in the
// middle: the shop costs next to nothing until a customer changes.
func TestMillionFits(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	e := start(t, Config{})
	e.f.Generate(1_000_000, 1)
	if n := e.f.CustomerCount(); n != 1_000_000 {
		t.Fatalf("%d customers", n)
	}
	e.f.mu.Lock()
	list, more := e.f.st.customersAfter(e.f.st.gen.key(499_999), time.Time{}, 250)
	e.f.mu.Unlock()
	if len(list) != 250 || !more || list[0].id != IDBase+500_000 {
		t.Fatalf("middle page: %d, %v", len(list), more)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 16<<20 {
		t.Errorf("a million generated customers hold %d MB", grew>>20)
	}
}

// TestBulkFileUnderPrefix: a fake mounted under a path (as kizuna demo
// mounts it) gives bulk file URLs under that path.
func TestBulkFileUnderPrefix(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/fake-shopify/admin/api/2026-01/graphql.json", nil)
	var seen string
	http.StripPrefix("/fake-shopify", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = mountPrefix(r) })).ServeHTTP(httptest.NewRecorder(), r)
	if seen != "/fake-shopify" {
		t.Errorf("prefix %q", seen)
	}
	if p := mountPrefix(httptest.NewRequest(http.MethodPost, "/admin/api/2026-01/graphql.json?x=1", nil)); p != "" {
		t.Errorf("at the root: %q", p)
	}
}
