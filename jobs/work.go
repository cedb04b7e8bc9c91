package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"golang.org/x/time/rate"

	"github.com/kizuna-line/kizuna"
)

// dueArgs looks for due broadcasts. At most one waits or runs at a time.
type dueArgs struct{}

func (dueArgs) Kind() string { return "kizuna_due" }

func (dueArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queue, MaxAttempts: 1, UniqueOpts: river.UniqueOpts{
		ByArgs: true,
		ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
			rivertype.JobStateRunning, rivertype.JobStateScheduled, rivertype.JobStateRetryable},
	}}
}

type dueWorker struct {
	river.WorkerDefaults[dueArgs]
	j *Jobs
}

func (w *dueWorker) Work(ctx context.Context, job *river.Job[dueArgs]) error {
	runs, err := w.j.cfg.Store.DueRuns(ctx, w.j.cfg.Now())
	if err != nil {
		return err
	}
	if len(runs) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(runs))
	for i, r := range runs {
		params[i] = river.InsertManyParams{Args: runArgs{RunID: r.RunID, Account: r.AccountName, SegmentID: r.SegmentID}}
	}
	_, err = w.j.client.InsertMany(ctx, params)
	return err
}

// runArgs takes a run's recipients and queues its batches.
type runArgs struct {
	RunID     int64  `json:"run_id"`
	Account   string `json:"account"`
	SegmentID int64  `json:"segment_id"`
}

func (runArgs) Kind() string { return "kizuna_broadcast_run" }

func (runArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queue, MaxAttempts: 50, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

type runWorker struct {
	river.WorkerDefaults[runArgs]
	j *Jobs
}

func (w *runWorker) Work(ctx context.Context, job *river.Job[runArgs]) error {
	j, args := w.j, job.Args
	st := j.cfg.Store
	a, err := st.FindAccount(ctx, args.Account)
	if err != nil {
		return err
	}
	seg, err := st.Segment(ctx, a, args.SegmentID)
	if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
		return river.JobCancel(st.StopRun(ctx, args.RunID, "segment_deleted"))
	} else if err != nil {
		return err
	}
	client, err := j.line(ctx, a)
	if errors.Is(err, errNoChannel) {
		return river.JobCancel(st.StopRun(ctx, args.RunID, "no_channel"))
	} else if err != nil {
		return err
	}
	reach, err := j.cfg.Reacher.Reach(ctx, a, seg.Filter, j.cfg.Now())
	if err != nil {
		return err
	}
	quota, err := client.Quota(ctx)
	if err != nil {
		return fmt.Errorf("LINE message quota: %w", err)
	}
	recipients := reach.Recipients
	w2 := kizuna.Waterfall{Matched: reach.Matched, Following: int64(len(recipients)), Quota: quota, QuotaAllows: int64(len(recipients))}
	if quota != nil && *quota < int64(len(recipients)) {
		w2.QuotaAllows = max(*quota, 0)
		recipients = recipients[:w2.QuotaAllows]
	}
	batches, err := st.SnapshotRun(ctx, args.RunID, recipients, w2)
	if err != nil {
		return err
	}
	return j.queueBatches(ctx, args.Account, args.RunID, batches)
}

// BatchesPerJob is how many batches one job sends, one after another: a
// job costs River a few writes, and 200 jobs for a million recipients
// cost much less than 2,000 (a batch is still finished, and never sent
// again, one at a time).
const BatchesPerJob = 10

func (j *Jobs) queueBatches(ctx context.Context, account string, runID int64, batches []int64) error {
	var params []river.InsertManyParams
	for len(batches) > 0 {
		n := min(BatchesPerJob, len(batches))
		params = append(params, river.InsertManyParams{
			Args:       batchArgs{BatchIDs: batches[:n], RunID: runID, Account: account},
			InsertOpts: &river.InsertOpts{MaxAttempts: j.cfg.BatchAttempts},
		})
		batches = batches[n:]
		if len(params) == 500 || len(batches) == 0 {
			if _, err := j.client.InsertMany(ctx, params); err != nil {
				return err
			}
			params = params[:0]
		}
	}
	return nil
}

// batchArgs sends a few batches of a run.
type batchArgs struct {
	BatchIDs []int64 `json:"batch_ids"`
	RunID    int64   `json:"run_id"`
	Account  string  `json:"account"`
}

func (batchArgs) Kind() string { return "kizuna_broadcast_batches" }

func (batchArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queue, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

type batchWorker struct {
	river.WorkerDefaults[batchArgs]
	j *Jobs
}

// keyLife is how long after a batch's first attempt it may still be
// retried: LINE remembers a retry key for 24 hours, and a retry after that
// could deliver twice.
const keyLife = 23 * time.Hour

// Work sends the job's pending batches in order. A batch LINE did not
// answer makes the job fail, to be retried later: the batches finished
// before it are skipped then, and it is sent again with its own key.
func (w *batchWorker) Work(ctx context.Context, job *river.Job[batchArgs]) error {
	j, args := w.j, job.Args
	st := j.cfg.Store
	a, err := st.FindAccount(ctx, args.Account)
	if err != nil {
		return err
	}
	var client LineAPI
	for _, id := range args.BatchIDs {
		b, err := st.Batch(ctx, id)
		if err != nil {
			return err
		}
		if b.Status != kizuna.BatchPending {
			continue // done before (by another process, or before a crash)
		}
		if j.cfg.Now().Sub(job.CreatedAt) > keyLife {
			if err := st.FinishBatch(ctx, b.ID, kizuna.BatchFailed, "", "LINE did not answer within 23 hours; not sent again, since LINE forgets a retry key after 24 hours"); err != nil {
				return err
			}
			continue
		}
		if client == nil {
			client, err = j.line(ctx, a)
			if errors.Is(err, errNoChannel) {
				return st.StopRun(ctx, b.RunID, "no_channel")
			} else if err != nil {
				return err
			}
		}
		if err := j.limiter(a.ID).Wait(ctx); err != nil {
			return err
		}
		if job.Attempt > 1 {
			// A retry: the batch may have been sent before (the waterfall
			// counts it as sent from now on).
			if err := st.BatchAttempt(ctx, b.ID); err != nil {
				return err
			}
		}
		sent := w.send(ctx, client, a.ID, b)
		switch sent.Kind {
		case Accepted:
			err = st.FinishBatch(ctx, b.ID, kizuna.BatchAccepted, sent.RequestID, "")
		case Failed:
			err = st.FinishBatch(ctx, b.ID, kizuna.BatchFailed, "", sent.Message)
		case MonthlyLimit:
			if err := st.FinishBatch(ctx, b.ID, kizuna.BatchUnsent, "", "monthly_limit"); err != nil {
				return err
			}
			return st.StopRun(ctx, b.RunID, "monthly_limit")
		case RateLimited:
			return river.JobSnooze(time.Second)
		default: // Retry
			if job.Attempt < job.MaxAttempts {
				j.cfg.Logger.Warn("jobs: LINE did not accept a batch; the job is retried later with the same retry key",
					"account", a.Name, "run", b.RunID, "batch", b.ID, "attempt", job.Attempt, "reason", sent.Message)
				return fmt.Errorf("batch %d: LINE did not answer (%s); retrying with the same retry key", b.ID, sent.Message)
			}
			err = st.FinishBatch(ctx, b.ID, kizuna.BatchFailed, "", fmt.Sprintf("LINE did not accept it after %d attempts: %s", job.Attempt, sent.Message))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// inlineTries is how many times a batch is sent within one run of its
// job (with the same key) while LINE does not answer, before the job
// fails and River retries it later: a lost answer or a passing 5xx then
// costs a fraction of a second, not the job's backoff for its other
// batches.
const inlineTries = 3

// send multicasts a batch, trying again at once (after 100 ms, then 200)
// when LINE did not answer or was over its rate limit.
func (w *batchWorker) send(ctx context.Context, client LineAPI, account int64, b *kizuna.Batch) Sent {
	var sent Sent
	for try := 0; try < inlineTries; try++ {
		if try > 0 {
			select {
			case <-ctx.Done():
				return sent
			case <-time.After(time.Duration(100<<(try-1)) * time.Millisecond):
			}
			if err := w.j.limiter(account).Wait(ctx); err != nil {
				return sent
			}
		}
		sent = client.Multicast(ctx, b.Recipients, b.Messages, b.RetryKey)
		if sent.Kind != Retry && sent.Kind != RateLimited {
			return sent
		}
	}
	return sent
}

// limiter returns the account's multicast rate limiter in this process.
func (j *Jobs) limiter(account int64) *rate.Limiter {
	j.mu.Lock()
	defer j.mu.Unlock()
	l := j.limiters[account]
	if l == nil {
		l = rate.NewLimiter(rate.Limit(j.cfg.MulticastRate), max(1, j.cfg.MulticastRate/10))
		j.limiters[account] = l
	}
	return l
}
