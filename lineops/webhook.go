package lineops

import (
	"errors"
	"net/http"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/line"
)

// WebhookMaxBytes bounds a webhook body: it is read (up to this) before
// its signature is checked, and nothing else is done before that.
const WebhookMaxBytes = 1 << 20

// Webhook receives LINE's webhooks at POST /line/webhook/{account}. The
// signature is checked over the raw body with the channel secret before
// anything else; a request that fails (no such account, no channel, a bad
// or missing signature) is 401 and stores nothing, the same answer for
// each so that it tells a stranger nothing. Each event is stored once by
// its webhookEventId in the transaction that applies it, and the answer is
// 200 as soon as that commits: a redelivery changes nothing.
func (s *Service) Webhook() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		refuse := func(status int, why string, err error) {
			if s.Logger != nil {
				s.Logger.Info("line webhook refused", "status", status, "why", why, "err", err)
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			w.Write([]byte(`{"message":"` + http.StatusText(status) + `"}`))
		}
		a, err := s.Store.FindAccount(ctx, r.PathValue("account"))
		if err != nil {
			refuse(http.StatusUnauthorized, "unknown account", nil)
			return
		}
		cred, err := s.Store.LineCredentials(ctx, a)
		if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
			refuse(http.StatusUnauthorized, "no channel", nil)
			return
		} else if err != nil {
			refuse(http.StatusInternalServerError, "credentials", err)
			return
		}
		events, err := line.ParseWebhook(cred.ChannelSecret, r, WebhookMaxBytes)
		switch {
		case errors.Is(err, line.ErrSignature):
			refuse(http.StatusUnauthorized, "bad signature", nil)
			return
		case kizuna.ErrorCode(err) == kizuna.ETOOLARGE:
			refuse(http.StatusRequestEntityTooLarge, "body too large", nil)
			return
		case err != nil:
			refuse(http.StatusBadRequest, "unreadable body", err)
			return
		}
		if len(events) > 0 {
			res, err := s.Store.ApplyWebhookEvents(ctx, a, events)
			if err != nil {
				// LINE redelivers; nothing of this delivery was stored.
				refuse(http.StatusInternalServerError, "store", err)
				return
			}
			if s.Logger != nil {
				s.Logger.Info("line webhook", "account", a.Name, "stored", res.Stored, "duplicates", res.Duplicates)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{}`))
	})
}
