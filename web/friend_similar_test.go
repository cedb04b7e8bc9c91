package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// TestFriendAddSimilarTag checks that a friend's "Add tag" asks first, like
// the tags page, when the tag equals an existing one after normalization
// ("ＶＩＰ" when "VIP" exists): nothing is added until the person picks the
// existing tag or confirms the new one. A refusal of the form (a name of
// spaces) is shown once, under "Add tag".
func TestFriendAddSimilarTag(t *testing.T) {
	f := manageSetup(t)
	o := f.ownerClient
	const dai = "U00000000000000000000000000000004" // no tags
	path := "/a/shop-a/friends/" + dai + "/tags"
	tagsOf := func() []string {
		t.Helper()
		fr, err := f.db.FindFriend(context.Background(), f.a, dai)
		if err != nil {
			t.Fatal(err)
		}
		return fr.Tags
	}
	code, _, body := submit(o, path, withCSRF(o, url.Values{"add": {"ＶＩＰ"}}))
	body = html.UnescapeString(body)
	if code != http.StatusConflict || !strings.Contains(body, "A tag 'VIP' already exists that differs only in width or case") ||
		!strings.Contains(body, `id="similar-use"`) || !strings.Contains(body, "Use 'VIP'") || !strings.Contains(body, "Create 'ＶＩＰ' anyway") {
		t.Fatalf("adding ＶＩＰ next to VIP: %d\n%s", code, body)
	}
	if len(tagsOf()) != 0 {
		t.Fatalf("the tag was added without asking: %q", tagsOf())
	}
	// The existing tag, as offered; then the new one, confirmed.
	if code, _, body := submit(o, path, withCSRF(o, url.Values{"add": {"VIP"}})); code != http.StatusSeeOther || !slices.Equal(tagsOf(), []string{"VIP"}) {
		t.Fatalf("using VIP: %d %q\n%s", code, tagsOf(), body)
	}
	if code, _, body := submit(o, path, withCSRF(o, url.Values{"add": {"ＶＩＰ"}, "confirm_similar": {"1"}})); code != http.StatusSeeOther || !slices.Contains(tagsOf(), "ＶＩＰ") {
		t.Fatalf("confirmed ＶＩＰ: %d %q\n%s", code, tagsOf(), body)
	}
	// A name of spaces: refused once, under the form it concerns.
	page := followRefusal(o, path, withCSRF(o, url.Values{"add": {"   "}}))
	if strings.Count(page, "Enter a tag name") != 1 || !strings.Contains(page, `id="add-tag-error">Enter a tag name`) {
		t.Fatalf("the blank tag's refusal is not shown once under Add tag:\n%s", page)
	}
}
