package kizuna

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Explanation says why a friend is in or out of a filter's segment at an
// instant: the friend is a member when following and when at least one
// group has every condition true.
type Explanation struct {
	Member    bool               `json:"member"`
	Following bool               `json:"following"`
	Groups    []GroupExplanation `json:"groups"`
}

// GroupExplanation is one group's result and its conditions'.
type GroupExplanation struct {
	Matched    bool                   `json:"matched"`
	Conditions []ConditionExplanation `json:"conditions"`
}

// ConditionExplanation is one condition: what it asks (as in the summary),
// the friend's own value, and whether it holds.
type ConditionExplanation struct {
	Condition Condition `json:"condition"`
	Asks      string    `json:"asks"`
	Value     string    `json:"value"`
	Result    bool      `json:"result"`
}

// Explain explains the friend's membership of the filter's segment at now,
// in English or Japanese (lang "ja"), with names from the catalog.
func Explain(f *Filter, fr *Friend, cat *Catalog, loc *time.Location, now time.Time, lang string) *Explanation {
	if loc == nil {
		loc = time.UTC
	}
	m := Matcher{Loc: loc, Now: now}
	ff := FactsOf(fr, loc)
	s := &summarizer{cat: cat, today: DayOf(now, loc), zone: now.In(loc).Format("MST"), ja: lang == "ja"}
	out := &Explanation{Following: ff.Following, Groups: make([]GroupExplanation, 0, len(f.Groups))}
	for gi := range f.Groups {
		g := GroupExplanation{Matched: true}
		for ci := range f.Groups[gi].Conditions {
			c := &f.Groups[gi].Conditions[ci]
			r := m.MatchFactsCondition(c, ff)
			asks := s.condition(c)
			if !s.ja && !c.IsProperty() {
				asks = capitalize(asks)
			}
			g.Conditions = append(g.Conditions, ConditionExplanation{Condition: *c, Asks: asks, Value: s.value(c, ff, fr, now, loc), Result: r})
			g.Matched = g.Matched && r
		}
		out.Groups = append(out.Groups, g)
		out.Member = out.Member || g.Matched
	}
	out.Member = out.Member && ff.Following
	return out
}

// value describes the friend's own value for what the condition tests, in
// the marketer's words: lists and properties by their catalog names and
// labels (IDs and property names when the catalog does not know them), an
// option's label, yes or no, and times in the account's zone.
func (s *summarizer) value(c *Condition, ff *FriendFacts, fr *Friend, now time.Time, loc *time.Location) string {
	ago := func(d Day) string {
		n := int64(s.today - d)
		if s.ja {
			return fmt.Sprintf("%s（%d日前）", d, n)
		}
		return fmt.Sprintf("%s, %s ago", d, enCount(float64(n), "day", "days"))
	}
	list := func(what, jaWhat string, vs []string) string {
		if len(vs) == 0 {
			return s.pick("no "+what, jaWhat+"なし")
		}
		return s.pick(what+": ", jaWhat+": ") + strings.Join(vs, ", ")
	}
	notLinked := func(service string) string {
		return s.pick("not linked to "+service, service+"未連携")
	}
	switch c.Field {
	case FieldAddedDate, FieldDaysSinceAdded:
		return s.pick("added ", "追加日 ") + ago(ff.AddedDay)
	case FieldTag:
		return list("tags", "タグ", ff.Tags)
	case FieldShopifyLinked:
		if ff.Shopify == nil {
			return notLinked("Shopify")
		}
		return s.pick("linked to Shopify", "Shopify連携済み")
	case FieldHubSpotLinked:
		if ff.HubSpot == nil {
			return notLinked("HubSpot")
		}
		return s.pick("linked to HubSpot", "HubSpot連携済み")
	case FieldKlaviyoLinked:
		if ff.Klaviyo == nil {
			return notLinked("Klaviyo")
		}
		return s.pick("linked to Klaviyo", "Klaviyo連携済み")
	}
	if sh := ff.Shopify; c.Source() == "shopify" {
		if sh == nil {
			return notLinked("Shopify")
		}
		switch c.Field {
		case FieldShopifyTag:
			return list("Shopify tags", "Shopifyタグ", sh.TagsNorm)
		case FieldShopifyOrders:
			return s.pick(enCount(float64(sh.OrdersCount), "order", "orders"), fmt.Sprintf("購入%d回", sh.OrdersCount))
		case FieldShopifyDaysSince:
			if !sh.HasLastOrder {
				return s.pick("no order", "購入なし")
			}
			return s.pick("last order ", "最終購入日 ") + ago(sh.LastOrderDay)
		case FieldShopifyAbandoned:
			if !sh.HasAbandoned {
				return s.pick("no abandoned cart", "カゴ落ちなし")
			}
			h := HoursSince(sh.AbandonedAt, now)
			at := sh.AbandonedAt.In(loc).Format("2006-01-02 15:04 MST")
			return s.pick(fmt.Sprintf("cart abandoned %s, %s ago", at, enCount(float64(h), "hour", "hours")), fmt.Sprintf("カゴ落ち %s（%d時間前）", at, h))
		}
	}
	contact, service := ff.Klaviyo, "Klaviyo"
	if c.Source() == "hubspot" {
		contact, service = ff.HubSpot, "HubSpot"
	}
	if contact == nil {
		return notLinked(service)
	}
	if c.IsProperty() {
		return s.propertyValue(c, contact, fr, loc, ago)
	}
	names := make([]string, len(contact.Lists))
	for i, id := range contact.Lists {
		names[i] = id
		if n := s.cat.ListName(c.Source(), id); n != "" {
			names[i] = n
		}
	}
	if service == "HubSpot" {
		return list("segments", "セグメント", names)
	}
	return list("lists", "リスト", names)
}

// propertyValue describes a contact's property as the condition reads it:
// by its catalog label, the option's label for a text, yes or no, a number,
// or a date (a time in the account's zone) with its age.
func (s *summarizer) propertyValue(c *Condition, contact *ContactFacts, fr *Friend, loc *time.Location, ago func(Day) string) string {
	label := c.Property
	prop := s.cat.Property(c.Source(), c.Property)
	if prop != nil && strings.TrimSpace(prop.Label) != "" {
		label = prop.Label
	}
	var raw json.RawMessage
	switch {
	case c.Source() == "hubspot" && fr.HubSpot != nil:
		raw = fr.HubSpot.Properties[c.Property]
	case c.Source() == "klaviyo" && fr.Klaviyo != nil:
		raw = fr.Klaviyo.Properties[c.Property]
	}
	var text string
	isText := json.Unmarshal(raw, &text) == nil
	r, ok := contact.Properties[c.Property]
	switch {
	case !ok || !r.Known:
		return s.pick(label+": unknown", label+": 不明")
	case r.HasText && c.Type == TypeString:
		if !isText {
			text = string(raw)
		}
		return label + ": " + optionLabel(prop, strings.TrimSpace(text))
	case r.HasNum && c.Type == TypeNumber:
		return label + ": " + formatNum(r.Num)
	case r.HasBool && c.Type == TypeBool:
		if r.Bool {
			return label + ": " + s.pick("yes", "はい")
		}
		return label + ": " + s.pick("no", "いいえ")
	case r.HasDay && (c.Type == TypeDate || c.Type == TypeDaysSince):
		if at, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(text)); isText && err == nil {
			// A time, not only a date: say it in the account's zone.
			n := int64(s.today - DayOf(at, loc))
			when := at.In(loc).Format("2006-01-02 15:04 MST")
			return label + ": " + s.pick(fmt.Sprintf("%s, %s ago", when, enCount(float64(n), "day", "days")), fmt.Sprintf("%s（%d日前）", when, n))
		}
		return label + ": " + ago(r.Day)
	}
	en, ja := propertyTypeWords(c.Type)
	return s.pick(label+" is not "+en, label+" は"+ja+"ではありません")
}

// propertyTypeWords names a property type for a person, in English (with
// its article) and Japanese.
func propertyTypeWords(typ string) (en, ja string) {
	switch typ {
	case TypeString:
		return "a text", "文字列"
	case TypeNumber:
		return "a number", "数値"
	case TypeBool:
		return "yes or no", "はい・いいえ"
	case TypeDate, TypeDaysSince:
		return "a date", "日付"
	}
	return typ, typ
}
