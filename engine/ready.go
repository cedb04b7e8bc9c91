package engine

import (
	"cmp"
	"slices"
	"time"
)

// Observer hears what the engine does, for metrics. Its methods are called
// on the engine's goroutines, sometimes under its lock: they must be quick,
// must not call the engine and must be safe for concurrent use.
type Observer interface {
	// IndexBuilt reports a finished index build (err nil) or a failed one.
	IndexBuilt(took time.Duration, err error)
	// CaughtUp reports an index caught up with the change log.
	CaughtUp(c CatchUp)
	// Previewed reports a preview answered by path: "engine" or "sql".
	Previewed(path string, took time.Duration)
}

// SetObserver makes o hear what the engine does from now on; nil stops it.
func (e *Engine) SetObserver(o Observer) {
	if o == nil {
		e.obs.Store(nil)
		return
	}
	e.obs.Store(&o)
}

func (e *Engine) observer() Observer {
	if p := e.obs.Load(); p != nil {
		return *p
	}
	return nil
}

// Loading is an account whose index has not been ready yet.
type Loading struct {
	AccountID int64
	Account   string
	// State is "loading" (queued or building) or "failed" (the last build
	// failed; the next preview of the account starts another).
	State string
}

// Loading lists, by account name, the accounts given to Load (or
// previewed) whose index has never been ready: being built, waiting to be,
// or failed. Once an account's index has
// been ready it is not listed again, even while a large write has it
// rebuilt: SQL answers meanwhile, so the server stays ready to serve.
func (e *Engine) Loading() []Loading {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Loading
	for _, st := range e.accounts {
		if st.loaded || (!st.building && st.failed == nil) {
			continue // ready once, or never asked for (only looked up)
		}
		l := Loading{AccountID: st.account.ID, Account: st.account.Name, State: "loading"}
		if st.failed != nil && !st.building {
			l.State = "failed"
		}
		out = append(out, l)
	}
	slices.SortFunc(out, func(a, b Loading) int { return cmp.Compare(a.Account, b.Account) })
	return out
}
