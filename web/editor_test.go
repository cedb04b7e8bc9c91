package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/web"
)

// TestEditorPreviewEveryone: the editor's empty state (a filter of no
// groups) is previewed as every friend who follows, not refused; a filter
// gets a summary line per group beside the one sentence; saving with no
// condition is refused in the user's language and saves nothing.
func TestEditorPreviewEveryone(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t, "sqlite")
	a, _ := db.CreateAccount(ctx, "shop-a", "Asia/Tokyo")
	b, _ := db.CreateAccount(ctx, "shop-b", "Asia/Tokyo")
	db.ImportFriends(ctx, a, strings.NewReader(`{"line_user_id": "U00000000000000000000000000000001", "display_name": "Aiko", "added_at": "2026-11-20T10:00:00+09:00", "tags": ["VIP"]}
{"line_user_id": "U00000000000000000000000000000002", "display_name": "Ben", "added_at": "2026-11-21T10:00:00+09:00", "shopify": {"customer_id": "2"}}
{"line_user_id": "U00000000000000000000000000000003", "display_name": "Chika", "added_at": "2026-11-22T10:00:00+09:00", "status": "blocked"}`), kizuna.ImportOptions{})
	db.ImportFriends(ctx, b, strings.NewReader(`{"line_user_id": "U00000000000000000000000000000009", "display_name": "Other", "added_at": "2026-11-20T10:00:00+09:00"}`), kizuna.ImportOptions{})
	u, _ := db.CreateUser(ctx, "owner@example.com", "correct horse battery", "ja")
	db.AddMember(ctx, u, a, kizuna.RoleOwner)
	eng := engine.New(db, db, nil)
	defer eng.Stop()
	srv := httptest.NewServer(web.New(eng, db, nil).Handler())
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	c := &client{t: t, url: srv.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if code, _ := c.do("POST", "/signin", url.Values{"csrf": {c.csrf("/signin")}, "email": {"owner@example.com"}, "password": {"correct horse battery"}}); code != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", code)
	}
	token := c.csrf("/a/shop-a/segments/new")
	preview := func(body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.URL+"/a/shop-a/preview", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", token)
		res, err := c.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		var out map[string]any
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		return res.StatusCode, out
	}

	for lang, want := range map[string]string{"en": "Every friend who follows the account", "ja": "フォロー中のすべての友だち"} {
		code, p := preview(`{"filter": {"groups": []}, "lang": "` + lang + `"}`)
		if code != http.StatusOK || p["count"] != 2.0 || p["everyone"] != true || p["summary"] != want || len(p["sample"].([]any)) != 2 {
			t.Errorf("%s: no condition yet: %d %v, want everyone who follows (2)", lang, code, p)
		}
	}
	// Only an empty list of groups is "everyone": a group with no
	// condition, or no groups key, is still refused with its path.
	for _, body := range []string{`{"filter": {"groups": [{"conditions": []}]}}`, `{"filter": {}}`} {
		if code, p := preview(body); code != http.StatusBadRequest || p["everyone"] != nil {
			t.Errorf("%s: %d %v, want a refusal", body, code, p)
		}
	}

	code, p := preview(`{"filter": {"groups": [{"conditions": [{"field": "tag", "op": "has", "value": "VIP"}]}, {"conditions": [{"field": "shopify.linked", "op": "is", "value": true}, {"field": "line.days_since_added", "op": "lte", "value": 6}]}]}, "lang": "en"}`)
	groups, _ := p["groups"].([]any)
	if code != http.StatusOK || len(groups) != 2 || groups[0] != `Has tag "VIP"` || !strings.HasPrefix(groups[1].(string), "Linked with Shopify and added in the last 7 days, today included (") {
		t.Fatalf("two groups: %d %v, want a summary line per group", code, p)
	}
	if s, _ := p["summary"].(string); !strings.Contains(s, ", OR ") || p["everyone"] != nil {
		t.Fatalf("the one-sentence summary: %v", p)
	}

	status, body := c.do("POST", "/a/shop-a/segments", url.Values{"csrf": {token}, "name": {"Everyone"}, "filter": {`{"groups":[]}`}})
	if status != http.StatusBadRequest || !strings.Contains(body, "セグメントを保存するには、条件を1つ以上追加してください。") {
		t.Fatalf("saving with no condition: %d\n%s", status, body)
	}
	if segs, _ := db.Segments(ctx, a); len(segs) != 0 {
		t.Fatalf("a segment was saved with no condition: %v", segs)
	}
}
