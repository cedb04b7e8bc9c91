// Package line is Kizuna's client of the LINE Messaging API, over LINE's
// official Go SDK (github.com/line/line-bot-sdk-go/v8): the bot's info,
// followers and profiles, multicast and push with a retry key, the message
// quota, the webhook URL, and the parsing of signed webhooks.
//
// Answers from LINE become domain errors (*kizuna.Error, wrapped in an
// *APIError that keeps the status); sends return an Outcome that says what
// the sender must do next. The access token never appears in either.
package line

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/kizuna-line/kizuna"
)

// DefaultTimeout bounds one call to LINE when the given http.Client has
// no timeout of its own.
const DefaultTimeout = 30 * time.Second

// FollowersPageMax is the most IDs LINE returns on one followers page.
const FollowersPageMax = 1000

// Client calls one channel's Messaging API. It is safe for concurrent use.
type Client struct {
	base  string
	token string
	hc    *http.Client
}

// String masks the client: it holds the access token.
func (c *Client) String() string { return "line.Client{" + c.base + "}" }

// GoString masks the client for %#v.
func (c *Client) GoString() string { return c.String() }

// New returns a client of the Messaging API at apiBase (LINE's or a
// fake's) with the channel's access token. hc may be nil; a client without
// a timeout gets DefaultTimeout.
func New(apiBase, accessToken string, hc *http.Client) (*Client, error) {
	u, err := url.ParseRequestURI(apiBase)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, kizuna.Errorf(kizuna.EINVALID, "the LINE API base URL %q is not an http or https URL", apiBase)
	}
	if strings.TrimSpace(accessToken) == "" {
		return nil, kizuna.Errorf(kizuna.EINVALID, "the LINE channel access token is empty")
	}
	if hc == nil {
		hc = &http.Client{Timeout: DefaultTimeout}
	} else if hc.Timeout == 0 {
		c := *hc
		c.Timeout = DefaultTimeout
		hc = &c
	}
	return &Client{base: apiBase, token: accessToken, hc: hc}, nil
}

// api returns an SDK client for one call. The SDK keeps the context in the
// client (WithContext sets a field), so a shared one would race between
// calls; making one is cheap.
func (c *Client) api(ctx context.Context) *messaging_api.MessagingApiAPI {
	api, err := messaging_api.NewMessagingApiAPI(c.token,
		messaging_api.WithEndpoint(c.base), messaging_api.WithHTTPClient(c.hc))
	if err != nil {
		// New checked both the URL and the token.
		panic("line: " + err.Error())
	}
	return api.WithContext(ctx)
}

// APIError is a refusal or failure of a call other than a send. It wraps
// the *kizuna.Error to show, and keeps LINE's status (0 when LINE did not
// answer) for callers that back off on 429 and 5xx.
type APIError struct {
	Status    int
	RequestID string
	// Message and Details are LINE's error body.
	Message string
	Details []Detail
	err     *kizuna.Error
}

func (e *APIError) Error() string { return e.err.Error() }

// Unwrap returns the domain error.
func (e *APIError) Unwrap() error { return e.err }

// Temporary reports whether err is worth trying again later: LINE did not
// answer, answered 5xx, or answered 429 for its rate limit.
func Temporary(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	return ae.Status == 0 || ae.Status >= 500 || (ae.Status == http.StatusTooManyRequests && ae.Message != msgMonthlyLimit)
}

// Detail is one entry of LINE's error details.
type Detail struct {
	Property string `json:"property"`
	Message  string `json:"message"`
}

// errorBody is LINE's error answer.
type errorBody struct {
	Message      string                      `json:"message"`
	Details      []Detail                    `json:"details"`
	SentMessages []messaging_api.SentMessage `json:"sentMessages"`
}

// LINE's 429 messages, which alone tell the two apart.
const (
	msgMonthlyLimit = "You have reached your monthly limit."
)

// readError reads the error body the SDK kept in res.
func readError(res *http.Response) errorBody {
	var b errorBody
	if res != nil && res.Body != nil {
		data, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
		_ = json.Unmarshal(data, &b)
	}
	return b
}

// callError turns an SDK call's failure into an *APIError.
func (c *Client) callError(res *http.Response, err error) error {
	if res == nil {
		return &APIError{err: kizuna.Errorf(kizuna.EUNAVAILABLE, "LINE could not be reached: %s", c.scrub(err.Error()))}
	}
	b := readError(res)
	ae := &APIError{Status: res.StatusCode, RequestID: res.Header.Get("X-Line-Request-Id"), Message: b.Message, Details: b.Details}
	text := describe(b.Message, b.Details)
	switch {
	case res.StatusCode == http.StatusUnauthorized:
		ae.err = kizuna.Errorf(kizuna.EINVALID, "LINE refused the channel access token: check that it is the channel's long-lived access token")
	case res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500:
		ae.err = kizuna.Errorf(kizuna.EUNAVAILABLE, "LINE is busy or failing (HTTP %d: %s); try again later", res.StatusCode, text)
	default:
		ae.err = kizuna.Errorf(kizuna.EINVALID, "LINE refused the request (HTTP %d: %s)", res.StatusCode, text)
	}
	return ae
}

// scrub removes the token from a transport error's text, should it ever
// hold it.
func (c *Client) scrub(s string) string {
	return strings.ReplaceAll(s, c.token, "[token]")
}

// describe is LINE's message with its details, "property: message" each.
func describe(msg string, details []Detail) string {
	if len(details) == 0 {
		if msg == "" {
			return "no message"
		}
		return msg
	}
	parts := make([]string, len(details))
	for i, d := range details {
		if d.Property == "" {
			parts[i] = d.Message
		} else {
			parts[i] = d.Property + ": " + d.Message
		}
	}
	return strings.Join(parts, "; ")
}

// BotInfo is what LINE says of the channel's bot.
type BotInfo struct {
	UserID      string
	BasicID     string
	DisplayName string
}

// BotInfo asks LINE for the bot's user ID and name (GET /v2/bot/info): the
// check that a channel's token works.
func (c *Client) BotInfo(ctx context.Context) (*BotInfo, error) {
	res, info, err := c.api(ctx).GetBotInfoWithHttpInfo()
	if err != nil {
		if res != nil && res.StatusCode/100 == 2 {
			return nil, fmt.Errorf("line: bot info: %w", err)
		}
		return nil, c.callError(res, err)
	}
	return &BotInfo{UserID: info.UserId, BasicID: info.BasicId, DisplayName: info.DisplayName}, nil
}

// Followers returns one page of the channel's follower IDs, starting at
// start ("" for the first page), at most limit (1 to FollowersPageMax; 0
// means the most). next is "" on the last page; a page may be shorter than
// limit and still have a next. LINE's 403 (only verified and premium
// accounts may list followers) is EFORBIDDEN.
func (c *Client) Followers(ctx context.Context, start string, limit int) (ids []string, next string, err error) {
	if limit <= 0 || limit > FollowersPageMax {
		limit = FollowersPageMax
	}
	res, page, err := c.api(ctx).GetFollowersWithHttpInfo(start, int32(limit))
	if err != nil {
		if res != nil && res.StatusCode == http.StatusForbidden {
			b := readError(res)
			return nil, "", &APIError{Status: res.StatusCode, RequestID: res.Header.Get("X-Line-Request-Id"), Message: b.Message,
				err: kizuna.Errorf(kizuna.EFORBIDDEN, "LINE gives the follower list only to verified or premium accounts; friends still arrive through webhooks (follow and unfollow)")}
		}
		if res != nil && res.StatusCode/100 == 2 {
			return nil, "", fmt.Errorf("line: followers: %w", err)
		}
		return nil, "", c.callError(res, err)
	}
	return page.UserIds, page.Next, nil
}

// Profile returns a user's display name; found is false when LINE answers
// 404 (not a friend, blocked, or no such user).
func (c *Client) Profile(ctx context.Context, userID string) (displayName string, found bool, err error) {
	res, p, err := c.api(ctx).GetProfileWithHttpInfo(userID)
	if err != nil {
		if res != nil && res.StatusCode == http.StatusNotFound {
			return "", false, nil
		}
		if res != nil && res.StatusCode/100 == 2 {
			return "", false, fmt.Errorf("line: profile: %w", err)
		}
		return "", false, c.callError(res, err)
	}
	return p.DisplayName, true, nil
}

// Quota returns the messages left this month: the quota's value less the
// month's consumption, at least 0; nil when the quota has no limit.
func (c *Client) Quota(ctx context.Context) (remaining *int64, err error) {
	res, q, err := c.api(ctx).GetMessageQuotaWithHttpInfo()
	if err != nil {
		if res != nil && res.StatusCode/100 == 2 {
			return nil, fmt.Errorf("line: quota: %w", err)
		}
		return nil, c.callError(res, err)
	}
	if q.Type != messaging_api.QuotaType_LIMITED {
		return nil, nil
	}
	res, u, err := c.api(ctx).GetMessageQuotaConsumptionWithHttpInfo()
	if err != nil {
		if res != nil && res.StatusCode/100 == 2 {
			return nil, fmt.Errorf("line: quota consumption: %w", err)
		}
		return nil, c.callError(res, err)
	}
	left := max(q.Value-u.TotalUsage, 0)
	return &left, nil
}

// SetWebhookEndpoint sets the channel's webhook URL.
func (c *Client) SetWebhookEndpoint(ctx context.Context, endpoint string) error {
	res, _, err := c.api(ctx).SetWebhookEndpointWithHttpInfo(&messaging_api.SetWebhookEndpointRequest{Endpoint: endpoint})
	if err != nil {
		if res != nil && res.StatusCode/100 == 2 {
			return nil // set; only the answer's body was odd
		}
		return c.callError(res, err)
	}
	return nil
}
