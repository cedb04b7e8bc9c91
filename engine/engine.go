package engine

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kizuna-line/kizuna"
)

// Engine is a kizuna.Store whose previews come from in-memory indexes, one
// per account, and everything else from the wrapped store, which stays the
// source of truth. An account's index is built by streaming the store's
// facts; until it is ready, previews are answered by the store's SQL path.
//
// The index follows the database's change log: every write to an account's
// friends, by this process or any other sharing the database, bumps the
// account's friends version and logs the friends it wrote, in its
// transaction. A preview first reads that version (one primary-key read);
// when it is ahead of the index's, the logged friends are read again and
// applied to the index in place before the preview is answered, so a
// preview never answers from data older than what was committed before it
// began. Writes to friends through this Engine (imports, tagging friends or
// a segment's members, deletes) are applied as soon as they commit; the
// others (tags created, renamed or deleted) by the next preview. A follower
// reads every loaded account's version (one query for all) each
// FollowEvery, so the indexes converge within a second even when nobody
// previews. When too much changed
// (a large import) or the log no longer reaches back, the index is rebuilt
// and SQL answers meanwhile.
type Engine struct {
	kizuna.Store
	scanner kizuna.FactsScanner
	logger  *slog.Logger
	// Now is the clock for previews without an explicit instant.
	Now func() time.Time

	ctx    context.Context // ends background work on Stop
	cancel context.CancelFunc
	wg     sync.WaitGroup

	builds chan struct{} // one build at a time: each takes a core and memory

	mu       sync.Mutex
	accounts map[int64]*accountState
	// obs is the Observer (nil: nobody listens), read without mu since
	// every preview asks for it.
	obs atomic.Pointer[Observer]
}

// FollowEvery is how often the engine checks each loaded account's friends
// version for writes by other processes.
const FollowEvery = 250 * time.Millisecond

// accountState is one account's index and what is happening to it.
type accountState struct {
	account  *kizuna.Account
	idx      *Index // nil: not built, or being rebuilt
	building bool
	loaded   bool       // an index was ready once (readiness)
	failed   error      // the last build's error, until a build succeeds
	catchUp  sync.Mutex // one catch-up of the index at a time
	last     CatchUp    // the last catch-up applied; under catchUp
}

// CatchUp describes one catch-up of an index with the change log.
type CatchUp struct {
	Friends int           // changed friends applied (gone ones included)
	Read    time.Duration // reading the log and the friends' facts
	Apply   time.Duration // applying them to the index
}

var _ kizuna.Store = (*Engine)(nil)

// New wraps store. scanner streams the facts indexes are built from and the
// changes that keep them current (the sqlstore implements both).
func New(store kizuna.Store, scanner kizuna.FactsScanner, logger *slog.Logger) *Engine {
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &Engine{Store: store, scanner: scanner, logger: logger, Now: time.Now, ctx: ctx, cancel: cancel,
		builds: make(chan struct{}, 1), accounts: map[int64]*accountState{}}
	e.wg.Go(e.follow)
	return e
}

// Stop ends background work and waits for it. It leaves the store open:
// whoever opened it closes it.
func (e *Engine) Stop() {
	e.cancel()
	e.wg.Wait()
}

// Close stops background work and closes the store.
func (e *Engine) Close() error {
	e.Stop()
	return e.Store.Close()
}

func (e *Engine) state(a *kizuna.Account) *accountState {
	st := e.accounts[a.ID]
	if st == nil {
		st = &accountState{account: a}
		e.accounts[a.ID] = st
	}
	return st
}

// Load starts building the account's index in the background, unless it is
// built or being built. Wait for it with Ready.
func (e *Engine) Load(a *kizuna.Account) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.startBuild(e.state(a))
}

// startBuild starts a build; e.mu is held.
func (e *Engine) startBuild(st *accountState) {
	if st.idx != nil || st.building || e.ctx.Err() != nil {
		return
	}
	st.building = true
	a := st.account
	e.wg.Go(func() {
		var idx *Index
		var err error
		var start time.Time
		select {
		case e.builds <- struct{}{}:
			start = time.Now()
			idx, err = e.build(e.ctx, a)
			<-e.builds
		case <-e.ctx.Done():
			err = e.ctx.Err()
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		st.building = false
		if o := e.observer(); o != nil && !start.IsZero() && e.ctx.Err() == nil {
			o.IndexBuilt(time.Since(start), err)
		}
		if err != nil {
			st.failed = err
			e.logger.Error("engine: index build failed; previews use SQL", "account", a.Name, "err", err)
			return
		}
		st.idx, st.loaded, st.failed = idx, true, nil
	})
}

// build streams the account's facts into a new index, logging progress. The
// index's version is the one read before the scan: it reflects at least
// that version, and applying later changes again is harmless (a change
// carries whole facts), so none is missed.
func (e *Engine) build(ctx context.Context, a *kizuna.Account) (*Index, error) {
	start := time.Now()
	version, err := e.scanner.FriendsVersion(ctx, a)
	if err != nil {
		return nil, err
	}
	names, err := e.scanner.TagNames(ctx, a)
	if err != nil {
		return nil, err
	}
	b := NewBuilder(a.Location(), names)
	n := 0
	err = e.scanner.ScanFacts(ctx, a, func(f *kizuna.FriendFacts) error {
		b.Add(f)
		if n++; n%1000000 == 0 {
			e.logger.Info("engine: loading", "account", a.Name, "friends", n, "elapsed", time.Since(start).Round(time.Millisecond))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	idx := b.Build()
	idx.version = version
	e.logger.Info("engine: index ready", "account", a.Name, "friends", n, "took", time.Since(start).Round(time.Millisecond))
	return idx, nil
}

// Len returns the number of friends in the account's index, or 0 when it is not ready.
func (e *Engine) Len(a *kizuna.Account) int {
	if idx := e.current(a); idx != nil {
		return idx.Len()
	}
	return 0
}

// current returns the account's index as it stands, or nil.
func (e *Engine) current(a *kizuna.Account) *Index {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.state(a).idx
}

// DropCache empties the account's condition cache, so that the next preview
// is computed cold (for benchmarks).
func (e *Engine) DropCache(a *kizuna.Account) {
	if idx := e.current(a); idx != nil {
		idx.DropCache()
	}
}

// CacheStats reports the use of the account's condition cache.
func (e *Engine) CacheStats(a *kizuna.Account) CacheStats {
	if idx := e.current(a); idx != nil {
		return idx.CacheStats()
	}
	return CacheStats{}
}

// Footprint reports the memory of the account's index by part, or nothing
// when it is not ready.
func (e *Engine) Footprint(a *kizuna.Account) []Part {
	if idx := e.current(a); idx != nil {
		return idx.Footprint()
	}
	return nil
}

// Version returns the friends version the account's index reflects, or 0
// when it is not ready.
func (e *Engine) Version(a *kizuna.Account) int64 {
	if idx := e.current(a); idx != nil {
		return idx.Version()
	}
	return 0
}

// Ready reports whether the account's previews come from its index now.
func (e *Engine) Ready(a *kizuna.Account) bool { return e.current(a) != nil }

// index returns the account's index, brought up to the account's current
// friends version, or nil (and starts building it) when there is none or it
// must be rebuilt.
func (e *Engine) index(ctx context.Context, a *kizuna.Account) (*Index, error) {
	e.mu.Lock()
	st := e.state(a)
	idx := st.idx
	if idx == nil {
		e.startBuild(st)
	}
	e.mu.Unlock()
	if idx == nil {
		return nil, nil
	}
	current, err := e.scanner.FriendsVersion(ctx, a)
	if err != nil {
		return nil, err
	}
	if idx.Version() >= current {
		return idx, nil
	}
	return e.catchUp(ctx, st, idx)
}

// catchUp applies the change log after the index's version to it; when the
// log says rebuild, it drops the index and starts the rebuild.
func (e *Engine) catchUp(ctx context.Context, st *accountState, idx *Index) (*Index, error) {
	st.catchUp.Lock()
	defer st.catchUp.Unlock()
	a := st.account
	// At most half the account is worth re-reading friend by friend; past
	// that a rebuild reads about as much and leaves a compact index.
	limit := max(idx.Len()/2, 1000)
	start := time.Now()
	ch, err := e.scanner.FriendChanges(ctx, a, idx.Version(), limit)
	if err != nil {
		return nil, err
	}
	read := time.Since(start)
	if ch.Version <= idx.Version() {
		return idx, nil // another preview caught up meanwhile
	}
	if ch.Rebuild {
		e.mu.Lock()
		defer e.mu.Unlock()
		if st.idx == idx {
			st.idx = nil
			e.logger.Info("engine: many friends changed in the database; rebuilding", "account", a.Name)
		}
		e.startBuild(st)
		return nil, nil
	}
	start = time.Now()
	idx.Apply(ch)
	st.last = CatchUp{Friends: len(ch.Friends) + len(ch.Gone), Read: read, Apply: time.Since(start)}
	if o := e.observer(); o != nil {
		o.CaughtUp(st.last)
	}
	e.logger.Debug("engine: applied changes", "account", a.Name, "version", ch.Version, "friends", st.last.Friends,
		"read", st.last.Read, "apply", st.last.Apply)
	return idx, nil
}

// LastCatchUp describes the last catch-up of the account's index.
func (e *Engine) LastCatchUp(a *kizuna.Account) CatchUp {
	e.mu.Lock()
	st := e.state(a)
	e.mu.Unlock()
	st.catchUp.Lock()
	defer st.catchUp.Unlock()
	return st.last
}

// follow catches every loaded account's index up every FollowEvery, until Stop.
func (e *Engine) follow() {
	t := time.NewTicker(FollowEvery)
	defer t.Stop()
	for {
		select {
		case <-e.ctx.Done():
			return
		case <-t.C:
		}
		e.followOnce()
	}
}

// followOnce reads every loaded account's friends version in one query and
// catches up the indexes that are behind.
func (e *Engine) followOnce() {
	e.mu.Lock()
	var loaded []*accountState
	var accounts []*kizuna.Account
	for _, st := range e.accounts {
		if st.idx != nil {
			loaded = append(loaded, st)
			accounts = append(accounts, st.account)
		}
	}
	e.mu.Unlock()
	if len(loaded) == 0 {
		return
	}
	versions, err := e.scanner.FriendsVersions(e.ctx, accounts)
	if err != nil {
		if e.ctx.Err() == nil {
			e.logger.Error("engine: following the change log failed", "err", err)
		}
		return
	}
	for _, st := range loaded {
		e.mu.Lock()
		idx := st.idx
		e.mu.Unlock()
		if idx == nil || idx.Version() >= versions[st.account.ID] {
			continue
		}
		if _, err := e.catchUp(e.ctx, st, idx); err != nil && e.ctx.Err() == nil {
			e.logger.Error("engine: following the change log failed", "account", st.account.Name, "err", err)
		}
	}
}

// Preview answers from the account's index when it is ready, and from the
// store's SQL path otherwise; AnsweredBy says which.
func (e *Engine) Preview(ctx context.Context, a *kizuna.Account, req kizuna.PreviewRequest) (*kizuna.Preview, error) {
	start := time.Now()
	if err := req.CheckNow(); err != nil {
		return nil, err
	}
	idx, err := e.index(ctx, a)
	if err != nil {
		return nil, err
	}
	if idx == nil {
		p, err := e.Store.Preview(ctx, a, req)
		if o := e.observer(); o != nil && err == nil {
			o.Previewed(p.AnsweredBy, time.Since(start))
		}
		return p, err
	}
	f, err := kizuna.ParseFilter(req.Filter)
	if err != nil {
		return nil, err
	}
	if err := f.CheckTags(idx.HasTag); err != nil {
		return nil, err
	}
	now := req.Now
	if now.IsZero() {
		now = e.Now()
	}
	now = now.UTC().Truncate(time.Microsecond)
	r := idx.Evaluate(f, now)
	summary := ""
	if req.CountOnly {
		r.Sample = []kizuna.PreviewFriend{}
	} else {
		cat, err := e.Store.Catalog(ctx, a)
		if err != nil {
			return nil, err
		}
		summary = kizuna.Summarize(f, cat, a.Location(), now, req.Lang)
	}
	took := time.Since(start)
	if o := e.observer(); o != nil {
		o.Previewed("engine", took)
	}
	return &kizuna.Preview{
		Count:          int64(r.Count),
		Sample:         r.Sample,
		Summary:        summary,
		EvaluatedAt:    now,
		EstimatedAdded: int64(r.EstimatedAdded),
		AnsweredBy:     "engine",
		TookMS:         float64(took.Microseconds()) / 1000,
	}, nil
}

// applied brings the account's index, if any, up to date after a write
// through this Engine, so that the write is visible at once. A failure is
// only logged: the next preview catches up again.
func (e *Engine) applied(a *kizuna.Account) {
	if _, err := e.index(e.ctx, a); err != nil && e.ctx.Err() == nil {
		e.logger.Error("engine: applying a write failed; the next preview retries", "account", a.Name, "err", err)
	}
}

// ImportFriends imports through the store, then applies the import to the
// account's index (or rebuilds it, for a large import).
func (e *Engine) ImportFriends(ctx context.Context, a *kizuna.Account, r io.Reader, opt kizuna.ImportOptions) (*kizuna.ImportResult, error) {
	res, err := e.Store.ImportFriends(ctx, a, r, opt)
	if err == nil {
		e.applied(a)
	}
	return res, err
}

// TagFriends tags through the store, then applies the change to the index.
func (e *Engine) TagFriends(ctx context.Context, a *kizuna.Account, lineUserIDs, add, remove []string) error {
	err := e.Store.TagFriends(ctx, a, lineUserIDs, add, remove)
	if err == nil {
		e.applied(a)
	}
	return err
}

// DeleteFriends deletes through the store, then applies the change to the index.
func (e *Engine) DeleteFriends(ctx context.Context, a *kizuna.Account, lineUserIDs []string) (int, error) {
	n, err := e.Store.DeleteFriends(ctx, a, lineUserIDs)
	if err == nil && n > 0 {
		e.applied(a)
	}
	return n, err
}

// TagSegmentMembers tags a segment's members through the store, then
// applies the change to the index.
func (e *Engine) TagSegmentMembers(ctx context.Context, a *kizuna.Account, segmentID int64, tag string) (int, error) {
	n, err := e.Store.TagSegmentMembers(ctx, a, segmentID, tag)
	if err == nil {
		e.applied(a)
	}
	return n, err
}
