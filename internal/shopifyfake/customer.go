package shopifyfake

import (
	"context"
	"fmt"
	"sort"
)

// customerByID answers the Customer query: one customer by GID with its
// checkouts, the most recently updated first, at most $first (null when
// the shop has no such customer).
func (f *Fake) customerByID(c *call, req *gqlRequest) (any, int, *answer) {
	first, ok := intVar(req.Variables, "first")
	if !ok {
		first = MaxFirst
	}
	cu := f.st.peek(numericID(strVar(req.Variables, "id")))
	if cu == nil {
		return map[string]any{"customer": nil}, 0, nil
	}
	n := f.customerNode(cu, f.metafieldAsked(req.Query, req.Variables))
	cks := append([]*checkout(nil), cu.checkouts...)
	sort.Slice(cks, func(i, j int) bool { return cks[j].key().less(cks[i].key()) })
	if len(cks) > first {
		cks = cks[:first]
	}
	nodes := make([]map[string]any, len(cks))
	for i, ck := range cks {
		nodes[i] = checkoutNode(ck)
	}
	n["abandonedCheckouts"] = map[string]any{"nodes": nodes}
	return map[string]any{"customer": n}, 1 + len(nodes), nil
}

// DeleteCustomer deletes a customer added by Load, CreateCustomer or a
// change (not one Generate computes untouched) and sends customers/delete.
func (f *Fake) DeleteCustomer(ctx context.Context, customerID string) (*Delivery, error) {
	f.mu.Lock()
	id := numericID(customerID)
	c, ok := f.st.byID[id]
	if !ok {
		f.mu.Unlock()
		return nil, fmt.Errorf("%w %s", ErrNoCustomer, customerID)
	}
	if _, gen := f.st.gen.index(id); gen {
		f.mu.Unlock()
		return nil, fmt.Errorf("customer %s is generated: the fake cannot delete it", customerID)
	}
	for _, ck := range c.checkouts {
		delete(f.st.checkouts, ck.id)
	}
	delete(f.st.byID, id)
	f.st.dirty()
	d := f.queueLocked("customers/delete", map[string]any{"id": c.id, "admin_graphql_api_id": gid("Customer", c.id)}, "")
	f.mu.Unlock()
	f.flushQueued()
	return d, nil
}
