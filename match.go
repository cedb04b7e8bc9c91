package kizuna

import (
	"strings"
	"time"
)

// Matcher evaluates filters against friends one at a time, in memory. It is
// the reference the SQL path is tested against and the basis of "why is this
// friend in or out". Loc is the account's time zone; Now the evaluation instant.
type Matcher struct {
	Loc *time.Location
	Now time.Time
}

// Match reports whether the friend is a member of the filter's segment now:
// following, and matching every condition of at least one group.
func (m Matcher) Match(f *Filter, fr *Friend) bool {
	return m.MatchFacts(f, FactsOf(fr, m.Loc))
}

// MatchFacts is Match over a friend's facts.
func (m Matcher) MatchFacts(f *Filter, ff *FriendFacts) bool {
	if !ff.Following {
		return false
	}
	for gi := range f.Groups {
		if m.matchGroup(&f.Groups[gi], ff) {
			return true
		}
	}
	return false
}

func (m Matcher) matchGroup(g *Group, ff *FriendFacts) bool {
	for i := range g.Conditions {
		if !m.MatchFactsCondition(&g.Conditions[i], ff) {
			return false
		}
	}
	return true
}

// MatchFactsCondition evaluates one condition over a friend's facts. A
// negative op is computed as the complement of its positive twin, which is
// what spec 3.2 defines.
func (m Matcher) MatchFactsCondition(c *Condition, ff *FriendFacts) bool {
	if pos, neg := c.Positive(); neg {
		return !m.matchPositive(&pos, ff)
	}
	return m.matchPositive(c, ff)
}

func (m Matcher) matchPositive(c *Condition, ff *FriendFacts) bool {
	today := DayOf(m.Now, m.Loc)
	same := func(s string) string { return s }
	switch c.Field {
	case FieldAddedDate:
		return matchDay(c, ff.AddedDay)
	case FieldDaysSinceAdded:
		return c.Numeric().Test(float64(today - ff.AddedDay))
	case FieldTag:
		return matchSet(c.Op, c.Strings, ff.Tags, same)
	case FieldShopifyLinked:
		return ff.Shopify != nil
	case FieldHubSpotLinked:
		return ff.HubSpot != nil
	case FieldKlaviyoLinked:
		return ff.Klaviyo != nil
	}
	if s := ff.Shopify; s != nil {
		switch c.Field {
		case FieldShopifyTag:
			return matchSet(c.Op, c.Strings, s.TagsNorm, Normalize)
		case FieldShopifyOrders:
			return c.Numeric().Test(float64(s.OrdersCount))
		case FieldShopifyDaysSince:
			return s.HasLastOrder && c.Numeric().Test(float64(today-s.LastOrderDay))
		case FieldShopifyAbandoned:
			return s.HasAbandoned && (c.HoursSince == nil || c.HoursSince.Test(float64(HoursSince(s.AbandonedAt, m.Now))))
		}
	}
	contact := ff.Klaviyo
	if c.Source() == "hubspot" {
		contact = ff.HubSpot
	}
	if contact == nil {
		return false
	}
	switch c.Field {
	case FieldHubSpotSegment, FieldKlaviyoList:
		return matchSet(OpHasAny, c.Strings, contact.Lists, same)
	case FieldHubSpotProperty, FieldKlaviyoProperty:
		r, ok := contact.Properties[c.Property]
		return ok && matchReading(c, r, today)
	}
	return false
}

// matchReading evaluates a positive property condition on a read value.
func matchReading(c *Condition, r PropertyReading, today Day) bool {
	if c.Op == OpIsKnown {
		return r.Known
	}
	switch c.Type {
	case TypeString:
		if !r.HasText {
			return false
		}
		switch c.Op {
		case OpEq:
			return r.Text == Normalize(c.Strings[0])
		case OpContains:
			return strings.Contains(r.Text, Normalize(c.Strings[0]))
		case OpStartsWith:
			return strings.HasPrefix(r.Text, Normalize(c.Strings[0]))
		case OpIn:
			for _, s := range c.Strings {
				if r.Text == Normalize(s) {
					return true
				}
			}
		}
		return false
	case TypeNumber:
		return r.HasNum && c.Numeric().Test(r.Num)
	case TypeBool:
		return r.HasBool && r.Bool == c.Bool
	case TypeDate:
		return r.HasDay && matchDay(c, r.Day)
	case TypeDaysSince:
		return r.HasDay && c.Numeric().Test(float64(today-r.Day))
	}
	return false
}

func matchDay(c *Condition, d Day) bool {
	switch c.Op {
	case OpOn:
		return d == c.Days[0]
	case OpBefore:
		return d < c.Days[0]
	case OpAfter:
		return d > c.Days[0]
	case OpBetween:
		return c.Days[0] <= d && d <= c.Days[1]
	}
	return false
}

// matchSet evaluates has, has_any and has_all of want against have, comparing
// key of each wanted value with the values had.
func matchSet(op string, want, have []string, key func(string) string) bool {
	in := func(w string) bool {
		kw := key(w)
		for _, h := range have {
			if h == kw {
				return true
			}
		}
		return false
	}
	switch op {
	case OpHas, OpHasAny:
		for _, w := range want {
			if in(w) {
				return true
			}
		}
		return false
	case OpHasAll:
		for _, w := range want {
			if !in(w) {
				return false
			}
		}
		return true
	}
	return false
}
