package sqlstore_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

// TestMembers covers an account's members on both backends: inviting new
// and existing users, roles, removal, the last owner kept, and changing a
// password.
func TestMembers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			db := testdb.Open(t, backend)
			wantErr := func(err error, code, path string) {
				t.Helper()
				var e *kizuna.Error
				if kizuna.ErrorCode(err) != code || (path != "" && (!errors.As(err, &e) || e.Path != path)) {
					t.Fatalf("got %v, want %s at %q", err, code, path)
				}
			}
			emails := func(a *kizuna.Account) []string {
				t.Helper()
				ms, err := db.Members(ctx, a)
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, m := range ms {
					out = append(out, m.Email+":"+m.Role)
				}
				return out
			}
			a, _ := db.CreateAccount(ctx, "shop-a", "")
			b, _ := db.CreateAccount(ctx, "shop-b", "")
			owner, _ := db.CreateUser(ctx, "owner@example.com", "correct horse battery", "")
			db.AddMember(ctx, owner, a, kizuna.RoleOwner)
			other, _ := db.CreateUser(ctx, "bee@example.com", "correct horse battery", "")
			db.AddMember(ctx, other, b, kizuna.RoleOwner)

			// Members join by invitation (TestInvitations has the details).
			inv, err := db.InviteMember(ctx, a, " New@Example.com ", kizuna.RoleMember)
			if err != nil || inv.Invitation.Email != "new@example.com" {
				t.Fatalf("InviteMember (new user): %+v %v", inv, err)
			}
			newUser, err := db.AcceptInvitationWithPassword(ctx, inv.Token, "a long new password")
			if err != nil {
				t.Fatal(err)
			}
			if u, err := db.Authenticate(ctx, "new@example.com", "a long new password"); err != nil || u.ID != newUser.ID {
				t.Fatalf("the chosen password does not sign in: %v", err)
			}
			inv2, err := db.InviteMember(ctx, a, "bee@example.com", kizuna.RoleOwner)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.AcceptInvitation(ctx, inv2.Token, other); err != nil {
				t.Fatal(err)
			}
			if got := emails(a); !slices.Equal(got, []string{"bee@example.com:owner", "new@example.com:member", "owner@example.com:owner"}) {
				t.Fatalf("members of shop-a: %v", got)
			}
			_, err = db.InviteMember(ctx, a, "bee@example.com", kizuna.RoleMember)
			wantErr(err, kizuna.ECONFLICT, "email")
			_, err = db.InviteMember(ctx, a, "not an address", kizuna.RoleMember)
			wantErr(err, kizuna.EINVALID, "email")
			_, err = db.InviteMember(ctx, a, "x@example.com", "admin")
			wantErr(err, kizuna.EINVALID, "role")

			// Roles, and an owner always kept.
			wantErr(db.SetMemberRole(ctx, b, other.ID, kizuna.RoleMember), kizuna.ECONFLICT, "role")
			wantErr(db.RemoveMember(ctx, b, other.ID), kizuna.ECONFLICT, "role")
			wantErr(db.SetMemberRole(ctx, a, owner.ID, "admin"), kizuna.EINVALID, "role")
			wantErr(db.SetMemberRole(ctx, b, owner.ID, kizuna.RoleOwner), kizuna.ENOTFOUND, "")
			if err := db.SetMemberRole(ctx, a, owner.ID, kizuna.RoleMember); err != nil {
				t.Fatalf("demoting one of two owners: %v", err)
			}
			wantErr(db.SetMemberRole(ctx, a, other.ID, kizuna.RoleMember), kizuna.ECONFLICT, "role")
			if err := db.SetMemberRole(ctx, a, owner.ID, kizuna.RoleOwner); err != nil {
				t.Fatal(err)
			}
			if err := db.RemoveMember(ctx, a, other.ID); err != nil {
				t.Fatalf("removing an owner while another remains: %v", err)
			}
			wantErr(db.RemoveMember(ctx, a, other.ID), kizuna.ENOTFOUND, "")
			if got := emails(a); !slices.Equal(got, []string{"new@example.com:member", "owner@example.com:owner"}) {
				t.Fatalf("members of shop-a after the removal: %v", got)
			}
			if ms, _ := db.Memberships(ctx, other); len(ms) != 1 || ms[0].Account.Name != "shop-b" {
				t.Fatalf("the removed user's accounts: %+v", ms)
			}

			// Changing a password ends the other sessions, not this one.
			keep, _, _ := db.CreateSession(ctx, owner)
			elsewhere, _, _ := db.CreateSession(ctx, owner)
			wantErr(db.ChangePassword(ctx, owner, "wrong password!", "a new long password", keep), kizuna.EUNAUTHORIZED, "current")
			wantErr(db.ChangePassword(ctx, owner, "correct horse battery", "short", keep), kizuna.EINVALID, "password")
			if err := db.ChangePassword(ctx, owner, "correct horse battery", "a new long password", keep); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Authenticate(ctx, "owner@example.com", "correct horse battery"); kizuna.ErrorCode(err) != kizuna.EUNAUTHORIZED {
				t.Fatalf("the old password still signs in: %v", err)
			}
			if _, err := db.Authenticate(ctx, "owner@example.com", "a new long password"); err != nil {
				t.Fatalf("the new password: %v", err)
			}
			if _, _, err := db.Session(ctx, keep); err != nil {
				t.Fatalf("the session that changed the password ended: %v", err)
			}
			if _, _, err := db.Session(ctx, elsewhere); kizuna.ErrorCode(err) != kizuna.EUNAUTHORIZED {
				t.Fatalf("another session survived the change: %v", err)
			}
		})
	}
}
