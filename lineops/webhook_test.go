package lineops_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/internal/linefake"
	"github.com/kizuna-line/kizuna/internal/linetest"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

// TestWebhook receives LINE's webhooks through the real HTTP route with
// real signatures: a bad or missing signature, or an unknown account, is
// 401 and stores nothing; the connection check (no events) is 200; a
// follow adds a friend the next preview counts, a redelivery changes
// nothing, an unfollow blocks, a message is in Chat.
func TestWebhook(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := testdb.Open(t, backend)
			eng := engine.New(db, db, nil)
			defer eng.Stop()
			a, _ := db.CreateAccount(ctx, "shop", "")
			other, _ := db.CreateAccount(ctx, "other", "")
			env := linetest.StartWith(t, db, eng, linetest.Options{NoJobs: true}, a)
			fake := env.Fake
			url := env.Hooks.URL + "/line/webhook/shop"
			if got := fake.WebhookURL(); got != url {
				t.Fatalf("the webhook URL registered with LINE is %q, want %q", got, url)
			}
			count := func() int64 {
				p, err := eng.Preview(ctx, a, kizuna.PreviewRequest{Filter: []byte(`{"groups":[{"conditions":[{"field":"line.days_since_added","op":"gte","value":0}]}]}`), CountOnly: true})
				if err != nil {
					t.Fatal(err)
				}
				return p.Count
			}
			if status, err := fake.Ping(ctx, url); err != nil || status != 200 {
				t.Fatalf("ping: %d %v", status, err)
			}
			u := "U0123456789abcdef0123456789abcdef"
			w, err := fake.BuildWebhook(fake.FollowEvent(u, false), fake.TextEvent(u, "こんにちは"))
			if err != nil {
				t.Fatal(err)
			}
			post := func(target, sig string, body []byte) int {
				req, _ := http.NewRequest("POST", target, bytes.NewReader(body))
				if sig != "" {
					req.Header.Set("X-Line-Signature", sig)
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				return res.StatusCode
			}
			v0, _ := db.FriendsVersion(ctx, a)
			for _, c := range []struct {
				target, sig string
			}{
				{url, ""},
				{url, linefake.Sign("another secret", w.Body)},
				{url, "not base64!"},
				{env.Hooks.URL + "/line/webhook/nobody", w.Signature},
				{env.Hooks.URL + "/line/webhook/other", w.Signature}, // no channel
			} {
				if got := post(c.target, c.sig, w.Body); got != http.StatusUnauthorized {
					t.Errorf("%s with signature %q: %d, want 401", c.target, c.sig, got)
				}
			}
			if v, _ := db.FriendsVersion(ctx, a); v != v0 || count() != 0 {
				t.Fatalf("a refused webhook changed something: version %d → %d, %d friends", v0, v, count())
			}
			if convs, _ := db.Conversations(ctx, other, 10, time.Time{}); len(convs) != 0 {
				t.Fatal("the other account got a conversation")
			}
			if got := post(url, w.Signature, w.Body); got != 200 {
				t.Fatalf("signed delivery: %d", got)
			}
			if count() != 1 {
				t.Fatalf("the follow is not in the next preview: %d", count())
			}
			v1, _ := db.FriendsVersion(ctx, a)
			if _, status, err := fake.Redeliver(ctx, url, w); err != nil || status != 200 {
				t.Fatalf("redelivery: %d %v", status, err)
			}
			if v, _ := db.FriendsVersion(ctx, a); v != v1 {
				t.Fatal("a redelivery changed the friends")
			}
			msgs, err := db.ChatMessages(ctx, a, u, 10)
			if err != nil || len(msgs) != 1 || msgs[0].Text != "こんにちは" || msgs[0].Direction != kizuna.ChatIn {
				t.Fatalf("Chat after a redelivery: %+v %v", msgs, err)
			}
			if _, status, err := fake.SendEvents(ctx, url, fake.UnfollowEvent(u)); err != nil || status != 200 {
				t.Fatalf("unfollow: %d %v", status, err)
			}
			f, err := db.FindFriend(ctx, a, u)
			if err != nil || f.Status != kizuna.StatusBlocked || count() != 0 {
				t.Fatalf("after unfollow: %+v %v, count %d", f, err, count())
			}
			// A body over the limit is refused before anything is read into
			// the store.
			big := bytes.Repeat([]byte(" "), 2<<20)
			if got := post(url, linefake.Sign(linetest.ChannelSecret, big), big); got != http.StatusRequestEntityTooLarge {
				t.Fatalf("a 2 MiB body: %d", got)
			}
		})
	}
}
