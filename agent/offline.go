package agent

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kizuna-line/kizuna"
)

// Offline is the deterministic planner: no network, no model. It reads
// each turn of the conversation into parts (concepts such as "has not
// bought for a while", a friend tag, a Klaviyo list named in the goal),
// keeps them as the conversation's intent, and builds the filter from the
// intent. A threshold the goal did not give is a slot with a default and
// alternatives; the user's choices set slots. docs/agent.md says how it
// reads and where it fails.
type Offline struct{}

// Part kinds.
const (
	kLapsed      = "lapsed"       // no order for v days or more
	kRecentBuyer = "recent_buyer" // an order within the last v days
	kNew         = "new"          // became a friend within the last v days
	kOld         = "old"          // a friend for v days or more
	kOrders      = "orders"       // orders count op nums
	kNeverBought = "never_bought" // no order (unlinked friends too)
	kEverBought  = "ever_bought"  // at least one order
	kCart        = "cart"         // an abandoned cart (within v hours)
	kTag         = "tag"
	kShopifyTag  = "shopify_tag"
	kSegment     = "segment" // HubSpot segment
	kList        = "list"    // Klaviyo list
	kLinked      = "linked"
	kProperty    = "property"
	kAddedDate   = "added_date"
	kEveryone    = "everyone"
)

// part is one concept of the intent.
type part struct {
	kind string
	neg  bool
	// value is a threshold (days, hours, orders) and explicit says the
	// user gave it; otherwise it is the slot's default.
	value    float64
	explicit bool
	// orders and properties: the op and its operands.
	op   string
	nums [2]float64
	strs []string
	days [2]kizuna.Day
	b    bool
	// tags, lists, segments, properties: what and whose.
	name   string // tag name, list/segment ID, property name
	label  string // how to say it
	source string
	ptype  string
	// reading: "tag" or "shopify" for a name both a friend tag and a
	// Shopify tag carry; "all" or "linked" for never_bought.
	reading  string
	readings []string
}

// intent is the conversation read so far: an OR of groups of parts.
type intent struct {
	groups  [][]*part
	purpose string
	missing []string
	unknown []string
	// narrowed is the generic slot "since_added" when the user chose it.
	since float64
}

// Plan reads the conversation and builds the filter, its slots, name
// and draft.
func (Offline) Plan(ctx context.Context, in *Input) (*Plan, error) {
	r := newReader(in)
	it := &intent{}
	first := true
	for _, t := range in.Turns {
		if t.Goal != "" {
			if first {
				r.readGoal(it, t.Goal)
				first = false
			} else {
				r.refine(it, t.Goal)
			}
		}
		for _, k := range sortedKeys(t.Choose) {
			r.choose(it, k, t.Choose[k])
		}
	}
	r.dropMissing(it)
	plan := &Plan{Missing: it.missing, NotUnderstood: it.unknown, Purpose: it.purpose}
	plan.Filter = r.build(it)
	if plan.Filter == nil {
		return plan, nil
	}
	plan.Slots = r.slots(it)
	plan.Name = r.name(it)
	plan.Draft = draft(it.purpose, in.Lang)
	return plan, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Slot defaults and alternatives.
var slotDefaults = map[string]struct {
	def  float64
	opts []float64
}{
	"recency":      {90, []float64{30, 60, 90, 180}},
	"recent_order": {30, []float64{7, 30, 60, 90}},
	"new_days":     {7, []float64{3, 7, 14, 30}},
	"old_days":     {365, []float64{90, 180, 365, 730}},
	"orders":       {3, []float64{2, 3, 5}},
	"cart_hours":   {0, []float64{0, 24, 72, 168}},
	"since_added":  {0, []float64{0, 30, 90}},
}

// slotKey is the slot a part's value belongs to ("" for none).
func (p *part) slotKey() string {
	switch p.kind {
	case kLapsed:
		return "recency"
	case kRecentBuyer:
		return "recent_order"
	case kNew:
		return "new_days"
	case kOld:
		return "old_days"
	case kOrders:
		if p.op == kizuna.OpGte {
			return "orders"
		}
	case kCart:
		if !p.neg && p.op != kizuna.OpGte {
			return "cart_hours"
		}
	}
	return ""
}

// choose applies a choice: a slot's value, or a reading.
func (r *reader) choose(it *intent, key, value string) {
	if key == "since_added" {
		if v, err := strconv.ParseFloat(value, 64); err == nil && v >= 0 && v <= 3650 {
			it.since = v
		}
		return
	}
	for _, g := range it.groups {
		for _, p := range g {
			switch {
			case p.slotKey() == key:
				if v, err := strconv.ParseFloat(value, 64); err == nil && v >= 0 && v <= 100000 {
					p.value, p.explicit = v, true
					if p.kind == kOrders {
						p.nums[0] = v
					}
				}
			case readingKey(p) == key && slices.Contains(p.readings, value):
				p.reading = value
				p.explicit = true
			}
		}
	}
}

// readingKey is the slot of a part read one of several ways.
func readingKey(p *part) string {
	if len(p.readings) < 2 {
		return ""
	}
	switch p.kind {
	case kTag, kShopifyTag:
		return "reading:" + kizuna.Normalize(p.label)
	case kNeverBought:
		return "non_buyers"
	}
	return ""
}

// source is the integration a part needs ("" for LINE data).
func (p *part) sourceOf() string {
	switch p.kind {
	case kLapsed, kRecentBuyer, kOrders, kNeverBought, kEverBought, kCart, kShopifyTag:
		return "shopify"
	case kTag:
		if p.reading == "shopify" {
			return "shopify"
		}
	case kSegment:
		return "hubspot"
	case kList:
		return "klaviyo"
	case kLinked, kProperty:
		return p.source
	}
	return ""
}

// dropMissing takes out the parts whose source is not connected, naming
// the sources.
func (r *reader) dropMissing(it *intent) {
	var groups [][]*part
	for _, g := range it.groups {
		var kept []*part
		for _, p := range g {
			if p.kind == kTag && p.reading == "shopify" && !r.in.Connected["shopify"] {
				p.reading = "tag"
			}
			if src := p.sourceOf(); src != "" && !r.in.Connected[src] {
				if !slices.Contains(it.missing, src) {
					it.missing = append(it.missing, src)
				}
				continue
			}
			kept = append(kept, p)
		}
		if len(kept) > 0 {
			groups = append(groups, kept)
		}
	}
	it.groups = groups
	slices.SortFunc(it.missing, func(a, b string) int { return slices.Index(kizuna.Sources, a) - slices.Index(kizuna.Sources, b) })
}

// build writes the intent's filter (nil when it has no part).
func (r *reader) build(it *intent) *kizuna.Filter {
	return r.buildWith(it, "", "")
}

// buildWith writes the filter with one slot set to another value.
func (r *reader) buildWith(it *intent, key, value string) *kizuna.Filter {
	f := &kizuna.Filter{}
	for _, g := range it.groups {
		alts := [][]kizuna.Condition{{}}
		for _, p := range g {
			var choices [][]kizuna.Condition
			for _, alt := range r.conditions(p, key, value) {
				for _, prefix := range alts {
					choices = append(choices, append(slices.Clone(prefix), alt...))
				}
			}
			alts = choices
		}
		for _, conds := range alts {
			since := it.since
			if key == "since_added" {
				since, _ = strconv.ParseFloat(value, 64)
			}
			if since > 0 {
				conds = append(conds, kizuna.Condition{Field: kizuna.FieldDaysSinceAdded, Op: kizuna.OpLte, Nums: [2]float64{since - 1}})
			}
			if len(conds) == 0 {
				continue
			}
			if len(conds) > kizuna.MaxConditions {
				conds = conds[:kizuna.MaxConditions]
			}
			f.Groups = append(f.Groups, kizuna.Group{Conditions: conds})
		}
	}
	if len(f.Groups) == 0 {
		return nil
	}
	if len(f.Groups) > kizuna.MaxGroups {
		f.Groups = f.Groups[:kizuna.MaxGroups]
	}
	return f
}

// conditions are a part's conditions as alternatives (an OR of ANDs),
// with the slot key set to value when it is the part's.
func (r *reader) conditions(p *part, key, value string) [][]kizuna.Condition {
	v := p.value
	reading := p.reading
	if key != "" && p.slotKey() == key {
		v, _ = strconv.ParseFloat(value, 64)
	}
	if key != "" && readingKey(p) == key {
		reading = value
	}
	one := func(c kizuna.Condition) [][]kizuna.Condition { return [][]kizuna.Condition{{c}} }
	num := func(field, op string, n float64) kizuna.Condition {
		return kizuna.Condition{Field: field, Op: op, Nums: [2]float64{n}}
	}
	if t, ok := thresholds[p.kind]; ok {
		op := t.op
		if p.neg {
			op = complement[op]
		}
		return one(num(t.field, op, v))
	}
	switch p.kind {
	case kOrders:
		op, nums := p.op, p.nums
		if p.slotKey() != "" {
			nums[0] = v
		}
		if p.neg {
			op = complement[op]
			if p.op == kizuna.OpBetween {
				return [][]kizuna.Condition{{num(kizuna.FieldShopifyOrders, kizuna.OpLt, nums[0])}, {num(kizuna.FieldShopifyOrders, kizuna.OpGt, nums[1])}}
			}
		}
		return one(kizuna.Condition{Field: kizuna.FieldShopifyOrders, Op: op, Nums: nums})
	case kNeverBought, kEverBought:
		never := (p.kind == kNeverBought) != p.neg
		if !never {
			return one(num(kizuna.FieldShopifyOrders, kizuna.OpGte, 1))
		}
		if reading == "linked" {
			return one(num(kizuna.FieldShopifyOrders, kizuna.OpEq, 0))
		}
		return [][]kizuna.Condition{{{Field: kizuna.FieldShopifyLinked, Op: kizuna.OpIs, Bool: false}}, {num(kizuna.FieldShopifyOrders, kizuna.OpEq, 0)}}
	case kCart:
		if p.neg {
			return one(kizuna.Condition{Field: kizuna.FieldShopifyAbandoned, Op: kizuna.OpNotExists})
		}
		c := kizuna.Condition{Field: kizuna.FieldShopifyAbandoned, Op: kizuna.OpExists}
		if v > 0 {
			op := kizuna.OpLt
			if p.op == kizuna.OpGte {
				op = kizuna.OpGte
			}
			c.HoursSince = &kizuna.NumericTest{Op: op, Nums: [2]float64{v}}
		}
		return one(c)
	case kTag, kShopifyTag:
		if reading == "shopify" || (p.kind == kShopifyTag && reading == "") {
			op := kizuna.OpHasAny
			if p.neg {
				op = kizuna.OpHasNone
			}
			return one(kizuna.Condition{Field: kizuna.FieldShopifyTag, Op: op, Strings: []string{p.name}})
		}
		// The friend tag of that name, as the account writes it.
		tag := r.friendTag(p.name)
		op := kizuna.OpHas
		if p.neg {
			op = kizuna.OpNotHas
		}
		return one(kizuna.Condition{Field: kizuna.FieldTag, Op: op, Strings: []string{tag}})
	case kSegment, kList:
		field := kizuna.FieldHubSpotSegment
		if p.kind == kList {
			field = kizuna.FieldKlaviyoList
		}
		op := kizuna.OpMemberOf
		if p.neg {
			op = kizuna.OpNotMemberOf
		}
		return one(kizuna.Condition{Field: field, Op: op, Strings: []string{p.name}})
	case kLinked:
		return one(kizuna.Condition{Field: p.source + ".linked", Op: kizuna.OpIs, Bool: !p.neg})
	case kProperty:
		c := kizuna.Condition{Field: p.source + ".property", Property: p.name, Type: p.ptype, Op: p.op, Nums: p.nums, Strings: p.strs, Days: p.days, Bool: p.b}
		if p.neg {
			if p.op == kizuna.OpIs {
				c.Bool = !c.Bool
			} else if op, ok := complement[p.op]; ok {
				c.Op = op
			}
		}
		return one(c)
	case kAddedDate:
		return one(kizuna.Condition{Field: kizuna.FieldAddedDate, Op: p.op, Days: p.days})
	case kEveryone:
		return one(num(kizuna.FieldDaysSinceAdded, kizuna.OpGte, 0))
	}
	return nil
}

// thresholds are the parts that test one number against the slot's
// value: the field and the op when not negated.
var thresholds = map[string]struct{ field, op string }{
	kLapsed:      {kizuna.FieldShopifyDaysSince, kizuna.OpGte},
	kRecentBuyer: {kizuna.FieldShopifyDaysSince, kizuna.OpLt},
	kNew:         {kizuna.FieldDaysSinceAdded, kizuna.OpLt},
	kOld:         {kizuna.FieldDaysSinceAdded, kizuna.OpGte},
}

// complement is each op's negation.
var complement = map[string]string{
	kizuna.OpEq: kizuna.OpNeq, kizuna.OpNeq: kizuna.OpEq, kizuna.OpGte: kizuna.OpLt, kizuna.OpLt: kizuna.OpGte,
	kizuna.OpGt: kizuna.OpLte, kizuna.OpLte: kizuna.OpGt, kizuna.OpContains: kizuna.OpNotContains,
	kizuna.OpNotContains: kizuna.OpContains, kizuna.OpIn: kizuna.OpNotIn, kizuna.OpNotIn: kizuna.OpIn,
	kizuna.OpIsKnown: kizuna.OpIsUnknown, kizuna.OpIsUnknown: kizuna.OpIsKnown,
}

// friendTag is the account's friend tag with the same normalized name.
func (r *reader) friendTag(name string) string {
	for _, t := range r.in.Tags {
		if kizuna.Normalize(t) == kizuna.Normalize(name) {
			return t
		}
	}
	return name
}

// slots are the intent's assumptions: each part's threshold or reading,
// or, when it has none, how long ago they became friends.
func (r *reader) slots(it *intent) []Slot {
	var out []Slot
	seen := map[string]bool{}
	for _, g := range it.groups {
		for _, p := range g {
			if k := p.slotKey(); k != "" && !seen[k] {
				seen[k] = true
				out = append(out, r.thresholdSlot(it, p, k))
			}
			if k := readingKey(p); k != "" && !seen[k] {
				seen[k] = true
				out = append(out, r.readingSlot(it, p, k))
			}
		}
	}
	if len(out) == 0 {
		out = append(out, r.sinceSlot(it))
	}
	return out
}

func (r *reader) thresholdSlot(it *intent, p *part, key string) Slot {
	lang := r.in.Lang
	d := slotDefaults[key]
	opts := slices.Clone(d.opts)
	if !slices.Contains(opts, p.value) {
		opts = append(opts, p.value)
		slices.Sort(opts)
	}
	sl := Slot{Key: key, Ambiguous: !p.explicit, Value: fmtNum(p.value)}
	for _, o := range opts {
		sl.Options = append(sl.Options, Option{Value: fmtNum(o), Label: valueLabel(key, o, lang), Filter: r.buildWith(it, key, fmtNum(o))})
	}
	how := say(lang, "you said so", "ご指定どおり")
	if !p.explicit {
		how = say(lang, "a default: say another number or pick one below", "既定値です。別の数を伝えるか、下から選べます")
	}
	v := valueLabel(key, p.value, lang)
	switch key {
	case "recency":
		sl.Text = say(lang, "\"Not bought recently\" read as no order for %s or more (%s). Friends who never ordered are not included.", "「最近購入していない」を、最後の購入から%s以上たっている人と読みました（%s）。一度も購入していない人は含みません。", v, how)
		sl.Question = say(lang, "How long without an order counts as \"not recently\"?", "最後の購入からどのくらいたった人を「最近購入していない」としますか？")
	case "recent_order":
		sl.Text = say(lang, "\"Bought recently\" read as an order within the last %s (%s).", "「最近購入した」を、直近%s以内に購入した人と読みました（%s）。", v, how)
		sl.Question = say(lang, "How recent should the last order be?", "直近何日以内に購入した人にしますか？")
	case "new_days":
		sl.Text = say(lang, "\"New friends\" read as friends added within the last %s, today included (%s).", "「新しい友だち」を、今日を含む直近%s以内に友だち追加した人と読みました（%s）。", v, how)
		sl.Question = say(lang, "How new is a new friend?", "何日以内に友だち追加した人を「新しい友だち」としますか？")
	case "old_days":
		sl.Text = say(lang, "Friends for %s or more (%s).", "友だち追加から%s以上たっている人と読みました（%s）。", v, how)
		sl.Question = say(lang, "How long should they have been friends?", "友だち追加からどのくらいたった人にしますか？")
	case "orders":
		sl.Text = say(lang, "Read as %s or more on Shopify (%s).", "Shopifyでの購入回数が%s以上の人と読みました（%s）。", v, how)
		sl.Question = say(lang, "How many orders make a repeat customer?", "何回以上購入した人をリピーターとしますか？")
	case "cart_hours":
		if p.value == 0 {
			sl.Text = say(lang, "Any abandoned cart, however long ago it was left.", "いつ放置されたかに関係なく、カゴ落ちがある人すべてと読みました。")
		} else {
			sl.Text = say(lang, "Abandoned carts left within the last %s (%s).", "直近%s以内のカゴ落ちと読みました（%s）。", v, how)
		}
		sl.Question = say(lang, "How recent should the abandoned cart be?", "いつまでのカゴ落ちを対象にしますか？")
		sl.Ambiguous = false
	}
	return sl
}

func (r *reader) readingSlot(it *intent, p *part, key string) Slot {
	lang := r.in.Lang
	sl := Slot{Key: key, Ambiguous: !p.explicit, Value: p.reading}
	for _, o := range p.readings {
		sl.Options = append(sl.Options, Option{Value: o, Label: readingLabel(p, o, lang), Filter: r.buildWith(it, key, o)})
	}
	switch p.kind {
	case kTag, kShopifyTag:
		sl.Text = say(lang, "\"%s\" read as %s: it is both a friend tag and a Shopify customer tag.", "「%s」を%sと読みました（友だちタグにもShopifyの顧客タグにもあります）。", p.label, readingLabel(p, p.reading, lang))
		sl.Question = say(lang, "Which \"%s\" do you mean?", "どちらの「%s」ですか？", p.label)
	case kNeverBought:
		sl.Text = say(lang, "\"Not bought\" read as %s.", "「購入していない」を%sと読みました。", readingLabel(p, p.reading, lang))
		sl.Question = say(lang, "Include friends not linked to Shopify?", "Shopifyと連携していない友だちも含めますか？")
	}
	return sl
}

func (r *reader) sinceSlot(it *intent) Slot {
	lang := r.in.Lang
	sl := Slot{Key: "since_added", Value: fmtNum(it.since)}
	for _, o := range slotDefaults["since_added"].opts {
		sl.Options = append(sl.Options, Option{Value: fmtNum(o), Label: valueLabel("since_added", o, lang), Filter: r.buildWith(it, "since_added", fmtNum(o))})
	}
	if it.since == 0 {
		sl.Text = say(lang, "Everyone who matches, however long ago they became friends; narrow it to recent friends below.", "友だち追加の時期は問わず、条件に合う全員にしました。下で最近の友だちに絞れます。")
	} else {
		sl.Text = say(lang, "Only friends added within the last %s.", "直近%s以内に友だち追加した人だけにしました。", valueLabel("since_added", it.since, lang))
	}
	return sl
}

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// valueLabel says a slot's value: "90 days", 「90日」, "3 orders".
func valueLabel(key string, v float64, lang string) string {
	n := fmtNum(v)
	switch key {
	case "orders":
		return say(lang, "%s orders", "%s回", n)
	case "cart_hours":
		switch {
		case v == 0:
			return say(lang, "any time", "期間を問わない")
		case v >= 48 && int64(v)%24 == 0:
			return say(lang, "%d days", "%d日", int64(v)/24)
		}
		return say(lang, "%s hours", "%s時間", n)
	case "since_added":
		if v == 0 {
			return say(lang, "any time", "期間を問わない")
		}
	}
	if v == 1 {
		return say(lang, "1 day", "1日")
	}
	return say(lang, "%s days", "%s日", n)
}

func readingLabel(p *part, reading, lang string) string {
	switch reading {
	case "tag":
		return say(lang, "the friend tag", "友だちタグ")
	case "shopify":
		return say(lang, "the Shopify tag", "Shopifyタグ")
	case "all":
		return say(lang, "no order, or not linked to Shopify", "購入なし（Shopify未連携の人を含む）")
	case "linked":
		return say(lang, "Shopify customers with no order", "購入のないShopify顧客のみ")
	}
	return reading
}

// name names the segment in the user's language from its parts.
func (r *reader) name(it *intent) string {
	lang := r.in.Lang
	var words []string
	for gi, g := range it.groups {
		var ws []string
		for _, p := range g {
			ws = append(ws, r.partName(p, lang))
		}
		w := strings.Join(ws, say(lang, ", ", "・"))
		if gi > 0 {
			w = say(lang, "or ", "または") + w
		}
		words = append(words, w)
	}
	name := strings.Join(words, " ")
	if lang == "ja" {
		name = strings.Join(words, "")
	}
	if title := purposeTitle(it.purpose, lang); title != "" {
		name = title + say(lang, ": ", "：") + name
	}
	return truncate(name, kizuna.MaxNameLength-4)
}

func (r *reader) partName(p *part, lang string) string {
	v := p.value
	var s string
	switch p.kind {
	case kLapsed:
		s = say(lang, "no order in %s", "%s以上購入なし", valueLabel("recency", v, lang))
	case kRecentBuyer:
		s = say(lang, "ordered in the last %s", "直近%s以内に購入", valueLabel("recent_order", v, lang))
	case kNew:
		s = say(lang, "friends for under %s", "友だち追加%s以内", valueLabel("new_days", v, lang))
	case kOld:
		s = say(lang, "friends for %s+", "友だち追加から%s以上", valueLabel("old_days", v, lang))
	case kOrders:
		s = say(lang, "orders %s %s", "購入回数%s%s", opWord(p.op, lang), fmtNum(ordersValue(p)))
		if p.op == kizuna.OpBetween {
			s = say(lang, "%s-%s orders", "購入%s〜%s回", fmtNum(p.nums[0]), fmtNum(p.nums[1]))
		}
	case kNeverBought:
		s = say(lang, "no purchase yet", "未購入")
	case kEverBought:
		s = say(lang, "customers", "購入者")
	case kCart:
		s = say(lang, "abandoned cart", "カゴ落ち")
	case kTag, kShopifyTag, kSegment, kList, kProperty, kLinked:
		s = p.label
		if p.kind == kLinked {
			s = say(lang, "%s linked", "%s連携", sourceName(p.source))
		}
	case kAddedDate:
		s = say(lang, "added %s", "%s追加", p.label)
	case kEveryone:
		s = say(lang, "all friends", "すべての友だち")
	}
	if p.neg {
		switch p.kind {
		case kNeverBought:
			s = say(lang, "customers", "購入者")
		case kCart:
			s = say(lang, "no abandoned cart", "カゴ落ちなし")
		case kLinked:
			s = say(lang, "%s not linked", "%s未連携", sourceName(p.source))
		default:
			s = say(lang, "not %s", "%s以外", s)
		}
	}
	return s
}

func ordersValue(p *part) float64 {
	if p.slotKey() != "" {
		return p.value
	}
	return p.nums[0]
}

func opWord(op, lang string) string {
	switch op {
	case kizuna.OpGte:
		return say(lang, "≥", "≥")
	case kizuna.OpGt:
		return ">"
	case kizuna.OpLte:
		return "≤"
	case kizuna.OpLt:
		return "<"
	case kizuna.OpNeq:
		return "≠"
	}
	return "="
}

// Purposes the draft message and the name follow.
const (
	pComeback   = "comeback"
	pOnboarding = "onboarding"
	pRepeat     = "repeat"
	pCart       = "cart"
	pFollowUp   = "followup"
	pVIP        = "vip"
	pNewsletter = "newsletter"
	pBirthday   = "birthday"
)

func purposeTitle(purpose, lang string) string {
	switch purpose {
	case pComeback:
		return say(lang, "Comeback", "再来店")
	case pOnboarding:
		return say(lang, "Onboarding", "オンボーディング")
	case pRepeat:
		return say(lang, "Repeat customers", "リピーター")
	case pCart:
		return say(lang, "Cart reminder", "カゴ落ちフォロー")
	case pFollowUp:
		return say(lang, "Follow-up", "フォローアップ")
	case pVIP:
		return say(lang, "VIP offer", "VIP特典")
	case pBirthday:
		return say(lang, "Birthday", "誕生日")
	}
	return ""
}

// draft is the broadcast's first message for a purpose.
func draft(purpose, lang string) string {
	switch purpose {
	case pComeback:
		return say(lang, "It's been a while! We'd love to see you again: here is 10% off your next order, valid for 7 days.", "お久しぶりです！またのご来店をお待ちしています。次回のお買い物で使える10%OFFクーポンをお届けします（7日間有効）。")
	case pOnboarding:
		return say(lang, "Thank you for adding us as a friend! Here is how to get the most out of our LINE account: new arrivals, members-only offers and quick answers to your questions.", "友だち追加ありがとうございます！このアカウントでは新商品のお知らせや友だち限定のお得な情報をお届けします。ご質問もこちらからお気軽にどうぞ。")
	case pRepeat:
		return say(lang, "Thank you for shopping with us again and again! As a thank-you, here is a coupon just for our regular customers, for a limited time.", "いつもご利用いただきありがとうございます！日頃の感謝を込めて、リピーターのお客様限定のクーポンを期間限定でお届けします。")
	case pCart:
		return say(lang, "You left something in your cart! Your items are still waiting for you: complete your order before they sell out.", "カートに商品が残っています！売り切れる前に、ぜひご購入手続きをお済ませください。")
	case pFollowUp:
		return say(lang, "Thank you for your interest! Is there anything we can help with? Reply to this message and our team will get back to you.", "ご関心をお寄せいただきありがとうございます！ご不明な点はございませんか？このメッセージに返信いただければ、担当者からご連絡します。")
	case pVIP:
		return say(lang, "A special offer just for our VIPs: early access to our new collection, this week only.", "VIPの皆さまだけの特別なご案内です。新作を一足早くご購入いただけます（今週限定）。")
	case pNewsletter:
		return say(lang, "Thank you for reading our newsletter! Here is this month's news, with an offer for LINE friends.", "いつもメルマガをお読みいただきありがとうございます！今月のお知らせと、LINE友だち限定の特典をお届けします。")
	case pBirthday:
		return say(lang, "Happy birthday! Here is a little gift from us: a birthday coupon for this month.", "お誕生日おめでとうございます！ささやかですが、今月使えるバースデークーポンをお届けします。")
	}
	return say(lang, "Hello! We have news for you: ", "こんにちは！お知らせです：")
}

// describeDate says a date or a range for a part's label.
func describeDate(op string, d [2]kizuna.Day, lang string) string {
	switch op {
	case kizuna.OpOn:
		return say(lang, "on %s", "%s", d[0])
	case kizuna.OpBefore:
		return say(lang, "before %s", "%sより前", d[0])
	case kizuna.OpAfter:
		return say(lang, "after %s", "%sより後", d[0])
	}
	return fmt.Sprintf("%s~%s", d[0], d[1])
}
