package sqlstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/secretbox"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/sqlstore"
)

// lineClock is a settable clock for DB.Now.
type lineClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *lineClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *lineClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// lineDB opens a database of the backend on a clock at 2026-12-01 10:00 JST
// with an account in Tokyo.
func lineDB(t *testing.T, backend, account string) (*sqlstore.DB, *kizuna.Account, *lineClock) {
	t.Helper()
	db := testdb.Open(t, backend)
	c := &lineClock{t: time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)}
	db.Now = c.Now
	a, err := db.CreateAccount(context.Background(), account, "Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	return db, a, c
}

func evFollow(id string, n int, at time.Time) kizuna.WebhookEvent {
	return kizuna.WebhookEvent{ID: id, Type: kizuna.EventFollow, LineUserID: uid(n), At: at,
		Raw: json.RawMessage(fmt.Sprintf(`{"type":"follow","webhookEventId":%q}`, id))}
}

func evUnfollow(id string, n int, at time.Time) kizuna.WebhookEvent {
	return kizuna.WebhookEvent{ID: id, Type: kizuna.EventUnfollow, LineUserID: uid(n), At: at,
		Raw: json.RawMessage(fmt.Sprintf(`{"type":"unfollow","webhookEventId":%q}`, id))}
}

func evMessage(id string, n int, at time.Time, text string) kizuna.WebhookEvent {
	return kizuna.WebhookEvent{ID: id, Type: kizuna.EventMessage, LineUserID: uid(n), At: at, MessageID: "m" + id, MessageType: "text", Text: text,
		Raw: json.RawMessage(fmt.Sprintf(`{"type":"message","webhookEventId":%q}`, id))}
}

func mustLineFriend(t *testing.T, db *sqlstore.DB, a *kizuna.Account, n int) *kizuna.Friend {
	t.Helper()
	f, err := db.FindFriend(context.Background(), a, uid(n))
	if err != nil {
		t.Fatalf("friend %d: %v", n, err)
	}
	return f
}

func friendsVersion(t *testing.T, db *sqlstore.DB, a *kizuna.Account) int64 {
	t.Helper()
	v, err := db.FriendsVersion(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func applyEvents(t *testing.T, db *sqlstore.DB, a *kizuna.Account, evs ...kizuna.WebhookEvent) *kizuna.WebhookResult {
	t.Helper()
	res, err := db.ApplyWebhookEvents(context.Background(), a, evs)
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	return res
}

func TestLineChannelSecrets(t *testing.T) {
	ctx := context.Background()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			db, a, _ := lineDB(t, backend, "shop")
			b, _ := db.CreateAccount(ctx, "other", "")
			const secret, token = "s3cr3t-channel-secret-0123456789", "T0KEN-access-token-abcdefghijklmnop"
			cred := kizuna.LineCredentials{ChannelSecret: secret, AccessToken: token}
			ch := kizuna.LineChannel{APIBase: "http://127.0.0.1:9999/", BotUserID: "Ubot", BotName: "Shop bot"}
			noSecret := func(what string, err error) {
				t.Helper()
				if err != nil && (strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), token)) {
					t.Fatalf("%s: the error shows a credential: %v", what, err)
				}
			}

			if _, err := db.LineChannel(ctx, a); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
				t.Fatalf("before connecting: %v", err)
			}
			if _, err := db.LineCredentials(ctx, a); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
				t.Fatalf("credentials before connecting: %v", err)
			}
			// Without a key, nothing is stored.
			box := db.Secrets
			db.Secrets = nil
			err := db.ConnectLine(ctx, a, "owner@example.com", ch, cred)
			if kizuna.ErrorCode(err) != kizuna.EINVALID || !strings.Contains(err.Error(), "no secret key is configured") {
				t.Fatalf("no key: %v", err)
			}
			db.Secrets = box
			if _, err := db.LineChannel(ctx, a); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
				t.Fatalf("after the refused connect: %v", err)
			}
			for _, bad := range []kizuna.LineCredentials{{AccessToken: token}, {ChannelSecret: secret, AccessToken: " "}} {
				err := db.ConnectLine(ctx, a, "o", ch, bad)
				if kizuna.ErrorCode(err) != kizuna.EINVALID {
					t.Fatalf("empty credential: %v", err)
				}
				noSecret("empty credential", err)
			}
			if err := db.ConnectLine(ctx, a, "o", kizuna.LineChannel{APIBase: "ftp://x"}, cred); kizuna.ErrorCode(err) != kizuna.EINVALID {
				t.Fatalf("bad API base: %v", err)
			}

			if err := db.ConnectLine(ctx, a, "owner@example.com", ch, cred); err != nil {
				t.Fatal(err)
			}
			got, err := db.LineChannel(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			if got.APIBase != "http://127.0.0.1:9999" || got.BotUserID != "Ubot" || got.BotName != "Shop bot" || got.ConnectedBy != "owner@example.com" ||
				!got.ConnectedAt.Equal(db.Now()) {
				t.Fatalf("channel %+v", got)
			}
			if j, _ := json.Marshal(got); bytes.Contains(j, []byte(secret)) || bytes.Contains(j, []byte(token)) {
				t.Fatalf("the channel's JSON carries a credential: %s", j)
			}
			c, err := db.LineCredentials(ctx, a)
			if err != nil || c.ChannelSecret != secret || c.AccessToken != token {
				t.Fatalf("credentials: %v", err)
			}
			if s := fmt.Sprintf("%v %+v %#v %s", c, c, c, c); strings.Contains(s, secret) || strings.Contains(s, token) {
				t.Fatalf("credentials print: %s", s)
			}

			// The table holds no credential in the clear.
			raw, err := sqlstore.RawLineChannel(ctx, db, a)
			if err != nil {
				t.Fatal(err)
			}
			for _, col := range raw {
				if bytes.Contains(col, []byte(secret)) || bytes.Contains(col, []byte(token)) {
					t.Fatalf("a credential is readable in line_channels: %q", col)
				}
			}
			sealedSecret, sealedToken := raw[3], raw[4]

			// Sealed values moved elsewhere do not open: to another account,
			// or from one column to the other.
			if err := db.ConnectLine(ctx, b, "o", kizuna.LineChannel{}, kizuna.LineCredentials{ChannelSecret: "b-secret", AccessToken: "b-token"}); err != nil {
				t.Fatal(err)
			}
			if err := sqlstore.SetSealedLineCredentials(ctx, db, b, sealedSecret, sealedToken); err != nil {
				t.Fatal(err)
			}
			_, err = db.LineCredentials(ctx, b)
			if kizuna.ErrorCode(err) != kizuna.EINVALID {
				t.Fatalf("A's sealed credentials in B's row: %v", err)
			}
			noSecret("moved to B", err)
			if err := sqlstore.SetSealedLineCredentials(ctx, db, a, sealedToken, sealedSecret); err != nil {
				t.Fatal(err)
			}
			_, err = db.LineCredentials(ctx, a)
			noSecret("columns swapped", err)
			if kizuna.ErrorCode(err) != kizuna.EINVALID {
				t.Fatalf("columns swapped: %v", err)
			}
			if err := sqlstore.SetSealedLineCredentials(ctx, db, a, sealedSecret, sealedToken); err != nil {
				t.Fatal(err)
			}
			// Another server key opens nothing.
			db.Secrets = secretbox.NewRandom()
			_, err = db.LineCredentials(ctx, a)
			noSecret("another key", err)
			if kizuna.ErrorCode(err) != kizuna.EINVALID || !strings.Contains(err.Error(), "connect the channel again") {
				t.Fatalf("another key: %v", err)
			}
			db.Secrets = box
			if c, err := db.LineCredentials(ctx, a); err != nil || c.AccessToken != token {
				t.Fatalf("restored: %v", err)
			}

			// Connecting again replaces the channel; the API base defaults to LINE's.
			if err := db.ConnectLine(ctx, a, "second@example.com", kizuna.LineChannel{BotName: "Renamed"}, kizuna.LineCredentials{ChannelSecret: "new-secret", AccessToken: "new-token"}); err != nil {
				t.Fatal(err)
			}
			if got, _ := db.LineChannel(ctx, a); got.APIBase != kizuna.DefaultLineAPIBase || got.BotName != "Renamed" || got.ConnectedBy != "second@example.com" {
				t.Fatalf("reconnected: %+v", got)
			}
			if c, _ := db.LineCredentials(ctx, a); c.ChannelSecret != "new-secret" || c.AccessToken != "new-token" {
				t.Fatal("reconnecting kept the old credentials")
			}
			if err := db.DisconnectLine(ctx, a); err != nil {
				t.Fatal(err)
			}
			if _, err := db.LineCredentials(ctx, a); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
				t.Fatalf("after disconnecting: %v", err)
			}
			if err := db.DisconnectLine(ctx, a); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
				t.Fatalf("disconnecting twice: %v", err)
			}
		})
	}
}

func TestWebhookFollowUnfollow(t *testing.T) {
	ctx := context.Background()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			db, a, _ := lineDB(t, backend, "shop")
			// 00:30 in Tokyo on December 1st, still November 30th in UTC.
			t0 := time.Date(2026, 11, 30, 15, 30, 0, 0, time.UTC)
			v0 := friendsVersion(t, db, a)
			res := applyEvents(t, db, a, evFollow("e1", 1, t0))
			if res.Stored != 1 || res.Duplicates != 0 {
				t.Fatalf("first delivery: %+v", res)
			}
			f := mustLineFriend(t, db, a, 1)
			if f.Status != kizuna.StatusFollowing || !f.AddedAt.Equal(t0) || f.AddedEstimated || f.DisplayName != "" || len(f.Tags) != 0 {
				t.Fatalf("new friend %+v", f)
			}
			if friendsVersion(t, db, a) != v0+1 {
				t.Fatal("a new friend did not go through the change log")
			}
			// The added day is the account's: December 1st in Tokyo.
			on := func(day string) int64 {
				t.Helper()
				p, err := db.Preview(ctx, a, kizuna.PreviewRequest{Filter: json.RawMessage(`{"groups":[{"conditions":[{"field":"line.added_date","op":"on","value":"` + day + `"}]}]}`), CountOnly: true})
				if err != nil {
					t.Fatal(err)
				}
				return p.Count
			}
			if on("2026-12-01") != 1 || on("2026-11-30") != 0 {
				t.Fatal("the added day is not the account zone's")
			}
			if err := db.TagFriends(ctx, a, []string{uid(1)}, []string{"VIP"}, nil); err != nil {
				t.Fatal(err)
			}

			// Unfollow: blocked, tags kept.
			applyEvents(t, db, a, evUnfollow("e2", 1, t0.Add(time.Hour)))
			if f := mustLineFriend(t, db, a, 1); f.Status != kizuna.StatusBlocked || len(f.Tags) != 1 || !f.AddedAt.Equal(t0) {
				t.Fatalf("after unfollow %+v", f)
			}
			// A follow older than the unfollow, delivered late, changes nothing.
			applyEvents(t, db, a, evFollow("e0", 1, t0.Add(30*time.Minute)))
			if f := mustLineFriend(t, db, a, 1); f.Status != kizuna.StatusBlocked {
				t.Fatalf("a stale follow unblocked the friend: %+v", f)
			}
			// Unblock: following again, added date and tags kept.
			unblock := evFollow("e3", 1, t0.Add(2*time.Hour))
			unblock.Unblocked = true
			applyEvents(t, db, a, unblock)
			f = mustLineFriend(t, db, a, 1)
			if f.Status != kizuna.StatusFollowing || !f.AddedAt.Equal(t0) || len(f.Tags) != 1 {
				t.Fatalf("after unblock %+v", f)
			}

			// A redelivery of everything changes nothing, not even the version.
			v := friendsVersion(t, db, a)
			evs := []kizuna.WebhookEvent{evFollow("e1", 1, t0), evUnfollow("e2", 1, t0.Add(time.Hour)), unblock}
			for i := range evs {
				evs[i].Redelivery = true
			}
			res = applyEvents(t, db, a, evs...)
			if res.Stored != 0 || res.Duplicates != 3 {
				t.Fatalf("redelivery: %+v", res)
			}
			if friendsVersion(t, db, a) != v {
				t.Fatal("a redelivery moved the friends version")
			}
			if f := mustLineFriend(t, db, a, 1); f.Status != kizuna.StatusFollowing {
				t.Fatalf("the redelivered unfollow blocked the friend: %+v", f)
			}
			// The same ID twice in one delivery counts once.
			res = applyEvents(t, db, a, evUnfollow("e4", 1, t0.Add(3*time.Hour)), evUnfollow("e4", 1, t0.Add(3*time.Hour)))
			if res.Stored != 1 || res.Duplicates != 1 {
				t.Fatalf("one ID twice: %+v", res)
			}
			if mustLineFriend(t, db, a, 1).Status != kizuna.StatusBlocked {
				t.Fatal("the unfollow did not apply")
			}

			// An unknown type is stored and ignored.
			v = friendsVersion(t, db, a)
			res = applyEvents(t, db, a, kizuna.WebhookEvent{ID: "x1", Type: "beacon", LineUserID: uid(7), At: t0, Raw: json.RawMessage(`{"type":"beacon"}`)})
			if res.Stored != 1 || friendsVersion(t, db, a) != v {
				t.Fatalf("unknown type: %+v, version %d -> %d", res, v, friendsVersion(t, db, a))
			}
			if n, err := sqlstore.WebhookEventCount(ctx, db, a, "beacon"); err != nil || n != 1 {
				t.Fatalf("the unknown event is not kept: %d %v", n, err)
			}
			if _, err := db.FindFriend(ctx, a, uid(7)); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
				t.Fatalf("an unknown event made a friend: %v", err)
			}
			// An unfollow of someone unknown makes no friend; nor does a message.
			applyEvents(t, db, a, evUnfollow("u8", 8, t0), evMessage("m9", 9, t0, "hi"))
			for _, n := range []int{8, 9} {
				if _, err := db.FindFriend(ctx, a, uid(n)); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
					t.Fatalf("friend %d: %v", n, err)
				}
			}
			// An event without an ID is refused, and nothing of its delivery is stored.
			if _, err := db.ApplyWebhookEvents(ctx, a, []kizuna.WebhookEvent{evFollow("ok", 10, t0), {Type: kizuna.EventFollow, LineUserID: uid(11)}}); kizuna.ErrorCode(err) != kizuna.EINVALID {
				t.Fatalf("no ID: %v", err)
			}
			if _, err := db.FindFriend(ctx, a, uid(10)); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
				t.Fatal("a refused delivery stored a friend")
			}
			// Events of one delivery apply in time order: an unfollow listed
			// before its friend's follow still blocks.
			applyEvents(t, db, a, evUnfollow("o2", 12, t0.Add(time.Minute)), evFollow("o1", 12, t0))
			if f := mustLineFriend(t, db, a, 12); f.Status != kizuna.StatusBlocked || !f.AddedAt.Equal(t0) {
				t.Fatalf("out of order in one delivery: %+v", f)
			}
			// An empty delivery (LINE's Verify) is fine.
			if res := applyEvents(t, db, a); res.Stored != 0 || res.Duplicates != 0 {
				t.Fatalf("empty delivery: %+v", res)
			}
		})
	}
}

func TestWebhookEventPruning(t *testing.T) {
	ctx := context.Background()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			db, a, c := lineDB(t, backend, "shop")
			b, _ := db.CreateAccount(ctx, "other", "")
			applyEvents(t, db, a, evFollow("old", 1, c.Now()))
			applyEvents(t, db, b, evFollow("old-b", 1, c.Now()))
			c.Add(sqlstore.WebhookEventRetention - time.Minute)
			applyEvents(t, db, a, evFollow("recent", 2, c.Now()))
			if n, _ := sqlstore.WebhookEventCount(ctx, db, a, kizuna.EventFollow); n != 2 {
				t.Fatalf("%d follow events before the retention ends, want 2", n)
			}
			c.Add(2 * time.Minute)
			applyEvents(t, db, a, evMessage("new", 2, c.Now(), "hi"))
			if n, _ := sqlstore.WebhookEventCount(ctx, db, a, kizuna.EventFollow); n != 1 {
				t.Fatalf("%d follow events after the retention, want 1 (the older one pruned)", n)
			}
			// Each account prunes its own.
			if n, _ := sqlstore.WebhookEventCount(ctx, db, b, kizuna.EventFollow); n != 1 {
				t.Fatalf("account B's events: %d, want 1", n)
			}
			if mustLineFriend(t, db, a, 1).Status != kizuna.StatusFollowing {
				t.Fatal("pruning an event undid its effect")
			}
		})
	}
}

func TestWebhookMessagesAndChat(t *testing.T) {
	ctx := context.Background()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			db, a, c := lineDB(t, backend, "shop")
			t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
			applyEvents(t, db, a, evFollow("f1", 1, t0), evFollow("f2", 2, t0))
			if _, err := db.SyncFollowers(ctx, a, startSync(t, db, a).ID, []kizuna.Follower{{LineUserID: uid(1), DisplayName: "Aiko"}, {LineUserID: uid(2), DisplayName: "Bob"}}); err != nil {
				t.Fatal(err)
			}
			v := friendsVersion(t, db, a)
			res := applyEvents(t, db, a,
				evMessage("m1", 1, t0.Add(1*time.Minute), "hello"),
				evMessage("m2", 2, t0.Add(2*time.Minute), "こんにちは"),
				evMessage("m3", 1, t0.Add(3*time.Minute), "are you there?"),
				evMessage("m4", 3, t0.Add(4*time.Minute), "not a friend"),
				kizuna.WebhookEvent{ID: "m5", Type: kizuna.EventMessage, LineUserID: uid(2), At: t0.Add(5 * time.Minute), MessageID: "img", MessageType: "image"},
			)
			if res.Stored != 5 {
				t.Fatalf("messages: %+v", res)
			}
			if friendsVersion(t, db, a) != v {
				t.Fatal("messages moved the friends version")
			}
			// A redelivered message is not stored twice.
			applyEvents(t, db, a, evMessage("m1", 1, t0.Add(1*time.Minute), "hello"))
			msgs, err := db.ChatMessages(ctx, a, uid(1), 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(msgs) != 2 || msgs[0].Text != "hello" || msgs[1].Text != "are you there?" || msgs[0].Direction != kizuna.ChatIn ||
				msgs[0].Type != "text" || msgs[0].LineMessageID != "mm1" || !msgs[0].At.Equal(t0.Add(time.Minute)) {
				t.Fatalf("friend 1's messages: %+v", msgs)
			}
			c.Add(time.Hour)
			reply, err := db.AddChatMessage(ctx, a, kizuna.ChatMessage{LineUserID: uid(1), Direction: kizuna.ChatIn, Text: "yes!", SentBy: "staff@example.com", LineMessageID: "sent1"})
			if err != nil {
				t.Fatal(err)
			}
			if reply.ID == 0 || reply.Direction != kizuna.ChatOut || reply.Type != "text" || !reply.At.Equal(c.Now()) {
				t.Fatalf("reply %+v", reply)
			}
			msgs, _ = db.ChatMessages(ctx, a, uid(1), 2)
			if len(msgs) != 2 || msgs[0].Text != "are you there?" || msgs[1].Text != "yes!" || msgs[1].SentBy != "staff@example.com" {
				t.Fatalf("the last 2 of friend 1's messages, oldest first: %+v", msgs)
			}
			if _, err := db.AddChatMessage(ctx, a, kizuna.ChatMessage{LineUserID: "nobody", Text: "x"}); kizuna.ErrorCode(err) != kizuna.EINVALID {
				t.Fatalf("a reply to a bad ID: %v", err)
			}
			if m, err := db.ChatMessages(ctx, a, "nobody", 10); err != nil || len(m) != 0 {
				t.Fatalf("a bad ID's messages: %v %v", m, err)
			}

			// Conversations: by latest message, newest first.
			// (After the sync's page, which said friend 2 follows.)
			applyEvents(t, db, a, evUnfollow("b2", 2, c.Now()))
			convs, err := db.Conversations(ctx, a, 0, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			want := []struct {
				n            int
				name, status string
				last         string
			}{{1, "Aiko", kizuna.StatusFollowing, "yes!"}, {2, "Bob", kizuna.StatusBlocked, ""}, {3, "", "", "not a friend"}}
			if len(convs) != len(want) {
				t.Fatalf("conversations %+v", convs)
			}
			for i, w := range want {
				got := convs[i]
				if got.LineUserID != uid(w.n) || got.DisplayName != w.name || got.Status != w.status || got.Last.Text != w.last || got.Last.LineUserID != uid(w.n) {
					t.Fatalf("conversation %d: %+v, want %+v", i, got, w)
				}
			}
			if convs[1].Last.Type != "image" {
				t.Fatalf("Bob's last message: %+v", convs[1].Last)
			}
			// Paging: two at a time, then before the second's time.
			page, _ := db.Conversations(ctx, a, 2, time.Time{})
			if len(page) != 2 || page[1].LineUserID != uid(2) {
				t.Fatalf("first page %+v", page)
			}
			page, _ = db.Conversations(ctx, a, 2, page[1].Last.At)
			if len(page) != 1 || page[0].LineUserID != uid(3) {
				t.Fatalf("second page %+v", page)
			}
		})
	}
}

func startSync(t *testing.T, db *sqlstore.DB, a *kizuna.Account) *kizuna.LineSync {
	t.Helper()
	s, err := db.StartLineSync(context.Background(), a)
	if err != nil {
		t.Fatalf("start sync: %v", err)
	}
	return s
}

func importLineFriends(t *testing.T, db *sqlstore.DB, a *kizuna.Account, lines ...string) {
	t.Helper()
	if _, err := db.ImportFriends(context.Background(), a, strings.NewReader(strings.Join(lines, "\n")), kizuna.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
}

func lineFriendJSON(n int, status string) string {
	return fmt.Sprintf(`{"line_user_id": %q, "display_name": "Friend %d", "added_at": "2026-01-%02dT10:00:00+09:00", "status": %q}`, uid(n), n, n, status)
}

func TestLineSync(t *testing.T) {
	ctx := context.Background()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			db, a, c := lineDB(t, backend, "shop")
			// 1, 2, 3, 6 following; 4 blocked; 5 followed by webhook before the sync.
			importLineFriends(t, db, a, lineFriendJSON(1, "following"), lineFriendJSON(2, "following"), lineFriendJSON(3, "following"), lineFriendJSON(4, "blocked"), lineFriendJSON(6, "following"))
			applyEvents(t, db, a, evFollow("f5", 5, c.Now().Add(-time.Hour)))
			if _, err := db.LatestLineSync(ctx, a); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
				t.Fatalf("no sync yet: %v", err)
			}

			c.Add(time.Minute)
			s := startSync(t, db, a)
			start := c.Now()
			if s.Status != sqlstore.SyncRunning || !s.StartedAt.Equal(start) || s.FinishedAt != nil {
				t.Fatalf("started %+v", s)
			}
			c.Add(30 * time.Second)
			if _, err := db.StartLineSync(ctx, a); kizuna.ErrorCode(err) != kizuna.ECONFLICT {
				t.Fatalf("a second sync while one runs: %v", err)
			}
			if _, err := db.FinishLineSync(ctx, a, s.ID); kizuna.ErrorCode(err) != kizuna.ECONFLICT {
				t.Fatalf("finishing before any page: %v", err)
			}
			if _, err := db.SyncFollowers(ctx, a, s.ID, []kizuna.Follower{{LineUserID: "bad"}}); kizuna.ErrorCode(err) != kizuna.EINVALID {
				t.Fatalf("a bad ID in a page: %v", err)
			}
			v := friendsVersion(t, db, a)
			// Page 1: friend 1 renamed, friend 2 as is (no name), 7 new.
			s, err := db.SyncFollowers(ctx, a, s.ID, []kizuna.Follower{{LineUserID: uid(1), DisplayName: "Aiko"}, {LineUserID: uid(2)}, {LineUserID: uid(7), DisplayName: "Nana"}})
			if err != nil {
				t.Fatal(err)
			}
			if s.Pages != 1 || s.Seen != 3 || s.Added != 1 {
				t.Fatalf("after page 1 %+v", s)
			}
			if friendsVersion(t, db, a) != v+1 {
				t.Fatal("a page that adds and renames did not go through the change log")
			}
			// Page 2: blocked friend 4 follows again.
			c.Add(30 * time.Second)
			if s, err = db.SyncFollowers(ctx, a, s.ID, []kizuna.Follower{{LineUserID: uid(4), DisplayName: "Friend 4"}}); err != nil {
				t.Fatal(err)
			}
			// A page with nothing new leaves the version alone.
			v = friendsVersion(t, db, a)
			if s, err = db.SyncFollowers(ctx, a, s.ID, []kizuna.Follower{{LineUserID: uid(2), DisplayName: "Friend 2"}}); err != nil {
				t.Fatal(err)
			}
			if friendsVersion(t, db, a) != v {
				t.Fatal("a page that changes no friend moved the friends version")
			}
			// Friend 3 follows again by webhook during the sync: not blocked.
			applyEvents(t, db, a, evUnfollow("u3", 3, start.Add(10*time.Second)), evFollow("f3", 3, start.Add(20*time.Second)))
			s, err = db.FinishLineSync(ctx, a, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			// Unseen and following: 5 and 6.
			if s.Status != sqlstore.SyncDone || s.Pages != 3 || s.Seen != 5 || s.Added != 1 || s.Blocked != 2 || s.FinishedAt == nil || !s.FinishedAt.Equal(c.Now()) {
				t.Fatalf("finished %+v", s)
			}
			status := map[int]string{1: "following", 2: "following", 3: "following", 4: "following", 5: "blocked", 6: "blocked", 7: "following"}
			for n, want := range status {
				if f := mustLineFriend(t, db, a, n); f.Status != want {
					t.Fatalf("friend %d is %s, want %s", n, f.Status, want)
				}
			}
			if f := mustLineFriend(t, db, a, 1); f.DisplayName != "Aiko" || f.AddedEstimated {
				t.Fatalf("friend 1 %+v", f)
			}
			if f := mustLineFriend(t, db, a, 2); f.DisplayName != "Friend 2" {
				t.Fatalf("an empty name replaced friend 2's: %+v", f)
			}
			f7 := mustLineFriend(t, db, a, 7)
			if f7.DisplayName != "Nana" || !f7.AddedEstimated || !f7.AddedAt.Equal(start) || f7.Status != kizuna.StatusFollowing {
				t.Fatalf("the friend new from the sync: %+v", f7)
			}
			page, err := db.ListFriends(ctx, a, kizuna.FriendQuery{})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range page.Friends {
				if s.AddedEstimated != (s.LineUserID == uid(7)) {
					t.Fatalf("list: %+v", s)
				}
			}
			facts, err := db.FriendsFacts(ctx, a, []string{uid(1), uid(7)})
			if err != nil || len(facts) != 2 || facts[0].AddedEstimated || !facts[1].AddedEstimated {
				t.Fatalf("facts: %v %v", facts, err)
			}
			if latest, err := db.LatestLineSync(ctx, a); err != nil || latest.ID != s.ID || latest.Status != sqlstore.SyncDone {
				t.Fatalf("latest %+v %v", latest, err)
			}
			if _, err := db.SyncFollowers(ctx, a, s.ID, nil); kizuna.ErrorCode(err) != kizuna.ECONFLICT {
				t.Fatalf("a page after the end: %v", err)
			}
			// The SQL preview counts estimated dates when the filter tests the added date.
			if err := db.CreateTag(ctx, a, "none"); err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct {
				filter    string
				count, es int64
			}{
				{`{"field":"line.days_since_added","op":"lte","value":1}`, 1, 1},
				{`{"field":"line.added_date","op":"after","value":"2025-12-31"}`, 5, 1},
				{`{"field":"line.added_date","op":"before","value":"2026-06-01"}`, 4, 0},
				{`{"field":"tag","op":"not_has","value":"none"}`, 5, 0},
			} {
				p, err := db.Preview(ctx, a, kizuna.PreviewRequest{Filter: json.RawMessage(`{"groups":[{"conditions":[` + tc.filter + `]}]}`)})
				if err != nil || p.Count != tc.count || p.EstimatedAdded != tc.es {
					t.Fatalf("%s: %+v %v", tc.filter, p, err)
				}
			}
			// An import gives a known added date: no longer estimated.
			importLineFriends(t, db, a, lineFriendJSON(7, "following"))
			if f := mustLineFriend(t, db, a, 7); f.AddedEstimated {
				t.Fatal("an imported added date is still estimated")
			}
		})
	}
}

func TestLineSyncFailsAndGoesStale(t *testing.T) {
	ctx := context.Background()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			db, a, c := lineDB(t, backend, "shop")
			importLineFriends(t, db, a, lineFriendJSON(1, "following"), lineFriendJSON(2, "following"))
			s := startSync(t, db, a)
			if _, err := db.SyncFollowers(ctx, a, s.ID, []kizuna.Follower{{LineUserID: uid(1)}, {LineUserID: uid(3), DisplayName: "New"}}); err != nil {
				t.Fatal(err)
			}
			v := friendsVersion(t, db, a)
			s, err := db.FailLineSync(ctx, a, s.ID, "forbidden", "LINE answered 403: the API is only for verified or premium accounts")
			if err != nil {
				t.Fatal(err)
			}
			if s.Status != sqlstore.SyncFailed || s.ErrorCode != "forbidden" || !strings.Contains(s.Error, "403") || s.FinishedAt == nil || s.Blocked != 0 {
				t.Fatalf("failed %+v", s)
			}
			if friendsVersion(t, db, a) != v || mustLineFriend(t, db, a, 2).Status != kizuna.StatusFollowing {
				t.Fatal("a failed sync blocked a friend")
			}
			if f := mustLineFriend(t, db, a, 3); !f.AddedEstimated {
				t.Fatal("what the failed sync's pages added is gone")
			}
			if _, err := db.FinishLineSync(ctx, a, s.ID); kizuna.ErrorCode(err) != kizuna.ECONFLICT {
				t.Fatalf("finishing a failed sync: %v", err)
			}
			if _, err := db.FailLineSync(ctx, a, s.ID, "x", "y"); kizuna.ErrorCode(err) != kizuna.ECONFLICT {
				t.Fatalf("failing a failed sync: %v", err)
			}
			if _, err := db.SyncFollowers(ctx, a, 999999, nil); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
				t.Fatalf("an unknown sync: %v", err)
			}

			// A running sync whose process stopped: after a minute without a
			// page, a new one starts and the old one is marked failed.
			old := startSync(t, db, a)
			c.Add(sqlstore.LineSyncStale - time.Second)
			if _, err := db.StartLineSync(ctx, a); kizuna.ErrorCode(err) != kizuna.ECONFLICT {
				t.Fatalf("59 s after the start: %v", err)
			}
			if _, err := db.SyncFollowers(ctx, a, old.ID, []kizuna.Follower{{LineUserID: uid(1)}}); err != nil {
				t.Fatal(err)
			}
			c.Add(sqlstore.LineSyncStale - time.Second)
			if _, err := db.StartLineSync(ctx, a); kizuna.ErrorCode(err) != kizuna.ECONFLICT {
				t.Fatalf("59 s after the last page: %v", err)
			}
			c.Add(2 * time.Second)
			fresh := startSync(t, db, a)
			if latest, _ := db.LatestLineSync(ctx, a); latest.ID != fresh.ID || latest.Status != sqlstore.SyncRunning {
				t.Fatalf("latest %+v", latest)
			}
			if _, err := db.SyncFollowers(ctx, a, old.ID, nil); kizuna.ErrorCode(err) != kizuna.ECONFLICT {
				t.Fatalf("the stale sync goes on: %v", err)
			}
			if mustLineFriend(t, db, a, 2).Status != kizuna.StatusFollowing {
				t.Fatal("the stale sync blocked a friend")
			}
		})
	}
}

func TestLineAccountIsolation(t *testing.T) {
	ctx := context.Background()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			db, a, c := lineDB(t, backend, "a")
			b, err := db.CreateAccount(ctx, "b", "")
			if err != nil {
				t.Fatal(err)
			}
			if err := db.ConnectLine(ctx, a, "o", kizuna.LineChannel{}, kizuna.LineCredentials{ChannelSecret: "s", AccessToken: "t"}); err != nil {
				t.Fatal(err)
			}
			t0 := c.Now()
			applyEvents(t, db, a, evFollow("e1", 1, t0), evMessage("e2", 1, t0, "for A"))
			s := startSync(t, db, a)
			if _, err := db.SyncFollowers(ctx, a, s.ID, []kizuna.Follower{{LineUserID: uid(1)}}); err != nil {
				t.Fatal(err)
			}

			if _, err := db.LineChannel(ctx, b); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
				t.Fatalf("B sees a channel: %v", err)
			}
			if _, err := db.LineCredentials(ctx, b); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
				t.Fatalf("B reads credentials: %v", err)
			}
			if err := db.DisconnectLine(ctx, b); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
				t.Fatalf("B disconnects A's channel: %v", err)
			}
			if convs, err := db.Conversations(ctx, b, 0, time.Time{}); err != nil || len(convs) != 0 {
				t.Fatalf("B's conversations: %v %v", convs, err)
			}
			if msgs, err := db.ChatMessages(ctx, b, uid(1), 0); err != nil || len(msgs) != 0 {
				t.Fatalf("B reads A's chat: %v %v", msgs, err)
			}
			if _, err := db.LatestLineSync(ctx, b); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
				t.Fatalf("B sees A's sync: %v", err)
			}
			if _, err := db.SyncFollowers(ctx, b, s.ID, []kizuna.Follower{{LineUserID: uid(2)}}); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
				t.Fatalf("B writes to A's sync: %v", err)
			}
			if _, err := db.FinishLineSync(ctx, b, s.ID); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
				t.Fatalf("B finishes A's sync: %v", err)
			}
			if _, err := db.FailLineSync(ctx, b, s.ID, "x", "y"); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
				t.Fatalf("B fails A's sync: %v", err)
			}
			// B may sync while A's runs.
			sb := startSync(t, db, b)
			if _, err := db.SyncFollowers(ctx, b, sb.ID, []kizuna.Follower{{LineUserID: uid(9)}}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.FinishLineSync(ctx, b, sb.ID); err != nil {
				t.Fatal(err)
			}
			if f := mustLineFriend(t, db, a, 1); f.Status != kizuna.StatusFollowing {
				t.Fatal("B's sync blocked A's friend")
			}
			// The same event IDs are B's own: not duplicates, and B's friend is B's.
			res := applyEvents(t, db, b, evUnfollow("e1", 1, t0.Add(time.Second)))
			if res.Stored != 1 || res.Duplicates != 0 {
				t.Fatalf("B's first event with A's ID: %+v", res)
			}
			if _, err := db.FindFriend(ctx, b, uid(1)); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
				t.Fatalf("B has A's friend: %v", err)
			}
			if f := mustLineFriend(t, db, a, 1); f.Status != kizuna.StatusFollowing {
				t.Fatal("B's unfollow blocked A's friend")
			}
			if _, err := db.AddChatMessage(ctx, b, kizuna.ChatMessage{LineUserID: uid(1), Text: "B's reply"}); err != nil {
				t.Fatal(err)
			}
			if msgs, _ := db.ChatMessages(ctx, a, uid(1), 0); len(msgs) != 1 || msgs[0].Text != "for A" {
				t.Fatalf("A's chat: %+v", msgs)
			}
		})
	}
}

// BenchmarkApplyWebhookEvents applies deliveries of 100 events to an
// account of 20,000 imported friends: follows of new friends (half),
// unfollows and follows of known ones, messages, and a few unknown types;
// it reports events per second.
func BenchmarkApplyWebhookEvents(b *testing.B) {
	ctx := context.Background()
	for _, backend := range testdb.Backends() {
		b.Run(backend, func(b *testing.B) {
			db := testdb.Open(b, backend)
			a, err := db.CreateAccount(ctx, "bench", "Asia/Tokyo")
			if err != nil {
				b.Fatal(err)
			}
			// A connected account has friends already (and, on PostgreSQL,
			// statistics that say so: a large import refreshes them).
			const imported = 20000
			var lines []string
			for n := range imported {
				lines = append(lines, fmt.Sprintf(`{"line_user_id": %q, "display_name": "Friend %d", "added_at": "2026-01-01T10:00:00+09:00", "tags": ["VIP"]}`, uid(1<<40+n), n))
			}
			if _, err := db.ImportFriends(ctx, a, strings.NewReader(strings.Join(lines, "\n")), kizuna.ImportOptions{}); err != nil {
				b.Fatal(err)
			}
			t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
			next := 0
			raw := json.RawMessage(`{"type":"message","mode":"active","timestamp":1705891468000,"source":{"type":"user","userId":"U3d3edab4f36c6292e6d8a8131f141b8b"},"webhookEventId":"01HMQGW40RZJPJM3RAJP7BHC2S","deliveryContext":{"isRedelivery":false},"replyToken":"38ef843bde154d9b91c21320ffd17a0f","message":{"type":"text","id":"468789577898262530","quoteToken":"q3Plxr4AgKd...","text":"Hello"}}`)
			delivery := func() []kizuna.WebhookEvent {
				evs := make([]kizuna.WebhookEvent, 0, 100)
				for k := range 100 {
					next++
					at := t0.Add(time.Duration(next) * time.Millisecond)
					id := fmt.Sprintf("01BENCH%019d", next)
					var ev kizuna.WebhookEvent
					switch {
					case k%2 == 0:
						ev = evFollow(id, next, at)
					case k%10 == 1:
						ev = evUnfollow(id, next-1, at)
					case k%10 == 3:
						ev = evFollow(id, next-3, at)
					case k%10 == 5:
						ev = evUnfollow(id, 1<<40+next%imported, at)
					case k%10 == 7:
						ev = evFollow(id, 1<<40+(next-2)%imported, at)
					case k%10 == 9:
						ev = kizuna.WebhookEvent{ID: id, Type: "postback", LineUserID: uid(next - 1), At: at}
					default:
						ev = evMessage(id, next-1, at, "Hello")
					}
					ev.Raw = raw
					evs = append(evs, ev)
				}
				return evs
			}
			for b.Loop() {
				b.StopTimer()
				evs := delivery()
				b.StartTimer()
				res, err := db.ApplyWebhookEvents(ctx, a, evs)
				if err != nil || res.Stored != 100 {
					b.Fatalf("%+v %v", res, err)
				}
			}
			b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
