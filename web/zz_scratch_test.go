package web_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/jobs"
	"github.com/kizuna-line/kizuna/lineops"
	"github.com/kizuna-line/kizuna/web"
)

type scratchStore struct {
	kizuna.Store
	ch   *kizuna.LineChannel
	msgs []kizuna.ChatMessage
	sync *kizuna.LineSync
}

func (s *scratchStore) LineChannel(context.Context, *kizuna.Account) (*kizuna.LineChannel, error) {
	if s.ch == nil {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "not found")
	}
	return s.ch, nil
}
func (s *scratchStore) LineCredentials(context.Context, *kizuna.Account) (*kizuna.LineCredentials, error) {
	return &kizuna.LineCredentials{ChannelSecret: "s", AccessToken: "t"}, nil
}
func (s *scratchStore) LatestLineSync(context.Context, *kizuna.Account) (*kizuna.LineSync, error) {
	if s.sync == nil {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "not found")
	}
	return s.sync, nil
}
func (s *scratchStore) Conversations(ctx context.Context, a *kizuna.Account, limit int, before time.Time) ([]kizuna.Conversation, error) {
	latest := map[string]kizuna.ChatMessage{}
	var order []string
	for i := len(s.msgs) - 1; i >= 0; i-- {
		m := s.msgs[i]
		if _, ok := latest[m.LineUserID]; !ok {
			latest[m.LineUserID] = m
			order = append(order, m.LineUserID)
		}
	}
	var out []kizuna.Conversation
	for _, id := range order {
		c := kizuna.Conversation{LineUserID: id, Last: latest[id]}
		if f, err := s.Store.FindFriend(ctx, a, id); err == nil {
			c.DisplayName, c.Status = f.DisplayName, f.Status
		}
		out = append(out, c)
	}
	return out, nil
}
func (s *scratchStore) ChatMessages(ctx context.Context, a *kizuna.Account, id string, limit int) ([]kizuna.ChatMessage, error) {
	var out []kizuna.ChatMessage
	for _, m := range s.msgs {
		if m.LineUserID == id {
			out = append(out, m)
		}
	}
	return out, nil
}
func (s *scratchStore) AddChatMessage(ctx context.Context, a *kizuna.Account, m kizuna.ChatMessage) (*kizuna.ChatMessage, error) {
	s.msgs = append(s.msgs, m)
	return &m, nil
}

type scratchAPI struct{ lineops.API }

func (scratchAPI) Push(context.Context, string, []kizuna.Message, string) jobs.Sent {
	return jobs.Sent{Kind: jobs.Accepted, RequestID: "r1"}
}

func TestZZScratch(t *testing.T) {
	ctx := browser(t)
	bg := context.Background()
	db := testdb.Open(t, "sqlite")
	a, _ := db.CreateAccount(bg, "shop-a", "Asia/Tokyo")
	lines := []string{
		`{"line_user_id": "U00000000000000000000000000000001", "display_name": "あいこ", "added_at": "2026-11-20T10:00:00+09:00", "tags": ["VIP"]}`,
		`{"line_user_id": "U00000000000000000000000000000002", "display_name": "Ben Longname-With-A-Very-Long-Family-Name", "added_at": "2026-11-21T10:00:00+09:00", "status": "blocked"}`,
	}
	db.ImportFriends(bg, a, strings.NewReader(strings.Join(lines, "\n")), kizuna.ImportOptions{})
	u, _ := db.CreateUser(bg, "owner@example.com", "correct horse battery", "en")
	db.AddMember(bg, u, a, kizuna.RoleOwner)
	eng := engine.New(db, db, nil)
	defer eng.Stop()
	now := time.Now()
	st := &scratchStore{Store: eng}
	st.msgs = []kizuna.ChatMessage{
		{LineUserID: "U00000000000000000000000000000002", Direction: "in", Type: "text", Text: "Hello? Is anyone there? I ordered last week and nothing came yet.", At: now.Add(-3 * time.Hour)},
		{LineUserID: "U00000000000000000000000000000001", Direction: "in", Type: "text", Text: "こんにちは！セールはいつまでですか？", At: now.Add(-2 * time.Hour)},
		{LineUserID: "U00000000000000000000000000000001", Direction: "out", Type: "text", Text: "Thank you for your message!\nThe sale runs until Sunday.", At: now.Add(-time.Hour), SentBy: "owner@example.com"},
		{LineUserID: "U00000000000000000000000000000001", Direction: "in", Type: "sticker", At: now.Add(-30 * time.Minute)},
		{LineUserID: "U00000000000000000000000000000009", Direction: "in", Type: "text", Text: "hi", At: now.Add(-10 * time.Minute)},
	}
	fin := now.Add(-time.Minute)
	st.sync = &kizuna.LineSync{ID: 1, Status: "failed", StartedAt: now.Add(-2 * time.Minute), FinishedAt: &fin, ErrorCode: "forbidden", Error: "x"}
	st.ch = &kizuna.LineChannel{APIBase: "http://127.0.0.1:9999", BotUserID: "U0123456789abcdef0123456789abcdef", BotName: "Kizuna Fake", ConnectedAt: now, ConnectedBy: "owner@example.com"}
	w := web.New(st, db, nil)
	w.Line = &lineops.Service{Store: st, NewAPI: func(string, string) (lineops.API, error) { return scratchAPI{}, nil }}
	srv := httptest.NewServer(w.Handler())
	defer srv.Close()
	run(t, ctx,
		chromedp.Navigate(srv.URL+"/a/shop-a/chat"),
		chromedp.WaitVisible(`#email`),
		chromedp.SendKeys(`#email`, "owner@example.com"),
		chromedp.SendKeys(`#password`, "correct horse battery"),
		chromedp.Click(`#signin`),
		chromedp.WaitVisible(`#conversations`),
	)
	screenshot(t, ctx, "zz-chat-list")
	run(t, ctx, chromedp.Navigate(srv.URL+"/a/shop-a/chat/U00000000000000000000000000000001"), chromedp.WaitVisible(`#messages`))
	screenshot(t, ctx, "zz-conversation")
	run(t, ctx, chromedp.Navigate(srv.URL+"/a/shop-a/chat/U00000000000000000000000000000002"), chromedp.WaitVisible(`#messages`))
	screenshot(t, ctx, "zz-conversation-blocked")
	run(t, ctx, chromedp.Navigate(srv.URL+"/a/shop-a/settings"), chromedp.WaitVisible(`#line-section`))
	screenshot(t, ctx, "zz-settings")
	st.ch = nil
	run(t, ctx, chromedp.Navigate(srv.URL+"/a/shop-a/settings"), chromedp.WaitVisible(`#line-section`))
	screenshot(t, ctx, "zz-settings-none")
	run(t, ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(srv.URL+"/a/shop-a/chat/U00000000000000000000000000000001"), chromedp.WaitVisible(`#messages`))
	screenshot(t, ctx, "zz-conversation-390")
	run(t, ctx, chromedp.Navigate(srv.URL+"/a/shop-a/chat"), chromedp.WaitVisible(`#conversations`))
	screenshot(t, ctx, "zz-chat-390")
}
