package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kizuna-line/kizuna"
)

// TestInvitationConsent: an owner inviting another tenant's user gets the
// same answer as for a new address (issue 9: a first password in the
// answer told which addresses had users), and that user gets no access
// until they accept, signed in as that address; someone else signed in
// cannot accept it; a withdrawn or unknown link is not found.
func TestInvitationConsent(t *testing.T) {
	f := manageSetup(t)
	ctx := context.Background()
	o := f.ownerClient
	bee, _ := f.db.CreateUser(ctx, "bee@example.com", "correct horse battery", "en")
	f.db.AddMember(ctx, bee, f.b, kizuna.RoleOwner)
	beeClient := manageSignIn(t, f.newClient(), "bee@example.com")

	invite := func(email string) (string, string) {
		t.Helper()
		code, _, body := submit(o, "/a/shop-a/settings/members", withCSRF(o, url.Values{"email": {email}, "role": {"owner"}}))
		link := inviteLinkRe.FindStringSubmatch(body)
		if code != http.StatusOK || link == nil {
			t.Fatalf("inviting %s: %d\n%s", email, code, body)
		}
		return link[1], body
	}
	beeToken, beeAnswer := invite("bee@example.com")
	_, newAnswer := invite("nobody-yet@example.com")
	// The answers differ only in the address and the link (and the list
	// of pending invitations, which grew by one).
	strip := regexp.MustCompile(`bee@example\.com|nobody-yet@example\.com|kzi_[A-Za-z0-9_-]+|name="csrf" value="[^"]+"|(?s)<table id="invitations">.*?</table>`)
	if a, b := strip.ReplaceAllString(beeAnswer, "X"), strip.ReplaceAllString(newAnswer, "X"); a != b {
		t.Fatalf("inviting an existing user and a new address answer differently:\n%s\n----\n%s", a, b)
	}
	// No access before accepting.
	if code, _ := beeClient.do("GET", "/a/shop-a/segments", nil); code != http.StatusNotFound {
		t.Fatalf("bee sees shop-a before accepting: %d", code)
	}
	// The owner (another address) cannot accept bee's invitation.
	page := get(o, "/invite/"+beeToken, http.StatusOK)
	if !strings.Contains(page, `id="invite-other"`) || strings.Contains(page, `id="accept"`) {
		t.Fatalf("the invitation page for another signed-in address:\n%s", page)
	}
	if code, _, _ := submit(o, "/invite/"+beeToken, withCSRF(o, nil)); code != http.StatusForbidden {
		t.Fatalf("another user accepting: %d", code)
	}
	// Without the session's CSRF token, bee cannot be made to accept.
	if code, _, _ := submit(beeClient, "/invite/"+beeToken, url.Values{"csrf": {"forged"}}); code != http.StatusForbidden {
		t.Fatalf("accepting without the CSRF token: %d", code)
	}
	if code, _ := beeClient.do("GET", "/a/shop-a/segments", nil); code != http.StatusNotFound {
		t.Fatalf("bee sees shop-a after refused accepts: %d", code)
	}
	// Bee accepts.
	page = get(beeClient, "/invite/"+beeToken, http.StatusOK)
	if !strings.Contains(page, `id="accept"`) || !strings.Contains(page, "shop-a") {
		t.Fatalf("the invitation page for its address:\n%s", page)
	}
	code, loc, _ := submit(beeClient, "/invite/"+beeToken, url.Values{"csrf": {beeClient.csrf("/invite/" + beeToken)}})
	if code != http.StatusSeeOther || loc != "/a/shop-a/segments" {
		t.Fatalf("accepting: %d %s", code, loc)
	}
	get(beeClient, "/a/shop-a/segments", http.StatusOK)
	if code, _ := beeClient.do("GET", "/invite/"+beeToken, nil); code != http.StatusNotFound {
		t.Fatalf("a used link: %d", code)
	}
	// Withdrawn: the link is not found; a member cannot withdraw.
	token, _ := invite("later@example.com")
	invs, _ := f.db.Invitations(ctx, f.a)
	var id int64
	for _, inv := range invs {
		if inv.Email == "later@example.com" {
			id = inv.ID
		}
	}
	revoke := fmt.Sprintf("/a/shop-a/settings/invitations/%d/revoke", id)
	if code, _, _ := submit(f.memberClient, revoke, withCSRF(f.memberClient, nil)); code != http.StatusForbidden {
		t.Fatalf("a member withdrawing: %d", code)
	}
	landsOn(o, revoke, withCSRF(o, nil), "/a/shop-a/settings", false, "Invitation withdrawn: its link no longer works.")
	anon := f.newClient()
	for _, tok := range []string{token, "kzi_unknown", "nonsense"} {
		if code, body := anon.do("GET", "/invite/"+tok, nil); code != http.StatusNotFound || !strings.Contains(body, "not valid") {
			t.Errorf("link %s: %d", tok, code)
		}
	}
	if code, _, _ := submit(o, fmt.Sprintf("/a/shop-b/settings/invitations/%d/revoke", id), withCSRF(o, nil)); code != http.StatusNotFound {
		t.Errorf("withdrawing through another account: %d", code)
	}
}

// TestInvitationWithPassword: signed out, the invited address's user
// accepts with their password (a wrong one is refused and counted like a
// sign-in), and a new address chooses a password of 10 characters or more.
func TestInvitationWithPassword(t *testing.T) {
	f := manageSetup(t)
	ctx := context.Background()
	bee, _ := f.db.CreateUser(ctx, "bee@example.com", "correct horse battery", "ja")
	f.db.AddMember(ctx, bee, f.b, kizuna.RoleOwner)
	forBee, _ := f.db.InviteMember(ctx, f.a, "bee@example.com", kizuna.RoleMember)
	forNew, _ := f.db.InviteMember(ctx, f.a, "fresh@example.com", kizuna.RoleMember)
	c := f.newClient()
	accept := func(token, pw string) (int, string, string) {
		return submit(c, "/invite/"+token, url.Values{"csrf": {c.csrf("/invite/" + token)}, "password": {pw}})
	}
	if code, _, body := accept(forBee.Token, "wrong password!"); code != http.StatusUnauthorized || !strings.Contains(body, "The password is wrong.") {
		t.Fatalf("a wrong password: %d\n%s", code, body)
	}
	if code, _, _ := submit(c, "/invite/"+forBee.Token, url.Values{"csrf": {"forged"}, "password": {"correct horse battery"}}); code != http.StatusForbidden {
		t.Fatalf("without the form's token: %d", code)
	}
	if code, loc, _ := accept(forBee.Token, "correct horse battery"); code != http.StatusSeeOther || loc != "/a/shop-a/segments" {
		t.Fatalf("accepting with the password: %d %s", code, loc)
	}
	get(c, "/a/shop-a/segments", http.StatusOK)
	c = f.newClient()
	if code, _, body := accept(forNew.Token, "short"); code != http.StatusBadRequest || !strings.Contains(body, "at least 10 characters") {
		t.Fatalf("a short new password: %d", code)
	}
	if code, loc, _ := accept(forNew.Token, "a fresh long password"); code != http.StatusSeeOther || loc != "/a/shop-a/segments" {
		t.Fatalf("a new person accepting: %d %s", code, loc)
	}
	if _, err := f.db.Authenticate(ctx, "fresh@example.com", "a fresh long password"); err != nil {
		t.Fatalf("the chosen password: %v", err)
	}
	// Wrong passwords are limited like sign-ins: after 5, even the right
	// one waits.
	again, _ := f.db.InviteMember(ctx, f.b, "owner@example.com", kizuna.RoleMember)
	c = f.newClient()
	for i := range 5 {
		if code, _, _ := accept(again.Token, "wrong password!"); code != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d", i+1, code)
		}
	}
	if code, _, _ := accept(again.Token, "correct horse battery"); code != http.StatusTooManyRequests {
		t.Fatalf("after 5 wrong passwords: %d", code)
	}
}
