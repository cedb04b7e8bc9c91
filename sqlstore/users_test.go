package sqlstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

// TestUsersAndSessions covers sign-in's storage on both backends.
func TestUsersAndSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			db := testdb.Open(t, backend)
			clock := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
			db.Now = func() time.Time { return clock }
			wantErr := func(err error, code, path string) {
				t.Helper()
				var e *kizuna.Error
				if kizuna.ErrorCode(err) != code || (path != "" && (!errors.As(err, &e) || e.Path != path)) {
					t.Fatalf("got %v, want %s at %q", err, code, path)
				}
			}
			u, err := db.CreateUser(ctx, " Owner@Example.COM ", "correct horse battery", "ja")
			if err != nil || u.Email != "owner@example.com" || u.Lang != "ja" {
				t.Fatalf("CreateUser: %+v %v", u, err)
			}
			_, err = db.CreateUser(ctx, "owner@example.com", "another long password", "")
			wantErr(err, kizuna.ECONFLICT, "email")
			_, err = db.CreateUser(ctx, "not an address", "correct horse battery", "")
			wantErr(err, kizuna.EINVALID, "email")
			_, err = db.CreateUser(ctx, "b@example.com", "short", "")
			wantErr(err, kizuna.EINVALID, "password")

			if got, err := db.Authenticate(ctx, "OWNER@example.com", "correct horse battery"); err != nil || got.ID != u.ID {
				t.Fatalf("sign in: %+v %v", got, err)
			}
			_, wrongPassword := db.Authenticate(ctx, "owner@example.com", "correct horse batter")
			_, unknown := db.Authenticate(ctx, "nobody@example.com", "correct horse battery")
			wantErr(wrongPassword, kizuna.EUNAUTHORIZED, "")
			if wrongPassword.Error() != unknown.Error() {
				t.Fatalf("the answers tell a wrong password (%v) from an unknown address (%v)", wrongPassword, unknown)
			}

			a, _ := db.CreateAccount(ctx, "shop", "")
			b, _ := db.CreateAccount(ctx, "another", "")
			if err := db.AddMember(ctx, u, a, kizuna.RoleOwner); err != nil {
				t.Fatal(err)
			}
			if err := db.AddMember(ctx, u, b, kizuna.RoleMember); err != nil {
				t.Fatal(err)
			}
			wantErr(db.AddMember(ctx, u, b, "admin"), kizuna.EINVALID, "role")
			ms, err := db.Memberships(ctx, u)
			if err != nil || len(ms) != 2 || ms[0].Account.Name != "another" || ms[0].Role != kizuna.RoleMember || ms[1].Role != kizuna.RoleOwner {
				t.Fatalf("memberships %+v %v", ms, err)
			}

			token, csrf, err := db.CreateSession(ctx, u)
			if err != nil || token == "" || csrf == "" {
				t.Fatal(err)
			}
			if got, gotCSRF, err := db.Session(ctx, token); err != nil || got.ID != u.ID || gotCSRF != csrf {
				t.Fatalf("session: %+v %q %v", got, gotCSRF, err)
			}
			_, _, err = db.Session(ctx, token+"x")
			wantErr(err, kizuna.EUNAUTHORIZED, "")
			other, _, _ := db.CreateSession(ctx, u)
			if err := db.DeleteSession(ctx, token); err != nil {
				t.Fatal(err)
			}
			_, _, err = db.Session(ctx, token)
			wantErr(err, kizuna.EUNAUTHORIZED, "")
			clock = clock.Add(15 * 24 * time.Hour)
			_, _, err = db.Session(ctx, other)
			wantErr(err, kizuna.EUNAUTHORIZED, "")
		})
	}
}

// TestSetUserLang saves a user's language on both backends: a sign-in and a
// session see it, a bad value is refused and changes nothing, and "" goes
// back to following the browser.
func TestSetUserLang(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			db := testdb.Open(t, backend)
			u, err := db.CreateUser(ctx, "owner@example.com", "correct horse battery", "")
			if err != nil {
				t.Fatal(err)
			}
			other, err := db.CreateUser(ctx, "other@example.com", "correct horse battery", "en")
			if err != nil {
				t.Fatal(err)
			}
			token, _, err := db.CreateSession(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			stored := func(who *kizuna.User) string {
				t.Helper()
				got, err := db.Authenticate(ctx, who.Email, "correct horse battery")
				if err != nil {
					t.Fatal(err)
				}
				return got.Lang
			}
			if err := db.SetUserLang(ctx, u, "ja"); err != nil || u.Lang != "ja" {
				t.Fatalf("SetUserLang ja: %v, u.Lang %q", err, u.Lang)
			}
			if got := stored(u); got != "ja" {
				t.Fatalf("after SetUserLang ja, sign-in sees %q", got)
			}
			if s, _, err := db.Session(ctx, token); err != nil || s.Lang != "ja" {
				t.Fatalf("after SetUserLang ja, the session sees %+v %v", s, err)
			}
			if got := stored(other); got != "en" {
				t.Fatalf("another user's language changed to %q", got)
			}

			err = db.SetUserLang(ctx, u, "fr")
			var e *kizuna.Error
			if kizuna.ErrorCode(err) != kizuna.EINVALID || !errors.As(err, &e) || e.Path != "lang" {
				t.Fatalf("SetUserLang fr: %v, want invalid at lang", err)
			}
			if u.Lang != "ja" || stored(u) != "ja" {
				t.Fatalf("a refused language changed something: u.Lang %q, stored %q", u.Lang, stored(u))
			}

			if err := db.SetUserLang(ctx, u, ""); err != nil || stored(u) != "" {
				t.Fatalf("SetUserLang \"\": %v, stored %q", err, stored(u))
			}
			if err := db.SetUserLang(ctx, &kizuna.User{ID: other.ID + 1000}, "en"); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
				t.Fatalf("SetUserLang of an unknown user: %v", err)
			}
		})
	}
}
