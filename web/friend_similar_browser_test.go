package web_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestFriendSimilarTagInBrowser: on a phone, a friend's "Add tag" with a
// long name equal to an existing tag but for case warns, and the warning's
// buttons (which quote the long names) fit the screen; "Use" adds the
// existing tag.
func TestFriendSimilarTagInBrowser(t *testing.T) {
	ctx := browser(t)
	f := manageSetup(t)
	if err := f.db.CreateTag(context.Background(), f.a, longTag); err != nil {
		t.Fatal(err)
	}
	const dai = "U00000000000000000000000000000004"
	run(t, ctx,
		chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(f.url+"/a/shop-a/friends/"+dai),
		chromedp.WaitVisible(`#email`),
		chromedp.SendKeys(`#email`, "owner@example.com"),
		chromedp.SendKeys(`#password`, "correct horse battery"),
		chromedp.Click(`#signin`),
		chromedp.WaitVisible(`#add-tag`),
		chromedp.SendKeys(`#add-tag`, strings.ToUpper(longTag)),
		chromedp.Click(`#add-tag-button`),
		chromedp.WaitVisible(`#similar-tag`),
	)
	if msg := text(t, ctx, `#similar-tag p`); !strings.Contains(msg, "A tag '"+longTag+"' already exists") {
		t.Fatalf("the warning says %q", msg)
	}
	for _, id := range []string{"similar-use", "similar-confirm"} {
		if wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('`+id+`').getBoundingClientRect().right > window.innerWidth`)); err != nil || wide {
			t.Errorf("#%s is wider than a phone (%v)", id, err)
		}
	}
	if wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`)); err != nil || wide {
		t.Errorf("the friend page with the warning scrolls sideways (%v)", err)
	}
	screenshot(t, ctx, "friend-similar-390")
	run(t, ctx, chromedp.Click(`#similar-use`), chromedp.WaitVisible(`#flash`))
	fr, err := f.db.FindFriend(context.Background(), f.a, dai)
	if err != nil || !slices.Equal(fr.Tags, []string{longTag}) {
		t.Fatalf("after Use: %q %v", fr.Tags, err)
	}
}
