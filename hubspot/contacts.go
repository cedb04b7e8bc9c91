package hubspot

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kizuna-line/kizuna"
)

// Contact is one HubSpot contact. Property values are strings as HubSpot
// sends them, nil when unset.
type Contact struct {
	ID         string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Archived   bool
	Properties map[string]*string
	// LineUserID is the LINE user ID property's value ("" when unset).
	LineUserID string
}

// Prop returns a property's value, "" when unset.
func (c *Contact) Prop(name string) string {
	if v := c.Properties[name]; v != nil {
		return *v
	}
	return ""
}

type contactJSON struct {
	ID         string             `json:"id"`
	Properties map[string]*string `json:"properties"`
	CreatedAt  time.Time          `json:"createdAt"`
	UpdatedAt  time.Time          `json:"updatedAt"`
	Archived   bool               `json:"archived"`
}

func (c *Client) contact(j contactJSON) Contact {
	out := Contact{ID: j.ID, CreatedAt: j.CreatedAt, UpdatedAt: j.UpdatedAt, Archived: j.Archived, Properties: j.Properties}
	if out.Properties == nil {
		out.Properties = map[string]*string{}
	}
	if v := out.Properties[c.lineID]; v != nil {
		out.LineUserID = *v
	}
	return out
}

type pagingJSON struct {
	Next *struct {
		After string `json:"after"`
	} `json:"next"`
}

func (p *pagingJSON) after() string {
	if p == nil || p.Next == nil {
		return ""
	}
	return p.Next.After
}

// props is the properties to ask for: the caller's, with the LINE user ID
// property and the dates.
func (c *Client) props(asked []string) []string {
	out := slices.Clone(asked)
	for _, p := range []string{c.lineID, "lastmodifieddate", "createdate", "hs_object_id"} {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// Page is one page of contacts. Next is the cursor of the following page
// ("" on the last): persist it to resume after a crash.
type Page struct {
	Contacts []Contact
	Next     string
}

// ListContacts returns one page of contacts in ID order, from after (""
// for the first page), at most limit (1 to 100; 0 means 100), with the
// properties asked for (and the LINE user ID property). Unknown
// properties are ignored by HubSpot.
func (c *Client) ListContacts(ctx context.Context, after string, limit int, props []string) (*Page, error) {
	if limit <= 0 || limit > ContactsPageMax {
		limit = ContactsPageMax
	}
	q := url.Values{"limit": {strconv.Itoa(limit)}, "archived": {"false"}, "properties": {strings.Join(c.props(props), ",")}}
	if after != "" {
		q.Set("after", after)
	}
	var out struct {
		Results []contactJSON `json:"results"`
		Paging  *pagingJSON   `json:"paging"`
	}
	if _, err := c.do(ctx, call{method: http.MethodGet, rest: "objects/contacts", query: q}, &out); err != nil {
		return nil, err
	}
	p := &Page{Contacts: make([]Contact, len(out.Results)), Next: out.Paging.after()}
	for i, r := range out.Results {
		p.Contacts[i] = c.contact(r)
	}
	return p, nil
}

// WalkContacts reads every contact from after ("" for the start), a page
// at a time: fn gets each page and should persist page.Next, the cursor to
// resume from. It stops at the last page, or at fn's first error.
func (c *Client) WalkContacts(ctx context.Context, after string, props []string, fn func(*Page) error) error {
	for {
		p, err := c.ListContacts(ctx, after, ContactsPageMax, props)
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

// Filter is one search filter: Value for the comparisons, HighValue too
// for BETWEEN, Values for IN and NOT_IN.
type Filter struct {
	PropertyName string   `json:"propertyName"`
	Operator     string   `json:"operator"`
	Value        string   `json:"value,omitempty"`
	HighValue    string   `json:"highValue,omitempty"`
	Values       []string `json:"values,omitempty"`
}

// FilterGroup is filters that must all hold; groups are alternatives.
type FilterGroup struct {
	Filters []Filter `json:"filters"`
}

// Sort orders search results.
type Sort struct {
	PropertyName string `json:"propertyName"`
	Direction    string `json:"direction"` // ASCENDING or DESCENDING
}

// SearchRequest is a contact search. Limit is 1 to 200 (0: 200); After is
// the offset from the previous page.
type SearchRequest struct {
	FilterGroups []FilterGroup `json:"filterGroups"`
	Properties   []string      `json:"properties"`
	Sorts        []Sort        `json:"sorts,omitempty"`
	Limit        int           `json:"limit"`
	After        string        `json:"after,omitempty"`
}

// SearchPage is one page of search results; Next is "" on the last.
type SearchPage struct {
	Total    int
	Contacts []Contact
	Next     string
}

// Search runs a contact search (one page). HubSpot's search is eventually
// consistent (a write can take seconds to show) and pages no deeper than
// 10,000 results: WalkUpdatedSince slices past it.
func (c *Client) Search(ctx context.Context, req SearchRequest) (*SearchPage, error) {
	if req.Limit <= 0 || req.Limit > SearchPageMax {
		req.Limit = SearchPageMax
	}
	req.Properties = c.props(req.Properties)
	if req.FilterGroups == nil {
		req.FilterGroups = []FilterGroup{}
	}
	var out struct {
		Total   int           `json:"total"`
		Results []contactJSON `json:"results"`
		Paging  *pagingJSON   `json:"paging"`
	}
	if _, err := c.do(ctx, call{method: http.MethodPost, rest: "objects/contacts/search", body: req, search: true}, &out); err != nil {
		return nil, err
	}
	p := &SearchPage{Total: out.Total, Contacts: make([]Contact, len(out.Results)), Next: out.Paging.after()}
	for i, r := range out.Results {
		p.Contacts[i] = c.contact(r)
	}
	return p, nil
}

// UpdatedCursor is where a walk of the contacts updated since a time
// stands: Since, and the last contact ID read (the walk goes in ID order).
// Its String form is what to persist.
type UpdatedCursor struct {
	Since   time.Time
	AfterID string
}

// String encodes the cursor as "<since ms>:<after id>".
func (u UpdatedCursor) String() string {
	return strconv.FormatInt(u.Since.UnixMilli(), 10) + ":" + u.AfterID
}

// ParseUpdatedCursor decodes UpdatedCursor.String.
func ParseUpdatedCursor(s string) (UpdatedCursor, error) {
	ms, id, ok := strings.Cut(s, ":")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil {
		return UpdatedCursor{}, kizuna.Errorf(kizuna.EINVALID, "%q is not a HubSpot sync cursor", s)
	}
	if id != "" {
		if _, err := strconv.ParseUint(id, 10, 64); err != nil {
			return UpdatedCursor{}, kizuna.Errorf(kizuna.EINVALID, "%q is not a HubSpot sync cursor", s)
		}
	}
	return UpdatedCursor{Since: time.UnixMilli(n), AfterID: id}, nil
}

// WalkUpdatedSince reads the contacts whose lastmodifieddate is at or
// after cur.Since, in ID order, from after cur.AfterID: each request is a
// search for lastmodifieddate GTE Since and hs_object_id GT the last ID
// read, so the walk never pages past HubSpot's 10,000-result limit and
// resumes exactly from its cursor. fn gets each page with the cursor to
// persist. Search lags writes by seconds: the next walk's Since should be
// the start of this one less a margin (a minute); a contact read twice is
// harmless when applied by its UpdatedAt.
func (c *Client) WalkUpdatedSince(ctx context.Context, cur UpdatedCursor, props []string, fn func(contacts []Contact, next UpdatedCursor) error) error {
	for {
		fs := []Filter{{PropertyName: "lastmodifieddate", Operator: "GTE", Value: strconv.FormatInt(cur.Since.UnixMilli(), 10)}}
		if cur.AfterID != "" {
			fs = append(fs, Filter{PropertyName: "hs_object_id", Operator: "GT", Value: cur.AfterID})
		}
		p, err := c.Search(ctx, SearchRequest{FilterGroups: []FilterGroup{{Filters: fs}}, Properties: props,
			Sorts: []Sort{{PropertyName: "hs_object_id", Direction: "ASCENDING"}}, Limit: SearchPageMax})
		if err != nil {
			return err
		}
		if len(p.Contacts) == 0 {
			return nil
		}
		cur.AfterID = p.Contacts[len(p.Contacts)-1].ID
		if err := fn(p.Contacts, cur); err != nil {
			return err
		}
		if p.Next == "" {
			return nil
		}
	}
}

// ReadContacts reads contacts by ID (a webhook's objectIds), in batches of
// 100. missing are the IDs HubSpot does not have (deleted, merged away).
func (c *Client) ReadContacts(ctx context.Context, ids []string, props []string) (found []Contact, missing []string, err error) {
	props = c.props(props)
	for chunk := range slices.Chunk(ids, BatchReadMax) {
		in := struct {
			Properties []string `json:"properties"`
			Inputs     []struct {
				ID string `json:"id"`
			} `json:"inputs"`
		}{Properties: props}
		for _, id := range chunk {
			in.Inputs = append(in.Inputs, struct {
				ID string `json:"id"`
			}{id})
		}
		var out struct {
			Results []contactJSON `json:"results"`
			Errors  []struct {
				Category string `json:"category"`
				Context  struct {
					IDs []string `json:"ids"`
				} `json:"context"`
			} `json:"errors"`
		}
		if _, err := c.do(ctx, call{method: http.MethodPost, rest: "objects/contacts/batch/read", body: in}, &out); err != nil {
			return nil, nil, err
		}
		for _, r := range out.Results {
			found = append(found, c.contact(r))
		}
		for _, e := range out.Errors {
			missing = append(missing, e.Context.IDs...)
		}
	}
	return found, missing, nil
}

// Property is a contact property's definition: the catalog is built from
// them.
type Property struct {
	Name      string   `json:"name"`
	Label     string   `json:"label"`
	Type      string   `json:"type"`      // string, number, date, datetime, enumeration, bool, phone_number
	FieldType string   `json:"fieldType"` // text, select, checkbox, booleancheckbox, …
	GroupName string   `json:"groupName"`
	Options   []Option `json:"options"`
	Hidden    bool     `json:"hidden"`
	// Calculated and ModificationMetadata.ReadOnlyValue mark a property
	// whose value HubSpot computes: nobody sets it by hand.
	Calculated           bool                 `json:"calculated"`
	ModificationMetadata ModificationMetadata `json:"modificationMetadata"`
}

// ModificationMetadata says what of a property may change.
type ModificationMetadata struct {
	ReadOnlyValue bool `json:"readOnlyValue"`
}

// Option is one option of an enumeration: Value is what contacts store.
type Option struct {
	Label  string `json:"label"`
	Value  string `json:"value"`
	Hidden bool   `json:"hidden"`
}

// MultiValued reports whether the property stores several options joined
// with ";" (a multi-select checkbox).
func (p *Property) MultiValued() bool { return p.Type == "enumeration" && p.FieldType == "checkbox" }

// Properties returns the contact properties of the account.
func (c *Client) Properties(ctx context.Context) ([]Property, error) {
	var out struct {
		Results []Property `json:"results"`
	}
	if _, err := c.do(ctx, call{method: http.MethodGet, rest: "properties/contacts"}, &out); err != nil {
		return nil, err
	}
	return out.Results, nil
}

// GetProperty returns one contact property.
func (c *Client) GetProperty(ctx context.Context, name string) (*Property, error) {
	var out Property
	if _, err := c.do(ctx, call{method: http.MethodGet, rest: "properties/contacts/" + url.PathEscape(name)}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// decode helper for IDs that may come as numbers or strings.
func idString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return strings.TrimSpace(string(raw))
}
