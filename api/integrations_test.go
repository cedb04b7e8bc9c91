package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

// TestConnectionsAndLinks: GET connections shows each source's
// connection (never its secrets), linked friends and freshness; POST
// links links a friend to a synced record, whose data it then has;
// another account's token sees and changes none of it; DELETE
// connections disconnects.
func TestConnectionsAndLinks(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := testdb.Open(t, backend)
			e := newEnv(t, db, nil, "shop-a", "shop-b")
			a, _ := db.FindAccount(ctx, "shop-a")
			const token = "shpat_never-shown-0123456789"
			if err := db.Connect(ctx, a, "ann", kizuna.Connection{Source: "shopify", APIBase: "https://shop-a.myshopify.com", Config: map[string]string{"api_version": "2026-07"}},
				kizuna.ConnectionSecrets{"access_token": token, "webhook_secret": "whsec-also-secret"}); err != nil {
				t.Fatal(err)
			}
			e.importFriends(t, fmt.Sprintf(`{"line_user_id": %q, "added_at": "2026-11-01T10:00:00+09:00"}`, uid(1)))
			if _, err := db.ApplySourceRecords(ctx, a, []kizuna.SourceRecord{{Source: "shopify", RecordID: "gid://shopify/Customer/9007199254740993",
				UpdatedAt: time.Now(), Shopify: &kizuna.ShopifyCustomer{OrdersCount: 4}}}); err != nil {
				t.Fatal(err)
			}
			base := "/api/v1/accounts/shop-a"
			r := e.do("POST", base+"/links", e.tokenA, "application/json", strings.NewReader(fmt.Sprintf(`{"source": "shopify", "record_id": "gid://shopify/Customer/9007199254740993", "line_user_id": %q}`, uid(1))))
			r.must(t, http.StatusOK, nil)
			f, _ := db.FindFriend(ctx, a, uid(1))
			if f.Shopify == nil || f.Shopify.OrdersCount != 4 {
				t.Fatalf("the linked friend: %+v", f.Shopify)
			}
			var got struct {
				Connections []struct {
					Source     string             `json:"source"`
					Connected  bool               `json:"connected"`
					Connection *kizuna.Connection `json:"connection"`
					Linked     int                `json:"linked_friends"`
				} `json:"connections"`
			}
			r = e.do("GET", base+"/connections", e.tokenA, "", nil)
			r.must(t, http.StatusOK, &got)
			if strings.Contains(string(r.body), token) || strings.Contains(string(r.body), "whsec") {
				t.Fatalf("an answer holds a secret: %s", r.body)
			}
			if len(got.Connections) != 3 || !got.Connections[0].Connected || got.Connections[0].Connection == nil || got.Connections[0].Linked != 1 ||
				got.Connections[0].Connection.Config["api_version"] != "2026-07" || got.Connections[1].Connected {
				t.Fatalf("connections: %s", r.body)
			}
			// Refusals at their path; another account's token reaches nothing.
			e.do("POST", base+"/links", e.tokenA, "application/json", strings.NewReader(`{"source": "square", "record_id": "1", "line_user_id": "`+uid(1)+`"}`)).mustError(t, http.StatusBadRequest, kizuna.EINVALID, "source")
			e.do("POST", base+"/links", e.tokenA, "application/json", strings.NewReader(`{"source": "shopify", "record_id": "1"}`)).mustError(t, http.StatusBadRequest, kizuna.EINVALID, "line_user_id")
			e.do("GET", base+"/connections", e.tokenB, "", nil).mustError(t, http.StatusNotFound, kizuna.ENOTFOUND, "")
			e.do("POST", "/api/v1/accounts/shop-b/links", e.tokenB, "application/json", strings.NewReader(fmt.Sprintf(`{"source": "shopify", "record_id": "x", "line_user_id": %q}`, uid(1)))).mustError(t, http.StatusNotFound, kizuna.ENOTFOUND, "line_user_id")
			// Unlink, then disconnect.
			e.do("DELETE", base+"/links/shopify/"+uid(1), e.tokenA, "", nil).must(t, http.StatusOK, nil)
			if f, _ := db.FindFriend(ctx, a, uid(1)); f.Shopify != nil {
				t.Fatal("unlink kept the data")
			}
			e.do("DELETE", base+"/connections/shopify", e.tokenA, "", nil).must(t, http.StatusOK, nil)
			e.do("DELETE", base+"/connections/shopify", e.tokenA, "", nil).mustError(t, http.StatusNotFound, kizuna.ENOTFOUND, "")
			var m map[string]bool
			e.do("GET", base+"/integrations", e.tokenA, "", nil).must(t, http.StatusOK, &m)
			if m["shopify"] {
				t.Fatalf("a disconnected source counts as connected: %v", m)
			}
			if strings.Contains(e.logs.String(), token) {
				t.Fatal("the log holds a secret")
			}
		})
	}
}
