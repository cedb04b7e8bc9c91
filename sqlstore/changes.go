package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/kizuna-line/kizuna"
)

// changeLogMaxIDs is the most friends a change-log row lists. A write of
// more (a large import) logs none, and followers rebuild their index, which
// is then about as fast as re-reading the friends one by one. (A variable
// so that tests can write past it with a few friends.)
var changeLogMaxIDs = 250000

// changeRetention is how long change-log rows are kept. A follower further
// behind than this (a process that was down) rebuilds its index.
const changeRetention = time.Hour

// changes collects the LINE user IDs a write touches, up to changeLogMaxIDs.
type changes struct {
	ids  []string
	seen map[string]bool
	all  bool // too many to list
}

func (c *changes) add(id string) {
	if c.all || c.seen[id] {
		return
	}
	if len(c.ids) == changeLogMaxIDs {
		c.all, c.ids, c.seen = true, nil, nil
		return
	}
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	c.seen[id] = true
	c.ids = append(c.ids, id)
}

// logChange ends a write transaction to the account's friends: it bumps the
// account's friends version and logs the friends written under that
// version. It must be the transaction's last statement on the account: the
// bump locks the account's row until commit (on PostgreSQL), so versions
// commit in order and a reader that sees version V sees every row up to V.
func (db *DB) logChange(ctx context.Context, tx *sql.Tx, a *kizuna.Account, c *changes) error {
	var version int64
	if err := tx.QueryRowContext(ctx, db.q(`UPDATE accounts SET friends_version = friends_version + 1 WHERE id = ? RETURNING friends_version`), a.ID).Scan(&version); err != nil {
		return fmt.Errorf("log change: %w", err)
	}
	var list any // NULL: too many to list
	if !c.all {
		ids := c.ids
		if ids == nil {
			ids = []string{}
		}
		b, _ := json.Marshal(ids)
		list = string(b)
	}
	now := db.Now().UnixMicro()
	if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO friend_changes (account_id, version, created_at_us, line_user_ids) VALUES (?, ?, ?, ?)`),
		a.ID, version, now, list); err != nil {
		return fmt.Errorf("log change: %w", err)
	}
	if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM friend_changes WHERE account_id = ? AND version < ? AND created_at_us < ?`),
		a.ID, version, now-changeRetention.Microseconds()); err != nil {
		return fmt.Errorf("log change: prune: %w", err)
	}
	return nil
}

// FriendChanges reads the change log after version since and the current
// facts of the friends it names, in one snapshot.
func (db *DB) FriendChanges(ctx context.Context, a *kizuna.Account, since int64, limit int) (*kizuna.FriendChanges, error) {
	const op = "friend changes"
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: db.snapshot()})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer tx.Rollback()
	out := &kizuna.FriendChanges{}
	if err := tx.QueryRowContext(ctx, db.q(`SELECT friends_version FROM accounts WHERE id = ?`), a.ID).Scan(&out.Version); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if out.Version == since {
		return out, nil
	}
	ids, ok, err := db.changedIDs(ctx, tx, a, since, out.Version, limit)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if !ok {
		out.Rebuild = true
		return out, nil
	}
	if out.Friends, out.Gone, err = db.factsOf(ctx, tx, a, ids); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if out.TagNames, err = db.tagNames(ctx, tx, a); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

// factsOf reads, in tx, the facts of the account's friends named by LINE
// user ID (in friend ID order), and which of the names are not friends.
func (db *DB) factsOf(ctx context.Context, tx *sql.Tx, a *kizuna.Account, ids []string) (facts []*kizuna.FriendFacts, gone []string, err error) {
	// The friends' row IDs, in order: the scan reads them in that order.
	found := make(map[string]bool, len(ids))
	var rowIDs []int64
	sel, arg := db.inList(ids)
	rows, err := tx.QueryContext(ctx, db.q(`SELECT id, line_user_id FROM friends WHERE account_id = ? AND line_user_id `+sel), a.ID, arg)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var id int64
		var lineID string
		if err := rows.Scan(&id, &lineID); err != nil {
			rows.Close()
			return nil, nil, err
		}
		rowIDs = append(rowIDs, id)
		found[lineID] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	for _, id := range ids {
		if !found[id] {
			gone = append(gone, id)
		}
	}
	slices.Sort(rowIDs)
	err = db.scanIDs(ctx, tx, a, rowIDs, func(f *kizuna.FriendFacts) error {
		facts = append(facts, f)
		return nil
	})
	return facts, gone, err
}

// FriendsFacts reads the facts of the account's friends named by LINE user
// ID in one snapshot (a page of a friend list, to tell who is in a
// segment); names that are not friends are left out.
func (db *DB) FriendsFacts(ctx context.Context, a *kizuna.Account, ids []string) ([]*kizuna.FriendFacts, error) {
	if ids = validIDs(ids); len(ids) == 0 {
		return nil, nil
	}
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: db.snapshot()})
	if err != nil {
		return nil, fmt.Errorf("friends' facts: %w", err)
	}
	defer tx.Rollback()
	facts, _, err := db.factsOf(ctx, tx, a, ids)
	if err != nil {
		return nil, fmt.Errorf("friends' facts: %w", err)
	}
	return facts, nil
}

// changedIDs returns the LINE user IDs written by versions since+1 to
// version, or false when the log lacks one of them, one of them wrote too
// many to list, or together they name more than limit.
func (db *DB) changedIDs(ctx context.Context, tx *sql.Tx, a *kizuna.Account, since, version int64, limit int) ([]string, bool, error) {
	if version < since {
		return nil, false, nil
	}
	rows, err := tx.QueryContext(ctx, db.q(`SELECT version, line_user_ids FROM friend_changes WHERE account_id = ? AND version > ? AND version <= ? ORDER BY version`),
		a.ID, since, version)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	seen := map[string]bool{}
	var ids []string
	next := since + 1
	for rows.Next() {
		var v int64
		var list sql.NullString
		if err := rows.Scan(&v, &list); err != nil {
			return nil, false, err
		}
		if v != next || !list.Valid {
			return nil, false, nil
		}
		next++
		var batch []string
		if err := json.Unmarshal([]byte(list.String), &batch); err != nil {
			return nil, false, fmt.Errorf("change %d: %w", v, err)
		}
		for _, id := range batch {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		if len(ids) > limit {
			return nil, false, nil
		}
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	return ids, next == version+1, nil
}
