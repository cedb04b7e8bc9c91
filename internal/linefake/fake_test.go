package linefake

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

const token = "fake-token-0123"

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type tenv struct {
	t     *testing.T
	f     *Fake
	srv   *httptest.Server
	clock *clock
}

func start(t *testing.T, cfg Config) *tenv {
	clk := &clock{t: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	cfg.AccessToken, cfg.ChannelSecret, cfg.Now = token, "testsecret", clk.now
	f := New(cfg)
	srv := httptest.NewServer(f)
	t.Cleanup(func() { f.Close(); srv.Close() })
	return &tenv{t: t, f: f, srv: srv, clock: clk}
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// do sends a request with the token (tok "" sends none) and a header
// pair list.
func (e *tenv) do(method, path, tok, body string, headers ...string) answer {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	a := answer{status: res.StatusCode, header: res.Header, raw: string(b)}
	_ = json.Unmarshal(b, &a.body)
	if _, err := uuid.Parse(res.Header.Get("X-Line-Request-Id")); err != nil && strings.HasPrefix(path, "/v2/") {
		e.t.Errorf("%s %s: X-Line-Request-Id %q is not a UUID", method, path, res.Header.Get("X-Line-Request-Id"))
	}
	return a
}

func uid(n int) string { return fmt.Sprintf("U%032x", n) }

func multicastBody(n int, text string) string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = `"` + uid(i+1) + `"`
	}
	return `{"to":[` + strings.Join(ids, ",") + `],"messages":[{"type":"text","text":"` + text + `"}],"notificationDisabled":false,"customAggregationUnits":null}`
}

func TestAuth(t *testing.T) {
	e := start(t, Config{})
	for _, tok := range []string{"", "wrong"} {
		a := e.do("GET", "/v2/bot/info", tok, "")
		msg, _ := a.body["message"].(string)
		if a.status != 401 || !strings.HasPrefix(msg, "Authentication failed due to the following reason: ") {
			t.Errorf("token %q: %d %s", tok, a.status, a.raw)
		}
	}
	a := e.do("GET", "/v2/bot/info", token, "")
	if a.status != 200 || a.body["userId"] == "" || a.body["chatMode"] != "chat" || a.body["markAsReadMode"] == nil || a.body["basicId"] == nil || a.body["displayName"] == nil {
		t.Errorf("bot info: %d %s", a.status, a.raw)
	}
	if a := e.do("GET", "/v2/bot/nothing", token, ""); a.status != 404 {
		t.Errorf("unknown path: %d", a.status)
	}
	ids := map[string]bool{}
	for range 3 {
		ids[e.do("GET", "/v2/bot/info", token, "").header.Get("X-Line-Request-Id")] = true
	}
	if len(ids) != 3 {
		t.Errorf("request ids repeat: %v", ids)
	}
}

func TestRetryKeyRules(t *testing.T) {
	e := start(t, Config{})
	key := uuid.NewString()
	if a := e.do("GET", "/v2/bot/info", token, "", "X-Line-Retry-Key", key); a.status != 400 {
		t.Errorf("a key on bot/info: %d", a.status)
	}
	if a := e.do("POST", "/v2/bot/message/multicast", token, multicastBody(2, "hi"), "X-Line-Retry-Key", "123"); a.status != 400 {
		t.Errorf("not a UUID: %d %s", a.status, a.raw)
	}
	// Refused requests do not bind the key.
	if a := e.do("POST", "/v2/bot/message/multicast", token, multicastBody(2, ""), "X-Line-Retry-Key", key); a.status != 400 {
		t.Fatalf("empty text: %d", a.status)
	}
	first := e.do("POST", "/v2/bot/message/multicast", token, multicastBody(2, "hi"), "X-Line-Retry-Key", key)
	if first.status != 200 || first.raw != "{}\n" {
		t.Fatalf("multicast: %d %q", first.status, first.raw)
	}
	dup := e.do("POST", "/v2/bot/message/multicast", token, multicastBody(2, "hi"), "X-Line-Retry-Key", key)
	if dup.status != 409 || dup.body["message"] != MsgRetryKey || dup.header.Get("X-Line-Accepted-Request-Id") != first.header.Get("X-Line-Request-Id") ||
		dup.header.Get("X-Line-Request-Id") == first.header.Get("X-Line-Request-Id") {
		t.Errorf("409: %d %s %v", dup.status, dup.raw, dup.header)
	}
	// An empty header is no key.
	for range 2 {
		if a := e.do("POST", "/v2/bot/message/multicast", token, multicastBody(1, "hi"), "X-Line-Retry-Key", ""); a.status != 200 {
			t.Errorf("empty key: %d %s", a.status, a.raw)
		}
	}
	if n := e.f.Received(uid(1)); n != 3 {
		t.Errorf("received %d, want 3", n)
	}

	pkey := uuid.NewString()
	push := `{"to":"` + uid(1) + `","messages":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}`
	p1 := e.do("POST", "/v2/bot/message/push", token, push, "X-Line-Retry-Key", pkey)
	p2 := e.do("POST", "/v2/bot/message/push", token, push, "X-Line-Retry-Key", pkey)
	s1, _ := json.Marshal(p1.body["sentMessages"])
	s2, _ := json.Marshal(p2.body["sentMessages"])
	if p1.status != 200 || p2.status != 409 || string(s1) != string(s2) || !strings.Contains(string(s1), `"id"`) {
		t.Errorf("push 409 repeats sentMessages: %d %s / %d %s", p1.status, p1.raw, p2.status, p2.raw)
	}
}

func TestSendValidationDetails(t *testing.T) {
	e := start(t, Config{})
	body := `{"to":["` + uid(1) + `"],"messages":[{"type":"text","text":""},{"type":"image","originalContentUrl":"http://a/b.jpg","previewImageUrl":"https://a/b.jpg"},{"type":"sticker","packageId":"1","stickerId":""},{"type":"nope"}]}`
	a := e.do("POST", "/v2/bot/message/multicast", token, body)
	if a.status != 400 || a.body["message"] != "The request body has 4 error(s)" {
		t.Fatalf("%d %s", a.status, a.raw)
	}
	var props []string
	for _, d := range a.body["details"].([]any) {
		props = append(props, d.(map[string]any)["property"].(string))
	}
	if got := strings.Join(props, ","); got != "messages[0].text,messages[1].originalContentUrl,messages[2].stickerId,messages[3].type" {
		t.Errorf("properties %s", got)
	}
	if a := e.do("POST", "/v2/bot/message/multicast", token, "{"); a.status != 400 {
		t.Errorf("bad JSON: %d", a.status)
	}
	if a := e.do("POST", "/v2/bot/message/multicast", token, `{"to":["`+uid(1)+`"],"messages":[{"type":"text","text":"x"}],"pad":"`+strings.Repeat("x", 2<<20)+`"}`); a.status != 413 {
		t.Errorf("3 MB body: %d", a.status)
	}
	if len(e.f.Deliveries()) != 0 {
		t.Error("a refused request was recorded")
	}
}

func TestFollowersLimits(t *testing.T) {
	e := start(t, Config{})
	for i := 1; i <= 301; i++ {
		e.f.AddFriend(uid(i), "")
	}
	a := e.do("GET", "/v2/bot/followers/ids", token, "")
	if a.status != 200 || len(a.body["userIds"].([]any)) != 300 || a.body["next"] == nil {
		t.Fatalf("default limit: %d, %d ids", a.status, len(a.body["userIds"].([]any)))
	}
	a = e.do("GET", "/v2/bot/followers/ids?limit=1000&start="+a.body["next"].(string), token, "")
	if a.status != 200 || len(a.body["userIds"].([]any)) != 1 || a.body["next"] != nil {
		t.Errorf("last page: %s", a.raw)
	}
	for _, q := range []string{"limit=1001", "limit=0", "start=garbage"} {
		if a := e.do("GET", "/v2/bot/followers/ids?"+q, token, ""); a.status != 400 {
			t.Errorf("%s: %d", q, a.status)
		}
	}
	e.f.SetFollowersForbidden(true)
	if a := e.do("GET", "/v2/bot/followers/ids", token, ""); a.status != 403 || a.raw != `{"message":"`+MsgForbidden+`"}`+"\n" {
		t.Errorf("403: %d %s", a.status, a.raw)
	}
}

func TestRateLimitsOnTheClock(t *testing.T) {
	e := start(t, Config{})
	for i := range DefaultMulticastRate {
		if a := e.do("POST", "/v2/bot/message/multicast", token, multicastBody(1, "x")); a.status != 200 {
			t.Fatalf("send %d: %d", i, a.status)
		}
	}
	a := e.do("POST", "/v2/bot/message/multicast", token, multicastBody(1, "x"))
	if a.status != 429 || a.body["message"] != MsgRateLimit || a.header.Get("Retry-After") != "" {
		t.Fatalf("201st in a second: %d %s %v", a.status, a.raw, a.header)
	}
	// Another endpoint has its own bucket.
	if a := e.do("POST", "/v2/bot/message/push", token, `{"to":"`+uid(1)+`","messages":[{"type":"text","text":"x"}]}`); a.status != 200 {
		t.Errorf("push: %d", a.status)
	}
	e.clock.advance(100 * time.Millisecond) // 20 tokens
	for i := range 20 {
		if a := e.do("POST", "/v2/bot/message/multicast", token, multicastBody(1, "x")); a.status != 200 {
			t.Fatalf("after 100 ms, send %d: %d", i, a.status)
		}
	}
	if a := e.do("POST", "/v2/bot/message/multicast", token, multicastBody(1, "x")); a.status != 429 {
		t.Errorf("21st after 100 ms: %d", a.status)
	}
}

func TestQuotaAndConsumption(t *testing.T) {
	e := start(t, Config{})
	if a := e.do("GET", "/v2/bot/message/quota", token, ""); a.raw != `{"type":"none"}`+"\n" {
		t.Errorf("quota none: %s", a.raw)
	}
	e.f.SetQuota("limited", 10)
	e.do("POST", "/v2/bot/message/multicast", token, multicastBody(4, "x"))
	e.do("POST", "/v2/bot/message/push", token, `{"to":"`+uid(1)+`","messages":[{"type":"text","text":"x"},{"type":"text","text":"y"}]}`)
	if a := e.do("GET", "/v2/bot/message/quota", token, ""); a.body["type"] != "limited" || a.body["value"] != 10.0 {
		t.Errorf("quota: %s", a.raw)
	}
	if a := e.do("GET", "/v2/bot/message/quota/consumption", token, ""); a.body["totalUsage"] != 5.0 {
		t.Errorf("consumption (recipients, not messages): %s", a.raw)
	}
	a := e.do("POST", "/v2/bot/message/multicast", token, multicastBody(6, "x"))
	if a.status != 429 || a.body["message"] != MsgMonthlyLimit {
		t.Errorf("over quota: %d %s", a.status, a.raw)
	}
}

func TestFaults(t *testing.T) {
	e := start(t, Config{})
	e.f.InjectFault(RouteMulticast, Fault{Status: 503, Body: `{"message":"down"}`}, ServerError)
	if a := e.do("POST", "/v2/bot/message/multicast", token, multicastBody(1, "x")); a.status != 503 || a.body["message"] != "down" {
		t.Errorf("first fault: %d %s", a.status, a.raw)
	}
	if a := e.do("POST", "/v2/bot/message/multicast", token, multicastBody(1, "x")); a.status != 500 {
		t.Errorf("second fault: %d", a.status)
	}
	if a := e.do("POST", "/v2/bot/message/multicast", token, multicastBody(1, "x")); a.status != 200 || e.f.PendingFaults(RouteMulticast) != 0 {
		t.Errorf("queue used up: %d", a.status)
	}
	// A fault of only a delay slows the request, which then goes through.
	e.f.InjectFault(RouteMulticast, Fault{Delay: 20 * time.Millisecond})
	if a := e.do("POST", "/v2/bot/message/multicast", token, multicastBody(1, "x")); a.status != 200 || len(e.f.Deliveries()) != 2 {
		t.Errorf("delay only: %d, %d deliveries", a.status, len(e.f.Deliveries()))
	}
	// A hang ends when the client gives up.
	e.f.InjectFault(RouteProfile, Fault{Hang: true})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/v2/bot/profile/"+uid(1), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Error("a hanging request answered")
	}

	// FailRate 1 fails everything, FailRate 0 nothing; a seed repeats.
	e.f.SetFailRate(1)
	if a := e.do("GET", "/v2/bot/message/quota", token, ""); a.status != 500 {
		t.Errorf("fail rate 1: %d", a.status)
	}
	draw := func(seed uint64) string {
		s := start(t, Config{FailRate: 0.5, Seed: seed})
		var b strings.Builder
		for range 30 {
			fmt.Fprint(&b, s.do("GET", "/v2/bot/message/quota", token, "").status/100)
		}
		return b.String()
	}
	a, b := draw(7), draw(7)
	if a != b || !strings.Contains(a, "5") || !strings.Contains(a, "2") {
		t.Errorf("seeded draws %s and %s", a, b)
	}
}

func TestBroadcastAndNarrowcast(t *testing.T) {
	e := start(t, Config{})
	e.f.AddFriend(uid(1), "A")
	e.f.AddFriend(uid(2), "B")
	e.f.Block(uid(2))
	if a := e.do("POST", "/v2/bot/message/broadcast", token, `{"messages":[{"type":"text","text":"x"}]}`); a.status != 200 || a.raw != "{}\n" {
		t.Errorf("broadcast: %d %s", a.status, a.raw)
	}
	if a := e.do("POST", "/v2/bot/message/narrowcast", token, `{"messages":[{"type":"text","text":"x"}],"recipient":{"type":"audience","audienceGroupId":1}}`); a.status != 202 {
		t.Errorf("narrowcast: %d %s", a.status, a.raw)
	}
	d := e.f.Deliveries()
	if len(d) != 2 || fmt.Sprint(d[0].To) != fmt.Sprint([]string{uid(1)}) || d[1].Endpoint != RouteNarrowcast {
		t.Errorf("deliveries %+v", d)
	}
	a := e.do("GET", "/fake/deliveries", "", "")
	var list []Delivery
	if err := json.Unmarshal([]byte(a.raw), &list); err != nil || len(list) != 2 || list[0].RequestID != d[0].RequestID {
		t.Errorf("/fake/deliveries: %v %s", err, a.raw)
	}
}

func TestWebhookEndpointAndEvents(t *testing.T) {
	e := start(t, Config{})
	if a := e.do("GET", "/v2/bot/channel/webhook/endpoint", token, ""); a.status != 404 {
		t.Errorf("no URL yet: %d", a.status)
	}
	if a := e.do("POST", "/fake/events", "", `{"type":"follow","userId":"`+uid(1)+`"}`); a.status != 409 {
		t.Errorf("event without a URL: %d", a.status)
	}
	var got []string
	var mu sync.Mutex
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, r.Header.Get("X-Line-Signature")+" "+string(b))
		mu.Unlock()
	}))
	defer hook.Close()
	if a := e.do("PUT", "/v2/bot/channel/webhook/endpoint", token, `{"endpoint":"`+hook.URL+`"}`); a.status != 200 {
		t.Fatalf("set: %d %s", a.status, a.raw)
	}
	if a := e.do("GET", "/v2/bot/channel/webhook/endpoint", token, ""); a.body["endpoint"] != hook.URL {
		t.Errorf("get: %s", a.raw)
	}
	if a := e.do("POST", "/fake/events", "", `{"type":"follow","userId":"`+uid(1)+`","unblocked":true}`); a.status != 200 || a.body["status"] != 200.0 {
		t.Fatalf("event: %d %s", a.status, a.raw)
	}
	mu.Lock()
	defer mu.Unlock()
	sig, body, _ := strings.Cut(got[0], " ")
	if Sign("testsecret", []byte(body)) != sig || !strings.Contains(body, `"follow":{"isUnblocked":true}`) || !strings.Contains(body, `"destination":"U`) {
		t.Errorf("webhook %s", got[0])
	}
	if !e.f.Following(uid(1)) {
		t.Error("the follow did not add the friend")
	}
}

func TestULID(t *testing.T) {
	// The ULID spec's example: 1469918176385 ms is 01ARYZ6S41.
	id := NewULID(time.UnixMilli(1469918176385))
	if len(id) != 26 || id[:10] != "01ARYZ6S41" {
		t.Errorf("ULID %s", id)
	}
	for _, c := range id {
		if !strings.ContainsRune(crockford, c) {
			t.Errorf("ULID %s has %c", id, c)
		}
	}
	if NewULID(time.UnixMilli(1)) == NewULID(time.UnixMilli(1)) {
		t.Error("two ULIDs of one instant are equal")
	}
	if max := NewULID(time.UnixMilli(1<<48 - 1)); max[0] != '7' {
		t.Errorf("largest time: %s", max)
	}
}
