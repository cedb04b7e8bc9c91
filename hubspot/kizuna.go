package hubspot

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/kizuna-line/kizuna"
)

// IndexProperties maps property definitions by name.
func IndexProperties(props []Property) map[string]Property {
	m := make(map[string]Property, len(props))
	for _, p := range props {
		m[p.Name] = p
	}
	return m
}

// KizunaProperties converts the named properties of the contact that are
// set into Kizuna's stored values, by their HubSpot types: number to a
// JSON number, bool to true or false, a multi-select enumeration
// ("a;b") to an array of strings, anything else (and a number or bool
// that does not parse) to a JSON string. A property without a definition
// is a string.
func (c *Contact) KizunaProperties(defs map[string]Property, names []string) kizuna.Properties {
	out := kizuna.Properties{}
	for _, name := range names {
		v := c.Properties[name]
		if v == nil {
			continue
		}
		out[name] = kizunaValue(defs[name], *v)
	}
	return out
}

func kizunaValue(def Property, v string) json.RawMessage {
	switch {
	case def.Type == "number":
		if _, err := strconv.ParseFloat(v, 64); err == nil && json.Valid([]byte(v)) {
			return json.RawMessage(v)
		}
	case def.Type == "bool" && (v == "true" || v == "false"):
		return json.RawMessage(v)
	case def.MultiValued():
		parts := []string{}
		for p := range strings.SplitSeq(v, ";") {
			if p != "" {
				parts = append(parts, p)
			}
		}
		b, _ := json.Marshal(parts)
		return b
	}
	b, _ := json.Marshal(v)
	return b
}
