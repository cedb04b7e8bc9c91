package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/sqlstore"
	"github.com/kizuna-line/kizuna/web"
)

// manageFixture is a server over two accounts: shop-a (an owner and a
// member; friends, tags, folders and segments) and shop-b (a folder, a
// segment and a tag that shop-a's users must never reach).
type manageFixture struct {
	db                         *sqlstore.DB
	a, b                       *kizuna.Account
	campaign, empty, bFolder   *kizuna.Folder
	vip, seminar, bSeg         *kizuna.Segment
	owner, member              *kizuna.User
	newClient                  func() *client
	ownerClient, memberClient  *client
	vipFilter, seminarFilter   string
	campaignName, vipName, url string
}

func manageSetup(t *testing.T) *manageFixture {
	t.Helper()
	ctx := context.Background()
	f := &manageFixture{db: testdb.Open(t, "sqlite"), campaignName: "Campaign", vipName: "VIP customers"}
	db := f.db
	var err error
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	f.a, err = db.CreateAccount(ctx, "shop-a", "Asia/Tokyo")
	must(err)
	f.b, err = db.CreateAccount(ctx, "shop-b", "Asia/Tokyo")
	must(err)
	lines := []string{
		`{"line_user_id": "U00000000000000000000000000000001", "display_name": "Aiko", "added_at": "2026-11-20T10:00:00+09:00", "tags": ["VIP"]}`,
		`{"line_user_id": "U00000000000000000000000000000002", "display_name": "Ben", "added_at": "2026-11-21T10:00:00+09:00", "tags": ["VIP"]}`,
		`{"line_user_id": "U00000000000000000000000000000003", "display_name": "Chika", "added_at": "2026-11-22T10:00:00+09:00", "status": "blocked", "tags": ["VIP"]}`,
		`{"line_user_id": "U00000000000000000000000000000004", "display_name": "Dai", "added_at": "2026-11-23T10:00:00+09:00"}`,
	}
	_, err = db.ImportFriends(ctx, f.a, strings.NewReader(strings.Join(lines, "\n")), kizuna.ImportOptions{})
	must(err)
	_, err = db.ImportFriends(ctx, f.b, strings.NewReader(`{"line_user_id": "U0000000000000000000000000000000b", "display_name": "Bea", "added_at": "2026-11-20T10:00:00+09:00", "tags": ["B-only"]}`), kizuna.ImportOptions{})
	must(err)
	must(db.CreateTag(ctx, f.a, "Seminar"))
	f.campaign, err = db.CreateFolder(ctx, f.a, f.campaignName)
	must(err)
	f.empty, err = db.CreateFolder(ctx, f.a, "Empty")
	must(err)
	f.bFolder, err = db.CreateFolder(ctx, f.b, "B folder")
	must(err)
	f.vipFilter = `{"groups":[{"conditions":[{"field":"tag","op":"has","value":"VIP"}]}]}`
	f.seminarFilter = `{"groups":[{"conditions":[{"field":"tag","op":"has","value":"Seminar"}]}]}`
	f.vip, err = db.CreateSegment(ctx, f.a, "seed", f.vipName, f.campaign.ID, json.RawMessage(f.vipFilter))
	must(err)
	f.seminar, err = db.CreateSegment(ctx, f.a, "seed", "Seminar attendees", 0, json.RawMessage(f.seminarFilter))
	must(err)
	f.bSeg, err = db.CreateSegment(ctx, f.b, "seed", "B segment", f.bFolder.ID, json.RawMessage(`{"groups":[{"conditions":[{"field":"tag","op":"has","value":"B-only"}]}]}`))
	must(err)
	f.owner, err = db.CreateUser(ctx, "owner@example.com", "correct horse battery", "en")
	must(err)
	must(db.AddMember(ctx, f.owner, f.a, kizuna.RoleOwner))
	f.member, err = db.CreateUser(ctx, "member@example.com", "correct horse battery", "en")
	must(err)
	must(db.AddMember(ctx, f.member, f.a, kizuna.RoleMember))
	eng := engine.New(db, db, nil)
	t.Cleanup(eng.Stop)
	srv := httptest.NewServer(web.New(eng, db, nil).Handler())
	t.Cleanup(srv.Close)
	f.url = srv.URL
	f.newClient = func() *client {
		jar, _ := cookiejar.New(nil)
		return &client{t: t, url: srv.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	}
	f.ownerClient = manageSignIn(t, f.newClient(), "owner@example.com")
	f.memberClient = manageSignIn(t, f.newClient(), "member@example.com")
	return f
}

// manageSignIn signs c in as email.
func manageSignIn(t *testing.T, c *client, email string) *client {
	t.Helper()
	code, _ := c.do("POST", "/signin", url.Values{"csrf": {c.csrf("/signin")}, "email": {email}, "password": {"correct horse battery"}})
	if code != http.StatusSeeOther {
		t.Fatalf("sign in as %s: %d", email, code)
	}
	return c
}

// submit posts a form and returns the status, the redirect's target and the body.
func submit(c *client, path string, form url.Values) (int, string, string) {
	c.t.Helper()
	req, _ := http.NewRequest("POST", c.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Location"), string(b)
}

// withCSRF adds c's session CSRF token to a form.
func withCSRF(c *client, form url.Values) url.Values {
	c.t.Helper()
	out := url.Values{"csrf": {c.csrf("/a/shop-a/segments")}}
	for k, v := range form {
		out[k] = v
	}
	return out
}

// get fetches a page and fails unless it answers want.
func get(c *client, path string, want int) string {
	c.t.Helper()
	code, body := c.do("GET", path, nil)
	if code != want {
		c.t.Fatalf("GET %s: %d, want %d\n%s", path, code, want, body)
	}
	return body
}

func segmentNames(t *testing.T, db *sqlstore.DB, a *kizuna.Account) map[string]*kizuna.Segment {
	t.Helper()
	segs, err := db.Segments(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*kizuna.Segment{}
	for _, s := range segs {
		out[s.Name] = s
	}
	return out
}

func folderNames(t *testing.T, db *sqlstore.DB, a *kizuna.Account) map[string]int64 {
	t.Helper()
	fs, err := db.Folders(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, f := range fs {
		out[f.Name] = f.ID
	}
	return out
}

// TestManageCSRF: every new form route refuses a POST without the
// session's CSRF token, and changes nothing.
func TestManageCSRF(t *testing.T) {
	f := manageSetup(t)
	c := f.ownerClient
	seg := fmt.Sprintf("/a/shop-a/segments/%d", f.vip.ID)
	routes := map[string]url.Values{
		seg + "/duplicate":                   {},
		seg + "/delete":                      {},
		seg + "/move":                        {"folder": {""}},
		seg + "/restore":                     {},
		"/a/shop-a/folders":                  {"name": {"New"}},
		"/a/shop-a/folders/rename":           {"folder": {"Empty"}, "name": {"Renamed"}},
		"/a/shop-a/folders/delete":           {"folder": {"Empty"}},
		"/a/shop-a/tags":                     {"name": {"New tag"}},
		"/a/shop-a/tags/rename":              {"from": {"Seminar"}, "to": {"Webinar"}},
		"/a/shop-a/tags/delete":              {"name": {"Seminar"}},
		"/a/shop-a/tags/apply":               {"segment": {fmt.Sprint(f.vip.ID)}, "tag": {"Applied"}},
		"/a/shop-a/settings/tokens":          {},
		"/a/shop-a/settings/tokens/1/revoke": {},
		"/a/shop-a/settings/lang":            {"lang": {"ja"}},
		"/lang":                              {"lang": {"ja"}, "back": {"/"}},
	}
	for path, form := range routes {
		for _, token := range []string{"", "forged"} {
			with := url.Values{"csrf": {token}}
			for k, v := range form {
				with[k] = v
			}
			if code, _, _ := submit(c, path, with); code != http.StatusForbidden {
				t.Errorf("POST %s with CSRF token %q: %d, want 403", path, token, code)
			}
		}
	}
	ctx := context.Background()
	if segs := segmentNames(t, f.db, f.a); len(segs) != 2 || segs[f.vipName].FolderID == nil {
		t.Fatalf("segments after refused forms: %v", segs)
	}
	if fs := folderNames(t, f.db, f.a); len(fs) != 2 || fs["Empty"] == 0 {
		t.Fatalf("folders after refused forms: %v", fs)
	}
	if tags, _ := f.db.Tags(ctx, f.a); len(tags) != 2 {
		t.Fatalf("tags after refused forms: %v", tags)
	}
	if tokens, _ := f.db.Tokens(ctx, f.a); len(tokens) != 0 {
		t.Fatalf("tokens after refused forms: %v", tokens)
	}
	if u, _ := f.db.Authenticate(ctx, "owner@example.com", "correct horse battery"); u.Lang != "en" {
		t.Fatalf("language after refused forms: %q", u.Lang)
	}
}

// TestManageOtherAccount: another account's segments, folders, tags and
// tokens are "not found", through this account's URLs and through theirs.
func TestManageOtherAccount(t *testing.T) {
	f := manageSetup(t)
	c := f.ownerClient
	ctx := context.Background()
	if _, err := f.db.CreateToken(ctx, f.b); err != nil {
		t.Fatal(err)
	}
	bTokens, _ := f.db.Tokens(ctx, f.b)
	bSeg := fmt.Sprint(f.bSeg.ID)
	for _, path := range []string{
		"/a/shop-a/segments/" + bSeg + "/history",
		"/a/shop-b/segments/" + bSeg + "/history",
		"/a/shop-b/segments/deleted",
		"/a/shop-b/tags",
		"/a/shop-b/settings",
		"/a/shop-a/segments/not-a-number/history",
	} {
		get(c, path, http.StatusNotFound)
	}
	for _, p := range []struct {
		path string
		form url.Values
	}{
		{"/a/shop-a/segments/" + bSeg + "/duplicate", nil},
		{"/a/shop-a/segments/" + bSeg + "/delete", nil},
		{"/a/shop-a/segments/" + bSeg + "/move", url.Values{"folder": {f.campaignName}}},
		{"/a/shop-a/segments/" + bSeg + "/restore", nil},
		{"/a/shop-b/segments/" + bSeg + "/delete", nil},
		{fmt.Sprintf("/a/shop-a/segments/%d/move", f.vip.ID), url.Values{"folder": {"B folder"}}},
		{"/a/shop-a/folders/rename", url.Values{"folder": {"B folder"}, "name": {"Mine now"}}},
		{"/a/shop-a/folders/delete", url.Values{"folder": {"B folder"}}},
		{"/a/shop-b/folders/delete", url.Values{"folder": {"B folder"}}},
		{"/a/shop-a/tags/rename", url.Values{"from": {"B-only"}, "to": {"Mine"}}},
		{"/a/shop-a/tags/delete", url.Values{"name": {"B-only"}}},
		{"/a/shop-a/tags/apply", url.Values{"segment": {bSeg}, "tag": {"VIP"}}},
		{"/a/shop-b/tags", url.Values{"name": {"Planted"}}},
		{fmt.Sprintf("/a/shop-a/settings/tokens/%d/revoke", bTokens[0].ID), nil},
		{"/a/shop-b/settings/tokens", nil},
	} {
		if code, _, _ := submit(c, p.path, withCSRF(c, p.form)); code != http.StatusNotFound {
			t.Errorf("POST %s %v: %d, want 404", p.path, p.form, code)
		}
	}
	if segs := segmentNames(t, f.db, f.b); len(segs) != 1 || segs["B segment"] == nil || segs["B segment"].FolderID == nil {
		t.Fatalf("shop-b's segments changed: %v", segs)
	}
	if fs := folderNames(t, f.db, f.b); fs["B folder"] == 0 {
		t.Fatalf("shop-b's folder changed: %v", fs)
	}
	if tags, _ := f.db.Tags(ctx, f.b); len(tags) != 1 || tags[0].Name != "B-only" {
		t.Fatalf("shop-b's tags changed: %v", tags)
	}
	if got, _ := f.db.Tokens(ctx, f.b); len(got) != 1 {
		t.Fatalf("shop-b's tokens changed: %v", got)
	}
	if segs := segmentNames(t, f.db, f.a); len(segs) != 2 || *segs[f.vipName].FolderID != f.campaign.ID {
		t.Fatalf("shop-a's segments changed: %v", segs)
	}
}

// TestManageFolders: create, rename; deleting a folder that holds a
// segment is refused with a message on the list and changes nothing; an
// empty folder is deleted; the list offers delete only for empty folders.
func TestManageFolders(t *testing.T) {
	f := manageSetup(t)
	c := f.ownerClient
	list := get(c, "/a/shop-a/segments", http.StatusOK)
	if strings.Count(list, `action="/a/shop-a/folders/delete"`) != 1 || !strings.Contains(list, `name="folder" value="Empty"><button class="danger small" type="submit">Delete folder`) {
		t.Fatalf("the list should offer to delete the empty folder only:\n%s", list)
	}

	landsOn(c, "/a/shop-a/folders/delete", withCSRF(c, url.Values{"folder": {f.campaignName}}), "/a/shop-a/segments", true, "The folder still holds segments")
	if fs := folderNames(t, f.db, f.a); fs[f.campaignName] != f.campaign.ID {
		t.Fatalf("the refused delete changed the folders: %v", fs)
	}
	if seg := segmentNames(t, f.db, f.a)[f.vipName]; seg.FolderID == nil || *seg.FolderID != f.campaign.ID {
		t.Fatalf("the refused delete moved the segment: %+v", seg)
	}
	// A refusal named in the URL shows nothing: messages come from the server's flash only.
	for _, q := range []string{"refused=Your+account+is+closed", "refused=folder.notempty", "refused=name.taken"} {
		if body := get(c, "/a/shop-a/segments?"+q, http.StatusOK); strings.Contains(body, `role="alert"`) {
			t.Fatalf("the list shows a refusal named in its URL (%s)", q)
		}
	}

	landsOn(c, "/a/shop-a/folders", withCSRF(c, url.Values{"name": {"Spring"}}), "/a/shop-a/segments", false, "Folder “Spring” created.")
	landsOn(c, "/a/shop-a/folders", withCSRF(c, url.Values{"name": {"Spring"}}), "/a/shop-a/segments", true, `a folder named "Spring" already exists`)
	if code, loc, _ := submit(c, "/a/shop-a/folders/rename", withCSRF(c, url.Values{"folder": {f.campaignName}, "name": {"Autumn"}})); code != http.StatusSeeOther || loc != "/a/shop-a/segments" {
		t.Fatalf("rename folder: %d %q", code, loc)
	}
	landsOn(c, "/a/shop-a/folders/rename", withCSRF(c, url.Values{"folder": {"Autumn"}, "name": {"  "}}), "/a/shop-a/segments", true, "the name is empty")
	if code, _, _ := submit(c, "/a/shop-a/folders/delete", withCSRF(c, url.Values{"folder": {"Empty"}})); code != http.StatusSeeOther {
		t.Fatalf("delete the empty folder: %d", code)
	}
	fs := folderNames(t, f.db, f.a)
	if len(fs) != 2 || fs["Autumn"] != f.campaign.ID || fs["Spring"] == 0 {
		t.Fatalf("folders after create, rename and delete: %v", fs)
	}
	if body := get(c, "/a/shop-a/segments", http.StatusOK); !strings.Contains(body, "Autumn") || strings.Contains(body, f.campaignName) {
		t.Fatalf("the list after renaming the folder:\n%s", body)
	}
}

// TestManageSegments: duplicate (a free name, the same folder), move,
// delete, restore (and its refusal when the name was taken meanwhile), and
// the history of what happened.
func TestManageSegments(t *testing.T) {
	f := manageSetup(t)
	c := f.ownerClient
	vip := fmt.Sprintf("/a/shop-a/segments/%d", f.vip.ID)
	for range 2 {
		if code, loc, _ := submit(c, vip+"/duplicate", withCSRF(c, nil)); code != http.StatusSeeOther || loc != "/a/shop-a/segments" {
			t.Fatalf("duplicate: %d %q", code, loc)
		}
	}
	segs := segmentNames(t, f.db, f.a)
	first, second := segs["VIP customers (copy)"], segs["VIP customers (copy 2)"]
	if first == nil || second == nil || first.FolderID == nil || *first.FolderID != f.campaign.ID || string(first.Filter) != string(f.vip.Filter) {
		t.Fatalf("after duplicating twice: %v", segs)
	}
	if list := get(c, "/a/shop-a/segments", http.StatusOK); !strings.Contains(list, "VIP customers (copy 2)") {
		t.Fatal("the copy is not in the list")
	}

	copyPath := fmt.Sprintf("/a/shop-a/segments/%d", first.ID)
	if code, _, _ := submit(c, copyPath+"/move", withCSRF(c, url.Values{"folder": {"Empty"}})); code != http.StatusSeeOther {
		t.Fatalf("move: %d", code)
	}
	if got := segmentNames(t, f.db, f.a)["VIP customers (copy)"].FolderID; got == nil || *got != f.empty.ID {
		t.Fatalf("after moving into Empty: folder %v", got)
	}
	if code, _, _ := submit(c, copyPath+"/move", withCSRF(c, url.Values{"folder": {""}})); code != http.StatusSeeOther {
		t.Fatalf("move out of folders: %d", code)
	}
	if got := segmentNames(t, f.db, f.a)["VIP customers (copy)"].FolderID; got != nil {
		t.Fatalf("after moving out of folders: folder %v", *got)
	}
	if code, _, _ := submit(c, copyPath+"/move", withCSRF(c, url.Values{"folder": {"No such folder"}})); code != http.StatusNotFound {
		t.Fatalf("move into an unknown folder: %d", code)
	}

	if code, loc, _ := submit(c, copyPath+"/delete", withCSRF(c, nil)); code != http.StatusSeeOther || loc != "/a/shop-a/segments" {
		t.Fatalf("delete: %d %q", code, loc)
	}
	if segmentNames(t, f.db, f.a)["VIP customers (copy)"] != nil {
		t.Fatal("the deleted segment is still live")
	}
	deleted := get(c, "/a/shop-a/segments/deleted", http.StatusOK)
	if !strings.Contains(deleted, "VIP customers (copy)") || !strings.Contains(deleted, copyPath+"/restore") {
		t.Fatalf("the deleted segments page:\n%s", deleted)
	}
	if code, loc, _ := submit(c, copyPath+"/restore", withCSRF(c, nil)); code != http.StatusSeeOther || loc != "/a/shop-a/segments" {
		t.Fatalf("restore: %d %q", code, loc)
	}
	if segmentNames(t, f.db, f.a)["VIP customers (copy)"] == nil {
		t.Fatal("the restored segment is not live")
	}
	if deleted := get(c, "/a/shop-a/segments/deleted", http.StatusOK); strings.Contains(deleted, copyPath+"/restore") {
		t.Fatal("the restored segment is still on the deleted page")
	}
	// Restoring twice: the segment is live, the store refuses; the page says so.
	landsOn(c, copyPath+"/restore", withCSRF(c, nil), "/a/shop-a/segments/deleted", true, "can still be restored")

	// Deleted, then its name taken: restoring is refused with the store's message.
	submit(c, copyPath+"/delete", withCSRF(c, nil))
	if _, err := f.db.CreateSegment(context.Background(), f.a, "test", "VIP customers (copy)", 0, json.RawMessage(f.seminarFilter)); err != nil {
		t.Fatal(err)
	}
	landsOn(c, copyPath+"/restore", withCSRF(c, nil), "/a/shop-a/segments/deleted", true, "already exists")

	// The history: newest first, who, what, and the conditions in words.
	hist := get(c, copyPath+"/history", http.StatusOK)
	order := []string{"Deleted", "Restored", "Deleted", "Moved to another folder", "Moved to another folder", "Created"}
	at := 0
	for _, action := range order {
		i := strings.Index(hist[at:], `<td class="action" data-label="Change">`+action+`</td>`)
		if i < 0 {
			t.Fatalf("history: %q missing after position %d (want %v, newest first):\n%s", action, at, order, hist)
		}
		at += i + 1
	}
	if !strings.Contains(hist, `<td class="who" data-label="By">owner@example.com</td>`) || !strings.Contains(hist, "Has tag &#34;VIP&#34;") {
		t.Fatalf("history lacks who or the conditions:\n%s", hist)
	}
}

// TestManageHistory: a rename and an edit show the names and the
// conditions before and after, in the page's language, at the account's
// local time.
func TestManageHistory(t *testing.T) {
	f := manageSetup(t)
	ctx := context.Background()
	f.db.Now = func() time.Time { return time.Date(2026, 11, 30, 1, 30, 0, 0, time.UTC) }
	name := "VIPs"
	if _, err := f.db.EditSegment(ctx, f.a, "editor@example.com", f.vip.ID, kizuna.SegmentEdit{Name: &name, Filter: json.RawMessage(f.seminarFilter)}); err != nil {
		t.Fatal(err)
	}
	c := f.ownerClient
	path := fmt.Sprintf("/a/shop-a/segments/%d/history", f.vip.ID)
	hist := get(c, path, http.StatusOK)
	for _, want := range []string{
		"History of VIPs",
		`<span class="before">VIP customers</span> → <span class="after">VIPs</span>`,
		"2026-11-30 10:30", // 01:30 UTC in Tokyo
		"editor@example.com",
		`<dd class="before">Has tag &#34;VIP&#34;</dd>`,
		`<dd class="after">Has tag &#34;Seminar&#34;</dd>`,
	} {
		if !strings.Contains(hist, want) {
			t.Errorf("history lacks %q", want)
		}
	}
	if t.Failed() {
		t.Fatalf("history page:\n%s", hist)
	}
	u, _ := url.Parse(c.url)
	c.c.Jar.SetCookies(u, []*http.Cookie{{Name: "kizuna_lang", Value: "ja"}})
	ja := get(c, path, http.StatusOK)
	if !strings.Contains(ja, "「VIPs」の変更履歴") || !strings.Contains(ja, "名前を変更") || !strings.Contains(ja, `<dd class="after">タグ「Seminar」あり</dd>`) {
		t.Fatalf("the Japanese history:\n%s", ja)
	}
}

// segmentCount returns the count the segment list shows for a segment.
func segmentCount(c *client, id int64) string {
	c.t.Helper()
	body := get(c, "/a/shop-a/segments", http.StatusOK)
	row := fmt.Sprintf(`<tr data-segment="%d"`, id)
	i := strings.Index(body, row)
	if i < 0 {
		c.t.Fatalf("segment %d is not in the list", id)
	}
	rest := body[i:]
	j := strings.Index(rest, `<td class="num count">`)
	rest = rest[j+len(`<td class="num count">`):]
	rest = rest[strings.Index(rest, ">")+1:] // the count links to the members page
	return rest[:strings.Index(rest, "<")]
}

// TestManageTags: the tags page counts following friends per tag; create,
// rename (the segments that use the tag follow and count the same friends),
// delete (refused while a segment uses the tag, naming it), and tagging a
// segment's members (how many, and a tag segment's count follows).
func TestManageTags(t *testing.T) {
	f := manageSetup(t)
	c := f.ownerClient
	ctx := context.Background()
	page := get(c, "/a/shop-a/tags", http.StatusOK)
	if !strings.Contains(page, `<tr data-tag="VIP">`) || !strings.Contains(page, `<td class="num count" data-label="Number of Friends">2</td>`) {
		t.Fatalf("the tags page should count VIP's 2 following friends:\n%s", page)
	}

	if code, loc, _ := submit(c, "/a/shop-a/tags", withCSRF(c, url.Values{"name": {"Newsletter"}})); code != http.StatusSeeOther || loc != "/a/shop-a/tags" {
		t.Fatalf("create tag: %d %q", code, loc)
	}
	landsOn(c, "/a/shop-a/tags", withCSRF(c, url.Values{"name": {"Newsletter"}}), "/a/shop-a/tags", true, "already exists")

	before := segmentCount(c, f.vip.ID)
	if code, _, _ := submit(c, "/a/shop-a/tags/rename", withCSRF(c, url.Values{"from": {"VIP"}, "to": {"Gold"}})); code != http.StatusSeeOther {
		t.Fatalf("rename tag: %d", code)
	}
	seg, _ := f.db.Segment(ctx, f.a, f.vip.ID)
	if !strings.Contains(string(seg.Filter), `"Gold"`) || strings.Contains(string(seg.Filter), `"VIP"`) {
		t.Fatalf("the segment did not follow the rename: %s", seg.Filter)
	}
	if after := segmentCount(c, f.vip.ID); before != "2" || after != before {
		t.Fatalf("the segment's count: %q before the rename, %q after", before, after)
	}

	landsOn(c, "/a/shop-a/tags/delete", withCSRF(c, url.Values{"name": {"Gold"}}), "/a/shop-a/tags", true, "&#34;VIP customers&#34;")
	if code, _, _ := submit(c, "/a/shop-a/tags/delete", withCSRF(c, url.Values{"name": {"Newsletter"}})); code != http.StatusSeeOther {
		t.Fatalf("delete an unused tag: %d", code)
	}
	tags, _ := f.db.Tags(ctx, f.a)
	if names := fmt.Sprint(tags); len(tags) != 2 || !strings.Contains(names, "Gold") || strings.Contains(names, "Newsletter") {
		t.Fatalf("tags after rename and deletes: %v", tags)
	}

	// Every member of "VIP customers" gets "Seminar": "Seminar attendees" counts them.
	if got := segmentCount(c, f.seminar.ID); got != "0" {
		t.Fatalf("Seminar attendees before tagging: %q", got)
	}
	landsOn(c, "/a/shop-a/tags/apply", withCSRF(c, url.Values{"segment": {fmt.Sprint(f.vip.ID)}, "tag": {"Seminar"}}), "/a/shop-a/tags", false, "2 friends in “VIP customers” now carry the tag “Seminar”.")
	if got := segmentCount(c, f.seminar.ID); got != "2" {
		t.Fatalf("Seminar attendees after tagging VIP customers' members: %q", got)
	}
	landsOn(c, "/a/shop-a/tags/apply", withCSRF(c, url.Values{"segment": {fmt.Sprint(f.vip.ID)}, "tag": {" "}}), "/a/shop-a/tags", true, "empty")
	// A count in the address bar is not shown, whatever it names.
	for _, q := range []string{"tagged=999999&tag=Seminar&segment=" + fmt.Sprint(f.vip.ID), "tagged=99&tag=B-only&segment=" + fmt.Sprint(f.vip.ID)} {
		if page := get(c, "/a/shop-a/tags?"+q, http.StatusOK); strings.Contains(page, "now carry") || strings.Contains(page, `id="flash"`) {
			t.Fatalf("the tags page shows a count from its URL (%s)", q)
		}
	}
}

// TestManageSettings: only owners see and manage API tokens (a member sees
// the page without them, and gets 403 from the token forms); a new token is shown once, works, and is listed afterwards by ID
// only; revoking it ends it.
func TestManageSettings(t *testing.T) {
	f := manageSetup(t)
	ctx := context.Background()
	m := f.memberClient
	code, body := m.do("GET", "/a/shop-a/settings", nil)
	if code != http.StatusOK || !strings.Contains(body, "Only owners of this account can manage API tokens.") || strings.Contains(body, `id="tokens"`) {
		t.Fatalf("a member's settings page: %d\n%s", code, body)
	}
	if !strings.Contains(body, `id="user-lang"`) {
		t.Fatal("a member's settings page lacks the language setting")
	}
	existing, _ := f.db.CreateToken(ctx, f.a)
	if code, _, body := submit(m, "/a/shop-a/settings/tokens", withCSRF(m, nil)); code != http.StatusForbidden || strings.Contains(body, "kzn_") {
		t.Fatalf("a member creates a token: %d", code)
	}
	tokens, _ := f.db.Tokens(ctx, f.a)
	if len(tokens) != 1 {
		t.Fatalf("a member's refused create made a token: %v", tokens)
	}
	if code, _, _ := submit(m, fmt.Sprintf("/a/shop-a/settings/tokens/%d/revoke", tokens[0].ID), withCSRF(m, nil)); code != http.StatusForbidden {
		t.Fatalf("a member revokes a token: %d", code)
	}
	if tokens, _ := f.db.Tokens(ctx, f.a); len(tokens) != 1 {
		t.Fatalf("a member changed the tokens: %v", tokens)
	}

	c := f.ownerClient
	page := get(c, "/a/shop-a/settings", http.StatusOK)
	if !strings.Contains(page, fmt.Sprintf(`<tr data-token="%d">`, tokens[0].ID)) || strings.Contains(page, existing) || strings.Contains(page, "Only owners") {
		t.Fatalf("the owner's settings page:\n%s", page)
	}
	code, loc, body := submit(c, "/a/shop-a/settings/tokens", withCSRF(c, nil))
	m2 := tokenRe.FindStringSubmatch(body)
	if code != http.StatusOK || loc != "" || m2 == nil || !strings.Contains(body, "it will not be shown again") {
		t.Fatalf("create token: %d %q\n%s", code, loc, body)
	}
	token := m2[1]
	if a, err := f.db.AccountByToken(ctx, token); err != nil || a.Name != "shop-a" {
		t.Fatalf("the shown token: %v %v", a, err)
	}
	all, _ := f.db.Tokens(ctx, f.a)
	if len(all) != 2 {
		t.Fatalf("tokens after creating one: %v", all)
	}
	newID := all[1].ID
	page = get(c, "/a/shop-a/settings", http.StatusOK)
	if strings.Contains(page, token) || strings.Contains(page, `id="new-token"`) || !strings.Contains(page, fmt.Sprintf(`<tr data-token="%d">`, newID)) {
		t.Fatalf("the settings page after creating a token shows it again or lacks its ID:\n%s", page)
	}
	if code, loc, _ := submit(c, fmt.Sprintf("/a/shop-a/settings/tokens/%d/revoke", newID), withCSRF(c, nil)); code != http.StatusSeeOther || loc != "/a/shop-a/settings" {
		t.Fatalf("revoke: %d %q", code, loc)
	}
	if _, err := f.db.AccountByToken(ctx, token); kizuna.ErrorCode(err) != kizuna.EUNAUTHORIZED {
		t.Fatalf("the revoked token still works: %v", err)
	}
	if code, _, _ := submit(c, fmt.Sprintf("/a/shop-a/settings/tokens/%d/revoke", newID), withCSRF(c, nil)); code != http.StatusNotFound {
		t.Fatalf("revoke twice: %d", code)
	}
}

var tokenRe = regexp.MustCompile(`<code id="new-token">(kzn_[A-Za-z0-9_-]+)</code>`)

// TestManageUserLang: the language saved on settings (and by the header's
// switch) is the user's: a browser without the language cookie gets it; a
// bad value is refused and changes nothing; "" follows the browser again.
func TestManageUserLang(t *testing.T) {
	f := manageSetup(t)
	ctx := context.Background()
	c := f.ownerClient
	stored := func() string {
		t.Helper()
		u, err := f.db.Authenticate(ctx, "owner@example.com", "correct horse battery")
		if err != nil {
			t.Fatal(err)
		}
		return u.Lang
	}
	// fresh signs in from a browser without cookies and returns the list's heading.
	fresh := func() string {
		t.Helper()
		d := manageSignIn(t, f.newClient(), "owner@example.com")
		body := get(d, "/a/shop-a/segments", http.StatusOK)
		return body[strings.Index(body, "<h1>")+4 : strings.Index(body, "</h1>")]
	}
	if code, loc, _ := submit(c, "/a/shop-a/settings/lang", withCSRF(c, url.Values{"lang": {"ja"}})); code != http.StatusSeeOther || loc != "/a/shop-a/settings" {
		t.Fatalf("save ja: %d %q", code, loc)
	}
	if stored() != "ja" || fresh() != "セグメント" {
		t.Fatalf("after saving ja: stored %q, another browser's heading %q", stored(), fresh())
	}
	landsOn(c, "/a/shop-a/settings/lang", withCSRF(c, url.Values{"lang": {"fr"}}), "/a/shop-a/settings", true, "")
	if stored() != "ja" {
		t.Fatalf("a refused language changed the user's to %q", stored())
	}
	if code, _, _ := submit(c, "/a/shop-a/settings/lang", withCSRF(c, url.Values{"lang": {""}})); code != http.StatusSeeOther || stored() != "" || fresh() != "Segments" {
		t.Fatalf("save \"\" (the browser's): %d, stored %q, heading %q", code, stored(), fresh())
	}
	// The header's switch saves the choice on the user too.
	if code, _, _ := submit(c, "/lang", withCSRF(c, url.Values{"lang": {"ja"}, "back": {"/a/shop-a/segments"}})); code != http.StatusSeeOther || stored() != "ja" || fresh() != "セグメント" {
		t.Fatalf("the header's switch: %d, stored %q, heading %q", code, stored(), fresh())
	}
	// A member saves a language too.
	if code, _, _ := submit(f.memberClient, "/a/shop-a/settings/lang", withCSRF(f.memberClient, url.Values{"lang": {"ja"}})); code != http.StatusSeeOther {
		t.Fatalf("a member saves a language: %d", code)
	}
}
