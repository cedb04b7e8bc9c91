package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/kizuna-line/kizuna"
)

// editor shows the segment editor: a new segment, or {id}'s.
func (s *Server) editor(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	p := &page{}
	if idText := r.PathValue("id"); idText != "" {
		id, err := strconv.ParseInt(idText, 10, 64)
		if err != nil {
			s.notFound(w, r, ss)
			return
		}
		seg, err := s.Store.Segment(r.Context(), a, id)
		if err != nil {
			s.failOrNotFound(w, r, ss, err)
			return
		}
		p.Segment, p.Name, p.FilterJSON = seg, seg.Name, string(seg.Filter)
		if seg.FolderID != nil {
			p.FolderID = *seg.FolderID
		}
	}
	s.renderEditor(w, r, ss, a, p, http.StatusOK)
}

func (s *Server) renderEditor(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account, p *page, status int) {
	ctx := r.Context()
	folders, err := s.Store.Folders(ctx, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	tags, err := s.Store.Tags(ctx, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	integrations, err := s.Store.Integrations(ctx, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cat, err := s.Store.Catalog(ctx, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cj, _ := json.Marshal(cat)
	names := make([]string, len(tags))
	for i, tg := range tags {
		names[i] = tg.Name
	}
	tj, _ := json.Marshal(names)
	ij, _ := json.Marshal(integrations)
	p.Lang = s.lang(r, ss.user)
	p.Title = t(p.Lang, "segment.create")
	if p.Segment != nil {
		p.Title = p.Segment.Name
	}
	p.User, p.CSRF, p.Accounts, p.AccountName = ss.user, ss.csrf, ss.accounts, a.Name
	p.Folders, p.TagsJSON, p.IntegrationsJSON, p.CatalogJSON = folders, string(tj), string(ij), string(cj)
	s.render(w, r, status, "editor", p)
}

// saveSegment creates a segment, or saves {id}'s edits, from the editor's
// form; a new folder named there is created first. Refusals show the
// editor again with the message, changing nothing.
func (s *Server) saveSegment(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	ctx := r.Context()
	name, filter := r.PostFormValue("name"), r.PostFormValue("filter")
	folderID, _ := strconv.ParseInt(r.PostFormValue("folder"), 10, 64)
	p := &page{Name: name, FilterJSON: filter, FolderID: folderID, NewFolder: r.PostFormValue("new_folder")}
	var id int64
	if idText := r.PathValue("id"); idText != "" {
		var err error
		if id, err = strconv.ParseInt(idText, 10, 64); err != nil {
			s.notFound(w, r, ss)
			return
		}
		seg, err := s.Store.Segment(ctx, a, id)
		if err != nil {
			s.notFound(w, r, ss)
			return
		}
		p.Segment = seg
	}
	refuse := func(err error) {
		if code := kizuna.ErrorCode(err); code == kizuna.EINTERNAL {
			s.fail(w, r, err)
			return
		}
		p.Error = kizuna.ErrorMessage(err)
		s.renderEditor(w, r, ss, a, p, http.StatusBadRequest)
	}
	if _, err := kizuna.ParseFilter([]byte(filter)); err != nil {
		refuse(err)
		return
	}
	var newFolder *kizuna.Folder
	if nf := strings.TrimSpace(r.PostFormValue("new_folder")); nf != "" {
		var err error
		if newFolder, err = s.Store.CreateFolder(ctx, a, nf); err != nil {
			refuse(err)
			return
		}
		folderID = newFolder.ID
	}
	actor := ss.user.Email
	var err error
	var saved *kizuna.Segment
	done := "done.saved"
	if id == 0 {
		saved, err = s.Store.CreateSegment(ctx, a, actor, name, folderID, json.RawMessage(filter))
		done = "done.created"
	} else {
		saved, err = s.Store.EditSegment(ctx, a, actor, id, kizuna.SegmentEdit{Name: &name, Filter: json.RawMessage(filter), FolderID: &folderID})
	}
	if err != nil {
		// A refused save changes nothing: the folder made for it goes
		// again (it is empty), and the form still names it to create.
		if newFolder != nil {
			if derr := s.Store.DeleteFolder(ctx, a, newFolder.ID); derr != nil {
				s.fail(w, r, derr)
				return
			}
			p.FolderID = 0
		}
		refuse(err)
		return
	}
	s.notice(w, r, ss, fmt.Sprintf(t(s.lang(r, ss.user), done), short(saved.Name, 80)))
	http.Redirect(w, r, listURL(a), http.StatusSeeOther)
}

// preview answers the editor's live preview: the JSON API's preview, for
// the signed-in user (the CSRF token comes in the X-CSRF-Token header).
// Errors have the API's shape, {"error": {"code", "message", "path"?}}.
func (s *Server) preview(w http.ResponseWriter, r *http.Request, ss *session) {
	var req struct {
		Filter json.RawMessage `json:"filter"`
		Lang   string          `json:"lang"`
	}
	a, ok := s.jsonRequest(w, r, ss, &req)
	if !ok {
		return
	}
	p, err := s.Store.Preview(r.Context(), a, kizuna.PreviewRequest{Filter: req.Filter, Lang: req.Lang})
	if err != nil {
		s.jsonRefusal(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(p)
}

// jsonRequest resolves the path's account and decodes the JSON body of up
// to 1 MiB into dst, or answers with the error and reports false.
func (s *Server) jsonRequest(w http.ResponseWriter, r *http.Request, ss *session, dst any) (*kizuna.Account, bool) {
	a := ss.account(r.PathValue("account"))
	if a == nil {
		s.jsonError(w, http.StatusNotFound, kizuna.Errorf(kizuna.ENOTFOUND, "not found"))
		return nil, false
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err := json.Unmarshal(body, dst); err != nil {
		s.jsonError(w, http.StatusBadRequest, kizuna.Errorf(kizuna.EINVALID, "the request is not JSON"))
		return nil, false
	}
	return a, true
}

// jsonRefusal answers a refusal with 400, or an internal error with 500
// (logged; its text is not shown).
func (s *Server) jsonRefusal(w http.ResponseWriter, err error) {
	if kizuna.ErrorCode(err) == kizuna.EINTERNAL {
		s.Logger.Error("web: request failed", "err", err)
		s.jsonError(w, http.StatusInternalServerError, kizuna.Errorf(kizuna.EINTERNAL, "internal error"))
		return
	}
	s.jsonError(w, http.StatusBadRequest, err)
}

// jsonError writes err in the API's error shape; its message is safe to show.
func (s *Server) jsonError(w http.ResponseWriter, status int, err error) {
	out := map[string]string{"code": kizuna.ErrorCode(err), "message": kizuna.ErrorMessage(err)}
	var e *kizuna.Error
	if errors.As(err, &e) && e.Path != "" {
		out["path"] = e.Path
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": out})
}

// explain answers the editor's "why in or out": the current (unsaved)
// filter explained for one friend, named by LINE user ID or found by the
// friend list's search (name or ID prefix; the most recently added match).
func (s *Server) explain(w http.ResponseWriter, r *http.Request, ss *session) {
	var req struct {
		Filter json.RawMessage `json:"filter"`
		Friend string          `json:"friend"`
		Lang   string          `json:"lang"`
	}
	a, ok := s.jsonRequest(w, r, ss, &req)
	if !ok {
		return
	}
	f, err := kizuna.ParseFilter(req.Filter)
	if err != nil {
		s.jsonRefusal(w, err)
		return
	}
	ctx := r.Context()
	lang := req.Lang
	if lang != "ja" {
		lang = "en"
	}
	who := strings.TrimSpace(req.Friend)
	if who == "" {
		s.jsonError(w, http.StatusBadRequest, &kizuna.Error{Code: kizuna.EINVALID, Message: t(lang, "explain.who"), Path: "friend"})
		return
	}
	var fr *kizuna.Friend
	if kizuna.ValidLineUserID(who) {
		if fr, err = s.Store.FindFriend(ctx, a, who); kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
			fr, err = nil, nil
		}
	}
	if fr == nil && err == nil {
		var pg *kizuna.FriendPage
		if pg, err = s.Store.ListFriends(ctx, a, kizuna.FriendQuery{Search: who, Limit: 1}); err == nil {
			if len(pg.Friends) == 0 {
				s.jsonError(w, http.StatusNotFound, &kizuna.Error{Code: kizuna.ENOTFOUND, Message: t(lang, "explain.nofriend"), Path: "friend"})
				return
			}
			fr, err = s.Store.FindFriend(ctx, a, pg.Friends[0].LineUserID)
		}
	}
	var cat *kizuna.Catalog
	if err == nil {
		cat, err = s.Store.Catalog(ctx, a)
	}
	if err != nil {
		s.jsonRefusal(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"friend":      map[string]string{"line_user_id": fr.LineUserID, "display_name": fr.DisplayName},
		"explanation": kizuna.Explain(f, fr, cat, a.Location(), s.now(), lang),
	})
}
