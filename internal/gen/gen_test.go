package gen_test

import (
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/gen"
)

var now = time.Date(2026, 11, 28, 0, 0, 0, 0, time.FixedZone("JST", 9*3600))

func TestDeterministic(t *testing.T) {
	a := gen.Friends(rand.New(rand.NewPCG(7, 7)), 200, now)
	b := gen.Friends(rand.New(rand.NewPCG(7, 7)), 200, now)
	if !slices.Equal(a, b) {
		t.Error("the same seed gave different friends")
	}
	r1, r2 := rand.New(rand.NewPCG(7, 8)), rand.New(rand.NewPCG(7, 8))
	for range 100 {
		if f1, f2 := gen.Filter(r1, gen.FriendTags, now), gen.Filter(r2, gen.FriendTags, now); string(f1) != string(f2) {
			t.Fatalf("the same seed gave different filters:\n%s\n%s", f1, f2)
		}
	}
}

// TestFriends checks that every generated line imports and that the edges
// the generator promises occur.
func TestFriends(t *testing.T) {
	lines := gen.Friends(rand.New(rand.NewPCG(1, 1)), 2000, now)
	seen := map[string]int{}
	count := map[string]int{}
	for i, l := range lines {
		f, err := kizuna.ParseFriendLine([]byte(l))
		if err != nil {
			t.Fatalf("line %d: %v\n%s", i+1, err, l)
		}
		seen[f.LineUserID]++
		has := func(what string, ok bool) {
			if ok {
				count[what]++
			}
		}
		has("blocked", f.Status == kizuna.StatusBlocked)
		has("upper-case ID", strings.ToUpper(f.LineUserID) == f.LineUserID)
		has("future", f.AddedAt.After(now))
		has("Tokyo midnight", f.AddedAt.In(now.Location()).Format("15:04:05.999999") == "00:00:00")
		has("no tags", len(f.Tags) == 0)
		has("shopify", f.Shopify != nil)
		has("empty shopify", f.Shopify != nil && f.Shopify.CustomerID == "" && f.Shopify.Checkouts == nil)
		has("not linked", f.Shopify == nil && f.HubSpot == nil && f.Klaviyo == nil)
		if s := f.Shopify; s != nil {
			_, abandoned := s.AbandonedAt()
			has("abandoned", abandoned)
			has("abandoned then ordered", !abandoned && s.LastOrderAt != nil && slices.ContainsFunc(s.Checkouts, func(c kizuna.Checkout) bool { return c.CompletedAt == nil }))
			has("beyond 32 bits", s.OrdersCount > 1<<31-1)
		}
		var all []kizuna.Properties
		if f.HubSpot != nil {
			all = append(all, f.HubSpot.Properties)
		}
		if f.Klaviyo != nil {
			all = append(all, f.Klaviyo.Properties)
		}
		for _, p := range all {
			for _, raw := range p {
				r := kizuna.ReadProperty(raw, time.UTC)
				has("unknown property", !r.Known)
				has("unreadable known property", r.Known && !r.HasText)
				has("number in a string", raw[0] == '"' && r.HasNum)
				has("not a number in a string", raw[0] == '"' && !r.HasNum && strings.ContainsAny(string(raw), "0123456789") && !r.HasDay)
				has("bool in a string", raw[0] == '"' && r.HasBool)
				has("date", r.HasDay)
			}
		}
	}
	for _, n := range seen {
		if n > 1 {
			count["repeated friend"]++
		}
	}
	var missing []string
	for _, what := range []string{"blocked", "upper-case ID", "future", "Tokyo midnight", "no tags", "shopify", "empty shopify", "not linked",
		"abandoned", "abandoned then ordered", "beyond 32 bits", "unknown property", "unreadable known property", "number in a string",
		"not a number in a string", "bool in a string", "date", "repeated friend"} {
		if count[what] < 3 {
			missing = append(missing, what)
		}
	}
	if len(missing) > 0 {
		t.Errorf("rare or missing in 2000 friends: %v (counts %v)", missing, count)
	}
}

// TestFilter checks that generated filters are valid, name only the given
// tags, and cover every field, op and property type of spec section 3.
func TestFilter(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	tags := []string{"VIP", "ＶＩＰ", "休眠"}
	seen := map[string]bool{}
	for range 3000 {
		raw := gen.Filter(r, tags, now)
		f, err := kizuna.ParseFilter(raw)
		if err != nil {
			t.Fatalf("invalid filter: %v\n%s", err, raw)
		}
		if err := f.CheckTags(func(n string) bool { return slices.Contains(tags, n) }); err != nil {
			t.Fatalf("%v\n%s", err, raw)
		}
		for _, g := range f.Groups {
			for _, c := range g.Conditions {
				key := c.Field + " " + c.Op
				if c.IsProperty() {
					key = "property " + c.Type + " " + c.Op
				}
				if c.HoursSince != nil {
					key += " hours_since " + c.HoursSince.Op
				}
				if c.Op == kizuna.OpIs && !c.IsProperty() {
					key += map[bool]string{true: " true", false: " false"}[c.Bool]
				}
				seen[key] = true
				seen["field "+c.Field] = true
			}
		}
	}
	numeric := []string{"eq", "neq", "lt", "lte", "gt", "gte", "between"}
	var want []string
	add := func(prefix string, ops ...string) {
		for _, op := range ops {
			want = append(want, prefix+" "+op)
		}
	}
	add("line.added_date", "on", "before", "after", "between")
	add("line.days_since_added", numeric...)
	add("tag", "has", "not_has", "has_any", "has_all", "has_none")
	for _, s := range []string{"shopify", "hubspot", "klaviyo"} {
		add(s+".linked", "is true", "is false")
	}
	add("shopify.tag", "has_any", "has_all", "has_none")
	add("shopify.orders_count", numeric...)
	add("shopify.days_since_last_order", numeric...)
	add("shopify.abandoned_cart", "exists", "not_exists")
	add("shopify.abandoned_cart exists hours_since", numeric...)
	add("hubspot.segment", "member_of", "not_member_of")
	add("klaviyo.list", "member_of", "not_member_of")
	add("field", "hubspot.property", "klaviyo.property")
	add("property string", "eq", "neq", "contains", "not_contains", "starts_with", "in", "not_in", "is_known", "is_unknown")
	add("property number", append(numeric, "is_known", "is_unknown")...)
	add("property bool", "is", "is_known", "is_unknown")
	add("property date", "on", "before", "after", "between", "is_known", "is_unknown")
	add("property days_since", append(numeric, "is_known", "is_unknown")...)
	var missing []string
	for _, w := range want {
		if !seen[w] {
			missing = append(missing, w)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("never generated: %v", missing)
	}
	// Without tags, no condition tests friend tags.
	for range 200 {
		if raw := gen.Filter(r, nil, now); strings.Contains(string(raw), `"field":"tag"`) {
			t.Fatalf("a tag condition without tags: %s", raw)
		}
	}
}
