package sources_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/internal/conformance"
	"github.com/kizuna-line/kizuna/internal/hubspotfake"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/jobs"
	"github.com/kizuna-line/kizuna/sources"
	"github.com/kizuna-line/kizuna/sqlstore"
)

// hubspotClock is the fake's and the client's clock: sleeping advances
// it, so rate limits cost no real time.
type hubspotClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *hubspotClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *hubspotClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

// hubspotWithoutPart removes a vendor's part from import lines.
func hubspotWithoutPart(t *testing.T, lines []byte, part string) []byte {
	t.Helper()
	var out bytes.Buffer
	for line := range bytes.SplitSeq(bytes.TrimSpace(lines), []byte("\n")) {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatal(err)
		}
		delete(m, part)
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		out.Write(b)
		out.WriteByte('\n')
	}
	return out.Bytes()
}

// hubspotSetup is a fake HubSpot loaded with the conformance friends'
// contacts and a connection to it.
type hubspotSetup struct {
	fake    *hubspotfake.Fake
	conn    *kizuna.Connection
	secrets kizuna.ConnectionSecrets
	opts    sources.Options
}

func newHubSpotSetup(t *testing.T, v *conformance.Vectors) *hubspotSetup {
	t.Helper()
	clock := &hubspotClock{t: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	fake := hubspotfake.New(hubspotfake.Config{AccessToken: "pat-na1-test", ClientSecret: "secret", Now: clock.Now})
	if _, err := fake.LoadNDJSON(bytes.NewReader(v.Friends)); err != nil {
		t.Fatal(err)
	}
	// The fake keeps a numeric segment as its list's ID.
	for _, id := range []string{"101", "250", "9001"} {
		if got := fake.ListID(id); got != id {
			t.Fatalf("the list of segment %s has ID %s", id, got)
		}
	}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return &hubspotSetup{fake: fake,
		conn:    &kizuna.Connection{Source: kizuna.SourceHubSpot, APIBase: srv.URL, Config: map[string]string{}},
		secrets: kizuna.ConnectionSecrets{"access_token": "pat-na1-test", "client_secret": "secret"},
		opts:    sources.Options{Now: clock.Now, Sleep: clock.Sleep}}
}

func (s *hubspotSetup) reader(t *testing.T, since time.Time) jobs.SourceReader {
	t.Helper()
	r, err := sources.For(s.opts)(s.conn, s.secrets, since)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// hubspotAccounts makes account A (the friends without their HubSpot part)
// and account B (the friends whole), each with the catalog.
func hubspotAccounts(t *testing.T, db *sqlstore.DB, v *conformance.Vectors, part string) (a, b *kizuna.Account) {
	t.Helper()
	ctx := context.Background()
	cat, err := kizuna.ParseCatalog(v.Catalog)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range []struct {
		name  string
		lines []byte
		acc   **kizuna.Account
	}{{"synced", hubspotWithoutPart(t, v.Friends, part), &a}, {"imported", v.Friends, &b}} {
		acc, err := db.CreateAccount(ctx, x.name, v.Account.Timezone)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ImportFriends(ctx, acc, bytes.NewReader(x.lines), kizuna.ImportOptions{}); err != nil {
			t.Fatalf("import %s: %v", x.name, err)
		}
		if err := db.PutCatalog(ctx, acc, cat); err != nil {
			t.Fatal(err)
		}
		*x.acc = acc
	}
	return a, b
}

// hubspotSamePreviews checks every case not refused: A's and B's previews (count
// and sample) through the store and the engine are equal, and equal to
// the case's count.
func hubspotSamePreviews(t *testing.T, db *sqlstore.DB, v *conformance.Vectors, a, b *kizuna.Account) {
	t.Helper()
	ctx := context.Background()
	eng := engine.New(db, db, nil)
	defer eng.Stop()
	type previewer func(context.Context, *kizuna.Account, kizuna.PreviewRequest) (*kizuna.Preview, error)
	for _, tc := range v.Cases {
		if tc.Refused() {
			continue
		}
		for _, via := range []struct {
			name string
			p    previewer
		}{{"store", db.Preview}, {"engine", eng.Preview}} {
			req := kizuna.PreviewRequest{Filter: tc.Filter, Now: tc.Now}
			pa, err := via.p(ctx, a, req)
			if err != nil {
				t.Fatalf("%s via %s, synced: %v", tc.Name, via.name, err)
			}
			pb, err := via.p(ctx, b, req)
			if err != nil {
				t.Fatalf("%s via %s, imported: %v", tc.Name, via.name, err)
			}
			sa, sb := hubspotSampleIDs(pa), hubspotSampleIDs(pb)
			if pa.Count != pb.Count || !slices.Equal(sa, sb) {
				t.Errorf("%s via %s: synced %d %v, imported %d %v", tc.Name, via.name, pa.Count, sa, pb.Count, sb)
			}
			if tc.Expect.Count != nil && pa.Count != *tc.Expect.Count {
				t.Errorf("%s via %s: synced count %d, want %d", tc.Name, via.name, pa.Count, *tc.Expect.Count)
			}
		}
	}
}

func hubspotSampleIDs(p *kizuna.Preview) []string {
	var ids []string
	for _, s := range p.Sample {
		ids = append(ids, s.LineUserID)
	}
	return ids
}

// TestSyncEqualsImportHubSpot: the conformance friends' HubSpot contacts
// reaching account A by a backfill from the fake and account B by import
// give the same previews for every case.
func TestSyncEqualsImportHubSpot(t *testing.T) {
	v := conformance.Load(t)
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := testdb.Open(t, backend)
			a, b := hubspotAccounts(t, db, v, "hubspot")
			s := newHubSpotSetup(t, v)
			sync, err := db.StartSourceSync(ctx, a, kizuna.SourceHubSpot, kizuna.SyncBackfill, "test")
			if err != nil {
				t.Fatal(err)
			}
			done, err := jobs.SyncSource(ctx, db, s.reader(t, time.Time{}), a, sync, nil)
			if err != nil {
				t.Fatal(err)
			}
			if done.Status != "done" || done.Records == 0 {
				t.Fatalf("sync: %+v", done)
			}
			hubspotSamePreviews(t, db, v, a, b)
		})
	}
}

// hubspotFailOnce fails the page read at call n once.
type hubspotFailOnce struct {
	r     jobs.SourceReader
	n     int
	calls int
}

func (f *hubspotFailOnce) Page(ctx context.Context, kind, cursor string) (*jobs.SourcePage, error) {
	f.calls++
	if f.calls == f.n {
		return nil, errors.New("HubSpot answered 503")
	}
	return f.r.Page(ctx, kind, cursor)
}

// TestSyncEqualsImportHubSpotResumes cuts the backfill after its first
// page; restarted with the same owner and a new reader, it goes on from
// the saved cursor and ends with the same previews.
func TestSyncEqualsImportHubSpotResumes(t *testing.T) {
	v := conformance.Load(t)
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := testdb.Open(t, backend)
			a, b := hubspotAccounts(t, db, v, "hubspot")
			s := newHubSpotSetup(t, v)
			sync, err := db.StartSourceSync(ctx, a, kizuna.SourceHubSpot, kizuna.SyncBackfill, "job-1")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := jobs.SyncSource(ctx, db, &hubspotFailOnce{r: s.reader(t, time.Time{}), n: 2}, a, sync, nil); err == nil {
				t.Fatal("the failing page did not stop the sync")
			}
			sync, err = db.StartSourceSync(ctx, a, kizuna.SourceHubSpot, kizuna.SyncBackfill, "job-1")
			if err != nil {
				t.Fatal(err)
			}
			if !sync.Resumed || sync.Cursor == "" || sync.Records != hubspotPage {
				t.Fatalf("resume: %+v", sync)
			}
			before := s.fake.Count(hubspotfake.RouteContacts)
			done, err := jobs.SyncSource(ctx, db, s.reader(t, time.Time{}), a, sync, nil)
			if err != nil || done.Status != "done" {
				t.Fatalf("the resumed sync: %+v %v", done, err)
			}
			if got := s.fake.Count(hubspotfake.RouteContacts) - before; got != 1 {
				t.Errorf("the resumed sync read %d contact pages, want 1", got)
			}
			hubspotSamePreviews(t, db, v, a, b)
		})
	}
}

// hubspotPage is the reader's page of contacts.
const hubspotPage = 100

// TestHubSpotPoll: a poll since a time reads only the contacts modified
// since then, a page at a time through search, with the same records a
// backfill gives them.
func TestHubSpotPoll(t *testing.T) {
	v := conformance.Load(t)
	s := newHubSpotSetup(t, v)
	ctx := context.Background()
	all := hubspotReadAll(t, func() jobs.SourceReader { return s.reader(t, time.Time{}) }, kizuna.SyncBackfill)
	if len(all) == 0 {
		t.Fatal("no contacts")
	}
	// A zero since polls every contact.
	if got := hubspotReadAll(t, func() jobs.SourceReader { return s.reader(t, time.Time{}) }, kizuna.SyncPoll); len(got) != len(all) {
		t.Fatalf("a poll without since read %d, want %d", len(got), len(all))
	}
	since := s.opts.Now().Add(time.Hour)
	if got := hubspotReadAll(t, func() jobs.SourceReader { return s.reader(t, since) }, kizuna.SyncPoll); len(got) != 0 {
		t.Fatalf("a poll since after every change read %d", len(got))
	}
	s.opts.Sleep(ctx, 2*time.Hour)
	id := all[len(all)/2].RecordID
	val := "customer"
	if err := s.fake.SetProperty(ctx, id, "lifecyclestage", &val); err != nil {
		t.Fatal(err)
	}
	// A contact joining a list keeps its lastmodifieddate: the poll reads
	// it after its search, by the membership's time.
	joiner := all[0]
	list := "101"
	for _, l := range []string{"101", "102", "103"} {
		if !slices.Contains(joiner.HubSpot.Segments, l) {
			list = l
			break
		}
	}
	if err := s.fake.AddToList(list, joiner.RecordID); err != nil {
		t.Fatal(err)
	}
	s.opts.Sleep(ctx, time.Minute) // search's index lag
	got := hubspotReadAll(t, func() jobs.SourceReader { return s.reader(t, since) }, kizuna.SyncPoll)
	if len(got) != 2 || got[0].RecordID != id || string(got[0].HubSpot.Properties["lifecyclestage"]) != `"customer"` ||
		got[1].RecordID != joiner.RecordID || !slices.Contains(got[1].HubSpot.Segments, list) || len(got[1].HubSpot.Segments) != len(joiner.HubSpot.Segments)+1 {
		t.Fatalf("poll: %+v", got)
	}
	want := all[len(all)/2]
	if got[0].LineUserID != want.LineUserID || !slices.Equal(got[0].HubSpot.Segments, want.HubSpot.Segments) {
		t.Fatalf("poll record %+v, backfill's %+v", got[0], want)
	}
	if _, err := s.reader(t, since).Page(ctx, "sometimes", ""); kizuna.ErrorCode(err) != kizuna.EINVALID {
		t.Fatalf("unknown kind: %v", err)
	}
	for _, bad := range []string{"x:y", "mx"} {
		if _, err := s.reader(t, since).Page(ctx, kizuna.SyncPoll, bad); kizuna.ErrorCode(err) != kizuna.EINVALID {
			t.Fatalf("bad cursor %q: %v", bad, err)
		}
	}
}

// hubspotReadAll reads every page of a kind, each through a new reader from the
// cursor, as a sync restarted after every page would.
func hubspotReadAll(t *testing.T, r func() jobs.SourceReader, kind string) []kizuna.SourceRecord {
	t.Helper()
	var out []kizuna.SourceRecord
	cursor := ""
	for range 1000 {
		p, err := r().Page(context.Background(), kind, cursor)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p.Records...)
		if p.Done {
			return out
		}
		cursor = p.Next
	}
	t.Fatal("no end")
	return nil
}

// TestHubSpotConfig: the connection's config names the API version, the
// LINE user ID property and the properties to read; a bad version is
// refused.
func TestHubSpotConfig(t *testing.T) {
	clock := &hubspotClock{t: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	fake := hubspotfake.New(hubspotfake.Config{AccessToken: "tok", LineUserIDProperty: "liff_uid", Now: clock.Now})
	u1, u2 := "U0123456789abcdef0123456789abcdef", "U11111111111111111111111111111111"
	if _, err := fake.LoadFriends([]*kizuna.Friend{
		{LineUserID: u1, HubSpot: &kizuna.HubSpotContact{ContactID: "51", Segments: []string{"VIP"},
			Properties: kizuna.Properties{"company": json.RawMessage(`"Acme"`), "plan": json.RawMessage(`"gold"`)}}},
		{LineUserID: u2, HubSpot: &kizuna.HubSpotContact{ContactID: "52", Properties: kizuna.Properties{"company": json.RawMessage(`"Beta"`)}}},
	}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	opts := sources.Options{Now: clock.Now, Sleep: clock.Sleep}
	conn := &kizuna.Connection{Source: kizuna.SourceHubSpot, APIBase: srv.URL,
		Config: map[string]string{"api_version": "v3", "line_user_id_property": "liff_uid", "properties": "company, liff_uid"}}
	secrets := kizuna.ConnectionSecrets{"access_token": "tok", "client_secret": "s"}
	got := hubspotReadAll(t, func() jobs.SourceReader {
		r, err := sources.For(opts)(conn, secrets, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}, kizuna.SyncBackfill)
	if len(got) != 2 || got[0].RecordID != "51" || got[0].LineUserID != u1 || got[1].LineUserID != u2 {
		t.Fatalf("records %+v", got)
	}
	h := got[0].HubSpot
	if h.ContactID != "51" || len(h.Properties) != 1 || string(h.Properties["company"]) != `"Acme"` || len(h.Segments) != 1 || h.Segments[0] != fake.ListID("VIP") {
		t.Fatalf("contact 51: %+v", h)
	}
	if !strings.HasPrefix(fake.Requests()[0].URI, "/crm/v3/") {
		t.Errorf("URI %s, want v3's", fake.Requests()[0].URI)
	}
	conn.Config["api_version"] = "v9"
	if _, err := sources.For(opts)(conn, secrets, time.Time{}); kizuna.ErrorCode(err) != kizuna.EINVALID {
		t.Fatalf("a bad version: %v", err)
	}
}
