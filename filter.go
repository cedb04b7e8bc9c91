package kizuna

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Filter limits (spec section 2).
const (
	MaxGroups     = 20
	MaxConditions = 20
)

// Fields a condition can test (spec section 3).
const (
	FieldAddedDate        = "line.added_date"
	FieldDaysSinceAdded   = "line.days_since_added"
	FieldTag              = "tag"
	FieldShopifyLinked    = "shopify.linked"
	FieldShopifyTag       = "shopify.tag"
	FieldShopifyOrders    = "shopify.orders_count"
	FieldShopifyDaysSince = "shopify.days_since_last_order"
	FieldShopifyAbandoned = "shopify.abandoned_cart"
	FieldHubSpotLinked    = "hubspot.linked"
	FieldHubSpotSegment   = "hubspot.segment"
	FieldHubSpotProperty  = "hubspot.property"
	FieldKlaviyoLinked    = "klaviyo.linked"
	FieldKlaviyoList      = "klaviyo.list"
	FieldKlaviyoProperty  = "klaviyo.property"
)

// Operators.
const (
	OpEq, OpNeq, OpLt, OpLte, OpGt, OpGte, OpBetween = "eq", "neq", "lt", "lte", "gt", "gte", "between"
	OpOn, OpBefore, OpAfter                          = "on", "before", "after"
	OpHas, OpNotHas, OpHasAny, OpHasAll, OpHasNone   = "has", "not_has", "has_any", "has_all", "has_none"
	OpIs                                             = "is"
	OpExists, OpNotExists                            = "exists", "not_exists"
	OpMemberOf, OpNotMemberOf                        = "member_of", "not_member_of"
	OpContains, OpNotContains, OpStartsWith          = "contains", "not_contains", "starts_with"
	OpIn, OpNotIn                                    = "in", "not_in"
	OpIsKnown, OpIsUnknown                           = "is_known", "is_unknown"
)

// Filter is an OR of groups; a group is an AND of conditions.
type Filter struct {
	Groups []Group `json:"groups"`
}

// Group is an AND of conditions.
type Group struct {
	Conditions []Condition `json:"conditions"`
}

// Condition is one test on a friend. Only the members that its Field and Op
// use are set; ParseFilter guarantees their shape.
type Condition struct {
	Field    string
	Op       string
	Property string // hubspot.property, klaviyo.property
	Type     string // property type

	Strings []string   // tag names, list or segment IDs, Shopify tags, "in" values; one element for has/not_has and string ops
	Days    [2]Day     // on/before/after use Days[0]; between uses both
	Nums    [2]float64 // numeric ops use Nums[0]; between uses both
	Bool    bool       // is

	HoursSince *NumericTest // shopify.abandoned_cart exists
}

// NumericTest is a numeric op with its operand(s).
type NumericTest struct {
	Op   string
	Nums [2]float64
}

// Test reports whether x passes the numeric op.
func (n NumericTest) Test(x float64) bool {
	v := n.Nums[0]
	switch n.Op {
	case OpEq:
		return x == v
	case OpNeq:
		return x != v
	case OpLt:
		return x < v
	case OpLte:
		return x <= v
	case OpGt:
		return x > v
	case OpGte:
		return x >= v
	case OpBetween:
		return n.Nums[0] <= x && x <= n.Nums[1]
	}
	return false
}

// IntegerRange returns the integers x for which "x op v" holds (for neq:
// those for which eq holds) as [lo, hi], math.MinInt64 and math.MaxInt64
// meaning unbounded, and ok false when no integer qualifies. Operands are
// clamped to ±bound, which must lie beyond every value compared, so that
// callers can do arithmetic on the bounds without overflow.
func (n NumericTest) IntegerRange(bound int64) (lo, hi int64, ok bool) {
	lo, hi = math.MinInt64, math.MaxInt64
	b := float64(bound)
	ceil := func(v float64) int64 { return int64(math.Max(-b, math.Min(b, math.Ceil(v)))) }
	floor := func(v float64) int64 { return int64(math.Max(-b, math.Min(b, math.Floor(v)))) }
	v := n.Nums[0]
	switch n.Op {
	case OpEq, OpNeq:
		if v != math.Trunc(v) || math.Abs(v) > b {
			return 0, 0, false
		}
		lo, hi = int64(v), int64(v)
	case OpLt:
		hi = ceil(v) - 1
	case OpLte:
		hi = floor(v)
	case OpGt:
		lo = floor(v) + 1
	case OpGte:
		lo = ceil(v)
	case OpBetween:
		lo, hi = ceil(n.Nums[0]), floor(n.Nums[1])
	}
	if lo != math.MinInt64 && hi != math.MaxInt64 && lo > hi {
		return 0, 0, false
	}
	return lo, hi, true
}

// MaxCountOperand is the IntegerRange bound for counts and day numbers: far
// beyond any stored count (at most 2^53) or day, and today minus it still
// fits an int64.
const MaxCountOperand = 1 << 62

// DayRange returns the calendar days d for which "days since d" (today - d)
// passes the test, as [a, b] with math.MinInt64 and math.MaxInt64 meaning
// unbounded, and ok false when no day does. For neq it is eq's range.
func (n NumericTest) DayRange(today Day) (a, b int64, ok bool) {
	lo, hi, ok := n.IntegerRange(MaxCountOperand)
	if !ok {
		return 0, 0, false
	}
	a, b = math.MinInt64, math.MaxInt64
	if hi != math.MaxInt64 {
		a = int64(today) - hi
	}
	if lo != math.MinInt64 {
		b = int64(today) - lo
	}
	return a, b, true
}

// Numeric returns the condition's own numeric op as a NumericTest.
func (c *Condition) Numeric() NumericTest { return NumericTest{Op: c.Op, Nums: c.Nums} }

// IsNegative reports whether the condition's op is the exact complement of a
// positive twin (spec 3.2): such a condition matches friends that lack the value.
func (c *Condition) IsNegative() bool {
	switch c.Op {
	case OpNotHas, OpHasNone, OpNotMemberOf, OpNeq, OpNotContains, OpNotIn, OpIsUnknown, OpNotExists:
		return true
	case OpIs:
		return isLinkedField(c.Field) && !c.Bool
	}
	return false
}

// Positive returns the positive twin of a negative condition (spec 3.2) and
// true, or the condition itself and false when it is not negative.
func (c Condition) Positive() (Condition, bool) {
	if !c.IsNegative() {
		return c, false
	}
	switch c.Op {
	case OpNotHas:
		c.Op = OpHas
	case OpHasNone:
		c.Op = OpHasAny
	case OpNotMemberOf:
		c.Op = OpMemberOf
	case OpNeq:
		c.Op = OpEq
	case OpNotContains:
		c.Op = OpContains
	case OpNotIn:
		c.Op = OpIn
	case OpIsUnknown:
		c.Op = OpIsKnown
	case OpNotExists:
		c.Op = OpExists
	case OpIs:
		c.Bool = true
	}
	return c, true
}

// IsProperty reports whether the condition tests a HubSpot or Klaviyo property.
func (c *Condition) IsProperty() bool {
	return c.Field == FieldHubSpotProperty || c.Field == FieldKlaviyoProperty
}

// Source returns "shopify", "hubspot", "klaviyo" or "line" for the condition's field.
func (c *Condition) Source() string {
	if i := strings.IndexByte(c.Field, '.'); i > 0 {
		return c.Field[:i]
	}
	return "line"
}

func isLinkedField(f string) bool {
	return f == FieldShopifyLinked || f == FieldHubSpotLinked || f == FieldKlaviyoLinked
}

// TagNames returns the friend tag names the filter refers to, sorted, once each.
func (f *Filter) TagNames() []string {
	seen := map[string]bool{}
	var out []string
	for _, g := range f.Groups {
		for _, c := range g.Conditions {
			if c.Field != FieldTag {
				continue
			}
			for _, s := range c.Strings {
				if !seen[s] {
					seen[s] = true
					out = append(out, s)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// TestsAddedDate reports whether a condition of the filter tests the date
// friends were added (line.added_date or line.days_since_added): a preview
// then says how many members have an estimated date.
func (f *Filter) TestsAddedDate() bool {
	for _, g := range f.Groups {
		for _, c := range g.Conditions {
			if c.Field == FieldAddedDate || c.Field == FieldDaysSinceAdded {
				return true
			}
		}
	}
	return false
}

// CheckTags refuses a filter that names a friend tag that does not exist in
// the account (spec section 4); exists answers for one name.
func (f *Filter) CheckTags(exists func(name string) bool) error {
	for gi, g := range f.Groups {
		for ci, c := range g.Conditions {
			if c.Field != FieldTag {
				continue
			}
			for si, s := range c.Strings {
				if exists(s) {
					continue
				}
				path := fmt.Sprintf("groups[%d].conditions[%d].value", gi, ci)
				if c.Op != OpHas && c.Op != OpNotHas {
					path += fmt.Sprintf("[%d]", si)
				}
				return ErrorAt(EINVALIDFILTER, path, "no friend tag is named %q in this account", s)
			}
		}
	}
	return nil
}

// ParseFilter parses and validates filter JSON strictly (spec sections 2-4):
// unknown keys, fields, ops and types, values of the wrong shape, impossible
// dates and broken limits are refused with an *Error of code invalid_filter
// whose Path names the offending value. Friend tag existence depends on the
// account and is checked separately by CheckTags.
func ParseFilter(data []byte) (*Filter, error) {
	// A filter is stored as written: text PostgreSQL could not hold
	// must not reach it, nor a second key that one decoder would keep
	// and another drop.
	if !utf8.Valid(data) {
		return nil, filterErr("$", "the filter is not valid UTF-8")
	}
	if err := CheckDuplicateKeys(EINVALIDFILTER, data); err != nil {
		return nil, err
	}
	var root map[string]json.RawMessage
	if err := json.Unmarshal(data, &root); err != nil || root == nil {
		return nil, filterErr("$", "the filter must be a JSON object with a \"groups\" list")
	}
	if err := onlyKeys(root, "", "groups"); err != nil {
		return nil, err
	}
	rawGroups, ok := root["groups"]
	if !ok {
		return nil, filterErr("groups", "groups is required")
	}
	var groups []json.RawMessage
	if err := json.Unmarshal(rawGroups, &groups); err != nil || groups == nil {
		return nil, filterErr("groups", "groups must be a list")
	}
	if len(groups) == 0 {
		return nil, filterErr("groups", "a filter needs at least 1 group")
	}
	if len(groups) > MaxGroups {
		return nil, filterErr("groups", "a filter has at most %d groups, this one has %d", MaxGroups, len(groups))
	}
	f := &Filter{Groups: make([]Group, len(groups))}
	for gi, rg := range groups {
		gp := fmt.Sprintf("groups[%d]", gi)
		var g map[string]json.RawMessage
		if err := json.Unmarshal(rg, &g); err != nil || g == nil {
			return nil, filterErr(gp, "a group must be an object with a \"conditions\" list")
		}
		if err := onlyKeys(g, gp+".", "conditions"); err != nil {
			return nil, err
		}
		var conds []json.RawMessage
		if err := json.Unmarshal(g["conditions"], &conds); err != nil || conds == nil {
			return nil, filterErr(gp+".conditions", "conditions must be a list")
		}
		if len(conds) == 0 {
			return nil, filterErr(gp+".conditions", "a group needs at least 1 condition")
		}
		if len(conds) > MaxConditions {
			return nil, filterErr(gp+".conditions", "a group has at most %d conditions, this one has %d", MaxConditions, len(conds))
		}
		f.Groups[gi].Conditions = make([]Condition, len(conds))
		for ci, rc := range conds {
			c, err := parseCondition(rc, fmt.Sprintf("%s.conditions[%d]", gp, ci))
			if err != nil {
				return nil, err
			}
			f.Groups[gi].Conditions[ci] = *c
		}
	}
	return f, nil
}

// keyPath appends key to a path prefix ("groups[0]." or ""), quoting keys
// that are not plain identifiers so that the path stays unambiguous and non-empty.
func keyPath(prefix, key string) string {
	plain := key != ""
	for _, r := range key {
		plain = plain && (r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}
	if plain {
		return prefix + key
	}
	return strings.TrimSuffix(prefix, ".") + "[" + strconv.Quote(key) + "]"
}

// filterErr is ErrorAt for an invalid filter.
func filterErr(path, format string, args ...any) *Error {
	return ErrorAt(EINVALIDFILTER, path, format, args...)
}

func onlyKeys(m map[string]json.RawMessage, prefix string, allowed ...string) error {
	var unknown []string
	for k := range m {
		ok := false
		for _, a := range allowed {
			ok = ok || k == a
		}
		if !ok {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	return filterErr(keyPath(prefix, unknown[0]), "unknown key %q", unknown[0])
}

// fieldOps lists, per non-property field, the ops it allows and the value shape each takes.
var fieldOps = map[string]map[string]valueShape{
	FieldAddedDate:        {OpOn: shapeDate, OpBefore: shapeDate, OpAfter: shapeDate, OpBetween: shapeDateRange},
	FieldDaysSinceAdded:   integerOps,
	FieldTag:              {OpHas: shapeString, OpNotHas: shapeString, OpHasAny: shapeStringList, OpHasAll: shapeStringList, OpHasNone: shapeStringList},
	FieldShopifyLinked:    {OpIs: shapeBool},
	FieldShopifyTag:       {OpHasAny: shapeStringList, OpHasAll: shapeStringList, OpHasNone: shapeStringList},
	FieldShopifyOrders:    integerOps,
	FieldShopifyDaysSince: integerOps,
	FieldShopifyAbandoned: {OpExists: shapeNone, OpNotExists: shapeNone},
	FieldHubSpotLinked:    {OpIs: shapeBool},
	FieldHubSpotSegment:   {OpMemberOf: shapeStringList, OpNotMemberOf: shapeStringList},
	FieldKlaviyoLinked:    {OpIs: shapeBool},
	FieldKlaviyoList:      {OpMemberOf: shapeStringList, OpNotMemberOf: shapeStringList},
}

// typeOps lists, per property type, the ops it allows and their value shapes.
var typeOps = map[string]map[string]valueShape{
	TypeString: {OpEq: shapeString, OpNeq: shapeString, OpContains: shapeNonEmptyString, OpNotContains: shapeNonEmptyString,
		OpStartsWith: shapeNonEmptyString, OpIn: shapeStringList, OpNotIn: shapeStringList, OpIsKnown: shapeNone, OpIsUnknown: shapeNone},
	TypeNumber:    withKnown(numberOps),
	TypeBool:      {OpIs: shapeBool, OpIsKnown: shapeNone, OpIsUnknown: shapeNone},
	TypeDate:      {OpOn: shapeDate, OpBefore: shapeDate, OpAfter: shapeDate, OpBetween: shapeDateRange, OpIsKnown: shapeNone, OpIsUnknown: shapeNone},
	TypeDaysSince: withKnown(numberOps),
}

type valueShape int

const (
	shapeNone valueShape = iota
	shapeBool
	shapeString
	shapeNonEmptyString
	shapeStringList
	shapeDate
	shapeDateRange
	shapeInt
	shapeIntRange
	shapeNumber
	shapeNumberRange
)

var integerOps = map[string]valueShape{OpEq: shapeInt, OpNeq: shapeInt, OpLt: shapeInt, OpLte: shapeInt, OpGt: shapeInt, OpGte: shapeInt, OpBetween: shapeIntRange}
var numberOps = map[string]valueShape{OpEq: shapeNumber, OpNeq: shapeNumber, OpLt: shapeNumber, OpLte: shapeNumber, OpGt: shapeNumber, OpGte: shapeNumber, OpBetween: shapeNumberRange}

func withKnown(m map[string]valueShape) map[string]valueShape {
	out := map[string]valueShape{OpIsKnown: shapeNone, OpIsUnknown: shapeNone}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// maxExactInt bounds integer operands to what every backend compares exactly.
const maxExactInt = 1 << 53

func parseCondition(data json.RawMessage, path string) (*Condition, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil || m == nil {
		return nil, filterErr(path, "a condition must be an object with field, op and value")
	}
	p := path + "."
	c := &Condition{}
	if err := needString(m, "field", p, &c.Field); err != nil {
		return nil, err
	}
	var ops map[string]valueShape
	isProp := c.Field == FieldHubSpotProperty || c.Field == FieldKlaviyoProperty
	if isProp {
		if err := onlyKeys(m, p, "field", "property", "type", "op", "value"); err != nil {
			return nil, err
		}
		if err := needString(m, "property", p, &c.Property); err != nil {
			return nil, err
		}
		if strings.TrimSpace(c.Property) == "" {
			return nil, filterErr(p+"property", "property must name a property")
		}
		if err := needString(m, "type", p, &c.Type); err != nil {
			return nil, err
		}
		if ops = typeOps[c.Type]; ops == nil {
			return nil, filterErr(p+"type", "unknown type %q: use string, number, bool, date or days_since", c.Type)
		}
	} else {
		if ops = fieldOps[c.Field]; ops == nil {
			return nil, filterErr(p+"field", "unknown field %q", c.Field)
		}
		allowed := []string{"field", "op", "value"}
		if c.Field == FieldShopifyAbandoned {
			allowed = []string{"field", "op", "hours_since"}
		}
		if err := onlyKeys(m, p, allowed...); err != nil {
			return nil, err
		}
	}
	if err := needString(m, "op", p, &c.Op); err != nil {
		return nil, err
	}
	shape, ok := ops[c.Op]
	if !ok {
		what := "field " + c.Field
		if isProp {
			what = "type " + c.Type
		}
		return nil, filterErr(p+"op", "op %q is not allowed for %s (allowed: %s)", c.Op, what, strings.Join(sortedKeys(ops), ", "))
	}
	if c.Field == FieldShopifyAbandoned {
		if hs, ok := m["hours_since"]; ok {
			if c.Op != OpExists {
				return nil, filterErr(p+"hours_since", "hours_since is only allowed with op exists")
			}
			t, err := parseHoursSince(hs, p+"hours_since")
			if err != nil {
				return nil, err
			}
			c.HoursSince = t
		}
		return c, nil
	}
	raw, has := m["value"]
	if shape == shapeNone {
		if has {
			return nil, filterErr(p+"value", "op %s takes no value", c.Op)
		}
		return c, nil
	}
	if !has {
		return nil, filterErr(p+"value", "op %s needs a value", c.Op)
	}
	if err := parseValue(c, shape, raw, p+"value"); err != nil {
		return nil, err
	}
	return c, nil
}

func parseHoursSince(data json.RawMessage, path string) (*NumericTest, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil || m == nil {
		return nil, filterErr(path, `hours_since must be an object like {"op": "gte", "value": 24}`)
	}
	if err := onlyKeys(m, path+".", "op", "value"); err != nil {
		return nil, err
	}
	var op string
	if err := needString(m, "op", path+".", &op); err != nil {
		return nil, err
	}
	shape, ok := numberOps[op]
	if !ok {
		return nil, filterErr(path+".op", "op %q is not a numeric op (allowed: %s)", op, strings.Join(sortedKeys(numberOps), ", "))
	}
	raw, has := m["value"]
	if !has {
		return nil, filterErr(path+".value", "hours_since needs a value")
	}
	c := &Condition{Op: op}
	if err := parseValue(c, shape, raw, path+".value"); err != nil {
		return nil, err
	}
	return &NumericTest{Op: op, Nums: c.Nums}, nil
}

func needString(m map[string]json.RawMessage, key, prefix string, dst *string) error {
	raw, ok := m[key]
	if !ok {
		return filterErr(prefix+key, "%s is required", key)
	}
	if err := json.Unmarshal(raw, dst); err != nil || isNull(raw) {
		return filterErr(prefix+key, "%s must be a string", key)
	}
	return CheckText(EINVALIDFILTER, prefix+key, key, *dst)
}

func sortedKeys(m map[string]valueShape) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func parseValue(c *Condition, shape valueShape, raw json.RawMessage, path string) error {
	switch shape {
	case shapeBool:
		if err := json.Unmarshal(raw, &c.Bool); err != nil || isNull(raw) {
			return filterErr(path, "value must be true or false")
		}
	case shapeString, shapeNonEmptyString:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil || isNull(raw) {
			return filterErr(path, "value must be a string")
		}
		if shape == shapeNonEmptyString && s == "" {
			return filterErr(path, "op %s needs a non-empty string", c.Op)
		}
		if err := CheckText(EINVALIDFILTER, path, "value", s); err != nil {
			return err
		}
		c.Strings = []string{s}
	case shapeStringList:
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil || list == nil {
			return filterErr(path, "value must be a list of strings")
		}
		if len(list) == 0 {
			return filterErr(path, "value must list at least 1 item")
		}
		c.Strings = make([]string, len(list))
		for i, r := range list {
			if err := json.Unmarshal(r, &c.Strings[i]); err != nil || isNull(r) {
				return filterErr(fmt.Sprintf("%s[%d]", path, i), "each item must be a string")
			}
			if c.Strings[i] == "" {
				return filterErr(fmt.Sprintf("%s[%d]", path, i), "an item must not be empty")
			}
			if err := CheckText(EINVALIDFILTER, fmt.Sprintf("%s[%d]", path, i), "an item", c.Strings[i]); err != nil {
				return err
			}
		}
	case shapeDate:
		d, err := parseDateValue(raw, path)
		if err != nil {
			return err
		}
		c.Days[0] = d
	case shapeDateRange:
		items, err := pair(raw, path, "dates")
		if err != nil {
			return err
		}
		for i := range items {
			if c.Days[i], err = parseDateValue(items[i], fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		if c.Days[0] > c.Days[1] {
			return filterErr(path, "between needs from <= to, got %s > %s", c.Days[0], c.Days[1])
		}
	case shapeInt, shapeNumber:
		n, err := parseNumberValue(raw, path, shape == shapeInt)
		if err != nil {
			return err
		}
		c.Nums[0] = n
	case shapeIntRange, shapeNumberRange:
		items, err := pair(raw, path, "numbers")
		if err != nil {
			return err
		}
		for i := range items {
			if c.Nums[i], err = parseNumberValue(items[i], fmt.Sprintf("%s[%d]", path, i), shape == shapeIntRange); err != nil {
				return err
			}
		}
		if c.Nums[0] > c.Nums[1] {
			return filterErr(path, "between needs lo <= hi, got %v > %v", c.Nums[0], c.Nums[1])
		}
	}
	return nil
}

func pair(raw json.RawMessage, path, what string) ([2]json.RawMessage, error) {
	var list []json.RawMessage
	var out [2]json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil || len(list) != 2 {
		if what == "dates" {
			return out, filterErr(path, "between needs two dates [from, to]")
		}
		return out, filterErr(path, "between needs two numbers [lo, hi]")
	}
	copy(out[:], list)
	return out, nil
}

func parseDateValue(raw json.RawMessage, path string) (Day, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil || isNull(raw) {
		return 0, filterErr(path, "value must be a date string YYYY-MM-DD")
	}
	d, ok := ParseDay(s)
	if !ok {
		return 0, filterErr(path, "%q is not a date that exists, written YYYY-MM-DD", s)
	}
	return d, nil
}

func parseNumberValue(raw json.RawMessage, path string, integer bool) (float64, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || !(raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9')) {
		if integer {
			return 0, filterErr(path, "value must be an integer (a JSON number, not a string)")
		}
		return 0, filterErr(path, "value must be a number (a JSON number, not a string)")
	}
	f, ok := parseFinite(string(raw))
	if !ok {
		return 0, filterErr(path, "value is not a finite number")
	}
	if integer && (f != math.Trunc(f) || math.Abs(f) > maxExactInt) {
		return 0, filterErr(path, "value must be an integer, got %s", raw)
	}
	return f, nil
}

// MarshalJSON writes the condition in the filter JSON of spec section 2, so a
// parsed filter round-trips through ParseFilter unchanged.
func (c Condition) MarshalJSON() ([]byte, error) {
	out := map[string]any{"field": c.Field, "op": c.Op}
	if c.IsProperty() {
		out["property"] = c.Property
		out["type"] = c.Type
	}
	if v, ok := c.jsonValue(); ok {
		out["value"] = v
	}
	if c.HoursSince != nil {
		hs := map[string]any{"op": c.HoursSince.Op, "value": c.HoursSince.Nums[0]}
		if c.HoursSince.Op == OpBetween {
			hs["value"] = c.HoursSince.Nums
		}
		out["hours_since"] = hs
	}
	return json.Marshal(out)
}

func (c Condition) shape() valueShape {
	if c.IsProperty() {
		return typeOps[c.Type][c.Op]
	}
	return fieldOps[c.Field][c.Op]
}

func (c Condition) jsonValue() (any, bool) {
	switch c.shape() {
	case shapeBool:
		return c.Bool, true
	case shapeString, shapeNonEmptyString:
		return c.Strings[0], true
	case shapeStringList:
		return c.Strings, true
	case shapeDate:
		return c.Days[0].String(), true
	case shapeDateRange:
		return []string{c.Days[0].String(), c.Days[1].String()}, true
	case shapeInt, shapeNumber:
		return c.Nums[0], true
	case shapeIntRange, shapeNumberRange:
		return c.Nums, true
	}
	return nil, false
}

// UnmarshalJSON parses a filter with ParseFilter's rules.
func (f *Filter) UnmarshalJSON(data []byte) error {
	p, err := ParseFilter(data)
	if err != nil {
		return err
	}
	*f = *p
	return nil
}
