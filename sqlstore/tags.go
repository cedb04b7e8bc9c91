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

// Friend tags as things of their own: created without friends, renamed
// (saved segments follow), deleted (refused while a live segment uses the
// tag). Each goes through the change log, so that in-memory indexes learn
// the account's tag names and their carriers' new tags.

// CreateTag creates a friend tag that no friend carries yet.
func (db *DB) CreateTag(ctx context.Context, a *kizuna.Account, name string) error {
	name, err := kizuna.CleanTagName("name", name)
	if err != nil {
		return err
	}
	return db.segmentWrite(ctx, a, "create tag", func(tx *sql.Tx) error {
		if _, ok, err := db.tagID(ctx, tx, a, name); err != nil {
			return err
		} else if ok {
			return kizuna.ErrorAt(kizuna.ECONFLICT, "name", "a tag named %q already exists", name)
		}
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO tags (account_id, name) VALUES (?, ?)`), a.ID, name); err != nil {
			return err
		}
		return db.logChange(ctx, tx, a, &changes{})
	})
}

func (db *DB) tagID(ctx context.Context, tx *sql.Tx, a *kizuna.Account, name string) (int64, bool, error) {
	var id int64
	err := tx.QueryRowContext(ctx, db.q(`SELECT id FROM tags WHERE account_id = ? AND name = ?`), a.ID, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return id, err == nil, err
}

// carriers logs the friends carrying a tag as changed.
func (db *DB) carriers(ctx context.Context, tx *sql.Tx, tagID int64) (*changes, error) {
	rows, err := tx.QueryContext(ctx, db.q(`SELECT f.line_user_id FROM friend_tags ft JOIN friends f ON f.id = ft.friend_id WHERE ft.tag_id = ?`), tagID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	c := &changes{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		c.add(id)
	}
	return c, rows.Err()
}

// RenameTag renames a friend tag. Saved segments, live and deleted, that
// test the tag are rewritten to the new name, each change recorded.
func (db *DB) RenameTag(ctx context.Context, a *kizuna.Account, actor, from, to string) error {
	to, err := kizuna.CleanTagName("name", to)
	if err != nil {
		return err
	}
	if err := kizuna.CheckTagLookup("from", from); err != nil {
		return err
	}
	return db.segmentWrite(ctx, a, "rename tag", func(tx *sql.Tx) error {
		id, ok, err := db.tagID(ctx, tx, a, from)
		if err != nil {
			return err
		} else if !ok {
			return kizuna.Errorf(kizuna.ENOTFOUND, "no tag %q in account %q", from, a.Name)
		}
		if from == to {
			return nil
		}
		if _, taken, err := db.tagID(ctx, tx, a, to); err != nil {
			return err
		} else if taken {
			return kizuna.ErrorAt(kizuna.ECONFLICT, "name", "a tag named %q already exists", to)
		}
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE tags SET name = ? WHERE id = ?`), to, id); err != nil {
			return err
		}
		if err := db.rewriteSegments(ctx, tx, a, actor, from, to); err != nil {
			return err
		}
		c, err := db.carriers(ctx, tx, id)
		if err != nil {
			return err
		}
		return db.logChange(ctx, tx, a, c)
	})
}

// segmentsUsing returns the account's segments (live only, or all) whose
// filter tests the friend tag, with their parsed filters.
func (db *DB) segmentsUsing(ctx context.Context, tx *sql.Tx, a *kizuna.Account, tag string, live bool) ([]*kizuna.Segment, []*kizuna.Filter, error) {
	where := ""
	if live {
		where = ` AND deleted_at_us IS NULL`
	}
	rows, err := tx.QueryContext(ctx, db.q(`SELECT `+segmentCols+` FROM segments WHERE account_id = ?`+where+` ORDER BY name, id`), a.ID)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var segs []*kizuna.Segment
	var filters []*kizuna.Filter
	for rows.Next() {
		s, err := scanSegment(rows, a.Location())
		if err != nil {
			return nil, nil, err
		}
		f, err := kizuna.ParseFilter(s.Filter)
		if err != nil {
			return nil, nil, fmt.Errorf("segment %d: stored filter: %w", s.ID, err)
		}
		for _, name := range f.TagNames() {
			if name == tag {
				segs, filters = append(segs, s), append(filters, f)
				break
			}
		}
	}
	return segs, filters, rows.Err()
}

// rewriteSegments renames a friend tag in every segment that tests it.
func (db *DB) rewriteSegments(ctx context.Context, tx *sql.Tx, a *kizuna.Account, actor, from, to string) error {
	segs, filters, err := db.segmentsUsing(ctx, tx, a, from, false)
	if err != nil {
		return err
	}
	for k, s := range segs {
		f := filters[k]
		for gi := range f.Groups {
			for ci := range f.Groups[gi].Conditions {
				c := &f.Groups[gi].Conditions[ci]
				if c.Field != kizuna.FieldTag {
					continue
				}
				for i, v := range c.Strings {
					if v == from {
						c.Strings[i] = to
					}
				}
			}
		}
		canon, err := json.Marshal(f)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE segments SET filter = ?, updated_at_us = ?, version = version + 1 WHERE id = ?`), string(canon), db.Now().UnixMicro(), s.ID); err != nil {
			return err
		}
		if err := db.recordChange(ctx, tx, s.ID, kizuna.SegmentChange{Actor: actor, Action: "edit", FilterBefore: s.Filter, FilterAfter: canon}); err != nil {
			return err
		}
	}
	return nil
}

// DeleteTag deletes a friend tag from the account and from every friend.
// It is refused (ECONFLICT, naming them) while live segments test it.
func (db *DB) DeleteTag(ctx context.Context, a *kizuna.Account, name string) error {
	if err := kizuna.CheckTagLookup("name", name); err != nil {
		return err
	}
	return db.segmentWrite(ctx, a, "delete tag", func(tx *sql.Tx) error {
		id, ok, err := db.tagID(ctx, tx, a, name)
		if err != nil {
			return err
		} else if !ok {
			return kizuna.Errorf(kizuna.ENOTFOUND, "no tag %q in account %q", name, a.Name)
		}
		segs, _, err := db.segmentsUsing(ctx, tx, a, name, true)
		if err != nil {
			return err
		}
		if len(segs) > 0 {
			names := make(kizuna.Names, len(segs))
			for i, s := range segs {
				names[i] = s.Name
			}
			return kizuna.Errorf(kizuna.ECONFLICT, "the tag %q is used by segment(s) %s: edit or delete them first", name, names)
		}
		c, err := db.carriers(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM tags WHERE id = ?`), id); err != nil {
			return err
		}
		return db.logChange(ctx, tx, a, c)
	})
}

// TagSegmentMembers gives a friend tag (created if new) to every member of
// a live segment now ("automatic classification"), in one transaction, and
// returns how many members the segment has.
func (db *DB) TagSegmentMembers(ctx context.Context, a *kizuna.Account, segmentID int64, tag string) (int, error) {
	tag, err := kizuna.CleanTagName("tag", tag)
	if err != nil {
		return 0, err
	}
	var n int
	err = db.segmentWrite(ctx, a, "tag segment members", func(tx *sql.Tx) error {
		seg, err := db.segment(ctx, tx, a, segmentID)
		if err != nil {
			return err
		}
		f, err := kizuna.ParseFilter(seg.Filter)
		if err != nil {
			return err
		}
		tagIDs, err := db.tagIDs(ctx, tx, a, f.TagNames())
		if err != nil {
			return err
		}
		// The compiler takes every tag the filter names to exist.
		if err := f.CheckTags(func(n string) bool { _, ok := tagIDs[n]; return ok }); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO tags (account_id, name) VALUES (?, ?) ON CONFLICT (account_id, name) DO NOTHING`), a.ID, tag); err != nil {
			return err
		}
		id, _, err := db.tagID(ctx, tx, a, tag)
		if err != nil {
			return err
		}
		c := newCompiler(db.d, db.Now().UTC().Truncate(time.Microsecond), a.Location(), tagIDs)
		where := "f.account_id = ? AND f.status = 'following' AND " + c.filter(f)
		args := append([]any{a.ID}, c.args...)
		rows, err := tx.QueryContext(ctx, db.q(`SELECT f.line_user_id FROM friends f WHERE `+where), args...)
		if err != nil {
			return err
		}
		changed := &changes{}
		for rows.Next() {
			var lineID string
			if err := rows.Scan(&lineID); err != nil {
				rows.Close()
				return err
			}
			changed.add(lineID)
			n++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO friend_tags (friend_id, tag_id) SELECT f.id, ? FROM friends f WHERE `+where+` ON CONFLICT (friend_id, tag_id) DO NOTHING`),
			append([]any{id}, args...)...); err != nil {
			return err
		}
		if over, err := db.overTagLimit(ctx, tx, `f.account_id = ? AND f.id IN (SELECT friend_id FROM friend_tags WHERE tag_id = ?)`, a.ID, id); err != nil {
			return err
		} else if over != "" {
			return tagLimitErr("tag", over)
		}
		return db.logChange(ctx, tx, a, changed)
	})
	return n, err
}
