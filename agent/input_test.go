package agent

import (
	"time"

	"github.com/kizuna-line/kizuna"
)

// testInput is an account with every source connected and a small catalog.
func testInput(lang string, goals ...string) *Input {
	a := &kizuna.Account{Name: "shop", TimeZone: "Asia/Tokyo"}
	_ = a.LoadLocation()
	cat, err := kizuna.ParseCatalog([]byte(`{"hubspot": {"segments": [{"id": "101", "name": "Trade show leads 2026"}, {"id": "102", "name": "Webinar attendees"}, {"id": "103", "name": "展示会リード"}],
  "properties": [{"name": "lifecyclestage", "label": "Lifecycle stage", "type": "string", "options": [{"value": "subscriber", "label": "Subscriber"}, {"value": "lead", "label": "Lead"}, {"value": "marketingqualifiedlead", "label": "Marketing qualified lead"}, {"value": "customer", "label": "Customer"}, {"value": "evangelist", "label": "Evangelist"}]},
   {"name": "hs_lead_status", "label": "Lead status", "type": "string", "options": [{"value": "NEW", "label": "New"}, {"value": "OPEN", "label": "Open"}, {"value": "IN_PROGRESS", "label": "In progress"}]},
   {"name": "company", "label": "Company name", "type": "string"}, {"name": "city", "label": "City", "type": "string"}, {"name": "email", "label": "Email", "type": "string"}]},
 "klaviyo": {"lists": [{"id": "Y6nRLr", "name": "Newsletter"}, {"id": "VIPx", "name": "VIP early access"}, {"id": "MM1", "name": "メルマガ会員"}],
  "properties": [{"name": "points", "label": "Loyalty points", "type": "number"}, {"name": "plan", "label": "Plan", "type": "string", "options": [{"value": "gold", "label": "Gold"}, {"value": "silver", "label": "Silver"}]},
   {"name": "accepts_sms", "label": "Accepts SMS", "type": "bool"}, {"name": "last_visit", "label": "Last visit", "type": "days_since"}, {"name": "birthday", "label": "Birthday", "type": "date"}]}}`))
	if err != nil {
		panic(err)
	}
	in := &Input{Lang: lang, Mode: ModeAuto, Now: time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC), Account: a,
		Connected:   map[string]bool{"shopify": true, "hubspot": true, "klaviyo": true},
		Tags:        []string{"VIP", "Seminar Attendee", "セミナー参加者", "休眠", "新規", "Wholesale"},
		ShopifyTags: []string{"vip", "wholesale", "リピーター", "subscriber"}, Catalog: cat}
	for _, g := range goals {
		in.Turns = append(in.Turns, Turn{Goal: g})
	}
	return in
}
