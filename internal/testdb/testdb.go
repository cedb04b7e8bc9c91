// Package testdb opens throwaway Kizuna databases for tests: a temporary
// SQLite file always, and a fresh PostgreSQL database when
// KIZUNA_TEST_POSTGRES holds the DSN of a server the tests may create
// databases on. With CI set, a missing or unreachable PostgreSQL fails the
// test instead of skipping it.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/kizuna-line/kizuna/internal/secretbox"
	"github.com/kizuna-line/kizuna/sqlstore"
)

// Backends lists the backends a suite runs on.
func Backends() []string { return []string{"sqlite", "postgres"} }

// DSN returns the DSN of a fresh, empty database of the backend, dropped when
// the test ends. It skips the test for PostgreSQL when no server is
// configured, unless CI is set.
func DSN(tb testing.TB, backend string) string {
	tb.Helper()
	switch backend {
	case "sqlite":
		return "sqlite:" + tb.TempDir() + "/kizuna.db"
	case "postgres":
		return postgresDSN(tb)
	}
	tb.Fatalf("unknown backend %q", backend)
	return ""
}

// Open opens a fresh database of the backend, with a random secret key
// (DB.Secrets) so that LINE channels can be connected.
func Open(tb testing.TB, backend string) *sqlstore.DB {
	tb.Helper()
	db, err := sqlstore.Open(context.Background(), DSN(tb, backend))
	if err != nil {
		tb.Fatalf("open %s: %v", backend, err)
	}
	db.Secrets = secretbox.NewRandom()
	tb.Cleanup(func() { db.Close() })
	return db
}

func postgresDSN(tb testing.TB) string {
	tb.Helper()
	admin := os.Getenv("KIZUNA_TEST_POSTGRES")
	if admin == "" {
		if os.Getenv("CI") != "" {
			tb.Fatal("KIZUNA_TEST_POSTGRES is not set: CI must run the PostgreSQL tests (see .ci/run)")
		}
		tb.Skip("KIZUNA_TEST_POSTGRES is not set; skipping the PostgreSQL backend")
	}
	db, err := sql.Open("pgx", admin)
	if err != nil {
		tb.Fatalf("KIZUNA_TEST_POSTGRES: %v", err)
	}
	defer db.Close()
	b := make([]byte, 6)
	rand.Read(b)
	name := "kizuna_test_" + hex.EncodeToString(b)
	if _, err := db.Exec(`CREATE DATABASE ` + name + ` TEMPLATE template0 ENCODING 'UTF8'`); err != nil {
		tb.Fatalf("PostgreSQL at KIZUNA_TEST_POSTGRES cannot be reached or refuses CREATE DATABASE: %v", err)
	}
	tb.Cleanup(func() {
		db, err := sql.Open("pgx", admin)
		if err != nil {
			return
		}
		defer db.Close()
		db.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
	})
	u, err := url.Parse(admin)
	if err != nil {
		tb.Fatalf("KIZUNA_TEST_POSTGRES is not a URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}
