package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kizuna-line/kizuna"
)

// TestFreshnessInBrowser: the editor shows each source's freshness beside
// its category and above the conditions, flags a condition of a source
// that is not connected or failing, and says by the count which sources
// it uses; the segment list flags the segments of such sources, the
// reason a tap away. In English, in Japanese, and at 390 px.
func TestFreshnessInBrowser(t *testing.T) {
	ctx := browser(t)
	bg := context.Background()
	f := newFreshFixture(t, "sqlite")
	db, a := f.db, f.a
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// Shopify connected and synced; Klaviyo connected, its first sync
	// failed; HubSpot (synced by the fixture) disconnected.
	must(db.Connect(bg, a, "owner@example.com", kizuna.Connection{Source: kizuna.SourceShopify, APIBase: "https://shop-a.myshopify.com", Config: map[string]string{"shop_domain": "shop-a.myshopify.com"}},
		kizuna.ConnectionSecrets{"access_token": "shpat-fake", "webhook_secret": "whsec-fake"}))
	s, err := db.StartSourceSync(bg, a, kizuna.SourceShopify, kizuna.SyncBackfill, "test")
	must(err)
	_, err = db.FinishSourceSync(bg, a, s.ID)
	must(err)
	must(db.Connect(bg, a, "owner@example.com", kizuna.Connection{Source: kizuna.SourceKlaviyo, APIBase: "https://a.klaviyo.com", Config: map[string]string{}},
		kizuna.ConnectionSecrets{"api_key": "pk-fake"}))
	s, err = db.StartSourceSync(bg, a, kizuna.SourceKlaviyo, kizuna.SyncBackfill, "test")
	must(err)
	_, err = db.FailSourceSync(bg, a, s.ID, "Klaviyo refused the API key (401 Unauthorized)")
	must(err)
	must(db.Disconnect(bg, a, kizuna.SourceHubSpot))
	_, err = db.CreateSegment(bg, a, "seed", "Repeat buyers", 0, json.RawMessage(`{"groups":[{"conditions":[{"field":"shopify.orders_count","op":"gte","value":2}]}]}`))
	must(err)
	newsletter, err := db.CreateSegment(bg, a, "seed", "Newsletter readers", 0, json.RawMessage(`{"groups":[{"conditions":[{"field":"klaviyo.list","op":"member_of","value":["Y6nRLr"]}]}]}`))
	must(err)
	// The pages look two minutes later.
	f.srv.Now = func() time.Time { return time.Now().Add(2*time.Minute + 10*time.Second) }

	run(t, ctx,
		chromedp.Navigate(f.url+"/a/shop-a/segments"),
		chromedp.WaitVisible(`#email`),
		chromedp.SendKeys(`#email`, "owner@example.com"),
		chromedp.SendKeys(`#password`, "correct horse battery"),
		chromedp.Click(`#signin`),
		chromedp.WaitVisible(`#segments`),
	)
	flag := func(id int64) string { return fmt.Sprintf(`#segments tr[data-segment="%d"] details.source-flag`, id) }
	listFlags := func(lang, hubspot, klaviyo string) {
		t.Helper()
		if got := text(t, ctx, flag(f.hubspot.ID)+" summary"); got != hubspot {
			t.Fatalf("%s: the HubSpot segment's flag: %q", lang, got)
		}
		if got := text(t, ctx, flag(newsletter.ID)+" summary"); got != klaviyo {
			t.Fatalf("%s: the Klaviyo segment's flag: %q", lang, got)
		}
		if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#segments details.source-flag').length`)); err != nil || n != 2 {
			t.Fatalf("%s: %d flags (%v), want 2: the Shopify and LINE segments have none", lang, n, err)
		}
		run(t, ctx, chromedp.Click(flag(f.hubspot.ID)+" summary"), chromedp.WaitVisible(flag(f.hubspot.ID)+" p"))
	}
	listFlags("en", "HubSpot not connected", "Klaviyo sync failing")
	if why := text(t, ctx, flag(f.hubspot.ID)+" p"); !strings.HasPrefix(why, "This segment uses HubSpot, which is not connected") {
		t.Fatalf("the reason: %q", why)
	}
	screenshot(t, ctx, "fresh-list-en")

	// categories lists the first condition's picker categories.
	categories := func() []string {
		t.Helper()
		got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#groups .condition .field')[0].querySelectorAll('optgroup')].map(g => g.label)`))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	editor := func(lang, wantNote, wantCount string, wantCats []string) {
		t.Helper()
		run(t, ctx,
			chromedp.Navigate(fmt.Sprintf("%s/a/shop-a/segments/%d/edit", f.url, f.hubspot.ID)),
			chromedp.WaitVisible(`#groups .condition .source-note`),
		)
		waitText(t, ctx, `#preview-count`, "1") // the data HubSpot sent stays
		if got := text(t, ctx, `#source-notes .source-warning`); !strings.HasPrefix(got, wantNote) {
			t.Fatalf("%s: the note at the top: %q", lang, got)
		}
		if got := text(t, ctx, `#groups .condition .source-note`); got == "" {
			t.Fatalf("%s: the HubSpot condition is not flagged", lang)
		}
		waitText(t, ctx, `#preview-sources li`, wantCount)
		if got := categories(); strings.Join(got, "|") != strings.Join(wantCats, "|") {
			t.Fatalf("%s: the picker's categories %q, want %q", lang, got, wantCats)
		}
	}
	editor("en", "This segment uses HubSpot, which is not connected", "HubSpot: not connected",
		[]string{"LINE and tags", "Shopify — updated 2 minutes ago", "HubSpot — not connected", "Klaviyo — sync failing"})
	if got := text(t, ctx, `#source-freshness`); !strings.Contains(got, "Shopify: updated 2 minutes ago") || !strings.Contains(got, "Klaviyo: sync failing, never updated. Last error: Klaviyo refused the API key (401 Unauthorized)") {
		t.Fatalf("the freshness above the conditions: %q", got)
	}
	screenshot(t, ctx, "fresh-editor-en")

	// A new condition is not offered HubSpot: its category is gone.
	run(t, ctx, chromedp.Click(`#groups .group .add-and`))
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#groups .condition .field')[1].querySelectorAll('optgroup')].map(g => g.label)`))
	if err != nil || strings.Join(got, "|") != "LINE and tags|Shopify — updated 2 minutes ago|Klaviyo — sync failing" {
		t.Fatalf("a new condition's categories: %q %v", got, err)
	}
	leaveWithoutAsking(t, ctx)

	run(t, ctx, chromedp.Navigate(f.url+"/a/shop-a/segments"), chromedp.WaitVisible(`#lang-switch`), chromedp.Click(`#lang-switch`), chromedp.WaitVisible(`html[lang=ja]`), chromedp.WaitVisible(`#segments`))
	listFlags("ja", "HubSpot未連携", "Klaviyo同期エラー")
	screenshot(t, ctx, "fresh-list-ja")
	editor("ja", "このセグメントは、連携していないHubSpotの条件を使っています。", "HubSpot：連携していません",
		[]string{"LINEとタグ", "Shopify（2分前に更新）", "HubSpot（連携していません）", "Klaviyo（同期エラー）"})
	screenshot(t, ctx, "fresh-editor-ja")

	// At 390 px: the notes and flags fit the phone.
	run(t, ctx, chromedp.EmulateViewport(390, 844))
	editor("ja", "このセグメントは、連携していないHubSpotの条件を使っています。", "HubSpot：連携していません",
		[]string{"LINEとタグ", "Shopify（2分前に更新）", "HubSpot（連携していません）", "Klaviyo（同期エラー）"})
	fits := func(sel string) {
		t.Helper()
		wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`[...document.querySelectorAll(%q)].some(e => e.getBoundingClientRect().right > window.innerWidth + 1)`, sel)))
		if err != nil || wide {
			t.Errorf("%s is wider than a phone (%v)", sel, err)
		}
	}
	fits(`#source-notes, #source-freshness li, .source-note`)
	screenshot(t, ctx, "fresh-editor-ja-390")
	run(t, ctx, chromedp.Navigate(f.url+"/a/shop-a/segments"), chromedp.WaitVisible(`#segments`))
	run(t, ctx, chromedp.Click(flag(f.hubspot.ID)+" summary"), chromedp.WaitVisible(flag(f.hubspot.ID)+" p"))
	fits(`details.source-flag`)
	screenshot(t, ctx, "fresh-list-ja-390")

	// Before a broadcast: the composer warns for the segment chosen, and
	// follows the choice.
	run(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/a/shop-a/broadcasts/new?segment=%d", f.url, f.hubspot.ID)), chromedp.WaitVisible(`#segment-sources`))
	if got := text(t, ctx, `#segment-sources`); !strings.HasPrefix(got, "セグメント「Trade show leads」は、連携していないHubSpotの条件を使っています。") {
		t.Fatalf("the composer's warning: %q", got)
	}
	fits(`#segment-sources`)
	screenshot(t, ctx, "fresh-compose-ja-390")
	run(t, ctx, chromedp.SetValue(`#bc-segment`, fmt.Sprint(f.line.ID)))
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('bc-segment').dispatchEvent(new Event('change', {bubbles: true}))`)); err != nil {
		t.Fatal(err)
	}
	waitTrue(t, ctx, "the warning hidden for a LINE-only segment", `document.getElementById('segment-sources').hidden`)
	run(t, ctx, chromedp.SetValue(`#bc-segment`, fmt.Sprint(newsletter.ID)))
	chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('bc-segment').dispatchEvent(new Event('change', {bubbles: true}))`))
	waitTrue(t, ctx, "the Klaviyo segment's warning", `!document.getElementById('segment-sources').hidden && document.getElementById('segment-sources').textContent.includes('同期に失敗しているKlaviyo')`)
}
