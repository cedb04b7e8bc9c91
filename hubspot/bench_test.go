package hubspot_test

import (
	"context"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna/hubspot"
	"github.com/kizuna-line/kizuna/internal/hubspotfake"
)

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n != 0 {
		return n
	}
	return def
}

// BenchmarkBackfill walks generated contacts (HUBSPOT_BENCH_RECORDS,
// default 200,000) through the client from the fake on loopback, with the
// fake's rolling limit at HUBSPOT_BENCH_RATE requests per 10 s (default
// 500; -1: none) on the real clock. It reports records/s, that rate as a
// share of what the limit allows (100 contacts a request), and the peak
// heap of the process (client and fake together).
func BenchmarkBackfill(b *testing.B) {
	records := envInt("HUBSPOT_BENCH_RECORDS", 200000)
	rate := envInt("HUBSPOT_BENCH_RATE", 500)
	f := hubspotfake.New(hubspotfake.Config{AccessToken: token, RateMax: rate, SearchRate: -1, RecordLimit: 100})
	if err := f.Generate(records, 1); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(f)
	defer srv.Close()
	c, err := hubspot.New(hubspot.Config{BaseURL: srv.URL, AccessToken: token, RateMax: max(rate, -1)})
	if err != nil {
		b.Fatal(err)
	}
	var peak atomic.Uint64
	stop := make(chan struct{})
	go func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				metrics.Read(s)
				if v := s[0].Value.Uint64(); v > peak.Load() {
					peak.Store(v)
				}
			}
		}
	}()
	runtime.GC()
	b.ResetTimer()
	start := time.Now()
	total := 0
	for range b.N {
		n := 0
		err := c.WalkContacts(context.Background(), "", []string{"email", "firstname", "lastname", "lifecyclestage", "hs_lead_status", "total_revenue"}, func(p *hubspot.Page) error {
			n += len(p.Contacts)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if n != records {
			b.Fatalf("%d contacts, want %d", n, records)
		}
		total += n
	}
	el := time.Since(start)
	b.StopTimer()
	close(stop)
	perSec := float64(total) / el.Seconds()
	b.ReportMetric(perSec, "records/s")
	if rate > 0 {
		// A rolling window lets max requests through at once, then max per
		// 10 s: over el, at most max*(1+el/10s) requests.
		allowed := float64(rate) * 100 * (el.Seconds()/10 + 1) / el.Seconds()
		b.ReportMetric(100*perSec/allowed, "%limit")
		b.ReportMetric(100*perSec/(float64(rate)*10), "%steady")
	}
	b.ReportMetric(float64(peak.Load())/(1<<20), "peakheapMB")
	var throttled int
	for _, r := range f.Requests() {
		if r.Status == 429 {
			throttled++
		}
	}
	b.ReportMetric(float64(throttled), "429s_in_last_100")
}
