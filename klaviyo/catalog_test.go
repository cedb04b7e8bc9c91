package klaviyo_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/klaviyo"
)

func props(kv ...string) map[string]json.RawMessage {
	m := map[string]json.RawMessage{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = json.RawMessage(kv[i+1])
	}
	return m
}

// TestPropertyTypes: a property's type is the one most of its known
// values read as; blanks and nulls do not vote; the LINE user ID and
// Klaviyo's "$" properties are not learned.
func TestPropertyTypes(t *testing.T) {
	var pt klaviyo.PropertyTypes
	for _, p := range []map[string]json.RawMessage{
		props("points", `12`, "vip", `true`, "since", `"2026-01-02"`, "plan", `"gold"`, "line_user_id", `"U1"`, "$source", `"-9"`, "tags", `["a"]`, "empty", `null`),
		props("points", `"7"`, "vip", `"FALSE"`, "since", `"2026-03-04T10:00:00+09:00"`, "plan", `"7"`, "tags", `["b"]`, "empty", `"  "`),
		props("points", `"n/a"`, "vip", `1`, "since", `"soon"`, "plan", `"silver"`),
		props("points", `3.5`, "vip", `"true"`, "since", `""`),
	} {
		pt.Observe(p, "line_user_id")
	}
	got := pt.Types()
	want := map[string]string{"points": kizuna.TypeNumber, "vip": kizuna.TypeBool, "since": kizuna.TypeDate,
		"plan": kizuna.TypeString, "tags": kizuna.TypeString, "empty": kizuna.TypeString}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("types %v, want %v", got, want)
	}
	// Half is not most.
	var half klaviyo.PropertyTypes
	half.Observe(props("n", `1`), "")
	half.Observe(props("n", `"x"`), "")
	if ty := half.Types()["n"]; ty != kizuna.TypeString {
		t.Errorf("one number in two: %s", ty)
	}
}

// TestPropertyTypesBounded: names past MaxLearnedProperties are not kept.
func TestPropertyTypesBounded(t *testing.T) {
	var pt klaviyo.PropertyTypes
	for i := range klaviyo.MaxLearnedProperties + 50 {
		pt.Observe(props(fmt.Sprintf("p%d", i), `1`), "")
	}
	if n := len(pt.Types()); n != klaviyo.MaxLearnedProperties {
		t.Errorf("%d properties kept", n)
	}
}

// TestKlaviyoCatalogOf: the lists, the current section's properties as
// they are, then the learned ones it lacks, by name, labelled with their
// names.
func TestKlaviyoCatalogOf(t *testing.T) {
	cur := &kizuna.CatalogSection{Lists: []kizuna.CatalogList{{ID: "Old", Name: "Gone"}},
		Properties: []kizuna.CatalogProperty{{Name: "points", Label: "Loyalty points", Type: kizuna.TypeNumber}, {Name: "kept", Label: "Kept", Type: kizuna.TypeDate}}}
	learned := map[string]string{"points": kizuna.TypeString, "zeta": kizuna.TypeBool, "alpha": kizuna.TypeNumber}
	got, _ := json.Marshal(klaviyo.CatalogOf([]klaviyo.List{{ID: "Y6nRLr", Name: "Newsletter"}}, learned, cur))
	want := `{"lists":[{"id":"Y6nRLr","name":"Newsletter"}],"properties":[` +
		`{"name":"points","label":"Loyalty points","type":"number"},{"name":"kept","label":"Kept","type":"date"},` +
		`{"name":"alpha","label":"alpha","type":"number"},{"name":"zeta","label":"zeta","type":"bool"}]}`
	if string(got) != want {
		t.Errorf("CatalogOf:\n got %s\nwant %s", got, want)
	}
	empty, _ := json.Marshal(klaviyo.CatalogOf(nil, nil, nil))
	if string(empty) != `{"properties":[]}` {
		t.Errorf("empty: %s", empty)
	}
}
