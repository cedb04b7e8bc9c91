package line

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/webhook"

	"github.com/kizuna-line/kizuna"
)

// DefaultWebhookMaxBytes is ParseWebhook's body limit when none is given.
const DefaultWebhookMaxBytes = 1 << 20

// ErrSignature is ParseWebhook's answer to a missing or wrong
// X-Line-Signature: the request did not come from LINE and must change
// nothing.
var ErrSignature = kizuna.Errorf(kizuna.EUNAUTHORIZED, "the webhook's signature is missing or wrong")

// ParseWebhook reads a webhook request (at most maxBytes of body; 0 means
// DefaultWebhookMaxBytes), checks its signature with the channel secret
// over the raw bytes, and returns its events in order. No events (LINE's
// connection check) is an empty list. Event types other than follow,
// unfollow and message are returned with their type and common fields.
func ParseWebhook(channelSecret string, r *http.Request, maxBytes int64) ([]kizuna.WebhookEvent, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultWebhookMaxBytes
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBytes+1))
	_ = r.Body.Close()
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > maxBytes {
		return nil, kizuna.Errorf(kizuna.ETOOLARGE, "the webhook's body is larger than %d bytes", maxBytes)
	}
	if channelSecret == "" {
		// Anyone can sign with an empty key.
		return nil, ErrSignature
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	cb, err := webhook.ParseRequest(channelSecret, r)
	if errors.Is(err, webhook.ErrInvalidSignature) {
		return nil, ErrSignature
	}
	if err != nil {
		// The SDK's error quotes the body: say less.
		return nil, kizuna.Errorf(kizuna.EINVALID, "the webhook's body is not a LINE webhook request")
	}
	// The SDK keeps no event's own JSON: read the verified body again.
	var raw struct {
		Events []json.RawMessage `json:"events"`
	}
	if err := json.Unmarshal(body, &raw); err != nil || len(raw.Events) != len(cb.Events) {
		return nil, kizuna.Errorf(kizuna.EINVALID, "the webhook's body is not a LINE webhook request")
	}
	events := make([]kizuna.WebhookEvent, len(cb.Events))
	for i, e := range cb.Events {
		events[i] = toEvent(e, raw.Events[i])
	}
	return events, nil
}

// common are the fields every event has, read from its JSON for the event
// types Kizuna does not act on (the SDK gives them no common interface).
type common struct {
	Type           string `json:"type"`
	Timestamp      int64  `json:"timestamp"`
	WebhookEventID string `json:"webhookEventId"`
	Source         struct {
		UserID string `json:"userId"`
	} `json:"source"`
	DeliveryContext struct {
		IsRedelivery bool `json:"isRedelivery"`
	} `json:"deliveryContext"`
	Message struct {
		ID string `json:"id"`
	} `json:"message"`
}

func toEvent(e webhook.EventInterface, raw json.RawMessage) kizuna.WebhookEvent {
	var c common
	_ = json.Unmarshal(raw, &c)
	ev := kizuna.WebhookEvent{
		ID:         c.WebhookEventID,
		Type:       e.GetType(),
		LineUserID: c.Source.UserID,
		At:         millis(c.Timestamp),
		Redelivery: c.DeliveryContext.IsRedelivery,
		Raw:        raw,
	}
	switch e := e.(type) {
	case webhook.FollowEvent:
		ev.Type = kizuna.EventFollow
		ev.ID, ev.LineUserID, ev.At, ev.Redelivery = e.WebhookEventId, userID(e.Source), millis(e.Timestamp), redelivery(e.DeliveryContext)
		ev.Unblocked = e.Follow != nil && e.Follow.IsUnblocked
	case webhook.UnfollowEvent:
		ev.Type = kizuna.EventUnfollow
		ev.ID, ev.LineUserID, ev.At, ev.Redelivery = e.WebhookEventId, userID(e.Source), millis(e.Timestamp), redelivery(e.DeliveryContext)
	case webhook.MessageEvent:
		ev.Type = kizuna.EventMessage
		ev.ID, ev.LineUserID, ev.At, ev.Redelivery = e.WebhookEventId, userID(e.Source), millis(e.Timestamp), redelivery(e.DeliveryContext)
		if e.Message != nil {
			ev.MessageType = e.Message.GetType()
			ev.MessageID = c.Message.ID
			if t, ok := e.Message.(webhook.TextMessageContent); ok {
				ev.MessageID, ev.Text = t.Id, t.Text
			}
		}
	}
	return ev
}

func millis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func redelivery(d *webhook.DeliveryContext) bool { return d != nil && d.IsRedelivery }

// userID is the user of an event's source: "" for a group or room event
// without one.
func userID(s webhook.SourceInterface) string {
	switch s := s.(type) {
	case webhook.UserSource:
		return s.UserId
	case webhook.GroupSource:
		return s.UserId
	case webhook.RoomSource:
		return s.UserId
	}
	return ""
}
