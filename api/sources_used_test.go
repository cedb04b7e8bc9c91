package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

// TestPreviewSaysSourcesUsed: the API's preview carries the statuses of
// the sources its filter uses and names those not connected or failing;
// a filter of no source gets the answer it always had.
func TestPreviewSaysSourcesUsed(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := testdb.Open(t, backend)
			e := newEnv(t, db, nil, "shop-a", "shop-b")
			a, _ := db.FindAccount(ctx, "shop-a")
			e.importFriends(t, fmt.Sprintf(`{"line_user_id": %q, "added_at": "2026-11-01T10:00:00+09:00", "tags": ["VIP"], "hubspot": {"contact_id": "7"}}`, uid(1)))
			if err := db.Connect(ctx, a, "ann", kizuna.Connection{Source: "hubspot", APIBase: "https://api.hubapi.com", Config: map[string]string{}},
				kizuna.ConnectionSecrets{"access_token": "pat-secret-never-shown", "client_secret": "cs-secret"}); err != nil {
				t.Fatal(err)
			}
			s, _ := db.StartSourceSync(ctx, a, "hubspot", kizuna.SyncBackfill, "test")
			db.FinishSourceSync(ctx, a, s.ID)
			preview := func(filter string) (out struct {
				Count int64 `json:"count"`
				kizuna.SourcesUsed
			}, body string) {
				r := e.do("POST", "/api/v1/accounts/shop-a/preview", e.tokenA, "application/json", strings.NewReader(`{"filter": `+filter+`}`))
				r.must(t, http.StatusOK, &out)
				return out, string(r.body)
			}
			hub := `{"groups":[{"conditions":[{"field":"hubspot.linked","op":"is","value":true}]}]}`
			p, body := preview(hub)
			if p.Count != 1 || len(p.Sources) != 1 || p.Sources[0].Source != "hubspot" || !p.Sources[0].Connected || p.Sources[0].LastSuccessAt == nil || p.Problems() {
				t.Fatalf("connected: %s", body)
			}
			if err := db.Disconnect(ctx, a, "hubspot"); err != nil {
				t.Fatal(err)
			}
			p, body = preview(hub)
			if len(p.Disconnected) != 1 || p.Disconnected[0] != "hubspot" || p.Sources[0].Connected || p.Count != 1 {
				t.Fatalf("disconnected: %s", body)
			}
			if strings.Contains(body, "secret") {
				t.Fatalf("an answer holds a secret: %s", body)
			}
			_, body = preview(`{"groups":[{"conditions":[{"field":"tag","op":"has","value":"VIP"}]}]}`)
			if strings.Contains(body, "sources") {
				t.Fatalf("a filter of no source: %s", body)
			}
		})
	}
}

// TestEstimateSaysSourcesUsed: a broadcast's estimate carries, beside the
// reach, the sources its segment uses that are not connected.
func TestEstimateSaysSourcesUsed(t *testing.T) {
	e, _, _, _ := lineEnv(t, "sqlite")
	var seg kizuna.Segment
	e.do("POST", "/api/v1/accounts/shop-a/segments", e.tokenA, jsonType, strings.NewReader(`{"name": "Newsletter", "filter": {"groups":[{"conditions":[{"field":"klaviyo.list","op":"member_of","value":["Y6nRLr"]}]}]}}`)).must(t, http.StatusCreated, &seg)
	var got struct {
		kizuna.Waterfall
		kizuna.SourcesUsed
	}
	e.do("POST", "/api/v1/accounts/shop-a/broadcasts/estimate", e.tokenA, jsonType, strings.NewReader(fmt.Sprintf(`{"segment_id": %d}`, seg.ID))).must(t, http.StatusOK, &got)
	if got.Matched != 0 || len(got.Disconnected) != 1 || got.Disconnected[0] != "klaviyo" || len(got.Sources) != 1 || got.Sources[0].Connected {
		t.Fatalf("estimate %+v", got)
	}
}
