package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kizuna-line/kizuna"
)

// Message broadcasts: the account's side (create, list, edit, cancel) and
// the sender's (due runs, recipient snapshots, batches).
//
// Two locks keep them exact when several processes share one PostgreSQL:
// every write of a broadcast, DueRuns' included, holds the account's write
// lock (beginWrite), so that an edit or a cancel never crosses the creation
// of a run; and every write of a run's batches first locks the run's row
// (lockRun), so that the batches of a run finishing together in several
// processes end the run exactly once. Locks are taken in one order, the
// account, then a run, then its batches, then its broadcast, so that none
// waits in a circle. SQLite has one writer and needs neither.

var _ kizuna.BroadcastStore = (*DB)(nil)

// Stop reasons of a run that kept recipients unsent.
const (
	stopCanceled = "canceled"
)

const broadcastCols = `b.id, b.name, b.segment_id, s.name, b.messages, b.schedule, b.status, b.next_run_at_us, b.created_by, b.created_at_us, b.updated_at_us, b.version`

const broadcastFrom = ` FROM broadcasts b JOIN segments s ON s.id = b.segment_id `

func scanBroadcast(row interface{ Scan(...any) error }, loc *time.Location) (*kizuna.Broadcast, error) {
	var b kizuna.Broadcast
	var messages, schedule string
	var next sql.NullInt64
	var created, updated int64
	if err := row.Scan(&b.ID, &b.Name, &b.SegmentID, &b.SegmentName, &messages, &schedule, &b.Status, &next, &b.CreatedBy, &created, &updated, &b.Version); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(messages), &b.Messages); err != nil {
		return nil, fmt.Errorf("broadcast %d: messages: %w", b.ID, err)
	}
	if err := json.Unmarshal([]byte(schedule), &b.Schedule); err != nil {
		return nil, fmt.Errorf("broadcast %d: schedule: %w", b.ID, err)
	}
	if next.Valid {
		t := time.UnixMicro(next.Int64).In(loc)
		b.NextRunAt = &t
	}
	b.CreatedAt, b.UpdatedAt = time.UnixMicro(created).In(loc), time.UnixMicro(updated).In(loc)
	return &b, nil
}

// listBroadcasts reads the account's broadcasts that where (with args)
// selects, newest first, without their runs.
func (db *DB) listBroadcasts(ctx context.Context, q querier, a *kizuna.Account, where string, args ...any) ([]*kizuna.Broadcast, error) {
	rows, err := q.QueryContext(ctx, db.q(`SELECT `+broadcastCols+broadcastFrom+`WHERE b.account_id = ? AND `+where+` ORDER BY b.created_at_us DESC, b.id DESC`), append([]any{a.ID}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*kizuna.Broadcast{}
	for rows.Next() {
		b, err := scanBroadcast(rows, a.Location())
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// broadcast reads one broadcast of the account with its runs, or ENOTFOUND.
func (db *DB) broadcast(ctx context.Context, q querier, a *kizuna.Account, id int64) (*kizuna.Broadcast, error) {
	list, err := db.listBroadcasts(ctx, q, a, `b.id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "no broadcast %d in account %q", id, a.Name)
	}
	b := list[0]
	if b.Runs, err = db.runs(ctx, q, a.Location(), `r.broadcast_id = ?`, id); err != nil {
		return nil, err
	}
	if len(b.Runs) > 0 {
		b.LastRun = &b.Runs[0]
	}
	return b, nil
}

const runCols = `r.id, r.broadcast_id, r.scheduled_for_us, r.status, r.started_at_us, r.finished_at_us, r.matched, r.following, r.quota_remaining, r.quota_allows, r.stop_reason`

// runs reads the runs that where (with args, on broadcast_runs r) selects,
// latest first, with their waterfalls: the first steps as stored by
// SnapshotRun, the rest counted from the batches.
func (db *DB) runs(ctx context.Context, q querier, loc *time.Location, where string, args ...any) ([]kizuna.BroadcastRun, error) {
	rows, err := q.QueryContext(ctx, db.q(`SELECT `+runCols+` FROM broadcast_runs r WHERE `+where+` ORDER BY r.scheduled_for_us DESC, r.id DESC`), args...)
	if err != nil {
		return nil, err
	}
	out := []kizuna.BroadcastRun{}
	at := map[int64]int{}
	for rows.Next() {
		var r kizuna.BroadcastRun
		var scheduled int64
		var started, finished, quota sql.NullInt64
		var reason sql.NullString
		if err := rows.Scan(&r.ID, &r.BroadcastID, &scheduled, &r.Status, &started, &finished,
			&r.Waterfall.Matched, &r.Waterfall.Following, &quota, &r.Waterfall.QuotaAllows, &reason); err != nil {
			rows.Close()
			return nil, err
		}
		r.ScheduledFor = time.UnixMicro(scheduled).In(loc)
		if started.Valid {
			t := time.UnixMicro(started.Int64).In(loc)
			r.StartedAt = &t
		}
		if finished.Valid {
			t := time.UnixMicro(finished.Int64).In(loc)
			r.FinishedAt = &t
		}
		if quota.Valid {
			r.Waterfall.Quota = &quota.Int64
		}
		r.StopReason = reason.String
		at[r.ID] = len(out)
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	// One pass over the runs' batches (the unique key's index on run_id).
	rows, err = q.QueryContext(ctx, db.q(`SELECT x.run_id, x.status, CASE WHEN x.attempts > 0 THEN 1 ELSE 0 END, COALESCE(x.error, ''), CAST(SUM(x.n) AS BIGINT)
		FROM broadcast_batches x JOIN broadcast_runs r ON r.id = x.run_id WHERE `+where+` GROUP BY 1, 2, 3, 4`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var run, n int64
		var status, reason string
		var tried int
		if err := rows.Scan(&run, &status, &tried, &reason, &n); err != nil {
			return nil, err
		}
		i, ok := at[run]
		if !ok {
			continue
		}
		w := &out[i].Waterfall
		switch status {
		case kizuna.BatchAccepted:
			w.Sent += n
			w.Accepted += n
		case kizuna.BatchFailed:
			w.Sent += n
			w.Failed += n
			addFailure(w, reason, n)
		case kizuna.BatchUnsent:
			w.Unsent += n
		case kizuna.BatchPending:
			if tried == 1 { // sent at least once, its answer not yet known
				w.Sent += n
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		slices.SortFunc(out[i].Waterfall.Failures, func(a, b kizuna.Failure) int {
			return cmp.Or(cmp.Compare(b.Recipients, a.Recipients), strings.Compare(a.Reason, b.Reason))
		})
	}
	return out, nil
}

func addFailure(w *kizuna.Waterfall, reason string, n int64) {
	for i := range w.Failures {
		if w.Failures[i].Reason == reason {
			w.Failures[i].Recipients += n
			return
		}
	}
	w.Failures = append(w.Failures, kizuna.Failure{Reason: reason, Recipients: n})
}

// Broadcasts lists the account's broadcasts, newest first, each with its
// last run (not its other runs).
func (db *DB) Broadcasts(ctx context.Context, a *kizuna.Account) ([]*kizuna.Broadcast, error) {
	list, err := db.listBroadcasts(ctx, db.read, a, `1 = 1`)
	if err != nil {
		return nil, fmt.Errorf("list broadcasts: %w", err)
	}
	last, err := db.runs(ctx, db.read, a.Location(), `r.id IN (SELECT MAX(id) FROM broadcast_runs WHERE account_id = ? GROUP BY broadcast_id)`, a.ID)
	if err != nil {
		return nil, fmt.Errorf("list broadcasts: %w", err)
	}
	by := make(map[int64]*kizuna.BroadcastRun, len(last))
	for i := range last {
		by[last[i].BroadcastID] = &last[i]
	}
	for _, b := range list {
		b.LastRun = by[b.ID]
	}
	return list, nil
}

// Broadcast returns one broadcast of the account with its runs, latest
// first, or ENOTFOUND.
func (db *DB) Broadcast(ctx context.Context, a *kizuna.Account, id int64) (*kizuna.Broadcast, error) {
	// One snapshot: the broadcast and its runs as one commit left them
	// (a run's end and the broadcast's status are written together).
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: db.snapshot()})
	if err != nil {
		return nil, fmt.Errorf("find broadcast: %w", err)
	}
	defer tx.Rollback()
	b, err := db.broadcast(ctx, tx, a, id)
	if err != nil && kizuna.ErrorCode(err) == kizuna.EINTERNAL {
		return nil, fmt.Errorf("find broadcast: %w", err)
	}
	return b, err
}

// SegmentUsage returns, per segment ID, the account's broadcasts that use
// the segment and are not canceled, newest first (without their runs).
func (db *DB) SegmentUsage(ctx context.Context, a *kizuna.Account) (map[int64][]*kizuna.Broadcast, error) {
	list, err := db.listBroadcasts(ctx, db.read, a, `b.status <> ?`, kizuna.BroadcastCanceled)
	if err != nil {
		return nil, fmt.Errorf("segment usage: %w", err)
	}
	out := map[int64][]*kizuna.Broadcast{}
	for _, b := range list {
		out[b.SegmentID] = append(out[b.SegmentID], b)
	}
	return out, nil
}

// checkSegmentUnused refuses to delete segment id while a broadcast that
// has yet to send, or is sending, uses it (ECONFLICT, naming them). Sent
// and canceled broadcasts keep their segment's name as it was.
func (db *DB) checkSegmentUnused(ctx context.Context, tx *sql.Tx, a *kizuna.Account, id int64) error {
	rows, err := tx.QueryContext(ctx, db.q(`SELECT name FROM broadcasts WHERE account_id = ? AND segment_id = ? AND status IN (?, ?, ?) ORDER BY name, id`),
		a.ID, id, kizuna.BroadcastScheduled, kizuna.BroadcastRecurring, kizuna.BroadcastSending)
	if err != nil {
		return err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return err
		}
		names = append(names, fmt.Sprintf("%q", n))
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(names) > 0 {
		return kizuna.Errorf(kizuna.ECONFLICT, "the segment is used by broadcasts %s; cancel them first", strings.Join(names, ", "))
	}
	return nil
}

// checkDraft validates a draft given at now and returns it with its name
// trimmed. The name follows the rules of segment names (kizuna.CleanName);
// kizuna.BroadcastDraft.Validate, coming with the domain's rules, is to
// take this function's place.
func checkDraft(d kizuna.BroadcastDraft, now time.Time) (kizuna.BroadcastDraft, error) {
	name, err := kizuna.CleanName("name", d.Name)
	if err != nil {
		return d, err
	}
	d.Name = name
	return d, d.Validate(now)
}

// checkLiveSegment refuses a segment that is not a live one of the account.
func (db *DB) checkLiveSegment(ctx context.Context, tx *sql.Tx, a *kizuna.Account, id int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM segments WHERE account_id = ? AND id = ? AND deleted_at_us IS NULL`), a.ID, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return kizuna.ErrorAt(kizuna.ENOTFOUND, "segment_id", "no segment %d in account %q", id, a.Name)
	}
	return nil
}

// firstRun returns the status and first run of a broadcast scheduled at
// now: a "now" broadcast is due at once.
func firstRun(s kizuna.Schedule, now time.Time, loc *time.Location) (string, time.Time, error) {
	status := kizuna.BroadcastScheduled
	if s.Recurring() {
		status = kizuna.BroadcastRecurring
	}
	if s.Kind == kizuna.ScheduleNow {
		return status, now, nil
	}
	next, ok := s.Next(now, loc)
	if !ok {
		return "", time.Time{}, kizuna.ErrorAt(kizuna.EINVALID, "schedule", "the schedule has no time after now")
	}
	return status, next, nil
}

// encodeDraft returns a draft's messages and schedule as stored.
func encodeDraft(d kizuna.BroadcastDraft) (messages, schedule string, err error) {
	m, err := json.Marshal(d.Messages)
	if err != nil {
		return "", "", err
	}
	s, err := json.Marshal(d.Schedule)
	if err != nil {
		return "", "", err
	}
	return string(m), string(s), nil
}

// CreateBroadcast validates the draft (its segment must be a live one of
// the account: ENOTFOUND at "segment_id" otherwise) and schedules it: a
// "now" broadcast is due at once, an "at" one at its instant, a recurring
// one at the schedule's first time after now in the account's zone.
func (db *DB) CreateBroadcast(ctx context.Context, a *kizuna.Account, actor string, d kizuna.BroadcastDraft) (*kizuna.Broadcast, error) {
	now := db.Now().Truncate(time.Microsecond)
	d, err := checkDraft(d, now)
	if err != nil {
		return nil, err
	}
	var b *kizuna.Broadcast
	err = db.segmentWrite(ctx, a, "create broadcast", func(tx *sql.Tx) error {
		if err := db.checkLiveSegment(ctx, tx, a, d.SegmentID); err != nil {
			return err
		}
		status, next, err := firstRun(d.Schedule, now, a.Location())
		if err != nil {
			return err
		}
		messages, schedule, err := encodeDraft(d)
		if err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRowContext(ctx, db.q(`INSERT INTO broadcasts (account_id, name, segment_id, messages, schedule, status, next_run_at_us, created_by, updated_by, created_at_us, updated_at_us)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			a.ID, d.Name, d.SegmentID, messages, schedule, status, next.UnixMicro(), actor, actor, now.UnixMicro(), now.UnixMicro()).Scan(&id); err != nil {
			return err
		}
		b, err = db.broadcast(ctx, tx, a, id)
		return err
	})
	return b, err
}

// EditBroadcast replaces a broadcast's name, segment, messages and
// schedule, and schedules it afresh. Only a broadcast no run of which was
// created can change (ECONFLICT otherwise, and for a canceled one); a draft
// made from an older version is ECONFLICT at kizuna.StalePath, naming who
// changed the broadcast last and when.
func (db *DB) EditBroadcast(ctx context.Context, a *kizuna.Account, actor string, id int64, d kizuna.BroadcastDraft) (*kizuna.Broadcast, error) {
	now := db.Now().Truncate(time.Microsecond)
	var b *kizuna.Broadcast
	err := db.segmentWrite(ctx, a, "edit broadcast", func(tx *sql.Tx) error {
		old, err := db.broadcast(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if d.Version != 0 && d.Version != old.Version {
			return db.staleBroadcast(ctx, tx, a, old, d.Version)
		}
		if len(old.Runs) > 0 {
			return kizuna.Errorf(kizuna.ECONFLICT, "the broadcast %q has started sending: it can no longer be edited", old.Name)
		}
		if old.Status == kizuna.BroadcastCanceled {
			return kizuna.Errorf(kizuna.ECONFLICT, "the broadcast %q is canceled: it can no longer be edited", old.Name)
		}
		if d, err = checkDraft(d, now); err != nil {
			return err
		}
		if err := db.checkLiveSegment(ctx, tx, a, d.SegmentID); err != nil {
			return err
		}
		status, next, err := firstRun(d.Schedule, now, a.Location())
		if err != nil {
			return err
		}
		messages, schedule, err := encodeDraft(d)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, db.q(`UPDATE broadcasts SET name = ?, segment_id = ?, messages = ?, schedule = ?, status = ?, next_run_at_us = ?,
			updated_by = ?, updated_at_us = ?, version = version + 1 WHERE id = ? AND version = ?`),
			d.Name, d.SegmentID, messages, schedule, status, next.UnixMicro(), actor, now.UnixMicro(), id, old.Version)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return db.staleBroadcast(ctx, tx, a, old, old.Version)
		}
		b, err = db.broadcast(ctx, tx, a, id)
		return err
	})
	return b, err
}

// staleBroadcast is the refusal of an edit made from an older version of
// b: it names who changed the broadcast last, and when, in the account's
// zone.
func (db *DB) staleBroadcast(ctx context.Context, tx *sql.Tx, a *kizuna.Account, b *kizuna.Broadcast, from int64) error {
	var actor string
	var at, version int64
	if err := tx.QueryRowContext(ctx, db.q(`SELECT updated_by, updated_at_us, version FROM broadcasts WHERE id = ?`), b.ID).Scan(&actor, &at, &version); err != nil {
		return fmt.Errorf("last change of broadcast %d: %w", b.ID, err)
	}
	return kizuna.ErrorAt(kizuna.ECONFLICT, kizuna.StalePath,
		"%s changed this broadcast at %s, after this edit started from version %d (now %d): reload it, and apply your change again",
		actor, time.UnixMicro(at).In(a.Location()).Format("2006-01-02 15:04:05 MST"), from, version)
}

// CancelBroadcast cancels a scheduled, recurring or sending broadcast: it
// will not run again, and a run under way keeps its batches not yet sent
// unsent (stop reason "canceled") and ends. Canceling a canceled broadcast
// changes nothing; a sent one is ECONFLICT.
func (db *DB) CancelBroadcast(ctx context.Context, a *kizuna.Account, actor string, id int64) (*kizuna.Broadcast, error) {
	var b *kizuna.Broadcast
	err := db.segmentWrite(ctx, a, "cancel broadcast", func(tx *sql.Tx) error {
		old, err := db.broadcast(ctx, tx, a, id)
		if err != nil {
			return err
		}
		switch old.Status {
		case kizuna.BroadcastCanceled:
			b = old
			return nil
		case kizuna.BroadcastSent:
			return kizuna.Errorf(kizuna.ECONFLICT, "the broadcast %q was already sent: there is nothing to cancel", old.Name)
		}
		// The runs first: whoever writes a run's batches locks the run, then
		// the batches, then the broadcast (when the run ends), in that order.
		for _, r := range old.Runs {
			if r.Status == kizuna.RunPending || r.Status == kizuna.RunSending {
				if err := db.stopRun(ctx, tx, r.ID, stopCanceled); err != nil {
					return err
				}
			}
		}
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE broadcasts SET status = ?, next_run_at_us = NULL, updated_by = ?, updated_at_us = ?, version = version + 1 WHERE id = ?`),
			kizuna.BroadcastCanceled, actor, db.Now().UnixMicro(), id); err != nil {
			return err
		}
		b, err = db.broadcast(ctx, tx, a, id)
		return err
	})
	return b, err
}
