package hubspot_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/hubspot"
	"github.com/kizuna-line/kizuna/internal/hubspotfake"
)

// TestCatalogOf: HubSpot's types map to the contract's, enumerations keep
// their visible options, and what a marketer would not pick is left out.
func TestCatalogOf(t *testing.T) {
	ro := hubspot.ModificationMetadata{ReadOnlyValue: true}
	props := []hubspot.Property{
		{Name: "firstname", Label: "First Name", Type: "string", FieldType: "text"},
		{Name: "phone", Label: "Phone", Type: "phone_number", FieldType: "phonenumber"},
		{Name: "total_revenue", Label: "Total Revenue", Type: "number", FieldType: "number"},
		{Name: "is_vip", Label: "VIP", Type: "bool", FieldType: "booleancheckbox",
			Options: []hubspot.Option{{Label: "Yes", Value: "true"}, {Label: "No", Value: "false"}}},
		{Name: "birthday", Label: "Birthday", Type: "date", FieldType: "date"},
		{Name: "createdate", Label: "Create Date", Type: "datetime", FieldType: "date", ModificationMetadata: ro},
		{Name: "interests", Label: "Interests", Type: "enumeration", FieldType: "checkbox",
			Options: []hubspot.Option{{Label: "Skin care", Value: "skin"}, {Label: "Retired", Value: "old", Hidden: true}}},
		{Name: "hs_lead_status", Label: "Lead Status", Type: "enumeration", FieldType: "radio",
			Options: []hubspot.Option{{Label: "New", Value: "NEW"}}},
		{Name: "future", Label: "Future", Type: "object_coordinates", FieldType: "text"},
		// Left out:
		{Name: "line_uid", Label: "LINE user ID", Type: "string", FieldType: "text"},
		{Name: "hs_object_id", Label: "Record ID", Type: "number", FieldType: "number", ModificationMetadata: ro},
		{Name: "lastmodifieddate", Label: "Last Modified Date", Type: "datetime", FieldType: "date", ModificationMetadata: ro},
		{Name: "hs_email_open", Label: "Marketing emails opened", Type: "number", FieldType: "number", ModificationMetadata: ro},
		{Name: "hs_analytics_num_visits", Label: "Number of Sessions", Type: "number", FieldType: "number", Calculated: true},
		{Name: "internal_flag", Label: "Internal", Type: "string", FieldType: "text", Hidden: true},
	}
	lists := []hubspot.List{{ID: "12", Name: "Trade show"}, {ID: "7", Name: "展示会"}}
	got, _ := json.Marshal(hubspot.CatalogOf(props, lists, "line_uid"))
	want := `{"segments":[{"id":"12","name":"Trade show"},{"id":"7","name":"展示会"}],"properties":[` +
		`{"name":"firstname","label":"First Name","type":"string"},` +
		`{"name":"phone","label":"Phone","type":"string"},` +
		`{"name":"total_revenue","label":"Total Revenue","type":"number"},` +
		`{"name":"is_vip","label":"VIP","type":"bool"},` +
		`{"name":"birthday","label":"Birthday","type":"date"},` +
		`{"name":"createdate","label":"Create Date","type":"date"},` +
		`{"name":"interests","label":"Interests","type":"string","options":[{"value":"skin","label":"Skin care"}]},` +
		`{"name":"hs_lead_status","label":"Lead Status","type":"string","options":[{"value":"NEW","label":"New"}]},` +
		`{"name":"future","label":"Future","type":"string"}]}`
	if string(got) != want {
		t.Errorf("CatalogOf:\n got %s\nwant %s", got, want)
	}
	if _, err := kizuna.ParseCatalog([]byte(`{"hubspot":` + string(got) + `}`)); err != nil {
		t.Errorf("the section does not parse: %v", err)
	}
	empty, _ := json.Marshal(hubspot.CatalogOf(nil, nil, "line_uid"))
	if string(empty) != `{"properties":[]}` {
		t.Errorf("an empty account: %s", empty)
	}
}

// TestClientCatalog reads the fake's properties (with HubSpot's read-only
// markers) and lists through the client.
func TestClientCatalog(t *testing.T) {
	f := hubspotfake.New(hubspotfake.Config{AccessToken: "tok"})
	id := f.CreateList("VIP", "MANUAL")
	srv := httptest.NewServer(f)
	defer srv.Close()
	c, err := hubspot.New(hubspot.Config{BaseURL: srv.URL, AccessToken: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Catalog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cat := &kizuna.Catalog{HubSpot: s}
	if cat.ListName("hubspot", id) != "VIP" {
		t.Errorf("segments %+v", s.Segments)
	}
	if p := cat.Property("hubspot", "lifecyclestage"); p == nil || p.Type != kizuna.TypeString || len(p.Options) != 8 {
		t.Errorf("lifecyclestage: %+v", p)
	}
	for _, name := range []string{"line_user_id", "hs_object_id", "lastmodifieddate"} {
		if cat.Property("hubspot", name) != nil {
			t.Errorf("%s is offered", name)
		}
	}
	if f.Count(hubspotfake.RouteProperties) != 1 || f.Count(hubspotfake.RouteLists) != 1 {
		t.Errorf("calls: %d properties, %d lists", f.Count(hubspotfake.RouteProperties), f.Count(hubspotfake.RouteLists))
	}
}
