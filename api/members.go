package api

import (
	"net/http"

	"github.com/kizuna-line/kizuna"
)

// The account's members, for the same work as the settings page: a token
// acts with an owner's rights on its account.
func (s *Server) memberRoutes(mux *http.ServeMux) {
	mux.Handle("GET /api/v1/accounts/{account}/members", s.account(s.listMembers))
	mux.Handle("POST /api/v1/accounts/{account}/members", s.account(s.inviteMember))
	mux.Handle("PATCH /api/v1/accounts/{account}/members/{id}", s.account(s.setMemberRole))
	mux.Handle("DELETE /api/v1/accounts/{account}/members/{id}", s.account(s.removeMember))
}

func (s *Server) listMembers(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	ms, err := s.Store.Members(r.Context(), a)
	if err != nil {
		return err
	}
	s.respond(w, r, http.StatusOK, map[string]any{"members": ms})
	return nil
}

// inviteMember adds a user by e-mail address; a new user's first password
// is in the answer, once.
func (s *Server) inviteMember(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	obj, err := s.segmentBody(w, r, "email", "role")
	if err != nil {
		return err
	}
	email, err := requiredString(obj, "email", "send the new member's \"email\"")
	if err != nil {
		return err
	}
	role, err := requiredString(obj, "role", "send the new member's \"role\": \"owner\" or \"member\"")
	if err != nil {
		return err
	}
	inv, err := s.Store.InviteMember(r.Context(), a, *email, *role)
	if err != nil {
		return err
	}
	s.respond(w, r, http.StatusCreated, inv)
	return nil
}

func (s *Server) setMemberRole(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	id, err := pathID(r, "member")
	if err != nil {
		return err
	}
	obj, err := s.segmentBody(w, r, "role")
	if err != nil {
		return err
	}
	role, err := requiredString(obj, "role", "send the \"role\": \"owner\" or \"member\"")
	if err != nil {
		return err
	}
	if err := s.Store.SetMemberRole(r.Context(), a, id, *role); err != nil {
		return err
	}
	s.respond(w, r, http.StatusOK, map[string]any{"user_id": id, "role": *role})
	return nil
}

func (s *Server) removeMember(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	id, err := pathID(r, "member")
	if err != nil {
		return err
	}
	if err := s.Store.RemoveMember(r.Context(), a, id); err != nil {
		return err
	}
	s.respond(w, r, http.StatusOK, map[string]int64{"removed": id})
	return nil
}
