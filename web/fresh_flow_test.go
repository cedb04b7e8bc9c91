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

// freshFixture is an account whose HubSpot is connected and synced, with
// a segment that uses it and one that does not, and its owner signed in.
type freshFixture struct {
	db             *sqlstore.DB
	a              *kizuna.Account
	c              *client
	url            string
	srv            *web.Server
	hubspot, line  *kizuna.Segment
	hubspotPreview string
}

func newFreshFixture(t *testing.T, backend string) *freshFixture {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	f := &freshFixture{db: testdb.Open(t, backend)}
	db := f.db
	var err error
	f.a, err = db.CreateAccount(ctx, "shop-a", "Asia/Tokyo")
	must(err)
	_, err = db.ImportFriends(ctx, f.a, strings.NewReader(`{"line_user_id": "U00000000000000000000000000000001", "display_name": "Aiko", "added_at": "2026-11-20T10:00:00+09:00", "tags": ["VIP"], "hubspot": {"contact_id": "501", "segments": ["101"]}}
{"line_user_id": "U00000000000000000000000000000002", "display_name": "Ben", "added_at": "2026-11-21T10:00:00+09:00", "tags": ["VIP"]}`), kizuna.ImportOptions{})
	must(err)
	must(db.PutCatalog(ctx, f.a, &kizuna.Catalog{HubSpot: &kizuna.CatalogSection{Segments: []kizuna.CatalogList{{ID: "101", Name: "Trade show leads"}}}}))
	must(db.Connect(ctx, f.a, "owner@example.com", kizuna.Connection{Source: kizuna.SourceHubSpot, APIBase: "https://api.hubapi.com", Config: map[string]string{}},
		kizuna.ConnectionSecrets{"access_token": "pat-fake-token", "client_secret": "fake-client-secret"}))
	sync, err := db.StartSourceSync(ctx, f.a, kizuna.SourceHubSpot, kizuna.SyncBackfill, "test")
	must(err)
	_, err = db.FinishSourceSync(ctx, f.a, sync.ID)
	must(err)
	f.hubspotPreview = `{"groups":[{"conditions":[{"field":"hubspot.segment","op":"member_of","value":["101"]}]}]}`
	f.hubspot, err = db.CreateSegment(ctx, f.a, "seed", "Trade show leads", 0, json.RawMessage(f.hubspotPreview))
	must(err)
	f.line, err = db.CreateSegment(ctx, f.a, "seed", "VIP", 0, json.RawMessage(`{"groups":[{"conditions":[{"field":"tag","op":"has","value":"VIP"}]}]}`))
	must(err)
	u, err := db.CreateUser(ctx, "owner@example.com", "correct horse battery", "en")
	must(err)
	must(db.AddMember(ctx, u, f.a, kizuna.RoleOwner))
	eng := engine.New(db, db, nil)
	t.Cleanup(eng.Stop)
	f.srv = web.New(eng, db, nil)
	srv := httptest.NewServer(f.srv.Handler())
	t.Cleanup(srv.Close)
	f.url = srv.URL
	jar, _ := cookiejar.New(nil)
	f.c = &client{t: t, url: srv.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if code, _ := f.c.do("POST", "/signin", url.Values{"csrf": {f.c.csrf("/signin")}, "email": {"owner@example.com"}, "password": {"correct horse battery"}}); code != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", code)
	}
	return f
}

// attr returns an element's attribute (the first match of name="..."),
// unescaped.
func attr(t *testing.T, body, name string) string {
	t.Helper()
	m := regexp.MustCompile(name + `="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s in:\n%s", name, body)
	}
	return html.UnescapeString(m[1])
}

// editorPreview posts a filter to the editor's preview.
func (f *freshFixture) editorPreview(t *testing.T, filter, lang string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest("POST", f.url+"/a/shop-a/preview", strings.NewReader(`{"filter": `+filter+`, "lang": "`+lang+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", f.c.csrf("/a/shop-a/segments/new"))
	res, err := f.c.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("preview: %d %s", res.StatusCode, raw)
	}
	return out
}

// TestDisconnectHidesAndFlags is the issue's "disconnecting a source
// hides its conditions and flags the segments that use them": HubSpot
// connected and synced, a segment with a HubSpot condition; once HubSpot
// is disconnected, the editor no longer offers its fields for a new
// condition, the segment list flags the segment (and not the other), the
// segment's editor and the preview say HubSpot is not connected, and the
// composer and the broadcast's page warn before sending. The data HubSpot
// sent stays: the count does not change, and the pages say so.
func TestDisconnectHidesAndFlags(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			f := newFreshFixture(t, backend)
			b, err := f.db.CreateBroadcast(ctx, f.a, "owner@example.com", kizuna.BroadcastDraft{Name: "Leads follow-up", SegmentID: f.hubspot.ID,
				Messages: []kizuna.Message{{Type: "text", Text: "Thanks for visiting"}}, Schedule: kizuna.Schedule{Kind: kizuna.ScheduleDaily, Time: "09:00"}})
			if err != nil {
				t.Fatal(err)
			}

			// Connected: offered, fresh, nothing flagged.
			_, body := f.c.do("GET", "/a/shop-a/segments/new", nil)
			var connected map[string]bool
			json.Unmarshal([]byte(attr(t, body, "data-integrations")), &connected)
			if !connected["hubspot"] || !strings.Contains(body, "HubSpot: updated just now") {
				t.Fatalf("connected: integrations %v; the editor's freshness:\n%s", connected, body)
			}
			_, list := f.c.do("GET", "/a/shop-a/segments", nil)
			if strings.Contains(list, `class="source-flag`) {
				t.Fatal("a connected source is flagged on the segment list")
			}
			before := f.editorPreview(t, f.hubspotPreview, "en")
			if before["disconnected_sources"] != nil || before["count"] != 1.0 {
				t.Fatalf("connected: preview %v", before)
			}
			if srcs, _ := before["sources"].([]any); len(srcs) != 1 || srcs[0].(map[string]any)["source"] != "hubspot" || srcs[0].(map[string]any)["connected"] != true {
				t.Fatalf("connected: the preview's sources %v", before["sources"])
			}

			if err := f.db.Disconnect(ctx, f.a, kizuna.SourceHubSpot); err != nil {
				t.Fatal(err)
			}

			// The editor of a new segment no longer offers HubSpot.
			_, body = f.c.do("GET", "/a/shop-a/segments/new", nil)
			connected = nil
			json.Unmarshal([]byte(attr(t, body, "data-integrations")), &connected)
			if connected["hubspot"] || strings.Contains(body, `data-source="hubspot"`) {
				t.Fatalf("after disconnecting, the editor of a new segment still offers HubSpot: %v", connected)
			}
			var words map[string]struct {
				State string `json:"state"`
				Flag  bool   `json:"flag"`
				Note  string `json:"note"`
			}
			json.Unmarshal([]byte(attr(t, body, "data-sources")), &words)
			if w := words["hubspot"]; w.State != "disconnected" || !w.Flag || !strings.Contains(w.Note, "HubSpot is not connected") {
				t.Fatalf("HubSpot's words: %+v", w)
			}

			// The segment list flags the segment that uses it, only that one.
			_, list = f.c.do("GET", "/a/shop-a/segments", nil)
			row := func(id int64) string {
				i := strings.Index(list, fmt.Sprintf(`<tr data-segment="%d"`, id))
				if i < 0 {
					t.Fatalf("no row %d:\n%s", id, list)
				}
				end := strings.Index(list[i:], "</tr>")
				return list[i : i+end]
			}
			if r := row(f.hubspot.ID); !strings.Contains(r, `data-source="hubspot"`) || !strings.Contains(r, "HubSpot not connected") ||
				!strings.Contains(r, "This segment uses HubSpot, which is not connected") {
				t.Fatalf("the HubSpot segment's row is not flagged:\n%s", r)
			}
			if r := row(f.line.ID); strings.Contains(r, "source-flag") {
				t.Fatalf("the LINE-only segment is flagged:\n%s", r)
			}
			// In Japanese too.
			f.c.do("POST", "/lang", url.Values{"csrf": {f.c.csrf("/a/shop-a/segments")}, "lang": {"ja"}, "next": {"/a/shop-a/segments"}})
			_, list = f.c.do("GET", "/a/shop-a/segments", nil)
			if r := row(f.hubspot.ID); !strings.Contains(r, "HubSpot未連携") || !strings.Contains(r, "このセグメントは、連携していないHubSpotの条件を使っています。") {
				t.Fatalf("the Japanese flag:\n%s", r)
			}

			// The segment's editor says so at the top; its condition stays.
			_, body = f.c.do("GET", fmt.Sprintf("/a/shop-a/segments/%d/edit", f.hubspot.ID), nil)
			notes := regexp.MustCompile(`(?s)<div id="source-notes"[^>]*>.*?</div>`).FindString(body)
			if strings.Contains(notes, " hidden") || !strings.Contains(notes, "このセグメントは、連携していないHubSpotの条件を使っています。") {
				t.Fatalf("the editor's notes: %s", notes)
			}
			if filter := attr(t, body, `name="filter" id="filter" value`); !strings.Contains(filter, "hubspot.segment") {
				t.Fatalf("the saved condition is gone from the editor: %s", filter)
			}

			// The preview says HubSpot is not connected; the data stays.
			after := f.editorPreview(t, f.hubspotPreview, "en")
			if dis, _ := after["disconnected_sources"].([]any); len(dis) != 1 || dis[0] != "hubspot" {
				t.Fatalf("the preview's disconnected sources: %v", after)
			}
			if n, _ := after["source_notes"].([]any); len(n) != 1 || !strings.HasPrefix(n[0].(string), "This segment uses HubSpot, which is not connected") {
				t.Fatalf("the preview's notes: %v", after["source_notes"])
			}
			if after["count"] != before["count"] {
				t.Fatalf("the count changed on disconnecting: %v, then %v", before["count"], after["count"])
			}
			if line := f.editorPreview(t, `{"groups":[{"conditions":[{"field":"tag","op":"has","value":"VIP"}]}]}`, "en"); line["disconnected_sources"] != nil || line["sources"] != nil {
				t.Fatalf("a LINE-only filter is flagged: %v", line)
			}

			// Saving still works: the condition is kept, the segment stays flagged.
			token := f.c.csrf(fmt.Sprintf("/a/shop-a/segments/%d/edit", f.hubspot.ID))
			if code, body := f.c.do("POST", fmt.Sprintf("/a/shop-a/segments/%d", f.hubspot.ID), url.Values{"csrf": {token}, "name": {"Trade show leads"},
				"filter": {f.hubspotPreview}, "version": {fmt.Sprint(f.hubspot.Version)}}); code != http.StatusSeeOther {
				t.Fatalf("saving a segment of a disconnected source: %d\n%s", code, body)
			}

			// Before a broadcast: the composer and the broadcast's page warn.
			_, body = f.c.do("GET", fmt.Sprintf("/a/shop-a/broadcasts/new?segment=%d", f.hubspot.ID), nil)
			warn := regexp.MustCompile(`(?s)<p id="segment-sources"[^>]*>.*?</p>`).FindString(body)
			if strings.Contains(warn, "hidden") || !strings.Contains(warn, "セグメント「Trade show leads」は、連携していないHubSpotの条件を使っています。") ||
				!strings.Contains(warn, "配信前に対象の友だちを確認してください。") {
				t.Fatalf("the composer's warning: %q", warn)
			}
			if !strings.Contains(body, fmt.Sprintf(`<option value="%d" data-source-warning=`, f.hubspot.ID)) && !strings.Contains(body, `data-source-warning="セグメント「Trade show leads」`) {
				t.Fatalf("the composer's segment option carries no warning:\n%s", body)
			}
			_, body = f.c.do("GET", fmt.Sprintf("/a/shop-a/broadcasts/new?segment=%d", f.line.ID), nil)
			if warn := regexp.MustCompile(`<p id="segment-sources"[^>]*>`).FindString(body); !strings.Contains(warn, "hidden") {
				t.Fatalf("the LINE-only segment warns: %q", warn)
			}
			_, body = f.c.do("GET", fmt.Sprintf("/a/shop-a/broadcasts/%d", b.ID), nil)
			if !strings.Contains(body, `id="segment-sources"`) || !strings.Contains(body, "連携していないHubSpotの条件を使っています。") {
				t.Fatalf("the broadcast's page does not warn:\n%s", body)
			}
		})
	}
}

// TestFailingSourceFlagged: a source whose sync has failed with nothing
// succeeding for longer than kizuna.SourceFailingAfter is flagged with
// the error's gist on the segment list and in the editor; one failure
// just after a success is not.
func TestFailingSourceFlagged(t *testing.T) {
	ctx := context.Background()
	f := newFreshFixture(t, "sqlite")
	s, err := f.db.StartSourceSync(ctx, f.a, kizuna.SourceHubSpot, kizuna.SyncPoll, "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.FailSourceSync(ctx, f.a, s.ID, "HubSpot refused the access token (401)"); err != nil {
		t.Fatal(err)
	}
	_, list := f.c.do("GET", "/a/shop-a/segments", nil)
	if strings.Contains(list, "source-flag") {
		t.Fatal("one failure just after a success is flagged")
	}
	// An hour later by the pages' clock: failing since the last success.
	f.srv.Now = func() time.Time { return time.Now().Add(time.Hour + time.Minute) }
	_, list = f.c.do("GET", "/a/shop-a/segments", nil)
	if !strings.Contains(list, "HubSpot sync failing") || !strings.Contains(list, "This segment uses HubSpot, whose sync is failing (last updated 1 hour ago): its HubSpot conditions may be out of date. Last error: HubSpot refused the access token (401)") {
		t.Fatalf("the failing source is not flagged:\n%s", list)
	}
	_, body := f.c.do("GET", fmt.Sprintf("/a/shop-a/segments/%d/edit", f.hubspot.ID), nil)
	if !strings.Contains(body, "HubSpot: sync failing, last updated 1 hour ago. Last error: HubSpot refused the access token (401)") ||
		!strings.Contains(body, `<p class="source-warning">This segment uses HubSpot, whose sync is failing`) {
		t.Fatalf("the editor does not flag the failing source:\n%s", body)
	}
	p := f.editorPreview(t, f.hubspotPreview, "ja")
	if failing, _ := p["failing_sources"].([]any); len(failing) != 1 || failing[0] != "hubspot" {
		t.Fatalf("the preview's failing sources: %v", p)
	}
}

// TestReviewWarnsOfSources: the review step before sending warns when the
// segment uses a source that is not connected (here Klaviyo, which the
// account never connected), and not for a segment of LINE data only.
func TestReviewWarnsOfSources(t *testing.T) {
	f := bcSetup(t, true)
	seg, err := f.db.CreateSegment(context.Background(), f.a, "seed", "Newsletter readers", 0, json.RawMessage(`{"groups":[{"conditions":[{"field":"klaviyo.list","op":"member_of","value":["Y6nRLr"]}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	code, _, body := submit(f.owner, "/a/shop-a/broadcasts/review", f.draftForm(f.owner, url.Values{"segment_id": {fmt.Sprint(seg.ID)}}))
	warn := regexp.MustCompile(`(?s)<div id="segment-sources"[^>]*>.*?</div>`).FindString(body)
	if code != http.StatusOK || !strings.Contains(html.UnescapeString(warn), "The segment “Newsletter readers” uses Klaviyo, which is not connected") ||
		!strings.Contains(warn, "Check who will receive this broadcast before sending it.") {
		t.Fatalf("review of a Klaviyo segment: %d, warning %q", code, warn)
	}
	code, _, body = submit(f.owner, "/a/shop-a/broadcasts/review", f.draftForm(f.owner, nil))
	if code != http.StatusOK || strings.Contains(body, `id="segment-sources"`) {
		t.Fatalf("review of a LINE-only segment: %d, warns", code)
	}
}
