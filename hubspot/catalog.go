package hubspot

import (
	"context"
	"strings"

	"github.com/kizuna-line/kizuna"
)

// CatalogType is the Kizuna property type (spec 3.1) a HubSpot contact
// property is read as: number → number, bool → bool, date and datetime →
// date, and everything else (string, enumeration, phone_number, types
// HubSpot may add) → string. An enumeration keeps its options in the
// catalog; a multi-select one (a checkbox) too.
func CatalogType(p *Property) string {
	switch p.Type {
	case "number":
		return kizuna.TypeNumber
	case "bool":
		return kizuna.TypeBool
	case "date", "datetime":
		return kizuna.TypeDate
	}
	return kizuna.TypeString
}

// Offered reports whether a marketer would pick the property in the
// segment editor: not the property holding the LINE user ID (Kizuna
// links by it; it is no condition), not hs_object_id nor
// lastmodifieddate (the sync does not store them), not a hidden one, and
// not one of HubSpot's own hs_ properties whose value HubSpot computes
// (calculated, or read-only: analytics, e-mail engagement, counters). An
// hs_ property a person sets, such as hs_lead_status, is offered.
func Offered(p *Property, lineUserIDProperty string) bool {
	switch {
	case p.Name == lineUserIDProperty, p.Name == "hs_object_id", p.Name == "lastmodifieddate", p.Hidden:
		return false
	case strings.HasPrefix(p.Name, "hs_") && (p.Calculated || p.ModificationMetadata.ReadOnlyValue):
		return false
	}
	return true
}

// CatalogOf is the HubSpot section of a catalog: the lists as segments
// (ID and name, in HubSpot's order) and the offered properties with their
// labels, Kizuna types and visible options (a bool's Yes and No are left
// out: the editor asks true or false). lineUserIDProperty is the
// connection's LINE user ID property.
func CatalogOf(props []Property, lists []List, lineUserIDProperty string) *kizuna.CatalogSection {
	s := &kizuna.CatalogSection{Properties: []kizuna.CatalogProperty{}}
	for _, l := range lists {
		s.Segments = append(s.Segments, kizuna.CatalogList{ID: l.ID, Name: l.Name})
	}
	for i := range props {
		p := &props[i]
		if !Offered(p, lineUserIDProperty) {
			continue
		}
		cp := kizuna.CatalogProperty{Name: p.Name, Label: p.Label, Type: CatalogType(p)}
		if cp.Type == kizuna.TypeString {
			for _, o := range p.Options {
				if !o.Hidden {
					cp.Options = append(cp.Options, kizuna.CatalogOption{Value: o.Value, Label: o.Label})
				}
			}
		}
		s.Properties = append(s.Properties, cp)
	}
	return s
}

// Catalog reads the account's contact properties and lists (a call for
// the properties, one per 500 lists) and returns CatalogOf them.
func (c *Client) Catalog(ctx context.Context) (*kizuna.CatalogSection, error) {
	props, err := c.Properties(ctx)
	if err != nil {
		return nil, err
	}
	lists, err := c.AllLists(ctx)
	if err != nil {
		return nil, err
	}
	return CatalogOf(props, lists, c.lineID), nil
}
