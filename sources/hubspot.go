package sources

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/hubspot"
	"github.com/kizuna-line/kizuna/jobs"
)

func init() { readers[kizuna.SourceHubSpot] = newHubSpot }

// HubSpot connection config keys: api_version (the client's path family,
// default hubspot.DefaultVersion), line_user_id_property (default
// line_user_id) and properties (optional: the contact properties to
// read, comma-separated; default every property HubSpot defines for
// contacts but the LINE user ID, hs_object_id and lastmodifieddate).
const (
	hubspotConfigVersion    = "api_version"
	hubspotConfigLineUserID = "line_user_id_property"
	hubspotConfigProperties = "properties"
)

// hubspotReader reads a HubSpot account's contacts. A backfill, a
// reconcile and a poll without a since walk the contacts in ID order (the
// cursor is HubSpot's "after"); a poll searches those modified since
// (the cursor is hubspot.UpdatedCursor's string, which carries its since,
// so a resumed poll goes on with the same one). List memberships are read
// once per reader, list by list, into a map of contact ID → list IDs (one
// request per 250 members, not one per contact); a poll then reads the
// contacts that joined a list since (cursors "m<contact ID>"), since
// joining does not change lastmodifieddate. Leaving a list shows at the
// next reconcile.
type hubspotReader struct {
	c     *hubspot.Client
	since time.Time
	asked []string // the properties= config, nil: every one defined

	// meta is the properties and lists last read (catalog.go).
	meta hubspotMeta

	loaded  bool
	defs    map[string]hubspot.Property
	names   []string
	members map[string][]string
	// joined are the contacts that joined a list at or after since, in
	// ID order: a membership does not change a contact's
	// lastmodifieddate, so a poll reads them after its search.
	joined []string
}

func newHubSpot(c *kizuna.Connection, secrets kizuna.ConnectionSecrets, since time.Time, o Options) (jobs.SourceReader, error) {
	cl, err := hubspot.New(hubspot.Config{
		BaseURL:            c.APIBase,
		AccessToken:        secrets["access_token"],
		Version:            c.Config[hubspotConfigVersion],
		LineUserIDProperty: c.Config[hubspotConfigLineUserID],
		HTTPClient:         o.HTTPClient,
		Now:                o.Now,
		Sleep:              o.Sleep,
	})
	if err != nil {
		return nil, err
	}
	r := &hubspotReader{c: cl, since: since}
	for p := range strings.SplitSeq(c.Config[hubspotConfigProperties], ",") {
		if p = strings.TrimSpace(p); p != "" && p != cl.LineUserIDProperty() && !slices.Contains(r.asked, p) {
			r.asked = append(r.asked, p)
		}
	}
	return r, nil
}

// load reads the property definitions and every list's members, once.
func (r *hubspotReader) load(ctx context.Context) error {
	if r.loaded {
		return nil
	}
	props, err := r.properties(ctx)
	if err != nil {
		return err
	}
	defs, names := hubspot.IndexProperties(props), r.namesOf(props)
	lists, err := r.readLists(ctx)
	if err != nil {
		return err
	}
	members := map[string][]string{}
	var joined []string
	for _, l := range lists {
		err := r.c.WalkMemberships(ctx, l.ID, "", func(p *hubspot.MembershipPage) error {
			for _, m := range p.Members {
				members[m.RecordID] = append(members[m.RecordID], l.ID)
				if !r.since.IsZero() && !m.At.Before(r.since) {
					joined = append(joined, m.RecordID)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for _, ids := range members {
		slices.SortFunc(ids, compareHubSpotIDs)
	}
	slices.SortFunc(joined, compareHubSpotIDs)
	r.joined = slices.Compact(joined)
	r.defs, r.names, r.members, r.loaded = defs, names, members, true
	return nil
}

// propertyNames reads the property definitions now (not the reader's
// copy: the webhook receiver refreshes them) and names those a record
// carries.
func (r *hubspotReader) propertyNames(ctx context.Context) (map[string]hubspot.Property, []string, error) {
	props, err := r.c.Properties(ctx)
	if err != nil {
		return nil, nil, err
	}
	return hubspot.IndexProperties(props), r.namesOf(props), nil
}

// namesOf names the properties a record carries: those the connection
// asks for, else every one but the LINE user ID and those the sync does
// not store.
func (r *hubspotReader) namesOf(props []hubspot.Property) []string {
	if r.asked != nil {
		return r.asked
	}
	var names []string
	for _, p := range props {
		switch p.Name {
		case r.c.LineUserIDProperty(), "hs_object_id", "lastmodifieddate":
			continue
		}
		names = append(names, p.Name)
	}
	return names
}

// compareHubSpotIDs orders numeric IDs by number.
func compareHubSpotIDs(a, b string) int {
	return cmp.Or(cmp.Compare(len(a), len(b)), strings.Compare(a, b))
}

var errHubSpotPage = errors.New("sources: one page read")

func (r *hubspotReader) Page(ctx context.Context, kind, cursor string) (*jobs.SourcePage, error) {
	switch kind {
	case kizuna.SyncBackfill, kizuna.SyncReconcile, kizuna.SyncPoll:
	default:
		return nil, kizuna.Errorf(kizuna.EINVALID, "the sync kind %q is not backfill, reconcile or poll", kind)
	}
	if err := checkHubSpotCursor(kind, cursor); err != nil {
		return nil, err
	}
	if err := r.load(ctx); err != nil {
		return nil, err
	}
	if kind != kizuna.SyncPoll || (r.since.IsZero() && cursor == "") || strings.HasPrefix(cursor, "a") {
		// Every contact; a poll's cursor of this walk starts with "a".
		after := cursor
		if kind == kizuna.SyncPoll {
			after = strings.TrimPrefix(cursor, "a")
		}
		p, err := r.c.ListContacts(ctx, after, hubspot.ContactsPageMax, r.names)
		if err != nil {
			return nil, err
		}
		page := &jobs.SourcePage{Records: r.records(p.Contacts), Next: p.Next, Done: p.Next == ""}
		if kind == kizuna.SyncPoll && p.Next != "" {
			page.Next = "a" + p.Next
		}
		return page, nil
	}
	if after, ok := strings.CutPrefix(cursor, "m"); ok {
		return r.joinedPage(ctx, after)
	}
	cur := hubspot.UpdatedCursor{Since: r.since}
	if cursor != "" {
		cur, _ = hubspot.ParseUpdatedCursor(cursor) // checked
	}
	page := &jobs.SourcePage{Next: cursor, Done: true}
	err := r.c.WalkUpdatedSince(ctx, cur, r.names, func(contacts []hubspot.Contact, next hubspot.UpdatedCursor) error {
		page.Records, page.Next, page.Done = r.records(contacts), next.String(), false
		return errHubSpotPage
	})
	if err != nil && !errors.Is(err, errHubSpotPage) {
		return nil, err
	}
	if page.Done {
		return r.joinedPage(ctx, "")
	}
	return page, nil
}

// checkHubSpotCursor refuses a poll's cursor the reader did not make
// (a walk's is HubSpot's own, checked by HubSpot).
func checkHubSpotCursor(kind, cursor string) error {
	if kind != kizuna.SyncPoll || cursor == "" || strings.HasPrefix(cursor, "a") {
		return nil
	}
	if after, ok := strings.CutPrefix(cursor, "m"); ok {
		if _, err := strconv.ParseUint(after, 10, 64); after != "" && err != nil {
			return kizuna.Errorf(kizuna.EINVALID, "%q is not a HubSpot sync cursor", cursor)
		}
		return nil
	}
	_, err := hubspot.ParseUpdatedCursor(cursor)
	return err
}

// joinedPage reads the next hundred contacts that joined a list since,
// after the contact ID after ("" from the first); its cursors start with
// "m".
func (r *hubspotReader) joinedPage(ctx context.Context, after string) (*jobs.SourcePage, error) {
	i := 0
	if after != "" {
		i, _ = slices.BinarySearchFunc(r.joined, after, compareHubSpotIDs)
		if i < len(r.joined) && r.joined[i] == after {
			i++
		}
	}
	ids := r.joined[i:min(i+hubspot.BatchReadMax, len(r.joined))]
	if len(ids) == 0 {
		return &jobs.SourcePage{Next: "m" + after, Done: true}, nil
	}
	found, _, err := r.c.ReadContacts(ctx, ids, r.names)
	if err != nil {
		return nil, err
	}
	last := ids[len(ids)-1]
	return &jobs.SourcePage{Records: r.records(found), Next: "m" + last, Done: i+len(ids) == len(r.joined)}, nil
}

// records turns contacts into records in the import format's shape.
func (r *hubspotReader) records(contacts []hubspot.Contact) []kizuna.SourceRecord {
	out := make([]kizuna.SourceRecord, 0, len(contacts))
	for i := range contacts {
		c := &contacts[i]
		rec := kizuna.SourceRecord{Source: kizuna.SourceHubSpot, RecordID: c.ID, UpdatedAt: c.UpdatedAt,
			HubSpot: &kizuna.HubSpotContact{ContactID: c.ID, Segments: slices.Clone(r.members[c.ID]),
				Properties: c.KizunaProperties(r.defs, r.names)}}
		if kizuna.ValidLineUserID(c.LineUserID) {
			rec.LineUserID = c.LineUserID
		}
		if c.Archived {
			rec.Deleted = true
		}
		out = append(out, rec)
	}
	return out
}
