package gen

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// Stored is what a set of generated lines holds, for filters that aim their
// operands at it: the friend tags in use and, per source ("hubspot",
// "klaviyo") and property name, the raw values stored (the last line of each
// friend winning). A comparison is most likely to be wrong exactly at a
// stored value (lt as lte) or one step beside it, and operands drawn from a
// range rarely land there.
type Stored struct {
	Tags []string
	// What the properties store, by how a condition can read it.
	numbers, texts, dates []storedValue
}

// storedValue is one value a friend's property stores.
type storedValue struct {
	source, name string  // "hubspot" or "klaviyo", property name
	text         string  // a string's content or a scalar's JSON text
	num          float64 // numbers
}

// Observe collects what lines store. Lines that do not parse are skipped;
// the order of everything follows the lines, so the result is deterministic.
func Observe(lines []string) *Stored {
	type contact struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	type line struct {
		ID      string   `json:"line_user_id"`
		Tags    []string `json:"tags"`
		HubSpot *contact `json:"hubspot"`
		Klaviyo *contact `json:"klaviyo"`
	}
	last := map[string]int{}
	parsed := make([]*line, len(lines))
	for i, l := range lines {
		var p line
		if json.Unmarshal([]byte(l), &p) != nil {
			continue
		}
		parsed[i], last[p.ID] = &p, i
	}
	s := &Stored{}
	seenTag := map[string]bool{}
	for i, p := range parsed {
		if p == nil || last[p.ID] != i {
			continue
		}
		for _, t := range p.Tags {
			if !seenTag[t] {
				seenTag[t] = true
				s.Tags = append(s.Tags, t)
			}
		}
		for _, src := range []struct {
			name string
			c    *contact
		}{{"hubspot", p.HubSpot}, {"klaviyo", p.Klaviyo}} {
			if src.c == nil {
				continue
			}
			for _, name := range sortedNames(src.c.Properties) {
				raw := src.c.Properties[name]
				text, isString := rawText(raw)
				v := storedValue{source: src.name, name: name, text: text}
				if n, ok := rawNumber(raw); ok {
					v.num = n
					s.numbers = append(s.numbers, v)
				}
				if strings.TrimSpace(text) != "" {
					s.texts = append(s.texts, v)
				}
				if isString && len(text) >= 10 {
					if _, err := time.Parse(time.DateOnly, text[:10]); err == nil {
						s.dates = append(s.dates, v)
					}
				}
			}
		}
	}
	return s
}

func sortedNames(m map[string]json.RawMessage) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	for i := 1; i < len(names); i++ {
		for j := i; j > 0 && names[j] < names[j-1]; j-- {
			names[j], names[j-1] = names[j-1], names[j]
		}
	}
	return names
}

// FilterFor is Filter with tag conditions over stored.Tags and, most of the
// time, property conditions aimed at a stored value: the property a friend
// has, an operand equal to its value (its exact text, number or date) or one
// step beside it (±1, a prefix of the text, the day before or after).
func FilterFor(r *rand.Rand, stored *Stored, now time.Time) json.RawMessage {
	return filter(&filterGen{r: r, tags: stored.Tags, now: now, stored: stored})
}

// aimedProperty returns a property condition aimed at a stored value, or nil
// when nothing fitting is stored.
func (c *filterGen) aimedProperty(m map[string]any) map[string]any {
	if c.stored == nil || !chance(c.r, 60) {
		return nil
	}
	r := c.r
	kind := r.IntN(3)
	pool := [][]storedValue{c.stored.numbers, c.stored.texts, c.stored.dates}[kind]
	if len(pool) == 0 {
		return nil
	}
	v := pick(r, pool)
	m["field"] = v.source + ".property"
	m["property"] = v.name
	set := func(typ, op string, val any) map[string]any {
		m["type"], m["op"], m["value"] = typ, op, val
		return m
	}
	switch kind {
	case 0: // a number
		op := pick(r, numericOps)
		// On the value half of the time, else one beside it.
		near := func() json.Number {
			return formatNumber(v.num + float64(pick(r, []int{-1, 0, 0, 1})))
		}
		if op != "between" {
			return set("number", op, near())
		}
		a, b := near(), near()
		if mustFloat(a) > mustFloat(b) {
			a, b = b, a
		}
		return set("number", op, []json.Number{a, b})
	case 1: // a text
		switch op := pick(r, []string{"eq", "neq", "contains", "not_contains", "starts_with", "in", "not_in"}); op {
		case "eq", "neq":
			return set("string", op, v.text)
		case "in", "not_in":
			return set("string", op, []string{v.text, pick(r, texts)})
		default:
			// A prefix, the whole text or a piece from its middle.
			runes := []rune(v.text)
			from := 0
			if op != "starts_with" && len(runes) > 1 {
				from = r.IntN(len(runes) - 1)
			}
			piece := string(runes[from : from+1+r.IntN(len(runes)-from)])
			if strings.TrimSpace(piece) == "" {
				piece = v.text
			}
			return set("string", op, piece)
		}
	}
	// A date: on it or a day beside it, read as a date or as days since.
	t, _ := time.Parse(time.DateOnly, v.text[:10])
	t = t.AddDate(0, 0, r.IntN(3)-1)
	if chance(r, 50) {
		op := pick(r, []string{"on", "before", "after", "between"})
		if op != "between" {
			return set("date", op, t.Format(time.DateOnly))
		}
		other := t.AddDate(0, 0, r.IntN(5)-2)
		if other.Before(t) {
			t, other = other, t
		}
		return set("date", op, []string{t.Format(time.DateOnly), other.Format(time.DateOnly)})
	}
	y, mo, d := c.now.In(pick(r, midnightZones)).Date()
	days := int64(time.Date(y, mo, d, 0, 0, 0, 0, time.UTC).Sub(t) / (24 * time.Hour))
	op := pick(r, numericOps)
	if op != "between" {
		return set("days_since", op, days)
	}
	return set("days_since", op, []int64{days, days + int64(r.IntN(3))})
}

// rawText is a stored value as the text a string condition would compare
// with (before normalization): a string's content or a scalar's JSON text.
func rawText(raw json.RawMessage) (string, bool) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	t := strings.TrimSpace(string(raw))
	if t == "" || t == "null" || t[0] == '{' || t[0] == '[' {
		return "", false
	}
	return t, false
}

// rawNumber is a stored value's number when it has one that a filter can
// name: a finite JSON number, or a string whose trimmed text is one. The
// grammar check here is deliberately independent of the code under test.
func rawNumber(raw json.RawMessage) (float64, bool) {
	t, _ := rawText(raw)
	t = strings.TrimSpace(t)
	if t == "" || !(t[0] == '-' || (t[0] >= '0' && t[0] <= '9')) || !json.Valid([]byte(t)) {
		return 0, false
	}
	f, err := strconv.ParseFloat(t, 64)
	return f, err == nil
}

func formatNumber(f float64) json.Number {
	return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
}

func mustFloat(n json.Number) float64 {
	f, _ := strconv.ParseFloat(string(n), 64)
	return f
}
