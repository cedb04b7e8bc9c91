package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kizuna-line/kizuna"
)

// Saved segments and their folders. Every write runs in one transaction
// under the account's write lock (beginWrite), so checks such as "no other
// live segment has this name" hold when it commits, and records itself in
// segment_changes with its actor.

const segmentCols = `id, name, folder_id, filter, count, counted_at_us, created_at_us, updated_at_us, deleted_at_us, version`

func scanSegment(row interface{ Scan(...any) error }, loc *time.Location) (*kizuna.Segment, error) {
	var s kizuna.Segment
	var folder, count, counted, deleted sql.NullInt64
	var filter string
	var created, updated int64
	if err := row.Scan(&s.ID, &s.Name, &folder, &filter, &count, &counted, &created, &updated, &deleted, &s.Version); err != nil {
		return nil, err
	}
	s.Filter = json.RawMessage(filter)
	if folder.Valid {
		s.FolderID = &folder.Int64
	}
	if count.Valid {
		s.Count = &count.Int64
		t := time.UnixMicro(counted.Int64).In(loc)
		s.CountedAt = &t
	}
	s.CreatedAt, s.UpdatedAt = time.UnixMicro(created).In(loc), time.UnixMicro(updated).In(loc)
	if deleted.Valid {
		t := time.UnixMicro(deleted.Int64).In(loc)
		s.DeletedAt = &t
	}
	s.Usage = []kizuna.SegmentUse{} // no broadcasts yet
	return &s, nil
}

// Segments lists the account's live segments by name.
func (db *DB) Segments(ctx context.Context, a *kizuna.Account) ([]*kizuna.Segment, error) {
	return db.segments(ctx, a, `deleted_at_us IS NULL`)
}

// DeletedSegments lists the account's deleted segments that can still be
// restored, most recently deleted first.
func (db *DB) DeletedSegments(ctx context.Context, a *kizuna.Account) ([]*kizuna.Segment, error) {
	return db.segments(ctx, a, `deleted_at_us >= ?`, db.Now().Add(-kizuna.RestoreWindow).UnixMicro())
}

// segments lists the account's segments that where (with args) selects.
func (db *DB) segments(ctx context.Context, a *kizuna.Account, where string, args ...any) ([]*kizuna.Segment, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT `+segmentCols+` FROM segments WHERE account_id = ? AND `+where+` ORDER BY name, id`), append([]any{a.ID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("list segments: %w", err)
	}
	defer rows.Close()
	out := []*kizuna.Segment{}
	for rows.Next() {
		s, err := scanSegment(rows, a.Location())
		if err != nil {
			return nil, fmt.Errorf("list segments: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Segment returns one live segment of the account, or ENOTFOUND.
func (db *DB) Segment(ctx context.Context, a *kizuna.Account, id int64) (*kizuna.Segment, error) {
	return db.segment(ctx, db.read, a, id)
}

func (db *DB) segment(ctx context.Context, q querier, a *kizuna.Account, id int64) (*kizuna.Segment, error) {
	rows, err := q.QueryContext(ctx, db.q(`SELECT `+segmentCols+` FROM segments WHERE account_id = ? AND id = ? AND deleted_at_us IS NULL`), a.ID, id)
	if err != nil {
		return nil, fmt.Errorf("find segment: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("find segment: %w", err)
		}
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "no segment %d in account %q", id, a.Name)
	}
	s, err := scanSegment(rows, a.Location())
	if err != nil {
		return nil, fmt.Errorf("find segment: %w", err)
	}
	return s, nil
}

// segmentWrite runs fn in a write transaction of the account and commits.
func (db *DB) segmentWrite(ctx context.Context, a *kizuna.Account, op string, fn func(tx *sql.Tx) error) error {
	tx, err := db.beginWrite(ctx, a)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		var ke *kizuna.Error
		if errors.As(err, &ke) {
			return err
		}
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: commit: %w", op, err)
	}
	return nil
}

// canonicalFilter validates a filter against the account's tags and returns
// its canonical JSON.
func (db *DB) canonicalFilter(ctx context.Context, tx *sql.Tx, a *kizuna.Account, raw json.RawMessage) (string, error) {
	f, err := kizuna.ParseFilter(raw)
	if err != nil {
		return "", err
	}
	names, err := db.tagNames(ctx, tx, a)
	if err != nil {
		return "", err
	}
	has := make(map[string]bool, len(names))
	for _, n := range names {
		has[n] = true
	}
	if err := f.CheckTags(func(n string) bool { return has[n] }); err != nil {
		return "", err
	}
	b, err := json.Marshal(f)
	return string(b), err
}

// checkSegmentName refuses a name another live segment of the account has.
func (db *DB) checkSegmentName(ctx context.Context, tx *sql.Tx, a *kizuna.Account, name string, except int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM segments WHERE account_id = ? AND name = ? AND deleted_at_us IS NULL AND id <> ?`), a.ID, name, except).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return kizuna.ErrorAt(kizuna.ECONFLICT, "name", "a segment named %q already exists", name)
	}
	return nil
}

// checkFolder refuses a folder that is not the account's.
func (db *DB) checkFolder(ctx context.Context, tx *sql.Tx, a *kizuna.Account, id int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM folders WHERE account_id = ? AND id = ?`), a.ID, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return kizuna.ErrorAt(kizuna.ENOTFOUND, "folder_id", "no folder %d in account %q", id, a.Name)
	}
	return nil
}

// recordChange records a change of segment id.
func (db *DB) recordChange(ctx context.Context, tx *sql.Tx, id int64, c kizuna.SegmentChange) error {
	null := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	_, err := tx.ExecContext(ctx, db.q(`INSERT INTO segment_changes (segment_id, at_us, actor, action, name_before, name_after, filter_before, filter_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
		id, db.Now().UnixMicro(), c.Actor, c.Action, null(c.NameBefore), null(c.NameAfter), null(string(c.FilterBefore)), null(string(c.FilterAfter)))
	return err
}

// CreateSegment saves a new segment. folderID 0 is no folder. actor names
// who made it, for the record.
func (db *DB) CreateSegment(ctx context.Context, a *kizuna.Account, actor, name string, folderID int64, filter json.RawMessage) (*kizuna.Segment, error) {
	name, err := kizuna.CleanName("name", name)
	if err != nil {
		return nil, err
	}
	var s *kizuna.Segment
	err = db.segmentWrite(ctx, a, "create segment", func(tx *sql.Tx) error {
		s, err = db.createSegment(ctx, tx, a, actor, "create", name, folderID, filter)
		return err
	})
	return s, err
}

// createSegment creates a segment in tx, recording action by actor.
func (db *DB) createSegment(ctx context.Context, tx *sql.Tx, a *kizuna.Account, actor, action, name string, folderID int64, filter json.RawMessage) (*kizuna.Segment, error) {
	canon, err := db.canonicalFilter(ctx, tx, a, filter)
	if err != nil {
		return nil, err
	}
	if err := db.checkSegmentName(ctx, tx, a, name, 0); err != nil {
		return nil, err
	}
	var folder any
	if folderID != 0 {
		if err := db.checkFolder(ctx, tx, a, folderID); err != nil {
			return nil, err
		}
		folder = folderID
	}
	now := db.Now().UnixMicro()
	var id int64
	if err := tx.QueryRowContext(ctx, db.q(`INSERT INTO segments (account_id, folder_id, name, filter, created_at_us, updated_at_us) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`),
		a.ID, folder, name, canon, now, now).Scan(&id); err != nil {
		return nil, err
	}
	if err := db.recordChange(ctx, tx, id, kizuna.SegmentChange{Actor: actor, Action: action, NameAfter: name, FilterAfter: json.RawMessage(canon)}); err != nil {
		return nil, err
	}
	return db.segment(ctx, tx, a, id)
}

// EditSegment renames, re-filters or moves a live segment, recording each.
func (db *DB) EditSegment(ctx context.Context, a *kizuna.Account, actor string, id int64, edit kizuna.SegmentEdit) (*kizuna.Segment, error) {
	var s *kizuna.Segment
	err := db.segmentWrite(ctx, a, "edit segment", func(tx *sql.Tx) error {
		old, err := db.segment(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if edit.Version != 0 && edit.Version != old.Version {
			return db.staleSegment(ctx, tx, a, old, edit.Version)
		}
		now := db.Now().UnixMicro()
		changed := false
		if edit.Name != nil {
			name, err := kizuna.CleanName("name", *edit.Name)
			if err != nil {
				return err
			}
			if name != old.Name {
				if err := db.checkSegmentName(ctx, tx, a, name, id); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, db.q(`UPDATE segments SET name = ?, updated_at_us = ? WHERE id = ?`), name, now, id); err != nil {
					return err
				}
				if err := db.recordChange(ctx, tx, id, kizuna.SegmentChange{Actor: actor, Action: "rename", NameBefore: old.Name, NameAfter: name}); err != nil {
					return err
				}
				changed = true
			}
		}
		if edit.Filter != nil {
			canon, err := db.canonicalFilter(ctx, tx, a, edit.Filter)
			if err != nil {
				return err
			}
			if canon != string(old.Filter) {
				// The stored count is of the old filter: forget it.
				if _, err := tx.ExecContext(ctx, db.q(`UPDATE segments SET filter = ?, count = NULL, counted_at_us = NULL, updated_at_us = ? WHERE id = ?`), canon, now, id); err != nil {
					return err
				}
				if err := db.recordChange(ctx, tx, id, kizuna.SegmentChange{Actor: actor, Action: "edit", FilterBefore: old.Filter, FilterAfter: json.RawMessage(canon)}); err != nil {
					return err
				}
				changed = true
			}
		}
		if edit.FolderID != nil && *edit.FolderID != folderOf(old) {
			var folder any
			if *edit.FolderID != 0 {
				if err := db.checkFolder(ctx, tx, a, *edit.FolderID); err != nil {
					return err
				}
				folder = *edit.FolderID
			}
			if _, err := tx.ExecContext(ctx, db.q(`UPDATE segments SET folder_id = ?, updated_at_us = ? WHERE id = ?`), folder, now, id); err != nil {
				return err
			}
			if err := db.recordChange(ctx, tx, id, kizuna.SegmentChange{Actor: actor, Action: "move"}); err != nil {
				return err
			}
			changed = true
		}
		// One version step for the whole edit, checked in the UPDATE that
		// takes it (the account's write lock already orders edits, so the
		// check above sees the same row; this keeps the rule where the row
		// changes).
		if changed {
			res, err := tx.ExecContext(ctx, db.q(`UPDATE segments SET version = version + 1 WHERE id = ? AND version = ?`), id, old.Version)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n != 1 {
				return db.staleSegment(ctx, tx, a, old, old.Version)
			}
		}
		s, err = db.segment(ctx, tx, a, id)
		return err
	})
	return s, err
}

// staleSegment is the refusal of an edit made from an older version of s:
// it names who changed the segment last, and when, in the account's zone.
func (db *DB) staleSegment(ctx context.Context, tx *sql.Tx, a *kizuna.Account, s *kizuna.Segment, from int64) error {
	var actor string
	var at int64
	err := tx.QueryRowContext(ctx, db.q(`SELECT actor, at_us FROM segment_changes WHERE segment_id = ? ORDER BY id DESC LIMIT 1`), s.ID).Scan(&actor, &at)
	if err != nil {
		return fmt.Errorf("last change of segment %d: %w", s.ID, err)
	}
	return kizuna.ErrorAt(kizuna.ECONFLICT, kizuna.StalePath,
		"%s changed this segment at %s, after this edit started from version %d (now %d): reload it, and apply your change again",
		actor, time.UnixMicro(at).In(a.Location()).Format("2006-01-02 15:04:05 MST"), from, s.Version)
}

// folderOf returns a segment's folder ID, 0 for none.
func folderOf(s *kizuna.Segment) int64 {
	if s.FolderID == nil {
		return 0
	}
	return *s.FolderID
}

// DuplicateSegment saves a copy of a live segment under a new name, in the
// same folder.
func (db *DB) DuplicateSegment(ctx context.Context, a *kizuna.Account, actor string, id int64, name string) (*kizuna.Segment, error) {
	src, err := db.Segment(ctx, a, id)
	if err != nil {
		return nil, err
	}
	return db.CreateSegment(ctx, a, actor, name, folderOf(src), src.Filter)
}

// DeleteSegment deletes a live segment softly: RestoreSegment brings it
// back within kizuna.RestoreWindow. While a scheduled, recurring or sending
// broadcast uses the segment, the delete is refused (ECONFLICT, naming
// them).
func (db *DB) DeleteSegment(ctx context.Context, a *kizuna.Account, actor string, id int64) error {
	return db.segmentWrite(ctx, a, "delete segment", func(tx *sql.Tx) error {
		old, err := db.segment(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if err := db.checkSegmentUnused(ctx, tx, a, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE segments SET deleted_at_us = ?, version = version + 1 WHERE id = ?`), db.Now().UnixMicro(), id); err != nil {
			return err
		}
		return db.recordChange(ctx, tx, id, kizuna.SegmentChange{Actor: actor, Action: "delete", NameBefore: old.Name})
	})
}

// RestoreSegment brings back a segment deleted within kizuna.RestoreWindow,
// unless a live segment has taken its name meanwhile (ECONFLICT).
func (db *DB) RestoreSegment(ctx context.Context, a *kizuna.Account, actor string, id int64) (*kizuna.Segment, error) {
	var s *kizuna.Segment
	err := db.segmentWrite(ctx, a, "restore segment", func(tx *sql.Tx) error {
		var name, filter string
		err := tx.QueryRowContext(ctx, db.q(`SELECT name, filter FROM segments WHERE account_id = ? AND id = ? AND deleted_at_us >= ?`),
			a.ID, id, db.Now().Add(-kizuna.RestoreWindow).UnixMicro()).Scan(&name, &filter)
		if errors.Is(err, sql.ErrNoRows) {
			return kizuna.Errorf(kizuna.ENOTFOUND, "no deleted segment %d in account %q that can still be restored", id, a.Name)
		} else if err != nil {
			return err
		}
		if err := db.checkSegmentName(ctx, tx, a, name, id); err != nil {
			return err
		}
		// A friend tag it tests may have been deleted meanwhile (deleting a
		// tag waits only for live segments): a segment naming a tag that
		// does not exist must not come back.
		if _, err := db.canonicalFilter(ctx, tx, a, json.RawMessage(filter)); err != nil {
			if kizuna.ErrorCode(err) == kizuna.EINVALIDFILTER {
				return kizuna.Errorf(kizuna.ECONFLICT, "this segment cannot come back: %s (create the tag again first)", err)
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE segments SET deleted_at_us = NULL, updated_at_us = ?, version = version + 1 WHERE id = ?`), db.Now().UnixMicro(), id); err != nil {
			return err
		}
		if err := db.recordChange(ctx, tx, id, kizuna.SegmentChange{Actor: actor, Action: "restore", NameAfter: name}); err != nil {
			return err
		}
		s, err = db.segment(ctx, tx, a, id)
		return err
	})
	return s, err
}

// SegmentHistory returns the recorded changes of a segment of the account,
// live or deleted, oldest first.
func (db *DB) SegmentHistory(ctx context.Context, a *kizuna.Account, id int64) ([]kizuna.SegmentChange, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT c.at_us, c.actor, c.action, c.name_before, c.name_after, c.filter_before, c.filter_after
		FROM segment_changes c JOIN segments s ON s.id = c.segment_id WHERE s.account_id = ? AND s.id = ? ORDER BY c.id`), a.ID, id)
	if err != nil {
		return nil, fmt.Errorf("segment history: %w", err)
	}
	defer rows.Close()
	out := []kizuna.SegmentChange{}
	for rows.Next() {
		var c kizuna.SegmentChange
		var at int64
		var nb, na, fb, fa sql.NullString
		if err := rows.Scan(&at, &c.Actor, &c.Action, &nb, &na, &fb, &fa); err != nil {
			return nil, fmt.Errorf("segment history: %w", err)
		}
		c.At = time.UnixMicro(at).In(a.Location())
		c.NameBefore, c.NameAfter = nb.String, na.String
		if fb.Valid {
			c.FilterBefore = json.RawMessage(fb.String)
		}
		if fa.Valid {
			c.FilterAfter = json.RawMessage(fa.String)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("segment history: %w", err)
	}
	if len(out) == 0 {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "no segment %d in account %q", id, a.Name)
	}
	return out, nil
}

// SetSegmentCount stores a count of a live segment computed at instant at.
func (db *DB) SetSegmentCount(ctx context.Context, a *kizuna.Account, id, count int64, at time.Time) error {
	_, err := db.write.ExecContext(ctx, db.q(`UPDATE segments SET count = ?, counted_at_us = ? WHERE account_id = ? AND id = ? AND deleted_at_us IS NULL`),
		count, at.UnixMicro(), a.ID, id)
	if err != nil {
		return fmt.Errorf("set segment count: %w", err)
	}
	return nil
}

// CreateFolder makes a folder; names are unique in the account.
func (db *DB) CreateFolder(ctx context.Context, a *kizuna.Account, name string) (*kizuna.Folder, error) {
	name, err := kizuna.CleanName("name", name)
	if err != nil {
		return nil, err
	}
	f := &kizuna.Folder{Name: name, CreatedAt: db.Now().Truncate(time.Microsecond).In(a.Location())}
	err = db.segmentWrite(ctx, a, "create folder", func(tx *sql.Tx) error {
		if err := db.checkFolderName(ctx, tx, a, name, 0); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, db.q(`INSERT INTO folders (account_id, name, created_at_us) VALUES (?, ?, ?) RETURNING id`),
			a.ID, name, f.CreatedAt.UnixMicro()).Scan(&f.ID)
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

func (db *DB) checkFolderName(ctx context.Context, tx *sql.Tx, a *kizuna.Account, name string, except int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM folders WHERE account_id = ? AND name = ? AND id <> ?`), a.ID, name, except).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return kizuna.ErrorAt(kizuna.ECONFLICT, "name", "a folder named %q already exists", name)
	}
	return nil
}

// Folders lists the account's folders by name.
func (db *DB) Folders(ctx context.Context, a *kizuna.Account) ([]kizuna.Folder, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT id, name, created_at_us FROM folders WHERE account_id = ? ORDER BY name, id`), a.ID)
	if err != nil {
		return nil, fmt.Errorf("list folders: %w", err)
	}
	defer rows.Close()
	out := []kizuna.Folder{}
	for rows.Next() {
		var f kizuna.Folder
		var at int64
		if err := rows.Scan(&f.ID, &f.Name, &at); err != nil {
			return nil, fmt.Errorf("list folders: %w", err)
		}
		f.CreatedAt = time.UnixMicro(at).In(a.Location())
		out = append(out, f)
	}
	return out, rows.Err()
}

// RenameFolder renames a folder of the account.
func (db *DB) RenameFolder(ctx context.Context, a *kizuna.Account, id int64, name string) error {
	name, err := kizuna.CleanName("name", name)
	if err != nil {
		return err
	}
	return db.segmentWrite(ctx, a, "rename folder", func(tx *sql.Tx) error {
		if err := db.checkFolder(ctx, tx, a, id); err != nil {
			return err
		}
		if err := db.checkFolderName(ctx, tx, a, name, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, db.q(`UPDATE folders SET name = ? WHERE id = ?`), name, id)
		return err
	})
}

// DeleteFolder deletes an empty folder: one that holds a live segment is
// refused (ECONFLICT, naming how many). Deleted segments that were in it
// come back, if restored, outside any folder.
func (db *DB) DeleteFolder(ctx context.Context, a *kizuna.Account, id int64) error {
	return db.segmentWrite(ctx, a, "delete folder", func(tx *sql.Tx) error {
		if err := db.checkFolder(ctx, tx, a, id); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM segments WHERE folder_id = ? AND deleted_at_us IS NULL`), id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return kizuna.Errorf(kizuna.ECONFLICT, "the folder holds %d segment(s): move or delete them first", n)
		}
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE segments SET folder_id = NULL WHERE folder_id = ?`), id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, db.q(`DELETE FROM folders WHERE id = ?`), id)
		return err
	})
}
