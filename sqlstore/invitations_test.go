package sqlstore_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

// TestInvitations: adding a member by e-mail address is an invitation,
// answered alike whether or not the address has a user (issue 9: another
// tenant's user was added at once, and a first password in the answer
// told that the address was new). Nobody gets access before accepting;
// only that address's user can accept; links expire after 7 days, can be
// withdrawn, are replaced by a new invitation and work once.
func TestInvitations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			db := testdb.Open(t, backend)
			clock := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
			db.Now = func() time.Time { return clock }
			a, _ := db.CreateAccount(ctx, "shop-a", "")
			b, _ := db.CreateAccount(ctx, "shop-b", "")
			owner, _ := db.CreateUser(ctx, "owner@example.com", "correct horse battery", "")
			db.AddMember(ctx, owner, a, kizuna.RoleOwner)
			bee, _ := db.CreateUser(ctx, "bee@example.com", "correct horse battery", "")
			db.AddMember(ctx, bee, b, kizuna.RoleOwner)
			memberships := func(u *kizuna.User) []string {
				t.Helper()
				ms, err := db.Memberships(ctx, u)
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, m := range ms {
					out = append(out, m.Account.Name+":"+m.Role)
				}
				return out
			}
			hashesBefore := db.Passwords.Stats().Started

			// Another tenant's user and a new address: the same answer.
			forBee, err := db.InviteMember(ctx, a, "bee@example.com", kizuna.RoleOwner)
			if err != nil {
				t.Fatal(err)
			}
			forNew, err := db.InviteMember(ctx, a, "New@Example.com", kizuna.RoleMember)
			if err != nil {
				t.Fatal(err)
			}
			shape := func(v *kizuna.Invited) string {
				b, _ := json.Marshal(v)
				var m map[string]any
				json.Unmarshal(b, &m)
				inv, _ := m["invitation"].(map[string]any)
				var ks []string
				for k := range m {
					ks = append(ks, k)
				}
				for k := range inv {
					ks = append(ks, "invitation."+k)
				}
				slices.Sort(ks)
				return strings.Join(ks, ",")
			}
			if shape(forBee) != shape(forNew) || len(forBee.Token) != len(forNew.Token) {
				t.Fatalf("the answers differ: %s / %s", shape(forBee), shape(forNew))
			}
			if n := db.Passwords.Stats().Started - hashesBefore; n != 0 {
				t.Errorf("inviting hashed %d passwords (a new user's first password?)", n)
			}
			if forNew.Invitation.Email != "new@example.com" || !forNew.Invitation.ExpiresAt.Equal(clock.Add(7*24*time.Hour)) {
				t.Fatalf("invitation %+v", forNew.Invitation)
			}
			// Nothing granted yet; no user made for the new address.
			if got := memberships(bee); !slices.Equal(got, []string{"shop-b:owner"}) {
				t.Fatalf("bee's accounts before accepting: %v", got)
			}
			if ms, _ := db.Members(ctx, a); len(ms) != 1 {
				t.Fatalf("shop-a's members before anyone accepted: %+v", ms)
			}
			if _, err := db.Authenticate(ctx, "new@example.com", "anything at all"); kizuna.ErrorCode(err) != kizuna.EUNAUTHORIZED {
				t.Fatalf("the invitation made a user: %v", err)
			}
			pending, _ := db.Invitations(ctx, a)
			if len(pending) != 2 || pending[0].Email != "bee@example.com" || pending[1].Email != "new@example.com" {
				t.Fatalf("pending: %+v", pending)
			}
			if other, _ := db.Invitations(ctx, b); len(other) != 0 {
				t.Fatalf("shop-b sees shop-a's invitations: %+v", other)
			}
			// The link tells its holder the offer.
			offer, err := db.Invitation(ctx, forBee.Token)
			if err != nil || offer.AccountName != "shop-a" || offer.Email != "bee@example.com" || offer.Role != kizuna.RoleOwner {
				t.Fatalf("offer %+v %v", offer, err)
			}
			for _, bad := range []string{"", "kzi_", "kzi_nope", forBee.Token + "x", strings.TrimPrefix(forBee.Token, "kzi_")} {
				if _, err := db.Invitation(ctx, bad); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
					t.Errorf("token %q: %v", bad, err)
				}
			}
			// Only the invited address's user accepts.
			if err := db.AcceptInvitation(ctx, forBee.Token, owner); kizuna.ErrorCode(err) != kizuna.EUNAUTHORIZED {
				t.Fatalf("another user accepted: %v", err)
			}
			if err := db.AcceptInvitation(ctx, forBee.Token, bee); err != nil {
				t.Fatal(err)
			}
			if got := memberships(bee); !slices.Equal(got, []string{"shop-a:owner", "shop-b:owner"}) {
				t.Fatalf("bee's accounts after accepting: %v", got)
			}
			if err := db.AcceptInvitation(ctx, forBee.Token, bee); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
				t.Fatalf("a used invitation accepted again: %v", err)
			}
			// An existing user accepts without a session only with their
			// password; a new address chooses one (10 characters or more).
			forBee2, _ := db.InviteMember(ctx, b, "owner@example.com", kizuna.RoleMember)
			if _, err := db.AcceptInvitationWithPassword(ctx, forBee2.Token, "not the password"); kizuna.ErrorCode(err) != kizuna.EUNAUTHORIZED {
				t.Fatalf("accepting with a wrong password: %v", err)
			}
			if u, err := db.AcceptInvitationWithPassword(ctx, forBee2.Token, "correct horse battery"); err != nil || u.ID != owner.ID {
				t.Fatalf("accepting with the password: %+v %v", u, err)
			}
			if _, err := db.AcceptInvitationWithPassword(ctx, forNew.Token, "short"); kizuna.ErrorCode(err) != kizuna.EINVALID {
				t.Fatalf("a short password: %v", err)
			}
			// Re-inviting replaces the link; the old one stops working.
			forNew2, err := db.InviteMember(ctx, a, "new@example.com", kizuna.RoleOwner)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.AcceptInvitationWithPassword(ctx, forNew.Token, "a long new password"); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
				t.Fatalf("a replaced link: %v", err)
			}
			// Withdrawn: gone; another account cannot withdraw it.
			if err := db.RevokeInvitation(ctx, b, forNew2.Invitation.ID); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
				t.Fatalf("shop-b withdrew shop-a's invitation: %v", err)
			}
			if err := db.RevokeInvitation(ctx, a, forNew2.Invitation.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Invitation(ctx, forNew2.Token); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
				t.Fatalf("a withdrawn link: %v", err)
			}
			// Expired after 7 days.
			forNew3, _ := db.InviteMember(ctx, a, "new@example.com", kizuna.RoleMember)
			clock = clock.Add(7*24*time.Hour + time.Second)
			if _, err := db.AcceptInvitationWithPassword(ctx, forNew3.Token, "a long new password"); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
				t.Fatalf("an expired link: %v", err)
			}
			if p, _ := db.Invitations(ctx, a); len(p) != 0 {
				t.Fatalf("expired invitations listed: %+v", p)
			}
			forNew4, _ := db.InviteMember(ctx, a, "new@example.com", kizuna.RoleMember)
			hashes := db.Passwords.Stats().Started
			u, err := db.AcceptInvitationWithPassword(ctx, forNew4.Token, "a long new password")
			if err != nil {
				t.Fatal(err)
			}
			// A new address's password is hashed once, for the new user: not
			// first checked against the dummy hash (64 MiB and a slot more).
			if n := db.Passwords.Stats().Started - hashes; n != 1 {
				t.Errorf("accepting as a new user took %d password hashes, want 1", n)
			}
			if got := memberships(u); !slices.Equal(got, []string{"shop-a:member"}) {
				t.Fatalf("the new user's accounts: %v", got)
			}
		})
	}
}
