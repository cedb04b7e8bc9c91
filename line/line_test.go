package line

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/linefake"
)

const (
	testToken  = "tok-9f8e7d6c5b4a39281706f5e4d3c2b1a0-secret"
	testSecret = "testsecret"
)

// clock is the fake's injected clock.
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

type env struct {
	fake   *linefake.Fake
	srv    *httptest.Server
	client *Client
	clock  *clock
}

func newEnv(t *testing.T, cfg linefake.Config) *env {
	t.Helper()
	clk := &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	cfg.AccessToken, cfg.ChannelSecret, cfg.Now = testToken, testSecret, clk.now
	f := linefake.New(cfg)
	srv := httptest.NewServer(f)
	t.Cleanup(func() { f.Close(); srv.Close() })
	c, err := New(srv.URL, testToken, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &env{fake: f, srv: srv, client: c, clock: clk}
}

func uid(n int) string { return fmt.Sprintf("U%032x", n) }

func users(from, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = uid(from + i)
	}
	return ids
}

var hello = []kizuna.Message{{Type: "text", Text: "Hello"}}

func TestNew(t *testing.T) {
	for _, base := range []string{"", "api.line.me", "ftp://x", "http://"} {
		if _, err := New(base, testToken, nil); kizuna.ErrorCode(err) != kizuna.EINVALID {
			t.Errorf("New(%q): %v, want invalid", base, err)
		}
	}
	if _, err := New("https://api.line.me", " ", nil); kizuna.ErrorCode(err) != kizuna.EINVALID {
		t.Errorf("empty token: %v", err)
	}
	c, err := New("https://api.line.me", testToken, &http.Client{})
	if err != nil || c.hc.Timeout != DefaultTimeout {
		t.Errorf("a client without a timeout gets DefaultTimeout: %v %v", c.hc.Timeout, err)
	}
}

func TestBotInfoAndAuth(t *testing.T) {
	e := newEnv(t, linefake.Config{BotUserID: uid(999), DisplayName: "Shop Bot"})
	info, err := e.client.BotInfo(context.Background())
	if err != nil || info.UserID != uid(999) || info.DisplayName != "Shop Bot" || info.BasicID == "" {
		t.Fatalf("BotInfo = %+v, %v", info, err)
	}
	bad, _ := New(e.srv.URL, "wrong-token", nil)
	_, err = bad.BotInfo(context.Background())
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 401 || kizuna.ErrorCode(err) != kizuna.EINVALID ||
		!strings.HasPrefix(ae.Message, "Authentication failed due to the following reason:") || ae.RequestID == "" {
		t.Fatalf("wrong token: %v (%+v)", err, ae)
	}
	if o := bad.Multicast(context.Background(), users(1, 1), hello, uuid.NewString()); o.Result != Failed || o.Status != 401 {
		t.Errorf("multicast with a wrong token: %+v", o)
	}
}

func TestMulticastAccepted(t *testing.T) {
	e := newEnv(t, linefake.Config{})
	ctx := context.Background()
	key := uuid.NewString()
	to := users(1, 500)
	o := e.client.Multicast(ctx, to, []kizuna.Message{
		{Type: "text", Text: "Spring sale 🌸"},
		{Type: "image", OriginalContentURL: "https://example.com/a.jpg", PreviewImageURL: "https://example.com/a-s.jpg"},
		{Type: "sticker", PackageID: "446", StickerID: "1988"},
	}, key)
	if o.Result != Accepted || o.Status != 200 || o.Duplicate || o.Reason() != "" {
		t.Fatalf("outcome = %+v", o)
	}
	if _, err := uuid.Parse(o.RequestID); err != nil {
		t.Errorf("RequestID %q is not LINE's UUID: %v", o.RequestID, err)
	}
	d := e.fake.Deliveries()
	if len(d) != 1 || d[0].RequestID != o.RequestID || d[0].RetryKey != key || d[0].Endpoint != linefake.RouteMulticast || len(d[0].To) != 500 || len(d[0].Messages) != 3 {
		t.Fatalf("deliveries = %+v", d)
	}
	var m struct{ Type, PackageID string }
	_ = json.Unmarshal(d[0].Messages[2], &m)
	if m.Type != "sticker" {
		t.Errorf("third message = %s", d[0].Messages[2])
	}
	if e.fake.Usage() != 500 || e.fake.Received(uid(1)) != 1 || e.fake.Received(uid(501)) != 0 {
		t.Errorf("usage %d, received %d/%d", e.fake.Usage(), e.fake.Received(uid(1)), e.fake.Received(uid(501)))
	}
}

// TestAcceptThenFailRetries is the case retry keys exist for: LINE accepted
// the batch but the answer was lost; the retry with the same key is told it
// was accepted, with the first request's ID, and nobody gets it twice.
func TestAcceptThenFailRetries(t *testing.T) {
	e := newEnv(t, linefake.Config{})
	ctx := context.Background()
	to := users(1, 3)

	t.Run("5xx", func(t *testing.T) {
		key := uuid.NewString()
		e.fake.InjectFault(linefake.RouteMulticast, linefake.AcceptThenServerError)
		o := e.client.Multicast(ctx, to, hello, key)
		if o.Result != Retry || o.Status != 500 {
			t.Fatalf("first attempt: %+v", o)
		}
		d := e.fake.Deliveries()
		if len(d) != 1 || d[0].RetryKey != key {
			t.Fatalf("the fake did not accept the first attempt: %+v", d)
		}
		o = e.client.Multicast(ctx, to, hello, key)
		if o.Result != Accepted || !o.Duplicate || o.Status != 409 || o.RequestID != d[0].RequestID {
			t.Fatalf("retry: %+v, want 409 with request id %s", o, d[0].RequestID)
		}
		if n := len(e.fake.Deliveries()); n != 1 || e.fake.Received(uid(1)) != 1 {
			t.Errorf("after the retry: %d deliveries, %d received", n, e.fake.Received(uid(1)))
		}
	})

	t.Run("hang past the client's timeout", func(t *testing.T) {
		short, _ := New(e.srv.URL, testToken, &http.Client{Timeout: 300 * time.Millisecond})
		key := uuid.NewString()
		before := len(e.fake.Deliveries())
		e.fake.InjectFault(linefake.RouteMulticast, linefake.AcceptThenHang)
		o := short.Multicast(ctx, to, hello, key)
		if o.Result != Retry || o.Status != 0 || o.Message == "" {
			t.Fatalf("first attempt: %+v", o)
		}
		d := e.fake.Deliveries()
		if len(d) != before+1 {
			t.Fatalf("the hanging attempt was not accepted: %d deliveries", len(d))
		}
		o = short.Multicast(ctx, to, hello, key)
		if o.Result != Accepted || !o.Duplicate || o.RequestID != d[before].RequestID {
			t.Fatalf("retry: %+v", o)
		}
		if e.fake.Received(uid(1)) != 2 { // once per subtest
			t.Errorf("received %d", e.fake.Received(uid(1)))
		}
	})

	t.Run("5xx before accepting", func(t *testing.T) {
		key := uuid.NewString()
		before := len(e.fake.Deliveries())
		e.fake.InjectFault(linefake.RouteMulticast, linefake.ServerError)
		if o := e.client.Multicast(ctx, to, hello, key); o.Result != Retry || o.Status != 500 {
			t.Fatalf("first attempt: %+v", o)
		}
		o := e.client.Multicast(ctx, to, hello, key)
		if o.Result != Accepted || o.Duplicate || o.Status != 200 {
			t.Fatalf("retry: %+v", o)
		}
		if len(e.fake.Deliveries()) != before+1 {
			t.Errorf("deliveries %d, want %d", len(e.fake.Deliveries()), before+1)
		}
	})
}

func TestTransportErrorRetries(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c, _ := New(url, testToken, nil)
	o := c.Multicast(context.Background(), users(1, 1), hello, uuid.NewString())
	if o.Result != Retry || o.Status != 0 || o.Message == "" {
		t.Fatalf("outcome = %+v", o)
	}
	_, _, err := c.Followers(context.Background(), "", 10)
	if kizuna.ErrorCode(err) != kizuna.EUNAVAILABLE || !Temporary(err) {
		t.Errorf("followers: %v", err)
	}
}

func TestRateLimit(t *testing.T) {
	e := newEnv(t, linefake.Config{MulticastRate: 2})
	ctx := context.Background()
	for i := range 2 {
		if o := e.client.Multicast(ctx, users(1, 1), hello, uuid.NewString()); o.Result != Accepted {
			t.Fatalf("send %d: %+v", i, o)
		}
	}
	key := uuid.NewString()
	o := e.client.Multicast(ctx, users(1, 1), hello, key)
	if o.Result != Retry || !o.RateLimited || o.Status != 429 || o.Message != linefake.MsgRateLimit {
		t.Fatalf("third send in the same second: %+v", o)
	}
	e.clock.advance(500 * time.Millisecond) // one token back at 2/s
	if o := e.client.Multicast(ctx, users(1, 1), hello, key); o.Result != Accepted || o.Duplicate {
		t.Fatalf("after the pause: %+v", o)
	}
	if n := len(e.fake.Deliveries()); n != 3 {
		t.Errorf("%d deliveries, want 3 (the 429 was not processed)", n)
	}
	// A fault queue's 429 is the same.
	e.fake.InjectFault(linefake.RoutePush, linefake.RateLimited)
	if o := e.client.Push(ctx, uid(1), hello, uuid.NewString()); o.Result != Retry || !o.RateLimited {
		t.Errorf("push 429: %+v", o)
	}
}

func TestMonthlyLimit(t *testing.T) {
	e := newEnv(t, linefake.Config{})
	ctx := context.Background()
	e.fake.SetQuota("limited", 5)
	e.fake.SetUsage(1)
	if q, err := e.client.Quota(ctx); err != nil || q == nil || *q != 4 {
		t.Fatalf("quota = %v, %v", q, err)
	}
	if o := e.client.Multicast(ctx, users(1, 3), hello, uuid.NewString()); o.Result != Accepted {
		t.Fatalf("within the quota: %+v", o)
	}
	o := e.client.Multicast(ctx, users(10, 2), hello, uuid.NewString())
	if o.Result != MonthlyLimit || o.Status != 429 || o.RateLimited || o.Message != linefake.MsgMonthlyLimit {
		t.Fatalf("over the quota: %+v", o)
	}
	if q, _ := e.client.Quota(ctx); *q != 1 || e.fake.Usage() != 4 {
		t.Errorf("quota after %d, usage %d", *q, e.fake.Usage())
	}
	e.fake.InjectFault(linefake.RouteMulticast, linefake.MonthlyLimit)
	if o := e.client.Multicast(ctx, users(1, 1), hello, uuid.NewString()); o.Result != MonthlyLimit {
		t.Errorf("injected monthly limit: %+v", o)
	}
	e.fake.SetQuota("none", 0)
	if q, err := e.client.Quota(ctx); err != nil || q != nil {
		t.Errorf("no limit: %v, %v", q, err)
	}
}

func TestValidationFails(t *testing.T) {
	e := newEnv(t, linefake.Config{})
	ctx := context.Background()
	apple := strings.Repeat("🍎", maxTextForTest/2) // 5000 UTF-16 units
	if o := e.client.Multicast(ctx, users(1, 1), []kizuna.Message{{Type: "text", Text: apple}}, uuid.NewString()); o.Result != Accepted {
		t.Fatalf("5000 UTF-16 units: %+v", o)
	}
	six := make([]kizuna.Message, 6)
	for i := range six {
		six[i] = kizuna.Message{Type: "text", Text: "x"}
	}
	cases := []struct {
		name     string
		to       []string
		msgs     []kizuna.Message
		property string
	}{
		{"empty text", users(1, 1), []kizuna.Message{{Type: "text"}}, "messages[0].text"},
		{"long text", users(1, 1), []kizuna.Message{hello[0], {Type: "text", Text: apple + "a"}}, "messages[1].text"},
		{"six messages", users(1, 1), six, "messages"},
		{"no messages", users(1, 1), nil, "messages"},
		{"501 recipients", users(1, 501), hello, "to"},
		{"no recipients", nil, hello, "to"},
		{"bad user id", []string{"Uxyz"}, hello, "to[0]"},
		{"http image", users(1, 1), []kizuna.Message{{Type: "image", OriginalContentURL: "http://example.com/a.jpg", PreviewImageURL: "https://example.com/b.jpg"}}, "messages[0].originalContentUrl"},
		{"no preview", users(1, 1), []kizuna.Message{{Type: "image", OriginalContentURL: "https://example.com/a.jpg"}}, "messages[0].previewImageUrl"},
		{"bad sticker", users(1, 1), []kizuna.Message{{Type: "sticker", PackageID: "446", StickerID: "abc"}}, "messages[0].stickerId"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := e.client.Multicast(ctx, tc.to, tc.msgs, uuid.NewString())
			if o.Result != Failed || o.Status != 400 || len(o.Details) == 0 || o.Details[0].Property != tc.property {
				t.Fatalf("outcome = %+v, want 400 at %s", o, tc.property)
			}
			if !strings.HasPrefix(o.Message, "The request body has ") || !strings.Contains(o.Reason(), tc.property+": ") {
				t.Errorf("message %q, reason %q", o.Message, o.Reason())
			}
		})
	}
	o := e.client.Multicast(ctx, users(1, 1), []kizuna.Message{{Type: "text"}}, uuid.NewString())
	if o.Reason() != "messages[0].text: May not be empty" {
		t.Errorf("reason = %q", o.Reason())
	}
	if n := len(e.fake.Deliveries()); n != 1 {
		t.Errorf("%d deliveries, want only the first", n)
	}
	// A type Kizuna cannot convert is refused before any request.
	o = e.client.Multicast(ctx, users(1, 1), []kizuna.Message{hello[0], {Type: "video"}}, uuid.NewString())
	if o.Result != Failed || o.Status != 0 || o.Details[0].Property != "messages[1].type" {
		t.Errorf("video: %+v", o)
	}
}

const maxTextForTest = 5000

func TestRetryKeys(t *testing.T) {
	e := newEnv(t, linefake.Config{})
	ctx := context.Background()
	o := e.client.Multicast(ctx, users(1, 1), hello, "not-a-uuid")
	if o.Result != Failed || o.Status != 400 {
		t.Fatalf("bad key: %+v", o)
	}
	// No key: each request is a new send.
	for range 2 {
		if o := e.client.Multicast(ctx, users(1, 1), hello, ""); o.Result != Accepted || o.Duplicate {
			t.Fatalf("no key: %+v", o)
		}
	}
	if e.fake.Received(uid(1)) != 2 {
		t.Fatalf("received %d", e.fake.Received(uid(1)))
	}
	key := uuid.NewString()
	first := e.client.Multicast(ctx, users(2, 1), hello, key)
	e.clock.advance(24*time.Hour - time.Second)
	if o := e.client.Multicast(ctx, users(2, 1), hello, key); !o.Duplicate || o.RequestID != first.RequestID {
		t.Fatalf("within 24 h: %+v", o)
	}
	e.clock.advance(time.Second)
	if o := e.client.Multicast(ctx, users(2, 1), hello, key); o.Result != Accepted || o.Duplicate || o.RequestID == first.RequestID {
		t.Fatalf("after 24 h the key is forgotten: %+v", o)
	}
}

func TestPush(t *testing.T) {
	e := newEnv(t, linefake.Config{})
	ctx := context.Background()
	key := uuid.NewString()
	two := []kizuna.Message{hello[0], {Type: "text", Text: "again"}}
	o := e.client.Push(ctx, uid(7), two, key)
	if o.Result != Accepted || len(o.SentMessages) != 2 || o.SentMessages[0].ID == "" || o.SentMessages[0].ID == o.SentMessages[1].ID {
		t.Fatalf("push: %+v", o)
	}
	again := e.client.Push(ctx, uid(7), two, key)
	if again.Result != Accepted || !again.Duplicate || again.RequestID != o.RequestID || len(again.SentMessages) != 2 || again.SentMessages[1] != o.SentMessages[1] {
		t.Fatalf("push 409: %+v, want the first's %+v", again, o)
	}
	if e.fake.Received(uid(7)) != 1 || e.fake.Usage() != 1 {
		t.Errorf("received %d, usage %d", e.fake.Received(uid(7)), e.fake.Usage())
	}
	if o := e.client.Push(ctx, uid(7), []kizuna.Message{{Type: "text"}}, ""); o.Result != Failed || o.Details[0].Property != "messages[0].text" {
		t.Errorf("empty text: %+v", o)
	}
}

func TestFollowers(t *testing.T) {
	e := newEnv(t, linefake.Config{})
	ctx := context.Background()
	for i := 1; i <= 7; i++ {
		e.fake.AddFriend(uid(i), fmt.Sprintf("Friend %d", i))
	}
	e.fake.Block(uid(4))
	want := []string{uid(1), uid(2), uid(3), uid(5), uid(6), uid(7)}

	page := func(limit int) ([]string, []int, []string) {
		var all []string
		var sizes []int
		var nexts []string
		start := ""
		for range 10 {
			ids, next, err := e.client.Followers(ctx, start, limit)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, ids...)
			sizes = append(sizes, len(ids))
			nexts = append(nexts, next)
			if next == "" {
				break
			}
			start = next
		}
		return all, sizes, nexts
	}
	all, sizes, nexts := page(4)
	if fmt.Sprint(all) != fmt.Sprint(want) || fmt.Sprint(sizes) != "[4 2]" || nexts[0] == "" || nexts[1] != "" {
		t.Fatalf("limit 4: %v %v %q", all, sizes, nexts)
	}
	// Pages shorter than the limit may still have a next.
	e.fake.SetFollowersPageCap(2)
	all, sizes, nexts = page(0)
	if fmt.Sprint(all) != fmt.Sprint(want) || fmt.Sprint(sizes) != "[2 2 2]" || nexts[0] == "" || nexts[1] == "" || nexts[2] != "" {
		t.Fatalf("short pages: %v %v %q", all, sizes, nexts)
	}

	e.fake.SetFollowersForbidden(true)
	_, _, err := e.client.Followers(ctx, "", 0)
	var ae *APIError
	if kizuna.ErrorCode(err) != kizuna.EFORBIDDEN || !errors.As(err, &ae) || ae.Status != 403 ||
		ae.Message != linefake.MsgForbidden || !strings.Contains(kizuna.ErrorMessage(err), "verified or premium") || Temporary(err) {
		t.Fatalf("403: %v", err)
	}
	if !strings.Contains(kizuna.LocalMessage(err, "ja"), "認証済み") {
		t.Errorf("no Japanese for the 403: %v", err)
	}

	e.fake.SetFollowersForbidden(false)
	e.fake.InjectFault(linefake.RouteFollowers, linefake.ServerError)
	if _, _, err := e.client.Followers(ctx, "", 0); kizuna.ErrorCode(err) != kizuna.EUNAVAILABLE || !Temporary(err) {
		t.Errorf("500: %v", err)
	}
}

func TestProfile(t *testing.T) {
	e := newEnv(t, linefake.Config{})
	ctx := context.Background()
	e.fake.AddFriend(uid(1), "Aiko")
	e.fake.AddFriend(uid(2), "Ben")
	e.fake.Block(uid(2))
	if name, found, err := e.client.Profile(ctx, uid(1)); err != nil || !found || name != "Aiko" {
		t.Errorf("friend: %q %v %v", name, found, err)
	}
	for _, id := range []string{uid(2), uid(3)} {
		if name, found, err := e.client.Profile(ctx, id); err != nil || found || name != "" {
			t.Errorf("%s: %q %v %v", id, name, found, err)
		}
	}
	e.fake.Unblock(uid(2))
	if name, found, _ := e.client.Profile(ctx, uid(2)); !found || name != "Ben" {
		t.Errorf("unblocked: %q %v", name, found)
	}
}

func TestSetWebhookEndpoint(t *testing.T) {
	e := newEnv(t, linefake.Config{})
	if err := e.client.SetWebhookEndpoint(context.Background(), "https://kizuna.example/line/webhook/shop"); err != nil {
		t.Fatal(err)
	}
	if got := e.fake.WebhookURL(); got != "https://kizuna.example/line/webhook/shop" {
		t.Errorf("webhook URL = %q", got)
	}
}

// TestTokenNeverShown sends every kind of outcome and error and looks for
// the token in all of them and in what the fake recorded.
func TestTokenNeverShown(t *testing.T) {
	e := newEnv(t, linefake.Config{})
	ctx := context.Background()
	short, _ := New(e.srv.URL, testToken, &http.Client{Timeout: 200 * time.Millisecond})
	e.fake.AddFriend(uid(1), "Aiko")
	var seen []string
	add := func(v any) { seen = append(seen, fmt.Sprintf("%v %+v %#v", v, v, v)) }
	add(e.client.Multicast(ctx, users(1, 2), hello, uuid.NewString()))
	add(e.client.Multicast(ctx, users(1, 2), []kizuna.Message{{Type: "text"}}, uuid.NewString()))
	add(e.client.Multicast(ctx, users(1, 2), hello, "bad-key"))
	e.fake.InjectFault(linefake.RouteMulticast, linefake.ServerError, linefake.MonthlyLimit, linefake.RateLimited, linefake.AcceptThenHang)
	for range 3 {
		add(e.client.Multicast(ctx, users(1, 2), hello, uuid.NewString()))
	}
	add(short.Multicast(ctx, users(1, 2), hello, uuid.NewString()))
	add(e.client.Push(ctx, uid(1), hello, uuid.NewString()))
	bad, _ := New(e.srv.URL, testToken+"x", nil)
	add(bad.Multicast(ctx, users(1, 1), hello, ""))
	_, err := bad.BotInfo(ctx)
	add(err)
	e.fake.SetFollowersForbidden(true)
	_, _, err = e.client.Followers(ctx, "", 0)
	add(err)
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	dead, _ := New(gone.URL, testToken, nil)
	add(dead.Multicast(ctx, users(1, 1), hello, ""))
	_, err = dead.BotInfo(ctx)
	add(err)
	add(e.client)
	rec, _ := json.Marshal(e.fake.Deliveries())
	seen = append(seen, string(rec))
	for _, s := range seen {
		if strings.Contains(s, testToken) || strings.Contains(s, "9f8e7d6c5b4a") {
			t.Errorf("the token is shown in %s", s)
		}
	}
	if len(e.fake.Deliveries()) < 3 {
		t.Errorf("only %d deliveries: the test did not send", len(e.fake.Deliveries()))
	}
}

// TestConcurrentSends shares one client between goroutines (the SDK keeps
// a call's context in its client, so each call must have its own) and
// checks every send is recorded once.
func TestConcurrentSends(t *testing.T) {
	e := newEnv(t, linefake.Config{})
	ctx := context.Background()
	var wg sync.WaitGroup
	outcomes := make([]Outcome, 40)
	for i := range outcomes {
		wg.Go(func() {
			outcomes[i] = e.client.Multicast(ctx, users(i*10, 10), hello, uuid.NewString())
		})
	}
	wg.Wait()
	for i, o := range outcomes {
		if o.Result != Accepted {
			t.Errorf("send %d: %+v", i, o)
		}
	}
	if n, u := len(e.fake.Deliveries()), e.fake.Usage(); n != 40 || u != 400 {
		t.Errorf("%d deliveries, usage %d", n, u)
	}
}
