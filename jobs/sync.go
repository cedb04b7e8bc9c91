package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"golang.org/x/sync/errgroup"
	"golang.org/x/time/rate"

	"github.com/kizuna-line/kizuna"
)

// ProfileRate bounds the profile reads of a sync per second: LINE allows
// 2,000 per channel, shared with pushes and everything else.
const ProfileRate = 500

// SyncFollowers runs a follower sync that StartLineSync began: it pages
// through followers/ids, reads the profile of each follower Kizuna has no
// name for, and stores each page; at the end, following friends LINE did
// not return are blocked. progress, when not nil, is told after each page.
// LINE's 403 (the list is only for verified and premium accounts) ends the
// sync as failed with the code "forbidden", blocking nobody.
func SyncFollowers(ctx context.Context, st Store, api LineAPI, a *kizuna.Account, syncID int64, progress func(*kizuna.LineSync)) (*kizuna.LineSync, error) {
	limit := rate.NewLimiter(ProfileRate, 50)
	start := ""
	for {
		ids, next, err := api.Followers(ctx, start)
		if err != nil {
			if kizuna.ErrorCode(err) == kizuna.EFORBIDDEN {
				ls, ferr := st.FailLineSync(ctx, a, syncID, "forbidden", kizuna.ErrorMessage(err))
				if ferr != nil {
					return nil, ferr
				}
				return ls, err
			}
			return nil, err
		}
		page, err := followers(ctx, st, api, a, ids, limit)
		if err != nil {
			return nil, err
		}
		ls, err := st.SyncFollowers(ctx, a, syncID, page)
		if err != nil {
			return nil, err
		}
		if progress != nil {
			progress(ls)
		}
		if next == "" {
			break
		}
		start = next
	}
	return st.FinishLineSync(ctx, a, syncID)
}

// followers names a page of IDs: known names are kept, the others read
// from LINE's profiles, a few at a time.
func followers(ctx context.Context, st Store, api LineAPI, a *kizuna.Account, ids []string, limit *rate.Limiter) ([]kizuna.Follower, error) {
	facts, err := st.FriendsFacts(ctx, a, ids)
	if err != nil {
		return nil, err
	}
	known := make(map[string]string, len(facts))
	for _, f := range facts {
		known[f.LineUserID] = f.DisplayName
	}
	page := make([]kizuna.Follower, len(ids))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i, id := range ids {
		page[i].LineUserID = id
		if known[id] != "" {
			page[i].DisplayName = known[id]
			continue
		}
		g.Go(func() error {
			if err := limit.Wait(gctx); err != nil {
				return err
			}
			name, _, err := api.Profile(gctx, id)
			page[i].DisplayName = name
			return err
		})
	}
	return page, g.Wait()
}

// syncArgs runs a follower sync begun by StartLineSync.
type syncArgs struct {
	Account string `json:"account"`
	SyncID  int64  `json:"sync_id"`
}

func (syncArgs) Kind() string { return "kizuna_line_sync" }

func (syncArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queue, MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

type syncWorker struct {
	river.WorkerDefaults[syncArgs]
	j *Jobs
}

// Timeout lets a sync of millions of followers run long.
func (w *syncWorker) Timeout(*river.Job[syncArgs]) time.Duration { return 6 * time.Hour }

func (w *syncWorker) Work(ctx context.Context, job *river.Job[syncArgs]) error {
	st := w.j.cfg.Store
	a, err := st.FindAccount(ctx, job.Args.Account)
	if err != nil {
		return err
	}
	api, err := w.j.line(ctx, a)
	if err == nil {
		_, err = SyncFollowers(ctx, st, api, a, job.Args.SyncID, nil)
	}
	switch {
	case err == nil:
		return nil
	case kizuna.ErrorCode(err) == kizuna.EFORBIDDEN:
		return river.JobCancel(err) // recorded by SyncFollowers
	case job.Attempt >= job.MaxAttempts || err == errNoChannel:
		st.FailLineSync(ctx, a, job.Args.SyncID, "error", kizuna.ErrorMessage(err))
		return river.JobCancel(err)
	}
	return err
}

// StartSync begins a follower sync and queues it.
func (j *Jobs) StartSync(ctx context.Context, a *kizuna.Account) (*kizuna.LineSync, error) {
	ls, err := j.cfg.Store.StartLineSync(ctx, a)
	if err != nil {
		return nil, err
	}
	if _, err := j.client.Insert(ctx, syncArgs{Account: a.Name, SyncID: ls.ID}, nil); err != nil {
		return nil, err
	}
	return ls, nil
}
