package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/kizuna-line/kizuna"
)

// friends is the friend list: search by name or LINE user ID, a tag filter,
// pages of 50.
func (s *Server) friends(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	lang := s.lang(r, ss.user)
	q := r.URL.Query()
	fq := kizuna.FriendQuery{Search: strings.TrimSpace(q.Get("q")), Tag: q.Get("tag"), After: q.Get("after"), Limit: 50}
	segs, err := s.Store.Segments(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// With a segment chosen and "only its members", the list holds only
	// them (the segment's filter in the list's query); otherwise each
	// friend on the page is marked in or out of it, linking to why.
	var chosen *kizuna.Segment
	if id, err := strconv.ParseInt(q.Get("segment"), 10, 64); err == nil {
		i := slices.IndexFunc(segs, func(seg *kizuna.Segment) bool { return seg.ID == id })
		if i < 0 {
			s.notFound(w, r, ss)
			return
		}
		chosen = segs[i]
		if q.Get("only") == "in" {
			fq.Members, fq.Now = &kizuna.Filter{}, s.now()
			if f, err := kizuna.ParseFilter(chosen.Filter); err == nil {
				fq.Members = f
			}
		}
	}
	list, err := &kizuna.FriendPage{Friends: []kizuna.FriendSummary{}}, error(nil)
	if fq.Members == nil || len(fq.Members.Groups) > 0 { // a filter that no longer parses holds nobody
		list, err = s.Store.ListFriends(r.Context(), a, fq)
	}
	if kizuna.ErrorCode(err) == kizuna.EINVALIDFILTER { // nor one naming a tag gone since
		list, err = &kizuna.FriendPage{Friends: []kizuna.FriendSummary{}}, nil
	}
	status, refused := http.StatusOK, ""
	var e *kizuna.Error
	if errors.As(err, &e) && e.Code == kizuna.EINVALID && (e.Path == "q" || e.Path == "tag") {
		// A search the store refuses (U+0000, too long): the list without
		// it, saying why.
		status, refused = http.StatusBadRequest, s.refusal(r, ss, err)
		fq.Search, fq.Tag, fq.After = "", "", ""
		list, err = s.Store.ListFriends(r.Context(), a, fq)
	}
	if err != nil {
		if kizuna.ErrorCode(err) == kizuna.EINVALID { // a stale cursor: start over
			fq.After = ""
			list, err = s.Store.ListFriends(r.Context(), a, fq)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
	}
	tags, err := s.Store.Tags(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := &page{Lang: lang, Title: t(lang, "friends"), User: ss.user, CSRF: ss.csrf, Accounts: ss.accounts,
		AccountName: a.Name, Query: fq.Search, Tag: fq.Tag, Next: list.Next, Friends: list.Friends, Tags: tags, Segments: segs, Error: refused,
		OnlyMembers: fq.Members != nil}
	if chosen != nil {
		p.Segment = chosen
		ids := make([]string, len(list.Friends))
		for i, f := range list.Friends {
			ids[i] = f.LineUserID
		}
		if p.Members, err = (kizuna.Matcher{Loc: a.Location(), Now: s.now()}).MembersAmong(r.Context(), s.Store, a, p.Segment, ids); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, status, "friends", p)
}

// pathFriend returns the account's friend of the path, or answers "not
// found" and reports false.
func (s *Server) pathFriend(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) (*kizuna.Friend, bool) {
	fr, err := s.Store.FindFriend(r.Context(), a, r.PathValue("id"))
	if err != nil {
		s.failOrNotFound(w, r, ss, err)
		return nil, false
	}
	return fr, true
}

// friend is a friend's page: profile, tags (added and removed here), the
// integrations' data, and the segments the friend is in now.
func (s *Server) friend(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	s.friendPage(w, r, ss, a, http.StatusOK, nil)
}

// friendPage shows the friend's page, with a warning about a tag being
// added that equals an existing one after normalization, if any.
func (s *Server) friendPage(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account, status int, similar *similarTag) {
	fr, ok := s.pathFriend(w, r, ss, a)
	if !ok {
		return
	}
	lang := s.lang(r, ss.user)
	segs, err := s.Store.Segments(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in []string
	for _, seg := range (kizuna.Matcher{Loc: a.Location(), Now: s.now()}).SegmentsOf(segs, fr) {
		in = append(in, seg.Name)
	}
	tags, err := s.Store.Tags(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cat, err := s.Store.Catalog(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	links, err := s.friendLinks(r, a, fr.LineUserID, lang)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, "friend", &page{Lang: lang, Title: fr.DisplayName, User: ss.user, CSRF: ss.csrf, Accounts: ss.accounts,
		AccountName: a.Name, Path: friendURL(a, fr.LineUserID), Friend: fr, InSegments: in, Segments: segs, Tags: tags, Similar: similar,
		Integration: integrationSections(fr, cat, a.Location(), s.now(), lang), Links: links})
}

// friendURL is a friend's page.
func friendURL(a *kizuna.Account, lineUserID string) string {
	return "/a/" + url.PathEscape(a.Name) + "/friends/" + url.PathEscape(lineUserID)
}

// friendTags adds or removes one of the friend's tags (the form's "add" or
// "remove"), then shows the page the panel is on again: the friend's page,
// or the conversation in Chat when the form says it came "from" there. A
// tag to add that equals another after normalization is asked about first,
// as on the tags page.
func (s *Server) friendTags(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	id := r.PathValue("id")
	lang := s.lang(r, ss.user)
	back, again := friendURL(a, id), s.friendPage
	if r.PostFormValue("from") == "chat" {
		back, again = conversationURL(a, id), s.conversationWithSimilar
	}
	var add, remove []string
	notice := ""
	if v := strings.TrimSpace(r.PostFormValue("add")); v != "" {
		sim, err := s.similarTagTo(r, a, "", v)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if sim != nil {
			again(w, r, ss, a, http.StatusConflict, sim)
			return
		}
		add, notice = []string{v}, fmt.Sprintf(t(lang, "done.friend.tagged"), short(v, 80))
	} else if r.PostForm.Has("add") {
		// A name of spaces only is no tag: say so rather than do nothing.
		if _, err := s.Store.FindFriend(r.Context(), a, id); err != nil {
			s.failOrNotFound(w, r, ss, err)
			return
		}
		s.refuse(w, r, ss, atAddTag, t(lang, "tag.blank"))
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	if v := r.PostFormValue("remove"); v != "" {
		remove, notice = []string{v}, fmt.Sprintf(t(lang, "done.friend.untagged"), short(v, 80))
	}
	if err := s.Store.TagFriends(r.Context(), a, []string{id}, add, remove); err != nil {
		switch kizuna.ErrorCode(err) {
		case kizuna.ENOTFOUND:
			s.notFound(w, r, ss)
		case kizuna.EINVALID:
			at := atTop // removing a tag has no form of its own
			if add != nil {
				at = atAddTag
			}
			s.refuse(w, r, ss, at, s.refusal(r, ss, err))
			http.Redirect(w, r, back, http.StatusSeeOther)
		default:
			s.fail(w, r, err)
		}
		return
	}
	if notice != "" {
		s.notice(w, r, ss, notice)
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// why explains why the friend is in or out of a segment now.
func (s *Server) why(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	fr, ok := s.pathFriend(w, r, ss, a)
	if !ok {
		return
	}
	lang := s.lang(r, ss.user)
	id, err := strconv.ParseInt(r.URL.Query().Get("segment"), 10, 64)
	if err != nil {
		s.notFound(w, r, ss)
		return
	}
	seg, err := s.Store.Segment(r.Context(), a, id)
	if err != nil {
		s.failOrNotFound(w, r, ss, err)
		return
	}
	f, err := kizuna.ParseFilter(seg.Filter)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cat, err := s.Store.Catalog(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name := fr.DisplayName
	if name == "" {
		name = fr.LineUserID
	}
	title := fmt.Sprintf(t(lang, "why.title"), short(name, 40), short(seg.Name, 40))
	s.render(w, r, http.StatusOK, "why", &page{Lang: lang, Title: title, Message: title, User: ss.user, CSRF: ss.csrf, Accounts: ss.accounts,
		AccountName: a.Name, Friend: fr, Why: kizuna.Explain(f, fr, cat, a.Location(), s.now(), lang)})
}
