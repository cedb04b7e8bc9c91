package sources

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/internal/hubspotfake"
	"github.com/kizuna-line/kizuna/internal/shopifyfake"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/shopify"
	"github.com/kizuna-line/kizuna/sqlstore"
)

// slogTo is a logger writing to w, safe for the receivers' goroutines.
func slogTo(w *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(&lockedWriter{w: w}, nil))
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Secrets of the webhook tests' fakes.
const (
	hookShopToken   = "shpat_hooktest"
	hookShopSecret  = "shopify-webhook-secret-for-tests"
	hookHubToken    = "pat-na1-hooktest"
	hookHubSecret   = "hubspot-client-secret-for-tests"
	hookShopFriend  = "U11111111111111111111111111111111"
	hookHubFriend   = "U22222222222222222222222222222222"
	hookOtherFriend = "U33333333333333333333333333333333"
)

// hookClock is the virtual clock the fakes and the receiver share (the
// real one for benchmarks).
type hookClock struct {
	mu   sync.Mutex
	t    time.Time
	real bool
}

func (c *hookClock) Now() time.Time {
	if c.real {
		return time.Now()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *hookClock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// hookEnv is an account with three friends, the fake shop and the fake
// HubSpot connected to it (unless told not to), and the receivers on a
// loopback server the fakes send their webhooks to.
type hookEnv struct {
	t     testing.TB
	db    *sqlstore.DB
	eng   *engine.Engine
	a     *kizuna.Account
	clock *hookClock
	hooks *Webhooks
	srv   *httptest.Server
	shop  *shopifyfake.Fake
	hub   *hubspotfake.Fake
	logs  *bytes.Buffer
	// shopAPI is the fake shop's URL.
	shopAPI string
}

func newHookEnv(t testing.TB, backend string) *hookEnv { return newHookEnvWith(t, backend, false) }

// newHookEnvWith makes the env; bench runs on the real clock with the
// fakes' rate limits lifted (Kizuna's side is what a benchmark measures).
func newHookEnvWith(t testing.TB, backend string, bench bool) *hookEnv {
	t.Helper()
	ctx := context.Background()
	clock := &hookClock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), real: bench}
	env := &hookEnv{t: t, clock: clock, db: testdb.Open(t, backend), logs: &bytes.Buffer{}}
	a, err := env.db.CreateAccount(ctx, "shop", "Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	env.a = a
	var lines bytes.Buffer
	for _, u := range []string{hookShopFriend, hookHubFriend, hookOtherFriend} {
		fmt.Fprintf(&lines, `{"line_user_id":%q,"display_name":"Friend","added_at":"2026-10-01T00:00:00Z","status":"following"}`+"\n", u)
	}
	if _, err := env.db.ImportFriends(ctx, a, &lines, kizuna.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	env.eng = engine.New(env.db, env.db, nil)
	t.Cleanup(env.eng.Stop)

	shopCfg := shopifyfake.Config{AccessToken: hookShopToken, WebhookSecret: hookShopSecret, Now: clock.Now}
	hubCfg := hubspotfake.Config{AccessToken: hookHubToken, ClientSecret: hookHubSecret, Now: clock.Now}
	if bench {
		shopCfg.Bucket, shopCfg.RestoreRate = 1e9, 1e9
		hubCfg.RateMax, hubCfg.RecordLimit = 1_000_000_000, 10
	}
	env.shop = shopifyfake.New(shopCfg)
	env.shop.SetRecording(!bench)
	shopSrv := httptest.NewServer(env.shop)
	env.shopAPI = shopSrv.URL
	env.hub = hubspotfake.New(hubCfg)
	hubSrv := httptest.NewServer(env.hub)
	t.Cleanup(func() { env.shop.Close(); shopSrv.Close(); hubSrv.Close() })

	env.hooks = &Webhooks{Store: env.eng, Options: Options{Now: clock.Now}, Logger: slogTo(env.logs)}
	mux := http.NewServeMux()
	mux.Handle("POST /shopify/webhook/{account}", env.hooks.Shopify())
	mux.Handle("POST /hubspot/webhook/{account}", env.hooks.HubSpot())
	env.srv = httptest.NewServer(mux)
	t.Cleanup(env.srv.Close)
	env.shop.SetWebhookURL(env.srv.URL + "/shopify/webhook/shop")
	env.hub.SetWebhookURL(env.srv.URL + "/hubspot/webhook/shop")

	if err := env.db.Connect(ctx, a, "test", kizuna.Connection{Source: kizuna.SourceShopify, APIBase: shopSrv.URL, Config: map[string]string{}},
		kizuna.ConnectionSecrets{"access_token": hookShopToken, "webhook_secret": hookShopSecret}); err != nil {
		t.Fatal(err)
	}
	if err := env.db.Connect(ctx, a, "test", kizuna.Connection{Source: kizuna.SourceHubSpot, APIBase: hubSrv.URL, Config: map[string]string{}},
		kizuna.ConnectionSecrets{"access_token": hookHubToken, "client_secret": hookHubSecret}); err != nil {
		t.Fatal(err)
	}
	return env
}

// count is the engine's preview count of a filter of one condition.
func (env *hookEnv) count(cond string) int64 {
	env.t.Helper()
	p, err := env.eng.Preview(context.Background(), env.a, kizuna.PreviewRequest{Filter: json.RawMessage(`{"groups":[{"conditions":[` + cond + `]}]}`), CountOnly: true})
	if err != nil {
		env.t.Fatalf("preview %s: %v", cond, err)
	}
	return p.Count
}

// records counts the stored source records.
func (env *hookEnv) records() int {
	env.t.Helper()
	var n int
	if err := env.db.WriteDB().QueryRow(`SELECT COUNT(*) FROM source_records`).Scan(&n); err != nil {
		env.t.Fatal(err)
	}
	return n
}

// storedAt is a record's stored update time.
func (env *hookEnv) storedAt(source, id string) time.Time {
	env.t.Helper()
	var us int64
	q := `SELECT updated_at_us FROM source_records WHERE source = ? AND record_id = ?`
	if env.db.Dialect() == "postgres" {
		q = `SELECT updated_at_us FROM source_records WHERE source = $1 AND record_id = $2`
	}
	if err := env.db.WriteDB().QueryRow(q, source, id).Scan(&us); err != nil {
		env.t.Fatal(err)
	}
	return time.UnixMicro(us).UTC()
}

// post sends a request to the receivers and returns the status and body.
func (env *hookEnv) post(req *http.Request) (int, string) {
	env.t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		env.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// shopifyRequest is a delivery's request, signed by the fake, to url.
func (env *hookEnv) shopifyRequest(url string, d *shopifyfake.Delivery) *http.Request {
	req, err := env.shop.WebhookRequest(context.Background(), url, d)
	if err != nil {
		env.t.Fatal(err)
	}
	return req
}

func checkSent(t testing.TB, what string, ds ...*shopifyfake.Delivery) {
	t.Helper()
	for _, d := range ds {
		if d.Sent == 0 || d.LastStatus != http.StatusOK {
			t.Fatalf("%s: %s delivery sent %d times, answered %d (%s)", what, d.Topic, d.Sent, d.LastStatus, d.LastError)
		}
	}
}

const (
	condOrders3   = `{"field":"shopify.orders_count","op":"gte","value":3}`
	condOrders1   = `{"field":"shopify.orders_count","op":"gte","value":1}`
	condVIP       = `{"field":"shopify.tag","op":"has_any","value":["vip"]}`
	condAbandoned = `{"field":"shopify.abandoned_cart","op":"exists"}`
	condShopify   = `{"field":"shopify.linked","op":"is","value":true}`
)

// TestShopifyWebhooks: the fake shop's changes reach the previews through
// its signed webhooks: a customer created, orders ("purchased 3 or more
// times"), tags, a cart abandoned then completed (a checkout change that
// does not move the customer's updatedAt), a deletion; a replay changes
// nothing; deliveries held and sent newest first leave the newest data.
func TestShopifyWebhooks(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			env := newHookEnv(t, backend)
			ctx := context.Background()
			if env.count(condShopify) != 0 {
				t.Fatal("a friend is linked before any webhook")
			}
			id, d := env.shop.CreateCustomer(ctx, hookShopFriend, "ben@example.com")
			checkSent(t, "create", d)
			if env.count(condShopify) != 1 || env.count(condOrders1) != 0 {
				t.Fatalf("after customers/create: linked %d, ordered %d", env.count(condShopify), env.count(condOrders1))
			}
			created := env.clock.Now()

			// Three orders: the friend moves into "purchased 3 or more times".
			for i := 1; i <= 3; i++ {
				env.clock.Add(time.Minute)
				o, err := env.shop.PlaceOrder(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				checkSent(t, "order", o.Deliveries...)
				if want := int64(0); i == 3 {
					want = 1
					if got := env.count(condOrders3); got != want {
						t.Fatalf("after %d orders: %d friends with 3 or more", i, got)
					}
				} else if got := env.count(condOrders3); got != want {
					t.Fatalf("after %d orders: %d friends with 3 or more", i, got)
				}
			}

			// Tags.
			env.clock.Add(time.Minute)
			ds, err := env.shop.TagCustomer(ctx, id, []string{"vip"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkSent(t, "tag", ds...)
			if env.count(condVIP) != 1 {
				t.Fatal("tags_added did not reach the preview")
			}
			env.clock.Add(time.Minute)
			ds, _ = env.shop.TagCustomer(ctx, id, nil, []string{"vip"})
			checkSent(t, "untag", ds...)
			if env.count(condVIP) != 0 {
				t.Fatal("tags_removed did not reach the preview")
			}

			// A cart abandoned, then completed: neither moves the
			// customer's updatedAt; the record carries the checkout's time.
			env.clock.Add(time.Minute)
			customerAt := env.storedAt(kizuna.SourceShopify, id)
			ck, d, err := env.shop.AbandonCart(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			checkSent(t, "abandon", d)
			if env.count(condAbandoned) != 1 {
				t.Fatal("checkouts/create did not reach the preview")
			}
			if at := env.storedAt(kizuna.SourceShopify, id); !at.Equal(env.clock.Now()) || !at.After(customerAt) {
				t.Errorf("after a cart: record at %v, want the checkout's %v (customer's %v)", at, env.clock.Now(), customerAt)
			}
			if c, _ := env.shop.GetCustomer(id); !c.UpdatedAt.Equal(customerAt) {
				t.Fatalf("the fake moved the customer's updatedAt: %v", c.UpdatedAt)
			}
			env.clock.Add(time.Minute)
			d, err = env.shop.CompleteCart(ctx, ck)
			if err != nil {
				t.Fatal(err)
			}
			checkSent(t, "complete", d)
			if env.count(condAbandoned) != 0 {
				t.Fatal("the completed cart is still abandoned in the preview")
			}

			// A replay changes nothing, even when the shop changed since
			// without a webhook.
			first := env.shop.Deliveries()[1] // the first orders/create
			env.shop.SetWebhookURL("")
			env.clock.Add(time.Minute)
			if _, err := env.shop.PlaceOrder(ctx, id); err != nil { // a 4th order, unsent
				t.Fatal(err)
			}
			env.shop.SetWebhookURL(env.srv.URL + "/shopify/webhook/shop")
			status, body := env.post(env.shopifyRequest(env.srv.URL+"/shopify/webhook/shop", first))
			if status != http.StatusOK || !strings.Contains(body, "duplicate") {
				t.Fatalf("replay: %d %s", status, body)
			}
			if got := env.count(`{"field":"shopify.orders_count","op":"eq","value":3}`); got != 1 {
				t.Fatalf("a replay applied the 4th order (friends with exactly 3: %d)", got)
			}

			// Out of order: two orders held, sent newest first; the older
			// delivery, arriving last, leaves the newest data.
			env.shop.SetWebhookMode(shopifyfake.Hold)
			for range 2 {
				env.clock.Add(time.Minute)
				if _, err := env.shop.PlaceOrder(ctx, id); err != nil {
					t.Fatal(err)
				}
			}
			held := env.shop.Release(ctx)
			checkSent(t, "released", held...)
			if got := env.count(`{"field":"shopify.orders_count","op":"eq","value":6}`); got != 1 {
				t.Fatalf("after out-of-order deliveries: friends with 6 orders %d", got)
			}
			env.shop.SetWebhookMode(shopifyfake.Normal)

			// An older record arriving after a newer one is stale: ask the
			// store with the receiver's record of a moment ago.
			stale := kizuna.SourceRecord{Source: kizuna.SourceShopify, RecordID: id, LineUserID: hookShopFriend, UpdatedAt: created,
				Shopify: &kizuna.ShopifyCustomer{Tags: []string{}, Checkouts: []kizuna.Checkout{}}}
			res, err := env.eng.ApplyDelivery(ctx, env.a, kizuna.SourceShopify, []string{"webhook:late"}, []kizuna.SourceRecord{stale})
			if err != nil || res.Stale != 1 || env.count(condOrders3) != 1 {
				t.Fatalf("an older record: %+v %v", res, err)
			}

			// A deletion unlinks.
			env.clock.Add(time.Minute)
			d, err = env.shop.DeleteCustomer(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			checkSent(t, "delete", d)
			if env.count(condShopify) != 0 || env.count(condOrders1) != 0 {
				t.Fatal("the deleted customer is still the friend's")
			}
		})
	}
}

// TestShopifyWebhookRefusals: a bad or missing signature, an unknown
// account, a source not connected and a body over the cap are refused
// and store nothing; the secret appears in no answer nor log.
func TestShopifyWebhookRefusals(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			env := newHookEnv(t, backend)
			ctx := context.Background()
			env.shop.SetWebhookURL("")
			id, d := env.shop.CreateCustomer(ctx, hookShopFriend, "ben@example.com")
			o, err := env.shop.PlaceOrder(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			url := env.srv.URL + "/shopify/webhook/shop"

			bad := env.shopifyRequest(url, d)
			bad.Header.Set("X-Shopify-Hmac-Sha256", shopifyfake.Sign("not-the-secret", d.Body))
			if status, _ := env.post(bad); status != http.StatusUnauthorized {
				t.Errorf("bad signature: %d", status)
			}
			none := env.shopifyRequest(url, d)
			none.Header.Del("X-Shopify-Hmac-Sha256")
			if status, _ := env.post(none); status != http.StatusUnauthorized {
				t.Errorf("no signature: %d", status)
			}
			// The body changed after signing.
			tampered := env.shopifyRequest(url, o.Deliveries[0])
			b := bytes.Replace(o.Deliveries[0].Body, []byte(`"financial_status":"paid"`), []byte(`"financial_status":"void"`), 1)
			tampered.Body, tampered.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
			if status, _ := env.post(tampered); status != http.StatusUnauthorized {
				t.Errorf("tampered body: %d", status)
			}
			if status, _ := env.post(env.shopifyRequest(env.srv.URL+"/shopify/webhook/nobody", d)); status != http.StatusUnauthorized {
				t.Errorf("unknown account: %d", status)
			}
			// An account without a Shopify connection.
			if _, err := env.db.CreateAccount(ctx, "other", "Asia/Tokyo"); err != nil {
				t.Fatal(err)
			}
			if status, _ := env.post(env.shopifyRequest(env.srv.URL+"/shopify/webhook/other", d)); status != http.StatusUnauthorized {
				t.Errorf("not connected: %d", status)
			}
			// A body over the cap, signed.
			big := bytes.Repeat([]byte(" "), shopify.MaxWebhookBody+1)
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(big))
			req.Header.Set("X-Shopify-Hmac-Sha256", shopifyfake.Sign(hookShopSecret, big))
			if status, _ := env.post(req); status != http.StatusRequestEntityTooLarge {
				t.Errorf("body over the cap: %d", status)
			}
			// Verified but unreadable: dropped with 200 (a retry would fail
			// the same), nothing stored.
			junk := []byte(`{"id": "not a number"`)
			req, _ = http.NewRequest(http.MethodPost, url, bytes.NewReader(junk))
			req.Header.Set("X-Shopify-Hmac-Sha256", shopifyfake.Sign(hookShopSecret, junk))
			req.Header.Set("X-Shopify-Topic", "customers/update")
			req.Header.Set("X-Shopify-Webhook-Id", "junk-1")
			if status, body := env.post(req); status != http.StatusOK || !strings.Contains(body, "dropped") {
				t.Errorf("a verified unreadable delivery: %d %s", status, body)
			}
			if n := env.records(); n != 0 || env.count(condShopify) != 0 {
				t.Fatalf("refused deliveries stored %d records", n)
			}
			// The same delivery, well signed, is new: the refusals kept no key.
			if status, body := env.post(env.shopifyRequest(url, d)); status != http.StatusOK || !strings.Contains(body, "applied") {
				t.Fatalf("the delivery after the refusals: %d %s", status, body)
			}
			if env.count(condShopify) != 1 {
				t.Fatal("the good delivery was not applied")
			}
			// Disconnected: refused at once, though the receiver keeps the
			// connection's client; connected again with another secret: the
			// old one is refused.
			if err := env.db.Disconnect(ctx, env.a, kizuna.SourceShopify); err != nil {
				t.Fatal(err)
			}
			if status, _ := env.post(env.shopifyRequest(url, o.Deliveries[0])); status != http.StatusUnauthorized {
				t.Errorf("disconnected: %d", status)
			}
			conn := kizuna.Connection{Source: kizuna.SourceShopify, APIBase: env.shopAPI, Config: map[string]string{}}
			if err := env.db.Connect(ctx, env.a, "test", conn, kizuna.ConnectionSecrets{"access_token": hookShopToken, "webhook_secret": "a-new-secret"}); err != nil {
				t.Fatal(err)
			}
			if status, _ := env.post(env.shopifyRequest(url, o.Deliveries[0])); status != http.StatusUnauthorized {
				t.Errorf("signed with the secret of before: %d", status)
			}
			if strings.Contains(env.logs.String(), hookShopSecret) || strings.Contains(env.logs.String(), hookShopToken) {
				t.Error("a secret is in the log")
			}
			if !strings.Contains(env.logs.String(), "bad signature") {
				t.Errorf("the refusals are not logged: %s", env.logs.String())
			}
		})
	}
}

// TestShopifyWebhookVendorDown: when the shop cannot be read, the
// delivery is answered 5xx (Shopify retries it) and stores nothing; the
// retry, once the shop answers, is applied.
func TestShopifyWebhookVendorDown(t *testing.T) {
	env := newHookEnv(t, "sqlite")
	ctx := context.Background()
	env.shop.SetWebhookURL("")
	_, d := env.shop.CreateCustomer(ctx, hookShopFriend, "ben@example.com")
	env.shop.InjectFault(shopifyfake.RouteGraphQL, shopifyfake.Fault{Status: http.StatusUnauthorized})
	url := env.srv.URL + "/shopify/webhook/shop"
	if status, _ := env.post(env.shopifyRequest(url, d)); status < 500 {
		t.Fatalf("vendor down: %d", status)
	}
	if env.records() != 0 {
		t.Fatal("stored while the shop was down")
	}
	if status, body := env.post(env.shopifyRequest(url, d)); status != http.StatusOK || !strings.Contains(body, "applied") {
		t.Fatalf("the retry: %d %s", status, body)
	}
}

const (
	condACME    = `{"field":"hubspot.property","property":"company","type":"string","op":"eq","value":"ACME"}`
	condOther   = `{"field":"hubspot.property","property":"company","type":"string","op":"eq","value":"Other"}`
	condHubSpot = `{"field":"hubspot.linked","op":"is","value":true}`
)

// TestHubSpotWebhooks: contact creation and property changes reach the
// previews through HubSpot's signed batches, with the contact's list
// memberships; a stale timestamp or a bad signature is 401 and changes
// nothing; a replay is a duplicate; a batch sent newest first leaves the
// newest value.
func TestHubSpotWebhooks(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			env := newHookEnv(t, backend)
			ctx := context.Background()
			id, err := env.hub.CreateContact(ctx, map[string]string{"line_user_id": hookHubFriend, "company": "ACME"})
			if err != nil {
				t.Fatal(err)
			}
			if env.count(condHubSpot) != 1 || env.count(condACME) != 1 {
				t.Fatalf("after contact.creation: linked %d, ACME %d", env.count(condHubSpot), env.count(condACME))
			}
			// A membership (no webhook of its own) comes with the next change.
			if err := env.hub.AddToList("VIP", id); err != nil {
				t.Fatal(err)
			}
			list := env.hub.ListID("VIP")
			env.clock.Add(time.Minute)
			other := "Other"
			if err := env.hub.SetProperty(ctx, id, "company", &other); err != nil {
				t.Fatal(err)
			}
			if env.count(condACME) != 0 || env.count(condOther) != 1 {
				t.Fatal("contact.propertyChange did not reach the preview")
			}
			if env.count(`{"field":"hubspot.segment","op":"member_of","value":["`+list+`"]}`) != 1 {
				t.Fatal("the contact's list membership was not read")
			}

			// A stale timestamp: 401, nothing changes.
			env.hub.SetWebhookMode(hubspotfake.WebhookMode{Stale: true})
			env.clock.Add(time.Minute)
			acme := "ACME"
			if err := env.hub.SetProperty(ctx, id, "company", &acme); err != nil {
				t.Fatal(err)
			}
			ds := env.hub.Deliveries()
			if last := ds[len(ds)-1]; last.Status != http.StatusUnauthorized {
				t.Fatalf("stale timestamp answered %d", last.Status)
			}
			if env.count(condOther) != 1 {
				t.Fatal("a stale delivery was applied")
			}
			env.hub.SetWebhookMode(hubspotfake.WebhookMode{})

			// A bad signature: 401, nothing changes.
			last := ds[len(ds)-1]
			ts := strconv.FormatInt(env.clock.Now().UnixMilli(), 10)
			req, _ := http.NewRequest(http.MethodPost, env.srv.URL+"/hubspot/webhook/shop", strings.NewReader(last.Body))
			req.Header.Set("X-HubSpot-Request-Timestamp", ts)
			req.Header.Set("X-HubSpot-Signature-v3", hubspotfake.Sign("not-the-secret", http.MethodPost, env.srv.URL+"/hubspot/webhook/shop", []byte(last.Body), ts))
			if status, _ := env.post(req); status != http.StatusUnauthorized {
				t.Fatalf("bad signature: %d", status)
			}
			if status, _ := env.post(hubspotSigned(env.srv.URL+"/hubspot/webhook/nobody", last.Body, ts)); status != http.StatusUnauthorized {
				t.Fatalf("unknown account: %d", status)
			}
			if env.count(condOther) != 1 {
				t.Fatal("a refused delivery was applied")
			}
			// The same events, well signed and in time, are applied.
			if status, body := env.post(hubspotSigned(env.srv.URL+"/hubspot/webhook/shop", last.Body, ts)); status != http.StatusOK || !strings.Contains(body, "applied") {
				t.Fatalf("the delivery signed anew: %d %s", status, body)
			}
			if env.count(condACME) != 1 {
				t.Fatal("the good delivery was not applied")
			}

			// A replay (attemptNumber + 1, the same events) is a duplicate.
			env.hub.SetWebhookURL("")
			env.clock.Add(time.Minute)
			if err := env.hub.SetProperty(ctx, id, "company", &other); err != nil { // unsent
				t.Fatal(err)
			}
			env.hub.SetWebhookURL(env.srv.URL + "/hubspot/webhook/shop")
			d, err := env.hub.Replay(ctx, 1)
			if err != nil || d.Status != http.StatusOK {
				t.Fatalf("replay: %+v %v", d, err)
			}
			if env.count(condACME) != 1 {
				t.Fatal("a replay was applied")
			}

			// Out of order: two changes in one batch, newest first.
			env.hub.SetWebhookMode(hubspotfake.WebhookMode{Hold: true, Reverse: true})
			for _, v := range []string{"Third", "Fourth"} {
				env.clock.Add(time.Minute)
				if err := env.hub.SetProperty(ctx, id, "company", &v); err != nil {
					t.Fatal(err)
				}
			}
			if err := env.hub.FlushWebhooks(ctx); err != nil {
				t.Fatal(err)
			}
			if env.count(`{"field":"hubspot.property","property":"company","type":"string","op":"eq","value":"Fourth"}`) != 1 {
				t.Fatal("the newest value was not kept")
			}
			env.hub.SetWebhookMode(hubspotfake.WebhookMode{})

			// A deletion unlinks.
			env.clock.Add(time.Minute)
			if err := env.hub.DeleteContact(ctx, id); err != nil {
				t.Fatal(err)
			}
			if env.count(condHubSpot) != 0 {
				t.Fatal("the deleted contact is still the friend's")
			}
			if strings.Contains(env.logs.String(), hookHubSecret) || strings.Contains(env.logs.String(), hookHubToken) {
				t.Error("a secret is in the log")
			}
		})
	}
}

// TestHubSpotWebhookBodyCap: a body over HubSpot's cap is 413.
func TestHubSpotWebhookBodyCap(t *testing.T) {
	env := newHookEnv(t, "sqlite")
	big := strings.Repeat(" ", 1<<20+1)
	ts := strconv.FormatInt(env.clock.Now().UnixMilli(), 10)
	if status, _ := env.post(hubspotSigned(env.srv.URL+"/hubspot/webhook/shop", big, ts)); status != http.StatusRequestEntityTooLarge {
		t.Fatalf("body over the cap: %d", status)
	}
	if env.records() != 0 {
		t.Fatal("stored")
	}
}

// hubspotSigned is a request of body to url, signed with the test secret.
func hubspotSigned(url, body, ts string) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-HubSpot-Request-Timestamp", ts)
	req.Header.Set("X-HubSpot-Signature-v3", hubspotfake.Sign(hookHubSecret, http.MethodPost, url, []byte(body), ts))
	return req
}

// blockingStore holds ApplyDelivery until released.
type blockingStore struct {
	WebhookStore
	entered, release chan struct{}
}

func (s *blockingStore) ApplyDelivery(ctx context.Context, a *kizuna.Account, source string, keys []string, records []kizuna.SourceRecord) (*kizuna.RecordsResult, error) {
	s.entered <- struct{}{}
	<-s.release
	return s.WebhookStore.ApplyDelivery(ctx, a, source, keys, records)
}

// TestWebhookWorkers: a delivery that finds every worker busy past the
// wait is answered 503 (the vendor retries it) and stores nothing; the
// one being worked on is applied.
func TestWebhookWorkers(t *testing.T) {
	env := newHookEnv(t, "sqlite")
	ctx := context.Background()
	env.shop.SetWebhookURL("")
	_, d1 := env.shop.CreateCustomer(ctx, hookShopFriend, "")
	_, d2 := env.shop.CreateCustomer(ctx, hookOtherFriend, "")
	st := &blockingStore{WebhookStore: env.eng, entered: make(chan struct{}), release: make(chan struct{})}
	hooks := &Webhooks{Store: st, Options: Options{Now: env.clock.Now}, Workers: 1, Wait: 10 * time.Millisecond}
	mux := http.NewServeMux()
	mux.Handle("POST /shopify/webhook/{account}", hooks.Shopify())
	srv := httptest.NewServer(mux)
	defer srv.Close()
	url := srv.URL + "/shopify/webhook/shop"
	first := make(chan int)
	req := env.shopifyRequest(url, d1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			first <- 0
			return
		}
		res.Body.Close()
		first <- res.StatusCode
	}()
	<-st.entered // the only worker is applying d1
	status, _ := env.post(env.shopifyRequest(url, d2))
	if status != http.StatusServiceUnavailable {
		t.Fatalf("a delivery with every worker busy: %d", status)
	}
	close(st.release)
	if status := <-first; status != http.StatusOK {
		t.Fatalf("the delivery worked on: %d", status)
	}
	if env.count(condShopify) != 1 || env.records() != 1 {
		t.Fatalf("linked %d, records %d: want only the first", env.count(condShopify), env.records())
	}
}

// TestWebhookVendorHangsUp: a vendor that stops waiting while the
// delivery is being applied (Shopify and HubSpot give up after 5 s) does
// not cancel the write: the delivery is applied, and the vendor's retry
// is a duplicate.
func TestWebhookVendorHangsUp(t *testing.T) {
	env := newHookEnv(t, "sqlite")
	ctx := context.Background()
	env.shop.SetWebhookURL("")
	_, d := env.shop.CreateCustomer(ctx, hookShopFriend, "")
	st := &blockingStore{WebhookStore: env.eng, entered: make(chan struct{}), release: make(chan struct{})}
	hooks := &Webhooks{Store: st, Options: Options{Now: env.clock.Now}}
	mux := http.NewServeMux()
	mux.Handle("POST /shopify/webhook/{account}", hooks.Shopify())
	srv := httptest.NewServer(mux)
	defer srv.Close()
	url := srv.URL + "/shopify/webhook/shop"
	rctx, hangUp := context.WithCancel(ctx)
	req := env.shopifyRequest(url, d).WithContext(rctx)
	gone := make(chan error)
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			res.Body.Close()
		}
		gone <- err
	}()
	<-st.entered
	hangUp()
	if err := <-gone; err == nil {
		t.Fatal("the request was answered before the vendor hung up")
	}
	st.release <- struct{}{}
	// The retry waits for the write under way, then finds it applied.
	go func() { <-st.entered; st.release <- struct{}{} }()
	status, body := env.post(env.shopifyRequest(url, d))
	if status != http.StatusOK || !strings.Contains(body, "duplicate") {
		t.Fatalf("the retry: %d %s", status, body)
	}
	if env.count(condShopify) != 1 {
		t.Fatal("the delivery the vendor stopped waiting for was not applied")
	}
}
