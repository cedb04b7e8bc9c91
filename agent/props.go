package agent

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/kizuna-line/kizuna"
)

// genericOptions are option labels too common to name a property's value
// without the property being named ("customers", "new").
var genericOptions = map[string]bool{
	"customer": true, "customers": true, "lead": true, "leads": true, "subscriber": true, "subscribers": true,
	"new": true, "open": true, "other": true, "yes": true, "no": true, "true": true, "false": true,
	"connected": true, "none": true, "member": true, "members": true, "vip": true, "active": true,
	"顧客": true, "リード": true, "新規": true, "会員": true,
}

var (
	knownRe   = regexp.MustCompile(`^\s*(?:is |are )?(?:known|set|present|filled|registered)|^\s*(?:が|を)?\s*(?:ある|あり|登録済み|登録されている|入力済み|設定済み|わかる|分かる)`)
	unknownRe = regexp.MustCompile(`^\s*(?:is |are )?(?:unknown|empty|missing|not set|blank)|^\s*(?:が|は)?\s*(?:ない|なし|未登録|未設定|未入力|空|不明|わからない|分からない|登録されていない)`)
	knownPre  = regexp.MustCompile(`(?:has|have|with) (?:an? |their )?$`)
	unknowPre = regexp.MustCompile(`(?:no|without|missing|lacking|don't have|doesn't have|no known) (?:an? |their )?$`)

	numCmpRe   = regexp.MustCompile(`(over|above|more than|greater than|at least|>=|>|≥|under|below|less than|fewer than|at most|up to|<=|<|≤|exactly|=|is|of|between)?\s*(-?\d+(?:\.\d+)?)\s*(?:points?|pts?|pt|ポイント|点|円|yen)?\s*(以上|超|より多い|より大きい|を超える|以下|未満|より少ない|より小さい|ちょうど|or more|or above|\+|or less|or fewer|and (?:up|above)|and below)?(?:\s*(?:and|to|-|~|〜|から)\s*(\d+(?:\.\d+)?)\s*(?:points?|pts?|ポイント|点)?\s*(?:まで)?)?`)
	containsRe = regexp.MustCompile(`(?:contains?|including|includes)\s+"?([^"\s,]+(?:\s[^"\s,]+)?)"?|に?「([^」]+)」を?(?:含む|が入っている|が入る)|に\s*(\S+?)\s*を?含む`)
	startsRe   = regexp.MustCompile(`(?:starts?|starting|begins?|beginning) with\s+"?([^"\s,]+)"?|「([^」]+)」で始まる`)
	equalsRe   = regexp.MustCompile(`^\s*(?:is|=|:|equals|of|in)\s+"?([^"\s,]+(?:\s[^"\s,]+)?)"?|^\s*(?:が|は|=|:)\s*「?([^」、。\s]+?)」?(?:の人|の方|の友だち|な人|$|\s|、|。|で)`)
)

// detectProperties reads HubSpot and Klaviyo properties named in a
// clause: by their label or name, or an option's label that names itself.
func detectProperties(r *reader, cl *clause) {
	for _, cp := range r.props {
		s, e, ok := r.propMention(cl, cp)
		if ok {
			r.readProperty(cl, cp, s, e)
			continue
		}
		// An option that names itself ("evangelists", "gold plan").
		r.readOptions(cl, cp, -1, -1)
	}
}

// propMention finds where a property is named: all the words of its
// label, close together, or its internal name.
func (r *reader) propMention(cl *clause, cp catProp) (int, int, bool) {
	if s, e, ok := r.labelMention(cl, cp); ok {
		return s, e, true
	}
	if i := indexWord(cl.text, norm(cp.p.Name)); i >= 0 && len(cp.p.Name) > 2 && cl.free(i, i+len(cp.p.Name)) {
		return i, i + len(cp.p.Name), true
	}
	return 0, 0, false
}

// labelMention finds all the words of a property's label, close together.
func (r *reader) labelMention(cl *clause, cp catProp) (int, int, bool) {
	if len(cp.words) == 0 {
		return 0, 0, false
	}
	start, end := len(cl.text), 0
	for _, w := range cp.words {
		if isDigits(w) {
			continue
		}
		s, e, ok := mentions(cl.text, w)
		if !ok || !cl.free(s, e) {
			return 0, 0, false
		}
		start, end = min(start, s), max(end, e)
	}
	if end-start > 14*len(cp.words)+10 {
		return 0, 0, false
	}
	return start, end, true
}

// readOptions reads option labels of an enumerated string property:
// near the property's mention [ms, me) when there is one, else only the
// options that name themselves.
func (r *reader) readOptions(cl *clause, cp catProp, ms, me int) bool {
	if len(cp.p.Options) == 0 || cp.p.Type != "string" {
		return false
	}
	var vals []string
	start, end := ms, me
	if ms < 0 {
		start, end = len(cl.text), 0
	}
	for _, o := range cp.p.Options {
		label := o.Label
		if label == "" {
			label = o.Value
		}
		words := splitJa(nameWords(label))
		if ms < 0 {
			if len(words) == 1 && genericOptions[words[0]] || len(words) == 0 {
				continue
			}
		}
		s, e, ok := mentionAll(cl, words)
		if !ok {
			if i := indexWord(cl.text, norm(o.Value)); i >= 0 && len(o.Value) > 2 && cl.free(i, i+len(o.Value)) && (ms >= 0 || !genericOptions[norm(o.Value)]) {
				s, e, ok = i, i+len(o.Value), true
			}
		}
		if !ok {
			continue
		}
		// Several options match the same words (lead, marketing
		// qualified lead): keep the longest.
		vals = append(vals, o.Value)
		start, end = min(start, s), max(end, e)
	}
	vals = longestOptions(cp, vals)
	if len(vals) == 0 {
		return false
	}
	p := &part{kind: kProperty, source: cp.source, name: cp.p.Name, ptype: "string", op: kizuna.OpEq, strs: vals[:1], label: propLabel(cp, vals)}
	if len(vals) > 1 {
		p.op, p.strs = kizuna.OpIn, vals
	}
	if ms < 0 {
		return cl.add(start, end, p, false)
	}
	// "lifecycle stage is not customer", 「顧客以外」: the negation is
	// inside the span or right after it.
	inner := cl.text[me:max(me, end)]
	p.neg = negatedBefore(inner) || negatedBefore(cl.text[clauseStart(cl.text, 0, start):start]) || negatedAfter(cl.text[end:])
	return cl.add(start, end, p, true)
}

// longestOptions drops options whose label is within a longer matched
// one's ("lead" within "marketing qualified lead").
func longestOptions(cp catProp, vals []string) []string {
	label := func(v string) string {
		for _, o := range cp.p.Options {
			if o.Value == v {
				if o.Label != "" {
					return norm(o.Label)
				}
			}
		}
		return norm(v)
	}
	var out []string
	for _, v := range vals {
		inner := false
		for _, w := range vals {
			if w != v && strings.Contains(label(w), label(v)) {
				inner = true
			}
		}
		if !inner {
			out = append(out, v)
		}
	}
	return out
}

func mentionAll(cl *clause, words []string) (int, int, bool) {
	if len(words) == 0 {
		return 0, 0, false
	}
	start, end := len(cl.text), 0
	for _, w := range words {
		s, e, ok := mentions(cl.text, w)
		if !ok || !cl.free(s, e) {
			return 0, 0, false
		}
		start, end = min(start, s), max(end, e)
	}
	if end-start > 14*len(words)+10 {
		return 0, 0, false
	}
	return start, end, true
}

func propLabel(cp catProp, vals []string) string {
	label := cp.p.Label
	if label == "" {
		label = cp.p.Name
	}
	var vs []string
	for _, v := range vals {
		vs = append(vs, optionLabel(cp, v))
	}
	return label + " = " + strings.Join(vs, "/")
}

func optionLabel(cp catProp, v string) string {
	for _, o := range cp.p.Options {
		if o.Value == v && o.Label != "" {
			return o.Label
		}
	}
	return v
}

// readProperty reads what a clause says of a property named at [s, e).
func (r *reader) readProperty(cl *clause, cp catProp, s, e int) {
	after := cl.text[e:]
	if len(after) > 60 {
		after = window(after, 0, 0, 60)
	}
	before := cl.text[max(0, s-30):s]
	for len(before) > 0 && !isRuneStart(before[0]) {
		before = before[1:]
	}
	label := cp.p.Label
	if label == "" {
		label = cp.p.Name
	}
	base := part{kind: kProperty, source: cp.source, name: cp.p.Name, ptype: cp.p.Type, label: label}
	add := func(end int, p part) { cl.add(min(s, end), max(e, end), &p, false) }
	// Known or unknown, whatever the type.
	if m := unknownRe.FindStringIndex(after); m != nil || unknowPre.MatchString(before) {
		p := base
		p.op = kizuna.OpIsUnknown
		p.label = say(r.in.Lang, "%s unknown", "%s未登録", label)
		end := e
		if m != nil {
			end = e + m[1]
		}
		cl.add(min(s, end), max(e, end), &p, true)
		return
	}
	switch cp.p.Type {
	case "string":
		if r.readOptions(cl, cp, s, e) {
			return
		}
		if m := containsRe.FindStringSubmatchIndex(cl.text[s:]); m != nil {
			v := firstGroup(cl.text[s:], m, 1, 2, 3)
			if v != "" {
				p := base
				p.op, p.strs = kizuna.OpContains, []string{v}
				p.label = say(r.in.Lang, "%s contains %q", "%sに「%s」を含む", label, v)
				add(s+m[1], p)
				return
			}
		}
		if m := startsRe.FindStringSubmatchIndex(cl.text[s:]); m != nil {
			v := firstGroup(cl.text[s:], m, 1, 2)
			p := base
			p.op, p.strs = kizuna.OpStartsWith, []string{v}
			p.label = say(r.in.Lang, "%s starts with %q", "%sが「%s」で始まる", label, v)
			add(s+m[1], p)
			return
		}
		if m := equalsRe.FindStringSubmatchIndex(after); m != nil {
			v := firstGroup(after, m, 1, 2)
			if v != "" && !knownRe.MatchString(after) {
				v = canonicalValue(v)
				p := base
				p.op, p.strs = kizuna.OpEq, []string{v}
				p.label = label + " = " + v
				add(e+m[1], p)
				return
			}
		}
		// 「東京の人」: a value before the property's name is rare; a
		// quoted or known value near it is read as equal.
	case "number":
		p, end, ok := readNumber(after)
		if !ok {
			// "between 100 and 500 points": the number before the name.
			if q, end2, ok2 := readNumber(lastNumber(before)); ok2 && end2 > 0 {
				p, end, ok = q, 0, true
				s = max(0, s-len(before))
			}
		}
		if ok {
			q := base
			q.op, q.nums = p.op, p.nums
			q.label = label + " " + opWord(p.op, r.in.Lang) + " " + fmtNum(p.nums[0])
			if p.op == kizuna.OpBetween {
				q.label = label + " " + fmtNum(p.nums[0]) + "–" + fmtNum(p.nums[1])
			}
			add(e+end, q)
			return
		}
	case "bool":
		p := base
		p.op, p.b = kizuna.OpIs, true
		p.label = label
		tail := after
		if len(tail) > 24 {
			tail = window(tail, 0, 0, 24)
		}
		if boolFalseAfter.MatchString(tail) || boolFalseBefore.MatchString(before) {
			p.b = false
		}
		cl.add(s, e, &p, true)
		return
	case "date":
		ms := findAll(dateRe, after)
		if len(ms) > 0 {
			a, b, ok := r.dateAt(after, ms[0])
			if ok {
				p := base
				pre := strings.TrimSpace(cl.text[e : e+ms[0][0]])
				post := after[ms[0][1]:]
				switch {
				case strings.HasSuffix(pre, "before") || strings.HasPrefix(post, "より前") || strings.HasPrefix(post, "以前"):
					p.op, p.days[0] = kizuna.OpBefore, a
				case strings.HasSuffix(pre, "after") || strings.HasPrefix(post, "より後"):
					p.op, p.days[0] = kizuna.OpAfter, b
				case strings.HasSuffix(pre, "since") || strings.HasPrefix(post, "以降") || strings.HasPrefix(post, "から"):
					p.op, p.days[0] = kizuna.OpAfter, a-1
				case a == b:
					p.op, p.days[0] = kizuna.OpOn, a
				default:
					p.op, p.days = kizuna.OpBetween, [2]kizuna.Day{a, b}
				}
				p.label = label + " " + describeDate(p.op, p.days, r.in.Lang)
				add(e+ms[0][1], p)
				return
			}
		}
	case "days_since":
		win := cl.text[max(0, s-40):min(len(cl.text), e+50)]
		if d, ok := durationDays(win); ok {
			p := base
			if withinRe.MatchString(win) {
				p.op, p.nums[0] = kizuna.OpLt, d
				p.label = say(r.in.Lang, "%s within %s", "%sが%s以内", label, valueLabel("", d, r.in.Lang))
			} else {
				p.op, p.nums[0] = kizuna.OpGte, d
				p.label = say(r.in.Lang, "%s %s or more ago", "%sから%s以上", label, valueLabel("", d, r.in.Lang))
			}
			cl.add(s, e, &p, false)
			return
		}
	}
	if m := knownRe.FindStringIndex(after); m != nil || knownPre.MatchString(before) {
		p := base
		p.op = kizuna.OpIsKnown
		p.label = say(r.in.Lang, "%s known", "%s登録あり", label)
		end := e
		if m != nil {
			end = e + m[1]
		}
		cl.add(min(s, end), max(e, end), &p, false)
	}
}

func firstGroup(s string, m []int, groups ...int) string {
	for _, g := range groups {
		if 2*g+1 < len(m) && m[2*g] >= 0 {
			return strings.TrimSpace(s[m[2*g]:m[2*g+1]])
		}
	}
	return ""
}

// canonicalValue writes a known place or word in the catalog's language
// (東京 → tokyo is not done: values are compared as stored).
func canonicalValue(v string) string { return strings.Trim(v, "「」\"'") }

var (
	boolFalseAfter  = regexp.MustCompile(`^\s*(?:is |=\s*)?(?:false|no|off)|^\s*(?:が|を|は)?\s*(?:false|いいえ|オフ|無効|していない|しない|しない人|許可していない|拒否)`)
	boolFalseBefore = regexp.MustCompile(`(?:don't|doesn't|do not|does not|not|never)\s+(?:\w+\s+)?$`)
	withinRe        = regexp.MustCompile(`within|in the (last|past)|以内|未満|直近|ここ`)
)

// readNumber reads a comparison: "over 1000", 「1000以上」, "between 100
// and 500".
func readNumber(s string) (part, int, bool) {
	m := numCmpRe.FindStringSubmatchIndex(s)
	if m == nil || m[4] < 0 {
		return part{}, 0, false
	}
	// The number must follow the property's name: "points over 500",
	// 「ポイントが500以上」, not a number further on.
	if lead := strings.TrimSpace(s[:m[0]]); lead != "" && lead != "が" && lead != "は" && lead != "is" && lead != "are" && lead != "of" && lead != "=" && lead != ":" && lead != "with" {
		return part{}, 0, false
	}
	g := func(i int) string {
		if m[2*i] < 0 {
			return ""
		}
		return s[m[2*i]:m[2*i+1]]
	}
	v, _ := strconv.ParseFloat(g(2), 64)
	p := part{op: kizuna.OpEq, nums: [2]float64{v}}
	pre, post := g(1), g(3)
	switch {
	case g(4) != "":
		hi, _ := strconv.ParseFloat(g(4), 64)
		p.op, p.nums = kizuna.OpBetween, [2]float64{v, hi}
		if v > hi {
			return part{}, 0, false
		}
	case post == "以上" || post == "or more" || post == "or above" || post == "+" || post == "and up" || post == "and above" || pre == "at least" || pre == ">=" || pre == "≥":
		p.op = kizuna.OpGte
	case post == "超" || post == "より多い" || post == "より大きい" || post == "を超える" || pre == "over" || pre == "above" || pre == "more than" || pre == "greater than" || pre == ">":
		p.op = kizuna.OpGt
	case post == "以下" || post == "or less" || post == "or fewer" || post == "and below" || pre == "at most" || pre == "up to" || pre == "<=" || pre == "≤":
		p.op = kizuna.OpLte
	case post == "未満" || post == "より少ない" || post == "より小さい" || pre == "under" || pre == "below" || pre == "less than" || pre == "fewer than" || pre == "<":
		p.op = kizuna.OpLt
	}
	return p, m[1], true
}

// lastNumber is the end of before from its last comparison on ("between
// 100 and 500" of "friends with between 100 and 500 "), so that
// readNumber reads it from its start.
func lastNumber(before string) string {
	locs := numStartRe.FindAllStringIndex(before, -1)
	if len(locs) == 0 {
		return ""
	}
	rest := before[locs[0][0]:]
	if strings.TrimSpace(numTailRe.ReplaceAllString(rest, "")) != "" {
		return ""
	}
	return rest
}

var (
	numStartRe = regexp.MustCompile(`(?:over|above|more than|at least|under|below|less than|fewer than|at most|up to|exactly|between)?\s*-?\d`)
	numTailRe  = regexp.MustCompile(`(?:over|above|more than|greater than|at least|under|below|less than|fewer than|at most|up to|exactly|between|and|to|or more|or less|-?\d+(?:\.\d+)?|\s|~|〜)+`)
)
