package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kizuna-line/kizuna/internal/shopifyfake"
)

// waitLong waits up to 40 s until the JavaScript expression js is true
// (a sync of several pages against a slowed fake).
func waitLong(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	for range 800 {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err == nil && ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("waiting for %s: never true: %s", what, js)
}

// TestSourcesInBrowser: an owner connects the fake Shopify in Settings →
// Integrations as a marketer would. A wrong token is refused at the form,
// the shop domain kept; the right one connects, and the card follows the
// backfill's progress (records read, while it runs) to its end, with the
// linked friend and the conflicting record. Screenshots in English and
// Japanese, and at 390 px, where nothing is wider than the screen.
func TestSourcesInBrowser(t *testing.T) {
	f := sourcesSetup(t)
	bg := context.Background()
	for i := range 1000 { // pages of customers: a backfill that takes a moment
		f.shop.CreateCustomer(bg, "", fmt.Sprintf("customer-%d@example.com", i))
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
		chromedp.SendKeys(`#shopify-access_token`, "shpat_wrong-token"),
		chromedp.SendKeys(`#shopify-webhook_secret`, srcSecret),
		chromedp.Click(`#shopify-connect details > summary`),
		chromedp.WaitVisible(`#shopify-api-base`),
		chromedp.SendKeys(`#shopify-api-base`, f.shopURL),
		chromedp.Click(`#shopify-connect-button`),
		chromedp.WaitVisible(`#shopify-error`),
	)
	if msg := text(t, ctx, `#shopify-error`); !strings.Contains(msg, "Shopify refused the access token") {
		t.Errorf("the refusal: %q", msg)
	}
	screenshot(t, ctx, "sources-refused-en")
	// The shop domain and API base are kept; the secrets are typed again.
	if v, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#shopify-shop_domain').value + ' ' + document.querySelector('#shopify-api-base').value + ' [' + document.querySelector('#shopify-access_token').value + ']'`)); v != "kizuna-fake.myshopify.com "+f.shopURL+" []" {
		t.Errorf("the refused form: %q", v)
	}
	// Each GraphQL call is slowed, so that the backfill's pages take
	// long enough to be watched.
	var slow []shopifyfake.Fault
	for range 12 {
		slow = append(slow, shopifyfake.Fault{Delay: 700 * time.Millisecond})
	}
	f.shop.InjectFault(shopifyfake.RouteGraphQL, slow...)
	run(t, ctx,
		chromedp.SendKeys(`#shopify-access_token`, srcToken),
		chromedp.SendKeys(`#shopify-webhook_secret`, srcSecret),
		chromedp.Click(`#shopify-connect-button`),
		chromedp.WaitVisible(`#source-shopify .source-progress`),
	)
	if msg := text(t, ctx, `#flash`); !strings.Contains(msg, "Shopify is connected") {
		t.Errorf("the notice: %q", msg)
	}
	waitLong(t, ctx, "records read while the backfill runs",
		`(() => { const e = document.querySelector('#source-shopify [data-field=records]'); return !!e && !!e.offsetParent && /^[1-9][0-9,]*$/.test(e.textContent.trim()) })()`)
	if s := text(t, ctx, `#source-shopify [data-field=status_text]`); s != "Full sync running…" {
		t.Errorf("while running: %q", s)
	}
	screenshot(t, ctx, "sources-progress-en")
	waitLong(t, ctx, "the backfill's end", `document.querySelector('#source-shopify [data-field=status_text]').textContent.trim() === 'Up to date'`)
	waitText(t, ctx, `#source-shopify .source-linked`, "1")
	if s := text(t, ctx, `#source-shopify [data-field=last_success]`); !strings.Contains(s, "just now") && !strings.Contains(s, "minute") {
		t.Errorf("the last success: %q", s)
	}
	// The conflict shows on the next load (the page lists it, the poll
	// does not).
	run(t, ctx, chromedp.Reload(), chromedp.WaitVisible(`#source-shopify .source-conflict`))
	screenshot(t, ctx, "sources-connected-en")

	run(t, ctx, chromedp.Click(`#lang-switch`), chromedp.WaitVisible(`html[lang=ja]`),
		chromedp.Navigate(base+"/a/shop-a/settings#sources-section"), chromedp.WaitVisible(`#source-shopify .source-conflict`))
	if s := text(t, ctx, `#source-shopify [data-field=status_text]`); s != "最新です" {
		t.Errorf("in Japanese: %q", s)
	}
	screenshot(t, ctx, "sources-connected-ja")
	sectionShot(t, ctx, "#sources-section", "sources-section-ja")
	for _, lang := range []string{"ja", "en"} {
		if lang == "en" {
			run(t, ctx, chromedp.Click(`#lang-switch`), chromedp.WaitVisible(`html[lang=en]`))
		}
		run(t, ctx, chromedp.EmulateViewport(390, 900), chromedp.Navigate(base+"/a/shop-a/settings"), chromedp.WaitVisible(`#sources-section`),
			chromedp.Click(`#source-hubspot details.source-connect > summary`), chromedp.WaitVisible(`#hubspot-access_token`))
		wide, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('#sources-section *')].filter(el => el.getBoundingClientRect().right > innerWidth + 1).slice(0, 5).map(el => el.tagName + '.' + el.className).join(' ')`))
		if err != nil || wide != "" {
			t.Errorf("%s at 390 px: wider than the screen: %q %v", lang, wide, err)
		}
		screenshot(t, ctx, "sources-"+lang+"-390")
		sectionShot(t, ctx, "#sources-section", "sources-section-"+lang+"-390")
	}
	// Aiko's page says how she is linked, and offers to link by hand
	// where she is not.
	run(t, ctx, chromedp.Navigate(base+"/a/shop-a/friends/"+srcAiko), chromedp.WaitVisible(`#friend-links`))
	if s := text(t, ctx, `#link-shopify .link-how`); !strings.Contains(s, "LINE Login") {
		t.Errorf("Aiko's link: %q", s)
	}
	sectionShot(t, ctx, "#friend-links", "friend-links-en-390")
}

// sectionShot saves a screenshot of one element, to read it closely.
func sectionShot(t *testing.T, ctx context.Context, sel, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.Screenshot(sel))
	if err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("KIZUNA_SCREENSHOTS")
	if dir == "" {
		dir = "screenshots"
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
