package sources

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/shopifyfake"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

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

// TestService: a wrong token is refused by the source with nothing stored
// and nothing queued; the right one stores the connection (its secrets
// only sealed) and queues a backfill; Sync queues the kind asked for a
// connected source only; Statuses follow; Disconnect forgets.
func TestService(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := testdb.Open(t, backend)
			a, _ := db.CreateAccount(ctx, "shop", "")
			f := shopifyfake.New(shopifyfake.Config{AccessToken: shopifyToken, WebhookSecret: "whsec"})
			srv := httptest.NewServer(f)
			t.Cleanup(func() { f.Close(); srv.Close() })
			syncs := &recordingSyncs{}
			svc := &Service{Store: db, Syncs: syncs}
			conn := kizuna.Connection{Source: kizuna.SourceShopify, APIBase: srv.URL, Config: map[string]string{"shop_domain": "kizuna-fake.myshopify.com"}}

			_, err := svc.Connect(ctx, a, "ann", conn, kizuna.ConnectionSecrets{"access_token": "shpat_wrong", "webhook_secret": "whsec"})
			if kizuna.ErrorCode(err) != kizuna.EUNAUTHORIZED {
				t.Fatalf("a wrong token: %v, want unauthorized", err)
			}
			if _, err := db.Connection(ctx, a, "shopify"); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
				t.Fatalf("a refused connection was stored: %v", err)
			}
			if _, err := svc.Connect(ctx, a, "ann", conn, kizuna.ConnectionSecrets{"access_token": shopifyToken}); kizuna.ErrorCode(err) != kizuna.EINVALID {
				t.Fatalf("no webhook secret: %v", err)
			}
			if len(syncs.queued) != 0 {
				t.Fatalf("refusals queued syncs: %v", syncs.queued)
			}

			got, err := svc.Connect(ctx, a, "ann", conn, kizuna.ConnectionSecrets{"access_token": shopifyToken, "webhook_secret": "whsec"})
			if err != nil {
				t.Fatal(err)
			}
			if got.APIBase != srv.URL || got.ConnectedBy != "ann" || got.Config["shop_domain"] != "kizuna-fake.myshopify.com" {
				t.Errorf("the stored connection: %+v", got)
			}
			if len(syncs.queued) != 1 || syncs.queued[0] != "shop/shopify/backfill" {
				t.Errorf("queued: %v, want one backfill", syncs.queued)
			}
			if s, err := db.ConnectionSecrets(ctx, a, "shopify"); err != nil || s["access_token"] != shopifyToken {
				t.Errorf("the sealed secrets: %v", err)
			}

			if err := svc.Sync(ctx, a, "shopify", kizuna.SyncPoll); err != nil {
				t.Fatal(err)
			}
			if err := svc.Sync(ctx, a, "shopify", "everything"); kizuna.ErrorCode(err) != kizuna.EINVALID {
				t.Errorf("an unknown kind: %v", err)
			}
			if err := svc.Sync(ctx, a, "hubspot", kizuna.SyncBackfill); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
				t.Errorf("a source not connected: %v", err)
			}
			if len(syncs.queued) != 2 || syncs.queued[1] != "shop/shopify/poll" {
				t.Errorf("queued: %v", syncs.queued)
			}
			if err := (&Service{Store: db}).Sync(ctx, a, "shopify", kizuna.SyncPoll); kizuna.ErrorCode(err) != kizuna.EUNAVAILABLE {
				t.Errorf("without syncs: %v", err)
			}

			st, _, err := svc.Statuses(ctx, a)
			if err != nil || len(st) != 3 || !st[0].Connected || st[1].Connected || st[0].Syncing || st[0].Failing {
				t.Fatalf("statuses: %+v %v", st, err)
			}
			s, err := db.StartSourceSync(ctx, a, "shopify", kizuna.SyncBackfill, "job-1")
			if err != nil {
				t.Fatal(err)
			}
			if st, fresh, _ := svc.Statuses(ctx, a); !st[0].Syncing || len(fresh) != 1 || fresh[0].Running == nil || fresh[0].Running.ID != s.ID {
				t.Errorf("while syncing: %+v %+v", st, fresh)
			}

			if err := svc.Disconnect(ctx, a, "shopify"); err != nil {
				t.Fatal(err)
			}
			if err := svc.Disconnect(ctx, a, "shopify"); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
				t.Errorf("disconnecting twice: %v", err)
			}
			if st, _, _ := svc.Statuses(ctx, a); st[0].Connected {
				t.Errorf("a disconnected source counts as connected")
			}
		})
	}
}
