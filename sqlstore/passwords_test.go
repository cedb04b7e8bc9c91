package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/password"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

// TestPasswordsBounded: every password hash (sign-in, password change, new
// user) passes through the store's bound; when it is full, each is refused
// as EUNAVAILABLE after the short wait and changes nothing. An unknown
// address costs a hash like a known one.
func TestPasswordsBounded(t *testing.T) {
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
			if db.Passwords.Stats().Started != 1 {
				t.Fatalf("creating a user: %+v", db.Passwords.Stats())
			}
			// Unknown and known addresses each cost one hash.
			for _, email := range []string{"nobody@example.com", "owner@example.com"} {
				before := db.Passwords.Stats().Started
				if _, err := db.Authenticate(ctx, email, "wrong password!"); kizuna.ErrorCode(err) != kizuna.EUNAUTHORIZED {
					t.Fatalf("%s: %v", email, err)
				}
				if n := db.Passwords.Stats().Started - before; n != 1 {
					t.Errorf("signing in as %s hashed %d times, want 1", email, n)
				}
			}
			// A full bound: everything is refused quickly as busy.
			db.Passwords = password.NewBound(1, 10*time.Millisecond)
			release := occupy(t, db.Passwords)
			if _, err := db.Authenticate(ctx, "owner@example.com", "correct horse battery"); kizuna.ErrorCode(err) != kizuna.EUNAVAILABLE {
				t.Errorf("sign-in while busy: %v", err)
			}
			if _, err := db.CreateUser(ctx, "new@example.com", "correct horse battery", ""); kizuna.ErrorCode(err) != kizuna.EUNAVAILABLE {
				t.Errorf("new user while busy: %v", err)
			}
			if err := db.ChangePassword(ctx, u, "correct horse battery", "a brand new password", ""); kizuna.ErrorCode(err) != kizuna.EUNAVAILABLE {
				t.Errorf("password change while busy: %v", err)
			}
			release()
			if _, err := db.Authenticate(ctx, "new@example.com", "correct horse battery"); kizuna.ErrorCode(err) != kizuna.EUNAUTHORIZED {
				t.Errorf("the user refused as busy exists: %v", err)
			}
			if _, err := db.Authenticate(ctx, "owner@example.com", "correct horse battery"); err != nil {
				t.Errorf("the password refused as busy changed: %v", err)
			}
			if st := db.Passwords.Stats(); st.Refused != 3 || st.Peak != 1 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// occupy holds b's one slot until release is called.
func occupy(t *testing.T, b *password.Bound) (release func()) {
	t.Helper()
	done := make(chan struct{})
	started := make(chan struct{})
	go func() {
		b.Hold(func() { close(started); <-done })
	}()
	<-started
	return func() { close(done) }
}
