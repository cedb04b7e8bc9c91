package sources

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kizuna-line/kizuna"
)

// TestFitCatalog: whatever a vendor names, the section a sync stores is
// one an import accepts: U+0000 out, long names and labels cut, entries
// that cannot be kept whole (no ID, an ID or option value too long) and
// second entries left out.
func TestFitCatalog(t *testing.T) {
	long := strings.Repeat("長", kizuna.MaxCatalogText+5)
	in := &kizuna.CatalogSection{
		Segments: []kizuna.CatalogList{{ID: "1", Name: "a\x00b"}, {ID: " ", Name: "blank"}, {ID: long, Name: "long id"},
			{ID: "1", Name: "again"}, {ID: "2", Name: long}},
		Properties: []kizuna.CatalogProperty{
			{Name: "p", Label: long, Type: kizuna.TypeString, Options: []kizuna.CatalogOption{{Value: "v\x00", Label: "x"}, {Value: long, Label: "too long"}, {Value: "", Label: "empty"}}},
			{Name: "p", Label: "again", Type: kizuna.TypeNumber},
			{Name: "", Label: "no name", Type: kizuna.TypeString},
		},
	}
	out := fitCatalog(in)
	b, _ := json.Marshal(&kizuna.Catalog{HubSpot: out})
	c, err := kizuna.ParseCatalog(b)
	if err != nil {
		t.Fatalf("the fitted section does not parse: %v", err)
	}
	s := c.HubSpot
	cut := strings.Repeat("長", kizuna.MaxCatalogText)
	if len(s.Segments) != 2 || s.Segments[0] != (kizuna.CatalogList{ID: "1", Name: "ab"}) || s.Segments[1].Name != cut {
		t.Errorf("segments %+v", s.Segments)
	}
	if len(s.Properties) != 1 || s.Properties[0].Label != cut || len(s.Properties[0].Options) != 2 ||
		s.Properties[0].Options[0].Value != "v" || s.Properties[0].Options[1].Label != "empty" {
		t.Errorf("properties %+v", s.Properties)
	}
}
