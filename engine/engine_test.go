package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/internal/conformance"
	"github.com/kizuna-line/kizuna/internal/gen"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/sqlstore"
)

func waitReady(t *testing.T, e *engine.Engine, a *kizuna.Account) {
	t.Helper()
	e.Load(a)
	deadline := time.Now().Add(30 * time.Second)
	for !e.Ready(a) {
		if time.Now().After(deadline) {
			t.Fatal("index not ready after 30s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// samePreview checks that the engine and the SQL path give the same answer.
func samePreview(t *testing.T, what string, got, want *kizuna.Preview) {
	t.Helper()
	g, _ := json.Marshal(struct {
		C  int64
		S  []kizuna.PreviewFriend
		M  string
		E  time.Time
		EA int64
	}{got.Count, got.Sample, got.Summary, got.EvaluatedAt, got.EstimatedAdded})
	w, _ := json.Marshal(struct {
		C  int64
		S  []kizuna.PreviewFriend
		M  string
		E  time.Time
		EA int64
	}{want.Count, want.Sample, want.Summary, want.EvaluatedAt, want.EstimatedAdded})
	if string(g) != string(w) {
		t.Fatalf("%s:\nengine %s\nsql    %s", what, g, w)
	}
}

// TestEngineEqualsSQL builds indexes from the database and compares every
// preview with the SQL path: the conformance vectors and generated filters
// over generated friends, on each backend.
func TestEngineEqualsSQL(t *testing.T) {
	ctx := context.Background()
	v := conformance.Load(t)
	friends := v.Friends
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			db := testdb.Open(t, backend)
			e := engine.New(db, db, nil)
			defer e.Stop()

			a, _ := db.CreateAccount(ctx, "conformance", "Asia/Tokyo")
			if _, err := e.ImportFriends(ctx, a, strings.NewReader(string(friends)), kizuna.ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			waitReady(t, e, a)
			for _, tc := range v.Cases {
				req := kizuna.PreviewRequest{Filter: tc.Filter, Now: tc.Now, Lang: "ja"}
				got, gerr := e.Preview(ctx, a, req)
				want, werr := db.Preview(ctx, a, req)
				if tc.Expect.Error != "" {
					if kizuna.ErrorCode(gerr) != tc.Expect.Error || fmt.Sprint(gerr) != fmt.Sprint(werr) {
						t.Fatalf("%s: engine %v, sql %v", tc.Name, gerr, werr)
					}
					continue
				}
				if gerr != nil || werr != nil {
					t.Fatalf("%s: engine %v, sql %v", tc.Name, gerr, werr)
				}
				if got.AnsweredBy != "engine" || want.AnsweredBy != "sql" {
					t.Fatalf("%s: answered by %q and %q", tc.Name, got.AnsweredBy, want.AnsweredBy)
				}
				samePreview(t, tc.Name, got, want)
				// Count only: the same count from both, nothing else.
				req.CountOnly = true
				for _, p := range []kizuna.Store{e, db} {
					c, err := p.Preview(ctx, a, req)
					if err != nil || c.Count != want.Count || len(c.Sample) != 0 || c.Summary != "" {
						t.Fatalf("%s: count only %+v (%v), want count %d alone", tc.Name, c, err, want.Count)
					}
				}
			}

			for _, zone := range []string{"Asia/Tokyo", "America/Los_Angeles"} {
				loc, _ := time.LoadLocation(zone)
				r := rand.New(rand.NewPCG(7, 7))
				now := time.Date(2026, 11, 28, 0, 0, 0, 0, loc)
				a, _ := db.CreateAccount(ctx, "gen-"+strings.ReplaceAll(strings.ToLower(zone), "/", "-"), zone)
				lines := gen.Friends(r, 400, now)
				if _, err := e.ImportFriends(ctx, a, strings.NewReader(strings.Join(lines, "\n")), kizuna.ImportOptions{}); err != nil {
					t.Fatal(err)
				}
				waitReady(t, e, a)
				stored := gen.Observe(lines)
				stored.Tags = gen.FriendTags
				for k := 0; k < 120; k++ {
					at := now.Add(time.Duration(r.IntN(48*60)-24*60) * time.Minute)
					req := kizuna.PreviewRequest{Filter: gen.FilterFor(r, stored, at), Now: at}
					got, gerr := e.Preview(ctx, a, req)
					want, werr := db.Preview(ctx, a, req)
					if fmt.Sprint(gerr) != fmt.Sprint(werr) {
						t.Fatalf("filter %s: engine %v, sql %v", req.Filter, gerr, werr)
					}
					if gerr == nil {
						samePreview(t, string(req.Filter), got, want)
					}
				}
			}
		})
	}
}

// TestEngineAfterImport checks that a preview after an import through the
// engine reflects it at once: from SQL while the index is rebuilt, from the
// new index after.
func TestEngineAfterImport(t *testing.T) {
	ctx := context.Background()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			db := testdb.Open(t, backend)
			e := engine.New(db, db, nil)
			defer e.Stop()
			a, _ := db.CreateAccount(ctx, "shop", "")
			line := func(id int, tags string) string {
				return fmt.Sprintf(`{"line_user_id": "U%032x", "added_at": "2026-11-%02dT10:00:00+09:00", "tags": [%s]}`, id, id, tags)
			}
			if _, err := e.ImportFriends(ctx, a, strings.NewReader(line(1, `"VIP"`)+"\n"+line(2, `"新規"`)), kizuna.ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			waitReady(t, e, a)
			vip := kizuna.PreviewRequest{Filter: json.RawMessage(`{"groups":[{"conditions":[{"field":"tag","op":"has","value":"VIP"}]}]}`)}
			p, err := e.Preview(ctx, a, vip)
			if err != nil || p.Count != 1 || p.AnsweredBy != "engine" {
				t.Fatalf("before: %+v %v", p, err)
			}
			for round := 3; round < 8; round++ {
				// Friend 2 gains VIP, another friend arrives with it.
				data := line(2, `"VIP"`) + "\n" + line(round, `"VIP"`)
				if _, err := e.ImportFriends(ctx, a, strings.NewReader(data), kizuna.ImportOptions{}); err != nil {
					t.Fatal(err)
				}
				p, err = e.Preview(ctx, a, vip)
				if err != nil || p.Count != int64(round) {
					t.Fatalf("round %d right after the import: %+v %v", round, p, err)
				}
				waitReady(t, e, a)
				p, err = e.Preview(ctx, a, vip)
				if err != nil || p.Count != int64(round) || p.AnsweredBy != "engine" {
					t.Fatalf("round %d after the rebuild: %+v %v", round, p, err)
				}
			}
		})
	}
}

var _ kizuna.FactsScanner = (*sqlstore.DB)(nil)

// TestEngineSeesOtherProcessesWrites runs two engines over one database, as
// two Kizuna processes would: a write through one (or straight to the store,
// as the command line does) is in the other's very next preview, applied to
// its index from the change log, and followed without any preview too.
func TestEngineSeesOtherProcessesWrites(t *testing.T) {
	ctx := context.Background()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			dsn := testdb.DSN(t, backend)
			open := func() *sqlstore.DB {
				db, err := sqlstore.Open(ctx, dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				return db
			}
			db1, db2 := open(), open()
			e1, e2 := engine.New(db1, db1, nil), engine.New(db2, db2, nil)
			defer e1.Stop()
			defer e2.Stop()
			a, err := db1.CreateAccount(ctx, "shop", "")
			if err != nil {
				t.Fatal(err)
			}
			line := func(id int) string {
				return fmt.Sprintf(`{"line_user_id": "U%032x", "added_at": "2026-11-%02dT10:00:00+09:00", "tags": ["VIP"]}`, id, id)
			}
			if _, err := e1.ImportFriends(ctx, a, strings.NewReader(line(1)), kizuna.ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			a2, _ := db2.FindAccount(ctx, "shop")
			waitReady(t, e2, a2)
			vip := kizuna.PreviewRequest{Filter: json.RawMessage(`{"groups":[{"conditions":[{"field":"tag","op":"has","value":"VIP"}]}]}`)}
			for n := 2; n <= 4; n++ {
				var err error
				if n%2 == 0 {
					_, err = e1.ImportFriends(ctx, a, strings.NewReader(line(n)), kizuna.ImportOptions{})
				} else {
					_, err = db1.ImportFriends(ctx, a, strings.NewReader(line(n)), kizuna.ImportOptions{}) // the command line's way
				}
				if err != nil {
					t.Fatal(err)
				}
				// The other process applies the change log before answering.
				p, err := e2.Preview(ctx, a2, vip)
				if err != nil || p.Count != int64(n) || p.AnsweredBy != "engine" {
					t.Fatalf("write %d, next preview in the other process: %+v %v", n, p, err)
				}
			}
			// A tag created without friends is known to the other process's
			// next preview: filtering by it counts nobody, instead of refusing it.
			if err := db1.CreateTag(ctx, a, "brand-new"); err != nil {
				t.Fatal(err)
			}
			fresh := kizuna.PreviewRequest{Filter: json.RawMessage(`{"groups":[{"conditions":[{"field":"tag","op":"has","value":"brand-new"}]}]}`)}
			if p, err := e2.Preview(ctx, a2, fresh); err != nil || p.Count != 0 || p.AnsweredBy != "engine" {
				t.Fatalf("a new tag in the other process: %+v %v", p, err)
			}
			// Without any preview, the other process follows the log.
			if err := db1.TagFriends(ctx, a, []string{fmt.Sprintf("U%032x", 1)}, []string{"new"}, []string{"VIP"}); err != nil {
				t.Fatal(err)
			}
			want, _ := db1.FriendsVersion(ctx, a)
			deadline := time.Now().Add(20 * engine.FollowEvery)
			for e2.Version(a2) != want {
				if time.Now().After(deadline) {
					t.Fatalf("the other process's index is at version %d, the database at %d", e2.Version(a2), want)
				}
				time.Sleep(engine.FollowEvery / 5)
			}
			// An import of more friends than is worth re-reading one by one:
			// SQL answers, exactly, until the index is rebuilt.
			var big []string
			for n := 10; n < 1020; n++ {
				big = append(big, fmt.Sprintf(`{"line_user_id": "U%032x", "added_at": "2026-11-01T10:00:00+09:00", "tags": ["VIP"]}`, n))
			}
			if _, err := db1.ImportFriends(ctx, a, strings.NewReader(strings.Join(big, "\n")), kizuna.ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			p, err := e2.Preview(ctx, a2, vip)
			if err != nil || p.Count != 1013 || p.AnsweredBy != "sql" {
				t.Fatalf("after a large import, the next preview in the other process: %+v %v", p, err)
			}
			waitReady(t, e2, a2)
			if p, err := e2.Preview(ctx, a2, vip); err != nil || p.Count != 1013 || p.AnsweredBy != "engine" {
				t.Fatalf("after the rebuild: %+v %v", p, err)
			}
		})
	}
}
