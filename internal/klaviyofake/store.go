package klaviyofake

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"
)

// profile is one stored profile. Properties are kept as one encoded JSON
// object, so that a million profiles stay small.
type profile struct {
	pos        int // creation order
	id         string
	email      string
	phone      string
	externalID string
	firstName  string
	lastName   string
	created    int64 // Unix seconds, as Klaviyo shows them
	updated    int64
	props      []byte // a JSON object
	ver        int32  // bumped on every change; the update log names it
}

// logEntry says that a profile changed at updated; it is stale once the
// profile's ver moved past ver.
type logEntry struct {
	p       *profile
	ver     int32
	updated int64
}

// group is a list or a segment: its members in the order they joined.
type group struct {
	id, name         string
	created, updated int64
	members          []member
	index            map[*profile]int // live members → their entry
}

type member struct {
	p      *profile
	joined int64
	gone   bool
}

type store struct {
	profiles []*profile
	byID     map[string]*profile
	byEmail  map[string]*profile
	byPhone  map[string]*profile
	byExt    map[string]*profile
	ulog     []logEntry
	last     int64 // the latest updated handed out
	lists    []*group
	listByID map[string]*group
	segs     []*group
	segByID  map[string]*group
}

func newStore() *store {
	return &store{
		byID:     map[string]*profile{},
		byEmail:  map[string]*profile{},
		byPhone:  map[string]*profile{},
		byExt:    map[string]*profile{},
		listByID: map[string]*group{},
		segByID:  map[string]*group{},
	}
}

// touch marks p changed at now: its updated moves (never backwards, so the
// update log stays in order) and a log entry names the new version.
func (s *store) touch(p *profile, now time.Time) {
	u := max(now.Unix(), s.last)
	s.last = u
	p.updated = u
	p.ver++
	s.ulog = append(s.ulog, logEntry{p: p, ver: p.ver, updated: u})
}

// ProfileData describes a profile to create or update. Empty strings leave
// a field unset (or unchanged); a property whose value is JSON null is
// removed.
type ProfileData struct {
	ID         string                     `json:"id,omitempty"`
	Email      string                     `json:"email,omitempty"`
	Phone      string                     `json:"phone_number,omitempty"`
	ExternalID string                     `json:"external_id,omitempty"`
	FirstName  string                     `json:"first_name,omitempty"`
	LastName   string                     `json:"last_name,omitempty"`
	Properties map[string]json.RawMessage `json:"properties,omitempty"`
}

var (
	errDuplicate     = errors.New("duplicate profile")
	errNoIdentifier  = errors.New("a profile needs an email, a phone number or an external id")
	errUnknownID     = errors.New("no such profile")
	errUnknownGroup  = errors.New("no such list or segment")
	errDuplicateList = errors.New("a list or segment with this id exists")
)

// duplicate returns the profile that already holds one of d's identifiers.
func (s *store) duplicate(d *ProfileData) *profile {
	if d.ID != "" {
		if p := s.byID[d.ID]; p != nil {
			return p
		}
	}
	if p := s.byEmail[d.Email]; d.Email != "" && p != nil {
		return p
	}
	if p := s.byPhone[d.Phone]; d.Phone != "" && p != nil {
		return p
	}
	if p := s.byExt[d.ExternalID]; d.ExternalID != "" && p != nil {
		return p
	}
	return nil
}

// create adds a profile; it fails with errDuplicate (and the holder) when
// an identifier is taken.
func (s *store) create(d *ProfileData, now time.Time) (*profile, error) {
	if d.Email == "" && d.Phone == "" && d.ExternalID == "" && d.ID == "" {
		return nil, errNoIdentifier
	}
	if p := s.duplicate(d); p != nil {
		return p, errDuplicate
	}
	id := d.ID
	if id == "" {
		id = newID()
	}
	props, err := mergeProps(nil, d.Properties)
	if err != nil {
		return nil, err
	}
	p := &profile{pos: len(s.profiles), id: id, email: d.Email, phone: d.Phone, externalID: d.ExternalID,
		firstName: d.FirstName, lastName: d.LastName, created: now.Unix(), props: props}
	s.profiles = append(s.profiles, p)
	s.byID[id] = p
	s.index(p)
	s.touch(p, now)
	return p, nil
}

func (s *store) index(p *profile) {
	if p.email != "" {
		s.byEmail[p.email] = p
	}
	if p.phone != "" {
		s.byPhone[p.phone] = p
	}
	if p.externalID != "" {
		s.byExt[p.externalID] = p
	}
}

// update changes p as d says: set fields replace, properties merge.
func (s *store) update(p *profile, d *ProfileData, now time.Time) error {
	props, err := mergeProps(p.props, d.Properties)
	if err != nil {
		return err
	}
	for _, c := range []struct {
		field *string
		val   string
		idx   map[string]*profile
	}{{&p.email, d.Email, s.byEmail}, {&p.phone, d.Phone, s.byPhone}, {&p.externalID, d.ExternalID, s.byExt}} {
		if c.val == "" || c.val == *c.field {
			continue
		}
		if q := c.idx[c.val]; q != nil && q != p {
			return errDuplicate
		}
		delete(c.idx, *c.field)
		*c.field = c.val
		c.idx[c.val] = p
	}
	if d.FirstName != "" {
		p.firstName = d.FirstName
	}
	if d.LastName != "" {
		p.lastName = d.LastName
	}
	p.props = props
	s.touch(p, now)
	return nil
}

// mergeProps returns old with set applied: a null removes the key. The
// result's keys are sorted (json.Marshal of a map), so it is stable.
func mergeProps(old []byte, set map[string]json.RawMessage) ([]byte, error) {
	m := map[string]json.RawMessage{}
	if len(old) > 0 {
		if err := json.Unmarshal(old, &m); err != nil {
			return nil, err
		}
	}
	for k, v := range set {
		v = bytes.TrimSpace(v)
		if len(v) == 0 || string(v) == "null" {
			delete(m, k)
			continue
		}
		if !json.Valid(v) {
			return nil, fmt.Errorf("property %q is not JSON", k)
		}
		m[k] = v
	}
	return json.Marshal(m)
}

// group returns the list or segment with id.
func (s *store) group(segment bool, id string) *group {
	if segment {
		return s.segByID[id]
	}
	return s.listByID[id]
}

// newGroup creates a list or segment.
func (s *store) newGroup(segment bool, id, name string, now time.Time) (*group, error) {
	if id == "" {
		id = newShortID()
	}
	if s.group(segment, id) != nil {
		return nil, errDuplicateList
	}
	g := &group{id: id, name: name, created: now.Unix(), updated: now.Unix(), index: map[*profile]int{}}
	if segment {
		s.segs = append(s.segs, g)
		s.segByID[id] = g
	} else {
		s.lists = append(s.lists, g)
		s.listByID[id] = g
	}
	return g, nil
}

// join adds p to g (no change when it is a member) and touches p.
func (s *store) join(g *group, p *profile, now time.Time) {
	if _, ok := g.index[p]; ok {
		return
	}
	g.index[p] = len(g.members)
	g.members = append(g.members, member{p: p, joined: now.Unix()})
	g.updated = now.Unix()
	s.touch(p, now)
}

// leave removes p from g (no change when it is not a member) and touches p.
func (s *store) leave(g *group, p *profile, now time.Time) {
	i, ok := g.index[p]
	if !ok {
		return
	}
	g.members[i].gone = true
	delete(g.index, p)
	g.updated = now.Unix()
	s.touch(p, now)
}

// groupsOf returns the lists (or segments) p is a member of, in creation
// order.
func (s *store) groupsOf(segment bool, p *profile) []*group {
	gs := s.lists
	if segment {
		gs = s.segs
	}
	var out []*group
	for _, g := range gs {
		if _, ok := g.index[p]; ok {
			out = append(out, g)
		}
	}
	return out
}

// logFrom returns the index of the first update-log entry after t
// (strictly after when strict).
func (s *store) logFrom(t int64, strict bool) int {
	return sort.Search(len(s.ulog), func(i int) bool {
		if strict {
			return s.ulog[i].updated > t
		}
		return s.ulog[i].updated >= t
	})
}

// propsMap decodes p's properties.
func (p *profile) propsMap() map[string]json.RawMessage {
	m := map[string]json.RawMessage{}
	_ = json.Unmarshal(p.props, &m)
	return m
}

// Crockford's base32, ULID's alphabet.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// newID returns a random 26-character id in the shape of Klaviyo's
// profile ids (ULIDs).
func newID() string {
	var b [26]byte
	var r [26]byte
	_, _ = rand.Read(r[:])
	b[0] = '0'
	for i := 1; i < 26; i++ {
		b[i] = crockford[r[i]%32]
	}
	return string(b[:])
}

// newShortID returns a random 6-character id in the shape of Klaviyo's list
// ids.
func newShortID() string {
	const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	var r [6]byte
	_, _ = rand.Read(r[:])
	for i := range r {
		r[i] = alnum[int(r[i])%len(alnum)]
	}
	return string(r[:])
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
