package shopify_test

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna/internal/shopifyfake"
	"github.com/kizuna-line/kizuna/shopify"
)

// BenchmarkBackfill backfills generated customers (200,000 unless
// KIZUNA_BENCH_SHOPIFY_RECORDS says otherwise) from the fake on loopback,
// paged and in bulk. The paged read runs on the shared fake clock, so
// limit% is the customers read per second of that clock against what the
// bucket's restore rate allows (restore × 250/252 customers a second);
// rec/s is the wall-clock rate, peak-heap-MB the most heap seen between
// pages (fake and client together).
func BenchmarkBackfill(b *testing.B) {
	n := 200_000
	if s := os.Getenv("KIZUNA_BENCH_SHOPIFY_RECORDS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	for _, mode := range []string{"paged", "bulk"} {
		b.Run(mode, func(b *testing.B) {
			for range b.N {
				e := start(b, shopifyfake.Config{RestoreRate: 100, Bucket: 2000})
				e.fake.SetRecording(false)
				e.fake.Generate(n, 1)
				threshold := -1
				if mode == "bulk" {
					threshold = 1000
				}
				c := e.client(b, func(c *shopify.Config) { c.BulkThreshold = threshold; c.BulkPoll = time.Second })
				var peak uint64
				var ms runtime.MemStats
				customers, checkouts, pages := 0, 0, 0
				fakeStart, wallStart := e.clock.now(), time.Now()
				var fakeCustomersEnd time.Time
				err := c.Backfill(context.Background(), "", func(p *shopify.Page) error {
					customers += len(p.Customers)
					checkouts += len(p.Checkouts)
					if len(p.Customers) > 0 {
						fakeCustomersEnd = e.clock.now()
					}
					if pages++; pages%20 == 0 {
						runtime.ReadMemStats(&ms)
						peak = max(peak, ms.HeapAlloc)
					}
					return nil
				})
				wall := time.Since(wallStart)
				if err != nil || customers != n {
					b.Fatalf("%d customers, %v", customers, err)
				}
				b.ReportMetric(float64(customers+checkouts)/wall.Seconds(), "rec/s")
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
				if mode == "paged" {
					fakeSecs := fakeCustomersEnd.Sub(fakeStart).Seconds()
					allowed := 100.0 * 250 / 252
					b.ReportMetric(100*float64(customers)/fakeSecs/allowed, "limit%")
					b.ReportMetric(fakeSecs, "clock-s")
				}
			}
		})
	}
}
