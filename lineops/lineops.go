// Package lineops is what the web application, the API and the command
// line do with an account's LINE channel: connect it, receive its
// webhooks, estimate a broadcast's reach, send tests and Chat replies,
// create broadcasts (sent by the jobs package) and start follower syncs.
package lineops

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/jobs"
)

// API is the part of LINE that Kizuna calls.
type API interface {
	jobs.LineAPI
	// BotInfo checks the access token: the channel's bot user ID and name.
	BotInfo(ctx context.Context) (userID, name string, err error)
	// Push sends messages to one friend with a retry key.
	Push(ctx context.Context, to string, msgs []kizuna.Message, retryKey string) jobs.Sent
	// SetWebhookEndpoint tells LINE where to send the channel's webhooks.
	SetWebhookEndpoint(ctx context.Context, url string) error
}

// Service does the work; its fields are set once.
type Service struct {
	Store   kizuna.Store
	Reacher interface {
		Reach(ctx context.Context, a *kizuna.Account, filter json.RawMessage, now time.Time) (*engine.Reach, error)
	}
	// Jobs queues background work; nil: broadcasts wait for the next due
	// check of whichever process runs the jobs, and syncs cannot start.
	Jobs *jobs.Jobs
	// NewAPI connects to LINE at a base URL with an access token.
	NewAPI func(apiBase, accessToken string) (API, error)
	// PublicURL, when set, is the address LINE reaches Kizuna at: connecting
	// a channel registers PublicURL/line/webhook/{account} with LINE.
	PublicURL string
	Logger    *slog.Logger
	Now       func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// WebhookURL is where LINE sends the account's webhooks ("" without a
// PublicURL).
func (s *Service) WebhookURL(a *kizuna.Account) string {
	if s.PublicURL == "" {
		return ""
	}
	return strings.TrimRight(s.PublicURL, "/") + "/line/webhook/" + a.Name
}

// Connect checks the access token with one call to LINE (a wrong one is
// refused and nothing is stored), registers the webhook URL when Kizuna
// knows its public address, and stores the channel with its secrets
// encrypted.
func (s *Service) Connect(ctx context.Context, a *kizuna.Account, actor, apiBase, channelSecret, accessToken string) (*kizuna.LineChannel, error) {
	apiBase = strings.TrimSpace(apiBase)
	if apiBase == "" {
		apiBase = kizuna.DefaultLineAPIBase
	}
	channelSecret, accessToken = strings.TrimSpace(channelSecret), strings.TrimSpace(accessToken)
	if channelSecret == "" {
		return nil, kizuna.ErrorAt(kizuna.EINVALID, "channel_secret", "the channel secret is required")
	}
	if accessToken == "" {
		return nil, kizuna.ErrorAt(kizuna.EINVALID, "access_token", "the channel access token is required")
	}
	apiBase, err := kizuna.CleanAPIBase(apiBase)
	if err != nil {
		return nil, err
	}
	api, err := s.NewAPI(apiBase, accessToken)
	if err != nil {
		return nil, err
	}
	id, name, err := api.BotInfo(ctx)
	if err != nil {
		return nil, err
	}
	if u := s.WebhookURL(a); u != "" {
		if err := api.SetWebhookEndpoint(ctx, u); err != nil {
			return nil, err
		}
	}
	ch := kizuna.LineChannel{APIBase: apiBase, BotUserID: id, BotName: name, ConnectedAt: s.now().UTC(), ConnectedBy: actor}
	if err := s.Store.ConnectLine(ctx, a, actor, ch, kizuna.LineCredentials{ChannelSecret: channelSecret, AccessToken: accessToken}); err != nil {
		return nil, err
	}
	return &ch, nil
}

// api connects to the account's channel.
func (s *Service) api(ctx context.Context, a *kizuna.Account) (API, error) {
	ch, err := s.Store.LineChannel(ctx, a)
	if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
		return nil, kizuna.Errorf(kizuna.ECONFLICT, "no LINE channel is connected to this account; connect one in Settings")
	} else if err != nil {
		return nil, err
	}
	cred, err := s.Store.LineCredentials(ctx, a)
	if err != nil {
		return nil, err
	}
	return s.NewAPI(ch.APIBase, cred.AccessToken)
}

// Estimate is a broadcast's reach waterfall before sending: the friends
// matching the segment's conditions, those following, and those the
// month's remaining messages allow.
func (s *Service) Estimate(ctx context.Context, a *kizuna.Account, segmentID int64) (*kizuna.Waterfall, error) {
	seg, err := s.Store.Segment(ctx, a, segmentID)
	if err != nil {
		return nil, err
	}
	r, err := s.Reacher.Reach(ctx, a, seg.Filter, s.now())
	if err != nil {
		return nil, err
	}
	w := &kizuna.Waterfall{Matched: r.Matched, Following: int64(len(r.Recipients)), QuotaAllows: int64(len(r.Recipients))}
	api, err := s.api(ctx, a)
	if err != nil {
		return nil, err
	}
	if w.Quota, err = api.Quota(ctx); err != nil {
		return nil, err
	}
	if w.Quota != nil && *w.Quota < w.QuotaAllows {
		w.QuotaAllows = max(*w.Quota, 0)
	}
	return w, nil
}

// Quota reads the month's remaining messages from LINE (nil: no limit).
// An account without a LINE channel is ECONFLICT.
func (s *Service) Quota(ctx context.Context, a *kizuna.Account) (*int64, error) {
	api, err := s.api(ctx, a)
	if err != nil {
		return nil, err
	}
	return api.Quota(ctx)
}

// MaxTestRecipients bounds a test send.
const MaxTestRecipients = 10

// pushAttempts is how many times a push is tried (with one retry key).
const pushAttempts = 3

// push sends to one friend, retrying with the same key while LINE does not
// answer.
func (s *Service) push(ctx context.Context, api API, to string, msgs []kizuna.Message) (jobs.Sent, error) {
	key := uuid.NewString()
	var sent jobs.Sent
	for attempt := 1; attempt <= pushAttempts; attempt++ {
		sent = api.Push(ctx, to, msgs, key)
		switch sent.Kind {
		case jobs.Accepted:
			return sent, nil
		case jobs.Failed:
			return sent, kizuna.Errorf(kizuna.EUPSTREAM, "LINE refused the message: %s", sent.Message)
		case jobs.MonthlyLimit:
			return sent, kizuna.Errorf(kizuna.EUPSTREAM, "LINE refused the message: the account has reached its monthly message limit")
		}
		select {
		case <-ctx.Done():
			return sent, ctx.Err()
		case <-time.After(time.Duration(attempt) * 300 * time.Millisecond):
		}
	}
	return sent, kizuna.Errorf(kizuna.EUPSTREAM, "LINE did not answer; the message may not have been sent")
}

// TestSend pushes messages to a few chosen friends (at most
// MaxTestRecipients) and returns how many LINE accepted.
func (s *Service) TestSend(ctx context.Context, a *kizuna.Account, to []string, msgs []kizuna.Message) (int, error) {
	if len(to) == 0 || len(to) > MaxTestRecipients {
		return 0, kizuna.ErrorAt(kizuna.EINVALID, "to", "a test goes to 1 to %d friends", MaxTestRecipients)
	}
	if err := kizuna.ValidateMessages(msgs); err != nil {
		return 0, err
	}
	facts, err := s.Store.FriendsFacts(ctx, a, to)
	if err != nil {
		return 0, err
	}
	following := map[string]bool{}
	for _, f := range facts {
		following[f.LineUserID] = f.Following
	}
	for _, id := range to {
		if !following[id] {
			return 0, kizuna.ErrorAt(kizuna.EINVALID, "to", "%s is not a following friend of this account", id)
		}
	}
	api, err := s.api(ctx, a)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range to {
		if _, err := s.push(ctx, api, id, msgs); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// MaxReply bounds a Chat reply, as LINE bounds a text message.
const MaxReply = 5000

// Reply sends a text message to a friend from Chat and records it there.
func (s *Service) Reply(ctx context.Context, a *kizuna.Account, actor, lineUserID, text string) (*kizuna.ChatMessage, error) {
	msgs := []kizuna.Message{{Type: "text", Text: text}}
	if err := kizuna.ValidateMessages(msgs); err != nil {
		return nil, err
	}
	f, err := s.Store.FindFriend(ctx, a, lineUserID)
	if err != nil {
		return nil, err
	}
	if f.Status != kizuna.StatusFollowing {
		return nil, kizuna.Errorf(kizuna.ECONFLICT, "this friend has blocked the account; LINE will not deliver a reply")
	}
	api, err := s.api(ctx, a)
	if err != nil {
		return nil, err
	}
	sent, err := s.push(ctx, api, lineUserID, msgs)
	if err != nil {
		return nil, err
	}
	return s.Store.AddChatMessage(ctx, a, kizuna.ChatMessage{LineUserID: lineUserID, Direction: kizuna.ChatOut, Type: "text", Text: text, At: s.now().UTC(), LineMessageID: sent.MessageID, SentBy: actor})
}

// CreateBroadcast stores a broadcast and, when it is sent now, wakes the
// sender at once.
func (s *Service) CreateBroadcast(ctx context.Context, a *kizuna.Account, actor string, d kizuna.BroadcastDraft) (*kizuna.Broadcast, error) {
	if _, err := s.Store.LineChannel(ctx, a); kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
		return nil, kizuna.Errorf(kizuna.ECONFLICT, "no LINE channel is connected to this account; connect one in Settings")
	} else if err != nil {
		return nil, err
	}
	b, err := s.Store.CreateBroadcast(ctx, a, actor, d)
	if err != nil {
		return nil, err
	}
	s.kick(ctx)
	return b, nil
}

func (s *Service) kick(ctx context.Context) {
	if s.Jobs == nil {
		return
	}
	if err := s.Jobs.Kick(ctx); err != nil && s.Logger != nil {
		s.Logger.Warn("lineops: waking the sender failed; the next due check sends", "err", err)
	}
}

// StartSync begins a follower sync, run in the background.
func (s *Service) StartSync(ctx context.Context, a *kizuna.Account) (*kizuna.LineSync, error) {
	if _, err := s.api(ctx, a); err != nil {
		return nil, err
	}
	if s.Jobs == nil {
		return nil, kizuna.Errorf(kizuna.EUNAVAILABLE, "background work is not running in this process")
	}
	return s.Jobs.StartSync(ctx, a)
}
