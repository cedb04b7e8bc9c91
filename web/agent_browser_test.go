package web_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// agentShopLines are a shop's 60 friends as NDJSON: Japanese and English
// names, Shopify customers whose last order is 3 to 357 days old (every
// seventh never ordered), every fourth a VIP, every ninth blocked.
func agentShopLines() []string {
	family := []string{"佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "Smith", "Tanaka"}
	given := []string{"美咲", "陽菜", "結衣", "さくら", "葵", "大翔", "蓮", "Emma", "湊", "莉子", "Ken"}
	var lines []string
	for i := range 60 {
		name := family[i%len(family)] + " " + given[(i*7)%len(given)]
		status := "following"
		if i%9 == 8 {
			status = "blocked"
		}
		tags := `["LINE限定"]`
		if i%4 == 0 {
			tags = `["VIP", "LINE限定"]`
		}
		shop := fmt.Sprintf(`"shopify": {"customer_id": "c%d", "orders_count": %d, "last_order_at": %q}`, i, i%5+1, agentNow.AddDate(0, 0, -(3+i*6)).Format(time.RFC3339))
		if i%7 == 6 {
			shop = fmt.Sprintf(`"shopify": {"customer_id": "c%d", "orders_count": 0}`, i)
		}
		lines = append(lines, fmt.Sprintf(`{"line_user_id": "U%032x", "display_name": %q, "added_at": %q, "status": %q, "tags": %s, %s}`,
			i+1, name, agentNow.AddDate(0, 0, -2*i-1).Format(time.RFC3339), status, tags, shop))
	}
	return lines
}

// agentBrowser signs in as email in a browser of width px.
func agentBrowser(t *testing.T, f *agentFixture, email string, width int64) context.Context {
	t.Helper()
	ctx := browser(t)
	run(t, ctx,
		chromedp.EmulateViewport(width, 900),
		chromedp.Navigate(f.url+"/"),
		chromedp.WaitVisible(`#email`),
		chromedp.SendKeys(`#email`, email),
		chromedp.SendKeys(`#password`, "correct horse battery"),
		chromedp.Click(`#signin`),
		chromedp.WaitVisible(`#segments`),
	)
	return ctx
}

// evalString evaluates js in the page.
func evalString(t *testing.T, ctx context.Context, js string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return s
}

// noSideways fails when the page is wider than its window.
func noSideways(t *testing.T, ctx context.Context, shot string) {
	t.Helper()
	js := `(() => { const w = document.documentElement.scrollWidth, i = innerWidth; if (w <= i) return ""; return w + " > " + i + ": " + [...document.querySelectorAll('body *')].filter(el => el.getBoundingClientRect().right > i + 1).slice(-3).map(el => el.tagName + '#' + el.id + '.' + el.className).join(', ') })()`
	if got := evalString(t, ctx, js); got != "" {
		t.Errorf("%s scrolls sideways: %s", shot, got)
	}
}

// TestAgentInBrowser: in Japanese, an empty account's first page is the
// panel; ask the brief's goal in Consult mode, answer its question (the
// buttons carry counts), switch the assumption's threshold, Approve, and
// land in the broadcast composer with the new segment selected and the
// draft as the first message; then Cancel on another proposal creates
// nothing and brings the goal back.
func TestAgentInBrowser(t *testing.T) {
	f := agentSetupWith(t, "sqlite", &agentFixture{}, agentShopLines())
	ctx := agentBrowser(t, f, "hanako@example.com", 1280)
	if lang := evalString(t, ctx, `document.documentElement.lang`); lang != "ja" {
		t.Fatalf("hanako's pages are in %q", lang)
	}
	waitText(t, ctx, `#agent-panel h2`, "まずはエージェントに相談しましょう")
	screenshot(t, ctx, "agent-first-page-ja")

	run(t, ctx,
		chromedp.SendKeys(`#agent-goal`, f.comebackGoalJA),
		chromedp.Click(`#agent-mode-consult`),
		chromedp.Click(`#agent-ask`),
		chromedp.WaitVisible(`#agent-questions`),
	)
	if got := text(t, ctx, `#agent-turns`); !strings.Contains(got, f.comebackGoalJA) {
		t.Errorf("the conversation does not show the goal: %q", got)
	}
	q := text(t, ctx, `.agent-question[data-key=recency] .agent-options`)
	for _, d := range []string{"30日", "60日", "90日", "180日"} {
		if !strings.Contains(q, d) || !strings.Contains(q, "人") {
			t.Errorf("the question's choices lack %s with a count: %q", d, q)
		}
	}
	screenshot(t, ctx, "agent-question-ja")

	// The answer: 60 days.
	want60 := text(t, ctx, `button[name="choose.recency"][value="60"] .agent-option-count`)
	click(t, ctx, `button[name="choose.recency"][value="60"]`)
	run(t, ctx, chromedp.WaitVisible(`#agent-proposal`))
	if got := text(t, ctx, `#agent-count`) + "人"; got != want60 {
		t.Errorf("60 days proposes %s, the question said %s", got, want60)
	}
	if got := text(t, ctx, `#agent-assumptions button.chosen .agent-option-label`); got != "60日" {
		t.Errorf("the chosen assumption is %q, want 60日", got)
	}
	screenshot(t, ctx, "agent-proposal-ja")

	// Switch the threshold: 90 days.
	want90 := text(t, ctx, `#agent-assumptions button[data-value="90"] .agent-option-count`)
	click(t, ctx, `#agent-assumptions button[data-value="90"]`)
	waitTrue(t, ctx, "90 days chosen", `(() => { const b = document.querySelector('#agent-assumptions button.chosen'); return !!b && b.dataset.value === '90' })()`)
	if got := text(t, ctx, `#agent-count`) + "人"; got != want90 {
		t.Errorf("90 days proposes %s, the alternative said %s", got, want90)
	}
	name := evalString(t, ctx, `document.querySelector('#agent-name').value`)
	draft := text(t, ctx, `#agent-draft`)
	if name == "" || draft == "" {
		t.Fatalf("the card has no name (%q) or draft (%q)", name, draft)
	}
	screenshot(t, ctx, "agent-proposal-switched-ja")

	// Approve: one segment, and the composer with it and the draft.
	before := len(f.segments(t))
	click(t, ctx, `#agent-approve`)
	run(t, ctx, chromedp.WaitVisible(`#broadcast-form`))
	segs := f.segments(t)
	if len(segs) != before+1 {
		t.Fatalf("%d segments after Approve, want %d", len(segs), before+1)
	}
	seg := segs[len(segs)-1]
	if seg.Name != name {
		t.Errorf("the segment is named %q, the card said %q", seg.Name, name)
	}
	if got := evalString(t, ctx, `document.querySelector('#bc-segment').value`); got != strconv.FormatInt(seg.ID, 10) {
		t.Errorf("the composer's segment is %q, want the new %d", got, seg.ID)
	}
	if got := evalString(t, ctx, `document.querySelector('#m0-text').value`); got != draft {
		t.Errorf("the composer's first message is %q, want the draft %q", got, draft)
	}
	screenshot(t, ctx, "agent-composer-ja")

	// Another proposal, cancelled: nothing is created, the goal comes back.
	run(t, ctx, chromedp.Navigate(f.url+"/a/shop-a/segments"), chromedp.WaitVisible(`#agent-goal`))
	if got := text(t, ctx, `#agent-panel h2`); got != "エージェントに相談" {
		t.Errorf("the panel with segments is titled %q", got)
	}
	other := "VIPだけに新作の先行案内を送りたい"
	run(t, ctx, chromedp.SendKeys(`#agent-goal`, other), chromedp.Click(`#agent-ask`), chromedp.WaitVisible(`#agent-cancel`))
	screenshot(t, ctx, "agent-proposal-vip-ja")
	before = len(f.segments(t))
	click(t, ctx, `#agent-cancel`)
	run(t, ctx, chromedp.WaitVisible(`#agent-cancelled`))
	if got := evalString(t, ctx, `document.querySelector('#agent-goal').value`); got != other {
		t.Errorf("after Cancel the goal is %q, want %q", got, other)
	}
	if n := len(f.segments(t)); n != before {
		t.Errorf("%d segments after Cancel, want %d", n, before)
	}
	screenshot(t, ctx, "agent-cancelled-ja")

	// The history says the agent proposed the segment and who approved it.
	run(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/a/shop-a/segments/%d/history", f.url, seg.ID)), chromedp.WaitVisible(`#history`))
	if got := text(t, ctx, `#history tbody`); !strings.Contains(got, "エージェントの提案から作成") || !strings.Contains(got, "hanako@example.com") {
		t.Errorf("the history: %q", got)
	}
}

// TestAgentScreens takes the panel, a question and a proposal in English
// and Japanese at 1280 and 390 px: nothing scrolls sideways, the options
// wrap.
func TestAgentScreens(t *testing.T) {
	f := agentSetupWith(t, "sqlite", &agentFixture{}, agentShopLines())
	goals := map[string][2]string{ // a goal to ask in Consult mode, and one to ask in Auto mode
		"ja": {f.comebackGoalJA, "リピーターだけに限定クーポンを配りたい。VIPは除外して"},
		"en": {"I want to send a comeback campaign to friends who haven't purchased recently.", "New friends from the last 2 weeks who bought 2 times or more"},
	}
	for _, width := range []int64{1280, 390} {
		for _, lang := range []string{"en", "ja"} {
			t.Run(fmt.Sprintf("%s-%d", lang, width), func(t *testing.T) {
				email := map[string]string{"en": f.ownerEmail, "ja": "hanako@example.com"}[lang]
				ctx := agentBrowser(t, f, email, width)
				shot := func(name string) {
					t.Helper()
					s := fmt.Sprintf("agent-%s-%d-%s", name, width, lang)
					screenshot(t, ctx, s)
					noSideways(t, ctx, s)
				}
				shot("panel")
				run(t, ctx, chromedp.SendKeys(`#agent-goal`, goals[lang][0]), chromedp.Click(`#agent-mode-consult`), chromedp.Click(`#agent-ask`), chromedp.WaitVisible(`#agent-questions`))
				shot("question")
				click(t, ctx, `button[name="choose.recency"][value="60"]`)
				run(t, ctx, chromedp.WaitVisible(`#agent-proposal`))
				shot("proposal")
				run(t, ctx, chromedp.Navigate(f.url+"/a/shop-a/segments"), chromedp.WaitVisible(`#agent-goal`),
					chromedp.SendKeys(`#agent-goal`, goals[lang][1]), chromedp.Click(`#agent-ask`), chromedp.WaitVisible(`#agent-page`))
				shot("auto")
			})
		}
	}
}
