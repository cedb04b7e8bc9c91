package agent

import (
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kizuna-line/kizuna"
)

// reader reads goals into parts, knowing the account's names.
type reader struct {
	in    *Input
	today kizuna.Day
	names []named // tags, Shopify tags, lists, segments: longest first
	props []catProp
}

// named is a name a goal may mention.
type named struct {
	kind   string // kTag, kShopifyTag, kSegment, kList
	id     string // tag name or list/segment ID
	name   string
	words  []string
	norm   string
	source string
}

type catProp struct {
	source string
	p      kizuna.CatalogProperty
	words  []string
}

func newReader(in *Input) *reader {
	r := &reader{in: in}
	loc := time.UTC
	if in.Account != nil {
		loc = in.Account.Location()
	}
	r.today = kizuna.DayOf(in.Now, loc)
	for _, t := range in.Tags {
		r.names = append(r.names, named{kind: kTag, id: t, name: t, norm: norm(t), words: nameWords(t)})
	}
	for _, t := range in.ShopifyTags {
		r.names = append(r.names, named{kind: kShopifyTag, id: t, name: t, norm: norm(t), words: nameWords(t), source: "shopify"})
	}
	if c := in.Catalog; c != nil {
		if c.HubSpot != nil {
			for _, l := range c.HubSpot.Segments {
				r.names = append(r.names, named{kind: kSegment, id: l.ID, name: l.Name, norm: norm(l.Name), words: splitJa(nameWords(l.Name)), source: "hubspot"})
			}
			for _, p := range c.HubSpot.Properties {
				r.props = append(r.props, catProp{source: "hubspot", p: p, words: propWords(p)})
			}
		}
		if c.Klaviyo != nil {
			for _, l := range c.Klaviyo.Lists {
				r.names = append(r.names, named{kind: kList, id: l.ID, name: l.Name, norm: norm(l.Name), words: splitJa(nameWords(l.Name)), source: "klaviyo"})
			}
			for _, p := range c.Klaviyo.Properties {
				r.props = append(r.props, catProp{source: "klaviyo", p: p, words: propWords(p)})
			}
		}
	}
	sort.SliceStable(r.names, func(i, j int) bool { return len(r.names[i].norm) > len(r.names[j].norm) })
	return r
}

func propWords(p kizuna.CatalogProperty) []string {
	label := p.Label
	if label == "" {
		label = p.Name
	}
	return splitJa(nameWords(label))
}

// splitJa splits Japanese runs into the dictionary's words where it can
// ("メルマガ会員" → "メルマガ", "会員"), so that each is matched alone.
func splitJa(words []string) []string {
	var out []string
	for _, w := range words {
		if isLatin(w) {
			out = append(out, w)
			continue
		}
		rs := []rune(w)
		var rest []rune
		for i := 0; i < len(rs); {
			found := 0
			for j := len(rs); j > i+1; j-- {
				if _, ok := synonyms[string(rs[i:j])]; ok {
					found = j
					break
				}
			}
			if found == 0 {
				rest = append(rest, rs[i])
				i++
				continue
			}
			if len(rest) > 0 {
				out = append(out, string(rest))
				rest = nil
			}
			out = append(out, string(rs[i:found]))
			i = found
		}
		if len(rest) > 0 {
			out = append(out, string(rest))
		}
	}
	return out
}

// span is a matched stretch of a clause.
type span struct {
	start, end int
	p          *part
	// fixed: the match says itself whether it is negated.
	fixed bool
}

// clause is one OR-alternative of a text being read.
type clause struct {
	text  string
	spans []span
}

func (c *clause) free(start, end int) bool {
	for _, s := range c.spans {
		if start < s.end && s.start < end {
			return false
		}
	}
	return true
}

func (c *clause) add(start, end int, p *part, fixed bool) bool {
	if !c.free(start, end) {
		return false
	}
	c.spans = append(c.spans, span{start, end, p, fixed})
	return true
}

// readGoal reads the first turn.
func (r *reader) readGoal(it *intent, goal string) {
	text := norm(goal)
	it.purpose = purposeOf(text)
	for _, cl := range r.clauses(text) {
		if g := r.parts(cl); len(g) > 0 {
			it.groups = append(it.groups, g)
		}
	}
	r.noteUnknown(it, text)
	r.noteHints(it, text)
	if it.purpose == "" {
		it.purpose = purposeOfParts(it.groups)
	}
}

// orRe splits a text into OR-alternatives.
var orRe = regexp.MustCompile(`\s+or\s+|,?\s*either\s+|または|もしくは|あるいは|人か、?|方か、?|か、`)

// clauses splits text at "or" where both sides say something.
func (r *reader) clauses(text string) []*clause {
	locs := orRe.FindAllStringIndex(text, -1)
	var out []*clause
	start := 0
	for _, l := range locs {
		left := text[start:l[0]]
		right := text[l[1]:]
		// "60 or 90 days" is one reading, not two groups.
		if endsWithDigit(left) && startsWithDigit(right) {
			continue
		}
		cl := &clause{text: left}
		if len(r.parts(cl)) == 0 || len(r.parts(&clause{text: right})) == 0 {
			continue
		}
		out = append(out, &clause{text: left})
		start = l[1]
	}
	out = append(out, &clause{text: text[start:]})
	return out
}

func endsWithDigit(s string) bool {
	s = strings.TrimSpace(s)
	return s != "" && s[len(s)-1] >= '0' && s[len(s)-1] <= '9'
}

func startsWithDigit(s string) bool {
	s = strings.TrimSpace(s)
	return s != "" && s[0] >= '0' && s[0] <= '9'
}

// parts reads one clause.
func (r *reader) parts(cl *clause) []*part {
	cl.spans = nil
	for _, d := range detectors {
		d(r, cl)
	}
	sort.Slice(cl.spans, func(i, j int) bool { return cl.spans[i].start < cl.spans[j].start })
	var out []*part
	for i, s := range cl.spans {
		// "a comeback campaign for friends who haven't bought recently"
		// says one thing twice: keep the reading with a value given.
		if j := slices.IndexFunc(out, func(p *part) bool { return samePart(p, s.p) && p.kind != kProperty && p.kind != kAddedDate }); j >= 0 {
			if s.p.explicit && !out[j].explicit {
				out[j] = s.p
			}
			continue
		}
		if !s.fixed {
			prevEnd := 0
			if i > 0 {
				prevEnd = cl.spans[i-1].end
			}
			nextStart := len(cl.text)
			if i+1 < len(cl.spans) {
				nextStart = cl.spans[i+1].start
			}
			if negatedBefore(cl.text[clauseStart(cl.text, prevEnd, s.start):s.start]) || negatedAfter(cl.text[s.end:nextStart]) {
				s.p.neg = !s.p.neg
			}
		}
		out = append(out, s.p)
	}
	// "customers who ordered 5 or more times": the count says it all.
	if slices.ContainsFunc(out, func(p *part) bool {
		return p.kind == kOrders || p.kind == kLapsed || p.kind == kRecentBuyer || p.kind == kNeverBought
	}) {
		out = slices.DeleteFunc(out, func(p *part) bool { return p.kind == kEverBought && !p.neg })
	}
	return out
}

// clauseStart is where the English clause holding position at starts
// (after a comma or "and"), not before from.
func clauseStart(text string, from, at int) int {
	best := from
	for _, sep := range []string{",", ";", " and ", " who ", " that ", " with ", "、"} {
		if i := strings.LastIndex(text[from:at], sep); i >= 0 && from+i+len(sep) > best {
			best = from + i + len(sep)
		}
	}
	return best
}

var negBeforeRe = regexp.MustCompile(`(^|[^a-z])(not|n't|never|without|except|excluding|exclude|excludes|minus|but not|no|non|remove|drop|other than|aren't|isn't|don't|doesn't|neither|nor)([^a-z]|$)|非|除外|除く`)

var negAfterRe = regexp.MustCompile(`^[^、。,]{0,12}?(以外|を?除く|を?除いて|を?除いた|を?除外|は?除き|ではない|じゃない|でない|ない|なし|無し|未)|^\s*(excluded|not included)`)

func negatedBefore(s string) bool { return negBeforeRe.MatchString(s) }

func negatedAfter(s string) bool {
	// Japanese negation follows the word: 「VIP以外」「タグがついていない」.
	if strings.HasPrefix(strings.TrimSpace(s), "も含") {
		return false
	}
	return negAfterRe.MatchString(s)
}

// purposeOf guesses what the broadcast is for from words of the goal.
func purposeOf(text string) string {
	for _, p := range purposes {
		if p.re.MatchString(text) {
			return p.purpose
		}
	}
	return ""
}

var purposes = []struct {
	purpose string
	re      *regexp.Regexp
}{
	{pCart, regexp.MustCompile(`cart|checkout|basket|カゴ|かご|カート`)},
	{pComeback, regexp.MustCompile(`comeback|come back|win.?back|re-?engag|dormant|lapsed|miss you|休眠|再来店|カムバック|掘り起こ|呼び戻|ご無沙汰|久しぶり|離反|haven't (purchased|bought|ordered)|not (purchased|bought|ordered) (recently|lately|in)|最近(購入|買|注文)(して|っ)(い)?ない`)},
	{pOnboarding, regexp.MustCompile(`onboard|welcome|tutorial|guide|just (became|become|added|joined)|new (friends|followers)|オンボーディング|ウェルカム|使い方|チュートリアル|なったばかり|新しく友だち|新規友だち|新しい友だち`)},
	{pBirthday, regexp.MustCompile(`birthday|誕生日|バースデー`)},
	{pRepeat, regexp.MustCompile(`repeat|loyal (?:customers|buyers|shoppers)|regular (?:customers|buyers)|returning|リピーター|リピート|常連|お得意`)},
	{pVIP, regexp.MustCompile(`\bvips?\b`)},
	{pFollowUp, regexp.MustCompile(`follow.?up|sales|lead|フォロー|営業|リード|商談`)},
	{pNewsletter, regexp.MustCompile(`newsletter|メルマガ|ニュースレター`)},
}

func purposeOfParts(groups [][]*part) string {
	for _, g := range groups {
		for _, p := range g {
			switch {
			case p.kind == kLapsed && !p.neg:
				return pComeback
			case p.kind == kNew && !p.neg:
				return pOnboarding
			case p.kind == kCart && !p.neg:
				return pCart
			case p.kind == kOrders && !p.neg && p.op == kizuna.OpGte && ordersValue(p) >= 2:
				return pRepeat
			}
		}
	}
	return ""
}

// quotedRe finds quoted names: 「…」, "…", '…'.
var quotedRe = regexp.MustCompile(`「([^」]{1,60})」|"([^"]{1,60})"|『([^』]{1,60})』`)

// noteUnknown notes quoted names that matched nothing the account has.
func (r *reader) noteUnknown(it *intent, text string) {
	for _, m := range quotedRe.FindAllStringSubmatch(text, -1) {
		q := m[1] + m[2] + m[3]
		if r.knows(q, it) {
			continue
		}
		it.unknown = append(it.unknown, "「"+q+"」")
	}
}

// knows reports whether a quoted name is a name of the account, or a
// value a part of the intent carries.
func (r *reader) knows(q string, it *intent) bool {
	nq := norm(q)
	for _, n := range r.names {
		if n.norm == nq {
			return true
		}
	}
	for _, p := range r.props {
		if norm(p.p.Label) == nq || norm(p.p.Name) == nq {
			return true
		}
		for _, o := range p.p.Options {
			if norm(o.Label) == nq || norm(o.Value) == nq {
				return true
			}
		}
	}
	for _, g := range it.groups {
		for _, p := range g {
			for _, s := range p.strs {
				if norm(s) == nq {
					return true
				}
			}
			if norm(p.label) == nq || norm(p.name) == nq {
				return true
			}
		}
	}
	return false
}

// sourceHints are words that say a goal needs a source.
var sourceHints = map[string]*regexp.Regexp{
	"hubspot": regexp.MustCompile(`hubspot|ハブスポット|lifecycle|ライフサイクル|lead status|リードステータス`),
	"klaviyo": regexp.MustCompile(`klaviyo|クラビヨ|newsletter|メルマガ|ニュースレター`),
	"shopify": regexp.MustCompile(`shopify|ショッピファイ`),
}

// noteHints names the sources a goal mentions that are not connected,
// when nothing of them was read (a catalog name of a source never
// connected cannot be read).
func (r *reader) noteHints(it *intent, text string) {
	for _, src := range kizuna.Sources {
		if r.in.Connected[src] || !sourceHints[src].MatchString(text) || slices.Contains(it.missing, src) {
			continue
		}
		it.missing = append(it.missing, src)
	}
}

// refine reads a later turn into the intent: a number alone sets the
// matching threshold; "also include …" adds a group; anything else adds
// its parts to every group, replacing a part of the same kind.
func (r *reader) refine(it *intent, text string) {
	text = norm(text)
	cl := &clause{text: text}
	parts := r.parts(cl)
	if remove := removeRe.MatchString(text); remove && len(parts) > 0 {
		for _, np := range parts {
			for gi, g := range it.groups {
				it.groups[gi] = slices.DeleteFunc(g, func(p *part) bool { return samePart(p, np) })
			}
		}
		it.groups = slices.DeleteFunc(it.groups, func(g []*part) bool { return len(g) == 0 })
		return
	}
	if len(parts) == 0 {
		r.setNumber(it, text)
		r.noteUnknown(it, text)
		r.noteHints(it, text)
		return
	}
	if alsoRe.MatchString(text) && len(it.groups) > 0 {
		it.groups = append(it.groups, parts)
		return
	}
	if len(it.groups) == 0 {
		it.groups = append(it.groups, nil)
	}
	for gi := range it.groups {
		for _, np := range parts {
			replaced := false
			for i, p := range it.groups[gi] {
				if samePart(p, np) || (sameThreshold(p, np) && !np.neg) {
					c := *np
					it.groups[gi][i] = &c
					replaced = true
				}
			}
			if !replaced {
				c := *np
				it.groups[gi] = append(it.groups[gi], &c)
			}
		}
	}
	r.noteHints(it, text)
}

var alsoRe = regexp.MustCompile(`also (include|add|send)|include .* too|as well|も含め|も対象|も追加|も入れ|追加で|にも送`)

var removeRe = regexp.MustCompile(`(remove|drop|forget|ignore|don't filter|no need for) (the )?|条件を?(外|消|削除|なくし|取り)|は?不要|はいらない`)

// samePart: the same concept on the same target.
func samePart(a, b *part) bool {
	if a.kind != b.kind {
		return false
	}
	switch a.kind {
	case kTag, kShopifyTag, kSegment, kList, kProperty:
		return a.name == b.name && a.source == b.source
	case kOrders:
		// 「5回以上10回以下」 is two bounds, not one said twice.
		return a.op == b.op
	case kLinked:
		return a.source == b.source
	}
	return true
}

// sameThreshold: two parts testing the same thing with another value
// ("3回以上" then "5回以上にして").
func sameThreshold(a, b *part) bool {
	group := func(k string) string {
		switch k {
		case kLapsed, kRecentBuyer:
			return "last_order"
		case kNew, kOld:
			return "added"
		}
		return k
	}
	return group(a.kind) == group(b.kind) && a.kind != kTag && a.kind != kList && a.kind != kSegment && a.kind != kShopifyTag && a.kind != kProperty && a.kind != kLinked
}

// numberRe finds a number with its unit in a refinement.
var numberRe = regexp.MustCompile(`(\d+(?:\.\d+)?)\s*(days?|日間?|weeks?|週間?|months?|か月|ヶ月|ヵ月|カ月|ケ月|years?|年|hours?|時間|orders?|purchases?|times?|回)?`)

// setNumber sets the threshold a bare number refers to: "make it 60
// days", 「5回以上にして」, "48 hours".
func (r *reader) setNumber(it *intent, text string) {
	m := numberRe.FindStringSubmatch(text)
	if m == nil {
		if strings.Contains(text, "半年") || strings.Contains(text, "half a year") || strings.Contains(text, "six months") {
			m = []string{"", "180", "日"}
		} else {
			return
		}
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	unit := unitOf(m[2])
	for _, g := range it.groups {
		for _, p := range g {
			switch {
			case unit == "days" && (p.kind == kLapsed || p.kind == kRecentBuyer || p.kind == kNew || p.kind == kOld):
				p.value, p.explicit = v*unitDays(m[2]), true
			case unit == "hours" && p.kind == kCart:
				p.value, p.explicit = v*unitHours(m[2]), true
			case unit == "days" && p.kind == kCart:
				p.value, p.explicit = v*24*unitDays(m[2]), true
			case (unit == "count" || unit == "") && p.kind == kOrders:
				p.nums[0], p.value, p.explicit = v, v, true
			case unit == "" && p.slotKey() != "":
				p.value, p.explicit = v, true
			}
		}
	}
}

func unitOf(u string) string {
	switch {
	case u == "":
		return ""
	case strings.HasPrefix(u, "hour") || u == "時間":
		return "hours"
	case strings.HasPrefix(u, "order") || strings.HasPrefix(u, "purchase") || strings.HasPrefix(u, "time") || u == "回":
		return "count"
	}
	return "days"
}

// unitDays is how many days a unit is.
func unitDays(u string) float64 {
	switch {
	case strings.HasPrefix(u, "week") || strings.HasPrefix(u, "週"):
		return 7
	case strings.HasPrefix(u, "month") || strings.HasSuffix(u, "月"):
		return 30
	case strings.HasPrefix(u, "year") || u == "年":
		return 365
	case strings.HasPrefix(u, "hour") || u == "時間":
		return 1.0 / 24
	}
	return 1
}

func unitHours(u string) float64 {
	if strings.HasPrefix(u, "hour") || u == "時間" {
		return 1
	}
	return 24 * unitDays(u)
}
