package line

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/kizuna-line/kizuna"
)

// Result is what a send's outcome asks of the sender.
type Result string

// Results of a send (integrations.md §1.4, §1.5).
const (
	// Accepted: LINE took the send (2xx), or had already taken it under
	// the same retry key (409). Done.
	Accepted Result = "accepted"
	// Retry: no answer, a timeout, a 5xx or a 429 for the rate limit.
	// Send again with the same retry key, after a pause.
	Retry Result = "retry"
	// MonthlyLimit: the month's message quota is used up. Stop sending,
	// do not retry.
	MonthlyLimit Result = "monthly_limit"
	// Failed: LINE refused the request (another 4xx). Retrying would get
	// the same answer.
	Failed Result = "failed"
)

// Outcome is the classified answer to a send. It never holds the token.
type Outcome struct {
	Result Result
	// Status is LINE's HTTP status (0 when LINE did not answer).
	Status int
	// RequestID is LINE's X-Line-Request-Id of the accepted request: this
	// request's, or for a 409 the X-Line-Accepted-Request-Id of the one
	// that was accepted first.
	RequestID string
	// Duplicate is set for a 409: an earlier attempt with the key was
	// accepted.
	Duplicate bool
	// RateLimited is set for a 429 for the rate limit.
	RateLimited bool
	// Message and Details are LINE's error body, or the transport error.
	Message string
	Details []Detail
	// SentMessages are a push's messages as LINE numbered them.
	SentMessages []SentMessage
}

// SentMessage is one message of an accepted push.
type SentMessage struct {
	ID         string
	QuoteToken string
}

// Reason says why a send was not accepted: LINE's details
// ("messages[0].text: May not be empty"), or its message.
func (o Outcome) Reason() string {
	if o.Result == Accepted {
		return ""
	}
	return describe(o.Message, o.Details)
}

// Multicast sends msgs to up to 500 users with the retry key (a UUID kept
// by the caller and reused on every retry of the same batch).
func (c *Client) Multicast(ctx context.Context, to []string, msgs []kizuna.Message, retryKey string) Outcome {
	sdk, err := SDKMessages(msgs)
	if err != nil {
		return refused(err)
	}
	res, _, err := c.api(ctx).MulticastWithHttpInfo(&messaging_api.MulticastRequest{To: to, Messages: sdk}, retryKey)
	return c.outcome(res, err, nil)
}

// Push sends msgs to one user with the retry key.
func (c *Client) Push(ctx context.Context, to string, msgs []kizuna.Message, retryKey string) Outcome {
	sdk, err := SDKMessages(msgs)
	if err != nil {
		return refused(err)
	}
	res, body, err := c.api(ctx).PushMessageWithHttpInfo(&messaging_api.PushMessageRequest{To: to, Messages: sdk}, retryKey)
	var sent []messaging_api.SentMessage
	if body != nil {
		sent = body.SentMessages
	}
	return c.outcome(res, err, sent)
}

// outcome classifies a send's answer.
func (c *Client) outcome(res *http.Response, err error, sent []messaging_api.SentMessage) Outcome {
	if res == nil {
		msg := "no answer"
		if err != nil {
			msg = c.scrub(err.Error())
		}
		return Outcome{Result: Retry, Message: msg}
	}
	o := Outcome{Status: res.StatusCode}
	if res.StatusCode/100 == 2 {
		// Accepted, even when the body could not be decoded.
		o.Result = Accepted
		o.RequestID = res.Header.Get("X-Line-Request-Id")
		o.SentMessages = sentMessages(sent)
		return o
	}
	b := readError(res)
	o.Message, o.Details = b.Message, b.Details
	switch {
	case res.StatusCode == http.StatusConflict:
		o.Result = Accepted
		o.Duplicate = true
		o.RequestID = res.Header.Get("X-Line-Accepted-Request-Id")
		o.SentMessages = sentMessages(b.SentMessages)
	case res.StatusCode == http.StatusTooManyRequests && b.Message == msgMonthlyLimit:
		o.Result = MonthlyLimit
	case res.StatusCode == http.StatusTooManyRequests:
		// The rate limit, or another limit: the request was not processed.
		o.Result = Retry
		o.RateLimited = true
	case res.StatusCode >= 500:
		o.Result = Retry
	default:
		o.Result = Failed
	}
	return o
}

// refused is the outcome of messages that could not be converted: nothing
// was sent.
func refused(err error) Outcome {
	var ke *kizuna.Error
	if errors.As(err, &ke) {
		return Outcome{Result: Failed, Message: "The request was not sent", Details: []Detail{{Property: ke.Path, Message: ke.Message}}}
	}
	return Outcome{Result: Failed, Message: "The request was not sent: " + err.Error()}
}

func sentMessages(s []messaging_api.SentMessage) []SentMessage {
	if len(s) == 0 {
		return nil
	}
	out := make([]SentMessage, len(s))
	for i, m := range s {
		out[i] = SentMessage{ID: m.Id, QuoteToken: m.QuoteToken}
	}
	return out
}

// SDKMessages converts Kizuna's messages (text, image, sticker) into the
// SDK's message objects.
func SDKMessages(ms []kizuna.Message) ([]messaging_api.MessageInterface, error) {
	out := make([]messaging_api.MessageInterface, len(ms))
	for i, m := range ms {
		switch m.Type {
		case "text":
			out[i] = messaging_api.TextMessage{Text: m.Text}
		case "image":
			out[i] = messaging_api.ImageMessage{OriginalContentUrl: m.OriginalContentURL, PreviewImageUrl: m.PreviewImageURL}
		case "sticker":
			out[i] = messaging_api.StickerMessage{PackageId: m.PackageID, StickerId: m.StickerID}
		default:
			return nil, kizuna.ErrorAt(kizuna.EINVALID, "messages["+strconv.Itoa(i)+"].type", "a message's type is text, image or sticker, not %q", m.Type)
		}
	}
	return out, nil
}
