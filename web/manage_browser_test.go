package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// waitTrue waits until the JavaScript expression js is true.
func waitTrue(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	for range 200 {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err == nil && ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("waiting for %s: never true: %s", what, js)
}

// folderOfJS is an expression: the folder row's text above the list's
// segment named name ("" when the segment is not in the list).
func folderOfJS(name string) string {
	return fmt.Sprintf(`(() => {
		const a = [...document.querySelectorAll('#segments td.name a')].find(a => a.textContent === %q);
		if (!a) return '';
		let tr = a.closest('tr').previousElementSibling;
		while (tr && !tr.classList.contains('folder')) tr = tr.previousElementSibling;
		return tr ? tr.querySelector('.folder-name').textContent.trim() : '';
	})()`, name)
}

// run runs actions or fails the test.
func run(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// TestManageInBrowser manages segments, folders, tags and API tokens as a
// person would: duplicate a segment, move the copy into a folder, rename
// the folder (from the keyboard), delete the copy and restore it, rename
// it, rename a tag (the counts stay), tag a segment's members (a tag
// segment's count follows), read the history, create an API token (shown
// once) and revoke it; then the pages in Japanese.
func TestManageInBrowser(t *testing.T) {
	ctx := browser(t)
	asked := acceptDialogs(ctx)
	f := manageSetup(t)
	base := f.url
	run(t, ctx,
		chromedp.Navigate(base+"/a/shop-a/segments"),
		chromedp.WaitVisible(`#email`),
		chromedp.SendKeys(`#email`, "owner@example.com"),
		chromedp.SendKeys(`#password`, "correct horse battery"),
		chromedp.Click(`#signin`),
		chromedp.WaitVisible(`#segments`),
	)
	if got := text(t, ctx, fmt.Sprintf(`#segments tr[data-segment="%d"] td.count`, f.seminar.ID)); got != "0" {
		t.Fatalf("Seminar attendees at first: %q", got)
	}

	// Duplicate "VIP customers": the copy is in the same folder.
	vipRow := fmt.Sprintf(`#segments tr[data-segment="%d"]`, f.vip.ID)
	run(t, ctx, chromedp.Click(vipRow+` summary`), chromedp.WaitVisible(vipRow+` button.duplicate`))
	screenshot(t, ctx, "manage-segment-menu")
	run(t, ctx, chromedp.Click(vipRow+` button.duplicate`), chromedp.WaitVisible(`//td[@class="name"]/a[text()="VIP customers (copy)"]`))
	waitTrue(t, ctx, "the copy in Campaign", folderOfJS("VIP customers (copy)")+` === "Campaign"`)
	cp := segmentNames(t, f.db, f.a)["VIP customers (copy)"]
	if cp == nil {
		t.Fatal("no copy saved")
	}
	copyRow := fmt.Sprintf(`#segments tr[data-segment="%d"]`, cp.ID)
	if got := text(t, ctx, copyRow+` td.count`); got != "2" {
		t.Fatalf("the copy's count: %q", got)
	}

	// Move the copy into the empty folder.
	run(t, ctx,
		chromedp.Click(copyRow+` summary`),
		chromedp.SetValue(fmt.Sprintf(`#move-%d`, cp.ID), "Empty"),
		chromedp.Click(copyRow+` form.move button`),
	)
	waitTrue(t, ctx, "the copy in Empty", folderOfJS("VIP customers (copy)")+` === "Empty"`)

	// Rename the folder from the keyboard: the folder row's menu, the name, Enter.
	folderMenu := `//input[@name="folder" and @value="Empty"]/ancestor::details[1]`
	run(t, ctx, chromedp.Click(folderMenu+`/summary`), chromedp.WaitVisible(folderMenu+`//input[@name="name"]`))
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('form.delete-folder').length`)); err != nil || n != 0 {
		t.Fatalf("delete offered for %d folders (%v), want none: both hold a segment", n, err)
	}
	screenshot(t, ctx, "manage-folder-menu")
	run(t, ctx,
		chromedp.SetValue(folderMenu+`//input[@name="name"]`, "Spring"),
		chromedp.SendKeys(folderMenu+`//input[@name="name"]`, kb.Enter),
	)
	waitTrue(t, ctx, "the copy in Spring", folderOfJS("VIP customers (copy)")+` === "Spring"`)
	screenshot(t, ctx, "manage-list-after-move")

	// Delete the copy; restore it from the deleted segments page.
	run(t, ctx, chromedp.Click(copyRow+` summary`), chromedp.Click(copyRow+` button.delete`))
	waitTrue(t, ctx, "the copy gone", folderOfJS("VIP customers (copy)")+` === ""`)
	deletedRow := fmt.Sprintf(`#deleted tr[data-segment="%d"]`, cp.ID)
	run(t, ctx, chromedp.Click(`#deleted-link`), chromedp.WaitVisible(deletedRow))
	if got := text(t, ctx, deletedRow+` td.name`); got != "VIP customers (copy)" {
		t.Fatalf("the deleted page: %q", got)
	}
	screenshot(t, ctx, "manage-deleted")
	run(t, ctx, chromedp.Click(deletedRow+` button.restore`), chromedp.WaitVisible(copyRow))
	waitTrue(t, ctx, "the copy back in Spring", folderOfJS("VIP customers (copy)")+` === "Spring"`)

	// Rename the copy in the editor.
	run(t, ctx,
		chromedp.Navigate(fmt.Sprintf("%s/a/shop-a/segments/%d/edit", base, cp.ID)),
		chromedp.WaitVisible(`#name`),
		chromedp.SetValue(`#name`, "VIP copy"),
		chromedp.Click(`#save`),
		chromedp.WaitVisible(`//td[@class="name"]/a[text()="VIP copy"]`),
	)

	// Rename the tag VIP to Gold: the segments that use it count the same friends.
	run(t, ctx, chromedp.Click(`#nav-tags`), chromedp.WaitVisible(`#tag-list tr[data-tag="VIP"]`))
	if got := text(t, ctx, `#tag-list tr[data-tag="VIP"] td.count`); got != "2" {
		t.Fatalf("VIP's friends on the tags page: %q", got)
	}
	screenshot(t, ctx, "manage-tags")
	run(t, ctx,
		chromedp.SetValue(`#tag-list tr[data-tag="VIP"] input[name=to]`, "Gold"),
		chromedp.Click(`#tag-list tr[data-tag="VIP"] form.rename-tag button`),
		chromedp.WaitVisible(`#tag-list tr[data-tag="Gold"]`),
	)
	if got := text(t, ctx, `#tag-list tr[data-tag="Gold"] td.count`); got != "2" {
		t.Fatalf("Gold's friends after the rename: %q", got)
	}
	run(t, ctx, chromedp.Navigate(base+"/a/shop-a/segments"), chromedp.WaitVisible(`#segments`))
	if vip, copyCount := text(t, ctx, vipRow+` td.count`), text(t, ctx, copyRow+` td.count`); vip != "2" || copyCount != "2" {
		t.Fatalf("after renaming the tag: VIP customers %q, VIP copy %q, want 2 each", vip, copyCount)
	}

	// Tag every member of "VIP customers" with Seminar: "Seminar attendees" counts them.
	run(t, ctx,
		chromedp.Click(`#nav-tags`),
		chromedp.WaitVisible(`#apply-segment`),
		chromedp.SetValue(`#apply-segment`, fmt.Sprint(f.vip.ID)),
		chromedp.SendKeys(`#apply-tag-name`, "Seminar"),
		chromedp.Click(`#apply-tag-button`),
		chromedp.WaitVisible(`#flash`),
	)
	if q := asked.last(); q != "Give the tag to all 2 friends in “VIP customers” now?" {
		t.Fatalf("the confirmation before tagging: %q", q)
	}
	if got := text(t, ctx, `#flash`); got != "2 friends in “VIP customers” now carry the tag “Seminar”." {
		t.Fatalf("the notice after tagging: %q", got)
	}
	screenshot(t, ctx, "manage-tags-applied")
	run(t, ctx, chromedp.Click(`nav.tabs a[href$="/segments"]`), chromedp.WaitVisible(`#segments`))
	if got := text(t, ctx, fmt.Sprintf(`#segments tr[data-segment="%d"] td.count`, f.seminar.ID)); got != "2" {
		t.Fatalf("Seminar attendees after tagging VIP customers' members: %q", got)
	}

	// The copy's history: newest first, the tag rename's edit, the rename, ... the creation.
	run(t, ctx, chromedp.Click(copyRow+` summary`), chromedp.Click(copyRow+` a.history-link`), chromedp.WaitVisible(`#history`))
	actions, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#history td.action')].map(td => td.innerText)`))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Conditions edited", "Renamed", "Restored", "Deleted", "Moved to another folder", "Created"}
	if fmt.Sprint(actions) != fmt.Sprint(want) {
		t.Fatalf("history actions %q, want %q", actions, want)
	}
	if first := text(t, ctx, `#history tbody tr:first-child td.filters`); !strings.Contains(first, `"VIP"`) || !strings.Contains(first, `"Gold"`) {
		t.Fatalf("the edit's conditions before and after: %q", first)
	}
	if renamed := text(t, ctx, `#history tbody tr:nth-child(2) td.names`); renamed != "VIP customers (copy) → VIP copy" {
		t.Fatalf("the rename: %q", renamed)
	}
	screenshot(t, ctx, "manage-history")

	// An API token: shown once, listed by ID afterwards, revoked.
	run(t, ctx, chromedp.Click(`#nav-settings`), chromedp.WaitVisible(`#create-token`), chromedp.Click(`#create-token`), chromedp.WaitVisible(`#new-token`))
	token := text(t, ctx, `#new-token`)
	if !strings.HasPrefix(token, "kzn_") {
		t.Fatalf("the new token: %q", token)
	}
	screenshot(t, ctx, "manage-settings-token")
	run(t, ctx, chromedp.Navigate(base+"/a/shop-a/settings"), chromedp.WaitVisible(`#tokens tr[data-token]`))
	html, err := chromedp.Run(ctx, chromedp.OuterHTML(`html`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(html, token) || strings.Contains(html, `id="new-token"`) {
		t.Fatal("the settings page shows the token again")
	}
	run(t, ctx, chromedp.Click(`#tokens button.revoke`), chromedp.WaitVisible(`//table[@id="tokens"]//td[contains(@class,"muted")]`))
	if got := text(t, ctx, `#tokens tbody`); got != "No API tokens yet." {
		t.Fatalf("after revoking: %q", got)
	}
	screenshot(t, ctx, "manage-settings-revoked")

	// In Japanese (the switch saves it on the user too).
	run(t, ctx, chromedp.Click(`#lang-switch`), chromedp.WaitVisible(`//h1[text()="設定"]`))
	if u, _ := f.db.Authenticate(context.Background(), "owner@example.com", "correct horse battery"); u.Lang != "ja" {
		t.Fatalf("the header's switch saved %q on the user", u.Lang)
	}
	screenshot(t, ctx, "manage-settings-ja")
	run(t, ctx, chromedp.Click(`#nav-tags`), chromedp.WaitVisible(`//h1[text()="タグ"]`))
	screenshot(t, ctx, "manage-tags-ja")
	run(t, ctx, chromedp.Navigate(base+"/a/shop-a/segments"), chromedp.WaitVisible(`#segments`), chromedp.Click(copyRow+` summary`), chromedp.WaitVisible(copyRow+` button.delete`))
	if got := text(t, ctx, copyRow+` button.delete`); got != "削除" {
		t.Fatalf("the Japanese menu's delete: %q", got)
	}
	screenshot(t, ctx, "manage-segment-menu-ja")
	run(t, ctx, chromedp.Click(copyRow+` button.delete`))
	waitTrue(t, ctx, "the copy gone", folderOfJS("VIP copy")+` === ""`)
	run(t, ctx, chromedp.Click(`#deleted-link`), chromedp.WaitVisible(deletedRow))
	if got := text(t, ctx, deletedRow+` button.restore`); got != "復元" {
		t.Fatalf("the Japanese restore button: %q", got)
	}
	screenshot(t, ctx, "manage-deleted-ja")
	run(t, ctx, chromedp.Click(deletedRow+` a`), chromedp.WaitVisible(`#history`))
	if got := text(t, ctx, `#history tbody tr:first-child td.action`); got != "削除" {
		t.Fatalf("the Japanese history's latest change: %q", got)
	}
	screenshot(t, ctx, "manage-history-ja")
}
