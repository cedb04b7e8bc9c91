package kizuna

import (
	"context"
	"encoding/json"
	"time"
)

// LineChannel is an account's connected LINE Messaging API channel, without
// its secrets: those are stored encrypted and never leave the store except
// as LineCredentials, to the code that calls LINE or checks a webhook.
type LineChannel struct {
	// APIBase is the Messaging API's base URL: LINE's own
	// (DefaultLineAPIBase) or a fake's.
	APIBase string `json:"api_base"`
	// BotUserID and BotName are what LINE answered for the channel when it
	// was connected (GET /v2/bot/info).
	BotUserID   string    `json:"bot_user_id"`
	BotName     string    `json:"bot_name"`
	ConnectedAt time.Time `json:"connected_at"`
	ConnectedBy string    `json:"connected_by"`
}

// DefaultLineAPIBase is LINE's Messaging API.
const DefaultLineAPIBase = "https://api.line.me"

// LineCredentials are a channel's secrets, decrypted. They have no JSON
// form and print as a mask, so that no answer or log can carry them.
type LineCredentials struct {
	ChannelSecret string `json:"-"`
	AccessToken   string `json:"-"`
}

// String masks the credentials.
func (LineCredentials) String() string { return "LineCredentials{…}" }

// GoString masks the credentials for %#v.
func (LineCredentials) GoString() string { return "LineCredentials{…}" }

// Webhook event types Kizuna acts on; any other type is kept and ignored.
const (
	EventFollow   = "follow"
	EventUnfollow = "unfollow"
	EventMessage  = "message"
)

// WebhookEvent is one event of a LINE webhook delivery, as the store keeps
// it: once per ID (LINE's webhookEventId), whatever the redeliveries.
type WebhookEvent struct {
	ID         string    // webhookEventId
	Type       string    // follow, unfollow, message, or anything else
	LineUserID string    // the source user; "" for group and room sources without one
	At         time.Time // the event's timestamp
	Redelivery bool
	// Unblocked is a follow event's follow.isUnblocked.
	Unblocked bool
	// MessageID, MessageType and Text describe a message event's message
	// (Text only for text messages).
	MessageID   string
	MessageType string
	Text        string
	// Raw is the event's JSON as LINE sent it.
	Raw json.RawMessage
}

// WebhookResult counts what a delivery changed.
type WebhookResult struct {
	Stored     int // events stored for the first time
	Duplicates int // events already stored (redeliveries): nothing changed
}

// Follower is one friend returned by a follower sync: the ID from
// followers/ids and what the profile said (empty when it was not found).
type Follower struct {
	LineUserID  string
	DisplayName string
}

// LineSync describes an account's latest follower sync.
type LineSync struct {
	ID         int64      `json:"id"`
	Status     string     `json:"status"` // running, done, failed
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	Pages      int        `json:"pages"`
	Seen       int        `json:"seen"`    // followers returned so far
	Added      int        `json:"added"`   // friends new to Kizuna (added date estimated)
	Blocked    int        `json:"blocked"` // following friends LINE no longer returned
	Error      string     `json:"error,omitempty"`
	ErrorCode  string     `json:"error_code,omitempty"` // "forbidden" for LINE's 403
}

// Chat message directions.
const (
	ChatIn  = "in"  // from the friend (a webhook message event)
	ChatOut = "out" // our reply (a push)
)

// ChatMessage is one message of a conversation in Chat.
type ChatMessage struct {
	ID            int64     `json:"id"`
	LineUserID    string    `json:"line_user_id"`
	Direction     string    `json:"direction"`
	Type          string    `json:"type"` // text, image, sticker, ...
	Text          string    `json:"text,omitempty"`
	At            time.Time `json:"at"`
	LineMessageID string    `json:"line_message_id,omitempty"`
	SentBy        string    `json:"sent_by,omitempty"` // who replied (out)
}

// Conversation is one friend's conversation in Chat's list: its latest
// message.
type Conversation struct {
	LineUserID  string      `json:"line_user_id"`
	DisplayName string      `json:"display_name"`
	Status      string      `json:"status"`
	Last        ChatMessage `json:"last"`
}

// LineStore keeps an account's LINE channel and what LINE tells about its
// friends.
type LineStore interface {
	// ConnectLine stores the channel and its credentials (encrypted),
	// replacing any earlier ones.
	ConnectLine(ctx context.Context, account *Account, actor string, ch LineChannel, cred LineCredentials) error
	// LineChannel returns the account's channel: ENOTFOUND when none.
	LineChannel(ctx context.Context, account *Account) (*LineChannel, error)
	// LineCredentials decrypts the channel's secrets: ENOTFOUND when none.
	LineCredentials(ctx context.Context, account *Account) (*LineCredentials, error)
	DisconnectLine(ctx context.Context, account *Account) error
	// ApplyWebhookEvents stores each event once by ID and applies its
	// effect in the same transaction: follow adds a friend (added at the
	// event's time) or makes one following again (added date kept);
	// unfollow blocks the friend; message adds it to Chat. A stored ID
	// changes nothing.
	ApplyWebhookEvents(ctx context.Context, account *Account, events []WebhookEvent) (*WebhookResult, error)
	// StartLineSync begins a follower sync (ECONFLICT while one runs and
	// was active within the last minute); SyncFollowers applies one page;
	// FinishLineSync blocks the following friends the sync did not see and
	// ends it; FailLineSync ends it with an error (nobody is blocked).
	StartLineSync(ctx context.Context, account *Account) (*LineSync, error)
	SyncFollowers(ctx context.Context, account *Account, syncID int64, page []Follower) (*LineSync, error)
	FinishLineSync(ctx context.Context, account *Account, syncID int64) (*LineSync, error)
	FailLineSync(ctx context.Context, account *Account, syncID int64, code, message string) (*LineSync, error)
	// LatestLineSync returns the latest sync: ENOTFOUND when none.
	LatestLineSync(ctx context.Context, account *Account) (*LineSync, error)
	// Conversations lists Chat's conversations, latest message first
	// (limit at most 200; before, when not zero, pages on).
	Conversations(ctx context.Context, account *Account, limit int, before time.Time) ([]Conversation, error)
	// ChatMessages returns a friend's latest messages, oldest first.
	ChatMessages(ctx context.Context, account *Account, lineUserID string, limit int) ([]ChatMessage, error)
	// AddChatMessage records a message we sent (a reply).
	AddChatMessage(ctx context.Context, account *Account, m ChatMessage) (*ChatMessage, error)
}
