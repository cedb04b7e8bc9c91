package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/kizuna-line/kizuna"
)

// Settings → LINE: the account's LINE channel (owners connect and
// disconnect it; everyone sees whether one is connected), the webhook URL
// to give LINE, and the follower sync with its progress. The channel's
// secrets go from the form to lineops and the store, and are never shown
// again: no page, answer or log carries them.

// atLine is the place of a refusal at the settings page's LINE section.
const atLine = "line"

// lineSettings is the settings page's LINE section.
type lineSettings struct {
	// Available is false when this process has no LINE service: the
	// section says so and offers nothing.
	Available bool
	Channel   *kizuna.LineChannel
	Connected string // when, in the account's zone
	// WebhookURL is where LINE is to send the account's webhooks; when
	// Kizuna does not know its public address, WebhookPath is the path to
	// put after it.
	WebhookURL, WebhookPath string
	// DefaultBase is LINE's API; APIBase, the form's base URL kept after a
	// refusal (never a secret: those are typed again).
	DefaultBase, APIBase string
	Sync                 *lineSyncView
	SyncURL              string // the sync's progress, as JSON
}

// lineSyncView is the latest follower sync as the page and its progress
// poll show it.
type lineSyncView struct {
	Status     string `json:"status"` // running, done, failed
	Running    bool   `json:"running"`
	StatusText string `json:"status_text"`
	Started    string `json:"started"`
	Finished   string `json:"finished,omitempty"`
	Pages      string `json:"pages"`
	Seen       string `json:"seen"`
	Added      string `json:"added"`
	Blocked    string `json:"blocked"`
	// Problem explains a failed sync in plain words.
	Problem string `json:"problem,omitempty"`
}

func lineSettingsURL(a *kizuna.Account) string { return settingsURL(a) + "#line-section" }

// fillLineSettings sets p.LineConf (keeping what a refused form put there).
func (s *Server) fillLineSettings(r *http.Request, a *kizuna.Account, p *page) error {
	ls := p.LineConf
	if ls == nil {
		ls = &lineSettings{}
		p.LineConf = ls
	}
	ls.Available, ls.DefaultBase = s.Line != nil, kizuna.DefaultLineAPIBase
	ls.SyncURL = settingsURL(a) + "/line/sync"
	ch, err := s.Store.LineChannel(r.Context(), a)
	switch kizuna.ErrorCode(err) {
	case "":
		ls.Channel, ls.Connected = ch, ch.ConnectedAt.In(a.Location()).Format("2006-01-02 15:04")
	case kizuna.ENOTFOUND:
	default:
		return err
	}
	if s.Line != nil {
		ls.WebhookURL = s.Line.WebhookURL(a)
	}
	ls.WebhookPath = "/line/webhook/" + url.PathEscape(a.Name)
	sync, err := s.Store.LatestLineSync(r.Context(), a)
	switch kizuna.ErrorCode(err) {
	case "":
		ls.Sync = syncView(sync, a, p.Lang)
	case kizuna.ENOTFOUND:
	default:
		return err
	}
	return nil
}

// syncView says a sync in lang.
func syncView(ls *kizuna.LineSync, a *kizuna.Account, lang string) *lineSyncView {
	v := &lineSyncView{Status: ls.Status, Running: ls.Status == "running", StatusText: t(lang, "line.sync."+ls.Status),
		Started: ls.StartedAt.In(a.Location()).Format("2006-01-02 15:04:05"),
		Pages:   formatCount(int64(ls.Pages)), Seen: formatCount(int64(ls.Seen)), Added: formatCount(int64(ls.Added)), Blocked: formatCount(int64(ls.Blocked))}
	if _, ok := lookup("line.sync." + ls.Status); !ok {
		v.StatusText = ls.Status
	}
	if ls.FinishedAt != nil {
		v.Finished = ls.FinishedAt.In(a.Location()).Format("2006-01-02 15:04:05")
	}
	if ls.Status == "failed" {
		if ls.ErrorCode == "forbidden" {
			v.Problem = t(lang, "line.sync.forbidden")
		} else {
			v.Problem = fmt.Sprintf(t(lang, "line.sync.problem"), ls.Error)
		}
	}
	return v
}

// connectLine connects the account's LINE channel: lineops checks the
// access token with LINE first, and stores nothing when LINE refuses it.
// A refusal shows the settings page again at the LINE form, which keeps
// the API base URL but never the secrets.
func (s *Server) connectLine(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	if !s.isOwner(w, r, ss, a) {
		return
	}
	lang := s.lang(r, ss.user)
	base := r.PostFormValue("api_base")
	refused := func(status int, msg string) {
		s.renderSettings(w, r, ss, a, status, &page{Error: msg, ErrorAt: atLine, LineConf: &lineSettings{APIBase: base}})
	}
	if s.Line == nil {
		refused(http.StatusServiceUnavailable, t(lang, "line.unavailable"))
		return
	}
	ch, err := s.Line.Connect(r.Context(), a, ss.user.Email, base, r.PostFormValue("channel_secret"), r.PostFormValue("access_token"))
	if err != nil {
		if status, ok := refusalStatus(err); ok {
			refused(status, s.refusal(r, ss, err))
			return
		}
		// Not LINE's answer: the address did not answer, say. The error
		// names the address, never the token.
		s.Logger.Warn("web: connecting a LINE channel failed", "account", a.Name, "err", err)
		refused(http.StatusBadGateway, t(lang, "line.unreachable"))
		return
	}
	s.notice(w, r, ss, fmt.Sprintf(t(lang, "line.connected"), short(ch.BotName, 80)))
	http.Redirect(w, r, lineSettingsURL(a), http.StatusSeeOther)
}

// disconnectLine forgets the account's channel and its secrets; friends,
// tags and Chat stay.
func (s *Server) disconnectLine(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	if !s.isOwner(w, r, ss, a) {
		return
	}
	if err := s.Store.DisconnectLine(r.Context(), a); err != nil && kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
		s.fail(w, r, err)
		return
	}
	s.notice(w, r, ss, t(s.lang(r, ss.user), "line.disconnected"))
	http.Redirect(w, r, lineSettingsURL(a), http.StatusSeeOther)
}

// startLineSync starts a follower sync in the background; the page shows
// its progress.
func (s *Server) startLineSync(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	if !s.isOwner(w, r, ss, a) {
		return
	}
	lang := s.lang(r, ss.user)
	if s.Line == nil {
		s.refuse(w, r, ss, atLine, t(lang, "line.unavailable"))
		http.Redirect(w, r, lineSettingsURL(a), http.StatusSeeOther)
		return
	}
	if _, err := s.Line.StartSync(r.Context(), a); err != nil {
		if _, ok := refusalStatus(err); !ok {
			s.fail(w, r, err)
			return
		}
		s.refuse(w, r, ss, atLine, s.refusal(r, ss, err))
		http.Redirect(w, r, lineSettingsURL(a), http.StatusSeeOther)
		return
	}
	s.notice(w, r, ss, t(lang, "line.sync.started"))
	http.Redirect(w, r, lineSettingsURL(a), http.StatusSeeOther)
}

// lineSyncStatus answers the latest sync's progress as JSON for the
// settings page's poll (any member may read it); {"status": ""} when
// there has been none.
func (s *Server) lineSyncStatus(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	lang := s.lang(r, ss.user)
	var v any = map[string]string{"status": ""}
	ls, err := s.Store.LatestLineSync(r.Context(), a)
	switch kizuna.ErrorCode(err) {
	case "":
		v = syncView(ls, a, lang)
	case kizuna.ENOTFOUND:
	default:
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(v)
}
