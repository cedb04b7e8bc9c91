package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kizuna-line/kizuna/internal/linefake"
)

// TestChatInBrowser: a friend's message, sent by the fake LINE through the
// signed webhook, shows in Chat; a tag added in the conversation changes
// the count of a segment that tests it; a reply goes to LINE and shows on
// our side. Settings → LINE runs a follower sync whose progress the page
// follows until done, and the editor's preview says how many friends have
// an estimated added date. Screenshots of Chat, a conversation and
// Settings → LINE in English and Japanese, and at 390 px.
func TestChatInBrowser(t *testing.T) {
	ctx := browser(t)
	f := chatSetup(t)
	const eri = "U0000000000000000000000000000000e"
	for id, name := range map[string]string{chatAiko: "Aiko", chatDai: "Dai", eri: "Eri"} {
		f.env.Fake.AddFriend(id, name)
	}
	f.write(t, chatBen, "Where is my order? It has been two weeks.")
	f.write(t, chatStranger, "hello?")
	f.write(t, chatAiko, "こんにちは！セールはいつまでですか？")
	recent, err := f.db.CreateSegment(context.Background(), f.a, "seed", "Friends since November", 0, json.RawMessage(`{"groups":[{"conditions":[{"field":"line.added_date","op":"after","value":"2026-11-01"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	base := f.url
	seminarCount := `(() => { const tr = [...document.querySelectorAll('#segments tr')].find(tr => tr.querySelector('td.name a')?.textContent === 'Seminar attendees'); return tr ? tr.querySelector('td.count').textContent.trim() : '' })()`
	row := func(id string) string { return fmt.Sprintf(`#conversations li[data-friend=%q]`, id) }

	run(t, ctx,
		chromedp.Navigate(base+"/a/shop-a/segments"),
		chromedp.WaitVisible(`#email`),
		chromedp.SendKeys(`#email`, "owner@example.com"),
		chromedp.SendKeys(`#password`, "correct horse battery"),
		chromedp.Click(`#signin`),
		chromedp.WaitVisible(`#segments`),
	)
	if n := js(t, ctx, seminarCount); n != "0" {
		t.Fatalf("Seminar attendees before: %q", n)
	}
	run(t, ctx, chromedp.Click(`#nav-chat`), chromedp.WaitVisible(`#conversations`))
	if got := text(t, ctx, row(chatAiko)+" .last"); got != "こんにちは！セールはいつまでですか？" {
		t.Errorf("Aiko's row: %q", got)
	}
	if got := js(t, ctx, `[...document.querySelectorAll('#conversations li')].map(li => li.dataset.friend).join()`); got != strings.Join([]string{chatAiko, chatStranger, chatBen}, ",") {
		t.Errorf("the conversations' order: %s", got)
	}
	screenshot(t, ctx, "chat-list-en")

	// The conversation: tag Aiko, reply.
	run(t, ctx, chromedp.Click(row(chatAiko)+" a"), chromedp.WaitVisible(`#messages`))
	if got := text(t, ctx, `#messages .bubble.theirs .text`); got != "こんにちは！セールはいつまでですか？" {
		t.Errorf("the friend's message: %q", got)
	}
	run(t, ctx,
		chromedp.SendKeys(`#add-tag`, "Seminar"),
		chromedp.Click(`#add-tag-button`),
		chromedp.WaitVisible(`#flash`),
	)
	waitTrue(t, ctx, "the tag in Chat's panel", `[...document.querySelectorAll('#tags .tag')].some(e => e.textContent === 'Seminar') && location.pathname.endsWith('/chat/`+chatAiko+`')`)
	run(t, ctx,
		chromedp.SendKeys(`#reply-text`, "The sale runs until Sunday.\nSee you there!"),
		chromedp.Click(`#reply-send`),
		chromedp.WaitVisible(`#messages .bubble.ours`),
	)
	if got := text(t, ctx, `#messages .bubble.ours .text`); !strings.Contains(got, "The sale runs until Sunday.") {
		t.Errorf("our reply: %q", got)
	}
	if d := f.env.Fake.Deliveries(); len(d) != 1 || d[0].To[0] != chatAiko {
		t.Errorf("LINE received %+v, want the reply to Aiko", d)
	}
	screenshot(t, ctx, "chat-conversation-en")
	run(t, ctx, chromedp.Click(`nav.tabs a:first-child`), chromedp.WaitVisible(`#segments`))
	if n := js(t, ctx, seminarCount); n != "1" {
		t.Errorf("Seminar attendees after tagging Aiko in Chat: %q, want 1", n)
	}

	// Settings → LINE: a sync the page follows (the fake takes its time).
	f.env.Fake.InjectFault(linefake.RouteFollowers, linefake.Fault{Delay: 2500 * time.Millisecond})
	run(t, ctx,
		chromedp.Navigate(base+"/a/shop-a/settings"),
		chromedp.WaitVisible(`#line-section`),
		chromedp.Click(`#line-sync-start`),
		chromedp.WaitVisible(`#line-sync`),
	)
	if got := text(t, ctx, `#line-sync [data-field=status_text]`); got != "Running…" {
		t.Errorf("the sync just started: %q", got)
	}
	waitText(t, ctx, `#line-sync [data-field=status_text]`, "Done")
	if got := text(t, ctx, `#line-sync [data-field=added]`) + "/" + text(t, ctx, `#line-sync [data-field=seen]`); got != "1/3" {
		t.Errorf("added/seen after the sync: %s", got)
	}
	if js(t, ctx, `document.getElementById('line-sync-start').disabled`) != "false" {
		t.Errorf("the sync button stays off after the sync")
	}
	screenshot(t, ctx, "chat-settings-line-en")
	run(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/a/shop-a/segments/%d/edit", base, recent.ID)), chromedp.WaitVisible(`#groups`))
	waitText(t, ctx, `#preview-estimated`, "1 of these friends has an estimated friend-added date (known only from a follower sync).")

	// Japanese, then a phone's width.
	run(t, ctx, chromedp.Click(`#lang-switch`), chromedp.WaitVisible(`html[lang=ja]`))
	waitText(t, ctx, `#preview-estimated`, "このうち1人は、友だち追加日が推定です（フォロワー同期でのみ確認された友だち）。")
	screenshot(t, ctx, "chat-editor-estimated-ja")
	for _, width := range []int64{1280, 390} {
		run(t, ctx, chromedp.EmulateViewport(width, 900))
		for _, p := range []struct{ name, path, ready string }{
			{"list", "/a/shop-a/chat", `#conversations`},
			{"conversation", "/a/shop-a/chat/" + chatAiko, `#messages`},
			{"blocked", "/a/shop-a/chat/" + chatBen, `#no-reply`},
			{"settings-line", "/a/shop-a/settings", `#line-sync`},
		} {
			run(t, ctx, chromedp.Navigate(base+p.path), chromedp.WaitVisible(p.ready))
			if over := js(t, ctx, `document.documentElement.scrollWidth > innerWidth`); over != "false" {
				t.Errorf("%s at %d px scrolls sideways", p.name, width)
			}
			name := "chat-" + p.name + "-ja"
			if width == 390 {
				name += "-390"
			} else if p.name == "blocked" {
				continue
			}
			screenshot(t, ctx, name)
		}
	}
	if got := text(t, ctx, `#line-sync [data-field=status_text]`); got != "完了" {
		t.Errorf("the sync's status in Japanese: %q", got)
	}
	if code, _, _ := lineDo(t, f.owner, "GET", "/a/shop-a/settings", nil); code != http.StatusOK {
		t.Errorf("settings: %d", code)
	}
}
