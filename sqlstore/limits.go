package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/kizuna-line/kizuna"
)

// validIDs keeps the IDs that can name a friend. Every stored friend has a
// LINE user ID (the import checks it), so any other text names nobody and
// is not sent to the database, where PostgreSQL would refuse U+0000.
func validIDs(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if kizuna.ValidLineUserID(id) {
			out = append(out, id)
		}
	}
	return out
}

// overTagLimit returns a friend, among those where selects (a condition on
// friends f, with args), that carries more than kizuna.MaxFriendTags tags,
// or "" when none does. Writes that add tags call it before they commit.
func (db *DB) overTagLimit(ctx context.Context, tx *sql.Tx, where string, args ...any) (string, error) {
	var id string
	err := tx.QueryRowContext(ctx, db.q(`SELECT f.line_user_id FROM friends f JOIN friend_tags ft ON ft.friend_id = f.id
		WHERE `+where+` GROUP BY f.line_user_id HAVING COUNT(*) > ? LIMIT 1`), append(args, kizuna.MaxFriendTags)...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// tagLimitErr says that a write would give a friend too many tags.
func tagLimitErr(path, lineUserID string) error {
	return kizuna.ErrorAt(kizuna.EINVALID, path, "friend %s would carry more than %d tags, the most a friend can have", lineUserID, kizuna.MaxFriendTags)
}
