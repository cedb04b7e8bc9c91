package klaviyofake

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/kizuna-line/kizuna"
)

// ErrNotFound is returned by the mutations for an unknown profile, list or
// segment.
var ErrNotFound = errors.New("klaviyofake: not found")

// LoadFriends creates a profile per friend linked to Klaviyo: the
// friend's profile id (a new one when empty), its properties, the LINE
// user ID in the configured property, and its list memberships (lists the
// fake does not have yet are created, named after their id). It returns
// how many profiles it created.
func (f *Fake) LoadFriends(friends []*kizuna.Friend) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, fr := range friends {
		ok, err := f.loadFriend(fr)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// LoadNDJSON reads friend lines in Kizuna's import format and loads them as
// LoadFriends does, one at a time.
func (f *Fake) LoadNDJSON(r io.Reader) (int, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	n, line := 0, 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		fr, err := kizuna.ParseFriendLine(b)
		if err != nil {
			return n, fmt.Errorf("line %d: %w", line, err)
		}
		f.mu.Lock()
		ok, err := f.loadFriend(fr)
		f.mu.Unlock()
		if err != nil {
			return n, fmt.Errorf("line %d: %w", line, err)
		}
		if ok {
			n++
		}
	}
	return n, sc.Err()
}

func (f *Fake) loadFriend(fr *kizuna.Friend) (bool, error) {
	k := fr.Klaviyo
	if k == nil {
		return false, nil
	}
	props := make(map[string]json.RawMessage, len(k.Properties)+1)
	for name, v := range k.Properties {
		props[name] = v
	}
	uid, _ := json.Marshal(fr.LineUserID)
	props[f.cfg.LineUserIDProperty] = uid
	now := f.now()
	d := &ProfileData{ID: k.ProfileID, Properties: props}
	if d.ID == "" {
		d.ExternalID = "line:" + fr.LineUserID
	}
	p, err := f.store.create(d, now)
	if err != nil {
		return false, fmt.Errorf("profile of %s: %w", fr.LineUserID, err)
	}
	for _, id := range k.Lists {
		g := f.store.group(false, id)
		if g == nil {
			g, _ = f.store.newGroup(false, id, id, now)
		}
		f.store.join(g, p, now)
	}
	return true, nil
}

// GeneratedLists are the lists Generate creates, with the share of
// profiles (in percent) each holds.
var GeneratedLists = []struct {
	ID, Name string
	Percent  int
}{
	{"KzGenA", "Newsletter", 50},
	{"KzGenB", "VIP", 10},
	{"KzGenC", "Winback", 20},
	{"KzGenD", "LINE friends", 80},
	{"KzGenE", "Tokyo", 5},
}

// Generate adds n profiles drawn from seed (the same seed gives the same
// profiles), each with a LINE user ID, a few custom properties (plan,
// points, vip, city) and memberships of GeneratedLists. It keeps nothing
// but the profiles themselves, about 300 bytes each.
func (f *Fake) Generate(n int, seed uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	s := f.store
	var groups []*group
	for _, l := range GeneratedLists {
		g := s.group(false, l.ID)
		if g == nil {
			g, _ = s.newGroup(false, l.ID, l.Name, now)
		}
		groups = append(groups, g)
	}
	rnd := rand.New(rand.NewPCG(seed, seed^0x6b6c617669796f))
	plans := []string{"free", "silver", "gold"}
	cities := []string{"Tokyo", "Osaka", "Nagoya", "Fukuoka", "Sapporo"}
	start := len(s.profiles)
	var idb [26]byte
	var uid [16]byte
	for i := 0; i < n; i++ {
		idb[0] = '0'
		for j := 1; j < 26; j++ {
			idb[j] = crockford[rnd.IntN(32)]
		}
		id := string(idb[:])
		if s.byID[id] != nil {
			i--
			continue
		}
		for j := range uid {
			uid[j] = byte(rnd.Uint32())
		}
		var b []byte
		b = append(b, `{"city":"`...)
		b = append(b, cities[rnd.IntN(len(cities))]...)
		b = append(b, `","`...)
		b = append(b, f.cfg.LineUserIDProperty...)
		b = append(b, `":"U`...)
		b = hex.AppendEncode(b, uid[:])
		b = append(b, `","plan":"`...)
		b = append(b, plans[rnd.IntN(len(plans))]...)
		b = append(b, `","points":`...)
		b = strconv.AppendInt(b, int64(rnd.IntN(10000)), 10)
		b = append(b, `,"vip":`...)
		b = strconv.AppendBool(b, rnd.IntN(10) == 0)
		b = append(b, '}')
		if f.cfg.LineUserIDProperty != DefaultLineUserIDProperty {
			// A custom name sorts anywhere: let mergeProps order the keys.
			b, _ = mergeProps(b, nil)
		}
		p := &profile{pos: start + i, id: id, email: "gen" + strconv.Itoa(start+i) + "@example.test", created: now.Unix(), props: b}
		s.profiles = append(s.profiles, p)
		s.byID[id] = p
		s.index(p)
		s.touch(p, now)
		for k, g := range groups {
			if rnd.IntN(100) < GeneratedLists[k].Percent {
				g.index[p] = len(g.members)
				g.members = append(g.members, member{p: p, joined: now.Unix()})
			}
		}
	}
}

// AddProfile creates a profile and returns its id.
func (f *Fake) AddProfile(d ProfileData) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, err := f.store.create(&d, f.now())
	if err != nil {
		return "", err
	}
	return p.id, nil
}

// SetProperties changes a profile's custom properties (a JSON null removes
// one) and moves its updated.
func (f *Fake) SetProperties(id string, props map[string]json.RawMessage) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.store.byID[id]
	if p == nil {
		return fmt.Errorf("profile %s: %w", id, ErrNotFound)
	}
	return f.store.update(p, &ProfileData{Properties: props}, f.now())
}

// SetProperty sets one custom property to value (encoded as JSON; nil
// removes it).
func (f *Fake) SetProperty(id, name string, value any) error {
	b, err := json.Marshal(value)
	if err != nil {
		return err
	}
	return f.SetProperties(id, map[string]json.RawMessage{name: b})
}

// CreateList creates a list (a random id when id is empty) and returns its
// id.
func (f *Fake) CreateList(id, name string) (string, error) { return f.createGroup(false, id, name) }

// CreateSegment creates a segment and returns its id. Klaviyo computes
// segments' members; the fake's are set with AddToSegment and
// RemoveFromSegment.
func (f *Fake) CreateSegment(id, name string) (string, error) { return f.createGroup(true, id, name) }

func (f *Fake) createGroup(segment bool, id, name string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g, err := f.store.newGroup(segment, id, name, f.now())
	if err != nil {
		return "", err
	}
	return g.id, nil
}

// AddToList makes profiles members of a list; each one's updated moves.
func (f *Fake) AddToList(listID string, profileIDs ...string) error {
	return f.member(false, true, listID, profileIDs)
}

// RemoveFromList removes profiles from a list; each one's updated moves.
func (f *Fake) RemoveFromList(listID string, profileIDs ...string) error {
	return f.member(false, false, listID, profileIDs)
}

// AddToSegment makes profiles members of a segment.
func (f *Fake) AddToSegment(segmentID string, profileIDs ...string) error {
	return f.member(true, true, segmentID, profileIDs)
}

// RemoveFromSegment removes profiles from a segment.
func (f *Fake) RemoveFromSegment(segmentID string, profileIDs ...string) error {
	return f.member(true, false, segmentID, profileIDs)
}

func (f *Fake) member(segment, add bool, gid string, ids []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := f.store.group(segment, gid)
	if g == nil {
		return fmt.Errorf("list or segment %s: %w", gid, ErrNotFound)
	}
	ps := make([]*profile, 0, len(ids))
	for _, id := range ids {
		p := f.store.byID[id]
		if p == nil {
			return fmt.Errorf("profile %s: %w", id, ErrNotFound)
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
	return nil
}

// ProfileDump is a profile as the dump shows it.
type ProfileDump struct {
	ID         string                     `json:"id"`
	Email      string                     `json:"email,omitempty"`
	Phone      string                     `json:"phone_number,omitempty"`
	ExternalID string                     `json:"external_id,omitempty"`
	Created    time.Time                  `json:"created"`
	Updated    time.Time                  `json:"updated"`
	Properties map[string]json.RawMessage `json:"properties"`
	Lists      []string                   `json:"lists"`
	Segments   []string                   `json:"segments"`
}

// GroupDump is a list or segment as the dump shows it.
type GroupDump struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Profiles int    `json:"profiles"`
}

// Dump is the fake's data, or a window of its profiles.
type Dump struct {
	Total    int           `json:"total_profiles"`
	Profiles []ProfileDump `json:"profiles"`
	Lists    []GroupDump   `json:"lists"`
	Segments []GroupDump   `json:"segments"`
}

// Dump returns the lists, segments and limit profiles from offset, in
// creation order (limit < 0: all).
func (f *Fake) Dump(offset, limit int) Dump {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.store
	d := Dump{Total: len(s.profiles), Profiles: []ProfileDump{}, Lists: []GroupDump{}, Segments: []GroupDump{}}
	for _, g := range s.lists {
		d.Lists = append(d.Lists, GroupDump{g.id, g.name, len(g.index)})
	}
	for _, g := range s.segs {
		d.Segments = append(d.Segments, GroupDump{g.id, g.name, len(g.index)})
	}
	end := len(s.profiles)
	if limit >= 0 {
		end = min(end, offset+limit)
	}
	for i := max(offset, 0); i < end; i++ {
		d.Profiles = append(d.Profiles, s.dump(s.profiles[i]))
	}
	return d
}

// Profile returns one profile as the dump shows it.
func (f *Fake) Profile(id string) (ProfileDump, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.store.byID[id]
	if p == nil {
		return ProfileDump{}, fmt.Errorf("profile %s: %w", id, ErrNotFound)
	}
	return f.store.dump(p), nil
}

// ProfileCount returns how many profiles the fake holds.
func (f *Fake) ProfileCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.store.profiles)
}

func (s *store) dump(p *profile) ProfileDump {
	d := ProfileDump{ID: p.id, Email: p.email, Phone: p.phone, ExternalID: p.externalID,
		Created: time.Unix(p.created, 0).UTC(), Updated: time.Unix(p.updated, 0).UTC(),
		Properties: p.propsMap(), Lists: []string{}, Segments: []string{}}
	for _, g := range s.groupsOf(false, p) {
		d.Lists = append(d.Lists, g.id)
	}
	for _, g := range s.groupsOf(true, p) {
		d.Segments = append(d.Segments, g.id)
	}
	return d
}
