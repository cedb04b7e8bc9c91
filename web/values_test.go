package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/kizuna-line/kizuna"
)

// TestReadableValues: the friend page and "why" show HubSpot segments and
// Klaviyo lists by their catalog names, properties by their labels and
// option labels, yes and no in the page's language, and times in the
// account's zone (Asia/Tokyo), never the IDs, true or the UTC time; its
// groups are named as the editor names them ("Filter condition 1").
func TestReadableValues(t *testing.T) {
	f := manageSetup(t)
	ctx := context.Background()
	line := `{"line_user_id": "U0000000000000000000000000000000e", "display_name": "Emi", "added_at": "2026-11-19T15:30:00Z", ` +
		`"hubspot": {"contact_id": "h1", "segments": ["4711"], "properties": {"vip_flag": true, "trial_ends": "2026-11-27T20:05:00Z"}}, ` +
		`"klaviyo": {"profile_id": "k1", "lists": ["XyZ9"], "properties": {"plan": "free"}}}`
	if _, err := f.db.ImportFriends(ctx, f.a, strings.NewReader(line), kizuna.ImportOptions{}); err != nil {
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
	if err := f.db.PutCatalog(ctx, f.a, cat); err != nil {
		t.Fatal(err)
	}
	seg, err := f.db.CreateSegment(ctx, f.a, "test", "Readers", 0, json.RawMessage(`{"groups":[{"conditions":[
		{"field":"hubspot.segment","op":"member_of","value":["4711"]},
		{"field":"klaviyo.list","op":"member_of","value":["XyZ9"]},
		{"field":"klaviyo.property","property":"plan","type":"string","op":"eq","value":"free"},
		{"field":"hubspot.property","property":"vip_flag","type":"bool","op":"is","value":true}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	for lang, words := range map[string][]string{
		"en": {"VIP member</th><td>yes<", "Trial end</th><td>2026-11-28 05:05 JST<", "Plan</th><td>Free plan<", "2026-11-20 00:30 JST",
			"segments: Newsletter readers", "lists: Spring sale", "Plan: Free plan", "VIP member: yes", "VIP member is &#34;yes&#34;", "Filter condition 1:"},
		"ja": {"VIP member</th><td>はい<", "Trial end</th><td>2026-11-28 05:05 JST<", "Plan</th><td>Free plan<", "2026-11-20 00:30 JST",
			"セグメント: Newsletter readers", "リスト: Spring sale", "Plan: Free plan", "VIP member: はい", "VIP member が「はい」", "絞り込み条件1："},
	} {
		t.Run(lang, func(t *testing.T) {
			email := "values-" + lang + "@example.com"
			u, err := f.db.CreateUser(ctx, email, "correct horse battery", lang)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.db.AddMember(ctx, u, f.a, kizuna.RoleMember); err != nil {
				t.Fatal(err)
			}
			c := manageSignIn(t, f.newClient(), email)
			friend := get(c, "/a/shop-a/friends/U0000000000000000000000000000000e", http.StatusOK)
			why := get(c, fmt.Sprintf("/a/shop-a/friends/U0000000000000000000000000000000e/why?segment=%d", seg.ID), http.StatusOK)
			list := get(c, "/a/shop-a/friends?q=Emi", http.StatusOK)
			if !strings.Contains(list, ">2026-11-20</td>") || strings.Contains(list, "2026-11-19") {
				t.Errorf("the friend list does not show the day of adding in the account's zone (2026-11-20):\n%s", between(list, "<main", "</main>"))
			}
			page := friend + why
			for _, w := range words {
				if !strings.Contains(page, w) {
					t.Errorf("%q is missing from the friend page or why", w)
				}
			}
			for _, raw := range []string{">4711<", "4711,", ": 4711", "XyZ9", "&#34;free&#34;", ">true<", ": true", ">free<", "15:30", "20:05", "UTC", "is true", "がtrue"} {
				if strings.Contains(page, raw) {
					t.Errorf("the raw %q is shown", raw)
				}
			}
			if t.Failed() {
				t.Logf("friend page:\n%s\nwhy:\n%s", between(friend, "<main", "</main>"), between(why, "<main", "</main>"))
			}
		})
	}
}
