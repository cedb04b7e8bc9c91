package linefake

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Event is one webhook event as LINE sends it. The builders fill it; a
// test may set any field, Type included, to send what LINE might.
type Event struct {
	Type            string          `json:"type"`
	Mode            string          `json:"mode"`
	Timestamp       int64           `json:"timestamp"` // epoch milliseconds
	Source          Source          `json:"source"`
	WebhookEventID  string          `json:"webhookEventId"`
	DeliveryContext DeliveryContext `json:"deliveryContext"`
	ReplyToken      string          `json:"replyToken,omitempty"`
	Follow          *FollowDetail   `json:"follow,omitempty"`
	Message         *EventMessage   `json:"message,omitempty"`
}

// Source is an event's source.
type Source struct {
	Type   string `json:"type"`
	UserID string `json:"userId,omitempty"`
}

// DeliveryContext tells a redelivery.
type DeliveryContext struct {
	IsRedelivery bool `json:"isRedelivery"`
}

// FollowDetail is a follow event's follow object.
type FollowDetail struct {
	IsUnblocked bool `json:"isUnblocked"`
}

// EventMessage is a message event's message.
type EventMessage struct {
	Type       string `json:"type"`
	ID         string `json:"id"`
	QuoteToken string `json:"quoteToken,omitempty"`
	Text       string `json:"text,omitempty"`
}

// base fills what every event has, at the fake's clock.
func (f *Fake) base(typ, userID string) Event {
	now := f.now()
	return Event{
		Type:           typ,
		Mode:           "active",
		Timestamp:      now.UnixMilli(),
		Source:         Source{Type: "user", UserID: userID},
		WebhookEventID: NewULID(now),
	}
}

// FollowEvent builds a follow event: a new friend, or one who unblocked
// the account.
func (f *Fake) FollowEvent(userID string, unblocked bool) Event {
	e := f.base("follow", userID)
	e.ReplyToken = randomHex(16)
	e.Follow = &FollowDetail{IsUnblocked: unblocked}
	return e
}

// UnfollowEvent builds an unfollow event: the user blocked the account.
func (f *Fake) UnfollowEvent(userID string) Event {
	return f.base("unfollow", userID)
}

// TextEvent builds a message event with a text message from the user.
func (f *Fake) TextEvent(userID, text string) Event {
	e := f.base("message", userID)
	e.ReplyToken = randomHex(16)
	f.mu.Lock()
	f.msgSeq++
	id := fmt.Sprintf("%d", 400000000000000000+f.msgSeq)
	f.mu.Unlock()
	e.Message = &EventMessage{Type: "text", ID: id, QuoteToken: "q" + randomHex(12), Text: text}
	return e
}

// Webhook is one webhook request, built and signed once: Send posts these
// very bytes, and Redelivery builds the redelivery of the same events.
type Webhook struct {
	Body      []byte
	Signature string
	Events    []Event
}

// Sign returns LINE's signature of body: base64 of HMAC-SHA256 keyed with
// the channel secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// BuildWebhook builds the body {"destination":…,"events":[…]} and signs it
// with the channel secret. No events make the connection check LINE sends.
func (f *Fake) BuildWebhook(events ...Event) (*Webhook, error) {
	if events == nil {
		events = []Event{}
	}
	body, err := json.Marshal(struct {
		Destination string  `json:"destination"`
		Events      []Event `json:"events"`
	}{f.cfg.BotUserID, events})
	if err != nil {
		return nil, err
	}
	return &Webhook{Body: body, Signature: Sign(f.cfg.ChannelSecret, body), Events: events}, nil
}

// Redelivery builds the same events again, marked isRedelivery, with
// their webhookEventIds unchanged.
func (f *Fake) Redelivery(w *Webhook) (*Webhook, error) {
	events := make([]Event, len(w.Events))
	for i, e := range w.Events {
		e.DeliveryContext.IsRedelivery = true
		events[i] = e
	}
	return f.BuildWebhook(events...)
}

// Send posts the webhook to url ("" means the URL set through LINE's
// webhook endpoint API) with X-Line-Signature, and returns the answer's
// status.
func (f *Fake) Send(ctx context.Context, url string, w *Webhook) (int, error) {
	if url == "" {
		url = f.WebhookURL()
	}
	if url == "" {
		return 0, errors.New("linefake: no webhook URL is set")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(w.Body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("X-Line-Signature", w.Signature)
	req.Header.Set("User-Agent", "LineBotWebhook/2.0")
	res, err := f.cfg.HTTPClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<20))
	return res.StatusCode, nil
}

// SendEvents builds, signs and posts the events.
func (f *Fake) SendEvents(ctx context.Context, url string, events ...Event) (*Webhook, int, error) {
	w, err := f.BuildWebhook(events...)
	if err != nil {
		return nil, 0, err
	}
	status, err := f.Send(ctx, url, w)
	return w, status, err
}

// Redeliver posts the redelivery of a webhook sent before.
func (f *Fake) Redeliver(ctx context.Context, url string, w *Webhook) (*Webhook, int, error) {
	rw, err := f.Redelivery(w)
	if err != nil {
		return nil, 0, err
	}
	status, err := f.Send(ctx, url, rw)
	return rw, status, err
}

// Ping posts a webhook with no events, as LINE's Verify button does.
func (f *Fake) Ping(ctx context.Context, url string) (int, error) {
	_, status, err := f.SendEvents(ctx, url)
	return status, err
}

// eventRequest is the body of POST /fake/events.
type eventRequest struct {
	Type        string `json:"type"` // follow, unfollow, message
	UserID      string `json:"userId"`
	Text        string `json:"text"`
	Unblocked   bool   `json:"unblocked"`
	DisplayName string `json:"displayName"`
}

// postEvent serves POST /fake/events: it changes the fake's own friends as
// the event says, then sends the event, signed, to the webhook URL.
func (f *Fake) postEvent(w http.ResponseWriter, r *http.Request) {
	var req eventRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{Message: "the body must be a JSON object"})
		return
	}
	if !userIDRe.MatchString(req.UserID) {
		writeJSON(w, http.StatusBadRequest, errorBody{Message: "userId must be U followed by 32 hex digits"})
		return
	}
	if f.WebhookURL() == "" {
		writeJSON(w, http.StatusConflict, errorBody{Message: "no webhook URL is set: PUT /v2/bot/channel/webhook/endpoint first"})
		return
	}
	var e Event
	switch req.Type {
	case "follow":
		f.AddFriend(req.UserID, req.DisplayName)
		e = f.FollowEvent(req.UserID, req.Unblocked)
	case "unfollow":
		f.Block(req.UserID)
		e = f.UnfollowEvent(req.UserID)
	case "message":
		if req.Text == "" {
			writeJSON(w, http.StatusBadRequest, errorBody{Message: "a message event needs text"})
			return
		}
		e = f.TextEvent(req.UserID, req.Text)
	default:
		writeJSON(w, http.StatusBadRequest, errorBody{Message: "type must be follow, unfollow or message"})
		return
	}
	_, status, err := f.SendEvents(r.Context(), "", e)
	if err != nil {
		writeJSON(w, http.StatusBadGateway, errorBody{Message: "the webhook could not be sent: " + err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"webhookEventId": e.WebhookEventID, "status": status})
}

// crockford is the ULID alphabet.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewULID returns a ULID for the instant t: 48 bits of milliseconds and 80
// random bits, in Crockford's base32 (26 characters).
func NewULID(t time.Time) string {
	var b [16]byte
	ms := uint64(t.UnixMilli())
	binary.BigEndian.PutUint16(b[0:2], uint16(ms>>32))
	binary.BigEndian.PutUint32(b[2:6], uint32(ms))
	_, _ = rand.Read(b[6:])
	// 128 bits as 26 five-bit digits, the first holding 3 bits.
	hi := binary.BigEndian.Uint64(b[0:8])
	lo := binary.BigEndian.Uint64(b[8:16])
	var out [26]byte
	for i := 25; i >= 0; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
