package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/kizuna-line/kizuna"
)

// TestEditingTogetherInBrowser: the owner opens a segment in the editor, a
// member renames it meanwhile, and the owner's Save is refused with who
// changed it, keeping the name the owner typed; then the tags page's
// warning for a tag that differs from another only in width or case, at
// phone width.
func TestEditingTogetherInBrowser(t *testing.T) {
	ctx := browser(t)
	f := manageSetup(t)
	run(t, ctx,
		chromedp.Navigate(fmt.Sprintf("%s/a/shop-a/segments/%d/edit", f.url, f.vip.ID)),
		chromedp.WaitVisible(`#email`),
		chromedp.SendKeys(`#email`, "owner@example.com"),
		chromedp.SendKeys(`#password`, "correct horse battery"),
		chromedp.Click(`#signin`),
		chromedp.WaitVisible(`#name`),
	)
	renamed := "Renamed by member"
	if _, err := f.db.EditSegment(context.Background(), f.a, "member@example.com", f.vip.ID, kizuna.SegmentEdit{Name: &renamed}); err != nil {
		t.Fatal(err)
	}
	run(t, ctx,
		chromedp.SetValue(`#name`, "Owner's name"),
		chromedp.Click(`#save`),
		chromedp.WaitVisible(`#save-error`),
	)
	if msg := text(t, ctx, `#save-error`); !strings.Contains(msg, "member@example.com changed this segment at ") {
		t.Fatalf("the refusal says %q", msg)
	}
	if name, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('name').value`)); err != nil || name != "Owner's name" {
		t.Fatalf("the typed name is not kept: %q %v", name, err)
	}
	screenshot(t, ctx, "editor-stale-save")
	if seg, _ := f.db.Segment(context.Background(), f.a, f.vip.ID); seg.Name != renamed {
		t.Fatalf("the stale save changed the segment: %q", seg.Name)
	}

	leaveWithoutAsking(t, ctx) // the refused form is unsaved work: leaving asks
	run(t, ctx,
		chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(f.url+"/a/shop-a/tags"),
		chromedp.WaitVisible(`#new-tag`),
		chromedp.SendKeys(`#new-tag`, "ｖｉｐ"),
		chromedp.Click(`#create-tag`),
		chromedp.WaitVisible(`#similar-tag`),
	)
	if msg := text(t, ctx, `#similar-tag p`); !strings.Contains(msg, "A tag 'VIP' already exists") {
		t.Fatalf("the warning says %q", msg)
	}
	// The warning itself fits a phone (the page's other overflow is the
	// layout work's, item 8).
	if wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('similar-confirm').getBoundingClientRect().right > window.innerWidth`)); err != nil || wide {
		t.Errorf("the warning's button is wider than a phone (%v)", err)
	}
	screenshot(t, ctx, "tags-similar-390")
	run(t, ctx, chromedp.Click(`#similar-confirm`), chromedp.WaitVisible(`#tag-list tr[data-tag="ｖｉｐ"]`))
}
