package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
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
// lost), tag changes, deletes (and friends coming back after one), and
// clock advances across midnights and hour boundaries. After every step it
// compares the engine's previews with the domain's matcher over the friends
// as they should now be. A fixed pool of filters is asked at every step, so
// that cached condition results are patched by the writes and carried
// across time; fresh filters are asked too.
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
				var pool []json.RawMessage
				for range 30 {
					pool = append(pool, gen.Filter(r, gen.FriendTags, clock))
				}
				friends := map[string]*kizuna.Friend{}
				var ids, gone []string
				incremental := 0
				for step := 0; step < 24; step++ {
					var lines []string
					wrote := true
					switch kind := r.IntN(6); {
					case step == 0 || kind == 0: // new friends, and some deleted ones back
						lines = gen.Friends(r, 40, clock)
						for k := 0; k < len(gone) && k < 3; k++ {
							lines[k] = withID(lines[k], gone[k])
						}
					case kind == 1: // replace existing friends' whole records
						for _, l := range gen.Friends(r, 25, clock) {
							var m map[string]any
							json.Unmarshal([]byte(l), &m)
							if r.IntN(4) == 0 {
								m["status"] = "blocked"
							}
							b, _ := json.Marshal(m)
							lines = append(lines, withID(string(b), ids[r.IntN(len(ids))]))
						}
					case kind == 2: // tag changes
						var who []string
						for range 1 + r.IntN(8) {
							who = append(who, ids[r.IntN(len(ids))])
						}
						add, remove := []string{gen.FriendTags[r.IntN(len(gen.FriendTags))]}, []string{}
						if x := gen.FriendTags[r.IntN(len(gen.FriendTags))]; x != add[0] {
							remove = append(remove, x)
						}
						if err := e.TagFriends(ctx, a, who, add, remove); err != nil {
							t.Fatalf("step %d: %v", step, err)
						}
						for _, id := range who {
							f := friends[id]
							f.Tags = slices.DeleteFunc(f.Tags, func(t string) bool { return t == add[0] || slices.Contains(remove, t) })
							f.Tags = append(f.Tags, add[0])
						}
					case kind == 3: // deletes
						var who []string
						for range 1 + r.IntN(4) {
							k := r.IntN(len(ids))
							who = append(who, ids[k])
							gone = append(gone, ids[k])
							delete(friends, ids[k])
							ids = slices.Delete(ids, k, k+1)
						}
						if _, err := e.DeleteFriends(ctx, a, who); err != nil {
							t.Fatalf("step %d: %v", step, err)
						}
					default: // time passes: to a local midnight, an hour boundary, or anywhere
						wrote = false
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
								gone = slices.DeleteFunc(gone, func(id string) bool { return id == f.LineUserID })
							}
							friends[f.LineUserID] = f
						}
					}
					if wrote && e.Ready(a) {
						incremental++
					}
					waitReady(t, e, a)
					compareStep(t, e, a, r, pool, friends, ids, loc, clock, 20, fmt.Sprintf("%s step %d", zone, step))
				}
				if incremental < 8 {
					t.Fatalf("%s: only %d writes were applied to a ready index", zone, incremental)
				}
			}
		})
	}
}

// withID returns an import line with its LINE user ID replaced.
func withID(line, id string) string {
	var m map[string]any
	json.Unmarshal([]byte(line), &m)
	m["line_user_id"] = id
	b, _ := json.Marshal(m)
	return string(b)
}

func compareStep(t *testing.T, e *engine.Engine, a *kizuna.Account, r *rand.Rand, pool []json.RawMessage, friends map[string]*kizuna.Friend, ids []string, loc *time.Location, now time.Time, n int, what string) {
	t.Helper()
	list := make([]*kizuna.Friend, 0, len(ids))
	for _, id := range ids {
		list = append(list, friends[id])
	}
	sort.Slice(list, func(i, j int) bool { return list[i].LineUserID < list[j].LineUserID })
	facts := factsOf(list, loc)
	compared := 0
	defer func() {
		if !t.Failed() && compared*2 < n+len(pool) {
			t.Fatalf("%s: only %d of %d filters were compared", what, compared, n+len(pool))
		}
	}()
	for k := 0; k < n+len(pool); k++ {
		raw := gen.Filter(r, gen.FriendTags, now)
		if k < len(pool) {
			raw = pool[k]
		}
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
		count, sample := reference(f, facts, loc, now)
		var got []string
		for _, s := range p.Sample {
			got = append(got, s.LineUserID)
		}
		if p.AnsweredBy != "engine" {
			t.Fatalf("%s: answered by %s", what, p.AnsweredBy)
		}
		if p.Count != int64(count) || fmt.Sprint(got) != fmt.Sprint(sample) {
			t.Fatalf("%s at %s (answered by %s):\nfilter %s\ngot %d %v\nwant %d %v", what, now, p.AnsweredBy, raw, p.Count, got, count, sample)
		}
	}
}
