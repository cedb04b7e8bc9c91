package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/kizuna-line/kizuna"
)

// PollOverlap is how far before the last successful sync's end a poll
// reads again: records written while it ran, or stamped by a clock a
// little behind, are read twice rather than missed (applying one twice
// changes nothing).
const PollOverlap = 5 * time.Minute

// PollSince is when a poll of the source reads from: the end of its last
// successful sync less PollOverlap (the zero time when it never had one).
func PollSince(ctx context.Context, st kizuna.SourceSyncStore, a *kizuna.Account, source string) (time.Time, error) {
	fresh, err := st.Freshness(ctx, a)
	if err != nil {
		return time.Time{}, err
	}
	for _, f := range fresh {
		if f.Source == source && f.LastSuccessAt != nil {
			return f.LastSuccessAt.Add(-PollOverlap), nil
		}
	}
	return time.Time{}, nil
}

// SourcePage is one page of a source's records and the cursor of the
// next (Done: there is none).
type SourcePage struct {
	Records []kizuna.SourceRecord
	Next    string
	Done    bool
}

// SourceReader reads a source's records a page at a time, from an opaque
// cursor ("" for the first page) that survives a crash: a backfill and a
// reconcile read every record, a poll those updated since the cursor.
type SourceReader interface {
	Page(ctx context.Context, kind, cursor string) (*SourcePage, error)
}

// SourceStore is what a source sync writes.
type SourceStore interface {
	kizuna.SourceSyncStore
	kizuna.SourceRecordStore
	kizuna.ConnectionStore
	FindAccount(ctx context.Context, name string) (*kizuna.Account, error)
	PutCatalog(ctx context.Context, account *kizuna.Account, c *kizuna.Catalog) error
	Catalog(ctx context.Context, account *kizuna.Account) (*kizuna.Catalog, error)
}

// CatalogReader is implemented by a SourceReader whose source names its
// lists and properties (HubSpot, Klaviyo): SyncSource refreshes the
// account's catalog from it.
type CatalogReader interface {
	// Catalog returns a catalog holding only the reader's source's
	// section, given the account's current catalog (for what the source
	// cannot tell, such as the labels of Klaviyo's properties).
	Catalog(ctx context.Context, current *kizuna.Catalog) (*kizuna.Catalog, error)
}

// RefreshCatalog replaces the account's catalog section of the reader's
// source with the one the reader reads, when the reader is a
// CatalogReader and the section changed (no write otherwise).
func RefreshCatalog(ctx context.Context, st SourceStore, r SourceReader, a *kizuna.Account) error {
	cr, ok := r.(CatalogReader)
	if !ok {
		return nil
	}
	current, err := st.Catalog(ctx, a)
	if err != nil {
		return err
	}
	if current == nil {
		current = &kizuna.Catalog{}
	}
	next, err := cr.Catalog(ctx, current)
	if err != nil || next == nil || (next.HubSpot == nil && next.Klaviyo == nil) {
		return err
	}
	if sameSection(current.HubSpot, next.HubSpot) && sameSection(current.Klaviyo, next.Klaviyo) {
		return nil
	}
	return st.PutCatalog(ctx, a, next)
}

// sameSection reports whether next (nil: not named) leaves cur as it is.
func sameSection(cur, next *kizuna.CatalogSection) bool {
	if next == nil {
		return true
	}
	if cur == nil {
		return false
	}
	a, _ := json.Marshal(cur)
	b, _ := json.Marshal(next)
	return bytes.Equal(a, b)
}

// sourceArgs syncs one source of an account. At most one waits or runs
// per account and source (the unique fields), whatever its kind.
type sourceArgs struct {
	Account  string `json:"account" river:"unique"`
	Source   string `json:"source" river:"unique"`
	SyncKind string `json:"kind"`
}

func (sourceArgs) Kind() string { return "kizuna_source_sync" }

func (sourceArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queue, MaxAttempts: 20, UniqueOpts: river.UniqueOpts{
		ByArgs: true,
		ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
			rivertype.JobStateRunning, rivertype.JobStateScheduled, rivertype.JobStateRetryable},
	}}
}

type sourceWorker struct {
	river.WorkerDefaults[sourceArgs]
	j *Jobs
}

// Timeout lets a backfill of millions of records run long; it saves its
// cursor after every page.
func (w *sourceWorker) Timeout(*river.Job[sourceArgs]) time.Duration { return 12 * time.Hour }

func (w *sourceWorker) Work(ctx context.Context, job *river.Job[sourceArgs]) error {
	j, args := w.j, job.Args
	if j.cfg.Sources == nil || j.cfg.SourceStore == nil {
		return river.JobCancel(fmt.Errorf("jobs: no source readers configured"))
	}
	st := j.cfg.SourceStore
	a, err := st.FindAccount(ctx, args.Account)
	if err != nil {
		return err
	}
	s, err := st.StartSourceSync(ctx, a, args.Source, args.SyncKind, fmt.Sprint(job.ID))
	if kizuna.ErrorCode(err) == kizuna.ECONFLICT {
		return river.JobSnooze(time.Minute) // another process's sync shows life
	} else if err != nil {
		return err
	}
	fail := func(err error) error {
		if job.Attempt >= job.MaxAttempts || kizuna.ErrorCode(err) == kizuna.EUNAUTHORIZED || kizuna.ErrorCode(err) == kizuna.EFORBIDDEN {
			st.FailSourceSync(ctx, a, s.ID, kizuna.ErrorMessage(err))
			return river.JobCancel(err)
		}
		return err // retried: the sync resumes from its cursor
	}
	conn, err := st.Connection(ctx, a, args.Source)
	if err != nil {
		return fail(err)
	}
	secrets, err := st.ConnectionSecrets(ctx, a, args.Source)
	if err != nil {
		return fail(err)
	}
	since, err := PollSince(ctx, st, a, args.Source)
	if err != nil {
		return fail(err)
	}
	reader, err := j.cfg.Sources(conn, secrets, since)
	if err != nil {
		return fail(err)
	}
	_, err = SyncSource(ctx, st, reader, a, s, nil)
	if err != nil {
		return fail(err)
	}
	return nil
}

// SyncSource runs a sync StartSourceSync began (or resumed) to its end:
// page after page from its cursor, each page's records applied, then the
// cursor saved (so a crash re-reads at most one page, which applies the
// same again). progress, when not nil, is told after each page. The
// source's catalog section is refreshed before the first page and after
// the last (RefreshCatalog).
func SyncSource(ctx context.Context, st SourceStore, r SourceReader, a *kizuna.Account, s *kizuna.SourceSync, progress func(records int64)) (*kizuna.SourceSync, error) {
	// The catalog first, so that a list made or renamed in the source
	// reaches the editor within one poll, however long the pages take;
	// again at the end, with what the pages taught (Klaviyo's properties).
	if err := RefreshCatalog(ctx, st, r, a); err != nil {
		return nil, err
	}
	cursor := s.Cursor
	total := s.Records
	for {
		page, err := r.Page(ctx, s.Kind, cursor)
		if err != nil {
			return nil, err
		}
		for start := 0; start < len(page.Records); start += 1000 {
			if _, err := st.ApplySourceRecords(ctx, a, page.Records[start:min(start+1000, len(page.Records))]); err != nil {
				return nil, err
			}
		}
		if err := st.SourceSyncProgress(ctx, a, s.ID, page.Next, int64(len(page.Records))); err != nil {
			return nil, err
		}
		total += int64(len(page.Records))
		if progress != nil {
			progress(total)
		}
		if page.Done {
			if err := RefreshCatalog(ctx, st, r, a); err != nil {
				return nil, err
			}
			return st.FinishSourceSync(ctx, a, s.ID)
		}
		cursor = page.Next
	}
}

// StartSourceSync queues a sync of a source (one waits or runs per account
// and source; queueing another meanwhile is a no-op).
func (j *Jobs) StartSourceSync(ctx context.Context, a *kizuna.Account, source, kind string) error {
	_, err := j.client.Insert(ctx, sourceArgs{Account: a.Name, Source: source, SyncKind: kind}, nil)
	return err
}
