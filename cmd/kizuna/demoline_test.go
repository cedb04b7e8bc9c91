package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/sqlstore"
)

// TestDemoLine: the demo account is connected to the demo's fake LINE,
// Chat has friends' messages (sent as signed webhooks), and a broadcast
// to a segment is sent and shows on the fake's page.
func TestDemoLine(t *testing.T) {
	dsn := testdb.DSN(t, "sqlite")
	var out, errb syncBuffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(n string) string {
		if n == "KIZUNA_DB" {
			return dsn
		}
		return ""
	}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- run(ctx, e, []string{"demo", "--addr", "127.0.0.1:0", "--friends", "200"}) }()
	defer func() { cancel(); <-done }()
	for i := 0; !strings.Contains(out.String(), "Press Ctrl-C"); i++ {
		if i > 1200 {
			t.Fatalf("kizuna demo never served\n%s\n%s", out.String(), errb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	m := regexp.MustCompile(`(http://\S+/fake-line/fake/)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("the demo names no fake LINE page:\n%s", out.String())
	}
	store, err := sqlstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	bg := context.Background()
	a, err := store.FindAccount(bg, "demo")
	if err != nil {
		t.Fatal(err)
	}
	var convs []kizuna.Conversation
	for i := 0; len(convs) < 4; i++ {
		if convs, err = store.Conversations(bg, a, 50, time.Time{}); err != nil {
			t.Fatal(err)
		}
		if i > 200 {
			t.Fatalf("Chat has %d conversations, want 4\n%s", len(convs), errb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	seg, err := store.CreateSegment(bg, a, "test", "Everyone added this year", 0, json.RawMessage(`{"groups":[{"conditions":[{"field":"line.days_since_added","op":"lte","value":3650}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := store.CreateBroadcast(bg, a, "test", kizuna.BroadcastDraft{Name: "Hello", SegmentID: seg.ID,
		Messages: []kizuna.Message{{Type: "text", Text: "デモ配信です"}}, Schedule: kizuna.Schedule{Kind: kizuna.ScheduleNow}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		if b, err = store.Broadcast(bg, a, b.ID); err != nil {
			t.Fatal(err)
		}
		if len(b.Runs) > 0 && b.Runs[0].Status == kizuna.RunSent {
			break
		}
		if i > 600 {
			t.Fatalf("the broadcast was not sent: %+v\n%s", b, errb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if b.Runs[0].Waterfall.Accepted == 0 || b.Runs[0].Waterfall.Accepted != b.Runs[0].Waterfall.Following {
		t.Fatalf("waterfall %+v", b.Runs[0].Waterfall)
	}
	res, err := http.Get(m[1])
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(page), "デモ配信です") {
		t.Fatalf("the fake's page: %d\n%s", res.StatusCode, page)
	}
}
