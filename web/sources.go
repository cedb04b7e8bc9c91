package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/hubspot"
	"github.com/kizuna-line/kizuna/klaviyo"
	"github.com/kizuna-line/kizuna/sources"
)

// Settings → Integrations: Shopify, HubSpot and Klaviyo, a card each.
// Everyone sees whether a source is connected (when, by whom, to which
// shop or API), how current its data is, its running sync's progress, how
// many friends are linked and which records claim a friend another record
// is linked to; owners connect (one real call checks the credentials;
// nothing is stored on a refusal), disconnect and sync. The credentials go
// from the form to the store, sealed, and are never shown again.

// sourceConflictsShown bounds the conflicts a card lists.
const sourceConflictsShown = 5

// sourceField is a field of a source's connect form.
type sourceField struct {
	Name  string // the form's and, for settings, the connection config's key
	Label string // catalog key
	Note  string // catalog key; "" none
	// Secret fields are password inputs, never filled again.
	Secret bool
	// Default is shown as the placeholder and used when left empty.
	Default string
	Value   string
}

// sourceForm returns a source's connect form's fields, secrets first.
func sourceForm(source string) []sourceField {
	switch source {
	case kizuna.SourceShopify:
		return []sourceField{
			{Name: sources.ShopifyShopDomain, Label: "sources.shopdomain", Note: "sources.shopdomain.note"},
			{Name: "access_token", Label: "sources.shopify.token", Note: "sources.shopify.token.note", Secret: true},
			{Name: "webhook_secret", Label: "sources.shopify.whsecret", Note: "sources.shopify.whsecret.note", Secret: true},
			{Name: sources.ShopifyLineMetafield, Label: "sources.shopify.metafield", Note: "sources.shopify.metafield.note", Default: "line.user_id"},
		}
	case kizuna.SourceHubSpot:
		return []sourceField{
			{Name: "access_token", Label: "sources.hubspot.token", Note: "sources.hubspot.token.note", Secret: true},
			{Name: "client_secret", Label: "sources.hubspot.secret", Note: "sources.hubspot.secret.note", Secret: true},
			{Name: "line_user_id_property", Label: "sources.property", Note: "sources.hubspot.property.note", Default: hubspot.DefaultLineUserID},
		}
	case kizuna.SourceKlaviyo:
		return []sourceField{
			{Name: "api_key", Label: "sources.klaviyo.key", Note: "sources.klaviyo.key.note", Secret: true},
			{Name: sources.KlaviyoLineUserIDProperty, Label: "sources.property", Note: "sources.klaviyo.property.note", Default: klaviyo.DefaultLineUserIDProperty},
		}
	}
	return nil
}

// sourcesSettings is the settings page's Integrations section.
type sourcesSettings struct {
	// Available is false when this process does not connect sources.
	Available bool
	Cards     []*sourceCard
	// refused is the connect form a refusal shows again: its source and
	// typed values (never the secrets).
	refused *refusedSource
}

type refusedSource struct {
	Source  string
	Values  map[string]string
	APIBase string
}

// sourceCard is one source on the settings page.
type sourceCard struct {
	Source, Name string
	Connection   *kizuna.Connection
	ConnectedAt  string
	// ShopDomain is Shopify's shop; API, the base URL the connection
	// reads when not the vendor's own (a fake's, say).
	ShopDomain, API string
	// WebhookURL is what to give the vendor (Shopify and HubSpot); when
	// Kizuna does not know its public address, WebhookPath is the path to
	// put after it.
	WebhookURL, WebhookPath string
	Progress                *sourceProgress
	ProgressURL             string
	Conflicts               []sourceConflict
	ConflictsMore           string // "… and 12 more"
	// The connect form: its fields, the API base kept after a refusal,
	// and whether the advanced part opens.
	Fields       []sourceField
	APIBase      string
	DefaultBase  string
	AdvancedOpen bool
}

// sourceConflict is a conflict as a card lists it.
type sourceConflict struct {
	Text      string
	FriendURL string
	Friend    string // the friend's display name, or LINE user ID
}

// sourceProgress is a source's state as the card and its progress poll
// show it.
type sourceProgress struct {
	Connected bool `json:"connected"`
	Running   bool `json:"running"`
	// Pending: connected, and no sync has finished or failed yet (the
	// backfill waits for a worker).
	Pending     bool   `json:"pending"`
	StatusText  string `json:"status_text"`
	Records     string `json:"records"`
	Started     string `json:"started"`
	LastSuccess string `json:"last_success"`
	// LastDelivery is when the latest webhook was applied ("" none).
	LastDelivery string `json:"last_delivery"`
	LastError    string `json:"last_error"`
	Failing      bool   `json:"failing"`
	Linked       string `json:"linked"`
}

func sourcesSettingsURL(a *kizuna.Account, source string) string {
	return settingsURL(a) + "#source-" + source
}

func sourceProgressURL(a *kizuna.Account, source string) string {
	return settingsURL(a) + "/sources/" + url.PathEscape(source) + "/sync"
}

// fillSourcesSettings sets p.SourcesConf (keeping the refused form that a
// refusal put there).
func (s *Server) fillSourcesSettings(r *http.Request, a *kizuna.Account, p *page) error {
	ss := p.SourcesConf
	if ss == nil {
		ss = &sourcesSettings{}
		p.SourcesConf = ss
	}
	ss.Available = s.Sources != nil
	ctx := r.Context()
	conns, err := s.Store.Connections(ctx, a)
	if err != nil {
		return err
	}
	progress, err := s.sourceProgress(r, a, p.Lang)
	if err != nil {
		return err
	}
	public := ""
	if s.Line != nil {
		public = strings.TrimRight(s.Line.PublicURL, "/")
	}
	ss.Cards = nil
	for _, src := range kizuna.Sources {
		c := &sourceCard{Source: src, Name: sourceName(src), Progress: progress[src], ProgressURL: sourceProgressURL(a, src), Fields: sourceForm(src)}
		for i := range conns {
			if conns[i].Source == src {
				conn := conns[i]
				c.Connection = &conn
				c.ConnectedAt = conn.ConnectedAt.In(a.Location()).Format("2006-01-02 15:04")
				c.ShopDomain = conn.Config[sources.ShopifyShopDomain]
				if conn.APIBase != sources.DefaultBase(src, conn.Config) {
					c.API = conn.APIBase
				}
			}
		}
		if src != kizuna.SourceKlaviyo {
			c.WebhookPath = "/" + src + "/webhook/" + url.PathEscape(a.Name)
			if public != "" {
				c.WebhookURL = public + c.WebhookPath
			}
		}
		c.DefaultBase = sources.DefaultBase(src, nil)
		if rf := ss.refused; rf != nil && rf.Source == src {
			for i := range c.Fields {
				if !c.Fields[i].Secret {
					c.Fields[i].Value = rf.Values[c.Fields[i].Name]
				}
			}
			c.APIBase = rf.APIBase
			c.AdvancedOpen = rf.APIBase != ""
		}
		if c.Connection != nil && s.Sources != nil {
			list, total, err := s.Sources.Conflicts(ctx, a, src, sourceConflictsShown)
			if err != nil {
				return err
			}
			for _, cf := range list {
				name := cf.LineUserID
				if fr, err := s.Store.FindFriend(ctx, a, cf.LineUserID); err == nil && fr.DisplayName != "" {
					name = fr.DisplayName
				}
				c.Conflicts = append(c.Conflicts, sourceConflict{Friend: name, FriendURL: friendURL(a, cf.LineUserID),
					Text: fmt.Sprintf(t(p.Lang, "sources.conflict"), cf.RecordID, cf.LinkedTo)})
			}
			if total > len(list) {
				c.ConflictsMore = fmt.Sprintf(t(p.Lang, "sources.conflicts.more"), formatCount(int64(total-len(list))))
			}
		}
		ss.Cards = append(ss.Cards, c)
	}
	return nil
}

// sourceProgress says each source's state in lang.
func (s *Server) sourceProgress(r *http.Request, a *kizuna.Account, lang string) (map[string]*sourceProgress, error) {
	ctx := r.Context()
	connected, err := s.Store.Integrations(ctx, a)
	if err != nil {
		return nil, err
	}
	fresh, err := s.Store.Freshness(ctx, a)
	if err != nil {
		return nil, err
	}
	linked, err := s.Store.LinkCounts(ctx, a)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := map[string]*sourceProgress{}
	for _, st := range kizuna.SourceStatuses(connected, fresh, now) {
		v := &sourceProgress{Connected: st.Connected, Running: st.Syncing, Failing: st.Failing, Linked: formatCount(int64(linked[st.Source]))}
		for _, f := range fresh {
			if f.Source == st.Source && f.Running != nil {
				v.Records = formatCount(f.Running.Records)
				v.Started = f.Running.StartedAt.In(a.Location()).Format("2006-01-02 15:04:05")
				v.StatusText = fmt.Sprintf(t(lang, "sources.running"), t(lang, "sources.kind."+f.Running.Kind))
			}
		}
		if st.LastSuccessAt != nil {
			v.LastSuccess = fmt.Sprintf(t(lang, "sources.when"), st.LastSuccessAt.In(a.Location()).Format("2006-01-02 15:04"), agoText(lang, int64(now.Sub(*st.LastSuccessAt)/time.Second)))
		}
		if st.LastDeliveryAt != nil {
			v.LastDelivery = fmt.Sprintf(t(lang, "sources.when"), st.LastDeliveryAt.In(a.Location()).Format("2006-01-02 15:04"), agoText(lang, int64(now.Sub(*st.LastDeliveryAt)/time.Second)))
		}
		if st.LastError != "" {
			at := ""
			if st.LastErrorAt != nil {
				at = st.LastErrorAt.In(a.Location()).Format("2006-01-02 15:04")
			}
			v.LastError = fmt.Sprintf(t(lang, "sources.error.at"), at, st.LastError)
		}
		v.Pending = st.Connected && !st.Syncing && st.LastSuccessAt == nil && st.LastError == ""
		switch {
		case v.Running:
		case v.Pending:
			v.StatusText = t(lang, "sources.pending")
		case v.Failing:
			v.StatusText = t(lang, "sources.failing")
		case st.LastError != "":
			v.StatusText = t(lang, "sources.lastfailed")
		case st.LastSuccessAt != nil:
			v.StatusText = t(lang, "sources.uptodate")
		}
		out[st.Source] = v
	}
	return out, nil
}

// ownerSource is the path's source for a form only owners may send: a
// member gets the settings page with 403, an unknown source not found.
func (s *Server) ownerSource(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) (string, bool) {
	if !s.isOwner(w, r, ss, a) {
		return "", false
	}
	return s.pathSource(w, r, ss)
}

// pathSource is the path's source; anything else is not found.
func (s *Server) pathSource(w http.ResponseWriter, r *http.Request, ss *session) (string, bool) {
	src := r.PathValue("source")
	if !kizuna.ValidSource(src) {
		s.notFound(w, r, ss)
		return "", false
	}
	return src, true
}

// connectSource connects a source: the credentials are checked with one
// real call first, and nothing is stored when the source refuses them. A
// refusal shows the settings page again at the source's card, with the
// typed settings kept but never the secrets. Then the backfill is queued.
func (s *Server) connectSource(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	src, ok := s.ownerSource(w, r, ss, a)
	if !ok {
		return
	}
	lang := s.lang(r, ss.user)
	conn := kizuna.Connection{Source: src, APIBase: strings.TrimSpace(r.PostFormValue("api_base")), Config: map[string]string{}}
	secrets := kizuna.ConnectionSecrets{}
	kept := map[string]string{}
	for _, f := range sourceForm(src) {
		v := strings.TrimSpace(r.PostFormValue(f.Name))
		if f.Secret {
			secrets[f.Name] = v
			continue
		}
		kept[f.Name] = v
		if v != "" {
			conn.Config[f.Name] = v
		}
	}
	if d := conn.Config[sources.ShopifyShopDomain]; d != "" {
		d = strings.TrimPrefix(strings.TrimPrefix(d, "https://"), "http://")
		conn.Config[sources.ShopifyShopDomain] = strings.TrimRight(d, "/")
	}
	if conn.APIBase == sources.DefaultBase(src, conn.Config) {
		conn.APIBase = ""
	}
	refused := func(status int, msg string) {
		s.renderSettings(w, r, ss, a, status, &page{Error: msg, ErrorAt: "source-" + src,
			SourcesConf: &sourcesSettings{refused: &refusedSource{Source: src, Values: kept, APIBase: conn.APIBase}}})
	}
	if s.Sources == nil {
		refused(http.StatusServiceUnavailable, t(lang, "sources.unavailable"))
		return
	}
	if src == kizuna.SourceShopify && conn.Config[sources.ShopifyShopDomain] == "" {
		refused(http.StatusBadRequest, t(lang, "sources.shopdomain.required"))
		return
	}
	stored, err := s.Sources.Connect(r.Context(), a, ss.user.Email, conn, secrets)
	if err != nil && stored == nil {
		if status, ok := refusalStatus(err); ok {
			refused(status, s.refusal(r, ss, err))
			return
		}
		// Not the source's answer: the address did not answer, say. The
		// error names the address, never a credential.
		s.Logger.Warn("web: connecting a source failed", "account", a.Name, "source", src, "err", err)
		refused(http.StatusBadGateway, fmt.Sprintf(t(lang, "sources.unreachable"), sourceName(src)))
		return
	}
	if err != nil { // connected; the backfill could not be queued
		s.Logger.Warn("web: queueing a backfill failed", "account", a.Name, "source", src, "err", err)
		s.refuse(w, r, ss, "source-"+src, fmt.Sprintf(t(lang, "sources.connected.nosync"), sourceName(src)))
	} else {
		s.notice(w, r, ss, fmt.Sprintf(t(lang, "sources.connected"), sourceName(src)))
	}
	http.Redirect(w, r, sourcesSettingsURL(a, src), http.StatusSeeOther)
}

// disconnectSource forgets a source's connection and its secrets; its
// data stays, but its conditions no longer count as connected.
func (s *Server) disconnectSource(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	src, ok := s.ownerSource(w, r, ss, a)
	if !ok {
		return
	}
	lang := s.lang(r, ss.user)
	if s.Sources == nil {
		s.refuse(w, r, ss, "source-"+src, t(lang, "sources.unavailable"))
		http.Redirect(w, r, sourcesSettingsURL(a, src), http.StatusSeeOther)
		return
	}
	if err := s.Sources.Disconnect(r.Context(), a, src); err != nil && kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
		s.fail(w, r, err)
		return
	}
	s.notice(w, r, ss, fmt.Sprintf(t(lang, "sources.disconnected"), sourceName(src)))
	http.Redirect(w, r, sourcesSettingsURL(a, src), http.StatusSeeOther)
}

// syncSource queues a sync of a connected source (the form's kind, a
// backfill by default); the card shows its progress.
func (s *Server) syncSource(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	src, ok := s.ownerSource(w, r, ss, a)
	if !ok {
		return
	}
	lang := s.lang(r, ss.user)
	kind := r.PostFormValue("kind")
	if kind == "" {
		kind = kizuna.SyncBackfill
	}
	if s.Sources == nil {
		s.refuse(w, r, ss, "source-"+src, t(lang, "sources.unavailable"))
	} else if err := s.Sources.Sync(r.Context(), a, src, kind); err != nil {
		if _, ok := refusalStatus(err); !ok && kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
			s.fail(w, r, err)
			return
		}
		s.refuse(w, r, ss, "source-"+src, s.refusal(r, ss, err))
	} else {
		s.notice(w, r, ss, fmt.Sprintf(t(lang, "sources.sync.queued"), sourceName(src)))
	}
	http.Redirect(w, r, sourcesSettingsURL(a, src), http.StatusSeeOther)
}

// sourceSyncStatus answers a source's state as JSON for the card's
// progress poll (any member may read it).
func (s *Server) sourceSyncStatus(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	src, ok := s.pathSource(w, r, ss)
	if !ok {
		return
	}
	progress, err := s.sourceProgress(r, a, s.lang(r, ss.user))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(progress[src])
}

// friendLinkView is one source on a friend's page: how the friend is
// linked to its record, or the form to link by hand.
type friendLinkView struct {
	Source, Name string
	RecordID     string // "" not linked
	How          string // in words
	LinkedAt     string
	NotSynced    bool // the record has not arrived from the source yet
	Deleted      bool
}

// friendLinks says how the friend is linked to each source connected or
// linked (nil when this process does not connect sources).
func (s *Server) friendLinks(r *http.Request, a *kizuna.Account, lineUserID, lang string) ([]friendLinkView, error) {
	if s.Sources == nil {
		return nil, nil
	}
	connected, err := s.Store.Integrations(r.Context(), a)
	if err != nil {
		return nil, err
	}
	links, err := s.Sources.FriendLinks(r.Context(), a, lineUserID)
	if err != nil {
		return nil, err
	}
	var out []friendLinkView
	for _, src := range kizuna.Sources {
		v := friendLinkView{Source: src, Name: sourceName(src)}
		for _, l := range links {
			if l.Source == src {
				v.RecordID, v.How, v.LinkedAt = l.RecordID, t(lang, "link.how."+l.How), l.LinkedAt.In(a.Location()).Format("2006-01-02 15:04")
				v.NotSynced, v.Deleted = !l.Synced, l.Deleted
			}
		}
		if v.RecordID != "" || connected[src] {
			out = append(out, v)
		}
	}
	return out, nil
}

// atLink is the place of a refusal at the friend page's links.
const atLink = "links"

// friendLink links the friend to a record of a source by hand (the form's
// record ID), or unlinks it ("unlink"); the friend's data of the source
// follows at once, through the change log.
func (s *Server) friendLink(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	fr, ok := s.pathFriend(w, r, ss, a)
	if !ok {
		return
	}
	lang := s.lang(r, ss.user)
	src := r.PostFormValue("source")
	back := friendURL(a, fr.LineUserID) + "#friend-links"
	var err error
	if r.PostFormValue("unlink") != "" {
		if err = s.Store.UnlinkRecord(r.Context(), a, src, fr.LineUserID); err == nil {
			s.notice(w, r, ss, fmt.Sprintf(t(lang, "link.unlinked"), sourceName(src)))
		}
	} else {
		record := strings.TrimSpace(r.PostFormValue("record_id"))
		if err = s.Store.LinkRecord(r.Context(), a, src, record, fr.LineUserID, kizuna.LinkManual); err == nil {
			s.notice(w, r, ss, fmt.Sprintf(t(lang, "link.linked"), sourceName(src), record))
		}
	}
	if err != nil {
		if _, ok := refusalStatus(err); !ok && kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
			s.fail(w, r, err)
			return
		}
		s.refuse(w, r, ss, atLink, s.refusal(r, ss, err))
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}
