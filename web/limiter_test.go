package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
)

// countingUsers answers every sign-in "wrong password" at once, and counts
// the passwords it was asked to check.
type countingUsers struct {
	Users
	checked atomic.Int64
}

func (u *countingUsers) Authenticate(ctx context.Context, email, password string) (*kizuna.User, error) {
	u.checked.Add(1)
	return nil, kizuna.Errorf(kizuna.EUNAUTHORIZED, "wrong")
}

func postSignin(h http.Handler, ip, email string) int {
	form := url.Values{"csrf": {"tok"}, "email": {email}, "password": {"wrong password!"}}
	req := httptest.NewRequest("POST", "/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: csrfCookie, Value: "tok"})
	req.RemoteAddr = ip + ":40000"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Code
}

// TestSignInLimitPerIP: one client trying a new address each time is
// limited after signinPerIP failures, before any more passwords are
// checked; another client is not.
func TestSignInLimitPerIP(t *testing.T) {
	users := &countingUsers{}
	h := New(nil, users, nil).Handler()
	for i := range signinPerIP {
		if code := postSignin(h, "10.7.0.1", "guess"+strings.Repeat("x", i)+"@example.com"); code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, code)
		}
	}
	if code := postSignin(h, "10.7.0.1", "someone-new@example.com"); code != http.StatusTooManyRequests {
		t.Errorf("after %d failures from one client: %d, want 429", signinPerIP, code)
	}
	if n := users.checked.Load(); n != signinPerIP {
		t.Errorf("%d passwords checked, want %d", n, signinPerIP)
	}
	if code := postSignin(h, "10.7.0.2", "someone-new@example.com"); code != http.StatusUnauthorized {
		t.Errorf("another client: %d, want 401", code)
	}
}

// TestLimiterReleases: an attempt given back no longer counts; reset
// forgets a key; nothing is counted when one budget is spent.
func TestLimiterReleases(t *testing.T) {
	l := newLimiter(limitWindow)
	a, b := budget{"a", 2}, budget{"b", 3}
	t0 := timeAt(0)
	if !l.reserve(t0, a, b) || !l.reserve(timeAt(1), a, b) {
		t.Fatal("the first two attempts are refused")
	}
	if l.reserve(timeAt(2), a, b) {
		t.Fatal("a third attempt passes a budget of 2")
	}
	if n := len(l.attempts["b"]); n != 2 {
		t.Fatalf("a refused attempt was counted on b: %d", n)
	}
	l.release(t0, "a", "b")
	if !l.reserve(timeAt(3), a, b) {
		t.Fatal("a released attempt still counts")
	}
	l.reset("a")
	if _, ok := l.attempts["a"]; ok {
		t.Fatal("reset kept the key")
	}
	if l.reserve(timeAt(4), budget{"b", 2}) {
		t.Fatal("b has 2 attempts and a budget of 2")
	}
}

func timeAt(s int) time.Time { return time.Date(2026, 12, 1, 0, 0, s, 0, time.UTC) }
