package kizuna

import (
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
			g.Conditions = append(g.Conditions, ConditionExplanation{Condition: *c, Asks: asks, Value: s.value(c, ff, now, loc), Result: r})
			g.Matched = g.Matched && r
		}
		out.Groups = append(out.Groups, g)
		out.Member = out.Member || g.Matched
	}
	out.Member = out.Member && ff.Following
	return out
}

// value describes the friend's own value for what the condition tests.
func (s *summarizer) value(c *Condition, ff *FriendFacts, now time.Time, loc *time.Location) string {
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
		r, ok := contact.Properties[c.Property]
		switch {
		case !ok || !r.Known:
			return s.pick(c.Property+" unknown", c.Property+" 不明")
		case r.HasText && c.Type == TypeString:
			return fmt.Sprintf("%s = %q", c.Property, r.Text)
		case r.HasNum && c.Type == TypeNumber:
			return c.Property + " = " + formatNum(r.Num)
		case r.HasBool && c.Type == TypeBool:
			return fmt.Sprintf("%s = %v", c.Property, r.Bool)
		case r.HasDay && (c.Type == TypeDate || c.Type == TypeDaysSince):
			return c.Property + " = " + ago(r.Day)
		}
		return s.pick(c.Property+" is not a "+c.Type, c.Property+" は"+c.Type+"ではない")
	}
	if service == "HubSpot" {
		return list("segments", "セグメント", contact.Lists)
	}
	return list("lists", "リスト", contact.Lists)
}
