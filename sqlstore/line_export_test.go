package sqlstore

import (
	"context"

	"github.com/kizuna-line/kizuna"
)

// RawLineChannel returns every column of the account's line_channels row as
// stored, each as bytes, for tests that look for secrets in the clear.
func RawLineChannel(ctx context.Context, db *DB, a *kizuna.Account) ([][]byte, error) {
	var apiBase, botID, botName, by string
	var secret, token []byte
	var at int64
	err := db.read.QueryRowContext(ctx, db.q(`SELECT api_base, bot_user_id, bot_name, secret_sealed, token_sealed, connected_at_us, connected_by
		FROM line_channels WHERE account_id = ?`), a.ID).Scan(&apiBase, &botID, &botName, &secret, &token, &at, &by)
	return [][]byte{[]byte(apiBase), []byte(botID), []byte(botName), secret, token, []byte(by)}, err
}

// SetSealedLineCredentials writes sealed values into the account's channel
// row as they are, as someone moving them between rows would.
func SetSealedLineCredentials(ctx context.Context, db *DB, a *kizuna.Account, secret, token []byte) error {
	_, err := db.write.ExecContext(ctx, db.q(`UPDATE line_channels SET secret_sealed = ?, token_sealed = ? WHERE account_id = ?`), secret, token, a.ID)
	return err
}

// WebhookEventCount counts the account's stored webhook events of a type.
func WebhookEventCount(ctx context.Context, db *DB, a *kizuna.Account, typ string) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM line_webhook_events WHERE account_id = ? AND type = ?`), a.ID, typ).Scan(&n)
	return n, err
}
