package engine_test

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/internal/conformance"
	"github.com/kizuna-line/kizuna/internal/gen"
)

// parseLines parses NDJSON friends; a later line for a friend replaces an
// earlier one, as an import does. It returns the friends in order of first appearance.
func parseLines(t *testing.T, lines []string) []*kizuna.Friend {
	t.Helper()
	var out []*kizuna.Friend
	at := map[string]int{}
	for n, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		f, err := kizuna.ParseFriendLine([]byte(l))
		if err != nil {
			t.Fatalf("line %d: %v", n+1, err)
		}
		if i, ok := at[f.LineUserID]; ok {
			out[i] = f
			continue
		}
		at[f.LineUserID] = len(out)
		out = append(out, f)
	}
	return out
}

func build(friends []*kizuna.Friend, loc *time.Location, tags []string) *engine.Index {
	b := engine.NewBuilder(loc, tags)
	for _, f := range friends {
		b.Add(kizuna.FactsOf(f, loc))
	}
	return b.Build()
}

// factsOf derives the friends' facts once, for many reference answers.
func factsOf(friends []*kizuna.Friend, loc *time.Location) []*kizuna.FriendFacts {
	out := make([]*kizuna.FriendFacts, len(friends))
	for i, f := range friends {
		out[i] = kizuna.FactsOf(f, loc)
	}
	return out
}

// reference answers a filter with the domain's matcher.
func reference(f *kizuna.Filter, friends []*kizuna.FriendFacts, loc *time.Location, now time.Time) (int, []string) {
	m := kizuna.Matcher{Loc: loc, Now: now}
	var in []*kizuna.FriendFacts
	for _, fr := range friends {
		if m.MatchFacts(f, fr) {
			in = append(in, fr)
		}
	}
	sort.Slice(in, func(i, j int) bool {
		if !in[i].AddedAt.Equal(in[j].AddedAt) {
			return in[i].AddedAt.After(in[j].AddedAt)
		}
		return in[i].LineUserID < in[j].LineUserID
	})
	var ids []string
	for i := 0; i < len(in) && i < engine.SampleSize; i++ {
		ids = append(ids, in[i].LineUserID)
	}
	return len(in), ids
}

func sampleIDs(r engine.Result) []string {
	var ids []string
	for _, s := range r.Sample {
		ids = append(ids, s.LineUserID)
	}
	return ids
}

// TestConformanceIndex runs the spec's conformance vectors through the index.
func TestConformanceIndex(t *testing.T) {
	v := conformance.Load(t)
	raw := v.Friends
	loc, _ := time.LoadLocation(v.Account.Timezone)
	idx := build(parseLines(t, strings.Split(string(raw), "\n")), loc, nil)
	ran := 0
	for _, tc := range v.Cases {
		f, err := kizuna.ParseFilter(tc.Filter)
		if err == nil {
			err = f.CheckTags(idx.HasTag)
		}
		if tc.Expect.Error != "" {
			if kizuna.ErrorCode(err) != tc.Expect.Error {
				t.Errorf("%s: want refusal, got %v", tc.Name, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.Name, err)
		}
		r := idx.Evaluate(f, tc.Now)
		if int64(r.Count) != *tc.Expect.Count || fmt.Sprint(sampleIDs(r)) != fmt.Sprint(tc.Expect.Sample) {
			t.Errorf("%s: count %d sample %v\nwant count %d sample %v", tc.Name, r.Count, sampleIDs(r), *tc.Expect.Count, tc.Expect.Sample)
		}
		ran++
	}
	if ran < 100 {
		t.Fatalf("only %d cases ran", ran)
	}
}

// TestIndexMatchesMatcher compares the index with the domain's matcher over
// generated friends and filters, at instants on midnights and hour edges, in
// a zone with DST.
func TestIndexMatchesMatcher(t *testing.T) {
	for _, zone := range []string{"Asia/Tokyo", "America/Los_Angeles"} {
		loc, _ := time.LoadLocation(zone)
		for seed := uint64(1); seed <= 3; seed++ {
			r := rand.New(rand.NewPCG(seed, seed))
			base := time.Date(2026, 11, 28, 0, 0, 0, 0, loc)
			lines := gen.Friends(r, 500, base)
			friends := parseLines(t, lines)
			stored := gen.Observe(lines)
			stored.Tags = gen.FriendTags
			idx := build(friends, loc, gen.FriendTags)
			facts := factsOf(friends, loc)
			for _, now := range []time.Time{base, base.Add(-time.Microsecond), base.Add(90 * time.Minute), time.Date(2026, 11, 1, 1, 30, 0, 0, loc), time.Date(2026, 3, 8, 3, 0, 0, 0, loc)} {
				for k := 0; k < 150; k++ {
					raw := gen.FilterFor(r, stored, now)
					f, err := kizuna.ParseFilter(raw)
					if err != nil {
						t.Fatalf("generated filter refused: %v\n%s", err, raw)
					}
					count, ids := reference(f, facts, loc, now)
					got := idx.Evaluate(f, now)
					if got.Count != uint64(count) || fmt.Sprint(sampleIDs(got)) != fmt.Sprint(ids) {
						t.Fatalf("%s seed %d now %s\nfilter %s\nindex %d %v\nmatcher %d %v", zone, seed, now, raw, got.Count, sampleIDs(got), count, ids)
					}
				}
			}
		}
	}
}

// TestCacheStaysExactAsTimePasses evaluates time-relative conditions with
// one index (so from its cache) at instants on either side of every
// friend's hour and day boundaries, and compares each answer with the matcher.
func TestCacheStaysExactAsTimePasses(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Tokyo")
	base := time.Date(2026, 11, 28, 0, 0, 0, 0, loc)
	friends := parseLines(t, gen.Friends(rand.New(rand.NewPCG(9, 9)), 400, base))
	idx := build(friends, loc, gen.FriendTags)
	filters := []string{
		`{"groups":[{"conditions":[{"field":"shopify.abandoned_cart","op":"exists","hours_since":{"op":"between","value":[1,3]}}]}]}`,
		`{"groups":[{"conditions":[{"field":"shopify.abandoned_cart","op":"exists","hours_since":{"op":"gte","value":24}}]}]}`,
		`{"groups":[{"conditions":[{"field":"shopify.abandoned_cart","op":"exists","hours_since":{"op":"neq","value":2}}]}]}`,
		`{"groups":[{"conditions":[{"field":"shopify.abandoned_cart","op":"exists","hours_since":{"op":"lt","value":2.5}}]}]}`,
		`{"groups":[{"conditions":[{"field":"line.days_since_added","op":"lte","value":6}]}]}`,
		`{"groups":[{"conditions":[{"field":"shopify.days_since_last_order","op":"between","value":[0,1]}]}]}`,
	}
	// The instants: around the hour boundaries of every cart, and local midnights.
	var instants []time.Time
	for _, f := range friends {
		if f.Shopify == nil {
			continue
		}
		if at, ok := f.Shopify.AbandonedAt(); ok {
			for _, k := range []int{1, 2, 3, 24} {
				b := at.Add(time.Duration(k) * time.Hour)
				instants = append(instants, b.Add(-time.Microsecond), b)
			}
		}
	}
	for d := -1; d <= 2; d++ {
		m := base.AddDate(0, 0, d)
		instants = append(instants, m.Add(-time.Microsecond), m)
	}
	if len(instants) < 50 {
		t.Fatalf("only %d instants", len(instants))
	}
	facts := factsOf(friends, loc)
	for _, raw := range filters {
		f, err := kizuna.ParseFilter([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		for _, now := range instants {
			count, ids := reference(f, facts, loc, now)
			got := idx.Evaluate(f, now)
			if got.Count != uint64(count) || fmt.Sprint(sampleIDs(got)) != fmt.Sprint(ids) {
				t.Fatalf("%s at %s: index %d, matcher %d", raw, now.Format(time.RFC3339Nano), got.Count, count)
			}
		}
	}
	st := idx.CacheStats()
	if st.Hits == 0 || st.Misses == 0 {
		t.Fatalf("the cache was not exercised: %+v", st)
	}
	t.Logf("cache: %+v over %d instants", st, len(instants))
}
