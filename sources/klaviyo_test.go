package sources

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/internal/conformance"
	"github.com/kizuna-line/kizuna/internal/klaviyofake"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/jobs"
	"github.com/kizuna-line/kizuna/sqlstore"
)

const klaviyoTestKey = "pk_test_0123456789abcdef"

// klaviyoClock is the fake's clock: real time moved back two days (so
// profiles loaded now are older than any map the reader reads), or
// moved to real time once set.
type klaviyoClock struct{ offset atomic.Int64 }

func (c *klaviyoClock) now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// startKlaviyo serves a fake Klaviyo holding the conformance friends'
// profiles, its lists named as the conformance catalog names them (the
// sync puts the fake's names in the catalog).
func startKlaviyo(t *testing.T, friends []byte) (*klaviyofake.Fake, string, *klaviyoClock) {
	t.Helper()
	clock := &klaviyoClock{}
	clock.offset.Store(int64(-48 * time.Hour))
	f := klaviyofake.New(klaviyofake.Config{APIKey: klaviyoTestKey, Now: clock.now})
	if _, err := f.LoadNDJSON(bytes.NewReader(friends)); err != nil {
		t.Fatal(err)
	}
	cat, err := kizuna.ParseCatalog(conformance.Load(t).Catalog)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.LoadCatalog(cat.Klaviyo); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(f)
	t.Cleanup(func() { f.Close(); srv.Close() })
	return f, srv.URL, clock
}

// withoutKlaviyo returns the import lines with their klaviyo parts removed.
func withoutKlaviyo(t *testing.T, lines []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	for _, line := range bytes.Split(lines, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatal(err)
		}
		delete(m, "klaviyo")
		b, _ := json.Marshal(m)
		out.Write(b)
		out.WriteByte('\n')
	}
	return out.Bytes()
}

// klaviyoAccounts makes account A (friends without their Klaviyo parts,
// connected to the fake) and B (the friends whole), both with the
// catalog, and loads both into an engine.
func klaviyoAccounts(t *testing.T, db *sqlstore.DB, e *engine.Engine, v *conformance.Vectors, base string) (a, b *kizuna.Account) {
	t.Helper()
	ctx := context.Background()
	cat, err := kizuna.ParseCatalog(v.Catalog)
	if err != nil {
		t.Fatal(err)
	}
	for i, lines := range [][]byte{withoutKlaviyo(t, v.Friends), v.Friends} {
		acc, err := db.CreateAccount(ctx, []string{"synced", "imported"}[i], v.Account.Timezone)
		if err != nil {
			t.Fatal(err)
		}
		if res, err := db.ImportFriends(ctx, acc, bytes.NewReader(lines), kizuna.ImportOptions{}); err != nil || res.Imported != 300 {
			t.Fatalf("import: %+v %v", res, err)
		}
		if err := db.PutCatalog(ctx, acc, cat); err != nil {
			t.Fatal(err)
		}
		e.Load(acc)
		deadline := time.Now().Add(30 * time.Second)
		for !e.Ready(acc) {
			if time.Now().After(deadline) {
				t.Fatal("index not ready after 30s")
			}
			time.Sleep(5 * time.Millisecond)
		}
		if i == 0 {
			a = acc
		} else {
			b = acc
		}
	}
	conn := kizuna.Connection{Source: kizuna.SourceKlaviyo, APIBase: base,
		Config: map[string]string{KlaviyoRevision: "2026-07-15", KlaviyoLineUserIDProperty: "line_user_id"}}
	if err := db.Connect(ctx, a, "test", conn, kizuna.ConnectionSecrets{"api_key": klaviyoTestKey}); err != nil {
		t.Fatal(err)
	}
	return a, b
}

// klaviyoSlept adds up the readers' waits (virtual: nobody waits).
var klaviyoSlept atomic.Int64

// klaviyoReaderOf makes the connection's reader as the jobs do: from the
// stored connection, through the registry.
func klaviyoReaderOf(t *testing.T, db *sqlstore.DB, a *kizuna.Account, since time.Time, pageSize int) *klaviyoReader {
	t.Helper()
	ctx := context.Background()
	conn, err := db.Connection(ctx, a, kizuna.SourceKlaviyo)
	if err != nil {
		t.Fatal(err)
	}
	secrets, err := db.ConnectionSecrets(ctx, a, kizuna.SourceKlaviyo)
	if err != nil {
		t.Fatal(err)
	}
	r, err := For(Options{Sleep: func(ctx context.Context, d time.Duration) error {
		klaviyoSlept.Add(int64(d))
		return ctx.Err()
	}})(conn, secrets, since)
	if err != nil {
		t.Fatal(err)
	}
	kr := r.(*klaviyoReader)
	kr.pageSize = pageSize
	return kr
}

// sameKlaviyoPreviews checks every case that is not refused: A's and B's
// previews, through SQL and through the engine, agree with each other and
// (expected: the data is the vectors') with the case's expected count.
func sameKlaviyoPreviews(t *testing.T, db *sqlstore.DB, e *engine.Engine, v *conformance.Vectors, a, b *kizuna.Account, expected bool) {
	t.Helper()
	ctx := context.Background()
	checked := 0
	for _, tc := range v.Cases {
		if tc.Refused() {
			continue
		}
		req := kizuna.PreviewRequest{Filter: tc.Filter, Now: tc.Now}
		var answers []string
		for _, acc := range []*kizuna.Account{a, b} {
			for _, st := range []kizuna.Store{db, e} {
				p, err := st.Preview(ctx, acc, req)
				if err != nil {
					t.Fatalf("%s: %s: %v", tc.Name, acc.Name, err)
				}
				if expected && tc.Expect.Count != nil && p.Count != *tc.Expect.Count {
					t.Errorf("%s: %s by %s: count %d, want %d", tc.Name, acc.Name, p.AnsweredBy, p.Count, *tc.Expect.Count)
				}
				j, _ := json.Marshal(struct {
					C int64
					S []kizuna.PreviewFriend
					M string
				}{p.Count, p.Sample, p.Summary})
				answers = append(answers, fmt.Sprintf("%s by %s: %s", acc.Name, p.AnsweredBy, j))
			}
		}
		for _, ans := range answers[1:] {
			if ans[strings.Index(ans, ": "):] != answers[0][strings.Index(answers[0], ": "):] {
				t.Errorf("%s: the previews differ:\n%s", tc.Name, strings.Join(answers, "\n"))
				break
			}
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no case checked")
	}
}

// TestSyncEqualsImportKlaviyo is the differential test of issue 11 for
// Klaviyo: the conformance friends' profiles reaching account A by a sync
// from the fake and account B by import give the same previews for every
// case, on each backend, though Klaviyo throttles, fails and drops
// connections on the way.
func TestSyncEqualsImportKlaviyo(t *testing.T) {
	v := conformance.Load(t)
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := testdb.Open(t, backend)
			e := engine.New(db, db, nil)
			defer e.Stop()
			f, base, _ := startKlaviyo(t, v.Friends)
			a, b := klaviyoAccounts(t, db, e, v, base)
			storm := []klaviyofake.Fault{klaviyofake.Throttled, {Status: 429, RetryAfter: 30}, klaviyofake.Unavailable, klaviyofake.DropConnection, klaviyofake.Throttled}
			f.InjectFault(klaviyofake.RouteProfiles, storm...)
			f.InjectFault(klaviyofake.RouteListProfiles, storm...)
			f.InjectFault(klaviyofake.RouteLists, klaviyofake.ServerError, klaviyofake.Throttled)
			slept := klaviyoSlept.Load()
			s, err := db.StartSourceSync(ctx, a, kizuna.SourceKlaviyo, kizuna.SyncBackfill, "job-1")
			if err != nil {
				t.Fatal(err)
			}
			done, err := jobs.SyncSource(ctx, db, klaviyoReaderOf(t, db, a, time.Time{}, 0), a, s, nil)
			if err != nil || done.Status != "done" || done.Records != 94 {
				t.Fatalf("the sync: %+v %v", done, err)
			}
			for _, route := range []string{klaviyofake.RouteProfiles, klaviyofake.RouteListProfiles, klaviyofake.RouteLists} {
				if n := f.PendingFaults(route); n != 0 {
					t.Fatalf("%s: %d faults not met", route, n)
				}
			}
			if d := time.Duration(klaviyoSlept.Load() - slept); d < 60*time.Second {
				t.Fatalf("the reader waited %v through the storm", d)
			}
			links, err := db.LinkCounts(ctx, a)
			if err != nil || links[kizuna.SourceKlaviyo] != 94 {
				t.Fatalf("linked: %v %v", links, err)
			}
			sameKlaviyoPreviews(t, db, e, v, a, b, true)
		})
	}
}

// klaviyoCut fails once, at the page after the first n.
type klaviyoCut struct {
	r     jobs.SourceReader
	n     int
	reads []string
}

func (c *klaviyoCut) Page(ctx context.Context, kind, cursor string) (*jobs.SourcePage, error) {
	c.reads = append(c.reads, cursor)
	if len(c.reads) == c.n+1 {
		return nil, errors.New("the process died")
	}
	return c.r.Page(ctx, kind, cursor)
}

// TestSyncEqualsImportKlaviyoResumed cuts the backfill (pages of 10) after
// three pages and resumes it with the same owner and a new reader: it goes
// on from the saved cursor, reads no page twice and ends with the same
// previews; then a poll after changes in Klaviyo (a property, a list
// membership) brings A along with B imported the same again.
func TestSyncEqualsImportKlaviyoResumed(t *testing.T) {
	v := conformance.Load(t)
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := testdb.Open(t, backend)
			e := engine.New(db, db, nil)
			defer e.Stop()
			f, base, clock := startKlaviyo(t, v.Friends)
			a, b := klaviyoAccounts(t, db, e, v, base)
			s, err := db.StartSourceSync(ctx, a, kizuna.SourceKlaviyo, kizuna.SyncBackfill, "job-9")
			if err != nil {
				t.Fatal(err)
			}
			cut := &klaviyoCut{r: klaviyoReaderOf(t, db, a, time.Time{}, 10), n: 3}
			if _, err := jobs.SyncSource(ctx, db, cut, a, s, nil); err == nil {
				t.Fatal("the cut did not stop the sync")
			}
			s, err = db.StartSourceSync(ctx, a, kizuna.SourceKlaviyo, kizuna.SyncBackfill, "job-9")
			if err != nil || !s.Resumed || s.Records != 30 || s.Cursor == "" || s.Cursor != cut.reads[3] {
				t.Fatalf("resume: %+v %v", s, err)
			}
			again := &klaviyoCut{r: klaviyoReaderOf(t, db, a, time.Time{}, 10), n: -1}
			done, err := jobs.SyncSource(ctx, db, again, a, s, nil)
			if err != nil || done.Status != "done" || done.Records != 94 {
				t.Fatalf("the resumed sync: %+v %v", done, err)
			}
			if again.reads[0] != cut.reads[3] || len(again.reads) != 7 {
				t.Fatalf("pages read after the resume: %d from %q, want 7 from %q", len(again.reads), again.reads[0], cut.reads[3])
			}
			sameKlaviyoPreviews(t, db, e, v, a, b, true)

			// Changes in Klaviyo, now on our clock, reach A by a poll and
			// B by an import of the same data.
			clock.offset.Store(0)
			var target *kizuna.Friend
			var original map[string]json.RawMessage
			for _, line := range bytes.Split(v.Friends, []byte("\n")) {
				if fr, err := kizuna.ParseFriendLine(line); err == nil && fr.Klaviyo != nil && len(fr.Klaviyo.Lists) > 0 {
					target = fr
					json.Unmarshal(line, &original)
					break
				}
			}
			pid := target.Klaviyo.ProfileID
			if err := f.SetProperty(pid, "plan", "gold"); err != nil {
				t.Fatal(err)
			}
			if err := f.RemoveFromList(target.Klaviyo.Lists[0], pid); err != nil {
				t.Fatal(err)
			}
			props := kizuna.Properties{}
			for k, v := range target.Klaviyo.Properties {
				if string(v) != "null" { // Klaviyo drops a property set to null
					props[k] = v
				}
			}
			props["plan"] = json.RawMessage(`"gold"`)
			original["klaviyo"], _ = json.Marshal(map[string]any{"profile_id": pid, "lists": target.Klaviyo.Lists[1:], "properties": props})
			line, _ := json.Marshal(original)
			if _, err := db.ImportFriends(ctx, b, bytes.NewReader(line), kizuna.ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			p, err := db.StartSourceSync(ctx, a, kizuna.SourceKlaviyo, kizuna.SyncPoll, "job-10")
			if err != nil {
				t.Fatal(err)
			}
			poll, err := jobs.SyncSource(ctx, db, klaviyoReaderOf(t, db, a, time.Now().Add(-jobs.PollOverlap), 0), a, p, nil)
			if err != nil || poll.Records != 1 {
				t.Fatalf("the poll: %+v %v", poll, err)
			}
			sameKlaviyoPreviews(t, db, e, v, a, b, false)
		})
	}
}

// TestKlaviyoReader checks a page's records against the fake with a
// custom LINE user ID property: the property is the record's LINE user ID
// (when it has the shape of one) and not among its properties, lists come
// from the members, a poll reads only what changed, and a wrong key or
// kind is refused.
func TestKlaviyoReader(t *testing.T) {
	ctx := context.Background()
	fakeClock := &klaviyoClock{}
	fakeClock.offset.Store(int64(-time.Hour))
	f := klaviyofake.New(klaviyofake.Config{APIKey: klaviyoTestKey, LineUserIDProperty: "line_uid", Now: fakeClock.now})
	srv := httptest.NewServer(f)
	defer srv.Close()
	defer f.Close()
	uid := "U0123456789abcdef0123456789abcdef"
	p1, _ := f.AddProfile(klaviyofake.ProfileData{Email: "a@example.test", Properties: map[string]json.RawMessage{"line_uid": json.RawMessage(`"` + uid + `"`), "plan": json.RawMessage(`"gold"`)}})
	p2, _ := f.AddProfile(klaviyofake.ProfileData{Email: "b@example.test", Properties: map[string]json.RawMessage{"line_uid": json.RawMessage(`"not a LINE user ID"`)}})
	l1, _ := f.CreateList("L1", "Newsletter")
	l2, _ := f.CreateList("L2", "VIP")
	f.AddToList(l1, p1, p2)
	f.AddToList(l2, p1)
	conn := &kizuna.Connection{Source: kizuna.SourceKlaviyo, APIBase: srv.URL, Config: map[string]string{KlaviyoLineUserIDProperty: "line_uid"}}
	r, err := For(Options{})(conn, kizuna.ConnectionSecrets{"api_key": klaviyoTestKey}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	page, err := r.Page(ctx, kizuna.SyncBackfill, "")
	if err != nil || !page.Done || len(page.Records) != 2 {
		t.Fatalf("backfill: %+v %v", page, err)
	}
	got, _ := json.Marshal(page.Records)
	want := fmt.Sprintf(`[{"Source":"klaviyo","RecordID":%q,"LineUserID":%q,"UpdatedAt":%q,"Deleted":false,"Shopify":null,"HubSpot":null,"Klaviyo":{"profile_id":%[1]q,"lists":["L1","L2"],"properties":{"plan":"gold"}}},`+
		`{"Source":"klaviyo","RecordID":%[4]q,"LineUserID":"","UpdatedAt":%[3]q,"Deleted":false,"Shopify":null,"HubSpot":null,"Klaviyo":{"profile_id":%[4]q,"lists":["L1"],"properties":null}}]`,
		p1, uid, page.Records[0].UpdatedAt.Format(time.RFC3339), p2)
	if string(got) != want {
		t.Fatalf("records:\n%s\nwant\n%s", got, want)
	}
	if page.Records[0].UpdatedAt.IsZero() || time.Since(page.Records[0].UpdatedAt) < 59*time.Minute {
		t.Fatalf("updated at %v, want Klaviyo's (an hour ago)", page.Records[0].UpdatedAt)
	}

	// A poll since after the changes reads nothing; one since before
	// reads both.
	for since, n := range map[time.Time]int{time.Now(): 0, time.Now().Add(-2 * time.Hour): 2} {
		r, _ := For(Options{})(conn, kizuna.ConnectionSecrets{"api_key": klaviyoTestKey}, since)
		page, err := r.Page(ctx, kizuna.SyncPoll, "")
		if err != nil || !page.Done || len(page.Records) != n {
			t.Fatalf("poll since %v: %+v %v", since, page, err)
		}
	}
	if _, err := r.Page(ctx, "import", ""); kizuna.ErrorCode(err) != kizuna.EINVALID {
		t.Fatalf("a wrong kind: %v", err)
	}

	// A long backfill: p1 leaves L2 after the reader read the members,
	// and its page comes ten minutes later, past the next poll's window:
	// its lists are read for it alone; p2's, unchanged, from the map.
	readerClock := &klaviyoClock{}
	long, _ := For(Options{Now: readerClock.now})(conn, kizuna.ConnectionSecrets{"api_key": klaviyoTestKey}, time.Time{})
	long.(*klaviyoReader).pageSize = 1
	page, err = long.Page(ctx, kizuna.SyncBackfill, "")
	if err != nil || len(page.Records) != 1 || page.Done {
		t.Fatalf("first page: %+v %v", page, err)
	}
	fakeClock.offset.Store(0)
	if err := f.RemoveFromList(l2, p1); err != nil {
		t.Fatal(err)
	}
	readerClock.offset.Store(int64(10 * time.Minute))
	for _, cursor := range []string{"", page.Next} {
		page, err := long.Page(ctx, kizuna.SyncBackfill, cursor)
		if err != nil || len(page.Records) != 1 {
			t.Fatalf("page %q: %+v %v", cursor, page, err)
		}
		if rec := page.Records[0]; strings.Join(rec.Klaviyo.Lists, ",") != "L1" {
			t.Fatalf("%s's lists: %v, want L1", rec.RecordID, rec.Klaviyo.Lists)
		}
	}
	if n := f.Count(klaviyofake.RouteProfileLists); n != 1 {
		t.Fatalf("%d profiles' lists read one by one, want 1", n)
	}

	bad, _ := For(Options{})(conn, kizuna.ConnectionSecrets{"api_key": "pk_wrong"}, time.Time{})
	if _, err := bad.Page(ctx, kizuna.SyncBackfill, ""); kizuna.ErrorCode(err) != kizuna.EUNAUTHORIZED || strings.Contains(err.Error(), "pk_wrong") {
		t.Fatalf("a wrong key: %v", err)
	}
}
