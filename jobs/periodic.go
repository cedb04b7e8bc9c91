package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/kizuna-line/kizuna"
)

// Defaults of the periodic syncs.
const (
	DefaultPollEvery      = 5 * time.Minute
	DefaultReconcileEvery = 24 * time.Hour
)

// PeriodicKind is the sync a connected source is due at now: a backfill
// when it has not been read whole since it was connected, a reconcile
// when its latest whole read (a backfill or a reconcile) ended
// reconcileEvery ago or more, else a poll. The decision rests on the
// stored syncs, not on a timer, so a reconcile is not lost when the
// processes restart or another one becomes the leader.
func PeriodicKind(cs kizuna.ConnectedSource, now time.Time, reconcileEvery time.Duration) string {
	switch {
	case cs.LastFullAt.IsZero():
		return kizuna.SyncBackfill
	case now.Sub(cs.LastFullAt) >= reconcileEvery:
		return kizuna.SyncReconcile
	}
	return kizuna.SyncPoll
}

// tickArgs queues the periodic sync of every connected source. River's
// periodic jobs are inserted by the elected leader only, and at most one
// tick waits or runs, so several processes on PostgreSQL do not multiply
// them.
type tickArgs struct{}

func (tickArgs) Kind() string { return "kizuna_source_tick" }

func (tickArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queue, MaxAttempts: 1, UniqueOpts: river.UniqueOpts{
		ByArgs: true,
		ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
			rivertype.JobStateRunning, rivertype.JobStateScheduled, rivertype.JobStateRetryable},
	}}
}

type tickWorker struct {
	river.WorkerDefaults[tickArgs]
	j *Jobs
}

func (w *tickWorker) Work(ctx context.Context, _ *river.Job[tickArgs]) error {
	_, err := w.j.QueuePeriodic(ctx)
	return err
}

// QueuePeriodic queues the sync every connected source is due now
// (PeriodicKind) and returns how many were queued: a source whose sync
// waits or runs already is left to it (the sync job is unique per
// account and source), and its reconcile, if due, is queued at a later
// tick.
func (j *Jobs) QueuePeriodic(ctx context.Context) (int, error) {
	if j.cfg.SourceStore == nil {
		return 0, nil
	}
	all, err := j.cfg.SourceStore.ConnectedSources(ctx)
	if err != nil || len(all) == 0 {
		return 0, err
	}
	now := j.cfg.Now()
	params := make([]river.InsertManyParams, len(all))
	for i, cs := range all {
		params[i] = river.InsertManyParams{Args: sourceArgs{Account: cs.Account, Source: cs.Source, SyncKind: PeriodicKind(cs, now, j.cfg.ReconcileEvery)}}
	}
	res, err := j.client.InsertMany(ctx, params)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range res {
		if !r.UniqueSkippedAsDuplicate {
			n++
		}
	}
	return n, nil
}

// periodic is the leader's periodic job of the syncs: a tick every
// PollEvery (or ReconcileEvery when shorter), and one at start.
func (j *Jobs) periodic() *river.PeriodicJob {
	return river.NewPeriodicJob(
		river.PeriodicInterval(min(j.cfg.PollEvery, j.cfg.ReconcileEvery)),
		func() (river.JobArgs, *river.InsertOpts) { return tickArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true},
	)
}
