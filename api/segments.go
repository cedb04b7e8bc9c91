package api

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/kizuna-line/kizuna"
)

// apiActor is who the record of segment changes names for a change made
// through the API, until users exist (issue 4, sign-in).
const apiActor = "api token"

func (s *Server) segmentRoutes(mux *http.ServeMux) {
	mux.Handle("GET /api/v1/accounts/{account}/segments", s.account(s.listSegments))
	mux.Handle("POST /api/v1/accounts/{account}/segments", s.account(s.createSegment))
	mux.Handle("GET /api/v1/accounts/{account}/segments/deleted", s.account(s.deletedSegments))
	mux.Handle("GET /api/v1/accounts/{account}/segments/{id}", s.onSegment(func(ctx context.Context, a *kizuna.Account, id int64) (any, error) {
		return s.Store.Segment(ctx, a, id)
	}))
	mux.Handle("PATCH /api/v1/accounts/{account}/segments/{id}", s.account(s.editSegment))
	mux.Handle("DELETE /api/v1/accounts/{account}/segments/{id}", s.onSegment(func(ctx context.Context, a *kizuna.Account, id int64) (any, error) {
		return map[string]int64{"deleted": id}, s.Store.DeleteSegment(ctx, a, apiActor, id)
	}))
	mux.Handle("POST /api/v1/accounts/{account}/segments/{id}/duplicate", s.account(s.duplicateSegment))
	mux.Handle("POST /api/v1/accounts/{account}/segments/{id}/restore", s.onSegment(func(ctx context.Context, a *kizuna.Account, id int64) (any, error) {
		return s.Store.RestoreSegment(ctx, a, apiActor, id)
	}))
	mux.Handle("GET /api/v1/accounts/{account}/segments/{id}/history", s.onSegment(func(ctx context.Context, a *kizuna.Account, id int64) (any, error) {
		changes, err := s.Store.SegmentHistory(ctx, a, id)
		return map[string]any{"changes": changes}, err
	}))
	mux.Handle("POST /api/v1/accounts/{account}/segments/{id}/tag", s.account(s.tagSegmentMembers))
	mux.Handle("GET /api/v1/accounts/{account}/segments/{id}/members", s.account(s.segmentMembers))
	mux.Handle("POST /api/v1/accounts/{account}/why", s.account(s.why))
	mux.Handle("GET /api/v1/accounts/{account}/catalog", s.account(s.getCatalog))
	mux.Handle("GET /api/v1/accounts/{account}/integrations", s.account(s.integrations))
	mux.Handle("GET /api/v1/accounts/{account}/tokens", s.account(s.listTokens))
	mux.Handle("POST /api/v1/accounts/{account}/tokens", s.account(s.createToken))
	mux.Handle("DELETE /api/v1/accounts/{account}/tokens/{id}", s.account(s.revokeToken))
	mux.Handle("GET /api/v1/accounts/{account}/friends", s.account(s.listFriends))
	mux.Handle("GET /api/v1/accounts/{account}/friends/{line_user_id}/segments", s.account(s.friendSegments))
	mux.Handle("POST /api/v1/accounts/{account}/tags", s.account(s.createTag))
	mux.Handle("PATCH /api/v1/accounts/{account}/tags/{name}", s.account(s.renameTag))
	mux.Handle("DELETE /api/v1/accounts/{account}/tags/{name}", s.account(s.deleteTag))
	mux.Handle("POST /api/v1/accounts/{account}/folders", s.account(s.createFolder))
	mux.Handle("PATCH /api/v1/accounts/{account}/folders/{id}", s.account(s.renameFolder))
	mux.Handle("DELETE /api/v1/accounts/{account}/folders/{id}", s.account(s.deleteFolder))
}

// onSegment serves a request on segment {id} that takes no body: act's
// answer, or its error.
func (s *Server) onSegment(act func(ctx context.Context, a *kizuna.Account, id int64) (any, error)) http.Handler {
	return s.account(func(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
		id, err := pathID(r, "segment")
		if err != nil {
			return err
		}
		v, err := act(r.Context(), a, id)
		if err != nil {
			return err
		}
		s.respond(w, r, http.StatusOK, v)
		return nil
	})
}

// pathID reads the {id} of the path; anything but a positive integer is a
// segment or folder that does not exist.
func pathID(r *http.Request, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, kizuna.Errorf(kizuna.ENOTFOUND, "no %s %q", what, r.PathValue("id"))
	}
	return id, nil
}

// segmentBody reads a JSON object whose keys are among allowed.
func (s *Server) segmentBody(w http.ResponseWriter, r *http.Request, allowed ...string) (map[string]json.RawMessage, error) {
	if err := checkBody(r, jsonTypes); err != nil {
		return nil, err
	}
	_, obj, err := s.readJSONObject(w, r)
	if err != nil {
		return nil, err
	}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if !slices.Contains(allowed, k) {
			return nil, kizuna.ErrorAt(kizuna.EINVALID, k, "unknown key %q: this request takes %q", k, allowed)
		}
	}
	return obj, nil
}

// stringField decodes obj[key] as a string.
func stringField(obj map[string]json.RawMessage, key string) (*string, error) {
	raw, ok := obj[key]
	if !ok {
		return nil, nil
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, kizuna.ErrorAt(kizuna.EINVALID, key, "%q must be a string", key)
	}
	return &v, nil
}

// requiredString decodes obj[key] as a string that must be there; missing
// is EINVALID with message.
func requiredString(obj map[string]json.RawMessage, key, message string) (*string, error) {
	v, err := stringField(obj, key)
	if err == nil && v == nil {
		err = &kizuna.Error{Code: kizuna.EINVALID, Message: message, Path: key}
	}
	return v, err
}

// folderField decodes obj["folder_id"]: a folder ID, or null for none.
func folderField(obj map[string]json.RawMessage) (*int64, error) {
	raw, ok := obj["folder_id"]
	if !ok {
		return nil, nil
	}
	var none int64
	if isNull(raw) {
		return &none, nil
	}
	var v int64
	if err := json.Unmarshal(raw, &v); err != nil || v <= 0 {
		return nil, &kizuna.Error{Code: kizuna.EINVALID, Message: "\"folder_id\" must be a folder's ID or null", Path: "folder_id"}
	}
	return &v, nil
}

func (s *Server) listSegments(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	segs, err := s.Store.Segments(r.Context(), a)
	if err != nil {
		return err
	}
	folders, err := s.Store.Folders(r.Context(), a)
	if err != nil {
		return err
	}
	if err := kizuna.Recount(r.Context(), s.Store, a, segs); err != nil {
		return err
	}
	s.respond(w, r, http.StatusOK, map[string]any{"segments": segs, "folders": folders})
	return nil
}

func (s *Server) deletedSegments(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	segs, err := s.Store.DeletedSegments(r.Context(), a)
	if err != nil {
		return err
	}
	s.respond(w, r, http.StatusOK, map[string]any{"segments": segs})
	return nil
}

func (s *Server) createSegment(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	obj, err := s.segmentBody(w, r, "name", "folder_id", "filter")
	if err != nil {
		return err
	}
	name, err := requiredString(obj, "name", "a segment needs a \"name\"")
	if err != nil {
		return err
	}
	folder, err := folderField(obj)
	if err != nil {
		return err
	}
	var folderID int64
	if folder != nil {
		folderID = *folder
	}
	filter, ok := obj["filter"]
	if !ok || isNull(filter) {
		return &kizuna.Error{Code: kizuna.EINVALIDFILTER, Message: "a segment needs a \"filter\"", Path: "$"}
	}
	seg, err := s.Store.CreateSegment(r.Context(), a, apiActor, *name, folderID, filter)
	if err != nil {
		return err
	}
	s.respond(w, r, http.StatusCreated, seg)
	return nil
}

func (s *Server) editSegment(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	id, err := pathID(r, "segment")
	if err != nil {
		return err
	}
	obj, err := s.segmentBody(w, r, "name", "folder_id", "filter", "version")
	if err != nil {
		return err
	}
	var edit kizuna.SegmentEdit
	if edit.Version, err = versionField(r, obj); err != nil {
		return err
	}
	if edit.Name, err = stringField(obj, "name"); err != nil {
		return err
	}
	if edit.FolderID, err = folderField(obj); err != nil {
		return err
	}
	if raw, ok := obj["filter"]; ok {
		edit.Filter = raw
	}
	seg, err := s.Store.EditSegment(r.Context(), a, apiActor, id, edit)
	if err != nil {
		return err
	}
	s.respond(w, r, http.StatusOK, seg)
	return nil
}

// duplicateSegment copies a segment; the copy's name defaults to the
// original's with " (copy)" after it.
func (s *Server) duplicateSegment(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	id, err := pathID(r, "segment")
	if err != nil {
		return err
	}
	var name *string
	if r.ContentLength != 0 {
		obj, err := s.segmentBody(w, r, "name")
		if err != nil {
			return err
		}
		if name, err = stringField(obj, "name"); err != nil {
			return err
		}
	}
	if name == nil { // "NAME (copy)", or "(copy 2)"… when taken, as the web names copies
		live, err := s.Store.Segments(r.Context(), a)
		if err != nil {
			return err
		}
		copyName, err := kizuna.CopyName(live, id, "en")
		if err != nil {
			return err
		}
		name = &copyName
	}
	seg, err := s.Store.DuplicateSegment(r.Context(), a, apiActor, id, *name)
	if err != nil {
		return err
	}
	s.respond(w, r, http.StatusCreated, seg)
	return nil
}

func (s *Server) createFolder(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	obj, err := s.segmentBody(w, r, "name")
	if err != nil {
		return err
	}
	name, err := requiredString(obj, "name", "a folder needs a \"name\"")
	if err != nil {
		return err
	}
	f, err := s.Store.CreateFolder(r.Context(), a, *name)
	if err != nil {
		return err
	}
	s.respond(w, r, http.StatusCreated, f)
	return nil
}

func (s *Server) renameFolder(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	id, err := pathID(r, "folder")
	if err != nil {
		return err
	}
	obj, err := s.segmentBody(w, r, "name")
	if err != nil {
		return err
	}
	name, err := requiredString(obj, "name", "send the folder's new \"name\"")
	if err != nil {
		return err
	}
	if err := s.Store.RenameFolder(r.Context(), a, id, *name); err != nil {
		return err
	}
	clean, _ := kizuna.CleanName("name", *name) // the store accepted it
	s.respond(w, r, http.StatusOK, map[string]any{"id": id, "name": clean})
	return nil
}

func (s *Server) deleteFolder(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	id, err := pathID(r, "folder")
	if err != nil {
		return err
	}
	if err := s.Store.DeleteFolder(r.Context(), a, id); err != nil {
		return err
	}
	s.respond(w, r, http.StatusOK, map[string]int64{"deleted": id})
	return nil
}

// why explains why a friend is in or out of a segment (segment_id) or of an
// unsaved filter (filter): {"line_user_id", "segment_id" | "filter",
// "now"?, "lang"?}.
func (s *Server) why(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	if err := checkBody(r, jsonTypes); err != nil {
		return err
	}
	_, obj, err := s.readJSONObject(w, r)
	if err != nil {
		return err
	}
	id, err := requiredString(obj, "line_user_id", "name the friend in \"line_user_id\"")
	if err != nil {
		return err
	}
	delete(obj, "line_user_id")
	if raw, ok := obj["segment_id"]; ok {
		delete(obj, "segment_id")
		if _, both := obj["filter"]; both {
			return &kizuna.Error{Code: kizuna.EINVALID, Message: "send a \"segment_id\" or a \"filter\", not both", Path: "segment_id"}
		}
		var sid int64
		if err := json.Unmarshal(raw, &sid); err != nil {
			return &kizuna.Error{Code: kizuna.EINVALID, Message: "\"segment_id\" must be a segment's ID", Path: "segment_id"}
		}
		seg, err := s.Store.Segment(r.Context(), a, sid)
		if err != nil {
			return err
		}
		obj["filter"] = seg.Filter
	}
	req, err := parsePreviewRequest(obj)
	if err != nil {
		return err
	}
	f, err := kizuna.ParseFilter(req.Filter)
	if err != nil {
		return err
	}
	fr, err := s.Store.FindFriend(r.Context(), a, *id)
	if err != nil {
		return err
	}
	cat, err := s.Store.Catalog(r.Context(), a)
	if err != nil {
		return err
	}
	now := req.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC().Truncate(time.Microsecond)
	s.respond(w, r, http.StatusOK, struct {
		*kizuna.Explanation
		LineUserID  string    `json:"line_user_id"`
		EvaluatedAt time.Time `json:"evaluated_at"`
	}{kizuna.Explain(f, fr, cat, a.Location(), now, req.Lang), fr.LineUserID, now})
	return nil
}

func (s *Server) createTag(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	obj, err := s.segmentBody(w, r, "name")
	if err != nil {
		return err
	}
	name, err := requiredString(obj, "name", "a tag needs a \"name\"")
	if err != nil {
		return err
	}
	if err := s.Store.CreateTag(r.Context(), a, *name); err != nil {
		return err
	}
	clean, _ := kizuna.CleanTagName("name", *name) // the store accepted it
	s.respond(w, r, http.StatusCreated, kizuna.Tag{Name: clean})
	return nil
}

// renameTag renames the tag of the path; saved segments follow.
func (s *Server) renameTag(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	obj, err := s.segmentBody(w, r, "name")
	if err != nil {
		return err
	}
	name, err := requiredString(obj, "name", "send the tag's new \"name\"")
	if err != nil {
		return err
	}
	if err := s.Store.RenameTag(r.Context(), a, apiActor, r.PathValue("name"), *name); err != nil {
		return err
	}
	clean, _ := kizuna.CleanTagName("name", *name) // the store accepted it
	s.respond(w, r, http.StatusOK, map[string]string{"name": clean})
	return nil
}

func (s *Server) deleteTag(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	if err := s.Store.DeleteTag(r.Context(), a, r.PathValue("name")); err != nil {
		return err
	}
	s.respond(w, r, http.StatusOK, map[string]string{"deleted": r.PathValue("name")})
	return nil
}

// listFriends serves ?q=&tag=&after=&limit=.
func (s *Server) listFriends(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	v := r.URL.Query()
	q := kizuna.FriendQuery{Search: v.Get("q"), Tag: v.Get("tag"), After: v.Get("after")}
	var err error
	if q.Limit, err = pageLimit(v, 0); err != nil {
		return err
	}
	var seg *kizuna.Segment
	if sid := v.Get("segment"); sid != "" {
		id, err := strconv.ParseInt(sid, 10, 64)
		if err != nil {
			return &kizuna.Error{Code: kizuna.EINVALID, Message: "segment must be a segment's ID", Path: "segment"}
		}
		if seg, err = s.Store.Segment(r.Context(), a, id); err != nil {
			return err
		}
	}
	page, err := s.Store.ListFriends(r.Context(), a, q)
	if err != nil {
		return err
	}
	if seg == nil {
		s.respond(w, r, http.StatusOK, page)
		return nil
	}
	// With a segment: whether each friend of the page is in it now.
	ids := make([]string, len(page.Friends))
	for i, f := range page.Friends {
		ids[i] = f.LineUserID
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	in, err := (kizuna.Matcher{Loc: a.Location(), Now: now}).MembersAmong(r.Context(), s.Store, a, seg, ids)
	if err != nil {
		return err
	}
	out := map[string]any{"friends": page.Friends, "segment_id": seg.ID, "in_segment": in, "evaluated_at": now}
	if page.Next != "" {
		out["next"] = page.Next
	}
	s.respond(w, r, http.StatusOK, out)
	return nil
}

// friendSegments lists the live segments the friend is in now.
func (s *Server) friendSegments(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	fr, err := s.Store.FindFriend(r.Context(), a, r.PathValue("line_user_id"))
	if err != nil {
		return err
	}
	segs, err := s.Store.Segments(r.Context(), a)
	if err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	type in struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	}
	out := []in{}
	for _, seg := range (kizuna.Matcher{Loc: a.Location(), Now: now}).SegmentsOf(segs, fr) {
		out = append(out, in{seg.ID, seg.Name})
	}
	s.respond(w, r, http.StatusOK, map[string]any{"segments": out, "evaluated_at": now})
	return nil
}

// tagSegmentMembers gives a tag to every member of segment {id} now:
// {"tag"} → {"tagged": N}.
func (s *Server) tagSegmentMembers(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	id, err := pathID(r, "segment")
	if err != nil {
		return err
	}
	obj, err := s.segmentBody(w, r, "tag")
	if err != nil {
		return err
	}
	tag, err := requiredString(obj, "tag", "name the \"tag\" to give the segment's members")
	if err != nil {
		return err
	}
	n, err := s.Store.TagSegmentMembers(r.Context(), a, id, *tag)
	if err != nil {
		return err
	}
	s.respond(w, r, http.StatusOK, map[string]int{"tagged": n})
	return nil
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	tokens, err := s.Store.Tokens(r.Context(), a)
	if err != nil {
		return err
	}
	s.respond(w, r, http.StatusOK, map[string]any{"tokens": tokens})
	return nil
}

// createToken makes a new API token of the account; the answer is the only
// place it is ever shown.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	token, err := s.Store.CreateToken(r.Context(), a)
	if err != nil {
		return err
	}
	s.respond(w, r, http.StatusCreated, map[string]string{"token": token})
	return nil
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	id, err := pathID(r, "API token")
	if err != nil {
		return err
	}
	if err := s.Store.RevokeToken(r.Context(), a, id); err != nil {
		return err
	}
	s.respond(w, r, http.StatusOK, map[string]int64{"revoked": id})
	return nil
}

func (s *Server) getCatalog(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	c, err := s.Store.Catalog(r.Context(), a)
	if err != nil {
		return err
	}
	s.respond(w, r, http.StatusOK, c)
	return nil
}

// integrations answers which condition categories the editor offers.
func (s *Server) integrations(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	m, err := s.Store.Integrations(r.Context(), a)
	if err != nil {
		return err
	}
	s.respond(w, r, http.StatusOK, m)
	return nil
}
