package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kizuna-line/kizuna"
)

// The segment list's actions (duplicate, delete, move to a folder), folders
// (create, rename, delete), deleted segments (restore) and a segment's
// history. Each POST goes back to its page with a redirect (303), so that a
// reload does not repeat it; what was done, or why it was refused, comes
// with the session's flash (flash.go), never from the URL.
//
// Folders are named in the forms by name (unique in an account), because the
// segment list knows its folders by name.

// listURL is the account's segment list.
func listURL(a *kizuna.Account) string {
	return "/a/" + url.PathEscape(a.Name) + "/segments"
}

// backToList goes back to the segment list after a list action: with the
// notice when done, the refusal's message when the store refused, "not
// found" for another account's segment or folder, a failure otherwise.
func (s *Server) backToList(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account, err error, notice string) {
	if err == nil {
		if notice != "" {
			s.notice(w, r, ss, notice)
		}
		http.Redirect(w, r, listURL(a), http.StatusSeeOther)
		return
	}
	if c := kizuna.ErrorCode(err); c == kizuna.EINVALID || c == kizuna.ECONFLICT {
		s.refuse(w, r, ss, atTop, s.refusal(r, ss, err)) // the store's reason, in the user's language
		http.Redirect(w, r, listURL(a), http.StatusSeeOther)
		return
	}
	s.failOrNotFound(w, r, ss, err)
}

// pathID returns the path's {id} (a segment, a token, a member), or
// answers "not found" and reports false.
func (s *Server) pathID(w http.ResponseWriter, r *http.Request, ss *session) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.notFound(w, r, ss)
		return 0, false
	}
	return id, true
}

// duplicateSegment saves a copy of a segment, in the same folder, under the
// first free name of "NAME (copy)", "NAME (copy 2)", ... (kizuna.CopyName).
func (s *Server) duplicateSegment(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	id, ok := s.pathID(w, r, ss)
	if !ok {
		return
	}
	ctx := r.Context()
	segs, err := s.Store.Segments(ctx, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := s.lang(r, ss.user)
	name, err := kizuna.CopyName(segs, id, lang)
	var copied *kizuna.Segment
	if err == nil {
		copied, err = s.Store.DuplicateSegment(ctx, a, ss.user.Email, id, name)
	}
	notice := ""
	if err == nil {
		notice = fmt.Sprintf(t(lang, "done.duplicated"), short(copied.Name, 80))
	}
	s.backToList(w, r, ss, a, err, notice)
}

// deleteSegment deletes a segment softly: the deleted segments page
// restores it within kizuna.RestoreWindow.
func (s *Server) deleteSegment(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	id, ok := s.pathID(w, r, ss)
	if !ok {
		return
	}
	seg, err := s.Store.Segment(r.Context(), a, id)
	if err == nil {
		err = s.Store.DeleteSegment(r.Context(), a, ss.user.Email, id)
	}
	notice := ""
	if err == nil {
		notice = fmt.Sprintf(t(s.lang(r, ss.user), "done.deleted"), short(seg.Name, 80))
	}
	if kizuna.ErrorCode(err) == kizuna.ECONFLICT { // broadcasts use it: said at its row
		s.refuse(w, r, ss, atSegmentRow(id), s.refusal(r, ss, err))
		http.Redirect(w, r, listURL(a), http.StatusSeeOther)
		return
	}
	s.backToList(w, r, ss, a, err, notice)
}

// folderID returns the ID of the account's folder named name ("" is no
// folder: 0), or ENOTFOUND.
func (s *Server) folderID(r *http.Request, a *kizuna.Account, name string) (int64, error) {
	if name == "" {
		return 0, nil
	}
	folders, err := s.Store.Folders(r.Context(), a)
	if err != nil {
		return 0, err
	}
	for _, f := range folders {
		if f.Name == name {
			return f.ID, nil
		}
	}
	return 0, kizuna.Errorf(kizuna.ENOTFOUND, "no folder %q", name)
}

// moveSegment moves a segment into the folder the form names ("" for none).
func (s *Server) moveSegment(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	id, ok := s.pathID(w, r, ss)
	if !ok {
		return
	}
	folder := r.PostFormValue("folder")
	fid, err := s.folderID(r, a, folder)
	var seg *kizuna.Segment
	if err == nil {
		seg, err = s.Store.EditSegment(r.Context(), a, ss.user.Email, id, kizuna.SegmentEdit{FolderID: &fid})
	}
	notice := ""
	if err == nil {
		lang := s.lang(r, ss.user)
		if folder == "" {
			notice = fmt.Sprintf(t(lang, "done.moved.out"), short(seg.Name, 80))
		} else {
			notice = fmt.Sprintf(t(lang, "done.moved"), short(seg.Name, 80), short(folder, 80))
		}
	}
	s.backToList(w, r, ss, a, err, notice)
}

// createFolder makes a folder from the list's form.
func (s *Server) createFolder(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	fo, err := s.Store.CreateFolder(r.Context(), a, r.PostFormValue("name"))
	notice := ""
	if err == nil {
		notice = fmt.Sprintf(t(s.lang(r, ss.user), "done.folder.created"), short(fo.Name, 80))
	}
	s.backToList(w, r, ss, a, err, notice)
}

// renameFolder renames the folder the form names ("folder") to "name".
func (s *Server) renameFolder(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	id, err := s.folderID(r, a, r.PostFormValue("folder"))
	if err == nil && id == 0 {
		err = kizuna.Errorf(kizuna.ENOTFOUND, "no folder named")
	}
	if err == nil {
		err = s.Store.RenameFolder(r.Context(), a, id, r.PostFormValue("name"))
	}
	s.backToList(w, r, ss, a, err, fmt.Sprintf(t(s.lang(r, ss.user), "done.folder.renamed"), short(strings.TrimSpace(r.PostFormValue("name")), 80)))
}

// deleteFolder deletes the folder the form names; the store refuses one
// that holds live segments.
func (s *Server) deleteFolder(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	id, err := s.folderID(r, a, r.PostFormValue("folder"))
	if err == nil && id == 0 {
		err = kizuna.Errorf(kizuna.ENOTFOUND, "no folder named")
	}
	if err == nil {
		err = s.Store.DeleteFolder(r.Context(), a, id)
	}
	if kizuna.ErrorCode(err) == kizuna.ECONFLICT {
		s.refuse(w, r, ss, atTop, t(s.lang(r, ss.user), "refused.folder.notempty"))
		http.Redirect(w, r, listURL(a), http.StatusSeeOther)
		return
	}
	s.backToList(w, r, ss, a, err, fmt.Sprintf(t(s.lang(r, ss.user), "done.folder.deleted"), short(r.PostFormValue("folder"), 80)))
}

// deletedURL is the account's deleted segments page.
func deletedURL(a *kizuna.Account) string {
	return "/a/" + url.PathEscape(a.Name) + "/segments/deleted"
}

// deletedRow is a deleted segment as the deleted segments page shows it.
type deletedRow struct {
	ID                       int64
	Name, Deleted, RestoreBy string
}

// deletedSegments lists the segments deleted within kizuna.RestoreWindow,
// each with a Restore button.
func (s *Server) deletedSegments(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	s.deletedPage(w, r, ss, a, http.StatusOK, "")
}

func (s *Server) deletedPage(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account, status int, errMsg string) {
	segs, err := s.Store.DeletedSegments(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	loc := a.Location()
	rows := []deletedRow{}
	for _, seg := range segs {
		row := deletedRow{ID: seg.ID, Name: seg.Name}
		if seg.DeletedAt != nil {
			row.Deleted = seg.DeletedAt.In(loc).Format("2006-01-02 15:04")
			row.RestoreBy = seg.DeletedAt.Add(kizuna.RestoreWindow).In(loc).Format("2006-01-02 15:04")
		}
		rows = append(rows, row)
	}
	lang := s.lang(r, ss.user)
	s.render(w, r, status, "deleted", &page{Lang: lang, Title: t(lang, "segments.deleted"), User: ss.user, CSRF: ss.csrf, Accounts: ss.accounts,
		AccountName: a.Name, Path: deletedURL(a), Deleted: rows, Error: errMsg})
}

// restoreSegment brings a deleted segment back and goes to the list. A
// refusal (its name taken meanwhile, or deleted too long ago) shows the
// deleted segments page with the store's message.
func (s *Server) restoreSegment(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	id, ok := s.pathID(w, r, ss)
	if !ok {
		return
	}
	ctx := r.Context()
	seg, err := s.Store.RestoreSegment(ctx, a, ss.user.Email, id)
	switch kizuna.ErrorCode(err) {
	case "":
		s.notice(w, r, ss, fmt.Sprintf(t(s.lang(r, ss.user), "done.restored"), short(seg.Name, 80)))
		http.Redirect(w, r, listURL(a), http.StatusSeeOther)
	case kizuna.ECONFLICT, kizuna.EINVALID:
		s.refuse(w, r, ss, atTop, s.refusal(r, ss, err))
		http.Redirect(w, r, deletedURL(a), http.StatusSeeOther)
	case kizuna.ENOTFOUND:
		// The account's own segment deleted too long ago has a history;
		// another account's has none here.
		if _, herr := s.Store.SegmentHistory(ctx, a, id); herr != nil {
			s.failOrNotFound(w, r, ss, herr)
			return
		}
		s.refuse(w, r, ss, atTop, s.refusal(r, ss, err))
		http.Redirect(w, r, deletedURL(a), http.StatusSeeOther)
	default:
		s.fail(w, r, err)
	}
}

// historyRow is one recorded change as the history page shows it.
type historyRow struct {
	When, Who, Action         string
	NameBefore, NameAfter     string
	FilterBefore, FilterAfter string
	IsRename, FilterChanged   bool
}

// segmentHistory shows a segment's recorded changes, newest first: when (in
// the account's time zone), who, what, the name and the conditions before
// and after (as the preview's plain-language summary, as of the change).
func (s *Server) segmentHistory(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	id, ok := s.pathID(w, r, ss)
	if !ok {
		return
	}
	ctx := r.Context()
	changes, err := s.Store.SegmentHistory(ctx, a, id)
	if err != nil {
		s.failOrNotFound(w, r, ss, err)
		return
	}
	cat, err := s.Store.Catalog(ctx, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := s.lang(r, ss.user)
	loc := a.Location()
	summary := func(raw []byte, at time.Time) string {
		if len(raw) == 0 {
			return ""
		}
		f, err := kizuna.ParseFilter(raw)
		if err != nil {
			return string(raw)
		}
		return kizuna.Summarize(f, cat, loc, at, lang)
	}
	name := ""
	rows := make([]historyRow, 0, len(changes))
	for _, c := range changes {
		row := historyRow{
			When: c.At.In(loc).Format("2006-01-02 15:04"), Who: c.Actor, Action: t(lang, "action."+c.Action),
			NameBefore: c.NameBefore, NameAfter: c.NameAfter,
			FilterBefore: summary(c.FilterBefore, c.At), FilterAfter: summary(c.FilterAfter, c.At),
		}
		if _, known := manageMessages["action."+c.Action]; !known {
			row.Action = c.Action
		}
		row.IsRename = row.NameBefore != "" && row.NameAfter != ""
		row.FilterChanged = row.FilterBefore != "" && row.FilterAfter != ""
		if c.NameAfter != "" {
			name = c.NameAfter
		} else if name == "" {
			name = c.NameBefore
		}
		rows = append(rows, row)
	}
	for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
		rows[i], rows[j] = rows[j], rows[i]
	}
	title := fmt.Sprintf(t(lang, "history.title"), name)
	s.render(w, r, http.StatusOK, "history", &page{Lang: lang, Title: title, Message: title, User: ss.user, CSRF: ss.csrf, Accounts: ss.accounts,
		AccountName: a.Name, History: rows})
}
