package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kizuna-line/kizuna"
)

// TestFlashIsTheServers: a notice is the server's own record for the
// session that made the change. Words in the address bar show nothing; a
// flash cookie carried to another session, or altered, shows nothing.
func TestFlashIsTheServers(t *testing.T) {
	f := manageSetup(t)
	c := f.ownerClient
	form := withCSRF(c, url.Values{"name": {"Spring"}})
	if code, loc, _ := submit(c, "/a/shop-a/folders", form); code != http.StatusSeeOther || loc != "/a/shop-a/segments" {
		t.Fatalf("create folder: %d %q", code, loc)
	}
	u, _ := url.Parse(f.url)
	var flash *http.Cookie
	for _, ck := range c.c.Jar.Cookies(u) {
		if ck.Name == "kizuna_flash" {
			flash = ck
		}
	}
	if flash == nil {
		t.Fatal("no flash after a change")
	}
	// Another session (the member's) with the owner's flash: nothing.
	m := f.memberClient
	m.c.Jar.SetCookies(u, []*http.Cookie{{Name: "kizuna_flash", Value: flash.Value, Path: "/"}})
	if page := get(m, "/a/shop-a/segments", http.StatusOK); strings.Contains(page, `id="flash"`) {
		t.Fatal("another session shows the owner's flash")
	}
	// Altered words with the old signature: nothing.
	payload, mac, _ := strings.Cut(flash.Value, ".")
	forged := strings.Replace(payload, payload[:8], "eyJ0IjoiWW91IHdvbiJ9"[:8], 1) + "." + mac
	jar, _ := cookiejar.New(nil)
	d := manageSignIn(t, &client{t: t, url: f.url, c: &http.Client{Jar: jar, CheckRedirect: c.c.CheckRedirect}}, "owner@example.com")
	d.c.Jar.SetCookies(u, []*http.Cookie{{Name: "kizuna_flash", Value: forged, Path: "/"}})
	if page := get(d, "/a/shop-a/segments", http.StatusOK); strings.Contains(page, `id="flash"`) {
		t.Fatal("an altered flash is shown")
	}
	// The owner's own: shown once.
	if page := get(c, "/a/shop-a/segments", http.StatusOK); !strings.Contains(page, "Folder “Spring” created.") {
		t.Fatalf("the owner's notice is not shown:\n%s", page)
	}
	if page := get(c, "/a/shop-a/segments", http.StatusOK); strings.Contains(page, `id="flash"`) {
		t.Fatal("the notice is shown twice")
	}
}

// TestNoticesAfterChanges: every change on the list, the tags page, the
// friend page and settings says what it did; a tag of spaces only is
// refused with a message (it used to do nothing, silently).
func TestNoticesAfterChanges(t *testing.T) {
	f := manageSetup(t)
	c := f.ownerClient
	vip := fmt.Sprintf("/a/shop-a/segments/%d", f.vip.ID)
	landsOn(c, vip+"/duplicate", withCSRF(c, nil), "/a/shop-a/segments", false, "Duplicated as “VIP customers (copy)”.")
	landsOn(c, vip+"/move", withCSRF(c, url.Values{"folder": {"Empty"}}), "/a/shop-a/segments", false, "“VIP customers” moved to the folder “Empty”.")
	landsOn(c, vip+"/move", withCSRF(c, url.Values{"folder": {""}}), "/a/shop-a/segments", false, "“VIP customers” taken out of its folder.")
	landsOn(c, vip+"/delete", withCSRF(c, nil), "/a/shop-a/segments", false, "Segment “VIP customers” deleted.")
	landsOn(c, vip+"/restore", withCSRF(c, nil), "/a/shop-a/segments", false, "Segment “VIP customers” restored.")
	landsOn(c, "/a/shop-a/segments", withCSRF(c, url.Values{"name": {"Newcomers"}, "filter": {f.vipFilter}}), "/a/shop-a/segments", false, "Segment “Newcomers” created.")
	landsOn(c, vip, withCSRF(c, url.Values{"name": {"VIP"}, "filter": {f.vipFilter}}), "/a/shop-a/segments", false, "Segment “VIP” saved.")
	landsOn(c, "/a/shop-a/tags", withCSRF(c, url.Values{"name": {"Gold"}}), "/a/shop-a/tags", false, "Tag “Gold” created.")
	landsOn(c, "/a/shop-a/tags/rename", withCSRF(c, url.Values{"from": {"Gold"}, "to": {"Platinum"}}), "/a/shop-a/tags", false, "Tag “Gold” renamed to “Platinum”.")
	landsOn(c, "/a/shop-a/tags/delete", withCSRF(c, url.Values{"name": {"Platinum"}}), "/a/shop-a/tags", false, "Tag “Platinum” deleted.")
	// One friend: English says "friend", not "friends".
	if _, err := f.db.CreateSegment(context.Background(), f.a, "test", "Dai only", 0, []byte(`{"groups":[{"conditions":[{"field":"tag","op":"not_has","value":"VIP"}]}]}`)); err != nil {
		t.Fatal(err)
	}
	dai := segmentNames(t, f.db, f.a)["Dai only"]
	landsOn(c, "/a/shop-a/tags/apply", withCSRF(c, url.Values{"segment": {fmt.Sprint(dai.ID)}, "tag": {"Seminar"}}), "/a/shop-a/tags", false, "1 friend in “Dai only” now carries the tag “Seminar”.")

	friend := "/a/shop-a/friends/U00000000000000000000000000000004"
	landsOn(c, friend+"/tags", withCSRF(c, url.Values{"add": {"Newsletter"}}), friend, false, "Tag “Newsletter” added.")
	landsOn(c, friend+"/tags", withCSRF(c, url.Values{"remove": {"Newsletter"}}), friend, false, "Tag “Newsletter” removed.")
	landsOn(c, friend+"/tags", withCSRF(c, url.Values{"add": {"   "}}), friend, true, "spaces alone are not a name")
	if code, _, _ := submit(c, "/a/shop-a/friends/U0000000000000000000000000000000b/tags", withCSRF(c, url.Values{"add": {" "}})); code != http.StatusNotFound {
		t.Fatalf("a blank tag for another account's friend: %d, want 404", code)
	}
	landsOn(c, "/a/shop-a/settings/lang", withCSRF(c, url.Values{"lang": {"ja"}}), "/a/shop-a/settings", false, "表示言語を保存しました。")
}

// TestConfirmations: the forms that delete, or change many friends at
// once, carry the question pages.js asks; tagging a segment's members
// names how many friends it tags.
func TestConfirmations(t *testing.T) {
	f := manageSetup(t)
	c := f.ownerClient
	list := get(c, "/a/shop-a/segments", http.StatusOK)
	if !strings.Contains(list, `data-confirm="Delete the segment “VIP customers”? It can be restored for 30 days."`) {
		t.Fatalf("the list's delete asks nothing:\n%s", list)
	}
	tags := get(c, "/a/shop-a/tags", http.StatusOK)
	for _, want := range []string{
		`data-confirm="Delete the tag “VIP”? 2 friends lose it, and this cannot be undone."`,
		fmt.Sprintf(`<option value="%d" data-confirm="Give the tag to all 2 friends in “VIP customers” now?">`, f.vip.ID),
		fmt.Sprintf(`<option value="%d" data-confirm="Give the tag to all 0 friends in “Seminar attendees” now?">`, f.seminar.ID),
		`data-confirm-option="apply-segment"`,
	} {
		if !strings.Contains(tags, want) {
			t.Fatalf("the tags page lacks %s:\n%s", want, tags)
		}
	}
	settings := get(c, "/a/shop-a/settings", http.StatusOK)
	if !strings.Contains(settings, `data-confirm="Remove member@example.com from this account?`) {
		t.Fatalf("removing a member asks nothing:\n%s", settings)
	}
	if !strings.Contains(get(c, "/a/shop-a/friends/U00000000000000000000000000000001", http.StatusOK), `data-confirm="Remove the tag “VIP” from this friend?"`) {
		t.Fatal("removing a friend's tag asks nothing")
	}
}

var memberRowRe = regexp.MustCompile(`<tr data-friend="(U[0-9a-f]{32})">`)

// TestSegmentMembersPage: a segment's members, every one over pages of 50
// with the total, each linking to why; followers only; another account's
// segment is not found; the friend list filtered to the segment holds the
// same friends.
func TestSegmentMembersPage(t *testing.T) {
	f := manageSetup(t)
	c := f.ownerClient
	var lines []string
	for i := range 120 {
		status := "following"
		if i%10 == 0 {
			status = "blocked"
		}
		lines = append(lines, fmt.Sprintf(`{"line_user_id": "U%032x", "display_name": "Guest %d", "added_at": "2026-10-%02dT10:00:00+09:00", "status": %q, "tags": ["VIP"]}`, 0x100+i, i, 1+i%28, status))
	}
	if _, err := f.db.ImportFriends(context.Background(), f.a, strings.NewReader(strings.Join(lines, "\n")), kizuna.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	want := 2 + 108 // Aiko and Ben, and the following guests
	path := fmt.Sprintf("/a/shop-a/segments/%d/members", f.vip.ID)
	seen := map[string]bool{}
	pages := 0
	for next := path; next != ""; pages++ {
		if pages > 5 {
			t.Fatal("the members pages do not end")
		}
		page := get(c, next, http.StatusOK)
		if !strings.Contains(page, fmt.Sprintf("%d friends are in this segment now.", want)) {
			t.Fatalf("page %d lacks the total:\n%s", pages+1, page)
		}
		rows := memberRowRe.FindAllStringSubmatch(page, -1)
		if len(rows) > 50 {
			t.Fatalf("page %d lists %d friends", pages+1, len(rows))
		}
		for _, r := range rows {
			if seen[r[1]] {
				t.Fatalf("%s listed twice", r[1])
			}
			seen[r[1]] = true
			if !strings.Contains(page, fmt.Sprintf(`href="/a/shop-a/friends/%s/why?segment=%d"`, r[1], f.vip.ID)) {
				t.Fatalf("%s has no link to why", r[1])
			}
		}
		next = ""
		if m := regexp.MustCompile(`id="members-next" href="\?after=([^"]+)"`).FindStringSubmatch(page); m != nil {
			next = path + "?after=" + strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	if len(seen) != want || pages != 3 || seen["U00000000000000000000000000000003"] || seen["U00000000000000000000000000000004"] {
		t.Fatalf("%d members over %d pages (want %d over 3; no blocked or untagged friend)", len(seen), pages, want)
	}
	// The list links to the page; another account's segment is not found.
	if list := get(c, "/a/shop-a/segments", http.StatusOK); !strings.Contains(list, `href="`+path+`"`) {
		t.Fatal("the segment list does not link to the members page")
	}
	get(c, fmt.Sprintf("/a/shop-a/segments/%d/members", f.bSeg.ID), http.StatusNotFound)
	get(c, fmt.Sprintf("/a/shop-b/segments/%d/members", f.bSeg.ID), http.StatusNotFound)

	// The friend list filtered to the segment: the same friends.
	inList := map[string]bool{}
	next := fmt.Sprintf("/a/shop-a/friends?segment=%d&only=in", f.vip.ID)
	for range 5 {
		page := get(c, next, http.StatusOK)
		for _, m := range regexp.MustCompile(`href="/a/shop-a/friends/(U[0-9a-f]{32})"`).FindAllStringSubmatch(page, -1) {
			inList[m[1]] = true
		}
		m := regexp.MustCompile(`href="(\?[^"]*only=in[^"]*after=[^"]+)"`).FindStringSubmatch(page)
		if m == nil {
			break
		}
		next = "/a/shop-a/friends" + strings.ReplaceAll(m[1], "&amp;", "&")
	}
	if len(inList) != want {
		t.Fatalf("the friend list filtered to the segment holds %d friends, want %d", len(inList), want)
	}
	for id := range inList {
		if !seen[id] {
			t.Fatalf("%s is in the filtered friend list but not a member", id)
		}
	}
	// Without "only", the list marks members and shows the others too.
	if page := get(c, fmt.Sprintf("/a/shop-a/friends?segment=%d&q=Dai", f.vip.ID), http.StatusOK); !strings.Contains(page, "U00000000000000000000000000000004") {
		t.Fatal("the marked (not filtered) list hides a non-member")
	}
}

// TestListFoldersAndSearch: each folder says how many segments it holds
// (English plural forms); a search that finds nothing says so.
func TestListFoldersAndSearch(t *testing.T) {
	f := manageSetup(t)
	c := f.ownerClient
	list := get(c, "/a/shop-a/segments", http.StatusOK)
	for _, want := range []string{`<span class="folder-name" title="Campaign">Campaign</span> <span class="folder-count muted">1 segment</span>`,
		`<span class="folder-name" title="Empty">Empty</span> <span class="folder-count muted">0 segments</span>`, `class="folder-toggle"`} {
		if !strings.Contains(list, want) {
			t.Fatalf("the list lacks %s:\n%s", want, list)
		}
	}
	if page := get(c, "/a/shop-a/segments?q=nothing-like-this", http.StatusOK); !strings.Contains(page, "No segment name contains “nothing-like-this”.") {
		t.Fatalf("a search that finds nothing says nothing:\n%s", page)
	}
}

// TestStaleFormWayBack: a form whose CSRF token expired answers a page with
// a way back: the page it came from (this site's only), or sign-in.
func TestStaleFormWayBack(t *testing.T) {
	f := manageSetup(t)
	c := f.ownerClient
	post := func(referer string) string {
		req, _ := http.NewRequest("POST", f.url+"/a/shop-a/tags", strings.NewReader(url.Values{"csrf": {"stale"}, "name": {"X"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if referer != "" {
			req.Header.Set("Referer", referer)
		}
		res, err := c.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b := new(strings.Builder)
		fmt.Fprint(b, res.StatusCode)
		buf := make([]byte, 1<<16)
		n, _ := res.Body.Read(buf)
		return b.String() + string(buf[:n])
	}
	if page := post(f.url + "/a/shop-a/tags"); !strings.HasPrefix(page, "403") || !strings.Contains(page, `id="back" href="/a/shop-a/tags"`) {
		t.Fatalf("the stale form's page offers no way back to the tags page:\n%s", page)
	}
	if page := post("https://evil.example/a/shop-a/tags"); strings.Contains(page, "evil.example") || !strings.Contains(page, `id="back" href="/`) {
		t.Fatalf("the way back leaves the site:\n%s", page)
	}
	// Signed out: sign in again.
	jar, _ := cookiejar.New(nil)
	anon := &client{t: t, url: f.url, c: &http.Client{Jar: jar}}
	if code, page := anon.do("POST", "/signin", url.Values{"csrf": {"stale"}}); code != http.StatusForbidden || !strings.Contains(page, `id="back" href="/signin"`) {
		t.Fatalf("a stale sign-in form offers no way back: %d\n%s", code, page)
	}
}
