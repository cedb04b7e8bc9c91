package web_test

import (
	"context"
	"encoding/json"
	"html"
	"log/slog"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/internal/hubspotfake"
	"github.com/kizuna-line/kizuna/internal/klaviyofake"
	"github.com/kizuna-line/kizuna/internal/linetest"
	"github.com/kizuna-line/kizuna/internal/shopifyfake"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/jobs"
	"github.com/kizuna-line/kizuna/sources"
	"github.com/kizuna-line/kizuna/sqlstore"
	"github.com/kizuna-line/kizuna/web"
)

const (
	srcToken  = "shpat_web-secret-0123456789abcdef"
	srcSecret = "whsec_web-secret-fedcba9876543210"
	srcAiko   = "U000000000000000000000000000000a1"
	srcBen    = "U000000000000000000000000000000b2"
	srcCho    = "U000000000000000000000000000000c3"
)

// sourcesFixture is a server over shop-a (three friends; an owner and a
// member) with a fake Shopify whose customers claim Aiko (twice: a
// conflict) and nobody, and a real job engine that runs the syncs.
type sourcesFixture struct {
	db            *sqlstore.DB
	eng           *engine.Engine
	a             *kizuna.Account
	shop          *shopifyfake.Fake
	shopURL       string
	c1, c2, c3    string // customers: Aiko's, another claiming Aiko, nobody's
	url           string
	logs          *lockedBuffer
	newClient     func() *client
	owner, member *client
	// shift moves the store's and the pages' clock ahead (nanoseconds).
	shift *atomic.Int64
}

func sourcesSetup(t *testing.T) *sourcesFixture {
	t.Helper()
	ctx := context.Background()
	f := &sourcesFixture{db: testdb.Open(t, "sqlite"), logs: &lockedBuffer{}, shift: &atomic.Int64{}}
	db := f.db
	clock := func() time.Time { return time.Now().Add(time.Duration(f.shift.Load())) }
	db.Now = clock
	var err error
	if f.a, err = db.CreateAccount(ctx, "shop-a", "Asia/Tokyo"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ImportFriends(ctx, f.a, strings.NewReader(strings.Join([]string{
		`{"line_user_id": "` + srcAiko + `", "display_name": "Aiko", "added_at": "2026-11-20T10:00:00+09:00"}`,
		`{"line_user_id": "` + srcBen + `", "display_name": "Ben", "added_at": "2026-11-21T10:00:00+09:00"}`,
		`{"line_user_id": "` + srcCho + `", "display_name": "Cho", "added_at": "2026-11-22T10:00:00+09:00"}`,
	}, "\n")), kizuna.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct{ email, role string }{{"owner@example.com", kizuna.RoleOwner}, {"member@example.com", kizuna.RoleMember}} {
		u, err := db.CreateUser(ctx, m.email, "correct horse battery", "en")
		if err != nil {
			t.Fatal(err)
		}
		if err := db.AddMember(ctx, u, f.a, m.role); err != nil {
			t.Fatal(err)
		}
	}
	f.shop = shopifyfake.New(shopifyfake.Config{AccessToken: srcToken, WebhookSecret: srcSecret})
	shopSrv := httptest.NewServer(f.shop)
	t.Cleanup(func() { f.shop.Close(); shopSrv.Close() })
	f.shopURL = shopSrv.URL
	f.c1, _ = f.shop.CreateCustomer(ctx, srcAiko, "aiko@example.com")
	if _, err := f.shop.PlaceOrder(ctx, f.c1); err != nil {
		t.Fatal(err)
	}
	f.c2, _ = f.shop.CreateCustomer(ctx, srcAiko, "aiko2@example.com")
	f.c3, _ = f.shop.CreateCustomer(ctx, "", "cho@example.com")
	if _, err := f.shop.PlaceOrder(ctx, f.c3); err != nil {
		t.Fatal(err)
	}

	f.eng = engine.New(db, db, nil)
	t.Cleanup(f.eng.Stop)
	env := linetest.StartWith(t, db, f.eng, linetest.Options{Jobs: jobs.Config{SourceStore: db, Sources: sources.For(sources.Options{})}})
	w := web.New(f.eng, db, slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	w.Line = env.Service
	w.Sources = &sources.Service{Store: db, Syncs: env.Jobs}
	w.Now = clock
	// Shopify's webhooks come to the same server, as in kizuna serve.
	mux := http.NewServeMux()
	mux.Handle("POST /shopify/webhook/{account}", (&sources.Webhooks{Store: f.eng}).Shopify())
	mux.Handle("/", w.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f.url = srv.URL
	f.newClient = func() *client {
		jar, _ := cookiejar.New(nil)
		return &client{t: t, url: srv.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	}
	f.owner = manageSignIn(t, f.newClient(), "owner@example.com")
	f.member = manageSignIn(t, f.newClient(), "member@example.com")
	return f
}

// srcDo is lineDo for the sources: neither headers nor body hold a
// Shopify credential.
func srcDo(t *testing.T, c *client, method, path string, form url.Values) (int, string, string) {
	t.Helper()
	code, loc, body := lineDo(t, c, method, path, form)
	srcNoSecret(t, method+" "+path, body+loc)
	return code, loc, body
}

func srcNoSecret(t *testing.T, what, s string) {
	t.Helper()
	for _, secret := range []string{srcToken, srcSecret, "shpat_wrong-token"} {
		if strings.Contains(s, secret) {
			t.Fatalf("%s holds a secret", what)
		}
	}
}

// srcWait polls a source's progress until it rests (not running, not
// waiting for its first sync).
func srcWait(t *testing.T, c *client, source string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, _, body := srcDo(t, c, "GET", "/a/shop-a/settings/sources/"+source+"/sync", nil)
		var v map[string]any
		if code != http.StatusOK || json.Unmarshal([]byte(body), &v) != nil {
			t.Fatalf("progress: %d %s", code, body)
		}
		if v["running"] == false && v["pending"] == false {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("the %s sync did not finish: %v", source, v)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSourcesSettings: Settings → Integrations as an owner and a member
// meet it. A wrong token is Shopify's refusal at the form (in the user's
// language), the typed shop domain and API base kept, nothing stored; the
// right one connects Shopify and its backfill runs on the job engine: the
// card shows the shop, who connected it, the webhook URL to give Shopify,
// the linked friends and the record claiming an already linked friend,
// never a credential (no page, answer, header or log line holds one).
// Members see it all but get 403 from every form. "Sync now" runs again;
// Disconnect brings the form back.
func TestSourcesSettings(t *testing.T) {
	ctx := context.Background()
	f := sourcesSetup(t)
	o, m := f.owner, f.member
	page := func(c *client) string {
		t.Helper()
		code, _, body := srcDo(t, c, "GET", "/a/shop-a/settings", nil)
		if code != http.StatusOK {
			t.Fatalf("settings: %d", code)
		}
		return between(body, `id="sources-section"`, "</section>")
	}
	s := page(o)
	for _, want := range []string{`id="source-shopify"`, `id="source-hubspot"`, `id="source-klaviyo"`, `id="shopify-connect"`, `id="hubspot-connect"`, `id="klaviyo-connect"`, `placeholder="line.user_id"`, "Default: line_user_id"} {
		if !strings.Contains(s, want) {
			t.Errorf("the owner's Integrations lack %q", want)
		}
	}
	if ms := page(m); !strings.Contains(ms, `id="sources-owners"`) || strings.Contains(ms, `-connect"`) {
		t.Errorf("a member sees connect forms:\n%s", ms)
	}
	form := func(c *client, token string) url.Values {
		return url.Values{"csrf": {c.csrf("/a/shop-a/settings")}, "shop_domain": {"kizuna-fake.myshopify.com"}, "access_token": {token},
			"webhook_secret": {srcSecret}, "line_user_id_metafield": {""}, "api_base": {f.shopURL}}
	}
	if code, _, _ := srcDo(t, m, "POST", "/a/shop-a/settings/sources/shopify", form(m, srcToken)); code != http.StatusForbidden {
		t.Errorf("a member connecting: %d, want 403", code)
	}

	// A wrong token: refused at the form, in English and Japanese.
	for lang, want := range map[string]string{"en": "Shopify refused the access token", "ja": "Shopify"} {
		inLang(o, lang)
		code, _, body := srcDo(t, o, "POST", "/a/shop-a/settings/sources/shopify", form(o, "shpat_wrong-token"))
		msg := html.UnescapeString(between(body, `id="shopify-error">`, "</p>"))
		if code != http.StatusBadRequest || !strings.Contains(msg, want) {
			t.Errorf("%s: a wrong token: %d %q", lang, code, msg)
		}
		if lang == "ja" && !strings.Contains(msg, "トークン") {
			t.Errorf("the refusal in Japanese: %q", msg)
		}
		card := between(body, `id="source-shopify"`, "</article>")
		if !strings.Contains(card, `value="kizuna-fake.myshopify.com"`) || !strings.Contains(card, `value="`+f.shopURL+`"`) || !strings.Contains(card, "<details class=\"source-connect\" open") {
			t.Errorf("%s: the refused form lost what was typed:\n%s", lang, card)
		}
	}
	inLang(o, "en")
	if _, err := f.db.Connection(ctx, f.a, "shopify"); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
		t.Fatalf("after a wrong token: %v, want nothing stored", err)
	}
	// No shop domain: said at the form.
	nodomain := form(o, srcToken)
	nodomain.Set("shop_domain", "")
	if code, _, body := srcDo(t, o, "POST", "/a/shop-a/settings/sources/shopify", nodomain); code != http.StatusBadRequest || !strings.Contains(body, "Enter the shop") {
		t.Errorf("no shop domain: %d", code)
	}

	// The right token: connected, the backfill queued and run.
	code, loc, _ := srcDo(t, o, "POST", "/a/shop-a/settings/sources/shopify", form(o, srcToken))
	if code != http.StatusSeeOther || loc != "/a/shop-a/settings#source-shopify" {
		t.Fatalf("connect: %d %q", code, loc)
	}
	done := srcWait(t, o, "shopify")
	if done["linked"] != "1" || done["last_success"] == "" || done["status_text"] != "Up to date" || done["connected"] != true {
		t.Errorf("the finished backfill: %v", done)
	}
	s = page(o)
	for _, want := range []string{"Connected", "kizuna-fake.myshopify.com", "owner@example.com", "/shopify/webhook/shop-a", `id="shopify-sync"`, `id="shopify-disconnect"`,
		`class="source-linked">1<`, ">Aiko</a>: record " + f.c2 + " carries this friend&#39;s LINE user ID, but the friend is already linked to record " + f.c1, "/a/shop-a/friends/" + srcAiko} {
		if !strings.Contains(s, want) {
			t.Errorf("the connected card lacks %q", want)
		}
	}
	if card := between(s, `id="source-shopify"`, "</article>"); strings.Contains(card, `type="password"`) {
		t.Errorf("the connected card still asks for credentials")
	}
	if fr, _ := f.db.FindFriend(ctx, f.a, srcAiko); fr.Shopify == nil || fr.Shopify.CustomerID != f.c1 || fr.Shopify.OrdersCount != 1 {
		t.Errorf("Aiko after the backfill: %+v", fr.Shopify)
	}
	// The Japanese card.
	inLang(o, "ja")
	if js := page(o); !strings.Contains(js, "接続済み") || !strings.Contains(js, "最新です") || !strings.Contains(js, "連携済みの友だち") || !strings.Contains(js, "重複している紐付け") {
		t.Errorf("the Japanese card:\n%s", js)
	}
	inLang(o, "en")

	// A member sees the state, without forms, and gets 403 from them.
	ms := page(m)
	if !strings.Contains(ms, "kizuna-fake.myshopify.com") || strings.Contains(ms, `id="shopify-disconnect"`) || strings.Contains(ms, `id="shopify-sync"`) {
		t.Errorf("a member's card:\n%s", ms)
	}
	mcsrf := m.csrf("/a/shop-a/settings")
	for _, path := range []string{"/a/shop-a/settings/sources/shopify/sync", "/a/shop-a/settings/sources/shopify/disconnect"} {
		if code, _, _ := srcDo(t, m, "POST", path, url.Values{"csrf": {mcsrf}}); code != http.StatusForbidden {
			t.Errorf("a member's POST %s: %d, want 403", path, code)
		}
	}

	// Sync now: another sync runs and succeeds; a source not connected is
	// refused at its card.
	csrf := o.csrf("/a/shop-a/settings")
	before, err := f.db.Freshness(ctx, f.a)
	if err != nil || len(before) != 1 || before[0].LastSuccessAt == nil {
		t.Fatalf("freshness after the backfill: %+v %v", before, err)
	}
	if code, loc, _ := srcDo(t, o, "POST", "/a/shop-a/settings/sources/shopify/sync", url.Values{"csrf": {csrf}}); code != http.StatusSeeOther || loc != "/a/shop-a/settings#source-shopify" {
		t.Fatalf("sync now: %d %q", code, loc)
	}
	// The queued sync may not have started when the card first rests:
	// wait for its success.
	for i := 0; ; i++ {
		srcWait(t, o, "shopify")
		fs, err := f.db.Freshness(ctx, f.a)
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) == 1 && len(before) == 1 && fs[0].LastSuccessAt != nil && fs[0].LastSuccessAt.After(*before[0].LastSuccessAt) && fs[0].Running == nil {
			break
		}
		if i > 500 {
			t.Fatalf("the second sync never succeeded: %+v", fs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if fs, _ := f.db.Freshness(ctx, f.a); len(fs) != 1 || fs[0].LastSuccessAt == nil {
		t.Errorf("freshness after two syncs: %+v", fs)
	}
	// A sync in progress, as the poll and the page show it; then its
	// failure, shown beside the last success.
	run, err := f.db.StartSourceSync(ctx, f.a, "shopify", kizuna.SyncPoll, "test-owner")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.db.SourceSyncProgress(ctx, f.a, run.ID, "c:x", 1234); err != nil {
		t.Fatal(err)
	}
	var prog map[string]any
	_, _, body := srcDo(t, m, "GET", "/a/shop-a/settings/sources/shopify/sync", nil)
	if json.Unmarshal([]byte(body), &prog); prog["running"] != true || prog["records"] != "1,234" || prog["status_text"] != "Update running…" {
		t.Errorf("a running sync's progress: %s", body)
	}
	if card := between(page(o), `id="source-shopify"`, "</article>"); !strings.Contains(card, `data-running="1"`) || !strings.Contains(card, `data-field="records">1,234<`) {
		t.Errorf("the running sync's card:\n%s", card)
	}
	if _, err := f.db.FailSourceSync(ctx, f.a, run.ID, "Shopify is busy or failing"); err != nil {
		t.Fatal(err)
	}
	_, _, body = srcDo(t, m, "GET", "/a/shop-a/settings/sources/shopify/sync", nil)
	if json.Unmarshal([]byte(body), &prog); prog["running"] != false || !strings.Contains(prog["last_error"].(string), "Shopify is busy or failing") || prog["status_text"] != "The last sync failed" || prog["failing"] != false {
		t.Errorf("a failed sync's progress: %s", body)
	}
	if code, _, _ := srcDo(t, o, "POST", "/a/shop-a/settings/sources/hubspot/sync", url.Values{"csrf": {csrf}}); code != http.StatusSeeOther {
		t.Errorf("syncing HubSpot, not connected: %d", code)
	}
	if _, _, body := srcDo(t, o, "GET", "/a/shop-a/settings", nil); !strings.Contains(between(body, `id="hubspot-error">`, "</p>"), "hubspot is not connected") {
		t.Errorf("HubSpot's refusal: %q", between(body, `id="hubspot-error">`, "</p>"))
	}
	if code, _, _ := srcDo(t, o, "GET", "/a/shop-a/settings/sources/square/sync", nil); code != http.StatusNotFound {
		t.Errorf("an unknown source: %d", code)
	}

	// Disconnect: the form comes back; the data stays.
	if code, _, _ := srcDo(t, o, "POST", "/a/shop-a/settings/sources/shopify/disconnect", url.Values{"csrf": {csrf}}); code != http.StatusSeeOther {
		t.Fatalf("disconnect: %d", code)
	}
	if _, err := f.db.Connection(ctx, f.a, "shopify"); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
		t.Errorf("after disconnecting: %v", err)
	}
	if s := page(o); !strings.Contains(s, `id="shopify-connect"`) {
		t.Errorf("after disconnecting, no connect form")
	}

	// HubSpot and Klaviyo: their credentials and the property holding
	// the LINE user ID, as typed, reach their connections.
	hub := hubspotfake.New(hubspotfake.Config{AccessToken: "pat-web-hubspot", ClientSecret: "hub-client-secret", LineUserIDProperty: "line_id"})
	hubSrv := httptest.NewServer(hub)
	t.Cleanup(hubSrv.Close)
	kla := klaviyofake.New(klaviyofake.Config{APIKey: "pk_web-klaviyo"})
	klaSrv := httptest.NewServer(kla)
	t.Cleanup(func() { kla.Close(); klaSrv.Close() })
	for _, c := range []struct {
		source string
		form   url.Values
		config map[string]string
	}{
		{"hubspot", url.Values{"access_token": {"pat-web-hubspot"}, "client_secret": {"hub-client-secret"}, "line_user_id_property": {"line_id"}, "api_base": {hubSrv.URL}}, map[string]string{"line_user_id_property": "line_id"}},
		{"klaviyo", url.Values{"api_key": {"pk_web-klaviyo"}, "line_user_id_property": {""}, "api_base": {klaSrv.URL}}, map[string]string{}},
	} {
		c.form.Set("csrf", csrf)
		if code, loc, _ := srcDo(t, o, "POST", "/a/shop-a/settings/sources/"+c.source, c.form); code != http.StatusSeeOther || loc != "/a/shop-a/settings#source-"+c.source {
			t.Fatalf("connect %s: %d %q", c.source, code, loc)
		}
		conn, err := f.db.Connection(ctx, f.a, c.source)
		if err != nil || conn.APIBase != c.form.Get("api_base") || !maps.Equal(conn.Config, c.config) {
			t.Errorf("%s's connection: %+v %v", c.source, conn, err)
		}
		srcWait(t, o, c.source)
	}
	if s := page(o); strings.Contains(s, "pat-web-hubspot") || strings.Contains(s, "hub-client-secret") || strings.Contains(s, "pk_web-klaviyo") ||
		!strings.Contains(s, "/hubspot/webhook/shop-a") || strings.Contains(s, "/klaviyo/webhook/") {
		t.Errorf("the HubSpot and Klaviyo cards:\n%s", s)
	}
	srcNoSecret(t, "the log", f.logs.String())
	for _, secret := range []string{"pat-web-hubspot", "hub-client-secret", "pk_web-klaviyo"} {
		if strings.Contains(f.logs.String(), secret) {
			t.Fatalf("the log holds a secret")
		}
	}
}

// TestFriendLinksByHand: on a friend's page, a record is linked by hand
// (the friend gets its data, the preview counts the friend, the page says
// "by hand"), a record ID the store refuses is said at the links, and an
// unlink takes the data away again.
func TestFriendLinksByHand(t *testing.T) {
	ctx := context.Background()
	f := sourcesSetup(t)
	o := f.owner
	if _, err := (&sources.Service{Store: f.db}).Connect(ctx, f.a, "test", kizuna.Connection{Source: "shopify", APIBase: f.shopURL, Config: map[string]string{"shop_domain": "kizuna-fake.myshopify.com"}},
		kizuna.ConnectionSecrets{"access_token": srcToken, "webhook_secret": srcSecret}); err != nil {
		t.Fatal(err)
	}
	// The records arrive (a sync run here, without the job engine).
	st, err := f.db.StartSourceSync(ctx, f.a, "shopify", kizuna.SyncBackfill, "test")
	if err != nil {
		t.Fatal(err)
	}
	conn, _ := f.db.Connection(ctx, f.a, "shopify")
	secrets, _ := f.db.ConnectionSecrets(ctx, f.a, "shopify")
	r, err := sources.For(sources.Options{})(conn, secrets, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jobs.SyncSource(ctx, f.db, r, f.a, st, nil); err != nil {
		t.Fatal(err)
	}
	linked := func() int64 {
		t.Helper()
		p, err := f.eng.Preview(ctx, f.a, kizuna.PreviewRequest{Filter: json.RawMessage(`{"groups":[{"conditions":[{"field":"shopify.orders_count","op":"gte","value":1}]}]}`), CountOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		return p.Count
	}
	waitFor := func(want int64) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for linked() != want {
			if time.Now().After(deadline) {
				t.Fatalf("the preview counts %d friends with orders, want %d", linked(), want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor(1) // Aiko, by her claim
	chos := "/a/shop-a/friends/" + srcCho
	_, _, body := srcDo(t, o, "GET", chos, nil)
	links := between(body, `id="friend-links"`, "</section>")
	if !strings.Contains(links, `id="link-record-shopify"`) || strings.Contains(links, "hubspot") {
		t.Fatalf("Cho's links (Shopify connected, not linked):\n%s", links)
	}
	_, _, aiko := srcDo(t, o, "GET", "/a/shop-a/friends/"+srcAiko, nil)
	if l := between(aiko, `id="link-shopify"`, "</li>"); !strings.Contains(l, f.c1) || !strings.Contains(l, "the shop&#39;s LINE Login") {
		t.Errorf("Aiko's claimed link:\n%s", l)
	}

	csrf := o.csrf(chos)
	code, loc, _ := srcDo(t, o, "POST", chos+"/links", url.Values{"csrf": {csrf}, "source": {"shopify"}, "record_id": {f.c3}})
	if code != http.StatusSeeOther || loc != chos+"#friend-links" {
		t.Fatalf("link: %d %q", code, loc)
	}
	if fr, _ := f.db.FindFriend(ctx, f.a, srcCho); fr.Shopify == nil || fr.Shopify.CustomerID != f.c3 || fr.Shopify.OrdersCount != 1 {
		t.Fatalf("Cho after linking: %+v", fr.Shopify)
	}
	waitFor(2)
	_, _, body = srcDo(t, o, "GET", chos, nil)
	if l := between(body, `id="link-shopify"`, "</li>"); !strings.Contains(l, f.c3) || !strings.Contains(l, "hand") || !strings.Contains(l, `id="unlink-shopify"`) {
		t.Errorf("Cho's link by hand:\n%s", l)
	}
	if !strings.Contains(body, "Linked to Shopify record "+f.c3) {
		t.Errorf("no notice of the link")
	}

	// A record ID the store refuses: said at the links.
	srcDo(t, o, "POST", chos+"/links", url.Values{"csrf": {csrf}, "source": {"shopify"}, "record_id": {""}})
	if _, _, body := srcDo(t, o, "GET", chos, nil); !strings.Contains(between(body, `id="links-error">`, "</p>"), "record ID") {
		t.Errorf("an empty record ID: %q", between(body, `id="links-error">`, "</p>"))
	}

	// Unlink: the data goes.
	if code, _, _ := srcDo(t, o, "POST", chos+"/links", url.Values{"csrf": {csrf}, "source": {"shopify"}, "unlink": {"1"}}); code != http.StatusSeeOther {
		t.Fatalf("unlink: %d", code)
	}
	if fr, _ := f.db.FindFriend(ctx, f.a, srcCho); fr.Shopify != nil {
		t.Errorf("Cho after unlinking: %+v", fr.Shopify)
	}
	waitFor(1)
	// Another friend of another account: not found.
	if code, _, _ := srcDo(t, o, "POST", "/a/shop-a/friends/U0000000000000000000000000000ffff/links", url.Values{"csrf": {csrf}, "source": {"shopify"}, "record_id": {"1"}}); code != http.StatusNotFound {
		t.Errorf("linking a friend not in the account: %d", code)
	}
}
