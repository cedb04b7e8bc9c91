package sqlstore_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/gen"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/sqlstore"
)

var randomSeeds = flag.Int("random.seeds", 0, "run TestRandomDifferential with this many seeds per scenario instead of the default few")

const randomFriends = 400

// randomFilters is how many filters each seed tries. Under the race detector
// the SQLite queries are so slow that each scenario runs one seed with fewer
// filters, to keep the suite fast in CI; run without -race, or with
// -random.seeds=N, for the full search.
func randomFilters() int {
	if raceEnabled && *randomSeeds == 0 {
		return 100
	}
	return 300
}

// diffScenario is an account zone, the instant the data is generated around
// and the instants it is evaluated at: midnights of the zone and hour
// boundaries, and a microsecond either side of them.
type diffScenario struct {
	name  string
	zone  string
	seeds []uint64
	gen   time.Time
	nows  []time.Time
}

func diffScenarios(t *testing.T) []diffScenario {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	const us = time.Microsecond
	around := func(ts ...time.Time) []time.Time {
		var out []time.Time
		for _, t := range ts {
			out = append(out, t.Add(-us), t, t.Add(us))
		}
		return out
	}
	// A Tokyo midnight is also a UTC hour boundary; the generated carts sit on
	// whole hours before it.
	midnight := time.Date(2026, 11, 28, 0, 0, 0, 0, tokyo)
	// 2026-11-01 01:00 PDT -> 01:00 PST, and 2026-03-08 02:00 PST -> 03:00 PDT.
	fallBack := time.Date(2026, 11, 1, 1, 59, 59, 0, la).Add(time.Second)
	springForward := time.Date(2026, 3, 8, 3, 0, 0, 0, la)
	return []diffScenario{
		{name: "tokyo", zone: "Asia/Tokyo", seeds: []uint64{1, 2, 3}, gen: midnight,
			nows: append(around(midnight, midnight.Add(time.Hour)), midnight.Add(9*time.Hour), midnight.Add(-15*time.Hour+us))},
		{name: "los_angeles_fall_back", zone: "America/Los_Angeles", seeds: []uint64{4}, gen: fallBack,
			nows: around(time.Date(2026, 11, 1, 0, 0, 0, 0, la), fallBack, time.Date(2026, 11, 2, 0, 0, 0, 0, la))},
		{name: "los_angeles_spring_forward", zone: "America/Los_Angeles", seeds: []uint64{5}, gen: springForward,
			nows: around(time.Date(2026, 3, 8, 0, 0, 0, 0, la), springForward, time.Date(2026, 3, 9, 0, 0, 0, 0, la))},
	}
}

// TestRandomDifferential imports generated friends and checks, for random
// valid filters at instants on day and hour boundaries, that the SQL
// preview's count and sample are exactly what the in-memory reference,
// kizuna.Matcher, computes over the parsed lines (the last line of each
// friend winning). Each scenario runs in its own account of one database per
// backend.
func TestRandomDifferential(t *testing.T) {
	t.Parallel()
	scenarios := diffScenarios(t)
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			db := testdb.Open(t, backend)
			for _, sc := range scenarios {
				seeds := sc.seeds
				if raceEnabled {
					seeds = seeds[:1]
				}
				if *randomSeeds > 0 {
					seeds = nil
					for i := range *randomSeeds {
						seeds = append(seeds, sc.seeds[0]*1000+uint64(i))
					}
				}
				for _, seed := range seeds {
					t.Run(fmt.Sprintf("%s/seed=%d", sc.name, seed), func(t *testing.T) {
						t.Parallel()
						runDifferential(t, db, sc, seed)
					})
				}
			}
		})
	}
}

// reference is the in-memory side of the differential test.
type reference struct {
	lines   map[string]string         // line_user_id -> its last line
	byID    map[string]*kizuna.Friend // line_user_id -> its last record
	friends []*kizuna.Friend          // the last record of each friend, in sample order
	facts   map[*time.Location][]*kizuna.FriendFacts
}

func newReference(t *testing.T, lines []string) *reference {
	ref := &reference{lines: map[string]string{}, byID: map[string]*kizuna.Friend{}}
	byID := ref.byID
	for i, l := range lines {
		f, err := kizuna.ParseFriendLine([]byte(l))
		if err != nil {
			t.Fatalf("generated line %d does not parse: %v\n%s", i+1, err, l)
		}
		byID[f.LineUserID], ref.lines[f.LineUserID] = f, l
	}
	for _, f := range byID {
		ref.friends = append(ref.friends, f)
	}
	slices.SortFunc(ref.friends, func(a, b *kizuna.Friend) int {
		if c := b.AddedAt.Compare(a.AddedAt); c != 0 {
			return c
		}
		return strings.Compare(a.LineUserID, b.LineUserID)
	})
	return ref
}

// members returns the IDs of the friends m matches, in sample order.
func (ref *reference) members(m kizuna.Matcher, f *kizuna.Filter) []string {
	if ref.facts == nil {
		ref.facts = map[*time.Location][]*kizuna.FriendFacts{}
	}
	facts := ref.facts[m.Loc]
	if facts == nil {
		for _, fr := range ref.friends {
			facts = append(facts, kizuna.FactsOf(fr, m.Loc))
		}
		ref.facts[m.Loc] = facts
	}
	var ids []string
	for _, fr := range facts {
		if m.MatchFacts(f, fr) {
			ids = append(ids, fr.LineUserID)
		}
	}
	return ids
}

func runDifferential(t *testing.T, db *sqlstore.DB, sc diffScenario, seed uint64) {
	ctx := context.Background()
	a, err := db.CreateAccount(ctx, fmt.Sprintf("%s-%d", sc.name, seed), sc.zone)
	if err != nil {
		t.Fatal(err)
	}
	lines := gen.Friends(rand.New(rand.NewPCG(seed, 1)), randomFriends, sc.gen)
	res, err := db.ImportFriends(ctx, a, strings.NewReader(strings.Join(lines, "\n")+"\n"), kizuna.ImportOptions{})
	if err != nil {
		t.Fatalf("seed %d: import: %v", seed, err)
	}
	if res.Imported != int64(len(lines)) {
		t.Fatalf("seed %d: imported %d of %d lines", seed, res.Imported, len(lines))
	}
	ref := newReference(t, lines)
	tags, err := db.Tags(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	var tagNames []string
	for _, tg := range tags {
		tagNames = append(tagNames, tg.Name)
	}
	// Operands aim at the values the lines store, where a comparison that is
	// off by its boundary (lt as lte) shows.
	stored := gen.Observe(lines)
	stored.Tags = tagNames
	loc := a.Location()
	r := rand.New(rand.NewPCG(seed, 2))
	failures, empty, everyone := 0, 0, 0
	following := 0
	for _, fr := range ref.friends {
		if fr.Status == kizuna.StatusFollowing {
			following++
		}
	}
	for i := range randomFilters() {
		now := sc.nows[i%len(sc.nows)]
		raw := gen.FilterFor(r, stored, now)
		f, err := kizuna.ParseFilter(raw)
		if err != nil {
			t.Fatalf("seed %d: filter %d is not valid: %v\n%s", seed, i, err, raw)
		}
		p, err := db.Preview(ctx, a, kizuna.PreviewRequest{Filter: raw, Now: now, Lang: []string{"en", "ja"}[i%2]})
		if err != nil {
			t.Fatalf("seed %d: filter %d: preview: %v\n%s", seed, i, err, raw)
		}
		m := kizuna.Matcher{Loc: loc, Now: now}
		want := ref.members(m, f)
		var got []string
		for _, s := range p.Sample {
			got = append(got, s.LineUserID)
		}
		switch len(want) {
		case 0:
			empty++
		case following:
			everyone++
		}
		if p.Count == int64(len(want)) && slices.Equal(got, want[:min(len(want), sqlstore.SampleSize)]) {
			for _, s := range p.Sample {
				fr := ref.byID[s.LineUserID]
				if s.DisplayName != fr.DisplayName || !s.AddedAt.Equal(fr.AddedAt) || s.AddedAt.Location().String() != sc.zone {
					t.Errorf("seed %d: sample entry %+v, want %q added at %s in %s", seed, s, fr.DisplayName, fr.AddedAt, sc.zone)
				}
			}
			continue
		}
		t.Errorf("seed %d (%s), filter %d, now %s:\n%s\ncount: store %d, matcher %d\nsample: store  %v\n        matcher %v\n%s",
			seed, sc.name, i, now.Format(time.RFC3339Nano), raw, p.Count, len(want), got, want[:min(len(want), sqlstore.SampleSize)],
			explainDiff(t, db, a, ref, m, f, want))
		if failures++; failures == 3 {
			t.Fatalf("seed %d: stopping after %d mismatches", seed, failures)
		}
	}
	// A generator that drifted away from the data would pass while testing
	// little: most filters must select some following friends but not all.
	n := randomFilters()
	t.Logf("seed %d: %d friends (%d following), %d filters: %d select nobody, %d everyone", seed, len(ref.friends), following, n, empty, everyone)
	if empty+everyone > n/2 {
		t.Errorf("seed %d: %d of %d filters select nobody or everyone; the generator no longer fits its data", seed, empty+everyone, n)
	}
}

// explainDiff names the first friend on which the store and the matcher
// disagree, with its line and, per condition, what each side says.
func explainDiff(t *testing.T, db *sqlstore.DB, a *kizuna.Account, ref *reference, m kizuna.Matcher, f *kizuna.Filter, want []string) string {
	ctx := context.Background()
	got, err := db.MemberIDs(ctx, a, f, m.Now)
	if err != nil {
		return "member IDs: " + err.Error()
	}
	var id, side string
	for i := 0; i < max(len(got), len(want)); i++ {
		switch {
		case i >= len(got):
			id, side = want[i], "matcher only"
		case i >= len(want):
			id, side = got[i], "store only"
		case got[i] != want[i]:
			if slices.Contains(want, got[i]) {
				id, side = want[i], "matcher only"
			} else {
				id, side = got[i], "store only"
			}
		default:
			continue
		}
		break
	}
	if id == "" {
		return "the full member lists agree; the preview differs"
	}
	fr := ref.byID[id]
	var b strings.Builder
	fmt.Fprintf(&b, "first differing friend %s (%s):\n%s\n", id, side, ref.lines[id])
	for gi, g := range f.Groups {
		for ci := range g.Conditions {
			c := &g.Conditions[ci]
			one := &kizuna.Filter{Groups: []kizuna.Group{{Conditions: []kizuna.Condition{*c}}}}
			ids, err := db.MemberIDs(ctx, a, one, m.Now)
			if err != nil {
				return err.Error()
			}
			cj, _ := json.Marshal(c)
			fmt.Fprintf(&b, "  groups[%d].conditions[%d] %s: store %v, matcher %v\n", gi, ci, cj, slices.Contains(ids, id), fr != nil && m.Match(one, fr))
		}
	}
	return b.String()
}
