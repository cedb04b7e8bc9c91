package kizuna_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
)

// These tests check the code that turns friend data into facts (facts.go,
// property.go, normalize.go, day.go) and the negative ops' twins against the
// contract's own examples (spec sections 3, 3.1 and 3.2). The matcher, the
// SQL compiler and the engine all share this code, so the differential tests
// between them cannot see a mistake in it: only these tests and the
// conformance vectors can.

var contractNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// contractFriend builds an import line for a friend with the given extra
// keys (JSON object members, without braces).
func contractFriend(t *testing.T, extra string) *kizuna.Friend {
	t.Helper()
	line := `{"line_user_id": "U00000000000000000000000000000001", "added_at": "2026-11-20T10:00:00+09:00"`
	if extra != "" {
		line += ", " + extra
	}
	f, err := kizuna.ParseFriendLine([]byte(line + "}"))
	if err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	return f
}

// matches evaluates one condition (JSON) on a friend with the reference
// matcher in loc at now.
func matches(t *testing.T, f *kizuna.Friend, cond string, loc *time.Location, now time.Time) bool {
	t.Helper()
	filter, err := kizuna.ParseFilter([]byte(`{"groups": [{"conditions": [` + cond + `]}]}`))
	if err != nil {
		t.Fatalf("%s: %v", cond, err)
	}
	return kizuna.Matcher{Loc: loc, Now: now}.Match(filter, f)
}

// TestNegativeTwins checks spec 3.2's table: each negative op's positive twin,
// and that the negative matches exactly the friends the twin does not,
// including friends that lack the value.
func TestNegativeTwins(t *testing.T) {
	pairs := []struct{ neg, pos string }{
		{`{"field": "tag", "op": "not_has", "value": "VIP"}`, `{"field": "tag", "op": "has", "value": "VIP"}`},
		{`{"field": "tag", "op": "has_none", "value": ["VIP", "Seminar"]}`, `{"field": "tag", "op": "has_any", "value": ["VIP", "Seminar"]}`},
		{`{"field": "shopify.tag", "op": "has_none", "value": ["wholesale"]}`, `{"field": "shopify.tag", "op": "has_any", "value": ["wholesale"]}`},
		{`{"field": "hubspot.segment", "op": "not_member_of", "value": ["12"]}`, `{"field": "hubspot.segment", "op": "member_of", "value": ["12"]}`},
		{`{"field": "klaviyo.list", "op": "not_member_of", "value": ["Y6nRLr"]}`, `{"field": "klaviyo.list", "op": "member_of", "value": ["Y6nRLr"]}`},
		{`{"field": "shopify.orders_count", "op": "neq", "value": 3}`, `{"field": "shopify.orders_count", "op": "eq", "value": 3}`},
		{`{"field": "klaviyo.property", "property": "plan", "type": "string", "op": "neq", "value": "gold"}`,
			`{"field": "klaviyo.property", "property": "plan", "type": "string", "op": "eq", "value": "gold"}`},
		{`{"field": "klaviyo.property", "property": "plan", "type": "number", "op": "neq", "value": 1200}`,
			`{"field": "klaviyo.property", "property": "plan", "type": "number", "op": "eq", "value": 1200}`},
		{`{"field": "klaviyo.property", "property": "plan", "type": "string", "op": "not_contains", "value": "old"}`,
			`{"field": "klaviyo.property", "property": "plan", "type": "string", "op": "contains", "value": "old"}`},
		{`{"field": "klaviyo.property", "property": "plan", "type": "string", "op": "not_in", "value": ["gold", "silver"]}`,
			`{"field": "klaviyo.property", "property": "plan", "type": "string", "op": "in", "value": ["gold", "silver"]}`},
		{`{"field": "hubspot.property", "property": "plan", "type": "date", "op": "is_unknown"}`,
			`{"field": "hubspot.property", "property": "plan", "type": "date", "op": "is_known"}`},
		{`{"field": "shopify.abandoned_cart", "op": "not_exists"}`, `{"field": "shopify.abandoned_cart", "op": "exists"}`},
		{`{"field": "shopify.linked", "op": "is", "value": false}`, `{"field": "shopify.linked", "op": "is", "value": true}`},
		{`{"field": "hubspot.linked", "op": "is", "value": false}`, `{"field": "hubspot.linked", "op": "is", "value": true}`},
		{`{"field": "klaviyo.linked", "op": "is", "value": false}`, `{"field": "klaviyo.linked", "op": "is", "value": true}`},
	}
	// Friends that have, lack and half-have each value: "gold" contains
	// "old" and does not start with it, so a twin taken as starts_with shows.
	friends := []string{
		``,
		`"tags": ["VIP"]`,
		`"tags": ["Seminar", "x"]`,
		`"shopify": {}`,
		`"shopify": {"tags": ["Wholesale"], "orders_count": 3}`,
		`"shopify": {"orders_count": 4, "checkouts": [{"id": "c1", "updated_at": "2026-11-27T09:00:00Z"}]}`,
		`"hubspot": {"segments": ["12", "34"], "properties": {"plan": "2026-11-01"}}`,
		`"hubspot": {"segments": ["34"], "properties": {"plan": "   "}}`,
		`"klaviyo": {"lists": ["Y6nRLr"], "properties": {"plan": "gold"}}`,
		`"klaviyo": {"lists": ["y6nrlr"], "properties": {"plan": "Bold"}}`,
		`"klaviyo": {"properties": {"plan": "olden"}}`,
		`"klaviyo": {"properties": {"plan": 1200}}`,
		`"klaviyo": {"properties": {"plan": "silver"}}`,
		`"klaviyo": {"properties": {"plan": null}}`,
		`"klaviyo": {}`,
	}
	for _, p := range pairs {
		neg, err := kizuna.ParseFilter([]byte(`{"groups": [{"conditions": [` + p.neg + `]}]}`))
		if err != nil {
			t.Fatal(err)
		}
		pos, err := kizuna.ParseFilter([]byte(`{"groups": [{"conditions": [` + p.pos + `]}]}`))
		if err != nil {
			t.Fatal(err)
		}
		nc, pc := neg.Groups[0].Conditions[0], pos.Groups[0].Conditions[0]
		twin, isNeg := nc.Positive()
		if !isNeg || !nc.IsNegative() {
			t.Errorf("%s is not negative", p.neg)
			continue
		}
		if got, want := fmt.Sprint(twin), fmt.Sprint(pc); got != want {
			t.Errorf("Positive(%s) = %s, want %s", p.neg, got, want)
		}
		if _, isNeg := pc.Positive(); isNeg || pc.IsNegative() {
			t.Errorf("%s is taken as negative", p.pos)
		}
		sawBoth := map[bool]bool{}
		for _, extra := range friends {
			f := contractFriend(t, extra)
			n, y := matches(t, f, p.neg, time.UTC, contractNow), matches(t, f, p.pos, time.UTC, contractNow)
			if n == y {
				t.Errorf("friend {%s}: %s is %v and %s is %v; the negative must be the complement", extra, p.neg, n, p.pos, y)
			}
			sawBoth[y] = true
		}
		if !sawBoth[true] || !sawBoth[false] {
			t.Errorf("%s: the friends do not tell the twins apart", p.pos)
		}
	}
	// The positive ops that have no twin.
	for _, op := range []string{"starts_with", "contains", "eq", "in", "is_known"} {
		c := kizuna.Condition{Field: kizuna.FieldKlaviyoProperty, Type: kizuna.TypeString, Op: op}
		if c.IsNegative() {
			t.Errorf("%s is taken as negative", op)
		}
	}
}

// TestReadPropertyNumberGrammar checks spec 3.1's number reading: a JSON
// number, or a string that, trimmed of white space, is a number in JSON's
// grammar.
func TestReadPropertyNumberGrammar(t *testing.T) {
	for _, tc := range []struct {
		raw string
		num float64
		ok  bool
	}{
		{`42`, 42, true}, {`-1.5`, -1.5, true}, {`1e2`, 100, true}, {`1E2`, 100, true}, {`0`, 0, true}, {`3.0`, 3, true},
		{`"42"`, 42, true}, {`"-1.5"`, -1.5, true}, {`"1e2"`, 100, true}, {`" 42 "`, 42, true}, {`"\t-0\n"`, 0, true},
		{`"1E+2"`, 100, true}, {`"0.5"`, 0.5, true},
		{`"+5"`, 0, false}, {`".5"`, 0, false}, {`"0x10"`, 0, false}, {`"1,200"`, 0, false}, {`"５"`, 0, false},
		{`"05"`, 0, false}, {`"5."`, 0, false}, {`"1e"`, 0, false}, {`"Infinity"`, 0, false}, {`"NaN"`, 0, false},
		{`""`, 0, false}, {`"   "`, 0, false}, {`"-"`, 0, false}, {`"4 2"`, 0, false},
		{`true`, 0, false}, {`"true"`, 0, false}, {`null`, 0, false}, {`[1]`, 0, false}, {`{"a": 1}`, 0, false},
	} {
		r := kizuna.ReadProperty(json.RawMessage(tc.raw), time.UTC)
		if r.HasNum != tc.ok || (tc.ok && r.Num != tc.num) {
			t.Errorf("ReadProperty(%s): number %v %v, want %v %v", tc.raw, r.Num, r.HasNum, tc.num, tc.ok)
		}
	}
	// Through the matcher: "+5" is not 5, not > 0, and not < 10.
	f := contractFriend(t, `"klaviyo": {"properties": {"points": "+5"}}`)
	for _, op := range []string{`"op": "eq", "value": 5`, `"op": "gt", "value": 0`, `"op": "lt", "value": 10`, `"op": "between", "value": [-10, 10]`} {
		if matches(t, f, `{"field": "klaviyo.property", "property": "points", "type": "number", `+op+`}`, time.UTC, contractNow) {
			t.Errorf(`"+5" read as a number: matches %s`, op)
		}
	}
	if !matches(t, f, `{"field": "klaviyo.property", "property": "points", "type": "number", "op": "neq", "value": 5}`, time.UTC, contractNow) {
		t.Error(`"+5" must match neq 5 (an unreadable value is absent, and neq is eq's complement)`)
	}
}

// TestReadPropertyTextBoolKnown checks the other readings of spec 3.1: text
// (a number or bool as its JSON text), bool (any case), and is_known.
func TestReadPropertyTextBoolKnown(t *testing.T) {
	for _, tc := range []struct {
		raw            string
		known, hasText bool
		text           string
		hasBool, b     bool
	}{
		{`"Gold"`, true, true, "gold", false, false},
		{`"ＧＯＬＤ"`, true, true, "gold", false, false},
		{`1200`, true, true, "1200", false, false},
		{`1e2`, true, true, "1e2", false, false},
		{`true`, true, true, "true", true, true},
		{`false`, true, true, "false", true, false},
		{`"TRUE"`, true, true, "true", true, true},
		{`"False"`, true, true, "false", true, false},
		{`"yes"`, true, true, "yes", false, false},
		{`""`, false, true, "", false, false},
		{`"  \t "`, false, true, "  \t ", false, false},
		{`null`, false, false, "", false, false},
		{``, false, false, "", false, false},
		{`{}`, true, false, "", false, false},
		{`[]`, true, false, "", false, false},
	} {
		r := kizuna.ReadProperty(json.RawMessage(tc.raw), time.UTC)
		if r.Known != tc.known || r.HasText != tc.hasText || (tc.hasText && r.Text != tc.text) || r.HasBool != tc.hasBool || r.Bool != tc.b {
			t.Errorf("ReadProperty(%s) = %+v, want known %v text %v %q bool %v %v", tc.raw, r, tc.known, tc.hasText, tc.text, tc.hasBool, tc.b)
		}
	}
}

// TestNormalizeCaseFolding checks spec 3.1's string comparison: NFKC, then
// full case folding, which is more than lower-casing (ß folds to ss).
func TestNormalizeCaseFolding(t *testing.T) {
	for _, same := range [][]string{
		{"ＶＩＰ", "Vip", "vip", "VIP"},
		{"Straße", "STRASSE", "strasse", "STRAẞE"},
		{"ﾃｽﾄ", "テスト"},
		{"ﬁle", "FILE", "ｆｉｌｅ"},
		{"ΣΊΣΥΦΟΣ", "σίσυφοσ", "σίσυφος"},
		{"４２", "42"},
	} {
		for _, s := range same[1:] {
			if a, b := kizuna.Normalize(same[0]), kizuna.Normalize(s); a != b {
				t.Errorf("Normalize(%q) = %q, Normalize(%q) = %q; want equal", same[0], a, s, b)
			}
		}
	}
	for _, diff := range [][2]string{{"vip", "vip "}, {"テスト", "てすと"}, {"ss", "s"}} {
		if kizuna.Normalize(diff[0]) == kizuna.Normalize(diff[1]) {
			t.Errorf("Normalize(%q) == Normalize(%q)", diff[0], diff[1])
		}
	}
	// Through the matcher: string ops and Shopify tags compare folded text.
	f := contractFriend(t, `"shopify": {"tags": ["STRASSE"]}, "klaviyo": {"properties": {"street": "Hauptstraße"}}`)
	for _, cond := range []string{
		`{"field": "shopify.tag", "op": "has_any", "value": ["Straße"]}`,
		`{"field": "klaviyo.property", "property": "street", "type": "string", "op": "eq", "value": "HAUPTSTRASSE"}`,
		`{"field": "klaviyo.property", "property": "street", "type": "string", "op": "contains", "value": "ss"}`,
		`{"field": "klaviyo.property", "property": "street", "type": "string", "op": "starts_with", "value": "ＨＡＵＰＴ"}`,
		`{"field": "klaviyo.property", "property": "street", "type": "string", "op": "in", "value": ["x", "hauptstrasse"]}`,
	} {
		if !matches(t, f, cond, time.UTC, contractNow) {
			t.Errorf("no match: %s", cond)
		}
	}
}

// TestHoursSinceFloor checks spec 3: hours_since(t) = floor((now - t) / 1h),
// floor and not truncation, so a future t gives a negative number.
func TestHoursSinceFloor(t *testing.T) {
	now := contractNow
	for _, tc := range []struct {
		d    time.Duration // t - now
		want int64
	}{
		{0, 0}, {-time.Microsecond, 0}, {-59 * time.Minute, 0}, {-time.Hour, 1}, {-time.Hour - time.Microsecond, 1},
		{-2*time.Hour + time.Microsecond, 1}, {-48 * time.Hour, 48},
		{time.Microsecond, -1}, {30 * time.Minute, -1}, {time.Hour, -1}, {time.Hour + time.Microsecond, -2},
		{5*time.Hour + 30*time.Minute, -6}, {6 * time.Hour, -6},
	} {
		if got := kizuna.HoursSince(now.Add(tc.d), now); got != tc.want {
			t.Errorf("HoursSince(now%+v) = %d, want %d", tc.d, got, tc.want)
		}
	}
	// Through the matcher: a cart updated half an hour in the future is
	// abandoned -1 hours ago, not 0.
	f := contractFriend(t, `"shopify": {"checkouts": [{"id": "c1", "updated_at": "2026-11-28T12:30:00Z"}]}`)
	for cond, want := range map[string]bool{
		`{"field": "shopify.abandoned_cart", "op": "exists", "hours_since": {"op": "eq", "value": -1}}`:  true,
		`{"field": "shopify.abandoned_cart", "op": "exists", "hours_since": {"op": "gte", "value": 0}}`:  false,
		`{"field": "shopify.abandoned_cart", "op": "exists", "hours_since": {"op": "lt", "value": 0}}`:   true,
		`{"field": "shopify.abandoned_cart", "op": "exists", "hours_since": {"op": "neq", "value": 0}}`:  true,
		`{"field": "shopify.abandoned_cart", "op": "exists", "hours_since": {"op": "lte", "value": -2}}`: false,
	} {
		if got := matches(t, f, cond, time.UTC, now); got != want {
			t.Errorf("%s = %v, want %v", cond, got, want)
		}
	}
}

// TestDateReading checks spec 3's calendar days and 3.1's date reading:
// "YYYY-MM-DD" is that date, RFC 3339 is its calendar date in the account's
// zone, anything else is not a date; days_since is negative in the future.
func TestDateReading(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	day := func(s string) kizuna.Day {
		d, ok := kizuna.ParseDay(s)
		if !ok {
			t.Fatalf("ParseDay(%q) failed", s)
		}
		return d
	}
	for _, tc := range []struct {
		raw  string
		loc  *time.Location
		want string // "" for not a date
	}{
		{`"2026-11-28"`, time.UTC, "2026-11-28"},
		{`"2026-11-28"`, tokyo, "2026-11-28"},
		{`"2024-02-29"`, tokyo, "2024-02-29"},
		{`"2026-11-27T15:00:00Z"`, tokyo, "2026-11-28"},
		{`"2026-11-27T14:59:59.999999Z"`, tokyo, "2026-11-27"},
		{`"2026-11-28T00:30:00+09:00"`, time.UTC, "2026-11-27"},
		{`"2026-11-28T00:30:00+09:00"`, tokyo, "2026-11-28"},
		{`"2026-02-30"`, time.UTC, ""},
		{`"2026-13-01"`, time.UTC, ""},
		{`"2026-1-05"`, time.UTC, ""},
		{`"2026-11-28T00:00:00"`, time.UTC, ""},
		{`"2026-11-28 00:00:00Z"`, time.UTC, ""},
		{`"not a date"`, time.UTC, ""},
		{`20261128`, time.UTC, ""},
		{`" 2026-11-28"`, time.UTC, ""},
	} {
		r := kizuna.ReadProperty(json.RawMessage(tc.raw), tc.loc)
		if tc.want == "" {
			if r.HasDay {
				t.Errorf("ReadProperty(%s) in %s: read as date %s", tc.raw, tc.loc, r.Day)
			}
			continue
		}
		if !r.HasDay || r.Day != day(tc.want) {
			t.Errorf("ReadProperty(%s) in %s = %s (%v), want %s", tc.raw, tc.loc, r.Day, r.HasDay, tc.want)
		}
	}
	// days_since: 0 today, 1 yesterday, negative in the future, counted in
	// the account's calendar days, not 24-hour periods.
	now := time.Date(2026, 11, 28, 0, 30, 0, 0, tokyo) // 2026-11-27 15:30 UTC
	for _, tc := range []struct {
		added string
		days  int
	}{
		{"2026-11-28T00:00:00+09:00", 0},
		{"2026-11-27T23:59:59+09:00", 1},
		{"2026-11-27T14:00:00Z", 1}, // 23:00 Tokyo
		{"2026-11-29T00:00:00+09:00", -1},
		{"2026-11-21T12:00:00+09:00", 7},
	} {
		f := contractFriend(t, `"klaviyo": {"properties": {"seen": "`+tc.added+`"}}`)
		f.AddedAt, _ = kizuna.ParseTimestamp(tc.added)
		for _, cond := range []string{
			fmt.Sprintf(`{"field": "line.days_since_added", "op": "eq", "value": %d}`, tc.days),
			fmt.Sprintf(`{"field": "klaviyo.property", "property": "seen", "type": "days_since", "op": "eq", "value": %d}`, tc.days),
		} {
			if !matches(t, f, cond, tokyo, now) {
				t.Errorf("added %s, now %s: no match for %s", tc.added, now, cond)
			}
		}
		if got := kizuna.DayOf(f.AddedAt, tokyo); int(day("2026-11-28")-got) != tc.days {
			t.Errorf("DayOf(%s) = %s", tc.added, got)
		}
	}
}

// TestMissingValues checks spec 3.2's examples: only negative ops match a
// friend that lacks the value, and a value unreadable as the condition's
// type is absent for every op but is_known and is_unknown.
func TestMissingValues(t *testing.T) {
	unlinked := contractFriend(t, ``)
	noOrders := contractFriend(t, `"shopify": {"customer_id": "7"}`)
	for _, tc := range []struct {
		f    *kizuna.Friend
		cond string
		want bool
	}{
		{unlinked, `{"field": "shopify.tag", "op": "has_none", "value": ["vip"]}`, true},
		{unlinked, `{"field": "shopify.orders_count", "op": "neq", "value": 3}`, true},
		{unlinked, `{"field": "shopify.orders_count", "op": "gte", "value": 0}`, false},
		{unlinked, `{"field": "shopify.days_since_last_order", "op": "neq", "value": 3}`, true},
		{unlinked, `{"field": "hubspot.segment", "op": "not_member_of", "value": ["12"]}`, true},
		{unlinked, `{"field": "klaviyo.property", "property": "plan", "type": "string", "op": "not_contains", "value": "g"}`, true},
		{unlinked, `{"field": "klaviyo.property", "property": "plan", "type": "string", "op": "is_unknown"}`, true},
		{noOrders, `{"field": "shopify.orders_count", "op": "eq", "value": 0}`, true},
		{noOrders, `{"field": "shopify.orders_count", "op": "lt", "value": 1}`, true},
		{noOrders, `{"field": "shopify.days_since_last_order", "op": "gte", "value": 0}`, false},
		{noOrders, `{"field": "shopify.days_since_last_order", "op": "lt", "value": 0}`, false},
		{noOrders, `{"field": "shopify.abandoned_cart", "op": "not_exists"}`, true},
	} {
		if got := matches(t, tc.f, tc.cond, time.UTC, contractNow); got != tc.want {
			t.Errorf("%+v: %s = %v, want %v", tc.f.Shopify, tc.cond, got, tc.want)
		}
	}
	// A value each type cannot read.
	prop := func(typ, op string) string {
		return `{"field": "hubspot.property", "property": "p", "type": "` + typ + `", ` + op + `}`
	}
	for _, tc := range []struct {
		raw, cond string
		want      bool
	}{
		{`"gold"`, prop("number", `"op": "neq", "value": 1`), true},
		{`"gold"`, prop("number", `"op": "lt", "value": 1e9`), false},
		{`"gold"`, prop("number", `"op": "is_known"`), true},
		{`"gold"`, prop("bool", `"op": "is", "value": false`), false},
		{`"gold"`, prop("date", `"op": "before", "value": "2100-01-01"`), false},
		{`"gold"`, prop("days_since", `"op": "gte", "value": -100000`), false},
		{`"2026-02-30"`, prop("date", `"op": "after", "value": "2000-01-01"`), false},
		{`"2026-02-30"`, prop("date", `"op": "is_unknown"`), false},
		{`{"a": 1}`, prop("string", `"op": "neq", "value": "x"`), true},
		{`{"a": 1}`, prop("string", `"op": "contains", "value": "a"`), false},
		{`{"a": 1}`, prop("string", `"op": "is_known"`), true},
		{`"  "`, prop("string", `"op": "is_unknown"`), true},
		{`null`, prop("string", `"op": "is_unknown"`), true},
		{`null`, prop("string", `"op": "neq", "value": "null"`), true},
		{`null`, prop("string", `"op": "eq", "value": "null"`), false},
		{`true`, prop("string", `"op": "eq", "value": "TRUE"`), true},
		{`1200`, prop("string", `"op": "starts_with", "value": "12"`), true},
	} {
		f := contractFriend(t, `"hubspot": {"properties": {"p": `+tc.raw+`}}`)
		if got := matches(t, f, tc.cond, time.UTC, contractNow); got != tc.want {
			t.Errorf("p = %s: %s = %v, want %v", tc.raw, tc.cond, got, tc.want)
		}
	}
}

// TestNormalizeASCII checks Normalize's ASCII shortcut against the full
// path: every ASCII byte alone and in a word folds as NFKC and full case
// folding do.
func TestNormalizeASCII(t *testing.T) {
	for c := 0; c < 0x80; c++ {
		s := string(rune(c)) + "Ab" + string(rune(c))
		// A non-ASCII neighbour sends the same text down the full path.
		full := kizuna.Normalize(s + "é")
		if got := kizuna.Normalize(s) + "é"; got != full {
			t.Errorf("Normalize(%q) = %q; the full path gives %q", s, got, full)
		}
	}
}

// TestNumericOps checks spec 3's numeric ops on a number (strict lt and gt,
// inclusive between) and that IntegerRange, which the SQL compiler and the
// engine use for integer values, selects exactly the integers Test accepts.
func TestNumericOps(t *testing.T) {
	xs := []float64{4, 4.5, 5, 5.5, 6}
	for _, tc := range []struct {
		op   string
		nums [2]float64
		want []bool // for xs
	}{
		{"eq", [2]float64{5}, []bool{false, false, true, false, false}},
		{"neq", [2]float64{5}, []bool{true, true, false, true, true}},
		{"lt", [2]float64{5}, []bool{true, true, false, false, false}},
		{"lte", [2]float64{5}, []bool{true, true, true, false, false}},
		{"gt", [2]float64{5}, []bool{false, false, false, true, true}},
		{"gte", [2]float64{5}, []bool{false, false, true, true, true}},
		{"between", [2]float64{4.5, 5.5}, []bool{false, true, true, true, false}},
		{"between", [2]float64{5, 5}, []bool{false, false, true, false, false}},
	} {
		n := kizuna.NumericTest{Op: tc.op, Nums: tc.nums}
		for i, x := range xs {
			if got := n.Test(x); got != tc.want[i] {
				t.Errorf("%v %s %v = %v, want %v", x, tc.op, tc.nums, got, tc.want[i])
			}
		}
	}
	for _, op := range []string{"eq", "neq", "lt", "lte", "gt", "gte", "between"} {
		for _, v := range []float64{-3, -2.5, 0, 2.5, 3} {
			n := kizuna.NumericTest{Op: op, Nums: [2]float64{v, v + 2}}
			lo, hi, ok := n.IntegerRange(kizuna.MaxCountOperand)
			for x := int64(-8); x <= 8; x++ {
				in := ok && x >= lo && x <= hi
				want := n.Test(float64(x))
				if op == "neq" {
					want = !want // neq's range is eq's, its complement taken by the caller
				}
				if in != want {
					t.Errorf("%s %v: IntegerRange [%d, %d] %v says %d is %v; Test says %v", op, n.Nums, lo, hi, ok, x, in, want)
				}
			}
		}
	}
}
