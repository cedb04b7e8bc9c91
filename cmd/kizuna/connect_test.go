package main

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kizuna-line/kizuna/internal/klaviyofake"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/sqlstore"
)

// TestConnectCommand connects Klaviyo from the command line against the
// fake: a wrong key is refused with LINE-like clarity and stores nothing,
// the right one is checked with one call and stored sealed, and no secret
// is ever printed.
func TestConnectCommand(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			const key = "pk_live_connect_test_0123456789"
			fake := klaviyofake.New(klaviyofake.Config{APIKey: key})
			srv := httptest.NewServer(fake)
			defer srv.Close()
			k := kizunaCLI{t: t, dsn: testdb.DSN(t, backend)}
			k.ok("", "account", "create", "shop")
			bad := k.run("", "connect", "klaviyo", "--account", "shop", "--api-key-file", writeFile(t, "bad", "pk_wrong\n"), "--api-base", srv.URL)
			if bad.code == 0 || strings.Contains(bad.stderr+bad.stdout, "pk_wrong") {
				t.Fatalf("a wrong key: exit %d, %q %q", bad.code, bad.stdout, bad.stderr)
			}
			r := k.ok("", "connect", "klaviyo", "--account", "shop", "--api-key-file", writeFile(t, "key", key+"\n"), "--api-base", srv.URL)
			if strings.Contains(r.stdout+r.stderr, key) || !strings.Contains(r.stdout, "connected klaviyo") {
				t.Fatalf("connect: %q %q", r.stdout, r.stderr)
			}
			for _, c := range []struct {
				args []string
				want string
			}{
				{[]string{"connect"}, "needs a source"},
				{[]string{"connect", "square", "--account", "shop"}, "needs a source"},
				{[]string{"connect", "shopify", "--account", "shop", "--access-token-file", "x", "--webhook-secret-file", "y"}, "--shop-domain"},
				{[]string{"connect", "hubspot", "--account", "shop", "--access-token-file", "x"}, "--client-secret-file"},
				{[]string{"sync", "--account", "shop", "--source", "square"}, "--source"},
			} {
				if r := k.run("", c.args...); r.code == 0 || !strings.Contains(r.stderr, c.want) {
					t.Errorf("kizuna %v: exit %d, stderr %q (want %q)", c.args, r.code, r.stderr, c.want)
				}
			}
			store, err := sqlstore.Open(context.Background(), k.dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			a, _ := store.FindAccount(context.Background(), "shop")
			cs, err := store.Connections(context.Background(), a)
			if err != nil || len(cs) != 1 || cs[0].Source != "klaviyo" || cs[0].APIBase != srv.URL || cs[0].ConnectedBy != cliActor {
				t.Fatalf("connections after the commands: %+v %v", cs, err)
			}
		})
	}
}
