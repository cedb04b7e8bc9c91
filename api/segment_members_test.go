package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/kizuna-line/kizuna/internal/testdb"
)

// TestSegmentMembers: GET .../segments/{id}/members pages through every
// member now (following friends that match, most recently added first)
// with the total; another account's segment is not found; a bad limit is
// refused naming limit. On both backends.
func TestSegmentMembers(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			e := storeEnv(t, backend, nil)
			var lines []string
			for i := range 7 {
				status, tags := "following", `["VIP"]`
				switch i {
				case 5:
					status = "blocked"
				case 6:
					tags = `[]`
				}
				lines = append(lines, fmt.Sprintf(`{"line_user_id": "U%032d", "display_name": "F%d", "added_at": "2026-11-%02dT10:00:00+09:00", "status": %q, "tags": %s}`, i, i, 10+i, status, tags))
			}
			e.importFriends(t, strings.Join(lines, "\n"))
			var seg struct{ ID int64 }
			e.do("POST", "/api/v1/accounts/shop-a/segments", e.tokenA, jsonType, strings.NewReader(`{"name": "VIP", "filter": {"groups":[{"conditions":[{"field":"tag","op":"has","value":"VIP"}]}]}}`)).must(t, http.StatusCreated, &seg)
			path := fmt.Sprintf("/api/v1/accounts/shop-a/segments/%d/members", seg.ID)
			var got []string
			next := path + "?limit=2"
			for pages := 0; next != ""; pages++ {
				if pages > 3 {
					t.Fatal("the pages do not end")
				}
				var page struct {
					Count   int64
					Friends []struct {
						LineUserID string `json:"line_user_id"`
					}
					Next string
				}
				e.do("GET", next, e.tokenA, "", nil).must(t, http.StatusOK, &page)
				if page.Count != 5 || len(page.Friends) > 2 {
					t.Fatalf("a page: count %d, %d friends", page.Count, len(page.Friends))
				}
				for _, f := range page.Friends {
					got = append(got, f.LineUserID[len(f.LineUserID)-1:])
				}
				next = ""
				if page.Next != "" {
					next = path + "?limit=2&after=" + page.Next
				}
			}
			if strings.Join(got, "") != "43210" {
				t.Fatalf("members in order: %v, want 4 3 2 1 0 (newest first; no blocked or untagged friend)", got)
			}
			e.do("GET", strings.Replace(path, "shop-a", "shop-b", 1), e.tokenB, "", nil).mustError(t, http.StatusNotFound, "not_found", "")
			e.do("GET", path+"?limit=0", e.tokenA, "", nil).mustError(t, http.StatusBadRequest, "invalid", "limit")
		})
	}
}
