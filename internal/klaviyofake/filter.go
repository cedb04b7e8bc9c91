package klaviyofake

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The fields each endpoint filters on, and their kind.
var (
	profileFilterFields = map[string]byte{"id": 's', "email": 's', "phone_number": 's', "external_id": 's', "updated": 't', "created": 't'}
	groupFilterFields   = map[string]byte{"id": 's', "name": 's', "created": 't', "updated": 't'}
	memberFilterFields  = map[string]byte{"email": 's', "phone_number": 's', "joined_group_at": 't'}
)

// cond is one filter condition.
type cond struct {
	op    string // equals, any, greater-than, greater-or-equal, less-than, less-or-equal
	field string
	strs  []string
	t     int64
}

// filter is the conditions of a filter parameter, all of which must hold.
type filter struct{ conds []cond }

// parseFilter reads Klaviyo's filter syntax, the part the fake needs:
// conditions separated by commas or wrapped in and(…), each
// equals(field,"v"), any(field,["a","b"]), or a comparison of a time field
// with a bare RFC 3339 time.
func parseFilter(s string, fields map[string]byte) (*filter, error) {
	f := &filter{}
	if strings.TrimSpace(s) == "" {
		return f, nil
	}
	p := &parser{s: s}
	if err := p.list(f, fields); err != nil {
		return nil, err
	}
	if p.skip(); p.i != len(p.s) {
		return nil, fmt.Errorf("Invalid filter provided: unexpected %q at %d.", p.s[p.i:], p.i)
	}
	return f, nil
}

type parser struct {
	s string
	i int
}

func (p *parser) skip() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *parser) eat(c byte) bool {
	p.skip()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *parser) word() string {
	p.skip()
	j := p.i
	for p.i < len(p.s) && (p.s[p.i] == '-' || p.s[p.i] == '_' || p.s[p.i] >= 'a' && p.s[p.i] <= 'z' || p.s[p.i] >= '0' && p.s[p.i] <= '9') {
		p.i++
	}
	return p.s[j:p.i]
}

var errFilter = errors.New("Invalid filter provided.")

func (p *parser) list(f *filter, fields map[string]byte) error {
	for {
		if err := p.cond(f, fields); err != nil {
			return err
		}
		if !p.eat(',') {
			return nil
		}
	}
}

func (p *parser) cond(f *filter, fields map[string]byte) error {
	op := p.word()
	if !p.eat('(') {
		return errFilter
	}
	if op == "and" {
		if err := p.list(f, fields); err != nil {
			return err
		}
		if !p.eat(')') {
			return errFilter
		}
		return nil
	}
	field := p.word()
	kind, ok := fields[field]
	if !ok {
		return fmt.Errorf("Invalid filter provided: '%s' is not a filterable field here.", field)
	}
	if !p.eat(',') {
		return errFilter
	}
	c := cond{op: op, field: field}
	switch {
	case op == "equals" && kind == 's':
		v, err := p.str()
		if err != nil {
			return err
		}
		c.strs = []string{v}
	case op == "any" && kind == 's':
		if !p.eat('[') {
			return errFilter
		}
		for !p.eat(']') {
			v, err := p.str()
			if err != nil {
				return err
			}
			c.strs = append(c.strs, v)
			p.eat(',')
		}
	case kind == 't' && slices.Contains([]string{"greater-than", "greater-or-equal", "less-than", "less-or-equal"}, op):
		p.skip()
		j := p.i
		for p.i < len(p.s) && p.s[p.i] != ')' {
			p.i++
		}
		t, err := time.Parse(time.RFC3339, strings.Trim(strings.TrimSpace(p.s[j:p.i]), `"`))
		if err != nil {
			return fmt.Errorf("Invalid filter provided: %q is not a datetime.", p.s[j:p.i])
		}
		c.t = t.Unix()
	default:
		return fmt.Errorf("Invalid filter provided: operator '%s' is not allowed for field '%s'.", op, field)
	}
	if !p.eat(')') {
		return errFilter
	}
	f.conds = append(f.conds, c)
	return nil
}

// str reads a double-quoted string with backslash escapes.
func (p *parser) str() (string, error) {
	p.skip()
	if p.i >= len(p.s) || p.s[p.i] != '"' {
		return "", errFilter
	}
	var b strings.Builder
	for p.i++; p.i < len(p.s); p.i++ {
		switch c := p.s[p.i]; c {
		case '\\':
			p.i++
			if p.i < len(p.s) {
				b.WriteByte(p.s[p.i])
			}
		case '"':
			p.i++
			return b.String(), nil
		default:
			b.WriteByte(c)
		}
	}
	return "", errFilter
}

func (c *cond) holdsString(v string) bool { return slices.Contains(c.strs, v) }

func (c *cond) holdsTime(v int64) bool {
	switch c.op {
	case "greater-than":
		return v > c.t
	case "greater-or-equal":
		return v >= c.t
	case "less-than":
		return v < c.t
	case "less-or-equal":
		return v <= c.t
	}
	return false
}

func (f *filter) match(p *profile) bool {
	for i := range f.conds {
		c := &f.conds[i]
		var ok bool
		switch c.field {
		case "id":
			ok = c.holdsString(p.id)
		case "email":
			ok = c.holdsString(p.email)
		case "phone_number":
			ok = c.holdsString(p.phone)
		case "external_id":
			ok = c.holdsString(p.externalID)
		case "updated":
			ok = c.holdsTime(p.updated)
		case "created":
			ok = c.holdsTime(p.created)
		}
		if !ok {
			return false
		}
	}
	return true
}

func (f *filter) matchGroup(g *group) bool {
	for i := range f.conds {
		c := &f.conds[i]
		var ok bool
		switch c.field {
		case "id":
			ok = c.holdsString(g.id)
		case "name":
			ok = c.holdsString(g.name)
		case "created":
			ok = c.holdsTime(g.created)
		case "updated":
			ok = c.holdsTime(g.updated)
		}
		if !ok {
			return false
		}
	}
	return true
}

func (f *filter) matchMember(m member) bool {
	for i := range f.conds {
		c := &f.conds[i]
		var ok bool
		switch c.field {
		case "email":
			ok = c.holdsString(m.p.email)
		case "phone_number":
			ok = c.holdsString(m.p.phone)
		case "joined_group_at":
			ok = c.holdsTime(m.joined)
		}
		if !ok {
			return false
		}
	}
	return true
}

// lookup returns the candidates of the first identifier condition, in
// creation order, or nil when there is none (scan everything).
func (f *filter) lookup(s *store) []*profile {
	for _, c := range f.conds {
		var idx map[string]*profile
		switch c.field {
		case "id":
			idx = s.byID
		case "email":
			idx = s.byEmail
		case "phone_number":
			idx = s.byPhone
		case "external_id":
			idx = s.byExt
		default:
			continue
		}
		out := []*profile{}
		for _, v := range c.strs {
			if p := idx[v]; p != nil && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
		slices.SortFunc(out, func(a, b *profile) int { return a.pos - b.pos })
		return out
	}
	return nil
}

// updatedBound reports whether a condition is on updated.
func (f *filter) updatedBound() bool {
	for _, c := range f.conds {
		if c.field == "updated" {
			return true
		}
	}
	return false
}

// updatedFrom returns the tightest lower bound on updated.
func (f *filter) updatedFrom() (t int64, strict, ok bool) {
	for _, c := range f.conds {
		if c.field != "updated" || (c.op != "greater-than" && c.op != "greater-or-equal") {
			continue
		}
		if !ok || c.t > t || (c.t == t && c.op == "greater-than") {
			t, strict, ok = c.t, c.op == "greater-than", true
		}
	}
	return t, strict, ok
}
