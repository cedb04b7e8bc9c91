package sqlstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/demo"
	"github.com/kizuna-line/kizuna/internal/conformance"
	"github.com/kizuna-line/kizuna/internal/gen"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/sqlstore"
)

// expectedFacts is what ScanFacts must return for the import lines, imported
// in order into an account in loc: for each friend, in order of first
// appearance, FactsOf its last line.
func expectedFacts(t *testing.T, loc *time.Location, lines []string) []*kizuna.FriendFacts {
	t.Helper()
	var order []string
	last := map[string]*kizuna.Friend{}
	for i, l := range lines {
		f, err := kizuna.ParseFriendLine([]byte(l))
		if err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if _, ok := last[f.LineUserID]; !ok {
			order = append(order, f.LineUserID)
		}
		last[f.LineUserID] = f
	}
	out := make([]*kizuna.FriendFacts, len(order))
	for i, id := range order {
		out[i] = kizuna.FactsOf(last[id], loc)
	}
	return out
}

// normalFacts returns a copy of ff comparable with reflect.DeepEqual: sets
// sorted, empty slices and maps nil, times checked apart (time.Equal) and zeroed.
func normalFacts(ff *kizuna.FriendFacts) *kizuna.FriendFacts {
	set := func(s []string) []string {
		if len(s) == 0 {
			return nil
		}
		s = slices.Clone(s)
		slices.Sort(s)
		return s
	}
	c := *ff
	c.AddedAt = time.Time{}
	c.Tags = set(c.Tags)
	if ff.Shopify != nil {
		s := *ff.Shopify
		s.AbandonedAt = time.Time{}
		s.TagsNorm = set(s.TagsNorm)
		c.Shopify = &s
	}
	contact := func(cf *kizuna.ContactFacts) *kizuna.ContactFacts {
		if cf == nil {
			return nil
		}
		n := &kizuna.ContactFacts{Lists: set(cf.Lists)}
		if len(cf.Properties) > 0 {
			n.Properties = cf.Properties
		}
		return n
	}
	c.HubSpot, c.Klaviyo = contact(ff.HubSpot), contact(ff.Klaviyo)
	return &c
}

func sameFacts(t *testing.T, got, want *kizuna.FriendFacts, loc *time.Location) {
	t.Helper()
	if !got.AddedAt.Equal(want.AddedAt) {
		t.Errorf("%s: AddedAt %v, want %v", want.LineUserID, got.AddedAt, want.AddedAt)
	}
	if (got.Shopify == nil) == (want.Shopify == nil) && got.Shopify != nil && !got.Shopify.AbandonedAt.Equal(want.Shopify.AbandonedAt) {
		t.Errorf("%s: AbandonedAt %v, want %v", want.LineUserID, got.Shopify.AbandonedAt, want.Shopify.AbandonedAt)
	}
	if got.AddedAt.Location().String() != loc.String() {
		t.Errorf("%s: AddedAt in %v, want the account's zone %v", want.LineUserID, got.AddedAt.Location(), loc)
	}
	g, w := normalFacts(got), normalFacts(want)
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s: facts differ\n got %s\nwant %s", want.LineUserID, dumpFacts(g), dumpFacts(w))
	}
}

func dumpFacts(ff *kizuna.FriendFacts) string {
	s := fmt.Sprintf("%+v", *ff)
	if ff.Shopify != nil {
		s += fmt.Sprintf(" shopify=%+v", *ff.Shopify)
	}
	if ff.HubSpot != nil {
		s += fmt.Sprintf(" hubspot=%+v", *ff.HubSpot)
	}
	if ff.Klaviyo != nil {
		s += fmt.Sprintf(" klaviyo=%+v", *ff.Klaviyo)
	}
	return s
}

// scanAll returns every friend ScanFacts passes for the account.
func scanAll(t *testing.T, db *sqlstore.DB, a *kizuna.Account) []*kizuna.FriendFacts {
	t.Helper()
	var got []*kizuna.FriendFacts
	if err := db.ScanFacts(context.Background(), a, func(ff *kizuna.FriendFacts) error {
		got = append(got, ff)
		return nil
	}); err != nil {
		t.Fatalf("scan %s: %v", a.Name, err)
	}
	return got
}

func checkScan(t *testing.T, db *sqlstore.DB, a *kizuna.Account, want []*kizuna.FriendFacts) {
	t.Helper()
	loc := a.Location()
	got := scanAll(t, db, a)
	for i := range min(len(got), len(want)) {
		if got[i].LineUserID != want[i].LineUserID {
			t.Fatalf("%s: friend %d is %s, want %s (friends must come in ascending ID order)", a.Name, i, got[i].LineUserID, want[i].LineUserID)
		}
		sameFacts(t, got[i], want[i], loc)
	}
	if len(got) != len(want) {
		t.Fatalf("%s: scanned %d friends, want %d", a.Name, len(got), len(want))
	}
}

func importLines(t *testing.T, db *sqlstore.DB, a *kizuna.Account, lines []string) {
	t.Helper()
	res, err := db.ImportFriends(context.Background(), a, strings.NewReader(ndjson(lines...)), kizuna.ImportOptions{})
	if err != nil {
		t.Fatalf("import into %s: %v", a.Name, err)
	}
	if res.Imported != int64(len(lines)) {
		t.Fatalf("import into %s: imported %d of %d lines", a.Name, res.Imported, len(lines))
	}
}

// TestScanFacts checks that ScanFacts returns, for every friend of an
// account and of no other, in ascending ID order, the facts that FactsOf
// derives from the friend's last imported line.
func TestScanFacts(t *testing.T) {
	data := conformance.Load(t).Friends
	conformance := strings.Split(strings.TrimSpace(string(data)), "\n")
	now := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	generated := gen.Friends(rand.New(rand.NewPCG(11, 11)), 400, now)
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := testdb.Open(t, backend)
			tokyo, err := db.CreateAccount(ctx, "tokyo", "Asia/Tokyo")
			if err != nil {
				t.Fatal(err)
			}
			la, err := db.CreateAccount(ctx, "la", "America/Los_Angeles")
			if err != nil {
				t.Fatal(err)
			}
			empty, err := db.CreateAccount(ctx, "empty", "UTC")
			if err != nil {
				t.Fatal(err)
			}
			// The accounts' friend IDs interleave, and the Tokyo account
			// also has 50 of the Los Angeles account's friends (the same
			// LINE users, other derived days), some imported twice.
			tokyoLines := slices.Concat(conformance[:150], conformance[150:], generated[:50], generated[20:30])
			importLines(t, db, tokyo, conformance[:150])
			importLines(t, db, la, generated[:200])
			importLines(t, db, tokyo, tokyoLines[150:])
			importLines(t, db, la, generated[200:])

			checkScan(t, db, tokyo, expectedFacts(t, tokyo.Location(), tokyoLines))
			checkScan(t, db, la, expectedFacts(t, la.Location(), generated))
			checkScan(t, db, empty, nil)

			// A scan during another: the outer one reads on two connections,
			// the inner one (which cannot have a second) on one.
			calls := 0
			if err := db.ScanFacts(ctx, tokyo, func(*kizuna.FriendFacts) error {
				if calls++; calls == 1 {
					checkScan(t, db, la, expectedFacts(t, la.Location(), generated))
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}

			// A re-import replaces child rows: the scan sees the new ones only.
			importLines(t, db, la, generated[100:300])
			checkScan(t, db, la, expectedFacts(t, la.Location(), slices.Concat(generated, generated[100:300])))

			// An account whose friend IDs no other account's interleave: its
			// child rows are read without the join with friends.
			solo, err := db.CreateAccount(ctx, "solo", "Asia/Tokyo")
			if err != nil {
				t.Fatal(err)
			}
			importLines(t, db, solo, slices.Concat(conformance, generated[:100]))
			checkScan(t, db, solo, expectedFacts(t, solo.Location(), slices.Concat(conformance, generated[:100])))
		})
	}
}

// TestScanFactsStops checks that an error from fn, and a cancelled context,
// stop the scan and come back.
func TestScanFactsStops(t *testing.T) {
	now := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	var buf bytes.Buffer
	if err := demo.WriteFriends(&buf, demo.Options{Friends: 3000, Seed: 3, Now: now}); err != nil {
		t.Fatal(err)
	}
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := testdb.Open(t, backend)
			a, err := db.CreateAccount(ctx, "stops", "Asia/Tokyo")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.ImportFriends(ctx, a, bytes.NewReader(buf.Bytes()), kizuna.ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			total := len(scanAll(t, db, a))
			if total != 3000 {
				t.Fatalf("scanned %d friends, want 3000", total)
			}

			stop := errors.New("stop here")
			calls := 0
			err = db.ScanFacts(ctx, a, func(*kizuna.FriendFacts) error {
				calls++
				if calls == 5 {
					return stop
				}
				return nil
			})
			if err != stop || calls != 5 {
				t.Fatalf("fn failing at friend 5: got %v after %d calls, want %v after 5", err, calls, stop)
			}

			cctx, cancel := context.WithCancel(ctx)
			calls = 0
			err = db.ScanFacts(cctx, a, func(*kizuna.FriendFacts) error {
				calls++
				if calls == 10 {
					cancel()
				}
				return nil
			})
			if !errors.Is(err, context.Canceled) || calls >= total {
				t.Fatalf("context cancelled at friend 10: got %v after %d of %d calls, want context.Canceled", err, calls, total)
			}
			err = db.ScanFacts(cctx, a, func(*kizuna.FriendFacts) error {
				t.Fatal("fn called with a cancelled context")
				return nil
			})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled context: got %v, want context.Canceled", err)
			}

			// The database is still usable: the scans released their connections.
			if got := len(scanAll(t, db, a)); got != total {
				t.Fatalf("scanned %d friends after the stopped scans, want %d", got, total)
			}
		})
	}
}

// BenchmarkScanFacts measures friends scanned per second from 50,000 demo
// friends, on each backend.
func BenchmarkScanFacts(b *testing.B) {
	const n = 50000
	var buf bytes.Buffer
	if err := demo.WriteFriends(&buf, demo.Options{Friends: n, Seed: 1, Now: time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)}); err != nil {
		b.Fatal(err)
	}
	for _, backend := range testdb.Backends() {
		b.Run(backend, func(b *testing.B) {
			ctx := context.Background()
			db := testdb.Open(b, backend)
			a, err := db.CreateAccount(ctx, "bench", "")
			if err != nil {
				b.Fatal(err)
			}
			if _, err := db.ImportFriends(ctx, a, bytes.NewReader(buf.Bytes()), kizuna.ImportOptions{}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				count := 0
				if err := db.ScanFacts(ctx, a, func(*kizuna.FriendFacts) error {
					count++
					return nil
				}); err != nil {
					b.Fatal(err)
				}
				if count != n {
					b.Fatalf("scanned %d friends, want %d", count, n)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "friends/s")
		})
	}
}

// TestScanFactsSnapshot scans while imports keep replacing every friend's
// data, alternating between two versions: each scan must see one version
// whole, though its queries run on two connections and imports commit
// between the chunks it reads.
func TestScanFactsSnapshot(t *testing.T) {
	n := 12000 // more than a chunk of friends, and several of properties
	if raceEnabled {
		n = 2000 // the race detector slows SQLite 20 times: one chunk, two connections still
	}
	now := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	var buf bytes.Buffer
	if err := demo.WriteFriends(&buf, demo.Options{Friends: n, Seed: 5, Now: now}); err != nil {
		t.Fatal(err)
	}
	first := strings.Split(strings.TrimSpace(buf.String()), "\n")
	// The second version gives each friend the data of the next one.
	second := make([]string, len(first))
	for i := range first {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(first[(i+1)%len(first)]), &m); err != nil {
			t.Fatal(err)
		}
		var own map[string]json.RawMessage
		if err := json.Unmarshal([]byte(first[i]), &own); err != nil {
			t.Fatal(err)
		}
		m["line_user_id"] = own["line_user_id"]
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		second[i] = string(b)
	}
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := testdb.Open(t, backend)
			a, err := db.CreateAccount(ctx, "snap", "Asia/Tokyo")
			if err != nil {
				t.Fatal(err)
			}
			importLines(t, db, a, first)
			// The friends keep the IDs, so the order, of the first import.
			versions := [][]*kizuna.FriendFacts{expectedFacts(t, a.Location(), first), expectedFacts(t, a.Location(), slices.Concat(first, second))}
			if versions[0][0].LineUserID != versions[1][0].LineUserID {
				t.Fatal("the versions list friends in different orders")
			}

			wctx, stop := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() {
				var err error
				for i := 1; wctx.Err() == nil; i++ {
					_, err = db.ImportFriends(wctx, a, strings.NewReader(ndjson([][]string{first, second}[i%2]...)), kizuna.ImportOptions{})
					if err != nil && wctx.Err() == nil {
						break
					}
					err = nil
				}
				done <- err
			}()
			defer func() {
				stop()
				if err := <-done; err != nil {
					t.Errorf("import: %v", err)
				}
			}()

			loc := a.Location()
			seen := [2]int{}
			deadline := time.Now().Add(3 * time.Second)
			for scans := 0; scans < 4 || (time.Now().Before(deadline) && (seen[0] == 0 || seen[1] == 0)); scans++ {
				got := scanAll(t, db, a)
				if len(got) != n {
					t.Fatalf("scanned %d friends, want %d", len(got), n)
				}
				// The version is the one whose first friend matches.
				v := 0
				if reflect.DeepEqual(normalFacts(got[0]), normalFacts(versions[1][0])) {
					v = 1
				}
				seen[v]++
				for i, ff := range got {
					sameFacts(t, ff, versions[v][i], loc)
					if t.Failed() {
						t.Fatalf("scan %d: friend %d of version %d differs: a scan mixed two versions", scans, i, v)
					}
				}
			}
			t.Logf("scans of each version: %v", seen)
		})
	}
}
