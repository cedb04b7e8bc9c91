package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/internal/linefake"
	"github.com/kizuna-line/kizuna/internal/linetest"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/sqlstore"
	"github.com/kizuna-line/kizuna/web"
)

// Friends of the Chat tests: shop-a's Aiko (following, tagged VIP), Ben
// (blocked) and Dai (following); shop-b's Bea; and someone who wrote to
// shop-a without being a friend.
const (
	chatAiko     = "U00000000000000000000000000000001"
	chatBen      = "U00000000000000000000000000000002"
	chatDai      = "U00000000000000000000000000000004"
	chatBea      = "U0000000000000000000000000000000b"
	chatStranger = "U00000000000000000000000000000009"
)

// chatFixture is a server over shop-a (connected to a fake LINE, with an
// owner and a member) and shop-b (not connected; its own owner), with
// Kizuna's log kept.
type chatFixture struct {
	db                   *sqlstore.DB
	eng                  *engine.Engine
	env                  *linetest.Env
	a, b                 *kizuna.Account
	seminar              *kizuna.Segment
	url, hook            string // the web server; shop-a's webhook URL
	logs                 *lockedBuffer
	newClient            func() *client
	owner, member, other *client
}

// lockedBuffer is a log written by many requests at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func chatSetup(t *testing.T) *chatFixture {
	t.Helper()
	ctx := context.Background()
	f := &chatFixture{db: testdb.Open(t, "sqlite"), logs: &lockedBuffer{}}
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
	_, err = db.ImportFriends(ctx, f.a, strings.NewReader(strings.Join([]string{
		`{"line_user_id": "` + chatAiko + `", "display_name": "Aiko", "added_at": "2026-11-20T10:00:00+09:00", "tags": ["VIP"]}`,
		`{"line_user_id": "` + chatBen + `", "display_name": "Ben", "added_at": "2026-11-21T10:00:00+09:00", "status": "blocked"}`,
		`{"line_user_id": "` + chatDai + `", "display_name": "Dai", "added_at": "2026-11-23T10:00:00+09:00"}`,
	}, "\n")), kizuna.ImportOptions{})
	must(err)
	_, err = db.ImportFriends(ctx, f.b, strings.NewReader(`{"line_user_id": "`+chatBea+`", "display_name": "Bea", "added_at": "2026-11-20T10:00:00+09:00"}`), kizuna.ImportOptions{})
	must(err)
	must(db.CreateTag(ctx, f.a, "Seminar"))
	f.seminar, err = db.CreateSegment(ctx, f.a, "seed", "Seminar attendees", 0, json.RawMessage(`{"groups":[{"conditions":[{"field":"tag","op":"has","value":"Seminar"}]}]}`))
	must(err)
	for _, m := range []struct {
		email string
		a     *kizuna.Account
		role  string
	}{{"owner@example.com", f.a, kizuna.RoleOwner}, {"member@example.com", f.a, kizuna.RoleMember}, {"other@example.com", f.b, kizuna.RoleOwner}} {
		u, err := db.CreateUser(ctx, m.email, "correct horse battery", "en")
		must(err)
		must(db.AddMember(ctx, u, m.a, m.role))
	}
	f.eng = engine.New(db, db, nil)
	t.Cleanup(f.eng.Stop)
	f.env = linetest.Start(t, db, f.eng, f.a)
	f.hook = f.env.Hooks.URL + "/line/webhook/shop-a"
	w := web.New(f.eng, db, slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	w.Line = f.env.Service
	srv := httptest.NewServer(w.Handler())
	t.Cleanup(srv.Close)
	f.url = srv.URL
	f.newClient = func() *client {
		jar, _ := cookiejar.New(nil)
		return &client{t: t, url: srv.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	}
	f.owner = manageSignIn(t, f.newClient(), "owner@example.com")
	f.member = manageSignIn(t, f.newClient(), "member@example.com")
	f.other = manageSignIn(t, f.newClient(), "other@example.com")
	return f
}

// write has the fake LINE send shop-a's webhook a text message from id,
// signed, as LINE would.
func (f *chatFixture) write(t *testing.T, id, text string) {
	t.Helper()
	_, status, err := f.env.Fake.SendEvents(context.Background(), f.hook, f.env.Fake.TextEvent(id, text))
	if err != nil || status != http.StatusOK {
		t.Fatalf("webhook of a message from %s: %d %v", id, status, err)
	}
}

// inLang switches c's language (the header's switch).
func inLang(c *client, lang string) {
	c.t.Helper()
	if code, _ := c.do("POST", "/lang", url.Values{"csrf": {c.csrf("/a/shop-a/segments")}, "lang": {lang}, "back": {"/"}}); code != http.StatusSeeOther {
		c.t.Fatalf("switching to %s: %d", lang, code)
	}
}

// count is a segment's number of friends now, as the editor's preview says.
func (f *chatFixture) count(t *testing.T, c *client, filter string) int64 {
	t.Helper()
	req, _ := http.NewRequest("POST", f.url+"/a/shop-a/preview", strings.NewReader(`{"filter": `+filter+`}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", c.csrf("/a/shop-a/segments"))
	res, err := c.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var p struct{ Count int64 }
	if err := json.NewDecoder(res.Body).Decode(&p); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("preview: %d %v", res.StatusCode, err)
	}
	return p.Count
}

// TestChatConversations: a friend's message sent through the signed
// webhook appears in Chat, the latest conversation first, with names (or
// the LINE user ID of someone who is not a friend), the blocked friend
// marked, and the last message shortened; a conversation shows both
// sides and the friend-tag panel; the friend page and the conversation
// link to each other; the list pages on; another account's conversations
// are not found.
func TestChatConversations(t *testing.T) {
	f := chatSetup(t)
	ctx := context.Background()
	if _, err := f.db.ApplyWebhookEvents(ctx, f.a, []kizuna.WebhookEvent{
		{ID: "ev-ben", Type: kizuna.EventMessage, LineUserID: chatBen, At: time.Now().Add(-time.Hour), MessageID: "1", MessageType: "text", Text: "Where is my order?"},
	}); err != nil {
		t.Fatal(err)
	}
	long := "Hello! " + strings.Repeat("This is a long question about the sale. ", 5)
	f.write(t, chatAiko, long)
	f.write(t, chatStranger, "Who are you?")
	if _, err := f.db.ApplyWebhookEvents(ctx, f.b, []kizuna.WebhookEvent{
		{ID: "ev-bea", Type: kizuna.EventMessage, LineUserID: chatBea, At: time.Now(), MessageID: "2", MessageType: "text", Text: "Bea's secret question"},
	}); err != nil {
		t.Fatal(err)
	}

	body := get(f.member, "/a/shop-a/chat", http.StatusOK)
	list := between(body, `id="conversations"`, "</ul>")
	order := []string{chatStranger, chatAiko, chatBen}
	at := -1
	for _, id := range order {
		i := strings.Index(list, `data-friend="`+id+`"`)
		if i <= at {
			t.Fatalf("conversations not latest first (%v):\n%s", order, list)
		}
		at = i
	}
	if !strings.Contains(between(list, `data-friend="`+chatBen+`"`, "</li>"), "blocked") {
		t.Errorf("Ben's blocked status is not shown:\n%s", list)
	}
	stranger := between(list, `data-friend="`+chatStranger+`"`, "</li>")
	if !strings.Contains(stranger, ">"+chatStranger+"<") || !strings.Contains(stranger, "not a friend") {
		t.Errorf("the stranger is not named by LINE user ID and marked:\n%s", stranger)
	}
	aiko := between(list, `data-friend="`+chatAiko+`"`, "</li>")
	if !strings.Contains(aiko, ">Aiko<") || !strings.Contains(aiko, "Hello! This is a long question") || strings.Contains(aiko, long) || !strings.Contains(aiko, "…") {
		t.Errorf("Aiko's row: the name and the last message shortened:\n%s", aiko)
	}
	if strings.Contains(body, "Bea") {
		t.Errorf("shop-a's Chat shows shop-b's conversation:\n%s", body)
	}

	// The conversation: the message, the tag panel posting "from" Chat,
	// and the way to the friend page and back.
	conv := get(f.member, "/a/shop-a/chat/"+chatAiko, http.StatusOK)
	if !strings.Contains(between(conv, `class="bubble theirs"`, "</li>"), "This is a long question") {
		t.Errorf("the conversation does not show Aiko's message on her side:\n%s", conv)
	}
	panel := between(conv, `id="tags"`, `id="add-tag-button"`)
	if !strings.Contains(panel, ">VIP<") || !strings.Contains(panel, `action="/a/shop-a/friends/`+chatAiko+`/tags"`) || !strings.Contains(panel, `name="from" value="chat"`) {
		t.Errorf("the conversation's tag panel:\n%s", panel)
	}
	if !strings.Contains(conv, `href="/a/shop-a/friends/`+chatAiko+`" id="chat-friend"`) || !strings.Contains(conv, `id="back-to-chat"`) {
		t.Errorf("the conversation does not link to the friend page and Chat:\n%s", conv)
	}
	friend := get(f.member, "/a/shop-a/friends/"+chatAiko, http.StatusOK)
	if !strings.Contains(friend, `href="/a/shop-a/chat/`+chatAiko+`" id="friend-chat"`) {
		t.Errorf("the friend page does not link to the conversation:\n%s", friend)
	}
	if strings.Contains(between(friend, `id="tags"`, `id="add-tag-button"`), `name="from"`) {
		t.Errorf("the friend page's tag panel says it is Chat's")
	}
	// Someone who is not a friend: the messages, no tags, no reply.
	conv = get(f.owner, "/a/shop-a/chat/"+chatStranger, http.StatusOK)
	if !strings.Contains(conv, "Who are you?") || strings.Contains(conv, `id="tags"`) || strings.Contains(conv, `id="reply-form"`) || !strings.Contains(conv, `id="no-reply"`) {
		t.Errorf("a stranger's conversation:\n%s", conv)
	}

	// Another account's conversation is not found, whoever asks.
	get(f.other, "/a/shop-a/chat/"+chatAiko, http.StatusNotFound)
	get(f.other, "/a/shop-a/chat", http.StatusNotFound)
	get(f.owner, "/a/shop-a/chat/"+chatBea, http.StatusNotFound)
	get(f.owner, "/a/shop-b/chat/"+chatBea, http.StatusNotFound)
	get(f.owner, "/a/shop-a/chat/not-an-id", http.StatusNotFound)
	if code, _, _ := submit(f.owner, "/a/shop-a/chat/"+chatBea, withCSRF(f.owner, url.Values{"text": {"hi"}})); code != http.StatusNotFound {
		t.Errorf("a reply to another account's friend: %d, want 404", code)
	}
	if code, _, _ := submit(f.owner, "/a/shop-a/friends/"+chatBea+"/tags", withCSRF(f.owner, url.Values{"add": {"Seminar"}, "from": {"chat"}})); code != http.StatusNotFound {
		t.Errorf("tagging another account's friend from Chat: %d, want 404", code)
	}
	if len(f.env.Fake.Deliveries()) != 0 {
		t.Errorf("LINE was sent something: %+v", f.env.Fake.Deliveries())
	}

	// Paging: 55 more conversations, 50 a page, the latest first.
	var events []kizuna.WebhookEvent
	for i := range 55 {
		events = append(events, kizuna.WebhookEvent{ID: fmt.Sprintf("page-%d", i), Type: kizuna.EventMessage, LineUserID: fmt.Sprintf("U%032x", 1000+i),
			At: time.Now().Add(time.Duration(i+1) * time.Minute), MessageID: fmt.Sprint(100 + i), MessageType: "text", Text: fmt.Sprintf("message %d", i)})
	}
	if _, err := f.db.ApplyWebhookEvents(ctx, f.a, events); err != nil {
		t.Fatal(err)
	}
	first := get(f.owner, "/a/shop-a/chat", http.StatusOK)
	if n := strings.Count(first, "data-friend="); n != 50 || !strings.Contains(first, "message 54") || strings.Contains(first, ">message 4<") {
		t.Fatalf("the first page: %d conversations", n)
	}
	next := between(first, `id="chat-next" href="`, `"`)
	if next == "" {
		t.Fatal("no next page")
	}
	second := get(f.owner, "/a/shop-a/chat"+strings.ReplaceAll(next, "&amp;", "&"), http.StatusOK)
	if n := strings.Count(second, "data-friend="); n != 8 || !strings.Contains(second, "message 4") || !strings.Contains(second, `data-friend="`+chatBen+`"`) || strings.Contains(second, "chat-next") {
		t.Errorf("the second page: %d conversations, want the 5 left and 3 older\n%s", n, second)
	}
}

// TestChatReply: a reply goes to LINE as a push and shows on our side of
// the conversation (Post/Redirect/Get); a blocked friend, an account with
// no channel, LINE's refusal and an empty text are refused at the form,
// in the user's language, keeping what was typed; a form without the
// session's token changes nothing.
func TestChatReply(t *testing.T) {
	f := chatSetup(t)
	f.write(t, chatAiko, "Is the sale still on?")
	code, loc, _ := submit(f.member, "/a/shop-a/chat/"+chatAiko, withCSRF(f.member, url.Values{"text": {"Yes, until Sunday!"}}))
	if code != http.StatusSeeOther || loc != "/a/shop-a/chat/"+chatAiko {
		t.Fatalf("reply: %d %q", code, loc)
	}
	conv := get(f.member, loc, http.StatusOK)
	if !strings.Contains(between(conv, `class="bubble ours"`, "</li>"), "Yes, until Sunday!") || !strings.Contains(between(conv, `class="bubble ours"`, "</li>"), "member@example.com") || !strings.Contains(conv, "Reply sent.") {
		t.Errorf("the reply is not on our side of the conversation:\n%s", conv)
	}
	d := f.env.Fake.Deliveries()
	if len(d) != 1 || d[0].Endpoint != "push" || len(d[0].To) != 1 || d[0].To[0] != chatAiko || !strings.Contains(string(d[0].Messages[0]), "Yes, until Sunday!") {
		t.Fatalf("LINE received %+v, want one push to Aiko", d)
	}
	list := get(f.member, "/a/shop-a/chat", http.StatusOK)
	if !strings.Contains(between(list, `data-friend="`+chatAiko+`"`, "</li>"), "You:") {
		t.Errorf("the list does not show our reply as the last message:\n%s", list)
	}
	if code, _, _ := submit(f.member, "/a/shop-a/chat/"+chatAiko, url.Values{"csrf": {"forged"}, "text": {"again"}}); code != http.StatusForbidden {
		t.Errorf("a reply without the session's token: %d", code)
	}

	// The blocked friend's conversation says why there is no form.
	f.write(t, chatBen, "bye")
	if conv := get(f.owner, "/a/shop-a/chat/"+chatBen, http.StatusOK); !strings.Contains(between(conv, `id="no-reply"`, "</p>"), "has blocked the account") || strings.Contains(conv, `id="reply-form"`) {
		t.Errorf("the blocked friend's conversation offers a reply:\n%s", conv)
	}

	f.env.Fake.InjectFault(linefake.RoutePush, linefake.Fault{Status: http.StatusBadRequest, Body: `{"message":"The request body has 1 error(s)","details":[{"message":"Not allowed","property":"to"}]}`})
	for _, lang := range []string{"ja", "en"} {
		t.Run(lang, func(t *testing.T) {
			o, other := f.newClient(), f.newClient()
			manageSignIn(t, o, "owner@example.com")
			manageSignIn(t, other, "other@example.com")
			inLang(o, lang)
			inLang(other, lang)
			refused := func(what string, c *client, path, text string, status int, en, ja string) {
				t.Helper()
				code, _, body := submit(c, path, withCSRF(c, url.Values{"text": {text}}))
				msg := between(body, `id="reply-error">`, "</p>")
				want := map[string]string{"en": en, "ja": ja}[lang]
				if code != status || !strings.Contains(msg, want) {
					t.Errorf("%s: %d %q, want %d with %q\n%s", what, code, msg, status, want, body)
				}
				if text != "" && !strings.Contains(body, ">"+text+"</textarea>") {
					t.Errorf("%s: the form lost the text", what)
				}
			}
			refused("a blocked friend", o, "/a/shop-a/chat/"+chatBen, "Are you there?", http.StatusConflict,
				"this friend has blocked the account; LINE will not deliver a reply", "この友だちはアカウントをブロックしています。返信は届きません")
			refused("an empty text", o, "/a/shop-a/chat/"+chatAiko, "", http.StatusBadRequest, "Write something to send.", "送信する内容を入力してください。")
			refused("no channel", other, "/a/shop-b/chat/"+chatBea, "Hello Bea", http.StatusConflict,
				"no LINE channel is connected to this account; connect one in Settings", "このアカウントにはLINEチャネルが接続されていません。設定から接続してください")
			if lang == "ja" { // the one fault queued
				refused("LINE's refusal", o, "/a/shop-a/chat/"+chatAiko, "One more thing", http.StatusBadGateway, "", "LINEがメッセージを受け付けませんでした")
			}
		})
	}
	f.env.Fake.InjectFault(linefake.RoutePush, linefake.Fault{Status: http.StatusBadRequest, Body: `{"message":"The request body has 1 error(s)","details":[{"message":"Not allowed","property":"to"}]}`})
	code, _, body := submit(f.owner, "/a/shop-a/chat/"+chatAiko, withCSRF(f.owner, url.Values{"text": {"One more thing"}}))
	if code != http.StatusBadGateway || !strings.Contains(between(body, `id="reply-error">`, "</p>"), "LINE refused the message") {
		t.Errorf("LINE's refusal in English: %d\n%s", code, body)
	}
	if n := len(f.env.Fake.Deliveries()); n != 1 {
		t.Errorf("LINE accepted %d sends, want only the first reply's", n)
	}
	msgs, err := f.db.ChatMessages(context.Background(), f.a, chatAiko, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 {
		t.Errorf("Aiko's conversation holds %d messages, want her question and the one reply: %+v", len(msgs), msgs)
	}
}

// TestChatTagsCountAsTheSame: a tag added in Chat is the friend's tag (the
// friend page shows it) and changes the count of a segment that tests it;
// removing it there changes it back; Chat's panel asks about a tag equal
// to another after normalization, as the friend page does, and stays in
// Chat.
func TestChatTagsCountAsTheSame(t *testing.T) {
	f := chatSetup(t)
	f.write(t, chatAiko, "I'd like to join the seminar")
	filter := string(f.seminar.Filter)
	if n := f.count(t, f.member, filter); n != 0 {
		t.Fatalf("Seminar attendees before: %d", n)
	}
	code, loc, _ := submit(f.member, "/a/shop-a/friends/"+chatAiko+"/tags", withCSRF(f.member, url.Values{"add": {"Seminar"}, "from": {"chat"}}))
	if code != http.StatusSeeOther || loc != "/a/shop-a/chat/"+chatAiko {
		t.Fatalf("adding a tag from Chat: %d %q, want back to the conversation", code, loc)
	}
	conv := get(f.member, loc, http.StatusOK)
	if !strings.Contains(between(conv, `id="tags"`, "</ul>"), ">Seminar<") || !strings.Contains(conv, "Tag “Seminar” added.") {
		t.Errorf("the conversation does not show the tag added:\n%s", conv)
	}
	if n := f.count(t, f.member, filter); n != 1 {
		t.Errorf("Seminar attendees after tagging Aiko in Chat: %d, want 1", n)
	}
	if !strings.Contains(between(get(f.member, "/a/shop-a/friends/"+chatAiko, http.StatusOK), `id="tags"`, "</ul>"), ">Seminar<") {
		t.Errorf("the friend page does not show the tag added in Chat")
	}
	segs := get(f.member, "/a/shop-a/segments", http.StatusOK)
	if !strings.Contains(between(segs, ">Seminar attendees<", "</tr>"), ">1<") {
		t.Errorf("the segment list does not count Aiko:\n%s", between(segs, ">Seminar attendees<", "</tr>"))
	}

	// A name equal to "Seminar" after normalization: asked, in Chat.
	code, _, body := submit(f.member, "/a/shop-a/friends/"+chatDai+"/tags", withCSRF(f.member, url.Values{"add": {"Ｓｅｍｉｎａｒ"}, "from": {"chat"}}))
	sim := between(body, `id="similar-tag"`, "</aside>")
	if code != http.StatusConflict || !strings.Contains(body, `id="chat-name"`) || !strings.Contains(sim, `id="similar-use"`) || strings.Count(sim, `name="from" value="chat"`) != 2 {
		t.Errorf("a tag like another from Chat: %d, want the conversation asking\n%s", code, body)
	}

	// Removing it in Chat.
	code, loc, _ = submit(f.member, "/a/shop-a/friends/"+chatAiko+"/tags", withCSRF(f.member, url.Values{"remove": {"Seminar"}, "from": {"chat"}}))
	if code != http.StatusSeeOther || loc != "/a/shop-a/chat/"+chatAiko {
		t.Fatalf("removing a tag from Chat: %d %q", code, loc)
	}
	if n := f.count(t, f.member, filter); n != 0 {
		t.Errorf("Seminar attendees after untagging Aiko in Chat: %d, want 0", n)
	}
	// A blank tag: refused at the panel, in the conversation.
	code, loc, _ = submit(f.member, "/a/shop-a/friends/"+chatAiko+"/tags", withCSRF(f.member, url.Values{"add": {"   "}, "from": {"chat"}}))
	if code != http.StatusSeeOther || loc != "/a/shop-a/chat/"+chatAiko {
		t.Fatalf("a blank tag from Chat: %d %q", code, loc)
	}
	if conv := get(f.member, loc, http.StatusOK); !strings.Contains(between(conv, `id="add-tag-error">`, "</p>"), "Enter a tag name") {
		t.Errorf("the blank tag's refusal is not at Chat's panel:\n%s", conv)
	}
}

// noSecret fails when s holds the fake channel's secret or token, or the
// wrong token tried.
func noSecret(t *testing.T, what, s string) {
	t.Helper()
	for _, secret := range []string{linetest.ChannelSecret, linetest.AccessToken, chatWrongToken} {
		if strings.Contains(s, secret) {
			t.Errorf("%s holds a secret (%.8s…)", what, secret)
		}
	}
}

const chatWrongToken = "not-the-access-token-0123456789"

// lineDo sends a request and checks that neither its answer's headers nor
// its body hold a secret.
func lineDo(t *testing.T, c *client, method, path string, form url.Values) (int, string, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, c.url+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := c.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	for k, v := range res.Header {
		noSecret(t, method+" "+path+" header "+k, strings.Join(v, " "))
	}
	noSecret(t, method+" "+path, string(b))
	return res.StatusCode, res.Header.Get("Location"), string(b)
}

// TestLineSettings: an owner connects shop-b's channel in Settings: a
// wrong token is LINE's refusal, shown at the form in the user's language,
// with nothing stored; the right ones connect it, and the page shows the
// bot, who connected it and the webhook URL, never the secrets (no
// answer, header or log line holds them). Members see the state but
// cannot connect, sync or disconnect. The follower sync shows its
// figures (a friend new to Kizuna gets an estimated added date, which the
// preview and the friend page say) and LINE's 403 in plain words; its
// progress is JSON for members only.
func TestLineSettings(t *testing.T) {
	f := chatSetup(t)
	ctx := context.Background()
	o := f.other // shop-b's owner

	settings := func(c *client, path string) string {
		t.Helper()
		code, _, body := lineDo(t, c, "GET", path, nil)
		if code != http.StatusOK {
			t.Fatalf("GET %s: %d", path, code)
		}
		return between(body, `id="line-section"`, "</section>")
	}
	section := settings(o, "/a/shop-b/settings")
	for _, want := range []string{`id="channel-secret" name="channel_secret" type="password"`, `id="access-token" name="access_token" type="password"`, `autocomplete="off"`, `value="https://api.line.me"`} {
		if !strings.Contains(section, want) {
			t.Errorf("the connect form lacks %s:\n%s", want, section)
		}
	}
	if strings.Contains(between(section, `id="channel-secret"`, ">"), "value=") || strings.Contains(between(section, `id="access-token"`, ">"), "value=") {
		t.Errorf("a secret field has a value:\n%s", section)
	}
	csrf := o.csrf("/a/shop-b/settings")
	form := func(token string) url.Values {
		return url.Values{"csrf": {csrf}, "channel_secret": {linetest.ChannelSecret}, "access_token": {token}, "api_base": {f.env.URL}}
	}

	// A wrong token: LINE's refusal at the form, in English and Japanese;
	// the API base kept, the secrets not; nothing stored.
	// (Japanese last: the language is saved on the user.)
	for _, lang := range []string{"ja", "en"} {
		want := map[string]string{
			"en": "LINE refused the channel access token: check that it is the channel's long-lived access token",
			"ja": "LINEがチャネルアクセストークンを受け付けませんでした。",
		}[lang]
		c := manageSignIn(t, f.newClient(), "other@example.com")
		inLang(c, lang)
		code, _, body := lineDo(t, c, "POST", "/a/shop-b/settings/line", url.Values{"csrf": {c.csrf("/a/shop-b/settings")}, "channel_secret": {linetest.ChannelSecret}, "access_token": {chatWrongToken}, "api_base": {f.env.URL}})
		if msg := html.UnescapeString(between(body, `id="line-error">`, "</p>")); code != http.StatusBadRequest || !strings.Contains(msg, want) {
			t.Errorf("%s: a wrong token: %d %q, want 400 with %q", lang, code, msg, want)
		}
		if !strings.Contains(between(body, `id="api-base"`, ">"), `value="`+f.env.URL+`"`) {
			t.Errorf("%s: the refused form lost its API base", lang)
		}
	}
	if _, err := f.db.LineChannel(ctx, f.b); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
		t.Fatalf("after a wrong token, shop-b's channel: %v, want none", err)
	}
	// An API base that is no URL, and one where nothing answers.
	code, _, body := lineDo(t, o, "POST", "/a/shop-b/settings/line", url.Values{"csrf": {csrf}, "channel_secret": {"s"}, "access_token": {"t"}, "api_base": {"ftp://example.com"}})
	if code != http.StatusBadRequest || !strings.Contains(between(body, `id="line-error">`, "</p>"), "http") {
		t.Errorf("an ftp API base: %d %s", code, between(body, `id="line-error">`, "</p>"))
	}

	// A member (not an owner) of shop-b: sees the state, cannot act.
	u, err := f.db.CreateUser(ctx, "bmember2@example.com", "correct horse battery", "en")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.db.AddMember(ctx, u, f.b, kizuna.RoleMember); err != nil {
		t.Fatal(err)
	}
	m := manageSignIn(t, f.newClient(), "bmember2@example.com")
	if s := settings(m, "/a/shop-b/settings"); !strings.Contains(s, `id="line-owners"`) || strings.Contains(s, `id="line-connect"`) {
		t.Errorf("a member's LINE section:\n%s", s)
	}
	mcsrf := m.csrf("/a/shop-b/settings")
	if code, _, _ := lineDo(t, m, "POST", "/a/shop-b/settings/line", url.Values{"csrf": {mcsrf}, "channel_secret": {linetest.ChannelSecret}, "access_token": {linetest.AccessToken}, "api_base": {f.env.URL}}); code != http.StatusForbidden {
		t.Errorf("a member connecting: %d, want 403", code)
	}
	if _, err := f.db.LineChannel(ctx, f.b); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
		t.Fatalf("a member connected shop-b's channel: %v", err)
	}

	// The right secrets.
	code, loc, _ := lineDo(t, o, "POST", "/a/shop-b/settings/line", form(linetest.AccessToken))
	if code != http.StatusSeeOther || loc != "/a/shop-b/settings#line-section" {
		t.Fatalf("connect: %d %q", code, loc)
	}
	section = settings(o, "/a/shop-b/settings")
	for _, want := range []string{"Kizuna Fake", "other@example.com", f.env.Hooks.URL + "/line/webhook/shop-b", `id="line-disconnect"`, `id="line-sync-start"`} {
		if !strings.Contains(section, want) {
			t.Errorf("the connected channel's section lacks %q:\n%s", want, section)
		}
	}
	if strings.Contains(section, `type="password"`) {
		t.Errorf("the connected section still asks for secrets")
	}
	if s := settings(m, "/a/shop-b/settings"); !strings.Contains(s, "Kizuna Fake") || strings.Contains(s, `id="line-disconnect"`) || strings.Contains(s, `id="line-sync-start"`) {
		t.Errorf("a member's view of the connected channel:\n%s", s)
	}
	for _, path := range []string{"/a/shop-b/settings/line/sync", "/a/shop-b/settings/line/disconnect"} {
		if code, _, _ := lineDo(t, m, "POST", path, url.Values{"csrf": {mcsrf}}); code != http.StatusForbidden {
			t.Errorf("a member's POST %s: %d, want 403", path, code)
		}
	}

	// The follower sync: Bea and a follower new to Kizuna.
	const cho = "U0000000000000000000000000000000c"
	f.env.Fake.AddFriend(chatBea, "Bea")
	f.env.Fake.AddFriend(cho, "Cho")
	if code, loc, _ := lineDo(t, o, "POST", "/a/shop-b/settings/line/sync", url.Values{"csrf": {csrf}}); code != http.StatusSeeOther || loc != "/a/shop-b/settings#line-section" {
		t.Fatalf("sync: %d %q", code, loc)
	}
	done := waitSync(t, m, "/a/shop-b/settings/line/sync")
	if done["status"] != "done" || done["seen"] != "2" || done["added"] != "1" || done["blocked"] != "0" || done["pages"] != "1" {
		t.Errorf("the sync's progress: %v", done)
	}
	section = settings(o, "/a/shop-b/settings")
	if !strings.Contains(section, ">Done<") || !strings.Contains(between(section, `data-field="added">`, "<"), "1") {
		t.Errorf("the finished sync's section:\n%s", section)
	}
	// Cho's added date is estimated: the friend page and the preview say so.
	if page := get(o, "/a/shop-b/friends/"+cho, http.StatusOK); !strings.Contains(page, `id="added-estimated"`) || !strings.Contains(between(page, `id="added-estimated"`, "</span>"), "(estimated)") {
		t.Errorf("the friend page does not mark Cho's estimated date")
	}
	if page := get(o, "/a/shop-b/friends/"+chatBea, http.StatusOK); strings.Contains(page, `id="added-estimated"`) {
		t.Errorf("Bea's known added date is marked estimated")
	}
	for lang, want := range map[string]string{"en": "1 of these friends has an estimated friend-added date (known only from a follower sync).", "ja": "このうち1人は、友だち追加日が推定です"} {
		est := previewEstimated(t, o, f.url, "/a/shop-b/preview", `{"groups":[{"conditions":[{"field":"line.days_since_added","op":"gte","value":0}]}]}`, lang)
		if !strings.Contains(est, want) {
			t.Errorf("%s: the preview's estimated note %q, want %q", lang, est, want)
		}
	}
	if est := previewEstimated(t, o, f.url, "/a/shop-b/preview", `{"groups":[{"conditions":[{"field":"shopify.linked","op":"is","value":false}]}]}`, "en"); est != "" {
		t.Errorf("a preview that does not test the added date has a note: %q", est)
	}

	// LINE's 403: said in plain words, nothing else changed.
	f.env.Fake.SetFollowersForbidden(true)
	if code, _, _ := lineDo(t, o, "POST", "/a/shop-b/settings/line/sync", url.Values{"csrf": {csrf}}); code != http.StatusSeeOther {
		t.Fatalf("second sync: %d", code)
	}
	failed := waitSync(t, o, "/a/shop-b/settings/line/sync")
	if failed["status"] != "failed" || !strings.Contains(failed["problem"], "only to verified and premium accounts") {
		t.Errorf("the forbidden sync: %v", failed)
	}
	ja := manageSignIn(t, f.newClient(), "other@example.com")
	inLang(ja, "ja")
	if s := settings(ja, "/a/shop-b/settings"); !strings.Contains(s, "認証済アカウントとプレミアムアカウントにのみ提供") || !strings.Contains(s, "失敗") {
		t.Errorf("the forbidden sync in Japanese:\n%s", s)
	}
	inLang(ja, "en")
	if fr, err := f.db.FindFriend(ctx, f.b, chatBea); err != nil || fr.Status != kizuna.StatusFollowing {
		t.Errorf("after the forbidden sync, Bea: %+v %v, want following", fr, err)
	}

	// The progress is for the account's members only.
	if code, _, _ := lineDo(t, f.owner, "GET", "/a/shop-b/settings/line/sync", nil); code != http.StatusNotFound {
		t.Errorf("another account's member reads the sync: %d, want 404", code)
	}
	if code, _, _ := lineDo(t, f.newClient(), "GET", "/a/shop-b/settings/line/sync", nil); code != http.StatusSeeOther {
		t.Errorf("signed out, the sync's progress: %d, want a redirect to sign in", code)
	}

	// Disconnect: the form comes back; the channel is gone.
	if code, _, _ := lineDo(t, o, "POST", "/a/shop-b/settings/line/disconnect", url.Values{"csrf": {csrf}}); code != http.StatusSeeOther {
		t.Fatalf("disconnect: %d", code)
	}
	if _, err := f.db.LineChannel(ctx, f.b); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
		t.Errorf("after disconnecting, shop-b's channel: %v", err)
	}
	if s := settings(o, "/a/shop-b/settings"); !strings.Contains(s, `id="line-connect"`) {
		t.Errorf("after disconnecting, no connect form:\n%s", s)
	}
	noSecret(t, "the log", f.logs.String())
}

// waitSync polls the sync's progress until it is no longer running.
func waitSync(t *testing.T, c *client, path string) map[string]string {
	t.Helper()
	for range 500 {
		code, _, body := lineDo(t, c, "GET", path, nil)
		var v map[string]any
		if code != http.StatusOK || json.Unmarshal([]byte(body), &v) != nil {
			t.Fatalf("GET %s: %d %s", path, code, body)
		}
		if v["running"] != true && v["status"] != "" {
			out := map[string]string{}
			for k, x := range v {
				out[k] = fmt.Sprint(x)
			}
			return out
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the sync is still running")
	return nil
}

// previewEstimated is the editor preview's note on estimated added dates.
func previewEstimated(t *testing.T, c *client, base, path, filter, lang string) string {
	t.Helper()
	req, _ := http.NewRequest("POST", base+path, strings.NewReader(`{"filter": `+filter+`, "lang": "`+lang+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", c.csrf("/a/shop-b/settings"))
	res, err := c.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var p struct{ Estimated string }
	if err := json.Unmarshal(b, &p); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("preview: %d %v %s", res.StatusCode, err, b)
	}
	return p.Estimated
}
