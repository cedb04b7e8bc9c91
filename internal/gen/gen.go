// Package gen generates deterministic test data for Kizuna: friends in the
// import format (spec section 5) and valid filters (spec sections 2-3). Both
// draw from the same small pools of tags, list IDs and property names, and
// place every instant relative to a given now, so that random filters select
// something and random data sits on the edges that the spec defines: local
// midnights, the same instant written with different offsets, hour
// boundaries, full-width and mixed-case text, numbers written as strings and
// values that cannot be read as their type.
//
// The same *rand.Rand state and arguments always give the same output.
// Generation draws only integers from the source, so the output does not
// depend on the platform's floating point.
package gen

import (
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"time"
)

// Pools the generated friends and filters share.
var (
	// FriendTags are friend tag names; they are compared exactly, so the
	// case and width variants are different tags.
	FriendTags = []string{"VIP", "vip", "ＶＩＰ", "Seminar Attendee", "セミナー参加", "休眠", "ﾃｽﾄ", "tag 8"}
	// ShopifyTags are compared after NFKC and case folding: several
	// entries are the same tag written differently.
	ShopifyTags = []string{"wholesale", "Wholesale", "ＷＨＯＬＥＳＡＬＥ", "vip", "VIP", "Straße", "STRASSE", "ﾃｽﾄ", "テスト", "sale-2025", "定期購入"}
	// HubSpotSegments and KlaviyoLists are IDs, compared exactly.
	HubSpotSegments = []string{"12", "34", "56", "012", "101"}
	KlaviyoLists    = []string{"Y6nRLr", "y6nrlr", "AbC999", "QqQ000"}
	// PropertyNames are the HubSpot and Klaviyo property names.
	PropertyNames = []string{"lifecyclestage", "plan", "points", "score", "birthday", "last_visit", "opted_in", "notes"}
)

var (
	tokyo      = mustZone("Asia/Tokyo", 9*3600)
	losAngeles = mustZone("America/Los_Angeles", -8*3600)
	// zones are the offsets timestamps are written with: whole, half- and
	// quarter-hour offsets on both sides of UTC, and the two account zones
	// the tests use (Los Angeles has DST).
	zones = []*time.Location{
		time.UTC, tokyo, losAngeles,
		time.FixedZone("+05:30", 5*3600+30*60),
		time.FixedZone("+05:45", 5*3600+45*60),
		time.FixedZone("+14:00", 14*3600),
		time.FixedZone("-11:00", -11*3600),
		time.FixedZone("-03:30", -(3*3600 + 30*60)),
	}
	// midnightZones are the zones whose local midnights the instants hit.
	midnightZones = []*time.Location{tokyo, losAngeles, time.UTC}
)

func mustZone(name string, fallback int) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.FixedZone(name, fallback)
	}
	return loc
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// chance reports true with probability pct percent.
func chance(r *rand.Rand, pct int) bool { return r.IntN(100) < pct }

// some returns 1 to max distinct items of pool, in pool order.
func some(r *rand.Rand, pool []string, max int) []string {
	n := 1 + r.IntN(max)
	perm := r.Perm(len(pool))[:min(n, len(pool))]
	out := make([]string, 0, len(perm))
	for i := range pool {
		for _, p := range perm {
			if p == i {
				out = append(out, pool[i])
			}
		}
	}
	return out
}

// generator carries what a run of Friends shares between lines.
type generator struct {
	r   *rand.Rand
	now time.Time
	// ties are instants that several friends are added at, so that the
	// sample's tie-break (line_user_id ascending) is exercised.
	ties []time.Time
}

// Friends returns n NDJSON lines, each a friend valid for the import format,
// with instants around now. A few lines repeat an earlier friend's
// line_user_id with a different record: the later line must replace the
// earlier one. Values that are not readable as a type appear only inside
// HubSpot and Klaviyo properties, so every line imports.
func Friends(r *rand.Rand, n int, now time.Time) []string {
	g := &generator{r: r, now: now}
	for range 4 {
		g.ties = append(g.ties, g.instant())
	}
	lines := make([]string, 0, n)
	var ids []string
	for range n {
		var id string
		if len(ids) > 0 && chance(r, 4) {
			id = pick(r, ids)
		} else {
			id = g.lineUserID()
			ids = append(ids, id)
		}
		b, err := json.Marshal(g.friend(id))
		if err != nil {
			panic(err) // unreachable: every value is marshalable
		}
		lines = append(lines, string(b))
	}
	return lines
}

func (g *generator) lineUserID() string {
	var b [16]byte
	for i := range b {
		b[i] = byte(g.r.IntN(256))
	}
	id := hex.EncodeToString(b[:])
	if chance(g.r, 10) {
		// Upper-case hex is a valid ID that sorts before every lower-case one.
		id = strings.ToUpper(id)
	}
	return "U" + id
}

func (g *generator) friend(id string) map[string]any {
	r := g.r
	f := map[string]any{"line_user_id": id}
	switch r.IntN(6) {
	case 0: // absent
	case 1:
		f["display_name"] = ""
	default:
		f["display_name"] = pick(r, []string{"Aiko", "ｹﾝ", "Ben", "山田 花子", "ＴＡＲＯ", "dana"})
	}
	added := g.instant()
	if chance(g.r, 12) {
		added = pick(r, g.ties)
	}
	f["added_at"] = g.stamp(added)
	switch r.IntN(10) {
	case 0:
		f["status"] = "blocked"
	case 1, 2:
		f["status"] = "following"
	}
	switch r.IntN(8) {
	case 0: // absent
	case 1:
		f["tags"] = nil
	case 2:
		f["tags"] = []string{}
	default:
		tags := some(r, FriendTags, 3)
		if chance(r, 10) {
			tags = append(tags, tags[0]) // a duplicate is the same tag once
		}
		f["tags"] = tags
	}
	g.integration(f, "shopify", 60, g.shopify)
	g.integration(f, "hubspot", 50, func() map[string]any { return g.crm("contact_id", "segments", HubSpotSegments) })
	g.integration(f, "klaviyo", 50, func() map[string]any { return g.crm("profile_id", "lists", KlaviyoLists) })
	return f
}

// integration links the friend with probability pct, sometimes with an empty
// object (linked, nothing known) or an explicit null (not linked).
func (g *generator) integration(f map[string]any, key string, pct int, body func() map[string]any) {
	switch {
	case chance(g.r, 5):
		f[key] = map[string]any{}
	case chance(g.r, 4):
		f[key] = nil
	case chance(g.r, pct):
		f[key] = body()
	}
}

func (g *generator) shopify() map[string]any {
	r := g.r
	s := map[string]any{}
	if !chance(r, 10) {
		s["customer_id"] = "70" + string(rune('0'+r.IntN(10))) + "12345"
	}
	if r.IntN(3) > 0 {
		s["tags"] = some(r, ShopifyTags, 3)
	}
	switch r.IntN(10) {
	case 0: // absent: a linked customer with no orders has orders_count 0
	case 1:
		s["orders_count"] = 0
	case 2:
		// Beyond 32 bits, still exact as a float64.
		s["orders_count"] = pick(r, []int64{1 << 31, 5_000_000_000, 1<<30 + 3})
	default:
		s["orders_count"] = 1 + r.IntN(12)
	}
	var lastOrder *time.Time
	switch r.IntN(5) {
	case 0: // absent
	case 1:
		s["last_order_at"] = nil
	default:
		t := g.instant()
		lastOrder = &t
		s["last_order_at"] = g.stamp(t)
	}
	if chance(r, 70) {
		var checkouts []any
		for i := range r.IntN(4) {
			ch := map[string]any{"id": "c" + string(rune('0'+i))}
			updated := g.instant()
			if lastOrder != nil && chance(r, 50) {
				// Abandoned just before, at or just after the later order.
				updated = lastOrder.Add(time.Duration(r.IntN(7)-3) * time.Hour)
				if chance(r, 30) {
					updated = *lastOrder
				}
			}
			ch["updated_at"] = g.stamp(updated)
			switch r.IntN(4) {
			case 0: // absent: not completed
			case 1:
				ch["completed_at"] = nil
			default:
				ch["completed_at"] = g.stamp(updated.Add(time.Duration(r.IntN(90)) * time.Minute))
			}
			checkouts = append(checkouts, ch)
		}
		s["checkouts"] = checkouts
	}
	return s
}

func (g *generator) crm(idKey, listKey string, lists []string) map[string]any {
	r := g.r
	c := map[string]any{}
	if !chance(r, 10) {
		c[idKey] = "50" + string(rune('0'+r.IntN(10)))
	}
	switch r.IntN(4) {
	case 0: // absent
	case 1:
		c[listKey] = []string{}
	default:
		c[listKey] = some(r, lists, 3)
	}
	if chance(r, 85) {
		props := map[string]json.RawMessage{}
		for range r.IntN(6) {
			props[pick(r, PropertyNames)] = g.propertyValue()
		}
		c["properties"] = props
	}
	return c
}

// Texts are string property values (and string filter operands): case and
// width variants of the same word, and words that only case folding makes equal.
var texts = []string{"customer", "Customer", "ＣＵＳＴＯＭＥＲ", "lead", "OPEN", "open ", "gold", "Gold", "ｇｏｌｄ",
	"Straße", "strasse", "ﾃｽﾄ", "テスト", "vip member", "VIP Member", "４２", "42", "true", "1e2"}

// eqTexts are the operands of string eq and neq.
var eqTexts = append(append([]string{}, texts...), "", "1E2", "TRUE", "   ", "strasse ")

// numberTexts are strings that are, and are not, numbers in JSON's grammar.
var numberTexts = []string{" 42 ", "42", "1e2", "+5", ".5", "0x10", "1,200", "-1.5", "1200", "0", "５", "1E2", " -0 "}

// numbers are JSON numbers as written.
var numbers = []string{"42", "100", "1e2", "1E2", "1200", "-1.5", "0", "0.5", "5", "3.0", "-0", "1e400", "16"}

// unreadable are values no type but is_known reads (or that are not known).
var unreadable = []string{`null`, `""`, `"   "`, `{}`, `{"a":1}`, `[]`, `[1,2]`, `["gold"]`, `"2026-02-30"`, `"not a date"`,
	`"2026-13-01"`, `"2026-1-05"`, `"2026-11-28T00:00:00"`, `"2026-11-28 00:00:00Z"`, `"yes"`, `" true"`}

func (g *generator) propertyValue() json.RawMessage {
	r := g.r
	q := func(s string) json.RawMessage { b, _ := json.Marshal(s); return b }
	switch r.IntN(11) {
	case 0, 1:
		return q(pick(r, texts))
	case 2:
		return q(pick(r, numberTexts))
	case 3:
		return json.RawMessage(pick(r, numbers))
	case 4:
		return json.RawMessage(pick(r, []string{`true`, `false`, `"TRUE"`, `"false"`, `"True"`, `"FALSE"`}))
	case 5, 6:
		return q(g.day(g.instant()))
	case 7:
		return q(g.stamp(g.instant()))
	default:
		return json.RawMessage(pick(r, unreadable))
	}
}

// instant returns an instant around now: mostly in the 45 days before it, on
// local midnights (and a microsecond either side) of the account zones,
// on exact hours before now, and sometimes in the future.
func (g *generator) instant() time.Time {
	r := g.r
	days := r.IntN(46) - 42 // -42 ... +3
	switch r.IntN(6) {
	case 0, 1:
		loc := pick(r, midnightZones)
		y, m, d := g.now.In(loc).Date()
		t := time.Date(y, m, d+days, 0, 0, 0, 0, loc)
		return t.Add(time.Duration(r.IntN(3)-1) * time.Microsecond)
	case 2:
		// A whole number of hours from now: hours_since lands on its boundary.
		return g.now.Add(-time.Duration(r.IntN(24*10)-6) * time.Hour)
	default:
		sec := r.IntN(86400)
		return g.now.Add(time.Duration(days)*24*time.Hour + time.Duration(sec)*time.Second - 12*time.Hour)
	}
}

// stamp writes t as RFC 3339 with a random offset, sometimes with a
// fraction finer than the microsecond that every backend keeps.
func (g *generator) stamp(t time.Time) string {
	r := g.r
	t = t.In(pick(r, zones))
	switch r.IntN(5) {
	case 0:
		// Nanoseconds below the microsecond are truncated on import.
		return t.Add(time.Duration(r.IntN(1000)) * time.Nanosecond).Format(time.RFC3339Nano)
	case 1:
		if _, off := t.Zone(); off == 0 {
			return strings.Replace(t.Format(time.RFC3339Nano), "Z", "+00:00", 1)
		}
	}
	return t.Format(time.RFC3339Nano)
}

// day writes t's calendar date in one of the account zones as YYYY-MM-DD.
func (g *generator) day(t time.Time) string {
	return t.In(pick(g.r, midnightZones)).Format(time.DateOnly)
}

// Filter returns a random valid filter (spec sections 2-3): 1-4 groups of 1-4
// conditions over every field, op and property type, with operands drawn from
// the pools above and from dates and amounts near now, so that most filters
// select some friends and miss others. Friend tag conditions name only tags,
// which should be the tags that exist in the account; with none, no
// condition tests friend tags.
func Filter(r *rand.Rand, tags []string, now time.Time) json.RawMessage {
	return filter(&filterGen{r: r, tags: tags, now: now})
}

func filter(c *filterGen) json.RawMessage {
	r := c.r
	groups := make([]any, 1+r.IntN(4))
	for i := range groups {
		conds := make([]any, pick(r, []int{1, 1, 1, 2, 2, 3, 4}))
		for j := range conds {
			conds[j] = c.condition()
		}
		groups[i] = map[string]any{"conditions": conds}
	}
	b, err := json.Marshal(map[string]any{"groups": groups})
	if err != nil {
		panic(err) // unreachable
	}
	return b
}

type filterGen struct {
	r      *rand.Rand
	tags   []string
	now    time.Time
	stored *Stored // nil: operands from the pools only
}

var fields = []string{
	"line.added_date", "line.days_since_added", "tag", "tag",
	"shopify.linked", "shopify.tag", "shopify.orders_count", "shopify.days_since_last_order", "shopify.abandoned_cart", "shopify.abandoned_cart",
	"hubspot.linked", "hubspot.segment", "hubspot.property", "hubspot.property", "hubspot.property",
	"klaviyo.linked", "klaviyo.list", "klaviyo.property", "klaviyo.property", "klaviyo.property",
}

var numericOps = []string{"eq", "neq", "lt", "lte", "gt", "gte", "between"}

func (c *filterGen) condition() map[string]any {
	r := c.r
	field := pick(r, fields)
	for field == "tag" && len(c.tags) == 0 {
		field = pick(r, fields)
	}
	m := map[string]any{"field": field}
	set := func(op string, v any) map[string]any {
		m["op"] = op
		if v != nil {
			m["value"] = v
		}
		return m
	}
	switch field {
	case "line.added_date":
		op := pick(r, []string{"on", "before", "after", "between"})
		return set(op, c.dateValue(op))
	case "line.days_since_added":
		op := pick(r, numericOps)
		return set(op, c.integers(op, -2, 45))
	case "tag":
		if op := pick(r, []string{"has", "not_has", "has_any", "has_all", "has_none"}); op == "has" || op == "not_has" {
			return set(op, pick(r, c.tags))
		} else {
			return set(op, some(r, c.tags, 3))
		}
	case "shopify.linked", "hubspot.linked", "klaviyo.linked":
		return set("is", chance(r, 50))
	case "shopify.tag":
		return set(pick(r, []string{"has_any", "has_all", "has_none"}), some(r, ShopifyTags, 3))
	case "shopify.orders_count":
		op := pick(r, numericOps)
		if chance(r, 10) {
			big := pick(r, []int64{1 << 30, 1<<30 + 3, 1 << 31, 5_000_000_000, 1 << 53})
			if op == "between" {
				return set(op, []int64{big - 1, big})
			}
			return set(op, big)
		}
		return set(op, c.integers(op, 0, 12))
	case "shopify.days_since_last_order":
		op := pick(r, numericOps)
		return set(op, c.integers(op, -2, 45))
	case "shopify.abandoned_cart":
		if chance(r, 30) {
			return set("not_exists", nil)
		}
		if chance(r, 30) {
			return set("exists", nil)
		}
		op := pick(r, numericOps)
		m["op"] = "exists"
		m["hours_since"] = map[string]any{"op": op, "value": c.numbers(op, -6, 24*12)}
		return m
	case "hubspot.segment":
		return set(pick(r, []string{"member_of", "not_member_of"}), some(r, HubSpotSegments, 2))
	case "klaviyo.list":
		return set(pick(r, []string{"member_of", "not_member_of"}), some(r, KlaviyoLists, 2))
	}
	// hubspot.property, klaviyo.property
	if aimed := c.aimedProperty(m); aimed != nil {
		return aimed
	}
	m["field"] = field
	m["property"] = pick(r, PropertyNames)
	if chance(r, 3) {
		m["property"] = "never_set"
	}
	typ := pick(r, []string{"string", "number", "bool", "date", "days_since"})
	m["type"] = typ
	if chance(r, 12) {
		return set(pick(r, []string{"is_known", "is_unknown"}), nil)
	}
	switch typ {
	case "string":
		switch op := pick(r, []string{"eq", "neq", "contains", "not_contains", "starts_with", "in", "not_in"}); op {
		case "eq", "neq":
			return set(op, pick(r, eqTexts))
		case "contains", "not_contains", "starts_with":
			return set(op, pick(r, []string{"cust", "ＣＵＳ", "OLD", "old", "4", "ss", "ß", "テ", "ﾃ", "e2", "e", " ", "member"}))
		default:
			return set(op, some(r, texts, 3))
		}
	case "number":
		op := pick(r, numericOps)
		return set(op, c.numbers(op, -2, 120))
	case "bool":
		return set("is", chance(r, 50))
	case "date":
		op := pick(r, []string{"on", "before", "after", "between"})
		return set(op, c.dateValue(op))
	}
	op := pick(r, numericOps) // days_since
	return set(op, c.numbers(op, -2, 45))
}

// dateValue is a date (or a [from, to] pair for between) near now.
func (c *filterGen) dateValue(op string) any {
	d := func() string {
		return c.now.In(pick(c.r, midnightZones)).AddDate(0, 0, c.r.IntN(48)-44).Format(time.DateOnly)
	}
	if op != "between" {
		return d()
	}
	a, b := d(), d()
	if a > b {
		a, b = b, a
	}
	return []string{a, b}
}

// integers is an integer in [lo, hi] (a sorted pair for between).
func (c *filterGen) integers(op string, lo, hi int) any {
	n := func() int64 { return int64(lo + c.r.IntN(hi-lo+1)) }
	if op != "between" {
		return n()
	}
	a, b := n(), n()
	return []int64{min(a, b), max(a, b)}
}

// numbers is like integers but sometimes a fraction or a number written
// with an exponent; the values are exact decimal text, never computed floats.
func (c *filterGen) numbers(op string, lo, hi int) any {
	n := func() (json.Number, int64) {
		i := int64(lo + c.r.IntN(hi-lo+1))
		switch c.r.IntN(6) {
		case 0:
			// The order key 2i±1 sits between i and the next integer away from 0.
			if i < 0 {
				return json.Number(itoa(i) + ".5"), 2*i - 1
			}
			return json.Number(itoa(i) + ".5"), 2*i + 1
		case 1:
			if i >= 0 && i%10 == 0 && i > 0 {
				return json.Number(itoa(i/10) + "e1"), 2 * i
			}
		}
		return json.Number(itoa(i)), 2 * i
	}
	if op != "between" {
		v, _ := n()
		return v
	}
	a, ka := n()
	b, kb := n()
	if ka > kb {
		a, b = b, a
	}
	return []json.Number{a, b}
}

func itoa(i int64) string {
	b, _ := json.Marshal(i)
	return string(b)
}
