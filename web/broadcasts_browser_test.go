package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/chromedp/chromedp"
)

// bcShot saves a screenshot of the page and fails when the page is wider
// than the window (a phone's, say).
func bcShot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	waitTrue(t, ctx, "the page laid out", `document.readyState === 'complete'`)
	if wide := js(t, ctx, `document.documentElement.scrollWidth > innerWidth ? document.documentElement.scrollWidth + ' px in ' + innerWidth : ''`); wide != "" {
		t.Errorf("%s: the page is wider than the window: %s", name, wide)
	}
	screenshot(t, ctx, name)
}

// stepCounts reads the waterfall's figures, first step first.
func stepCounts(t *testing.T, ctx context.Context, within string) string {
	t.Helper()
	return js(t, ctx, `[...document.querySelectorAll('`+within+` ol.waterfall .step .n')].map(e => e.textContent).join(' ')`)
}

// TestBroadcastInBrowser walks issue 10's path in a browser: from the
// segment list, Create Broadcast; compose a text and a sticker (the length
// counted as LINE counts it, the preview as chat bubbles, a refusal shown
// at its field with the draft kept); review the reach waterfall; send a
// test to a friend found by name; send now; the broadcast's page follows
// the run until it is sent, and the fake LINE recorded one multicast to
// the segment's following members. Then the same screens in Japanese and
// at a phone's width.
func TestBroadcastInBrowser(t *testing.T) {
	f := bcSetup(t, true)
	f.line.Fake.SetQuota("limited", 1000)
	f.line.Fake.SetUsage(120)
	ctx := browser(t)
	run(t, ctx,
		chromedp.Navigate(f.url+"/a/shop-a/segments"),
		chromedp.WaitVisible(`#email`),
		chromedp.SendKeys(`#email`, "owner@example.com"),
		chromedp.SendKeys(`#password`, "correct horse battery"),
		chromedp.Click(`#signin`),
		chromedp.WaitVisible(`#segments`),
	)
	// No broadcast yet: the list says what to do.
	run(t, ctx, chromedp.Click(`#nav-broadcasts`), chromedp.WaitVisible(`#broadcasts-empty`))
	bcShot(t, ctx, "broadcast-list-empty-en")
	run(t, ctx, chromedp.Navigate(f.url+"/a/shop-a/segments"), chromedp.WaitVisible(`#segments`))
	createFromList := fmt.Sprintf(`#segments tr[data-segment="%d"] a.create-broadcast`, f.vip.ID)
	click(t, ctx, createFromList)
	run(t, ctx, chromedp.WaitVisible(`#broadcast-form`))
	if got := js(t, ctx, `document.getElementById('bc-segment').value`); got != fmt.Sprint(f.vip.ID) {
		t.Fatalf("the composer's segment: %q", got)
	}

	// A text, counted as LINE counts it (🎉 is two UTF-16 units), and a
	// sticker; both as bubbles.
	msg := "The winter sale starts today 🎉\nSee you at the shop!"
	run(t, ctx, chromedp.SendKeys(`#bc-name`, "Winter sale"))
	set(t, ctx, `#m0-text`, 0, msg)
	waitJS(t, ctx, `document.querySelector('#messages .text-length').textContent`, fmt.Sprint(len(utf16.Encode([]rune(msg)))))
	waitJS(t, ctx, `document.querySelector('#bubbles .bubble-text').textContent`, msg)
	click(t, ctx, `#add-message`)
	waitJS(t, ctx, `document.querySelectorAll('#messages fieldset.message').length`, "2")
	if got := js(t, ctx, `document.querySelectorAll('#messages fieldset.message')[1].querySelector('.message-type').name`); got != "messages[1].type" {
		t.Fatalf("the added message's field: %q", got)
	}
	set(t, ctx, `#messages .message-type`, 1, "sticker")
	set(t, ctx, `[name="messages[1].packageId"]`, 0, "446")
	set(t, ctx, `[name="messages[1].stickerId"]`, 0, "1988")
	waitJS(t, ctx, `document.querySelectorAll('#bubbles .bubble').length`, "2")
	waitJS(t, ctx, `document.querySelector('#bubbles .bubble-sticker .ids').textContent`, "446 / 1988")
	// "Again and again" shows its own fields only.
	click(t, ctx, `#when-recurring`)
	waitJS(t, ctx, `document.querySelector('.when-part[data-when="recurring"]').hidden + ' ' + document.querySelector('.when-part[data-when="at"]').hidden`, "false true")
	set(t, ctx, `#repeat-kind`, 0, "weekly")
	waitJS(t, ctx, `document.querySelector('.repeat-part[data-kind="weekly"]').hidden + ' ' + document.querySelector('.repeat-part[data-kind="monthly"]').hidden`, "false true")
	bcShot(t, ctx, "broadcast-compose-recurring-en")
	click(t, ctx, `#when-now`)
	bcShot(t, ctx, "broadcast-compose-en")

	// A refusal at its field, the draft kept: no name.
	set(t, ctx, `#bc-name`, 0, "")
	click(t, ctx, `#review`)
	run(t, ctx, chromedp.WaitVisible(`#err-name`))
	if got := text(t, ctx, `#err-name`); got == "" || js(t, ctx, `document.activeElement.id`) != "bc-name" {
		t.Errorf("the name's error: %q, focus on %q", got, js(t, ctx, `document.activeElement.id`))
	}
	if got := js(t, ctx, `document.querySelector('[name="messages[1].stickerId"]').value + ' ' + document.querySelectorAll('#bubbles .bubble').length`); got != "1988 2" {
		t.Errorf("the draft after a refusal: %q", got)
	}
	bcShot(t, ctx, "broadcast-compose-refused-en")
	run(t, ctx, chromedp.SendKeys(`#bc-name`, "Winter sale"))

	// The review: the waterfall from the segment and LINE's quota.
	click(t, ctx, `#review`)
	run(t, ctx, chromedp.WaitVisible(`#waterfall`))
	if got := stepCounts(t, ctx, `#waterfall`); got != "4 3 3 3" {
		t.Errorf("the waterfall: %q, want 4 matched, 3 following, 3 within the quota, 3 sent", got)
	}
	if got := text(t, ctx, `#waterfall [data-step="quota"] .step-note`); !strings.Contains(got, "880 left") {
		t.Errorf("the quota's note: %q", got)
	}
	bcShot(t, ctx, "broadcast-waterfall-en")

	// A test to a friend found by name.
	run(t, ctx,
		chromedp.WaitVisible(`#test-query`),
		chromedp.SendKeys(`#test-query`, "Emi"),
		chromedp.Click(`#test-find`),
		chromedp.WaitVisible(`#test-results button[data-id]`),
		chromedp.Click(`#test-results button[data-id]`),
	)
	waitJS(t, ctx, `document.getElementById('test-to').value`, "U00000000000000000000000000000005")
	click(t, ctx, `#test-send`)
	run(t, ctx, chromedp.WaitVisible(`#test-done`))
	if n := f.line.Fake.Received("U00000000000000000000000000000005"); n != 1 {
		t.Errorf("the test's friend received %d", n)
	}

	// Send now: the page follows the run until it is sent.
	click(t, ctx, `#send`)
	run(t, ctx, chromedp.WaitVisible(`#broadcast-facts`))
	waitJS(t, ctx, `document.getElementById('broadcast-status').dataset.status`, "sent")
	waitJS(t, ctx, `document.querySelector('#runs .run').dataset.status`, "sent")
	if got := stepCounts(t, ctx, `#runs .run`); got != "4 3 3 3 3 0 0" {
		t.Errorf("the run's waterfall: %q", got)
	}
	if got := text(t, ctx, `#flash`); !strings.Contains(got, "Winter sale") {
		t.Errorf("the notice: %q", got)
	}
	bcShot(t, ctx, "broadcast-page-en")
	var multicasts int
	for _, d := range f.line.Fake.Deliveries() {
		if d.Endpoint != "multicast" {
			continue
		}
		multicasts++
		to := slices.Sorted(slices.Values(d.To))
		if !slices.Equal(to, f.vipFollowingFriends) || len(d.Messages) != 2 {
			t.Errorf("the multicast: %v, %d messages", to, len(d.Messages))
		}
		var first struct{ Type, Text string }
		json.Unmarshal(d.Messages[0], &first)
		if first.Type != "text" || first.Text != msg {
			t.Errorf("the multicast's first message: %+v", first)
		}
	}
	if multicasts != 1 {
		t.Errorf("%d multicasts, want 1", multicasts)
	}
	// The fake LINE's page (the demo's "what LINE received") shows it.
	back, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href`))
	if err != nil {
		t.Fatal(err)
	}
	// (Evaluate, not the DOM queries: after the cross-origin navigation
	// chromedp's node queries wait forever.)
	run(t, ctx, chromedp.Navigate(f.line.URL+"/fake/"))
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('main').innerText`))
	if err != nil || !strings.Contains(got, "See you at the shop!") || !strings.Contains(got, "multicast · 3 recipient(s)") {
		t.Errorf("the fake LINE's page: %q %v", got, err)
	}
	run(t, ctx, chromedp.Navigate(back), chromedp.WaitVisible(`#broadcast-facts`))

	// The list, then the same screens in Japanese.
	click(t, ctx, `#back-to-list`)
	run(t, ctx, chromedp.WaitVisible(`#broadcasts`))
	if got := text(t, ctx, `#broadcasts tbody tr td.last`); got != "3 / 3" {
		t.Errorf("the list's last run: %q", got)
	}
	bcShot(t, ctx, "broadcast-list-en")
	run(t, ctx, chromedp.Click(`#lang-switch`), chromedp.WaitVisible(`html[lang=ja]`), chromedp.WaitVisible(`#broadcasts`))
	bcShot(t, ctx, "broadcast-list-ja")
	click(t, ctx, `#broadcasts tbody tr td.name a`)
	run(t, ctx, chromedp.WaitVisible(`#runs .run`))
	if got := text(t, ctx, `#broadcast-status`); got != "配信済み" {
		t.Errorf("the status in Japanese: %q", got)
	}
	bcShot(t, ctx, "broadcast-page-ja")
	run(t, ctx, chromedp.Navigate(f.url+"/a/shop-a/segments"), chromedp.WaitVisible(`#segments`))
	if got := text(t, ctx, fmt.Sprintf(`#segments tr[data-segment="%d"] td.usage`, f.vip.ID)); got != "Winter sale" {
		t.Errorf("the segment's usage: %q", got)
	}
	click(t, ctx, createFromList)
	run(t, ctx, chromedp.WaitVisible(`#broadcast-form`), chromedp.SendKeys(`#bc-name`, "冬のセール"))
	set(t, ctx, `#m0-text`, 0, "本日から冬のセールを開催します🎉\nご来店をお待ちしております。")
	click(t, ctx, `#when-at`)
	bcShot(t, ctx, "broadcast-compose-ja")
	click(t, ctx, `#review`)
	run(t, ctx, chromedp.WaitVisible(`#waterfall`))
	if got := text(t, ctx, `#waterfall [data-step="following"] .step-label`); got != "フォロー中" {
		t.Errorf("the Japanese waterfall: %q", got)
	}
	bcShot(t, ctx, "broadcast-waterfall-ja")

	// At a phone's width.
	run(t, ctx, chromedp.EmulateViewport(390, 900))
	bcShot(t, ctx, "broadcast-waterfall-ja-390")
	click(t, ctx, `#back-to-edit`)
	run(t, ctx, chromedp.WaitVisible(`#broadcast-form`))
	if got := js(t, ctx, `document.getElementById('bc-name').value + ' ' + document.getElementById('when-at').checked`); got != "冬のセール true" {
		t.Errorf("back to edit: %q", got)
	}
	bcShot(t, ctx, "broadcast-compose-ja-390")
	run(t, ctx, chromedp.Click(`#lang-switch`), chromedp.WaitVisible(`html[lang=en]`))
	run(t, ctx, chromedp.Navigate(f.url+"/a/shop-a/broadcasts"), chromedp.WaitVisible(`#broadcasts`))
	bcShot(t, ctx, "broadcast-list-en-390")
	click(t, ctx, `#broadcasts tbody tr td.name a`)
	run(t, ctx, chromedp.WaitVisible(`#runs .run`))
	bcShot(t, ctx, "broadcast-page-en-390")
}
