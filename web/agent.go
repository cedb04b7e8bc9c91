package web

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/agent"
)

// "Ask the agent" (issue 12): a panel on the segment list (the first thing
// an account with no segments shows) sends a goal; the conversation page
// shows the agent's questions (Consult mode) or its proposal as a card,
// whose assumptions switch with one click, refines it with another turn,
// approves it (the segment is created and the broadcast composer opens with
// it and the draft message) or cancels it (nothing is created; the panel
// comes back with the goal). Every POST redirects to a page (303) but a
// refusal, which shows the page again with the refusal at its field.

// agentPanel is the "Ask the agent" panel of the segment list.
type agentPanel struct {
	// Off: this process has no agent; the panel says so.
	Off bool
	// First: the account has no segments yet, so the panel is the page's
	// first thing, with the brief's advice and examples.
	First      bool
	Goal, Mode string
	Error      string // the goal's refusal, at the textarea
	// Cancelled: the panel came back from a cancelled proposal, with its
	// goal kept to restate.
	Cancelled bool
	Examples  []string
}

// agentView is the conversation page: the turns so far and the agent's
// questions or its proposal.
type agentView struct {
	ID          int64
	Consult     bool
	Turns       []agentTurn
	Questions   []agentChoices
	Assumptions []agentChoices
	HasProposal bool // a filter to approve (not only questions, or nothing)
	Name        string
	Summary     string
	Count       string
	CountNote   string // "22 friends match now"
	Sample      []kizuna.PreviewFriend
	SampleMore  bool
	Warnings    []agent.Warning
	Draft       string
	Open        bool // neither approved nor cancelled
	Approved    bool
	Cancelled   bool
	SegmentID   int64
	CanAct      bool // the role may approve, cancel and ask (not a viewer)
	// Refusals at their places: the name, the refine box, the top.
	NameError, RefineError, TopError string
	Refine                           string // the refine box's text, kept on a refusal
}

// agentTurn is one turn of the conversation as the page shows it: what the
// user said, or what they chose.
type agentTurn struct {
	Text   string
	Chosen bool
}

// agentChoices is a question or an assumption with its options.
type agentChoices struct {
	Key, Text string
	Options   []agentOption
}

type agentOption struct {
	Value, Label, Count string
	Chosen, Zero        bool
}

// agentURL is a proposal's conversation page.
func agentURL(a *kizuna.Account, id int64) string {
	return "/a/" + url.PathEscape(a.Name) + "/agent/" + strconv.FormatInt(id, 10)
}

// agentExamples are the brief's three goals, offered on an empty account's
// first page.
var agentExamples = []string{"agent.example.comeback", "agent.example.onboarding", "agent.example.repeat"}

// newAgentPanel is the segment list's panel: nil for a role that cannot ask.
func (s *Server) newAgentPanel(ss *session, a *kizuna.Account, lang string, first bool) *agentPanel {
	if !canBroadcast(ss, a) {
		return nil
	}
	p := &agentPanel{Off: s.Agent == nil, First: first, Mode: agent.ModeAuto}
	if first {
		for _, k := range agentExamples {
			p.Examples = append(p.Examples, t(lang, k))
		}
	}
	return p
}

// refuseAgentViewer answers 403 to a role that only looks, and reports
// false.
func (s *Server) refuseAgentViewer(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) bool {
	if canBroadcast(ss, a) {
		return true
	}
	s.render(w, r, http.StatusForbidden, "message", &page{User: ss.user, CSRF: ss.csrf, Accounts: ss.accounts, AccountName: a.Name, Message: t(s.lang(r, ss.user), "agent.viewer"), Back: listURL(a)})
	return false
}

// agentOff answers 503 when this process has no agent, and reports false.
func (s *Server) agentOn(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) bool {
	if s.Agent != nil {
		return true
	}
	s.render(w, r, http.StatusServiceUnavailable, "message", &page{User: ss.user, CSRF: ss.csrf, Accounts: ss.accounts, AccountName: a.Name, Message: t(s.lang(r, ss.user), "agent.off"), Back: listURL(a)})
	return false
}

// proposalID reads the path's proposal ID, or answers "not found".
func (s *Server) proposalID(w http.ResponseWriter, r *http.Request, ss *session) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.notFound(w, r, ss)
		return 0, false
	}
	return id, true
}

// askAgent starts a conversation (the panel: goal, mode) or adds a turn to
// one (after, with goal — the refine box — or choose.KEY=VALUE — a
// question's or an assumption's button), and goes to the new proposal.
func (s *Server) askAgent(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	if !s.refuseAgentViewer(w, r, ss, a) || !s.agentOn(w, r, ss, a) {
		return
	}
	lang := s.lang(r, ss.user)
	if err := r.ParseForm(); err != nil {
		http.Error(w, t(lang, "internal"), http.StatusBadRequest)
		return
	}
	goal := r.PostFormValue("goal")
	req := agent.Request{Goal: goal, Mode: r.PostFormValue("mode"), Lang: lang, Now: s.now(), Actor: ss.user.Email}
	if v := r.PostFormValue("after"); v != "" {
		after, err := strconv.ParseInt(v, 10, 64)
		if err != nil || after <= 0 {
			s.notFound(w, r, ss)
			return
		}
		req.After = after
	}
	for k, vs := range r.PostForm {
		if key, ok := strings.CutPrefix(k, "choose."); ok && len(vs) > 0 {
			if req.Choose == nil {
				req.Choose = map[string]string{}
			}
			req.Choose[key] = vs[0]
		}
	}
	p, err := s.Agent.Propose(r.Context(), a, req)
	if err == nil {
		http.Redirect(w, r, agentURL(a, p.ID), http.StatusSeeOther)
		return
	}
	code := kizuna.ErrorCode(err)
	if code == kizuna.ENOTFOUND {
		s.notFound(w, r, ss)
		return
	}
	if code != kizuna.EINVALID && code != kizuna.ECONFLICT {
		s.fail(w, r, err)
		return
	}
	msg := kizuna.LocalMessage(err, lang)
	if req.After == 0 { // the panel, again, with the goal kept
		panel := s.newAgentPanel(ss, a, lang, false)
		panel.Goal, panel.Error = goal, msg
		if m := req.Mode; m == agent.ModeConsult {
			panel.Mode = m
		}
		s.segmentList(w, r, ss, a, http.StatusBadRequest, panel)
		return
	}
	prev, gerr := s.Agent.Get(r.Context(), a, req.After)
	if gerr != nil {
		s.failOrNotFound(w, r, ss, gerr)
		return
	}
	v := s.agentView(ss, a, lang, prev)
	if errorPath(err) == "goal" && goal != "" {
		v.RefineError, v.Refine = msg, goal
	} else {
		v.TopError = msg
	}
	s.renderAgent(w, r, ss, a, http.StatusBadRequest, lang, v)
}

// errorPath is where a refusal points ("" when nowhere).
func errorPath(err error) string {
	if e := (*kizuna.Error)(nil); errors.As(err, &e) {
		return e.Path
	}
	return ""
}

// agentPage shows a conversation's latest proposal.
func (s *Server) agentPage(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	if !s.agentOn(w, r, ss, a) {
		return
	}
	id, ok := s.proposalID(w, r, ss)
	if !ok {
		return
	}
	p, err := s.Agent.Get(r.Context(), a, id)
	if err != nil {
		s.failOrNotFound(w, r, ss, err)
		return
	}
	lang := s.lang(r, ss.user)
	s.renderAgent(w, r, ss, a, http.StatusOK, lang, s.agentView(ss, a, lang, p))
}

func (s *Server) renderAgent(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account, status int, lang string, v *agentView) {
	title := t(lang, "agent.title")
	if v.Name != "" && v.HasProposal {
		title = fmt.Sprintf(t(lang, "agent.title.named"), short(v.Name, 60))
	}
	p := &page{Lang: lang, Title: title, User: ss.user, CSRF: ss.csrf, Accounts: ss.accounts, AccountName: a.Name, AgentView: v}
	if status != http.StatusOK {
		p.Path = agentURL(a, v.ID) // the language switch comes back to the page, not the POST's target
	}
	s.render(w, r, status, "agent", p)
}

// agentView is what the conversation page shows of p.
func (s *Server) agentView(ss *session, a *kizuna.Account, lang string, p *agent.Proposal) *agentView {
	v := &agentView{ID: p.ID, Consult: p.Mode == agent.ModeConsult, Name: p.Name, Summary: p.Summary, Warnings: p.Warnings, Draft: p.Draft,
		HasProposal: len(p.Filter) > 0, CanAct: canBroadcast(ss, a)}
	switch p.Status {
	case kizuna.ProposalApproved:
		v.Approved = true
		if p.SegmentID != nil {
			v.SegmentID = *p.SegmentID
		}
	case kizuna.ProposalCancelled:
		v.Cancelled = true
	default:
		v.Open = true
	}
	labels := map[string]string{} // key + "\x00" + value → the option's label
	for _, set := range [][]agent.Assumption{p.Questions, p.Assumptions} {
		for _, as := range set {
			for _, alt := range as.Alternatives {
				labels[as.Key+"\x00"+alt.Value] = alt.Label
			}
		}
	}
	for _, turn := range p.Turns {
		if turn.Goal != "" {
			v.Turns = append(v.Turns, agentTurn{Text: turn.Goal})
		}
		for _, k := range slices.Sorted(maps.Keys(turn.Choose)) {
			label := labels[k+"\x00"+turn.Choose[k]]
			if label == "" {
				label = turn.Choose[k]
			}
			v.Turns = append(v.Turns, agentTurn{Text: fmt.Sprintf(t(lang, "agent.turn.chose"), label), Chosen: true})
		}
	}
	choices := func(as agent.Assumption) agentChoices {
		c := agentChoices{Key: as.Key, Text: as.Text}
		for _, alt := range as.Alternatives {
			c.Options = append(c.Options, agentOption{Value: alt.Value, Label: alt.Label, Count: peopleText(lang, alt.Count), Chosen: alt.Chosen, Zero: alt.Count == 0})
		}
		return c
	}
	for _, q := range p.Questions {
		v.Questions = append(v.Questions, choices(q))
	}
	if v.HasProposal {
		for _, as := range p.Assumptions {
			v.Assumptions = append(v.Assumptions, choices(as))
		}
		v.Count = formatCount(p.Count)
		v.CountNote = t(lang, "agent.count.unit")
		if lang != "ja" && p.Count == 1 {
			v.CountNote = t(lang, "agent.count.unit.one")
		}
		v.Sample = p.Sample
		v.SampleMore = p.Count > int64(len(p.Sample))
	}
	return v
}

// peopleText is a count of friends: "12,034 friends", 「12,034人」.
func peopleText(lang string, n int64) string {
	return fmt.Sprintf(plural(lang, n, "agent.people"), formatCount(n))
}

// approveProposal creates the proposal's segment under the name typed, and
// opens the broadcast composer with it and the draft; a refusal (a name in
// use…) shows the card again with it at the name.
func (s *Server) approveProposal(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	if !s.refuseAgentViewer(w, r, ss, a) || !s.agentOn(w, r, ss, a) {
		return
	}
	id, ok := s.proposalID(w, r, ss)
	if !ok {
		return
	}
	name := r.PostFormValue("name")
	seg, _, err := s.Agent.Approve(r.Context(), a, ss.user.Email, id, name)
	if err == nil {
		s.notice(w, r, ss, fmt.Sprintf(t(s.lang(r, ss.user), "agent.done.approved"), short(seg.Name, 80)))
		http.Redirect(w, r, fmt.Sprintf("/a/%s/broadcasts/new?segment=%d&proposal=%d", url.PathEscape(a.Name), seg.ID, id), http.StatusSeeOther)
		return
	}
	code := kizuna.ErrorCode(err)
	if code == kizuna.ENOTFOUND && errorPath(err) != "name" {
		s.notFound(w, r, ss)
		return
	}
	if code != kizuna.EINVALID && code != kizuna.ECONFLICT && code != kizuna.EINVALIDFILTER {
		s.fail(w, r, err)
		return
	}
	p, gerr := s.Agent.Get(r.Context(), a, id)
	if gerr != nil {
		s.failOrNotFound(w, r, ss, gerr)
		return
	}
	lang := s.lang(r, ss.user)
	v := s.agentView(ss, a, lang, p)
	msg := kizuna.LocalMessage(err, lang)
	if errorPath(err) == "name" && v.Open {
		v.NameError = msg
		if utf8.ValidString(name) {
			v.Name = name // what was typed, to correct
		}
	} else {
		v.TopError = msg
	}
	s.renderAgent(w, r, ss, a, http.StatusConflict, lang, v)
}

// cancelProposal closes the proposal, creating nothing, and goes back to
// the panel with the conversation's goal kept.
func (s *Server) cancelProposal(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	if !s.refuseAgentViewer(w, r, ss, a) || !s.agentOn(w, r, ss, a) {
		return
	}
	id, ok := s.proposalID(w, r, ss)
	if !ok {
		return
	}
	_, err := s.Agent.Cancel(r.Context(), a, ss.user.Email, id)
	if code := kizuna.ErrorCode(err); code == kizuna.ECONFLICT {
		// Already approved or cancelled (another tab, a colleague): the
		// page says which.
		s.refuse(w, r, ss, atTop, s.refusal(r, ss, err))
		http.Redirect(w, r, agentURL(a, id), http.StatusSeeOther)
		return
	} else if err != nil {
		s.failOrNotFound(w, r, ss, err)
		return
	}
	http.Redirect(w, r, listURL(a)+"?agent="+strconv.FormatInt(id, 10)+"#agent-panel", http.StatusSeeOther)
}

// restatePanel fills the panel from the cancelled proposal ?agent= names:
// its goals to restate, its mode, and the note that nothing was created.
// Anything else (another account's, an open one) leaves the panel as is.
func (s *Server) restatePanel(r *http.Request, a *kizuna.Account, panel *agentPanel) {
	if panel == nil || s.Agent == nil {
		return
	}
	id, err := strconv.ParseInt(r.URL.Query().Get("agent"), 10, 64)
	if err != nil || id <= 0 {
		return
	}
	p, err := s.Agent.Get(r.Context(), a, id)
	if err != nil || p.Status != kizuna.ProposalCancelled {
		return
	}
	panel.Goal, panel.Cancelled = strings.Join(p.Goals, "\n"), true
	if p.Mode == agent.ModeConsult {
		panel.Mode = p.Mode
	}
}

// fromProposal starts the composer's form from the approved proposal
// ?proposal= names, when it created the form's segment: its draft is the
// first message, and the segment's name the broadcast's, to change.
func (s *Server) fromProposal(r *http.Request, a *kizuna.Account, f *draftForm) {
	if s.Agent == nil || f.SegmentID == 0 {
		return
	}
	id, err := strconv.ParseInt(r.URL.Query().Get("proposal"), 10, 64)
	if err != nil || id <= 0 {
		return
	}
	p, err := s.Agent.Get(r.Context(), a, id)
	if err != nil || p.Status != kizuna.ProposalApproved || p.SegmentID == nil || *p.SegmentID != f.SegmentID {
		return
	}
	f.Messages[0].Text = p.Draft
	if seg, err := s.Store.Segment(r.Context(), a, f.SegmentID); err == nil {
		f.Name = seg.Name
	}
}
