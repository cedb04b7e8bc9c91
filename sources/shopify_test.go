package sources

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
	"github.com/kizuna-line/kizuna/internal/shopifyfake"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/jobs"
	"github.com/kizuna-line/kizuna/sqlstore"
)

const shopifyToken = "shpat_sourcetest"

func shopifyNoSleep(ctx context.Context, d time.Duration) error { return ctx.Err() }

// shopifyShop is a fake shop loaded with the conformance friends' Shopify
// parts.
func shopifyShop(t *testing.T, v *conformance.Vectors) (*httptest.Server, *shopifyfake.Fake) {
	t.Helper()
	f := shopifyfake.New(shopifyfake.Config{AccessToken: shopifyToken, WebhookSecret: "s"})
	if _, err := f.LoadNDJSON(bytes.NewReader(v.Friends)); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(f)
	t.Cleanup(func() { f.Close(); srv.Close() })
	return srv, f
}

func shopifyConn(srv *httptest.Server, config map[string]string) *kizuna.Connection {
	return &kizuna.Connection{Source: kizuna.SourceShopify, APIBase: srv.URL, Config: config}
}

func newShopifyReader(t *testing.T, c *kizuna.Connection, since time.Time) jobs.SourceReader {
	t.Helper()
	r, err := For(Options{Sleep: shopifyNoSleep})(c, kizuna.ConnectionSecrets{"access_token": shopifyToken, "webhook_secret": "s"}, since)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// shopifyWithout removes a part from every import line.
func shopifyWithout(t *testing.T, lines []byte, part string) []byte {
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
		delete(m, part)
		b, _ := json.Marshal(m)
		out.Write(b)
		out.WriteByte('\n')
	}
	return out.Bytes()
}

// shopifyTwoAccounts makes account B with the friends imported whole and
// account A with their Shopify parts removed, the catalog in both.
func shopifyTwoAccounts(t *testing.T, db *sqlstore.DB, v *conformance.Vectors, part string) (a, b *kizuna.Account) {
	t.Helper()
	ctx := context.Background()
	cat, err := kizuna.ParseCatalog(v.Catalog)
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"synced", "imported"} {
		acc, err := db.CreateAccount(ctx, name, v.Account.Timezone)
		if err != nil {
			t.Fatal(err)
		}
		lines := v.Friends
		if i == 0 {
			lines = shopifyWithout(t, lines, part)
		}
		if _, err := db.ImportFriends(ctx, acc, bytes.NewReader(lines), kizuna.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := db.PutCatalog(ctx, acc, cat); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			a = acc
		} else {
			b = acc
		}
	}
	return a, b
}

// shopifyRunSync runs a sync of kind for owner to its end (or the reader's error).
func shopifyRunSync(t *testing.T, db *sqlstore.DB, a *kizuna.Account, r jobs.SourceReader, kind, owner string) (*kizuna.SourceSync, error) {
	t.Helper()
	ctx := context.Background()
	s, err := db.StartSourceSync(ctx, a, kizuna.SourceShopify, kind, owner)
	if err != nil {
		t.Fatal(err)
	}
	return jobs.SyncSource(ctx, db, r, a, s, nil)
}

func shopifyPreviewKey(p *kizuna.Preview) string {
	ids := []string{}
	for _, s := range p.Sample {
		ids = append(ids, s.LineUserID)
	}
	b, _ := json.Marshal(struct {
		Count  int64
		Sample []string
	}{p.Count, ids})
	return string(b)
}

// shopifySamePreviews checks every case that is not refused: the previews of a
// and b agree (SQL and, when e is set, the engine) and match the case.
func shopifySamePreviews(t *testing.T, db *sqlstore.DB, e *engine.Engine, v *conformance.Vectors, a, b *kizuna.Account) {
	t.Helper()
	ctx := context.Background()
	stores := []kizuna.Store{db}
	if e != nil {
		stores = append(stores, e)
	}
	checked := 0
	for _, tc := range v.Cases {
		if tc.Refused() {
			continue
		}
		req := kizuna.PreviewRequest{Filter: tc.Filter, Now: tc.Now}
		for _, st := range stores {
			pa, err := st.Preview(ctx, a, req)
			if err != nil {
				t.Fatalf("%s: synced: %v", tc.Name, err)
			}
			pb, err := st.Preview(ctx, b, req)
			if err != nil {
				t.Fatalf("%s: imported: %v", tc.Name, err)
			}
			if shopifyPreviewKey(pa) != shopifyPreviewKey(pb) {
				t.Errorf("%s (%s): synced %s, imported %s", tc.Name, pa.AnsweredBy, shopifyPreviewKey(pa), shopifyPreviewKey(pb))
			}
			if tc.Expect.Count != nil && pa.Count != *tc.Expect.Count {
				t.Errorf("%s (%s): synced count %d, want %d", tc.Name, pa.AnsweredBy, pa.Count, *tc.Expect.Count)
			}
			if tc.Expect.Sample != nil {
				var ids []string
				for _, s := range pa.Sample {
					ids = append(ids, s.LineUserID)
				}
				if !slices.Equal(ids, tc.Expect.Sample) {
					t.Errorf("%s (%s): synced sample %v, want %v", tc.Name, pa.AnsweredBy, ids, tc.Expect.Sample)
				}
			}
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no case checked")
	}
}

func shopifyWaitEngine(t *testing.T, e *engine.Engine, accounts ...*kizuna.Account) {
	t.Helper()
	for _, a := range accounts {
		e.Load(a)
		deadline := time.Now().Add(30 * time.Second)
		for !e.Ready(a) {
			if time.Now().After(deadline) {
				t.Fatal("index not ready after 30s")
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// TestSyncEqualsImportShopify: the conformance friends' Shopify parts
// reached by a backfill from the fake shop give the same previews as the
// same lines imported, paged and by bulk query, on each backend.
func TestSyncEqualsImportShopify(t *testing.T) {
	v := conformance.Load(t)
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			srv, fake := shopifyShop(t, v)
			db := testdb.Open(t, backend)
			a, b := shopifyTwoAccounts(t, db, v, "shopify")
			// Paged, small pages: checkouts read first, then customers.
			conn := shopifyConn(srv, map[string]string{"page_size": "17", "bulk_threshold": "-1", "api_version": "2026-07", "line_user_id_metafield": "line.user_id"})
			s, err := shopifyRunSync(t, db, a, newShopifyReader(t, conn, time.Time{}), kizuna.SyncBackfill, "job-1")
			if err != nil {
				t.Fatal(err)
			}
			if s.Records < 100 {
				t.Fatalf("synced %d records", s.Records)
			}
			e := engine.New(db, db, nil)
			defer e.Stop()
			shopifyWaitEngine(t, e, a, b)
			shopifySamePreviews(t, db, e, v, a, b)

			// A reconcile by bulk query reads the same again, the file
			// downloaded once for its many pages.
			conn = shopifyConn(srv, map[string]string{"page_size": "23", "bulk_threshold": "0"})
			fake.SetRecording(true)
			s, err = shopifyRunSync(t, db, a, newShopifyReader(t, conn, time.Time{}), kizuna.SyncReconcile, "job-2")
			if err != nil {
				t.Fatal(err)
			}
			downloads := 0
			for _, rq := range fake.Requests() {
				if rq.Route == shopifyfake.RouteBulkFile {
					downloads++
				}
			}
			if downloads != 1 || s.Records < 100 {
				t.Errorf("bulk reconcile: %d records, %d downloads of the file", s.Records, downloads)
			}
			shopifySamePreviews(t, db, nil, v, a, b)
		})
	}
}

// shopifyFailingReader fails once, at its n-th page.
type shopifyFailingReader struct {
	r     jobs.SourceReader
	n     int
	pages int
}

var shopifyErrCut = errors.New("cut")

func (f *shopifyFailingReader) Page(ctx context.Context, kind, cursor string) (*jobs.SourcePage, error) {
	if f.pages++; f.pages == f.n {
		return nil, shopifyErrCut
	}
	return f.r.Page(ctx, kind, cursor)
}

// TestShopifySyncResumes cuts a backfill after a few pages and restarts it
// with the same owner and a new reader: it continues from the saved cursor
// (paged and bulk) and ends with the same previews.
func TestShopifySyncResumes(t *testing.T) {
	v := conformance.Load(t)
	for _, backend := range testdb.Backends() {
		for _, mode := range []string{"paged", "bulk"} {
			t.Run(backend+"/"+mode, func(t *testing.T) {
				srv, _ := shopifyShop(t, v)
				db := testdb.Open(t, backend)
				a, b := shopifyTwoAccounts(t, db, v, "shopify")
				config := map[string]string{"page_size": "11", "bulk_threshold": "-1"}
				if mode == "bulk" {
					config["bulk_threshold"] = "0"
				}
				conn := shopifyConn(srv, config)
				if _, err := shopifyRunSync(t, db, a, &shopifyFailingReader{r: newShopifyReader(t, conn, time.Time{}), n: 4}, kizuna.SyncBackfill, "job-9"); !errors.Is(err, shopifyErrCut) {
					t.Fatalf("cut sync: %v", err)
				}
				ctx := context.Background()
				s, err := db.StartSourceSync(ctx, a, kizuna.SourceShopify, kizuna.SyncBackfill, "job-9")
				if err != nil {
					t.Fatal(err)
				}
				if s.Cursor == "" || s.Records != 33 {
					t.Fatalf("resumed at %q after %d records, want 3 pages of 11", s.Cursor, s.Records)
				}
				if mode == "bulk" && !strings.HasPrefix(s.Cursor, "b:") || mode == "paged" && !strings.HasPrefix(s.Cursor, "c:") {
					t.Fatalf("%s cursor %q", mode, s.Cursor)
				}
				var seen int
				rest := newShopifyReader(t, conn, time.Time{})
				first := true
				end, err := jobs.SyncSource(ctx, db, shopifyReaderFunc(func(ctx context.Context, kind, cursor string) (*jobs.SourcePage, error) {
					if first && cursor != s.Cursor {
						t.Errorf("resumed from %q, want %q", cursor, s.Cursor)
					}
					first = false
					p, err := rest.Page(ctx, kind, cursor)
					if p != nil {
						seen += len(p.Records)
					}
					return p, err
				}), a, s, nil)
				if err != nil {
					t.Fatal(err)
				}
				if end.Records != int64(33+seen) {
					t.Errorf("records %d, want %d", end.Records, 33+seen)
				}
				shopifySamePreviews(t, db, nil, v, a, b)
			})
		}
	}
}

type shopifyReaderFunc func(ctx context.Context, kind, cursor string) (*jobs.SourcePage, error)

func (f shopifyReaderFunc) Page(ctx context.Context, kind, cursor string) (*jobs.SourcePage, error) {
	return f(ctx, kind, cursor)
}

// TestShopifyPoll reads only the customers updated since the reader's
// since.
func TestShopifyPoll(t *testing.T) {
	v := conformance.Load(t)
	var mu sync.Mutex
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	f := shopifyfake.New(shopifyfake.Config{AccessToken: shopifyToken, WebhookSecret: "s", Now: clock})
	if _, err := f.LoadNDJSON(bytes.NewReader(v.Friends)); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(f)
	defer srv.Close()
	defer f.Close()
	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	id, _ := f.CreateCustomer(context.Background(), "U0123456789abcdef0123456789abcdef", "a@example.com")
	r := newShopifyReader(t, shopifyConn(srv, nil), clock().Add(-30*time.Minute))
	p, err := r.Page(context.Background(), kizuna.SyncPoll, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Records) != 1 || !p.Done || p.Records[0].RecordID != id || p.Records[0].LineUserID != "U0123456789abcdef0123456789abcdef" ||
		!strings.HasPrefix(p.Next, "p:") {
		t.Fatalf("poll: %+v", p)
	}
	// A zero since reads every customer.
	r = newShopifyReader(t, shopifyConn(srv, nil), time.Time{})
	n := 0
	for cursor := ""; ; {
		p, err := r.Page(context.Background(), kizuna.SyncPoll, cursor)
		if err != nil {
			t.Fatal(err)
		}
		n += len(p.Records)
		if p.Done {
			break
		}
		cursor = p.Next
	}
	if n != f.CustomerCount() {
		t.Errorf("poll from zero read %d of %d", n, f.CustomerCount())
	}
	if _, err := r.Page(context.Background(), kizuna.SyncPoll, "x:"); kizuna.ErrorCode(err) != kizuna.EINVALID {
		t.Errorf("a bad cursor: %v", err)
	}
	if _, err := For(Options{})(&kizuna.Connection{Source: kizuna.SourceShopify, APIBase: srv.URL, Config: map[string]string{"line_user_id_metafield": "nodot"}},
		kizuna.ConnectionSecrets{"access_token": shopifyToken}, time.Time{}); kizuna.ErrorCode(err) != kizuna.EINVALID {
		t.Errorf("a bad metafield: %v", err)
	}
}
