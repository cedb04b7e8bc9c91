package sqlstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kizuna-line/kizuna"
)

// CreateAccount creates an account; a name in use is a conflict.
func (db *DB) CreateAccount(ctx context.Context, name, zone string) (*kizuna.Account, error) {
	if zone == "" {
		zone = kizuna.DefaultTimeZone
	}
	if err := kizuna.ValidateAccount(name, zone); err != nil {
		return nil, err
	}
	a := &kizuna.Account{Name: name, TimeZone: zone, CreatedAt: db.Now().UTC().Truncate(time.Microsecond)}
	if err := a.LoadLocation(); err != nil {
		return nil, fmt.Errorf("create account: %w", err)
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("create account: %w", err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM accounts WHERE name = ?`), name).Scan(&n); err != nil {
		return nil, fmt.Errorf("create account: %w", err)
	}
	if n > 0 {
		return nil, kizuna.Errorf(kizuna.ECONFLICT, "an account named %q already exists", name)
	}
	if err := tx.QueryRowContext(ctx, db.q(`INSERT INTO accounts (name, timezone, created_at_us) VALUES (?, ?, ?) RETURNING id`),
		name, zone, a.CreatedAt.UnixMicro()).Scan(&a.ID); err != nil {
		return nil, fmt.Errorf("create account: %w", err)
	}
	return a, tx.Commit()
}

// FindAccount returns the account with that name, or ENOTFOUND.
func (db *DB) FindAccount(ctx context.Context, name string) (*kizuna.Account, error) {
	if kizuna.CheckText(kizuna.ENOTFOUND, "account", "the account name", name) != nil {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "no account is named %q", name)
	}
	a, err := scanAccount(db.read.QueryRowContext(ctx, db.q(`SELECT id, name, timezone, created_at_us FROM accounts WHERE name = ?`), name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "no account is named %q", name)
	} else if err != nil {
		return nil, fmt.Errorf("find account: %w", err)
	}
	return a, nil
}

// scanAccount reads an account's id, name, timezone and created_at_us
// columns, then any extra ones into extra.
func scanAccount(row interface{ Scan(...any) error }, extra ...any) (*kizuna.Account, error) {
	a := &kizuna.Account{}
	var created int64
	if err := row.Scan(append([]any{&a.ID, &a.Name, &a.TimeZone, &created}, extra...)...); err != nil {
		return nil, err
	}
	a.CreatedAt = time.UnixMicro(created).UTC()
	if err := a.LoadLocation(); err != nil {
		return nil, err
	}
	return a, nil
}

// tokenPrefix marks Kizuna API tokens so that secret scanners can find them.
const tokenPrefix = "kzn_"

// CreateToken makes a new API token for the account. Only its SHA-256 is
// stored: the token is shown once and cannot be recovered.
func (db *DB) CreateToken(ctx context.Context, a *kizuna.Account) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("create token: %w", err)
	}
	token := tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	if _, err := db.write.ExecContext(ctx, db.q(`INSERT INTO api_tokens (account_id, token_hash, created_at_us) VALUES (?, ?, ?)`),
		a.ID, hashToken(token), db.Now().UnixMicro()); err != nil {
		return "", fmt.Errorf("create token: %w", err)
	}
	return token, nil
}

// AccountByToken returns the account a token belongs to, or EUNAUTHORIZED.
func (db *DB) AccountByToken(ctx context.Context, token string) (*kizuna.Account, error) {
	if !strings.HasPrefix(token, tokenPrefix) {
		return nil, kizuna.Errorf(kizuna.EUNAUTHORIZED, "invalid API token")
	}
	var name string
	err := db.read.QueryRowContext(ctx, db.q(`SELECT a.name FROM api_tokens t JOIN accounts a ON a.id = t.account_id WHERE t.token_hash = ?`),
		hashToken(token)).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kizuna.Errorf(kizuna.EUNAUTHORIZED, "invalid API token")
	} else if err != nil {
		return nil, fmt.Errorf("check token: %w", err)
	}
	return db.FindAccount(ctx, name)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Tags lists the account's friend tags with how many following friends carry each.
func (db *DB) Tags(ctx context.Context, a *kizuna.Account) ([]kizuna.Tag, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`
		SELECT t.name, COUNT(f.id)
		FROM tags t
		LEFT JOIN friend_tags ft ON ft.tag_id = t.id
		LEFT JOIN friends f ON f.id = ft.friend_id AND f.status = 'following'
		WHERE t.account_id = ?
		GROUP BY t.id, t.name
		ORDER BY t.name`), a.ID)
	if err != nil {
		return nil, fmt.Errorf("list tags: %w", err)
	}
	defer rows.Close()
	tags := []kizuna.Tag{}
	for rows.Next() {
		var t kizuna.Tag
		if err := rows.Scan(&t.Name, &t.Friends); err != nil {
			return nil, fmt.Errorf("list tags: %w", err)
		}
		tags = append(tags, t)
	}
	return tags, rows.Err()
}

// TagNames lists the account's friend tag names: what Tags lists, without
// counting each tag's friends (a pass over every friend tag of the account).
func (db *DB) TagNames(ctx context.Context, a *kizuna.Account) ([]string, error) {
	names, err := db.tagNames(ctx, db.read, a)
	if err != nil {
		return nil, fmt.Errorf("list tag names: %w", err)
	}
	return names, nil
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (db *DB) tagNames(ctx context.Context, q querier, a *kizuna.Account) ([]string, error) {
	rows, err := q.QueryContext(ctx, db.q(`SELECT name FROM tags WHERE account_id = ? ORDER BY name`), a.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

// PutCatalog replaces the catalog of each integration the document names.
func (db *DB) PutCatalog(ctx context.Context, a *kizuna.Account, c *kizuna.Catalog) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("put catalog: %w", err)
	}
	defer tx.Rollback()
	for source, s := range map[string]*kizuna.CatalogSection{"hubspot": c.HubSpot, "klaviyo": c.Klaviyo} {
		if s == nil {
			continue
		}
		doc, err := json.Marshal(s)
		if err != nil {
			return fmt.Errorf("put catalog: %w", err)
		}
		if _, err := tx.ExecContext(ctx, db.q(`
			INSERT INTO catalogs (account_id, source, document, updated_at_us) VALUES (?, ?, ?, ?)
			ON CONFLICT (account_id, source) DO UPDATE SET document = excluded.document, updated_at_us = excluded.updated_at_us`),
			a.ID, source, string(doc), db.Now().UnixMicro()); err != nil {
			return fmt.Errorf("put catalog: %w", err)
		}
	}
	return tx.Commit()
}

// Catalog returns the account's catalog; sections never imported are nil.
func (db *DB) Catalog(ctx context.Context, a *kizuna.Account) (*kizuna.Catalog, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT source, document FROM catalogs WHERE account_id = ?`), a.ID)
	if err != nil {
		return nil, fmt.Errorf("read catalog: %w", err)
	}
	defer rows.Close()
	c := &kizuna.Catalog{}
	for rows.Next() {
		var source, doc string
		if err := rows.Scan(&source, &doc); err != nil {
			return nil, fmt.Errorf("read catalog: %w", err)
		}
		s := &kizuna.CatalogSection{}
		if err := json.Unmarshal([]byte(doc), s); err != nil {
			return nil, fmt.Errorf("read catalog %s: %w", source, err)
		}
		switch source {
		case "hubspot":
			c.HubSpot = s
		case "klaviyo":
			c.Klaviyo = s
		}
	}
	return c, rows.Err()
}

// Accounts lists every account, by name.
func (db *DB) Accounts(ctx context.Context) ([]*kizuna.Account, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, name, timezone, created_at_us FROM accounts ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	defer rows.Close()
	var out []*kizuna.Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, fmt.Errorf("list accounts: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// FriendsVersion returns the account's friends version, which every import
// bumps when it commits.
func (db *DB) FriendsVersion(ctx context.Context, a *kizuna.Account) (int64, error) {
	var v int64
	if err := db.read.QueryRowContext(ctx, db.q(`SELECT friends_version FROM accounts WHERE id = ?`), a.ID).Scan(&v); err != nil {
		return 0, fmt.Errorf("friends version: %w", err)
	}
	return v, nil
}

// FriendsVersions returns the friends version of each account by ID, in
// one query; accounts that no longer exist are absent.
func (db *DB) FriendsVersions(ctx context.Context, accounts []*kizuna.Account) (map[int64]int64, error) {
	out := make(map[int64]int64, len(accounts))
	if len(accounts) == 0 {
		return out, nil
	}
	ids := make([]int64, len(accounts))
	for i, a := range accounts {
		ids[i] = a.ID
	}
	sel, arg := db.inList(ids) // one statement text for any number of accounts
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT id, friends_version FROM accounts WHERE id `+sel), arg)
	if err != nil {
		return nil, fmt.Errorf("friends versions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, v int64
		if err := rows.Scan(&id, &v); err != nil {
			return nil, fmt.Errorf("friends versions: %w", err)
		}
		out[id] = v
	}
	return out, rows.Err()
}

// Tokens lists the account's API tokens (never the tokens themselves: only
// their hashes are stored), oldest first.
func (db *DB) Tokens(ctx context.Context, a *kizuna.Account) ([]kizuna.TokenInfo, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT id, created_at_us FROM api_tokens WHERE account_id = ? ORDER BY id`), a.ID)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	out := []kizuna.TokenInfo{}
	for rows.Next() {
		var t kizuna.TokenInfo
		var at int64
		if err := rows.Scan(&t.ID, &at); err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		t.CreatedAt = time.UnixMicro(at).In(a.Location())
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken deletes one of the account's API tokens, or ENOTFOUND.
func (db *DB) RevokeToken(ctx context.Context, a *kizuna.Account, id int64) error {
	res, err := db.write.ExecContext(ctx, db.q(`DELETE FROM api_tokens WHERE account_id = ? AND id = ?`), a.ID, id)
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("revoke token: %w", err)
	} else if n == 0 {
		return kizuna.Errorf(kizuna.ENOTFOUND, "no API token %d in account %q", id, a.Name)
	}
	return nil
}

// Integrations reports which integrations count as connected for the
// account: a source with a connection (or a disconnection) is as it says;
// one the account never connected counts as connected when its data (a
// linked friend) or catalog was imported, the import being its source.
func (db *DB) Integrations(ctx context.Context, a *kizuna.Account) (map[string]bool, error) {
	// One statement; each part stops at the first linked friend. Only
	// HubSpot and Klaviyo have catalogs.
	linked := func(col string) string {
		return `(SELECT COUNT(*) FROM (SELECT 1 FROM friends WHERE account_id = ? AND ` + col + ` = 1 LIMIT 1) l)`
	}
	catalog := `(SELECT COUNT(*) FROM catalogs WHERE account_id = ? AND source = ?)`
	var shop, hub, klav int
	err := db.read.QueryRowContext(ctx, db.q(`SELECT `+linked("shopify_linked")+`, `+linked("hubspot_linked")+` + `+catalog+`, `+linked("klaviyo_linked")+` + `+catalog),
		a.ID, a.ID, a.ID, "hubspot", a.ID, a.ID, "klaviyo").Scan(&shop, &hub, &klav)
	if err != nil {
		return nil, fmt.Errorf("integrations: %w", err)
	}
	out := map[string]bool{"shopify": shop > 0, "hubspot": hub > 0, "klaviyo": klav > 0}
	// A connection (or a disconnection) says for sure; without one, the
	// imported data says (the import is then the source).
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT source, status FROM integration_connections WHERE account_id = ?`), a.ID)
	if err != nil {
		return nil, fmt.Errorf("integrations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var source, status string
		if err := rows.Scan(&source, &status); err != nil {
			return nil, fmt.Errorf("integrations: %w", err)
		}
		out[source] = status == "connected"
	}
	return out, rows.Err()
}
