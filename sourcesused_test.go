package kizuna

import (
	"slices"
	"testing"
)

// TestUsedSources: a filter's used sources carry their statuses in
// Sources order, with those not connected or failing; a filter of no
// source says nothing.
func TestUsedSources(t *testing.T) {
	statuses := []SourceStatus{{Source: SourceShopify, Connected: true, Failing: true}, {Source: SourceHubSpot}, {Source: SourceKlaviyo, Connected: true}}
	f, err := ParseFilter([]byte(`{"groups":[{"conditions":[{"field":"klaviyo.linked","op":"is","value":true}]},{"conditions":[{"field":"hubspot.linked","op":"is","value":true},{"field":"shopify.orders_count","op":"gte","value":1}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	u := UsedSources(f, statuses)
	if len(u.Sources) != 3 || u.Sources[0].Source != SourceShopify || u.Sources[2].Source != SourceKlaviyo ||
		!slices.Equal(u.Disconnected, []string{SourceHubSpot}) || !slices.Equal(u.Failing, []string{SourceShopify}) || !u.Problems() {
		t.Fatalf("used %+v", u)
	}
	line, _ := ParseFilter([]byte(`{"groups":[{"conditions":[{"field":"line.days_since_added","op":"lte","value":7}]}]}`))
	if u := UsedSources(line, statuses); u.Sources != nil || u.Problems() {
		t.Fatalf("a filter of no source: %+v", u)
	}
}
