package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/demo"
	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/sqlstore"
)

// bench: kizuna bench [--db DSN] [--friends N] [--runs R] [--seed S] [--now RFC3339].
// It generates demo friends into a new account, measures the import rate,
// builds the in-memory engine's index from the database, then runs the fixed
// filter suite (demo.Suite) R times each through the store's SQL path and 5R
// times through the engine, and reports p50/p95 latencies, the ratio, the
// index's build time and size, and peak memory.
func (c *cmd) bench(ctx context.Context, args []string) error {
	fs, db := c.flags("bench")
	friends := fs.Int("friends", 100000, "demo friends to generate and import")
	runs := fs.Int("runs", 20, "timed previews per filter")
	seed := fs.Int64("seed", 1, "demo data seed")
	nowFlag := fs.String("now", "2026-11-28T03:00:00Z", "reference instant for the data and the previews")
	existing := fs.String("account", "", "benchmark the previews of this existing account (from an earlier run) instead of importing a new one")
	if _, err := c.parse(fs, args, 0, 0, "no positional arguments"); err != nil {
		return err
	}
	now, err := time.Parse(time.RFC3339, *nowFlag)
	if err != nil {
		return &usageError{fmt.Sprintf("--now %q is not an RFC 3339 timestamp", *nowFlag)}
	}
	if *friends <= 0 || *runs <= 0 {
		return &usageError{"--friends and --runs must be positive"}
	}
	store, err := c.open(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	fmt.Fprintf(c.stdout, "kizuna bench: %s backend, %d runs per filter, %s, GOMAXPROCS=%d\n\n",
		store.Dialect(), *runs, runtime.Version(), runtime.GOMAXPROCS(0))
	var a *kizuna.Account
	if *existing != "" {
		// Reuse an account a previous run imported: previews only.
		if a, err = store.FindAccount(ctx, *existing); err != nil {
			return err
		}
	} else {
		if a, err = c.benchImport(ctx, store, *friends, *seed, now); err != nil {
			return err
		}
	}
	// The in-memory engine: build the account's index from the database.
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	eng := engine.New(store, store, nil)
	defer eng.Stop()
	start := time.Now()
	eng.Load(a)
	for !eng.Ready(a) {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		time.Sleep(time.Millisecond)
	}
	buildTook := time.Since(start)
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	fmt.Fprintf(c.stdout, "engine index build: %.1f s (%.0f friends/s); heap after build grew by %.1f MiB = %.0f bytes/friend\n\n",
		buildTook.Seconds(), float64(eng.Len(a))/buildTook.Seconds(),
		float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), float64(after.HeapAlloc-before.HeapAlloc)/float64(eng.Len(a)))

	var total uint64
	for _, part := range eng.Footprint(a) {
		total += part.Bytes
	}
	fmt.Fprintf(c.stdout, "index by part (approximate, %.0f bytes/friend in all):\n", float64(total)/float64(eng.Len(a)))
	for _, part := range eng.Footprint(a) {
		fmt.Fprintf(c.stdout, "- %s: %.1f MiB = %.1f bytes/friend\n", part.Name, float64(part.Bytes)/(1<<20), float64(part.Bytes)/float64(eng.Len(a)))
	}
	fmt.Fprintln(c.stdout)

	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "| filter\t| count\t| SQL p50 ms\t| SQL p95 ms\t| engine cold p50 ms\t| cold p95 ms\t| engine warm p50 ms\t| warm p95 ms\t| SQL/warm p50\t|")
	fmt.Fprintln(tw, "|---\t|---:\t|---:\t|---:\t|---:\t|---:\t|---:\t|---:\t|---:\t|")
	var allSQL, allCold, allEng []time.Duration
	for _, s := range demo.Suite {
		req := kizuna.PreviewRequest{Filter: json.RawMessage(s.Filter), Now: now}
		p, err := store.Preview(ctx, a, req) // warm-up, and the count
		if err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
		ep, err := eng.Preview(ctx, a, req)
		if err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
		if ep.Count != p.Count || ep.AnsweredBy != "engine" {
			return fmt.Errorf("%s: the engine answered %d (%s), SQL %d", s.Name, ep.Count, ep.AnsweredBy, p.Count)
		}
		sqlLat, err := timeRuns(*runs, func() error { _, err := store.Preview(ctx, a, req); return err })
		if err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
		coldLat := make([]time.Duration, *runs*5)
		for i := range coldLat {
			eng.DropCache(a)
			t0 := time.Now()
			if _, err := eng.Preview(ctx, a, req); err != nil {
				return fmt.Errorf("%s: %w", s.Name, err)
			}
			coldLat[i] = time.Since(t0)
		}
		engLat, err := timeRuns(*runs*5, func() error { _, err := eng.Preview(ctx, a, req); return err })
		if err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
		allSQL, allCold, allEng = append(allSQL, sqlLat...), append(allCold, coldLat...), append(allEng, engLat...)
		fmt.Fprintf(tw, "| %s\t| %d\t| %.1f\t| %.1f\t| %.2f\t| %.2f\t| %.2f\t| %.2f\t| %.0f×\t|\n", s.Name, p.Count,
			ms(percentile(sqlLat, 50)), ms(percentile(sqlLat, 95)), ms(percentile(coldLat, 50)), ms(percentile(coldLat, 95)),
			ms(percentile(engLat, 50)), ms(percentile(engLat, 95)), ms(percentile(sqlLat, 50))/ms(percentile(engLat, 50)))
	}
	fmt.Fprintf(tw, "| **all filters**\t| \t| %.1f\t| %.1f\t| %.2f\t| %.2f\t| %.2f\t| %.2f\t| %.0f×\t|\n", ms(percentile(allSQL, 50)), ms(percentile(allSQL, 95)),
		ms(percentile(allCold, 50)), ms(percentile(allCold, 95)),
		ms(percentile(allEng, 50)), ms(percentile(allEng, 95)), ms(percentile(allSQL, 50))/ms(percentile(allEng, 50)))
	tw.Flush()
	if err := c.benchWrites(ctx, store, eng, a, now); err != nil {
		return err
	}
	st := eng.CacheStats(a)
	fmt.Fprintf(c.stdout, "\ncondition cache after the run: %d entries, %.1f MiB\n", st.Entries, float64(st.Bytes)/(1<<20))
	fmt.Fprintf(c.stdout, "peak memory of this process (VmHWM): %s\n", peakRSS())
	return nil
}

// benchWrites measures how soon a write is visible to previews and how fast
// the index applies changed friends. Writes go to the store directly, as
// another process's would; the next preview applies them from the change
// log before it answers. The tag it adds is removed again at the end.
func (c *cmd) benchWrites(ctx context.Context, store *sqlstore.DB, eng *engine.Engine, a *kizuna.Account, now time.Time) error {
	const tag, singles = "kizuna-bench-write", 50
	// A batch small enough to be applied, not rebuilt (engine.catchUp).
	batch := min(100000, eng.Len(a)/4)
	ids, err := store.LineUserIDs(ctx, a, batch)
	if err != nil {
		return err
	}
	req := kizuna.PreviewRequest{Filter: json.RawMessage(`{"groups":[{"conditions":[{"field":"tag","op":"has","value":"` + tag + `"}]}]}`), Now: now}
	preview := func(want int64) (*kizuna.Preview, error) {
		p, err := eng.Preview(ctx, a, req)
		if err == nil && (p.Count != want || p.AnsweredBy != "engine") {
			err = fmt.Errorf("bench writes: the preview answered %d from %s, want %d from the engine", p.Count, p.AnsweredBy, want)
		}
		return p, err
	}
	// One following friend at a time: the delay from commit to the answer
	// of a preview, which must count the friend.
	var writes, visible []time.Duration
	var tagged int64
	for _, id := range ids {
		if tagged == singles {
			break
		}
		if f, err := store.FindFriend(ctx, a, id); err != nil {
			return err
		} else if f.Status != kizuna.StatusFollowing {
			continue
		}
		t0 := time.Now()
		if err := store.TagFriends(ctx, a, []string{id}, []string{tag}, nil); err != nil {
			return err
		}
		t1 := time.Now()
		tagged++
		if _, err := preview(tagged); err != nil {
			return err
		}
		writes, visible = append(writes, t1.Sub(t0)), append(visible, time.Since(t1))
	}
	// Many friends at once: the rate at which the index applies them.
	t0 := time.Now()
	if err := store.TagFriends(ctx, a, ids, []string{tag}, nil); err != nil {
		return err
	}
	written := time.Since(t0)
	t1 := time.Now()
	p, err := eng.Preview(ctx, a, req)
	if err != nil {
		return err
	}
	seen := time.Since(t1)
	if want, err := store.Preview(ctx, a, req); err != nil {
		return err
	} else if p.Count != want.Count || p.AnsweredBy != "engine" {
		return fmt.Errorf("bench writes: after tagging %d friends the engine answered %d (%s), SQL %d", len(ids), p.Count, p.AnsweredBy, want.Count)
	}
	cu := eng.LastCatchUp(a)
	fmt.Fprintf(c.stdout, "\nwrites, tagging friends in the database (as another process would), then previewing:\n")
	fmt.Fprintf(c.stdout, "- one friend, %d times: write p50 %.2f ms; commit to answered preview p50 %.2f ms, p95 %.2f ms (the preview applies the change first)\n",
		len(writes), ms(percentile(writes, 50)), ms(percentile(visible, 50)), ms(percentile(visible, 95)))
	fmt.Fprintf(c.stdout, "- %d friends at once: write %.0f ms; commit to answered preview %.0f ms: reading their facts %.0f ms, applying them to the index %.0f ms = %.0f friends/s applied (%.0f friends/s read and applied)\n",
		cu.Friends, ms(written), ms(seen), ms(cu.Read), ms(cu.Apply), float64(cu.Friends)/cu.Apply.Seconds(), float64(cu.Friends)/(cu.Read+cu.Apply).Seconds())
	if err := store.TagFriends(ctx, a, ids, nil, []string{tag}); err != nil {
		return err
	}
	_, err = preview(0)
	return err
}

// benchImport generates demo friends into a temporary file first, so that
// the import rate is the import's alone, then imports them into a new account.
func (c *cmd) benchImport(ctx context.Context, store *sqlstore.DB, friends int, seed int64, now time.Time) (*kizuna.Account, error) {
	a, err := store.CreateAccount(ctx, fmt.Sprintf("bench-%d-%d", friends, time.Now().Unix()), kizuna.DefaultTimeZone)
	if err != nil {
		return nil, err
	}
	cat, _ := kizuna.ParseCatalog(demo.Catalog())
	if err := store.PutCatalog(ctx, a, cat); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp("", "kizuna-bench-*.ndjson")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	bw := bufio.NewWriterSize(tmp, 1<<20)
	if err := demo.WriteFriends(bw, demo.Options{Friends: friends, Seed: seed, Now: now}); err != nil {
		return nil, err
	}
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	if _, err := tmp.Seek(0, 0); err != nil {
		return nil, err
	}
	start := time.Now()
	res, err := store.ImportFriends(ctx, a, bufio.NewReaderSize(tmp, 1<<20), kizuna.ImportOptions{})
	if err != nil {
		return nil, err
	}
	took := time.Since(start)
	fmt.Fprintf(c.stdout, "import: %d friends into %s in %.1f s = %.0f friends/s\n\n", res.Imported, a.Name, took.Seconds(), float64(res.Imported)/took.Seconds())
	return a, nil
}

// timeRuns times n calls of fn.
func timeRuns(n int, fn func() error) ([]time.Duration, error) {
	lat := make([]time.Duration, n)
	for i := range lat {
		t0 := time.Now()
		if err := fn(); err != nil {
			return nil, err
		}
		lat[i] = time.Since(t0)
	}
	return lat, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// percentile returns the p-th percentile by the nearest-rank method.
func percentile(d []time.Duration, p int) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	rank := (p*len(s) + 99) / 100
	return s[max(rank-1, 0)]
}

// peakRSS reads the process's peak resident set size from /proc (Linux).
func peakRSS() string {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:"))
		}
	}
	return "unknown"
}
