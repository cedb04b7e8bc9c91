package lineops

import (
	"context"
	"net/http"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/jobs"
	"github.com/kizuna-line/kizuna/line"
)

// FollowersPage is how many follower IDs a sync asks LINE for at a time
// (LINE's most).
const FollowersPage = 1000

// SDK returns the NewAPI of the real LINE client (the official SDK) over
// hc (nil: the line package's default, with a timeout).
func SDK(hc *http.Client) func(apiBase, accessToken string) (API, error) {
	return func(apiBase, accessToken string) (API, error) {
		c, err := line.New(apiBase, accessToken, hc)
		if err != nil {
			return nil, err
		}
		return sdk{c}, nil
	}
}

// Jobs adapts NewAPI to what the jobs package connects with.
func Jobs(newAPI func(apiBase, accessToken string) (API, error)) func(*kizuna.LineChannel, *kizuna.LineCredentials) (jobs.LineAPI, error) {
	return func(ch *kizuna.LineChannel, cred *kizuna.LineCredentials) (jobs.LineAPI, error) {
		return newAPI(ch.APIBase, cred.AccessToken)
	}
}

type sdk struct{ c *line.Client }

func (s sdk) BotInfo(ctx context.Context) (string, string, error) {
	info, err := s.c.BotInfo(ctx)
	if err != nil {
		return "", "", err
	}
	return info.UserID, info.DisplayName, nil
}

func (s sdk) Followers(ctx context.Context, start string) ([]string, string, error) {
	return s.c.Followers(ctx, start, FollowersPage)
}

func (s sdk) Profile(ctx context.Context, userID string) (string, bool, error) {
	return s.c.Profile(ctx, userID)
}

func (s sdk) Quota(ctx context.Context) (*int64, error) { return s.c.Quota(ctx) }

func (s sdk) SetWebhookEndpoint(ctx context.Context, url string) error {
	return s.c.SetWebhookEndpoint(ctx, url)
}

func (s sdk) Multicast(ctx context.Context, to []string, msgs []kizuna.Message, retryKey string) jobs.Sent {
	return sent(s.c.Multicast(ctx, to, msgs, retryKey))
}

func (s sdk) Push(ctx context.Context, to string, msgs []kizuna.Message, retryKey string) jobs.Sent {
	o := s.c.Push(ctx, to, msgs, retryKey)
	out := sent(o)
	if len(o.SentMessages) > 0 && out.Kind == jobs.Accepted {
		out.MessageID = o.SentMessages[0].ID
	}
	return out
}

// sent classifies an outcome for the sender.
func sent(o line.Outcome) jobs.Sent {
	s := jobs.Sent{RequestID: o.RequestID, Message: o.Reason()}
	switch {
	case o.Result == line.Accepted:
		s.Kind = jobs.Accepted
	case o.Result == line.MonthlyLimit:
		s.Kind = jobs.MonthlyLimit
	case o.Result == line.Failed:
		s.Kind = jobs.Failed
	case o.RateLimited:
		s.Kind = jobs.RateLimited
	default:
		s.Kind = jobs.Retry
	}
	return s
}
