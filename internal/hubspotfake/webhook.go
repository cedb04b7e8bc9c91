package hubspotfake

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Event is one webhook event, as HubSpot sends it in a batch.
type Event struct {
	ObjectID         int64  `json:"objectId"`
	PropertyName     string `json:"propertyName,omitempty"`
	PropertyValue    string `json:"propertyValue,omitempty"`
	ChangeSource     string `json:"changeSource"`
	EventID          int64  `json:"eventId"`
	SubscriptionID   int64  `json:"subscriptionId"`
	PortalID         int64  `json:"portalId"`
	AppID            int64  `json:"appId"`
	OccurredAt       int64  `json:"occurredAt"`
	SubscriptionType string `json:"subscriptionType"`
	AttemptNumber    int    `json:"attemptNumber"`
}

// Subscription IDs of the fake's webhook subscriptions.
const (
	SubscriptionCreation       = 21
	SubscriptionPropertyChange = 25
)

// Delivery is one webhook POST the fake made.
type Delivery struct {
	Events    []Event   `json:"events"`
	Body      string    `json:"body"`
	Timestamp string    `json:"timestamp"`
	Signature string    `json:"signature"`
	Status    int       `json:"status"` // 0: no answer
	Error     string    `json:"error,omitempty"`
	At        time.Time `json:"at"`
}

// WebhookMode changes how the sender delivers.
type WebhookMode struct {
	// Hold queues events until FlushWebhooks instead of sending each
	// mutation's at once.
	Hold bool
	// Duplicate sends every delivery twice.
	Duplicate bool
	// Reverse sends a batch's events newest first.
	Reverse bool
	// Stale dates the signature's timestamp six minutes back, past
	// HubSpot's five-minute window.
	Stale bool
}

type webhooks struct {
	url        string
	mode       WebhookMode
	pending    []Event
	eventSeq   int64
	deliveries []Delivery
}

// SetWebhookURL sets where webhooks go ("" sends none).
func (f *Fake) SetWebhookURL(u string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hooks.url = u
}

// SetWebhookMode sets the sender's mode.
func (f *Fake) SetWebhookMode(m WebhookMode) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hooks.mode = m
}

// Deliveries returns the webhook POSTs made so far.
func (f *Fake) Deliveries() []Delivery {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.hooks.deliveries)
}

// queue adds an event; the caller holds f.mu.
func (f *Fake) queue(sub int64, typ string, id uint64, prop, value string, at time.Time) {
	if f.hooks.url == "" {
		return
	}
	f.hooks.eventSeq++
	f.hooks.pending = append(f.hooks.pending, Event{ObjectID: int64(id), PropertyName: prop, PropertyValue: value,
		ChangeSource: "API", EventID: 3816279000 + f.hooks.eventSeq, SubscriptionID: sub, PortalID: f.cfg.PortalID,
		AppID: f.cfg.AppID, OccurredAt: at.UnixMilli(), SubscriptionType: typ})
}

// afterMutation sends the queued events unless the sender holds them.
func (f *Fake) afterMutation(ctx context.Context) error {
	f.mu.Lock()
	hold := f.hooks.mode.Hold
	f.mu.Unlock()
	if hold {
		return nil
	}
	return f.FlushWebhooks(ctx)
}

// FlushWebhooks sends the queued events, in batches of at most 100.
func (f *Fake) FlushWebhooks(ctx context.Context) error {
	f.mu.Lock()
	evs := f.hooks.pending
	f.hooks.pending = nil
	url, mode := f.hooks.url, f.hooks.mode
	f.mu.Unlock()
	var first error
	for len(evs) > 0 {
		n := min(len(evs), 100)
		batch := slices.Clone(evs[:n])
		evs = evs[n:]
		if mode.Reverse {
			slices.Reverse(batch)
		}
		times := 1
		if mode.Duplicate {
			times = 2
		}
		for range times {
			if _, err := f.deliver(ctx, url, batch, mode.Stale); err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}

// Replay sends delivery i again, its events' attemptNumber one higher and
// signed anew, as HubSpot retries.
func (f *Fake) Replay(ctx context.Context, i int) (*Delivery, error) {
	f.mu.Lock()
	if i < 0 || i >= len(f.hooks.deliveries) {
		f.mu.Unlock()
		return nil, fmt.Errorf("hubspotfake: no delivery %d", i)
	}
	evs := slices.Clone(f.hooks.deliveries[i].Events)
	url, stale := f.hooks.url, f.hooks.mode.Stale
	f.mu.Unlock()
	for j := range evs {
		evs[j].AttemptNumber++
	}
	return f.deliver(ctx, url, evs, stale)
}

// Sign returns HubSpot's v3 signature of a request: base64 of
// HMAC-SHA256(client secret, method + uri + body + timestamp).
func Sign(secret, method, uri string, body []byte, timestamp string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(method))
	m.Write([]byte(uri))
	m.Write(body)
	m.Write([]byte(timestamp))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// legacyV1 is HubSpot's v1 signature, hex SHA-256 of secret + body, sent
// alongside v3 as HubSpot does.
func legacyV1(secret string, body []byte) string {
	h := sha256.Sum256(append([]byte(secret), body...))
	return fmt.Sprintf("%x", h)
}

func (f *Fake) deliver(ctx context.Context, url string, evs []Event, stale bool) (*Delivery, error) {
	body, err := json.Marshal(evs)
	if err != nil {
		return nil, err
	}
	at := f.now()
	if stale {
		at = at.Add(-6 * time.Minute)
	}
	ts := strconv.FormatInt(at.UnixMilli(), 10)
	d := Delivery{Events: evs, Body: string(body), Timestamp: ts, Signature: Sign(f.cfg.ClientSecret, http.MethodPost, url, body, ts), At: f.now()}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-HubSpot-Signature-v3", d.Signature)
	req.Header.Set("X-HubSpot-Request-Timestamp", ts)
	req.Header.Set("X-HubSpot-Signature", legacyV1(f.cfg.ClientSecret, body))
	req.Header.Set("X-HubSpot-Signature-Version", "v1")
	req.Header.Set("User-Agent", "HubSpot Connect 2.0 (http://dev.hubspot.com/)")
	res, err := f.cfg.HTTPClient.Do(req)
	if err != nil {
		d.Error = err.Error()
	} else {
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<16))
		res.Body.Close()
		d.Status = res.StatusCode
	}
	f.mu.Lock()
	f.hooks.deliveries = append(f.hooks.deliveries, d)
	f.mu.Unlock()
	if err != nil {
		return &d, fmt.Errorf("hubspotfake: webhook: %w", err)
	}
	return &d, nil
}

// CreateContact creates a contact with the properties (strings, as
// HubSpot stores them) and sends contact.creation. It returns its ID.
func (f *Fake) CreateContact(ctx context.Context, props map[string]string) (string, error) {
	f.mu.Lock()
	now := f.now()
	c := &contact{id: f.freeID(), props: map[string]string{}, created: now, updated: now, written: now}
	for k, v := range props {
		if _, ok := f.props[k]; !ok {
			f.addProperty(Property{Name: k, Label: k, Type: "string", FieldType: "text"})
		}
		c.props[k] = v
	}
	f.put(c)
	f.queue(SubscriptionCreation, "contact.creation", c.id, "", "", now)
	f.mu.Unlock()
	return strconv.FormatUint(c.id, 10), f.afterMutation(ctx)
}

// SetProperty changes a contact's property (nil unsets it), updates its
// lastmodifieddate and sends contact.propertyChange.
func (f *Fake) SetProperty(ctx context.Context, contactID, name string, value *string) error {
	id, _ := strconv.ParseUint(contactID, 10, 64)
	f.mu.Lock()
	c := f.get(id)
	if c == nil {
		f.mu.Unlock()
		return fmt.Errorf("hubspotfake: no contact %s", contactID)
	}
	c = c.materialize()
	if _, ok := f.props[name]; !ok {
		f.addProperty(Property{Name: name, Label: name, Type: "string", FieldType: "text"})
	}
	now := f.now()
	v := ""
	if value != nil {
		v = *value
		c.props[name] = v
	} else {
		delete(c.props, name)
	}
	c.updated, c.written = now, now
	f.put(c)
	f.queue(SubscriptionPropertyChange, "contact.propertyChange", c.id, name, v, now)
	f.mu.Unlock()
	return f.afterMutation(ctx)
}

// AddToList puts a contact in the list named (made MANUAL when missing).
// HubSpot sends no webhook for it: the change is seen by polling.
func (f *Fake) AddToList(listName, contactID string) error {
	return f.changeList(listName, contactID, true)
}

// RemoveFromList takes a contact out of the list named.
func (f *Fake) RemoveFromList(listName, contactID string) error {
	return f.changeList(listName, contactID, false)
}

func (f *Fake) changeList(listName, contactID string, add bool) error {
	id, _ := strconv.ParseUint(contactID, 10, 64)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.get(id) == nil {
		return fmt.Errorf("hubspotfake: no contact %s", contactID)
	}
	l := f.listByName(listName)
	if l == nil {
		if !add {
			return fmt.Errorf("hubspotfake: no list %q", listName)
		}
		l = f.newList(listName, "MANUAL")
	}
	if add {
		f.addMember(l, id, f.now())
	} else {
		f.removeMember(l, id)
	}
	return nil
}

// CreateList makes a list of the kind (MANUAL, DYNAMIC or SNAPSHOT) and
// returns its ID.
func (f *Fake) CreateList(name, kind string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if l := f.listByName(name); l != nil {
		return strconv.FormatUint(l.id, 10)
	}
	return strconv.FormatUint(f.newList(name, kind).id, 10)
}

// ListID returns the ID of the list named, "" when there is none.
func (f *Fake) ListID(name string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if l := f.listByName(name); l != nil {
		return strconv.FormatUint(l.id, 10)
	}
	return ""
}
