package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kizuna-line/kizuna/internal/testdb"
)

// TestAPISecurityHeaders: every answer of the API, success or refusal, is
// JSON that a browser must not sniff into something else.
func TestAPISecurityHeaders(t *testing.T) {
	e := newEnv(t, testdb.Open(t, "sqlite"), nil, "shop-a", "shop-b")
	for _, c := range []struct {
		method, path, token string
		body                string
		status              int
	}{
		{"GET", "/api/v1/healthz", "", "", http.StatusOK},
		{"GET", "/api/v1/accounts/shop-a/tags", e.tokenA, "", http.StatusOK},
		{"GET", "/api/v1/accounts/shop-a/tags", "", "", http.StatusUnauthorized},
		{"GET", "/api/v1/accounts/shop-b/tags", e.tokenA, "", http.StatusNotFound},
		{"POST", "/api/v1/accounts/shop-a/members", e.tokenA, `{"email": 1}`, http.StatusBadRequest},
		{"GET", "/api/v1/nothing", e.tokenA, "", http.StatusNotFound},
	} {
		var body *strings.Reader
		if c.body != "" {
			body = strings.NewReader(c.body)
		}
		var r *response
		if body != nil {
			r = e.do(c.method, c.path, c.token, "application/json", body)
		} else {
			r = e.do(c.method, c.path, c.token, "", nil)
		}
		if r.status != c.status {
			t.Errorf("%s %s: %d, want %d: %s", c.method, c.path, r.status, c.status, r.body)
		}
		if got := r.header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s %s: X-Content-Type-Options %q", c.method, c.path, got)
		}
		if got := r.header.Get("Content-Type"); got != "application/json; charset=utf-8" {
			t.Errorf("%s %s: Content-Type %q", c.method, c.path, got)
		}
	}
}
