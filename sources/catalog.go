package sources

import (
	"context"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/hubspot"
	"github.com/kizuna-line/kizuna/jobs"
	"github.com/kizuna-line/kizuna/klaviyo"
)

// The HubSpot and Klaviyo readers are jobs.CatalogReaders: the sync
// refreshes the account's catalog from them before its first page and
// after its last. Shopify's is not: the catalog has no Shopify section,
// and the editor's Shopify tag suggestions are the tags of the linked
// customers, which the sync's records already bring.
var (
	_ jobs.CatalogReader = (*hubspotReader)(nil)
	_ jobs.CatalogReader = (*klaviyoReader)(nil)
)

// hubspotMeta is what a HubSpot reader last read of the account's
// property definitions and lists: the catalog before the first page reads
// them, the contacts' walk reads the lists again (their memberships must
// be read after the lists are), and the catalog after the last page
// reuses what was read, so a sync costs one more lists call, not three.
type hubspotMeta struct {
	props   []hubspot.Property
	propsOK bool
	lists   []hubspot.List
	listsOK bool
}

// properties returns the property definitions, read once per reader.
func (r *hubspotReader) properties(ctx context.Context) ([]hubspot.Property, error) {
	if !r.meta.propsOK {
		props, err := r.c.Properties(ctx)
		if err != nil {
			return nil, err
		}
		r.meta.props, r.meta.propsOK = props, true
	}
	return r.meta.props, nil
}

// readLists reads the lists now, and keeps them for the catalog.
func (r *hubspotReader) readLists(ctx context.Context) ([]hubspot.List, error) {
	lists, err := r.c.AllLists(ctx)
	if err != nil {
		return nil, err
	}
	r.meta.lists, r.meta.listsOK = lists, true
	return lists, nil
}

// Catalog returns the HubSpot section: every list as a segment, and the
// properties hubspot.Offered keeps (only those the connection's
// properties config names, when it names some, since only those are
// read), with their labels, types and options.
//
// A date property the account's catalog types as days_since (imported:
// "days since the last contact" rather than a calendar date) keeps that
// type: HubSpot has no such type, and the choice is the marketer's.
func (r *hubspotReader) Catalog(ctx context.Context, current *kizuna.Catalog) (*kizuna.Catalog, error) {
	props, err := r.properties(ctx)
	if err != nil {
		return nil, err
	}
	lists := r.meta.lists
	if !r.meta.listsOK {
		if lists, err = r.readLists(ctx); err != nil {
			return nil, err
		}
	}
	if r.asked != nil {
		props = slices.DeleteFunc(slices.Clone(props), func(p hubspot.Property) bool { return !slices.Contains(r.asked, p.Name) })
	}
	sec := hubspot.CatalogOf(props, lists, r.c.LineUserIDProperty())
	if current != nil && current.HubSpot != nil {
		for i, p := range sec.Properties {
			if p.Type != "date" {
				continue
			}
			for _, old := range current.HubSpot.Properties {
				if old.Name == p.Name && old.Type == "days_since" {
					sec.Properties[i].Type = "days_since"
				}
			}
		}
	}
	return &kizuna.Catalog{HubSpot: fitCatalog(sec)}, nil
}

// klaviyoMeta is what a Klaviyo reader last read of the account's lists
// and the property types it learned from the profiles it read.
type klaviyoMeta struct {
	mu      sync.Mutex
	lists   []klaviyo.List
	listsOK bool
	types   klaviyo.PropertyTypes
}

// readGroups reads the lists now, and keeps them for the catalog.
func (r *klaviyoReader) readGroups(ctx context.Context) ([]klaviyo.List, error) {
	ls, err := r.c.Lists(ctx)
	if err != nil {
		return nil, err
	}
	r.meta.mu.Lock()
	r.meta.lists, r.meta.listsOK = ls, true
	r.meta.mu.Unlock()
	return ls, nil
}

// observe learns the types of a profile's properties.
func (r *klaviyoReader) observe(p *klaviyo.Profile) {
	r.meta.mu.Lock()
	r.meta.types.Observe(p.Properties, r.prop)
	r.meta.mu.Unlock()
}

// Catalog returns the Klaviyo section: every list, and the properties of
// the current section followed by those learned from the profiles this
// reader has read (klaviyo.CatalogOf). Before the first page it has read
// none: a new property reaches the catalog after the sync that reads it.
func (r *klaviyoReader) Catalog(ctx context.Context, current *kizuna.Catalog) (*kizuna.Catalog, error) {
	r.meta.mu.Lock()
	lists, ok := r.meta.lists, r.meta.listsOK
	r.meta.mu.Unlock()
	if !ok {
		var err error
		if lists, err = r.readGroups(ctx); err != nil {
			return nil, err
		}
	}
	var cur *kizuna.CatalogSection
	if current != nil {
		cur = current.Klaviyo
	}
	r.meta.mu.Lock()
	learned := r.meta.types.Types()
	r.meta.mu.Unlock()
	return &kizuna.Catalog{Klaviyo: fitCatalog(klaviyo.CatalogOf(lists, learned, cur))}, nil
}

// fitCatalog makes a vendor's section one that kizuna.ParseCatalog
// accepts, as an imported one is: U+0000 taken out of every text, names,
// and labels cut to kizuna.MaxCatalogText characters; a list without an
// ID, a property without a name, an ID, name or option value too long to
// keep whole, and a second entry of the same ID or name, left out.
func fitCatalog(s *kizuna.CatalogSection) *kizuna.CatalogSection {
	keep := func(id string) (string, bool) {
		id = strings.ReplaceAll(strings.ToValidUTF8(id, "\uFFFD"), "\x00", "")
		return id, strings.TrimSpace(id) != "" && utf8.RuneCountInString(id) <= kizuna.MaxCatalogText
	}
	fitLists := func(in []kizuna.CatalogList) []kizuna.CatalogList {
		var out []kizuna.CatalogList
		seen := map[string]bool{}
		for _, l := range in {
			id, ok := keep(l.ID)
			if !ok || seen[id] {
				continue
			}
			seen[id] = true
			out = append(out, kizuna.CatalogList{ID: id, Name: fitText(l.Name)})
		}
		return out
	}
	out := &kizuna.CatalogSection{Segments: fitLists(s.Segments), Lists: fitLists(s.Lists), Properties: []kizuna.CatalogProperty{}}
	seen := map[string]bool{}
	for _, p := range s.Properties {
		name, ok := keep(p.Name)
		if !ok || seen[name] {
			continue
		}
		seen[name] = true
		fp := kizuna.CatalogProperty{Name: name, Label: fitText(p.Label), Type: p.Type}
		for _, o := range p.Options {
			if v := fitText(o.Value); v == strings.ReplaceAll(strings.ToValidUTF8(o.Value, "\uFFFD"), "\x00", "") {
				fp.Options = append(fp.Options, kizuna.CatalogOption{Value: v, Label: fitText(o.Label)})
			}
		}
		out.Properties = append(out.Properties, fp)
	}
	return out
}

// fitText takes U+0000 out of s and cuts it to kizuna.MaxCatalogText
// characters.
func fitText(s string) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
	if utf8.RuneCountInString(s) <= kizuna.MaxCatalogText {
		return s
	}
	return string([]rune(s)[:kizuna.MaxCatalogText])
}
