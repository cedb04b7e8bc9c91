package shopify_test

import (
	"context"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna/internal/shopifyfake"
)

// TestCustomer reads one customer with everything a kizuna.ShopifyCustomer
// needs, its newest checkouts first (at most CustomerCheckouts), and
// nothing for a customer the shop does not have.
func TestCustomer(t *testing.T) {
	e := start(t, shopifyfake.Config{})
	ctx := context.Background()
	c := e.client(t, nil)
	id, _ := e.fake.CreateCustomer(ctx, "U0123456789abcdef0123456789abcdef", "a@example.com")
	if _, err := e.fake.TagCustomer(ctx, id, []string{"vip", "定期購入"}, nil); err != nil {
		t.Fatal(err)
	}
	var last string
	for range 12 {
		e.clock.advance(time.Minute)
		ck, _, err := e.fake.AbandonCart(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		last = ck
	}
	e.clock.advance(time.Minute)
	if _, err := e.fake.PlaceOrder(ctx, id); err != nil { // completes the newest cart
		t.Fatal(err)
	}
	cu, cks, err := c.Customer(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if cu == nil || cu.LegacyID != id || cu.NumberOfOrders != 1 || cu.LastOrderAt == nil || !cu.LastOrderAt.Equal(e.clock.now()) ||
		len(cu.Tags) != 2 || cu.LineUserID != "U0123456789abcdef0123456789abcdef" || !cu.UpdatedAt.Equal(e.clock.now()) {
		t.Fatalf("customer: %+v", cu)
	}
	if len(cks) != 10 || cks[0].ID != "gid://shopify/AbandonedCheckout/"+last || cks[0].CompletedAt == nil || cks[1].CompletedAt != nil ||
		cks[0].CustomerID != cu.ID || !cks[0].UpdatedAt.After(cks[1].UpdatedAt) {
		t.Fatalf("checkouts: %d, first %+v", len(cks), cks[0])
	}
	k := cu.Kizuna(cks)
	if at, ok := k.AbandonedAt(); ok {
		t.Errorf("abandoned at %v: every open cart predates the order", at)
	}
	if cu, cks, err := c.Customer(ctx, "gid://shopify/Customer/424242"); cu != nil || cks != nil || err != nil {
		t.Fatalf("a missing customer: %+v %v %v", cu, cks, err)
	}
}
