package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/api"
	"github.com/kizuna-line/kizuna/internal/conformance"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

// uid returns a valid LINE user ID numbered n, so that fixtures stay readable.
func uid(n int) string { return fmt.Sprintf("U%032d", n) }

// friends is a small account: three following VIPs (two added at the same
// instant, to check the sample's tie order), one blocked VIP and one friend
// without tags, two of them in HubSpot segment 101.
var friends = strings.Join([]string{
	`{"line_user_id": "` + uid(1) + `", "display_name": "Aiko", "added_at": "2026-11-20T10:00:00+09:00", "tags": ["VIP", "Seminar Attendee"], "hubspot": {"contact_id": "501", "segments": ["101"], "properties": {"lifecyclestage": "customer"}}}`,
	`{"line_user_id": "` + uid(2) + `", "display_name": "Ben", "added_at": "2026-11-25T10:00:00+09:00", "tags": ["VIP"]}`,
	`{"line_user_id": "` + uid(3) + `", "display_name": "Chika", "added_at": "2026-11-25T10:00:00+09:00", "tags": ["VIP"]}`,
	`{"line_user_id": "` + uid(4) + `", "display_name": "Dai", "added_at": "2026-11-27T10:00:00+09:00", "status": "blocked", "tags": ["VIP"]}`,
	`{"line_user_id": "` + uid(5) + `", "display_name": "Emi", "added_at": "2026-10-01T00:00:00Z", "hubspot": {"contact_id": "502", "segments": ["101"]}}`,
}, "\n") + "\n"

// badFile has bad lines 2 and 4 between two good new VIPs (6 and 7).
var badFile = strings.Join([]string{
	`{"line_user_id": "` + uid(6) + `", "display_name": "Fumi", "added_at": "2026-11-26T10:00:00+09:00", "tags": ["VIP"]}`,
	`{"line_user_id": "` + uid(8) + `", "added_at": `,
	``,
	`{"line_user_id": "` + uid(9) + `", "display_name": "no date"}`,
	`{"line_user_id": "` + uid(7) + `", "display_name": "Goro", "added_at": "2026-11-26T11:00:00+09:00", "tags": ["VIP"]}`,
}, "\n") + "\n"

const (
	vipFilter     = `{"groups": [{"conditions": [{"field": "tag", "op": "has", "value": "VIP"}]}]}`
	segmentFilter = `{"groups": [{"conditions": [{"field": "hubspot.segment", "op": "member_of", "value": ["101"]}]}]}`
	now           = "2026-11-28T00:00:00Z"
	ndjson        = "application/x-ndjson"
	jsonType      = "application/json"
)

func previewBody(filter, lang string) string {
	if lang == "" {
		return `{"filter": ` + filter + `, "now": "` + now + `"}`
	}
	return `{"filter": ` + filter + `, "now": "` + now + `", "lang": "` + lang + `"}`
}

// syncBuffer collects log output written from the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// env is a running API over a fresh store with two accounts, shop-a and
// shop-b, and a token for each.
type env struct {
	t              *testing.T
	url            string
	logs           *syncBuffer
	tokenA, tokenB string
}

// newEnv starts the API over store; configure, if set, adjusts the server
// before it starts. Accounts named in accounts are created with a token each.
func newEnv(t *testing.T, store kizuna.Store, configure func(*api.Server), accounts ...string) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, logs: &syncBuffer{}}
	tokens := make([]string, len(accounts))
	for i, name := range accounts {
		a, err := store.CreateAccount(ctx, name, "Asia/Tokyo")
		if err != nil {
			t.Fatalf("create account %s: %v", name, err)
		}
		if tokens[i], err = store.CreateToken(ctx, a); err != nil {
			t.Fatalf("create token: %v", err)
		}
	}
	if len(tokens) > 0 {
		e.tokenA = tokens[0]
	}
	if len(tokens) > 1 {
		e.tokenB = tokens[1]
	}
	s := api.New(store, slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if configure != nil {
		configure(s)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	e.url = srv.URL
	t.Cleanup(func() {
		for _, tok := range tokens {
			if strings.Contains(e.logs.String(), tok) {
				t.Errorf("the log contains an API token:\n%s", e.logs)
			}
		}
	})
	return e
}

// storeEnv is newEnv over a fresh database of backend with shop-a and shop-b.
func storeEnv(t *testing.T, backend string, configure func(*api.Server)) *env {
	return newEnv(t, testdb.Open(t, backend), configure, "shop-a", "shop-b")
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// errorBody is the API's error shape, with every field it may carry.
type errorBody struct {
	Error struct {
		Code      string             `json:"code"`
		Message   string             `json:"message"`
		Path      string             `json:"path"`
		RequestID string             `json:"request_id"`
		Invalid   int64              `json:"invalid"`
		Lines     []kizuna.LineError `json:"lines"`
	} `json:"error"`
}

// do sends a request and checks what every response must have: a JSON
// content type and a request ID.
func (e *env) do(method, path, token, contentType string, body io.Reader) *response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return e.send(req)
}

func (e *env) send(req *http.Request) *response {
	e.t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		e.t.Errorf("%s %s: Content-Type %q", req.Method, req.URL.Path, ct)
	}
	if res.Header.Get("X-Request-ID") == "" {
		e.t.Errorf("%s %s: no X-Request-ID", req.Method, req.URL.Path)
	}
	return &response{status: res.StatusCode, header: res.Header, body: data}
}

// must checks the status and decodes the body into v.
func (r *response) must(t *testing.T, status int, v any) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if v != nil {
		if err := json.Unmarshal(r.body, v); err != nil {
			t.Fatalf("decode %s: %v", r.body, err)
		}
	}
}

// mustError checks an error answer's status, code and path.
func (r *response) mustError(t *testing.T, status int, code, path string) *errorBody {
	t.Helper()
	var eb errorBody
	r.must(t, status, &eb)
	if eb.Error.Code != code || eb.Error.Path != path || eb.Error.Message == "" {
		t.Fatalf("error %s, want code %q path %q and a message", r.body, code, path)
	}
	if eb.Error.RequestID != "" {
		t.Errorf("a %d carries a request_id: %s", status, r.body)
	}
	return &eb
}

func (e *env) importFriends(t *testing.T, body string) kizuna.ImportResult {
	t.Helper()
	var res kizuna.ImportResult
	e.do("POST", "/api/v1/accounts/shop-a/friends/import", e.tokenA, ndjson, strings.NewReader(body)).must(t, http.StatusOK, &res)
	return res
}

func (e *env) preview(t *testing.T, body string) kizuna.Preview {
	t.Helper()
	var p kizuna.Preview
	e.do("POST", "/api/v1/accounts/shop-a/preview", e.tokenA, jsonType, strings.NewReader(body)).must(t, http.StatusOK, &p)
	return p
}

func sampleIDs(p kizuna.Preview) []string {
	var ids []string
	for _, f := range p.Sample {
		ids = append(ids, f.LineUserID)
	}
	return ids
}

// unsized hides a body's length so that the client streams it chunked, the
// way a large upload arrives.
type unsized struct{ io.Reader }

func TestAPI(t *testing.T) {
	scenarios := []struct {
		name string
		run  func(t *testing.T, backend string)
	}{
		{"healthz needs no token", func(t *testing.T, backend string) {
			e := storeEnv(t, backend, nil)
			var got map[string]string
			e.do("GET", "/api/v1/healthz", "", "", nil).must(t, http.StatusOK, &got)
			if got["status"] != "ok" {
				t.Errorf("healthz %v", got)
			}
		}},

		{"missing or bad token is 401", func(t *testing.T, backend string) {
			e := storeEnv(t, backend, nil)
			for _, c := range []struct{ name, authorization string }{
				{"no header", ""},
				{"basic", "Basic c2hvcDpwYXNz"},
				{"bearer without token", "Bearer "},
				{"unknown token", "Bearer kzn_bogusbogusbogus"},
				{"not a kizuna token", "Bearer secret-guess"},
				{"token with a space", "Bearer " + e.tokenA + " x"},
			} {
				t.Run(c.name, func(t *testing.T) {
					req, _ := http.NewRequest("GET", e.url+"/api/v1/accounts/shop-a/tags", nil)
					if c.authorization != "" {
						req.Header.Set("Authorization", c.authorization)
					}
					r := e.send(req)
					r.mustError(t, http.StatusUnauthorized, kizuna.EUNAUTHORIZED, "")
					if got := r.header.Get("WWW-Authenticate"); got != "Bearer" {
						t.Errorf("WWW-Authenticate %q", got)
					}
					if strings.Contains(string(r.body), "bogus") || strings.Contains(string(r.body), "guess") {
						t.Errorf("the answer repeats the token: %s", r.body)
					}
				})
			}
			for _, secret := range []string{"bogus", "guess", "c2hvcDpwYXNz"} {
				if strings.Contains(e.logs.String(), secret) {
					t.Errorf("the log contains the credential %q:\n%s", secret, e.logs)
				}
			}
		}},

		{"another account's path is 404, byte-identical to no such account", func(t *testing.T, backend string) {
			two := storeEnv(t, backend, nil) // shop-a and shop-b exist
			two.importFriends(t, friends)
			one := newEnv(t, testdb.Open(t, backend), nil, "shop-a") // shop-b does not exist
			for _, c := range []struct{ method, path, contentType, body string }{
				{"GET", "/api/v1/accounts/shop-b/tags", "", ""},
				{"GET", "/api/v1/accounts/shop-b/friends/" + uid(1), "", ""},
				{"POST", "/api/v1/accounts/shop-b/preview", jsonType, previewBody(vipFilter, "")},
				{"POST", "/api/v1/accounts/shop-b/preview", "text/plain", "not even JSON"},
				{"POST", "/api/v1/accounts/shop-b/friends/import", ndjson, friends},
				{"PUT", "/api/v1/accounts/shop-b/catalog", jsonType, `{"hubspot": {"segments": [], "properties": []}}`},
				{"POST", "/api/v1/accounts/shop-b/friends/tags", jsonType, `{"line_user_ids": ["` + uid(1) + `"], "add": ["x"]}`},
				{"DELETE", "/api/v1/accounts/shop-b/friends/" + uid(1), "", ""},
				{"GET", "/api/v1/accounts/shop-b/segments", "", ""},
				{"POST", "/api/v1/accounts/shop-b/segments", jsonType, `{"name": "x", "filter": ` + vipFilter + `}`},
				{"GET", "/api/v1/accounts/shop-b/segments/1", "", ""},
				{"DELETE", "/api/v1/accounts/shop-b/segments/1", "", ""},
				{"POST", "/api/v1/accounts/shop-b/folders", jsonType, `{"name": "x"}`},
				{"GET", "/api/v1/accounts/shop-b/members", "", ""},
				{"POST", "/api/v1/accounts/shop-b/members", jsonType, `{"email": "x@example.com", "role": "owner"}`},
			} {
				t.Run(c.method+" "+c.path, func(t *testing.T) {
					exists := two.do(c.method, c.path, two.tokenA, c.contentType, strings.NewReader(c.body))
					missing := one.do(c.method, c.path, one.tokenA, c.contentType, strings.NewReader(c.body))
					exists.mustError(t, http.StatusNotFound, kizuna.ENOTFOUND, "")
					if !bytes.Equal(exists.body, missing.body) || exists.status != missing.status {
						t.Errorf("shop-b exists: %d %s\nshop-b does not: %d %s", exists.status, exists.body, missing.status, missing.body)
					}
				})
			}
			var tags struct{ Tags []kizuna.Tag }
			two.do("GET", "/api/v1/accounts/shop-b/tags", two.tokenB, "", nil).must(t, http.StatusOK, &tags)
			if len(tags.Tags) != 0 {
				t.Errorf("shop-a's import reached shop-b: %v", tags.Tags)
			}
		}},

		{"segments and folders", func(t *testing.T, backend string) {
			e := storeEnv(t, backend, nil)
			e.importFriends(t, friends)
			var folder kizuna.Folder
			e.do("POST", "/api/v1/accounts/shop-a/folders", e.tokenA, jsonType, strings.NewReader(`{"name": "Campaigns"}`)).must(t, http.StatusCreated, &folder)
			var seg kizuna.Segment
			body := fmt.Sprintf(`{"name": "VIPs", "folder_id": %d, "filter": %s}`, folder.ID, vipFilter)
			e.do("POST", "/api/v1/accounts/shop-a/segments", e.tokenA, jsonType, strings.NewReader(body)).must(t, http.StatusCreated, &seg)
			if seg.Name != "VIPs" || seg.FolderID == nil || *seg.FolderID != folder.ID || seg.Usage == nil {
				t.Fatalf("created %+v", seg)
			}
			path := fmt.Sprintf("/api/v1/accounts/shop-a/segments/%d", seg.ID)
			for _, c := range []struct {
				method, path, body string
				status             int
				code, where        string
			}{
				{"POST", "/api/v1/accounts/shop-a/segments", `{"name": "VIPs", "filter": ` + vipFilter + `}`, http.StatusConflict, kizuna.ECONFLICT, "name"},
				{"POST", "/api/v1/accounts/shop-a/segments", `{"name": "x", "filter": {"groups": []}}`, http.StatusBadRequest, kizuna.EINVALIDFILTER, "groups"},
				{"POST", "/api/v1/accounts/shop-a/segments", `{"name": "x", "filter": ` + vipFilter + `, "colour": 1}`, http.StatusBadRequest, kizuna.EINVALID, "colour"},
				{"POST", "/api/v1/accounts/shop-a/segments", `{"filter": ` + vipFilter + `}`, http.StatusBadRequest, kizuna.EINVALID, "name"},
				{"POST", "/api/v1/accounts/shop-a/segments", `{"name": "x", "folder_id": "a", "filter": ` + vipFilter + `}`, http.StatusBadRequest, kizuna.EINVALID, "folder_id"},
				{"PATCH", path, `{"filter": {"groups": [{"conditions": [{"field": "tag", "op": "has", "value": "nope"}]}]}}`, http.StatusBadRequest, kizuna.EINVALIDFILTER, "groups[0].conditions[0].value"},
				{"GET", "/api/v1/accounts/shop-a/segments/abc", "", http.StatusNotFound, kizuna.ENOTFOUND, ""},
				{"GET", "/api/v1/accounts/shop-a/segments/999999", "", http.StatusNotFound, kizuna.ENOTFOUND, ""},
				{"DELETE", fmt.Sprintf("/api/v1/accounts/shop-a/folders/%d", folder.ID), "", http.StatusConflict, kizuna.ECONFLICT, ""},
			} {
				ct := ""
				if c.body != "" {
					ct = jsonType
				}
				e.do(c.method, c.path, e.tokenA, ct, strings.NewReader(c.body)).mustError(t, c.status, c.code, c.where)
			}
			e.do("PATCH", path, e.tokenA, jsonType, strings.NewReader(`{"name": "Top VIPs", "folder_id": null}`)).must(t, http.StatusOK, &seg)
			if seg.Name != "Top VIPs" || seg.FolderID != nil {
				t.Fatalf("patched %+v", seg)
			}
			var dup kizuna.Segment
			e.do("POST", path+"/duplicate", e.tokenA, "", nil).must(t, http.StatusCreated, &dup)
			if dup.Name != "Top VIPs (copy)" || string(dup.Filter) != string(seg.Filter) {
				t.Fatalf("duplicate %+v", dup)
			}
			var got map[string]any
			e.do("DELETE", path, e.tokenA, "", nil).must(t, http.StatusOK, &got)
			var list struct {
				Segments []kizuna.Segment
				Folders  []kizuna.Folder
			}
			e.do("GET", "/api/v1/accounts/shop-a/segments", e.tokenA, "", nil).must(t, http.StatusOK, &list)
			if len(list.Segments) != 1 || list.Segments[0].ID != dup.ID || len(list.Folders) != 1 {
				t.Fatalf("list after the delete: %+v", list)
			}
			// The list's counts are current: VIP members now, and when.
			if c := list.Segments[0]; c.Count == nil || *c.Count != 3 || c.CountedAt == nil || c.CountedAt.IsZero() {
				t.Fatalf("the list's count: %v at %v, want 3 with its instant", c.Count, c.CountedAt)
			}
			e.do("GET", "/api/v1/accounts/shop-a/segments/deleted", e.tokenA, "", nil).must(t, http.StatusOK, &list)
			if len(list.Segments) != 1 || list.Segments[0].ID != seg.ID {
				t.Fatalf("deleted list: %+v", list)
			}
			e.do("POST", path+"/restore", e.tokenA, "", nil).must(t, http.StatusOK, &seg)
			var hist struct{ Changes []kizuna.SegmentChange }
			e.do("GET", path+"/history", e.tokenA, "", nil).must(t, http.StatusOK, &hist)
			var actions []string
			for _, c := range hist.Changes {
				actions = append(actions, c.Action)
			}
			if want := []string{"create", "rename", "move", "delete", "restore"}; !slices.Equal(actions, want) || hist.Changes[0].Actor != "api token" {
				t.Fatalf("history %v (%+v), want %v", actions, hist.Changes[0], want)
			}
			// Why friend 1 is in the segment, and friend 5 is not.
			var why struct {
				Member bool
				Groups []struct {
					Matched    bool
					Conditions []struct {
						Value  string
						Result bool
					}
				}
			}
			e.do("POST", "/api/v1/accounts/shop-a/why", e.tokenA, jsonType, strings.NewReader(fmt.Sprintf(`{"line_user_id": %q, "segment_id": %d}`, uid(1), seg.ID))).must(t, http.StatusOK, &why)
			if !why.Member || !why.Groups[0].Matched || why.Groups[0].Conditions[0].Value != "tags: Seminar Attendee, VIP" {
				t.Fatalf("why friend 1: %+v", why)
			}
			e.do("POST", "/api/v1/accounts/shop-a/why", e.tokenA, jsonType, strings.NewReader(fmt.Sprintf(`{"line_user_id": %q, "filter": %s, "lang": "ja"}`, uid(5), vipFilter))).must(t, http.StatusOK, &why)
			if why.Member || why.Groups[0].Conditions[0].Result || why.Groups[0].Conditions[0].Value != "タグなし" {
				t.Fatalf("why not friend 5: %+v", why)
			}
			e.do("POST", "/api/v1/accounts/shop-a/why", e.tokenA, jsonType, strings.NewReader(fmt.Sprintf(`{"line_user_id": %q, "segment_id": %d, "filter": %s}`, uid(1), seg.ID, vipFilter))).mustError(t, http.StatusBadRequest, kizuna.EINVALID, "segment_id")
			e.do("POST", "/api/v1/accounts/shop-a/why", e.tokenA, jsonType, strings.NewReader(fmt.Sprintf(`{"line_user_id": %q, "segment_id": 999999}`, uid(1)))).mustError(t, http.StatusNotFound, kizuna.ENOTFOUND, "")
			// Friends: pages, search, tag filter; the segments a friend is in.
			var page kizuna.FriendPage
			e.do("GET", "/api/v1/accounts/shop-a/friends?limit=2", e.tokenA, "", nil).must(t, http.StatusOK, &page)
			if len(page.Friends) != 2 || page.Friends[0].LineUserID != uid(4) || page.Next == "" {
				t.Fatalf("first page %+v", page)
			}
			seen := []string{page.Friends[0].LineUserID, page.Friends[1].LineUserID}
			for page.Next != "" {
				next := page.Next
				page = kizuna.FriendPage{}
				e.do("GET", "/api/v1/accounts/shop-a/friends?limit=2&after="+url.QueryEscape(next), e.tokenA, "", nil).must(t, http.StatusOK, &page)
				for _, f := range page.Friends {
					seen = append(seen, f.LineUserID)
				}
			}
			if want := []string{uid(4), uid(2), uid(3), uid(1), uid(5)}; !slices.Equal(seen, want) {
				t.Fatalf("paged through %v, want %v (newest first, ties by ID)", seen, want)
			}
			e.do("GET", "/api/v1/accounts/shop-a/friends?q=chi", e.tokenA, "", nil).must(t, http.StatusOK, &page)
			if len(page.Friends) != 1 || page.Friends[0].DisplayName != "Chika" || page.Next != "" {
				t.Fatalf("search: %+v", page)
			}
			e.do("GET", "/api/v1/accounts/shop-a/friends?tag="+url.QueryEscape("Seminar Attendee"), e.tokenA, "", nil).must(t, http.StatusOK, &page)
			if len(page.Friends) != 1 || page.Friends[0].LineUserID != uid(1) || !slices.Equal(page.Friends[0].Tags, []string{"Seminar Attendee", "VIP"}) {
				t.Fatalf("tag filter: %+v", page)
			}
			e.do("GET", "/api/v1/accounts/shop-a/friends?limit=0", e.tokenA, "", nil).mustError(t, http.StatusBadRequest, kizuna.EINVALID, "limit")
			e.do("GET", "/api/v1/accounts/shop-a/friends?after=bogus", e.tokenA, "", nil).mustError(t, http.StatusBadRequest, kizuna.EINVALID, "after")
			// With a segment: who on the page is in it.
			var marked struct {
				Friends   []kizuna.FriendSummary
				SegmentID int64           `json:"segment_id"`
				InSegment map[string]bool `json:"in_segment"`
			}
			e.do("GET", fmt.Sprintf("/api/v1/accounts/shop-a/friends?segment=%d", seg.ID), e.tokenA, "", nil).must(t, http.StatusOK, &marked)
			if len(marked.Friends) != 5 || marked.SegmentID != seg.ID || !marked.InSegment[uid(1)] || marked.InSegment[uid(5)] || len(marked.InSegment) != 5 {
				t.Fatalf("friends marked with the segment: %+v", marked)
			}
			e.do("GET", "/api/v1/accounts/shop-a/friends?segment=999999", e.tokenA, "", nil).mustError(t, http.StatusNotFound, kizuna.ENOTFOUND, "")
			e.do("GET", "/api/v1/accounts/shop-a/friends?segment=x", e.tokenA, "", nil).mustError(t, http.StatusBadRequest, kizuna.EINVALID, "segment")
			var in struct{ Segments []struct{ Name string } }
			e.do("GET", "/api/v1/accounts/shop-a/friends/"+uid(1)+"/segments", e.tokenA, "", nil).must(t, http.StatusOK, &in)
			if len(in.Segments) != 2 {
				t.Fatalf("friend 1 is in %+v", in)
			}
			e.do("GET", "/api/v1/accounts/shop-a/friends/"+uid(5)+"/segments", e.tokenA, "", nil).must(t, http.StatusOK, &in)
			if len(in.Segments) != 0 {
				t.Fatalf("friend 5 is in %+v", in)
			}

			// Every member of the segment gets a tag.
			var tagged map[string]int
			e.do("POST", path+"/tag", e.tokenA, jsonType, strings.NewReader(`{"tag": "Loyal"}`)).must(t, http.StatusOK, &tagged)
			if tagged["tagged"] != 3 {
				t.Fatalf("tagged %v, want the segment's 3 following members", tagged)
			}
			e.do("GET", "/api/v1/accounts/shop-a/friends?tag=Loyal", e.tokenA, "", nil).must(t, http.StatusOK, &page)
			if len(page.Friends) != 3 {
				t.Fatalf("friends tagged Loyal: %+v", page)
			}
			e.do("POST", path+"/tag", e.tokenA, jsonType, strings.NewReader(`{}`)).mustError(t, http.StatusBadRequest, kizuna.EINVALID, "tag")

			// Tags: a rename reaches the segment; a delete waits for it.
			e.do("POST", "/api/v1/accounts/shop-a/tags", e.tokenA, jsonType, strings.NewReader(`{"name": "新規 / 2026"}`)).must(t, http.StatusCreated, &got)
			e.do("PATCH", "/api/v1/accounts/shop-a/tags/"+url.PathEscape("VIP"), e.tokenA, jsonType, strings.NewReader(`{"name": "VIP+"}`)).must(t, http.StatusOK, &got)
			e.do("GET", path, e.tokenA, "", nil).must(t, http.StatusOK, &seg)
			if !strings.Contains(string(seg.Filter), `"VIP+"`) {
				t.Fatalf("the segment after the rename: %s", seg.Filter)
			}
			e.do("DELETE", "/api/v1/accounts/shop-a/tags/"+url.PathEscape("VIP+"), e.tokenA, "", nil).mustError(t, http.StatusConflict, kizuna.ECONFLICT, "")
			e.do("DELETE", "/api/v1/accounts/shop-a/tags/"+url.PathEscape("新規 / 2026"), e.tokenA, "", nil).must(t, http.StatusOK, &got)
			e.do("DELETE", "/api/v1/accounts/shop-a/tags/nope", e.tokenA, "", nil).mustError(t, http.StatusNotFound, kizuna.ENOTFOUND, "")
			e.do("PATCH", fmt.Sprintf("/api/v1/accounts/shop-a/folders/%d", folder.ID), e.tokenA, jsonType, strings.NewReader(`{"name": " Spring "}`)).must(t, http.StatusOK, &got)
			if got["name"] != "Spring" {
				t.Fatalf("renamed folder %v", got)
			}
			e.do("DELETE", fmt.Sprintf("/api/v1/accounts/shop-a/folders/%d", folder.ID), e.tokenA, "", nil).must(t, http.StatusOK, &got)
		}},

		{"integrations count as connected once their data or catalog is imported", func(t *testing.T, backend string) {
			e := storeEnv(t, backend, nil)
			var got map[string]bool
			e.do("GET", "/api/v1/accounts/shop-a/integrations", e.tokenA, "", nil).must(t, http.StatusOK, &got)
			if got["shopify"] || got["hubspot"] || got["klaviyo"] {
				t.Fatalf("a new account: %v", got)
			}
			e.importFriends(t, friends) // HubSpot data, no Shopify or Klaviyo
			var cat map[string]any
			e.do("PUT", "/api/v1/accounts/shop-a/catalog", e.tokenA, jsonType, strings.NewReader(`{"klaviyo": {"lists": [], "properties": []}}`)).must(t, http.StatusOK, &cat)
			e.do("GET", "/api/v1/accounts/shop-a/integrations", e.tokenA, "", nil).must(t, http.StatusOK, &got)
			if got["shopify"] || !got["hubspot"] || !got["klaviyo"] {
				t.Fatalf("after HubSpot data and a Klaviyo catalog: %v", got)
			}
			e.do("GET", "/api/v1/accounts/shop-a/catalog", e.tokenA, "", nil).must(t, http.StatusOK, &cat)
			if cat["klaviyo"] == nil {
				t.Fatalf("catalog %v", cat)
			}
			e.do("GET", "/api/v1/accounts/shop-b/integrations", e.tokenB, "", nil).must(t, http.StatusOK, &got)
			if got["hubspot"] || got["klaviyo"] {
				t.Fatalf("shop-b sees shop-a's integrations: %v", got)
			}
		}},

		{"members: invitations (the same answer for any address), roles, remove, an owner kept", func(t *testing.T, backend string) {
			db := testdb.Open(t, backend)
			e := newEnv(t, db, nil, "shop-a", "shop-b")
			ctx := context.Background()
			existing, _ := db.CreateUser(ctx, "ben@example.com", "correct horse battery", "")
			bShop, _ := db.FindAccount(ctx, "shop-b")
			db.AddMember(ctx, existing, bShop, kizuna.RoleOwner) // another tenant's user
			var list struct{ Members []kizuna.Member }
			e.do("GET", "/api/v1/accounts/shop-a/members", e.tokenA, "", nil).must(t, http.StatusOK, &list)
			if len(list.Members) != 0 {
				t.Fatalf("a new account's members: %+v", list)
			}
			// A new address and another tenant's user get answers of the
			// same shape: an invitation and a token, nothing else.
			var raw [2]map[string]any
			var inv [2]kizuna.Invited
			for i, body := range []string{`{"email": "Aiko@Example.com", "role": "owner"}`, `{"email": "ben@example.com", "role": "member"}`} {
				r := e.do("POST", "/api/v1/accounts/shop-a/members", e.tokenA, jsonType, strings.NewReader(body))
				r.must(t, http.StatusCreated, &raw[i])
				r.must(t, http.StatusCreated, &inv[i])
				if !strings.HasPrefix(inv[i].Token, "kzi_") || inv[i].Invitation.ID == 0 {
					t.Fatalf("invited %s", r.body)
				}
			}
			if keys(raw[0]) != keys(raw[1]) || keys(raw[0]["invitation"].(map[string]any)) != keys(raw[1]["invitation"].(map[string]any)) {
				t.Fatalf("the answers differ in shape: %v and %v", raw[0], raw[1])
			}
			if inv[0].Invitation.Email != "aiko@example.com" || inv[0].Invitation.Role != "owner" || !inv[0].Invitation.ExpiresAt.Equal(inv[0].Invitation.CreatedAt.Add(kizuna.InvitationLifetime)) {
				t.Fatalf("invitation %+v", inv[0].Invitation)
			}
			// Nobody is a member before accepting.
			e.do("GET", "/api/v1/accounts/shop-a/members", e.tokenA, "", nil).must(t, http.StatusOK, &list)
			if len(list.Members) != 0 {
				t.Fatalf("members before anyone accepted: %+v", list)
			}
			var pending struct{ Invitations []kizuna.Invitation }
			e.do("GET", "/api/v1/accounts/shop-a/invitations", e.tokenA, "", nil).must(t, http.StatusOK, &pending)
			if len(pending.Invitations) != 2 || pending.Invitations[0].Email != "aiko@example.com" || pending.Invitations[1].Email != "ben@example.com" {
				t.Fatalf("pending invitations: %+v", pending)
			}
			e.do("GET", "/api/v1/accounts/shop-b/invitations", e.tokenB, "", nil).must(t, http.StatusOK, &pending)
			if len(pending.Invitations) != 0 {
				t.Fatalf("shop-b sees shop-a's invitations: %+v", pending)
			}
			// Another account cannot revoke it; the owner can.
			e.do("DELETE", fmt.Sprintf("/api/v1/accounts/shop-b/invitations/%d", inv[1].Invitation.ID), e.tokenB, "", nil).mustError(t, http.StatusNotFound, kizuna.ENOTFOUND, "")
			var got map[string]any
			e.do("DELETE", fmt.Sprintf("/api/v1/accounts/shop-a/invitations/%d", inv[1].Invitation.ID), e.tokenA, "", nil).must(t, http.StatusOK, &got)
			if err := db.AcceptInvitation(ctx, inv[1].Token, existing); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
				t.Fatalf("a revoked invitation accepted: %v", err)
			}
			// Aiko accepts (choosing her password) and becomes an owner; Ben
			// is invited again and accepts, signed in.
			aiko, err := db.AcceptInvitationWithPassword(ctx, inv[0].Token, "aiko's long password")
			if err != nil {
				t.Fatal(err)
			}
			var again kizuna.Invited
			e.do("POST", "/api/v1/accounts/shop-a/members", e.tokenA, jsonType, strings.NewReader(`{"email": "ben@example.com", "role": "member"}`)).must(t, http.StatusCreated, &again)
			if err := db.AcceptInvitation(ctx, again.Token, existing); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				method, path, body string
				status             int
				code, at           string
			}{
				{"POST", "/api/v1/accounts/shop-a/members", `{"email": "aiko@example.com", "role": "member"}`, http.StatusConflict, kizuna.ECONFLICT, "email"},
				{"POST", "/api/v1/accounts/shop-a/members", `{"email": "carl@example.com", "role": "admin"}`, http.StatusBadRequest, kizuna.EINVALID, "role"},
				{"POST", "/api/v1/accounts/shop-a/members", `{"email": "carl@example.com"}`, http.StatusBadRequest, kizuna.EINVALID, "role"},
				{"POST", "/api/v1/accounts/shop-a/members", `{"email": "carl@example.com", "role": "member", "password": "x"}`, http.StatusBadRequest, kizuna.EINVALID, "password"},
				{"PATCH", fmt.Sprintf("/api/v1/accounts/shop-a/members/%d", aiko.ID), `{"role": "member"}`, http.StatusConflict, kizuna.ECONFLICT, "role"},
				{"DELETE", fmt.Sprintf("/api/v1/accounts/shop-a/members/%d", aiko.ID), ``, http.StatusConflict, kizuna.ECONFLICT, "role"},
				{"PATCH", "/api/v1/accounts/shop-a/members/999999", `{"role": "member"}`, http.StatusNotFound, kizuna.ENOTFOUND, ""},
				// shop-a's member through shop-b's URL and token
				{"PATCH", fmt.Sprintf("/api/v1/accounts/shop-b/members/%d", aiko.ID), `{"role": "member"}`, http.StatusNotFound, kizuna.ENOTFOUND, ""},
				{"DELETE", "/api/v1/accounts/shop-a/invitations/999999", ``, http.StatusNotFound, kizuna.ENOTFOUND, ""},
			} {
				token := e.tokenA
				if strings.Contains(c.path, "shop-b") {
					token = e.tokenB
				}
				var body io.Reader
				ct := ""
				if c.body != "" {
					body, ct = strings.NewReader(c.body), jsonType
				}
				e.do(c.method, c.path, token, ct, body).mustError(t, c.status, c.code, c.at)
			}
			e.do("PATCH", fmt.Sprintf("/api/v1/accounts/shop-a/members/%d", existing.ID), e.tokenA, jsonType, strings.NewReader(`{"role": "owner"}`)).must(t, http.StatusOK, &got)
			e.do("DELETE", fmt.Sprintf("/api/v1/accounts/shop-a/members/%d", aiko.ID), e.tokenA, "", nil).must(t, http.StatusOK, &got)
			e.do("DELETE", fmt.Sprintf("/api/v1/accounts/shop-a/members/%d", aiko.ID), e.tokenA, "", nil).mustError(t, http.StatusNotFound, kizuna.ENOTFOUND, "")
			e.do("GET", "/api/v1/accounts/shop-a/members", e.tokenA, "", nil).must(t, http.StatusOK, &list)
			if len(list.Members) != 1 || list.Members[0].Email != "ben@example.com" || list.Members[0].Role != "owner" {
				t.Fatalf("members after the changes: %+v", list)
			}
			e.do("GET", "/api/v1/accounts/shop-b/members", e.tokenB, "", nil).must(t, http.StatusOK, &list)
			if len(list.Members) != 1 || list.Members[0].Email != "ben@example.com" {
				t.Fatalf("shop-b's members: %+v", list)
			}
		}},

		{"API tokens: list, create, revoke", func(t *testing.T, backend string) {
			e := storeEnv(t, backend, nil)
			var created struct{ Token string }
			e.do("POST", "/api/v1/accounts/shop-a/tokens", e.tokenA, "", nil).must(t, http.StatusCreated, &created)
			if !strings.HasPrefix(created.Token, "kzn_") {
				t.Fatalf("new token %q", created.Token)
			}
			var list struct{ Tokens []kizuna.TokenInfo }
			e.do("GET", "/api/v1/accounts/shop-a/tokens", e.tokenA, "", nil).must(t, http.StatusOK, &list)
			if len(list.Tokens) != 2 || strings.Contains(fmt.Sprint(list), "kzn_") {
				t.Fatalf("tokens %+v", list)
			}
			var got map[string]int64
			e.do("DELETE", fmt.Sprintf("/api/v1/accounts/shop-a/tokens/%d", list.Tokens[1].ID), e.tokenA, "", nil).must(t, http.StatusOK, &got)
			e.do("GET", "/api/v1/accounts/shop-a/tags", created.Token, "", nil).mustError(t, http.StatusUnauthorized, kizuna.EUNAUTHORIZED, "")
			e.do("DELETE", fmt.Sprintf("/api/v1/accounts/shop-a/tokens/%d", list.Tokens[1].ID), e.tokenA, "", nil).mustError(t, http.StatusNotFound, kizuna.ENOTFOUND, "")
			// Another account's token cannot be revoked through this one.
			e.do("GET", "/api/v1/accounts/shop-b/tokens", e.tokenB, "", nil).must(t, http.StatusOK, &list)
			e.do("DELETE", fmt.Sprintf("/api/v1/accounts/shop-a/tokens/%d", list.Tokens[0].ID), e.tokenA, "", nil).mustError(t, http.StatusNotFound, kizuna.ENOTFOUND, "")
		}},

		{"tag and delete friends", func(t *testing.T, backend string) {
			e := storeEnv(t, backend, nil)
			e.importFriends(t, friends)
			tag := func(body string) *response {
				return e.do("POST", "/api/v1/accounts/shop-a/friends/tags", e.tokenA, jsonType, strings.NewReader(body))
			}
			var got map[string]int
			tag(`{"line_user_ids": ["`+uid(5)+`"], "add": ["VIP"]}`).must(t, http.StatusOK, &got)
			tag(`{"line_user_ids": ["`+uid(1)+`"], "remove": ["VIP"]}`).must(t, http.StatusOK, &got)
			if p := e.preview(t, previewBody(vipFilter, "")); p.Count != 3 || !slices.Equal(sampleIDs(p), []string{uid(2), uid(3), uid(5)}) {
				t.Errorf("after tagging: %d %v", p.Count, sampleIDs(p))
			}
			for _, c := range []struct{ body, code, path string }{
				{`{"line_user_ids": ["` + uid(1) + `"], "add": ["x"], "colour": "red"}`, kizuna.EINVALID, "colour"},
				{`{"line_user_ids": [], "add": ["x"]}`, kizuna.EINVALID, "line_user_ids"},
				{`{"line_user_ids": ["` + uid(1) + `"]}`, kizuna.EINVALID, "add"},
				{`{"line_user_ids": ["` + uid(1) + `"], "add": "x"}`, kizuna.EINVALID, "add"},
				{`{"line_user_ids": ["` + uid(1) + `"], "add": [""]}`, kizuna.EINVALID, "add[0]"},
			} {
				tag(c.body).mustError(t, http.StatusBadRequest, c.code, c.path)
			}
			tag(`{"line_user_ids": ["`+uid(1)+`", "`+uid(99)+`"], "add": ["x"]}`).mustError(t, http.StatusNotFound, kizuna.ENOTFOUND, "")
			var f kizuna.Friend
			e.do("GET", "/api/v1/accounts/shop-a/friends/"+uid(1), e.tokenA, "", nil).must(t, http.StatusOK, &f)
			if slices.Contains(f.Tags, "x") || slices.Contains(f.Tags, "VIP") {
				t.Errorf("friend 1's tags after a refused request: %v", f.Tags)
			}
			e.do("DELETE", "/api/v1/accounts/shop-a/friends/"+uid(2), e.tokenA, "", nil).must(t, http.StatusOK, &got)
			if got["deleted"] != 1 {
				t.Errorf("delete answered %v", got)
			}
			e.do("DELETE", "/api/v1/accounts/shop-a/friends/"+uid(2), e.tokenA, "", nil).mustError(t, http.StatusNotFound, kizuna.ENOTFOUND, "")
			if p := e.preview(t, previewBody(vipFilter, "")); p.Count != 2 {
				t.Errorf("after the delete: %d", p.Count)
			}
		}},

		{"import then preview", func(t *testing.T, backend string) {
			e := storeEnv(t, backend, nil)
			res := e.importFriends(t, friends)
			if res.Lines != 5 || res.Imported != 5 || res.Skipped != 0 || res.Invalid != 0 {
				t.Errorf("import %+v", res)
			}
			p := e.preview(t, previewBody(vipFilter, ""))
			if p.Count != 3 {
				t.Errorf("count %d, want 3 (the blocked VIP is not counted)", p.Count)
			}
			if got, want := sampleIDs(p), []string{uid(2), uid(3), uid(1)}; !slices.Equal(got, want) {
				t.Errorf("sample %v, want %v (newest first, ties by ID)", got, want)
			}
			if p.Summary == "" {
				t.Error("empty summary")
			}
			if got := p.EvaluatedAt.Format("2006-01-02T15:04:05Z07:00"); got != now {
				t.Errorf("evaluated_at %s, want %s", got, now)
			}
			if p.Sample[0].DisplayName != "Ben" {
				t.Errorf("sample[0] %+v", p.Sample[0])
			}
		}},

		{"a refused preview request is 400 with the place", func(t *testing.T, backend string) {
			e := storeEnv(t, backend, nil)
			e.importFriends(t, friends)
			for _, c := range []struct{ name, body, code, path string }{
				{"wrong value type", previewBody(`{"groups": [{"conditions": [{"field": "tag", "op": "has", "value": "VIP"}]}, {"conditions": [{"field": "line.days_since_added", "op": "lte", "value": "six"}]}]}`, ""),
					kizuna.EINVALIDFILTER, "groups[1].conditions[0].value"},
				{"unknown friend tag", previewBody(`{"groups": [{"conditions": [{"field": "tag", "op": "has", "value": "Nope"}]}]}`, ""),
					kizuna.EINVALIDFILTER, "groups[0].conditions[0].value"},
				{"unknown field", previewBody(`{"groups": [{"conditions": [{"field": "nope", "op": "has", "value": "VIP"}]}]}`, ""),
					kizuna.EINVALIDFILTER, "groups[0].conditions[0].field"},
				{"no groups", previewBody(`{"groups": []}`, ""), kizuna.EINVALIDFILTER, "groups"},
				{"filter is not an object", `{"filter": "VIP"}`, kizuna.EINVALIDFILTER, "$"},
				{"no filter", `{"now": "` + now + `"}`, kizuna.EINVALIDFILTER, "$"},
				{"null filter", `{"filter": null}`, kizuna.EINVALIDFILTER, "$"},
				{"unknown key", `{"filter": ` + vipFilter + `, "when": "now"}`, kizuna.EINVALID, "when"},
				{"now without offset", `{"filter": ` + vipFilter + `, "now": "2026-11-28T00:00:00"}`, kizuna.EINVALID, "now"},
				{"now not a string", `{"filter": ` + vipFilter + `, "now": 1764288000}`, kizuna.EINVALID, "now"},
				{"unknown lang", previewBody(vipFilter, "fr"), kizuna.EINVALID, "lang"},
				{"not JSON", `{"filter": `, kizuna.EINVALID, ""},
				{"trailing data", `{"filter": ` + vipFilter + `} {}`, kizuna.EINVALID, ""},
				{"an array", `[` + vipFilter + `]`, kizuna.EINVALID, ""},
				{"empty body", ``, kizuna.EINVALID, ""},
			} {
				t.Run(c.name, func(t *testing.T) {
					e.do("POST", "/api/v1/accounts/shop-a/preview", e.tokenA, jsonType, strings.NewReader(c.body)).
						mustError(t, http.StatusBadRequest, c.code, c.path)
				})
			}
		}},

		{"lang ja gives a Japanese summary", func(t *testing.T, backend string) {
			e := storeEnv(t, backend, nil)
			e.importFriends(t, friends)
			en := e.preview(t, previewBody(vipFilter, "en"))
			ja := e.preview(t, previewBody(vipFilter, "ja"))
			def := e.preview(t, previewBody(vipFilter, ""))
			if en.Summary == ja.Summary || !strings.Contains(ja.Summary, "VIP") || isASCII(ja.Summary) {
				t.Errorf("en %q, ja %q", en.Summary, ja.Summary)
			}
			if def.Summary != en.Summary {
				t.Errorf("default summary %q, want English %q", def.Summary, en.Summary)
			}
			if en.Count != ja.Count {
				t.Errorf("counts differ by language: %d, %d", en.Count, ja.Count)
			}
		}},

		{"bad lines refuse the whole import", func(t *testing.T, backend string) {
			e := storeEnv(t, backend, nil)
			e.importFriends(t, friends)
			r := e.do("POST", "/api/v1/accounts/shop-a/friends/import", e.tokenA, ndjson, strings.NewReader(badFile))
			eb := r.mustError(t, http.StatusBadRequest, kizuna.EINVALIDIMPORT, "")
			if eb.Error.Message != "2 bad line(s), nothing imported" || eb.Error.Invalid != 2 {
				t.Errorf("error %s", r.body)
			}
			if len(eb.Error.Lines) != 2 || eb.Error.Lines[0].Line != 2 || eb.Error.Lines[1].Line != 4 ||
				eb.Error.Lines[0].Message == "" || eb.Error.Lines[1].Message == "" {
				t.Errorf("lines %+v, want lines 2 and 4 with messages", eb.Error.Lines)
			}
			if p := e.preview(t, previewBody(vipFilter, "")); p.Count != 3 {
				t.Errorf("after a refused import: count %d, want 3", p.Count)
			}
			e.do("GET", "/api/v1/accounts/shop-a/friends/"+uid(6), e.tokenA, "", nil).mustError(t, http.StatusNotFound, kizuna.ENOTFOUND, "")
		}},

		{"skip_invalid imports the good lines", func(t *testing.T, backend string) {
			for _, value := range []string{"true", "1"} {
				t.Run(value, func(t *testing.T) {
					e := storeEnv(t, backend, nil)
					e.importFriends(t, friends)
					var res kizuna.ImportResult
					e.do("POST", "/api/v1/accounts/shop-a/friends/import?skip_invalid="+value, e.tokenA, ndjson, strings.NewReader(badFile)).
						must(t, http.StatusOK, &res)
					if res.Lines != 4 || res.Imported != 2 || res.Skipped != 2 || res.Invalid != 2 || len(res.Errors) != 2 || res.Errors[1].Line != 4 {
						t.Errorf("import %+v", res)
					}
					p := e.preview(t, previewBody(vipFilter, ""))
					if got, want := sampleIDs(p), []string{uid(7), uid(6), uid(2), uid(3), uid(1)}; p.Count != 5 || !slices.Equal(got, want) {
						t.Errorf("count %d sample %v, want 5 %v", p.Count, got, want)
					}
				})
			}
			e := storeEnv(t, backend, nil)
			for _, q := range []string{"?skip_invalid=yes", "?skip_invalid=", "?skip_invalid=true&skip_invalid=false"} {
				e.do("POST", "/api/v1/accounts/shop-a/friends/import"+q, e.tokenA, ndjson, strings.NewReader(friends)).
					mustError(t, http.StatusBadRequest, kizuna.EINVALID, "skip_invalid")
			}
			var res kizuna.ImportResult
			e.do("POST", "/api/v1/accounts/shop-a/friends/import?skip_invalid=false", e.tokenA, ndjson, strings.NewReader(friends)).must(t, http.StatusOK, &res)
			if res.Imported != 5 {
				t.Errorf("skip_invalid=false: %+v", res)
			}
		}},

		{"a JSON body over MaxJSONBytes is 413", func(t *testing.T, backend string) {
			e := storeEnv(t, backend, func(s *api.Server) { s.MaxJSONBytes = 64 })
			big := previewBody(vipFilter, "")
			for _, c := range []struct {
				name, method, path string
				body               io.Reader
			}{
				{"preview", "POST", "/api/v1/accounts/shop-a/preview", strings.NewReader(big)},
				{"preview streamed", "POST", "/api/v1/accounts/shop-a/preview", unsized{strings.NewReader(big)}},
				{"catalog", "PUT", "/api/v1/accounts/shop-a/catalog", strings.NewReader(`{"hubspot": {"segments": [{"id": "101", "name": "Trade show leads 2026"}], "properties": []}}`)},
			} {
				t.Run(c.name, func(t *testing.T) {
					eb := e.do(c.method, c.path, e.tokenA, jsonType, c.body).mustError(t, http.StatusRequestEntityTooLarge, kizuna.ETOOLARGE, "")
					if !strings.Contains(eb.Error.Message, "64 bytes") {
						t.Errorf("the message does not state the limit: %q", eb.Error.Message)
					}
				})
			}
		}},

		{"an import over MaxImportBytes is 413 and imports nothing", func(t *testing.T, backend string) {
			limit := int64(len(friends) - 1) // the first lines fit, the file does not
			e := storeEnv(t, backend, func(s *api.Server) { s.MaxImportBytes = limit })
			for _, c := range []struct {
				name string
				body io.Reader
			}{
				{"declared length", strings.NewReader(friends)},
				{"streamed", unsized{strings.NewReader(friends)}},
			} {
				t.Run(c.name, func(t *testing.T) {
					eb := e.do("POST", "/api/v1/accounts/shop-a/friends/import?skip_invalid=true", e.tokenA, ndjson, c.body).
						mustError(t, http.StatusRequestEntityTooLarge, kizuna.ETOOLARGE, "")
					if !strings.Contains(eb.Error.Message, fmt.Sprintf("%d bytes", limit)) {
						t.Errorf("the message does not state the limit: %q", eb.Error.Message)
					}
					e.do("GET", "/api/v1/accounts/shop-a/friends/"+uid(1), e.tokenA, "", nil).mustError(t, http.StatusNotFound, kizuna.ENOTFOUND, "")
					var tags struct{ Tags []kizuna.Tag }
					e.do("GET", "/api/v1/accounts/shop-a/tags", e.tokenA, "", nil).must(t, http.StatusOK, &tags)
					if len(tags.Tags) != 0 {
						t.Errorf("tags after a 413 import: %v", tags.Tags)
					}
				})
			}
			// At the limit exactly, the same lines are welcome.
			fits := strings.TrimSuffix(friends, "\n")
			if res := e.importFriends(t, fits); res.Imported != 5 {
				t.Errorf("import of %d bytes with a limit of %d: %+v", len(fits), limit, res)
			}
		}},

		{"wrong content types are 415", func(t *testing.T, backend string) {
			e := storeEnv(t, backend, nil)
			catalog := `{"hubspot": {"segments": [], "properties": []}}`
			for _, c := range []struct{ name, method, path, contentType, encoding, body string }{
				{"preview as text", "POST", "/api/v1/accounts/shop-a/preview", "text/plain", "", previewBody(vipFilter, "")},
				{"preview without type", "POST", "/api/v1/accounts/shop-a/preview", "", "", previewBody(vipFilter, "")},
				{"preview as NDJSON", "POST", "/api/v1/accounts/shop-a/preview", ndjson, "", previewBody(vipFilter, "")},
				{"preview gzipped", "POST", "/api/v1/accounts/shop-a/preview", jsonType, "gzip", previewBody(vipFilter, "")},
				{"catalog as form", "PUT", "/api/v1/accounts/shop-a/catalog", "application/x-www-form-urlencoded", "", catalog},
				{"import as XML", "POST", "/api/v1/accounts/shop-a/friends/import", "application/xml", "", friends},
				{"import without type", "POST", "/api/v1/accounts/shop-a/friends/import", "", "", friends},
				{"import in Latin-1", "POST", "/api/v1/accounts/shop-a/friends/import", "application/x-ndjson; charset=iso-8859-1", "", friends},
				{"import with a broken type", "POST", "/api/v1/accounts/shop-a/friends/import", "application/", "", friends},
			} {
				t.Run(c.name, func(t *testing.T) {
					req, _ := http.NewRequest(c.method, e.url+c.path, strings.NewReader(c.body))
					req.Header.Set("Authorization", "Bearer "+e.tokenA)
					if c.contentType != "" {
						req.Header.Set("Content-Type", c.contentType)
					}
					if c.encoding != "" {
						req.Header.Set("Content-Encoding", c.encoding)
					}
					e.send(req).mustError(t, http.StatusUnsupportedMediaType, kizuna.EUNSUPPORTED, "")
				})
			}
			if res := e.importFriends(t, ""); res.Lines != 0 {
				t.Errorf("nothing was imported by a 415, yet %+v", res)
			}
			for _, ct := range []string{"application/jsonl", "application/json", "text/plain; charset=utf-8", "application/x-ndjson; charset=UTF-8"} {
				var res kizuna.ImportResult
				e.do("POST", "/api/v1/accounts/shop-a/friends/import", e.tokenA, ct, strings.NewReader(friends)).must(t, http.StatusOK, &res)
				if res.Imported != 5 {
					t.Errorf("%s: %+v", ct, res)
				}
			}
			e.do("POST", "/api/v1/accounts/shop-a/preview", e.tokenA, "application/json; charset=UTF-8", strings.NewReader(previewBody(vipFilter, ""))).must(t, http.StatusOK, nil)
		}},

		{"the catalog names lists in the summary", func(t *testing.T, backend string) {
			e := storeEnv(t, backend, nil)
			e.importFriends(t, friends)
			before := e.preview(t, previewBody(segmentFilter, ""))
			if strings.Contains(before.Summary, "Trade show") || !strings.Contains(before.Summary, "101") {
				t.Errorf("summary before the catalog: %q", before.Summary)
			}
			var stored kizuna.Catalog
			e.do("PUT", "/api/v1/accounts/shop-a/catalog", e.tokenA, jsonType, strings.NewReader(
				`{"hubspot": {"segments": [{"id": "101", "name": "Trade show leads 2026"}], "properties": [{"name": "lifecyclestage", "label": "Lifecycle stage", "type": "string"}]}}`)).
				must(t, http.StatusOK, &stored)
			if stored.HubSpot == nil || stored.HubSpot.Segments[0].Name != "Trade show leads 2026" || stored.Klaviyo != nil {
				t.Errorf("stored catalog %+v", stored)
			}
			// A second document naming only Klaviyo keeps HubSpot's.
			stored = kizuna.Catalog{}
			e.do("PUT", "/api/v1/accounts/shop-a/catalog", e.tokenA, jsonType, strings.NewReader(
				`{"klaviyo": {"lists": [{"id": "Y6nRLr", "name": "Newsletter"}], "properties": []}}`)).
				must(t, http.StatusOK, &stored)
			if stored.HubSpot == nil || stored.Klaviyo == nil {
				t.Errorf("stored catalog after a Klaviyo document %+v", stored)
			}
			after := e.preview(t, previewBody(segmentFilter, ""))
			if !strings.Contains(after.Summary, "Trade show leads 2026") || after.Count != 2 {
				t.Errorf("after the catalog: count %d summary %q", after.Count, after.Summary)
			}
			e.do("PUT", "/api/v1/accounts/shop-a/catalog", e.tokenA, jsonType, strings.NewReader(
				`{"hubspot": {"segments": [], "properties": [{"name": "x", "label": "X", "type": "money"}]}}`)).
				mustError(t, http.StatusBadRequest, kizuna.EINVALID, "hubspot.properties[0].type")
			e.do("PUT", "/api/v1/accounts/shop-a/catalog", e.tokenA, jsonType, strings.NewReader(`{"mailchimp": {}}`)).
				mustError(t, http.StatusBadRequest, kizuna.EINVALID, "mailchimp")
		}},

		{"friend and tags", func(t *testing.T, backend string) {
			e := storeEnv(t, backend, nil)
			var empty struct{ Tags []kizuna.Tag }
			r := e.do("GET", "/api/v1/accounts/shop-a/tags", e.tokenA, "", nil)
			r.must(t, http.StatusOK, &empty)
			if !bytes.Contains(r.body, []byte(`"tags":[]`)) {
				t.Errorf("tags of an empty account: %s", r.body)
			}
			e.importFriends(t, friends)
			var f kizuna.Friend
			e.do("GET", "/api/v1/accounts/shop-a/friends/"+uid(1), e.tokenA, "", nil).must(t, http.StatusOK, &f)
			if f.LineUserID != uid(1) || f.DisplayName != "Aiko" || !slices.Equal(f.Tags, []string{"Seminar Attendee", "VIP"}) ||
				f.HubSpot == nil || f.HubSpot.ContactID != "501" || f.Status != "following" {
				t.Errorf("friend %+v", f)
			}
			e.do("GET", "/api/v1/accounts/shop-a/friends/"+uid(99), e.tokenA, "", nil).mustError(t, http.StatusNotFound, kizuna.ENOTFOUND, "")
			e.do("GET", "/api/v1/accounts/shop-a/friends/not-an-id", e.tokenA, "", nil).mustError(t, http.StatusNotFound, kizuna.ENOTFOUND, "")
			var tags struct{ Tags []kizuna.Tag }
			e.do("GET", "/api/v1/accounts/shop-a/tags", e.tokenA, "", nil).must(t, http.StatusOK, &tags)
			if want := []kizuna.Tag{{Name: "Seminar Attendee", Friends: 1}, {Name: "VIP", Friends: 3}}; !slices.Equal(tags.Tags, want) {
				t.Errorf("tags %v, want %v", tags.Tags, want)
			}
		}},

		{"unknown paths are 404 and wrong methods 405, in the error shape", func(t *testing.T, backend string) {
			e := storeEnv(t, backend, nil)
			for _, path := range []string{"/", "/api/v1/nope", "/api/v1/accounts/shop-a", "/api/v1/accounts/shop-a/tags/extra/more"} {
				e.do("GET", path, e.tokenA, "", nil).mustError(t, http.StatusNotFound, kizuna.ENOTFOUND, "")
			}
			for _, c := range []struct{ method, path, allow string }{
				{"DELETE", "/api/v1/accounts/shop-a/tags", "GET, HEAD, POST"},
				{"GET", "/api/v1/accounts/shop-a/preview", "POST"},
				{"POST", "/api/v1/accounts/shop-a/catalog", "GET, HEAD, PUT"},
				{"POST", "/api/v1/healthz", "GET, HEAD"},
			} {
				r := e.do(c.method, c.path, e.tokenA, "", nil)
				r.mustError(t, http.StatusMethodNotAllowed, "method_not_allowed", "")
				if got := r.header.Get("Allow"); got != c.allow {
					t.Errorf("%s %s: Allow %q, want %q", c.method, c.path, got, c.allow)
				}
			}
		}},

		{"the conformance file imports", func(t *testing.T, backend string) {
			data := conformance.Load(t).Friends
			e := storeEnv(t, backend, nil)
			res := e.importFriends(t, string(data))
			if res.Invalid != 0 || res.Imported != res.Lines || res.Lines < 100 {
				t.Fatalf("import %+v", res)
			}
			p := e.preview(t, previewBody(`{"groups": [{"conditions": [{"field": "line.days_since_added", "op": "gte", "value": 0}]}]}`, ""))
			if p.Count == 0 || len(p.Sample) != 10 {
				t.Errorf("count %d, %d sampled", p.Count, len(p.Sample))
			}
			for i := 1; i < len(p.Sample); i++ {
				if a, b := p.Sample[i-1], p.Sample[i]; a.AddedAt.Before(b.AddedAt) || a.AddedAt.Equal(b.AddedAt) && a.LineUserID > b.LineUserID {
					t.Errorf("sample out of order at %d: %+v then %+v", i, a, b)
				}
			}
		}},
	}
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			for _, sc := range scenarios {
				t.Run(sc.name, func(t *testing.T) { sc.run(t, backend) })
			}
		})
	}
}

func isASCII(s string) bool {
	for _, r := range s {
		if r > 127 {
			return false
		}
	}
	return true
}

// failingStore fails the way a broken database does: with plain errors whose
// text must never reach a client.
type failingStore struct {
	kizuna.Store // nil: any method a test does not expect panics
	account      *kizuna.Account
	tokenErr     error
}

func (s *failingStore) AccountByToken(ctx context.Context, token string) (*kizuna.Account, error) {
	if s.tokenErr != nil {
		return nil, s.tokenErr
	}
	return s.account, nil
}

func (s *failingStore) Tags(ctx context.Context, a *kizuna.Account) ([]kizuna.Tag, error) {
	return nil, fmt.Errorf("list tags: %w", errors.New("pq: relation secret_tags_table does not exist"))
}

func (s *failingStore) FindFriend(ctx context.Context, a *kizuna.Account, id string) (*kizuna.Friend, error) {
	panic("secret panic text")
}

func TestInternalErrorsAreHidden(t *testing.T) {
	store := &failingStore{account: &kizuna.Account{ID: 1, Name: "shop-a", TimeZone: "Asia/Tokyo"}}
	e := newEnv(t, store, nil)
	brokenTokens := &failingStore{tokenErr: errors.New("dial tcp 10.0.0.9:5432: secret connection refused")}
	broken := newEnv(t, brokenTokens, nil)
	for _, c := range []struct {
		name   string
		env    *env
		path   string
		secret string
	}{
		{"store error", e, "/api/v1/accounts/shop-a/tags", "secret_tags_table"},
		{"panic", e, "/api/v1/accounts/shop-a/friends/" + uid(1), "secret panic text"},
		{"token check error", broken, "/api/v1/accounts/shop-a/tags", "secret connection refused"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := c.env.do("GET", c.path, "kzn_whatever", "", nil)
			var eb errorBody
			r.must(t, http.StatusInternalServerError, &eb)
			if eb.Error.Code != kizuna.EINTERNAL || eb.Error.Message != "internal error" || eb.Error.Path != "" {
				t.Errorf("body %s", r.body)
			}
			id := r.header.Get("X-Request-ID")
			if eb.Error.RequestID == "" || eb.Error.RequestID != id {
				t.Errorf("request_id %q, X-Request-ID %q", eb.Error.RequestID, id)
			}
			if strings.Contains(string(r.body), "secret") {
				t.Errorf("the answer shows the cause: %s", r.body)
			}
			logs := c.env.logs.String()
			var logged bool
			for _, line := range strings.Split(logs, "\n") {
				if strings.Contains(line, c.secret) && strings.Contains(line, id) {
					logged = true
				}
			}
			if !logged {
				t.Errorf("the cause is not logged with the request ID %s:\n%s", id, logs)
			}
			if strings.Contains(logs, "kzn_whatever") {
				t.Errorf("the log contains the token:\n%s", logs)
			}
		})
	}
}

func TestRequestLog(t *testing.T) {
	store := &failingStore{account: &kizuna.Account{ID: 1, Name: "shop-a", TimeZone: "Asia/Tokyo"}}
	e := newEnv(t, store, nil)
	r := e.do("GET", "/api/v1/accounts/shop-b/tags?x=1", "kzn_secret_token", "", nil)
	r.mustError(t, http.StatusNotFound, kizuna.ENOTFOUND, "")
	id := r.header.Get("X-Request-ID")
	var line string
	for _, l := range strings.Split(e.logs.String(), "\n") {
		if strings.Contains(l, "msg=request ") {
			line = l
		}
	}
	for _, want := range []string{"method=GET", "path=/api/v1/accounts/shop-b/tags", "status=404", "duration=", "request_id=" + id} {
		if !strings.Contains(line, want) {
			t.Errorf("request log line %q lacks %q", line, want)
		}
	}
	if strings.Contains(e.logs.String(), "kzn_secret_token") || strings.Contains(e.logs.String(), "x=1") {
		t.Errorf("the log contains the token or the query:\n%s", e.logs)
	}
}

// keys lists a JSON object's keys in order, to compare answers' shapes.
func keys(m map[string]any) string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return strings.Join(ks, ",")
}
