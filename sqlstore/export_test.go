package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/kizuna-line/kizuna"
)

// MemberIDs returns the LINE user IDs of every member of the filter at now,
// in sample order: what Preview counts, not only its first 10. Tests use it
// to name the friends on which SQL and the in-memory matcher disagree.
func (db *DB) MemberIDs(ctx context.Context, a *kizuna.Account, f *kizuna.Filter, now time.Time) ([]string, error) {
	tx, err := db.read.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	tagIDs, err := db.tagIDs(ctx, tx, a, f.TagNames())
	if err != nil {
		return nil, err
	}
	c := newCompiler(db.d, now.UTC().Truncate(time.Microsecond), a.Location(), tagIDs)
	where := "f.account_id = ? AND f.status = 'following' AND " + c.filter(f)
	rows, err := tx.QueryContext(ctx, db.q(`SELECT f.line_user_id FROM friends f WHERE `+where+` ORDER BY f.added_at_us DESC, f.line_user_id`),
		append([]any{a.ID}, c.args...)...)
	if err != nil {
		return nil, fmt.Errorf("member IDs: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// DropChange deletes one row of the account's change log, as pruning does.
func DropChange(ctx context.Context, db *DB, a *kizuna.Account, version int64) error {
	_, err := db.write.ExecContext(ctx, db.q(`DELETE FROM friend_changes WHERE account_id = ? AND version = ?`), a.ID, version)
	return err
}

// SetChangeLogMaxIDs lowers the change log's limit for a test; the returned
// function restores it.
func SetChangeLogMaxIDs(n int) func() {
	old := changeLogMaxIDs
	changeLogMaxIDs = n
	return func() { changeLogMaxIDs = old }
}

// SetTimeZone writes an account's zone as stored text, past the checks of
// CreateAccount, as a host whose zone data lacks the zone would see it.
func (db *DB) SetTimeZone(ctx context.Context, a *kizuna.Account, zone string) error {
	_, err := db.write.ExecContext(ctx, db.q(`UPDATE accounts SET timezone = ? WHERE id = ?`), zone, a.ID)
	return err
}

// Q writes a query in the backend's placeholders, for tests that count rows.
func (db *DB) Q(query string) string { return db.q(query) }
