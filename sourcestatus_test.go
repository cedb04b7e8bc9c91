package kizuna

import (
	"slices"
	"testing"
	"time"
)

func TestSourceStatuses(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) *time.Time { at := now.Add(-d); return &at }
	fresh := []Freshness{
		{Source: SourceShopify, LastSuccessAt: ago(2 * time.Minute)},
		{Source: SourceHubSpot, LastSuccessAt: ago(time.Hour), LastError: "HubSpot refused the token", LastErrorAt: ago(time.Minute)},
		{Source: SourceKlaviyo, LastSuccessAt: ago(10 * time.Minute), LastError: "timeout", LastErrorAt: ago(time.Minute), Running: &SourceSync{}},
	}
	st := SourceStatuses(map[string]bool{SourceShopify: true, SourceHubSpot: true}, fresh, now)
	if len(st) != 3 || st[0].Source != SourceShopify || st[1].Source != SourceHubSpot || st[2].Source != SourceKlaviyo {
		t.Fatalf("statuses %+v", st)
	}
	if !st[0].Connected || st[0].Failing || *st[0].LagSeconds != 120 {
		t.Errorf("shopify %+v", st[0])
	}
	if !st[1].Failing || st[1].LastError == "" {
		t.Errorf("hubspot failing for an hour: %+v", st[1])
	}
	if st[2].Connected || st[2].Failing || !st[2].Syncing {
		t.Errorf("klaviyo: one error within the half hour is not failing: %+v", st[2])
	}
	hooked := SourceStatuses(map[string]bool{SourceShopify: true}, []Freshness{{Source: SourceShopify, LastSuccessAt: ago(time.Hour), LastDeliveryAt: ago(5 * time.Second)}}, now)
	if *hooked[0].LagSeconds != 5 {
		t.Errorf("a webhook five seconds ago after a sync an hour ago: lag %d", *hooked[0].LagSeconds)
	}
	early := SourceStatuses(map[string]bool{SourceShopify: true}, []Freshness{{Source: SourceShopify, LastDeliveryAt: ago(5 * time.Second)}}, now)
	if early[0].LagSeconds != nil {
		t.Errorf("a webhook before any sync: lag %d", *early[0].LagSeconds)
	}
	never := SourceStatuses(map[string]bool{SourceShopify: true}, []Freshness{{Source: SourceShopify, LastError: "bad token", LastErrorAt: ago(time.Second)}}, now)
	if !never[0].Failing || never[0].LagSeconds != nil {
		t.Errorf("never synced, failed: %+v", never[0])
	}

	f, err := ParseFilter([]byte(`{"groups":[{"conditions":[{"field":"klaviyo.list","op":"member_of","value":["L1"]},{"field":"tag","op":"has","value":"VIP"}]},{"conditions":[{"field":"hubspot.linked","op":"is","value":true}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Sources(); !slices.Equal(got, []string{SourceHubSpot, SourceKlaviyo}) {
		t.Errorf("sources %v", got)
	}
	dis, failing := SourceProblems(f, st)
	if !slices.Equal(dis, []string{SourceKlaviyo}) || !slices.Equal(failing, []string{SourceHubSpot}) {
		t.Errorf("problems: disconnected %v failing %v", dis, failing)
	}
}
