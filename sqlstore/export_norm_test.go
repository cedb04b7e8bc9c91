package sqlstore

import (
	"context"
	"fmt"
)

// ForgetDisplayNameNorms makes every friend look as if stored before
// migration 7, for the test of the fill on open.
func (db *DB) ForgetDisplayNameNorms(ctx context.Context) error {
	_, err := db.write.ExecContext(ctx, `UPDATE friends SET display_name_norm = NULL`)
	return err
}

// PendingNormPlan is the query plan of the look for display names still to
// normalize, with sequential scans discouraged on PostgreSQL (whose planner
// would scan a small table anyway): it names the index the look uses.
func (db *DB) PendingNormPlan(ctx context.Context) (string, error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	explain := "EXPLAIN QUERY PLAN "
	if db.d.name == "postgres" {
		if _, err := tx.ExecContext(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
			return "", err
		}
		explain = "EXPLAIN "
	}
	rows, err := tx.QueryContext(ctx, explain+pendingNormQuery)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var plan []byte
	for rows.Next() {
		vals := make([]any, len(cols))
		for i := range vals {
			vals[i] = new(any)
		}
		if err := rows.Scan(vals...); err != nil {
			return "", err
		}
		for _, v := range vals {
			plan = fmt.Appendf(plan, "%v ", *(v.(*any)))
		}
		plan = append(plan, '\n')
	}
	return string(plan), rows.Err()
}
