package gen_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/gen"
)

// TestFilterForAims checks that FilterFor's filters are valid and deterministic,
// and that its numeric property operands land exactly on a number the
// property stores, for some friend, often enough that a comparison off by its
// boundary (lt read as lte) is seen in every run of the differential tests.
func TestFilterForAims(t *testing.T) {
	lines := gen.Friends(rand.New(rand.NewPCG(1, 1)), 400, now)
	stored := gen.Observe(lines)
	if len(stored.Tags) == 0 {
		t.Fatal("no tags observed")
	}
	// The numbers each (source, property) stores, read by the contract's rule.
	numbers := map[string][]float64{}
	for _, l := range lines {
		f, err := kizuna.ParseFriendLine([]byte(l))
		if err != nil {
			t.Fatal(err)
		}
		ff := kizuna.FactsOf(f, now.Location())
		for src, c := range map[string]*kizuna.ContactFacts{"hubspot.property": ff.HubSpot, "klaviyo.property": ff.Klaviyo} {
			if c == nil {
				continue
			}
			for name, r := range c.Properties {
				if r.HasNum {
					numbers[src+" "+name] = append(numbers[src+" "+name], r.Num)
				}
			}
		}
	}
	r1, r2 := rand.New(rand.NewPCG(3, 3)), rand.New(rand.NewPCG(3, 3))
	onValue, strict := 0, 0
	const n = 1000
	for range n {
		raw := gen.FilterFor(r1, stored, now)
		if again := gen.FilterFor(r2, stored, now); string(again) != string(raw) {
			t.Fatalf("the same seed gave different filters:\n%s\n%s", raw, again)
		}
		f, err := kizuna.ParseFilter(raw)
		if err != nil {
			t.Fatalf("invalid filter: %v\n%s", err, raw)
		}
		if err := f.CheckTags(func(n string) bool { return slices.Contains(stored.Tags, n) }); err != nil {
			t.Fatalf("%v\n%s", err, raw)
		}
		for _, g := range f.Groups {
			for _, c := range g.Conditions {
				if c.Type != kizuna.TypeNumber || c.Op == kizuna.OpIsKnown || c.Op == kizuna.OpIsUnknown {
					continue
				}
				if slices.Contains(numbers[c.Field+" "+c.Property], c.Nums[0]) {
					onValue++
					if c.Op == kizuna.OpLt || c.Op == kizuna.OpGt {
						strict++
					}
				}
			}
		}
	}
	t.Logf("%d filters: %d numeric property operands on a stored value, %d of them lt or gt", n, onValue, strict)
	if strict < n/50 {
		t.Errorf("only %d lt/gt operands in %d filters sit on a stored number", strict, n)
	}
}
