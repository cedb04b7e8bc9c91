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
	if fr.Status != StatusFollowing {
		return false
	}
	for _, g := range f.Groups {
		if m.MatchGroup(&g, fr) {
			return true
		}
	}
	return false
}

// MatchGroup reports whether the friend matches every condition of the group.
func (m Matcher) MatchGroup(g *Group, fr *Friend) bool {
	for i := range g.Conditions {
		if !m.MatchCondition(&g.Conditions[i], fr) {
			return false
		}
	}
	return true
}

// MatchCondition evaluates one condition. A negative op is computed as the
// complement of its positive twin, which is what spec 3.2 defines.
func (m Matcher) MatchCondition(c *Condition, fr *Friend) bool {
	if pos, neg := c.Positive(); neg {
		return !m.matchPositive(&pos, fr)
	}
	return m.matchPositive(c, fr)
}

func (m Matcher) matchPositive(c *Condition, fr *Friend) bool {
	switch c.Field {
	case FieldAddedDate:
		return matchDay(c, DayOf(fr.AddedAt, m.Loc))
	case FieldDaysSinceAdded:
		return c.Numeric().Test(float64(DaysSince(fr.AddedAt, m.Now, m.Loc)))
	case FieldTag:
		return matchSet(c.Op, c.Strings, fr.Tags, func(s string) string { return s })
	case FieldShopifyLinked:
		return fr.Shopify != nil
	case FieldHubSpotLinked:
		return fr.HubSpot != nil
	case FieldKlaviyoLinked:
		return fr.Klaviyo != nil
	case FieldShopifyTag:
		if fr.Shopify == nil {
			return false
		}
		return matchSet(c.Op, c.Strings, fr.Shopify.Tags, Normalize)
	case FieldShopifyOrders:
		return fr.Shopify != nil && c.Numeric().Test(float64(fr.Shopify.OrdersCount))
	case FieldShopifyDaysSince:
		if fr.Shopify == nil || fr.Shopify.LastOrderAt == nil {
			return false
		}
		return c.Numeric().Test(float64(DaysSince(*fr.Shopify.LastOrderAt, m.Now, m.Loc)))
	case FieldShopifyAbandoned:
		if fr.Shopify == nil {
			return false
		}
		at, ok := fr.Shopify.AbandonedAt()
		if !ok {
			return false
		}
		return c.HoursSince == nil || c.HoursSince.Test(float64(HoursSince(at, m.Now)))
	case FieldHubSpotSegment:
		return fr.HubSpot != nil && matchSet(OpHasAny, c.Strings, fr.HubSpot.Segments, func(s string) string { return s })
	case FieldKlaviyoList:
		return fr.Klaviyo != nil && matchSet(OpHasAny, c.Strings, fr.Klaviyo.Lists, func(s string) string { return s })
	case FieldHubSpotProperty, FieldKlaviyoProperty:
		props := m.properties(c.Field, fr)
		if props == nil {
			return false
		}
		raw, ok := props[c.Property]
		if !ok {
			return false
		}
		return matchReading(c, ReadProperty(raw, m.Loc), DayOf(m.Now, m.Loc))
	}
	return false
}

func (m Matcher) properties(field string, fr *Friend) Properties {
	if field == FieldHubSpotProperty && fr.HubSpot != nil {
		return fr.HubSpot.Properties
	}
	if field == FieldKlaviyoProperty && fr.Klaviyo != nil {
		return fr.Klaviyo.Properties
	}
	return nil
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
// the values through key.
func matchSet(op string, want, have []string, key func(string) string) bool {
	in := func(w string) bool {
		kw := key(w)
		for _, h := range have {
			if key(h) == kw {
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
