package web_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestShopLivesInBrowser is issue 11's "done when": an owner connects the
// fake Shopify in Settings and watches the backfill's progress; an order
// placed in the fake reaches Kizuna by Shopify's signed webhook, and the
// segment list's count and the editor's freshness follow. Screenshots in
// English and Japanese, and at 390 px.
func TestShopLivesInBrowser(t *testing.T) {
	f := sourcesSetup(t)
	bg := context.Background()
	f.shop.SetWebhookURL(f.url + "/shopify/webhook/shop-a")
	// A "2 or more orders" segment: Aiko (customer c1, one order) is not in
	// it yet.
	seg, err := f.db.CreateSegment(bg, f.a, "owner@example.com", "Repeat buyers", 0,
		json.RawMessage(`{"groups":[{"conditions":[{"field":"shopify.orders_count","op":"gte","value":2}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	base := f.url
	run(t, ctx,
		chromedp.Navigate(base+"/a/shop-a/settings"),
		chromedp.WaitVisible(`#email`),
		chromedp.SendKeys(`#email`, "owner@example.com"),
		chromedp.SendKeys(`#password`, "correct horse battery"),
		chromedp.Click(`#signin`),
		chromedp.WaitVisible(`#sources-section`),
		chromedp.Click(`#source-shopify details.source-connect > summary`),
		chromedp.WaitVisible(`#shopify-shop_domain`),
		chromedp.SendKeys(`#shopify-shop_domain`, "kizuna-fake.myshopify.com"),
		chromedp.SendKeys(`#shopify-access_token`, srcToken),
		chromedp.SendKeys(`#shopify-webhook_secret`, srcSecret),
		chromedp.Click(`#shopify-connect details > summary`),
		chromedp.WaitVisible(`#shopify-api-base`),
		chromedp.SendKeys(`#shopify-api-base`, f.shopURL),
		chromedp.Click(`#shopify-connect-button`),
		chromedp.WaitVisible(`#source-shopify .source-progress`),
	)
	waitLong(t, ctx, "the backfill's end", `document.querySelector('#source-shopify [data-field=status_text]').textContent.trim() === 'Up to date'`)
	waitText(t, ctx, `#source-shopify .source-linked`, "1")
	if got := segmentCount(f.owner, seg.ID); got != "0" {
		t.Fatalf("before the order, the segment counts %s", got)
	}

	// Half an hour passes: the editor says how old Shopify's data is.
	f.shift.Store(int64(30 * time.Minute))
	editor := base + "/a/shop-a/segments/" + strconv.FormatInt(seg.ID, 10) + "/edit"
	run(t, ctx, chromedp.Navigate(editor), chromedp.WaitVisible(`#source-freshness li[data-source=shopify]`))
	before := text(t, ctx, `#source-freshness li[data-source=shopify]`)
	if !strings.Contains(before, "30 minutes ago") {
		t.Errorf("the editor's freshness before the order: %q", before)
	}
	waitText(t, ctx, `#preview-count`, "0")
	screenshot(t, ctx, "shop-editor-before-en")

	// Aiko orders again in the shop; Shopify's webhooks bring it.
	o, err := f.shop.PlaceOrder(bg, f.c1)
	if err != nil || o.Count != 2 {
		t.Fatalf("the order: %+v %v", o, err)
	}
	for i := 0; segmentCount(f.owner, seg.ID) != "1"; i++ {
		if i > 200 {
			t.Fatalf("the order never reached the segment's count\n%s", f.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	run(t, ctx, chromedp.Navigate(base+"/a/shop-a/segments"), chromedp.WaitVisible(`tr[data-segment="`+strconv.FormatInt(seg.ID, 10)+`"]`))
	if got := text(t, ctx, `tr[data-segment="`+strconv.FormatInt(seg.ID, 10)+`"] td.count`); got != "1" {
		t.Errorf("the segment list after the order: %q", got)
	}
	screenshot(t, ctx, "shop-list-after-en")
	run(t, ctx, chromedp.Navigate(editor), chromedp.WaitVisible(`#source-freshness li[data-source=shopify]`))
	after := text(t, ctx, `#source-freshness li[data-source=shopify]`)
	if !strings.Contains(after, "just now") {
		t.Errorf("the editor's freshness after the order's webhook: %q (before: %q)", after, before)
	}
	waitText(t, ctx, `#preview-count`, "1")
	screenshot(t, ctx, "shop-editor-after-en")

	// The same in Japanese, and at a phone's width.
	run(t, ctx, chromedp.Click(`#lang-switch`), chromedp.WaitVisible(`html[lang=ja]`),
		chromedp.Navigate(editor), chromedp.WaitVisible(`#source-freshness li[data-source=shopify]`))
	if got := text(t, ctx, `#source-freshness li[data-source=shopify]`); !strings.Contains(got, "たった今") && !strings.Contains(got, "今") {
		t.Errorf("the editor's freshness in Japanese: %q", got)
	}
	waitText(t, ctx, `#preview-count`, "1")
	screenshot(t, ctx, "shop-editor-after-ja")
	run(t, ctx, chromedp.Navigate(base+"/a/shop-a/settings#sources-section"), chromedp.WaitVisible(`#source-shopify [data-field=last_delivery]`))
	if got := text(t, ctx, `#source-shopify [data-field=last_delivery]`); got == "" {
		t.Errorf("Settings shows no latest webhook")
	}
	screenshot(t, ctx, "shop-settings-ja")
	run(t, ctx, chromedp.EmulateViewport(390, 900), chromedp.Navigate(base+"/a/shop-a/segments"), chromedp.WaitVisible(`tr[data-segment="`+strconv.FormatInt(seg.ID, 10)+`"]`))
	screenshot(t, ctx, "shop-list-ja-390")
}
