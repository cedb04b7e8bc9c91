package kizuna_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
)

// TestExplainReadableValues: "why" names lists and properties from the
// catalog (not IDs), shows an option's label, yes or no in the language
// asked for (not true), and a time in the account's zone (not UTC).
func TestExplainReadableValues(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Tokyo")
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, loc)
	fr, err := kizuna.ParseFriendLine([]byte(`{"line_user_id": "U00000000000000000000000000000001", "added_at": "2026-11-20T10:00:00+09:00",
		"hubspot": {"contact_id": "h", "segments": ["4711"], "properties": {"vip_flag": true, "trial_ends": "2026-11-27T20:05:00Z"}},
		"klaviyo": {"profile_id": "k", "lists": ["XyZ9"], "properties": {"plan": "free"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := kizuna.ParseCatalog([]byte(`{
		"hubspot": {"segments": [{"id": "4711", "name": "Newsletter readers"}], "properties": [
			{"name": "vip_flag", "label": "VIP member", "type": "bool"},
			{"name": "trial_ends", "label": "Trial end", "type": "date"}]},
		"klaviyo": {"lists": [{"id": "XyZ9", "name": "Spring sale"}], "properties": [
			{"name": "plan", "label": "Plan", "type": "string", "options": [{"value": "free", "label": "Free plan"}]}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	f, err := kizuna.ParseFilter([]byte(`{"groups":[{"conditions":[
		{"field":"hubspot.segment","op":"member_of","value":["4711"]},
		{"field":"klaviyo.list","op":"member_of","value":["XyZ9"]},
		{"field":"klaviyo.property","property":"plan","type":"string","op":"eq","value":"free"},
		{"field":"hubspot.property","property":"vip_flag","type":"bool","op":"is","value":true},
		{"field":"hubspot.property","property":"trial_ends","type":"date","op":"after","value":"2026-11-01"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string][]string{
		"en": {"segments: Newsletter readers", "lists: Spring sale", "Plan: Free plan", "VIP member: yes", "Trial end: 2026-11-28 05:05 JST, 0 days ago"},
		"ja": {"セグメント: Newsletter readers", "リスト: Spring sale", "Plan: Free plan", "VIP member: はい", "Trial end: 2026-11-28 05:05 JST（0日前）"},
	} {
		x := kizuna.Explain(f, fr, cat, loc, now, lang)
		for i, c := range x.Groups[0].Conditions {
			if c.Value != want[i] {
				t.Errorf("%s: condition %d (%s) shows %q, want %q", lang, i, c.Condition.Field, c.Value, want[i])
			}
			for _, raw := range []string{"4711", "XyZ9", `"free"`, "true", "20:05", "UTC", "Z"} {
				if strings.Contains(c.Value, raw) {
					t.Errorf("%s: condition %d shows the raw %q: %q", lang, i, raw, c.Value)
				}
			}
		}
	}
}
