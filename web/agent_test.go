package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/agent"
	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/sqlstore"
	"github.com/kizuna-line/kizuna/web"
)

// agentNow is the agent fixture's clock: the friends' last orders are days
// before it. It is the clock's time (the segment list counts by the
// store's clock), to the second; no threshold is near a friend's date.
var agentNow = time.Now().UTC().Truncate(time.Second)

// agentFixture is a server with the agent over two accounts: shop-a, with
// Shopify customers whose last orders are 10, 40, 70, 100 and 200 days
// old (so "recently" at 30 / 60 / 90 / 180 days gives 4 / 3 / 2 / 1) and
// no segment yet, whose owner (English), member (Japanese) and viewer sign
// in; and shop-b, with a proposal of its own.
type agentFixture struct {
	db             *sqlstore.DB
	a, b           *kizuna.Account
	bProposal      int64
	owner, hanako  *client
	viewer         *client
	svc            *agent.Service
	ownerEmail     string
	newClient      func() *client
	url            string
	lastOrderDays  []int
	comebackGoalJA string
}

func agentSetup(t *testing.T, backend string) *agentFixture {
	t.Helper()
	f := &agentFixture{lastOrderDays: []int{10, 40, 70, 100, 200}}
	var lines []string
	for i, d := range f.lastOrderDays {
		tags := `[]`
		if i%2 == 0 {
			tags = `["VIP"]`
		}
		lines = append(lines, fmt.Sprintf(`{"line_user_id": "U%032x", "display_name": "Friend %d", "added_at": %q, "tags": %s, "shopify": {"customer_id": "c%d", "orders_count": %d, "last_order_at": %q}}`,
			i+1, i+1, agentNow.AddDate(0, 0, -300-i).Format(time.RFC3339), tags, i+1, i+1, agentNow.AddDate(0, 0, -d).Format(time.RFC3339)))
	}
	return agentSetupWith(t, backend, f, lines)
}

// agentSetupWith builds the fixture with shop-a's friends as NDJSON lines.
func agentSetupWith(t *testing.T, backend string, f *agentFixture, lines []string) *agentFixture {
	t.Helper()
	ctx := context.Background()
	f.db, f.ownerEmail, f.comebackGoalJA = testdb.Open(t, backend), "owner@example.com", "最近購入していない人に再来店キャンペーンを送りたい"
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
	_, err = db.ImportFriends(ctx, f.a, strings.NewReader(strings.Join(lines, "\n")), kizuna.ImportOptions{})
	must(err)
	_, err = db.ImportFriends(ctx, f.b, strings.NewReader(`{"line_user_id": "U0000000000000000000000000000000b", "display_name": "Bea", "added_at": "2026-01-20T10:00:00+09:00", "tags": ["VIP"]}`), kizuna.ImportOptions{})
	must(err)
	for _, m := range []struct {
		email, lang string
		a           *kizuna.Account
		role        string
	}{{f.ownerEmail, "en", f.a, kizuna.RoleOwner}, {"hanako@example.com", "ja", f.a, kizuna.RoleMember}, {"viewer@example.com", "en", f.a, kizuna.RoleMember}, {"b@example.com", "en", f.b, kizuna.RoleOwner}} {
		u, err := db.CreateUser(ctx, m.email, "correct horse battery", m.lang)
		must(err)
		must(db.AddMember(ctx, u, m.a, m.role))
	}
	eng := engine.New(db, db, nil)
	t.Cleanup(eng.Stop)
	eng.Load(f.a) // the blocked friends' warning needs the account's index
	for deadline := time.Now().Add(10 * time.Second); !eng.Ready(f.a); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the engine has not loaded shop-a")
		}
	}
	f.svc = &agent.Service{Store: eng, Counts: eng, Blocked: eng, Now: func() time.Time { return agentNow }}
	bp, err := f.svc.Propose(ctx, f.b, agent.Request{Lang: "en", Goal: "VIPs", Actor: "b@example.com"})
	must(err)
	f.bProposal = bp.ID
	w := web.New(eng, viewerUsers{db, "viewer@example.com"}, nil)
	w.Agent = f.svc
	w.Now = func() time.Time { return agentNow }
	srv := httptest.NewServer(w.Handler())
	t.Cleanup(srv.Close)
	f.url = srv.URL
	f.newClient = func() *client {
		jar, _ := cookiejar.New(nil)
		return &client{t: t, url: srv.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	}
	f.owner = manageSignIn(t, f.newClient(), f.ownerEmail)
	f.hanako = manageSignIn(t, f.newClient(), "hanako@example.com")
	f.viewer = manageSignIn(t, f.newClient(), "viewer@example.com")
	return f
}

// segments are shop-a's live segments.
func (f *agentFixture) segments(t *testing.T) []*kizuna.Segment {
	t.Helper()
	segs, err := f.db.Segments(context.Background(), f.a)
	if err != nil {
		t.Fatal(err)
	}
	return segs
}

var proposalPath = regexp.MustCompile(`^/a/shop-a/agent/(\d+)$`)

// ask posts a turn to the agent and returns the new proposal's ID (the
// redirect's target must be its page).
func (f *agentFixture) ask(t *testing.T, c *client, form url.Values) int64 {
	t.Helper()
	code, loc, body := submit(c, "/a/shop-a/agent", withCSRF(c, form))
	m := proposalPath.FindStringSubmatch(loc)
	if code != http.StatusSeeOther || m == nil {
		t.Fatalf("POST agent %v: %d %q\n%s", form, code, loc, body)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

// agentGet returns the page's text with its entities decoded.
func agentGet(c *client, path string) string {
	c.t.Helper()
	return html.UnescapeString(get(c, path, http.StatusOK))
}

// TestAgentPanel: the panel leads an empty account's first page (with the
// brief's advice), stays on the segment list once there are segments,
// defaults to Auto, and is not shown to a viewer, whose writes are refused.
func TestAgentPanel(t *testing.T) {
	f := agentSetup(t, "sqlite")
	// The account's first page is its segment list.
	req, _ := http.NewRequest("GET", f.owner.url+"/", nil)
	res, err := f.owner.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/a/shop-a/segments" {
		t.Fatalf("GET /: %d %q", res.StatusCode, loc)
	}
	body := agentGet(f.owner, "/a/shop-a/segments")
	if !strings.Contains(body, `id="agent-panel"`) || !strings.Contains(body, "Start by consulting the agent") {
		t.Fatalf("an empty account's first page has no agent panel first:\n%s", body)
	}
	if strings.Index(body, `id="agent-panel"`) > strings.Index(body, `id="segments"`) {
		t.Error("the panel comes after the segment table on an empty account")
	}
	if !regexp.MustCompile(`value="auto" id="agent-mode-auto" checked`).MatchString(body) || strings.Contains(body, `id="agent-mode-consult" checked`) {
		t.Error("Auto is not the default mode")
	}
	ja := agentGet(f.hanako, "/a/shop-a/segments")
	for _, want := range []string{"まずはエージェントに相談しましょう", "おまかせ", "相談", "例：最近購入していない人に再来店キャンペーンを送りたい"} {
		if !strings.Contains(ja, want) {
			t.Errorf("the Japanese panel lacks %q", want)
		}
	}
	if v := agentGet(f.viewer, "/a/shop-a/segments"); strings.Contains(v, `id="agent-panel"`) || strings.Contains(v, `action="/a/shop-a/agent"`) {
		t.Error("a viewer gets the panel")
	}
	if code, _, _ := submit(f.viewer, "/a/shop-a/agent", withCSRF(f.viewer, url.Values{"goal": {"VIPs"}})); code != http.StatusForbidden {
		t.Errorf("a viewer's question: %d, want 403", code)
	}
	// With a segment, the panel is still there, no longer the first-page one.
	if _, err := f.db.CreateSegment(context.Background(), f.a, "seed", "VIP", 0, []byte(`{"groups":[{"conditions":[{"field":"tag","op":"has","value":"VIP"}]}]}`)); err != nil {
		t.Fatal(err)
	}
	body = agentGet(f.owner, "/a/shop-a/segments")
	if !strings.Contains(body, `id="agent-panel"`) || strings.Contains(body, "Start by consulting the agent") || !strings.Contains(body, "Ask the agent") {
		t.Error("the segment list's panel is missing or still the first page's")
	}
}

// TestAgentConsultApprove walks the brief's flow over HTTP on both
// backends: a question in Consult mode with its choices' counts, the
// answer, an assumption switched, a refused name, Approve, the composer
// with the new segment and the draft, and the segment's history.
func TestAgentConsultApprove(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			f := agentSetup(t, backend)
			c := f.hanako
			q := f.ask(t, c, url.Values{"goal": {f.comebackGoalJA}, "mode": {"consult"}})
			body := agentGet(c, fmt.Sprintf("/a/shop-a/agent/%d", q))
			if !strings.Contains(body, f.comebackGoalJA) || !strings.Contains(body, `id="agent-questions"`) || strings.Contains(body, `id="agent-approve"`) {
				t.Fatalf("the consult page shows no question (or already a proposal):\n%s", body)
			}
			// Each choice is a button with its count: 30/60/90/180 days → 4/3/2/1.
			for days, n := range map[string]int{"30": 4, "60": 3, "90": 2, "180": 1} {
				re := regexp.MustCompile(`name="choose\.recency" value="` + days + `"[^>]*><span class="agent-option-label">` + days + `日</span> <span class="agent-option-count">` + strconv.Itoa(n) + `人</span>`)
				if !re.MatchString(body) {
					t.Errorf("no button %s日 · %d人", days, n)
				}
			}
			if len(f.segments(t)) != 0 {
				t.Fatal("a segment exists before Approve")
			}
			p := f.ask(t, c, url.Values{"after": {fmt.Sprint(q)}, "choose.recency": {"60"}})
			body = agentGet(c, fmt.Sprintf("/a/shop-a/agent/%d", p))
			if !strings.Contains(body, `<strong id="agent-count">3</strong>`) || !strings.Contains(body, `id="agent-approve"`) || !strings.Contains(body, "「60日」を選択") {
				t.Fatalf("after answering 60 days, no proposal of 3 friends:\n%s", body)
			}
			if !regexp.MustCompile(`class="agent-option chosen" aria-pressed="true"[^>]*data-value="60"`).MatchString(body) {
				t.Error("the chosen 60 days is not marked")
			}
			// Switching the assumption's threshold is one click.
			p2 := f.ask(t, c, url.Values{"after": {fmt.Sprint(p)}, "choose.recency": {"90"}})
			body = agentGet(c, fmt.Sprintf("/a/shop-a/agent/%d", p2))
			if !strings.Contains(body, `<strong id="agent-count">2</strong>`) {
				t.Fatalf("90 days: not 2 friends:\n%s", body)
			}
			// The refine box adds a turn: VIPs left out, 1 of the 2 (the 100 days one).
			p3 := f.ask(t, c, url.Values{"after": {fmt.Sprint(p2)}, "goal": {"VIPも除外して"}})
			if refined := agentGet(c, fmt.Sprintf("/a/shop-a/agent/%d", p3)); !strings.Contains(refined, `<strong id="agent-count">1</strong>`) || !strings.Contains(refined, "<p>VIPも除外して</p>") {
				t.Errorf("the refinement does not leave VIPs out, or is not in the conversation:\n%s", refined)
			}
			draft := regexp.MustCompile(`id="agent-draft">([^<]+)<`).FindStringSubmatch(body)
			if draft == nil {
				t.Fatal("no draft message on the card")
			}
			// A name in use is refused at the name, and creates nothing.
			taken, err := f.db.CreateSegment(context.Background(), f.a, "seed", "既存のセグメント", 0, []byte(`{"groups":[{"conditions":[{"field":"tag","op":"has","value":"VIP"}]}]}`))
			if err != nil {
				t.Fatal(err)
			}
			code, _, resp := submit(c, fmt.Sprintf("/a/shop-a/agent/%d/approve", p2), withCSRF(c, url.Values{"name": {"既存のセグメント"}}))
			resp = html.UnescapeString(resp)
			if code != http.StatusConflict || !strings.Contains(resp, `id="agent-name-error"`) || !strings.Contains(resp, `value="既存のセグメント"`) {
				t.Fatalf("approving under a name in use: %d\n%s", code, resp)
			}
			if n := len(f.segments(t)); n != 1 {
				t.Fatalf("%d segments after a refused approve, want 1", n)
			}
			// Approve: exactly one segment, and the composer with it and the draft.
			code, loc, resp := submit(c, fmt.Sprintf("/a/shop-a/agent/%d/approve", p2), withCSRF(c, url.Values{"name": {"再来店キャンペーン"}}))
			if code != http.StatusSeeOther {
				t.Fatalf("approve: %d\n%s", code, resp)
			}
			segs := f.segments(t)
			if len(segs) != 2 {
				t.Fatalf("%d segments after approve, want 2", len(segs))
			}
			var seg *kizuna.Segment
			for _, s := range segs {
				if s.ID != taken.ID {
					seg = s
				}
			}
			if seg.Name != "再来店キャンペーン" || !strings.Contains(string(seg.Filter), `"value":90`) {
				t.Fatalf("the approved segment: %q %s", seg.Name, seg.Filter)
			}
			if want := fmt.Sprintf("/a/shop-a/broadcasts/new?segment=%d&proposal=%d", seg.ID, p2); loc != want {
				t.Fatalf("approve went to %q, want %q", loc, want)
			}
			body = agentGet(c, loc)
			if !regexp.MustCompile(fmt.Sprintf(`<option value="%d" selected`, seg.ID)).MatchString(body) {
				t.Error("the composer does not have the new segment selected")
			}
			if !strings.Contains(body, ">"+html.UnescapeString(draft[1])+"</textarea>") {
				t.Errorf("the composer's first message is not the draft %q", draft[1])
			}
			if !strings.Contains(body, `id="flash">エージェントの提案からセグメント「再来店キャンペーン」を作成しました。`) {
				t.Error("the composer does not say the segment was created")
			}
			if !strings.Contains(body, `value="再来店キャンペーン"`) {
				t.Error("the broadcast is not named after the segment")
			}
			// Another proposal's ID, or one not approved, gives no draft.
			for _, q := range []string{fmt.Sprintf("?segment=%d&proposal=%d", seg.ID, p), fmt.Sprintf("?segment=%d&proposal=%d", taken.ID, p2), fmt.Sprintf("?segment=%d&proposal=%d", seg.ID, f.bProposal)} {
				if strings.Contains(agentGet(c, "/a/shop-a/broadcasts/new"+q), html.UnescapeString(draft[1])) {
					t.Errorf("the composer %s has the draft", q)
				}
			}
			// A second approve is refused on the card and creates nothing.
			code, _, resp = submit(c, fmt.Sprintf("/a/shop-a/agent/%d/approve", p2), withCSRF(c, url.Values{"name": {"もう一つ"}}))
			if code != http.StatusConflict || !strings.Contains(resp, `id="agent-error"`) || len(f.segments(t)) != 2 {
				t.Fatalf("a second approve: %d, %d segments", code, len(f.segments(t)))
			}
			// The approved page offers the composer; the history names the agent and the approver.
			if body := agentGet(c, fmt.Sprintf("/a/shop-a/agent/%d", p2)); !strings.Contains(body, `id="agent-approved"`) || strings.Contains(body, `id="agent-approve"`) {
				t.Error("the approved proposal's page still offers Approve")
			}
			hist := agentGet(f.owner, fmt.Sprintf("/a/shop-a/segments/%d/history", seg.ID))
			if !strings.Contains(hist, "Created from the agent's proposal") || !strings.Contains(hist, "hanako@example.com") {
				t.Errorf("the history does not say the agent proposed it and who approved:\n%s", hist)
			}
			if !strings.Contains(agentGet(c, fmt.Sprintf("/a/shop-a/segments/%d/history", seg.ID)), "エージェントの提案から作成") {
				t.Error("the Japanese history does not name the agent")
			}
		})
	}
}

// TestAgentCancelKeepsGoal: Cancel creates nothing and brings the panel
// back with the goal and a note; refusals are said at their field in the
// page's language.
func TestAgentCancelKeepsGoal(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			f := agentSetup(t, backend)
			c := f.hanako
			goal := "VIPだけに新作の案内を送りたい"
			p := f.ask(t, c, url.Values{"goal": {goal}, "mode": {"consult"}})
			// A refinement, then Cancel: the whole conversation comes back.
			p2 := f.ask(t, c, url.Values{"after": {fmt.Sprint(p)}, "goal": {"購入3回以上"}})
			code, loc, _ := submit(c, fmt.Sprintf("/a/shop-a/agent/%d/cancel", p2), withCSRF(c, nil))
			if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/a/shop-a/segments?agent=") {
				t.Fatalf("cancel: %d %q", code, loc)
			}
			if n := len(f.segments(t)); n != 0 {
				t.Fatalf("%d segments after cancel", n)
			}
			body := agentGet(c, loc)
			if !strings.Contains(body, ">"+goal+"\n購入3回以上</textarea>") || !strings.Contains(body, `id="agent-cancelled"`) || !strings.Contains(body, "何も作成されていません") {
				t.Fatalf("the panel after cancel does not keep the goal with a note:\n%s", body)
			}
			if !strings.Contains(body, `id="agent-mode-consult" checked`) {
				t.Error("the panel after cancel does not keep Consult mode")
			}
			// The cancelled proposal's page says so and offers no Approve.
			if body := agentGet(c, fmt.Sprintf("/a/shop-a/agent/%d", p2)); !strings.Contains(body, `id="agent-cancelled-page"`) || strings.Contains(body, `id="agent-approve"`) {
				t.Error("the cancelled proposal's page still offers Approve")
			}
			if code, _, _ := submit(c, fmt.Sprintf("/a/shop-a/agent/%d/approve", p2), withCSRF(c, nil)); code != http.StatusConflict || len(f.segments(t)) != 0 {
				t.Errorf("approving a cancelled proposal: %d, %d segments", code, len(f.segments(t)))
			}
			// An open proposal's ID in ?agent= fills nothing.
			if body := agentGet(c, fmt.Sprintf("/a/shop-a/segments?agent=%d", p)); strings.Contains(body, `id="agent-cancelled"`) {
				t.Error("an open proposal fills the panel")
			}

			// Refusals at the field, in the page's language.
			code, _, resp := submit(c, "/a/shop-a/agent", withCSRF(c, url.Values{"goal": {"  "}, "mode": {"consult"}}))
			resp = html.UnescapeString(resp)
			if code != http.StatusBadRequest || !strings.Contains(resp, `<p class="error field-error" role="alert" id="agent-goal-error">配信の目的を入力してください。`) || !strings.Contains(resp, `id="agent-mode-consult" checked`) {
				t.Fatalf("an empty goal: %d\n%s", code, resp)
			}
			long := strings.Repeat("あ", agent.MaxGoalLength+1)
			code, _, resp = submit(f.owner, "/a/shop-a/agent", withCSRF(f.owner, url.Values{"goal": {long}}))
			if code != http.StatusBadRequest || !strings.Contains(resp, "the goal is 501 characters long; at most 500") || !strings.Contains(resp, ">"+long+"</textarea>") {
				t.Fatalf("a long goal: %d", code)
			}
			code, _, resp = submit(c, "/a/shop-a/agent", withCSRF(c, url.Values{"after": {fmt.Sprint(p)}, "goal": {long}}))
			if code != http.StatusBadRequest || !strings.Contains(html.UnescapeString(resp), `id="agent-refine-error">目的が501文字あります。`) {
				t.Fatalf("a long refinement: %d\n%s", code, resp)
			}
			if n := len(f.segments(t)); n != 0 {
				t.Fatalf("%d segments after refusals", n)
			}
		})
	}
}

// TestAgentOtherAccountAndCSRF: another account's proposal is "not found"
// whatever is asked of it, and every form needs the session's CSRF token.
func TestAgentOtherAccountAndCSRF(t *testing.T) {
	f := agentSetup(t, "sqlite")
	c := f.owner
	b := fmt.Sprint(f.bProposal)
	get(c, "/a/shop-a/agent/"+b, http.StatusNotFound)
	get(c, "/a/shop-b/agent/"+b, http.StatusNotFound) // not a member of shop-b
	get(c, "/a/shop-a/agent/x", http.StatusNotFound)
	for _, path := range []string{"/a/shop-a/agent/" + b + "/approve", "/a/shop-a/agent/" + b + "/cancel"} {
		if code, _, _ := submit(c, path, withCSRF(c, nil)); code != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", path, code)
		}
	}
	if code, _, _ := submit(c, "/a/shop-a/agent", withCSRF(c, url.Values{"after": {b}, "goal": {"make it 60 days"}})); code != http.StatusNotFound {
		t.Errorf("a turn after another account's proposal: %d, want 404", code)
	}
	bp, err := f.svc.Get(context.Background(), f.b, f.bProposal)
	if err != nil || bp.Status != kizuna.ProposalOpen {
		t.Fatalf("shop-b's proposal: %v %+v", err, bp)
	}

	// Without the CSRF token: refused, nothing asked, approved or cancelled.
	p := f.ask(t, c, url.Values{"goal": {"VIPs"}})
	for _, path := range []string{"/a/shop-a/agent", fmt.Sprintf("/a/shop-a/agent/%d/approve", p), fmt.Sprintf("/a/shop-a/agent/%d/cancel", p)} {
		code, _, _ := submit(c, path, url.Values{"goal": {"VIPs"}, "csrf": {"wrong"}})
		if code != http.StatusForbidden {
			t.Errorf("POST %s without the CSRF token: %d, want 403", path, code)
		}
	}
	if got, err := f.svc.Get(context.Background(), f.a, p); err != nil || got.Status != kizuna.ProposalOpen || len(f.segments(t)) != 0 {
		t.Fatalf("after forged posts: %v %+v, %d segments", err, got, len(f.segments(t)))
	}
	if next := f.ask(t, c, url.Values{"goal": {"VIPs"}}); next != p+1 {
		t.Errorf("a forged question was stored: the next proposal is %d after %d", next, p)
	}

	// The viewer reads a proposal but cannot act on it.
	body := agentGet(f.viewer, fmt.Sprintf("/a/shop-a/agent/%d", p))
	if strings.Contains(body, `id="agent-approve"`) || strings.Contains(body, `id="agent-refine"`) || !strings.Contains(body, `id="agent-count"`) {
		t.Error("the viewer's page offers actions, or shows no proposal")
	}
	for _, path := range []string{fmt.Sprintf("/a/shop-a/agent/%d/approve", p), fmt.Sprintf("/a/shop-a/agent/%d/cancel", p)} {
		if code, _, _ := submit(f.viewer, path, withCSRF(f.viewer, nil)); code != http.StatusForbidden {
			t.Errorf("the viewer's POST %s: %d, want 403", path, code)
		}
	}
	if len(f.segments(t)) != 0 {
		t.Fatal("the viewer created a segment")
	}
}

// TestAgentOff: without an agent in the process, the panel says so and the
// routes answer 503, creating nothing.
func TestAgentOff(t *testing.T) {
	c, _ := setup(t)
	manageSignIn(t, c, "owner@example.com")
	body := agentGet(c, "/a/shop-a/segments")
	if !strings.Contains(body, `id="agent-off"`) || strings.Contains(body, `id="agent-form"`) {
		t.Fatalf("the panel without an agent:\n%s", body)
	}
	if code, _, _ := submit(c, "/a/shop-a/agent", withCSRF(c, url.Values{"goal": {"VIPs"}})); code != http.StatusServiceUnavailable {
		t.Errorf("asking without an agent: %d, want 503", code)
	}
	get(c, "/a/shop-a/agent/1", http.StatusServiceUnavailable)
}
