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

// bench: kizuna bench [--db DSN] [--friends N] [--runs R] [--seed S] [--now RFC3339]
// [--account NAME] [--also-db DSN [--also-account NAME]].
// It generates demo friends into a new account (or reuses one), measures the
// import rate, builds the in-memory engine's index from the database, then
// runs the fixed filter suite (demo.Suite) R times each through the store's
// SQL path and 5R times through the engine, cold and warm, and reports p50/p95
// latencies, the ratios, the index's build time and size, peak memory, and
// how writes reach the index. With --also-db (the other backend, holding the
// same demo data), that database's SQL path is timed in the same run and the
// index is built from it too.
func (c *cmd) bench(ctx context.Context, args []string) error {
	fs, db := c.flags("bench")
	friends := fs.Int("friends", 100000, "demo friends to generate and import")
	runs := fs.Int("runs", 20, "timed previews per filter")
	seed := fs.Int64("seed", 1, "demo data seed")
	nowFlag := fs.String("now", "2026-11-28T03:00:00Z", "reference instant for the data and the previews")
	existing := fs.String("account", "", "benchmark the previews of this existing account (from an earlier run) instead of importing a new one")
	alsoDB := fs.String("also-db", "", "a second database (the other backend) with the same demo data, whose SQL path is timed in the same run")
	alsoAccount := fs.String("also-account", "", "the account in --also-db (default: the --account name)")
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
	if *alsoAccount == "" {
		*alsoAccount = *existing
	}
	store, err := c.open(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	fmt.Fprintf(c.stdout, "kizuna bench: %s backend, %d runs per filter, %s, GOMAXPROCS=%d\n\n",
		store.Dialect(), *runs, runtime.Version(), runtime.GOMAXPROCS(0))
	account := func(store *sqlstore.DB, name string) (*kizuna.Account, error) {
		if name != "" {
			return store.FindAccount(ctx, name) // reuse an account a previous run imported
		}
		return c.benchImport(ctx, store, *friends, *seed, now)
	}
	a, err := account(store, *existing)
	if err != nil {
		return err
	}
	var other *sqlstore.DB
	var oa *kizuna.Account
	if *alsoDB != "" {
		if other, err = sqlstore.Open(ctx, *alsoDB); err != nil {
			return err
		}
		defer other.Close()
		if oa, err = account(other, *alsoAccount); err != nil {
			return err
		}
		// The index built from the other backend: only its build time.
		eng, err := c.benchBuild(ctx, other, oa)
		if err != nil {
			return err
		}
		eng.Stop()
	}
	eng, err := c.benchBuild(ctx, store, a)
	if err != nil {
		return err
	}
	defer eng.Stop()
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
	sqlName := func(s *sqlstore.DB) string {
		return map[string]string{"sqlite": "SQLite", "postgres": "PostgreSQL"}[s.Dialect()]
	}
	header := fmt.Sprintf("| filter\t| count\t| %[1]s p50 ms\t| %[1]s p95 ms\t", sqlName(store))
	rule := "|---\t|---:\t|---:\t|---:\t"
	if other != nil {
		header += fmt.Sprintf("| %[1]s p50 ms\t| %[1]s p95 ms\t", sqlName(other))
		rule += "|---:\t|---:\t"
	}
	header += fmt.Sprintf("| engine cold p50 ms\t| cold p95 ms\t| engine warm p50 ms\t| warm p95 ms\t| %s/warm p50\t", sqlName(store))
	rule += "|---:\t|---:\t|---:\t|---:\t|---:\t"
	if other != nil {
		header += fmt.Sprintf("| %s/warm p50\t", sqlName(other))
		rule += "|---:\t"
	}
	fmt.Fprintln(tw, header+"|")
	fmt.Fprintln(tw, rule+"|")
	var allSQL, allOther, allCold, allEng []time.Duration
	row := func(name, count string, sqlLat, otherLat, coldLat, engLat []time.Duration) {
		line := fmt.Sprintf("| %s\t| %s\t| %.1f\t| %.1f\t", name, count, ms(percentile(sqlLat, 50)), ms(percentile(sqlLat, 95)))
		if other != nil {
			line += fmt.Sprintf("| %.1f\t| %.1f\t", ms(percentile(otherLat, 50)), ms(percentile(otherLat, 95)))
		}
		line += fmt.Sprintf("| %.2f\t| %.2f\t| %.2f\t| %.2f\t| %.0f×\t", ms(percentile(coldLat, 50)), ms(percentile(coldLat, 95)),
			ms(percentile(engLat, 50)), ms(percentile(engLat, 95)), ms(percentile(sqlLat, 50))/ms(percentile(engLat, 50)))
		if other != nil {
			line += fmt.Sprintf("| %.0f×\t", ms(percentile(otherLat, 50))/ms(percentile(engLat, 50)))
		}
		fmt.Fprintln(tw, line+"|")
	}
	for _, s := range demo.Suite {
		req := kizuna.PreviewRequest{Filter: json.RawMessage(s.Filter), Now: now}
		sqlLat, p, err := timePreviews(*runs, func() (*kizuna.Preview, error) { return store.Preview(ctx, a, req) })
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
		var otherLat []time.Duration
		if other != nil {
			var op *kizuna.Preview
			if otherLat, op, err = timePreviews(*runs, func() (*kizuna.Preview, error) { return other.Preview(ctx, oa, req) }); err != nil {
				return fmt.Errorf("%s: %w", s.Name, err)
			}
			if op.Count != p.Count {
				return fmt.Errorf("%s: %s answered %d, %s %d: the two databases hold different data", s.Name, sqlName(other), op.Count, sqlName(store), p.Count)
			}
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
		allSQL, allOther, allCold, allEng = append(allSQL, sqlLat...), append(allOther, otherLat...), append(allCold, coldLat...), append(allEng, engLat...)
		row(s.Name, fmt.Sprint(p.Count), sqlLat, otherLat, coldLat, engLat)
	}
	row("**all filters**", "", allSQL, allOther, allCold, allEng)
	tw.Flush()
	if err := c.benchWrites(ctx, store, eng, a, now); err != nil {
		return err
	}
	st := eng.CacheStats(a)
	fmt.Fprintf(c.stdout, "\ncondition cache after the run: %d entries, %.1f MiB\n", st.Entries, float64(st.Bytes)/(1<<20))
	fmt.Fprintf(c.stdout, "peak memory of this process (VmHWM): %s\n", peakRSS())
	return nil
}

// benchBuild builds the account's index from store and reports its build
// time and the heap it took.
func (c *cmd) benchBuild(ctx context.Context, store *sqlstore.DB, a *kizuna.Account) (*engine.Engine, error) {
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	eng := engine.New(store, store, nil)
	start := time.Now()
	eng.Load(a)
	for !eng.Ready(a) {
		if ctx.Err() != nil {
			eng.Stop()
			return nil, ctx.Err()
		}
		time.Sleep(time.Millisecond)
	}
	took := time.Since(start)
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	grew := float64(after.HeapAlloc) - float64(before.HeapAlloc)
	fmt.Fprintf(c.stdout, "engine index build from %s: %.1f s (%.0f friends/s); heap after build grew by %.1f MiB = %.0f bytes/friend\n\n",
		store.Dialect(), took.Seconds(), float64(eng.Len(a))/took.Seconds(), grew/(1<<20), grew/float64(eng.Len(a)))
	return eng, nil
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
	a, err := store.CreateAccount(ctx, fmt.Sprintf("bench-%d-%d", friends, time.Now().UnixNano()), kizuna.DefaultTimeZone)
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

// timePreviews times n previews through the SQL path, after one untimed
// warm-up when n > 1 (at 10M friends one SQLite preview can take a minute),
// and returns the last answer.
func timePreviews(n int, preview func() (*kizuna.Preview, error)) ([]time.Duration, *kizuna.Preview, error) {
	var p *kizuna.Preview
	var err error
	if n > 1 {
		if p, err = preview(); err != nil {
			return nil, nil, err
		}
	}
	lat, err := timeRuns(n, func() error { p, err = preview(); return err })
	return lat, p, err
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
