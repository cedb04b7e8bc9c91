package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/kizuna-line/kizuna"
)

// The tags page: the account's friend tags with how many following friends
// carry each; create, rename (saved segments follow), delete (refused while
// a live segment uses the tag), and give a tag to every member of a segment.

// tagRow is a tag as the tags page shows it.
type tagRow struct {
	Name, Count string
}

// tagsURL is the account's tags page.
func tagsURL(a *kizuna.Account) string {
	return "/a/" + url.PathEscape(a.Name) + "/tags"
}

// tags shows the tags page. After "apply a tag to a segment" it says how
// many friends carry the tag (?tagged=N&tag=T&segment=ID, shown only when
// the tag and the segment are the account's).
func (s *Server) tags(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	s.tagsPage(w, r, ss, a, http.StatusOK, "")
}

func (s *Server) tagsPage(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account, status int, errMsg string) {
	s.tagsPageWith(w, r, ss, a, status, errMsg, nil)
}

// tagsPageWith is tagsPage with a warning about a similar tag, if any.
func (s *Server) tagsPageWith(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account, status int, errMsg string, similar *similarTag) {
	ctx := r.Context()
	tags, err := s.Store.Tags(ctx, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	segs, err := s.Store.Segments(ctx, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := s.lang(r, ss.user)
	rows := make([]tagRow, len(tags))
	known := make(map[string]bool, len(tags))
	for i, tg := range tags {
		rows[i] = tagRow{Name: tg.Name, Count: formatCount(tg.Friends)}
		known[tg.Name] = true
	}
	notice := ""
	if q := r.URL.Query(); r.Method == http.MethodGet && q.Has("tagged") {
		n, nerr := strconv.ParseInt(q.Get("tagged"), 10, 64)
		id, ierr := strconv.ParseInt(q.Get("segment"), 10, 64)
		if nerr == nil && ierr == nil && n >= 0 && known[q.Get("tag")] {
			for _, seg := range segs {
				if seg.ID == id {
					notice = fmt.Sprintf(t(lang, "tags.applied"), formatCount(n), seg.Name, q.Get("tag"))
				}
			}
		}
	}
	s.render(w, r, status, "tags", &page{Lang: lang, Title: t(lang, "nav.tags"), User: ss.user, CSRF: ss.csrf, Accounts: ss.accounts,
		AccountName: a.Name, Path: tagsURL(a), TagRows: rows, Segments: segs, Error: errMsg, ErrorAt: errorControl(r, nil), Notice: notice, Similar: similar})
}

// tagDone goes back to the tags page after a change; a refusal shows the
// page with the store's message, changing nothing; an unknown tag or
// segment (another account's) is "not found".
func (s *Server) tagDone(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account, err error, next string) {
	switch kizuna.ErrorCode(err) {
	case "":
		http.Redirect(w, r, next, http.StatusSeeOther)
	case kizuna.EINVALID, kizuna.EINVALIDFILTER:
		s.tagsPage(w, r, ss, a, http.StatusBadRequest, s.refusal(r, ss, err))
	case kizuna.ECONFLICT:
		s.tagsPage(w, r, ss, a, http.StatusConflict, s.refusal(r, ss, err))
	default:
		s.failOrNotFound(w, r, ss, err)
	}
}

func (s *Server) createTag(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	if s.warnSimilarTag(w, r, ss, a, "", r.PostFormValue("name")) {
		return
	}
	s.tagDone(w, r, ss, a, s.Store.CreateTag(r.Context(), a, r.PostFormValue("name")), tagsURL(a))
}

// renameTag renames the tag "from" to "to"; the store rewrites the saved
// segments that test it.
func (s *Server) renameTag(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	if s.warnSimilarTag(w, r, ss, a, r.PostFormValue("from"), r.PostFormValue("to")) {
		return
	}
	err := s.Store.RenameTag(r.Context(), a, ss.user.Email, r.PostFormValue("from"), r.PostFormValue("to"))
	s.tagDone(w, r, ss, a, err, tagsURL(a))
}

// deleteTag deletes a tag from the account and its friends; the store
// refuses while a live segment uses it, naming the segments.
func (s *Server) deleteTag(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	s.tagDone(w, r, ss, a, s.Store.DeleteTag(r.Context(), a, r.PostFormValue("name")), tagsURL(a))
}

// applyTag gives a tag to every member of a segment now, then says how many.
func (s *Server) applyTag(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	id, err := strconv.ParseInt(r.PostFormValue("segment"), 10, 64)
	if err != nil {
		s.notFound(w, r, ss)
		return
	}
	tag := r.PostFormValue("tag")
	n, err := s.Store.TagSegmentMembers(r.Context(), a, id, tag)
	next := tagsURL(a) + "?" + url.Values{"tagged": {strconv.Itoa(n)}, "tag": {tag}, "segment": {strconv.FormatInt(id, 10)}}.Encode()
	s.tagDone(w, r, ss, a, err, next)
}
