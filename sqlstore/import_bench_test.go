package sqlstore_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/demo"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

// BenchmarkImport measures friends imported per second from demo data into a
// fresh account, on each backend.
func BenchmarkImport(b *testing.B) {
	const n = 50000
	var buf bytes.Buffer
	if err := demo.WriteFriends(&buf, demo.Options{Friends: n, Seed: 1, Now: time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)}); err != nil {
		b.Fatal(err)
	}
	for _, backend := range testdb.Backends() {
		b.Run(backend, func(b *testing.B) {
			db := testdb.Open(b, backend)
			ctx := context.Background()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				a, err := db.CreateAccount(ctx, fmt.Sprintf("bench%d", i), "")
				if err != nil {
					b.Fatal(err)
				}
				if _, err := db.ImportFriends(ctx, a, bytes.NewReader(buf.Bytes()), kizuna.ImportOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "friends/s")
		})
	}
}
