package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/internal/gen"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

// TestInterleavedWritesAndTime interleaves imports of new friends, imports
// that replace existing friends (new tags, blocks, integrations gained and
// lost) and clock advances across midnights and hour boundaries, and after
// every step compares the engine's previews (from SQL while the index
// rebuilds, then from the index and its cache) with the domain's matcher
// over the friends as they should now be.
func TestInterleavedWritesAndTime(t *testing.T) {
	ctx := context.Background()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			db := testdb.Open(t, backend)
			e := engine.New(db, db, nil)
			defer e.Stop()
			for _, zone := range []string{"Asia/Tokyo", "America/Los_Angeles"} {
				loc, _ := time.LoadLocation(zone)
				a, err := db.CreateAccount(ctx, "interleave-"+strings.ToLower(strings.ReplaceAll(zone, "/", "-")), zone)
				if err != nil {
					t.Fatal(err)
				}
				r := rand.New(rand.NewPCG(11, uint64(len(zone))))
				clock := time.Date(2026, 10, 31, 22, 0, 0, 0, loc) // the US leaves DST on 2026-11-01
				friends := map[string]*kizuna.Friend{}
				var ids []string
				for step := 0; step < 14; step++ {
					var lines []string
					switch kind := r.IntN(3); {
					case step == 0 || kind == 0: // new friends
						lines = gen.Friends(r, 40, clock)
					case kind == 1: // replace existing friends' whole records
						for _, l := range gen.Friends(r, 25, clock) {
							var m map[string]any
							json.Unmarshal([]byte(l), &m)
							m["line_user_id"] = ids[r.IntN(len(ids))]
							if r.IntN(4) == 0 {
								m["status"] = "blocked"
							}
							b, _ := json.Marshal(m)
							lines = append(lines, string(b))
						}
					default: // time passes: to a local midnight, an hour boundary, or anywhere
						switch r.IntN(3) {
						case 0:
							y, mo, d := clock.Date()
							clock = time.Date(y, mo, d+1+r.IntN(2), 0, 0, 0, 0, loc)
						case 1:
							clock = clock.Truncate(time.Hour).Add(time.Duration(1+r.IntN(30)) * time.Hour)
						default:
							clock = clock.Add(time.Duration(r.IntN(3000)) * time.Minute)
						}
					}
					if len(lines) > 0 {
						if _, err := e.ImportFriends(ctx, a, strings.NewReader(strings.Join(lines, "\n")), kizuna.ImportOptions{}); err != nil {
							t.Fatalf("step %d: %v", step, err)
						}
						for _, l := range lines {
							f, err := kizuna.ParseFriendLine([]byte(l))
							if err != nil {
								t.Fatal(err)
							}
							if friends[f.LineUserID] == nil {
								ids = append(ids, f.LineUserID)
							}
							friends[f.LineUserID] = f
						}
						// Right after a write: answered by SQL, and already current.
						compareStep(t, e, a, r, friends, ids, loc, clock, 10, fmt.Sprintf("%s step %d after the write", zone, step))
					}
					waitReady(t, e, a)
					compareStep(t, e, a, r, friends, ids, loc, clock, 40, fmt.Sprintf("%s step %d from the index", zone, step))
				}
			}
		})
	}
}

func compareStep(t *testing.T, e *engine.Engine, a *kizuna.Account, r *rand.Rand, friends map[string]*kizuna.Friend, ids []string, loc *time.Location, now time.Time, n int, what string) {
	t.Helper()
	list := make([]*kizuna.Friend, 0, len(ids))
	for _, id := range ids {
		list = append(list, friends[id])
	}
	sort.Slice(list, func(i, j int) bool { return list[i].LineUserID < list[j].LineUserID })
	compared := 0
	defer func() {
		if compared*2 < n {
			t.Fatalf("%s: only %d of %d filters were compared", what, compared, n)
		}
	}()
	for k := 0; k < n; k++ {
		raw := gen.Filter(r, gen.FriendTags, now)
		p, err := e.Preview(context.Background(), a, kizuna.PreviewRequest{Filter: raw, Now: now})
		if err != nil {
			// A generated filter may name a tag no imported line carried yet.
			if kizuna.ErrorCode(err) == kizuna.EINVALIDFILTER && strings.Contains(err.Error(), "friend tag") {
				continue
			}
			t.Fatalf("%s: %v", what, err)
		}
		compared++
		f, _ := kizuna.ParseFilter(raw)
		count, sample := reference(f, list, loc, now)
		var got []string
		for _, s := range p.Sample {
			got = append(got, s.LineUserID)
		}
		if p.Count != int64(count) || fmt.Sprint(got) != fmt.Sprint(sample) {
			t.Fatalf("%s at %s (answered by %s):\nfilter %s\ngot %d %v\nwant %d %v", what, now, p.AnsweredBy, raw, p.Count, got, count, sample)
		}
	}
}
