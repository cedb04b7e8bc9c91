package hubspotfake

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// defaultProps are the properties HubSpot returns when none are asked for.
var defaultProps = []string{"createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"}

type contactJSON struct {
	ID         string             `json:"id"`
	Properties map[string]*string `json:"properties"`
	CreatedAt  string             `json:"createdAt"`
	UpdatedAt  string             `json:"updatedAt"`
	Archived   bool               `json:"archived"`
}

type pagingJSON struct {
	Next struct {
		After string `json:"after"`
		Link  string `json:"link,omitempty"`
	} `json:"next"`
}

func paging(after, link string) *pagingJSON {
	p := &pagingJSON{}
	p.Next.After = after
	p.Next.Link = link
	return p
}

// encodeAfter and decodeAfter make HubSpot's opaque cursors: base64 of the
// next ID and a newline, like HubSpot's own ("NTI1Cg==" is "525\n").
func encodeAfter(next uint64) string {
	return base64.StdEncoding.EncodeToString([]byte(strconv.FormatUint(next, 10) + "\n"))
}

func decodeAfter(s string) (uint64, bool) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) < 2 || b[len(b)-1] != '\n' {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[:len(b)-1]), 10, 64)
	return n, err == nil
}

// wanted returns the properties to answer with: the asked ones the portal
// defines (unknown ones are ignored), or the defaults.
func (f *Fake) wanted(asked []string) []string {
	if len(asked) == 0 {
		return defaultProps
	}
	var out []string
	for _, p := range asked {
		p = strings.TrimSpace(p)
		if _, ok := f.props[p]; ok && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

func (c *contact) json(props []string) contactJSON {
	out := contactJSON{ID: strconv.FormatUint(c.id, 10), Properties: make(map[string]*string, len(props)),
		CreatedAt: hsTime(c.created), UpdatedAt: hsTime(c.updated)}
	for _, p := range props {
		if v, ok := c.prop(p); ok {
			out.Properties[p] = &v
		} else {
			out.Properties[p] = nil
		}
	}
	return out
}

func splitProps(q url.Values) []string {
	var out []string
	for _, v := range q["properties"] {
		for p := range strings.SplitSeq(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// listContacts is GET objects/contacts.
func (f *Fake) listContacts(w http.ResponseWriter, r *request) {
	q := r.URL.Query()
	limit := 10
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "limit must be a positive integer")
			return
		}
		limit = min(n, listPageMax)
	}
	var start uint64
	if s := q.Get("after"); s != "" {
		n, ok := decodeAfter(s)
		if !ok {
			writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid input JSON on line 1: after is not a valid paging cursor")
			return
		}
		start = n
	}
	f.mu.Lock()
	props := f.wanted(splitProps(q))
	from := uint64(0)
	if start > 0 {
		from = start - 1
	}
	ids := f.nextIDs(from, limit+1)
	out := struct {
		Results []contactJSON `json:"results"`
		Paging  *pagingJSON   `json:"paging,omitempty"`
	}{Results: make([]contactJSON, 0, limit)}
	for i, id := range ids {
		if i == limit {
			a := encodeAfter(id)
			out.Paging = paging(a, "?after="+url.QueryEscape(a))
			break
		}
		out.Results = append(out.Results, f.get(id).json(props))
	}
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// getContact is GET objects/contacts/{id}.
func (f *Fake) getContact(w http.ResponseWriter, r *request) {
	id, err := strconv.ParseUint(r.seg[2], 10, 64)
	f.mu.Lock()
	var c *contact
	if err == nil {
		c = f.get(id)
	}
	var out contactJSON
	if c != nil {
		out = c.json(f.wanted(splitProps(r.URL.Query())))
	}
	f.mu.Unlock()
	if c == nil {
		writeError(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "resource not found")
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// batchRead is POST objects/contacts/batch/read.
func (f *Fake) batchRead(w http.ResponseWriter, r *request) {
	var in struct {
		Properties []string `json:"properties"`
		Inputs     []struct {
			ID string `json:"id"`
		} `json:"inputs"`
		IDProperty string `json:"idProperty"`
	}
	if err := json.Unmarshal(r.body, &in); err != nil {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid input JSON: "+err.Error())
		return
	}
	if len(in.Inputs) > batchReadMax {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", fmt.Sprintf("Batch input limit of %d exceeded: %d inputs", batchReadMax, len(in.Inputs)))
		return
	}
	if in.IDProperty != "" && in.IDProperty != "hs_object_id" {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "the fake reads by ID only")
		return
	}
	now := f.now()
	f.mu.Lock()
	props := f.wanted(in.Properties)
	results := []contactJSON{}
	var missing []string
	for _, in := range in.Inputs {
		id, err := strconv.ParseUint(in.ID, 10, 64)
		var c *contact
		if err == nil {
			c = f.get(id)
		}
		if c == nil {
			missing = append(missing, in.ID)
			continue
		}
		results = append(results, c.json(props))
	}
	f.mu.Unlock()
	out := map[string]any{"status": "COMPLETE", "results": results, "startedAt": hsTime(now), "completedAt": hsTime(f.now())}
	status := http.StatusOK
	if len(missing) > 0 {
		status = http.StatusMultiStatus
		out["numErrors"] = 1
		out["errors"] = []errorBody{{Status: "error", Category: "OBJECT_NOT_FOUND",
			Message: "Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.",
			Context: map[string]any{"ids": missing}}}
	}
	writeJSON(w, status, out)
}

// filter is one search filter.
type filter struct {
	PropertyName string            `json:"propertyName"`
	Operator     string            `json:"operator"`
	Value        json.RawMessage   `json:"value"`
	HighValue    json.RawMessage   `json:"highValue"`
	Values       []json.RawMessage `json:"values"`

	parsed bool // the fast path's value, parsed once
	at     time.Time
	num    uint64
	fast   bool
}

type searchRequest struct {
	FilterGroups []struct {
		Filters []filter `json:"filters"`
	} `json:"filterGroups"`
	Properties []string          `json:"properties"`
	Sorts      []json.RawMessage `json:"sorts"`
	Limit      *int              `json:"limit"`
	After      string            `json:"after"`
	Query      string            `json:"query"`
}

// scalar is a JSON string or number as text.
func scalar(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return strings.TrimSpace(string(raw))
}

var operators = map[string]bool{"EQ": true, "NEQ": true, "LT": true, "LTE": true, "GT": true, "GTE": true, "BETWEEN": true,
	"IN": true, "NOT_IN": true, "HAS_PROPERTY": true, "NOT_HAS_PROPERTY": true, "CONTAINS_TOKEN": true, "NOT_CONTAINS_TOKEN": true}

// search is POST objects/contacts/search.
func (f *Fake) search(w http.ResponseWriter, r *request) {
	var in searchRequest
	if err := json.Unmarshal(r.body, &in); err != nil {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid input JSON: "+err.Error())
		return
	}
	limit := 10
	if in.Limit != nil {
		limit = *in.Limit
	}
	offset := 0
	if in.After != "" {
		n, err := strconv.Atoi(in.After)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "after must be a non-negative integer offset")
			return
		}
		offset = n
	}
	switch {
	case limit < 1 || limit > searchPageMax:
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", fmt.Sprintf("limit must be between 1 and %d", searchPageMax))
		return
	case len(in.FilterGroups) > 6:
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "at most 6 filterGroups")
		return
	case offset >= SearchMaxResults:
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", fmt.Sprintf("paging beyond %d results is not supported", SearchMaxResults))
		return
	case len(in.Query) > 3000:
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "query is longer than 3000 characters")
		return
	}
	for _, g := range in.FilterGroups {
		for _, fl := range g.Filters {
			if !operators[fl.Operator] {
				writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", fmt.Sprintf("unknown operator %q", fl.Operator))
				return
			}
		}
	}
	sortKey, desc := "hs_object_id", false
	if len(in.Sorts) > 0 {
		var s string
		var o struct{ PropertyName, Direction string }
		if json.Unmarshal(in.Sorts[0], &s) == nil {
			sortKey, desc = strings.TrimPrefix(s, "-"), strings.HasPrefix(s, "-")
		} else if json.Unmarshal(in.Sorts[0], &o) == nil && o.PropertyName != "" {
			sortKey, desc = o.PropertyName, strings.EqualFold(o.Direction, "DESCENDING")
		}
	}
	now := f.now()
	f.mu.Lock()
	props := f.wanted(in.Properties)
	var hits []*contact
	for after := uint64(0); ; {
		ids := f.nextIDs(after, 4096)
		if len(ids) == 0 {
			break
		}
		for _, id := range ids {
			c := f.get(id)
			if f.cfg.IndexLag > 0 && now.Sub(c.written) < f.cfg.IndexLag {
				continue
			}
			if f.matches(c, &in) {
				hits = append(hits, c)
			}
		}
		after = ids[len(ids)-1]
	}
	if sortKey != "hs_object_id" || desc {
		sort.SliceStable(hits, func(i, j int) bool {
			c := f.compare(hits[i], hits[j], sortKey)
			if desc {
				return c > 0
			}
			return c < 0
		})
	}
	out := struct {
		Total   int           `json:"total"`
		Results []contactJSON `json:"results"`
		Paging  *pagingJSON   `json:"paging,omitempty"`
	}{Total: len(hits), Results: []contactJSON{}}
	for i := offset; i < len(hits) && i < offset+limit; i++ {
		out.Results = append(out.Results, hits[i].json(props))
	}
	f.mu.Unlock()
	if offset+limit < len(hits) {
		out.Paging = paging(strconv.Itoa(offset+limit), "")
	}
	writeJSON(w, http.StatusOK, out)
}

func (f *Fake) matches(c *contact, in *searchRequest) bool {
	if q := strings.ToLower(strings.TrimSpace(in.Query)); q != "" {
		found := false
		for _, p := range []string{"email", "firstname", "lastname", "phone", "company"} {
			if v, ok := c.prop(p); ok && strings.Contains(strings.ToLower(v), q) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	if len(in.FilterGroups) == 0 {
		return true
	}
	for _, g := range in.FilterGroups {
		all := true
		for i := range g.Filters {
			if !f.match(c, &g.Filters[i]) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// fastCompare compares the dates and the ID without formatting them: a
// search over a million contacts mostly asks for these.
func fastCompare(c *contact, fl *filter) (int, bool) {
	if !fl.parsed {
		fl.parsed = true
		v := scalar(fl.Value)
		switch fl.PropertyName {
		case "createdate", "lastmodifieddate":
			fl.at, fl.fast = parseInstant(v)
		case "hs_object_id":
			n, err := strconv.ParseUint(v, 10, 64)
			fl.num, fl.fast = n, err == nil
		}
	}
	if !fl.fast {
		return 0, false
	}
	switch fl.PropertyName {
	case "createdate":
		return c.created.Truncate(time.Millisecond).Compare(fl.at), true
	case "lastmodifieddate":
		return c.updated.Truncate(time.Millisecond).Compare(fl.at), true
	}
	return cmpU(c.id, fl.num), true
}

func (f *Fake) match(c *contact, fl *filter) bool {
	switch fl.Operator {
	case "EQ", "NEQ", "LT", "LTE", "GT", "GTE":
		if r, ok := fastCompare(c, fl); ok {
			switch fl.Operator {
			case "EQ":
				return r == 0
			case "NEQ":
				return r != 0
			case "LT":
				return r < 0
			case "LTE":
				return r <= 0
			case "GT":
				return r > 0
			}
			return r >= 0
		}
	}
	v, has := c.prop(fl.PropertyName)
	has = has && v != ""
	typ := "string"
	if p := f.props[fl.PropertyName]; p != nil {
		typ = p.Type
	}
	switch fl.Operator {
	case "HAS_PROPERTY":
		return has
	case "NOT_HAS_PROPERTY":
		return !has
	case "NEQ", "NOT_IN", "NOT_CONTAINS_TOKEN":
		if !has {
			return true
		}
	}
	if !has {
		return false
	}
	want := scalar(fl.Value)
	switch fl.Operator {
	case "EQ":
		return compareValues(typ, v, want) == 0
	case "NEQ":
		return compareValues(typ, v, want) != 0
	case "LT":
		return compareValues(typ, v, want) < 0
	case "LTE":
		return compareValues(typ, v, want) <= 0
	case "GT":
		return compareValues(typ, v, want) > 0
	case "GTE":
		return compareValues(typ, v, want) >= 0
	case "BETWEEN":
		return compareValues(typ, v, want) >= 0 && compareValues(typ, v, scalar(fl.HighValue)) <= 0
	case "IN", "NOT_IN":
		in := false
		for _, raw := range fl.Values {
			w := scalar(raw)
			for part := range strings.SplitSeq(v, ";") {
				if compareValues(typ, part, w) == 0 {
					in = true
				}
			}
		}
		return in == (fl.Operator == "IN")
	case "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN":
		return containsToken(v, want) == (fl.Operator == "CONTAINS_TOKEN")
	}
	return false
}

// containsToken matches a token of v against want, which may start or end
// with a * wildcard, without regard to case.
func containsToken(v, want string) bool {
	want = strings.ToLower(want)
	for _, tok := range strings.FieldsFunc(strings.ToLower(v), func(r rune) bool {
		return r == ' ' || r == ';' || r == ',' || r == '@' || r == '.'
	}) {
		pre, suf := strings.HasSuffix(want, "*"), strings.HasPrefix(want, "*")
		core := strings.Trim(want, "*")
		switch {
		case pre && suf && strings.Contains(tok, core),
			pre && !suf && strings.HasPrefix(tok, core),
			suf && !pre && strings.HasSuffix(tok, core),
			tok == core:
			return true
		}
	}
	return strings.EqualFold(v, want)
}

// compareValues compares a stored value with a filter's by the property's
// type: numbers as numbers, dates as instants (epoch milliseconds or ISO),
// the rest as text without regard to case.
func compareValues(typ, a, b string) int {
	switch typ {
	case "number":
		x, e1 := strconv.ParseFloat(a, 64)
		y, e2 := strconv.ParseFloat(b, 64)
		if e1 == nil && e2 == nil {
			switch {
			case x < y:
				return -1
			case x > y:
				return 1
			}
			return 0
		}
	case "datetime", "date":
		x, ok1 := parseInstant(a)
		y, ok2 := parseInstant(b)
		if ok1 && ok2 {
			return x.Compare(y)
		}
	}
	return strings.Compare(strings.ToLower(a), strings.ToLower(b))
}

func parseInstant(s string) (time.Time, bool) {
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms), true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func (f *Fake) compare(a, b *contact, key string) int {
	if key == "hs_object_id" {
		return cmpU(a.id, b.id)
	}
	x, _ := a.prop(key)
	y, _ := b.prop(key)
	typ := "string"
	if p := f.props[key]; p != nil {
		typ = p.Type
	}
	if c := compareValues(typ, x, y); c != 0 {
		return c
	}
	return cmpU(a.id, b.id)
}

func cmpU(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// listProperties is GET properties/contacts.
func (f *Fake) listProperties(w http.ResponseWriter, r *request) {
	f.mu.Lock()
	out := make([]Property, 0, len(f.propSeq))
	for _, n := range f.propSeq {
		out = append(out, *f.props[n])
	}
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"results": out})
}

// getProperty is GET properties/contacts/{name}.
func (f *Fake) getProperty(w http.ResponseWriter, r *request) {
	f.mu.Lock()
	p := f.props[r.seg[2]]
	var out Property
	if p != nil {
		out = *p
	}
	f.mu.Unlock()
	if p == nil {
		writeError(w, http.StatusNotFound, "OBJECT_NOT_FOUND", fmt.Sprintf("Unable to find property %s for object type 0-1", r.seg[2]))
		return
	}
	writeJSON(w, http.StatusOK, out)
}
