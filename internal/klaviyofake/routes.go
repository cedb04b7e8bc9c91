package klaviyofake

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// klaviyoTime is how Klaviyo writes times: seconds, with +00:00.
func klaviyoTime(unix int64) string {
	return time.Unix(unix, 0).UTC().Format("2006-01-02T15:04:05+00:00")
}

// resource is a JSON:API resource object.
type resource struct {
	Type          string         `json:"type"`
	ID            string         `json:"id"`
	Attributes    map[string]any `json:"attributes,omitempty"`
	Relationships map[string]any `json:"relationships,omitempty"`
	Links         map[string]any `json:"links,omitempty"`
}

// ident is a resource identifier.
type ident struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// collection is a JSON:API collection document.
type collection struct {
	Data  any            `json:"data"`
	Links map[string]any `json:"links"`
}

type single struct {
	Data  any            `json:"data"`
	Links map[string]any `json:"links,omitempty"`
}

// requestURL is the request's path and query as the client sent them, so
// that links stay right when the fake is mounted under a prefix (the
// demo's http.StripPrefix leaves RequestURI alone).
func (c *call) requestURL() *url.URL {
	if c.r.RequestURI != "" {
		if u, err := url.ParseRequestURI(c.r.RequestURI); err == nil {
			return u
		}
	}
	u := *c.r.URL
	return &u
}

func (c *call) self() string { return c.base + c.requestURL().RequestURI() }

// page reads page[size] (1 to max, default def) and page[cursor].
func (c *call) page(def, maxSize int) (size, pos int, rep reply, ok bool) {
	q := c.r.URL.Query()
	size = def
	if v := q.Get("page[size]"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxSize {
			return 0, 0, badParam("page[size]", "page[size] must be between 1 and "+strconv.Itoa(maxSize)+"."), false
		}
		size = n
	}
	if v := q.Get("page[cursor]"); v != "" {
		n, ok := decodeCursor(v)
		if !ok {
			return 0, 0, badParam("page[cursor]", "Invalid page cursor."), false
		}
		pos = n
	}
	return size, pos, reply{}, true
}

// Cursors are opaque to clients: base64 of "next::<position>", as
// Klaviyo's look.
func encodeCursor(pos int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("next::" + strconv.Itoa(pos)))
}

func decodeCursor(s string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, false
	}
	v, ok := strings.CutPrefix(string(b), "next::")
	n, err := strconv.Atoi(v)
	if !ok || err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// links returns self and, when more remains, next: the request's URL with
// page[cursor] replaced.
func (c *call) links(next int, more bool) map[string]any {
	l := map[string]any{"self": c.self(), "next": nil, "prev": nil}
	if more {
		u := c.requestURL()
		q := u.Query()
		q.Set("page[cursor]", encodeCursor(next))
		u.RawQuery = q.Encode()
		l["next"] = c.base + u.RequestURI()
	}
	return l
}

// fields returns the sparse fieldset of a type, nil for all.
func (c *call) fields(typ string) map[string]bool {
	v := c.r.URL.Query().Get("fields[" + typ + "]")
	if v == "" {
		return nil
	}
	m := map[string]bool{}
	for _, f := range strings.Split(v, ",") {
		m[strings.TrimSpace(f)] = true
	}
	return m
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (c *call) profileResource(p *profile, fields map[string]bool) resource {
	attrs := map[string]any{
		"email":           nullable(p.email),
		"phone_number":    nullable(p.phone),
		"external_id":     nullable(p.externalID),
		"first_name":      nullable(p.firstName),
		"last_name":       nullable(p.lastName),
		"organization":    nil,
		"locale":          nil,
		"title":           nil,
		"image":           nil,
		"created":         klaviyoTime(p.created),
		"updated":         klaviyoTime(p.updated),
		"last_event_date": nil,
		"location":        map[string]any{},
		"properties":      json.RawMessage(p.props),
	}
	if fields != nil {
		for k := range attrs {
			if !fields[k] {
				delete(attrs, k)
			}
		}
	}
	self := c.base + "/api/profiles/" + p.id + "/"
	return resource{Type: "profile", ID: p.id, Attributes: attrs,
		Relationships: map[string]any{
			"lists":    map[string]any{"links": map[string]any{"self": self + "relationships/lists/", "related": self + "lists/"}},
			"segments": map[string]any{"links": map[string]any{"self": self + "relationships/segments/", "related": self + "segments/"}},
		},
		Links: map[string]any{"self": self}}
}

func (c *call) groupResource(segment bool, g *group) resource {
	typ, path := "list", "/api/lists/"
	if segment {
		typ, path = "segment", "/api/segments/"
	}
	attrs := map[string]any{"name": g.name, "created": klaviyoTime(g.created), "updated": klaviyoTime(g.updated)}
	if !segment {
		attrs["opt_in_process"] = "single_opt_in"
	} else {
		attrs["is_active"], attrs["is_processing"], attrs["is_starred"] = true, false, false
	}
	if strings.Contains(c.r.URL.Query().Get("additional-fields["+typ+"]"), "profile_count") {
		attrs["profile_count"] = len(g.index)
	}
	return resource{Type: typ, ID: g.id, Attributes: attrs, Links: map[string]any{"self": c.base + path + g.id + "/"}}
}

func (f *Fake) getAccounts(c *call) reply {
	return reply{body: collection{
		Data:  []resource{{Type: "account", ID: f.cfg.AccountID, Attributes: map[string]any{"contact_information": map[string]any{"organization_name": "Kizuna Fake"}, "timezone": "Asia/Tokyo", "preferred_currency": "JPY"}}},
		Links: c.links(0, false)}}
}

// getProfiles serves GET /api/profiles: the default order is creation;
// sort=updated, or a filter on updated, walks the update log.
func (f *Fake) getProfiles(c *call) reply {
	size, pos, rep, ok := c.page(defaultProfilesSize, profilesSizeMax)
	if !ok {
		return rep
	}
	q := c.r.URL.Query()
	flt, err := parseFilter(q.Get("filter"), profileFilterFields)
	if err != nil {
		return badParam("filter", err.Error())
	}
	sortBy := q.Get("sort")
	if sortBy != "" && sortBy != "updated" && sortBy != "created" && sortBy != "id" {
		return badParam("sort", "'"+sortBy+"' is not a valid sort field for this fake; use updated, created or id.")
	}
	fields := c.fields("profile")
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.store
	var out []resource
	next, more := 0, false
	byLog := sortBy == "updated" || flt.updatedBound()
	switch {
	case flt.lookup(s) != nil:
		cands := flt.lookup(s)
		if byLog {
			slices.SortFunc(cands, func(a, b *profile) int { return cmpInt(a.updated, b.updated, a.pos, b.pos) })
		}
		for i := pos; i < len(cands); i++ {
			if len(out) == size {
				next, more = i, true
				break
			}
			if flt.match(cands[i]) {
				out = append(out, c.profileResource(cands[i], fields))
			}
		}
	case byLog:
		if lo, strict, ok := flt.updatedFrom(); ok && pos == 0 {
			pos = s.logFrom(lo, strict)
		}
		for i := pos; i < len(s.ulog); i++ {
			e := s.ulog[i]
			if e.ver != e.p.ver || !flt.match(e.p) {
				continue
			}
			if len(out) == size {
				next, more = i, true
				break
			}
			out = append(out, c.profileResource(e.p, fields))
		}
	default:
		for i := pos; i < len(s.profiles); i++ {
			if !flt.match(s.profiles[i]) {
				continue
			}
			if len(out) == size {
				next, more = i, true
				break
			}
			out = append(out, c.profileResource(s.profiles[i], fields))
		}
	}
	if out == nil {
		out = []resource{}
	}
	return reply{body: collection{Data: out, Links: c.links(next, more)}}
}

func cmpInt(a, b int64, pa, pb int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return pa - pb
}

func (f *Fake) getProfile(c *call) reply {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.store.byID[c.r.PathValue("id")]
	if p == nil {
		return notFound("A profile with id " + c.r.PathValue("id") + " does not exist.")
	}
	return reply{body: single{Data: c.profileResource(p, c.fields("profile")), Links: map[string]any{"self": c.self()}}}
}

// profileDoc is the body of create-profile and profile-import.
type profileDoc struct {
	Data struct {
		Type       string `json:"type"`
		ID         string `json:"id"`
		Attributes struct {
			Email      string                     `json:"email"`
			Phone      string                     `json:"phone_number"`
			ExternalID string                     `json:"external_id"`
			FirstName  string                     `json:"first_name"`
			LastName   string                     `json:"last_name"`
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"attributes"`
	} `json:"data"`
}

func readProfileDoc(c *call) (*ProfileData, reply, bool) {
	var doc profileDoc
	if err := json.Unmarshal(c.body, &doc); err != nil {
		return nil, errReply(http.StatusBadRequest, "invalid", "Invalid input.", "The request body is not a JSON:API document.", &source{Pointer: "/data"}), false
	}
	if doc.Data.Type != "profile" {
		return nil, errReply(http.StatusBadRequest, "invalid", "Invalid input.", "data.type must be \"profile\".", &source{Pointer: "/data/type"}), false
	}
	a := doc.Data.Attributes
	return &ProfileData{ID: doc.Data.ID, Email: a.Email, Phone: a.Phone, ExternalID: a.ExternalID,
		FirstName: a.FirstName, LastName: a.LastName, Properties: a.Properties}, reply{}, true
}

// createProfile serves POST /api/profiles: 201, or 409 with the holder's
// id in meta.duplicate_profile_id.
func (f *Fake) createProfile(c *call) reply {
	d, rep, ok := readProfileDoc(c)
	if !ok {
		return rep
	}
	d.ID = ""
	f.mu.Lock()
	defer f.mu.Unlock()
	p, err := f.store.create(d, f.now())
	switch {
	case errors.Is(err, errDuplicate):
		rep := errReply(http.StatusConflict, "duplicate_profile", "Conflict.", "A profile already exists with one of these identifiers.", &source{Pointer: "/data/attributes"})
		rep.body.(errorsBody).Errors[0].Meta = map[string]any{"duplicate_profile_id": p.id}
		return rep
	case err != nil:
		return errReply(http.StatusBadRequest, "invalid", "Invalid input.", err.Error(), &source{Pointer: "/data/attributes"})
	}
	return reply{status: http.StatusCreated, body: single{Data: c.profileResource(p, nil), Links: map[string]any{"self": c.self()}}}
}

// importProfile serves POST /api/profile-import: 201 created, 200 updated.
func (f *Fake) importProfile(c *call) reply {
	d, rep, ok := readProfileDoc(c)
	if !ok {
		return rep
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	if p := f.store.duplicate(d); p != nil {
		if d.ID != "" && p.id != d.ID {
			return errReply(http.StatusConflict, "duplicate_profile", "Conflict.", "Another profile holds one of these identifiers.", &source{Pointer: "/data/attributes"})
		}
		if err := f.store.update(p, d, now); err != nil {
			return errReply(http.StatusBadRequest, "invalid", "Invalid input.", err.Error(), &source{Pointer: "/data/attributes"})
		}
		return reply{status: http.StatusOK, body: single{Data: c.profileResource(p, nil)}}
	}
	if d.ID != "" {
		return notFound("A profile with id " + d.ID + " does not exist.")
	}
	p, err := f.store.create(d, now)
	if err != nil {
		return errReply(http.StatusBadRequest, "invalid", "Invalid input.", err.Error(), &source{Pointer: "/data/attributes"})
	}
	return reply{status: http.StatusCreated, body: single{Data: c.profileResource(p, nil)}}
}

func (f *Fake) getProfileLists(c *call) reply    { return f.profileGroups(c, false) }
func (f *Fake) getProfileSegments(c *call) reply { return f.profileGroups(c, true) }

func (f *Fake) profileGroups(c *call, segment bool) reply {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.store.byID[c.r.PathValue("id")]
	if p == nil {
		return notFound("A profile with id " + c.r.PathValue("id") + " does not exist.")
	}
	out := []resource{}
	for _, g := range f.store.groupsOf(segment, p) {
		out = append(out, c.groupResource(segment, g))
	}
	return reply{body: collection{Data: out, Links: c.links(0, false)}}
}

func (f *Fake) getLists(c *call) reply    { return f.groups(c, false) }
func (f *Fake) getSegments(c *call) reply { return f.groups(c, true) }

func (f *Fake) groups(c *call, segment bool) reply {
	size, pos, rep, ok := c.page(defaultListsPageSize, listsSizeMax)
	if !ok {
		return rep
	}
	flt, err := parseFilter(c.r.URL.Query().Get("filter"), groupFilterFields)
	if err != nil {
		return badParam("filter", err.Error())
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	gs := f.store.lists
	if segment {
		gs = f.store.segs
	}
	out := []resource{}
	next, more := 0, false
	for i := pos; i < len(gs); i++ {
		if !flt.matchGroup(gs[i]) {
			continue
		}
		if len(out) == size {
			next, more = i, true
			break
		}
		out = append(out, c.groupResource(segment, gs[i]))
	}
	return reply{body: collection{Data: out, Links: c.links(next, more)}}
}

func (f *Fake) getList(c *call) reply    { return f.oneGroup(c, false) }
func (f *Fake) getSegment(c *call) reply { return f.oneGroup(c, true) }

func (f *Fake) oneGroup(c *call, segment bool) reply {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := f.store.group(segment, c.r.PathValue("id"))
	if g == nil {
		return notFound("A list or segment with id " + c.r.PathValue("id") + " does not exist.")
	}
	return reply{body: single{Data: c.groupResource(segment, g), Links: map[string]any{"self": c.self()}}}
}

// createList serves POST /api/lists.
func (f *Fake) createList(c *call) reply {
	var doc struct {
		Data struct {
			Type       string `json:"type"`
			Attributes struct {
				Name string `json:"name"`
			} `json:"attributes"`
		} `json:"data"`
	}
	if err := json.Unmarshal(c.body, &doc); err != nil || doc.Data.Type != "list" || doc.Data.Attributes.Name == "" {
		return errReply(http.StatusBadRequest, "invalid", "Invalid input.", "Send {\"data\":{\"type\":\"list\",\"attributes\":{\"name\":\"…\"}}}.", &source{Pointer: "/data"})
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	g, err := f.store.newGroup(false, "", doc.Data.Attributes.Name, f.now())
	if err != nil {
		return errReply(http.StatusConflict, "conflict", "Conflict.", err.Error(), nil)
	}
	return reply{status: http.StatusCreated, body: single{Data: c.groupResource(false, g)}}
}

// groupProfiles serves a list's or segment's members, as profiles or as
// relationship identifiers (ids), in the order they joined.
func (f *Fake) groupProfiles(segment, idsOnly bool) func(*call) reply {
	return func(c *call) reply {
		size, pos, rep, ok := c.page(defaultMembersPerPage, profilesSizeMax)
		if !ok {
			return rep
		}
		q := c.r.URL.Query()
		flt, err := parseFilter(q.Get("filter"), memberFilterFields)
		if err != nil {
			return badParam("filter", err.Error())
		}
		if s := q.Get("sort"); s != "" && s != "joined_group_at" {
			return badParam("sort", "'"+s+"' is not a valid sort field; use joined_group_at.")
		}
		fields := c.fields("profile")
		f.mu.Lock()
		defer f.mu.Unlock()
		g := f.store.group(segment, c.r.PathValue("id"))
		if g == nil {
			return notFound("A list or segment with id " + c.r.PathValue("id") + " does not exist.")
		}
		var out []any
		next, more := 0, false
		for i := pos; i < len(g.members); i++ {
			m := g.members[i]
			if m.gone || !flt.matchMember(m) {
				continue
			}
			if len(out) == size {
				next, more = i, true
				break
			}
			if idsOnly {
				out = append(out, ident{Type: "profile", ID: m.p.id})
			} else {
				r := c.profileResource(m.p, fields)
				if fields == nil || fields["joined_group_at"] {
					r.Attributes["joined_group_at"] = klaviyoTime(m.joined)
				}
				out = append(out, r)
			}
		}
		if out == nil {
			out = []any{}
		}
		return reply{body: collection{Data: out, Links: c.links(next, more)}}
	}
}

// changeMembers serves POST (add) and DELETE (remove) on a list's
// relationships/profiles: at most 1,000 ids, 204.
func (f *Fake) changeMembers(add bool) func(*call) reply {
	return func(c *call) reply {
		var doc struct {
			Data []ident `json:"data"`
		}
		if err := json.Unmarshal(c.body, &doc); err != nil {
			return errReply(http.StatusBadRequest, "invalid", "Invalid input.", "Send {\"data\":[{\"type\":\"profile\",\"id\":\"…\"}]}.", &source{Pointer: "/data"})
		}
		if len(doc.Data) == 0 || len(doc.Data) > maxMembershipPerCall {
			return errReply(http.StatusBadRequest, "invalid", "Invalid input.", "Send 1 to 1000 profiles.", &source{Pointer: "/data"})
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		g := f.store.group(false, c.r.PathValue("id"))
		if g == nil {
			return notFound("A list with id " + c.r.PathValue("id") + " does not exist.")
		}
		ps := make([]*profile, 0, len(doc.Data))
		for i, d := range doc.Data {
			p := f.store.byID[d.ID]
			if d.Type != "profile" || p == nil {
				st := f.cfg.UnknownProfileStatus
				return errReply(st, "invalid", "Invalid input.", "Profile "+d.ID+" does not exist.", &source{Pointer: "/data/" + strconv.Itoa(i) + "/id"})
			}
			ps = append(ps, p)
		}
		now := f.now()
		for _, p := range ps {
			if add {
				f.store.join(g, p, now)
			} else {
				f.store.leave(g, p, now)
			}
		}
		return reply{status: http.StatusNoContent}
	}
}
