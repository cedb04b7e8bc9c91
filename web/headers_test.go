package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kizuna-line/kizuna"
)

// wantCSP is the Content-Security-Policy every answer carries, directive by
// directive: no 'unsafe-inline' anywhere.
var wantCSP = map[string]string{
	"default-src":     "'self'",
	"script-src":      "'self'",
	"style-src":       "'self'",
	"img-src":         "'self'",
	"object-src":      "'none'",
	"form-action":     "'self'",
	"base-uri":        "'none'",
	"frame-ancestors": "'none'",
}

func checkSecurityHeaders(t *testing.T, what string, h http.Header) {
	t.Helper()
	got := map[string]string{}
	for _, d := range strings.Split(h.Get("Content-Security-Policy"), ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		if name != "" {
			got[name] = value
		}
	}
	for name, value := range wantCSP {
		if got[name] != value {
			t.Errorf("%s: CSP %s is %q, want %q (policy %q)", what, name, got[name], value, h.Get("Content-Security-Policy"))
		}
	}
	for name, value := range got {
		if strings.Contains(value, "unsafe") || wantCSP[name] == "" {
			t.Errorf("%s: CSP has %s %s", what, name, value)
		}
	}
	if v := h.Get("X-Content-Type-Options"); v != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options %q", what, v)
	}
	if v := h.Get("Referrer-Policy"); v != "same-origin" {
		t.Errorf("%s: Referrer-Policy %q", what, v)
	}
}

// TestSecurityHeaders: pages, refusals, static files and redirects carry
// the Content-Security-Policy (no inline script or style; forms post here;
// no <base>; no framing), nosniff and the Referrer-Policy.
func TestSecurityHeaders(t *testing.T) {
	f := manageSetup(t)
	o := f.ownerClient
	anon := f.newClient()
	for _, c := range []struct {
		c    *client
		path string
	}{
		{anon, "/signin"},
		{anon, "/a/shop-a/segments"}, // a redirect to sign in
		{anon, "/static/style.css"},
		{anon, "/static/account-switch.js"},
		{anon, "/nothing-here"},
		{o, "/a/shop-a/segments"},
		{o, "/a/shop-a/settings"},
		{o, "/a/shop-b/segments"}, // not found
	} {
		req, _ := http.NewRequest("GET", c.c.url+c.path, nil)
		res, err := c.c.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		checkSecurityHeaders(t, "GET "+c.path, res.Header)
	}
	// A refused POST too.
	req, _ := http.NewRequest("POST", o.url+"/a/shop-a/tags", strings.NewReader("csrf=forged&name=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := o.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("a forged POST: %d", res.StatusCode)
	}
	checkSecurityHeaders(t, "a refused POST", res.Header)
}

// TestTemplatesHaveNoInlineCode: the policy forbids inline scripts,
// handlers and styles, so no template may have them (they would silently
// stop working).
func TestTemplatesHaveNoInlineCode(t *testing.T) {
	files, _ := filepath.Glob("templates/*.html")
	if len(files) == 0 {
		t.Fatal("no templates found")
	}
	inline := regexp.MustCompile(`(?i)\son[a-z]+\s*=|\sstyle\s*=|<script(\s[^>]*)?>\s*[^<\s]|<style|javascript:`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if m := inline.Find(b); m != nil {
			t.Errorf("%s has inline code: %q", f, m)
		}
	}
}

// TestCookieFlags: the sign-in form's CSRF cookie and the session cookie
// are HttpOnly and SameSite=Lax, and Secure when the request came over
// HTTPS (here: through a proxy that says so).
func TestCookieFlags(t *testing.T) {
	f := manageSetup(t)
	for _, https := range []bool{false, true} {
		c := f.newClient()
		header := func(req *http.Request) {
			if https {
				req.Header.Set("X-Forwarded-Proto", "https")
			}
		}
		req, _ := http.NewRequest("GET", c.url+"/signin", nil)
		header(req)
		res, err := c.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		csrf := cookieNamed(res, "kizuna_csrf")
		if csrf == nil {
			t.Fatal("no CSRF cookie on the sign-in page")
		}
		checkCookie(t, csrf, https)
		form := url.Values{"csrf": {csrf.Value}, "email": {"owner@example.com"}, "password": {"correct horse battery"}}
		req, _ = http.NewRequest("POST", c.url+"/signin", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: "kizuna_csrf", Value: csrf.Value})
		header(req)
		res, err = c.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		session := cookieNamed(res, "kizuna_session")
		if res.StatusCode != http.StatusSeeOther || session == nil {
			t.Fatalf("sign-in (https %v): %d, session cookie %v", https, res.StatusCode, session)
		}
		checkCookie(t, session, https)
		if session.MaxAge != 0 || !session.Expires.IsZero() {
			t.Errorf("the session cookie outlives the browser: %v", session)
		}
	}
}

func cookieNamed(res *http.Response, name string) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func checkCookie(t *testing.T, c *http.Cookie, secure bool) {
	t.Helper()
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != secure || c.Path != "/" {
		t.Errorf("cookie %s: HttpOnly %v, SameSite %v, Secure %v (want %v), Path %q: %s", c.Name, c.HttpOnly, c.SameSite, c.Secure, secure, c.Path, c.Raw)
	}
}

// TestCSRFFormTypeAnyCase: media types are case-insensitive, so a form
// posted as "Application/X-WWW-Form-URLEncoded" is read (and its token
// checked) like any other.
func TestCSRFFormTypeAnyCase(t *testing.T) {
	f := manageSetup(t)
	o := f.ownerClient
	for i, ct := range []string{"application/x-www-form-urlencoded", "Application/X-WWW-Form-URLEncoded; Charset=UTF-8", "APPLICATION/X-WWW-FORM-URLENCODED"} {
		// Names that differ after normalization too (the tags page warns
		// about "Case A" next to "case a").
		form := url.Values{"csrf": {o.csrf("/a/shop-a/tags")}, "name": {fmt.Sprintf("Case %d", i)}}
		req, _ := http.NewRequest("POST", o.url+"/a/shop-a/tags", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", ct)
		res, err := o.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Errorf("a form posted as %q: %d, want 303", ct, res.StatusCode)
		}
		forged := url.Values{"csrf": {"forged"}, "name": {"Forged"}}
		req, _ = http.NewRequest("POST", o.url+"/a/shop-a/tags", strings.NewReader(forged.Encode()))
		req.Header.Set("Content-Type", ct)
		res, err = o.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("a forged form posted as %q: %d, want 403", ct, res.StatusCode)
		}
	}
	tags, _ := f.db.Tags(context.Background(), f.a)
	if slices.ContainsFunc(tags, func(tg kizuna.Tag) bool { return tg.Name == "Forged" }) {
		t.Error("a forged form made a tag")
	}
}

// TestAccountSwitchInBrowser: the header's account switcher (a static
// script now, no inline handler) goes to the chosen account under the
// policy.
func TestAccountSwitchInBrowser(t *testing.T) {
	ctx := browser(t)
	f := manageSetup(t)
	if err := f.db.AddMember(context.Background(), f.owner, f.b, kizuna.RoleOwner); err != nil {
		t.Fatal(err)
	}
	run(t, ctx,
		chromedp.Navigate(f.url+"/a/shop-a/segments"),
		chromedp.WaitVisible(`#email`),
		chromedp.SendKeys(`#email`, "owner@example.com"),
		chromedp.SendKeys(`#password`, "correct horse battery"),
		chromedp.Click(`#signin`),
		chromedp.WaitVisible(`#segments`),
	)
	// The same event a person's choice fires.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const s = document.getElementById('account'); s.value = 'shop-b'; s.dispatchEvent(new Event('change')); return true })()`)); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, chromedp.WaitVisible(`//td[contains(., "B segment")]`))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(loc, "/a/shop-b/segments") {
		t.Fatalf("after choosing shop-b: %s", loc)
	}
}
