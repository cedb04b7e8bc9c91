package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/kizuna-line/kizuna"
)

// A segment's members page (every member, in pages, with the total, each
// linking to why), plural forms, and the way back from a message page.

// membersPage is a page of a segment's members.
type membersPage struct {
	Segment *kizuna.Segment
	Total   string // "—" when the segment cannot be counted now
	Summary string // "N friends are in this segment now."
	Friends []kizuna.FriendSummary
	Next    string
	Error   string
}

// membersPageSize is how many members a page lists.
const membersPageSize = 50

// segmentMembers lists the members of a segment now, most recently added
// first: the total from the preview (the engine's index when ready), the
// page from the store's friend list with the segment's filter compiled to
// its WHERE, both at one instant.
func (s *Server) segmentMembers(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	id, ok := s.pathID(w, r, ss)
	if !ok {
		return
	}
	ctx := r.Context()
	seg, err := s.Store.Segment(ctx, a, id)
	if err != nil {
		s.failOrNotFound(w, r, ss, err)
		return
	}
	lang := s.lang(r, ss.user)
	mp := &membersPage{Segment: seg, Total: t(lang, "count.unknown"), Friends: []kizuna.FriendSummary{}}
	p := &page{Lang: lang, Title: t(lang, "segmembers.title") + " · " + short(seg.Name, 40), User: ss.user, CSRF: ss.csrf, Accounts: ss.accounts,
		AccountName: a.Name, SegmentMembers: mp}
	f, err := kizuna.ParseFilter(seg.Filter)
	if err != nil { // a stored filter that no longer parses holds nobody
		mp.Error = s.refusal(r, ss, err)
		s.render(w, r, http.StatusOK, "members", p)
		return
	}
	now := s.now()
	pv, err := s.Store.Preview(ctx, a, kizuna.PreviewRequest{Filter: seg.Filter, Now: now, CountOnly: true})
	if err != nil {
		if kizuna.ErrorCode(err) == kizuna.EINTERNAL {
			s.fail(w, r, err)
			return
		}
		mp.Error = s.refusal(r, ss, err)
		s.render(w, r, http.StatusOK, "members", p)
		return
	}
	mp.Total, mp.Summary = formatCount(pv.Count), fmt.Sprintf(plural(lang, pv.Count, "segmembers.total"), formatCount(pv.Count))
	if pv.Count == 0 {
		mp.Summary = t(lang, "segmembers.none")
	}
	fq := kizuna.FriendQuery{Members: f, Now: now, After: r.URL.Query().Get("after"), Limit: membersPageSize}
	list, err := s.Store.ListFriends(ctx, a, fq)
	if kizuna.ErrorCode(err) == kizuna.EINVALID && fq.After != "" { // a stale cursor: start over
		fq.After = ""
		list, err = s.Store.ListFriends(ctx, a, fq)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	mp.Friends, mp.Next = list.Friends, list.Next
	s.render(w, r, http.StatusOK, "members", p)
}

// membersURL is a segment's members page.
func membersURL(a *kizuna.Account, id int64) string {
	return "/a/" + url.PathEscape(a.Name) + "/segments/" + strconv.FormatInt(id, 10) + "/members"
}

// plural returns the message of key for n: in English, key+".one" when n
// is 1 and the catalog has it; Japanese has one form.
func plural(lang string, n int64, key string) string {
	if lang != "ja" && n == 1 {
		if _, ok := lookup(key + ".one"); ok {
			return t(lang, key+".one")
		}
	}
	return t(lang, key)
}

// backLink is where a message page (a stale form, say) offers to go back
// to: the page the form was on when the browser says so and it is this
// site's, else "" (the page offers the home page or sign-in).
func backLink(r *http.Request) string {
	if ref, err := url.Parse(r.Referer()); err == nil && ref.Host == r.Host && ref.Path != "" {
		return safeNext(ref.RequestURI())
	}
	return ""
}
