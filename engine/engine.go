package engine

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/kizuna-line/kizuna"
)

// Engine is a kizuna.Store whose previews come from in-memory indexes, one
// per account, and everything else from the wrapped store, which stays the
// source of truth. An account's index is built by streaming the store's
// facts; until it is ready, and from the start of every import through this
// Engine until the index is rebuilt after it, previews are answered by the
// store's SQL path, so an answer is never older than the data committed.
//
// Writes made by other processes sharing the database are caught too: every
// import bumps the account's friends version in its transaction, and a
// preview first reads that version (one primary-key read); when it differs
// from the index's, SQL answers and the index is rebuilt.
type Engine struct {
	kizuna.Store
	scanner kizuna.FactsScanner
	logger  *slog.Logger
	// Now is the clock for previews without an explicit instant.
	Now func() time.Time

	ctx    context.Context // ends background builds on Close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	builds chan struct{} // one build at a time: each takes a core and memory

	mu       sync.Mutex
	accounts map[int64]*accountState
}

// accountState is one account's index and what is happening to it.
type accountState struct {
	idx      *Index // nil: not built, or stale
	version  int64  // the account's friends version that idx reflects
	gen      uint64 // bumped by every write; a build made before a bump is dropped
	building bool
	writing  int // imports in progress: no build starts meanwhile
}

var _ kizuna.Store = (*Engine)(nil)

// New wraps store. scanner streams the facts indexes are built from (the
// sqlstore implements both).
func New(store kizuna.Store, scanner kizuna.FactsScanner, logger *slog.Logger) *Engine {
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Engine{Store: store, scanner: scanner, logger: logger, Now: time.Now, ctx: ctx, cancel: cancel,
		builds: make(chan struct{}, 1), accounts: map[int64]*accountState{}}
}

// Stop ends background builds and waits for them. It leaves the store open:
// whoever opened it closes it.
func (e *Engine) Stop() {
	e.cancel()
	e.wg.Wait()
}

// Close stops background builds and closes the store.
func (e *Engine) Close() error {
	e.Stop()
	return e.Store.Close()
}

func (e *Engine) state(id int64) *accountState {
	st := e.accounts[id]
	if st == nil {
		st = &accountState{}
		e.accounts[id] = st
	}
	return st
}

// Load starts building the account's index in the background, unless it is
// built, being built, or being written to. Wait for it with Ready.
func (e *Engine) Load(a *kizuna.Account) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.startBuild(a, e.state(a.ID))
}

// startBuild starts a build; e.mu is held.
func (e *Engine) startBuild(a *kizuna.Account, st *accountState) {
	if st.idx != nil || st.building || st.writing > 0 || e.ctx.Err() != nil {
		return
	}
	st.building = true
	gen := st.gen
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		var idx *Index
		var version int64
		var err error
		select {
		case e.builds <- struct{}{}:
			idx, version, err = e.build(e.ctx, a)
			<-e.builds
		case <-e.ctx.Done():
			err = e.ctx.Err()
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		st.building = false
		switch {
		case err != nil:
			e.logger.Error("engine: index build failed; previews use SQL", "account", a.Name, "err", err)
		case st.gen != gen:
			e.logger.Info("engine: index outdated by a write while building; dropped", "account", a.Name)
			e.startBuild(a, st)
		default:
			st.idx, st.version = idx, version
		}
	}()
}

// build streams the account's facts into a new index, logging progress. It
// returns the friends version read before the scan: the index reflects at
// least that version, so a later write is always noticed.
func (e *Engine) build(ctx context.Context, a *kizuna.Account) (*Index, int64, error) {
	start := time.Now()
	version, err := e.scanner.FriendsVersion(ctx, a)
	if err != nil {
		return nil, 0, err
	}
	names, err := e.scanner.TagNames(ctx, a)
	if err != nil {
		return nil, 0, err
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
		return nil, 0, err
	}
	idx := b.Build()
	e.logger.Info("engine: index ready", "account", a.Name, "friends", n, "took", time.Since(start).Round(time.Millisecond))
	return idx, version, nil
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
	return e.state(a.ID).idx
}

// DropCache empties the account's condition cache, so that the next preview
// is computed cold (for benchmarks).
func (e *Engine) DropCache(a *kizuna.Account) {
	if idx := e.current(a); idx != nil && idx.cache != nil {
		idx.cache.clear()
	}
}

// CacheStats reports the use of the account's condition cache.
func (e *Engine) CacheStats(a *kizuna.Account) CacheStats {
	if idx := e.current(a); idx != nil {
		return idx.CacheStats()
	}
	return CacheStats{}
}

// Ready reports whether the account's previews come from its index now.
func (e *Engine) Ready(a *kizuna.Account) bool { return e.current(a) != nil }

// index returns the account's index if it is ready and reflects the
// account's current friends version, and otherwise starts building it and
// returns nil.
func (e *Engine) index(ctx context.Context, a *kizuna.Account) (*Index, error) {
	e.mu.Lock()
	st := e.state(a.ID)
	idx, version := st.idx, st.version
	if idx == nil {
		e.startBuild(a, st)
	}
	e.mu.Unlock()
	if idx == nil {
		return nil, nil
	}
	current, err := e.scanner.FriendsVersion(ctx, a)
	if err != nil {
		return nil, err
	}
	if current == version {
		return idx, nil
	}
	// Another process wrote: drop the index unless a newer one replaced it.
	e.mu.Lock()
	if st.idx == idx {
		st.idx = nil
		st.gen++
		e.logger.Info("engine: friends changed in the database; rebuilding", "account", a.Name)
	}
	e.startBuild(a, st)
	e.mu.Unlock()
	return nil, nil
}

// Preview answers from the account's index when it is ready, and from the
// store's SQL path otherwise; AnsweredBy says which.
func (e *Engine) Preview(ctx context.Context, a *kizuna.Account, req kizuna.PreviewRequest) (*kizuna.Preview, error) {
	start := time.Now()
	idx, err := e.index(ctx, a)
	if err != nil {
		return nil, err
	}
	if idx == nil {
		return e.Store.Preview(ctx, a, req)
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
	cat, err := e.Store.Catalog(ctx, a)
	if err != nil {
		return nil, err
	}
	return &kizuna.Preview{
		Count:       int64(r.Count),
		Sample:      r.Sample,
		Summary:     kizuna.Summarize(f, cat, a.Location(), now, req.Lang),
		EvaluatedAt: now,
		AnsweredBy:  "engine",
		TookMS:      float64(time.Since(start).Microseconds()) / 1000,
	}, nil
}

// ImportFriends imports through the store. From its start until the index is
// rebuilt, previews of the account use SQL, which sees exactly what is committed.
func (e *Engine) ImportFriends(ctx context.Context, a *kizuna.Account, r io.Reader, opt kizuna.ImportOptions) (*kizuna.ImportResult, error) {
	e.mu.Lock()
	st := e.state(a.ID)
	st.writing++
	st.gen++
	st.idx = nil
	e.mu.Unlock()
	res, err := e.Store.ImportFriends(ctx, a, r, opt)
	e.mu.Lock()
	st.writing--
	st.gen++
	st.idx = nil
	e.startBuild(a, st)
	e.mu.Unlock()
	return res, err
}
