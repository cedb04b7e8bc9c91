package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

// TestPatchSegmentVersion checks editing together through the API on both
// backends: a PATCH that names the version it was made from (in the body or
// If-Match) is refused with 409 once the segment changed since, naming who
// changed it, and changes nothing; without a version it is not checked.
func TestPatchSegmentVersion(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			e := storeEnv(t, backend, nil)
			e.importFriends(t, friends)
			var seg kizuna.Segment
			e.do("POST", "/api/v1/accounts/shop-a/segments", e.tokenA, jsonType, strings.NewReader(`{"name": "VIPs", "filter": `+vipFilter+`}`)).must(t, http.StatusCreated, &seg)
			if seg.Version != 1 {
				t.Fatalf("version of a new segment: %d", seg.Version)
			}
			path := fmt.Sprintf("/api/v1/accounts/shop-a/segments/%d", seg.ID)
			patch := func(body, ifMatch string) *response {
				req, _ := http.NewRequest("PATCH", e.url+path, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+e.tokenA)
				req.Header.Set("Content-Type", jsonType)
				if ifMatch != "" {
					req.Header.Set("If-Match", ifMatch)
				}
				return e.send(req)
			}
			var got kizuna.Segment
			patch(`{"name": "Top", "version": 1}`, "").must(t, http.StatusOK, &got)
			if got.Version != 2 || got.Name != "Top" {
				t.Fatalf("PATCH from the current version: %+v", got)
			}
			for _, tc := range []struct{ body, ifMatch string }{
				{`{"name": "Old", "version": 1}`, ""},
				{`{"name": "Old"}`, `"1"`},
				{`{"name": "Old"}`, `W/"1"`},
			} {
				eb := patch(tc.body, tc.ifMatch).mustError(t, http.StatusConflict, kizuna.ECONFLICT, kizuna.StalePath)
				if !strings.Contains(eb.Error.Message, "api") {
					t.Errorf("the conflict does not say who changed the segment: %s", eb.Error.Message)
				}
			}
			e.do("GET", path, e.tokenA, "", nil).must(t, http.StatusOK, &got)
			if got.Name != "Top" || got.Version != 2 {
				t.Fatalf("a refused PATCH changed the segment: %+v", got)
			}
			patch(`{"name": "x", "version": 0}`, "").mustError(t, http.StatusBadRequest, kizuna.EINVALID, "version")
			patch(`{"name": "x", "version": "2"}`, "").mustError(t, http.StatusBadRequest, kizuna.EINVALID, "version")
			patch(`{"name": "x", "version": 2}`, `"3"`).mustError(t, http.StatusBadRequest, kizuna.EINVALID, "version")
			patch(`{"name": "x"}`, `*`).mustError(t, http.StatusBadRequest, kizuna.EINVALID, "If-Match")
			patch(`{"name": "Top 2", "version": 2}`, `"2"`).must(t, http.StatusOK, &got)
			patch(`{"name": "No check"}`, "").must(t, http.StatusOK, &got)
			if got.Name != "No check" || got.Version != 4 {
				t.Fatalf("PATCH without a version: %+v", got)
			}
		})
	}
}
