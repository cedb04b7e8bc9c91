package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kizuna-line/kizuna"
)

// LineSyncStale is how long a running follower sync may go without a page
// (its heartbeat) before another may start: the process running it is
// taken to be gone, and the sync is marked failed.
const LineSyncStale = time.Minute

// Follower sync states.
const (
	SyncRunning = "running"
	SyncDone    = "done"
	SyncFailed  = "failed"
)

// maxSyncError bounds the stored error message of a failed sync, in characters.
const maxSyncError = 1000

// StartLineSync begins a follower sync of the account. While another runs
// and showed life within LineSyncStale, it is ECONFLICT; an older running
// one is marked failed first.
func (db *DB) StartLineSync(ctx context.Context, a *kizuna.Account) (*kizuna.LineSync, error) {
	const op = "start follower sync"
	tx, err := db.beginWrite(ctx, a)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer tx.Rollback()
	now := db.Now()
	rows, err := tx.QueryContext(ctx, db.q(`SELECT id, started_at_us, heartbeat_us FROM line_syncs WHERE account_id = ? AND status = 'running'`), a.ID)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var stale []int64
	for rows.Next() {
		var id, started, beat int64
		if err := rows.Scan(&id, &started, &beat); err != nil {
			rows.Close()
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		if now.UnixMicro()-beat < LineSyncStale.Microseconds() {
			rows.Close()
			return nil, kizuna.Errorf(kizuna.ECONFLICT, "a follower sync of account %q is already running, since %s", a.Name,
				time.UnixMicro(started).In(a.Location()).Format(time.RFC3339))
		}
		stale = append(stale, id)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	for _, id := range stale {
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE line_syncs SET status = 'failed', finished_at_us = ?, error = ?, error_code = 'stale' WHERE id = ?`),
			now.UnixMicro(), "stopped without finishing: no progress for "+LineSyncStale.String(), id); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
	}
	var id int64
	if err := tx.QueryRowContext(ctx, db.q(`INSERT INTO line_syncs (account_id, status, started_at_us, heartbeat_us) VALUES (?, 'running', ?, ?) RETURNING id`),
		a.ID, now.UnixMicro(), now.UnixMicro()).Scan(&id); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	s, err := db.lineSync(ctx, tx, a, id)
	if err != nil {
		return nil, err
	}
	return s, tx.Commit()
}

// SyncFollowers applies one page of followers of a running sync: each is
// following as of now. A known friend becomes following (unless a LINE
// event newer than now says otherwise), its display name set when the page
// gives one that differs; an unknown one is added, following, with the
// sync's start as its added date, marked estimated. Every one is marked
// seen by the sync (line_seen_us = the sync's start), which keeps it from
// being blocked at the end. The page also counts as the sync's heartbeat.
func (db *DB) SyncFollowers(ctx context.Context, a *kizuna.Account, syncID int64, page []kizuna.Follower) (*kizuna.LineSync, error) {
	const op = "sync followers"
	for i, f := range page {
		if !kizuna.ValidLineUserID(f.LineUserID) {
			return nil, kizuna.ErrorAt(kizuna.EINVALID, fmt.Sprintf("page[%d]", i), "%q is not a LINE user ID", f.LineUserID)
		}
	}
	tx, err := db.beginWrite(ctx, a)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer tx.Rollback()
	s, err := db.runningSync(ctx, tx, a, syncID)
	if err != nil {
		return nil, err
	}
	now := db.Now().UnixMicro()
	start := s.StartedAt.UnixMicro()
	names := make(map[string]string, len(page))
	var ids []string
	for _, f := range page {
		if _, dup := names[f.LineUserID]; !dup {
			ids = append(ids, f.LineUserID)
		}
		if n := cleanText(strings.TrimSpace(f.DisplayName)); n != "" || names[f.LineUserID] == "" {
			names[f.LineUserID] = n
		}
	}
	friends, err := db.lineFriends(ctx, tx, a, ids)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	loc := a.Location()
	added := 0
	var seenOnly []string // known friends whose facts stay: only their LINE times change
	for _, id := range ids {
		f := friends[id]
		if f == nil {
			f = &lineFriend{id: id, name: names[id], isNew: true, status: kizuna.StatusFollowing,
				addedUS: start, addedDay: int64(kizuna.DayOf(time.UnixMicro(start), loc)), estimated: true}
			f.seenUS.Int64, f.seenUS.Valid = start, true
			f.statusUS.Int64, f.statusUS.Valid = now, true
			friends[id] = f
			added++
			continue
		}
		if f.status != kizuna.StatusFollowing && (!f.statusUS.Valid || f.statusUS.Int64 <= now) {
			f.setStatus(kizuna.StatusFollowing, now)
		}
		if n := names[id]; n != "" && n != f.name {
			f.name, f.dirty, f.factsChanged = n, true, true
		}
		if !f.dirty {
			seenOnly = append(seenOnly, id)
			continue
		}
		if !f.seenUS.Valid || f.seenUS.Int64 < start {
			f.seenUS.Int64, f.seenUS.Valid = start, true
		}
		if !f.statusUS.Valid || f.statusUS.Int64 < now {
			f.statusUS.Int64, f.statusUS.Valid = now, true
		}
	}
	c := &changes{}
	if err := db.writeLineFriends(ctx, tx, a, friends, now, c); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if len(seenOnly) > 0 {
		// Following already, name unchanged: one statement for all of them.
		sel, arg := db.inList(seenOnly)
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE friends SET
			line_seen_us = CASE WHEN line_seen_us IS NULL OR line_seen_us < ? THEN ? ELSE line_seen_us END,
			line_status_us = CASE WHEN line_status_us IS NULL OR line_status_us < ? THEN ? ELSE line_status_us END
			WHERE account_id = ? AND line_user_id `+sel), start, start, now, now, a.ID, arg); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
	}
	if _, err := tx.ExecContext(ctx, db.q(`UPDATE line_syncs SET pages = pages + 1, seen = seen + ?, added = added + ?, heartbeat_us = ? WHERE id = ?`),
		len(ids), added, now, syncID); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if len(c.ids) > 0 || c.all {
		if err := db.logChange(ctx, tx, a, c); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
	}
	if s, err = db.lineSync(ctx, tx, a, syncID); err != nil {
		return nil, err
	}
	return s, tx.Commit()
}

// FinishLineSync ends a running sync that has read at least one page: the
// following friends it did not see (and no follow event since its start
// did) become blocked.
func (db *DB) FinishLineSync(ctx context.Context, a *kizuna.Account, syncID int64) (*kizuna.LineSync, error) {
	const op = "finish follower sync"
	tx, err := db.beginWrite(ctx, a)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer tx.Rollback()
	s, err := db.runningSync(ctx, tx, a, syncID)
	if err != nil {
		return nil, err
	}
	if s.Pages == 0 {
		// Even an account without followers gets one (empty) page; none
		// means the sync did not read LINE, and finishing would block everyone.
		return nil, kizuna.Errorf(kizuna.ECONFLICT, "follower sync %d has applied no page of followers: finishing it would block every friend", syncID)
	}
	now := db.Now().UnixMicro()
	start := s.StartedAt.UnixMicro()
	rows, err := tx.QueryContext(ctx, db.q(`UPDATE friends SET status = 'blocked', line_status_us = ?, updated_at_us = ?
		WHERE account_id = ? AND status = 'following' AND (line_seen_us IS NULL OR line_seen_us < ?) RETURNING line_user_id`), start, now, a.ID, start)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	c := &changes{}
	blocked := 0
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		c.add(id)
		blocked++
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if _, err := tx.ExecContext(ctx, db.q(`UPDATE line_syncs SET status = 'done', finished_at_us = ?, heartbeat_us = ?, blocked = ? WHERE id = ?`),
		now, now, blocked, syncID); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if blocked > 0 {
		if err := db.logChange(ctx, tx, a, c); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
	}
	if s, err = db.lineSync(ctx, tx, a, syncID); err != nil {
		return nil, err
	}
	return s, tx.Commit()
}

// FailLineSync ends a running sync with an error code (such as
// "forbidden" for LINE's 403) and message; nobody is blocked, and what its
// pages did stays. The message must carry no secret.
func (db *DB) FailLineSync(ctx context.Context, a *kizuna.Account, syncID int64, code, message string) (*kizuna.LineSync, error) {
	const op = "fail follower sync"
	tx, err := db.beginWrite(ctx, a)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer tx.Rollback()
	if _, err := db.runningSync(ctx, tx, a, syncID); err != nil {
		return nil, err
	}
	now := db.Now().UnixMicro()
	if _, err := tx.ExecContext(ctx, db.q(`UPDATE line_syncs SET status = 'failed', finished_at_us = ?, heartbeat_us = ?, error = ?, error_code = ? WHERE id = ?`),
		now, now, cut(cleanText(message), maxSyncError), cut(cleanText(code), 64), syncID); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	s, err := db.lineSync(ctx, tx, a, syncID)
	if err != nil {
		return nil, err
	}
	return s, tx.Commit()
}

// LatestLineSync returns the account's latest follower sync.
func (db *DB) LatestLineSync(ctx context.Context, a *kizuna.Account) (*kizuna.LineSync, error) {
	var id int64
	err := db.read.QueryRowContext(ctx, db.q(`SELECT id FROM line_syncs WHERE account_id = ? ORDER BY id DESC LIMIT 1`), a.ID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "account %q has no follower sync yet", a.Name)
	} else if err != nil {
		return nil, fmt.Errorf("latest follower sync: %w", err)
	}
	return db.lineSync(ctx, db.read, a, id)
}

// runningSync reads one of the account's syncs, which must be running.
func (db *DB) runningSync(ctx context.Context, q queryer, a *kizuna.Account, id int64) (*kizuna.LineSync, error) {
	s, err := db.lineSync(ctx, q, a, id)
	if err != nil {
		return nil, err
	}
	if s.Status != SyncRunning {
		return nil, kizuna.Errorf(kizuna.ECONFLICT, "follower sync %d is %s, no longer running", id, s.Status)
	}
	return s, nil
}

// lineSync reads one of the account's syncs.
func (db *DB) lineSync(ctx context.Context, q queryer, a *kizuna.Account, id int64) (*kizuna.LineSync, error) {
	s := &kizuna.LineSync{ID: id}
	var started int64
	var finished sql.NullInt64
	err := q.QueryRowContext(ctx, db.q(`SELECT status, started_at_us, finished_at_us, pages, seen, added, blocked, error, error_code
		FROM line_syncs WHERE account_id = ? AND id = ?`), a.ID, id).
		Scan(&s.Status, &started, &finished, &s.Pages, &s.Seen, &s.Added, &s.Blocked, &s.Error, &s.ErrorCode)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "no follower sync %d in account %q", id, a.Name)
	} else if err != nil {
		return nil, fmt.Errorf("follower sync: %w", err)
	}
	loc := a.Location()
	s.StartedAt = time.UnixMicro(started).In(loc)
	if finished.Valid {
		t := time.UnixMicro(finished.Int64).In(loc)
		s.FinishedAt = &t
	}
	return s, nil
}

// cut shortens s to at most n characters.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
