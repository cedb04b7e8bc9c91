package shopifyfake

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Mode is how webhooks are sent.
type Mode int

// Webhook modes.
const (
	// Normal sends each delivery once, when it happens.
	Normal Mode = iota
	// Duplicate sends each delivery twice, the same id and bytes both
	// times (Shopify's retry after a lost answer).
	Duplicate
	// Hold keeps deliveries until Release, which sends them newest first
	// (Shopify does not promise an order).
	Hold
)

// Delivery is one webhook delivery: its headers' ids and the exact body
// that was signed, kept for replay.
type Delivery struct {
	WebhookID   string    `json:"webhook_id"`
	EventID     string    `json:"event_id"`
	Topic       string    `json:"topic"`
	TriggeredAt time.Time `json:"triggered_at"`
	Body        []byte    `json:"-"`
	Payload     any       `json:"payload"`
	Sent        int       `json:"sent"`
	LastStatus  int       `json:"last_status,omitempty"`
	LastError   string    `json:"last_error,omitempty"`
	outbox      bool
}

// Sign returns Shopify's X-Shopify-Hmac-Sha256 of body: base64 of
// HMAC-SHA256 keyed with the secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func newID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// queueLocked records a delivery of topic and puts it in the outbox; the
// caller holds the lock and sends it with flushQueued after releasing it.
func (f *Fake) queueLocked(topic string, payload any, eventID string) *Delivery {
	body, _ := json.Marshal(payload)
	if eventID == "" {
		eventID = newID()
	}
	d := &Delivery{WebhookID: newID(), EventID: eventID, Topic: topic, TriggeredAt: f.now(), Body: body, Payload: json.RawMessage(body), outbox: true}
	f.deliveries = append(f.deliveries, d)
	return d
}

// flushQueued sends what is in the outbox, as the mode says.
func (f *Fake) flushQueued() []*Delivery {
	f.mu.Lock()
	var out []*Delivery
	for _, d := range f.deliveries {
		if d.outbox {
			d.outbox = false
			out = append(out, d)
		}
	}
	mode := f.mode
	if mode == Hold {
		f.held = append(f.held, out...)
		f.mu.Unlock()
		return out
	}
	f.mu.Unlock()
	for _, d := range out {
		f.send(context.Background(), d)
		if mode == Duplicate {
			f.send(context.Background(), d)
		}
	}
	return out
}

// SetWebhookMode sets how deliveries are sent from now on.
func (f *Fake) SetWebhookMode(m Mode) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mode = m
}

// Release sends the held deliveries, newest first, and returns them.
func (f *Fake) Release(ctx context.Context) []*Delivery {
	f.mu.Lock()
	held := f.held
	f.held = nil
	f.mu.Unlock()
	for i := len(held) - 1; i >= 0; i-- {
		f.send(ctx, held[i])
	}
	return held
}

// Deliveries returns every delivery made so far.
func (f *Fake) Deliveries() []*Delivery {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*Delivery(nil), f.deliveries...)
}

// Replay sends the delivery with the webhook id again: the same id, event
// id, trigger time and bytes, as Shopify's retries do.
func (f *Fake) Replay(ctx context.Context, webhookID string) error {
	f.mu.Lock()
	var d *Delivery
	for _, x := range f.deliveries {
		if x.WebhookID == webhookID {
			d = x
		}
	}
	f.mu.Unlock()
	if d == nil {
		return fmt.Errorf("no delivery %q", webhookID)
	}
	return f.send(ctx, d)
}

// WebhookRequest builds the signed request of a delivery to url.
func (f *Fake) WebhookRequest(ctx context.Context, url string, d *Delivery) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(d.Body))
	if err != nil {
		return nil, err
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("X-Shopify-Topic", d.Topic)
	h.Set("X-Shopify-Hmac-Sha256", Sign(f.cfg.WebhookSecret, d.Body))
	h.Set("X-Shopify-Shop-Domain", f.cfg.ShopDomain)
	h.Set("X-Shopify-API-Version", f.cfg.APIVersion)
	h.Set("X-Shopify-Webhook-Id", d.WebhookID)
	h.Set("X-Shopify-Event-Id", d.EventID)
	h.Set("X-Shopify-Triggered-At", d.TriggeredAt.UTC().Format(time.RFC3339Nano))
	return req, nil
}

// send posts a delivery to the webhook URL; without one it is kept unsent.
func (f *Fake) send(ctx context.Context, d *Delivery) error {
	f.mu.Lock()
	url := f.cfg.WebhookURL
	f.mu.Unlock()
	if url == "" {
		return nil
	}
	req, err := f.WebhookRequest(ctx, url, d)
	if err != nil {
		return err
	}
	resp, err := f.cfg.HTTPClient.Do(req)
	f.mu.Lock()
	defer f.mu.Unlock()
	d.Sent++
	if err != nil {
		d.LastError = err.Error()
		return err
	}
	resp.Body.Close()
	d.LastStatus, d.LastError = resp.StatusCode, ""
	if resp.StatusCode/100 != 2 {
		return errors.New("the receiver answered " + resp.Status)
	}
	return nil
}
