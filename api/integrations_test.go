package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/api"
	"github.com/kizuna-line/kizuna/internal/shopifyfake"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/sources"
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

// recordingSyncs records the syncs queued.
type recordingSyncs struct {
	mu     sync.Mutex
	queued []string
}

func (r *recordingSyncs) StartSourceSync(_ context.Context, a *kizuna.Account, source, kind string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.queued = append(r.queued, a.Name+"/"+source+"/"+kind)
	return nil
}

func (r *recordingSyncs) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.queued)
}

// TestConnectAndSyncByAPI: PUT connections checks the credentials with
// the source (a wrong token is 400 with nothing stored), stores the
// connection and queues its backfill, answering the connection without a
// secret; POST sync queues the kind asked (202) for a connected source
// only; GET connections carries each source's status and conflicts.
func TestConnectAndSyncByAPI(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := testdb.Open(t, backend)
			syncs := &recordingSyncs{}
			e := newEnv(t, db, func(s *api.Server) { s.Sources = &sources.Service{Store: db, Syncs: syncs} }, "shop-a", "shop-b")
			a, _ := db.FindAccount(ctx, "shop-a")
			const token, whsec = "shpat_api-secret-0123456789", "whsec_api-secret-9876543210"
			shop := shopifyfake.New(shopifyfake.Config{AccessToken: token, WebhookSecret: whsec})
			srv := httptest.NewServer(shop)
			t.Cleanup(func() { shop.Close(); srv.Close() })
			base := "/api/v1/accounts/shop-a"
			body := func(tok string) io.Reader {
				return strings.NewReader(fmt.Sprintf(`{"api_base": %q, "config": {"shop_domain": "kizuna-fake.myshopify.com"}, "secrets": {"access_token": %q, "webhook_secret": %q}}`, srv.URL, tok, whsec))
			}
			noSecret := func(r *response) {
				t.Helper()
				for _, s := range []string{token, whsec, "shpat_wrong"} {
					if strings.Contains(string(r.body), s) {
						t.Fatalf("an answer holds a secret: %s", r.body)
					}
				}
			}
			r := e.do("PUT", base+"/connections/shopify", e.tokenA, "application/json", body("shpat_wrong"))
			noSecret(r)
			if eb := r.mustError(t, http.StatusBadRequest, kizuna.EINVALID, "secrets"); !strings.Contains(eb.Error.Message, "Shopify refused the access token") {
				t.Errorf("a wrong token: %+v", eb)
			}
			if _, err := db.Connection(ctx, a, "shopify"); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
				t.Fatalf("a refused connection was stored: %v", err)
			}
			e.do("PUT", base+"/connections/shopify", e.tokenA, "application/json", strings.NewReader(`{"secrets": {"access_token": 1}}`)).mustError(t, http.StatusBadRequest, kizuna.EINVALID, "secrets")
			e.do("PUT", base+"/connections/shopify", e.tokenA, "application/json", strings.NewReader(`{"config": [], "secrets": {}}`)).mustError(t, http.StatusBadRequest, kizuna.EINVALID, "config")
			e.do("PUT", base+"/connections/shopify", e.tokenA, "application/json", strings.NewReader(`{"token": "x"}`)).mustError(t, http.StatusBadRequest, kizuna.EINVALID, "token")
			e.do("PUT", base+"/connections/square", e.tokenA, "application/json", strings.NewReader(`{}`)).mustError(t, http.StatusBadRequest, kizuna.EINVALID, "source")
			if q := syncs.list(); len(q) != 0 {
				t.Fatalf("refusals queued syncs: %v", q)
			}

			var got struct {
				Connection kizuna.Connection `json:"connection"`
				Queued     bool              `json:"sync_queued"`
			}
			r = e.do("PUT", base+"/connections/shopify", e.tokenA, "application/json", body(token))
			noSecret(r)
			r.must(t, http.StatusOK, &got)
			if got.Connection.Source != "shopify" || got.Connection.APIBase != srv.URL || got.Connection.ConnectedBy != "api" || !got.Queued {
				t.Errorf("the answer: %s", r.body)
			}
			if q := syncs.list(); len(q) != 1 || q[0] != "shop-a/shopify/backfill" {
				t.Errorf("queued: %v", q)
			}

			r = e.do("POST", base+"/connections/shopify/sync", e.tokenA, "application/json", strings.NewReader(`{"kind": "reconcile"}`))
			r.must(t, http.StatusAccepted, nil)
			e.do("POST", base+"/connections/shopify/sync", e.tokenA, "", nil).must(t, http.StatusAccepted, nil)
			e.do("POST", base+"/connections/shopify/sync", e.tokenA, "application/json", strings.NewReader(`{"kind": "all"}`)).mustError(t, http.StatusBadRequest, kizuna.EINVALID, "kind")
			e.do("POST", base+"/connections/hubspot/sync", e.tokenA, "application/json", strings.NewReader(`{"kind": "poll"}`)).mustError(t, http.StatusNotFound, kizuna.ENOTFOUND, "")
			e.do("POST", "/api/v1/accounts/shop-b/connections/shopify/sync", e.tokenB, "", nil).mustError(t, http.StatusNotFound, kizuna.ENOTFOUND, "")
			if q := syncs.list(); len(q) != 3 || q[1] != "shop-a/shopify/reconcile" || q[2] != "shop-a/shopify/backfill" {
				t.Errorf("queued: %v", q)
			}

			// Statuses and conflicts: two records claim one friend.
			e.importFriends(t, fmt.Sprintf(`{"line_user_id": %q, "added_at": "2026-11-01T10:00:00+09:00"}`, uid(1)))
			now := time.Now()
			if _, err := db.ApplySourceRecords(ctx, a, []kizuna.SourceRecord{
				{Source: "shopify", RecordID: "1", LineUserID: uid(1), UpdatedAt: now, Shopify: &kizuna.ShopifyCustomer{}},
				{Source: "shopify", RecordID: "2", LineUserID: uid(1), UpdatedAt: now.Add(time.Second), Shopify: &kizuna.ShopifyCustomer{}},
			}); err != nil {
				t.Fatal(err)
			}
			var list struct {
				Connections []struct {
					Source    string              `json:"source"`
					Status    kizuna.SourceStatus `json:"status"`
					Conflicts *struct {
						Count   int                   `json:"count"`
						Records []kizuna.LinkConflict `json:"records"`
					} `json:"conflicts"`
				} `json:"connections"`
			}
			r = e.do("GET", base+"/connections", e.tokenA, "", nil)
			noSecret(r)
			r.must(t, http.StatusOK, &list)
			sh := list.Connections[0]
			if !sh.Status.Connected || sh.Conflicts == nil || sh.Conflicts.Count != 1 || len(sh.Conflicts.Records) != 1 ||
				sh.Conflicts.Records[0] != (kizuna.LinkConflict{Source: "shopify", RecordID: "2", LineUserID: uid(1), LinkedTo: "1"}) {
				t.Errorf("GET connections: %s", r.body)
			}
			if hs := list.Connections[1]; hs.Status.Connected || hs.Conflicts == nil || hs.Conflicts.Count != 0 {
				t.Errorf("HubSpot: %s", r.body)
			}
			if strings.Contains(e.logs.String(), token) || strings.Contains(e.logs.String(), whsec) {
				t.Fatal("the log holds a secret")
			}
		})
	}
}

// TestConnectWithoutSources: a server without the sources service
// answers PUT connections and syncs 503.
func TestConnectWithoutSources(t *testing.T) {
	e := storeEnv(t, "sqlite", nil)
	e.do("PUT", "/api/v1/accounts/shop-a/connections/klaviyo", e.tokenA, "application/json", strings.NewReader(`{"secrets": {"api_key": "k"}}`)).mustError(t, http.StatusServiceUnavailable, kizuna.EUNAVAILABLE, "")
	e.do("POST", "/api/v1/accounts/shop-a/connections/klaviyo/sync", e.tokenA, "", nil).mustError(t, http.StatusServiceUnavailable, kizuna.EUNAVAILABLE, "")
}
