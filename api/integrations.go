package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/kizuna-line/kizuna"
)

// The account's integrations: their connections (never their secrets),
// how fresh their data is, how many friends are linked, and links made by
// the shop's own account-link flow.
func (s *Server) integrationRoutes(mux *http.ServeMux) {
	mux.Handle("GET /api/v1/accounts/{account}/connections", s.account(s.connections))
	mux.Handle("PUT /api/v1/accounts/{account}/connections/{source}", s.account(s.connectSource))
	mux.Handle("DELETE /api/v1/accounts/{account}/connections/{source}", s.account(s.disconnectSource))
	mux.Handle("POST /api/v1/accounts/{account}/connections/{source}/sync", s.account(s.syncSource))
	mux.Handle("POST /api/v1/accounts/{account}/links", s.account(s.link))
	mux.Handle("DELETE /api/v1/accounts/{account}/links/{source}/{line_user_id}", s.account(s.unlink))
}

// integrationAnswer is one source as GET connections shows it.
type integrationAnswer struct {
	Source     string             `json:"source"`
	Connected  bool               `json:"connected"`
	Connection *kizuna.Connection `json:"connection,omitempty"`
	Linked     int                `json:"linked_friends"`
	Freshness  *kizuna.Freshness  `json:"freshness,omitempty"`
	// Status is the source's state as pages show it: connected, lag,
	// last error, failing.
	Status kizuna.SourceStatus `json:"status"`
	// Conflicts are records claiming a friend another record is linked
	// to (absent when this server does not connect sources).
	Conflicts *conflictsAnswer `json:"conflicts,omitempty"`
}

// conflictsAnswer counts a source's conflicts and lists the first ones.
type conflictsAnswer struct {
	Count   int                   `json:"count"`
	Records []kizuna.LinkConflict `json:"records"`
}

// conflictsListed bounds the conflicts GET connections lists per source.
const conflictsListed = 20

// connections answers GET connections: each source, connected or not,
// with its connection, linked friends and freshness.
func (s *Server) connections(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	ctx := r.Context()
	conns, err := s.Store.Connections(ctx, a)
	if err != nil {
		return err
	}
	connected, err := s.Store.Integrations(ctx, a)
	if err != nil {
		return err
	}
	linked, err := s.Store.LinkCounts(ctx, a)
	if err != nil {
		return err
	}
	fresh, err := s.Store.Freshness(ctx, a)
	if err != nil {
		return err
	}
	statuses := kizuna.SourceStatuses(connected, fresh, time.Now())
	out := make([]integrationAnswer, 0, len(kizuna.Sources))
	for i, source := range kizuna.Sources {
		ans := integrationAnswer{Source: source, Connected: connected[source], Linked: linked[source], Status: statuses[i]}
		if s.Sources != nil {
			list, n, err := s.Sources.Conflicts(ctx, a, source, conflictsListed)
			if err != nil {
				return err
			}
			ans.Conflicts = &conflictsAnswer{Count: n, Records: list}
			if list == nil {
				ans.Conflicts.Records = []kizuna.LinkConflict{}
			}
		}
		for i := range conns {
			if conns[i].Source == source {
				ans.Connection = &conns[i]
			}
		}
		for i := range fresh {
			if fresh[i].Source == source {
				ans.Freshness = &fresh[i]
			}
		}
		out = append(out, ans)
	}
	s.respond(w, r, http.StatusOK, map[string]any{"connections": out})
	return nil
}

// connectSource answers PUT connections/{source} {"api_base", "config",
// "secrets"}: the credentials are checked with one real call (a refusal
// stores nothing), the connection stored with its secrets sealed, and its
// backfill queued. The answer is the connection, never its secrets.
func (s *Server) connectSource(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	obj, err := s.segmentBody(w, r, "api_base", "config", "secrets")
	if err != nil {
		return err
	}
	source := r.PathValue("source")
	if !kizuna.ValidSource(source) {
		return kizuna.ErrorAt(kizuna.EINVALID, "source", "the source must be shopify, hubspot or klaviyo")
	}
	if s.Sources == nil {
		return kizuna.Errorf(kizuna.EUNAVAILABLE, "integrations cannot be connected through this server")
	}
	conn := kizuna.Connection{Source: source, Config: map[string]string{}}
	if base, err := stringField(obj, "api_base"); err != nil {
		return err
	} else if base != nil {
		conn.APIBase = strings.TrimSpace(*base)
	}
	if raw, ok := obj["config"]; ok && !isNull(raw) {
		if err := json.Unmarshal(raw, &conn.Config); err != nil {
			return kizuna.ErrorAt(kizuna.EINVALID, "config", "\"config\" must be an object of strings")
		}
	}
	secrets := kizuna.ConnectionSecrets{}
	if raw, ok := obj["secrets"]; ok && !isNull(raw) {
		var m map[string]string
		if err := json.Unmarshal(raw, &m); err != nil {
			return kizuna.ErrorAt(kizuna.EINVALID, "secrets", "\"secrets\" must be an object of strings")
		}
		secrets = m
	}
	c, err := s.Sources.Connect(r.Context(), a, "api", conn, secrets)
	if err != nil && c == nil {
		var ke *kizuna.Error
		if errors.As(err, &ke) && (ke.Code == kizuna.EUNAUTHORIZED || ke.Code == kizuna.EFORBIDDEN) {
			// The source refused the credentials sent: a bad request, not
			// this API's token (401 would say that).
			refused := *ke
			refused.Code, refused.Path = kizuna.EINVALID, "secrets"
			return &refused
		}
		return err
	}
	ans := map[string]any{"connection": c, "sync_queued": err == nil}
	if err != nil {
		s.Logger.Warn("api: queueing a backfill failed", "account", a.Name, "source", source, "err", err)
	}
	s.respond(w, r, http.StatusOK, ans)
	return nil
}

// syncSource answers POST connections/{source}/sync {"kind"}: a backfill
// (the default), a poll or a reconcile of a connected source is queued;
// one runs per account and source at a time.
func (s *Server) syncSource(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	kind := kizuna.SyncBackfill
	if r.ContentLength != 0 {
		obj, err := s.segmentBody(w, r, "kind")
		if err != nil {
			return err
		}
		if k, err := stringField(obj, "kind"); err != nil {
			return err
		} else if k != nil {
			kind = *k
		}
	}
	source := r.PathValue("source")
	if !kizuna.ValidSource(source) {
		return kizuna.ErrorAt(kizuna.EINVALID, "source", "the source must be shopify, hubspot or klaviyo")
	}
	if s.Sources == nil {
		return kizuna.Errorf(kizuna.EUNAVAILABLE, "integrations cannot be connected through this server")
	}
	if err := s.Sources.Sync(r.Context(), a, source, kind); err != nil {
		return err
	}
	s.respond(w, r, http.StatusAccepted, map[string]string{"source": source, "kind": kind, "status": "queued"})
	return nil
}

// disconnectSource forgets a source's connection and secrets; its data
// stays, but its conditions no longer count as connected.
func (s *Server) disconnectSource(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	if err := s.Store.Disconnect(r.Context(), a, r.PathValue("source")); err != nil {
		return err
	}
	s.respond(w, r, http.StatusOK, map[string]bool{"disconnected": true})
	return nil
}

// link answers POST links {"source", "record_id", "line_user_id"}: the
// shop's own account-link flow says which customer, contact or profile a
// friend is. The friend gets the record's data as soon as it is synced.
func (s *Server) link(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	obj, err := s.segmentBody(w, r, "source", "record_id", "line_user_id")
	if err != nil {
		return err
	}
	source, err := requiredString(obj, "source", "send the \"source\": shopify, hubspot or klaviyo")
	if err != nil {
		return err
	}
	record, err := requiredString(obj, "record_id", "send the record's \"record_id\"")
	if err != nil {
		return err
	}
	user, err := requiredString(obj, "line_user_id", "send the friend's \"line_user_id\"")
	if err != nil {
		return err
	}
	if err := s.Store.LinkRecord(r.Context(), a, *source, *record, *user, kizuna.LinkAPI); err != nil {
		return err
	}
	s.respond(w, r, http.StatusOK, map[string]any{"source": *source, "record_id": *record, "line_user_id": *user, "how": kizuna.LinkAPI})
	return nil
}

// unlink removes a friend's link of a source.
func (s *Server) unlink(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	if err := s.Store.UnlinkRecord(r.Context(), a, r.PathValue("source"), r.PathValue("line_user_id")); err != nil {
		return err
	}
	s.respond(w, r, http.StatusOK, map[string]bool{"unlinked": true})
	return nil
}
