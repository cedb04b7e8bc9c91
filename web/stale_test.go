package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var versionRe = regexp.MustCompile(`name="version" value="(\d+)"`)

// TestStaleEditorSave checks editing together: the editor's form carries the
// segment's version; a save from a form opened before someone else's rename
// is refused (409), changes nothing, and shows the editor again with what
// was typed and a message, in the user's language, naming who changed the
// segment and when. Saving again from that page goes through.
func TestStaleEditorSave(t *testing.T) {
	f := manageSetup(t)
	ctx := context.Background()
	o := f.ownerClient
	edit := fmt.Sprintf("/a/shop-a/segments/%d/edit", f.vip.ID)
	save := fmt.Sprintf("/a/shop-a/segments/%d", f.vip.ID)
	opened := versionRe.FindStringSubmatch(get(o, edit, http.StatusOK))
	if opened == nil {
		t.Fatal("the editor's form carries no version")
	}
	// The member renames the segment from their own editor meanwhile.
	m := f.memberClient
	mv := versionRe.FindStringSubmatch(get(m, edit, http.StatusOK))
	if code, _, body := submit(m, save, withCSRF(m, url.Values{"name": {"Renamed by member"}, "filter": {f.vipFilter}, "folder": {fmt.Sprint(f.campaign.ID)}, "version": {mv[1]}})); code != http.StatusSeeOther {
		t.Fatalf("the member's save: %d\n%s", code, body)
	}
	renamed, err := f.db.Segment(ctx, f.a, f.vip.ID)
	if err != nil {
		t.Fatal(err)
	}
	// The owner's stale save.
	typedName, typedFilter := "Owner's name", f.seminarFilter
	code, _, body := submit(o, save, withCSRF(o, url.Values{"name": {typedName}, "filter": {typedFilter}, "folder": {""}, "version": {opened[1]}}))
	when := renamed.UpdatedAt.In(f.a.Location()).Format("2006-01-02 15:04")
	if code != http.StatusConflict {
		t.Fatalf("a stale save: %d, want 409\n%s", code, body)
	}
	for _, want := range []string{
		`value="` + html.EscapeString(typedName) + `"`,
		`value="` + html.EscapeString(typedFilter) + `"`,
		"member@example.com changed this segment at " + when,
	} {
		if !strings.Contains(html.UnescapeString(body), html.UnescapeString(want)) {
			t.Errorf("the refused editor lacks %q", want)
		}
	}
	got, err := f.db.Segment(ctx, f.a, f.vip.ID)
	if err != nil || got.Name != "Renamed by member" || string(got.Filter) != string(renamed.Filter) || got.Version != renamed.Version {
		t.Fatalf("the stale save changed the segment: %+v %v", got, err)
	}
	// In Japanese too.
	if code, _, _ := submit(o, "/a/shop-a/settings/lang", withCSRF(o, url.Values{"lang": {"ja"}})); code != http.StatusSeeOther {
		t.Fatalf("switch to Japanese: %d", code)
	}
	code, _, body = submit(o, save, withCSRF(o, url.Values{"name": {typedName}, "filter": {typedFilter}, "folder": {""}, "version": {opened[1]}}))
	if want := "member@example.com さんが " + when + " にこのセグメントを変更しました"; code != http.StatusConflict || !strings.Contains(body, want) {
		t.Fatalf("a stale save in Japanese: %d, want %q\n%s", code, want, body)
	}
	// The page carries the current version: saving from it replaces the
	// member's change, knowingly.
	now := versionRe.FindStringSubmatch(body)
	if now == nil || now[1] != fmt.Sprint(renamed.Version) {
		t.Fatalf("the refused editor carries version %v, want %d", now, renamed.Version)
	}
	if code, _, body := submit(o, save, withCSRF(o, url.Values{"name": {typedName}, "filter": {typedFilter}, "folder": {""}, "version": {now[1]}})); code != http.StatusSeeOther {
		t.Fatalf("saving again from the refused editor: %d\n%s", code, body)
	}
	if got, _ := f.db.Segment(ctx, f.a, f.vip.ID); got.Name != typedName {
		t.Fatalf("after saving again: %+v", got)
	}
}
