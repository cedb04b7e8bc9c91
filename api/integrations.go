package api

import (
	"net/http"

	"github.com/kizuna-line/kizuna"
)

// The account's integrations: their connections (never their secrets),
// how fresh their data is, how many friends are linked, and links made by
// the shop's own account-link flow.
func (s *Server) integrationRoutes(mux *http.ServeMux) {
	mux.Handle("GET /api/v1/accounts/{account}/connections", s.account(s.connections))
	mux.Handle("DELETE /api/v1/accounts/{account}/connections/{source}", s.account(s.disconnectSource))
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
}

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
	out := make([]integrationAnswer, 0, len(kizuna.Sources))
	for _, source := range kizuna.Sources {
		ans := integrationAnswer{Source: source, Connected: connected[source], Linked: linked[source]}
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
