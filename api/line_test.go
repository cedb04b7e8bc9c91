package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/api"
	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/internal/linefake"
	"github.com/kizuna-line/kizuna/internal/linetest"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

// lineEnv is the API of shop-a and shop-b over the engine, as kizuna serve
// runs it, with LINE: shop-a is connected to a fake LINE server that knows
// friends 1, 2, 3 and 5 of the friends fixture (4 blocked the account),
// and the jobs run, so broadcasts are really sent to the fake. The LINE
// service logs to the API's log.
func lineEnv(t *testing.T, backend string) (*env, *linetest.Env, *engine.Engine, *kizuna.Account) {
	t.Helper()
	ctx := context.Background()
	db := testdb.Open(t, backend)
	eng := engine.New(db, db, nil)
	t.Cleanup(eng.Stop)
	var lt *linetest.Env
	var a *kizuna.Account
	e := newEnv(t, eng, func(s *api.Server) {
		var err error
		if a, err = db.FindAccount(ctx, "shop-a"); err != nil {
			t.Fatal(err)
		}
		lt = linetest.Start(t, db, eng, a)
		lt.Service.Logger = s.Logger
		s.Line = lt.Service
	}, "shop-a", "shop-b")
	e.importFriends(t, friends)
	for _, n := range []int{1, 2, 3, 5} {
		lt.Fake.AddFriend(uid(n), fmt.Sprintf("Friend %d", n))
	}
	eng.Load(a)
	for deadline := time.Now().Add(30 * time.Second); !eng.Ready(a); {
		if time.Now().After(deadline) {
			t.Fatal("the engine did not load shop-a")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return e, lt, eng, a
}

// TestBroadcastsAPI: estimate, create (at a time, then now), edit, cancel,
// list and show a broadcast through the API, the one sent now really
// reaching the following members once each; another account's token
// finds none of it. On both backends.
func TestBroadcastsAPI(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			e, lt, eng, a := lineEnv(t, backend)
			var seg kizuna.Segment
			e.do("POST", "/api/v1/accounts/shop-a/segments", e.tokenA, jsonType, strings.NewReader(`{"name": "VIP", "filter": `+vipFilter+`}`)).must(t, http.StatusCreated, &seg)
			base := "/api/v1/accounts/shop-a/broadcasts"

			// The waterfall before sending: four VIPs, one blocked.
			var wf kizuna.Waterfall
			e.do("POST", base+"/estimate", e.tokenA, jsonType, strings.NewReader(fmt.Sprintf(`{"segment_id": %d}`, seg.ID))).must(t, http.StatusOK, &wf)
			if wf.Matched != 4 || wf.Following != 3 || wf.QuotaAllows != 3 || wf.Quota != nil {
				t.Fatalf("estimate %+v", wf)
			}
			e.do("POST", base+"/estimate", e.tokenA, jsonType, strings.NewReader(`{"segment_id": 999999}`)).mustError(t, http.StatusNotFound, kizuna.ENOTFOUND, "")

			// At a time: scheduled, edited with its version, then canceled.
			at := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339)
			body := func(name, schedule string, extra string) string {
				return fmt.Sprintf(`{"name": %q, "segment_id": %d, "messages": %s, "schedule": %s%s}`, name, seg.ID, textMessages, schedule, extra)
			}
			var later kizuna.Broadcast
			e.do("POST", base, e.tokenA, jsonType, strings.NewReader(body("Tomorrow", `{"kind": "at", "at": "`+at+`"}`, ""))).must(t, http.StatusCreated, &later)
			if later.ID == 0 || later.Status != kizuna.BroadcastScheduled || later.NextRunAt == nil || later.NextRunAt.UTC().Format(time.RFC3339) != at || later.SegmentName != "VIP" {
				t.Fatalf("created %+v", later)
			}
			path := fmt.Sprintf("%s/%d", base, later.ID)
			var edited kizuna.Broadcast
			e.do("PUT", path, e.tokenA, jsonType, strings.NewReader(body("Tomorrow, edited", `{"kind": "daily", "time": "09:30"}`, fmt.Sprintf(`, "version": %d`, later.Version)))).must(t, http.StatusOK, &edited)
			if edited.Name != "Tomorrow, edited" || edited.Status != kizuna.BroadcastRecurring || edited.Version <= later.Version {
				t.Fatalf("edited %+v", edited)
			}
			e.do("PUT", path, e.tokenA, jsonType, strings.NewReader(body("Stale", nowSchedule, fmt.Sprintf(`, "version": %d`, later.Version)))).mustError(t, http.StatusConflict, kizuna.ECONFLICT, "version")
			e.do("POST", base, e.tokenA, jsonType, strings.NewReader(body("Past", `{"kind": "at", "at": "2020-01-01T00:00:00Z"}`, ""))).mustError(t, http.StatusBadRequest, kizuna.EINVALID, "schedule.at")
			e.do("POST", base, e.tokenA, jsonType, strings.NewReader(strings.Replace(body("Gone", nowSchedule, ""), fmt.Sprint(seg.ID), "999999", 1))).mustError(t, http.StatusNotFound, kizuna.ENOTFOUND, "segment_id")

			// Another account sees none of shop-a's broadcasts.
			other := fmt.Sprintf("/api/v1/accounts/shop-b/broadcasts/%d", later.ID)
			e.do("GET", other, e.tokenB, "", nil).mustError(t, http.StatusNotFound, kizuna.ENOTFOUND, "")
			e.do("POST", other+"/cancel", e.tokenB, "", nil).mustError(t, http.StatusNotFound, kizuna.ENOTFOUND, "")
			e.do("PUT", other, e.tokenB, jsonType, strings.NewReader(body("Stolen", nowSchedule, `, "version": 1`))).mustError(t, http.StatusNotFound, kizuna.ENOTFOUND, "")
			e.do("GET", path, e.tokenB, "", nil).mustError(t, http.StatusNotFound, kizuna.ENOTFOUND, "")
			var none struct{ Broadcasts []kizuna.Broadcast }
			e.do("GET", "/api/v1/accounts/shop-b/broadcasts", e.tokenB, "", nil).must(t, http.StatusOK, &none)
			if none.Broadcasts == nil || len(none.Broadcasts) != 0 {
				t.Fatalf("shop-b lists %+v", none)
			}
			// shop-b has no LINE channel: nothing to send with.
			e.do("POST", "/api/v1/accounts/shop-b/broadcasts", e.tokenB, jsonType, strings.NewReader(body("B", nowSchedule, ""))).mustError(t, http.StatusConflict, kizuna.ECONFLICT, "")

			var canceled kizuna.Broadcast
			e.do("POST", path+"/cancel", e.tokenA, "", nil).must(t, http.StatusOK, &canceled)
			if canceled.Status != kizuna.BroadcastCanceled {
				t.Fatalf("canceled %+v", canceled)
			}

			// Now: sent by the jobs to the three following VIPs, once each.
			var sent kizuna.Broadcast
			e.do("POST", base, e.tokenA, jsonType, strings.NewReader(body("Now", nowSchedule, ""))).must(t, http.StatusCreated, &sent)
			linetest.WaitBroadcast(t, eng, a, sent.ID, time.Minute)
			var shown kizuna.Broadcast
			e.do("GET", fmt.Sprintf("%s/%d", base, sent.ID), e.tokenA, "", nil).must(t, http.StatusOK, &shown)
			if shown.Status != kizuna.BroadcastSent || len(shown.Runs) != 1 || len(shown.Messages) != 1 || shown.Messages[0].Text != "Hello from Kizuna" {
				t.Fatalf("shown %+v", shown)
			}
			if r := shown.Runs[0]; r.Status != kizuna.RunSent || r.Waterfall.Matched != 4 || r.Waterfall.Following != 3 || r.Waterfall.Sent != 3 || r.Waterfall.Accepted != 3 || r.Waterfall.Failed != 0 {
				t.Fatalf("run %+v", r)
			}
			counts := lt.Fake.Counts()
			if len(counts) != 3 || counts[uid(1)] != 1 || counts[uid(2)] != 1 || counts[uid(3)] != 1 {
				t.Fatalf("the fake received %v", counts)
			}
			e.do("POST", fmt.Sprintf("%s/%d/cancel", base, sent.ID), e.tokenA, "", nil).mustError(t, http.StatusConflict, kizuna.ECONFLICT, "")
			e.do("PUT", fmt.Sprintf("%s/%d", base, sent.ID), e.tokenA, jsonType, strings.NewReader(body("Again", nowSchedule, fmt.Sprintf(`, "version": %d`, shown.Version)))).mustError(t, http.StatusConflict, kizuna.ECONFLICT, "")

			var list struct{ Broadcasts []kizuna.Broadcast }
			e.do("GET", base, e.tokenA, "", nil).must(t, http.StatusOK, &list)
			byID := map[int64]kizuna.Broadcast{}
			for _, b := range list.Broadcasts {
				byID[b.ID] = b
			}
			if len(list.Broadcasts) != 2 || byID[later.ID].Status != kizuna.BroadcastCanceled || byID[sent.ID].LastRun == nil || byID[sent.ID].LastRun.Waterfall.Accepted != 3 {
				t.Fatalf("list %+v", list)
			}
		})
	}
}

// TestLineAPI: the channel, a test send, Chat (a friend's message by
// webhook, a reply), follower syncs (one that blocks a friend LINE no
// longer returns, one LINE refuses with 403) and disconnecting, through
// the API; after the channel's secrets were sent, no answer of any route
// and no log line holds them. On both backends.
func TestLineAPI(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			e, lt, _, _ := lineEnv(t, backend)
			secrets := []string{linetest.ChannelSecret, linetest.AccessToken}
			// call is e.do, checking that the answer holds no secret.
			call := func(method, path, body string) *response {
				t.Helper()
				ct := ""
				if body != "" {
					ct = jsonType
				}
				r := e.do(method, "/api/v1/accounts/shop-a"+path, e.tokenA, ct, strings.NewReader(body))
				for _, s := range secrets {
					if strings.Contains(string(r.body), s) {
						t.Errorf("%s %s answered a secret: %s", method, path, r.body)
					}
				}
				return r
			}

			var ch struct {
				kizuna.LineChannel
				WebhookPath string `json:"webhook_path"`
				WebhookURL  string `json:"webhook_url"`
			}
			call("PUT", "/line/channel", fmt.Sprintf(`{"channel_secret": %q, "access_token": %q, "api_base": %q}`, linetest.ChannelSecret, linetest.AccessToken, lt.URL)).must(t, http.StatusOK, &ch)
			if ch.BotName != "Kizuna Fake" || ch.BotUserID == "" || ch.APIBase != lt.URL || ch.ConnectedBy == "" ||
				ch.WebhookPath != "/line/webhook/shop-a" || ch.WebhookURL != lt.Hooks.URL+"/line/webhook/shop-a" {
				t.Fatalf("connected %+v", ch)
			}
			if got := lt.Fake.WebhookURL(); got != ch.WebhookURL {
				t.Errorf("LINE was told the webhook URL %q, want %q", got, ch.WebhookURL)
			}
			// A token LINE refuses changes nothing.
			call("PUT", "/line/channel", fmt.Sprintf(`{"channel_secret": "x", "access_token": "wrong", "api_base": %q}`, lt.URL)).mustError(t, http.StatusBadRequest, kizuna.EINVALID, "")
			call("PUT", "/line/channel", `{"channel_secret": "x", "access_token": "y", "api_base": "ftp://example.com"}`).mustError(t, http.StatusBadRequest, kizuna.EINVALID, "api_base")
			call("GET", "/line/channel", "").must(t, http.StatusOK, &ch)
			if ch.APIBase != lt.URL || ch.BotName != "Kizuna Fake" {
				t.Fatalf("after a refused connect: %+v", ch)
			}

			// A test send to a following friend; a blocked one is refused.
			var sent struct{ Sent int }
			call("POST", "/line/test", `{"to": ["`+uid(1)+`"], "messages": `+textMessages+`}`).must(t, http.StatusOK, &sent)
			if sent.Sent != 1 || lt.Fake.Received(uid(1)) != 1 {
				t.Fatalf("test send: %+v, the fake received %d", sent, lt.Fake.Received(uid(1)))
			}
			call("POST", "/line/test", `{"to": ["`+uid(4)+`"], "messages": `+textMessages+`}`).mustError(t, http.StatusBadRequest, kizuna.EINVALID, "to")
			// LINE refusing the send is 502, with LINE's reason.
			lt.Fake.InjectFault(linefake.RoutePush, linefake.Fault{Status: http.StatusBadRequest, Body: `{"message": "The request body has 1 error(s)", "details": [{"property": "messages[0].text", "message": "must be specified"}]}`})
			eb := call("POST", "/line/test", `{"to": ["`+uid(1)+`"], "messages": `+textMessages+`}`).mustError(t, http.StatusBadGateway, kizuna.EUPSTREAM, "")
			if !strings.Contains(eb.Error.Message, "must be specified") || lt.Fake.Received(uid(1)) != 1 {
				t.Errorf("a refused test send: %+v, received %d", eb.Error, lt.Fake.Received(uid(1)))
			}
			call("POST", "/line/test", `{"to": ["`+uid(1)+`"], "messages": [{"type": "sticker", "packageId": "x", "stickerId": "1"}]}`).mustError(t, http.StatusBadRequest, kizuna.EINVALID, "messages[0].packageId")

			// Chat: friend 2 writes (a signed webhook from the fake), we reply.
			if _, status, err := lt.Fake.SendEvents(ctx, lt.Fake.WebhookURL(), lt.Fake.TextEvent(uid(2), "Is the sale on?")); err != nil || status != http.StatusOK {
				t.Fatalf("webhook: %d %v", status, err)
			}
			var reply kizuna.ChatMessage
			call("POST", "/chat/"+uid(2), `{"text": "Yes, until Sunday!"}`).must(t, http.StatusCreated, &reply)
			if reply.Direction != kizuna.ChatOut || reply.Text != "Yes, until Sunday!" || reply.LineUserID != uid(2) || lt.Fake.Received(uid(2)) != 1 {
				t.Fatalf("reply %+v", reply)
			}
			call("POST", "/chat/"+uid(4), `{"text": "Hello?"}`).mustError(t, http.StatusConflict, kizuna.ECONFLICT, "")
			call("POST", "/chat/"+uid(2), `{"text": ""}`).mustError(t, http.StatusBadRequest, kizuna.EINVALID, "text")
			var convs struct {
				Conversations []kizuna.Conversation
				Next          string
			}
			call("GET", "/chat", "").must(t, http.StatusOK, &convs)
			if len(convs.Conversations) != 1 || convs.Conversations[0].LineUserID != uid(2) || convs.Conversations[0].Last.Text != "Yes, until Sunday!" || convs.Next != "" {
				t.Fatalf("conversations %+v", convs)
			}
			call("GET", "/chat?limit=1", "").must(t, http.StatusOK, &convs)
			if convs.Next == "" {
				t.Fatalf("a full page has no next: %+v", convs)
			}
			call("GET", "/chat?before="+convs.Next, "").must(t, http.StatusOK, &convs)
			if len(convs.Conversations) != 0 {
				t.Fatalf("the page after the last: %+v", convs)
			}
			var msgs struct{ Messages []kizuna.ChatMessage }
			call("GET", "/chat/"+uid(2), "").must(t, http.StatusOK, &msgs)
			if len(msgs.Messages) != 2 || msgs.Messages[0].Direction != kizuna.ChatIn || msgs.Messages[0].Text != "Is the sale on?" || msgs.Messages[1].Direction != kizuna.ChatOut {
				t.Fatalf("messages %+v", msgs)
			}
			e.do("GET", "/api/v1/accounts/shop-b/chat/"+uid(2), e.tokenB, "", nil).must(t, http.StatusOK, &msgs)
			if len(msgs.Messages) != 0 {
				t.Fatalf("shop-b sees shop-a's Chat: %+v", msgs)
			}

			// A follower sync: friend 5 left LINE's list, friend 6 is new.
			lt.Fake.Block(uid(5))
			lt.Fake.AddFriend(uid(6), "Fumi")
			var ls kizuna.LineSync
			call("GET", "/line/sync", "").mustError(t, http.StatusNotFound, kizuna.ENOTFOUND, "")
			call("POST", "/line/sync", "").must(t, http.StatusAccepted, &ls)
			done := waitSync(t, call, ls.ID)
			if done.Status != "done" || done.Seen != 4 || done.Added != 1 || done.Blocked != 1 {
				t.Fatalf("sync %+v", done)
			}
			var f kizuna.Friend
			call("GET", "/friends/"+uid(5), "").must(t, http.StatusOK, &f)
			if f.Status != kizuna.StatusBlocked {
				t.Errorf("friend 5 after the sync: %s", f.Status)
			}
			// LINE's 403: the sync fails with "forbidden" and blocks nobody.
			lt.Fake.SetFollowersForbidden(true)
			lt.Fake.Block(uid(1))
			call("POST", "/line/sync", "").must(t, http.StatusAccepted, &ls)
			if failed := waitSync(t, call, ls.ID); failed.Status != "failed" || failed.ErrorCode != "forbidden" || failed.Error == "" {
				t.Fatalf("sync under 403: %+v", failed)
			}
			call("GET", "/friends/"+uid(1), "").must(t, http.StatusOK, &f)
			if f.Status != kizuna.StatusFollowing {
				t.Errorf("friend 1 after a refused sync: %s", f.Status)
			}

			// The rest of the routes, for the answers' check.
			var seg kizuna.Segment
			call("POST", "/segments", `{"name": "VIP", "filter": `+vipFilter+`}`).must(t, http.StatusCreated, &seg)
			call("POST", "/broadcasts/estimate", fmt.Sprintf(`{"segment_id": %d}`, seg.ID)).must(t, http.StatusOK, nil)
			var b kizuna.Broadcast
			call("POST", "/broadcasts", fmt.Sprintf(`{"name": "n", "segment_id": %d, "messages": %s, "schedule": {"kind": "weekly", "time": "10:00", "weekdays": [1]}}`, seg.ID, textMessages)).must(t, http.StatusCreated, &b)
			call("GET", "/broadcasts", "").must(t, http.StatusOK, nil)
			call("GET", fmt.Sprintf("/broadcasts/%d", b.ID), "").must(t, http.StatusOK, nil)
			call("PUT", fmt.Sprintf("/broadcasts/%d", b.ID), fmt.Sprintf(`{"name": "m", "segment_id": %d, "messages": %s, "schedule": {"kind": "daily", "time": "10:00"}, "version": %d}`, seg.ID, textMessages, b.Version)).must(t, http.StatusOK, nil)
			call("POST", fmt.Sprintf("/broadcasts/%d/cancel", b.ID), "").must(t, http.StatusOK, nil)

			// Disconnected: the channel is gone, and sending needs one.
			call("DELETE", "/line/channel", "").must(t, http.StatusOK, nil)
			call("GET", "/line/channel", "").mustError(t, http.StatusNotFound, kizuna.ENOTFOUND, "")
			call("DELETE", "/line/channel", "").mustError(t, http.StatusNotFound, kizuna.ENOTFOUND, "")
			call("POST", "/line/test", `{"to": ["`+uid(1)+`"], "messages": `+textMessages+`}`).mustError(t, http.StatusConflict, kizuna.ECONFLICT, "")
			call("POST", "/line/sync", "").mustError(t, http.StatusConflict, kizuna.ECONFLICT, "")

			logs := e.logs.String()
			if !strings.Contains(logs, "/line/channel") {
				t.Fatalf("the log has no request line: is it the API's log?\n%s", logs)
			}
			for _, s := range secrets {
				if strings.Contains(logs, s) {
					t.Errorf("the log holds a secret:\n%s", logs)
				}
			}
		})
	}
}

// waitSync reads GET line/sync until the sync id has ended.
func waitSync(t *testing.T, call func(method, path, body string) *response, id int64) kizuna.LineSync {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var ls kizuna.LineSync
		call("GET", "/line/sync", "").must(t, http.StatusOK, &ls)
		if ls.ID == id && ls.Status != "running" {
			return ls
		}
		if time.Now().After(deadline) {
			t.Fatalf("sync %d has not ended: %+v", id, ls)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
