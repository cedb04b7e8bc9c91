package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/kizuna-line/kizuna"
)

// beginWrite begins a transaction that writes an account's friends. On
// PostgreSQL it first takes the account's write lock, so that writes to one
// account run one at a time as they do on SQLite with its single writer:
// run together, two writes that create the same new tag would fail on the
// tag's unique key, and two that write the same friends in different orders
// could deadlock.
func (db *DB) beginWrite(ctx context.Context, a *kizuna.Account) (*sql.Tx, error) {
	return db.beginWriteOn(ctx, nil, a)
}

// beginWriteOn is beginWrite on a connection the caller holds (nil: any of
// the writer pool's).
func (db *DB) beginWriteOn(ctx context.Context, conn *sql.Conn, a *kizuna.Account) (*sql.Tx, error) {
	var tx *sql.Tx
	var err error
	if conn != nil {
		tx, err = conn.BeginTx(ctx, nil)
	} else {
		tx, err = db.write.BeginTx(ctx, nil)
	}
	if err != nil {
		return nil, err
	}
	if db.d.name == "postgres" {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, importLockClass, int32(a.ID)); err != nil {
			tx.Rollback()
			return nil, fmt.Errorf("lock account: %w", err)
		}
	}
	return tx, nil
}

// TagFriends adds and removes friend tags of the named friends in one
// transaction. Added tags the account lacks are created. Every named friend
// must exist; otherwise nothing changes.
func (db *DB) TagFriends(ctx context.Context, a *kizuna.Account, lineUserIDs, add, remove []string) error {
	const op = "tag friends"
	adding := map[string]bool{}
	add = slices.Clone(add)
	for i := range add {
		var err error
		if add[i], err = kizuna.CleanTagName(fmt.Sprintf("add[%d]", i), add[i]); err != nil {
			return err
		}
		adding[add[i]] = true
	}
	for i, t := range remove {
		if strings.TrimSpace(t) == "" {
			return &kizuna.Error{Code: kizuna.EINVALID, Message: "a tag name is empty", Path: fmt.Sprintf("remove[%d]", i)}
		}
		if err := kizuna.CheckTagLookup(fmt.Sprintf("remove[%d]", i), t); err != nil {
			return err
		}
		if adding[t] {
			return kizuna.ErrorAt(kizuna.EINVALID, fmt.Sprintf("remove[%d]", i), "tag %q is both added and removed", t)
		}
	}
	if len(lineUserIDs) == 0 || len(add)+len(remove) == 0 {
		return nil
	}
	for _, id := range lineUserIDs {
		if !kizuna.ValidLineUserID(id) {
			return kizuna.Errorf(kizuna.ENOTFOUND, "no friend %q in account %q", id, a.Name)
		}
	}
	tx, err := db.beginWrite(ctx, a)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer tx.Rollback()
	c := &changes{}
	for _, id := range lineUserIDs {
		c.add(id)
	}
	sel, arg := db.inList(lineUserIDs)
	// Every named friend must exist (one read; the change log's set of IDs
	// stops counting past changeLogMaxIDs, so it cannot say how many).
	if missing, err := db.firstMissing(ctx, tx, a, lineUserIDs); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	} else if missing != "" {
		return kizuna.Errorf(kizuna.ENOTFOUND, "no friend %q in account %q", missing, a.Name)
	}
	friends := `SELECT id FROM friends WHERE account_id = ? AND line_user_id ` + sel
	for _, t := range add {
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO tags (account_id, name) VALUES (?, ?) ON CONFLICT (account_id, name) DO NOTHING`), a.ID, t); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO friend_tags (friend_id, tag_id)
			SELECT f.id, t.id FROM (`+friends+`) f CROSS JOIN tags t WHERE t.account_id = ? AND t.name = ?
			ON CONFLICT (friend_id, tag_id) DO NOTHING`), a.ID, arg, a.ID, t); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
	}
	for _, t := range remove {
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM friend_tags WHERE friend_id IN (`+friends+`)
			AND tag_id IN (SELECT id FROM tags WHERE account_id = ? AND name = ?)`), a.ID, arg, a.ID, t); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
	}
	if len(add) > 0 {
		if over, err := db.overTagLimit(ctx, tx, `f.account_id = ? AND f.line_user_id `+sel, a.ID, arg); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		} else if over != "" {
			return tagLimitErr("add", over)
		}
	}
	if _, err := tx.ExecContext(ctx, db.q(`UPDATE friends SET updated_at_us = ? WHERE account_id = ? AND line_user_id `+sel),
		db.Now().UnixMicro(), a.ID, arg); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := db.logChange(ctx, tx, a, c); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: commit: %w", op, err)
	}
	return nil
}

// firstMissing returns the first of ids that is not a friend of the account.
func (db *DB) firstMissing(ctx context.Context, tx *sql.Tx, a *kizuna.Account, ids []string) (string, error) {
	sel, arg := db.inList(ids)
	rows, err := tx.QueryContext(ctx, db.q(`SELECT line_user_id FROM friends WHERE account_id = ? AND line_user_id `+sel), a.ID, arg)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	found := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return "", err
		}
		found[id] = true
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	for _, id := range ids {
		if !found[id] {
			return id, nil
		}
	}
	return "", nil
}

// DeleteFriends deletes the named friends and everything stored about them.
func (db *DB) DeleteFriends(ctx context.Context, a *kizuna.Account, lineUserIDs []string) (int, error) {
	const op = "delete friends"
	if lineUserIDs = validIDs(lineUserIDs); len(lineUserIDs) == 0 {
		return 0, nil
	}
	tx, err := db.beginWrite(ctx, a)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	defer tx.Rollback()
	sel, arg := db.inList(lineUserIDs)
	res, err := tx.ExecContext(ctx, db.q(`DELETE FROM friends WHERE account_id = ? AND line_user_id `+sel), a.ID, arg)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	if n > 0 {
		c := &changes{}
		for _, id := range lineUserIDs {
			c.add(id)
		}
		if err := db.logChange(ctx, tx, a, c); err != nil {
			return 0, fmt.Errorf("%s: %w", op, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("%s: commit: %w", op, err)
	}
	return int(n), nil
}
