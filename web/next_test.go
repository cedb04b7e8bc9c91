package web

import (
	"net/url"
	"path"
	"strings"
	"testing"
)

// TestSafeNext: known open-redirect bypasses are refused; plain paths of
// the site pass unchanged.
func TestSafeNext(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"/a/shop-a/segments", "/a/shop-a/segments"},
		{"/a/shop-a/friends?q=%E3%83%8A&tag=VIP", "/a/shop-a/friends?q=%E3%83%8A&tag=VIP"},
		{"/", "/"},
		{"/a/shop-a/segments/", "/a/shop-a/segments/"},
		{"/@evil.example", "/@evil.example"}, // a path of this site, not userinfo
		{"/a/x#frag", "/a/x#frag"},
		{"", ""},
		{"a/shop", ""},
		{"//evil.example", ""},
		{"//evil.example/x", ""},
		{"/\\evil.example", ""},
		{"\\/evil.example", ""},
		{"/\\/evil.example", ""},
		{"/./\\127.0.0.1:51099/x", ""}, // issue 9: cleaned to /\127.0.0.1
		{"/.//evil.example", ""},
		{"/a/..//evil.example", ""},
		{"/../evil", ""},
		{"/%2F%2Fevil.example", ""},
		{"/%2f/evil.example", ""},
		{"/%5Cevil.example", ""},
		{"/%5cevil.example", ""},
		{"/.%2F%5Cevil.example", ""},
		{"/%2e%2e/x", ""},
		{"/\t/127.0.0.1:51099/x", ""}, // issue 9: the tab was kept
		{"/%09/evil.example", ""},
		{"/\n/evil.example", ""},
		{"/\r\n/evil.example", ""},
		{"/a\r\nSet-Cookie: x=1", ""},
		{"/%0d%0aSet-Cookie:x=1", ""},
		{"/a?x=%0d%0a", "/a?x=%0d%0a"}, // an encoded newline in the query stays encoded
		{"/\x00/evil", ""},
		{"/\x7f/evil", ""},
		{"/\u0085/evil", ""},
		{"javascript:alert(1)", ""},
		{"JavaScript:alert(1)", ""},
		{"/javascript:alert(1)", "/javascript:alert(1)"}, // a path segment, on site
		{"http://evil.example", ""},
		{"https:evil.example", ""},
		{"http:/evil.example", ""},
		{"///evil.example", ""},
		{" //evil.example", ""},
		{"/ /evil.example", "/ /evil.example"},
		{"data:text/html,x", ""},
		{"/" + strings.Repeat("a", 3000), ""},
	} {
		if got := safeNext(c.in); got != c.want {
			t.Errorf("safeNext(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := safeNext(c.in); got != "" {
			checkOnSite(t, c.in, got)
		}
	}
}

// FuzzSafeNext: whatever safeNext returns stays on this site, read by
// net/url, by http.Redirect's cleaning, and the way a browser reads a
// Location header (tabs and newlines dropped, backslashes as slashes).
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/a/b", "//x", "/\\x", "/./\\x", "/%09/x", "/%5Cx", "/%2F%2Fx", "/..//x", "javascript:x", "/a?b=c#d", "/@x", "/\t/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if got := safeNext(in); got != "" {
			checkOnSite(t, in, got)
		}
	})
}

func checkOnSite(t *testing.T, in, got string) {
	t.Helper()
	base, _ := url.Parse("https://kizuna.example/a/shop/segments")
	// As http.Redirect writes it: the path cleaned, the query kept.
	redirected := got
	if i := strings.IndexAny(got, "?#"); i >= 0 {
		redirected = path.Clean(got[:i]) + got[i:]
	} else {
		redirected = path.Clean(got)
	}
	for _, s := range []string{got, redirected} {
		// A browser drops ASCII tabs and newlines, and reads \ as / in
		// http(s) URLs.
		browser := strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(s)
		for _, v := range []string{s, browser} {
			if !strings.HasPrefix(v, "/") || strings.HasPrefix(v, "//") {
				t.Fatalf("safeNext(%q) = %q: read as %q, not a path of the site", in, got, v)
			}
			u, err := url.Parse(v)
			if err != nil {
				t.Fatalf("safeNext(%q) = %q: %v", in, got, err)
			}
			if u.Scheme != "" || u.Host != "" || u.User != nil {
				t.Fatalf("safeNext(%q) = %q: has a scheme, host or user: %#v", in, got, u)
			}
			if r := base.ResolveReference(u); r.Host != "kizuna.example" || r.Scheme != "https" {
				t.Fatalf("safeNext(%q) = %q leads to %s", in, got, r)
			}
			// Decoded once more (a proxy or a later redirect might), it is
			// still a path.
			if p := u.Path; strings.HasPrefix(p, "//") || strings.Contains(p, "\\") {
				t.Fatalf("safeNext(%q) = %q: decoded path %q", in, got, p)
			}
		}
	}
}
