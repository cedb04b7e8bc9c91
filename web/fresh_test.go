package web

import (
	"strings"
	"testing"

	"github.com/kizuna-line/kizuna"
)

// TestFreshWords: a source's freshness in both languages: minutes, hours
// and days since its last success, just now, syncing, not synced yet, fed
// by import, failing (with the error's gist, flagged), not connected.
func TestFreshWords(t *testing.T) {
	lag := func(s int64) *int64 { return &s }
	shop := func(st kizuna.SourceStatus) kizuna.SourceStatus {
		st.Source = kizuna.SourceShopify
		return st
	}
	cases := []struct {
		name     string
		st       kizuna.SourceStatus
		imported bool
		state    string
		en, ja   string
		flag     bool
	}{
		{"seconds", shop(kizuna.SourceStatus{Connected: true, LagSeconds: lag(42)}), false, freshUpdated, "Shopify: updated just now", "Shopify：たった今更新", false},
		{"one minute", shop(kizuna.SourceStatus{Connected: true, LagSeconds: lag(61)}), false, freshUpdated, "Shopify: updated 1 minute ago", "Shopify：1分前に更新", false},
		{"minutes", shop(kizuna.SourceStatus{Connected: true, LagSeconds: lag(150)}), false, freshUpdated, "Shopify: updated 2 minutes ago", "Shopify：2分前に更新", false},
		{"hours", shop(kizuna.SourceStatus{Connected: true, LagSeconds: lag(3*3600 + 59*60)}), false, freshUpdated, "Shopify: updated 3 hours ago", "Shopify：3時間前に更新", false},
		{"one day", shop(kizuna.SourceStatus{Connected: true, LagSeconds: lag(86400 + 5)}), false, freshUpdated, "Shopify: updated 1 day ago", "Shopify：1日前に更新", false},
		{"days", shop(kizuna.SourceStatus{Connected: true, LagSeconds: lag(9 * 86400)}), false, freshUpdated, "Shopify: updated 9 days ago", "Shopify：9日前に更新", false},
		{"syncing, first", shop(kizuna.SourceStatus{Connected: true, Syncing: true}), false, freshSyncing, "Shopify: syncing…", "Shopify：同期中…", false},
		{"syncing again", shop(kizuna.SourceStatus{Connected: true, Syncing: true, LagSeconds: lag(300)}), false, freshSyncing, "Shopify: updated 5 minutes ago, syncing…", "Shopify：5分前に更新・同期中…", false},
		{"never", shop(kizuna.SourceStatus{Connected: true}), false, freshNever, "Shopify: not synced yet", "Shopify：まだ同期していません", false},
		{"imported", shop(kizuna.SourceStatus{Connected: true}), true, freshImported, "Shopify: data from an import", "Shopify：インポートしたデータ", false},
		{"one failure is not failing", shop(kizuna.SourceStatus{Connected: true, LagSeconds: lag(600), LastError: "timeout"}), false, freshUpdated, "Shopify: updated 10 minutes ago", "Shopify：10分前に更新", false},
		{"failing", shop(kizuna.SourceStatus{Connected: true, LagSeconds: lag(2 * 3600), Failing: true, LastError: "Shopify refused the access token\nmore detail"}), false, freshFailing,
			"Shopify: sync failing, last updated 2 hours ago. Last error: Shopify refused the access token", "Shopify：同期に失敗しています（最終更新：2時間前）。エラー：Shopify refused the access token", true},
		{"failing, never updated", shop(kizuna.SourceStatus{Connected: true, Failing: true, LastError: "bad token"}), false, freshFailing,
			"Shopify: sync failing, never updated. Last error: bad token", "Shopify：同期に失敗しています（まだ一度も更新されていません）。エラー：bad token", true},
		{"not connected", kizuna.SourceStatus{Source: kizuna.SourceHubSpot, LagSeconds: lag(60)}, false, freshDisconnected, "HubSpot: not connected", "HubSpot：連携していません", true},
	}
	for _, c := range cases {
		en, ja := freshWords("en", c.st, c.imported), freshWords("ja", c.st, c.imported)
		if en.Text != c.en || ja.Text != c.ja || en.State != c.state || ja.State != c.state || en.Flag != c.flag {
			t.Errorf("%s:\n got %q / %q (%s, flag %v)\nwant %q / %q (%s, flag %v)", c.name, en.Text, ja.Text, en.State, en.Flag, c.en, c.ja, c.state, c.flag)
		}
		if c.flag && (en.Note == "" || ja.Note == "") {
			t.Errorf("%s: flagged without a note at its conditions", c.name)
		}
	}
	// The picker's category and its state alone.
	w := freshWords("ja", shop(kizuna.SourceStatus{Connected: true, LagSeconds: lag(120)}), false)
	if w.Label != "Shopify（2分前に更新）" || w.Short != "2分前に更新" {
		t.Errorf("ja label %q short %q", w.Label, w.Short)
	}
	if w := freshWords("en", shop(kizuna.SourceStatus{Connected: true, LagSeconds: lag(120)}), false); w.Label != "Shopify — updated 2 minutes ago" {
		t.Errorf("en label %q", w.Label)
	}
	// A long error is cut to its gist.
	long := freshWords("en", shop(kizuna.SourceStatus{Connected: true, Failing: true, LastError: strings.Repeat("x", 500)}), false)
	if len(long.Text) > 250 || !strings.HasSuffix(long.Text, "…") {
		t.Errorf("a long error is not cut: %d bytes", len(long.Text))
	}
}

// TestSourceNotes: the sentences that flag a segment's sources name the
// segment and each source not connected or failing, and say why.
func TestSourceNotes(t *testing.T) {
	lag := int64(3 * 3600)
	statuses := []kizuna.SourceStatus{
		{Source: kizuna.SourceShopify, Connected: true, LagSeconds: &lag, Failing: true, LastError: "HTTP 401"},
		{Source: kizuna.SourceHubSpot},
		{Source: kizuna.SourceKlaviyo, Connected: true},
	}
	seg := &kizuna.Segment{ID: 7, Name: "VIP", Filter: []byte(`{"groups":[{"conditions":[{"field":"hubspot.linked","op":"is","value":true},{"field":"shopify.orders_count","op":"gte","value":3},{"field":"klaviyo.linked","op":"is","value":true}]}]}`)}
	flags := segmentFlags("en", seg, statuses)
	if len(flags) != 2 || flags[0].Source != "shopify" || flags[0].Badge != "Shopify sync failing" || flags[1].Badge != "HubSpot not connected" {
		t.Fatalf("flags %+v", flags)
	}
	if want := "This segment uses HubSpot, which is not connected: its HubSpot conditions test the data HubSpot sent before, which no longer updates."; flags[1].Why != want {
		t.Errorf("why %q", flags[1].Why)
	}
	if want := "This segment uses Shopify, whose sync is failing (last updated 3 hours ago): its Shopify conditions may be out of date. Last error: HTTP 401"; flags[0].Why != want {
		t.Errorf("why %q", flags[0].Why)
	}
	ja := segmentFlags("ja", seg, statuses)
	if ja[1].Badge != "HubSpot未連携" || ja[1].Why != "このセグメントは、連携していないHubSpotの条件を使っています。HubSpotの条件は以前に受け取ったデータで判定され、更新されません。" {
		t.Errorf("ja %+v", ja[1])
	}
	st := &sourcesState{statuses: statuses}
	v := st.broadcastView("ja", &kizuna.Account{Name: "shop"}, 7, []*kizuna.Segment{seg, {ID: 8, Name: "LINE only", Filter: []byte(`{"groups":[{"conditions":[{"field":"tag","op":"has","value":"VIP"}]}]}`)}})
	if len(v.Notes) != 3 || !strings.HasPrefix(v.Notes[0], "セグメント「VIP」は、同期に失敗しているShopify") || v.Notes[2] != "配信前に対象の友だちを確認してください。" {
		t.Errorf("broadcast notes %q", v.Notes)
	}
	if _, ok := v.BySegment[8]; ok || v.BySegment[7] == "" {
		t.Errorf("by segment %v", v.BySegment)
	}
}
