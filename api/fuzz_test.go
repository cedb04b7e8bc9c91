package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/api"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

// fuzzRoutes are the API's requests that take a JSON body, with a valid
// body each as a seed. {seg}, {folder} and {member} are filled with IDs that
// exist in the fuzzed account.
var fuzzRoutes = []struct{ method, path, seed string }{
	{"POST", "/preview", `{"filter": ` + vipFilter + `, "now": "2026-11-28T00:00:00Z", "lang": "ja"}`},
	{"PUT", "/catalog", `{"hubspot": {"segments": [{"id": "101", "name": "Leads"}], "properties": [{"name": "plan", "label": "Plan", "type": "string"}]}}`},
	{"POST", "/segments", `{"name": "VIPs", "folder_id": null, "filter": ` + vipFilter + `}`},
	{"PATCH", "/segments/{seg}", `{"name": "Top", "folder_id": {folder}, "filter": ` + segmentFilter + `, "version": 1}`},
	{"POST", "/segments/{seg}/duplicate", `{"name": "Copy"}`},
	{"POST", "/segments/{seg}/tag", `{"tag": "VIP"}`},
	{"POST", "/tags", `{"name": "New tag"}`},
	{"PATCH", "/tags/VIP", `{"name": "ＶＩＰ"}`},
	{"POST", "/folders", `{"name": "Campaigns"}`},
	{"PATCH", "/folders/{folder}", `{"name": "Later"}`},
	{"POST", "/members", `{"email": "new@example.com", "role": "member"}`},
	{"PATCH", "/members/{member}", `{"role": "owner"}`},
	{"POST", "/friends/tags", `{"line_user_ids": ["` + uid(1) + `"], "add": ["Seminar"], "remove": ["VIP"]}`},
	{"POST", "/why", `{"line_user_id": "` + uid(1) + `", "segment_id": {seg}, "now": "2026-11-28T00:00:00Z", "lang": "en"}`},
	{"POST", "/why", `{"line_user_id": "` + uid(2) + `", "filter": ` + vipFilter + `}`},
}

// FuzzJSONBodies sends fuzzed bodies to every API request that takes JSON,
// through the real handler over a SQLite store: no body may cause a 500, and
// every refusal has the error shape with a code and a message.
//
//	go test -run '^$' -fuzz FuzzJSONBodies -fuzztime 60s ./api
func FuzzJSONBodies(f *testing.F) {
	ctx := context.Background()
	store := testdb.Open(f, "sqlite")
	a, err := store.CreateAccount(ctx, "fuzz", "Asia/Tokyo")
	if err != nil {
		f.Fatal(err)
	}
	token, err := store.CreateToken(ctx, a)
	if err != nil {
		f.Fatal(err)
	}
	if _, err := store.ImportFriends(ctx, a, strings.NewReader(friends), kizuna.ImportOptions{}); err != nil {
		f.Fatal(err)
	}
	seg, err := store.CreateSegment(ctx, a, "seed", "Seed", 0, json.RawMessage(vipFilter))
	if err != nil {
		f.Fatal(err)
	}
	folder, err := store.CreateFolder(ctx, a, "Seed folder")
	if err != nil {
		f.Fatal(err)
	}
	user, err := store.CreateUser(ctx, "member@example.com", "correct horse battery", "en")
	if err != nil {
		f.Fatal(err)
	}
	if err := store.AddMember(ctx, user, a, kizuna.RoleMember); err != nil {
		f.Fatal(err)
	}
	fill := strings.NewReplacer("{seg}", fmt.Sprint(seg.ID), "{folder}", fmt.Sprint(folder.ID), "{member}", fmt.Sprint(user.ID))
	handler := api.New(store, slog.New(slog.NewTextHandler(io.Discard, nil))).Handler()

	for i, r := range fuzzRoutes {
		f.Add(uint8(i), fill.Replace(r.seed))
		f.Add(uint8(i), `{}`)
		f.Add(uint8(i), `{"name": null, "filter": {"groups": [{"conditions": [{"field": "tag", "op": "has", "value": "\u0000"}]}]}}`)
	}
	f.Add(uint8(0), `{"filter": `+vipFilter+`, "now": "10000-01-01T00:00:00Z"}`)
	f.Add(uint8(2), `{"name": "x", "filter": {"groups": [{"conditions": [{"field": "hubspot.property", "property": "p", "type": "number", "op": "between", "value": [1e308, -1e308]}]}]}}`)
	f.Add(uint8(12), `{"line_user_ids": ["`+uid(1)+`"], "add": ["", "  "]}`)

	f.Fuzz(func(t *testing.T, route uint8, body string) {
		rt := fuzzRoutes[int(route)%len(fuzzRoutes)]
		path := "/api/v1/accounts/fuzz" + fill.Replace(rt.path)
		req := httptest.NewRequest(rt.method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		res := rec.Result()
		data, _ := io.ReadAll(res.Body)
		if res.StatusCode >= 500 {
			t.Fatalf("%s %s %q: %d %s", rt.method, rt.path, body, res.StatusCode, data)
		}
		if !json.Valid(data) {
			t.Fatalf("%s %s %q: %d, not JSON: %q", rt.method, rt.path, body, res.StatusCode, data)
		}
		if res.StatusCode >= 400 {
			var eb errorBody
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&eb); err != nil || eb.Error.Code == "" || eb.Error.Message == "" {
				t.Fatalf("%s %s %q: %d without the error shape: %s (%v)", rt.method, rt.path, body, res.StatusCode, data, err)
			}
		}
	})
}
