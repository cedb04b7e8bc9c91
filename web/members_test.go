package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kizuna-line/kizuna"
)

var inviteLinkRe = regexp.MustCompile(`id="invite-link">[^<]*/invite/([^<]+)<`)

// TestSettingsMembers: owners add members (a new user's first password
// shown once, and it signs in), change roles and remove members, never the
// last owner; members see the list but change nothing; another account's
// member is not found; forms need the CSRF token.
func TestSettingsMembers(t *testing.T) {
	f := manageSetup(t)
	ctx := context.Background()
	o, m := f.ownerClient, f.memberClient
	page := get(o, "/a/shop-a/settings", http.StatusOK)
	if !strings.Contains(page, "owner@example.com") || !strings.Contains(page, "member@example.com") || !strings.Contains(page, `id="invite-form"`) {
		t.Fatalf("the owner's settings page lacks the members or the invite form:\n%s", page)
	}
	if page := get(m, "/a/shop-a/settings", http.StatusOK); !strings.Contains(page, "owner@example.com") || strings.Contains(page, `id="invite-form"`) || strings.Contains(page, "/remove") {
		t.Fatalf("a member's settings page offers changes, or no list:\n%s", page)
	}

	code, _, body := submit(o, "/a/shop-a/settings/members", withCSRF(o, url.Values{"email": {"New@Example.com"}, "role": {"member"}}))
	link := inviteLinkRe.FindStringSubmatch(body)
	if code != http.StatusOK || link == nil || !strings.Contains(body, "Invitation for new@example.com created") {
		t.Fatalf("inviting a new address: %d\n%s", code, body)
	}
	if page := get(o, "/a/shop-a/settings", http.StatusOK); strings.Contains(page, link[1]) || !strings.Contains(page, `<td>new@example.com</td>`) {
		t.Fatalf("the link is shown again, or the invitation is not listed:\n%s", page)
	}
	// The new person accepts with a password of their own.
	n := f.newClient()
	code, loc, _ := submit(n, "/invite/"+link[1], url.Values{"csrf": {n.csrf("/invite/" + link[1])}, "password": {"a long new password"}})
	if code != http.StatusSeeOther || loc != "/a/shop-a/segments" {
		t.Fatalf("accepting: %d %s", code, loc)
	}
	get(n, "/a/shop-a/segments", http.StatusOK)
	for _, c := range []struct {
		client *client
		path   string
		form   url.Values
		status int
		want   string
	}{
		{o, "/a/shop-a/settings/members", url.Values{"email": {"new@example.com"}, "role": {"member"}}, http.StatusConflict, "already a member"},
		{o, "/a/shop-a/settings/members", url.Values{"email": {"nope"}, "role": {"member"}}, http.StatusBadRequest, "e-mail address"},
		{o, fmt.Sprintf("/a/shop-a/settings/members/%d/role", f.owner.ID), url.Values{"role": {"member"}}, http.StatusConflict, "only owner"},
		{o, fmt.Sprintf("/a/shop-a/settings/members/%d/remove", f.owner.ID), nil, http.StatusConflict, "only owner"},
		{m, "/a/shop-a/settings/members", url.Values{"email": {"x@example.com"}, "role": {"owner"}}, http.StatusForbidden, "Only owners"},
		{m, fmt.Sprintf("/a/shop-a/settings/members/%d/remove", f.owner.ID), nil, http.StatusForbidden, "Only owners"},
	} {
		if c.status != http.StatusForbidden { // a refusal: back to the page, which says why
			landsOn(c.client, c.path, withCSRF(c.client, c.form), "/a/shop-a/settings", true, c.want)
			continue
		}
		code, _, body := submit(c.client, c.path, withCSRF(c.client, c.form))
		if code != c.status || !strings.Contains(body, c.want) {
			t.Errorf("POST %s %v: %d, want %d with %q", c.path, c.form, code, c.status, c.want)
		}
	}
	// Another account's member, through this account: not found.
	bee, _ := f.db.CreateUser(ctx, "bee@example.com", "correct horse battery", "")
	f.db.AddMember(ctx, bee, f.b, kizuna.RoleOwner)
	if code, _, _ := submit(o, fmt.Sprintf("/a/shop-a/settings/members/%d/remove", bee.ID), withCSRF(o, nil)); code != http.StatusNotFound {
		t.Errorf("removing another account's member: %d", code)
	}
	if code, _, _ := submit(o, "/a/shop-a/settings/members", url.Values{"csrf": {"forged"}, "email": {"y@example.com"}, "role": {"member"}}); code != http.StatusForbidden {
		t.Errorf("inviting without the CSRF token: %d", code)
	}
	// Promote the member, then the first owner may step down.
	if code, loc, _ := submit(o, fmt.Sprintf("/a/shop-a/settings/members/%d/role", f.member.ID), withCSRF(o, url.Values{"role": {"owner"}})); code != http.StatusSeeOther || loc != "/a/shop-a/settings" {
		t.Fatalf("promoting: %d %s", code, loc)
	}
	if code, loc, _ := submit(o, fmt.Sprintf("/a/shop-a/settings/members/%d/remove", f.owner.ID), withCSRF(o, nil)); code != http.StatusSeeOther || loc != "/" {
		t.Fatalf("leaving the account: %d %s", code, loc)
	}
	if code, _ := o.do("GET", "/a/shop-a/settings", nil); code != http.StatusNotFound {
		t.Fatalf("the account after leaving it: %d", code)
	}
	ms, _ := f.db.Members(ctx, f.a)
	var got []string
	for _, mb := range ms {
		got = append(got, mb.Email+":"+mb.Role)
	}
	if strings.Join(got, " ") != "member@example.com:owner new@example.com:member" {
		t.Fatalf("members at the end: %v", got)
	}
}

// TestChangePassword: the current password is checked, a short one
// refused, and a change ends the user's other sign-ins but not this one.
func TestChangePassword(t *testing.T) {
	f := manageSetup(t)
	o := f.ownerClient
	other := manageSignIn(t, f.newClient(), "owner@example.com")
	for _, c := range []struct {
		current, next string
		status        int
		want          string
	}{
		{"wrong password!", "a brand new password", http.StatusBadRequest, "The current password is wrong."},
		{"correct horse battery", "short", http.StatusBadRequest, "at least 10 characters"},
		{"correct horse battery", "a brand new password", http.StatusOK, "Your password was changed."},
	} {
		landsOn(o, "/a/shop-a/settings/password", withCSRF(o, url.Values{"current": {c.current}, "new": {c.next}}), "/a/shop-a/settings", c.status != http.StatusOK, c.want)
	}
	get(o, "/a/shop-a/segments", http.StatusOK)
	if code, _ := other.do("GET", "/a/shop-a/segments", nil); code != http.StatusSeeOther {
		t.Fatalf("another sign-in survived the change: %d", code)
	}
	if _, err := f.db.Authenticate(context.Background(), "owner@example.com", "a brand new password"); err != nil {
		t.Fatal(err)
	}
}

// TestMembersInBrowser: an owner invites a colleague from the settings
// page and reads the link once; the colleague is not a member until they
// open it, choose a password and accept.
func TestMembersInBrowser(t *testing.T) {
	ctx := browser(t)
	f := manageSetup(t)
	run(t, ctx,
		chromedp.Navigate(f.url+"/a/shop-a/settings"),
		chromedp.WaitVisible(`#email`),
		chromedp.SendKeys(`#email`, "owner@example.com"),
		chromedp.SendKeys(`#password`, "correct horse battery"),
		chromedp.Click(`#signin`),
		chromedp.WaitVisible(`#members`),
		chromedp.SendKeys(`#invite-email`, "colleague@example.com"),
		chromedp.SetValue(`#invite-role`, "owner"),
		chromedp.Click(`#invite`),
		chromedp.WaitVisible(`#invite-link`),
	)
	link := text(t, ctx, `#invite-link`)
	if !strings.HasPrefix(link, f.url+"/invite/kzi_") {
		t.Fatalf("invitation link %q", link)
	}
	if got := text(t, ctx, `#members`); strings.Contains(got, "colleague@example.com") {
		t.Fatalf("a member before accepting: %q", got)
	}
	if got := text(t, ctx, `#invitations`); !strings.Contains(got, "colleague@example.com") {
		t.Fatalf("pending invitations: %q", got)
	}
	screenshot(t, ctx, "settings-invitation")
	// The colleague opens the link in a signed-out browser and accepts.
	run(t, ctx,
		chromedp.Click(`header form[action="/signout"] button`),
		chromedp.WaitVisible(`#email`),
		chromedp.Navigate(link),
		chromedp.WaitVisible(`#invite-offer`),
	)
	if got := text(t, ctx, `#invite-offer`); !strings.Contains(got, "shop-a") || !strings.Contains(got, "colleague@example.com") {
		t.Fatalf("the offer: %q", got)
	}
	screenshot(t, ctx, "invitation")
	// In Japanese, at phone width: the offer in Japanese, nothing wider
	// than the screen.
	run(t, ctx,
		chromedp.Click(`#lang-switch`),
		chromedp.WaitVisible(`//h1[text()="招待"]`),
		chromedp.EmulateViewport(390, 844),
	)
	if got := text(t, ctx, `#invite-offer`); !strings.Contains(got, "招待されています") {
		t.Fatalf("the offer in Japanese: %q", got)
	}
	if w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || w > 390 {
		t.Fatalf("the invitation page at 390 px is %d px wide (%v)", w, err)
	}
	screenshot(t, ctx, "invitation-ja-390")
	run(t, ctx,
		chromedp.SendKeys(`#password`, "colleague's own password"),
		chromedp.Click(`#accept`),
		chromedp.WaitVisible(`#segments`),
	)
	// At phone width the header hides the address; it is still there.
	if got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('header').textContent`)); err != nil || !strings.Contains(got, "colleague@example.com") {
		t.Fatalf("signed in as %q", got)
	}
}
