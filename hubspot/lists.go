package hubspot

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// List is a HubSpot list of contacts (a "segment" in HubSpot's UI).
type List struct {
	ID             string
	Name           string
	ProcessingType string // MANUAL, DYNAMIC or SNAPSHOT
	Size           int64  // -1 when HubSpot did not say
	UpdatedAt      time.Time
}

type listJSON struct {
	ListID               string            `json:"listId"`
	Name                 string            `json:"name"`
	ObjectTypeID         string            `json:"objectTypeId"`
	ProcessingType       string            `json:"processingType"`
	UpdatedAt            time.Time         `json:"updatedAt"`
	AdditionalProperties map[string]string `json:"additionalProperties"`
}

func (j listJSON) list() List {
	l := List{ID: j.ListID, Name: j.Name, ProcessingType: j.ProcessingType, Size: -1, UpdatedAt: j.UpdatedAt}
	if n, err := strconv.ParseInt(j.AdditionalProperties["hs_list_size"], 10, 64); err == nil {
		l.Size = n
	}
	return l
}

// ListsPageMax is the most lists one lists search returns.
const ListsPageMax = 500

// SearchLists returns one page of the account's contact lists from offset
// (offset paging, unlike the rest of HubSpot): next is the offset of the
// following page, more whether there is one.
func (c *Client) SearchLists(ctx context.Context, offset, count int) (lists []List, next int, more bool, err error) {
	if count <= 0 || count > ListsPageMax {
		count = ListsPageMax
	}
	in := map[string]any{"offset": offset, "count": count, "additionalProperties": []string{"hs_list_size"}}
	var out struct {
		Lists   []listJSON `json:"lists"`
		HasMore bool       `json:"hasMore"`
		Offset  int        `json:"offset"`
	}
	if _, err := c.do(ctx, call{method: http.MethodPost, rest: "lists/search", body: in}, &out); err != nil {
		return nil, 0, false, err
	}
	for _, j := range out.Lists {
		if j.ObjectTypeID == "" || j.ObjectTypeID == "0-1" {
			lists = append(lists, j.list())
		}
	}
	return lists, out.Offset, out.HasMore, nil
}

// AllLists returns every contact list of the account.
func (c *Client) AllLists(ctx context.Context) ([]List, error) {
	var all []List
	for offset := 0; ; {
		lists, next, more, err := c.SearchLists(ctx, offset, ListsPageMax)
		if err != nil {
			return nil, err
		}
		all = append(all, lists...)
		if !more || next <= offset {
			return all, nil
		}
		offset = next
	}
}

// GetList returns one list.
func (c *Client) GetList(ctx context.Context, id string) (*List, error) {
	var out struct {
		List listJSON `json:"list"`
	}
	if _, err := c.do(ctx, call{method: http.MethodGet, rest: "lists/" + url.PathEscape(id)}, &out); err != nil {
		return nil, err
	}
	l := out.List.list()
	return &l, nil
}

// ListByName returns the contact list of that name.
func (c *Client) ListByName(ctx context.Context, name string) (*List, error) {
	var out struct {
		List listJSON `json:"list"`
	}
	if _, err := c.do(ctx, call{method: http.MethodGet, rest: "lists/object-type-id/0-1/name/" + url.PathEscape(name)}, &out); err != nil {
		return nil, err
	}
	l := out.List.list()
	return &l, nil
}

// CreateList makes a contact list (processingType MANUAL, DYNAMIC or
// SNAPSHOT; a DYNAMIC one needs filters, which this client does not send).
func (c *Client) CreateList(ctx context.Context, name, processingType string) (*List, error) {
	in := map[string]string{"name": name, "objectTypeId": "0-1", "processingType": processingType}
	var out struct {
		List listJSON `json:"list"`
	}
	if _, err := c.do(ctx, call{method: http.MethodPost, rest: "lists", body: in}, &out); err != nil {
		return nil, err
	}
	l := out.List.list()
	return &l, nil
}

// Membership is one contact in a list, since At.
type Membership struct {
	RecordID string
	At       time.Time
}

// MembershipPage is one page of a list's members; Next is the cursor of
// the following page ("" on the last), to persist to resume.
type MembershipPage struct {
	Members []Membership
	Next    string
	Total   int
}

// Memberships returns one page of a list's members from after ("" for the
// first page), at most limit (1 to 250; 0 means 250).
func (c *Client) Memberships(ctx context.Context, listID, after string, limit int) (*MembershipPage, error) {
	if limit <= 0 || limit > MembershipsPageMax {
		limit = MembershipsPageMax
	}
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	if after != "" {
		q.Set("after", after)
	}
	var out struct {
		Results []struct {
			RecordID            string    `json:"recordId"`
			MembershipTimestamp time.Time `json:"membershipTimestamp"`
		} `json:"results"`
		Paging *pagingJSON `json:"paging"`
		Total  int         `json:"total"`
	}
	if _, err := c.do(ctx, call{method: http.MethodGet, rest: "lists/" + url.PathEscape(listID) + "/memberships", query: q}, &out); err != nil {
		return nil, err
	}
	p := &MembershipPage{Members: make([]Membership, len(out.Results)), Next: out.Paging.after(), Total: out.Total}
	for i, r := range out.Results {
		p.Members[i] = Membership{RecordID: r.RecordID, At: r.MembershipTimestamp}
	}
	return p, nil
}

// WalkMemberships reads a list's members from after, a page at a time;
// fn should persist page.Next.
func (c *Client) WalkMemberships(ctx context.Context, listID, after string, fn func(*MembershipPage) error) error {
	for {
		p, err := c.Memberships(ctx, listID, after, MembershipsPageMax)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
		if p.Next == "" {
			return nil
		}
		after = p.Next
	}
}

// ContactLists returns the IDs of the lists a contact is in.
func (c *Client) ContactLists(ctx context.Context, contactID string) ([]string, error) {
	var out struct {
		Results []struct {
			ListID string `json:"listId"`
		} `json:"results"`
	}
	if _, err := c.do(ctx, call{method: http.MethodGet, rest: "lists/records/0-1/" + url.PathEscape(contactID) + "/memberships"}, &out); err != nil {
		return nil, err
	}
	ids := make([]string, len(out.Results))
	for i, r := range out.Results {
		ids[i] = r.ListID
	}
	return ids, nil
}

// MembershipChange is HubSpot's answer to adding or removing members:
// the IDs that changed, and those it does not know.
type MembershipChange struct {
	Added   []string
	Removed []string
	Missing []string
}

// AddToList adds contacts to a MANUAL or SNAPSHOT list (a DYNAMIC one
// refuses).
func (c *Client) AddToList(ctx context.Context, listID string, ids []string) (*MembershipChange, error) {
	return c.changeList(ctx, listID, "add", ids)
}

// RemoveFromList removes contacts from a MANUAL or SNAPSHOT list.
func (c *Client) RemoveFromList(ctx context.Context, listID string, ids []string) (*MembershipChange, error) {
	return c.changeList(ctx, listID, "remove", ids)
}

func (c *Client) changeList(ctx context.Context, listID, op string, ids []string) (*MembershipChange, error) {
	if ids == nil {
		ids = []string{}
	}
	var out struct {
		Added   []string `json:"recordsIdsAdded"` // sic: HubSpot's spelling
		Removed []string `json:"recordIdsRemoved"`
		Missing []string `json:"recordIdsMissing"`
	}
	rest := "lists/" + url.PathEscape(listID) + "/memberships/" + strings.ToLower(op)
	if _, err := c.do(ctx, call{method: http.MethodPut, rest: rest, body: ids}, &out); err != nil {
		return nil, err
	}
	return &MembershipChange{Added: out.Added, Removed: out.Removed, Missing: out.Missing}, nil
}
