package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestSearchesNormalize checks that the segment list's and the friend
// list's searches compare text as filters do (NFKC, then case folding).
func TestSearchesNormalize(t *testing.T) {
	f := manageSetup(t)
	o := f.ownerClient
	for _, q := range []string{"ｖｉｐ ＣＵＳＴＯＭＥＲＳ", "VIP", "customers"} {
		body := get(o, "/a/shop-a/segments?q="+url.QueryEscape(q), http.StatusOK)
		if !strings.Contains(body, f.vipName) || strings.Contains(body, "Seminar attendees") {
			t.Errorf("segment search %q does not find just %q", q, f.vipName)
		}
	}
	for _, q := range []string{"ＡＩＫＯ", "aiko", "u0000000000000000000000000000000１"} {
		body := get(o, "/a/shop-a/friends?q="+url.QueryEscape(q), http.StatusOK)
		if !strings.Contains(body, "Aiko") || strings.Contains(body, "Dai") {
			t.Errorf("friend search %q does not find just Aiko", q)
		}
	}
}

// TestSimilarTagWarning checks that creating or renaming a tag on the tags
// page to a name equal to another tag after normalization ("ＶＩＰ" when
// "VIP" exists) is not done at once: the page warns, names the existing
// tag, offers it, and creates or renames only when confirmed. Names equal
// exactly are the store's conflict as before; the API and imports accept
// such tags without asking.
func TestSimilarTagWarning(t *testing.T) {
	f := manageSetup(t)
	ctx := context.Background()
	o := f.ownerClient
	hasTag := func(name string) bool {
		t.Helper()
		tags, err := f.db.Tags(ctx, f.a)
		if err != nil {
			t.Fatal(err)
		}
		for _, tg := range tags {
			if tg.Name == name {
				return true
			}
		}
		return false
	}
	code, _, body := submit(o, "/a/shop-a/tags", withCSRF(o, url.Values{"name": {"ＶＩＰ"}}))
	body = html.UnescapeString(body)
	if code != http.StatusConflict || !strings.Contains(body, "A tag 'VIP' already exists that differs only in width or case: use it, or create 'ＶＩＰ' anyway.") ||
		!strings.Contains(body, `id="similar-confirm"`) || !strings.Contains(body, "Use 'VIP'") {
		t.Fatalf("creating ＶＩＰ next to VIP: %d\n%s", code, body)
	}
	if hasTag("ＶＩＰ") {
		t.Fatal("the tag was created without confirmation")
	}
	if code, _, body := submit(o, "/a/shop-a/tags", withCSRF(o, url.Values{"name": {"ＶＩＰ"}, "confirm_similar": {"1"}})); code != http.StatusSeeOther || !hasTag("ＶＩＰ") {
		t.Fatalf("confirmed creation: %d\n%s", code, body)
	}
	// Renaming Seminar to "vip" now matches two tags: warned; renaming it
	// to a variant of itself is not.
	code, _, body = submit(o, "/a/shop-a/tags/rename", withCSRF(o, url.Values{"from": {"Seminar"}, "to": {"vip"}}))
	if code != http.StatusConflict || !strings.Contains(html.UnescapeString(body), "rename to 'vip' anyway?") || !hasTag("Seminar") {
		t.Fatalf("renaming Seminar to vip: %d\n%s", code, body)
	}
	if code, _, body := submit(o, "/a/shop-a/tags/rename", withCSRF(o, url.Values{"from": {"Seminar"}, "to": {"SEMINAR"}})); code != http.StatusSeeOther || !hasTag("SEMINAR") {
		t.Fatalf("renaming Seminar to SEMINAR: %d\n%s", code, body)
	}
	if code, _, body := submit(o, "/a/shop-a/tags/rename", withCSRF(o, url.Values{"from": {"SEMINAR"}, "to": {"vip"}, "confirm_similar": {"1"}})); code != http.StatusSeeOther || !hasTag("vip") {
		t.Fatalf("confirmed rename: %d\n%s", code, body)
	}
	// In Japanese.
	if code, _, _ := submit(o, "/a/shop-a/settings/lang", withCSRF(o, url.Values{"lang": {"ja"}})); code != http.StatusSeeOther {
		t.Fatalf("switch to Japanese: %d", code)
	}
	code, _, body = submit(o, "/a/shop-a/tags", withCSRF(o, url.Values{"name": {"Vip"}}))
	if code != http.StatusConflict || !strings.Contains(html.UnescapeString(body), "全角・半角や大文字・小文字だけが違うタグ「") {
		t.Fatalf("the warning in Japanese: %d\n%s", code, body)
	}
	// The store still takes such tags as distinct (spec section 1).
	if err := f.db.CreateTag(ctx, f.a, "Vip"); err != nil || !hasTag("Vip") {
		t.Fatalf("the store refuses a tag that differs in case: %v", err)
	}
}
