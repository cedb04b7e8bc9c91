package kizuna

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Segment is a saved filter: its members are whoever matches it now. Count
// and CountedAt are the last count computed (a cache for lists; previews
// always count afresh). Usage lists the broadcasts that use the segment;
// it stays empty until broadcasts exist.
type Segment struct {
	ID        int64           `json:"id"`
	Name      string          `json:"name"`
	FolderID  *int64          `json:"folder_id"`
	Filter    json.RawMessage `json:"filter"`
	Count     *int64          `json:"count"`
	CountedAt *time.Time      `json:"counted_at"`
	Usage     []SegmentUse    `json:"usage"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
	DeletedAt *time.Time      `json:"deleted_at,omitempty"`
	// Version grows with every change of the name, filter, folder or
	// deletion; an edit made from an older version is refused (SegmentEdit).
	Version int64 `json:"version"`
}

// SegmentUse is a broadcast that uses a segment.
type SegmentUse struct {
	BroadcastID int64  `json:"broadcast_id"`
	Name        string `json:"name"`
	Schedule    string `json:"schedule"` // "once", "scheduled" or "recurring"
}

// Folder groups segments in the segment list.
type Folder struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// SegmentChange is one recorded change of a segment: who made it, when, and
// the name and filter before and after (empty where the change left them).
type SegmentChange struct {
	At           time.Time       `json:"at"`
	Actor        string          `json:"actor"`
	Action       string          `json:"action"` // create, rename, edit, move, duplicate, delete, restore
	NameBefore   string          `json:"name_before,omitempty"`
	NameAfter    string          `json:"name_after,omitempty"`
	FilterBefore json.RawMessage `json:"filter_before,omitempty"`
	FilterAfter  json.RawMessage `json:"filter_after,omitempty"`
}

// SegmentEdit changes a segment: each non-nil field is set. FolderID set to
// a pointer to 0 moves the segment out of any folder.
type SegmentEdit struct {
	Name     *string
	Filter   json.RawMessage
	FolderID *int64
	// Version, when not 0, is the version the edit was made from: if the
	// segment changed since, the edit is refused (ECONFLICT at StalePath,
	// naming who changed it and when) and changes nothing, so that a stale
	// editor does not silently undo another person's change.
	Version int64
}

// StalePath is the path of the ECONFLICT that refuses an edit made from an
// old version of a segment.
const StalePath = "version"

// RestoreWindow is how long a deleted segment can be restored.
const RestoreWindow = 30 * 24 * time.Hour

// MaxNameLength is the longest segment or folder name, in characters.
const MaxNameLength = 100

// CleanName checks a segment or folder name (field names the input for the
// error's path) and returns it trimmed.
func CleanName(field, name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", &Error{Code: EINVALID, Message: "the name is empty", Path: field}
	case !utf8.ValidString(name):
		return "", &Error{Code: EINVALID, Message: "the name is not valid UTF-8", Path: field}
	case strings.IndexByte(name, 0) >= 0:
		return "", ErrorAt(EINVALID, field, "the name contains the character U+0000, which cannot be stored")
	case utf8.RuneCountInString(name) > MaxNameLength:
		return "", &Error{Code: EINVALID, Message: "the name is longer than 100 characters", Path: field}
	}
	return name, nil
}

// CleanTagName trims a friend tag name given to create a tag or to add one
// to friends (typed in a form or sent to the API), so that " VIP" does not
// become a second tag; an empty name is EINVALID at path. Names that look
// a tag up (remove, delete, rename from) are exact, as imported tags are.
func CleanTagName(path, name string) (string, error) {
	if name = strings.TrimSpace(name); name == "" {
		return "", &Error{Code: EINVALID, Message: "a tag name is empty", Path: path}
	}
	if err := CheckTagName(EINVALID, path, name); err != nil {
		return "", err
	}
	return name, nil
}

// CheckTagName refuses a friend tag name that cannot be stored as written
// (CheckText) or is longer than MaxTagName characters; the import checks
// its tags with it too, so every way in has the same rule.
func CheckTagName(code, path, name string) error {
	if err := CheckText(code, path, "a tag name", name); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(name); n > MaxTagName {
		return ErrorAt(code, path, "a tag name has at most %d characters; this one has %d", MaxTagName, n)
	}
	return nil
}

// CheckTagLookup refuses a tag name that names an existing tag (to remove,
// delete, rename or filter a list by) when no tag can have it, so that the
// database is never asked about text it cannot hold.
func CheckTagLookup(path, name string) error {
	return CheckText(EINVALID, path, "a tag name", name)
}

// SegmentsOf returns the segments the friend is in at m.Now. A segment
// whose stored filter no longer parses (a restored one that tests a deleted
// tag) holds nobody.
func (m Matcher) SegmentsOf(segs []*Segment, fr *Friend) []*Segment {
	ff := FactsOf(fr, m.Loc)
	out := []*Segment{}
	for _, s := range segs {
		if f, err := ParseFilter(s.Filter); err == nil && m.MatchFacts(f, ff) {
			out = append(out, s)
		}
	}
	return out
}

// FactsReader reads several friends' facts in one snapshot.
type FactsReader interface {
	FriendsFacts(ctx context.Context, account *Account, lineUserIDs []string) ([]*FriendFacts, error)
}

// MembersAmong reports which of the friends (LINE user IDs, a page of a
// friend list) are in the segment at m.Now, reading them at once. A friend
// gone since the page was read is not a member; a segment whose stored
// filter no longer parses holds nobody.
func (m Matcher) MembersAmong(ctx context.Context, st FactsReader, a *Account, seg *Segment, ids []string) (map[string]bool, error) {
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = false
	}
	f, err := ParseFilter(seg.Filter)
	if err != nil {
		return out, nil
	}
	facts, err := st.FriendsFacts(ctx, a, ids)
	if err != nil {
		return nil, err
	}
	for _, ff := range facts {
		out[ff.LineUserID] = m.MatchFacts(f, ff)
	}
	return out, nil
}

// Previewer answers previews: the engine in a server, else the database.
type Previewer interface {
	Preview(ctx context.Context, account *Account, req PreviewRequest) (*Preview, error)
}

// Recount sets each segment's Count and CountedAt to its number of friends
// now, so that a list shows current counts, never a stale snapshot. A
// segment whose filter no longer holds (a restored one naming a deleted
// tag) gets no count.
func Recount(ctx context.Context, p Previewer, a *Account, segs []*Segment) error {
	for _, s := range segs {
		pv, err := p.Preview(ctx, a, PreviewRequest{Filter: s.Filter, CountOnly: true})
		switch {
		case err == nil:
			at := pv.EvaluatedAt
			s.Count, s.CountedAt = &pv.Count, &at
		case ErrorCode(err) == EINTERNAL:
			return err
		default:
			s.Count, s.CountedAt = nil, nil
		}
	}
	return nil
}

// CopyName names a copy of the live segment id: "NAME (copy)", then
// "NAME (copy 2)", … (「NAMEのコピー」, 「NAMEのコピー（2）」 in Japanese), the
// first that no live segment has, NAME shortened to keep within
// MaxNameLength. ENOTFOUND when id is not among live.
func CopyName(live []*Segment, id int64, lang string) (string, error) {
	var name string
	taken := make(map[string]bool, len(live))
	for _, s := range live {
		taken[s.Name] = true
		if s.ID == id {
			name = s.Name
		}
	}
	if name == "" {
		return "", Errorf(ENOTFOUND, "no segment %d", id)
	}
	suffix := func(n int) string {
		switch {
		case lang == "ja" && n == 1:
			return "のコピー"
		case lang == "ja":
			return fmt.Sprintf("のコピー（%d）", n)
		case n == 1:
			return " (copy)"
		}
		return fmt.Sprintf(" (copy %d)", n)
	}
	for n := 1; ; n++ {
		base, end := []rune(name), suffix(n)
		if room := MaxNameLength - utf8.RuneCountInString(end); len(base) > room {
			base = base[:max(0, room)]
		}
		if candidate := string(base) + end; !taken[candidate] || n > len(live) {
			return candidate, nil
		}
	}
}
