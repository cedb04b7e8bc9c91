package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/agent"
)

// The agent (issue 12): a goal becomes a stored proposal; approving it
// creates the segment, cancelling it creates nothing.
func (s *Server) agentRoutes(mux *http.ServeMux) {
	mux.Handle("POST /api/v1/accounts/{account}/agent/proposals", s.account(s.propose))
	mux.Handle("GET /api/v1/accounts/{account}/agent/proposals/{id}", s.account(s.proposal))
	mux.Handle("POST /api/v1/accounts/{account}/agent/proposals/{id}/approve", s.account(s.approveProposal))
	mux.Handle("POST /api/v1/accounts/{account}/agent/proposals/{id}/cancel", s.account(s.cancelProposal))
}

func (s *Server) agentService() (*agent.Service, error) {
	if s.Agent == nil {
		return nil, kizuna.Errorf(kizuna.EUNAVAILABLE, "the agent is not available through this server")
	}
	return s.Agent, nil
}

// propose answers {"goal", "mode", "lang", "now", "after", "choose"}.
func (s *Server) propose(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	ag, err := s.agentService()
	if err != nil {
		return err
	}
	obj, err := s.segmentBody(w, r, "goal", "mode", "lang", "now", "after", "choose")
	if err != nil {
		return err
	}
	req := agent.Request{Actor: apiActor}
	for _, f := range []struct {
		key string
		dst *string
	}{{"goal", &req.Goal}, {"mode", &req.Mode}, {"lang", &req.Lang}} {
		key, dst := f.key, f.dst
		v, err := stringField(obj, key)
		if err != nil {
			return err
		}
		if v != nil {
			*dst = *v
		}
	}
	if raw, ok := obj["now"]; ok && !isNull(raw) {
		var text string
		now, err := time.Time{}, json.Unmarshal(raw, &text)
		if err == nil {
			now, err = time.Parse(time.RFC3339, text)
		}
		if err != nil {
			return kizuna.ErrorAt(kizuna.EINVALID, "now", "now must be an RFC 3339 time with an offset, such as \"2026-11-28T09:00:00+09:00\"")
		}
		req.Now = now
	}
	if raw, ok := obj["after"]; ok && !isNull(raw) {
		if err := json.Unmarshal(raw, &req.After); err != nil || req.After <= 0 {
			return kizuna.ErrorAt(kizuna.EINVALID, "after", "\"after\" must be the ID of the proposal this turn follows")
		}
	}
	if raw, ok := obj["choose"]; ok && !isNull(raw) {
		if err := json.Unmarshal(raw, &req.Choose); err != nil {
			return kizuna.ErrorAt(kizuna.EINVALID, "choose", "\"choose\" must be an object of strings: an assumption's key and the value chosen")
		}
	}
	p, err := ag.Propose(r.Context(), a, req)
	if err != nil {
		return err
	}
	s.respond(w, r, http.StatusCreated, p)
	return nil
}

// onProposal is the agent and the path's proposal ID.
func (s *Server) onProposal(r *http.Request) (*agent.Service, int64, error) {
	ag, err := s.agentService()
	if err != nil {
		return nil, 0, err
	}
	id, err := pathID(r, "proposal")
	return ag, id, err
}

func (s *Server) proposal(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	ag, id, err := s.onProposal(r)
	if err != nil {
		return err
	}
	p, err := ag.Get(r.Context(), a, id)
	if err != nil {
		return err
	}
	s.respond(w, r, http.StatusOK, p)
	return nil
}

// approveProposal creates the proposal's segment, named "name" when the
// body gives one.
func (s *Server) approveProposal(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	ag, id, err := s.onProposal(r)
	if err != nil {
		return err
	}
	var name string
	if r.ContentLength != 0 {
		obj, err := s.segmentBody(w, r, "name")
		if err != nil {
			return err
		}
		if v, err := stringField(obj, "name"); err != nil {
			return err
		} else if v != nil {
			name = *v
		}
	}
	seg, p, err := ag.Approve(r.Context(), a, apiActor, id, name)
	if err != nil {
		return err
	}
	s.respond(w, r, http.StatusCreated, map[string]any{"segment": seg, "proposal": p})
	return nil
}

func (s *Server) cancelProposal(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	ag, id, err := s.onProposal(r)
	if err != nil {
		return err
	}
	p, err := ag.Cancel(r.Context(), a, apiActor, id)
	if err != nil {
		return err
	}
	s.respond(w, r, http.StatusOK, p)
	return nil
}
