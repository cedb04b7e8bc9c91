package lineops_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/internal/linefake"
	"github.com/kizuna-line/kizuna/internal/linetest"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

// BenchmarkWebhook posts signed webhook bodies of 100 events (40 follows
// of new friends, 40 text messages, 20 unfollows) to the real receiver over
// HTTP, as LINE would, and reports events a second, on each backend.
func BenchmarkWebhook(b *testing.B) {
	for _, backend := range testdb.Backends() {
		b.Run(backend, func(b *testing.B) {
			ctx := context.Background()
			db := testdb.Open(b, backend)
			eng := engine.New(db, db, nil)
			defer eng.Stop()
			a, _ := db.CreateAccount(ctx, "shop", "")
			env := linetest.StartWith(b, db, eng, linetest.Options{NoJobs: true}, a)
			fake := env.Fake
			url := env.Hooks.URL + "/line/webhook/shop"
			bodies := make([]*linefake.Webhook, b.N)
			for i := range bodies {
				events := make([]linefake.Event, 0, 100)
				for k := 0; k < 40; k++ {
					u := fmt.Sprintf("U%016x%016x", i, k)
					events = append(events, fake.FollowEvent(u, false), fake.TextEvent(u, "こんにちは、セールはいつですか？"))
				}
				for k := 0; k < 20; k++ {
					events = append(events, fake.UnfollowEvent(fmt.Sprintf("U%016x%016x", i, k)))
				}
				w, err := fake.BuildWebhook(events...)
				if err != nil {
					b.Fatal(err)
				}
				bodies[i] = w
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				req, _ := http.NewRequest("POST", url, bytes.NewReader(bodies[i].Body))
				req.Header.Set("X-Line-Signature", bodies[i].Signature)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				res.Body.Close()
				if res.StatusCode != 200 {
					b.Fatalf("status %d", res.StatusCode)
				}
			}
			b.ReportMetric(float64(100*b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
