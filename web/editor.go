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
	sources, err := s.readSources(ctx, a, true)
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
	ij, _ := json.Marshal(sources.connected())
	p.Lang = s.lang(r, ss.user)
	p.Fresh = sources.editorView(p.Lang, a, p.FilterJSON)
	p.Title = t(p.Lang, "segment.create")
	if p.Segment != nil {
		p.Title = p.Segment.Name
	}
	p.User, p.CSRF, p.Accounts, p.AccountName = ss.user, ss.csrf, ss.accounts, a.Name
	p.Folders, p.TagsJSON, p.IntegrationsJSON, p.CatalogJSON = folders, string(tj), string(ij), string(cj)
	shopifyTags, err := s.Store.ShopifyTags(ctx, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sj, _ := json.Marshal(shopifyTags)
	p.Editor = &editorData{ShopifyTagsJSON: string(sj), Today: kizuna.DayOf(s.now(), a.Location()).String()}
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
		p.Error, p.ErrorAt = s.refusal(r, ss, err), atTop
		if e := (*kizuna.Error)(nil); errors.As(err, &e) && e.Path == "name" {
			p.ErrorAt = atName
		}
		s.renderEditor(w, r, ss, a, p, http.StatusBadRequest)
	}
	if noGroups([]byte(filter)) {
		// Spec 2: a filter has at least one group; the editor's empty
		// state counts everyone but saves nothing until a condition is added.
		refuse(&kizuna.Error{Code: kizuna.EINVALIDFILTER, Message: t(s.lang(r, ss.user), "editor.needcondition"), Path: "groups"})
		return
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
		// The form carries the version it was opened at: a save from an
		// older one is refused rather than undoing someone else's change.
		version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
		saved, err = s.Store.EditSegment(ctx, a, actor, id, kizuna.SegmentEdit{Name: &name, Filter: json.RawMessage(filter), FolderID: &folderID, Version: version})
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
		if isStale(err) {
			s.refuseStale(w, r, ss, a, p, id)
			return
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
	lang := req.Lang
	if lang != "ja" {
		lang = "en"
	}
	if noGroups(req.Filter) {
		// The editor's empty state: no condition yet counts every friend
		// who follows (spec 2 refuses a filter of no groups, so this is
		// answered here, as "linked to Shopify or not").
		p, err := s.Store.Preview(r.Context(), a, kizuna.PreviewRequest{Filter: everyone, Lang: lang})
		if err != nil {
			s.jsonRefusal(w, s.lang(r, ss.user), err)
			return
		}
		p.Summary = t(lang, "editor.everyone")
		ep := editorPreview{Preview: p, Everyone: true, Groups: []string{}}
		if !s.previewSources(w, r, ss, a, &ep, nil, lang) {
			return
		}
		writeEditorJSON(w, ep)
		return
	}
	p, err := s.Store.Preview(r.Context(), a, kizuna.PreviewRequest{Filter: req.Filter, Lang: lang})
	if err != nil {
		s.jsonRefusal(w, s.lang(r, ss.user), err)
		return
	}
	// One line per group, as the editor shows them; the one-sentence
	// summary stays as the API gives it.
	f, err := kizuna.ParseFilter(req.Filter)
	var cat *kizuna.Catalog
	if err == nil {
		cat, err = s.Store.Catalog(r.Context(), a)
	}
	if err != nil {
		s.jsonRefusal(w, s.lang(r, ss.user), err)
		return
	}
	groups := make([]string, len(f.Groups))
	for i := range f.Groups {
		groups[i] = kizuna.Summarize(&kizuna.Filter{Groups: f.Groups[i : i+1]}, cat, a.Location(), p.EvaluatedAt, lang)
	}
	ep := editorPreview{Preview: p, Groups: groups, Estimated: estimatedNote(lang, p.EstimatedAdded)}
	if !s.previewSources(w, r, ss, a, &ep, f, lang) {
		return
	}
	writeEditorJSON(w, ep)
}

// previewSources adds to the editor's preview what it says of the sources:
// every source's words (the picker's categories follow them), and, for
// the filter f (nil: the empty state), the statuses of the sources it
// uses with those not connected or failing, and the notes flagging them.
// On a failure it answers and reports false.
func (s *Server) previewSources(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account, ep *editorPreview, f *kizuna.Filter, lang string) bool {
	st, err := s.readSources(r.Context(), a, true)
	if err != nil {
		s.jsonRefusal(w, s.lang(r, ss.user), err)
		return false
	}
	ep.Words = st.words(lang)
	if f != nil {
		ep.SourcesUsed = kizuna.UsedSources(f, st.statuses)
		ep.Notes = sourceNotes(lang, t(lang, "fresh.subject.this"), ep.SourcesUsed)
	}
	return true
}

// estimatedNote says how many of a preview's friends have an added date
// known only from a follower sync; "" when none.
func estimatedNote(lang string, n int64) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf(plural(lang, n, "preview.estimated"), formatCount(n))
}

// editorData is what the segment editor's page holds beyond the filter:
// the Shopify tags to suggest, and the account's today for date presets.
type editorData struct {
	ShopifyTagsJSON string
	Today           string // YYYY-MM-DD in the account's time zone
}

// editorPreview is the editor's preview answer: the API's, with whether it
// counts everyone (no condition yet) and a summary line per group.
type editorPreview struct {
	*kizuna.Preview
	Everyone bool     `json:"everyone,omitempty"`
	Groups   []string `json:"groups"`
	// Estimated says how many of the friends have an estimated added
	// date, when the conditions test it ("" otherwise).
	Estimated string `json:"estimated,omitempty"`
	// The sources the filter uses (statuses, and those not connected or
	// failing: the API's preview says the same), every source's freshness
	// in words, and the sentences flagging the segment's use of a source
	// not connected or failing (fresh.go).
	kizuna.SourcesUsed
	Words []sourceWords `json:"source_words"`
	Notes []string      `json:"source_notes,omitempty"`
}

// everyone matches every friend who follows: linked to Shopify or not.
var everyone = json.RawMessage(`{"groups":[{"conditions":[{"field":"shopify.linked","op":"is","value":true}]},{"conditions":[{"field":"shopify.linked","op":"is","value":false}]}]}`)

// noGroups reports whether a filter is an object whose groups list is
// present and empty: the editor's state before its first condition.
func noGroups(raw []byte) bool {
	var probe struct {
		Groups *[]json.RawMessage `json:"groups"`
	}
	if json.Unmarshal(raw, &probe) != nil || probe.Groups == nil {
		return false
	}
	return len(*probe.Groups) == 0
}

func writeEditorJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// jsonRequest resolves the path's account and decodes the JSON body of up
// to 1 MiB into dst, or answers with the error and reports false.
func (s *Server) jsonRequest(w http.ResponseWriter, r *http.Request, ss *session, dst any) (*kizuna.Account, bool) {
	a := ss.account(r.PathValue("account"))
	if a == nil {
		s.jsonErrorIn(w, s.lang(r, ss.user), http.StatusNotFound, kizuna.Errorf(kizuna.ENOTFOUND, "not found"))
		return nil, false
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err := kizuna.CheckDuplicateKeys(kizuna.EINVALID, body); err != nil {
		s.jsonError(w, http.StatusBadRequest, err)
		return nil, false
	}
	if err := json.Unmarshal(body, dst); err != nil {
		s.jsonErrorIn(w, s.lang(r, ss.user), http.StatusBadRequest, kizuna.Errorf(kizuna.EINVALID, "the request is not JSON"))
		return nil, false
	}
	return a, true
}

// jsonRefusal answers a refusal with 400, or an internal error with 500
// (logged; its text is not shown).
func (s *Server) jsonRefusal(w http.ResponseWriter, lang string, err error) {
	if kizuna.ErrorCode(err) == kizuna.EINTERNAL {
		s.Logger.Error("web: request failed", "err", err)
		s.jsonErrorIn(w, lang, http.StatusInternalServerError, kizuna.Errorf(kizuna.EINTERNAL, "internal error"))
		return
	}
	s.jsonErrorIn(w, lang, http.StatusBadRequest, err)
}

// jsonError writes err in the API's error shape; its message is safe to show.
func (s *Server) jsonError(w http.ResponseWriter, status int, err error) {
	s.jsonErrorIn(w, "en", status, err)
}

// jsonErrorIn is jsonError with the message in lang (kizuna.LocalMessage):
// the editor shows it, in the page's language, at the condition its path
// names. Code and path stay the API's.
func (s *Server) jsonErrorIn(w http.ResponseWriter, lang string, status int, err error) {
	out := map[string]string{"code": kizuna.ErrorCode(err), "message": kizuna.LocalMessage(err, lang)}
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
		s.jsonRefusal(w, s.lang(r, ss.user), err)
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
		s.jsonRefusal(w, s.lang(r, ss.user), err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"friend":      map[string]string{"line_user_id": fr.LineUserID, "display_name": fr.DisplayName},
		"explanation": kizuna.Explain(f, fr, cat, a.Location(), s.now(), lang),
	})
}
