package sqlstore

import "context"

// ForgetDisplayNameNorms makes every friend look as if stored before
// migration 7, for the test of the fill on open.
func (db *DB) ForgetDisplayNameNorms(ctx context.Context) error {
	_, err := db.write.ExecContext(ctx, `UPDATE friends SET display_name_norm = NULL`)
	return err
}
