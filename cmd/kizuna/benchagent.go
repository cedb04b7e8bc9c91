package main

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/agent"
)

// benchGoals are the goals `kizuna bench agent` times: the brief's three
// examples, a catalog name, a property, a refinement's first turn.
var benchGoals = []struct{ lang, goal string }{
	{"ja", "最近購入していない人に再来店キャンペーンを送りたい"},
	{"en", "I want to send onboarding to people who just became friends."},
	{"en", "I want to give a limited coupon only to repeat customers."},
	{"ja", "カゴ落ちしている人に24時間以内にリマインド"},
	{"en", "people on the Newsletter list who are not customers yet"},
	{"ja", "VIP以外で半年以上購入がない人"},
	{"en", "members with at least 500 loyalty points"},
}

// benchAgent: kizuna bench agent [--friends N] [--runs R] [--seed N]
// [--now RFC3339] [--account NAME]: proposals (offline planner, counts
// from the engine) timed per goal.
func (c *cmd) benchAgent(ctx context.Context, args []string) error {
	fs, db := c.flags("bench agent")
	friends := fs.Int("friends", 1000000, "demo friends to generate and import")
	runs := fs.Int("runs", 20, "timed proposals per goal")
	seed := fs.Int64("seed", 1, "demo data seed")
	nowFlag := fs.String("now", "2026-11-28T03:00:00Z", "reference instant for the data and the proposals")
	existing := fs.String("account", "", "use this existing account (from an earlier run) instead of importing a new one")
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
	fmt.Fprintf(c.stdout, "kizuna bench agent: %s backend, %d runs per goal, %s, GOMAXPROCS=%d\n\n", store.Dialect(), *runs, runtime.Version(), runtime.GOMAXPROCS(0))
	var a *kizuna.Account
	if *existing != "" {
		a, err = store.FindAccount(ctx, *existing)
	} else {
		a, err = c.benchImport(ctx, store, *friends, *seed, now)
	}
	if err != nil {
		return err
	}
	eng, err := c.benchBuild(ctx, store, a)
	if err != nil {
		return err
	}
	defer eng.Stop()
	svc := &agent.Service{Store: eng, Counts: eng, Blocked: eng}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "| goal\t| count\t| counts per proposal\t| p50 ms\t| p95 ms\t|")
	fmt.Fprintln(tw, "|---\t|---:\t|---:\t|---:\t|---:\t|")
	var all []time.Duration
	for _, g := range benchGoals {
		var last *agent.Proposal
		times, err := timeRuns(*runs, func() error {
			p, err := svc.Propose(ctx, a, agent.Request{Mode: agent.ModeAuto, Lang: g.lang, Now: now, Goal: g.goal, Actor: "bench"})
			last = p
			return err
		})
		if err != nil {
			return err
		}
		all = append(all, times...)
		counts := 1
		for _, as := range last.Assumptions {
			counts += len(as.Alternatives)
		}
		fmt.Fprintf(tw, "| %s\t| %d\t| %d\t| %.1f\t| %.1f\t|\n", g.goal, last.Count, counts, ms(percentile(times, 50)), ms(percentile(times, 95)))
	}
	tw.Flush()
	slices.Sort(all)
	fmt.Fprintf(c.stdout, "\nall proposals: p50 %.1f ms, p95 %.1f ms, max %.1f ms (%d friends)\n", ms(percentile(all, 50)), ms(percentile(all, 95)), ms(all[len(all)-1]), eng.Len(a))
	return nil
}
