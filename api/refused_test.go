package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

// TestRefusedAtTheBoundary sends what used to break an account or answer
// 500 on one backend: times past the year 9999, U+0000 in names and
// searches, and duplicate keys. Each is refused with 400, its code and the
// path, the same on both backends, and the account still answers.
func TestRefusedAtTheBoundary(t *testing.T) {
	t.Parallel()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			e := storeEnv(t, backend, nil)
			e.importFriends(t, friends)
			filter := `{"groups":[{"conditions":[{"field":"tag","op":"has","value":"VIP"}]}]}`
			for _, tc := range []struct {
				method, path, contentType, body string
				code, errPath                   string
			}{
				// A preview's now outside the years 0001-9999 in UTC.
				{"POST", "/preview", jsonType, `{"filter":` + filter + `,"now":"9999-12-31T23:59:59-14:00"}`, kizuna.EINVALID, "now"},
				{"POST", "/preview", jsonType, `{"filter":` + filter + `,"now":"0000-06-01T00:00:00Z"}`, kizuna.EINVALID, "now"},
				{"POST", "/why", jsonType, `{"line_user_id":"` + uid(1) + `","filter":` + filter + `,"now":"9999-12-31T23:59:59-14:00"}`, kizuna.EINVALID, "now"},
				// Duplicate keys, at any depth, in every JSON body.
				{"POST", "/preview", jsonType, `{"filter":` + filter + `,"filter":{"groups":[]}}`, kizuna.EINVALID, "filter"},
				{"POST", "/preview", jsonType, `{"filter":{"groups":[{"conditions":[{"field":"tag","op":"has","op":"not_has","value":"VIP"}]}]}}`, kizuna.EINVALID, "filter.groups[0].conditions[0].op"},
				{"POST", "/tags", jsonType, `{"name":"a","name":"b"}`, kizuna.EINVALID, "name"},
				{"PUT", "/catalog", jsonType, `{"hubspot":{"segments":[],"properties":[],"segments":[]}}`, kizuna.EINVALID, "hubspot.segments"},
				// U+0000 in a name or a search.
				{"POST", "/tags", jsonType, `{"name":"a\u0000b"}`, kizuna.EINVALID, "name"},
				{"PATCH", "/tags/VIP", jsonType, `{"name":"a\u0000b"}`, kizuna.EINVALID, "name"},
				{"PATCH", "/tags/a%00b", jsonType, `{"name":"b"}`, kizuna.EINVALID, "from"},
				{"DELETE", "/tags/a%00b", "", "", kizuna.EINVALID, "name"},
				{"POST", "/friends/tags", jsonType, `{"line_user_ids":["` + uid(1) + `"],"add":["a\u0000b"]}`, kizuna.EINVALID, "add[0]"},
				{"POST", "/segments", jsonType, `{"name":"a\u0000b","filter":` + filter + `}`, kizuna.EINVALID, "name"},
				{"POST", "/folders", jsonType, `{"name":"a\u0000b"}`, kizuna.EINVALID, "name"},
				{"GET", "/friends?q=a%00b", "", "", kizuna.EINVALID, "q"},
				{"GET", "/friends?tag=a%00b", "", "", kizuna.EINVALID, "tag"},
				{"GET", "/friends?q=" + strings.Repeat("x", kizuna.MaxSearch+1), "", "", kizuna.EINVALID, "q"},
				{"GET", "/friends/U%00", "", "", kizuna.ENOTFOUND, ""},
				{"POST", "/preview", jsonType, `{"filter":{"groups":[{"conditions":[{"field":"klaviyo.property","property":"plan","type":"string","op":"eq","value":"a\u0000"}]}]}}`, kizuna.EINVALIDFILTER, "groups[0].conditions[0].value"},
				{"PUT", "/catalog", jsonType, `{"hubspot":{"segments":[{"id":"1","name":"a\u0000"}],"properties":[]}}`, kizuna.EINVALID, "hubspot.segments[0].name"},
				// A tag longer than 100 characters.
				{"POST", "/tags", jsonType, `{"name":"` + strings.Repeat("タ", kizuna.MaxTagName+1) + `"}`, kizuna.EINVALID, "name"},
			} {
				var body *strings.Reader
				if tc.body != "" {
					body = strings.NewReader(tc.body)
				}
				var r *response
				if body == nil {
					r = e.do(tc.method, "/api/v1/accounts/shop-a"+tc.path, e.tokenA, tc.contentType, nil)
				} else {
					r = e.do(tc.method, "/api/v1/accounts/shop-a"+tc.path, e.tokenA, tc.contentType, body)
				}
				status := http.StatusBadRequest
				if tc.code == kizuna.ENOTFOUND {
					status = http.StatusNotFound
				}
				t.Run(tc.method+" "+tc.path, func(t *testing.T) { r.mustError(t, status, tc.code, tc.errPath) })
			}
			// Import lines: the line and the path of what is wrong, nothing imported.
			bad := `{"line_user_id":"` + uid(9) + `","added_at":"9999-12-31T23:59:59-14:00"}` + "\n" +
				`{"line_user_id":"` + uid(10) + `","added_at":"2026-01-01T00:00:00Z","tags":["a"],"tags":["b"]}` + "\n" +
				`{"line_user_id":"` + uid(11) + `","added_at":"2026-01-01T00:00:00Z","display_name":"` + strings.Repeat("名", kizuna.MaxDisplayName+1) + `"}` + "\n"
			eb := e.do("POST", "/api/v1/accounts/shop-a/friends/import", e.tokenA, ndjson, strings.NewReader(bad)).
				mustError(t, http.StatusBadRequest, kizuna.EINVALIDIMPORT, "")
			if len(eb.Error.Lines) != 3 {
				t.Fatalf("import errors %+v", eb.Error.Lines)
			}
			for i, want := range []string{"added_at", "tags", "display_name"} {
				if l := eb.Error.Lines[i]; l.Line != int64(i+1) || l.Path != want {
					t.Errorf("line %d: %+v, want path %s", i+1, l, want)
				}
			}
			// The account still answers: its list, a preview and a friend.
			e.do("GET", "/api/v1/accounts/shop-a/friends", e.tokenA, "", nil).must(t, http.StatusOK, nil)
			e.do("GET", "/api/v1/accounts/shop-a/friends/"+uid(1), e.tokenA, "", nil).must(t, http.StatusOK, nil)
			if p := e.preview(t, `{"filter":`+filter+`}`); p.Count != 3 {
				t.Errorf("preview count %d after the refusals", p.Count)
			}
		})
	}
}
