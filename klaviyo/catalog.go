package klaviyo

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/kizuna-line/kizuna"
)

// MaxLearnedProperties bounds how many property names PropertyTypes keeps
// (Klaviyo has no property schema: a shop writing a new key per profile
// must not grow memory with every profile read).
const MaxLearnedProperties = 1000

// PropertyTypes learns the Kizuna types (spec 3.1) of custom profile
// properties from the values seen on profiles, since Klaviyo has no
// property schema to ask. A property's type is the one most of its known
// values (present, not null, not blank) can be read as: bool when more
// than half read as a bool (true, false, or those words in any case),
// else number when more than half read as a number, else date when more
// than half read as an ISO-8601 date, else string. The zero value is ready
// to use; it is not safe for concurrent use.
type PropertyTypes struct {
	seen map[string]*typeCounts
}

type typeCounts struct{ known, bools, numbers, dates int }

// Observe counts one profile's property values. The LINE user ID property
// and Klaviyo's own "$" properties are not counted (Offered).
func (t *PropertyTypes) Observe(props map[string]json.RawMessage, lineUserIDProperty string) {
	for name, raw := range props {
		if !Offered(name, lineUserIDProperty) {
			continue
		}
		c := t.seen[name]
		if c == nil {
			if len(t.seen) >= MaxLearnedProperties {
				continue
			}
			if t.seen == nil {
				t.seen = map[string]*typeCounts{}
			}
			c = &typeCounts{}
			t.seen[name] = c
		}
		r := kizuna.ReadProperty(raw, time.UTC)
		if !r.Known {
			continue
		}
		c.known++
		if r.HasBool {
			c.bools++
		}
		if r.HasNum {
			c.numbers++
		}
		if r.HasDay {
			c.dates++
		}
	}
}

// Types returns each property seen and its type.
func (t *PropertyTypes) Types() map[string]string {
	out := make(map[string]string, len(t.seen))
	for name, c := range t.seen {
		switch {
		case c.bools*2 > c.known:
			out[name] = kizuna.TypeBool
		case c.numbers*2 > c.known:
			out[name] = kizuna.TypeNumber
		case c.dates*2 > c.known:
			out[name] = kizuna.TypeDate
		default:
			out[name] = kizuna.TypeString
		}
	}
	return out
}

// Offered reports whether a profile property belongs in the catalog: not
// the property holding the LINE user ID (Kizuna links by it) and not one
// of Klaviyo's own, whose names start with "$".
func Offered(name, lineUserIDProperty string) bool {
	return name != lineUserIDProperty && !strings.HasPrefix(name, "$") && strings.TrimSpace(name) != ""
}

// CatalogOf is the Klaviyo section of a catalog: the account's lists (ID
// and name, in Klaviyo's order) and the properties current (the section
// the account has: imported or made by an earlier sync) names, kept as
// they are (a label or type the marketer gave wins over a guess, and a
// property no profile read this time stays offered), followed by the
// properties learned (name → type) that current lacks, by name, each
// labelled with its name.
func CatalogOf(lists []List, learned map[string]string, current *kizuna.CatalogSection) *kizuna.CatalogSection {
	s := &kizuna.CatalogSection{Properties: []kizuna.CatalogProperty{}}
	for _, l := range lists {
		s.Lists = append(s.Lists, kizuna.CatalogList{ID: l.ID, Name: l.Name})
	}
	have := map[string]bool{}
	if current != nil {
		for _, p := range current.Properties {
			s.Properties = append(s.Properties, p)
			have[p.Name] = true
		}
	}
	var names []string
	for name := range learned {
		if !have[name] {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		s.Properties = append(s.Properties, kizuna.CatalogProperty{Name: name, Label: name, Type: learned[name]})
	}
	return s
}
