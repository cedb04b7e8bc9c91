package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/internal/linefake"
	"github.com/kizuna-line/kizuna/jobs"
	"github.com/kizuna-line/kizuna/lineops"
)

// benchSend: kizuna bench send [--db DSN] [--recipients N] [--rate N]
// [--workers N]. It sends a broadcast to N following friends through the
// real sender (River jobs, the LINE SDK) to `kizuna fake line` in another
// process on loopback, limited like LINE to --rate multicasts a second,
// and reports how long taking the recipients and sending took, and this
// process's memory while sending.
func (c *cmd) benchSend(ctx context.Context, args []string) error {
	fs, db := c.flags("bench send")
	n := fs.Int("recipients", 1000000, "following friends to send to")
	rateFlag := fs.Int("rate", 200, "the fake LINE's multicast limit, requests a second")
	workers := fs.Int("workers", 16, "sends at once")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the sending to this file")
	if _, err := c.parse(fs, args, 0, 0, "no positional arguments"); err != nil {
		return err
	}
	if *n <= 0 || *rateFlag <= 0 || *workers <= 0 {
		return &usageError{"--recipients, --rate and --workers must be positive"}
	}
	store, err := c.open(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()

	// The fake LINE, in its own process so that its record of 1M
	// deliveries is not in this process's memory.
	dir, err := os.MkdirTemp("", "kizuna-bench-send")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	secret, token := randomHex(16), randomHex(32)
	os.WriteFile(filepath.Join(dir, "secret"), []byte(secret), 0o600)
	os.WriteFile(filepath.Join(dir, "token"), []byte(token), 0o600)
	self, err := os.Executable()
	if err != nil {
		return err
	}
	fake := exec.CommandContext(ctx, self, "fake", "line", "--addr", "127.0.0.1:0", "--rate-limit", fmt.Sprint(*rateFlag),
		"--channel-secret-file", filepath.Join(dir, "secret"), "--access-token-file", filepath.Join(dir, "token"))
	fakeOut, _ := fake.StdoutPipe()
	fake.Stderr = c.stderr
	if err := fake.Start(); err != nil {
		return err
	}
	defer func() { fake.Process.Kill(); fake.Wait() }()
	first, err := bufio.NewReader(fakeOut).ReadString('\n')
	if err != nil {
		return fmt.Errorf("the fake LINE printed nothing: %w", err)
	}
	m := regexp.MustCompile(`(http://\S+)`).FindStringSubmatch(first)
	if m == nil {
		return fmt.Errorf("the fake LINE printed %q", first)
	}
	base := strings.TrimRight(m[1], "/")
	go io.Copy(io.Discard, fakeOut)

	a, err := store.CreateAccount(ctx, fmt.Sprintf("bench-send-%d", time.Now().UnixNano()), kizuna.DefaultTimeZone)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "kizuna bench send: %s backend, %d recipients, fake LINE at %s limited to %d multicasts/s, %d workers, %s, GOMAXPROCS=%d\n",
		store.Dialect(), *n, base, *rateFlag, *workers, runtime.Version(), runtime.GOMAXPROCS(0))
	pr, pw := io.Pipe()
	go func() {
		bw := bufio.NewWriterSize(pw, 1<<20)
		for i := 1; i <= *n; i++ {
			fmt.Fprintf(bw, `{"line_user_id":"U%032x","added_at":"2026-01-01T00:00:00Z"}`+"\n", i)
		}
		bw.Flush()
		pw.Close()
	}()
	start := time.Now()
	if _, err := store.ImportFriends(ctx, a, pr, kizuna.ImportOptions{}); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "imported %d friends in %.1fs\n", *n, time.Since(start).Seconds())
	ch := kizuna.LineChannel{APIBase: base, BotUserID: "U" + randomHex(16), BotName: "bench", ConnectedAt: time.Now().UTC(), ConnectedBy: "bench"}
	if err := store.ConnectLine(ctx, a, "bench", ch, kizuna.LineCredentials{ChannelSecret: secret, AccessToken: token}); err != nil {
		return err
	}
	seg, err := store.CreateSegment(ctx, a, "bench", "everyone", 0, json.RawMessage(`{"groups":[{"conditions":[{"field":"line.days_since_added","op":"gte","value":0}]}]}`))
	if err != nil {
		return err
	}
	eng := engine.New(store, store, nil)
	defer eng.Stop()
	eng.Load(a)
	for !eng.Ready(a) {
		time.Sleep(20 * time.Millisecond)
	}
	// The reach alone (segment → following friends, sorted).
	t0 := time.Now()
	if _, err := eng.Reach(ctx, a, seg.Filter, time.Time{}); err != nil {
		return err
	}
	reachTook := time.Since(t0)

	if err := jobs.Migrate(ctx, store.WriteDB(), store.Dialect()); err != nil {
		return err
	}
	j, err := jobs.New(jobs.Config{DB: store.WriteDB(), Dialect: store.Dialect(), Store: eng, Reacher: eng,
		Connect: lineops.Jobs(lineops.SDK(nil)), MulticastRate: *rateFlag, Workers: *workers, DueEvery: 50 * time.Millisecond})
	if err != nil {
		return err
	}
	if err := j.Start(ctx); err != nil {
		return err
	}
	defer j.Stop(context.Background())
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	baseHeap := ms.HeapInuse
	var peakHeap atomic.Uint64
	stopSampling := make(chan struct{})
	go func() {
		for {
			select {
			case <-stopSampling:
				return
			case <-time.After(20 * time.Millisecond):
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peakHeap.Load() {
				peakHeap.Store(ms.HeapInuse)
			}
		}
	}()

	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	created := time.Now()
	b, err := store.CreateBroadcast(ctx, a, "bench", kizuna.BroadcastDraft{Name: "bench", SegmentID: seg.ID,
		Messages: []kizuna.Message{{Type: "text", Text: "ベンチマーク"}}, Schedule: kizuna.Schedule{Kind: kizuna.ScheduleNow}})
	if err != nil {
		return err
	}
	j.Kick(ctx)
	var snapshotAt time.Time
	var snapshotPeak uint64
	for {
		b, err = store.Broadcast(ctx, a, b.ID)
		if err != nil {
			return err
		}
		if len(b.Runs) > 0 {
			st := b.Runs[0].Status
			if snapshotAt.IsZero() && st != kizuna.RunPending {
				snapshotAt = time.Now()
				// What taking the recipients left behind is garbage now:
				// collect it, so that the peak while sending is the
				// sending's own.
				runtime.GC()
				snapshotPeak = peakHeap.Swap(0)
			}
			if st != kizuna.RunPending && st != kizuna.RunSending {
				break
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	endedAt := time.Now()
	close(stopSampling)
	run := b.Runs[0]

	res, err := http.Get(base + "/fake/deliveries")
	if err != nil {
		return err
	}
	var ds []linefake.Delivery
	err = json.NewDecoder(res.Body).Decode(&ds)
	res.Body.Close()
	if err != nil {
		return err
	}
	seen := make(map[string]bool, *n)
	twice := 0
	var firstAt, lastAt time.Time
	for i, d := range ds {
		if i == 0 || d.At.Before(firstAt) {
			firstAt = d.At
		}
		if d.At.After(lastAt) {
			lastAt = d.At
		}
		for _, id := range d.To {
			if seen[id] {
				twice++
			}
			seen[id] = true
		}
	}
	fmt.Fprintf(c.stdout, "reach (segment → %d following friends, sorted):        %6.0f ms\n", *n, float64(reachTook.Microseconds())/1000)
	fmt.Fprintf(c.stdout, "broadcast created → recipients stored as %d batches:   %6.0f ms (includes the due check)\n", len(ds), float64(snapshotAt.Sub(created).Microseconds())/1000)
	fmt.Fprintf(c.stdout, "first → last multicast accepted by the fake:           %6.2f s  (%d requests, %.0f requests/s)\n", lastAt.Sub(firstAt).Seconds(), len(ds), float64(len(ds)-1)/lastAt.Sub(firstAt).Seconds())
	fmt.Fprintf(c.stdout, "recipients stored → first multicast accepted:           %6.0f ms\n", float64(firstAt.Sub(snapshotAt).Microseconds())/1000)
	fmt.Fprintf(c.stdout, "last multicast accepted → run %s:                     %6.0f ms\n", run.Status, float64(endedAt.Sub(lastAt).Microseconds())/1000)
	fmt.Fprintf(c.stdout, "broadcast created → last multicast accepted:            %6.2f s\n", lastAt.Sub(created).Seconds())
	fmt.Fprintf(c.stdout, "recipients accepted %d, received once %d, twice %d\n", run.Waterfall.Accepted, len(seen), twice)
	fmt.Fprintf(c.stdout, "heap in use: %d MiB before the broadcast (the index of %d friends included); peak %d MiB while taking the recipients (+%d MiB); peak %d MiB while sending (+%d MiB)\n",
		baseHeap>>20, *n, snapshotPeak>>20, (max(snapshotPeak, baseHeap)-baseHeap)>>20, peakHeap.Load()>>20, (max(peakHeap.Load(), baseHeap)-baseHeap)>>20)
	return nil
}
