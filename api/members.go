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
	mux.Handle("GET /api/v1/accounts/{account}/invitations", s.account(s.listInvitations))
	mux.Handle("DELETE /api/v1/accounts/{account}/invitations/{id}", s.account(s.revokeInvitation))
}

func (s *Server) listMembers(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	ms, err := s.Store.Members(r.Context(), a)
	if err != nil {
		return err
	}
	s.respond(w, r, http.StatusOK, map[string]any{"members": ms})
	return nil
}

// inviteMember invites an e-mail address: the answer is an invitation and
// its token, once, the same whether or not the address has a user; the
// person becomes a member by opening /invite/{token} and accepting.
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

func (s *Server) listInvitations(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	invs, err := s.Store.Invitations(r.Context(), a)
	if err != nil {
		return err
	}
	s.respond(w, r, http.StatusOK, map[string]any{"invitations": invs})
	return nil
}

func (s *Server) revokeInvitation(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	id, err := pathID(r, "invitation")
	if err != nil {
		return err
	}
	if err := s.Store.RevokeInvitation(r.Context(), a, id); err != nil {
		return err
	}
	s.respond(w, r, http.StatusOK, map[string]int64{"revoked": id})
	return nil
}
