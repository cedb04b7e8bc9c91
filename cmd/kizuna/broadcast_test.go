package main

import (
	"context"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/internal/linetest"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

const broadcastMessages = `[{"type": "text", "text": "VIP sale starts now 🎉"}, {"type": "sticker", "packageId": "446", "stickerId": "1988"}]`

// TestBroadcastCommands: broadcast send validates, creates and prints the
// ID alone; the jobs of a running server (here, in the test) send it; show
// --json has the status, the schedule and the runs' waterfalls, show and
// list say the same in words. On both backends.
func TestBroadcastCommands(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			k := newLineCLI(t, backend)
			k.ok("", "account", "create", "shop")
			k.ok("", "account", "create", "other")
			k.ok(friendsNDJSON, "import", "--account", "shop", "-") // VIPs: 1 following, 3 blocked
			db := k.store()                                         // the server's side
			eng := engine.New(db, db, nil)
			t.Cleanup(eng.Stop)
			a, err := db.FindAccount(ctx, "shop")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.CreateSegment(ctx, a, "test", "VIP", 0, json.RawMessage(`{"groups":[{"conditions":[{"field":"tag","op":"has","value":"VIP"}]}]}`)); err != nil {
				t.Fatal(err)
			}
			eng.Load(a) // as kizuna serve does at start
			lt := linetest.Start(t, db, eng, a)
			lt.Fake.AddFriend(lineUser(1), "Aiko")
			lt.Fake.AddFriend(lineUser(2), "Ben")

			r := k.ok(broadcastMessages, "broadcast", "send", "--account", "shop", "--segment", "vip", "--messages", "-", "--name", "VIP sale")
			if !regexp.MustCompile(`^[1-9][0-9]*\n$`).MatchString(r.stdout) || !strings.Contains(r.stderr, "queued to send now; kizuna serve sends it") {
				t.Fatalf("send printed %q, said %q", r.stdout, r.stderr)
			}
			id, _ := strconv.ParseInt(strings.TrimSpace(r.stdout), 10, 64)
			linetest.WaitBroadcast(t, db, a, id, time.Minute)
			if counts := lt.Fake.Counts(); len(counts) != 1 || counts[lineUser(1)] != 1 {
				t.Fatalf("the fake received %v", counts)
			}

			r = k.ok("", "broadcast", "show", "--account", "shop", strconv.FormatInt(id, 10), "--json")
			var b kizuna.Broadcast
			if err := json.Unmarshal([]byte(r.stdout), &b); err != nil {
				t.Fatalf("show --json: %v\n%s", err, r.stdout)
			}
			if b.ID != id || b.Name != "VIP sale" || b.Status != kizuna.BroadcastSent || b.Schedule.Kind != kizuna.ScheduleNow || len(b.Messages) != 2 || len(b.Runs) != 1 {
				t.Fatalf("show --json: %+v", b)
			}
			if w := b.Runs[0].Waterfall; b.Runs[0].Status != kizuna.RunSent || w.Matched != 2 || w.Following != 1 || w.QuotaAllows != 1 || w.Sent != 1 || w.Accepted != 1 || w.Failed != 0 || w.Unsent != 0 {
				t.Fatalf("the run: %+v", b.Runs[0])
			}
			for _, key := range []string{`"status": "sent"`, `"schedule": {`, `"waterfall": {`, `"accepted": 1`} {
				if !strings.Contains(r.stdout, key) {
					t.Errorf("show --json lacks %s:\n%s", key, r.stdout)
				}
			}
			r = k.ok("", "broadcast", "show", "--account", "shop", strconv.FormatInt(id, 10))
			for _, want := range []string{"broadcast " + strconv.FormatInt(id, 10) + ": VIP sale\n", "status:    sent\n", "segment:   VIP", "schedule:  Now",
				"messages:  2 (text, sticker)", "matched by the segment", "accepted by LINE", "RUN", "ACCEPTED"} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("show did not say %q:\n%s", want, r.stdout)
				}
			}

			// Once at a time: scheduled, not sent.
			at := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Minute)
			file := writeFile(t, "messages.json", `[{"type": "text", "text": "Tomorrow"}]`)
			r = k.ok("", "broadcast", "send", "--account", "shop", "--segment", "VIP", "--messages", file, "--at", at.Format(time.RFC3339))
			later, _ := strconv.ParseInt(strings.TrimSpace(r.stdout), 10, 64)
			if !strings.Contains(r.stderr, "scheduled for "+at.In(a.Location()).Format("2006-01-02 15:04")) {
				t.Errorf("send --at said %q", r.stderr)
			}
			r = k.ok("", "broadcast", "show", "--account", "shop", strconv.FormatInt(later, 10), "--json")
			b = kizuna.Broadcast{}
			if err := json.Unmarshal([]byte(r.stdout), &b); err != nil || b.Status != kizuna.BroadcastScheduled || b.NextRunAt == nil || !b.NextRunAt.Equal(at) || len(b.Runs) != 0 || !strings.HasPrefix(b.Name, "VIP ") {
				t.Fatalf("the scheduled broadcast: %+v (%v)", b, err)
			}
			r = k.ok("", "broadcast", "show", "--account", "shop", strconv.FormatInt(later, 10))
			if !strings.Contains(r.stdout, "status:    scheduled") || !strings.Contains(r.stdout, "next run:") || !strings.Contains(r.stdout, "no run yet") {
				t.Errorf("show of a scheduled broadcast:\n%s", r.stdout)
			}

			r = k.ok("", "broadcast", "list", "--account", "shop")
			if !regexp.MustCompile(`(?m)^`+strconv.FormatInt(id, 10)+`\s+VIP sale\s+VIP\s+sent\s+Now\s+-\s+sent: 1 of 1 accepted$`).MatchString(r.stdout) ||
				!regexp.MustCompile(`(?m)^`+strconv.FormatInt(later, 10)+`\s+VIP .*scheduled\s+Once, on`).MatchString(r.stdout) {
				t.Errorf("list:\n%s", r.stdout)
			}
			if r := k.ok("", "broadcast", "list", "--account", "other"); !strings.Contains(r.stdout, "no broadcast") {
				t.Errorf("list of an account without broadcasts: %q", r.stdout)
			}

			// Refusals: a bad message at its path, an unknown segment, a
			// past time, a bad command line, another account's broadcast,
			// an account without a LINE channel.
			for _, c := range []struct {
				stdin string
				args  []string
				code  int
				says  string
			}{
				{`[{"type": "text", "text": ""}]`, []string{"broadcast", "send", "--account", "shop", "--segment", "VIP", "--messages", "-"}, 1, "(at messages[0].text)"},
				{`{"type": "text", "text": "hi"}`, []string{"broadcast", "send", "--account", "shop", "--segment", "VIP", "--messages", "-"}, 1, "(at messages)"},
				{broadcastMessages, []string{"broadcast", "send", "--account", "shop", "--segment", "Nobody", "--messages", "-"}, 1, `no segment named "Nobody" in account "shop"`},
				{broadcastMessages, []string{"broadcast", "send", "--account", "shop", "--segment", "VIP", "--messages", "-", "--at", "2020-01-01T00:00:00Z"}, 1, "(at schedule.at)"},
				{broadcastMessages, []string{"broadcast", "send", "--account", "shop", "--segment", "VIP", "--messages", "-", "--at", "tomorrow"}, exitUsage, "--at"},
				{"", []string{"broadcast", "send", "--account", "shop", "--segment", "VIP"}, exitUsage, "--messages"},
				{"", []string{"broadcast", "show", "--account", "shop"}, exitUsage, "one broadcast ID"},
				{"", []string{"broadcast", "show", "--account", "shop", "x"}, exitUsage, "not a broadcast ID"},
				{"", []string{"broadcast", "show", "--account", "other", strconv.FormatInt(id, 10)}, 1, "no broadcast"},
				{"", []string{"broadcast", "stop"}, exitUsage, "unknown command"},
			} {
				if r := k.run(c.stdin, c.args...); r.code != c.code || !strings.Contains(r.stderr, c.says) || r.stdout != "" {
					t.Errorf("kizuna %s: exit %d, stdout %q, stderr %q; want %d saying %q", strings.Join(c.args, " "), r.code, r.stdout, r.stderr, c.code, c.says)
				}
			}
			o, _ := db.FindAccount(ctx, "other")
			if _, err := db.CreateSegment(ctx, o, "test", "All", 0, json.RawMessage(`{"groups":[{"conditions":[{"field":"line.days_since_added","op":"gte","value":0}]}]}`)); err != nil {
				t.Fatal(err)
			}
			if r := k.run(broadcastMessages, "broadcast", "send", "--account", "other", "--segment", "All", "--messages", "-"); r.code != 1 || !strings.Contains(r.stderr, "no LINE channel is connected") {
				t.Errorf("send without a channel: %+v", r)
			}
		})
	}
}
