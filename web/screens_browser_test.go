package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/web"
)

// dialogs records the questions the pages ask (window.confirm) and
// accepts each.
type dialogs struct {
	mu   sync.Mutex
	seen []string
}

func (d *dialogs) last() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.seen) == 0 {
		return ""
	}
	return d.seen[len(d.seen)-1]
}

// acceptDialogs answers every dialog the browser of ctx opens with OK,
// and records its message.
func acceptDialogs(ctx context.Context) *dialogs {
	d := &dialogs{}
	opening := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for e, err := range opening {
			if err != nil {
				return
			}
			d.mu.Lock()
			d.seen = append(d.seen, e.Message)
			d.mu.Unlock()
			go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	return d
}

// longNames are names no layout may let widen a page: no spaces to break
// at, in both scripts.
var (
	screensLongTag = "限定キャンペーン対象VIP会員プラチナステージ" + strings.Repeat("ABCDEFGHIJ", 7) // 93 characters
	longSegment    = "2026年冬のセール告知を受け取る友だち追加から七日以内のVIP会員で購入履歴があるお客さま" + strings.Repeat("X", 50)
	longFolder     = "キャンペーン_" + strings.Repeat("folder", 12)
	longFriend     = "とても長い表示名のお客さま" + strings.Repeat("Name", 20)
)

// screensSetup is a server over an account whose tags, segments, folders
// and friends have long names, with 60 members in the long-named segment
// (more than a page).
func screensSetup(t *testing.T) (url string, seg *kizuna.Segment, friendID string) {
	t.Helper()
	bg := context.Background()
	db := testdb.Open(t, "sqlite")
	a, err := db.CreateAccount(bg, "shop-a", "Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for i := range 60 {
		name := fmt.Sprintf("お客さま%02d", i)
		if i == 59 {
			name = longFriend
		}
		lines = append(lines, fmt.Sprintf(`{"line_user_id": "U%032d", "display_name": %q, "added_at": "2026-11-%02dT10:00:00+09:00", "tags": [%q, "VIP"]}`, i, name, 1+i%28, screensLongTag))
	}
	lines = append(lines, `{"line_user_id": "Uffffffffffffffffffffffffffffffff", "display_name": "Dai", "added_at": "2026-11-23T10:00:00+09:00"}`)
	if _, err := db.ImportFriends(bg, a, strings.NewReader(strings.Join(lines, "\n")), kizuna.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	folder, err := db.CreateFolder(bg, a, longFolder)
	if err != nil {
		t.Fatal(err)
	}
	filter := fmt.Sprintf(`{"groups":[{"conditions":[{"field":"tag","op":"has","value":%q}]}]}`, screensLongTag)
	if seg, err = db.CreateSegment(bg, a, "test", longSegment, folder.ID, json.RawMessage(filter)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateSegment(bg, a, "test", "VIP", 0, json.RawMessage(`{"groups":[{"conditions":[{"field":"tag","op":"has","value":"VIP"}]}]}`)); err != nil {
		t.Fatal(err)
	}
	u, err := db.CreateUser(bg, "marketing-team-lead@example.co.jp", "correct horse battery", "en")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.AddMember(bg, u, a, kizuna.RoleOwner); err != nil {
		t.Fatal(err)
	}
	eng := engine.New(db, db, nil)
	t.Cleanup(eng.Stop)
	srv := httptest.NewServer(web.New(eng, db, nil).Handler())
	t.Cleanup(srv.Close)
	return srv.URL, seg, fmt.Sprintf("U%032d", 59)
}

// screenMeasure is what TestScreensAtEveryWidth measures on a page.
type screenMeasure struct {
	ScrollWidth, InnerWidth int
	Header                  float64
	Wrapped, Unclamped      []string
	Wide                    []string // the innermost elements past the window's right edge
}

// TestScreensAtEveryWidth opens every page with long names at 1400 px and
// 390 px, in English and Japanese, and saves a screenshot of each: no page
// is wider than a phone's screen, the header keeps to two rows, column
// headings and dates stay on one line, and a long name is cut with the
// whole name on hover.
func TestScreensAtEveryWidth(t *testing.T) {
	base, seg, friend := screensSetup(t)
	pages := []struct{ name, path, ready string }{
		{"list", "/a/shop-a/segments", `#segments`},
		{"editor", fmt.Sprintf("/a/shop-a/segments/%d/edit", seg.ID), `#groups`},
		{"members", fmt.Sprintf("/a/shop-a/segments/%d/members", seg.ID), `#segment-members`},
		{"friends", fmt.Sprintf("/a/shop-a/friends?segment=%d", seg.ID), `#friends`},
		{"friend", "/a/shop-a/friends/" + friend, `#friend-name`},
		{"why", fmt.Sprintf("/a/shop-a/friends/%s/why?segment=%d", friend, seg.ID), `#verdict`},
		{"history", fmt.Sprintf("/a/shop-a/segments/%d/history", seg.ID), `#history`},
		{"tags", "/a/shop-a/tags", `#tag-list`},
		{"settings", "/a/shop-a/settings", `#tokens-section`},
	}
	for _, lang := range []string{"en", "ja"} {
		for _, width := range []int64{1400, 390} {
			// A browser each, so that each run keeps well within the
			// browser's time limit.
			t.Run(fmt.Sprintf("%s-%d", lang, width), func(t *testing.T) {
				ctx := browser(t)
				run(t, ctx,
					chromedp.EmulateViewport(width, 900),
					chromedp.Navigate(base+"/a/shop-a/segments"),
					chromedp.WaitVisible(`#email`),
					chromedp.SendKeys(`#email`, "marketing-team-lead@example.co.jp"),
					chromedp.SendKeys(`#password`, "correct horse battery"),
					chromedp.Click(`#signin`),
					chromedp.WaitVisible(`#segments`),
				)
				// The switch saves the language on the user: switch only when
				// the page is not already in it.
				if now, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang`)); err != nil {
					t.Fatal(err)
				} else if now != lang {
					run(t, ctx, chromedp.Click(`#lang-switch`), chromedp.WaitVisible(`html[lang=`+lang+`]`))
				}
				screenPages(t, ctx, base, lang, width, pages)
			})
		}
	}
}

// screenPages opens each page, saves its screenshot and checks it.
func screenPages(t *testing.T, ctx context.Context, base, lang string, width int64, pages []struct{ name, path, ready string }) {
	t.Helper()
	for _, p := range pages {
		run(t, ctx, chromedp.Navigate(base+p.path), chromedp.WaitVisible(p.ready))
		if p.name == "editor" { // the preview has answered
			waitTrue(t, ctx, "the preview's count", `document.querySelector('#preview-count').textContent.trim() !== '…'`)
		}
		shot := fmt.Sprintf("screen-%s-%d-%s", p.name, width, lang)
		screenshot(t, ctx, shot)
		js := `(() => {
			const out = {ScrollWidth: document.documentElement.scrollWidth, InnerWidth: window.innerWidth,
				Header: document.querySelector('header').getBoundingClientRect().height, Wrapped: [], Unclamped: []};
			const line = el => parseFloat(getComputedStyle(el).lineHeight) || 1.5 * parseFloat(getComputedStyle(el).fontSize);
			for (const el of document.querySelectorAll('th, td.date, td.when')) {
				const r = document.createRange();
				r.selectNodeContents(el);
				if (el.offsetParent && el.textContent.trim() && r.getBoundingClientRect().height > 1.6 * line(el)) out.Wrapped.push(el.textContent.trim());
			}
			for (const el of document.querySelectorAll('.clamp')) {
				if (el.offsetParent && el.scrollHeight > el.clientHeight + 2 && !el.title) out.Unclamped.push(el.textContent.trim().slice(0, 40));
			}
			out.Wide = [...document.querySelectorAll('body *')].filter(el => el.getBoundingClientRect().right > innerWidth + 1 &&
				![...el.children].some(c => c.getBoundingClientRect().right > innerWidth + 1)).slice(0, 5)
				.map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().replace(/ +/g, '.') : ''));
			return out;
		})()`
		m, err := chromedp.Run(ctx, chromedp.Evaluate[screenMeasure](js))
		if err != nil {
			t.Fatal(err)
		}
		if width == 390 && m.ScrollWidth > m.InnerWidth {
			t.Errorf("%s: %d px wide in a %d px window, past its edge: %q", shot, m.ScrollWidth, m.InnerWidth, m.Wide)
		}
		if limit := map[int64]float64{1400: 70, 390: 110}[width]; m.Header > limit {
			t.Errorf("%s: the header is %.0f px tall, want at most %.0f (two rows on a phone, one on a desktop)", shot, m.Header, limit)
		}
		if len(m.Wrapped) > 0 {
			t.Errorf("%s: headings or dates wrap: %q", shot, m.Wrapped)
		}
		if len(m.Unclamped) > 0 {
			t.Errorf("%s: names cut without the whole name on hover: %q", shot, m.Unclamped)
		}
	}
}

// TestMenusAndConfirmations: one ⋯ menu open at a time, closed by Escape
// or a click elsewhere; a dismissed confirmation sends nothing, an
// accepted one deletes; folders fold and unfold.
func TestMenusAndConfirmations(t *testing.T) {
	ctx := browser(t)
	f := manageSetup(t)
	run(t, ctx,
		chromedp.Navigate(f.url+"/a/shop-a/segments"),
		chromedp.WaitVisible(`#email`),
		chromedp.SendKeys(`#email`, "owner@example.com"),
		chromedp.SendKeys(`#password`, "correct horse battery"),
		chromedp.Click(`#signin`),
		chromedp.WaitVisible(`#segments`),
	)
	vip := fmt.Sprintf(`#segments tr[data-segment="%d"]`, f.vip.ID)
	sem := fmt.Sprintf(`#segments tr[data-segment="%d"]`, f.seminar.ID)
	open := `document.querySelectorAll('details.menu[open]').length`
	run(t, ctx, chromedp.Click(vip+` summary`), chromedp.WaitVisible(vip+` button.delete`))
	// The open panel covers the row below: the next menu is opened the way
	// the keyboard does (Enter on its summary is a click).
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('`+sem+` summary').click(), true`)); err != nil {
		t.Fatal(err)
	}
	waitTrue(t, ctx, "only the second menu open", open+` === 1 && document.querySelector('`+sem+` details').open`)
	run(t, ctx, chromedp.KeyEvent(kb.Escape))
	waitTrue(t, ctx, "Escape closes the menu", open+` === 0`)
	run(t, ctx, chromedp.Click(vip+` summary`), chromedp.WaitVisible(vip+` button.delete`), chromedp.Click(`h1`))
	waitTrue(t, ctx, "a click elsewhere closes the menu", open+` === 0`)

	// Dismissed: nothing is deleted.
	var mu sync.Mutex
	var asked []string
	answer := func(accept bool) {
		opening := chromedp.Events(ctx, page.JavascriptDialogOpening)
		go func() {
			for e, err := range opening {
				if err != nil {
					return
				}
				mu.Lock()
				asked = append(asked, e.Message)
				mu.Unlock()
				go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: accept})
				return
			}
		}()
	}
	answer(false)
	run(t, ctx, chromedp.Click(vip+` summary`), chromedp.Click(vip+` button.delete`))
	for i := 0; i < 100; i++ { // the question is answered
		mu.Lock()
		n := len(asked)
		mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // a form sent anyway would have deleted by now
	if segmentNames(t, f.db, f.a)[f.vipName] == nil {
		t.Fatal("a dismissed confirmation deleted the segment")
	}
	answer(true)
	run(t, ctx, chromedp.Click(vip+` button.delete`), chromedp.WaitVisible(`#flash`))
	if segmentNames(t, f.db, f.a)[f.vipName] != nil {
		t.Fatal("an accepted confirmation did not delete the segment")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(asked) != 2 || asked[0] != "Delete the segment “VIP customers”? It can be restored for 30 days." {
		t.Fatalf("the questions asked: %q", asked)
	}
	if got := text(t, ctx, `#flash`); !strings.Contains(got, "Segment “VIP customers” deleted.") {
		t.Fatalf("the notice after deleting: %q", got)
	}

	// Folders fold, and stay folded on the next visit.
	campaign := `tbody.folder-group[data-folder="Campaign"]`
	run(t, ctx, chromedp.Navigate(f.url+"/a/shop-a/segments"), chromedp.WaitVisible(`#segments`), chromedp.Click(`tbody.folder-group[data-folder=""] .folder-toggle`))
	waitTrue(t, ctx, "the loose segments folded", fmt.Sprintf(`!document.querySelector('%s').offsetParent`, sem))
	run(t, ctx, chromedp.Navigate(f.url+"/a/shop-a/segments"), chromedp.WaitVisible(campaign))
	waitTrue(t, ctx, "still folded after a reload", fmt.Sprintf(`!document.querySelector('%s').offsetParent && document.querySelector('tbody.folder-group[data-folder=""] .folder-toggle').getAttribute('aria-expanded') === 'false'`, sem))
	run(t, ctx, chromedp.Click(`tbody.folder-group[data-folder=""] .folder-toggle`))
	waitTrue(t, ctx, "unfolded", fmt.Sprintf(`!!document.querySelector('%s').offsetParent`, sem))
}
