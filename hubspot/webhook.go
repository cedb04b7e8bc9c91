package hubspot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/kizuna-line/kizuna"
)

// Webhook limits.
const (
	// SignatureMaxAge is how old a request's timestamp may be.
	SignatureMaxAge = 5 * time.Minute
	// MaxWebhookBody caps a webhook body (100 events are far smaller).
	MaxWebhookBody = 1 << 20
)

// Event is one webhook event. HubSpot's webhooks are thin: fetch the
// contact (ReadContacts) to learn what changed beyond PropertyName.
type Event struct {
	EventID          string
	SubscriptionID   string
	PortalID         string
	AppID            string
	ObjectID         string
	SubscriptionType string // contact.creation, contact.propertyChange, …
	PropertyName     string
	PropertyValue    string
	ChangeSource     string
	OccurredAt       time.Time
	AttemptNumber    int
}

// DedupKey identifies an event across redeliveries: HubSpot says eventId
// alone is not guaranteed unique.
func (e Event) DedupKey() string {
	return e.SubscriptionID + ":" + e.EventID + ":" + e.ObjectID + ":" + strconv.FormatInt(e.OccurredAt.UnixMilli(), 10)
}

// Sign returns HubSpot's v3 signature: base64 of HMAC-SHA256(client
// secret, method + uri + body + timestamp).
func Sign(secret, method, uri string, body []byte, timestamp string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(method))
	m.Write([]byte(uri))
	m.Write(body)
	m.Write([]byte(timestamp))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// VerifySignature checks a v3 signature and that its timestamp (epoch
// milliseconds) is at most five minutes old. uri is the full URL HubSpot
// called (scheme, host, path and query), taken from configuration: behind
// a proxy the request's own Host and scheme are not it.
func VerifySignature(secret, method, uri string, body []byte, timestamp, signature string, now time.Time) error {
	ms, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return kizuna.Errorf(kizuna.EUNAUTHORIZED, "the HubSpot webhook has no valid X-HubSpot-Request-Timestamp")
	}
	if now.UnixMilli()-ms > SignatureMaxAge.Milliseconds() {
		return kizuna.Errorf(kizuna.EUNAUTHORIZED, "the HubSpot webhook's timestamp is more than five minutes old")
	}
	want := Sign(secret, method, uri, body, timestamp)
	if signature == "" || !hmac.Equal([]byte(want), []byte(signature)) {
		return kizuna.Errorf(kizuna.EUNAUTHORIZED, "the HubSpot webhook's signature does not match the app's client secret")
	}
	return nil
}

// Verifier verifies and parses the webhooks of one app.
type Verifier struct {
	ClientSecret string
	// URL is the full public URL HubSpot calls.
	URL string
	// Now is the clock of the five-minute window (default time.Now).
	Now func() time.Time
}

// Verify reads r's body (at most MaxWebhookBody), checks its v3 signature
// and returns its events, oldest first. A refusal is EUNAUTHORIZED (answer
// 401) or, for a body that is not HubSpot's, EINVALID or ETOOLARGE.
func (v *Verifier) Verify(r *http.Request) ([]Event, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxWebhookBody+1))
	if err != nil {
		return nil, kizuna.Errorf(kizuna.EINVALID, "the HubSpot webhook's body could not be read")
	}
	if len(body) > MaxWebhookBody {
		return nil, kizuna.Errorf(kizuna.ETOOLARGE, "the HubSpot webhook's body is larger than %d bytes", MaxWebhookBody)
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	if err := VerifySignature(v.ClientSecret, r.Method, v.URL, body, r.Header.Get("X-HubSpot-Request-Timestamp"),
		r.Header.Get("X-HubSpot-Signature-v3"), now()); err != nil {
		return nil, err
	}
	return ParseEvents(body)
}

// ParseEvents parses a webhook body, a JSON array of events, into events
// sorted by OccurredAt (HubSpot does not keep order). It reads the type
// from subscriptionType or, in older payloads, eventType, and IDs as
// numbers or strings.
func ParseEvents(body []byte) ([]Event, error) {
	var raw []struct {
		EventID          json.RawMessage `json:"eventId"`
		SubscriptionID   json.RawMessage `json:"subscriptionId"`
		PortalID         json.RawMessage `json:"portalId"`
		AppID            json.RawMessage `json:"appId"`
		ObjectID         json.RawMessage `json:"objectId"`
		SubscriptionType string          `json:"subscriptionType"`
		EventType        string          `json:"eventType"`
		PropertyName     string          `json:"propertyName"`
		PropertyValue    json.RawMessage `json:"propertyValue"`
		ChangeSource     string          `json:"changeSource"`
		OccurredAt       json.RawMessage `json:"occurredAt"`
		AttemptNumber    int             `json:"attemptNumber"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, kizuna.Errorf(kizuna.EINVALID, "the HubSpot webhook's body is not a JSON array of events")
	}
	out := make([]Event, len(raw))
	for i, r := range raw {
		ms, err := strconv.ParseInt(idString(r.OccurredAt), 10, 64)
		if err != nil || len(r.EventID) == 0 || len(r.ObjectID) == 0 {
			return nil, kizuna.Errorf(kizuna.EINVALID, "HubSpot webhook event %d has no eventId, objectId or occurredAt", i)
		}
		e := Event{EventID: idString(r.EventID), SubscriptionID: idString(r.SubscriptionID), PortalID: idString(r.PortalID),
			AppID: idString(r.AppID), ObjectID: idString(r.ObjectID), SubscriptionType: r.SubscriptionType,
			PropertyName: r.PropertyName, ChangeSource: r.ChangeSource, OccurredAt: time.UnixMilli(ms).UTC(), AttemptNumber: r.AttemptNumber}
		if e.SubscriptionType == "" {
			e.SubscriptionType = r.EventType
		}
		if len(r.PropertyValue) > 0 && string(r.PropertyValue) != "null" {
			e.PropertyValue = idString(r.PropertyValue)
		}
		out[i] = e
	}
	slices.SortStableFunc(out, func(a, b Event) int { return a.OccurredAt.Compare(b.OccurredAt) })
	return out, nil
}
