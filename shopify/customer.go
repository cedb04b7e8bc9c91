package shopify

import (
	"context"
	"strings"
)

// CustomerCheckouts is how many of a customer's abandoned checkouts
// Customer reads, the most recently updated first. Kizuna's conditions
// look at the newest open one (kizuna.ShopifyCustomer.AbandonedAt), which
// is among them unless ten newer ones were completed since.
const CustomerCheckouts = 10

// Customer reads one customer by its GID (or its numeric id) with what a
// kizuna.ShopifyCustomer needs: tags, orders count, last order time, the
// LINE user ID metafield, the update time, and its abandoned checkouts
// (completed ones included, at most CustomerCheckouts, newest first), in
// one GraphQL call: what a webhook receiver reads after a thin delivery.
// It returns nil and no error when the shop has no such customer (deleted).
//
// The checkouts are the customer's own abandonedCheckouts connection, as
// the bulk query (bulk.go) nests them.
func (c *Client) Customer(ctx context.Context, id string) (*Customer, []Checkout, error) {
	if !strings.HasPrefix(id, "gid://") {
		id = "gid://shopify/Customer/" + id
	}
	query := `query Customer($id: ID!, $first: Int!) { customer(id: $id) { ` + c.customerFields() +
		` abandonedCheckouts(first: $first, sortKey: UPDATED_AT, reverse: true) { nodes { id updatedAt completedAt } } } }`
	var out struct {
		Customer *struct {
			customerNode
			Checkouts struct {
				Nodes []checkoutNode `json:"nodes"`
			} `json:"abandonedCheckouts"`
		} `json:"customer"`
	}
	if err := c.query(ctx, "Customer", query, map[string]any{"id": id, "first": CustomerCheckouts}, CustomerCheckouts+3, &out); err != nil {
		return nil, nil, err
	}
	if out.Customer == nil || out.Customer.ID == "" {
		return nil, nil, nil
	}
	cu, err := out.Customer.customer()
	if err != nil {
		return nil, nil, err
	}
	checkouts := make([]Checkout, 0, len(out.Customer.Checkouts.Nodes))
	for i := range out.Customer.Checkouts.Nodes {
		ck := out.Customer.Checkouts.Nodes[i].checkout()
		ck.CustomerID = cu.ID // nested: the customer's own
		checkouts = append(checkouts, ck)
	}
	return &cu, checkouts, nil
}
