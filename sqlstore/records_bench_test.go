package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/sqlstore"
)

// benchAccount creates an account with n friends.
func benchAccount(b *testing.B, db *sqlstore.DB, n int) *kizuna.Account {
	ctx := context.Background()
	a, err := db.CreateAccount(ctx, "bench", "")
	if err != nil {
		b.Fatal(err)
	}
	var lines []string
	for i := 1; i <= n; i++ {
		lines = append(lines, fmt.Sprintf(`{"line_user_id": "U%032x", "added_at": "2026-11-01T10:00:00+09:00"}`, i))
	}
	if _, err := db.ImportFriends(ctx, a, strings.NewReader(strings.Join(lines, "\n")), kizuna.ImportOptions{}); err != nil {
		b.Fatal(err)
	}
	return a
}

// BenchmarkApplySourceRecords measures records applied per second by
// pages of 1,000 (a backfill's pages), 10% of them claiming friends of the
// account, on each backend. Every page updates the same records with newer
// times, so the linked friends are rewritten each time.
func BenchmarkApplySourceRecords(b *testing.B) {
	const page, friends = 1000, 100
	u := func(i int) string { return fmt.Sprintf("U%032x", i+1) }
	for _, backend := range testdb.Backends() {
		b.Run(backend, func(b *testing.B) {
			db := testdb.Open(b, backend)
			ctx := context.Background()
			a := benchAccount(b, db, friends)
			t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
			last := t0.Add(-48 * time.Hour)
			records := make([]kizuna.SourceRecord, page)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for j := range records {
					claim := ""
					if j%10 == 0 {
						claim = u(j / 10)
					}
					records[j] = kizuna.SourceRecord{Source: "shopify", RecordID: fmt.Sprintf("C%d", j), LineUserID: claim, UpdatedAt: t0.Add(time.Duration(i) * time.Second),
						Shopify: &kizuna.ShopifyCustomer{Tags: []string{"VIP", fmt.Sprintf("t%d", i%3)}, OrdersCount: int64(i), LastOrderAt: &last}}
				}
				res, err := db.ApplySourceRecords(ctx, a, records)
				if err != nil {
					b.Fatal(err)
				}
				if res.Applied != page || res.Friends != friends {
					b.Fatalf("%+v", res)
				}
			}
			b.ReportMetric(float64(page*b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkApplyDelivery measures webhook deliveries of one record (a
// customer linked to a friend) applied per second, on each backend.
func BenchmarkApplyDelivery(b *testing.B) {
	const friends = 100
	u := func(i int) string { return fmt.Sprintf("U%032x", i+1) }
	for _, backend := range testdb.Backends() {
		b.Run(backend, func(b *testing.B) {
			db := testdb.Open(b, backend)
			ctx := context.Background()
			a := benchAccount(b, db, friends)
			t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
			last := t0.Add(-48 * time.Hour)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				r := kizuna.SourceRecord{Source: "shopify", RecordID: fmt.Sprintf("C%d", i%friends), LineUserID: u(i % friends), UpdatedAt: t0.Add(time.Duration(i) * time.Millisecond),
					Shopify: &kizuna.ShopifyCustomer{Tags: []string{"VIP"}, OrdersCount: int64(i), LastOrderAt: &last}}
				res, err := db.ApplyDelivery(ctx, a, "shopify", []string{fmt.Sprintf("wh-%d", i)}, []kizuna.SourceRecord{r})
				if err != nil {
					b.Fatal(err)
				}
				if res.Applied != 1 || res.Friends != 1 {
					b.Fatalf("%+v", res)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
		})
	}
}

// BenchmarkApplyDeliveries measures webhook deliveries of one record (a
// customer linked to a friend) applied per second by groups of 20 in one
// transaction (the receiver's group commit), on each backend.
func BenchmarkApplyDeliveries(b *testing.B) {
	const friends, group = 100, 20
	u := func(i int) string { return fmt.Sprintf("U%032x", i+1) }
	for _, backend := range testdb.Backends() {
		b.Run(backend, func(b *testing.B) {
			db := testdb.Open(b, backend)
			ctx := context.Background()
			a := benchAccount(b, db, friends)
			t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
			last := t0.Add(-48 * time.Hour)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				ds := make([]kizuna.Delivery, group)
				for j := range ds {
					n := i*group + j
					r := kizuna.SourceRecord{Source: "shopify", RecordID: fmt.Sprintf("C%d", n%friends), LineUserID: u(n % friends), UpdatedAt: t0.Add(time.Duration(n) * time.Millisecond),
						Shopify: &kizuna.ShopifyCustomer{Tags: []string{"VIP"}, OrdersCount: int64(n), LastOrderAt: &last}}
					ds[j] = kizuna.Delivery{Keys: []string{fmt.Sprintf("wh-%d", n)}, Records: []kizuna.SourceRecord{r}}
				}
				res, err := db.ApplyDeliveries(ctx, a, "shopify", ds)
				if err != nil {
					b.Fatal(err)
				}
				if res[0].Applied != 1 || res[0].Friends != 1 {
					b.Fatalf("%+v", res[0])
				}
			}
			b.ReportMetric(float64(group*b.N)/b.Elapsed().Seconds(), "deliveries/s")
		})
	}
}
