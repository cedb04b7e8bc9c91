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
)

// bench: kizuna bench [--db DSN] [--friends N] [--runs R] [--seed S] [--now RFC3339].
// It generates demo friends into a new account, measures the import rate,
// then runs the fixed filter suite (demo.Suite) R times each through the
// store's SQL path and reports p50/p95 latencies and peak memory.
func (c *cmd) bench(ctx context.Context, args []string) error {
	fs, db := c.flags("bench")
	friends := fs.Int("friends", 100000, "demo friends to generate and import")
	runs := fs.Int("runs", 20, "timed previews per filter")
	seed := fs.Int64("seed", 1, "demo data seed")
	nowFlag := fs.String("now", "2026-11-28T03:00:00Z", "reference instant for the data and the previews")
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
	a, err := store.CreateAccount(ctx, fmt.Sprintf("bench-%d-%d", *friends, time.Now().Unix()), kizuna.DefaultTimeZone)
	if err != nil {
		return err
	}
	cat, _ := kizuna.ParseCatalog(demo.Catalog())
	if err := store.PutCatalog(ctx, a, cat); err != nil {
		return err
	}

	// Generate first, so that the import rate is the import's alone.
	tmp, err := os.CreateTemp("", "kizuna-bench-*.ndjson")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriterSize(tmp, 1<<20)
	if err := demo.WriteFriends(bw, demo.Options{Friends: *friends, Seed: *seed, Now: now}); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if _, err := tmp.Seek(0, 0); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "kizuna bench: %d demo friends, %s backend, %d runs per filter, %s, GOMAXPROCS=%d\n\n",
		*friends, store.Dialect(), *runs, runtime.Version(), runtime.GOMAXPROCS(0))
	start := time.Now()
	res, err := store.ImportFriends(ctx, a, bufio.NewReaderSize(tmp, 1<<20), kizuna.ImportOptions{})
	tmp.Close()
	if err != nil {
		return err
	}
	took := time.Since(start)
	fmt.Fprintf(c.stdout, "import: %d friends in %.1f s = %.0f friends/s\n\n", res.Imported, took.Seconds(), float64(res.Imported)/took.Seconds())

	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "| filter\t| count\t| p50 ms\t| p95 ms\t|")
	fmt.Fprintln(tw, "|---\t|---:\t|---:\t|---:\t|")
	var all []time.Duration
	for _, s := range demo.Suite {
		req := kizuna.PreviewRequest{Filter: json.RawMessage(s.Filter), Now: now}
		p, err := store.Preview(ctx, a, req) // warm-up, and the count
		if err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
		lat := make([]time.Duration, *runs)
		for i := range lat {
			t0 := time.Now()
			if _, err := store.Preview(ctx, a, req); err != nil {
				return fmt.Errorf("%s: %w", s.Name, err)
			}
			lat[i] = time.Since(t0)
		}
		all = append(all, lat...)
		fmt.Fprintf(tw, "| %s\t| %d\t| %.1f\t| %.1f\t|\n", s.Name, p.Count, ms(percentile(lat, 50)), ms(percentile(lat, 95)))
	}
	fmt.Fprintf(tw, "| **all filters**\t| \t| %.1f\t| %.1f\t|\n", ms(percentile(all, 50)), ms(percentile(all, 95)))
	tw.Flush()
	fmt.Fprintf(c.stdout, "\npeak memory of this process (VmHWM): %s\n", peakRSS())
	return nil
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
