// Package sqlstore implements kizuna.Store over database/sql, on SQLite
// (modernc.org/sqlite, pure Go; the embedded default) and PostgreSQL (pgx).
// Both dialects share one schema shape and one SQL text per query; the only
// differences live in the dialect type.
package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/password"
	"github.com/kizuna-line/kizuna/internal/secretbox"
)

//go:embed migrations
var migrations embed.FS

// DefaultDSN is the database used when none is given.
const DefaultDSN = "sqlite:./kizuna.db"

type dialect struct {
	name string // "sqlite" or "postgres"
	// contains is the SQL function that returns the 1-based position of its
	// second argument in its first, or 0.
	position string
	// maxParams bounds the arguments of one statement.
	maxParams int
}

var (
	sqliteDialect   = dialect{name: "sqlite", position: "instr", maxParams: 30000}
	postgresDialect = dialect{name: "postgres", position: "strpos", maxParams: 60000}
)

// PostgreSQL pool sizes: each of the two pools (writes, reads) has
// pgPoolConns connections, and at most pgImportWriters of the write pool's
// are held by imports.
const (
	pgPoolConns     = 8
	pgImportWriters = 2
)

// DB is an open Kizuna database. It implements kizuna.Store.
type DB struct {
	d dialect
	// write takes every write. On SQLite it has one connection, so writes are
	// serialized in the process instead of fighting over the database lock.
	write *sql.DB
	// read serves queries; on SQLite, WAL lets them run during a write. On
	// PostgreSQL it is a pool of its own too, so that writers (an import
	// holds a connection for its whole transaction) can never take the
	// connections that sign-ins, sessions and previews read on.
	read *sql.DB
	// imports bounds the imports writing at once, each holding a write
	// connection for its whole transaction, so that they leave write
	// connections for everything else (sign-ins create sessions, tags are
	// written). An import waits for a slot before it takes a connection.
	imports chan struct{}
	// Now is the clock; tests replace it.
	Now func() time.Time
	// Passwords bounds the password hashes in flight (sign-in, password
	// change, new users): each costs 64 MiB of memory.
	Passwords *password.Bound
	// Secrets seals the LINE channels' credentials at rest. Nil: no key is
	// configured, and connecting a channel is refused.
	Secrets *secretbox.Box
	// deliveryPrunes holds, per account ID, when this process looks next
	// for webhook delivery keys past retention (db.Now, microseconds).
	deliveryPrunes sync.Map
}

// PasswordWait is how long a sign-in waits for a free hashing slot before
// it is refused as busy; MaxPasswordHashes caps the slots (NumCPU) so that
// hashing holds at most 512 MiB on any machine.
const (
	PasswordWait      = 3 * time.Second
	MaxPasswordHashes = 8
)

var _ kizuna.Store = (*DB)(nil)

// Open opens (creating if needed) the database named by dsn and applies the
// migrations it lacks. dsn is "sqlite:PATH" or a "postgres://" URL.
func Open(ctx context.Context, dsn string) (*DB, error) {
	db := &DB{Now: time.Now, Passwords: password.NewBound(min(runtime.NumCPU(), MaxPasswordHashes), PasswordWait)}
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		file := strings.TrimPrefix(dsn, "sqlite:")
		file = strings.TrimPrefix(file, "//")
		if file == "" {
			return nil, kizuna.Errorf(kizuna.EINVALID, "sqlite DSN %q names no file", dsn)
		}
		db.d = sqliteDialect
		q := "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
		var err error
		// The writer keeps statement journals in memory and a large page
		// cache, so that a big import does not spill to disk mid-transaction.
		wq := q + "&_pragma=temp_store(MEMORY)&_pragma=cache_size(-262144)&_txlock=immediate"
		if db.write, err = sql.Open("sqlite", "file:"+file+wq); err != nil {
			return nil, fmt.Errorf("open %s: %w", file, err)
		}
		db.write.SetMaxOpenConns(1)
		if db.read, err = sql.Open("sqlite", "file:"+file+q+"&_pragma=query_only(1)"); err != nil {
			return nil, fmt.Errorf("open %s: %w", file, err)
		}
		db.read.SetMaxOpenConns(4)
		db.read.SetMaxIdleConns(4)
		// One writer connection: a second import would only wait for it.
		db.imports = make(chan struct{}, 1)
	case strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://"):
		db.d = postgresDialect
		var err error
		for _, p := range []**sql.DB{&db.write, &db.read} {
			if *p, err = sql.Open("pgx", dsn); err != nil {
				return nil, fmt.Errorf("open postgres: %w", redact(err, dsn))
			}
			(*p).SetMaxOpenConns(pgPoolConns)
			// Keep them all open between bursts: database/sql keeps two
			// idle by default, so a burst of requests (webhooks, previews)
			// closed the rest after each use and opened them again, a new
			// PostgreSQL backend process each time.
			(*p).SetMaxIdleConns(pgPoolConns)
			(*p).SetConnMaxIdleTime(10 * time.Minute)
		}
		db.imports = make(chan struct{}, pgImportWriters)
	default:
		return nil, kizuna.Errorf(kizuna.EINVALID, "database %q: use sqlite:PATH or postgres://…", redactDSN(dsn))
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.fillDisplayNameNorm(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Dialect returns "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.d.name }

// Close closes the database.
func (db *DB) Close() error {
	err := db.write.Close()
	if err2 := db.read.Close(); err == nil {
		err = err2
	}
	return err
}

// migrate applies the embedded migrations of the dialect that the database
// lacks, each in its own transaction, in order.
func (db *DB) migrate(ctx context.Context) error {
	const op = "sqlstore.migrate"
	dir := path.Join("migrations", db.d.name)
	names, err := fs.Glob(migrations, dir+"/*.sql")
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	sort.Strings(names)
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at_us BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	for _, name := range names {
		version, err := strconv.Atoi(strings.SplitN(path.Base(name), "_", 2)[0])
		if err != nil {
			return fmt.Errorf("%s: migration %s has no number", op, name)
		}
		if err := db.applyMigration(ctx, name, version); err != nil {
			return fmt.Errorf("%s: %s: %w", op, name, err)
		}
	}
	return nil
}

func (db *DB) applyMigration(ctx context.Context, name string, version int) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if db.d.name == "postgres" {
		// Several processes may start at once; one migrates, the others wait.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(727165)`); err != nil {
			return err
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	body, err := migrations.ReadFile(name)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO schema_migrations (version, applied_at_us) VALUES (?, ?)`), version, db.Now().UnixMicro()); err != nil {
		return err
	}
	return tx.Commit()
}

// q rewrites the ? placeholders of query for the dialect. Kizuna's SQL never
// has a ? inside a literal, so a plain scan is enough.
func (db *DB) q(query string) string {
	if db.d.name != "postgres" {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// redactDSN removes a password from a DSN so that it can appear in messages.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		if i := strings.Index(dsn, "@"); i >= 0 {
			return "…" + dsn[i:]
		}
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "REDACTED")
	}
	return u.String()
}

func redact(err error, dsn string) error {
	u, perr := url.Parse(dsn)
	if perr != nil || u.User == nil {
		return err
	}
	if pw, ok := u.User.Password(); ok && pw != "" {
		return fmt.Errorf("%s", strings.ReplaceAll(err.Error(), pw, "REDACTED"))
	}
	return err
}

func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?,", n-1) + "?"
}

// WriteDB is the pool writes go through: the job engine (River) keeps its
// tables in the same database and, on SQLite, must share the one writer.
func (db *DB) WriteDB() *sql.DB { return db.write }

// box returns the key that seals credentials, or the refusal to store or
// read any when the server has none.
func (db *DB) box() (*secretbox.Box, error) {
	if db.Secrets == nil {
		return nil, kizuna.Errorf(kizuna.EINVALID, "no secret key is configured: set KIZUNA_SECRET_KEY or let the server create its key file, then connect the channel")
	}
	return db.Secrets, nil
}
