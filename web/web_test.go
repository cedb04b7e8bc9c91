package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/web"
)

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// client is a browser-like HTTP client with cookies that does not follow redirects.
type client struct {
	t   *testing.T
	url string
	c   *http.Client
}

func (c *client) do(method, path string, form url.Values) (int, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, c.url+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// csrf fetches a page and returns the CSRF token of its forms.
func (c *client) csrf(path string) string {
	c.t.Helper()
	_, body := c.do("GET", path, nil)
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		c.t.Fatalf("no CSRF token on %s:\n%s", path, body)
	}
	return m[1]
}

func setup(t *testing.T) (*client, func() *client) {
	ctx := context.Background()
	db := testdb.Open(t, "sqlite")
	a, _ := db.CreateAccount(ctx, "shop-a", "")
	u, err := db.CreateUser(ctx, "owner@example.com", "correct horse battery", "en")
	if err != nil {
		t.Fatal(err)
	}
	db.AddMember(ctx, u, a, kizuna.RoleOwner)
	eng := engine.New(db, db, nil)
	t.Cleanup(eng.Stop)
	srv := httptest.NewServer(web.New(eng, db, nil).Handler())
	t.Cleanup(srv.Close)
	newClient := func() *client {
		jar, _ := cookiejar.New(nil)
		return &client{t: t, url: srv.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	}
	return newClient(), newClient
}

// TestSignInProtections: forms without their CSRF token are refused, failed
// sign-ins are limited, and signing out ends the session.
func TestSignInProtections(t *testing.T) {
	c, newClient := setup(t)
	signin := func(c *client, token, pw string) int {
		code, _ := c.do("POST", "/signin", url.Values{"csrf": {token}, "email": {"owner@example.com"}, "password": {pw}})
		return code
	}
	if code := signin(c, "forged", "correct horse battery"); code != http.StatusForbidden {
		t.Fatalf("sign-in without the form's token: %d", code)
	}
	if code := signin(c, c.csrf("/signin"), "correct horse battery"); code != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", code)
	}
	if code, _ := c.do("GET", "/a/shop-a/segments", nil); code != http.StatusOK {
		t.Fatalf("the segment list after signing in: %d", code)
	}
	if code, _ := c.do("GET", "/a/shop-b/segments", nil); code != http.StatusNotFound {
		t.Fatalf("another account's list: %d", code)
	}
	if code, _ := c.do("POST", "/signout", url.Values{"csrf": {"forged"}}); code != http.StatusForbidden {
		t.Fatalf("sign-out without the session's token: %d", code)
	}
	if code, _ := c.do("POST", "/signout", url.Values{"csrf": {c.csrf("/a/shop-a/segments")}}); code != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", code)
	}
	if code, _ := c.do("GET", "/a/shop-a/segments", nil); code != http.StatusSeeOther {
		t.Fatalf("the segment list after signing out: %d, want a redirect to sign in", code)
	}

	// Five failures, then even the right password waits.
	d := newClient()
	for i := range 5 {
		if code := signin(d, d.csrf("/signin"), "wrong password!"); code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, code)
		}
	}
	if code := signin(d, d.csrf("/signin"), "correct horse battery"); code != http.StatusTooManyRequests {
		t.Fatalf("after five failures: %d", code)
	}
}

// TestEditorJSON: the editor's preview and explain endpoints need the
// session's CSRF header, answer refusals with a path, find a friend by
// name, and know nothing of another account's friends.
func TestEditorJSON(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t, "sqlite")
	a, _ := db.CreateAccount(ctx, "shop-a", "")
	b, _ := db.CreateAccount(ctx, "shop-b", "")
	db.ImportFriends(ctx, a, strings.NewReader(`{"line_user_id": "U00000000000000000000000000000001", "display_name": "Aiko", "added_at": "2026-11-20T10:00:00+09:00", "tags": ["VIP"]}`), kizuna.ImportOptions{})
	db.ImportFriends(ctx, b, strings.NewReader(`{"line_user_id": "U00000000000000000000000000000002", "display_name": "Bob", "added_at": "2026-11-20T10:00:00+09:00", "tags": ["VIP"]}`), kizuna.ImportOptions{})
	u, _ := db.CreateUser(ctx, "owner@example.com", "correct horse battery", "en")
	db.AddMember(ctx, u, a, kizuna.RoleOwner)
	srv := httptest.NewServer(web.New(db, db, nil).Handler())
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	c := &client{t: t, url: srv.URL, c: &http.Client{Jar: jar}}
	if code, _ := c.do("POST", "/signin", url.Values{"csrf": {c.csrf("/signin")}, "email": {"owner@example.com"}, "password": {"correct horse battery"}}); code != http.StatusOK {
		t.Fatalf("sign-in: %d", code)
	}
	token := c.csrf("/a/shop-a/friends/U00000000000000000000000000000001")
	post := func(path, csrf, body string) (int, string) {
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", csrf)
		res, err := c.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		out, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(out)
	}
	vip := `{"groups": [{"conditions": [{"field": "tag", "op": "has", "value": "VIP"}]}]}`
	for _, c := range []struct {
		path, csrf, body string
		status           int
		want             string
	}{
		{"/a/shop-a/preview", token, `{"filter": ` + vip + `}`, http.StatusOK, `"count":1`},
		{"/a/shop-a/preview", "forged", `{"filter": ` + vip + `}`, http.StatusForbidden, `"code":"forbidden"`},
		{"/a/shop-a/preview", token, `{"filter": {"groups": [{"conditions": [{"field": "tag", "op": "has", "value": "Nope"}]}]}}`, http.StatusBadRequest, `"path":"groups[0].conditions[0].value"`},
		{"/a/shop-a/preview", token, `not JSON`, http.StatusBadRequest, `"code":"invalid"`},
		{"/a/shop-b/preview", token, `{"filter": ` + vip + `}`, http.StatusNotFound, `"code":"not_found"`},
		{"/a/shop-a/explain", token, `{"filter": ` + vip + `, "friend": "aik"}`, http.StatusOK, `"member":true`},
		{"/a/shop-a/explain", token, `{"filter": ` + vip + `, "friend": "U00000000000000000000000000000001", "lang": "ja"}`, http.StatusOK, `"value":"タグ: VIP"`},
		{"/a/shop-a/explain", "forged", `{"filter": ` + vip + `, "friend": "aik"}`, http.StatusForbidden, `"code":"forbidden"`},
		{"/a/shop-a/explain", token, `{"filter": ` + vip + `, "friend": " "}`, http.StatusBadRequest, `"path":"friend"`},
		{"/a/shop-a/explain", token, `{"filter": ` + vip + `, "friend": "Bob"}`, http.StatusNotFound, `"path":"friend"`},
		{"/a/shop-a/explain", token, `{"filter": ` + vip + `, "friend": "U00000000000000000000000000000002"}`, http.StatusNotFound, `"path":"friend"`},
		{"/a/shop-a/explain", token, `{"filter": {"groups": []}, "friend": "aik"}`, http.StatusBadRequest, `"code":"invalid_filter"`},
		{"/a/shop-b/explain", token, `{"filter": ` + vip + `, "friend": "Bob"}`, http.StatusNotFound, `"code":"not_found"`},
	} {
		status, body := post(c.path, c.csrf, c.body)
		if status != c.status || !strings.Contains(body, c.want) {
			t.Errorf("POST %s %s: %d %s, want %d with %s", c.path, c.body, status, body, c.status, c.want)
		}
	}
}

// TestJSONCallsAfterSignOut: the editor's JSON calls get a JSON 401 (not a
// redirect to an HTML page) once the session has ended.
func TestJSONCallsAfterSignOut(t *testing.T) {
	c, _ := setup(t)
	if code, _ := c.do("POST", "/signin", url.Values{"csrf": {c.csrf("/signin")}, "email": {"owner@example.com"}, "password": {"correct horse battery"}}); code != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", code)
	}
	token := c.csrf("/a/shop-a/segments")
	preview := func() (int, string) {
		req, _ := http.NewRequest("POST", c.url+"/a/shop-a/preview", strings.NewReader(`{"filter": {"groups": [{"conditions": [{"field": "line.days_since_added", "op": "gte", "value": 0}]}]}}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", token)
		res, err := c.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	if code, body := preview(); code != http.StatusOK || !strings.Contains(body, `"count":0`) {
		t.Fatalf("preview while signed in: %d %s", code, body)
	}
	if code, _ := c.do("POST", "/signout", url.Values{"csrf": {token}}); code != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", code)
	}
	// The cookie is still sent, but its session has ended.
	if code, body := preview(); code != http.StatusUnauthorized || !strings.Contains(body, `"code":"unauthorized"`) || !strings.Contains(body, "Reload the page") {
		t.Fatalf("preview after signing out: %d %s", code, body)
	}
}

// TestRefusedSaveChangesNothing: a save refused after its new folder was
// made (the name is taken) leaves no folder behind, and the form keeps
// what was typed.
func TestRefusedSaveChangesNothing(t *testing.T) {
	f := manageSetup(t)
	o := f.ownerClient
	code, _, body := submit(o, "/a/shop-a/segments", withCSRF(o, url.Values{"name": {f.vipName}, "filter": {f.vipFilter}, "new_folder": {"Fresh"}}))
	if code != http.StatusBadRequest || !strings.Contains(body, `value="Fresh"`) {
		t.Fatalf("saving under a taken name: %d\n%s", code, body)
	}
	folders, err := f.db.Folders(context.Background(), f.a)
	if err != nil {
		t.Fatal(err)
	}
	for _, fo := range folders {
		if fo.Name == "Fresh" {
			t.Fatal("the refused save left its new folder behind")
		}
	}
}
