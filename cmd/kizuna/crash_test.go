package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/linefake"
	"github.com/kizuna-line/kizuna/internal/secretbox"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/lineops"
	"github.com/kizuna-line/kizuna/sqlstore"
)

// TestSendSurvivesKill9 sends a broadcast to about 50,000 friends with real
// `kizuna serve` processes that are killed (SIGKILL) at random instants,
// against a fake LINE that also loses answers after accepting sends (and
// fails some before): after the last restart every following member of the
// segment has exactly one delivery, and nobody else has any.
func TestSendSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and sends 100 batches through crashes")
	}
	bin := filepath.Join(t.TempDir(), "kizuna")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) { sendThroughKills(t, bin, backend) })
	}
}

func sendThroughKills(t *testing.T, bin, backend string) {
	ctx := context.Background()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	dsn := testdb.DSN(t, backend)
	key := make([]byte, secretbox.KeySize)
	for i := range key {
		key[i] = byte(rng.Uint32())
	}
	keyText := base64.StdEncoding.EncodeToString(key)
	store, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if store.Secrets, err = secretbox.New(key); err != nil {
		t.Fatal(err)
	}
	a, err := store.CreateAccount(ctx, "shop", "")
	if err != nil {
		t.Fatal(err)
	}
	// 60,000 friends: every 10th blocked, every 7th not VIP; the segment
	// (VIP) has 46,286 following members.
	const n = 60000
	fake := linefake.New(linefake.Config{ChannelSecret: "crash-secret", AccessToken: "crash-token", Latency: 25 * time.Millisecond, Seed: seed})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	defer fake.Close()
	var b strings.Builder
	want := map[string]bool{}
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("U%032x", i)
		tags, status := `["VIP"]`, "following"
		if i%7 == 0 {
			tags = `[]`
		}
		if i%10 == 0 {
			status = "blocked"
		} else {
			fake.AddFriend(id, "")
			if i%7 != 0 {
				want[id] = true
			}
		}
		fmt.Fprintf(&b, `{"line_user_id": %q, "added_at": "2026-11-01T10:00:00+09:00", "status": %q, "tags": %s}`+"\n", id, status, tags)
	}
	if _, err := store.ImportFriends(ctx, a, strings.NewReader(b.String()), kizuna.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	seg, err := store.CreateSegment(ctx, a, "test", "VIP", 0, json.RawMessage(`{"groups":[{"conditions":[{"field":"tag","op":"has","value":"VIP"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	svc := &lineops.Service{Store: store, NewAPI: lineops.SDK(srv.Client())}
	if _, err := svc.Connect(ctx, a, "test", srv.URL, "crash-secret", "crash-token"); err != nil {
		t.Fatal(err)
	}
	// Answers lost after LINE accepted, and failures before it did, mixed
	// among the first 150 multicasts.
	faults := make([]linefake.Fault, 150)
	for i := range faults {
		switch r := rng.IntN(10); {
		case r < 3:
			faults[i] = linefake.AcceptThenServerError
		case r < 4:
			faults[i] = linefake.ServerError
		}
	}
	fake.InjectFault(linefake.RouteMulticast, faults...)
	bc, err := store.CreateBroadcast(ctx, a, "test", kizuna.BroadcastDraft{Name: "Crash", SegmentID: seg.ID,
		Messages: []kizuna.Message{{Type: "text", Text: "一度だけ届きますように"}}, Schedule: kizuna.Schedule{Kind: kizuna.ScheduleNow}})
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	serve := func() *exec.Cmd {
		c := exec.Command(bin, "serve", "--db", dsn, "--addr", "127.0.0.1:0", "--job-workers", "4", "--job-timeout", "2s", "--job-rescue-after", "3s")
		c.Dir = dir
		c.Env = append(os.Environ(), "KIZUNA_SECRET_KEY="+keyText, "KIZUNA_DB=")
		logf, _ := os.OpenFile(filepath.Join(dir, "serve.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		c.Stdout, c.Stderr = logf, logf
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		return c
	}
	ended := func() *kizuna.Broadcast {
		got, err := store.Broadcast(ctx, a, bc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Runs) > 0 && got.Runs[0].Status != kizuna.RunPending && got.Runs[0].Status != kizuna.RunSending {
			return got
		}
		return nil
	}
	// On PostgreSQL two processes serve at once and share the work; one of
	// them is killed each time, and a new one takes its place.
	want2 := 1
	if backend == "postgres" {
		want2 = 2
	}
	var procs []*exec.Cmd
	defer func() {
		for _, p := range procs {
			p.Process.Kill()
			p.Wait()
		}
	}()
	kills := 0
	for kills < 4 && ended() == nil {
		for len(procs) < want2 {
			procs = append(procs, serve())
		}
		start := time.Now()
		// Kill at a random instant: the first time early (before or while
		// taking the recipients), then while sending, a few batches after
		// the last restart got going.
		if kills == 0 {
			time.Sleep(time.Duration(200+rng.IntN(1500)) * time.Millisecond)
		} else {
			target := len(fake.Deliveries()) + 1 + rng.IntN(20)
			for len(fake.Deliveries()) < target && time.Since(start) < 20*time.Second {
				time.Sleep(time.Duration(rng.IntN(30)) * time.Millisecond)
			}
		}
		i := rng.IntN(len(procs))
		procs[i].Process.Kill() // SIGKILL
		procs[i].Wait()
		procs = append(procs[:i], procs[i+1:]...)
		kills++
		t.Logf("kill %d after %v: %d multicasts accepted so far", kills, time.Since(start).Round(time.Millisecond), len(fake.Deliveries()))
	}
	for len(procs) < want2 {
		procs = append(procs, serve())
	}
	deadline := time.Now().Add(4 * time.Minute)
	var done *kizuna.Broadcast
	for done = ended(); done == nil; done = ended() {
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "serve.log"))
			t.Fatalf("the broadcast did not finish after %d kills; serve's log:\n%s", kills, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if backend == "postgres" {
		// More than one process worked on the batches: every attempt
		// counts, a killed process's too. (Which process makes the last
		// attempt of each job is up to River: the one that inserts the
		// jobs often fetches them all, so counting last attempts alone
		// failed now and then with every batch finished by one process.)
		var workers int
		if err := store.WriteDB().QueryRowContext(ctx, `SELECT COUNT(DISTINCT w) FROM river_job, unnest(attempted_by) AS w WHERE kind = 'kizuna_broadcast_batches'`).Scan(&workers); err != nil {
			t.Fatal(err)
		}
		t.Logf("batches attempted by %d processes", workers)
		if workers < 2 {
			t.Errorf("the batches were attempted by %d process(es); two served at once and one was killed while sending", workers)
		}
	}
	got := fake.Counts()
	twice, missing, strangers := 0, 0, 0
	for id := range want {
		switch got[id] {
		case 0:
			missing++
		case 1:
		default:
			twice++
		}
	}
	for id := range got {
		if !want[id] {
			strangers++
		}
	}
	w := done.Runs[0].Waterfall
	t.Logf("%d kills; run %s; waterfall %+v; %d multicasts accepted", kills, done.Runs[0].Status, w, len(fake.Deliveries()))
	if twice != 0 || missing != 0 || strangers != 0 || len(got) != len(want) {
		t.Fatalf("%d members received twice or more, %d none, %d non-members some (of %d members)", twice, missing, strangers, len(want))
	}
	if done.Runs[0].Status != kizuna.RunSent || w.Accepted != int64(len(want)) || w.Following != int64(len(want)) {
		t.Fatalf("run %+v", done.Runs[0])
	}
}
