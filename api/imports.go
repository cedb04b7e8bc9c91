package api

import (
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/kizuna-line/kizuna"
)

// Import limits used by New.
const (
	// DefaultMaxImports bounds the imports in progress at once (uploading,
	// waiting for the store or writing). Each may spool up to MaxImportBytes
	// to disk, so the bound is also the temporary disk the API may use.
	DefaultMaxImports = 4
	// DefaultMaxImportsPerAccount bounds one account's imports in progress,
	// so that one account cannot take every slot. An account's imports are
	// written one after the other anyway.
	DefaultMaxImportsPerAccount = 2
	// importRetryAfter is what a refused import is told to wait, in seconds.
	importRetryAfter = 10
)

// importSlots counts the imports in progress, in total and per account.
type importSlots struct {
	mu        sync.Mutex
	total     int
	byAccount map[int64]int
}

// acquire takes a slot for an import into account, or refuses at once with
// codeTooManyRequests when the server or the account has as many imports in
// progress as it allows: a refused client retries, a waiting one would hold a
// connection and a goroutine.
func (s *Server) acquireImport(account int64) (release func(), err error) {
	maxTotal, maxAccount := s.MaxImports, s.MaxImportsPerAccount
	if maxTotal <= 0 {
		maxTotal = DefaultMaxImports
	}
	if maxAccount <= 0 {
		maxAccount = DefaultMaxImportsPerAccount
	}
	sl := s.importSlots
	sl.mu.Lock()
	defer sl.mu.Unlock()
	switch {
	case sl.total >= maxTotal:
		return nil, kizuna.Errorf(codeTooManyRequests, "the server has %d imports in progress, its limit; retry in %d seconds", sl.total, importRetryAfter)
	case sl.byAccount[account] >= maxAccount:
		return nil, kizuna.Errorf(codeTooManyRequests, "this account has %d imports in progress, its limit; retry when one has finished", sl.byAccount[account])
	}
	sl.total++
	sl.byAccount[account]++
	return func() {
		sl.mu.Lock()
		defer sl.mu.Unlock()
		sl.total--
		if sl.byAccount[account]--; sl.byAccount[account] == 0 {
			delete(sl.byAccount, account)
		}
	}, nil
}

// spool copies an import body to a temporary file and returns it, rewound,
// so that the store's transaction reads a local file instead of waiting on
// the client: a slow or stalled upload must not hold a lock or a database
// connection. The file is unlinked at once where the system allows it, so
// that nothing is left behind even if the process dies; close removes it
// otherwise.
func (s *Server) spool(body io.Reader) (f *os.File, closeFile func(), err error) {
	f, err = os.CreateTemp(s.TempDir, "kizuna-import-*.ndjson")
	if err != nil {
		return nil, nil, fmt.Errorf("spool import: %w", err)
	}
	name := f.Name()
	unlinked := os.Remove(name) == nil // fails on Windows while the file is open
	closeFile = func() {
		f.Close()
		if !unlinked {
			os.Remove(name)
		}
	}
	if _, err := io.Copy(f, body); err != nil {
		closeFile()
		return nil, nil, err // a body error or 413, as limitBody marked it
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		closeFile()
		return nil, nil, fmt.Errorf("spool import: %w", err)
	}
	return f, closeFile, nil
}
