package klaviyo

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
)

// Lists returns every list of the account (Klaviyo pages lists by ten).
func (c *Client) Lists(ctx context.Context) ([]List, error) {
	return c.groups(ctx, "/api/lists")
}

// Segments returns every segment of the account.
func (c *Client) Segments(ctx context.Context) ([]List, error) {
	return c.groups(ctx, "/api/segments")
}

func (c *Client) groups(ctx context.Context, path string) ([]List, error) {
	next := c.url(path, url.Values{"page[size]": {strconv.Itoa(ListsPageMax)}})
	var out []List
	for next != "" {
		u, err := c.sameOrigin(next)
		if err != nil {
			return nil, err
		}
		var pg page
		if err := c.get(ctx, u, &pg); err != nil {
			return nil, err
		}
		out = append(out, groupsOf(&pg)...)
		next = pg.next()
	}
	return out, nil
}

func groupsOf(pg *page) []List {
	out := make([]List, 0, len(pg.Data))
	for _, r := range pg.Data {
		out = append(out, List{ID: r.ID, Name: r.Attributes.Name, Created: parseTime(r.Attributes.Created), Updated: parseTime(r.Attributes.Updated)})
	}
	return out
}

// ProfileLists returns the lists a profile is a member of.
func (c *Client) ProfileLists(ctx context.Context, profileID string) ([]List, error) {
	var pg page
	if err := c.get(ctx, c.url("/api/profiles/"+url.PathEscape(profileID)+"/lists", nil), &pg); err != nil {
		return nil, err
	}
	return groupsOf(&pg), nil
}

// ProfileSegments returns the segments a profile is a member of.
func (c *Client) ProfileSegments(ctx context.Context, profileID string) ([]List, error) {
	var pg page
	if err := c.get(ctx, c.url("/api/profiles/"+url.PathEscape(profileID)+"/segments", nil), &pg); err != nil {
		return nil, err
	}
	return groupsOf(&pg), nil
}

// MemberPage is one page of a list's or segment's members: their profile
// ids, in the order they joined. Next is the cursor of the page after it
// ("" on the last page).
type MemberPage struct {
	IDs  []string
	Next string
}

// ListMembers reads the ids of a list's members now, page by page, from
// cursor ("" to start): what a reconcile compares with what it holds. It
// reads the relationship route, which carries ids only.
func (c *Client) ListMembers(ctx context.Context, listID, cursor string, fn func(*MemberPage) error) error {
	return c.members(ctx, "/api/lists/"+url.PathEscape(listID)+"/relationships/profiles", cursor, fn)
}

// SegmentMembers reads the ids of a segment's members now, as ListMembers
// does.
func (c *Client) SegmentMembers(ctx context.Context, segmentID, cursor string, fn func(*MemberPage) error) error {
	return c.members(ctx, "/api/segments/"+url.PathEscape(segmentID)+"/relationships/profiles", cursor, fn)
}

func (c *Client) members(ctx context.Context, path, cursor string, fn func(*MemberPage) error) error {
	next := cursor
	if next == "" {
		next = c.url(path, url.Values{"page[size]": {strconv.Itoa(MembersPageMax)}})
	}
	for next != "" {
		u, err := c.sameOrigin(next)
		if err != nil {
			return err
		}
		var pg page
		if err := c.get(ctx, u, &pg); err != nil {
			return err
		}
		mp := &MemberPage{IDs: make([]string, len(pg.Data)), Next: pg.next()}
		for i, r := range pg.Data {
			mp.IDs[i] = r.ID
		}
		if err := fn(mp); err != nil {
			return err
		}
		next = mp.Next
	}
	return nil
}

// ListProfiles reads a list's members as full profiles (with JoinedAt),
// page by page, from cursor ("" to start).
func (c *Client) ListProfiles(ctx context.Context, listID, cursor string, fn func(*ProfilePage) error) error {
	next := cursor
	if next == "" {
		next = c.url("/api/lists/"+url.PathEscape(listID)+"/profiles", url.Values{"page[size]": {strconv.Itoa(MembersPageMax)}})
	}
	return c.profilePages(ctx, next, fn)
}

// AddToList adds profiles to a list, a thousand a call. It does not give
// marketing consent.
func (c *Client) AddToList(ctx context.Context, listID string, profileIDs []string) error {
	return c.membership(ctx, http.MethodPost, listID, profileIDs)
}

// RemoveFromList removes profiles from a list, a thousand a call.
func (c *Client) RemoveFromList(ctx context.Context, listID string, profileIDs []string) error {
	return c.membership(ctx, http.MethodDelete, listID, profileIDs)
}

func (c *Client) membership(ctx context.Context, method, listID string, ids []string) error {
	u := c.url("/api/lists/"+url.PathEscape(listID)+"/relationships/profiles", nil)
	for len(ids) > 0 {
		n := min(len(ids), MembershipBatchMax)
		type ident struct {
			Type string `json:"type"`
			ID   string `json:"id"`
		}
		data := make([]ident, n)
		for i, id := range ids[:n] {
			data[i] = ident{"profile", id}
		}
		body, _ := json.Marshal(map[string]any{"data": data})
		if _, _, err := c.do(ctx, method, u, body, true); err != nil { // adding a member twice changes nothing
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// CreateList creates a list and returns it. A failure after the request
// went out is not retried: the list may exist.
func (c *Client) CreateList(ctx context.Context, name string) (List, error) {
	body, _ := json.Marshal(map[string]any{"data": map[string]any{"type": "list", "attributes": map[string]string{"name": name}}})
	b, _, err := c.do(ctx, http.MethodPost, c.url("/api/lists", nil), body, false)
	if err != nil {
		return List{}, err
	}
	var doc struct {
		Data resource `json:"data"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return List{}, err
	}
	return List{ID: doc.Data.ID, Name: doc.Data.Attributes.Name, Created: parseTime(doc.Data.Attributes.Created), Updated: parseTime(doc.Data.Attributes.Updated)}, nil
}
