package line

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/linefake"
)

func webhookRequest(body, signature string, set bool) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/line/webhook/shop", strings.NewReader(body))
	if set {
		r.Header.Set("X-Line-Signature", signature)
	}
	return r
}

// TestWebhookSpecVector checks the signature test vector of
// integrations.md §1.1, for both the fake's signer and the parser.
func TestWebhookSpecVector(t *testing.T) {
	const body = `{"destination":"U0123456789abcdef0123456789abcdef","events":[]}`
	const sig = "68T4hrXlCXQMCJqA3fGlBzTyBPmhsLT3g4xth3uGq7Y="
	if got := linefake.Sign("testsecret", []byte(body)); got != sig {
		t.Fatalf("Sign = %s, want %s", got, sig)
	}
	events, err := ParseWebhook("testsecret", webhookRequest(body, sig, true), 0)
	if err != nil || events == nil || len(events) != 0 {
		t.Fatalf("empty events: %v, %v", events, err)
	}
}

const specBody = `{
  "destination": "U0123456789abcdef0123456789abcdef",
  "events": [
    {"type":"follow","mode":"active","timestamp":1705891467176,
     "source":{"type":"user","userId":"U3d3edab4f36c6292e6d8a8131f141b8b"},
     "webhookEventId":"01HMQGW40RZJPJM3RAJP7BHC2Q","deliveryContext":{"isRedelivery":false},
     "replyToken":"bb173f4d9cf64aed9d408ab4e36339ad","follow":{"isUnblocked":false}},
    {"type":"unfollow","mode":"active","timestamp":1705891469999,
     "source":{"type":"user","userId":"U3d3edab4f36c6292e6d8a8131f141b8b"},
     "webhookEventId":"01HMQGW40RZJPJM3RAJP7BHC2R","deliveryContext":{"isRedelivery":true}},
    {"type":"message","mode":"active","timestamp":1705891468000,
     "source":{"type":"user","userId":"U3d3edab4f36c6292e6d8a8131f141b8b"},
     "webhookEventId":"01HMQGW40RZJPJM3RAJP7BHC2S","deliveryContext":{"isRedelivery":false},
     "replyToken":"38ef843bde154d9b91c21320ffd17a0f",
     "message":{"type":"text","id":"468789577898262530","quoteToken":"q3Plxr4AgKd...","text":"Hello"}},
    {"type":"message","mode":"active","timestamp":1705891470000,
     "source":{"type":"group","groupId":"Ca56f94637c0000000000000000000000","userId":"U3d3edab4f36c6292e6d8a8131f141b8b"},
     "webhookEventId":"01HMQGW40RZJPJM3RAJP7BHC2T","deliveryContext":{"isRedelivery":false},
     "replyToken":"48ef843bde154d9b91c21320ffd17a0f",
     "message":{"type":"sticker","id":"468789577898262531","quoteToken":"q2","packageId":"446","stickerId":"1988","stickerResourceType":"STATIC"}},
    {"type":"postback","mode":"active","timestamp":1705891471000,
     "source":{"type":"user","userId":"U3d3edab4f36c6292e6d8a8131f141b8b"},
     "webhookEventId":"01HMQGW40RZJPJM3RAJP7BHC2V","deliveryContext":{"isRedelivery":false},
     "replyToken":"58ef","postback":{"data":"a=1"}},
    {"type":"somethingNew","mode":"active","timestamp":1705891472000,
     "source":{"type":"user","userId":"U3d3edab4f36c6292e6d8a8131f141b8b"},
     "webhookEventId":"01HMQGW40RZJPJM3RAJP7BHC2W","deliveryContext":{"isRedelivery":true},
     "whatever":{"x":[1,2]}},
    {"type":"follow","mode":"active","timestamp":1705891473000,
     "source":{"type":"user","userId":"U00000000000000000000000000000009"},
     "webhookEventId":"01HMQGW40RZJPJM3RAJP7BHC2X","deliveryContext":{"isRedelivery":false},
     "replyToken":"68ef"}
  ]
}`

func TestParseWebhookEvents(t *testing.T) {
	const user = "U3d3edab4f36c6292e6d8a8131f141b8b"
	events, err := ParseWebhook(testSecret, webhookRequest(specBody, linefake.Sign(testSecret, []byte(specBody)), true), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 7 {
		t.Fatalf("%d events, want 7", len(events))
	}
	want := []kizuna.WebhookEvent{
		{ID: "01HMQGW40RZJPJM3RAJP7BHC2Q", Type: kizuna.EventFollow, LineUserID: user, At: time.UnixMilli(1705891467176)},
		{ID: "01HMQGW40RZJPJM3RAJP7BHC2R", Type: kizuna.EventUnfollow, LineUserID: user, At: time.UnixMilli(1705891469999), Redelivery: true},
		{ID: "01HMQGW40RZJPJM3RAJP7BHC2S", Type: kizuna.EventMessage, LineUserID: user, At: time.UnixMilli(1705891468000), MessageID: "468789577898262530", MessageType: "text", Text: "Hello"},
		{ID: "01HMQGW40RZJPJM3RAJP7BHC2T", Type: kizuna.EventMessage, LineUserID: user, At: time.UnixMilli(1705891470000), MessageID: "468789577898262531", MessageType: "sticker"},
		{ID: "01HMQGW40RZJPJM3RAJP7BHC2V", Type: "postback", LineUserID: user, At: time.UnixMilli(1705891471000)},
		{ID: "01HMQGW40RZJPJM3RAJP7BHC2W", Type: "somethingNew", LineUserID: user, At: time.UnixMilli(1705891472000), Redelivery: true},
		{ID: "01HMQGW40RZJPJM3RAJP7BHC2X", Type: kizuna.EventFollow, LineUserID: "U00000000000000000000000000000009", At: time.UnixMilli(1705891473000)},
	}
	var raw struct{ Events []json.RawMessage }
	_ = json.Unmarshal([]byte(specBody), &raw)
	for i, w := range want {
		got := events[i]
		if !bytes.Equal(got.Raw, raw.Events[i]) {
			t.Errorf("event %d: Raw = %s", i, got.Raw)
		}
		got.Raw = nil
		if !got.At.Equal(w.At) {
			t.Errorf("event %d: At = %v, want %v", i, got.At, w.At)
		}
		got.At, w.At = time.Time{}, time.Time{}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("event %d:\n got %+v\nwant %+v", i, got, w)
		}
	}
	unblock := strings.Replace(specBody, `"isUnblocked":false`, `"isUnblocked":true`, 1)
	events, err = ParseWebhook(testSecret, webhookRequest(unblock, linefake.Sign(testSecret, []byte(unblock)), true), 0)
	if err != nil || !events[0].Unblocked || events[6].Unblocked {
		t.Errorf("isUnblocked: %v %+v", err, events)
	}
}

func TestParseWebhookRefuses(t *testing.T) {
	good := linefake.Sign(testSecret, []byte(specBody))
	for name, r := range map[string]*http.Request{
		"other secret":      webhookRequest(specBody, linefake.Sign("other", []byte(specBody)), true),
		"no signature":      webhookRequest(specBody, "", false),
		"empty signature":   webhookRequest(specBody, "", true),
		"not base64":        webhookRequest(specBody, "!!!", true),
		"body changed":      webhookRequest(strings.Replace(specBody, "Hello", "Hellp", 1), good, true),
		"re-encoded body":   webhookRequest(compact(t, specBody), good, true),
		"signature of half": webhookRequest(specBody, linefake.Sign(testSecret, []byte(specBody[:100])), true),
	} {
		if _, err := ParseWebhook(testSecret, r, 0); !errors.Is(err, ErrSignature) || kizuna.ErrorCode(err) != kizuna.EUNAUTHORIZED {
			t.Errorf("%s: %v, want ErrSignature", name, err)
		}
	}
	if _, err := ParseWebhook("", webhookRequest(specBody, linefake.Sign("", []byte(specBody)), true), 0); !errors.Is(err, ErrSignature) {
		t.Errorf("an empty channel secret verifies nothing: %v", err)
	}

	n := int64(len(specBody))
	if _, err := ParseWebhook(testSecret, webhookRequest(specBody, good, true), n); err != nil {
		t.Errorf("a body of exactly the limit: %v", err)
	}
	if _, err := ParseWebhook(testSecret, webhookRequest(specBody, good, true), n-1); kizuna.ErrorCode(err) != kizuna.ETOOLARGE {
		t.Errorf("a body over the limit: %v", err)
	}
	big := `{"destination":"U0","events":[],"pad":"` + strings.Repeat("x", DefaultWebhookMaxBytes) + `"}`
	if _, err := ParseWebhook(testSecret, webhookRequest(big, linefake.Sign(testSecret, []byte(big)), true), 0); kizuna.ErrorCode(err) != kizuna.ETOOLARGE {
		t.Errorf("over the default limit: %v", err)
	}

	junk := `{"destination":"U0","events":[{"type":1}]}`
	_, err := ParseWebhook(testSecret, webhookRequest(junk, linefake.Sign(testSecret, []byte(junk)), true), 0)
	if kizuna.ErrorCode(err) != kizuna.EINVALID || strings.Contains(err.Error(), "destination") {
		t.Errorf("signed junk: %v", err)
	}
}

func compact(t *testing.T, s string) string {
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// receiver is a webhook endpoint that parses what it gets.
type receiver struct {
	mu     sync.Mutex
	events [][]kizuna.WebhookEvent
	errs   []error
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ev, err := ParseWebhook(testSecret, r, 0)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if err != nil {
		rc.errs = append(rc.errs, err)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	rc.events = append(rc.events, ev)
}

func (rc *receiver) last() []kizuna.WebhookEvent {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.events[len(rc.events)-1]
}

// TestFakeWebhookSender sends the fake's signed webhooks to a receiver
// that parses them with ParseWebhook.
func TestFakeWebhookSender(t *testing.T) {
	e := newEnv(t, linefake.Config{})
	ctx := context.Background()
	rc := &receiver{}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	if err := e.client.SetWebhookEndpoint(ctx, hook.URL+"/line/webhook/shop"); err != nil {
		t.Fatal(err)
	}

	if status, err := e.fake.Ping(ctx, ""); err != nil || status != 200 || len(rc.last()) != 0 {
		t.Fatalf("ping: %d %v", status, err)
	}
	w, status, err := e.fake.SendEvents(ctx, "",
		e.fake.FollowEvent(uid(1), false), e.fake.TextEvent(uid(1), "こんにちは"), e.fake.FollowEvent(uid(2), true), e.fake.UnfollowEvent(uid(3)))
	if err != nil || status != 200 {
		t.Fatalf("send: %d %v", status, err)
	}
	first := rc.last()
	if len(first) != 4 || first[0].Type != "follow" || first[0].Unblocked || !first[2].Unblocked ||
		first[1].Text != "こんにちは" || first[1].MessageType != "text" || first[1].MessageID == "" ||
		first[3].Type != "unfollow" || first[3].LineUserID != uid(3) || !first[0].At.Equal(e.clock.now().Truncate(time.Millisecond)) {
		t.Fatalf("events: %+v", first)
	}
	for _, ev := range first {
		if len(ev.ID) != 26 || ev.Redelivery {
			t.Errorf("event %+v: want a ULID, not a redelivery", ev)
		}
	}
	if first[0].ID == first[1].ID {
		t.Error("two events share an ID")
	}
	if _, status, err := e.fake.Redeliver(ctx, "", w); err != nil || status != 200 {
		t.Fatalf("redeliver: %d %v", status, err)
	}
	again := rc.last()
	for i := range first {
		if again[i].ID != first[i].ID || !again[i].Redelivery || again[i].Text != first[i].Text {
			t.Errorf("redelivered %d: %+v, first %+v", i, again[i], first[i])
		}
	}

	// The standalone route: POST /fake/events updates the fake's friends too.
	post := func(body string) int {
		res, err := http.Post(e.srv.URL+"/fake/events", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if s := post(`{"type":"follow","userId":"` + uid(5) + `","displayName":"Eri"}`); s != 200 || !e.fake.Following(uid(5)) {
		t.Fatalf("follow: %d", s)
	}
	if name, found, _ := e.client.Profile(ctx, uid(5)); !found || name != "Eri" {
		t.Errorf("profile after follow: %q %v", name, found)
	}
	if s := post(`{"type":"unfollow","userId":"` + uid(5) + `"}`); s != 200 || e.fake.Following(uid(5)) {
		t.Fatalf("unfollow: %d", s)
	}
	if s := post(`{"type":"message","userId":"` + uid(5) + `","text":"hi"}`); s != 200 || rc.last()[0].Text != "hi" {
		t.Fatalf("message: %d", s)
	}
	if s := post(`{"type":"join","userId":"` + uid(5) + `"}`); s != 400 {
		t.Errorf("unknown type: %d", s)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.errs) > 0 {
		t.Errorf("the receiver refused: %v", rc.errs)
	}
	if len(rc.events) != 6 {
		t.Errorf("%d webhooks received, want 6", len(rc.events))
	}
}
