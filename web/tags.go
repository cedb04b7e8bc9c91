package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kizuna-line/kizuna"
)

// The tags page: the account's friend tags with how many following friends
// carry each; create, rename (saved segments follow), delete (refused while
// a live segment uses the tag), and give a tag to every member of a segment.

// tagRow is a tag as the tags page shows it.
type tagRow struct {
	Name, Count   string
	ConfirmDelete string
}

// tagsURL is the account's tags page.
func tagsURL(a *kizuna.Account) string {
	return "/a/" + url.PathEscape(a.Name) + "/tags"
}

// tags shows the tags page. What a change did, or why it was refused,
// comes with the session's flash (flash.go).
func (s *Server) tags(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	s.tagsPageWith(w, r, ss, a, http.StatusOK, nil)
}

// tagsPageWith shows the tags page with a warning about a similar tag, if
// any.
func (s *Server) tagsPageWith(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account, status int, similar *similarTag) {
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
	for i, tg := range tags {
		rows[i] = tagRow{Name: tg.Name, Count: formatCount(tg.Friends),
			ConfirmDelete: fmt.Sprintf(plural(lang, tg.Friends, "confirm.tag.delete"), short(tg.Name, 80), formatCount(tg.Friends))}
	}
	// "Give a tag to every member" names how many friends it will tag.
	if err := kizuna.Recount(ctx, s.Store, a, segs); err != nil {
		s.fail(w, r, err)
		return
	}
	apply := make([]applyOption, len(segs))
	for i, seg := range segs {
		apply[i] = applyOption{ID: seg.ID, Name: seg.Name}
		if seg.Count != nil {
			apply[i].Confirm = fmt.Sprintf(plural(lang, *seg.Count, "confirm.tag.apply"), formatCount(*seg.Count), short(seg.Name, 80))
		} else {
			apply[i].Confirm = fmt.Sprintf(t(lang, "confirm.tag.apply.unknown"), short(seg.Name, 80))
		}
	}
	s.render(w, r, status, "tags", &page{Lang: lang, Title: t(lang, "nav.tags"), User: ss.user, CSRF: ss.csrf, Accounts: ss.accounts,
		AccountName: a.Name, Path: tagsURL(a), TagRows: rows, Segments: segs, ApplyOptions: apply, Similar: similar})
}

// applyOption is a segment "give a tag to every member" offers, with the
// confirmation that names how many friends it tags.
type applyOption struct {
	ID            int64
	Name, Confirm string
}

// tagDone goes back to the tags page after a change, with the notice; a
// refusal goes back with the store's message, changing nothing; an unknown
// tag or segment (another account's) is "not found".
func (s *Server) tagDone(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account, at string, err error, notice string) {
	switch kizuna.ErrorCode(err) {
	case "":
		s.notice(w, r, ss, notice)
		http.Redirect(w, r, tagsURL(a), http.StatusSeeOther)
	case kizuna.EINVALID, kizuna.EINVALIDFILTER, kizuna.ECONFLICT:
		s.refuse(w, r, ss, at, s.refusal(r, ss, err))
		http.Redirect(w, r, tagsURL(a), http.StatusSeeOther)
	default:
		s.failOrNotFound(w, r, ss, err)
	}
}

// tagNotice is the notice after a tag change: the message of key with the
// (shortened) names.
func (s *Server) tagNotice(r *http.Request, ss *session, key string, names ...string) string {
	args := make([]any, len(names))
	for i, n := range names {
		args[i] = short(strings.TrimSpace(n), 80)
	}
	return fmt.Sprintf(t(s.lang(r, ss.user), key), args...)
}

func (s *Server) createTag(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	name := r.PostFormValue("name")
	if s.warnSimilarTag(w, r, ss, a, "", name) {
		return
	}
	s.tagDone(w, r, ss, a, atNewTag, s.Store.CreateTag(r.Context(), a, name), s.tagNotice(r, ss, "done.tag.created", name))
}

// renameTag renames the tag "from" to "to"; the store rewrites the saved
// segments that test it.
func (s *Server) renameTag(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	if s.warnSimilarTag(w, r, ss, a, r.PostFormValue("from"), r.PostFormValue("to")) {
		return
	}
	err := s.Store.RenameTag(r.Context(), a, ss.user.Email, r.PostFormValue("from"), r.PostFormValue("to"))
	s.tagDone(w, r, ss, a, atTagRow("rename", r.PostFormValue("from")), err, s.tagNotice(r, ss, "done.tag.renamed", r.PostFormValue("from"), r.PostFormValue("to")))
}

// deleteTag deletes a tag from the account and its friends; the store
// refuses while a live segment uses it, naming the segments.
func (s *Server) deleteTag(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	name := r.PostFormValue("name")
	s.tagDone(w, r, ss, a, atTagRow("delete", name), s.Store.DeleteTag(r.Context(), a, name), s.tagNotice(r, ss, "done.tag.deleted", name))
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
	notice := ""
	if err == nil {
		var seg *kizuna.Segment
		if seg, err = s.Store.Segment(r.Context(), a, id); err == nil {
			notice = fmt.Sprintf(plural(s.lang(r, ss.user), int64(n), "tags.applied"), formatCount(int64(n)), short(seg.Name, 80), short(strings.TrimSpace(tag), 80))
		}
	}
	s.tagDone(w, r, ss, a, atApplyTag, err, notice)
}
