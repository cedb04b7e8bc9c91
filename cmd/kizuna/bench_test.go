package main

import (
	"strings"
	"testing"

	"github.com/kizuna-line/kizuna/internal/testdb"
)

// TestBench runs the benchmark at a small size across both backends: it
// checks on its own that the engine, SQLite and PostgreSQL agree on every
// suite filter and that writes reach the index, and fails otherwise.
func TestBench(t *testing.T) {
	sqlite := testdb.DSN(t, "sqlite")
	k := kizunaCLI{t: t, dsn: sqlite}
	t.Run("sqlite", func(t *testing.T) {
		k.t = t
		out := k.ok("", "bench", "--friends", "400", "--runs", "1").stdout
		for _, want := range []string{
			"engine index build from sqlite",
			"| repeat buyers (orders >= 3)",
			"| **all filters**",
			"one friend, ",
			"friends/s applied",
			"index by part",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("the report lacks %q:\n%s", want, out)
			}
		}
	})
	// Both backends in one run (skipped without PostgreSQL, except in CI).
	t.Run("also postgres", func(t *testing.T) {
		postgres := testdb.DSN(t, "postgres")
		k.t = t
		k.ok("", "bench", "--friends", "400", "--runs", "1", "--account", "", "--also-db", postgres)
	})
}
