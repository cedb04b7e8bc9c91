package sources

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/jobs"
	"github.com/kizuna-line/kizuna/klaviyo"
)

// Config keys of a Klaviyo connection (Connection.Config).
const (
	// KlaviyoRevision is the pinned API revision (klaviyo.DefaultRevision
	// when absent).
	KlaviyoRevision = "revision"
	// KlaviyoLineUserIDProperty names the profile property the shop's
	// LINE Login writes the LINE user ID to
	// (klaviyo.DefaultLineUserIDProperty, line_user_id, when absent).
	KlaviyoLineUserIDProperty = "line_user_id_property"
)

// klaviyoFreshMargin bounds the clocks' disagreement (Klaviyo's updated
// and ours) where the reader decides whether the membership map may be
// older than a profile's change.
const klaviyoFreshMargin = time.Minute

func init() { readers[kizuna.SourceKlaviyo] = newKlaviyo }

// klaviyoReader reads a Klaviyo account's profiles a page (100) at a
// time. Lists come from the members of each list, read once per reader
// into a map of profile ID → list IDs (ids only).
type klaviyoReader struct {
	c     *klaviyo.Client
	prop  string
	since time.Time
	now   func() time.Time
	// pageSize is a backfill's page size (0: Klaviyo's maximum); tests
	// make pages small.
	pageSize int

	mu       sync.Mutex
	lists    map[string][]string // profile ID → the lists it is a member of
	listsAt  time.Time           // when the map was read
	listsSet bool
	// meta is the lists last read and the properties seen (catalog.go).
	meta klaviyoMeta
}

func newKlaviyo(c *kizuna.Connection, secrets kizuna.ConnectionSecrets, since time.Time, o Options) (jobs.SourceReader, error) {
	prop := c.Config[KlaviyoLineUserIDProperty]
	if prop == "" {
		prop = klaviyo.DefaultLineUserIDProperty
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	cl, err := klaviyo.New(klaviyo.Config{
		BaseURL:            c.APIBase,
		APIKey:             secrets["api_key"],
		Revision:           c.Config[KlaviyoRevision],
		LineUserIDProperty: prop,
		HTTPClient:         o.HTTPClient,
		Now:                o.Now,
		Sleep:              o.Sleep,
	})
	if err != nil {
		return nil, err
	}
	return &klaviyoReader{c: cl, prop: prop, since: since, now: now}, nil
}

// errPageRead stops the client's walk after one page.
var errPageRead = errors.New("sources: one page read")

// Page reads one page of profiles: every profile for a backfill or a
// reconcile (in Klaviyo's order), those updated since the reader's since
// for a poll (oldest change first; every profile when since is zero). The
// cursor is the client's: the URL of the next page, which survives a
// crash and serves a new reader as well.
func (r *klaviyoReader) Page(ctx context.Context, kind, cursor string) (*jobs.SourcePage, error) {
	var got *klaviyo.ProfilePage
	fn := func(p *klaviyo.ProfilePage) error {
		got = p
		return errPageRead
	}
	var err error
	switch kind {
	case kizuna.SyncBackfill, kizuna.SyncReconcile:
		err = r.c.Profiles(ctx, klaviyo.ProfileQuery{PageSize: r.pageSize}, cursor, fn)
	case kizuna.SyncPoll:
		err = r.c.UpdatedSince(ctx, r.since, cursor, fn)
	default:
		return nil, kizuna.ErrorAt(kizuna.EINVALID, "kind", "a sync is a backfill, a poll or a reconcile")
	}
	if err != nil && !errors.Is(err, errPageRead) {
		return nil, err
	}
	if got == nil { // no page at all: nothing (left) to read
		return &jobs.SourcePage{Done: true}, nil
	}
	if len(got.Profiles) > 0 {
		if err := r.readLists(ctx); err != nil {
			return nil, err
		}
	}
	out := &jobs.SourcePage{Records: make([]kizuna.SourceRecord, 0, len(got.Profiles)), Next: got.Next, Done: got.Next == ""}
	for i := range got.Profiles {
		rec, err := r.record(ctx, &got.Profiles[i])
		if err != nil {
			return nil, err
		}
		out.Records = append(out.Records, rec)
	}
	return out, nil
}

// record turns a profile into the import format's part.
func (r *klaviyoReader) record(ctx context.Context, p *klaviyo.Profile) (kizuna.SourceRecord, error) {
	lists, err := r.listsOf(ctx, p)
	if err != nil {
		return kizuna.SourceRecord{}, err
	}
	r.observe(p)
	var props kizuna.Properties
	for name, v := range p.Properties {
		if name == r.prop {
			continue
		}
		if props == nil {
			props = kizuna.Properties{}
		}
		props[name] = json.RawMessage(v)
	}
	rec := kizuna.SourceRecord{Source: kizuna.SourceKlaviyo, RecordID: p.ID, UpdatedAt: p.Updated,
		Klaviyo: &kizuna.KlaviyoProfile{ProfileID: p.ID, Lists: lists, Properties: props}}
	if kizuna.ValidLineUserID(p.LineUserID) {
		rec.LineUserID = p.LineUserID
	}
	if rec.UpdatedAt.IsZero() {
		rec.UpdatedAt = p.Created
	}
	return rec, nil
}

// readLists reads every list's members into the map, once per reader.
func (r *klaviyoReader) readLists(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.listsSet {
		return nil
	}
	at := r.now()
	ls, err := r.readGroups(ctx)
	if err != nil {
		return err
	}
	m := map[string][]string{}
	for _, l := range ls {
		id := l.ID // one string shared by every member's slice
		err := r.c.ListMembers(ctx, id, "", func(mp *klaviyo.MemberPage) error {
			for _, pid := range mp.IDs {
				m[pid] = append(m[pid], id)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	r.lists, r.listsAt, r.listsSet = m, at, true
	return nil
}

// listsOf returns a profile's lists from the map, unless the map may
// predate a membership change that the next poll would not read again: a
// profile that changed after the map was read (within the margin) but
// before the next poll's window (it reads from the end of this sync less
// jobs.PollOverlap) has its lists read for it alone. Such profiles are
// the ones changed during a long sync (a backfill, a reconcile) and read
// minutes later; a short poll's changed profiles are read again by the
// next poll, with a new map.
func (r *klaviyoReader) listsOf(ctx context.Context, p *klaviyo.Profile) ([]string, error) {
	r.mu.Lock()
	lists, at := r.lists[p.ID], r.listsAt
	r.mu.Unlock()
	if p.Updated.Before(at.Add(-klaviyoFreshMargin)) || !p.Updated.Before(r.now().Add(-jobs.PollOverlap+klaviyoFreshMargin)) {
		return lists, nil
	}
	ls, err := r.c.ProfileLists(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, l := range ls {
		ids = append(ids, l.ID)
	}
	return ids, nil
}
