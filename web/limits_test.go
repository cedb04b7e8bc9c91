package web_test

import (
	"context"
	"fmt"
	"html"
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

// TestRefusedNames sends U+0000, invalid UTF-8 and over-long names through
// the pages' forms and JSON calls on both backends: each is refused with
// 400 and the store's message (PostgreSQL used to answer 500 and SQLite to
// store them, leaving a tag that could not be renamed or deleted), and
// nothing is stored.
func TestRefusedNames(t *testing.T) {
	t.Parallel()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := testdb.Open(t, backend)
			a, _ := db.CreateAccount(ctx, "shop-a", "")
			if _, err := db.ImportFriends(ctx, a, strings.NewReader(`{"line_user_id": "U00000000000000000000000000000001", "display_name": "Aiko", "added_at": "2026-11-20T10:00:00+09:00", "tags": ["VIP"]}`), kizuna.ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			seg, err := db.CreateSegment(ctx, a, "seed", "VIPs", 0, []byte(`{"groups":[{"conditions":[{"field":"tag","op":"has","value":"VIP"}]}]}`))
			if err != nil {
				t.Fatal(err)
			}
			u, _ := db.CreateUser(ctx, "owner@example.com", "correct horse battery", "en")
			db.AddMember(ctx, u, a, kizuna.RoleOwner)
			eng := engine.New(db, db, nil)
			t.Cleanup(eng.Stop)
			srv := httptest.NewServer(web.New(eng, db, nil).Handler())
			t.Cleanup(srv.Close)
			jar, _ := cookiejar.New(nil)
			c := &client{t: t, url: srv.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
			manageSignIn(t, c, "owner@example.com")
			long := strings.Repeat("タ", kizuna.MaxTagName+1)
			// A refused form lands on its page (Post/Redirect/Get) with the
			// store's message.
			friendPage := "/a/shop-a/friends/U00000000000000000000000000000001"
			for _, tc := range []struct {
				path string
				form url.Values
				back string
				want string
			}{
				{"/a/shop-a/tags", url.Values{"name": {"a\x00b"}}, "/a/shop-a/tags", "U+0000"},
				{"/a/shop-a/tags", url.Values{"name": {"a\xffb"}}, "/a/shop-a/tags", "not valid UTF-8"},
				{"/a/shop-a/tags", url.Values{"name": {long}}, "/a/shop-a/tags", "at most 100 characters"},
				{"/a/shop-a/tags/rename", url.Values{"from": {"VIP"}, "to": {"a\x00b"}}, "/a/shop-a/tags", "U+0000"},
				{"/a/shop-a/tags/rename", url.Values{"from": {"a\xffb"}, "to": {"Gold"}}, "/a/shop-a/tags", "not valid UTF-8"},
				{"/a/shop-a/tags/delete", url.Values{"name": {"a\x00b"}}, "/a/shop-a/tags", "U+0000"},
				{"/a/shop-a/tags/apply", url.Values{"segment": {fmt.Sprint(seg.ID)}, "tag": {"a\x00b"}}, "/a/shop-a/tags", "U+0000"},
				{friendPage + "/tags", url.Values{"add": {"a\x00b"}}, friendPage, "U+0000"},
				{friendPage + "/tags", url.Values{"add": {long}}, friendPage, "at most 100 characters"},
				{"/a/shop-a/folders", url.Values{"name": {"a\x00b"}}, "/a/shop-a/segments", "U+0000"},
			} {
				code, loc, body := submit(c, tc.path, withCSRF(c, tc.form))
				if code != http.StatusSeeOther || loc != tc.back {
					t.Errorf("POST %s %q: %d to %q, want 303 to %s\n%s", tc.path, tc.form, code, loc, tc.back, body)
					continue
				}
				if code, page := c.do("GET", loc, nil); code != http.StatusOK || !strings.Contains(html.UnescapeString(page), tc.want) || !strings.Contains(page, `role="alert"`) {
					t.Errorf("POST %s %q: the page after it (%d) does not say %q", tc.path, tc.form, code, tc.want)
				}
			}
			if code, body := c.do("GET", "/a/shop-a/friends?q=a%00b", nil); code != http.StatusBadRequest || !strings.Contains(html.UnescapeString(body), "U+0000") {
				t.Errorf("a search with U+0000: %d", code)
			}
			tags, _ := db.Tags(ctx, a)
			folders, _ := db.Folders(ctx, a)
			if len(tags) != 1 || len(folders) != 0 {
				t.Errorf("refused names were stored: tags %v, folders %v", tags, folders)
			}
			// The editor's JSON calls refuse duplicate keys with their path.
			token := c.csrf("/a/shop-a/segments")
			for _, body := range []string{
				`{"filter": {"groups": [{"conditions": [{"field": "tag", "op": "has", "value": "VIP"}]}]}, "filter": {"groups": []}}`,
				`{"filter": {"groups": [{"conditions": [{"field": "tag", "op": "has", "op": "not_has", "value": "VIP"}]}]}}`,
			} {
				req, _ := http.NewRequest("POST", srv.URL+"/a/shop-a/preview", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-CSRF-Token", token)
				res, err := c.c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				out, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(out), `"message":"the key`) {
					t.Errorf("preview %s: %d %s", body, res.StatusCode, out)
				}
			}
		})
	}
}
