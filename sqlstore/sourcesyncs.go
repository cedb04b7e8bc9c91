package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kizuna-line/kizuna"
)

var _ kizuna.SourceSyncStore = (*DB)(nil)

// SourceSyncStale is how long a running source sync may go without a
// heartbeat before it is taken to be cut short (its process gone) and
// resumed by the next StartSourceSync of the source.
const SourceSyncStale = 2 * time.Minute

const sourceSyncColumns = `id, source, kind, status, cursor, started_at_us, heartbeat_us, finished_at_us, records, error`

// scanTail scans a row whose columns after sourceSyncColumns go to more.
type scanTail struct {
	row  interface{ Scan(...any) error }
	more *string
}

func (s scanTail) Scan(dest ...any) error { return s.row.Scan(append(dest, s.more)...) }

func scanSourceSync(row interface{ Scan(...any) error }, a *kizuna.Account) (*kizuna.SourceSync, error) {
	var s kizuna.SourceSync
	var started, beat int64
	var finished sql.NullInt64
	if err := row.Scan(&s.ID, &s.Source, &s.Kind, &s.Status, &s.Cursor, &started, &beat, &finished, &s.Records, &s.Error); err != nil {
		return nil, err
	}
	loc := a.Location()
	s.StartedAt, s.HeartbeatAt = time.UnixMicro(started).In(loc), time.UnixMicro(beat).In(loc)
	if finished.Valid {
		t := time.UnixMicro(finished.Int64).In(loc)
		s.FinishedAt = &t
	}
	return &s, nil
}

// StartSourceSync begins a sync of the source for owner, or resumes the
// running one: owner's own (a job retried), or one cut short (its
// heartbeat older than SourceSyncStale), returned as it is (its cursor,
// its kind), marked Resumed and taken over by owner. Another owner's
// running sync with a fresh heartbeat is ECONFLICT.
func (db *DB) StartSourceSync(ctx context.Context, a *kizuna.Account, source, kind, owner string) (*kizuna.SourceSync, error) {
	const op = "start sync"
	if !kizuna.ValidSource(source) {
		return nil, kizuna.ErrorAt(kizuna.EINVALID, "source", "the source must be shopify, hubspot or klaviyo")
	}
	if !slices.Contains([]string{kizuna.SyncBackfill, kizuna.SyncPoll, kizuna.SyncReconcile}, kind) {
		return nil, kizuna.ErrorAt(kizuna.EINVALID, "kind", "a sync is a backfill, a poll or a reconcile")
	}
	tx, err := db.beginWrite(ctx, a)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer tx.Rollback()
	now := db.Now().UnixMicro()
	var runningOwner string
	row := tx.QueryRowContext(ctx, db.q(`SELECT `+sourceSyncColumns+`, owner FROM source_syncs
		WHERE account_id = ? AND source = ? AND status = 'running' ORDER BY id DESC LIMIT 1`), a.ID, source)
	running, err := scanSourceSync(scanTail{row, &runningOwner}, a)
	switch {
	case err == nil:
		if (owner == "" || runningOwner != owner) && now-running.HeartbeatAt.UnixMicro() < SourceSyncStale.Microseconds() {
			return nil, kizuna.Errorf(kizuna.ECONFLICT, "a %s sync of account %q is already running, since %s", source, a.Name, running.StartedAt.Format(time.RFC3339))
		}
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE source_syncs SET heartbeat_us = ?, owner = ? WHERE id = ?`), now, owner, running.ID); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		running.HeartbeatAt = time.UnixMicro(now).In(a.Location())
		running.Resumed = true
		return running, tx.Commit()
	case !errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var id int64
	if err := tx.QueryRowContext(ctx, db.q(`INSERT INTO source_syncs (account_id, source, kind, status, started_at_us, heartbeat_us, owner) VALUES (?, ?, ?, 'running', ?, ?, ?) RETURNING id`),
		a.ID, source, kind, now, now, owner).Scan(&id); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	s, err := db.sourceSync(ctx, tx, a, id)
	if err != nil {
		return nil, err
	}
	return s, tx.Commit()
}

func (db *DB) sourceSync(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, a *kizuna.Account, id int64) (*kizuna.SourceSync, error) {
	s, err := scanSourceSync(q.QueryRowContext(ctx, db.q(`SELECT `+sourceSyncColumns+` FROM source_syncs WHERE account_id = ? AND id = ?`), a.ID, id), a)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "no sync %d in account %q", id, a.Name)
	} else if err != nil {
		return nil, fmt.Errorf("sync %d: %w", id, err)
	}
	return s, nil
}

// SourceSyncProgress saves a running sync's cursor and adds the records
// applied since the last call; it is the sync's heartbeat too.
func (db *DB) SourceSyncProgress(ctx context.Context, a *kizuna.Account, id int64, cursor string, records int64) error {
	res, err := db.write.ExecContext(ctx, db.q(`UPDATE source_syncs SET cursor = ?, records = records + ?, heartbeat_us = ? WHERE account_id = ? AND id = ? AND status = 'running'`),
		cursor, records, db.Now().UnixMicro(), a.ID, id)
	if err != nil {
		return fmt.Errorf("sync progress: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return kizuna.Errorf(kizuna.ECONFLICT, "sync %d of account %q is not running", id, a.Name)
	}
	return nil
}

// FinishSourceSync ends a running sync as done.
func (db *DB) FinishSourceSync(ctx context.Context, a *kizuna.Account, id int64) (*kizuna.SourceSync, error) {
	return db.endSourceSync(ctx, a, id, "done", "")
}

// FailSourceSync ends a running sync as failed, keeping its message (at
// most 1,000 characters).
func (db *DB) FailSourceSync(ctx context.Context, a *kizuna.Account, id int64, message string) (*kizuna.SourceSync, error) {
	if message == "" {
		message = "failed"
	}
	return db.endSourceSync(ctx, a, id, "failed", cut(cleanText(message), maxSyncError))
}

func (db *DB) endSourceSync(ctx context.Context, a *kizuna.Account, id int64, status, message string) (*kizuna.SourceSync, error) {
	now := db.Now().UnixMicro()
	res, err := db.write.ExecContext(ctx, db.q(`UPDATE source_syncs SET status = ?, error = ?, finished_at_us = ?, heartbeat_us = ? WHERE account_id = ? AND id = ? AND status = 'running'`),
		status, message, now, now, a.ID, id)
	if err != nil {
		return nil, fmt.Errorf("end sync: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := db.sourceSync(ctx, db.read, a, id); err != nil {
			return nil, err
		}
		return nil, kizuna.Errorf(kizuna.ECONFLICT, "sync %d of account %q is not running", id, a.Name)
	}
	return db.sourceSync(ctx, db.write, a, id)
}

// Freshness reads, for each source with syncs or webhooks, the latest
// success, the latest failure after it, the running sync and the latest
// webhook delivery applied.
func (db *DB) Freshness(ctx context.Context, a *kizuna.Account) ([]kizuna.Freshness, error) {
	var out []kizuna.Freshness
	loc := a.Location()
	for _, source := range kizuna.Sources {
		f := kizuna.Freshness{Source: source}
		var done sql.NullInt64
		if err := db.read.QueryRowContext(ctx, db.q(`SELECT MAX(finished_at_us) FROM source_syncs WHERE account_id = ? AND source = ? AND status = 'done'`), a.ID, source).Scan(&done); err != nil {
			return nil, fmt.Errorf("freshness: %w", err)
		}
		if done.Valid {
			t := time.UnixMicro(done.Int64).In(loc)
			f.LastSuccessAt = &t
		}
		var failedAt int64
		err := db.read.QueryRowContext(ctx, db.q(`SELECT finished_at_us, error FROM source_syncs WHERE account_id = ? AND source = ? AND status = 'failed' AND finished_at_us > ?
			ORDER BY finished_at_us DESC LIMIT 1`), a.ID, source, done.Int64).Scan(&failedAt, &f.LastError)
		if err == nil {
			t := time.UnixMicro(failedAt).In(loc)
			f.LastErrorAt = &t
		} else if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("freshness: %w", err)
		}
		var delivered sql.NullInt64
		if err := db.read.QueryRowContext(ctx, db.q(`SELECT MAX(received_at_us) FROM source_deliveries WHERE account_id = ? AND source = ?`), a.ID, source).Scan(&delivered); err != nil {
			return nil, fmt.Errorf("freshness: %w", err)
		}
		if delivered.Valid {
			t := time.UnixMicro(delivered.Int64).In(loc)
			f.LastDeliveryAt = &t
		}
		running, err := scanSourceSync(db.read.QueryRowContext(ctx, db.q(`SELECT `+sourceSyncColumns+` FROM source_syncs
			WHERE account_id = ? AND source = ? AND status = 'running' ORDER BY id DESC LIMIT 1`), a.ID, source), a)
		if err == nil {
			f.Running = running
		} else if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("freshness: %w", err)
		}
		if f.LastSuccessAt != nil || f.LastErrorAt != nil || f.Running != nil || f.LastDeliveryAt != nil {
			out = append(out, f)
		}
	}
	return out, nil
}
