package kizuna

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Catalog gives names and types to the IDs that friend data refers to, so that
// pickers, summaries and the agent can speak in the marketer's words (spec 7).
// A nil section means "not named by this document": importing a catalog
// replaces only the integrations it names.
type Catalog struct {
	HubSpot *CatalogSection `json:"hubspot,omitempty"`
	Klaviyo *CatalogSection `json:"klaviyo,omitempty"`
}

// CatalogSection is one integration's part of the catalog. HubSpot calls its
// lists segments; Klaviyo calls them lists.
type CatalogSection struct {
	Segments   []CatalogList     `json:"segments,omitempty"`
	Lists      []CatalogList     `json:"lists,omitempty"`
	Properties []CatalogProperty `json:"properties"`
}

// CatalogList names a HubSpot segment or a Klaviyo list.
type CatalogList struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// CatalogProperty describes a contact or profile property.
type CatalogProperty struct {
	Name    string          `json:"name"`
	Label   string          `json:"label"`
	Type    string          `json:"type"`
	Options []CatalogOption `json:"options,omitempty"`
}

// CatalogOption is one allowed value of an enumerated property.
type CatalogOption struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

// ParseCatalog parses a catalog document strictly: unknown keys, unknown
// property types and entries without an ID or name are refused with a path.
func ParseCatalog(data []byte) (*Catalog, error) {
	var c Catalog
	if !utf8.Valid(data) {
		return nil, ErrorAt(EINVALID, "$", "catalog: the document is not valid UTF-8")
	}
	if err := strictUnmarshal(data, &c, ""); err != nil {
		var e *Error
		errors.As(err, &e)
		return nil, ErrorAt(EINVALID, e.Path, "catalog: %s", err)
	}
	if c.HubSpot == nil && c.Klaviyo == nil {
		return nil, &Error{Code: EINVALID, Message: "catalog names no integration: expected \"hubspot\" and/or \"klaviyo\"", Path: "$"}
	}
	check := func(name string, s *CatalogSection, listKey string) error {
		if s == nil {
			return nil
		}
		lists := s.Segments
		other := s.Lists
		if listKey == "lists" {
			lists, other = s.Lists, s.Segments
		}
		if len(other) > 0 {
			wrong := "lists"
			if listKey == "lists" {
				wrong = "segments"
			}
			return ErrorAt(EINVALID, name+"."+wrong, "%s has no %s; use %s", name, wrong, listKey)
		}
		if s.Properties == nil {
			s.Properties = []CatalogProperty{}
		}
		seen := map[string]bool{}
		for i, l := range lists {
			p := fmt.Sprintf("%s.%s[%d]", name, listKey, i)
			if strings.TrimSpace(l.ID) == "" {
				return &Error{Code: EINVALID, Message: "id is required", Path: p + ".id"}
			}
			if err := catalogText(p+".id", l.ID); err != nil {
				return err
			}
			if err := catalogText(p+".name", l.Name); err != nil {
				return err
			}
			if seen[l.ID] {
				return ErrorAt(EINVALID, p+".id", "id %q appears twice", l.ID)
			}
			seen[l.ID] = true
		}
		seen = map[string]bool{}
		for i, pr := range s.Properties {
			p := fmt.Sprintf("%s.properties[%d]", name, i)
			if strings.TrimSpace(pr.Name) == "" {
				return &Error{Code: EINVALID, Message: "name is required", Path: p + ".name"}
			}
			for _, t := range []struct{ path, text string }{{p + ".name", pr.Name}, {p + ".label", pr.Label}} {
				if err := catalogText(t.path, t.text); err != nil {
					return err
				}
			}
			for j, o := range pr.Options {
				op := fmt.Sprintf("%s.options[%d]", p, j)
				if err := catalogText(op+".value", o.Value); err != nil {
					return err
				}
				if err := catalogText(op+".label", o.Label); err != nil {
					return err
				}
			}
			if seen[pr.Name] {
				return ErrorAt(EINVALID, p+".name", "property %q appears twice", pr.Name)
			}
			seen[pr.Name] = true
			if typeOps[pr.Type] == nil {
				return ErrorAt(EINVALID, p+".type", "unknown type %q: use string, number, bool, date or days_since", pr.Type)
			}
		}
		return nil
	}
	if err := check("hubspot", c.HubSpot, "segments"); err != nil {
		return nil, err
	}
	if err := check("klaviyo", c.Klaviyo, "lists"); err != nil {
		return nil, err
	}
	return &c, nil
}

// catalogText refuses an ID, name, label or value of a catalog that cannot
// be stored as written or is longer than MaxCatalogText characters.
func catalogText(path, s string) error {
	if err := CheckText(EINVALID, path, path, s); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(s); n > MaxCatalogText {
		return ErrorAt(EINVALID, path, "%s has at most %d characters; this one has %d", path, MaxCatalogText, n)
	}
	return nil
}

// ListName returns the catalog name of a HubSpot segment (source "hubspot") or
// Klaviyo list (source "klaviyo"), or "" when the catalog does not know it.
func (c *Catalog) ListName(source, id string) string {
	s := c.section(source)
	if s == nil {
		return ""
	}
	for _, lists := range [][]CatalogList{s.Segments, s.Lists} {
		for _, l := range lists {
			if l.ID == id {
				return l.Name
			}
		}
	}
	return ""
}

// Property returns the catalog entry of a property, or nil.
func (c *Catalog) Property(source, name string) *CatalogProperty {
	s := c.section(source)
	if s == nil {
		return nil
	}
	for i := range s.Properties {
		if s.Properties[i].Name == name {
			return &s.Properties[i]
		}
	}
	return nil
}

func (c *Catalog) section(source string) *CatalogSection {
	if c == nil {
		return nil
	}
	switch source {
	case "hubspot":
		return c.HubSpot
	case "klaviyo":
		return c.Klaviyo
	}
	return nil
}
