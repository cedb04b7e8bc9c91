package sqlstore

import (
	"context"
	"fmt"

	"github.com/kizuna-line/kizuna"
)

// fillDisplayNameNorm writes the normalized display name of friends stored
// before migration 7 (display_name_norm NULL), a thousand rows a
// transaction. The import writes it for every friend since, so after the
// first start on an upgraded database this finds nothing; several processes
// starting at once write the same values.
// pendingNormQuery finds friends still to fill, by the partial index of
// migration 9, so that a start finding none reads no friend.
const pendingNormQuery = `SELECT id, display_name FROM friends WHERE display_name_norm IS NULL LIMIT 1000`

func (db *DB) fillDisplayNameNorm(ctx context.Context) error {
	const op = "sqlstore.fillDisplayNameNorm"
	for {
		rows, err := db.write.QueryContext(ctx, db.q(pendingNormQuery))
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		type friend struct {
			id   int64
			name string
		}
		var batch []friend
		for rows.Next() {
			var f friend
			if err := rows.Scan(&f.id, &f.name); err != nil {
				rows.Close()
				return fmt.Errorf("%s: %w", op, err)
			}
			batch = append(batch, f)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		if len(batch) == 0 {
			return nil
		}
		tx, err := db.write.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		for _, f := range batch {
			if _, err := tx.ExecContext(ctx, db.q(`UPDATE friends SET display_name_norm = ? WHERE id = ? AND display_name = ?`), kizuna.Normalize(f.name), f.id, f.name); err != nil {
				tx.Rollback()
				return fmt.Errorf("%s: %w", op, err)
			}
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
	}
}
