package agent

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestOfflineReads pins how the offline planner reads goals: each goal
// (turns joined by ">>") and the filter it must build.
func TestOfflineReads(t *testing.T) {
	for _, tc := range []struct{ goal, want string }{
		{"I want to send a comeback campaign to friends who haven't purchased recently.", `[[{"field":"shopify.days_since_last_order","op":"gte","value":90}]]`},
		{"I want to send onboarding to people who just became friends.", `[[{"field":"line.days_since_added","op":"lt","value":7}]]`},
		{"I want to give a limited coupon only to repeat customers.", `[[{"field":"shopify.orders_count","op":"gte","value":3}]]`},
		{"最近買っていない人に", `[[{"field":"shopify.days_since_last_order","op":"gte","value":90}]]`},
		{"３回以上購入した人", `[[{"field":"shopify.orders_count","op":"gte","value":3}]]`},
		{"the trade show leads segment", `[[{"field":"hubspot.segment","op":"member_of","value":["101"]}]]`},
		{"people on our newsletter list but not customers yet", `[[{"field":"klaviyo.list","op":"member_of","value":["Y6nRLr"]},{"field":"shopify.linked","op":"is","value":false}],[{"field":"klaviyo.list","op":"member_of","value":["Y6nRLr"]},{"field":"shopify.orders_count","op":"eq","value":0}]]`},
		{"カゴ落ちした人に24時間以内にリマインド", `[[{"field":"shopify.abandoned_cart","hours_since":{"op":"lt","value":24},"op":"exists"}]]`},
		{"VIP以外でリピーターの人", `[[{"field":"tag","op":"not_has","value":"VIP"},{"field":"shopify.orders_count","op":"gte","value":3}]]`},
		{"ライフサイクルステージが顧客の人", `[[{"field":"hubspot.property","op":"eq","property":"lifecyclestage","type":"string","value":"customer"}]]`},
		{"最近購入していない人>>60日にして", `[[{"field":"shopify.days_since_last_order","op":"gte","value":60}]]`},
		{"リピーター>>VIPも除外して", `[[{"field":"shopify.orders_count","op":"gte","value":3},{"field":"tag","op":"not_has","value":"VIP"}]]`},
		{"HubSpotと連携していない友だち", `[[{"field":"hubspot.linked","op":"is","value":false}]]`},
		{"friends added in October", `[[{"field":"line.added_date","op":"between","value":["2026-10-01","2026-10-31"]}]]`},
		{"2026年1月1日以降に友だち追加した人", `[[{"field":"line.added_date","op":"after","value":"2025-12-31"}]]`},
		{"VIPs or people with 5+ orders", `[[{"field":"tag","op":"has","value":"VIP"}],[{"field":"shopify.orders_count","op":"gte","value":5}]]`},
		{"メルマガ会員でポイント500以上", `[[{"field":"klaviyo.list","op":"member_of","value":["MM1"]},{"field":"klaviyo.property","op":"gte","property":"points","type":"number","value":500}]]`},
		{"friends with between 100 and 500 points", `[[{"field":"klaviyo.property","op":"between","property":"points","type":"number","value":[100,500]}]]`},
		{"会社名に「株式会社」を含む人", `[[{"field":"hubspot.property","op":"contains","property":"company","type":"string","value":"株式会社"}]]`},
		{"メールアドレスが登録されている人", `[[{"field":"hubspot.property","op":"is_known","property":"email","type":"string"}]]`},
		{"people whose email is unknown", `[[{"field":"hubspot.property","op":"is_unknown","property":"email","type":"string"}]]`},
		{"friends who abandoned their cart more than 3 days ago", `[[{"field":"shopify.abandoned_cart","hours_since":{"op":"gte","value":72},"op":"exists"}]]`},
		{"カゴ落ちしていない人", `[[{"field":"shopify.abandoned_cart","op":"not_exists"}]]`},
		{"購入回数が10回以上", `[[{"field":"shopify.orders_count","op":"gte","value":10}]]`},
		{"people who bought 2 to 4 times", `[[{"field":"shopify.orders_count","op":"between","value":[2,4]}]]`},
		{"first-time buyers", `[[{"field":"shopify.orders_count","op":"eq","value":1}]]`},
		{"purchased in the last 30 days", `[[{"field":"shopify.days_since_last_order","op":"lt","value":30}]]`},
		{"半年以上購入していない人", `[[{"field":"shopify.days_since_last_order","op":"gte","value":180}]]`},
		{"Shopify連携済みでHubSpot未連携の人", `[[{"field":"shopify.linked","op":"is","value":true},{"field":"hubspot.linked","op":"is","value":false}]]`},
		{"people who don't accept SMS", `[[{"field":"klaviyo.property","op":"is","property":"accepts_sms","type":"bool","value":false}]]`},
		{"ゴールドプランの人", `[[{"field":"klaviyo.property","op":"eq","property":"plan","type":"string","value":"gold"}]]`},
		{"marketing qualified leads in HubSpot", `[[{"field":"hubspot.property","op":"eq","property":"lifecyclestage","type":"string","value":"marketingqualifiedlead"}]]`},
		{"休眠タグの人", `[[{"field":"tag","op":"has","value":"休眠"}]]`},
		{"全員に送りたい", `[[{"field":"line.days_since_added","op":"gte","value":0}]]`},
	} {
		in := testInput(lang(tc.goal), strings.Split(tc.goal, ">>")...)
		p, err := Offline{}.Plan(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		var got [][]json.RawMessage
		if p.Filter != nil {
			for _, g := range p.Filter.Groups {
				var cs []json.RawMessage
				for _, c := range g.Conditions {
					raw, _ := json.Marshal(c)
					cs = append(cs, raw)
				}
				got = append(got, cs)
			}
		}
		raw, _ := json.Marshal(got)
		if string(raw) != tc.want {
			t.Errorf("%s\n got %s\nwant %s", tc.goal, raw, tc.want)
		}
		if err := Check(p.Filter, in); err != nil {
			t.Errorf("%s: %v", tc.goal, err)
		}
		if len(p.Slots) == 0 || len(p.Slots[0].Options) < 2 {
			t.Errorf("%s: slots %+v", tc.goal, p.Slots)
		}
	}
}

func lang(s string) string {
	for _, r := range s {
		if isJapanese(r) {
			return "ja"
		}
	}
	return "en"
}

// TestOfflineNotConnected: a goal needing a source that is not connected
// gets no condition on it, and the plan names the source.
func TestOfflineNotConnected(t *testing.T) {
	for _, tc := range []struct {
		goal    string
		missing string
		empty   bool
	}{
		{"最近購入していない人に再来店キャンペーンを送りたい", "shopify", true},
		{"VIPs who haven't bought in 60 days", "shopify", false},
		{"people on our newsletter list", "klaviyo", true},
		{"the trade show leads segment in HubSpot", "hubspot", true},
	} {
		in := testInput(lang(tc.goal), tc.goal)
		in.Connected = map[string]bool{}
		p, err := Offline{}.Plan(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		if err := Check(p.Filter, in); err != nil {
			t.Errorf("%s: %v", tc.goal, err)
		}
		if (p.Filter == nil) != tc.empty {
			t.Errorf("%s: filter %+v", tc.goal, p.Filter)
		}
		if len(p.Missing) != 1 || p.Missing[0] != tc.missing {
			t.Errorf("%s: missing %v, want [%s]", tc.goal, p.Missing, tc.missing)
		}
	}
}
