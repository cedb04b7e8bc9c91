package engine_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/sqlstore"
)

// BenchmarkBuildFromDatabase builds the index of an existing account, such
// as one `kizuna bench` imported, from KIZUNA_BENCH_DB (a DSN) and
// KIZUNA_BENCH_ACCOUNT, and reports the build time per friend:
//
//	KIZUNA_BENCH_DB=sqlite:/tmp/b10/s10m.db KIZUNA_BENCH_ACCOUNT=bench10m \
//	  go test -run XXX -bench BuildFromDatabase -benchtime 1x ./engine/
func BenchmarkBuildFromDatabase(b *testing.B) {
	dsn, name := os.Getenv("KIZUNA_BENCH_DB"), os.Getenv("KIZUNA_BENCH_ACCOUNT")
	if dsn == "" || name == "" {
		b.Skip("set KIZUNA_BENCH_DB and KIZUNA_BENCH_ACCOUNT to an imported account")
	}
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	a, err := db.FindAccount(ctx, name)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		e := engine.New(db, db, nil)
		start := time.Now()
		e.Load(a)
		for !e.Ready(a) {
			time.Sleep(10 * time.Millisecond)
		}
		took := time.Since(start)
		b.ReportMetric(float64(e.Len(a))/took.Seconds(), "friends/s")
		b.Logf("%s: %d friends in %.1f s", db.Dialect(), e.Len(a), took.Seconds())
		e.Stop()
	}
}
