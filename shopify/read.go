package shopify

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/kizuna-line/kizuna"
)

// Customer is a customer as Kizuna keeps it.
type Customer struct {
	ID             string // the GID, gid://shopify/Customer/123
	LegacyID       string // 123
	UpdatedAt      time.Time
	Tags           []string
	NumberOfOrders int64
	LastOrderAt    *time.Time
	// LineUserID is the metafield the shop's LINE Login writes, "" when
	// the customer has none.
	LineUserID string
	Email      string
}

// Checkout is an abandoned checkout (completed ones included: a recovered
// cart has CompletedAt).
type Checkout struct {
	ID          string // gid://shopify/AbandonedCheckout/…
	CustomerID  string // the customer's GID, "" for a guest
	UpdatedAt   time.Time
	CompletedAt *time.Time
}

// Query selects a paged read.
type Query struct {
	// After resumes after a page: its Cursor, as the caller kept it.
	After string
	// UpdatedSince reads only records updated at or after it (updated_at:>=).
	UpdatedSince time.Time
	// First is the page size (default the client's PageSize, ≤ 250).
	First int
}

// CustomerPage is one page of customers. Cursor resumes after it.
type CustomerPage struct {
	Customers []Customer
	Cursor    string
	More      bool
}

// CheckoutPage is one page of checkouts.
type CheckoutPage struct {
	Checkouts []Checkout
	Cursor    string
	More      bool
}

// customerFields is the selection of a customer, the LINE metafield added.
func (c *Client) customerFields() string {
	return `id legacyResourceId updatedAt tags numberOfOrders lastOrder { id createdAt } defaultEmailAddress { emailAddress } ` +
		`metafield(namespace: ` + strconv.Quote(c.cfg.Namespace) + `, key: ` + strconv.Quote(c.cfg.Key) + `) { value }`
}

// customerNode is a customer as GraphQL answers it.
type customerNode struct {
	ID        string    `json:"id"`
	LegacyID  string    `json:"legacyResourceId"`
	UpdatedAt time.Time `json:"updatedAt"`
	Tags      []string  `json:"tags"`
	Orders    string    `json:"numberOfOrders"` // UnsignedInt64, a string
	LastOrder *struct {
		CreatedAt time.Time `json:"createdAt"`
	} `json:"lastOrder"`
	Email *struct {
		EmailAddress string `json:"emailAddress"`
	} `json:"defaultEmailAddress"`
	Metafield *struct {
		Value string `json:"value"`
	} `json:"metafield"`
	// ParentID is set on a bulk file's child rows.
	ParentID    string     `json:"__parentId"`
	CompletedAt *time.Time `json:"completedAt"`
}

func (n *customerNode) customer() (Customer, error) {
	c := Customer{ID: n.ID, LegacyID: n.LegacyID, UpdatedAt: n.UpdatedAt, Tags: n.Tags}
	if c.Tags == nil {
		c.Tags = []string{}
	}
	if c.LegacyID == "" {
		c.LegacyID = LegacyID(n.ID)
	}
	if n.Orders != "" {
		v, err := strconv.ParseInt(n.Orders, 10, 64)
		if err != nil || v < 0 {
			return c, kizuna.Errorf(kizuna.EUPSTREAM, "Shopify sent customer %s with numberOfOrders %q", n.ID, n.Orders)
		}
		c.NumberOfOrders = v
	}
	if n.LastOrder != nil {
		at := n.LastOrder.CreatedAt
		c.LastOrderAt = &at
	}
	if n.Email != nil {
		c.Email = n.Email.EmailAddress
	}
	if n.Metafield != nil {
		c.LineUserID = strings.TrimSpace(n.Metafield.Value)
	}
	return c, nil
}

// LegacyID returns the number at the end of a GID.
func LegacyID(gid string) string {
	if i := strings.LastIndexByte(gid, '/'); i >= 0 {
		return gid[i+1:]
	}
	return gid
}

type pageInfo struct {
	HasNextPage bool    `json:"hasNextPage"`
	EndCursor   *string `json:"endCursor"`
}

// Customers reads customers by UPDATED_AT, a page at a time, calling fn
// with each; fn's error stops the read. A page's Cursor, passed back as
// Query.After, resumes after it (after a crash, say). Past Shopify's
// 25,000-object paging cap the read goes on in a new updated_at window.
func (c *Client) Customers(ctx context.Context, q Query, fn func(*CustomerPage) error) error {
	query := `query Customers($first: Int!, $after: String, $query: String) { customers(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) { nodes { ` +
		c.customerFields() + ` } pageInfo { hasNextPage endCursor } } }`
	return pages(ctx, c, q, "Customers", query, "customers",
		func(raw json.RawMessage) (Customer, error) {
			var n customerNode
			if err := json.Unmarshal(raw, &n); err != nil {
				return Customer{}, kizuna.Errorf(kizuna.EUPSTREAM, "Shopify's answer to %s could not be read: %v", "Customers", err)
			}
			return n.customer()
		},
		func(cu Customer) (time.Time, string) { return cu.UpdatedAt, cu.LegacyID },
		func(items []Customer, cursor string, more bool) error {
			return fn(&CustomerPage{Customers: items, Cursor: cursor, More: more})
		})
}

// cursor is the client's cursor: Shopify's cursor in a window of the list
// (updated_at ≥ Since), how deep into the window it is, and the last
// record read, which a new window starts from.
type cursor struct {
	Since  int64  `json:"s,omitempty"` // unix ns; 0: the query's own
	After  string `json:"a,omitempty"`
	Depth  int    `json:"n,omitempty"`
	LastAt int64  `json:"t,omitempty"`
	LastID string `json:"i,omitempty"`
}

func (cu cursor) String() string {
	b, _ := json.Marshal(cu)
	return base64.RawURLEncoding.EncodeToString(b)
}

func parseClientCursor(s string) (cursor, error) {
	var cu cursor
	if s == "" {
		return cu, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &cu) != nil {
		return cu, kizuna.Errorf(kizuna.EINVALID, "the Shopify cursor %q is not one this client made", s)
	}
	return cu, nil
}

// before reports whether (at, id) sorts at or before the cursor's last
// record: read already.
func (cu cursor) before(at time.Time, id string) bool {
	if cu.LastAt == 0 {
		return false
	}
	t := at.UnixNano()
	if t != cu.LastAt {
		return t < cu.LastAt
	}
	if len(id) != len(cu.LastID) {
		return len(id) < len(cu.LastID)
	}
	return id <= cu.LastID
}

// pages runs a paged read of one connection.
func pages[T any](ctx context.Context, c *Client, q Query, op, query, field string,
	conv func(json.RawMessage) (T, error), keyOf func(T) (time.Time, string),
	fn func(items []T, cursor string, more bool) error) error {
	cur, err := parseClientCursor(q.After)
	if err != nil {
		return err
	}
	first := q.First
	if first <= 0 {
		first = c.cfg.PageSize
	}
	for {
		if cur.Depth+first > c.cfg.MaxDepth && cur.LastAt != 0 {
			// A new window from the last record read; what it repeats
			// is skipped below.
			cur = cursor{Since: cur.LastAt, LastAt: cur.LastAt, LastID: cur.LastID}
		}
		since := q.UpdatedSince
		if cur.Since != 0 {
			since = time.Unix(0, cur.Since)
		}
		vars := map[string]any{"first": first}
		if cur.After != "" {
			vars["after"] = cur.After
		}
		if !since.IsZero() {
			vars["query"] = "updated_at:>='" + since.UTC().Format(time.RFC3339) + "'"
		}
		var out map[string]struct {
			Nodes    []json.RawMessage `json:"nodes"`
			PageInfo pageInfo          `json:"pageInfo"`
		}
		if err := c.query(ctx, op, query, vars, first+2, &out); err != nil {
			return err
		}
		conn := out[field]
		items := make([]T, 0, len(conn.Nodes))
		next := cur
		for _, raw := range conn.Nodes {
			it, err := conv(raw)
			if err != nil {
				return err
			}
			at, id := keyOf(it)
			if cur.before(at, id) {
				continue
			}
			items = append(items, it)
			next.LastAt, next.LastID = at.UnixNano(), id
		}
		next.Depth += len(conn.Nodes)
		if e := conn.PageInfo.EndCursor; e != nil {
			next.After = *e
		}
		more := conn.PageInfo.HasNextPage && next.After != cur.After
		if err := fn(items, next.String(), more); err != nil {
			return err
		}
		if !more {
			return nil
		}
		cur = next
	}
}

type checkoutNode struct {
	ID          string     `json:"id"`
	UpdatedAt   time.Time  `json:"updatedAt"`
	CompletedAt *time.Time `json:"completedAt"`
	Customer    *struct {
		ID string `json:"id"`
	} `json:"customer"`
}

func (n *checkoutNode) checkout() Checkout {
	ck := Checkout{ID: n.ID, UpdatedAt: n.UpdatedAt, CompletedAt: n.CompletedAt}
	if n.Customer != nil {
		ck.CustomerID = n.Customer.ID
	}
	return ck
}

// AbandonedCheckouts reads checkouts by UPDATED_AT as Customers reads
// customers. Recovered checkouts are in the list with CompletedAt set.
func (c *Client) AbandonedCheckouts(ctx context.Context, q Query, fn func(*CheckoutPage) error) error {
	const query = `query AbandonedCheckouts($first: Int!, $after: String, $query: String) { abandonedCheckouts(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) { nodes { id updatedAt completedAt customer { id } } pageInfo { hasNextPage endCursor } } }`
	return pages(ctx, c, q, "AbandonedCheckouts", query, "abandonedCheckouts",
		func(raw json.RawMessage) (Checkout, error) {
			var n checkoutNode
			if err := json.Unmarshal(raw, &n); err != nil {
				return Checkout{}, kizuna.Errorf(kizuna.EUPSTREAM, "Shopify's answer to %s could not be read: %v", "AbandonedCheckouts", err)
			}
			return n.checkout(), nil
		},
		func(ck Checkout) (time.Time, string) { return ck.UpdatedAt, LegacyID(ck.ID) },
		func(items []Checkout, cursor string, more bool) error {
			return fn(&CheckoutPage{Checkouts: items, Cursor: cursor, More: more})
		})
}

// Page is one step of a backfill: customers and checkouts (either may be
// empty), and the cursor that resumes after them.
type Page struct {
	Customers []Customer
	Checkouts []Checkout
	// Cursor is opaque: keep it with what the page wrote, and pass it to
	// Backfill to resume after a crash.
	Cursor string
	// Bulk tells a page read from a bulk operation's file.
	Bulk bool
}

// Backfill reads every customer, then every abandoned checkout, calling
// fn with each page. A shop with more customers than BulkThreshold is read
// through a bulk operation, streamed line by line; a smaller one by paged
// queries. cursor is "" to start or a Page's Cursor to resume after it.
func (c *Client) Backfill(ctx context.Context, cursor string, fn func(*Page) error) error {
	kind, rest, ok := strings.Cut(cursor, ":")
	if cursor == "" {
		shop, err := c.Check(ctx)
		if err != nil {
			return err
		}
		kind = "c"
		if c.cfg.BulkThreshold >= 0 && shop.CustomersCount > int64(c.cfg.BulkThreshold) {
			kind = "b"
		}
	} else if !ok || (kind != "c" && kind != "k" && kind != "b") {
		return kizuna.Errorf(kizuna.EINVALID, "the Shopify backfill cursor %q is not one this client made", cursor)
	}
	switch kind {
	case "b":
		return c.bulkBackfill(ctx, rest, fn)
	case "c":
		err := c.Customers(ctx, Query{After: rest}, func(p *CustomerPage) error {
			return fn(&Page{Customers: p.Customers, Cursor: "c:" + p.Cursor})
		})
		if err != nil {
			return err
		}
		rest = ""
		if err := fn(&Page{Cursor: "k:"}); err != nil {
			return err
		}
	}
	return c.AbandonedCheckouts(ctx, Query{After: rest}, func(p *CheckoutPage) error {
		return fn(&Page{Checkouts: p.Checkouts, Cursor: "k:" + p.Cursor})
	})
}

// decodeRow reads one line of a bulk file.
func decodeRow(line []byte) (*customerNode, error) {
	var n customerNode
	if err := json.Unmarshal(line, &n); err != nil {
		return nil, kizuna.Errorf(kizuna.EUPSTREAM, "a line of Shopify's bulk file could not be read: %v", err)
	}
	return &n, nil
}

// Kizuna returns the customer as Kizuna's import format has it, with its
// checkouts (those whose CustomerID is the customer's).
func (c *Customer) Kizuna(checkouts []Checkout) *kizuna.ShopifyCustomer {
	out := &kizuna.ShopifyCustomer{CustomerID: c.LegacyID, Tags: append([]string{}, c.Tags...), OrdersCount: c.NumberOfOrders, Checkouts: []kizuna.Checkout{}}
	if c.LastOrderAt != nil {
		at := *c.LastOrderAt
		out.LastOrderAt = &at
	}
	for _, ck := range checkouts {
		if ck.CustomerID != c.ID {
			continue
		}
		k := kizuna.Checkout{ID: LegacyID(ck.ID), UpdatedAt: ck.UpdatedAt}
		if ck.CompletedAt != nil {
			at := *ck.CompletedAt
			k.CompletedAt = &at
		}
		out.Checkouts = append(out.Checkouts, k)
	}
	return out
}
