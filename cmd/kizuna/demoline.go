package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/linefake"
	"github.com/kizuna-line/kizuna/sqlstore"
)

// demoFakePath is where the demo mounts its in-process fake LINE.
const demoFakePath = "/fake-line"

// demoLine starts the demo's fake LINE Messaging API (served under
// demoFakePath on the demo's own address), gives it the demo account's
// following friends, and connects the account to it. The fake lives in
// memory: each start has a new channel secret and token, and the account
// is connected again.
func demoLine(ctx context.Context, store *sqlstore.DB, a *kizuna.Account, addr string) (*linefake.Fake, error) {
	secret, token := randomHex(16), randomHex(32)
	fake := linefake.New(linefake.Config{ChannelSecret: secret, AccessToken: token, DisplayName: "Kizuna Demo Cosmetics"})
	ids, err := store.LineUserIDs(ctx, a, 10_000_000)
	if err != nil {
		return nil, err
	}
	for len(ids) > 0 {
		n := min(len(ids), 1000)
		facts, err := store.FriendsFacts(ctx, a, ids[:n])
		if err != nil {
			return nil, err
		}
		for _, f := range facts {
			if f.Following {
				fake.AddFriend(f.LineUserID, f.DisplayName)
			}
		}
		ids = ids[n:]
	}
	ch := kizuna.LineChannel{APIBase: "http://" + addr + demoFakePath, BotUserID: "U" + randomHex(16), BotName: "Kizuna Demo Cosmetics (fake LINE)", ConnectedAt: time.Now().UTC(), ConnectedBy: "kizuna demo"}
	if err := store.ConnectLine(ctx, a, "kizuna demo", ch, kizuna.LineCredentials{ChannelSecret: secret, AccessToken: token}); err != nil {
		return nil, err
	}
	fake.SetWebhookURL("http://" + addr + "/line/webhook/" + a.Name)
	return fake, nil
}

// demoChat has a few friends write to the account through the fake LINE's
// signed webhooks, once the server answers, so that Chat has
// conversations.
func demoChat(ctx context.Context, store *sqlstore.DB, a *kizuna.Account, fake *linefake.Fake, addr string) error {
	for i := 0; ; i++ {
		res, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			res.Body.Close()
			break
		}
		if i == 100 {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	page, err := store.ListFriends(ctx, a, kizuna.FriendQuery{Limit: 20})
	if err != nil {
		return err
	}
	texts := []string{
		"こんにちは！先日買ったクレンジング、とても良かったです。次のセールはいつですか？",
		"Do you ship to Osaka by this weekend?",
		"敏感肌でも使える美容液はありますか？",
		"クーポンの使い方を教えてください🙏",
	}
	var events []linefake.Event
	for _, f := range page.Friends {
		if f.Status != kizuna.StatusFollowing || len(events) == len(texts) {
			continue
		}
		events = append(events, fake.TextEvent(f.LineUserID, texts[len(events)]))
	}
	_, status, err := fake.SendEvents(ctx, fake.WebhookURL(), events...)
	if err == nil && status != http.StatusOK {
		err = fmt.Errorf("the webhook answered %d", status)
	}
	return err
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
