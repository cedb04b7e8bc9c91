package shopifyfake

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/kizuna-line/kizuna"
)

// Load adds a customer for each friend linked to Shopify, with its tags,
// orders, checkouts and the friend's LINE user ID in the metafield. A
// customer already there is replaced.
func (f *Fake) Load(friends []*kizuna.Friend) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	n := 0
	for _, fr := range friends {
		if fr == nil || fr.Shopify == nil {
			continue
		}
		c := fromFriend(fr, now)
		if old, ok := f.st.byID[c.id]; ok {
			for _, ck := range old.checkouts {
				delete(f.st.checkouts, ck.id)
			}
		}
		f.st.keep(c)
		n++
	}
	return n
}

// LoadNDJSON reads Kizuna import lines (kizuna.ParseFriendLine) and loads
// the friends linked to Shopify; it returns how many customers it made.
func (f *Fake) LoadNDJSON(r io.Reader) (int, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	n, line := 0, 0
	var batch []*kizuna.Friend
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(trimSpace(b)) == 0 {
			continue
		}
		fr, err := kizuna.ParseFriendLine(b)
		if err != nil {
			return n, fmt.Errorf("line %d: %w", line, err)
		}
		if batch = append(batch, fr); len(batch) == 1000 {
			n += f.Load(batch)
			batch = batch[:0]
		}
	}
	n += f.Load(batch)
	return n, sc.Err()
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r') {
		b = b[1:]
	}
	return b
}

// Generate makes n customers, computed from seed when read rather than
// stored, updated one a second up to now: about a quarter have a
// checkout, a third of those completed. Their ids start at IDBase.
func (f *Fake) Generate(n int, seed uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	step := time.Second
	f.st.gen = &gen{n: n, seed: seed, step: step, base: f.now().Add(-time.Duration(n) * step).Truncate(time.Second)}
	f.st.dirty()
}

// CustomerCount returns how many customers the shop has.
func (f *Fake) CustomerCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.st.total()
}

// Customer is a customer as the fake's Go API and JSON dump show it.
type Customer struct {
	ID          string     `json:"id"`
	UpdatedAt   time.Time  `json:"updated_at"`
	Tags        []string   `json:"tags"`
	Orders      int64      `json:"orders_count"`
	LastOrderAt *time.Time `json:"last_order_at"`
	LineUserID  string     `json:"line_user_id"`
	Checkouts   []Checkout `json:"checkouts"`
}

// Checkout is a checkout as the fake's Go API shows it.
type Checkout struct {
	ID          string     `json:"id"`
	Token       string     `json:"token"`
	UpdatedAt   time.Time  `json:"updated_at"`
	CompletedAt *time.Time `json:"completed_at"`
}

func export(c *customer) Customer {
	out := Customer{ID: itoa(c.id), UpdatedAt: c.updatedAt, Tags: c.tags, Orders: c.orders, LastOrderAt: c.lastOrderAt, LineUserID: c.lineUserID, Checkouts: []Checkout{}}
	for _, ck := range c.checkouts {
		out.Checkouts = append(out.Checkouts, Checkout{ID: itoa(ck.id), Token: ck.token, UpdatedAt: ck.updatedAt, CompletedAt: ck.completedAt})
	}
	return out
}

// GetCustomer returns the customer with the id (a number or a GID).
func (f *Fake) GetCustomer(id string) (Customer, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.st.get(numericID(id))
	if !ok {
		return Customer{}, false
	}
	return export(c), true
}

// Dump calls fn with every customer in UPDATED_AT order, a chunk at a time.
func (f *Fake) Dump(fn func(Customer) error) error {
	after := key{-1 << 63, -1 << 63}
	for {
		f.mu.Lock()
		list, more := f.st.customersAfter(after, time.Time{}, 500)
		out := make([]Customer, len(list))
		for i, c := range list {
			out[i] = export(c)
		}
		f.mu.Unlock()
		for _, c := range out {
			if err := fn(c); err != nil {
				return err
			}
		}
		if !more || len(list) == 0 {
			return nil
		}
		after = list[len(list)-1].key()
	}
}

// ErrNoCustomer is returned for an id the shop does not have.
var ErrNoCustomer = fmt.Errorf("no such customer")

// rest is the REST (webhook) time format, with an offset.
func rest(t time.Time) string { return t.Format("2006-01-02T15:04:05-07:00") }

func restp(t *time.Time) any {
	if t == nil {
		return nil
	}
	return rest(*t)
}

func (f *Fake) restCustomer(c *customer) map[string]any {
	return map[string]any{"id": c.id, "email": nilIfEmpty(c.email), "admin_graphql_api_id": gid("Customer", c.id)}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (f *Fake) restCheckout(ck *checkout, c *customer) map[string]any {
	m := map[string]any{
		"id": ck.id, "token": ck.token, "cart_token": nil, "email": nilIfEmpty(c.email), "phone": nil,
		"created_at": rest(ck.createdAt), "updated_at": rest(ck.updatedAt), "completed_at": restp(ck.completedAt), "closed_at": nil,
		"abandoned_checkout_url": "https://" + f.cfg.ShopDomain + "/checkouts/" + ck.token + "/recover",
		"customer":               f.restCustomer(c), "total_price": "3980", "currency": "JPY", "presentment_currency": "JPY",
		"buyer_accepts_marketing": false,
		"line_items":              []map[string]any{{"product_id": IDBase + 11, "variant_id": IDBase + 12, "title": "Fake Tea", "quantity": 1, "price": "3980.00", "sku": "TEA-1"}},
	}
	return m
}

// Order is what PlaceOrder made.
type Order struct {
	ID         string `json:"id"`
	CustomerID string `json:"customer_id"`
	CheckoutID string `json:"checkout_id,omitempty"`
	Count      int64  `json:"orders_count"`
	Deliveries []*Delivery
}

// PlaceOrder places an order for the customer at the clock's time: its
// orders count and last order move, its newest open checkout is
// completed, and orders/create, customers/purchasing_summary and (for the
// checkout) checkouts/update are sent.
func (f *Fake) PlaceOrder(ctx context.Context, customerID string) (*Order, error) {
	f.mu.Lock()
	c, ok := f.st.get(numericID(customerID))
	if !ok {
		f.mu.Unlock()
		return nil, fmt.Errorf("%w %s", ErrNoCustomer, customerID)
	}
	now := f.now()
	f.st.nextID++
	oid := f.st.nextID
	c.orders++
	c.lastOrderAt, c.lastOrderID, c.updatedAt = &now, oid, now
	var open *checkout
	for _, ck := range c.checkouts {
		if ck.completedAt == nil && (open == nil || ck.updatedAt.After(open.updatedAt)) {
			open = ck
		}
	}
	order := map[string]any{
		"id": oid, "admin_graphql_api_id": gid("Order", oid), "name": fmt.Sprintf("#%d", 1000+oid%100000),
		"email": nilIfEmpty(c.email), "phone": nil, "created_at": rest(now), "updated_at": rest(now), "processed_at": rest(now),
		"financial_status": "paid", "total_price": "3980.00", "currency": "JPY",
		"customer": f.restCustomer(c), "checkout_id": nil, "checkout_token": nil, "cart_token": nil,
		"line_items": []map[string]any{{"id": oid + 1, "product_id": IDBase + 11, "variant_id": IDBase + 12, "title": "Fake Tea", "quantity": 1, "price": "3980.00"}},
	}
	o := &Order{ID: itoa(oid), CustomerID: itoa(c.id), Count: c.orders}
	if open != nil {
		open.completedAt, open.updatedAt = &now, now
		order["checkout_id"], order["checkout_token"] = open.id, open.token
		o.CheckoutID = itoa(open.id)
	}
	f.st.dirty()
	o.Deliveries = append(o.Deliveries, f.queueLocked("orders/create", order, ""))
	o.Deliveries = append(o.Deliveries, f.queueLocked("customers/purchasing_summary", map[string]any{
		"customerId": gid("Customer", c.id), "numberOfOrders": c.orders,
		"amountSpent": map[string]any{"amount": fmt.Sprintf("%d.00", 3980*c.orders), "currencyCode": "JPY"},
		"lastOrderId": gid("Order", oid), "occurredAt": now.UTC().Format("2006-01-02T15:04:05.000Z"),
	}, ""))
	if open != nil {
		o.Deliveries = append(o.Deliveries, f.queueLocked("checkouts/update", f.restCheckout(open, c), ""))
	}
	f.mu.Unlock()
	f.flushQueued()
	return o, nil
}

// TagCustomer adds and removes tags, sending customer.tags_added and
// customer.tags_removed for what changed.
func (f *Fake) TagCustomer(ctx context.Context, customerID string, add, remove []string) ([]*Delivery, error) {
	f.mu.Lock()
	c, ok := f.st.get(numericID(customerID))
	if !ok {
		f.mu.Unlock()
		return nil, fmt.Errorf("%w %s", ErrNoCustomer, customerID)
	}
	now := f.now()
	has := map[string]bool{}
	for _, t := range c.tags {
		has[t] = true
	}
	var added, removed []string
	for _, t := range add {
		if !has[t] {
			has[t] = true
			added = append(added, t)
			c.tags = append(c.tags, t)
		}
	}
	for _, t := range remove {
		if has[t] {
			delete(has, t)
			removed = append(removed, t)
		}
	}
	if len(removed) > 0 {
		kept := c.tags[:0:0]
		for _, t := range c.tags {
			if has[t] {
				kept = append(kept, t)
			}
		}
		c.tags = kept
	}
	var out []*Delivery
	if len(added)+len(removed) > 0 {
		c.updatedAt = now
		f.st.dirty()
	}
	at := now.UTC().Format("2006-01-02T15:04:05.000Z")
	if len(added) > 0 {
		out = append(out, f.queueLocked("customer.tags_added", map[string]any{"customerId": gid("Customer", c.id), "tags": added, "occurredAt": at}, ""))
	}
	if len(removed) > 0 {
		out = append(out, f.queueLocked("customer.tags_removed", map[string]any{"customerId": gid("Customer", c.id), "tags": removed, "occurredAt": at}, ""))
	}
	f.mu.Unlock()
	f.flushQueued()
	return out, nil
}

// AbandonCart starts a checkout for the customer that nobody completes
// (yet), sending checkouts/create; it returns the checkout's id.
func (f *Fake) AbandonCart(ctx context.Context, customerID string) (string, *Delivery, error) {
	f.mu.Lock()
	c, ok := f.st.get(numericID(customerID))
	if !ok {
		f.mu.Unlock()
		return "", nil, fmt.Errorf("%w %s", ErrNoCustomer, customerID)
	}
	now := f.now()
	f.st.nextID++
	ck := &checkout{id: f.st.nextID, token: newID(), customerID: c.id, createdAt: now, updatedAt: now}
	c.checkouts = append(c.checkouts, ck)
	f.st.checkouts[ck.id] = ck
	f.st.dirty()
	d := f.queueLocked("checkouts/create", f.restCheckout(ck, c), "")
	f.mu.Unlock()
	f.flushQueued()
	return itoa(ck.id), d, nil
}

// CompleteCart completes a checkout without an order of the fake's (the
// buyer paid), sending checkouts/update with completed_at.
func (f *Fake) CompleteCart(ctx context.Context, checkoutID string) (*Delivery, error) {
	f.mu.Lock()
	ck, ok := f.st.checkouts[numericID(checkoutID)]
	if !ok {
		// A generated checkout is kept once its customer is.
		if g := f.st.gen; g != nil {
			n := numericID(checkoutID) - IDBase - 1<<40
			if n >= 0 && n < int64(g.n) {
				f.st.get(g.id(int(n)))
				ck, ok = f.st.checkouts[numericID(checkoutID)]
			}
		}
	}
	if !ok {
		f.mu.Unlock()
		return nil, fmt.Errorf("no checkout %s", checkoutID)
	}
	c, _ := f.st.get(ck.customerID)
	now := f.now()
	ck.completedAt, ck.updatedAt = &now, now
	f.st.dirty()
	d := f.queueLocked("checkouts/update", f.restCheckout(ck, c), "")
	f.mu.Unlock()
	f.flushQueued()
	return d, nil
}

// restCustomerFull is a customers/create or customers/update payload in
// its 2025-01+ shape: no tags, orders_count, total_spent, last_order_*.
func (f *Fake) restCustomerFull(c *customer) map[string]any {
	return map[string]any{
		"id": c.id, "email": nilIfEmpty(c.email), "first_name": nil, "last_name": nil, "phone": nil,
		"state": "enabled", "note": nil, "verified_email": c.email != "", "tax_exempt": false, "currency": "JPY",
		"addresses": []any{}, "default_address": nil, "created_at": rest(c.createdAt), "updated_at": rest(c.updatedAt),
		"admin_graphql_api_id": gid("Customer", c.id), "multipass_identifier": nil, "tax_exemptions": []any{},
	}
}

// CreateCustomer adds a customer with the LINE user ID in its metafield
// (as the shop's LINE Login would) and sends customers/create; it returns
// the customer's id.
func (f *Fake) CreateCustomer(ctx context.Context, lineUserID, email string) (string, *Delivery) {
	f.mu.Lock()
	now := f.now()
	f.st.nextID++
	c := &customer{id: f.st.nextID, email: email, createdAt: now, updatedAt: now, tags: []string{}, lineUserID: lineUserID}
	f.st.keep(c)
	d := f.queueLocked("customers/create", f.restCustomerFull(c), "")
	f.mu.Unlock()
	f.flushQueued()
	return itoa(c.id), d
}

// UpdateCustomer changes a customer's email and sends customers/update.
func (f *Fake) UpdateCustomer(ctx context.Context, customerID, email string) (*Delivery, error) {
	f.mu.Lock()
	c, ok := f.st.get(numericID(customerID))
	if !ok {
		f.mu.Unlock()
		return nil, fmt.Errorf("%w %s", ErrNoCustomer, customerID)
	}
	c.email, c.updatedAt = email, f.now()
	f.st.dirty()
	d := f.queueLocked("customers/update", f.restCustomerFull(c), "")
	f.mu.Unlock()
	f.flushQueued()
	return d, nil
}
