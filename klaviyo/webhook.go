package klaviyo

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/kizuna-line/kizuna"
)

// MaxWebhookBody caps a system webhook's body: up to 1,000 events, each
// in the Get Event shape.
const MaxWebhookBody = 5 << 20

// WebhookDelivery is one verified system webhook request.
type WebhookDelivery struct {
	WebhookID string // Klaviyo-Webhook-Id, equal to meta.klaviyo_webhook_id
	AccountID string // meta.klaviyo_account_id
	Timestamp string // Klaviyo-Timestamp, as signed
	Events    []WebhookEvent
}

// WebhookEvent is one event of a delivery. ExternalID is the event's id,
// the key to deduplicate on.
type WebhookEvent struct {
	ExternalID string
	Topic      string
	// ProfileID is the profile the event is about, when the payload names
	// one.
	ProfileID string
	Payload   json.RawMessage
}

// Sign returns Klaviyo's signature of a delivery: lowercase hex of
// HMAC-SHA256 keyed with the webhook's secret over the raw body followed
// by the Klaviyo-Timestamp header (integrations.md §4.5).
func Sign(secret string, body []byte, timestamp string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	m.Write([]byte(timestamp))
	return hex.EncodeToString(m.Sum(nil))
}

// ReadWebhook reads a delivery's body (at most MaxWebhookBody) and
// verifies it as VerifyWebhook does.
func ReadWebhook(r *http.Request, secret string) (*WebhookDelivery, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxWebhookBody+1))
	if err != nil {
		return nil, kizuna.Errorf(kizuna.EINVALID, "the Klaviyo webhook body could not be read")
	}
	if len(body) > MaxWebhookBody {
		return nil, kizuna.Errorf(kizuna.ETOOLARGE, "the Klaviyo webhook body is over %d bytes", MaxWebhookBody)
	}
	return VerifyWebhook(secret, r.Header, body)
}

// VerifyWebhook checks a delivery's signature over its raw body and
// timestamp, then that meta.klaviyo_webhook_id equals the
// Klaviyo-Webhook-Id header, and returns its events. A refusal is
// EUNAUTHORIZED: nothing of the delivery may be used.
func VerifyWebhook(secret string, h http.Header, body []byte) (*WebhookDelivery, error) {
	if secret == "" {
		return nil, kizuna.Errorf(kizuna.EINVALID, "no Klaviyo webhook secret is configured")
	}
	sig := strings.ToLower(strings.TrimSpace(h.Get("Klaviyo-Signature")))
	ts := h.Get("Klaviyo-Timestamp")
	got, err := hex.DecodeString(sig)
	want, _ := hex.DecodeString(Sign(secret, body, ts))
	if sig == "" || ts == "" || err != nil || !hmac.Equal(got, want) {
		return nil, kizuna.Errorf(kizuna.EUNAUTHORIZED, "the Klaviyo webhook signature does not match")
	}
	var doc struct {
		Data []struct {
			ExternalID string          `json:"external_id"`
			Topic      string          `json:"topic"`
			Payload    json.RawMessage `json:"payload"`
		} `json:"data"`
		Meta struct {
			AccountID string `json:"klaviyo_account_id"`
			WebhookID string `json:"klaviyo_webhook_id"`
		} `json:"meta"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, kizuna.Errorf(kizuna.EINVALID, "the Klaviyo webhook body is not valid JSON")
	}
	id := h.Get("Klaviyo-Webhook-Id")
	if id == "" || doc.Meta.WebhookID != id {
		return nil, kizuna.Errorf(kizuna.EUNAUTHORIZED, "the Klaviyo webhook id in the body does not match its header")
	}
	d := &WebhookDelivery{WebhookID: id, AccountID: doc.Meta.AccountID, Timestamp: ts, Events: make([]WebhookEvent, 0, len(doc.Data))}
	for _, e := range doc.Data {
		if e.ExternalID == "" {
			return nil, kizuna.Errorf(kizuna.EINVALID, "a Klaviyo webhook event has no external_id")
		}
		d.Events = append(d.Events, WebhookEvent{ExternalID: e.ExternalID, Topic: e.Topic, Payload: e.Payload, ProfileID: profileOf(e.Payload)})
	}
	return d, nil
}

// profileOf finds relationships.profile.data.id in an event payload.
func profileOf(payload json.RawMessage) string {
	var p struct {
		Relationships struct {
			Profile struct {
				Data struct {
					ID string `json:"id"`
				} `json:"data"`
			} `json:"profile"`
		} `json:"relationships"`
	}
	if json.Unmarshal(payload, &p) == nil {
		return p.Relationships.Profile.Data.ID
	}
	return ""
}
