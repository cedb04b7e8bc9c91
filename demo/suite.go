package demo

// SuiteFilter is one filter of the fixed benchmark suite.
type SuiteFilter struct {
	Name   string
	Filter string // filter JSON (spec section 2)
}

// Suite is the fixed set of filters that benchmarks run over demo data: a mix
// of selective and broad, tags, numbers, dates, strings, negations, and one to
// four groups, modeled on the seed's common segments. Benchmarks of later
// engines must keep it unchanged so figures stay comparable.
var Suite = []SuiteFilter{
	{"repeat buyers (orders >= 3)", `{"groups":[{"conditions":[{"field":"shopify.orders_count","op":"gte","value":3}]}]}`},
	{"dormant 90+ days", `{"groups":[{"conditions":[{"field":"shopify.days_since_last_order","op":"gte","value":90}]}]}`},
	{"new friends, 7 days", `{"groups":[{"conditions":[{"field":"line.days_since_added","op":"lte","value":6}]}]}`},
	{"abandoned cart 1-72h", `{"groups":[{"conditions":[{"field":"shopify.abandoned_cart","op":"exists","hours_since":{"op":"between","value":[1,72]}}]}]}`},
	{"HubSpot segment", `{"groups":[{"conditions":[{"field":"hubspot.segment","op":"member_of","value":["101","102"]}]}]}`},
	{"tag VIP and not dormant", `{"groups":[{"conditions":[{"field":"tag","op":"has","value":"VIP"},{"field":"tag","op":"not_has","value":"休眠"}]}]}`},
	{"no Klaviyo newsletter (negation)", `{"groups":[{"conditions":[{"field":"klaviyo.list","op":"not_member_of","value":["Y6nRLr"]}]}]}`},
	{"plan contains gold", `{"groups":[{"conditions":[{"field":"klaviyo.property","property":"plan","type":"string","op":"contains","value":"gold"}]}]}`},
	{"points between 500 and 2000", `{"groups":[{"conditions":[{"field":"klaviyo.property","property":"points","type":"number","op":"between","value":[500,2000]}]}]}`},
	{"lifecycle customer OR 5+ orders", `{"groups":[{"conditions":[{"field":"shopify.linked","op":"is","value":true},{"field":"shopify.orders_count","op":"gte","value":5}]},{"conditions":[{"field":"hubspot.linked","op":"is","value":true},{"field":"hubspot.property","property":"lifecyclestage","type":"string","op":"eq","value":"customer"}]}]}`},
	{"added in 2025, Shopify tag", `{"groups":[{"conditions":[{"field":"line.added_date","op":"between","value":["2025-01-01","2025-12-31"]},{"field":"shopify.tag","op":"has_any","value":["vip","定期購入"]}]}]}`},
	{"4 groups, comeback campaign", `{"groups":[{"conditions":[{"field":"shopify.days_since_last_order","op":"between","value":[60,180]},{"field":"shopify.orders_count","op":"gte","value":2}]},{"conditions":[{"field":"klaviyo.property","property":"last_open","type":"days_since","op":"gte","value":30},{"field":"klaviyo.property","property":"accepts_marketing","type":"bool","op":"is","value":true}]},{"conditions":[{"field":"tag","op":"has_any","value":["休眠","リピーター"]},{"field":"shopify.abandoned_cart","op":"not_exists"}]},{"conditions":[{"field":"hubspot.segment","op":"member_of","value":["9001"]}]}]}`},
}
