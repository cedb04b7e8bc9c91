package kizuna_test

import (
	"regexp"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // zone abbreviations do not depend on the host's zoneinfo

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/conformance"
)

// summaryCatalog is the catalog of spec section 7, plus a property with a
// Japanese label.
const summaryCatalog = `{
 "hubspot": {"segments": [{"id": "101", "name": "Trade show leads 2026"}],
             "properties": [{"name": "lifecyclestage", "label": "Lifecycle stage", "type": "string",
                             "options": [{"value": "customer", "label": "Customer"}]},
                            {"name": "createdate", "label": "Create date", "type": "date"}]},
 "klaviyo": {"lists": [{"id": "Y6nRLr", "name": "Newsletter"}],
             "properties": [{"name": "points", "label": "Loyalty points", "type": "number"},
                            {"name": "last_open", "label": "Last email open", "type": "days_since"},
                            {"name": "rank", "label": "会員ランク", "type": "string",
                             "options": [{"value": "gold", "label": "ゴールド"}]}]}}`

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// oneCondition wraps a condition's JSON into a one-group filter.
func oneCondition(cond string) string {
	return `{"groups": [{"conditions": [` + cond + `]}]}`
}

func TestSummarize(t *testing.T) {
	cat, err := kizuna.ParseCatalog([]byte(summaryCatalog))
	if err != nil {
		t.Fatal(err)
	}
	tokyo := mustLoc(t, "Asia/Tokyo")
	const noon = "2026-11-28T03:00:00Z" // 12:00 JST, 2026-11-28

	tests := []struct {
		name   string
		filter string
		cat    *kizuna.Catalog
		loc    *time.Location
		now    string
		en, ja string
	}{
		{
			name: "spec 6 example",
			filter: `{"groups": [
			  {"conditions": [
			    {"field": "shopify.linked", "op": "is", "value": true},
			    {"field": "shopify.orders_count", "op": "gte", "value": 5}]},
			  {"conditions": [
			    {"field": "hubspot.linked", "op": "is", "value": true},
			    {"field": "hubspot.property", "property": "lifecyclestage", "type": "string", "op": "eq", "value": "customer"}]}]}`,
			cat: cat,
			en:  `Linked with Shopify and 5 or more purchases, OR linked with HubSpot and Lifecycle stage is "Customer"`,
			ja:  `Shopify連携ありかつ購入回数が5回以上、または HubSpot連携ありかつLifecycle stage が「Customer」`,
		},
		{
			name: "spec 6 example without catalog",
			filter: `{"groups": [
			  {"conditions": [
			    {"field": "shopify.linked", "op": "is", "value": true},
			    {"field": "shopify.orders_count", "op": "gte", "value": 5}]},
			  {"conditions": [
			    {"field": "hubspot.linked", "op": "is", "value": true},
			    {"field": "hubspot.property", "property": "lifecyclestage", "type": "string", "op": "eq", "value": "customer"}]}]}`,
			en: `Linked with Shopify and 5 or more purchases, OR linked with HubSpot and lifecyclestage is "customer"`,
			ja: `Shopify連携ありかつ購入回数が5回以上、または HubSpot連携ありかつlifecyclestage が「customer」`,
		},
		{
			name:   "added within the last 7 days, JST noon",
			filter: oneCondition(`{"field": "line.days_since_added", "op": "lte", "value": 6}`),
			now:    noon,
			en:     `Added in the last 7 days, today included (2026-11-22 – 2026-11-28 JST)`,
			ja:     `友だち追加から7日以内（今日を含む、2026-11-22〜2026-11-28 JST）`,
		},
		{
			name:   "added within the last 7 days, 00:30 JST is already 11-28",
			filter: oneCondition(`{"field": "line.days_since_added", "op": "lte", "value": 6}`),
			now:    "2026-11-27T15:30:00Z",
			en:     `Added in the last 7 days, today included (2026-11-22 – 2026-11-28 JST)`,
			ja:     `友だち追加から7日以内（今日を含む、2026-11-22〜2026-11-28 JST）`,
		},
		{
			name:   "same instant in UTC is still 11-27",
			filter: oneCondition(`{"field": "line.days_since_added", "op": "lte", "value": 6}`),
			loc:    time.UTC,
			now:    "2026-11-27T15:30:00Z",
			en:     `Added in the last 7 days, today included (2026-11-21 – 2026-11-27 UTC)`,
			ja:     `友だち追加から7日以内（今日を含む、2026-11-21〜2026-11-27 UTC）`,
		},
		{
			name:   "zone without an abbreviation",
			filter: oneCondition(`{"field": "line.days_since_added", "op": "lte", "value": 6}`),
			loc:    mustLoc(t, "Asia/Ho_Chi_Minh"),
			en:     `Added in the last 7 days, today included (2026-11-22 – 2026-11-28 +07)`,
			ja:     `友だち追加から7日以内（今日を含む、2026-11-22〜2026-11-28 +07）`,
		},
		{
			name:   "lt 7 is the same window as lte 6",
			filter: oneCondition(`{"field": "line.days_since_added", "op": "lt", "value": 7}`),
			en:     `Added in the last 7 days, today included (2026-11-22 – 2026-11-28 JST)`,
			ja:     `友だち追加から7日以内（今日を含む、2026-11-22〜2026-11-28 JST）`,
		},
		{
			name:   "added today",
			filter: oneCondition(`{"field": "line.days_since_added", "op": "lte", "value": 0}`),
			en:     `Added today (on or after 2026-11-28 JST)`,
			ja:     `今日友だち追加（2026-11-28 JST 以降）`,
		},
		{
			name:   "added more than 30 days ago",
			filter: oneCondition(`{"field": "line.days_since_added", "op": "gt", "value": 30}`),
			en:     `Added more than 30 days ago (on or before 2026-10-28 JST)`,
			ja:     `友だち追加から30日超（2026-10-28 JST 以前）`,
		},
		{
			name:   "added 30 or more days ago",
			filter: oneCondition(`{"field": "line.days_since_added", "op": "gte", "value": 30}`),
			en:     `Added 30 or more days ago (on or before 2026-10-29 JST)`,
			ja:     `友だち追加から30日以上（2026-10-29 JST 以前）`,
		},
		{
			name:   "added between days ago",
			filter: oneCondition(`{"field": "line.days_since_added", "op": "between", "value": [3, 10]}`),
			en:     `Added 3 to 10 days ago (between 2026-11-18 and 2026-11-25 JST)`,
			ja:     `友だち追加から3〜10日（2026-11-18〜2026-11-25 JST）`,
		},
		{
			name:   "added exactly 1 day ago",
			filter: oneCondition(`{"field": "line.days_since_added", "op": "eq", "value": 1}`),
			en:     `Added exactly 1 day ago (on 2026-11-27 JST)`,
			ja:     `友だち追加から1日（2026-11-27 JST）`,
		},
		{
			name:   "not added 5 days ago",
			filter: oneCondition(`{"field": "line.days_since_added", "op": "neq", "value": 5}`),
			en:     `Not added 5 days ago (not on 2026-11-23 JST)`,
			ja:     `友だち追加から5日以外（2026-11-23 JST 以外）`,
		},
		{
			name:   "added before a date",
			filter: oneCondition(`{"field": "line.added_date", "op": "before", "value": "2026-10-12"}`),
			en:     `Added before 2026-10-12 (JST)`,
			ja:     `友だち追加日が2026-10-12（JST）より前`,
		},
		{
			name:   "added between dates",
			filter: oneCondition(`{"field": "line.added_date", "op": "between", "value": ["2026-10-01", "2026-10-12"]}`),
			en:     `Added between 2026-10-01 and 2026-10-12 (JST)`,
			ja:     `友だち追加日が2026-10-01〜2026-10-12（JST）`,
		},
		{
			name:   "orders_count neq includes unlinked friends",
			filter: oneCondition(`{"field": "shopify.orders_count", "op": "neq", "value": 3}`),
			en:     `Number of purchases is not 3 (includes friends not linked to Shopify)`,
			ja:     `購入回数が3回以外（Shopify未連携の友だちを含む）`,
		},
		{
			name:   "orders_count between",
			filter: oneCondition(`{"field": "shopify.orders_count", "op": "between", "value": [3, 5]}`),
			en:     `3 to 5 purchases`,
			ja:     `購入回数が3〜5回`,
		},
		{
			name:   "90 or more days since last purchase",
			filter: oneCondition(`{"field": "shopify.days_since_last_order", "op": "gte", "value": 90}`),
			en:     `90 or more days since last purchase (on or before 2026-08-30 JST)`,
			ja:     `最終購入から90日以上（2026-08-30 JST 以前）`,
		},
		{
			name:   "days_since_last_order neq includes friends with no order",
			filter: oneCondition(`{"field": "shopify.days_since_last_order", "op": "neq", "value": 5}`),
			en:     `Days since last purchase is not 5 (not on 2026-11-23 JST) (includes friends with no Shopify order)`,
			ja:     `最終購入から5日以外（2026-11-23 JST 以外）（Shopifyでの購入がない友だちを含む）`,
		},
		{
			name:   "shopify tag has_none includes unlinked friends",
			filter: oneCondition(`{"field": "shopify.tag", "op": "has_none", "value": ["wholesale", "vip"]}`),
			en:     `Has none of the Shopify tags "wholesale", "vip" (includes friends not linked to Shopify)`,
			ja:     `Shopifyタグ「wholesale」「vip」のいずれもなし（Shopify未連携の友だちを含む）`,
		},
		{
			name:   "friend tag has",
			filter: oneCondition(`{"field": "tag", "op": "has", "value": "VIP"}`),
			en:     `Has tag "VIP"`,
			ja:     `タグ「VIP」あり`,
		},
		{
			name:   "friend tag has_none needs no note",
			filter: oneCondition(`{"field": "tag", "op": "has_none", "value": ["A", "B"]}`),
			en:     `Has none of the tags "A", "B"`,
			ja:     `タグ「A」「B」のいずれもなし`,
		},
		{
			name:   "shopify not linked",
			filter: oneCondition(`{"field": "shopify.linked", "op": "is", "value": false}`),
			en:     `Not linked to Shopify`,
			ja:     `Shopify未連携`,
		},
		{
			name:   "member_of by catalog name",
			filter: oneCondition(`{"field": "hubspot.segment", "op": "member_of", "value": ["101"]}`),
			cat:    cat,
			en:     `In HubSpot segment "Trade show leads 2026"`,
			ja:     `HubSpotセグメント「Trade show leads 2026」に含まれる`,
		},
		{
			name:   "not_member_of by catalog name",
			filter: oneCondition(`{"field": "hubspot.segment", "op": "not_member_of", "value": ["101"]}`),
			cat:    cat,
			en:     `Not in HubSpot segment "Trade show leads 2026" (includes friends not linked to HubSpot)`,
			ja:     `HubSpotセグメント「Trade show leads 2026」に含まれない（HubSpot未連携の友だちを含む）`,
		},
		{
			name:   "not_member_of with an ID the catalog does not know",
			filter: oneCondition(`{"field": "hubspot.segment", "op": "not_member_of", "value": ["101", "777"]}`),
			cat:    cat,
			en:     `In none of the HubSpot segments "Trade show leads 2026", "777" (includes friends not linked to HubSpot)`,
			ja:     `HubSpotセグメント「Trade show leads 2026」「777」のいずれにも含まれない（HubSpot未連携の友だちを含む）`,
		},
		{
			name:   "not_member_of without a catalog shows the raw ID",
			filter: oneCondition(`{"field": "hubspot.segment", "op": "not_member_of", "value": ["101"]}`),
			en:     `Not in HubSpot segment "101" (includes friends not linked to HubSpot)`,
			ja:     `HubSpotセグメント「101」に含まれない（HubSpot未連携の友だちを含む）`,
		},
		{
			name:   "klaviyo list by catalog name",
			filter: oneCondition(`{"field": "klaviyo.list", "op": "member_of", "value": ["Y6nRLr", "Zz9"]}`),
			cat:    cat,
			en:     `In any of the Klaviyo lists "Newsletter", "Zz9"`,
			ja:     `Klaviyoリスト「Newsletter」「Zz9」のいずれかに含まれる`,
		},
		{
			name:   "klaviyo property by label",
			filter: oneCondition(`{"field": "klaviyo.property", "property": "points", "type": "number", "op": "gte", "value": 100}`),
			cat:    cat,
			en:     `Loyalty points is 100 or more`,
			ja:     `Loyalty points が100以上`,
		},
		{
			name:   "number property neq, float operand",
			filter: oneCondition(`{"field": "klaviyo.property", "property": "points", "type": "number", "op": "neq", "value": 12.5}`),
			cat:    cat,
			en:     `Loyalty points is not 12.5 (includes friends without this property)`,
			ja:     `Loyalty points が12.5以外（この項目がない友だちを含む）`,
		},
		{
			name:   "string neq shows the option label",
			filter: oneCondition(`{"field": "hubspot.property", "property": "lifecyclestage", "type": "string", "op": "neq", "value": "customer"}`),
			cat:    cat,
			en:     `Lifecycle stage is not "Customer" (includes friends without this property)`,
			ja:     `Lifecycle stage が「Customer」以外（この項目がない友だちを含む）`,
		},
		{
			name:   "string in matches options after normalization",
			filter: oneCondition(`{"field": "hubspot.property", "property": "lifecyclestage", "type": "string", "op": "in", "value": ["ＣＵＳＴＯＭＥＲ", "lead"]}`),
			cat:    cat,
			en:     `Lifecycle stage is one of "Customer", "lead"`,
			ja:     `Lifecycle stage が「Customer」「lead」のいずれか`,
		},
		{
			name:   "string not_in on a Japanese label",
			filter: oneCondition(`{"field": "klaviyo.property", "property": "rank", "type": "string", "op": "not_in", "value": ["gold", "silver"]}`),
			cat:    cat,
			en:     `会員ランク is none of "ゴールド", "silver" (includes friends without this property)`,
			ja:     `会員ランクが「ゴールド」「silver」のいずれでもない（この項目がない友だちを含む）`,
		},
		{
			name:   "string not_contains",
			filter: oneCondition(`{"field": "klaviyo.property", "property": "plan", "type": "string", "op": "not_contains", "value": "gold"}`),
			cat:    cat,
			en:     `plan does not contain "gold" (includes friends without this property)`,
			ja:     `plan に「gold」を含まない（この項目がない友だちを含む）`,
		},
		{
			name:   "is_unknown needs no note",
			filter: oneCondition(`{"field": "hubspot.property", "property": "lifecyclestage", "type": "string", "op": "is_unknown"}`),
			cat:    cat,
			en:     `Lifecycle stage is unknown`,
			ja:     `Lifecycle stage が不明`,
		},
		{
			name:   "date property",
			filter: oneCondition(`{"field": "hubspot.property", "property": "createdate", "type": "date", "op": "after", "value": "2026-01-31"}`),
			cat:    cat,
			en:     `Create date is after 2026-01-31 (JST)`,
			ja:     `Create date が2026-01-31（JST）より後`,
		},
		{
			name:   "days_since property lt a fraction",
			filter: oneCondition(`{"field": "klaviyo.property", "property": "last_open", "type": "days_since", "op": "lt", "value": 2.5}`),
			cat:    cat,
			en:     `Last email open was fewer than 2.5 days ago (on or after 2026-11-26 JST)`,
			ja:     `Last email open から2.5日未満（2026-11-26 JST 以降）`,
		},
		{
			name:   "days_since property gt a fraction",
			filter: oneCondition(`{"field": "klaviyo.property", "property": "last_open", "type": "days_since", "op": "gt", "value": 2.5}`),
			cat:    cat,
			en:     `Last email open was more than 2.5 days ago (on or before 2026-11-25 JST)`,
			ja:     `Last email open から2.5日超（2026-11-25 JST 以前）`,
		},
		{
			name: "days_since property lte and gte a fraction",
			filter: `{"groups": [{"conditions": [{"field": "klaviyo.property", "property": "last_open", "type": "days_since", "op": "lte", "value": 2.5}]},
			                     {"conditions": [{"field": "klaviyo.property", "property": "last_open", "type": "days_since", "op": "gte", "value": 2.5}]}]}`,
			cat: cat,
			en:  `Last email open was 2.5 or fewer days ago (on or after 2026-11-26 JST), OR Last email open was 2.5 or more days ago (on or before 2026-11-25 JST)`,
			ja:  `Last email open から2.5日以内（2026-11-26 JST 以降）、または Last email open から2.5日以上（2026-11-25 JST 以前）`,
		},
		{
			name:   "days_since property between fractions",
			filter: oneCondition(`{"field": "klaviyo.property", "property": "last_open", "type": "days_since", "op": "between", "value": [1.5, 3.5]}`),
			cat:    cat,
			en:     `Last email open was 1.5 to 3.5 days ago (between 2026-11-25 and 2026-11-26 JST)`,
			ja:     `Last email open から1.5〜3.5日（2026-11-25〜2026-11-26 JST）`,
		},
		{
			name:   "days_since property between that no date meets",
			filter: oneCondition(`{"field": "klaviyo.property", "property": "last_open", "type": "days_since", "op": "between", "value": [1.2, 1.8]}`),
			cat:    cat,
			en:     `Last email open was 1.2 to 1.8 days ago (no date matches)`,
			ja:     `Last email open から1.2〜1.8日（該当する日付なし）`,
		},
		{
			name:   "days_since property neq",
			filter: oneCondition(`{"field": "klaviyo.property", "property": "last_open", "type": "days_since", "op": "neq", "value": 1}`),
			cat:    cat,
			en:     `Last email open was not 1 day ago (not on 2026-11-27 JST) (includes friends without this property)`,
			ja:     `Last email open から1日以外（2026-11-27 JST 以外）（この項目がない友だちを含む）`,
		},
		{
			name:   "abandoned cart with hours_since between",
			filter: oneCondition(`{"field": "shopify.abandoned_cart", "op": "exists", "hours_since": {"op": "between", "value": [24, 72]}}`),
			en:     `Has an abandoned cart from 24 to 72 hours ago`,
			ja:     `カゴ落ちあり（24〜72時間前）`,
		},
		{
			name:   "abandoned cart with hours_since gte",
			filter: oneCondition(`{"field": "shopify.abandoned_cart", "op": "exists", "hours_since": {"op": "gte", "value": 24}}`),
			en:     `Has an abandoned cart from 24 or more hours ago`,
			ja:     `カゴ落ちあり（24時間以上前）`,
		},
		{
			name:   "no abandoned cart includes unlinked friends",
			filter: oneCondition(`{"field": "shopify.abandoned_cart", "op": "not_exists"}`),
			en:     `Has no abandoned cart (includes friends not linked to Shopify)`,
			ja:     `カゴ落ちなし（Shopify未連携の友だちを含む）`,
		},
		{
			name: "multiple groups",
			filter: `{"groups": [
			  {"conditions": [{"field": "tag", "op": "has", "value": "VIP"}]},
			  {"conditions": [
			    {"field": "shopify.days_since_last_order", "op": "gte", "value": 90},
			    {"field": "klaviyo.list", "op": "member_of", "value": ["Y6nRLr"]}]},
			  {"conditions": [
			    {"field": "line.added_date", "op": "before", "value": "2026-10-12"},
			    {"field": "shopify.orders_count", "op": "neq", "value": 0},
			    {"field": "hubspot.segment", "op": "not_member_of", "value": ["101"]}]}]}`,
			cat: cat,
			en: `Has tag "VIP", OR 90 or more days since last purchase (on or before 2026-08-30 JST) and in Klaviyo list "Newsletter", ` +
				`OR added before 2026-10-12 (JST) and number of purchases is not 0 (includes friends not linked to Shopify) and not in HubSpot segment "Trade show leads 2026" (includes friends not linked to HubSpot)`,
			ja: `タグ「VIP」あり、または 最終購入から90日以上（2026-08-30 JST 以前）かつKlaviyoリスト「Newsletter」に含まれる、または ` +
				`友だち追加日が2026-10-12（JST）より前かつ購入回数が0回以外（Shopify未連携の友だちを含む）かつHubSpotセグメント「Trade show leads 2026」に含まれない（HubSpot未連携の友だちを含む）`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := kizuna.ParseFilter([]byte(tc.filter))
			if err != nil {
				t.Fatal(err)
			}
			loc, now := tc.loc, tc.now
			if loc == nil {
				loc = tokyo
			}
			if now == "" {
				now = noon
			}
			at := mustTime(t, now)
			t.Logf("en: %s", kizuna.Summarize(f, tc.cat, loc, at, "en"))
			t.Logf("ja: %s", kizuna.Summarize(f, tc.cat, loc, at, "ja"))
			if got := kizuna.Summarize(f, tc.cat, loc, at, "en"); got != tc.en {
				t.Errorf("en:\n got %s\nwant %s", got, tc.en)
			}
			if got := kizuna.Summarize(f, tc.cat, loc, at, "ja"); got != tc.ja {
				t.Errorf("ja:\n got %s\nwant %s", got, tc.ja)
			}
			// Any other language is English.
			if got := kizuna.Summarize(f, tc.cat, loc, at, "fr"); got != tc.en {
				t.Errorf("fr: got %s, want the English sentence", got)
			}
		})
	}
}

// TestSummarizeConformance summarizes every valid filter of the conformance
// vectors, with and without the catalog, in both languages.
func TestSummarizeConformance(t *testing.T) {
	cs := conformance.Load(t)
	cat, err := kizuna.ParseCatalog(cs.Catalog)
	if err != nil {
		t.Fatal(err)
	}
	loc := mustLoc(t, cs.Account.Timezone)
	valid := 0
	for _, tc := range cs.Cases {
		f, err := kizuna.ParseFilter(tc.Filter)
		if err != nil {
			continue // a vector that must be refused
		}
		valid++
		at := tc.Now
		for _, c := range []*kizuna.Catalog{cat, nil} {
			en := kizuna.Summarize(f, c, loc, at, "en")
			ja := kizuna.Summarize(f, c, loc, at, "ja")
			if en == "" || ja == "" {
				t.Errorf("%s: empty summary: en %q, ja %q", tc.Name, en, ja)
			}
			if strings.Contains(ja, " and ") || strings.Contains(ja, ", OR ") {
				t.Errorf("%s: English connective in Japanese summary: %s", tc.Name, ja)
			}
			if strings.Contains(en, "かつ") || strings.Contains(en, "、または") {
				t.Errorf("%s: Japanese connective in English summary: %s", tc.Name, en)
			}
			if again := kizuna.Summarize(f, c, loc, at, "en"); again != en {
				t.Errorf("%s: not deterministic: %q then %q", tc.Name, en, again)
			}
			if got, want := strings.Count(en, ", OR "), len(f.Groups)-1; got != want {
				t.Errorf("%s: %d groups but %d \", OR \" in %s", tc.Name, len(f.Groups), got, en)
			}
		}
	}
	if valid == 0 {
		t.Fatal("no valid filter in the conformance vectors")
	}
}

// TestSummarizeMissingValueNotes checks, condition by condition over the
// conformance vectors, that the missing-value note appears exactly where a
// negative op matches friends that lack the data (spec 3.2): every negative
// op except the friend-tag ops and line.days_since_added neq (every friend
// has its tags and its added date), is_unknown (itself about missing values)
// and "linked is false".
func TestSummarizeMissingValueNotes(t *testing.T) {
	cs := conformance.Load(t)
	loc := mustLoc(t, cs.Account.Timezone)
	seen := 0
	for _, tc := range cs.Cases {
		at := tc.Now
		f, err := kizuna.ParseFilter(tc.Filter)
		if err != nil {
			continue
		}
		for _, g := range f.Groups {
			for _, c := range g.Conditions {
				one := &kizuna.Filter{Groups: []kizuna.Group{{Conditions: []kizuna.Condition{c}}}}
				en := kizuna.Summarize(one, nil, loc, at, "en")
				ja := kizuna.Summarize(one, nil, loc, at, "ja")
				want := c.IsNegative() && c.Field != kizuna.FieldTag && c.Field != kizuna.FieldDaysSinceAdded &&
					c.Op != kizuna.OpIsUnknown && c.Op != kizuna.OpIs
				if got := strings.Contains(en, "(includes friends "); got != want {
					t.Errorf("%s: %s %s: note %v, want %v: %s", tc.Name, c.Field, c.Op, got, want, en)
				}
				if got := strings.Contains(ja, "友だちを含む）"); got != want {
					t.Errorf("%s: %s %s: note %v, want %v: %s", tc.Name, c.Field, c.Op, got, want, ja)
				}
				if want {
					seen++
				}
			}
		}
	}
	if seen == 0 {
		t.Fatal("no negative condition in the conformance vectors")
	}
}

func TestSummarizeNil(t *testing.T) {
	if got := kizuna.Summarize(nil, nil, nil, time.Time{}, "en"); got != "" {
		t.Errorf("nil filter: got %q", got)
	}
	f, err := kizuna.ParseFilter([]byte(oneCondition(`{"field": "line.days_since_added", "op": "lte", "value": 6}`)))
	if err != nil {
		t.Fatal(err)
	}
	// A nil location is UTC.
	got := kizuna.Summarize(f, nil, nil, time.Date(2026, 11, 27, 15, 30, 0, 0, time.UTC), "en")
	if want := "Added in the last 7 days, today included (2026-11-21 – 2026-11-27 UTC)"; got != want {
		t.Errorf("nil loc: got %s, want %s", got, want)
	}
}

// summaryClause is the resolved-date part of an English summary.
var summaryClause = regexp.MustCompile(`\((on or after|on or before|on|not on|between) (\d{4}-\d{2}-\d{2})(?: and (\d{4}-\d{2}-\d{2}))? (\S+)\)`)

// summaryWindow is the resolved dates of "the last N days, today included".
var summaryWindow = regexp.MustCompile(`today included \((\d{4}-\d{2}-\d{2}) – (\d{4}-\d{2}-\d{2}) (\S+)\)`)

// TestSummarizeDatesAgreeWithMatcher checks the resolved dates of every
// relative condition against the in-memory matcher: a friend whose date is
// each day around today matches exactly when the date the summary shows
// admits that day. now is 00:30 JST, and every friend's timestamp is 23:59
// local time, so a zone mistake would shift a boundary by a day.
func TestSummarizeDatesAgreeWithMatcher(t *testing.T) {
	loc := mustLoc(t, "Asia/Tokyo")
	now := mustTime(t, "2026-11-27T15:30:00Z") // 2026-11-28 00:30 JST
	today := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	m := kizuna.Matcher{Loc: loc, Now: now}

	ints := []string{"-1", "0", "1", "3", "7", "[0, 0]", "[2, 5]", "[-2, 1]"}
	fracs := append([]string{"2.5", "-0.5", "0.5", "[1.5, 3.5]", "[1.2, 1.8]", "[0.5, 2]"}, ints...)
	ops := []string{"eq", "neq", "lt", "lte", "gt", "gte", "between"}
	fields := []struct {
		field  string
		values []string
		friend func(ts string) string
	}{
		{`"field": "line.days_since_added"`, ints, func(ts string) string {
			return `{"line_user_id": "U00000000000000000000000000000001", "added_at": "` + ts + `"}`
		}},
		{`"field": "shopify.days_since_last_order"`, ints, func(ts string) string {
			return `{"line_user_id": "U00000000000000000000000000000001", "added_at": "2020-01-01T00:00:00Z",
			  "shopify": {"customer_id": "1", "orders_count": 1, "last_order_at": "` + ts + `"}}`
		}},
		{`"field": "klaviyo.property", "property": "last_open", "type": "days_since"`, fracs, func(ts string) string {
			return `{"line_user_id": "U00000000000000000000000000000001", "added_at": "2020-01-01T00:00:00Z",
			  "klaviyo": {"profile_id": "p", "properties": {"last_open": "` + ts + `"}}}`
		}},
	}
	for _, fd := range fields {
		for _, op := range ops {
			for _, v := range fd.values {
				if (op == "between") != strings.HasPrefix(v, "[") {
					continue
				}
				f, err := kizuna.ParseFilter([]byte(oneCondition(`{` + fd.field + `, "op": "` + op + `", "value": ` + v + `}`)))
				if err != nil {
					continue // e.g. a between with lo > hi
				}
				en := kizuna.Summarize(f, nil, loc, now, "en")
				admits, ok := clauseAdmits(t, en)
				if !ok {
					// Only neq of a fraction selects every date.
					if op != "neq" || !strings.Contains(v, ".") {
						t.Errorf("%s %s %s: no resolved date in %s", fd.field, op, v, en)
					}
					continue
				}
				for back := -5; back <= 15; back++ {
					day := today.AddDate(0, 0, -back)
					ts := time.Date(day.Year(), day.Month(), day.Day(), 23, 59, 0, 0, loc).Format(time.RFC3339)
					fr, err := kizuna.ParseFriendLine([]byte(fd.friend(ts)))
					if err != nil {
						t.Fatal(err)
					}
					if got, want := admits(day), m.Match(f, fr); got != want {
						t.Errorf("%s %s %s, date %s: summary admits it %v, matcher %v: %s",
							fd.field, op, v, day.Format(time.DateOnly), got, want, en)
					}
				}
			}
		}
	}
}

// clauseAdmits reads the resolved dates of an English summary as a predicate
// on calendar dates (midnight UTC).
func clauseAdmits(t *testing.T, en string) (func(time.Time) bool, bool) {
	t.Helper()
	if strings.Contains(en, "(no date matches)") {
		return func(time.Time) bool { return false }, true
	}
	if w := summaryWindow.FindStringSubmatch(en); w != nil {
		// "the last N days, today included (A – B Z)": B must be today;
		// days_since lte N-1 also admits a friend added after today (a
		// clock ahead), which the window's wording includes.
		if w[3] != "JST" {
			t.Errorf("zone %q in %s", w[3], en)
		}
		a, err1 := time.Parse(time.DateOnly, w[1])
		b, err2 := time.Parse(time.DateOnly, w[2])
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if !b.Equal(time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("the window of %s does not end today", en)
		}
		return func(d time.Time) bool { return !d.Before(a) }, true
	}
	sm := summaryClause.FindStringSubmatch(en)
	if sm == nil {
		return nil, false
	}
	if sm[4] != "JST" {
		t.Errorf("zone %q in %s", sm[4], en)
	}
	a, err := time.Parse(time.DateOnly, sm[2])
	if err != nil {
		t.Fatal(err)
	}
	switch sm[1] {
	case "on":
		return func(d time.Time) bool { return d.Equal(a) }, true
	case "not on":
		return func(d time.Time) bool { return !d.Equal(a) }, true
	case "on or after":
		return func(d time.Time) bool { return !d.Before(a) }, true
	case "on or before":
		return func(d time.Time) bool { return !d.After(a) }, true
	}
	b, err := time.Parse(time.DateOnly, sm[3])
	if err != nil {
		t.Fatal(err)
	}
	return func(d time.Time) bool { return !d.Before(a) && !d.After(b) }, true
}
