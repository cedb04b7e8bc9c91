package sqlstore_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

// TestShopifyTags lists the distinct Shopify tags of an account's friends,
// as written and sorted, and none of another account's.
func TestShopifyTags(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			db := testdb.Open(t, backend)
			a, _ := db.CreateAccount(ctx, "shop", "")
			b, _ := db.CreateAccount(ctx, "other", "")
			if got, err := db.ShopifyTags(ctx, a); err != nil || got == nil || len(got) != 0 {
				t.Fatalf("no friends yet: %q %v, want an empty list", got, err)
			}
			shop := func(n int, tags ...string) string {
				return line(n, map[string]any{"shopify": map[string]any{"customer_id": "c", "tags": tags}})
			}
			if _, err := db.ImportFriends(ctx, a, strings.NewReader(ndjson(shop(1, "wholesale", "VIP"), shop(2, "VIP", "Repeat"), line(3, nil))), kizuna.ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ImportFriends(ctx, b, strings.NewReader(ndjson(shop(1, "secret-b"))), kizuna.ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			got, err := db.ShopifyTags(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			if want := []string{"Repeat", "VIP", "wholesale"}; !slices.Equal(got, want) {
				t.Fatalf("shop's Shopify tags: %q, want %q", got, want)
			}
			got, _ = db.ShopifyTags(ctx, b)
			if want := []string{"secret-b"}; !slices.Equal(got, want) {
				t.Fatalf("other's Shopify tags: %q, want %q", got, want)
			}
		})
	}
}
