package web_test

import (
	"net/http"
	"net/url"
	"testing"
)

// TestRedirectsStayOnSite: after signing in, and after the language
// switch, a crafted next or back leads to the site's own pages (issue 9:
// "/./%5C127.0.0.1:51099/x" became "Location: /\127.0.0.1:51099/x", and a
// tab was kept).
func TestRedirectsStayOnSite(t *testing.T) {
	_, newClient := setup(t)
	location := func(c *client, path string, form url.Values) string {
		t.Helper()
		code, loc, _ := submit(c, path, form)
		if code != http.StatusSeeOther {
			t.Fatalf("POST %s: %d", path, code)
		}
		return loc
	}
	for _, c := range []struct{ next, want string }{
		{"/a/shop-a/friends?q=x", "/a/shop-a/friends?q=x"},
		{"/./\\127.0.0.1:51099/x", "/"},
		{"/\t/127.0.0.1:51099/x", "/"},
		{"//127.0.0.1:51099/x", "/"},
		{"/\\127.0.0.1:51099/x", "/"},
		{"/%5C127.0.0.1:51099/x", "/"},
		{"/.//127.0.0.1:51099/x", "/"},
		{"https://127.0.0.1:51099/x", "/"},
	} {
		c1 := newClient()
		got := location(c1, "/signin?next="+url.QueryEscape(c.next), url.Values{"csrf": {c1.csrf("/signin")}, "email": {"owner@example.com"}, "password": {"correct horse battery"}})
		if got != c.want {
			t.Errorf("sign-in with next=%q: Location %q, want %q", c.next, got, c.want)
		}
		// The language switch, before and after signing in.
		c2 := newClient()
		if got := location(c2, "/lang", url.Values{"csrf": {c2.csrf("/signin")}, "lang": {"ja"}, "back": {c.next}}); got != c.want {
			t.Errorf("language switch with back=%q: Location %q, want %q", c.next, got, c.want)
		}
		if got := location(c1, "/lang", url.Values{"csrf": {c1.csrf("/a/shop-a/segments")}, "lang": {"en"}, "back": {c.next}}); got != c.want {
			t.Errorf("signed-in language switch with back=%q: Location %q, want %q", c.next, got, c.want)
		}
	}
}
