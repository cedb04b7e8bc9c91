// Package jobs runs Kizuna's background work on River, a durable job
// engine kept in the database itself (riversqlite on SQLite,
// riverdatabasesql on PostgreSQL): sending broadcasts and syncing followers.
// On PostgreSQL every `kizuna serve` process works the same queue, so the
// work is shared; a process killed at any instant leaves its jobs to be
// rescued and retried by the others or by itself on restart.
//
// Sending a broadcast exactly once rests on three durable steps, each
// idempotent:
//
//  1. due: every second (River's periodic job, run by the leader) the
//     store's DueRuns turns due schedules into runs, once per broadcast and
//     instant, and a run job is inserted for every unfinished run (unique by
//     run: inserting it again is a no-op);
//  2. run: the segment's following members are taken at that moment and
//     stored as batches of at most 500, each with its own X-Line-Retry-Key,
//     before anything is sent (a run already snapshotted keeps its batches);
//     a batch job is inserted per pending batch (unique by batch);
//  3. batch: the multicast is sent with the batch's stored key; 2xx and 409
//     (LINE had accepted it already) finish the batch, 5xx and timeouts
//     retry with the same key, other 4xx fail it, the monthly limit stops
//     the run keeping the rest unsent. A batch is never sent with another
//     key, so a retry after a crash, a lost answer or a rescue by another
//     process is refused by LINE as a duplicate instead of delivered twice.
package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
	"golang.org/x/time/rate"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/engine"
)

// Store is what the jobs read and write.
type Store interface {
	kizuna.BroadcastStore
	kizuna.LineStore
	FindAccount(ctx context.Context, name string) (*kizuna.Account, error)
	Segment(ctx context.Context, account *kizuna.Account, id int64) (*kizuna.Segment, error)
	FriendsFacts(ctx context.Context, account *kizuna.Account, lineUserIDs []string) ([]*kizuna.FriendFacts, error)
}

// Reacher computes a broadcast's recipients (the engine).
type Reacher interface {
	Reach(ctx context.Context, a *kizuna.Account, filter json.RawMessage, now time.Time) (*engine.Reach, error)
}

// SendKind classifies LINE's answer to a send.
type SendKind int

// The kinds of answer.
const (
	Retry        SendKind = iota // 5xx, timeout, no answer: retry with the same key (the zero value: unknown is never taken for accepted)
	Accepted                     // 2xx, or 409: the retry key was accepted before
	RateLimited                  // 429 rate limit: not processed; retry shortly
	MonthlyLimit                 // 429 monthly limit: stop the run
	Failed                       // another 4xx: LINE refused the batch
)

// Sent is LINE's answer to a send.
type Sent struct {
	Kind      SendKind
	RequestID string // the accepted request's ID
	Message   string // LINE's message, for Failed (never holds a secret)
	MessageID string // a push's first message ID
}

// LineAPI is the part of LINE the jobs call.
type LineAPI interface {
	Multicast(ctx context.Context, to []string, msgs []kizuna.Message, retryKey string) Sent
	// Quota returns the messages left this month (nil: no limit).
	Quota(ctx context.Context) (*int64, error)
	// Followers returns a page of follower IDs and the next page's token.
	Followers(ctx context.Context, start string) ([]string, string, error)
	// Profile returns a friend's display name (found false: not a friend).
	Profile(ctx context.Context, userID string) (string, bool, error)
}

// Config configures the jobs. Zero durations take the defaults.
type Config struct {
	DB      *sql.DB // the store's write pool
	Dialect string  // "sqlite" or "postgres"
	Store   Store
	Reacher Reacher
	// Connect makes a LINE client for a channel.
	Connect func(ch *kizuna.LineChannel, cred *kizuna.LineCredentials) (LineAPI, error)
	Logger  *slog.Logger
	Now     func() time.Time
	// MulticastRate bounds this process's multicasts per channel per
	// second (LINE allows 200 per channel; several processes each keep to
	// it, and a 429 rate answer is retried shortly, never lost).
	MulticastRate int
	// Workers is how many batches this process sends at once.
	Workers int
	// DueEvery is how often due broadcasts are looked for.
	DueEvery time.Duration
	// JobTimeout bounds one job's work; RescueAfter is how long a job
	// can be running before River takes it for one whose process died and
	// runs it again (it must exceed JobTimeout).
	JobTimeout, RescueAfter time.Duration
	// RetryBase is the first retry's delay; each next one doubles, up to
	// five minutes.
	RetryBase time.Duration
	// BatchAttempts is how many times a batch is tried before it fails.
	BatchAttempts int
	// SourceStore and Sources run the syncs of Shopify, HubSpot and
	// Klaviyo: Sources makes the reader of a connection (nil: syncs are
	// refused); since is when the source's last successful sync finished
	// (zero: never), from which a poll reads.
	SourceStore SourceStore
	Sources     func(c *kizuna.Connection, secrets kizuna.ConnectionSecrets, since time.Time) (SourceReader, error)
	// PollEvery is how often every connected source is synced (a poll,
	// or the backfill or reconcile it is due: see PeriodicKind); its
	// default is DefaultPollEvery. ReconcileEvery is how often a source
	// is read whole again, to repair drift (default
	// DefaultReconcileEvery). The periodic syncs run when SourceStore and
	// Sources are set.
	PollEvery, ReconcileEvery time.Duration
}

func (c *Config) defaults() {
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.MulticastRate <= 0 {
		c.MulticastRate = 200
	}
	if c.Workers <= 0 {
		c.Workers = 16
	}
	if c.DueEvery <= 0 {
		c.DueEvery = time.Second
	}
	if c.JobTimeout <= 0 {
		c.JobTimeout = 2 * time.Minute
	}
	if c.RescueAfter <= c.JobTimeout {
		c.RescueAfter = c.JobTimeout + time.Minute
	}
	if c.RetryBase <= 0 {
		c.RetryBase = time.Second
	}
	if c.BatchAttempts <= 0 {
		c.BatchAttempts = 25
	}
	if c.PollEvery <= 0 {
		c.PollEvery = DefaultPollEvery
	}
	if c.ReconcileEvery <= 0 {
		c.ReconcileEvery = DefaultReconcileEvery
	}
}

// Jobs is the running job engine.
type Jobs struct {
	cfg    Config
	client *river.Client[*sql.Tx]

	mu       sync.Mutex
	limiters map[int64]*rate.Limiter // per account (channel)
}

// queue is the queue of Kizuna's jobs.
const queue = "kizuna"

// Migrate creates or updates River's tables in the database.
func Migrate(ctx context.Context, db *sql.DB, dialect string) error {
	d, err := driver(db, dialect)
	if err != nil {
		return err
	}
	m, err := rivermigrate.New(d, nil)
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	return nil
}

func driver(db *sql.DB, dialect string) (riverdriver.Driver[*sql.Tx], error) {
	switch dialect {
	case "sqlite":
		return riversqlite.New(db), nil
	case "postgres":
		return riverdatabasesql.New(db), nil
	}
	return nil, fmt.Errorf("jobs: unknown dialect %q", dialect)
}

// New makes the job engine (after Migrate); Start starts working.
func New(cfg Config) (*Jobs, error) {
	cfg.defaults()
	j := &Jobs{cfg: cfg, limiters: map[int64]*rate.Limiter{}}
	d, err := driver(cfg.DB, cfg.Dialect)
	if err != nil {
		return nil, err
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &dueWorker{j: j})
	river.AddWorker(workers, &runWorker{j: j})
	river.AddWorker(workers, &batchWorker{j: j})
	river.AddWorker(workers, &syncWorker{j: j})
	river.AddWorker(workers, &sourceWorker{j: j})
	river.AddWorker(workers, &tickWorker{j: j})
	periodic := []*river.PeriodicJob{river.NewPeriodicJob(
		river.PeriodicInterval(cfg.DueEvery),
		func() (river.JobArgs, *river.InsertOpts) { return dueArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true},
	)}
	if cfg.SourceStore != nil && cfg.Sources != nil {
		periodic = append(periodic, j.periodic())
	}
	j.client, err = river.NewClient(d, &river.Config{
		Logger:               quietLogger(cfg.Logger),
		Queues:               map[string]river.QueueConfig{queue: {MaxWorkers: cfg.Workers}},
		Workers:              workers,
		PollOnly:             true, // database/sql has no LISTEN
		FetchPollInterval:    100 * time.Millisecond,
		FetchCooldown:        20 * time.Millisecond,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueAfter,
		RetryPolicy:          &backoff{base: cfg.RetryBase},
		PeriodicJobs:         periodic,
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return j, nil
}

// Start starts working jobs until ctx ends or Stop.
func (j *Jobs) Start(ctx context.Context) error { return j.client.Start(ctx) }

// Stop stops fetching jobs and waits for the running ones (at most until
// ctx ends; jobs cut short are retried later with the same retry keys).
func (j *Jobs) Stop(ctx context.Context) error { return j.client.Stop(ctx) }

// Kick looks for due broadcasts now instead of within DueEvery (a
// broadcast sent now starts at once).
func (j *Jobs) Kick(ctx context.Context) error {
	_, err := j.client.Insert(ctx, dueArgs{}, nil)
	return err
}

// quietLogger keeps River's own logs at warnings and above.
func quietLogger(l *slog.Logger) *slog.Logger {
	return slog.New(levelHandler{l.Handler(), slog.LevelWarn})
}

type levelHandler struct {
	slog.Handler
	min slog.Level
}

func (h levelHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

// backoff retries after base, 2·base, 4·base, ... up to five minutes.
type backoff struct{ base time.Duration }

func (b *backoff) NextRetry(job *rivertype.JobRow) time.Time {
	d := b.base
	for i := 1; i < job.Attempt && d < 5*time.Minute; i++ {
		d *= 2
	}
	return time.Now().Add(min(d, 5*time.Minute))
}

var errNoChannel = errors.New("no LINE channel")

// line connects to the account's channel.
func (j *Jobs) line(ctx context.Context, a *kizuna.Account) (LineAPI, error) {
	ch, err := j.cfg.Store.LineChannel(ctx, a)
	if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
		return nil, errNoChannel
	} else if err != nil {
		return nil, err
	}
	cred, err := j.cfg.Store.LineCredentials(ctx, a)
	if err != nil {
		return nil, err
	}
	return j.cfg.Connect(ch, cred)
}
