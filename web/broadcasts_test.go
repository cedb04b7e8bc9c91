package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/internal/linetest"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/sqlstore"
	"github.com/kizuna-line/kizuna/web"
)

// bcFixture is a server over two accounts: shop-a, whose owner, member and
// viewer sign in, with VIP friends (three following, one blocked) and a
// "VIP customers" segment; and shop-b, with a segment and a broadcast of
// its own that shop-a's users must never reach.
type bcFixture struct {
	db                  *sqlstore.DB
	eng                 *engine.Engine
	a, b                *kizuna.Account
	vip, bSeg           *kizuna.Segment
	bBroadcast          *kizuna.Broadcast
	url                 string
	line                *linetest.Env // nil: the server has no LINE
	owner, viewer       *client
	newClient           func() *client
	ownerUser           *kizuna.User
	vipFollowingFriends []string
}

// viewerUsers gives the user named viewer the role "viewer" in every
// account: a role that may look but not send.
type viewerUsers struct {
	*sqlstore.DB
	viewer string
}

func (u viewerUsers) Memberships(ctx context.Context, usr *kizuna.User) ([]kizuna.Membership, error) {
	ms, err := u.DB.Memberships(ctx, usr)
	if usr.Email == u.viewer {
		for i := range ms {
			ms[i].Role = "viewer"
		}
	}
	return ms, err
}

// bcSetup builds the fixture; withLine connects shop-a to a fake LINE
// (linetest) whose friends are shop-a's following friends, with the jobs
// running.
func bcSetup(t *testing.T, withLine bool) *bcFixture {
	t.Helper()
	ctx := context.Background()
	f := &bcFixture{db: testdb.Open(t, "sqlite")}
	db := f.db
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var err error
	f.a, err = db.CreateAccount(ctx, "shop-a", "Asia/Tokyo")
	must(err)
	f.b, err = db.CreateAccount(ctx, "shop-b", "Asia/Tokyo")
	must(err)
	lines := []string{
		`{"line_user_id": "U00000000000000000000000000000001", "display_name": "Aiko", "added_at": "2026-01-20T10:00:00+09:00", "tags": ["VIP"]}`,
		`{"line_user_id": "U00000000000000000000000000000002", "display_name": "Ben", "added_at": "2026-01-21T10:00:00+09:00", "tags": ["VIP"]}`,
		`{"line_user_id": "U00000000000000000000000000000003", "display_name": "Chika", "added_at": "2026-01-22T10:00:00+09:00", "status": "blocked", "tags": ["VIP"]}`,
		`{"line_user_id": "U00000000000000000000000000000004", "display_name": "Dai", "added_at": "2026-01-23T10:00:00+09:00", "tags": ["VIP"]}`,
		`{"line_user_id": "U00000000000000000000000000000005", "display_name": "Emi", "added_at": "2026-01-24T10:00:00+09:00"}`,
	}
	f.vipFollowingFriends = []string{"U00000000000000000000000000000001", "U00000000000000000000000000000002", "U00000000000000000000000000000004"}
	_, err = db.ImportFriends(ctx, f.a, strings.NewReader(strings.Join(lines, "\n")), kizuna.ImportOptions{})
	must(err)
	_, err = db.ImportFriends(ctx, f.b, strings.NewReader(`{"line_user_id": "U0000000000000000000000000000000b", "display_name": "Bea", "added_at": "2026-01-20T10:00:00+09:00", "tags": ["B-only"]}`), kizuna.ImportOptions{})
	must(err)
	f.vip, err = db.CreateSegment(ctx, f.a, "seed", "VIP customers", 0, json.RawMessage(`{"groups":[{"conditions":[{"field":"tag","op":"has","value":"VIP"}]}]}`))
	must(err)
	f.bSeg, err = db.CreateSegment(ctx, f.b, "seed", "B segment", 0, json.RawMessage(`{"groups":[{"conditions":[{"field":"tag","op":"has","value":"B-only"}]}]}`))
	must(err)
	f.bBroadcast, err = db.CreateBroadcast(ctx, f.b, "seed", kizuna.BroadcastDraft{Name: "B's broadcast", SegmentID: f.bSeg.ID,
		Messages: []kizuna.Message{{Type: "text", Text: "hello B"}}, Schedule: kizuna.Schedule{Kind: kizuna.ScheduleDaily, Time: "09:00"}})
	must(err)
	f.ownerUser, err = db.CreateUser(ctx, "owner@example.com", "correct horse battery", "en")
	must(err)
	must(db.AddMember(ctx, f.ownerUser, f.a, kizuna.RoleOwner))
	viewer, err := db.CreateUser(ctx, "viewer@example.com", "correct horse battery", "en")
	must(err)
	must(db.AddMember(ctx, viewer, f.a, kizuna.RoleMember))
	f.eng = engine.New(db, db, nil)
	t.Cleanup(f.eng.Stop)
	w := web.New(f.eng, viewerUsers{db, "viewer@example.com"}, nil)
	if withLine {
		f.line = linetest.Start(t, db, f.eng, f.a)
		for i, id := range []string{"U00000000000000000000000000000001", "U00000000000000000000000000000002", "U00000000000000000000000000000004", "U00000000000000000000000000000005"} {
			f.line.Fake.AddFriend(id, fmt.Sprintf("friend %d", i))
		}
		w.Line = f.line.Service
		f.eng.Load(f.a) // the waterfall's Reach needs the account's index
		for deadline := time.Now().Add(10 * time.Second); !f.eng.Ready(f.a); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the engine has not loaded shop-a")
			}
		}
	}
	srv := httptest.NewServer(w.Handler())
	t.Cleanup(srv.Close)
	f.url = srv.URL
	f.newClient = func() *client {
		jar, _ := cookiejar.New(nil)
		return &client{t: t, url: srv.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	}
	f.owner = manageSignIn(t, f.newClient(), "owner@example.com")
	f.viewer = manageSignIn(t, f.newClient(), "viewer@example.com")
	return f
}

// draftForm is a composer's form: a text message to the VIP segment, sent
// now; extra sets or replaces fields.
func (f *bcFixture) draftForm(c *client, extra url.Values) url.Values {
	form := url.Values{
		"csrf":             {c.csrf("/a/shop-a/broadcasts")},
		"name":             {"Winter sale"},
		"segment_id":       {fmt.Sprint(f.vip.ID)},
		"messages[0].type": {"text"},
		"messages[0].text": {"The winter sale starts today 🎉"},
		"when":             {"now"},
		"schedule.date":    {""},
		"schedule.clock":   {""},
		"schedule.kind":    {"daily"},
		"schedule.time":    {"10:00"},
	}
	for k, v := range extra {
		form[k] = v
	}
	return form
}

// create stores a broadcast of shop-a directly.
func (f *bcFixture) create(t *testing.T, name string, sc kizuna.Schedule, msgs ...kizuna.Message) *kizuna.Broadcast {
	t.Helper()
	if len(msgs) == 0 {
		msgs = []kizuna.Message{{Type: "text", Text: "Hello from " + name}}
	}
	b, err := f.db.CreateBroadcast(context.Background(), f.a, "owner@example.com", kizuna.BroadcastDraft{Name: name, SegmentID: f.vip.ID, Messages: msgs, Schedule: sc})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func tomorrowAt(hour int) *time.Time {
	loc, _ := time.LoadLocation("Asia/Tokyo")
	now := time.Now().In(loc)
	at := time.Date(now.Year(), now.Month(), now.Day()+1, hour, 0, 0, 0, loc)
	return &at
}

// inJapanese makes c's pages Japanese (the language switch's cookie).
func inJapanese(c *client) {
	u, _ := url.Parse(c.url)
	c.c.Jar.SetCookies(u, []*http.Cookie{{Name: "kizuna_lang", Value: "ja", Path: "/"}})
}

// TestBroadcastListAndPage: the list shows each broadcast newest first
// with its status and schedule in the user's language; a broadcast's page
// shows its facts, messages and each run's waterfall; another account's
// broadcast is not found.
func TestBroadcastListAndPage(t *testing.T) {
	f := bcSetup(t, false)
	ctx := context.Background()
	once := f.create(t, "Tomorrow's news", kizuna.Schedule{Kind: kizuna.ScheduleAt, At: tomorrowAt(10)})
	weekly := f.create(t, "Weekly tips", kizuna.Schedule{Kind: kizuna.ScheduleWeekly, Time: "09:30", Weekdays: []int{1, 4}},
		kizuna.Message{Type: "text", Text: "Tip of the week"}, kizuna.Message{Type: "sticker", PackageID: "446", StickerID: "1988"},
		kizuna.Message{Type: "image", OriginalContentURL: "https://img.example.com/a.jpg", PreviewImageURL: "https://img.example.com/a-s.jpg"})
	canceled := f.create(t, "Dropped", kizuna.Schedule{Kind: kizuna.ScheduleDaily, Time: "08:00"})
	if _, err := f.db.CancelBroadcast(ctx, f.a, "owner@example.com", canceled.ID); err != nil {
		t.Fatal(err)
	}

	// No LINE in this process: the list says so, and lists what there is.
	body := get(f.owner, "/a/shop-a/broadcasts", http.StatusOK)
	if !strings.Contains(body, `id="no-line"`) {
		t.Errorf("the list without LINE does not say so:\n%s", body)
	}
	rows := between(body, `<tbody>`, `</tbody>`)
	iDropped, iWeekly, iNews := strings.Index(rows, "Dropped"), strings.Index(rows, "Weekly tips"), strings.Index(rows, "Tomorrow&#39;s news")
	if iDropped < 0 || iWeekly < 0 || iNews < 0 || !(iDropped < iWeekly && iWeekly < iNews) {
		t.Errorf("the list, newest first: %d %d %d\n%s", iDropped, iWeekly, iNews, rows)
	}
	for _, want := range []string{"Scheduled", "Recurring", "Canceled", "Every week on Monday and Thursday at 09:30", `href="/a/shop-a/broadcasts/new"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the list lacks %q", want)
		}
	}
	if strings.Contains(body, "B&#39;s broadcast") {
		t.Error("the list shows another account's broadcast")
	}
	ja := manageSignIn(t, f.newClient(), "owner@example.com")
	inJapanese(ja)
	body = get(ja, "/a/shop-a/broadcasts", http.StatusOK)
	for _, want := range []string{"予約済み", "定期配信", "キャンセル済み", "毎週 月・木曜 9:30", "新しい配信"} {
		if !strings.Contains(body, want) {
			t.Errorf("the Japanese list lacks %q", want)
		}
	}

	// The weekly broadcast's page: facts, bubbles, Edit and Cancel.
	body = get(f.owner, fmt.Sprintf("/a/shop-a/broadcasts/%d", weekly.ID), http.StatusOK)
	for _, want := range []string{"Recurring", "Every week on Monday and Thursday at 09:30", "VIP customers", "owner@example.com",
		"Tip of the week", "bubble-sticker", "446 / 1988", "img.example.com", `id="edit-broadcast"`, `id="cancel-broadcast"`, "Not sent yet."} {
		if !strings.Contains(body, want) {
			t.Errorf("the broadcast's page lacks %q", want)
		}
	}
	if strings.Contains(body, `data-live`) {
		t.Error("a recurring broadcast waiting for its day refreshes itself")
	}
	body = get(f.owner, fmt.Sprintf("/a/shop-a/broadcasts/%d", canceled.ID), http.StatusOK)
	if strings.Contains(body, `id="edit-broadcast"`) || strings.Contains(body, `id="cancel-broadcast"`) {
		t.Error("a canceled broadcast offers Edit or Cancel")
	}
	body = get(f.owner, fmt.Sprintf("/a/shop-a/broadcasts/%d", once.ID), http.StatusOK)
	if !strings.Contains(body, "Once, on ") || !strings.Contains(body, "10:00") || !strings.Contains(body, `id="broadcast-next"`) {
		t.Errorf("a one-time broadcast's schedule:\n%s", between(body, `id="broadcast-facts"`, `</dl>`))
	}

	// Another account's broadcast, and paths that are no broadcast.
	for _, p := range []string{fmt.Sprintf("/a/shop-a/broadcasts/%d", f.bBroadcast.ID), fmt.Sprintf("/a/shop-a/broadcasts/%d/edit", f.bBroadcast.ID),
		"/a/shop-a/broadcasts/x", "/a/shop-b/broadcasts", fmt.Sprintf("/a/shop-b/broadcasts/%d", f.bBroadcast.ID)} {
		get(f.owner, p, http.StatusNotFound)
	}
	if code, _, _ := submit(f.owner, fmt.Sprintf("/a/shop-a/broadcasts/%d/cancel", f.bBroadcast.ID), withCSRF(f.owner, nil)); code != http.StatusNotFound {
		t.Errorf("canceling another account's broadcast: %d", code)
	}
	if b, _ := f.db.Broadcast(ctx, f.b, f.bBroadcast.ID); b.Status != kizuna.BroadcastRecurring {
		t.Errorf("another account's broadcast is %s", b.Status)
	}
}

// TestBroadcastRunWaterfall: a run's recorded waterfall on the broadcast's
// page: matched, following, quota, sent, accepted, failed with its reason,
// unsent with the stop reason; the page follows a run while it sends.
func TestBroadcastRunWaterfall(t *testing.T) {
	f := bcSetup(t, false)
	ctx := context.Background()
	b := f.create(t, "Flash sale", kizuna.Schedule{Kind: kizuna.ScheduleNow})
	refs, err := f.db.DueRuns(ctx, time.Now().Add(time.Second))
	if err != nil || len(refs) == 0 {
		t.Fatalf("due runs: %v %v", refs, err)
	}
	var runID int64
	for _, r := range refs {
		if r.BroadcastID == b.ID {
			runID = r.RunID
		}
	}
	page := fmt.Sprintf("/a/shop-a/broadcasts/%d", b.ID)
	body := get(f.owner, page, http.StatusOK)
	if !strings.Contains(body, `data-live="1"`) || !strings.Contains(body, "Waiting to start") {
		t.Errorf("a pending run: the page should wait and refresh:\n%s", between(body, `id="broadcast-live"`, `</aside>`))
	}
	quota := int64(2)
	batches, err := f.db.SnapshotRun(ctx, runID, []string{"U00000000000000000000000000000001", "U00000000000000000000000000000002"},
		kizuna.Waterfall{Matched: 4, Following: 3, Quota: &quota, QuotaAllows: 2})
	if err != nil || len(batches) != 1 {
		t.Fatalf("snapshot: %v %v", batches, err)
	}
	body = get(f.owner, page, http.StatusOK)
	if !strings.Contains(body, `data-live="1"`) || !strings.Contains(body, "Sending") {
		t.Errorf("a run sending: the page should refresh")
	}
	if err := f.db.FinishBatch(ctx, batches[0], kizuna.BatchFailed, "", "The request body has 1 error(s)"); err != nil {
		t.Fatal(err)
	}
	body = get(f.owner, page, http.StatusOK)
	steps := between(body, `<ol class="waterfall">`, `</ol>`)
	for _, want := range []string{"Matched by the segment", ">4<", "Following", ">3<", "2 left", "Failed", "The request body has 1 error(s) (2 friends)"} {
		if !strings.Contains(steps, want) {
			t.Errorf("the run's waterfall lacks %q:\n%s", want, steps)
		}
	}
	if strings.Contains(body, `data-live="1"`) {
		t.Error("a finished run still refreshes the page")
	}
	inJapanese(f.owner)
	body = get(f.owner, page, http.StatusOK)
	for _, want := range []string{"セグメントの条件に一致", "フォロー中", "残り2通", "失敗", "（2人）"} {
		if !strings.Contains(body, want) {
			t.Errorf("the Japanese waterfall lacks %q", want)
		}
	}
}

// TestBroadcastComposer: the composer opens with the segment chosen; a
// draft the rules refuse comes back (400) with what was typed and the
// message at its field, in the user's language.
func TestBroadcastComposer(t *testing.T) {
	f := bcSetup(t, false)
	body := get(f.owner, fmt.Sprintf("/a/shop-a/broadcasts/new?segment=%d", f.vip.ID), http.StatusOK)
	if !strings.Contains(body, fmt.Sprintf(`<option value="%d" selected>VIP customers</option>`, f.vip.ID)) {
		t.Errorf("the composer does not choose the segment:\n%s", between(body, `id="bc-segment"`, `</select>`))
	}
	if !strings.Contains(body, "Asia/Tokyo") || !strings.Contains(body, `id="message-template"`) || !strings.Contains(body, `class="text-length">0</span> / 5,000`) {
		t.Error("the composer lacks the zone, the message template or the counter")
	}
	if strings.Contains(body, "B segment") {
		t.Error("the composer offers another account's segment")
	}

	cases := []struct {
		name   string
		extra  url.Values
		field  string // the error's element id
		en, ja string
	}{
		{"empty second text", url.Values{"messages[1].type": {"text"}, "messages[1].text": {"   "}}, "", "the text is only spaces", ""},
		{"long text", url.Values{"messages[0].text": {strings.Repeat("🍎", 2501)}}, "", "5,002", ""},
		{"http image", url.Values{"messages[0].type": {"image"}, "messages[0].originalContentUrl": {"http://img.example.com/a.jpg"}, "messages[0].previewImageUrl": {"https://img.example.com/b.jpg"}}, "", "https://", ""},
		{"no name", url.Values{"name": {" "}}, "err-name", "", ""},
		{"no segment", url.Values{"segment_id": {""}}, "err-segment", "", ""},
		{"no date", url.Values{"when": {"at"}}, "err-at", "Choose the date and the time to send.", "配信する日付と時刻を選んでください。"},
		{"past date", url.Values{"when": {"at"}, "schedule.date": {"2020-01-01"}, "schedule.clock": {"10:00"}}, "err-at", "", ""},
		{"weekly without days", url.Values{"when": {"recurring"}, "schedule.kind": {"weekly"}}, "err-weekdays", "", ""},
		{"monthly without day", url.Values{"when": {"recurring"}, "schedule.kind": {"monthly"}, "schedule.day": {"x"}}, "err-day", "", ""},
		{"another account's segment", url.Values{"segment_id": {fmt.Sprint(f.bSeg.ID)}}, "err-segment", "Choose one of this account's segments.", "このアカウントのセグメントを選んでください。"},
	}
	ja := manageSignIn(t, f.newClient(), "owner@example.com")
	inJapanese(ja)
	for _, c := range cases {
		for _, who := range []*client{f.owner, ja} {
			code, _, body := submit(who, "/a/shop-a/broadcasts/review", f.draftForm(who, c.extra))
			if code != http.StatusBadRequest {
				t.Errorf("%s: %d, want 400", c.name, code)
				continue
			}
			if !strings.Contains(body, `value="Winter sale"`) && c.name != "no name" {
				t.Errorf("%s: the name typed is lost", c.name)
			}
			var where string
			if c.field != "" {
				where = between(body, `id="`+c.field+`"`, `</p>`)
			} else if strings.HasPrefix(c.name, "empty second") {
				where = between(body, `name="messages[1].text"`, `</fieldset>`)
			} else {
				where = between(body, `name="messages[0].`, `</fieldset>`)
			}
			if !strings.Contains(where, `field-error`) && c.field == "" || where == "" {
				t.Errorf("%s: no error at its field:\n%s", c.name, between(body, `id="broadcast-form"`, `id="when"`))
				continue
			}
			want := c.en
			if who == ja {
				want = c.ja
			}
			if want != "" && !strings.Contains(html.UnescapeString(where), want) {
				t.Errorf("%s: the error at its field is %q, want %q", c.name, where, want)
			}
			if who == ja && strings.Contains(where, "the ") {
				t.Errorf("%s: the Japanese page's error is English: %q", c.name, where)
			}
		}
	}

	// Without LINE in this process, a valid draft cannot be reviewed: said
	// at the top, the draft kept.
	code, _, body := submit(f.owner, "/a/shop-a/broadcasts/review", f.draftForm(f.owner, nil))
	if code != http.StatusServiceUnavailable || !strings.Contains(body, `id="compose-error"`) || !strings.Contains(body, "The winter sale starts today 🎉") {
		t.Errorf("review without LINE: %d\n%s", code, body)
	}
	// Back to edit: the posted draft in the composer.
	code, _, body = submit(f.owner, "/a/shop-a/broadcasts/compose", f.draftForm(f.owner, url.Values{"messages[1].type": {"sticker"}, "messages[1].packageId": {"446"}, "messages[1].stickerId": {"1988"}}))
	if code != http.StatusOK || !strings.Contains(body, `name="messages[1].packageId" data-field="packageId" value="446"`) {
		t.Errorf("back to edit: %d\n%s", code, between(body, `id="messages"`, `id="message-template"`))
	}
}

// TestBroadcastEditAndCancel: a broadcast that has not started opens in
// the composer and saves; an edit from an older version is refused (409)
// keeping what was typed; canceling stops it, and a canceled one can no
// longer be edited.
func TestBroadcastEditAndCancel(t *testing.T) {
	f := bcSetup(t, false)
	ctx := context.Background()
	b := f.create(t, "Monthly letter", kizuna.Schedule{Kind: kizuna.ScheduleMonthly, Time: "09:00", Day: 31})
	edit := fmt.Sprintf("/a/shop-a/broadcasts/%d/edit", b.ID)
	body := get(f.owner, edit, http.StatusOK)
	for _, want := range []string{`value="Monthly letter"`, `id="when-recurring" checked`, `<option value="monthly" selected>`, `name="schedule.day" min="1" max="31" value="31"`, `value="09:00"`, "Hello from Monthly letter"} {
		if !strings.Contains(body, want) {
			t.Errorf("the edit page lacks %q", want)
		}
	}
	form := f.draftForm(f.owner, url.Values{"id": {fmt.Sprint(b.ID)}, "version": {fmt.Sprint(b.Version)}, "name": {"Monthly letter (new)"},
		"when": {"recurring"}, "schedule.kind": {"weekly"}, "schedule.weekdays": {"1", "3"}, "schedule.time": {"18:00"}})
	page := fmt.Sprintf("/a/shop-a/broadcasts/%d", b.ID)
	landsOn(f.owner, page, form, page, false, "Broadcast “Monthly letter (new)” saved.")
	got, _ := f.db.Broadcast(ctx, f.a, b.ID)
	if got.Name != "Monthly letter (new)" || got.Schedule.Kind != kizuna.ScheduleWeekly || fmt.Sprint(got.Schedule.Weekdays) != "[1 3]" || got.Schedule.Time != "18:00" {
		t.Fatalf("saved: %+v", got)
	}
	// The same form again: its version is now old.
	form["name"] = []string{"Stale edit"}
	code, _, body := submit(f.owner, page, form)
	if code != http.StatusConflict || !strings.Contains(body, `id="compose-error"`) || !strings.Contains(body, `value="Stale edit"`) {
		t.Errorf("a stale edit: %d\n%s", code, body)
	}
	// Cancel, then Edit is refused.
	landsOn(f.owner, page+"/cancel", withCSRF(f.owner, nil), page, false, "Broadcast “Monthly letter (new)” canceled.")
	if code, _ := f.owner.do("GET", edit, nil); code != http.StatusSeeOther {
		t.Errorf("editing a canceled broadcast: %d", code)
	}
	body = get(f.owner, page, http.StatusOK)
	if !strings.Contains(body, "can no longer be edited") {
		t.Errorf("the page after a refused edit lacks the reason:\n%s", body)
	}
	form["version"] = []string{fmt.Sprint(got.Version + 1)}
	code, _, body = submit(f.owner, page, form)
	if code != http.StatusConflict || !strings.Contains(body, "canceled") {
		t.Errorf("saving a canceled broadcast: %d", code)
	}
	inJapanese(f.owner)
	code, _, body = submit(f.owner, page, withCSRF(f.owner, form))
	if code != http.StatusConflict || !strings.Contains(body, `id="compose-error"`) || strings.Contains(between(body, `id="compose-error">`, `</p>`), "the broadcast") {
		t.Errorf("saving a canceled broadcast, in Japanese: %d %q", code, between(body, `id="compose-error">`, `</p>`))
	}
}

// TestBroadcastViewer: a viewer sees the list and a broadcast's page, but
// cannot open the composer, review, test, create, edit or cancel (403),
// and changes nothing.
func TestBroadcastViewer(t *testing.T) {
	f := bcSetup(t, false)
	ctx := context.Background()
	b := f.create(t, "Members only", kizuna.Schedule{Kind: kizuna.ScheduleDaily, Time: "07:00"})
	body := get(f.viewer, "/a/shop-a/broadcasts", http.StatusOK)
	if !strings.Contains(body, "Members only") || strings.Contains(body, `id="new-broadcast"`) {
		t.Errorf("the viewer's list: %s", body)
	}
	page := fmt.Sprintf("/a/shop-a/broadcasts/%d", b.ID)
	body = get(f.viewer, page, http.StatusOK)
	if !strings.Contains(body, "Members only") || strings.Contains(body, `id="cancel-broadcast"`) || strings.Contains(body, `id="edit-broadcast"`) {
		t.Errorf("the viewer's broadcast page offers changes")
	}
	body = get(f.viewer, "/a/shop-a/segments", http.StatusOK)
	if strings.Contains(body, "create-broadcast") || !strings.Contains(body, "cannot create, edit, cancel or test") {
		t.Errorf("the viewer's segment list offers Create Broadcast")
	}
	get(f.viewer, "/a/shop-a/broadcasts/new", http.StatusForbidden)
	get(f.viewer, page+"/edit", http.StatusForbidden)
	for _, p := range []string{"/a/shop-a/broadcasts/review", "/a/shop-a/broadcasts/test", "/a/shop-a/broadcasts", "/a/shop-a/broadcasts/compose", page, page + "/cancel"} {
		code, _, body := submit(f.viewer, p, f.draftForm(f.viewer, url.Values{"test_to": {"U00000000000000000000000000000001"}}))
		if code != http.StatusForbidden || !strings.Contains(body, "cannot create, edit, cancel or test") {
			t.Errorf("POST %s as a viewer: %d", p, code)
		}
	}
	req, _ := http.NewRequest("POST", f.url+"/a/shop-a/broadcasts/friends", strings.NewReader(`{"q": "Aiko"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", f.viewer.csrf("/a/shop-a/broadcasts"))
	res, err := f.viewer.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("the friend search as a viewer: %d", res.StatusCode)
	}
	list, _ := f.db.Broadcasts(ctx, f.a)
	if len(list) != 1 || list[0].Status != kizuna.BroadcastRecurring {
		t.Errorf("a viewer changed the broadcasts: %+v", list)
	}
}

// TestBroadcastSegmentList: the segment list's Create Broadcast opens the
// composer with the segment; Usage names the broadcasts that use it, each
// linked; deleting a segment a broadcast will send to is refused at its
// row, with the store's reason, in the user's language.
func TestBroadcastSegmentList(t *testing.T) {
	f := bcSetup(t, false)
	b := f.create(t, "Daily digest", kizuna.Schedule{Kind: kizuna.ScheduleDaily, Time: "07:00"})
	body := get(f.owner, "/a/shop-a/segments", http.StatusOK)
	row := between(body, fmt.Sprintf(`data-segment="%d"`, f.vip.ID), `</tr>`)
	if !strings.Contains(row, fmt.Sprintf(`href="/a/shop-a/broadcasts/new?segment=%d"`, f.vip.ID)) {
		t.Errorf("the row has no Create Broadcast link:\n%s", row)
	}
	if !strings.Contains(row, fmt.Sprintf(`<a class="usage-link" href="/a/shop-a/broadcasts/%d" title="Daily digest">Daily digest</a>`, b.ID)) {
		t.Errorf("the row's Usage does not name the broadcast:\n%s", row)
	}
	del := fmt.Sprintf("/a/shop-a/segments/%d/delete", f.vip.ID)
	for _, lang := range []string{"en", "ja"} {
		c := f.owner
		if lang == "ja" {
			c = manageSignIn(t, f.newClient(), "owner@example.com")
			inJapanese(c)
		}
		page := followRefusal(c, del, withCSRF(c, nil))
		msg := between(page, `id="row-error">`, `</p>`)
		if !strings.Contains(html.UnescapeString(msg), "Daily digest") {
			t.Errorf("%s: the refusal at the row: %q\n%s", lang, msg, page)
		}
		if lang == "ja" && strings.Contains(msg, "the segment") {
			t.Errorf("the refusal is English on a Japanese page: %q", msg)
		}
		if strings.Contains(page, `id="flash"`) {
			t.Errorf("%s: the refusal is at the top, not at the row", lang)
		}
	}
	if _, err := f.db.Segment(context.Background(), f.a, f.vip.ID); err != nil {
		t.Errorf("the segment was deleted: %v", err)
	}
}

// TestBroadcastSendThroughLine: with shop-a connected to a fake LINE, the
// review shows the waterfall from LINE's quota; a test goes to the friends
// named; "Send now" creates the broadcast, which the jobs send to the
// following members, and its page shows the run's figures.
func TestBroadcastSendThroughLine(t *testing.T) {
	f := bcSetup(t, true)
	f.line.Fake.SetQuota("limited", 1000)
	f.line.Fake.SetUsage(998)
	code, _, body := submit(f.owner, "/a/shop-a/broadcasts/review", f.draftForm(f.owner, nil))
	if code != http.StatusOK {
		t.Fatalf("review: %d\n%s", code, body)
	}
	steps := between(body, `<ol class="waterfall">`, `</ol>`)
	counts := []string{}
	for _, part := range strings.Split(steps, `<strong class="n">`)[1:] {
		counts = append(counts, part[:strings.Index(part, "<")])
	}
	if fmt.Sprint(counts) != "[4 3 2 2]" || !strings.Contains(steps, "2 left") {
		t.Fatalf("the waterfall: %v\n%s", counts, steps)
	}
	if !strings.Contains(body, `id="send">Send now</button>`) {
		t.Error("no Send now")
	}
	// The review page carries the draft to each of its forms.
	if strings.Count(body, `name="messages[0].text" value="The winter sale starts today 🎉"`) != 2 {
		t.Errorf("the review's forms do not carry the draft")
	}
	f.line.Fake.SetUsage(0)

	// A test to a friend, then to someone who is no friend.
	code, _, body = submit(f.owner, "/a/shop-a/broadcasts/test", f.draftForm(f.owner, url.Values{"test_to": {"U00000000000000000000000000000005"}}))
	if code != http.StatusOK || !strings.Contains(body, "Test sent to 1 friend.") {
		t.Fatalf("test send: %d\n%s", code, between(body, `id="test-section"`, `</section>`))
	}
	if n := f.line.Fake.Received("U00000000000000000000000000000005"); n != 1 {
		t.Errorf("the test's friend received %d", n)
	}
	code, _, body = submit(f.owner, "/a/shop-a/broadcasts/test", f.draftForm(f.owner, url.Values{"test_to": {"U0000000000000000000000000000000f"}}))
	if code != http.StatusBadRequest || !strings.Contains(between(body, `id="test-error">`, `</p>`), "not a following friend") {
		t.Errorf("a test to a stranger: %d %q", code, between(body, `id="test-error">`, `</p>`))
	}
	// The search for test recipients finds following friends only.
	req, _ := http.NewRequest("POST", f.url+"/a/shop-a/broadcasts/friends", strings.NewReader(`{"q": "Chika"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", f.owner.csrf("/a/shop-a/broadcasts"))
	res, err := f.owner.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || string(out) != "{\"friends\":[]}\n" {
		t.Errorf("searching a blocked friend: %d %s", res.StatusCode, out)
	}
	req, _ = http.NewRequest("POST", f.url+"/a/shop-a/broadcasts/friends", strings.NewReader(`{"q": "Aiko"}`))
	req.Header.Set("Content-Type", "application/json")
	res, _ = f.owner.c.Do(req)
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("the search without its CSRF token: %d", res.StatusCode)
	}

	// Send now.
	code, loc, body := submit(f.owner, "/a/shop-a/broadcasts", f.draftForm(f.owner, nil))
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/a/shop-a/broadcasts/") {
		t.Fatalf("send now: %d %q\n%s", code, loc, body)
	}
	var id int64
	fmt.Sscanf(strings.TrimPrefix(loc, "/a/shop-a/broadcasts/"), "%d", &id)
	b := linetest.WaitBroadcast(t, f.eng, f.a, id, 10*time.Second)
	if b.Runs[0].Status != kizuna.RunSent || b.Runs[0].Waterfall.Accepted != 3 {
		t.Fatalf("the run: %+v", b.Runs[0])
	}
	for _, friend := range f.vipFollowingFriends {
		if n := f.line.Fake.Received(friend); n != 1 {
			t.Errorf("%s received %d", friend, n)
		}
	}
	body = get(f.owner, loc, http.StatusOK)
	if !strings.Contains(body, `data-status="sent"`) || !strings.Contains(between(body, `data-step="accepted"`, `</li>`), `<strong class="n">3</strong>`) {
		t.Errorf("the broadcast's page after sending:\n%s", between(body, `id="broadcast-live"`, `</aside>`))
	}
	body = get(f.owner, "/a/shop-a/broadcasts", http.StatusOK)
	if !strings.Contains(body, "3 / 3") {
		t.Errorf("the list's last run: %s", between(body, `<tbody>`, `</tbody>`))
	}
}
