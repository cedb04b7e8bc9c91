package klaviyofake

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Sign returns Klaviyo's system-webhook signature: lowercase hex of
// HMAC-SHA256 keyed with the secret over the raw body followed by the
// Klaviyo-Timestamp header (integrations.md §4.5).
func Sign(secret string, body []byte, timestamp string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	m.Write([]byte(timestamp))
	return hex.EncodeToString(m.Sum(nil))
}

// Event is one event of a system webhook delivery.
type Event struct {
	ExternalID string          `json:"external_id"` // the event's id, the dedup key
	Topic      string          `json:"topic"`
	Payload    json.RawMessage `json:"payload"`
}

// Delivery is one webhook request, built once and kept so it can be sent
// again byte for byte.
type Delivery struct {
	WebhookID string // the Klaviyo-Webhook-Id header
	Timestamp string // the Klaviyo-Timestamp header
	Signature string // the Klaviyo-Signature header
	Body      []byte
	Events    []Event
}

// Header returns the delivery's headers.
func (d *Delivery) Header() http.Header {
	return http.Header{
		"Content-Type":       {"application/json"},
		"Klaviyo-Webhook-Id": {d.WebhookID},
		"Klaviyo-Timestamp":  {d.Timestamp},
		"Klaviyo-Signature":  {d.Signature},
	}
}

// NewDelivery builds a signed delivery of events at the fake's clock. Its
// meta.klaviyo_webhook_id equals the header, as Klaviyo's does.
func (f *Fake) NewDelivery(events ...Event) *Delivery {
	return f.newDelivery(f.cfg.WebhookID, events)
}

// NewMismatchedDelivery builds a delivery whose Klaviyo-Webhook-Id header
// differs from its meta.klaviyo_webhook_id, which a receiver must refuse.
func (f *Fake) NewMismatchedDelivery(events ...Event) *Delivery {
	d := f.newDelivery(f.cfg.WebhookID, events)
	d.WebhookID = "01KOTHERWEBHOOK00000000000"
	return d
}

func (f *Fake) newDelivery(webhookID string, events []Event) *Delivery {
	now := f.now().UTC()
	ts := now.Format(time.RFC3339)
	if events == nil {
		events = []Event{}
	}
	body, _ := json.Marshal(map[string]any{
		"data": events,
		"meta": map[string]any{
			"klaviyo_account_id": f.cfg.AccountID,
			"klaviyo_webhook_id": webhookID,
			"timestamp":          ts,
			"version":            f.cfg.Revision,
		},
	})
	return &Delivery{WebhookID: webhookID, Timestamp: ts, Signature: Sign(f.cfg.WebhookSecret, body, ts), Body: body, Events: events}
}

// ProfileEvent builds an event of topic (such as
// "event:klaviyo.subscribed_to_email_marketing") for a profile, its payload
// in the Get Event API's shape.
func (f *Fake) ProfileEvent(topic, profileID string) Event {
	id := newID()
	now := f.now().UTC()
	payload, _ := json.Marshal(map[string]any{
		"type": "event",
		"id":   id,
		"attributes": map[string]any{
			"timestamp":        now.Unix(),
			"datetime":         now.Format("2006-01-02T15:04:05+00:00"),
			"uuid":             id,
			"event_properties": map[string]any{},
		},
		"relationships": map[string]any{
			"profile": map[string]any{"data": map[string]any{"type": "profile", "id": profileID}},
			"metric":  map[string]any{"data": map[string]any{"type": "metric", "id": "KzMet1"}},
		},
	})
	return Event{ExternalID: id, Topic: topic, Payload: payload}
}

// SetWebhook sets where webhooks go and the secret that signs them.
func (f *Fake) SetWebhook(url, secret string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cfg.WebhookURL, f.cfg.WebhookSecret = url, secret
}

// Send posts the delivery to the configured webhook URL and keeps it in
// the list of sent deliveries. It returns the receiver's status.
func (f *Fake) Send(ctx context.Context, d *Delivery) (int, error) {
	f.mu.Lock()
	url := f.cfg.WebhookURL
	f.hooks = append(f.hooks, d)
	f.mu.Unlock()
	if url == "" {
		return 0, errors.New("klaviyofake: no webhook URL is configured")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(d.Body))
	if err != nil {
		return 0, err
	}
	req.Header = d.Header()
	res, err := f.cfg.HTTPClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("klaviyofake: send webhook: %w", err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, nil
}

// Order is how SendAll sends its deliveries.
type Order int

// The orders of SendAll.
const (
	InOrder   Order = iota // each once, in order
	Reversed               // each once, last first
	Duplicate              // each twice in a row
)

// SendAll sends deliveries in the given order and returns the statuses.
func (f *Fake) SendAll(ctx context.Context, order Order, ds ...*Delivery) ([]int, error) {
	var seq []*Delivery
	switch order {
	case Reversed:
		for i := len(ds) - 1; i >= 0; i-- {
			seq = append(seq, ds[i])
		}
	case Duplicate:
		for _, d := range ds {
			seq = append(seq, d, d)
		}
	default:
		seq = ds
	}
	var out []int
	for _, d := range seq {
		st, err := f.Send(ctx, d)
		if err != nil {
			return out, err
		}
		out = append(out, st)
	}
	return out, nil
}

// Sent returns the deliveries sent so far, oldest first.
func (f *Fake) Sent() []*Delivery {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*Delivery(nil), f.hooks...)
}
