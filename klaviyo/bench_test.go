package klaviyo_test

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna/internal/klaviyofake"
	"github.com/kizuna-line/kizuna/klaviyo"
)

// BenchmarkBackfill reads every generated profile (200,000, or
// KLAVIYO_BENCH_RECORDS) through the client at Klaviyo's profile limits
// (75/s burst, 750/min steady, 100 a page) on a virtual clock: the
// client's waits move the clock instead of taking time. It reports the
// records a virtual second against what the limit allows (1,250/s), the
// share of each full steady window the client used (the last, partial
// window left out: a pass ends anywhere in it), the 429s it met, the real
// throughput, the fake's heap and the backfill's peak live heap beyond it.
func BenchmarkBackfill(b *testing.B) {
	n := 200_000
	if v, err := strconv.Atoi(os.Getenv("KLAVIYO_BENCH_RECORDS")); err == nil && v > 0 {
		n = v
	}
	e := newEnv(b, klaviyofake.Config{})
	e.fake.Generate(n, 42)
	c := e.client(b, testKey)
	var base runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&base)
	lim := klaviyofake.DefaultLimits()[klaviyofake.RouteProfiles]
	allowed := float64(lim.Steady) * klaviyo.ProfilesPageMax / 60
	b.ResetTimer()
	var virtual, real, sampling time.Duration
	var peak uint64
	used, windows, throttled := 0, 0, 0
	for range b.N {
		e.fake.ResetRequests()
		// Each pass starts on a fresh minute, as a backfill would start
		// anywhere in one.
		e.clock.Advance(time.Minute)
		startV, startR := e.clock.Now(), time.Now()
		got, pages := 0, 0
		err := c.Profiles(context.Background(), klaviyo.ProfileQuery{}, "", func(p *klaviyo.ProfilePage) error {
			got += len(p.Profiles)
			if pages++; pages%250 == 0 {
				t := time.Now()
				var m runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapAlloc-min(m.HeapAlloc, base.HeapAlloc))
				sampling += time.Since(t)
			}
			return nil
		})
		if err != nil || got != n {
			b.Fatalf("read %d of %d: %v", got, n, err)
		}
		virtual += e.clock.Now().Sub(startV)
		real += time.Since(startR) - sampling
		sampling = 0
		perWindow := map[time.Time]int{}
		var last time.Time
		for _, r := range e.fake.Requests() {
			switch {
			case r.Route != klaviyofake.RouteProfiles:
			case r.Status == 429:
				throttled++
			case r.Status == 200:
				w := r.At.Truncate(time.Minute)
				perWindow[w]++
				if w.After(last) {
					last = w
				}
			}
		}
		for w, k := range perWindow {
			if w != last {
				used += k
				windows++
			}
		}
	}
	vrate := float64(n*b.N) / virtual.Seconds()
	b.ReportMetric(vrate, "records/virtual-s")
	b.ReportMetric(100*vrate/allowed, "%-of-limit(elapsed)")
	if windows > 0 {
		b.ReportMetric(100*float64(used)/float64(windows*lim.Steady), "%-of-full-windows")
	}
	b.ReportMetric(float64(throttled)/float64(b.N), "429s/pass")
	b.ReportMetric(float64(n*b.N)/real.Seconds(), "records/real-s")
	b.ReportMetric(float64(base.HeapAlloc)/1e6, "fake-heap-MB")
	b.ReportMetric(float64(peak)/1e6, "peak-extra-heap-MB")
}
