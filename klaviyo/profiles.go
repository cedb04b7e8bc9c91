package klaviyo

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kizuna-line/kizuna"
)

// Profile is a Klaviyo profile as Kizuna maps it.
type Profile struct {
	ID         string
	Email      string
	Phone      string
	ExternalID string
	Created    time.Time
	Updated    time.Time
	// Properties are the custom properties, each value as Klaviyo sent it.
	Properties map[string]json.RawMessage
	// LineUserID is the LINE user ID property's value when it is a string
	// ("" otherwise).
	LineUserID string
	// JoinedAt is when the profile joined the list (list members only).
	JoinedAt *time.Time
}

// List is a Klaviyo list or segment.
type List struct {
	ID      string
	Name    string
	Created time.Time
	Updated time.Time
}

// resource is a JSON:API resource as read.
type resource struct {
	Type       string `json:"type"`
	ID         string `json:"id"`
	Attributes struct {
		Email      *string                    `json:"email"`
		Phone      *string                    `json:"phone_number"`
		ExternalID *string                    `json:"external_id"`
		Name       string                     `json:"name"`
		Created    string                     `json:"created"`
		Updated    string                     `json:"updated"`
		Joined     string                     `json:"joined_group_at"`
		Properties map[string]json.RawMessage `json:"properties"`
	} `json:"attributes"`
}

// page is a JSON:API collection as read.
type page struct {
	Data  []resource `json:"data"`
	Links struct {
		Next *string `json:"next"`
	} `json:"links"`
}

func (p *page) next() string {
	if p.Links.Next == nil {
		return ""
	}
	return *p.Links.Next
}

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339, s)
	return t
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (c *Client) profile(r *resource) Profile {
	a := &r.Attributes
	p := Profile{ID: r.ID, Email: str(a.Email), Phone: str(a.Phone), ExternalID: str(a.ExternalID),
		Created: parseTime(a.Created), Updated: parseTime(a.Updated), Properties: a.Properties}
	if p.Properties == nil {
		p.Properties = map[string]json.RawMessage{}
	}
	if raw, ok := p.Properties[c.cfg.LineUserIDProperty]; ok {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			p.LineUserID = strings.TrimSpace(s)
		}
	}
	if a.Joined != "" {
		t := parseTime(a.Joined)
		p.JoinedAt = &t
	}
	return p
}

// ProfilePage is one page of profiles. Next is the cursor of the page
// after it ("" on the last page): persist it once the page is applied, and
// pass it back to carry on after a crash.
type ProfilePage struct {
	Profiles []Profile
	Next     string
}

// ProfileQuery narrows and orders a profile read.
type ProfileQuery struct {
	// Filter is a Klaviyo filter expression, such as
	// equals(email,"a@b.com").
	Filter string
	// Sort is a sort field, such as "updated".
	Sort string
	// PageSize is 1 to ProfilesPageMax (default ProfilesPageMax).
	PageSize int
}

// Profiles reads profiles page by page, calling fn with each, from cursor
// ("" to start; a ProfilePage.Next to resume, in which case q is already
// in the cursor and ignored). It stops at the first error, fn's included.
func (c *Client) Profiles(ctx context.Context, q ProfileQuery, cursor string, fn func(*ProfilePage) error) error {
	next := cursor
	if next == "" {
		v := url.Values{"page[size]": {strconv.Itoa(pageSize(q.PageSize, ProfilesPageMax))}}
		if q.Filter != "" {
			v.Set("filter", q.Filter)
		}
		if q.Sort != "" {
			v.Set("sort", q.Sort)
		}
		next = c.url("/api/profiles", v)
	}
	return c.profilePages(ctx, next, fn)
}

// UpdatedSince reads, oldest change first, the profiles whose updated is
// at or after since: every profile whose properties or list memberships
// changed since the last poll (Klaviyo moves updated on both). updated
// has whole seconds, so the filter starts a second early: a profile that
// changed later in the second of the last one seen is not missed; the
// few seen again are the same data and applying them is idempotent.
// Resume with a ProfilePage.Next as cursor; since is then ignored.
func (c *Client) UpdatedSince(ctx context.Context, since time.Time, cursor string, fn func(*ProfilePage) error) error {
	q := ProfileQuery{Sort: "updated"}
	if !since.IsZero() {
		q.Filter = "greater-than(updated," + since.UTC().Truncate(time.Second).Add(-time.Second).Format(time.RFC3339) + ")"
	}
	return c.Profiles(ctx, q, cursor, fn)
}

// ProfilesByID reads the profiles with the given ids (at most 100; the
// unknown ones are absent).
func (c *Client) ProfilesByID(ctx context.Context, ids []string) ([]Profile, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	if len(ids) > ProfilesPageMax {
		return nil, kizuna.Errorf(kizuna.EINVALID, "read at most %d Klaviyo profiles by id at once", ProfilesPageMax)
	}
	quoted := make([]string, len(ids))
	for i, id := range ids {
		b, _ := json.Marshal(id)
		quoted[i] = string(b)
	}
	var out []Profile
	err := c.Profiles(ctx, ProfileQuery{Filter: "any(id,[" + strings.Join(quoted, ",") + "])"}, "", func(p *ProfilePage) error {
		out = append(out, p.Profiles...)
		return nil
	})
	return out, err
}

// Profile reads one profile.
func (c *Client) Profile(ctx context.Context, id string) (Profile, error) {
	var doc struct {
		Data resource `json:"data"`
	}
	if err := c.get(ctx, c.url("/api/profiles/"+url.PathEscape(id), nil), &doc); err != nil {
		return Profile{}, err
	}
	return c.profile(&doc.Data), nil
}

func (c *Client) profilePages(ctx context.Context, next string, fn func(*ProfilePage) error) error {
	for next != "" {
		u, err := c.sameOrigin(next)
		if err != nil {
			return err
		}
		var pg page
		if err := c.get(ctx, u, &pg); err != nil {
			return err
		}
		out := &ProfilePage{Profiles: make([]Profile, len(pg.Data)), Next: pg.next()}
		for i := range pg.Data {
			out.Profiles[i] = c.profile(&pg.Data[i])
		}
		if err := fn(out); err != nil {
			return err
		}
		next = out.Next
	}
	return nil
}

func pageSize(n, maxSize int) int {
	if n <= 0 || n > maxSize {
		return maxSize
	}
	return n
}
