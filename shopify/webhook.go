package shopify

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/kizuna-line/kizuna"
)

// MaxWebhookBody caps a webhook's body; Shopify's payloads are far
// smaller, an order with hundreds of lines included.
const MaxWebhookBody = 1 << 20

// Webhook topics Kizuna reads.
const (
	TopicCustomersCreate   = "customers/create"
	TopicCustomersUpdate   = "customers/update"
	TopicCustomersDelete   = "customers/delete"
	TopicPurchasingSummary = "customers/purchasing_summary"
	TopicTagsAdded         = "customer.tags_added"
	TopicTagsRemoved       = "customer.tags_removed"
	TopicOrdersCreate      = "orders/create"
	TopicOrdersPaid        = "orders/paid"
	TopicCheckoutsCreate   = "checkouts/create"
	TopicCheckoutsUpdate   = "checkouts/update"
	TopicBulkFinish        = "bulk_operations/finish"
)

// Verify reports whether signature (X-Shopify-Hmac-Sha256) is the base64
// HMAC-SHA256 of body keyed with secret, compared in constant time.
func Verify(secret string, body []byte, signature string) bool {
	got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(signature))
	if err != nil || secret == "" {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hmac.Equal(got, m.Sum(nil))
}

// Delivery is one verified webhook. Exactly one of the typed fields is
// set for a topic Kizuna reads; Other holds any other topic's body.
type Delivery struct {
	Topic string
	// WebhookID is the same on Shopify's retries of a delivery; EventID
	// is the same across deliveries of one event. Deduplicate on both.
	WebhookID   string
	EventID     string
	ShopDomain  string
	APIVersion  string
	TriggeredAt time.Time
	Body        []byte

	Customer *CustomerEvent
	Summary  *PurchasingSummary
	Tags     *TagsEvent
	Order    *OrderEvent
	Checkout *CheckoutEvent
	Bulk     *BulkFinish
}

// CustomerEvent is customers/create, update or delete. Since 2025-01 it
// carries no tags nor orders count: those come by their own topics.
type CustomerEvent struct {
	ID        string // GID
	LegacyID  string
	Email     string
	UpdatedAt time.Time
	Deleted   bool
}

// PurchasingSummary is customers/purchasing_summary: the orders count
// and last order after an order.
type PurchasingSummary struct {
	CustomerID     string // GID
	NumberOfOrders int64
	LastOrderID    string
	OccurredAt     time.Time
}

// TagsEvent is customer.tags_added or customer.tags_removed.
type TagsEvent struct {
	CustomerID string
	Tags       []string
	Added      bool
	OccurredAt time.Time
}

// OrderEvent is orders/create or orders/paid.
type OrderEvent struct {
	ID            string // GID
	LegacyID      string
	CustomerID    string // GID, "" for a guest
	CheckoutID    string // GID of the checkout it completes, if any
	CheckoutToken string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// CheckoutEvent is checkouts/create or checkouts/update.
type CheckoutEvent struct {
	Checkout
	LegacyID string
	Token    string
}

// BulkFinish is bulk_operations/finish.
type BulkFinish struct {
	ID          string
	Status      string
	ErrorCode   string
	CompletedAt *time.Time
}

// ResourceID returns the id of the record the delivery is about (for the
// idempotent upsert beside the dedup keys).
func (d *Delivery) ResourceID() string {
	switch {
	case d.Customer != nil:
		return d.Customer.ID
	case d.Summary != nil:
		return d.Summary.CustomerID
	case d.Tags != nil:
		return d.Tags.CustomerID
	case d.Order != nil:
		return d.Order.ID
	case d.Checkout != nil:
		return d.Checkout.ID
	case d.Bulk != nil:
		return d.Bulk.ID
	}
	return ""
}

// RecordTime returns the record's own time (updated_at or occurredAt),
// to discard a delivery older than what is applied; TriggeredAt when the
// payload has none.
func (d *Delivery) RecordTime() time.Time {
	switch {
	case d.Customer != nil && !d.Customer.UpdatedAt.IsZero():
		return d.Customer.UpdatedAt
	case d.Summary != nil:
		return d.Summary.OccurredAt
	case d.Tags != nil:
		return d.Tags.OccurredAt
	case d.Order != nil:
		return d.Order.UpdatedAt
	case d.Checkout != nil:
		return d.Checkout.UpdatedAt
	}
	return d.TriggeredAt
}

// ReadWebhook reads a webhook request's body (at most MaxWebhookBody),
// verifies it with any of the secrets (two during a rotation) and parses
// it. A bad signature is EUNAUTHORIZED: store nothing, answer 401.
func ReadWebhook(r *http.Request, secrets ...string) (*Delivery, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxWebhookBody+1))
	if err != nil {
		return nil, kizuna.Errorf(kizuna.EINVALID, "the Shopify webhook's body could not be read: %v", err)
	}
	if len(body) > MaxWebhookBody {
		return nil, kizuna.Errorf(kizuna.ETOOLARGE, "the Shopify webhook's body is larger than %d bytes", MaxWebhookBody)
	}
	sig := r.Header.Get("X-Shopify-Hmac-Sha256")
	ok := false
	for _, s := range secrets {
		if Verify(s, body, sig) {
			ok = true
			break
		}
	}
	if !ok {
		return nil, kizuna.Errorf(kizuna.EUNAUTHORIZED, "the Shopify webhook's signature does not match")
	}
	return ParseWebhook(r.Header, body)
}

// ParseWebhook parses a verified delivery from its headers and body.
func ParseWebhook(h http.Header, body []byte) (*Delivery, error) {
	d := &Delivery{
		Topic: h.Get("X-Shopify-Topic"), WebhookID: h.Get("X-Shopify-Webhook-Id"), EventID: h.Get("X-Shopify-Event-Id"),
		ShopDomain: h.Get("X-Shopify-Shop-Domain"), APIVersion: h.Get("X-Shopify-API-Version"), Body: body,
	}
	if d.Topic == "" || d.WebhookID == "" {
		return nil, kizuna.Errorf(kizuna.EINVALID, "the Shopify webhook has no X-Shopify-Topic or X-Shopify-Webhook-Id header")
	}
	if t, err := time.Parse(time.RFC3339Nano, h.Get("X-Shopify-Triggered-At")); err == nil {
		d.TriggeredAt = t
	}
	dec := func(v any) error {
		dc := json.NewDecoder(bytes.NewReader(body))
		dc.UseNumber()
		if err := dc.Decode(v); err != nil {
			return kizuna.Errorf(kizuna.EINVALID, "the Shopify webhook's %s payload is not valid: %v", d.Topic, err)
		}
		return nil
	}
	switch d.Topic {
	case TopicCustomersCreate, TopicCustomersUpdate, TopicCustomersDelete:
		var p struct {
			ID        json.Number `json:"id"`
			GID       string      `json:"admin_graphql_api_id"`
			Email     *string     `json:"email"`
			UpdatedAt *time.Time  `json:"updated_at"`
		}
		if err := dec(&p); err != nil {
			return nil, err
		}
		e := &CustomerEvent{ID: gidOf("Customer", p.GID, p.ID), LegacyID: p.ID.String(), Deleted: d.Topic == TopicCustomersDelete}
		if p.Email != nil {
			e.Email = *p.Email
		}
		if p.UpdatedAt != nil {
			e.UpdatedAt = *p.UpdatedAt
		}
		d.Customer = e
	case TopicPurchasingSummary:
		var p struct {
			CustomerID     string      `json:"customerId"`
			NumberOfOrders json.Number `json:"numberOfOrders"`
			LastOrderID    *string     `json:"lastOrderId"`
			OccurredAt     time.Time   `json:"occurredAt"`
		}
		if err := dec(&p); err != nil {
			return nil, err
		}
		n, err := p.NumberOfOrders.Int64()
		if err != nil || n < 0 {
			return nil, kizuna.Errorf(kizuna.EINVALID, "the Shopify webhook's %s payload is not valid: %v", d.Topic, "numberOfOrders "+p.NumberOfOrders.String())
		}
		d.Summary = &PurchasingSummary{CustomerID: p.CustomerID, NumberOfOrders: n, OccurredAt: p.OccurredAt}
		if p.LastOrderID != nil {
			d.Summary.LastOrderID = *p.LastOrderID
		}
	case TopicTagsAdded, TopicTagsRemoved:
		var p struct {
			CustomerID string    `json:"customerId"`
			Tags       []string  `json:"tags"`
			OccurredAt time.Time `json:"occurredAt"`
		}
		if err := dec(&p); err != nil {
			return nil, err
		}
		d.Tags = &TagsEvent{CustomerID: p.CustomerID, Tags: p.Tags, Added: d.Topic == TopicTagsAdded, OccurredAt: p.OccurredAt}
	case TopicOrdersCreate, TopicOrdersPaid:
		var p struct {
			ID            json.Number `json:"id"`
			GID           string      `json:"admin_graphql_api_id"`
			CreatedAt     time.Time   `json:"created_at"`
			UpdatedAt     time.Time   `json:"updated_at"`
			CheckoutID    json.Number `json:"checkout_id"`
			CheckoutToken *string     `json:"checkout_token"`
			Customer      *struct {
				ID  json.Number `json:"id"`
				GID string      `json:"admin_graphql_api_id"`
			} `json:"customer"`
		}
		if err := dec(&p); err != nil {
			return nil, err
		}
		o := &OrderEvent{ID: gidOf("Order", p.GID, p.ID), LegacyID: p.ID.String(), CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
		if o.UpdatedAt.IsZero() {
			o.UpdatedAt = o.CreatedAt
		}
		if p.Customer != nil {
			o.CustomerID = gidOf("Customer", p.Customer.GID, p.Customer.ID)
		}
		if p.CheckoutID != "" {
			o.CheckoutID = gidOf("AbandonedCheckout", "", p.CheckoutID)
		}
		if p.CheckoutToken != nil {
			o.CheckoutToken = *p.CheckoutToken
		}
		d.Order = o
	case TopicCheckoutsCreate, TopicCheckoutsUpdate:
		var p struct {
			ID          json.Number `json:"id"`
			Token       *string     `json:"token"`
			UpdatedAt   time.Time   `json:"updated_at"`
			CompletedAt *time.Time  `json:"completed_at"`
			Customer    *struct {
				ID  json.Number `json:"id"`
				GID string      `json:"admin_graphql_api_id"`
			} `json:"customer"`
		}
		if err := dec(&p); err != nil {
			return nil, err
		}
		e := &CheckoutEvent{Checkout: Checkout{ID: gidOf("AbandonedCheckout", "", p.ID), UpdatedAt: p.UpdatedAt, CompletedAt: p.CompletedAt}, LegacyID: p.ID.String()}
		if p.Customer != nil {
			e.CustomerID = gidOf("Customer", p.Customer.GID, p.Customer.ID)
		}
		if p.Token != nil {
			e.Token = *p.Token
		}
		d.Checkout = e
	case TopicBulkFinish:
		var p struct {
			ID          string     `json:"admin_graphql_api_id"`
			Status      string     `json:"status"`
			ErrorCode   *string    `json:"error_code"`
			CompletedAt *time.Time `json:"completed_at"`
		}
		if err := dec(&p); err != nil {
			return nil, err
		}
		d.Bulk = &BulkFinish{ID: p.ID, Status: strings.ToUpper(p.Status), CompletedAt: p.CompletedAt}
		if p.ErrorCode != nil {
			d.Bulk.ErrorCode = *p.ErrorCode
		}
	}
	return d, nil
}

// gidOf returns the GID, or makes one of a REST id.
func gidOf(kind, gid string, id json.Number) string {
	if gid != "" {
		return gid
	}
	if id == "" {
		return ""
	}
	return "gid://shopify/" + kind + "/" + id.String()
}
