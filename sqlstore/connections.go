package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kizuna-line/kizuna"
)

var _ kizuna.ConnectionStore = (*DB)(nil)

// Connect stores the account's connection to a source with its secrets
// sealed under the server's key, bound to the account and source,
// replacing an earlier connection of the source.
func (db *DB) Connect(ctx context.Context, a *kizuna.Account, actor string, c kizuna.Connection, secrets kizuna.ConnectionSecrets) error {
	const op = "connect"
	box, err := db.box()
	if err != nil {
		return err
	}
	if err := kizuna.CheckConnection(c, secrets); err != nil {
		return err
	}
	base, err := kizuna.CleanAPIBase(c.APIBase)
	if err != nil {
		return err
	}
	config := c.Config
	if config == nil {
		config = map[string]string{}
	}
	cfg, _ := json.Marshal(config)
	plain, _ := json.Marshal(map[string]string(secrets))
	sealed := box.Seal(plain, connectionAAD(a, c.Source))
	at := c.ConnectedAt
	if at.IsZero() {
		at = db.Now()
	}
	_, err = db.write.ExecContext(ctx, db.q(`INSERT INTO integration_connections (account_id, source, api_base, config, secrets_sealed, connected_at_us, connected_by)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account_id, source) DO UPDATE SET api_base = excluded.api_base, config = excluded.config,
		secrets_sealed = excluded.secrets_sealed, connected_at_us = excluded.connected_at_us, connected_by = excluded.connected_by, status = 'connected'`),
		a.ID, c.Source, base, string(cfg), sealed, at.UnixMicro(), cleanText(actor))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// connectionAAD binds sealed secrets to their account and source.
func connectionAAD(a *kizuna.Account, source string) []byte {
	return fmt.Appendf(nil, "integration:%d:%s", a.ID, source)
}

// Connections lists the account's connections in kizuna.Sources order.
func (db *DB) Connections(ctx context.Context, a *kizuna.Account) ([]kizuna.Connection, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT source, api_base, config, connected_at_us, connected_by FROM integration_connections WHERE account_id = ? AND status = 'connected'`), a.ID)
	if err != nil {
		return nil, fmt.Errorf("connections: %w", err)
	}
	defer rows.Close()
	var out []kizuna.Connection
	for rows.Next() {
		c, err := scanConnection(rows, a, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("connections: %w", err)
	}
	slices.SortFunc(out, func(x, y kizuna.Connection) int {
		return slices.Index(kizuna.Sources, x.Source) - slices.Index(kizuna.Sources, y.Source)
	})
	return out, nil
}

func scanConnection(row interface{ Scan(...any) error }, a *kizuna.Account, sealed *[]byte) (*kizuna.Connection, error) {
	var c kizuna.Connection
	var cfg string
	var at int64
	dest := []any{&c.Source, &c.APIBase, &cfg, &at, &c.ConnectedBy}
	if sealed != nil {
		dest = append(dest, sealed)
	}
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(cfg), &c.Config); err != nil {
		return nil, fmt.Errorf("connection %s: config: %w", c.Source, err)
	}
	c.ConnectedAt = time.UnixMicro(at).In(a.Location())
	return &c, nil
}

func (db *DB) connection(ctx context.Context, a *kizuna.Account, source string) (*kizuna.Connection, []byte, error) {
	if !kizuna.ValidSource(source) {
		return nil, nil, kizuna.ErrorAt(kizuna.EINVALID, "source", "the source must be shopify, hubspot or klaviyo")
	}
	var sealed []byte
	c, err := scanConnection(db.read.QueryRowContext(ctx, db.q(`SELECT source, api_base, config, connected_at_us, connected_by, secrets_sealed
		FROM integration_connections WHERE account_id = ? AND source = ? AND status = 'connected'`), a.ID, source), a, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, kizuna.Errorf(kizuna.ENOTFOUND, "%s is not connected to account %q", source, a.Name)
	} else if err != nil {
		return nil, nil, fmt.Errorf("connection %s: %w", source, err)
	}
	return c, sealed, nil
}

// Connection returns the account's connection to a source.
func (db *DB) Connection(ctx context.Context, a *kizuna.Account, source string) (*kizuna.Connection, error) {
	c, _, err := db.connection(ctx, a, source)
	return c, err
}

// ConnectionSecrets opens a connection's sealed secrets.
func (db *DB) ConnectionSecrets(ctx context.Context, a *kizuna.Account, source string) (kizuna.ConnectionSecrets, error) {
	_, sealed, err := db.connection(ctx, a, source)
	if err != nil {
		return nil, err
	}
	box, err := db.box()
	if err != nil {
		return nil, err
	}
	plain, err := box.Open(sealed, connectionAAD(a, source))
	if err != nil {
		return nil, kizuna.Errorf(kizuna.EINVALID, "the %s credentials of account %q cannot be decrypted with this server's secret key: connect %s again", source, a.Name, source)
	}
	var s map[string]string
	if err := json.Unmarshal(plain, &s); err != nil {
		return nil, fmt.Errorf("connection %s: secrets: %w", source, err)
	}
	return kizuna.ConnectionSecrets(s), nil
}

// Disconnect forgets the account's connection to a source and its
// secrets; a row marked disconnected stays, so that the source no longer
// counts as connected (kizuna.Store.Integrations) while its data stays.
func (db *DB) Disconnect(ctx context.Context, a *kizuna.Account, source string) error {
	if !kizuna.ValidSource(source) {
		return kizuna.ErrorAt(kizuna.EINVALID, "source", "the source must be shopify, hubspot or klaviyo")
	}
	res, err := db.write.ExecContext(ctx, db.q(`UPDATE integration_connections SET status = 'disconnected', secrets_sealed = ? WHERE account_id = ? AND source = ? AND status = 'connected'`),
		[]byte{}, a.ID, source)
	if err != nil {
		return fmt.Errorf("disconnect %s: %w", source, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return kizuna.Errorf(kizuna.ENOTFOUND, "%s is not connected to account %q", source, a.Name)
	}
	return nil
}
