package sqlstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

// TestConnections stores connections to the sources with their secrets
// sealed: they read back, never appear in clear in the table, are bound to
// their account and source, are refused when incomplete, and are invisible
// from another account.
func TestConnections(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := testdb.Open(t, backend)
			a, _ := db.CreateAccount(ctx, "shop", "")
			b, _ := db.CreateAccount(ctx, "other", "")
			const token, hook = "shpat_0123456789abcdef-secret-token", "whsec-0123456789"
			c := kizuna.Connection{Source: kizuna.SourceShopify, APIBase: "https://example.myshopify.com/",
				Config: map[string]string{"shop_domain": "example.myshopify.com", "api_version": "2026-07", "line_user_id_metafield": "line.user_id"}}
			for _, bad := range []struct {
				c       kizuna.Connection
				secrets kizuna.ConnectionSecrets
				path    string
			}{
				{kizuna.Connection{Source: "square", APIBase: c.APIBase}, kizuna.ConnectionSecrets{"access_token": token}, "source"},
				{c, kizuna.ConnectionSecrets{"access_token": token}, "webhook_secret"},
				{c, kizuna.ConnectionSecrets{"access_token": token, "webhook_secret": hook, "password": "x"}, "password"},
				{kizuna.Connection{Source: kizuna.SourceKlaviyo, APIBase: "ftp://a.klaviyo.com"}, kizuna.ConnectionSecrets{"api_key": "pk_1"}, "api_base"},
				{kizuna.Connection{Source: kizuna.SourceKlaviyo, APIBase: "https://a.klaviyo.com", Config: map[string]string{"revision": "bad\x00"}}, kizuna.ConnectionSecrets{"api_key": "pk_1"}, "config.revision"},
			} {
				err := db.Connect(ctx, a, "ann", bad.c, bad.secrets)
				var e *kizuna.Error
				if !errors.As(err, &e) || e.Path != bad.path {
					t.Errorf("Connect(%+v): %v, want a refusal at %s", bad.c, err, bad.path)
				}
			}
			if cs, _ := db.Connections(ctx, a); len(cs) != 0 {
				t.Fatalf("a refused connection was stored: %+v", cs)
			}
			if err := db.Connect(ctx, a, "ann", c, kizuna.ConnectionSecrets{"access_token": token, "webhook_secret": hook}); err != nil {
				t.Fatal(err)
			}
			if err := db.Connect(ctx, a, "ann", kizuna.Connection{Source: kizuna.SourceKlaviyo, APIBase: "https://a.klaviyo.com"}, kizuna.ConnectionSecrets{"api_key": "pk_live_1"}); err != nil {
				t.Fatal(err)
			}
			cs, err := db.Connections(ctx, a)
			if err != nil || len(cs) != 2 || cs[0].Source != "shopify" || cs[1].Source != "klaviyo" || cs[0].APIBase != "https://example.myshopify.com" ||
				cs[0].Config["api_version"] != "2026-07" || cs[0].ConnectedBy != "ann" {
				t.Fatalf("connections %+v %v", cs, err)
			}
			s, err := db.ConnectionSecrets(ctx, a, "shopify")
			if err != nil || s["access_token"] != token || s["webhook_secret"] != hook {
				t.Fatalf("secrets: %v", err)
			}
			if strings.Contains(s.String(), token) || strings.Contains(cs[0].Config["shop_domain"], token) {
				t.Fatal("secrets print")
			}
			// Nothing in clear in the table.
			rows, err := db.WriteDB().QueryContext(ctx, `SELECT secrets_sealed, config FROM integration_connections`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var sealed []byte
				var cfg string
				rows.Scan(&sealed, &cfg)
				if bytes.Contains(sealed, []byte(token)) || bytes.Contains(sealed, []byte("pk_live_1")) || strings.Contains(cfg, token) {
					t.Fatal("a secret is stored in clear")
				}
			}
			rows.Close()
			// Another account sees nothing, and a sealed value moved to it
			// does not open.
			if _, err := db.Connection(ctx, b, "shopify"); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
				t.Fatalf("the other account: %v", err)
			}
			if _, err := db.WriteDB().ExecContext(ctx, fmt.Sprintf(`INSERT INTO integration_connections (account_id, source, api_base, config, secrets_sealed, connected_at_us, connected_by)
				SELECT %d, source, api_base, config, secrets_sealed, connected_at_us, connected_by FROM integration_connections WHERE account_id = %d AND source = 'shopify'`, b.ID, a.ID)); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ConnectionSecrets(ctx, b, "shopify"); kizuna.ErrorCode(err) != kizuna.EINVALID || strings.Contains(err.Error(), token) {
				t.Fatalf("a sealed value moved to another account: %v", err)
			}
			// Replacing and disconnecting.
			if err := db.Connect(ctx, a, "bob", c, kizuna.ConnectionSecrets{"access_token": "new-token", "webhook_secret": hook}); err != nil {
				t.Fatal(err)
			}
			if s, _ := db.ConnectionSecrets(ctx, a, "shopify"); s["access_token"] != "new-token" {
				t.Fatal("the connection was not replaced")
			}
			if err := db.Disconnect(ctx, a, "shopify"); err != nil {
				t.Fatal(err)
			}
			if err := db.Disconnect(ctx, a, "shopify"); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
				t.Fatalf("disconnecting twice: %v", err)
			}
			if cs, _ := db.Connections(ctx, a); len(cs) != 1 || cs[0].Source != "klaviyo" {
				t.Fatalf("after disconnecting: %+v", cs)
			}
			if _, err := db.ConnectionSecrets(ctx, a, "shopify"); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
				t.Fatalf("the secrets of a disconnected source: %v", err)
			}
			// Connected comes from the connections: imported Shopify data
			// no longer makes Shopify connected once it was disconnected;
			// an account that never connected a source keeps the import's.
			line := `{"line_user_id": "U00000000000000000000000000000001", "added_at": "2026-11-01T10:00:00+09:00", "shopify": {"customer_id": "1", "orders_count": 2}, "hubspot": {"contact_id": "5"}}`
			for _, acc := range []*kizuna.Account{a, b} {
				if _, err := db.ImportFriends(ctx, acc, strings.NewReader(line), kizuna.ImportOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			if got, _ := db.Integrations(ctx, a); got["shopify"] || !got["hubspot"] || !got["klaviyo"] {
				t.Fatalf("integrations after disconnecting Shopify: %v", got)
			}
			if got, _ := db.Integrations(ctx, b); !got["shopify"] || !got["hubspot"] || got["klaviyo"] {
				t.Fatalf("integrations of an account that imports: %v", got)
			}
		})
	}
}
