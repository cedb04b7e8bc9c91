package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/internal/conformance"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/web"
)

// browser starts headless Chromium for a test, or fails (under CI) or
// skips (elsewhere) when there is none.
func browser(t *testing.T) context.Context {
	t.Helper()
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("no Chromium: .ci/run installs Debian's chromium package")
		}
		t.Skip("no Chromium on this machine (apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.WindowSize(1280, 900))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	// The first run starts the browser, which lives as long as the context
	// of that run: no timeout on it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	ctx, cancel3 := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancel3)
	return ctx
}

// screenshot saves the page to the screenshots folder (KIZUNA_SCREENSHOTS,
// default web/screenshots), which CI lists in its log.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("KIZUNA_SCREENSHOTS")
	if dir == "" {
		dir = "screenshots"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// A page that has just replaced another (a form's redirect) may not be
	// laid out yet: wait until it has loaded, and give a page of no width
	// a moment (Chromium refuses to capture it).
	var png []byte
	var err error
	for try := 0; try < 50; try++ {
		var state string
		if state, err = chromedp.Run(ctx, chromedp.Evaluate[string](`document.readyState`)); err == nil && state != "complete" {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		if png, err = chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil || !strings.Contains(err.Error(), "0 width") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err == nil && png == nil { // never "complete": take what there is
		png, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
	}
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}

// text returns the visible text of the first element sel matches.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// pick sets the value of the k-th condition's value field and fires "change".
func pick(t *testing.T, ctx context.Context, k int, value string) {
	t.Helper()
	js := fmt.Sprintf(`(() => { const e = document.querySelectorAll('#groups .condition .value')[%d]; e.value = %q; e.dispatchEvent(new Event('change', {bubbles: true})); return e.value })()`, k, value)
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil || got != value {
		t.Fatalf("pick %q: %q %v", value, got, err)
	}
}

// waitText waits until the element's text is want.
func waitText(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	// The text is read in one step in the page: the element may be
	// replaced between a lookup and a read (the preview redraws).
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.innerText.trim() : "" })()`, sel)
	var got string
	for range 300 { // up to 15 s: CI machines run the race detector and Chromium at once
		var err error
		if got, err = chromedp.Run(ctx, chromedp.Evaluate[string](js)); err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		if got == want {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: %q, want %q", sel, got, want)
}

// TestSignInAndSegmentList signs in through the form, finds a saved segment
// in its folder with its current count, switches to Japanese, and finds
// another account's URL answering "not found".
func TestSignInAndSegmentList(t *testing.T) {
	ctx := browser(t)
	bg := context.Background()
	db := testdb.Open(t, "sqlite")
	a, _ := db.CreateAccount(bg, "shop-a", "Asia/Tokyo")
	if _, err := db.CreateAccount(bg, "shop-b", "Asia/Tokyo"); err != nil {
		t.Fatal(err)
	}
	lines := []string{
		`{"line_user_id": "U00000000000000000000000000000001", "display_name": "あいこ", "added_at": "2026-11-20T10:00:00+09:00", "tags": ["VIP"]}`,
		`{"line_user_id": "U00000000000000000000000000000002", "display_name": "Ben", "added_at": "2026-11-21T10:00:00+09:00", "tags": ["VIP"]}`,
		`{"line_user_id": "U00000000000000000000000000000003", "display_name": "Chika", "added_at": "2026-11-22T10:00:00+09:00", "status": "blocked", "tags": ["VIP"]}`,
		`{"line_user_id": "U00000000000000000000000000000004", "display_name": "Dai", "added_at": "2026-11-23T10:00:00+09:00"}`,
	}
	if _, err := db.ImportFriends(bg, a, strings.NewReader(strings.Join(lines, "\n")), kizuna.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	folder, _ := db.CreateFolder(bg, a, "キャンペーン")
	if _, err := db.CreateSegment(bg, a, "test", "VIP customers", folder.ID, json.RawMessage(`{"groups":[{"conditions":[{"field":"tag","op":"has","value":"VIP"}]}]}`)); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateTag(bg, a, "Seminar"); err != nil {
		t.Fatal(err)
	}
	seminar, err := db.CreateSegment(bg, a, "test", "Seminar attendees", 0, json.RawMessage(`{"groups":[{"conditions":[{"field":"tag","op":"has","value":"Seminar"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	u, err := db.CreateUser(bg, "owner@example.com", "correct horse battery", "en")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.AddMember(bg, u, a, kizuna.RoleOwner); err != nil {
		t.Fatal(err)
	}
	eng := engine.New(db, db, nil)
	defer eng.Stop()
	srv := httptest.NewServer(web.New(eng, db, nil).Handler())
	defer srv.Close()

	// A wrong password first: the form says so.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/a/shop-a/segments"),
		chromedp.WaitVisible(`#email`),
		chromedp.SendKeys(`#email`, "owner@example.com"),
		chromedp.SendKeys(`#password`, "not the password"),
		chromedp.Click(`#signin`),
		chromedp.WaitVisible(`[role=alert]`),
	); err != nil {
		t.Fatal(err)
	}
	alert := text(t, ctx, `[role=alert]`)
	if !strings.Contains(alert, "wrong") {
		t.Fatalf("after a wrong password: %q", alert)
	}
	screenshot(t, ctx, "signin-wrong-password")

	if err := chromedp.Do(ctx,
		chromedp.SendKeys(`#password`, "correct horse battery"), // the form came back with the address kept and no password
		chromedp.Click(`#signin`),
		chromedp.WaitVisible(`#segments`),
	); err != nil {
		t.Fatal(err)
	}
	name, count, heading := text(t, ctx, `#segments tr.in-folder td.name`), text(t, ctx, `#segments tr.in-folder td.count`), text(t, ctx, `h1`)
	if name != "VIP customers" || count != "2" || heading != "Segments" {
		t.Fatalf("segment list: name %q count %q heading %q (want the 2 following VIPs)", name, count, heading)
	}
	screenshot(t, ctx, "segment-list-en")
	seminarCount := fmt.Sprintf(`#segments tr[data-segment="%d"] td.count`, seminar.ID)
	if got := text(t, ctx, seminarCount); got != "0" {
		t.Fatalf("the Seminar segment before tagging: %q", got)
	}

	// On a friend's page, add a tag: the tag segment's count follows.
	if err := chromedp.Do(ctx,
		chromedp.Click(`#nav-friends`),
		chromedp.WaitVisible(`#friends`),
		chromedp.Click(`//a[text()="Dai"]`),
		chromedp.WaitVisible(`#add-tag`),
		chromedp.SendKeys(`#add-tag`, "Seminar"),
		chromedp.Click(`#add-tag-button`),
		chromedp.WaitVisible(`//ul[@id="tags"]//span[text()="Seminar"]`),
	); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, `#friend-segments`); !strings.Contains(got, "Seminar attendees") {
		t.Fatalf("the friend's segments after tagging: %q", got)
	}
	screenshot(t, ctx, "friend-page-tagged")

	// Why is Dai in "Seminar attendees"? The condition, Dai's value, the result.
	if err := chromedp.Do(ctx,
		chromedp.SetValue(`#why-segment`, fmt.Sprint(seminar.ID)),
		chromedp.Click(`#why-button`),
		chromedp.WaitVisible(`#verdict`),
	); err != nil {
		t.Fatal(err)
	}
	if v, row := text(t, ctx, `#verdict`), text(t, ctx, `table.why tbody tr`); v != "In the segment now." || !strings.Contains(row, "tags: Seminar") || !strings.Contains(row, "yes") {
		t.Fatalf("why: verdict %q, condition row %q", v, row)
	}
	screenshot(t, ctx, "why-in-segment")

	// The editor: two groups, the preview following each change, saved
	// into a new folder, then found in the list with its count.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/a/shop-a/segments"),
		chromedp.Click(`#create-segment`),
		chromedp.Click(`#add-first`, chromedp.NodeVisible), // a new segment starts with no condition
		chromedp.WaitVisible(`#groups .condition`),
		chromedp.SendKeys(`#name`, "Comeback"),
	); err != nil {
		t.Fatal(err)
	}
	pick(t, ctx, 0, "VIP")
	waitText(t, ctx, `#preview-count`, "2")
	if err := chromedp.Do(ctx, chromedp.Click(`#groups .group .add-and`)); err != nil { // AND: has "Seminar"
		t.Fatal(err)
	}
	pick(t, ctx, 1, "Seminar")
	waitText(t, ctx, `#preview-count`, "0")
	if err := chromedp.Do(ctx, chromedp.Click(`#add-or`)); err != nil { // OR: a group with has "Seminar"
		t.Fatal(err)
	}
	pick(t, ctx, 2, "Seminar")
	waitText(t, ctx, `#preview-count`, "1")
	if got := text(t, ctx, `#preview-sample`); got != "Dai" {
		t.Fatalf("the preview's sample: %q", got)
	}
	screenshot(t, ctx, "editor-two-groups")
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(`#new-folder`, "Spring"),
		chromedp.Click(`#save`),
		chromedp.WaitVisible(`#segments`),
	); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, `//tr[td[@class="name"]/a[text()="Comeback"]]/td[contains(@class,"count")]`); got != "1" {
		t.Fatalf("the saved segment's count in the list: %q", got)
	}
	if got := text(t, ctx, `//tr[td[@class="name"]/a[text()="Comeback"]]/preceding-sibling::tr[@class="folder"][1]//span[@class="folder-name"]`); got != "Spring" {
		t.Fatalf("the saved segment's folder: %q", got)
	}
	screenshot(t, ctx, "segment-list-after-save")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/a/shop-a/segments"),
		chromedp.WaitVisible(`#segments`),
	); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, seminarCount); got != "1" {
		t.Fatalf("the Seminar segment after tagging Dai: %q", got)
	}

	if err := chromedp.Do(ctx,
		chromedp.Click(`#lang-switch`),
		chromedp.WaitVisible(`#q[placeholder="セグメント名で検索"]`),
	); err != nil {
		t.Fatal(err)
	}
	heading = text(t, ctx, `h1`)
	if heading != "セグメント" {
		t.Fatalf("after switching to Japanese: %q", heading)
	}
	screenshot(t, ctx, "segment-list-ja")
	// In Japanese, the editor's preview summary is Japanese too.
	if err := chromedp.Do(ctx,
		chromedp.Click(`//td[@class="name"]/a[text()="Comeback"]`),
		chromedp.WaitVisible(`#groups .condition`),
	); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, `#preview-count`, "1")
	if got := text(t, ctx, `#preview-summary`); !strings.Contains(got, "タグ") || !strings.Contains(got, "または") {
		t.Fatalf("the Japanese summary: %q", got)
	}
	screenshot(t, ctx, "editor-ja")

	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/a/shop-b/segments"),
		chromedp.WaitVisible(`h1`),
	); err != nil {
		t.Fatal(err)
	}
	heading = text(t, ctx, `h1`)
	if heading != "見つかりません" {
		t.Fatalf("another account's page: %q", heading)
	}
	screenshot(t, ctx, "other-account-not-found")
}

// TestEditorFields works the editor's typed inputs: a HubSpot segment
// picked by its catalog name, a property picked by its label whose values
// come from the catalog's options, "why in or out" from the preview's
// sample and for a friend named by hand, and a saved property segment that
// opens editable with its values in place.
func TestEditorFields(t *testing.T) {
	ctx := browser(t)
	bg := context.Background()
	db := testdb.Open(t, "sqlite")
	a, _ := db.CreateAccount(bg, "shop", "Asia/Tokyo")
	lines := `{"line_user_id": "U00000000000000000000000000000001", "display_name": "Aiko", "added_at": "2026-11-20T10:00:00+09:00", "hubspot": {"contact_id": "1", "segments": ["101"], "properties": {"plan": "gold"}}}
{"line_user_id": "U00000000000000000000000000000002", "display_name": "Ben", "added_at": "2026-11-21T10:00:00+09:00", "hubspot": {"contact_id": "2", "segments": [], "properties": {"plan": "silver"}}}`
	if _, err := db.ImportFriends(bg, a, strings.NewReader(lines), kizuna.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	cat, _ := kizuna.ParseCatalog([]byte(`{"hubspot": {"segments": [{"id": "101", "name": "Trade show leads"}], "properties": [{"name": "plan", "label": "Plan", "type": "string", "options": [{"value": "gold", "label": "Gold"}, {"value": "silver", "label": "Silver"}]}]}}`))
	if err := db.PutCatalog(bg, a, cat); err != nil {
		t.Fatal(err)
	}
	prop, err := db.CreateSegment(bg, a, "test", "Gold plan", 0, json.RawMessage(`{"groups":[{"conditions":[{"field":"hubspot.property","property":"plan","type":"string","op":"eq","value":"gold"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	u, _ := db.CreateUser(bg, "member@example.com", "correct horse battery", "en")
	db.AddMember(bg, u, a, kizuna.RoleMember)
	eng := engine.New(db, db, nil)
	defer eng.Stop()
	srv := httptest.NewServer(web.New(eng, db, nil).Handler())
	defer srv.Close()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/a/shop/segments/new"),
		chromedp.WaitVisible(`#email`),
		chromedp.SendKeys(`#email`, "member@example.com"),
		chromedp.SendKeys(`#password`, "correct horse battery"),
		chromedp.Click(`#signin`),
		chromedp.Click(`#add-first`, chromedp.NodeVisible), // back where the sign-in started
		chromedp.WaitVisible(`#groups .condition`),
	); err != nil {
		t.Fatal(err)
	}
	setField := func(sel, value string) {
		t.Helper()
		js := fmt.Sprintf(`(() => { const f = document.querySelector(%q); f.value = %q; f.dispatchEvent(new Event('change', {bubbles: true})); return f.value })()`, sel, value)
		if got, err := chromedp.Run(ctx, chromedp.Evaluate[string](js)); err != nil || got != value {
			t.Fatalf("%s = %q: got %q (%v)", sel, value, got, err)
		}
	}
	setField(`#groups .condition .field`, "hubspot.segment")
	if got := text(t, ctx, `#groups .condition .value.multi`); got != "Trade show leads" {
		t.Fatalf("the segment picker offers %q, want the catalog's name", got)
	}
	if err := chromedp.Do(ctx, chromedp.Click(`#groups .condition .value.multi input[value="101"]`)); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, `#preview-count`, "1")
	if got := text(t, ctx, `#preview-summary`); !strings.Contains(got, "Trade show leads") {
		t.Fatalf("summary %q", got)
	}
	screenshot(t, ctx, "editor-hubspot-segment")

	// A property by its label; "is" offers the catalog's options.
	setField(`#groups .condition .field`, "hubspot.property")
	if got := text(t, ctx, `#groups .condition .property`); got != "Plan (text)" {
		t.Fatalf("property picker %q", got)
	}
	if got := text(t, ctx, `#groups .condition .value`); got != "Choose…\nGold\nSilver" {
		t.Fatalf("the value picker offers %q, want nothing chosen, then the catalog's options", got)
	}
	setField(`#groups .condition .value`, "silver")
	waitText(t, ctx, `#preview-count`, "1")
	waitText(t, ctx, `#preview-sample`, "Ben")

	// Why in or out: Ben from the sample is in; Aiko, named by hand, is out
	// because her plan is "gold".
	if err := chromedp.Do(ctx, chromedp.Click(`#preview-sample button`)); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, `#explain .verdict`, "In the segment.")
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(`#explain-who`, "Aik"),
		chromedp.Click(`#explain-form button`),
	); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, `#explain h3`, "Aiko")
	waitText(t, ctx, `#explain .verdict`, "Not in the segment.")
	if got := text(t, ctx, `#explain h4`); !strings.HasPrefix(got, "Filter condition 1: ") { // named as the editor names its groups
		t.Fatalf("the explanation's group is %q", got)
	}
	if got := text(t, ctx, `#explain .why-conditions`); !strings.Contains(got, "Plan: Gold") {
		t.Fatalf("the explanation shows %q, want Aiko's own plan", got)
	}
	// Editing the conditions re-explains the same friend.
	setField(`#groups .condition .value`, "gold")
	waitText(t, ctx, `#explain .verdict`, "In the segment.")
	screenshot(t, ctx, "editor-property-why")

	// The saved property segment opens editable, its values in place
	// (leaving the edited new one behind).
	leaveWithoutAsking(t, ctx)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/a/shop/segments/%d/edit", srv.URL, prop.ID)),
		chromedp.WaitVisible(`#groups .condition .property`),
	); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, `#preview-count`, "1")
	state, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[document.getElementById('save').disabled, document.getElementById('unsupported').hidden,
		document.querySelector('#groups .property').value, document.querySelector('#groups .op').value, document.querySelector('#groups .value').value,
		kizunaEditor.supported({field: "line.someday", op: "is", value: true})].join(" ")`))
	if err != nil || state != "false true plan eq gold false" {
		t.Fatalf("saved property segment: %q (%v), want editable with plan eq gold, and an unknown field unsupported", state, err)
	}
	screenshot(t, ctx, "editor-saved-property")

	// The friend list marks who is in a chosen segment, linking to why.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/a/shop/friends?segment=%d", srv.URL, prop.ID)),
		chromedp.WaitVisible(`#friends`),
	); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, `#friends tbody`); !strings.Contains(got, "Ben") || strings.Count(got, "Out") != 1 || strings.Count(got, "In") != 1 {
		t.Fatalf("friend list with the segment chosen: %q, want Ben out and Aiko in", got)
	}
	screenshot(t, ctx, "friends-in-segment")
	if err := chromedp.Do(ctx,
		chromedp.Click(`//tr[td/a[text()="Ben"]]//td[@class="membership"]/a`),
		chromedp.WaitVisible(`#verdict`),
	); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, `#verdict`); got != "Not in the segment now." {
		t.Fatalf("why for Ben: %q", got)
	}
	// A friend's page names the integration's lists and properties from the
	// catalog.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/a/shop/friends/U00000000000000000000000000000001"),
		chromedp.WaitVisible(`table.integration`),
	); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, `table.integration`); !strings.Contains(got, "Trade show leads") || !strings.Contains(got, "Plan\tGold") {
		t.Fatalf("Aiko's HubSpot data: %q", got)
	}
	screenshot(t, ctx, "friend-integrations")
}

// TestEditorOpensEveryFilter shows every accepted filter of the
// conformance vectors in the editor and reads it back: each must open
// editable and come back as the same filter, so that opening and saving a
// segment never changes what it means.
func TestEditorOpensEveryFilter(t *testing.T) {
	ctx := browser(t)
	bg := context.Background()
	v := conformance.Load(t)
	db := testdb.Open(t, "sqlite")
	a, _ := db.CreateAccount(bg, "conformance", v.Account.Timezone)
	if _, err := db.ImportFriends(bg, a, bytes.NewReader(v.Friends), kizuna.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	cat, err := kizuna.ParseCatalog(v.Catalog)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PutCatalog(bg, a, cat); err != nil {
		t.Fatal(err)
	}
	u, _ := db.CreateUser(bg, "owner@example.com", "correct horse battery", "en")
	db.AddMember(bg, u, a, kizuna.RoleOwner)
	srv := httptest.NewServer(web.New(db, db, nil).Handler())
	defer srv.Close()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/a/conformance/segments/new"),
		chromedp.WaitVisible(`#email`),
		chromedp.SendKeys(`#email`, "owner@example.com"),
		chromedp.SendKeys(`#password`, "correct horse battery"),
		chromedp.Click(`#signin`),
		chromedp.WaitVisible(`#segment-form`),
	); err != nil {
		t.Fatal(err)
	}
	var names []string
	var filters []json.RawMessage
	for _, c := range v.Cases {
		if c.Refused() {
			continue
		}
		names, filters = append(names, c.Name), append(filters, c.Filter)
	}
	in, _ := json.Marshal(filters)
	js := fmt.Sprintf(`JSON.stringify(%s.map(f => [kizunaEditor.supported ? f.groups.every(g => g.conditions.every(kizunaEditor.supported)) : false, kizunaEditor.roundTrip(f)]))`, in)
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		t.Fatal(err)
	}
	var got []struct {
		Supported bool
		Filter    json.RawMessage
	}
	var raw [][2]json.RawMessage
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatal(err)
	}
	for _, r := range raw {
		var ok bool
		json.Unmarshal(r[0], &ok)
		got = append(got, struct {
			Supported bool
			Filter    json.RawMessage
		}{ok, r[1]})
	}
	if len(got) != len(filters) || len(got) < 100 {
		t.Fatalf("%d answers for %d filters", len(got), len(filters))
	}
	canonical := func(raw json.RawMessage) string {
		f, err := kizuna.ParseFilter(raw)
		if err != nil {
			return "refused: " + err.Error()
		}
		b, _ := json.Marshal(f)
		return string(b)
	}
	for i := range got {
		if !got[i].Supported {
			t.Errorf("%s: opens read-only: %s", names[i], filters[i])
			continue
		}
		if want, have := canonical(filters[i]), canonical(got[i].Filter); want != have {
			t.Errorf("%s: the editor reads back\n%s\nwant\n%s", names[i], have, want)
		}
	}
}
