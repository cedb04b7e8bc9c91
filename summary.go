package kizuna

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Summarize returns the filter as one human sentence in lang ("en" or "ja";
// anything else is English), for the preview of spec section 6. The sentence
// is generated from the filter, never taken from free text:
//
//   - groups are joined by ", OR " (ja "、または "), the conditions of a group
//     by " and " (ja "かつ"); an English sentence starts with a capital
//     letter unless it starts with a property label or name, kept verbatim;
//   - HubSpot segments, Klaviyo lists and properties are named by their
//     catalog names and labels (spec 7), option values by their option labels;
//     what the catalog does not know (or a nil catalog) shows the raw ID or name;
//   - a condition relative to now (days since) also shows the calendar dates
//     it selects in loc, with the zone's abbreviation as of now, and absolute
//     dates are shown with that abbreviation too;
//   - a negative op that matches friends lacking the data (spec 3.2) says so,
//     e.g. "(includes friends not linked to Shopify)".
//
// A nil loc is UTC. The output depends only on its arguments.
func Summarize(f *Filter, cat *Catalog, loc *time.Location, now time.Time, lang string) string {
	if f == nil {
		return ""
	}
	if loc == nil {
		loc = time.UTC
	}
	s := &summarizer{
		cat:   cat,
		today: DayOf(now, loc),
		zone:  now.In(loc).Format("MST"),
		ja:    lang == "ja",
	}
	groups := make([]string, 0, len(f.Groups))
	for gi := range f.Groups {
		groups = append(groups, s.group(&f.Groups[gi]))
	}
	if s.ja {
		return strings.Join(groups, "、または ")
	}
	out := strings.Join(groups, ", OR ")
	// A sentence that starts with a property's label or raw name keeps it
	// verbatim ("iPhone model", "hs_lead_status").
	if len(f.Groups) == 0 || len(f.Groups[0].Conditions) == 0 || !f.Groups[0].Conditions[0].IsProperty() {
		out = capitalize(out)
	}
	return out
}

type summarizer struct {
	cat   *Catalog
	today Day
	zone  string
	ja    bool
}

func (s *summarizer) group(g *Group) string {
	if len(g.Conditions) == 0 {
		// An AND of nothing matches every friend (ParseFilter refuses it).
		return s.pick("all friends", "すべての友だち")
	}
	parts := make([]string, 0, len(g.Conditions))
	for ci := range g.Conditions {
		parts = append(parts, s.condition(&g.Conditions[ci]))
	}
	return strings.Join(parts, s.pick(" and ", "かつ"))
}

// pick returns en or ja by the summary's language.
func (s *summarizer) pick(en, ja string) string {
	if s.ja {
		return ja
	}
	return en
}

// Notes on missing values (spec 3.2), for negative ops that match friends
// that lack the data.
func (s *summarizer) notLinkedNote(service string) string {
	return s.pick(" (includes friends not linked to "+service+")", "（"+service+"未連携の友だちを含む）")
}

func (s *summarizer) noOrderNote() string {
	return s.pick(" (includes friends with no Shopify order)", "（Shopifyでの購入がない友だちを含む）")
}

func (s *summarizer) noPropertyNote() string {
	return s.pick(" (includes friends without this property)", "（この項目がない友だちを含む）")
}

func (s *summarizer) condition(c *Condition) string {
	switch c.Field {
	case FieldAddedDate:
		return s.addedDate(c)
	case FieldDaysSinceAdded:
		return s.daysSinceAdded(c)
	case FieldTag:
		return s.tags(c)
	case FieldShopifyLinked:
		return s.linked("Shopify", c.Bool)
	case FieldHubSpotLinked:
		return s.linked("HubSpot", c.Bool)
	case FieldKlaviyoLinked:
		return s.linked("Klaviyo", c.Bool)
	case FieldShopifyTag:
		return s.shopifyTags(c)
	case FieldShopifyOrders:
		return s.orders(c)
	case FieldShopifyDaysSince:
		return s.daysSinceOrder(c)
	case FieldShopifyAbandoned:
		return s.abandoned(c)
	case FieldHubSpotSegment:
		return s.membership(c, "HubSpot", "HubSpot segment", "HubSpot segments", "HubSpotセグメント")
	case FieldKlaviyoList:
		return s.membership(c, "Klaviyo", "Klaviyo list", "Klaviyo lists", "Klaviyoリスト")
	case FieldHubSpotProperty, FieldKlaviyoProperty:
		return s.property(c)
	}
	return s.unknown(c)
}

// unknown describes a condition that ParseFilter would refuse, so that a
// hand-built filter still gets a deterministic, non-empty phrase.
func (s *summarizer) unknown(c *Condition) string {
	parts := []string{c.Field, c.Op}
	if c.Property != "" {
		parts = append(parts, c.Property)
	}
	parts = append(parts, c.Strings...)
	return strings.Join(parts, " ")
}

// --- LINE ---

func (s *summarizer) addedDate(c *Condition) string {
	if s.ja {
		return "友だち追加日が" + s.jaDates(c)
	}
	return "added " + s.enDates(c)
}

// enDates phrases an absolute date op: "before 2026-10-12 (JST)".
func (s *summarizer) enDates(c *Condition) string {
	z := " (" + s.zone + ")"
	switch c.Op {
	case OpOn:
		return "on " + c.Days[0].String() + z
	case OpBefore:
		return "before " + c.Days[0].String() + z
	case OpAfter:
		return "after " + c.Days[0].String() + z
	case OpBetween:
		return "between " + c.Days[0].String() + " and " + c.Days[1].String() + z
	}
	return c.Op
}

// jaDates phrases an absolute date op after "が": "2026-10-12（JST）より前".
func (s *summarizer) jaDates(c *Condition) string {
	z := "（" + s.zone + "）"
	switch c.Op {
	case OpOn:
		return c.Days[0].String() + z
	case OpBefore:
		return c.Days[0].String() + z + "より前"
	case OpAfter:
		return c.Days[0].String() + z + "より後"
	case OpBetween:
		return c.Days[0].String() + "〜" + c.Days[1].String() + z
	}
	return c.Op
}

func (s *summarizer) daysSinceAdded(c *Condition) string {
	t := c.Numeric()
	// "Added in the last N days, today included" (spec 3) is lte N-1 or
	// lt N: said as the window a person means, with its first and last
	// dates, rather than as "6 days or fewer".
	if window, ok := lastDays(t); ok && window > 1 {
		if span := s.windowDates(window); span != "" {
			n := strconv.FormatInt(window, 10)
			if s.ja {
				return "友だち追加から" + n + "日以内（今日を含む、" + span + "）"
			}
			return "added in the last " + n + " days, today included (" + span + ")"
		}
	}
	clause := s.dateClause(t)
	if s.ja {
		if window, ok := lastDays(t); ok && window == 1 {
			return "今日友だち追加" + clause
		}
		return "友だち追加から" + jaQuantity(t, "日", "以内") + clause
	}
	if t.Op == OpEq && t.Nums[0] == 0 {
		return "added today" + clause
	}
	if window, ok := lastDays(t); ok && window == 1 {
		return "added today" + clause
	}
	if t.Op == OpNeq {
		return "not added " + enCount(t.Nums[0], "day", "days") + " ago" + clause
	}
	return "added " + enQuantity(t, "day", "days") + " ago" + clause
}

// windowDates is the first and last calendar dates of the last window days,
// today included, with the zone: "2026-11-22 – 2026-11-28 JST"; "" when the
// first falls outside the printable calendar. A friend added at a future
// instant (a clock ahead of the account's) is in the window too: days_since
// is negative, so lte still holds; the window ends today for every friend
// added up to now.
func (s *summarizer) windowDates(window int64) string {
	first := int64(s.today) - window + 1
	if first < int64(minPrintDay) || first > int64(maxPrintDay) {
		return ""
	}
	sep := " – "
	if s.ja {
		sep = "〜"
	}
	return Day(first).String() + sep + s.today.String() + " " + s.zone
}

// lastDays returns N when t selects exactly "the last N days, today included"
// (days_since from 0 or less up to N-1).
func lastDays(t NumericTest) (int64, bool) {
	v := t.Nums[0]
	if v != math.Trunc(v) || math.Abs(v) > maxExactInt {
		return 0, false
	}
	switch {
	case t.Op == OpLte && v >= 0:
		return int64(v) + 1, true
	case t.Op == OpLt && v >= 1:
		return int64(v), true
	}
	return 0, false
}

func (s *summarizer) tags(c *Condition) string {
	if s.ja {
		list := jaQuoteAll(c.Strings)
		switch {
		case c.Op == OpHas || (len(c.Strings) == 1 && (c.Op == OpHasAny || c.Op == OpHasAll)):
			return "タグ" + list + "あり"
		case c.Op == OpNotHas || (len(c.Strings) == 1 && c.Op == OpHasNone):
			return "タグ" + list + "なし"
		case c.Op == OpHasAny:
			return "タグ" + list + "のいずれかあり"
		case c.Op == OpHasAll:
			return "タグ" + list + "がすべてあり"
		case c.Op == OpHasNone:
			return "タグ" + list + "のいずれもなし"
		}
		return s.unknown(c)
	}
	list := enQuoteAll(c.Strings)
	switch {
	case c.Op == OpHas || (len(c.Strings) == 1 && (c.Op == OpHasAny || c.Op == OpHasAll)):
		return "has tag " + list
	case c.Op == OpNotHas || (len(c.Strings) == 1 && c.Op == OpHasNone):
		return "does not have tag " + list
	case c.Op == OpHasAny:
		return "has any of the tags " + list
	case c.Op == OpHasAll:
		return "has all of the tags " + list
	case c.Op == OpHasNone:
		return "has none of the tags " + list
	}
	return s.unknown(c)
}

// --- integrations ---

func (s *summarizer) linked(service string, linked bool) string {
	if s.ja {
		if linked {
			return service + "連携あり"
		}
		return service + "未連携"
	}
	if linked {
		return "linked with " + service
	}
	return "not linked to " + service
}

func (s *summarizer) shopifyTags(c *Condition) string {
	var out string
	one := len(c.Strings) == 1
	if s.ja {
		list := jaQuoteAll(c.Strings)
		switch {
		case one && c.Op != OpHasNone:
			out = "Shopifyタグ" + list + "あり"
		case one:
			out = "Shopifyタグ" + list + "なし"
		case c.Op == OpHasAny:
			out = "Shopifyタグ" + list + "のいずれかあり"
		case c.Op == OpHasAll:
			out = "Shopifyタグ" + list + "がすべてあり"
		default:
			out = "Shopifyタグ" + list + "のいずれもなし"
		}
	} else {
		list := enQuoteAll(c.Strings)
		switch {
		case one && c.Op != OpHasNone:
			out = "has Shopify tag " + list
		case one:
			out = "does not have Shopify tag " + list
		case c.Op == OpHasAny:
			out = "has any of the Shopify tags " + list
		case c.Op == OpHasAll:
			out = "has all of the Shopify tags " + list
		default:
			out = "has none of the Shopify tags " + list
		}
	}
	if c.Op == OpHasNone {
		out += s.notLinkedNote("Shopify")
	}
	return out
}

func (s *summarizer) orders(c *Condition) string {
	t := c.Numeric()
	if s.ja {
		out := "購入回数が" + jaQuantity(t, "回", "以下")
		if t.Op == OpNeq {
			out += s.notLinkedNote("Shopify")
		}
		return out
	}
	if t.Op == OpNeq {
		return "number of purchases is not " + formatNum(t.Nums[0]) + s.notLinkedNote("Shopify")
	}
	return enQuantity(t, "purchase", "purchases")
}

func (s *summarizer) daysSinceOrder(c *Condition) string {
	t := c.Numeric()
	clause := s.dateClause(t)
	var out string
	switch {
	case s.ja:
		out = "最終購入から" + jaQuantity(t, "日", "以内") + clause
	case t.Op == OpNeq:
		out = "days since last purchase is not " + formatNum(t.Nums[0]) + clause
	default:
		out = enQuantity(t, "day", "days") + " since last purchase" + clause
	}
	if t.Op == OpNeq {
		out += s.noOrderNote()
	}
	return out
}

func (s *summarizer) abandoned(c *Condition) string {
	if c.Op == OpNotExists {
		return s.pick("has no abandoned cart", "カゴ落ちなし") + s.notLinkedNote("Shopify")
	}
	if c.HoursSince == nil {
		return s.pick("has an abandoned cart", "カゴ落ちあり")
	}
	t := *c.HoursSince
	if s.ja {
		n := formatNum(t.Nums[0]) + "時間"
		var h string
		switch t.Op {
		case OpEq:
			h = n + "前"
		case OpNeq:
			h = n + "前以外"
		case OpLt:
			h = n + "未満"
		case OpLte:
			h = n + "以内"
		case OpGt:
			h = n + "より前"
		case OpGte:
			h = n + "以上前"
		case OpBetween:
			h = formatNum(t.Nums[0]) + "〜" + formatNum(t.Nums[1]) + "時間前"
		default:
			h = t.Op + " " + n
		}
		return "カゴ落ちあり（" + h + "）"
	}
	if t.Op == OpNeq {
		return "has an abandoned cart not from " + enCount(t.Nums[0], "hour", "hours") + " ago"
	}
	return "has an abandoned cart from " + enQuantity(t, "hour", "hours") + " ago"
}

// membership phrases hubspot.segment and klaviyo.list conditions.
func (s *summarizer) membership(c *Condition, service, enOne, enMany, jaNoun string) string {
	source := c.Source()
	names := make([]string, len(c.Strings))
	for i, id := range c.Strings {
		names[i] = id
		if n := s.cat.ListName(source, id); n != "" {
			names[i] = n
		}
	}
	one := len(names) == 1
	neg := c.Op == OpNotMemberOf
	var out string
	if s.ja {
		list := jaQuoteAll(names)
		switch {
		case !neg && one:
			out = jaNoun + list + "に含まれる"
		case !neg:
			out = jaNoun + list + "のいずれかに含まれる"
		case one:
			out = jaNoun + list + "に含まれない"
		default:
			out = jaNoun + list + "のいずれにも含まれない"
		}
	} else {
		list := enQuoteAll(names)
		switch {
		case !neg && one:
			out = "in " + enOne + " " + list
		case !neg:
			out = "in any of the " + enMany + " " + list
		case one:
			out = "not in " + enOne + " " + list
		default:
			out = "in none of the " + enMany + " " + list
		}
	}
	if neg {
		out += s.notLinkedNote(service)
	}
	return out
}

// --- properties ---

func (s *summarizer) property(c *Condition) string {
	label := c.Property
	prop := s.cat.Property(c.Source(), c.Property)
	if prop != nil && strings.TrimSpace(prop.Label) != "" {
		label = prop.Label
	}
	// In Japanese, a label that ends in Latin text is set off by a space:
	// "Loyalty points が100以上", "会員ランクが「ゴールド」".
	jl := label
	if r, _ := utf8.DecodeLastRuneInString(label); r < utf8.RuneSelf {
		jl += " "
	}

	switch c.Op {
	case OpIsKnown:
		return s.pick(label+" is known", jl+"が既知")
	case OpIsUnknown:
		return s.pick(label+" is unknown", jl+"が不明")
	}

	var out string
	switch c.Type {
	case TypeString:
		out = s.stringProperty(c, prop, label, jl)
	case TypeNumber:
		t := c.Numeric()
		if s.ja {
			out = jl + "が" + jaQuantity(t, "", "以下")
		} else {
			out = label + " is " + enComparison(t)
		}
	case TypeBool:
		// Yes or no in the user's words, not true or false.
		en, ja := "no", "いいえ"
		if c.Bool {
			en, ja = "yes", "はい"
		}
		out = s.pick(label+` is "`+en+`"`, jl+"が「"+ja+"」")
	case TypeDate:
		if s.ja {
			out = jl + "が" + s.jaDates(c)
		} else {
			out = label + " is " + s.enDates(c)
		}
	case TypeDaysSince:
		t := c.Numeric()
		clause := s.dateClause(t)
		switch {
		case s.ja:
			out = jl + "から" + jaQuantity(t, "日", "以内") + clause
		case t.Op == OpNeq:
			out = label + " was not " + enCount(t.Nums[0], "day", "days") + " ago" + clause
		default:
			out = label + " was " + enQuantity(t, "day", "days") + " ago" + clause
		}
	default:
		return s.unknown(c)
	}
	if c.IsNegative() {
		out += s.noPropertyNote()
	}
	return out
}

func (s *summarizer) stringProperty(c *Condition, prop *CatalogProperty, label, jl string) string {
	vals := make([]string, len(c.Strings))
	for i, v := range c.Strings {
		vals[i] = v
		if c.Op == OpEq || c.Op == OpNeq || c.Op == OpIn || c.Op == OpNotIn {
			vals[i] = optionLabel(prop, v)
		}
	}
	one := len(vals) == 1
	if s.ja {
		list := jaQuoteAll(vals)
		switch {
		case c.Op == OpEq || (c.Op == OpIn && one):
			return jl + "が" + list
		case c.Op == OpNeq || (c.Op == OpNotIn && one):
			return jl + "が" + list + "以外"
		case c.Op == OpIn:
			return jl + "が" + list + "のいずれか"
		case c.Op == OpNotIn:
			return jl + "が" + list + "のいずれでもない"
		case c.Op == OpContains:
			return jl + "に" + list + "を含む"
		case c.Op == OpNotContains:
			return jl + "に" + list + "を含まない"
		case c.Op == OpStartsWith:
			return jl + "が" + list + "で始まる"
		}
		return s.unknown(c)
	}
	list := enQuoteAll(vals)
	switch {
	case c.Op == OpEq || (c.Op == OpIn && one):
		return label + " is " + list
	case c.Op == OpNeq || (c.Op == OpNotIn && one):
		return label + " is not " + list
	case c.Op == OpIn:
		return label + " is one of " + list
	case c.Op == OpNotIn:
		return label + " is none of " + list
	case c.Op == OpContains:
		return label + " contains " + list
	case c.Op == OpNotContains:
		return label + " does not contain " + list
	case c.Op == OpStartsWith:
		return label + " starts with " + list
	}
	return s.unknown(c)
}

// optionLabel returns the catalog label of an option value: the option whose
// value is v, else the first whose value equals v after normalization (the
// comparison of spec 3.1), else v itself.
func optionLabel(prop *CatalogProperty, v string) string {
	if prop == nil {
		return v
	}
	for _, o := range prop.Options {
		if o.Value == v && o.Label != "" {
			return o.Label
		}
	}
	nv := Normalize(v)
	for _, o := range prop.Options {
		if Normalize(o.Value) == nv && o.Label != "" {
			return o.Label
		}
	}
	return v
}

// --- relative dates ---

// Calendar dates that the summary prints; a boundary outside them is left out.
var (
	minPrintDay = DayFromDate(1, time.January, 1)
	maxPrintDay = DayFromDate(9999, time.December, 31)
)

// dateClause resolves a numeric test on days_since(date) into the calendar
// dates it selects, with the zone: " (on or after 2026-11-22 JST)" /
// "（2026-11-22 JST 以降）". days_since is an integer, date = today - days, so
//
//	days <  v  ⇔ days <= ceil(v)-1   ⇔ date >= today-ceil(v)+1
//	days <= v  ⇔ days <= floor(v)    ⇔ date >= today-floor(v)
//	days >  v  ⇔ days >= floor(v)+1  ⇔ date <= today-floor(v)-1
//	days >= v  ⇔ days >= ceil(v)     ⇔ date <= today-ceil(v)
//
// It returns "" when a boundary falls outside the printable calendar, or for
// neq of a non-integer (every date passes).
func (s *summarizer) dateClause(t NumericTest) string {
	v := t.Nums[0]
	today := float64(s.today)
	date := func(x float64) (Day, bool) {
		d := today - x
		if d < float64(minPrintDay) || d > float64(maxPrintDay) {
			return 0, false
		}
		return Day(d), true
	}
	none := s.pick(" (no date matches)", "（該当する日付なし）")
	one := func(x float64, en, ja string) string {
		d, ok := date(x)
		if !ok {
			return ""
		}
		if s.ja {
			return "（" + d.String() + " " + s.zone + ja + "）"
		}
		return " (" + en + d.String() + " " + s.zone + ")"
	}
	switch t.Op {
	case OpEq:
		if v != math.Trunc(v) {
			return none
		}
		return one(v, "on ", "")
	case OpNeq:
		if v != math.Trunc(v) {
			return ""
		}
		return one(v, "not on ", " 以外")
	case OpLt:
		return one(math.Ceil(v)-1, "on or after ", " 以降")
	case OpLte:
		return one(math.Floor(v), "on or after ", " 以降")
	case OpGt:
		return one(math.Floor(v)+1, "on or before ", " 以前")
	case OpGte:
		return one(math.Ceil(v), "on or before ", " 以前")
	case OpBetween:
		lo, hi := math.Ceil(t.Nums[0]), math.Floor(t.Nums[1])
		if lo > hi {
			return none
		}
		if lo == hi {
			return one(lo, "on ", "")
		}
		from, ok1 := date(hi)
		to, ok2 := date(lo)
		if !ok1 || !ok2 {
			return ""
		}
		if s.ja {
			return "（" + from.String() + "〜" + to.String() + " " + s.zone + "）"
		}
		return " (between " + from.String() + " and " + to.String() + " " + s.zone + ")"
	}
	return ""
}

// --- words ---

// enCount is a number with its unit: "1 day", "5 days".
func enCount(v float64, one, many string) string {
	n := formatNum(v)
	if n == "1" {
		return n + " " + one
	}
	return n + " " + many
}

// enQuantity phrases a numeric test as a quantity of a unit: "5 or more
// purchases", "exactly 1 day", "3 to 5 hours". neq reads "other than 3 days"
// (callers that can say it better do).
func enQuantity(t NumericTest, one, many string) string {
	n := formatNum(t.Nums[0])
	unit := many
	if n == "1" && (t.Op == OpEq || t.Op == OpLt || t.Op == OpGt || t.Op == OpNeq) {
		unit = one
	}
	switch t.Op {
	case OpEq:
		return "exactly " + n + " " + unit
	case OpNeq:
		return "other than " + n + " " + unit
	case OpLt:
		return "fewer than " + n + " " + unit
	case OpLte:
		return n + " or fewer " + unit
	case OpGt:
		return "more than " + n + " " + unit
	case OpGte:
		return n + " or more " + unit
	case OpBetween:
		return n + " to " + formatNum(t.Nums[1]) + " " + many
	}
	return t.Op + " " + n + " " + unit
}

// enComparison phrases a numeric test on a value: "100 or more", "not 3".
func enComparison(t NumericTest) string {
	n := formatNum(t.Nums[0])
	switch t.Op {
	case OpEq:
		return n
	case OpNeq:
		return "not " + n
	case OpLt:
		return "less than " + n
	case OpLte:
		return n + " or less"
	case OpGt:
		return "more than " + n
	case OpGte:
		return n + " or more"
	case OpBetween:
		return "between " + n + " and " + formatNum(t.Nums[1])
	}
	return t.Op + " " + n
}

// jaQuantity phrases a numeric test in Japanese with a counter: "5回以上",
// "3〜5回", "6日以内". lte is written lteWord (以下, or 以内 for elapsed days).
func jaQuantity(t NumericTest, unit, lteWord string) string {
	n := formatNum(t.Nums[0]) + unit
	switch t.Op {
	case OpEq:
		return n
	case OpNeq:
		return n + "以外"
	case OpLt:
		return n + "未満"
	case OpLte:
		return n + lteWord
	case OpGt:
		return n + "超"
	case OpGte:
		return n + "以上"
	case OpBetween:
		return formatNum(t.Nums[0]) + "〜" + formatNum(t.Nums[1]) + unit
	}
	return t.Op + " " + n
}

// formatNum prints integers without decimals and other numbers in the
// shortest form that reads back the same (strconv 'f', -1).
func formatNum(v float64) string {
	if v == 0 {
		v = 0 // no "-0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func enQuoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = `"` + s + `"`
	}
	return strings.Join(q, ", ")
}

func jaQuoteAll(ss []string) string {
	var b strings.Builder
	for _, s := range ss {
		b.WriteString("「" + s + "」")
	}
	return b.String()
}

// capitalize upper-cases the first letter of an English sentence.
func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || !unicode.IsLower(r) {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
