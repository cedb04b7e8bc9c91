package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/web"
)

// editorNow is the clock of the editor tests: 2026-12-03 12:00 in Tokyo.
var editorNow = time.Date(2026, 12, 3, 3, 0, 0, 0, time.UTC)

// longTag is a 100-character friend tag (the was 120; 100 stays
// within any name limit a person would expect).
var longTag = "Spring campaign 2026 attendees from the Osaka and Tokyo seminars who asked for the printed catalogue"

// editorSite is an account with friends, served by the engine with a fixed
// clock, and a signed-in browser in lang ("en" or "ja").
type editorSite struct {
	url string
	ctx context.Context
	db  interface {
		CreateSegment(ctx context.Context, a *kizuna.Account, actor, name string, folderID int64, filter json.RawMessage) (*kizuna.Segment, error)
	}
	account *kizuna.Account
}

func newEditorSite(t *testing.T, lang string, lines []string, tags ...string) *editorSite {
	t.Helper()
	ctx := browser(t)
	bg := context.Background()
	db := testdb.Open(t, "sqlite")
	a, _ := db.CreateAccount(bg, "shop", "Asia/Tokyo")
	if len(lines) > 0 {
		if _, err := db.ImportFriends(bg, a, strings.NewReader(strings.Join(lines, "\n")), kizuna.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tg := range tags {
		if err := db.CreateTag(bg, a, tg); err != nil {
			t.Fatal(err)
		}
	}
	u, err := db.CreateUser(bg, "owner@example.com", "correct horse battery", lang)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.AddMember(bg, u, a, kizuna.RoleOwner); err != nil {
		t.Fatal(err)
	}
	eng := engine.New(db, db, nil)
	eng.Now = func() time.Time { return editorNow }
	t.Cleanup(eng.Stop)
	w := web.New(eng, db, nil)
	w.Now = func() time.Time { return editorNow }
	srv := httptest.NewServer(w.Handler())
	t.Cleanup(srv.Close)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/a/shop/segments/new"),
		chromedp.WaitVisible(`#email`),
		chromedp.SendKeys(`#email`, "owner@example.com"),
		chromedp.SendKeys(`#password`, "correct horse battery"),
		chromedp.Click(`#signin`),
		chromedp.WaitVisible(`#segment-form`),
	); err != nil {
		t.Fatal(err)
	}
	return &editorSite{url: srv.URL, ctx: ctx, db: db, account: a}
}

// js evaluates an expression in the page and returns it as a string.
func js(t *testing.T, ctx context.Context, expr string) string {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`String(`+expr+`)`))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return got
}

// waitJS waits until expr evaluates to want (up to 15 s).
func waitJS(t *testing.T, ctx context.Context, expr, want string) {
	t.Helper()
	var got string
	for range 300 {
		got = js(t, ctx, expr)
		if got == want {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: %q, want %q", expr, got, want)
}

// set gives the n-th element sel matches a value and fires "change".
func set(t *testing.T, ctx context.Context, sel string, n int, value string) {
	t.Helper()
	expr := fmt.Sprintf(`(() => { const e = document.querySelectorAll(%q)[%d]; e.value = %q; e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true})); return e.value })()`, sel, n, value)
	if got := js(t, ctx, expr); got != value {
		t.Fatalf("%s[%d] = %q: got %q", sel, n, value, got)
	}
}

func click(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Click(sel, chromedp.NodeVisible)); err != nil {
		t.Fatalf("click %s: %v", sel, err)
	}
}

// shots takes the page at 1400 and 390 px wide, and fails when the
// editor's form or preview reaches past the window or scrolls sideways (a
// long name pushing it).
func shots(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	for _, width := range []int64{1400, 390} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond) // a layout after the resize
		over := js(t, ctx, `[...document.querySelectorAll('#segment-form, .preview, #groups .condition, #preview-summary, #preview-sample')]
			.filter(e => e.getBoundingClientRect().right > innerWidth + 0.5 || e.scrollWidth > e.clientWidth + 1).map(e => e.id || e.className).join()`)
		if over != "" {
			t.Errorf("%s at %d px: wider than the window or scrolling sideways: %s", name, width, over)
		}
		screenshot(t, ctx, fmt.Sprintf("%s-%d", name, width))
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1400, 900)); err != nil {
		t.Fatal(err)
	}
}

// leaveWithoutAsking accepts every "leave this page?" question the tab
// asks from now on, for tests that walk away from an edited form.
func leaveWithoutAsking(t *testing.T, ctx context.Context) {
	t.Helper()
	if err := chromedp.Listen(ctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			// Listen's fn may not run commands: answer from aside.
			go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}); err != nil {
		t.Fatal(err)
	}
}

// words picks the English or the Japanese text.
func words(lang, en, ja string) string {
	if lang == "ja" {
		return ja
	}
	return en
}

var editorFriends = []string{
	`{"line_user_id": "U00000000000000000000000000000001", "display_name": "Aiko", "added_at": "2026-11-20T10:00:00+09:00", "tags": ["VIP"], "shopify": {"customer_id": "1", "tags": ["wholesale", "Repeat buyer"]}}`,
	`{"line_user_id": "U00000000000000000000000000000002", "display_name": "Ben", "added_at": "2026-12-01T10:00:00+09:00", "tags": ["VIP"]}`,
	`{"line_user_id": "U00000000000000000000000000000003", "display_name": "Chika", "added_at": "2026-11-22T10:00:00+09:00", "status": "blocked"}`,
	`{"line_user_id": "U00000000000000000000000000000004", "display_name": "Dai", "added_at": "2026-12-02T10:00:00+09:00", "shopify": {"customer_id": "4", "tags": ["VIP"]}}`,
}

// TestEditorNewAccountStartsEmpty opens a new account's first segment: no
// tags, so no condition to show; the editor starts empty with the empty
// state, counts everyone who follows without an error, and asks for a
// condition before saving. The first condition added waits for its value.
func TestEditorNewAccountStartsEmpty(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		t.Run(lang, func(t *testing.T) {
			var untagged []string // a new account: no friend tags yet
			for _, l := range editorFriends {
				untagged = append(untagged, strings.ReplaceAll(strings.ReplaceAll(l, `"tags": ["VIP"], `, ""), `, "tags": ["VIP"]`, ""))
			}
			site := newEditorSite(t, lang, untagged)
			ctx := site.ctx
			waitText(t, ctx, `#preview-count`, "3") // Chika has blocked the account
			if got := js(t, ctx, `document.querySelectorAll('#groups .condition').length`); got != "0" {
				t.Fatalf("a new segment opens with %s conditions, want none", got)
			}
			if got := text(t, ctx, `#empty-state p`); got != words(lang, "Add a condition to narrow down; with no condition, every friend who follows is counted.", "条件を追加して絞り込みます。条件がないときは、フォロー中のすべての友だちが対象です。") {
				t.Fatalf("empty state: %q", got)
			}
			waitText(t, ctx, `#preview-summary`, words(lang, "Every friend who follows the account", "フォロー中のすべての友だち"))
			if got := js(t, ctx, `document.getElementById('preview-error').textContent + '|' + document.getElementById('save').disabled + '|' + document.getElementById('save-hint').textContent`); got != "|true|"+words(lang, "Add at least one condition to save the segment.", "セグメントを保存するには、条件を1つ以上追加してください。") {
				t.Fatalf("error, Save disabled, hint: %q", got)
			}
			if got := js(t, ctx, `getComputedStyle(document.getElementById('add-or')).display`); got != "none" {
				t.Fatalf("the OR button shows without a first condition")
			}
			shots(t, ctx, "editor-empty-"+lang)

			// The first condition: no tags in the account, so "days since
			// added", with no value yet: the preview waits for it.
			click(t, ctx, `#add-first`)
			waitText(t, ctx, `#preview-wait`, words(lang, "Waiting for condition 1 of filter condition 1 to be completed", "絞り込み条件1の1番目の条件が完成するのを待っています"))
			if got := js(t, ctx, `[document.querySelector('#groups .condition .field').value, document.querySelector('#groups .condition').classList.contains('invalid'), document.getElementById('save').disabled, document.querySelector('.preview').classList.contains('stale')].join()`); got != "line.days_since_added,true,true,true" {
				t.Fatalf("field, highlighted, Save disabled, preview greyed: %q", got)
			}
			set(t, ctx, `#groups .condition .op`, 0, "lte")
			set(t, ctx, `#groups .condition .value`, 0, "6")
			waitText(t, ctx, `#preview-count`, "2")
			waitJS(t, ctx, `[document.getElementById('save').disabled, document.getElementById('preview-wait').hidden, document.querySelector('.preview').classList.contains('stale')].join()`, "false,true,false")
			waitText(t, ctx, `#preview-summary`, words(lang, "Added in the last 7 days, today included (2026-11-27 – 2026-12-03 JST)", "友だち追加から7日以内（今日を含む、2026-11-27〜2026-12-03 JST）"))
			shots(t, ctx, "editor-first-condition-"+lang)

			// Removing it returns to everyone, not to an error.
			click(t, ctx, `#groups .remove-condition`)
			waitText(t, ctx, `#preview-count`, "3")
			if got := js(t, ctx, `[document.getElementById('empty-state').hidden, document.getElementById('save').disabled].join()`); got != "false,true" {
				t.Fatalf("after removing the last condition: empty state hidden, Save disabled = %q", got)
			}
		})
	}
}

// TestEditorWaitsForInvalidCondition: while a condition is incomplete or
// refused, the preview greys its last answer, says which condition it waits
// for, and Save is off; completing it brings both back.
func TestEditorWaitsForInvalidCondition(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		t.Run(lang, func(t *testing.T) {
			site := newEditorSite(t, lang, editorFriends)
			ctx := site.ctx
			click(t, ctx, `#add-first`)
			set(t, ctx, `#groups .condition .value`, 0, "VIP")
			waitText(t, ctx, `#preview-count`, "2")
			// A second condition in the group, not filled in yet.
			click(t, ctx, `#groups .add-and`)
			waitText(t, ctx, `#preview-wait`, words(lang, "Waiting for condition 2 of filter condition 1 to be completed", "絞り込み条件1の2番目の条件が完成するのを待っています"))
			if got := js(t, ctx, `[...document.querySelectorAll('#groups .condition')].map(r => r.classList.contains('invalid')).join() + '|' + document.getElementById('save').disabled + '|' + document.querySelector('.preview').classList.contains('stale')`); got != "false,true|true|true" {
				t.Fatalf("highlighted conditions | Save disabled | preview greyed: %q", got)
			}
			// A value the server refuses (between 10 and 2): the preview
			// still waits, at the condition the server names.
			set(t, ctx, `#groups .condition .field`, 1, "line.days_since_added")
			set(t, ctx, `#groups .condition .op`, 1, "between")
			set(t, ctx, `#groups .condition .value.pair input`, 0, "10")
			set(t, ctx, `#groups .condition .value.pair input`, 1, "2")
			waitJS(t, ctx, `document.querySelectorAll('#groups .condition')[1].querySelector('.error').textContent !== ''`, "true")
			if got := js(t, ctx, `[...document.querySelectorAll('#groups .condition')].map(r => r.classList.contains('invalid')).join() + '|' + document.getElementById('save').disabled + '|' + document.querySelector('.preview').classList.contains('stale') + '|' + document.getElementById('preview-wait').textContent`); got != "false,true|true|true|"+words(lang, "Waiting for condition 2 of filter condition 1 to be completed", "絞り込み条件1の2番目の条件が完成するのを待っています") {
				t.Fatalf("after a refused value: %q", got)
			}
			shots(t, ctx, "editor-waiting-"+lang)
			set(t, ctx, `#groups .condition .value.pair input`, 0, "0")
			waitText(t, ctx, `#preview-count`, "1") // Ben, added 2 days ago
			waitJS(t, ctx, `document.getElementById('save').disabled + '|' + document.querySelector('.preview').classList.contains('stale')`, "false|false")
		})
	}
}

// TestEditorNewOperatorChoosesNothing: switching "has" to "has any of"
// checks no tag, and a new condition chooses no tag; an operator taking
// the same kind of value keeps the one the user gave.
func TestEditorNewOperatorChoosesNothing(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		t.Run(lang, func(t *testing.T) {
			site := newEditorSite(t, lang, editorFriends, "Seminar")
			ctx := site.ctx
			click(t, ctx, `#add-first`)
			if got := js(t, ctx, `document.querySelector('#groups .condition .value').value`); got != "" {
				t.Fatalf("a new tag condition has %q chosen", got)
			}
			set(t, ctx, `#groups .condition .op`, 0, "has_any")
			if got := js(t, ctx, `document.querySelectorAll('#groups .condition .value input:checked').length + '|' + document.getElementById('save').disabled`); got != "0|true" {
				t.Fatalf("has any of, after has: checked | Save disabled = %q", got)
			}
			set(t, ctx, `#groups .condition .field`, 0, "shopify.linked")
			if got := js(t, ctx, `document.querySelector('#groups .condition .value').value`); got != "" {
				t.Fatalf("a yes/no condition has %q chosen", got)
			}
			set(t, ctx, `#groups .condition .field`, 0, "line.days_since_added")
			set(t, ctx, `#groups .condition .op`, 0, "gte")
			set(t, ctx, `#groups .condition .value`, 0, "5")
			set(t, ctx, `#groups .condition .op`, 0, "lte")
			if got := js(t, ctx, `document.querySelector('#groups .condition .value').value`); got != "5" {
				t.Fatalf("at least 5 -> at most: %q, want 5 kept", got)
			}
			set(t, ctx, `#groups .condition .op`, 0, "between")
			if got := js(t, ctx, `[...document.querySelectorAll('#groups .condition .value input')].map(i => i.value).join()`); got != "," {
				t.Fatalf("at most 5 -> between: %q, want nothing", got)
			}
		})
	}
}

// TestEditorReadsAsTheBrief: numbered groups joined by AND and OR, a
// summary line per group, searchable pickers, Shopify tag suggestions from
// the data, date presets in the account's zone, Cancel, and a warning
// before leaving unsaved changes (none after saving). A 120-character tag
// keeps every picker and the preview inside the window.
func TestEditorReadsAsTheBrief(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		t.Run(lang, func(t *testing.T) {
			tags := []string{"Seminar", "Newsletter", "Osaka", "Tokyo"} // and VIP and the long tag from the friends
			lines := append([]string{}, editorFriends...)
			lines = append(lines, `{"line_user_id": "U00000000000000000000000000000005", "display_name": "`+strings.Repeat("とても長い表示名", 8)+`", "added_at": "2026-12-03T09:00:00+09:00", "tags": ["`+longTag+`"]}`)
			site := newEditorSite(t, lang, lines, tags...)
			ctx := site.ctx
			click(t, ctx, `#add-first`)
			// "has" picks one tag from a list that filters by what is typed.
			set(t, ctx, `#groups .condition .picker-filter`, 0, "ＮＥＷＳ")
			if got := js(t, ctx, `[...document.querySelectorAll('#groups .condition select.value option')].filter(o => !o.hidden).map(o => o.value).join('|')`); got != "|Newsletter" {
				t.Fatalf("tags left in the has picker: %q", got)
			}
			set(t, ctx, `#groups .condition .op`, 0, "has_any")
			// The tag picker filters by what is typed (width and case folded).
			if got := js(t, ctx, `document.querySelectorAll('#groups .condition .picker-filter').length`); got != "1" {
				t.Fatalf("%s filter boxes over %d tags", got, len(tags)+2)
			}
			set(t, ctx, `#groups .condition .picker-filter`, 0, "ｓｐｒｉｎｇ")
			if got := js(t, ctx, `[...document.querySelectorAll('#groups .condition label.check')].filter(l => !l.hidden).map(l => l.title).join('|')`); got != longTag {
				t.Fatalf("tags left by the filter: %q", got)
			}
			if got := js(t, ctx, `document.querySelectorAll('#groups .condition .value input:checked').length + '|' + document.getElementById('filter').value`); !strings.HasPrefix(got, "0|") {
				t.Fatalf("filtering changed the condition: %q", got)
			}
			click(t, ctx, `#groups .condition label.check:not([hidden]) input`)
			waitText(t, ctx, `#preview-count`, "1")
			if got := js(t, ctx, `document.querySelector('#groups .condition label.check:not([hidden])').title`); got != longTag {
				t.Fatalf("the long tag's title: %q", got)
			}

			// AND inside the group: a Shopify tag with suggestions from the data.
			click(t, ctx, `#groups .add-and`)
			set(t, ctx, `#groups .condition .field`, 1, "shopify.tag")
			if got := js(t, ctx, `[...document.querySelectorAll('#groups .condition')[1].querySelectorAll('datalist option')].map(o => o.value).join('|')`); got != "Repeat buyer|VIP|wholesale" {
				t.Fatalf("Shopify tag suggestions: %q", got)
			}
			set(t, ctx, `#groups .condition .value`, 1, "wholesale, ")
			if got := js(t, ctx, `[...document.querySelectorAll('#groups .condition')[1].querySelectorAll('datalist option')].map(o => o.value).join('|')`); got != "wholesale, Repeat buyer|wholesale, VIP" {
				t.Fatalf("suggestions after one tag: %q", got)
			}
			set(t, ctx, `#groups .condition .value`, 1, "VIP")
			// OR: a second group, a date condition filled by a preset.
			click(t, ctx, `#add-or`)
			set(t, ctx, `#groups .condition .field`, 2, "line.added_date")
			click(t, ctx, `#groups .group:nth-of-type(2) .preset[data-preset=last7]`)
			if got := js(t, ctx, `[document.querySelectorAll('#groups .condition .op')[2].value, ...document.querySelectorAll('#groups .condition')[2].querySelectorAll('.value input')].map(x => x.value ?? x).join()`); got != "between,2026-11-27,2026-12-03" {
				t.Fatalf("last 7 days: %q", got)
			}
			click(t, ctx, `#groups .group:nth-of-type(2) .preset[data-preset=month]`)
			if got := js(t, ctx, `[...document.querySelectorAll('#groups .condition')[2].querySelectorAll('.value input')].map(x => x.value).join()`); got != "2026-12-01,2026-12-31" {
				t.Fatalf("this month: %q", got)
			}
			click(t, ctx, `#groups .group:nth-of-type(2) .preset[data-preset=today]`)
			if got := js(t, ctx, `document.querySelectorAll('#groups .condition .op')[2].value + ',' + document.querySelectorAll('#groups .condition .value')[2].value`); got != "on,2026-12-03" {
				t.Fatalf("today: %q", got)
			}
			click(t, ctx, `#groups .group:nth-of-type(2) .preset[data-preset=last7]`)
			waitText(t, ctx, `#preview-count`, "3") // the long-tag friend, Ben and Dai

			// The screen reads as the brief's: numbered groups, AND, OR, a
			// summary line per group.
			if got := js(t, ctx, `[...document.querySelectorAll('#groups legend, #groups .joiner')].map(e => e.textContent).join('|')`); got != words(lang, "Filter condition 1|AND|OR|Filter condition 2", "絞り込み条件1|かつ（AND）|または（OR）|絞り込み条件2") {
				t.Fatalf("group labels and joiners: %q", got)
			}
			lines2 := js(t, ctx, `[...document.querySelectorAll('#preview-summary .summary-line')].map(e => e.textContent).join('\n')`)
			want1, want2 := words(lang, "Filter condition 1: ", "絞り込み条件1："), words(lang, "Filter condition 2: ", "絞り込み条件2：")
			if parts := strings.Split(lines2, "\n"); len(parts) != 2 || !strings.HasPrefix(parts[0], want1) || !strings.HasPrefix(parts[1], want2) || !strings.Contains(parts[1], "2026-11-27") {
				t.Fatalf("summary lines: %q", lines2)
			}
			if got := text(t, ctx, `#preview-summary li.joiner`); got != words(lang, "OR", "または") {
				t.Fatalf("between the summary lines: %q", got)
			}
			shots(t, ctx, "editor-brief-"+lang)

			// Leaving with unsaved changes asks; Cancel goes back to the list.
			if got := js(t, ctx, `kizunaEditor.dirty()`); got != "true" {
				t.Fatalf("an edited segment is not dirty")
			}
			asked := make(chan string, 4)
			if err := chromedp.Listen(ctx, func(ev any) {
				if e, ok := ev.(*page.EventJavascriptDialogOpening); ok {
					select {
					case asked <- string(e.Type):
					default:
					}
				}
			}); err != nil {
				t.Fatal(err)
			}
			// The click waits while the question is open: it runs aside.
			clicked := make(chan error, 1)
			go func() { clicked <- chromedp.Do(ctx, chromedp.Click(`#cancel`)) }()
			select {
			case typ := <-asked:
				if typ != "beforeunload" {
					t.Fatalf("dialog %q, want beforeunload", typ)
				}
				if _, err := chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false}); err != nil { // stay
					t.Fatal(err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Cancel with unsaved changes left without asking")
			}
			if err := <-clicked; err != nil {
				t.Fatal(err)
			}
			if got := js(t, ctx, `location.pathname`); got != "/a/shop/segments/new" {
				t.Fatalf("after staying: %s", got)
			}
			// Saving asks nothing and lands on the list.
			if err := chromedp.Do(ctx, chromedp.SendKeys(`#name`, "Brief"), chromedp.Click(`#save`), chromedp.WaitVisible(`#segments`)); err != nil {
				t.Fatal(err)
			}
			select {
			case typ := <-asked:
				t.Fatalf("saving asked %q", typ)
			default:
			}
			// An unchanged editor asks nothing: Cancel goes to the list.
			if err := chromedp.Do(ctx, chromedp.Click(`//td[@class="name"]/a[text()="Brief"]`), chromedp.WaitVisible(`#groups .condition`)); err != nil {
				t.Fatal(err)
			}
			waitText(t, ctx, `#preview-count`, "3")
			if got := js(t, ctx, `kizunaEditor.dirty()`); got != "false" {
				t.Fatalf("a saved segment opens dirty")
			}
			if got := js(t, ctx, `document.getElementById('cancel').textContent`); got != words(lang, "Cancel", "キャンセル") {
				t.Fatalf("Cancel reads %q", got)
			}
			if err := chromedp.Do(ctx, chromedp.Click(`#cancel`), chromedp.WaitVisible(`#segments`)); err != nil {
				t.Fatal(err)
			}
			select {
			case typ := <-asked:
				t.Fatalf("leaving an unchanged editor asked %q", typ)
			default:
			}
		})
	}
}
