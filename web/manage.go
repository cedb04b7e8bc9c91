package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/kizuna-line/kizuna"
)

// The segment list's actions (duplicate, delete, move to a folder), folders
// (create, rename, delete), deleted segments (restore) and a segment's
// history. Each POST goes back to its page with a redirect (303), so that a
// reload does not repeat it.
//
// Folders are named in the forms by name (unique in an account), because the
// segment list knows its folders by name. A refusal on the list comes back
// as ?refused=KEY, and the list shows only the known messages of those keys
// (never text taken from the URL).

// listRefusals are the refusals the segment list shows, by key.
var listRefusals = map[string]bool{"folder.notempty": true, "name.taken": true, "name.invalid": true}

// Refusal is the segment list's message for the refusal its URL names
// (?refused=KEY), or "".
func (p *page) Refusal() string {
	u, err := url.Parse(p.Path)
	if err != nil {
		return ""
	}
	key := u.Query().Get("refused")
	if !listRefusals[key] {
		return ""
	}
	return t(p.Lang, "refused."+key)
}

// listURL is the account's segment list, with a refusal's key if any.
func listURL(a *kizuna.Account, refused string) string {
	u := "/a/" + url.PathEscape(a.Name) + "/segments"
	if refused != "" {
		u += "?refused=" + url.QueryEscape(refused)
	}
	return u
}

// refusalKey names a store's refusal for the segment list: "" for an error
// that is not a refusal (ENOTFOUND, an internal error).
func refusalKey(err error) string {
	switch kizuna.ErrorCode(err) {
	case kizuna.ECONFLICT:
		return "name.taken"
	case kizuna.EINVALID:
		return "name.invalid"
	}
	return ""
}

// backToList goes back to the segment list after a list action: with the
// refusal's key when the store refused, "not found" for another account's
// segment or folder, a failure otherwise.
func (s *Server) backToList(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account, err error) {
	if err == nil {
		http.Redirect(w, r, listURL(a, ""), http.StatusSeeOther)
		return
	}
	if key := refusalKey(err); key != "" {
		http.Redirect(w, r, listURL(a, key), http.StatusSeeOther)
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
	name, err := kizuna.CopyName(segs, id, s.lang(r, ss.user))
	if err == nil {
		_, err = s.Store.DuplicateSegment(ctx, a, ss.user.Email, id, name)
	}
	s.backToList(w, r, ss, a, err)
}

// deleteSegment deletes a segment softly: the deleted segments page
// restores it within kizuna.RestoreWindow.
func (s *Server) deleteSegment(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	id, ok := s.pathID(w, r, ss)
	if !ok {
		return
	}
	s.backToList(w, r, ss, a, s.Store.DeleteSegment(r.Context(), a, ss.user.Email, id))
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
	fid, err := s.folderID(r, a, r.PostFormValue("folder"))
	if err == nil {
		_, err = s.Store.EditSegment(r.Context(), a, ss.user.Email, id, kizuna.SegmentEdit{FolderID: &fid})
	}
	s.backToList(w, r, ss, a, err)
}

// createFolder makes a folder from the list's form.
func (s *Server) createFolder(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	_, err := s.Store.CreateFolder(r.Context(), a, r.PostFormValue("name"))
	s.backToList(w, r, ss, a, err)
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
	s.backToList(w, r, ss, a, err)
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
		http.Redirect(w, r, listURL(a, "folder.notempty"), http.StatusSeeOther)
		return
	}
	s.backToList(w, r, ss, a, err)
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
		AccountName: a.Name, Path: "/a/" + url.PathEscape(a.Name) + "/segments/deleted", Deleted: rows, Error: errMsg})
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
	_, err := s.Store.RestoreSegment(ctx, a, ss.user.Email, id)
	switch kizuna.ErrorCode(err) {
	case "":
		http.Redirect(w, r, listURL(a, ""), http.StatusSeeOther)
	case kizuna.ECONFLICT, kizuna.EINVALID:
		s.deletedPage(w, r, ss, a, http.StatusConflict, s.refusal(r, ss, err))
	case kizuna.ENOTFOUND:
		// The account's own segment deleted too long ago has a history;
		// another account's has none here.
		if _, herr := s.Store.SegmentHistory(ctx, a, id); herr != nil {
			s.failOrNotFound(w, r, ss, herr)
			return
		}
		s.deletedPage(w, r, ss, a, http.StatusConflict, s.refusal(r, ss, err))
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
