package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/kizuna-line/kizuna"
)

// ConnectedSources lists every account's connections, ordered by account
// name and kizuna.Sources order, each with when its latest full read (a
// backfill or a reconcile that finished since the connection was made)
// ended.
func (db *DB) ConnectedSources(ctx context.Context) ([]kizuna.ConnectedSource, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT a.name, c.source, c.connected_at_us,
		(SELECT MAX(s.finished_at_us) FROM source_syncs s WHERE s.account_id = c.account_id AND s.source = c.source
			AND s.status = 'done' AND s.kind IN ('backfill', 'reconcile') AND s.finished_at_us >= c.connected_at_us)
		FROM integration_connections c JOIN accounts a ON a.id = c.account_id
		WHERE c.status = 'connected'
		ORDER BY a.name, CASE c.source WHEN 'shopify' THEN 0 WHEN 'hubspot' THEN 1 ELSE 2 END`))
	if err != nil {
		return nil, fmt.Errorf("connected sources: %w", err)
	}
	defer rows.Close()
	var out []kizuna.ConnectedSource
	for rows.Next() {
		var cs kizuna.ConnectedSource
		var at int64
		var full sql.NullInt64
		if err := rows.Scan(&cs.Account, &cs.Source, &at, &full); err != nil {
			return nil, fmt.Errorf("connected sources: %w", err)
		}
		cs.ConnectedAt = time.UnixMicro(at).UTC()
		if full.Valid {
			cs.LastFullAt = time.UnixMicro(full.Int64).UTC()
		}
		out = append(out, cs)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("connected sources: %w", err)
	}
	return out, nil
}
