package hubspotfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

type listJSON struct {
	ListID               string            `json:"listId"`
	ListVersion          int               `json:"listVersion"`
	Name                 string            `json:"name"`
	ObjectTypeID         string            `json:"objectTypeId"`
	ProcessingType       string            `json:"processingType"`
	ProcessingStatus     string            `json:"processingStatus"`
	CreatedAt            string            `json:"createdAt"`
	UpdatedAt            string            `json:"updatedAt"`
	AdditionalProperties map[string]string `json:"additionalProperties"`
}

func (f *Fake) listJSON(l *list) listJSON {
	return listJSON{ListID: strconv.FormatUint(l.id, 10), ListVersion: l.version, Name: l.name, ObjectTypeID: "0-1",
		ProcessingType: l.kind, ProcessingStatus: "COMPLETE", CreatedAt: hsTime(l.created), UpdatedAt: hsTime(l.updated),
		AdditionalProperties: map[string]string{"hs_list_size": strconv.Itoa(f.size(l))}}
}

func (f *Fake) sortedLists() []*list {
	out := make([]*list, 0, len(f.lists))
	for _, l := range f.lists {
		out = append(out, l)
	}
	slices.SortFunc(out, func(a, b *list) int { return cmpU(a.id, b.id) })
	return out
}

// searchLists is POST lists/search: offset paging.
func (f *Fake) searchLists(w http.ResponseWriter, r *request) {
	var in struct {
		Query           string   `json:"query"`
		Count           *int     `json:"count"`
		Offset          int      `json:"offset"`
		ProcessingTypes []string `json:"processingTypes"`
	}
	if err := json.Unmarshal(r.body, &in); err != nil {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid input JSON: "+err.Error())
		return
	}
	count := 20
	if in.Count != nil {
		count = *in.Count
	}
	if count < 1 || count > 500 || in.Offset < 0 {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "count must be between 1 and 500, offset not negative")
		return
	}
	f.mu.Lock()
	var match []*list
	for _, l := range f.sortedLists() {
		if in.Query != "" && !strings.Contains(strings.ToLower(l.name), strings.ToLower(in.Query)) {
			continue
		}
		if len(in.ProcessingTypes) > 0 && !slices.Contains(in.ProcessingTypes, l.kind) {
			continue
		}
		match = append(match, l)
	}
	out := struct {
		Lists   []listJSON `json:"lists"`
		HasMore bool       `json:"hasMore"`
		Offset  int        `json:"offset"`
		Total   int        `json:"total"`
	}{Lists: []listJSON{}, Total: len(match)}
	end := min(len(match), in.Offset+count)
	for i := in.Offset; i < end; i++ {
		out.Lists = append(out.Lists, f.listJSON(match[i]))
	}
	f.mu.Unlock()
	out.Offset = max(end, in.Offset)
	out.HasMore = end < len(match)
	writeJSON(w, http.StatusOK, out)
}

func (f *Fake) lookupList(w http.ResponseWriter, s string) *list {
	id, err := strconv.ParseUint(s, 10, 64)
	if l := f.lists[id]; err == nil && l != nil {
		return l
	}
	return nil
}

func notFoundList(w http.ResponseWriter, s string) {
	writeError(w, http.StatusNotFound, "OBJECT_NOT_FOUND", fmt.Sprintf("List %s does not exist.", s))
}

// getList is GET lists/{id}.
func (f *Fake) getList(w http.ResponseWriter, r *request) {
	f.mu.Lock()
	l := f.lookupList(w, r.seg[1])
	var out listJSON
	if l != nil {
		out = f.listJSON(l)
	}
	f.mu.Unlock()
	if l == nil {
		notFoundList(w, r.seg[1])
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"list": out})
}

// getListByName is GET lists/object-type-id/0-1/name/{name}.
func (f *Fake) getListByName(w http.ResponseWriter, r *request) {
	name, _ := url.PathUnescape(r.seg[4])
	f.mu.Lock()
	l := f.listByName(name)
	var out listJSON
	if l != nil && r.seg[2] == "0-1" {
		out = f.listJSON(l)
	}
	f.mu.Unlock()
	if l == nil || r.seg[2] != "0-1" {
		notFoundList(w, name)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"list": out})
}

// createList is POST lists.
func (f *Fake) createList(w http.ResponseWriter, r *request) {
	var in struct {
		Name           string `json:"name"`
		ObjectTypeID   string `json:"objectTypeId"`
		ProcessingType string `json:"processingType"`
	}
	if err := json.Unmarshal(r.body, &in); err != nil || in.Name == "" || in.ObjectTypeID != "0-1" {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "a list needs a name and objectTypeId 0-1 (the fake keeps contact lists)")
		return
	}
	switch in.ProcessingType {
	case "MANUAL", "DYNAMIC", "SNAPSHOT":
	default:
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "processingType must be MANUAL, DYNAMIC or SNAPSHOT")
		return
	}
	f.mu.Lock()
	if f.listByName(in.Name) != nil {
		f.mu.Unlock()
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", fmt.Sprintf("A list named %s already exists.", in.Name))
		return
	}
	out := f.listJSON(f.newList(in.Name, in.ProcessingType))
	f.mu.Unlock()
	out.ProcessingStatus = "PROCESSING"
	writeJSON(w, http.StatusOK, map[string]any{"list": out})
}

// memberships is GET lists/{id}/memberships.
func (f *Fake) memberships(w http.ResponseWriter, r *request) {
	q := r.URL.Query()
	limit := 100
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "limit must be a positive integer")
			return
		}
		limit = min(n, membershipPageMax)
	}
	var from uint64
	if s := q.Get("after"); s != "" {
		n, ok := decodeAfter(s)
		if !ok {
			writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "after is not a valid paging cursor")
			return
		}
		from = n
	}
	type member struct {
		RecordID            string `json:"recordId"`
		MembershipTimestamp string `json:"membershipTimestamp"`
	}
	out := struct {
		Results []member    `json:"results"`
		Paging  *pagingJSON `json:"paging,omitempty"`
		Total   int         `json:"total"`
	}{Results: []member{}}
	f.mu.Lock()
	l := f.lookupList(w, r.seg[1])
	if l == nil {
		f.mu.Unlock()
		notFoundList(w, r.seg[1])
		return
	}
	ids := f.nextMembers(l, from, limit+1)
	for i, id := range ids {
		if i == limit {
			out.Paging = paging(encodeAfter(ids[i-1]), "")
			break
		}
		at, _ := f.member(l, id)
		out.Results = append(out.Results, member{RecordID: strconv.FormatUint(id, 10), MembershipTimestamp: hsTime(at)})
	}
	out.Total = f.size(l)
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// changeMemberships is PUT lists/{id}/memberships/add|remove, with a bare
// array of record IDs.
func (f *Fake) changeMemberships(w http.ResponseWriter, r *request) {
	var ids []string
	if err := json.Unmarshal(r.body, &ids); err != nil {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid input JSON: the body is an array of record IDs")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	l := f.lookupList(w, r.seg[1])
	if l == nil {
		notFoundList(w, r.seg[1])
		return
	}
	if l.kind == "DYNAMIC" {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", fmt.Sprintf("List %d is a DYNAMIC list: its memberships cannot be changed by hand.", l.id))
		return
	}
	done, missing := []string{}, []string{}
	now := f.now()
	for _, s := range ids {
		id, err := strconv.ParseUint(s, 10, 64)
		if err != nil || f.get(id) == nil {
			missing = append(missing, s)
			continue
		}
		var changed bool
		if r.seg[3] == "add" {
			changed = f.addMember(l, id, now)
		} else {
			changed = f.removeMember(l, id)
		}
		if changed {
			done = append(done, s)
		}
	}
	if r.seg[3] == "add" {
		writeJSON(w, http.StatusOK, map[string]any{"recordsIdsAdded": done, "recordIdsMissing": missing})
	} else {
		writeJSON(w, http.StatusOK, map[string]any{"recordIdsRemoved": done, "recordIdsMissing": missing})
	}
}

// recordLists is GET lists/records/0-1/{id}/memberships: the lists a
// contact is in.
func (f *Fake) recordLists(w http.ResponseWriter, r *request) {
	type entry struct {
		ListID              string `json:"listId"`
		ListVersion         int    `json:"listVersion"`
		FirstAddedTimestamp string `json:"firstAddedTimestamp"`
		LastAddedTimestamp  string `json:"lastAddedTimestamp"`
	}
	out := struct {
		Results []entry `json:"results"`
		Total   int     `json:"total"`
	}{Results: []entry{}}
	id, err := strconv.ParseUint(r.seg[3], 10, 64)
	f.mu.Lock()
	if err == nil && r.seg[2] == "0-1" {
		for _, l := range f.sortedLists() {
			if at, ok := f.member(l, id); ok {
				out.Results = append(out.Results, entry{ListID: strconv.FormatUint(l.id, 10), ListVersion: l.version,
					FirstAddedTimestamp: hsTime(at), LastAddedTimestamp: hsTime(at)})
			}
		}
	}
	f.mu.Unlock()
	out.Total = len(out.Results)
	writeJSON(w, http.StatusOK, out)
}
