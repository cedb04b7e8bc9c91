package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kizuna-line/kizuna"
)

// TestRefusalsInJapaneseBrowser: in Chromium, a Japanese user saves a
// segment with a blank name and a between of 10 to 2; the name's refusal
// is in Japanese under the name field, and the editor's preview says the
// condition's refusal in Japanese at that condition. Then the friend page
// and "why" at 1400 px and 390 px (screenshots).
func TestRefusalsInJapaneseBrowser(t *testing.T) {
	ctx := browser(t)
	f := manageSetup(t)
	u, err := f.db.CreateUser(context.Background(), "ja@example.com", "correct horse battery", "ja")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.db.AddMember(context.Background(), u, f.a, kizuna.RoleOwner); err != nil {
		t.Fatal(err)
	}
	run(t, ctx,
		chromedp.Navigate(f.url+"/a/shop-a/segments/new"),
		chromedp.WaitVisible(`#email`),
		chromedp.SendKeys(`#email`, "ja@example.com"),
		chromedp.SendKeys(`#password`, "correct horse battery"),
		chromedp.Click(`#signin`),
		chromedp.WaitVisible(`#segment-form`),
	)
	// The form as the editor would send it, without the editor's checks
	// (form.submit() skips the editor's own submit handler, so the page
	// asks before leaving its unsaved work: say yes).
	leaveWithoutAsking(t, ctx)
	submit := func(name, filter string) {
		t.Helper()
		js := fmt.Sprintf(`(() => { document.getElementById('name').value = %q; document.getElementById('filter').value = %q; document.getElementById('segment-form').submit(); return true })()`, name, filter)
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err != nil {
			t.Fatal(err)
		}
	}
	submit("   ", f.vipFilter)
	waitText(t, ctx, `#name-error`, "名前を入力してください。")
	screenshot(t, ctx, "refusal-name-ja")
	submit("Big spenders", `{"groups":[{"conditions":[{"field":"shopify.orders_count","op":"between","value":[10,2]}]}]}`)
	const between = "範囲は下限を上限以下にしてください（10 が 2 より大きくなっています）。"
	waitText(t, ctx, `#save-error`, between)
	waitText(t, ctx, `#groups .condition .error`, between)
	screenshot(t, ctx, "refusals-ja")

	line := `{"line_user_id": "U0000000000000000000000000000000e", "display_name": "Emi", "added_at": "2026-11-19T15:30:00Z", ` +
		`"klaviyo": {"profile_id": "k1", "lists": ["XyZ9"], "properties": {"plan": "free", "vip": true}}}`
	if _, err := f.db.ImportFriends(context.Background(), f.a, strings.NewReader(line), kizuna.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	cat, err := kizuna.ParseCatalog([]byte(`{"klaviyo": {"lists": [{"id": "XyZ9", "name": "春のセール"}], "properties": [
		{"name": "plan", "label": "プラン", "type": "string", "options": [{"value": "free", "label": "無料プラン"}]},
		{"name": "vip", "label": "VIP会員", "type": "bool"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.db.PutCatalog(context.Background(), f.a, cat); err != nil {
		t.Fatal(err)
	}
	seg, err := f.db.CreateSegment(context.Background(), f.a, "test", "セール対象", 0, []byte(`{"groups":[{"conditions":[
		{"field":"klaviyo.list","op":"member_of","value":["XyZ9"]},
		{"field":"klaviyo.property","property":"plan","type":"string","op":"eq","value":"free"},
		{"field":"klaviyo.property","property":"vip","type":"bool","op":"is","value":true}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, width := range []int64{1400, 390} {
		run(t, ctx, chromedp.EmulateViewport(width, 900))
		run(t, ctx, chromedp.Navigate(f.url+"/a/shop-a/friends/U0000000000000000000000000000000e"), chromedp.WaitVisible(`#friend-name`))
		page := text(t, ctx, `main`)
		for _, w := range []string{"春のセール", "無料プラン", "VIP会員", "はい", "2026-11-20 00:30 JST"} {
			if !strings.Contains(page, w) {
				t.Errorf("%d px: the friend page lacks %q:\n%s", width, w, page)
			}
		}
		screenshot(t, ctx, fmt.Sprintf("friend-values-ja-%d", width))
		run(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/a/shop-a/friends/U0000000000000000000000000000000e/why?segment=%d", f.url, seg.ID)), chromedp.WaitVisible(`#why`))
		why := text(t, ctx, `#why`)
		for _, w := range []string{"リスト: 春のセール", "プラン: 無料プラン", "VIP会員: はい"} {
			if !strings.Contains(why, w) {
				t.Errorf("%d px: why lacks %q:\n%s", width, w, why)
			}
		}
		for _, raw := range []string{"XyZ9", "free", "true"} {
			if strings.Contains(why, raw) {
				t.Errorf("%d px: why shows the raw %q:\n%s", width, raw, why)
			}
		}
		screenshot(t, ctx, fmt.Sprintf("why-ja-%d", width))
	}
}
