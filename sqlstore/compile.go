package sqlstore

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/kizuna-line/kizuna"
)

// compiler turns a validated filter into a parameterized WHERE fragment over
// "friends f". Every value, property name and list ID is an argument; the SQL
// text depends only on the filter's shape. Each positive condition compiles to
// an expression that is never NULL, so that a negative op is exactly NOT of
// its positive twin (spec 3.2), with no three-valued-logic surprises.
type compiler struct {
	d      dialect
	nowDay int64 // today in the account's zone
	nowUS  int64 // now, microseconds
	tagIDs map[string]int64
	args   []any
}

func newCompiler(d dialect, now time.Time, loc *time.Location, tagIDs map[string]int64) *compiler {
	return &compiler{d: d, nowDay: int64(kizuna.DayOf(now, loc)), nowUS: now.UnixMicro(), tagIDs: tagIDs}
}

func (c *compiler) arg(v any) string {
	c.args = append(c.args, v)
	return "?"
}

func (c *compiler) list(vs []string, conv func(string) any) string {
	ph := make([]string, len(vs))
	for i, v := range vs {
		ph[i] = c.arg(conv(v))
	}
	return strings.Join(ph, ", ")
}

func same(s string) any { return s }

func (c *compiler) filter(f *kizuna.Filter) string {
	groups := make([]string, len(f.Groups))
	for i, g := range f.Groups {
		conds := make([]string, len(g.Conditions))
		for j := range g.Conditions {
			conds[j] = c.condition(&g.Conditions[j])
		}
		groups[i] = "(" + strings.Join(conds, " AND ") + ")"
	}
	return "(" + strings.Join(groups, " OR ") + ")"
}

func (c *compiler) condition(cond *kizuna.Condition) string {
	if pos, neg := cond.Positive(); neg {
		return "NOT " + c.positive(&pos)
	}
	return c.positive(cond)
}

func (c *compiler) positive(cond *kizuna.Condition) string {
	switch cond.Field {
	case kizuna.FieldAddedDate:
		return c.dayOp("f.added_day", cond)
	case kizuna.FieldDaysSinceAdded:
		return c.daysSince("f.added_day", cond.Numeric())
	case kizuna.FieldTag:
		ids := make([]int64, len(cond.Strings))
		for i, name := range cond.Strings {
			ids[i] = c.tagIDs[name] // CheckTags has refused unknown names
		}
		exists := func(ids []int64) string {
			ph := make([]string, len(ids))
			for i, id := range ids {
				ph[i] = c.arg(id)
			}
			return "EXISTS (SELECT 1 FROM friend_tags ft WHERE ft.friend_id = f.id AND ft.tag_id IN (" + strings.Join(ph, ", ") + "))"
		}
		if cond.Op == kizuna.OpHasAll {
			parts := make([]string, len(ids))
			for i, id := range ids {
				parts[i] = exists([]int64{id})
			}
			return "(" + strings.Join(parts, " AND ") + ")"
		}
		return exists(ids)
	case kizuna.FieldShopifyLinked:
		return "(f.shopify_linked = 1)"
	case kizuna.FieldHubSpotLinked:
		return "(f.hubspot_linked = 1)"
	case kizuna.FieldKlaviyoLinked:
		return "(f.klaviyo_linked = 1)"
	case kizuna.FieldShopifyTag:
		norm := func(s string) any { return kizuna.Normalize(s) }
		exists := func(tags []string) string {
			return "EXISTS (SELECT 1 FROM friend_shopify_tags st WHERE st.friend_id = f.id AND st.tag_norm IN (" + c.list(tags, norm) + "))"
		}
		if cond.Op == kizuna.OpHasAll {
			parts := make([]string, len(cond.Strings))
			for i, t := range cond.Strings {
				parts[i] = exists([]string{t})
			}
			return "(" + strings.Join(parts, " AND ") + ")"
		}
		return exists(cond.Strings)
	case kizuna.FieldShopifyOrders:
		return c.intRange("f.shopify_orders_count", cond.Numeric())
	case kizuna.FieldShopifyDaysSince:
		return c.daysSince("f.shopify_last_order_day", cond.Numeric())
	case kizuna.FieldShopifyAbandoned:
		if cond.HoursSince == nil {
			return "(f.shopify_abandoned_us IS NOT NULL)"
		}
		return c.hoursSince("f.shopify_abandoned_us", *cond.HoursSince)
	case kizuna.FieldHubSpotSegment, kizuna.FieldKlaviyoList:
		return "EXISTS (SELECT 1 FROM friend_lists l WHERE l.friend_id = f.id AND l.source = " + c.arg(cond.Source()) +
			" AND l.list_id IN (" + c.list(cond.Strings, same) + "))"
	case kizuna.FieldHubSpotProperty, kizuna.FieldKlaviyoProperty:
		head := "EXISTS (SELECT 1 FROM friend_properties p WHERE p.friend_id = f.id AND p.source = " + c.arg(cond.Source()) +
			" AND p.name = " + c.arg(cond.Property) + " AND "
		return head + c.property(cond) + ")"
	}
	panic(fmt.Sprintf("sqlstore: no SQL for field %q", cond.Field)) // ParseFilter admits no other field
}

func (c *compiler) property(cond *kizuna.Condition) string {
	if cond.Op == kizuna.OpIsKnown {
		return "p.known = 1"
	}
	switch cond.Type {
	case kizuna.TypeString:
		norm := func(s string) any { return kizuna.Normalize(s) }
		switch cond.Op {
		case kizuna.OpEq:
			return "p.text_norm = " + c.arg(norm(cond.Strings[0]))
		case kizuna.OpIn:
			return "p.text_norm IN (" + c.list(cond.Strings, norm) + ")"
		case kizuna.OpContains:
			return "p.text_norm IS NOT NULL AND " + c.d.position + "(p.text_norm, " + c.arg(norm(cond.Strings[0])) + ") > 0"
		case kizuna.OpStartsWith:
			return "p.text_norm IS NOT NULL AND " + c.d.position + "(p.text_norm, " + c.arg(norm(cond.Strings[0])) + ") = 1"
		}
	case kizuna.TypeNumber:
		t := cond.Numeric()
		switch t.Op {
		case kizuna.OpBetween:
			return "p.num IS NOT NULL AND p.num >= " + c.arg(t.Nums[0]) + " AND p.num <= " + c.arg(t.Nums[1])
		default:
			return "p.num IS NOT NULL AND p.num " + sqlOp[t.Op] + " " + c.arg(t.Nums[0])
		}
	case kizuna.TypeBool:
		return "p.bool = " + c.arg(boolInt(cond.Bool))
	case kizuna.TypeDate:
		return c.dayOp("p.day", cond)
	case kizuna.TypeDaysSince:
		return c.daysSince("p.day", cond.Numeric())
	}
	panic(fmt.Sprintf("sqlstore: no SQL for %s %s", cond.Type, cond.Op))
}

var sqlOp = map[string]string{kizuna.OpEq: "=", kizuna.OpNeq: "<>", kizuna.OpLt: "<", kizuna.OpLte: "<=", kizuna.OpGt: ">", kizuna.OpGte: ">="}

func (c *compiler) dayOp(col string, cond *kizuna.Condition) string {
	d0 := int64(cond.Days[0])
	switch cond.Op {
	case kizuna.OpOn:
		return fmt.Sprintf("(%s IS NOT NULL AND %s = %s)", col, col, c.arg(d0))
	case kizuna.OpBefore:
		return fmt.Sprintf("(%s IS NOT NULL AND %s < %s)", col, col, c.arg(d0))
	case kizuna.OpAfter:
		return fmt.Sprintf("(%s IS NOT NULL AND %s > %s)", col, col, c.arg(d0))
	default: // between
		return fmt.Sprintf("(%s IS NOT NULL AND %s >= %s AND %s <= %s)", col, col, c.arg(d0), col, c.arg(int64(cond.Days[1])))
	}
}

// daysSince compiles days_since(col) op v into a range on the stored day.
func (c *compiler) daysSince(col string, t kizuna.NumericTest) string {
	a, b, ok := t.DayRange(kizuna.Day(c.nowDay))
	return c.colRange(col, a, b, ok, t.Op == kizuna.OpNeq)
}

// hoursSince compiles floor((now - col) / 1h) op v: hours = h exactly when
// now-(h+1)·1h < col <= now-h·1h, so hours in [lo, hi] is col in
// (now-(hi+1)·1h, now-lo·1h].
func (c *compiler) hoursSince(col string, t kizuna.NumericTest) string {
	const hour = int64(time.Hour / time.Microsecond)
	lo, hi, ok := t.IntegerRange(maxHours)
	a, b := int64(math.MinInt64), int64(math.MaxInt64)
	if hi != math.MaxInt64 {
		a = c.nowUS - (hi+1)*hour + 1
	}
	if lo != math.MinInt64 {
		b = c.nowUS - lo*hour
	}
	// Inside "exists", neq is not a complement over friends: the cart must
	// exist and its age differ.
	return c.colRange(col, a, b, ok, t.Op == kizuna.OpNeq)
}

// intRange compiles "col op v" for an integer column.
func (c *compiler) intRange(col string, t kizuna.NumericTest) string {
	lo, hi, ok := t.IntegerRange(kizuna.MaxCountOperand)
	return c.colRange(col, lo, hi, ok, t.Op == kizuna.OpNeq)
}

// colRange compiles "col is set and lies in [a, b]" (math.MinInt64 and
// math.MaxInt64 meaning unbounded; ok false: no value does), or with not set,
// "col is set and lies outside it".
func (c *compiler) colRange(col string, a, b int64, ok, not bool) string {
	parts := []string{col + " IS NOT NULL"}
	if !ok {
		parts = append(parts, "1 = 0")
	}
	if ok && a != math.MinInt64 {
		parts = append(parts, col+" >= "+c.arg(a))
	}
	if ok && b != math.MaxInt64 {
		parts = append(parts, col+" <= "+c.arg(b))
	}
	expr := "(" + strings.Join(parts, " AND ") + ")"
	if not {
		return "(" + col + " IS NOT NULL AND NOT " + expr + ")"
	}
	return expr
}

// maxHours bounds hour-count operands so that the arithmetic above cannot
// overflow: RFC 3339 years 0000-9999 are within ±10⁸ hours of any now, and
// (maxHours+1)·1h in microseconds fits an int64. (Counts use
// kizuna.MaxCountOperand.)
const maxHours = 1 << 30
