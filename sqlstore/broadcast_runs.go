package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kizuna-line/kizuna"
)

// The sender's side of broadcasts: runs, their recipient snapshots and
// batches. See broadcasts.go for the locks.

// snapshotRows is how many batches one INSERT of SnapshotRun writes: five
// parameters each, well under either dialect's bound.
const snapshotRows = 100

// due is a broadcast DueRuns found due.
type due struct {
	id      int64
	account *kizuna.Account
}

// DueRuns creates the runs of every account's broadcasts due at now, once
// per broadcast and instant, each with a copy of the broadcast's messages,
// and advances the broadcasts: a one-time broadcast becomes sending; a
// recurring one is next due at its schedule's first time after now. So a
// recurring broadcast that missed several of its times (the server was
// down) catches up with one run, for the first time it missed, not one per
// time missed. DueRuns returns every run not yet ended, of all accounts,
// oldest first.
//
// Several processes may call DueRuns at once on one PostgreSQL: each
// broadcast is advanced under its account's write lock, only if it is
// still due as read there, and a run's (broadcast, instant) is unique.
func (db *DB) DueRuns(ctx context.Context, now time.Time) ([]kizuna.RunRef, error) {
	const op = "due runs"
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT a.id, a.name, a.timezone, a.created_at_us, b.id FROM broadcasts b JOIN accounts a ON a.id = b.account_id
		WHERE b.status IN (?, ?) AND b.next_run_at_us <= ? ORDER BY b.next_run_at_us, b.id`),
		kizuna.BroadcastScheduled, kizuna.BroadcastRecurring, now.UnixMicro())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var dues []due
	for rows.Next() {
		var d due
		a, err := scanAccount(rows, &d.id)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		d.account = a
		dues = append(dues, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	for _, d := range dues {
		if err := db.startRun(ctx, d, now); err != nil {
			return nil, fmt.Errorf("%s: broadcast %d: %w", op, d.id, err)
		}
	}
	return db.openRuns(ctx)
}

// startRun creates the due run of one broadcast and advances it.
func (db *DB) startRun(ctx context.Context, d due, now time.Time) error {
	tx, err := db.beginWrite(ctx, d.account)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var status, schedule string
	var next sql.NullInt64
	if err := tx.QueryRowContext(ctx, db.q(`SELECT status, schedule, next_run_at_us FROM broadcasts WHERE id = ?`), d.id).Scan(&status, &schedule, &next); err != nil {
		return err
	}
	if (status != kizuna.BroadcastScheduled && status != kizuna.BroadcastRecurring) || !next.Valid || next.Int64 > now.UnixMicro() {
		return nil // another process took it, or it was canceled or edited meanwhile
	}
	var s kizuna.Schedule
	if err := json.Unmarshal([]byte(schedule), &s); err != nil {
		return fmt.Errorf("schedule: %w", err)
	}
	if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO broadcast_runs (broadcast_id, account_id, scheduled_for_us, status, messages)
		SELECT id, account_id, ?, ?, messages FROM broadcasts WHERE id = ?
		ON CONFLICT (broadcast_id, scheduled_for_us) DO NOTHING`), next.Int64, kizuna.RunPending, d.id); err != nil {
		return err
	}
	newStatus, newNext := kizuna.BroadcastSending, sql.NullInt64{}
	if status == kizuna.BroadcastRecurring {
		newStatus = status
		if t, ok := s.Next(now, d.account.Location()); ok {
			newNext = sql.NullInt64{Int64: t.UnixMicro(), Valid: true}
		}
	}
	if _, err := tx.ExecContext(ctx, db.q(`UPDATE broadcasts SET status = ?, next_run_at_us = ? WHERE id = ? AND status = ? AND next_run_at_us = ?`),
		newStatus, newNext, d.id, status, next.Int64); err != nil {
		return err
	}
	return tx.Commit()
}

// openRuns lists every run not yet ended, oldest first.
func (db *DB) openRuns(ctx context.Context) ([]kizuna.RunRef, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT r.id, r.broadcast_id, r.account_id, a.name, b.segment_id, r.scheduled_for_us, r.status
		FROM broadcast_runs r JOIN broadcasts b ON b.id = r.broadcast_id JOIN accounts a ON a.id = r.account_id
		WHERE r.status IN (?, ?) ORDER BY r.scheduled_for_us, r.id`), kizuna.RunPending, kizuna.RunSending)
	if err != nil {
		return nil, fmt.Errorf("open runs: %w", err)
	}
	defer rows.Close()
	out := []kizuna.RunRef{}
	for rows.Next() {
		var r kizuna.RunRef
		var at int64
		if err := rows.Scan(&r.RunID, &r.BroadcastID, &r.AccountID, &r.AccountName, &r.SegmentID, &at, &r.Status); err != nil {
			return nil, fmt.Errorf("open runs: %w", err)
		}
		r.ScheduledFor = time.UnixMicro(at).UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("open runs: %w", err)
	}
	return out, nil
}

// lockRun locks a run's row for the rest of tx (on PostgreSQL; SQLite's
// one writer already excludes the others) and returns its status.
func (db *DB) lockRun(ctx context.Context, tx *sql.Tx, runID int64) (string, error) {
	query := `SELECT status FROM broadcast_runs WHERE id = ?`
	if db.d.name == "postgres" {
		query += ` FOR UPDATE`
	}
	var status string
	err := tx.QueryRowContext(ctx, db.q(query), runID).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return "", kizuna.Errorf(kizuna.ENOTFOUND, "no broadcast run %d", runID)
	}
	return status, err
}

// SnapshotRun records a pending run's recipients, in the order given, as
// batches of at most kizuna.MaxMulticast, each with a new retry key (a
// UUID v4) that every attempt of the batch is sent with, and the first
// steps of the run's waterfall (matched, following, quota, quota allows);
// the run is then sending. recipients are the LINE user IDs to send to,
// each once: those the quota allows, not the ones it keeps back. A run
// without recipients ends at once, sent. A run already snapshotted (or
// ended) is left as it is, whatever the arguments. SnapshotRun returns the
// run's pending batches in order.
func (db *DB) SnapshotRun(ctx context.Context, runID int64, recipients []string, w kizuna.Waterfall) ([]int64, error) {
	const op = "snapshot run"
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer tx.Rollback()
	status, err := db.lockRun(ctx, tx, runID)
	if err != nil {
		return nil, opErr(op, err)
	}
	if status == kizuna.RunPending {
		if err := db.writeSnapshot(ctx, tx, runID, recipients, w); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
	}
	ids, err := pendingBatches(ctx, db, tx, runID)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("%s: commit: %w", op, err)
	}
	return ids, nil
}

func (db *DB) writeSnapshot(ctx context.Context, tx *sql.Tx, runID int64, recipients []string, w kizuna.Waterfall) error {
	now := db.Now().UnixMicro()
	var quota sql.NullInt64
	if w.Quota != nil {
		quota = sql.NullInt64{Int64: *w.Quota, Valid: true}
	}
	if _, err := tx.ExecContext(ctx, db.q(`UPDATE broadcast_runs SET status = ?, started_at_us = ?, matched = ?, following = ?, quota_remaining = ?, quota_allows = ? WHERE id = ?`),
		kizuna.RunSending, now, w.Matched, w.Following, quota, w.QuotaAllows, runID); err != nil {
		return err
	}
	if len(recipients) == 0 {
		return db.endRun(ctx, tx, runID)
	}
	batches := (len(recipients) + kizuna.MaxMulticast - 1) / kizuna.MaxMulticast
	var full *sql.Stmt // the statement of snapshotRows batches, prepared once
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, 5*snapshotRows)
	var buf []byte
	for first := 0; first < batches; first += snapshotRows {
		rows := min(snapshotRows, batches-first)
		args = args[:0]
		for seq := first; seq < first+rows; seq++ {
			part := recipients[seq*kizuna.MaxMulticast : min(len(recipients), (seq+1)*kizuna.MaxMulticast)]
			buf = appendJSONStrings(buf[:0], part)
			args = append(args, runID, seq, uuid.NewString(), string(buf), len(part))
		}
		query := db.q(`INSERT INTO broadcast_batches (run_id, seq, retry_key, recipients, n, status) VALUES ` +
			strings.TrimSuffix(strings.Repeat(`(?, ?, ?, ?, ?, 'pending'), `, rows), ", "))
		var err error
		if rows == snapshotRows {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, query); err != nil {
					return err
				}
			}
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, query, args...)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// appendJSONStrings appends ss to b as a JSON array of strings. LINE user
// IDs are plain ASCII and take the fast path.
func appendJSONStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		if plainASCII(s) {
			b = append(b, '"')
			b = append(b, s...)
			b = append(b, '"')
			continue
		}
		q, _ := json.Marshal(s) // a string always encodes
		b = append(b, q...)
	}
	return append(b, ']')
}

func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// pendingBatches returns a run's pending batches in order.
func pendingBatches(ctx context.Context, db *DB, q querier, runID int64) ([]int64, error) {
	rows, err := q.QueryContext(ctx, db.q(`SELECT id FROM broadcast_batches WHERE run_id = ? AND status = ? ORDER BY seq`), runID, kizuna.BatchPending)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// Batch reads a batch with its recipients, its run's messages (as they were
// when the run was created) and its account.
func (db *DB) Batch(ctx context.Context, batchID int64) (*kizuna.Batch, error) {
	var b kizuna.Batch
	var recipients, messages string
	var requestID, reason sql.NullString
	err := db.read.QueryRowContext(ctx, db.q(`SELECT x.id, x.run_id, r.account_id, x.seq, x.retry_key, x.recipients, r.messages, x.status, x.request_id, x.attempts, x.error
		FROM broadcast_batches x JOIN broadcast_runs r ON r.id = x.run_id WHERE x.id = ?`), batchID).
		Scan(&b.ID, &b.RunID, &b.AccountID, &b.Seq, &b.RetryKey, &recipients, &messages, &b.Status, &requestID, &b.Attempts, &reason)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "no broadcast batch %d", batchID)
	} else if err != nil {
		return nil, fmt.Errorf("read batch: %w", err)
	}
	if err := json.Unmarshal([]byte(recipients), &b.Recipients); err != nil {
		return nil, fmt.Errorf("read batch %d: recipients: %w", batchID, err)
	}
	if err := json.Unmarshal([]byte(messages), &b.Messages); err != nil {
		return nil, fmt.Errorf("read batch %d: messages: %w", batchID, err)
	}
	b.RequestID, b.Error = requestID.String, reason.String
	return &b, nil
}

// BatchAttempt counts an attempt of a batch; the sender calls it before
// each attempt.
func (db *DB) BatchAttempt(ctx context.Context, batchID int64) error {
	res, err := db.write.ExecContext(ctx, db.q(`UPDATE broadcast_batches SET attempts = attempts + 1 WHERE id = ?`), batchID)
	if err != nil {
		return fmt.Errorf("batch attempt: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("batch attempt: %w", err)
	} else if n == 0 {
		return kizuna.Errorf(kizuna.ENOTFOUND, "no broadcast batch %d", batchID)
	}
	return nil
}

// FinishBatch records the outcome of a pending batch: accepted (with LINE's
// request ID), failed (with LINE's message as reason) or unsent (with the
// reason). A batch already finished is left as it is. When the run has no
// pending batch left, it ends: sent if every batch was accepted, failed if
// none was and some failed, partial otherwise; a one-time broadcast is then
// sent.
func (db *DB) FinishBatch(ctx context.Context, batchID int64, status, requestID, reason string) error {
	const op = "finish batch"
	switch status {
	case kizuna.BatchAccepted, kizuna.BatchFailed, kizuna.BatchUnsent:
	default:
		return fmt.Errorf("%s: %q is not a finished batch's status", op, status)
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer tx.Rollback()
	var runID int64
	err = tx.QueryRowContext(ctx, db.q(`SELECT run_id FROM broadcast_batches WHERE id = ?`), batchID).Scan(&runID)
	if errors.Is(err, sql.ErrNoRows) {
		return kizuna.Errorf(kizuna.ENOTFOUND, "no broadcast batch %d", batchID)
	} else if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if _, err := db.lockRun(ctx, tx, runID); err != nil {
		return opErr(op, err)
	}
	res, err := tx.ExecContext(ctx, db.q(`UPDATE broadcast_batches SET status = ?, request_id = ?, error = ?, finished_at_us = ? WHERE id = ? AND status = ?`),
		status, textOrNull(requestID), textOrNull(reason), db.Now().UnixMicro(), batchID, kizuna.BatchPending)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	} else if n == 0 {
		return nil // finished already
	}
	var pending int
	if err := tx.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM broadcast_batches WHERE run_id = ? AND status = ?`), runID, kizuna.BatchPending).Scan(&pending); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if pending == 0 {
		if err := db.endRun(ctx, tx, runID); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: commit: %w", op, err)
	}
	return nil
}

// StopRun keeps every pending batch of a run unsent, with the reason (such
// as "monthly_limit"), and ends the run; a run already ended is left as it
// is.
func (db *DB) StopRun(ctx context.Context, runID int64, reason string) error {
	const op = "stop run"
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer tx.Rollback()
	if err := db.stopRun(ctx, tx, runID, reason); err != nil {
		return opErr(op, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: commit: %w", op, err)
	}
	return nil
}

func (db *DB) stopRun(ctx context.Context, tx *sql.Tx, runID int64, reason string) error {
	status, err := db.lockRun(ctx, tx, runID)
	if err != nil {
		return err
	}
	if status != kizuna.RunPending && status != kizuna.RunSending {
		return nil
	}
	if _, err := tx.ExecContext(ctx, db.q(`UPDATE broadcast_batches SET status = ?, error = ?, finished_at_us = ? WHERE run_id = ? AND status = ?`),
		kizuna.BatchUnsent, textOrNull(reason), db.Now().UnixMicro(), runID, kizuna.BatchPending); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, db.q(`UPDATE broadcast_runs SET stop_reason = COALESCE(stop_reason, ?) WHERE id = ?`), textOrNull(reason), runID); err != nil {
		return err
	}
	return db.endRun(ctx, tx, runID)
}

// endRun ends an open run whose batches are all finished, its status told
// by them (runOutcome), and a one-time broadcast with it.
func (db *DB) endRun(ctx context.Context, tx *sql.Tx, runID int64) error {
	rows, err := tx.QueryContext(ctx, db.q(`SELECT status, CAST(SUM(n) AS BIGINT) FROM broadcast_batches WHERE run_id = ? GROUP BY status`), runID)
	if err != nil {
		return err
	}
	sums := map[string]int64{}
	for rows.Next() {
		var s string
		var n int64
		if err := rows.Scan(&s, &n); err != nil {
			rows.Close()
			return err
		}
		sums[s] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var broadcastID int64
	var reason sql.NullString
	if err := tx.QueryRowContext(ctx, db.q(`SELECT broadcast_id, stop_reason FROM broadcast_runs WHERE id = ?`), runID).Scan(&broadcastID, &reason); err != nil {
		return err
	}
	status := runOutcome(sums[kizuna.BatchAccepted], sums[kizuna.BatchFailed], sums[kizuna.BatchUnsent], reason.String)
	if _, err := tx.ExecContext(ctx, db.q(`UPDATE broadcast_runs SET status = ?, finished_at_us = ? WHERE id = ? AND status IN (?, ?)`),
		status, db.Now().UnixMicro(), runID, kizuna.RunPending, kizuna.RunSending); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, db.q(`UPDATE broadcasts SET status = ? WHERE id = ? AND status = ?`), kizuna.BroadcastSent, broadcastID, kizuna.BroadcastSending)
	return err
}

// runOutcome is the status of a run that ended with these recipients
// accepted, failed and unsent, stopped for reason ("" when its batches
// simply all finished): sent when every batch was accepted (or there was
// none to send); failed when none was accepted and some failed; canceled
// when the broadcast was canceled before anything was sent; failed too when
// it was stopped for another reason before its snapshot; partial otherwise.
func runOutcome(accepted, failed, unsent int64, reason string) string {
	switch {
	case failed == 0 && unsent == 0 && (accepted > 0 || reason == ""):
		return kizuna.RunSent
	case accepted == 0 && failed > 0:
		return kizuna.RunFailed
	case accepted == 0 && reason == stopCanceled:
		return kizuna.RunCanceled
	case accepted == 0 && unsent == 0:
		return kizuna.RunFailed
	}
	return kizuna.RunPartial
}

func textOrNull(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// opErr adds op to an error that is not a *kizuna.Error.
func opErr(op string, err error) error {
	var ke *kizuna.Error
	if errors.As(err, &ke) {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}
