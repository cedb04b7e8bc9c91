package engine_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/engine"
)

// TestApplyMatchesRebuild changes friends of a built index in place (new
// friends, whole-record replacements, blocks, deletes) with data that
// exercises what generated friends rarely reach: order counts past the
// range-encoded ones, a text property distinct enough to leave its
// dictionary for the arena (and one that stays in it), abandoned carts. After
// every batch the index, with a warm cache, must answer every filter as the
// matcher does over the friends as they now are.
func TestApplyMatchesRebuild(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Tokyo")
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, loc)
	r := rand.New(rand.NewPCG(5, 6))
	friend := func(n int) *kizuna.Friend {
		f := &kizuna.Friend{LineUserID: fmt.Sprintf("U%032x", n), DisplayName: fmt.Sprintf("friend %d", r.IntN(50)),
			AddedAt: now.Add(-time.Duration(r.IntN(400*24)) * time.Hour), Status: kizuna.StatusFollowing}
		if r.IntN(10) == 0 {
			f.Status = kizuna.StatusBlocked
		}
		if r.IntN(4) > 0 {
			s := &kizuna.ShopifyCustomer{CustomerID: "c", OrdersCount: int64(r.IntN(40))}
			if r.IntN(20) == 0 {
				s.OrdersCount = int64(r.IntN(1 << 40))
			}
			if r.IntN(3) == 0 {
				s.Checkouts = []kizuna.Checkout{{ID: "x", UpdatedAt: now.Add(-time.Duration(r.IntN(200)) * time.Minute * 7)}}
			}
			f.Shopify = s
		}
		if r.IntN(3) > 0 {
			props := kizuna.Properties{"plan": json.RawMessage(fmt.Sprintf("%q", []string{"Gold", "silver", "ゴールド"}[r.IntN(3)]))}
			if r.IntN(5) > 0 {
				props["email"] = json.RawMessage(fmt.Sprintf(`"User%d@Example.com"`, r.IntN(100000)))
			}
			f.Klaviyo = &kizuna.KlaviyoProfile{ProfileID: "p", Properties: props}
		}
		return f
	}
	filters := []string{
		`{"field":"shopify.orders_count","op":"gte","value":33}`,
		`{"field":"shopify.orders_count","op":"between","value":[5,32]}`,
		`{"field":"shopify.orders_count","op":"lt","value":1}`,
		`{"field":"shopify.orders_count","op":"eq","value":32}`,
		`{"field":"shopify.orders_count","op":"gt","value":1000}`,
		`{"field":"shopify.orders_count","op":"neq","value":0}`,
		`{"field":"shopify.abandoned_cart","op":"exists","hours_since":{"op":"between","value":[3,10]}}`,
		`{"field":"klaviyo.property","property":"email","type":"string","op":"contains","value":"user1"}`,
		`{"field":"klaviyo.property","property":"email","type":"string","op":"starts_with","value":"user2"}`,
		`{"field":"klaviyo.property","property":"email","type":"string","op":"starts_with","value":"example"}`,
		`{"field":"klaviyo.property","property":"email","type":"string","op":"in","value":["user7@example.com","USER8@example.com","nobody"]}`,
		`{"field":"klaviyo.property","property":"email","type":"string","op":"neq","value":"user9@example.com"}`,
		`{"field":"klaviyo.property","property":"plan","type":"string","op":"eq","value":"gold"}`,
		`{"field":"klaviyo.property","property":"plan","type":"string","op":"not_contains","value":"ゴ"}`,
	}
	friends := map[string]*kizuna.Friend{}
	b := engine.NewBuilder(loc, nil)
	for n := range 3000 {
		f := friend(n)
		friends[f.LineUserID] = f
		b.Add(kizuna.FactsOf(f, loc))
	}
	idx := b.Build()
	check := func(what string) {
		t.Helper()
		var facts []*kizuna.FriendFacts
		for _, f := range friends {
			facts = append(facts, kizuna.FactsOf(f, loc))
		}
		for _, c := range filters {
			raw := `{"groups":[{"conditions":[` + c + `]}]}`
			f, err := kizuna.ParseFilter([]byte(raw))
			if err != nil {
				t.Fatalf("%s: %v", raw, err)
			}
			count, ids := reference(f, facts, loc, now)
			for _, how := range []string{"cached before the change, patched", "cold"} {
				if how == "cold" {
					idx.DropCache()
				}
				got := idx.Evaluate(f, now)
				if got.Count != uint64(count) || fmt.Sprint(sampleIDs(got)) != fmt.Sprint(ids) {
					t.Fatalf("%s: %s (%s): index %d %v, matcher %d %v", what, raw, how, got.Count, sampleIDs(got), count, ids)
				}
			}
		}
		for _, c := range filters { // warm the cache for the next change
			f, _ := kizuna.ParseFilter([]byte(`{"groups":[{"conditions":[` + c + `]}]}`))
			idx.Evaluate(f, now)
		}
	}
	check("built")
	next := 3000
	for round := range 12 {
		ch := &kizuna.FriendChanges{Version: int64(round + 1)}
		touched := map[string]bool{}
		size := []int{3, 40, 5000}[round%3] // the last beyond the patch limit
		for range size {
			var f *kizuna.Friend
			switch r.IntN(5) {
			case 0:
				f = friend(next)
				next++
			case 1:
				id := fmt.Sprintf("U%032x", r.IntN(next))
				if friends[id] != nil {
					delete(friends, id)
					touched[id] = true
				}
				continue
			default:
				f = friend(r.IntN(next))
			}
			friends[f.LineUserID] = f
			touched[f.LineUserID] = true
		}
		// As the change log reports them: each touched friend once, as it is now.
		for id := range touched {
			if f := friends[id]; f != nil {
				ch.Friends = append(ch.Friends, kizuna.FactsOf(f, loc))
			} else {
				ch.Gone = append(ch.Gone, id)
			}
		}
		idx.Apply(ch)
		check(fmt.Sprintf("round %d", round))
	}
}

// TestArenaStaysCompact applies hours' worth of changes to friends with
// mostly distinct text properties (kept raw, in an arena): unchanged text is
// not written again, and replaced text is reclaimed, so the text's memory
// stays near what a rebuild would give, and answers stay exact.
func TestArenaStaysCompact(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Tokyo")
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, loc)
	const n = 5000
	friend := func(i, round int, tag string) *kizuna.Friend {
		email := fmt.Sprintf(`"user%d.%d@example.com"`, i, round)
		return &kizuna.Friend{LineUserID: fmt.Sprintf("U%032x", i+1), AddedAt: now.Add(-time.Duration(i) * time.Minute), Status: kizuna.StatusFollowing,
			Tags: []string{tag}, Klaviyo: &kizuna.KlaviyoProfile{ProfileID: "p", Properties: kizuna.Properties{"email": json.RawMessage(email)}}}
	}
	textBytes := func(idx *engine.Index) uint64 {
		for _, p := range idx.Footprint() {
			if strings.HasPrefix(p.Name, "property text") {
				return p.Bytes
			}
		}
		t.Fatal("no property text in the footprint")
		return 0
	}
	b := engine.NewBuilder(loc, []string{"a", "b"})
	for i := range n {
		b.Add(kizuna.FactsOf(friend(i, 0, "a"), loc))
	}
	idx := b.Build()
	built := textBytes(idx)
	version := int64(0)
	apply := func(round int, tag string) {
		version++
		ch := &kizuna.FriendChanges{Version: version, TagNames: []string{"a", "b"}}
		for i := range n {
			ch.Friends = append(ch.Friends, kizuna.FactsOf(friend(i, round, tag), loc))
		}
		idx.Apply(ch)
	}
	// Tags change, the text does not: nothing more is stored.
	for k := range 10 {
		apply(0, []string{"a", "b"}[k%2])
	}
	if got := textBytes(idx); got != built {
		t.Fatalf("property text after tag-only changes: %d bytes, built %d", got, built)
	}
	// Every address changes, 20 times over: the arena is reclaimed.
	for round := 1; round <= 20; round++ {
		apply(round, "a")
	}
	if got := textBytes(idx); got > 3*built {
		t.Fatalf("property text after 20 rounds of new addresses: %d bytes, built %d", got, built)
	}
	f, _ := kizuna.ParseFilter([]byte(`{"groups":[{"conditions":[{"field":"klaviyo.property","property":"email","type":"string","op":"starts_with","value":"user12.20@"}]}]}`))
	if got := idx.Evaluate(f, now); got.Count != 1 || sampleIDs(got)[0] != fmt.Sprintf("U%032x", 13) {
		t.Fatalf("after compaction: %d %v, want friend 13", got.Count, sampleIDs(got))
	}
	f, _ = kizuna.ParseFilter([]byte(`{"groups":[{"conditions":[{"field":"klaviyo.property","property":"email","type":"string","op":"contains","value":".19@"}]}]}`))
	if got := idx.Evaluate(f, now); got.Count != 0 {
		t.Fatalf("an old address still matches: %d", got.Count)
	}
}
