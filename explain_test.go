package kizuna_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
)

// TestExplain checks "why in or out": each group's and condition's result
// agrees with the matcher, and each condition shows the friend's own value
// in the language asked for.
func TestExplain(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Tokyo")
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, loc)
	fr, err := kizuna.ParseFriendLine([]byte(`{"line_user_id": "U00000000000000000000000000000001", "added_at": "2026-11-20T10:00:00+09:00", "tags": ["VIP"],
		"shopify": {"customer_id": "1", "orders_count": 4, "last_order_at": "2026-08-30T12:00:00+09:00"},
		"klaviyo": {"profile_id": "k", "properties": {"plan": "Gold"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	f, err := kizuna.ParseFilter([]byte(`{"groups":[
		{"conditions":[{"field":"shopify.days_since_last_order","op":"gte","value":90},{"field":"tag","op":"not_has","value":"VIP"}]},
		{"conditions":[{"field":"shopify.orders_count","op":"gte","value":3},{"field":"klaviyo.property","property":"plan","type":"string","op":"eq","value":"gold"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	x := kizuna.Explain(f, fr, nil, loc, now, "en")
	if !x.Member || !x.Following || x.Groups[0].Matched || !x.Groups[1].Matched {
		t.Fatalf("explanation %+v", x)
	}
	want := [][]string{
		{"true", "last order 2026-08-30, 90 days ago"},
		{"false", "tags: VIP"},
		{"true", "4 orders"},
		{"true", "plan: Gold"},
	}
	var got [][]string
	for _, g := range x.Groups {
		for _, c := range g.Conditions {
			got = append(got, []string{map[bool]string{true: "true", false: "false"}[c.Result], c.Value})
			if c.Asks == "" {
				t.Errorf("condition %+v has no sentence", c.Condition)
			}
		}
	}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i][0] != want[i][0] || got[i][1] != want[i][1] {
			t.Errorf("condition %d: got %v, want %v", i, got[i], want[i])
		}
	}
	m := kizuna.Matcher{Loc: loc, Now: now}
	if m.Match(f, fr) != x.Member {
		t.Errorf("the matcher says %v", m.Match(f, fr))
	}
	ja := kizuna.Explain(f, fr, nil, loc, now, "ja")
	if v := ja.Groups[0].Conditions[0].Value; !strings.Contains(v, "最終購入日") || !strings.Contains(v, "90日前") {
		t.Errorf("ja value %q", v)
	}
	fr.Status = kizuna.StatusBlocked
	if kizuna.Explain(f, fr, nil, loc, now, "en").Member {
		t.Error("a blocked friend is a member")
	}
}
