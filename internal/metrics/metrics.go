// Package metrics is Kizuna's Prometheus instrumentation: the request
// middleware, the engine's observer and the handler that serves them, all
// on a registry the caller creates and passes in (kizuna serve makes one per
// process; tests make their own). It holds no package-level state.
//
// Series:
//
//	kizuna_http_request_duration_seconds{route, status}  histogram; route is the ServeMux pattern ("POST /signin")
//	kizuna_signin_throttled_total                        sign-ins refused with 429
//	kizuna_previews_total{path}                          previews answered by "engine" or "sql"
//	kizuna_preview_duration_seconds{path}                histogram
//	kizuna_engine_index_builds_total{result}             "ok" or "failed"
//	kizuna_engine_index_build_duration_seconds           histogram
//	kizuna_engine_catchups_total                         catch-ups of an index with the change log
//	kizuna_engine_catchup_friends_total                  friends those catch-ups applied
//
// The job queue's series (jobs by kind and state, queue depth, oldest
// waiting job) belong here too when it lands: a field of Metrics each,
// registered in New, fed by an observer the queue calls.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/internal/statusrec"
)

// SigninRoute is the route whose 429 answers count as sign-in throttling.
const SigninRoute = "POST /signin"

// unmatched labels a request no route pattern served.
const unmatched = "unmatched"

// Metrics holds Kizuna's collectors, registered on one registry.
type Metrics struct {
	requests        *prometheus.HistogramVec
	signinThrottled prometheus.Counter
	previews        *prometheus.CounterVec
	previewSeconds  *prometheus.HistogramVec
	builds          *prometheus.CounterVec
	buildSeconds    prometheus.Histogram
	catchUps        prometheus.Counter
	catchUpFriends  prometheus.Counter
}

var _ engine.Observer = (*Metrics)(nil)

// requestBuckets reach from a warm engine preview (about a millisecond) to
// an import or a preview by SQL over millions of friends (minutes).
var requestBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 180}

// New registers Kizuna's collectors on reg and returns them.
func New(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kizuna_http_request_duration_seconds",
			Help:    "HTTP requests by route pattern and status, with their duration.",
			Buckets: requestBuckets,
		}, []string{"route", "status"}),
		signinThrottled: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kizuna_signin_throttled_total",
			Help: "Sign-ins refused with 429 because of too many attempts.",
		}),
		previews: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kizuna_previews_total",
			Help: "Previews answered, by path: the in-memory engine or SQL (while an index loads).",
		}, []string{"path"}),
		previewSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kizuna_preview_duration_seconds",
			Help:    "Time to answer a preview, by path.",
			Buckets: requestBuckets,
		}, []string{"path"}),
		builds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kizuna_engine_index_builds_total",
			Help: "Engine index builds (at start-up and after large writes), by result.",
		}, []string{"result"}),
		buildSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "kizuna_engine_index_build_duration_seconds",
			Help:    "Time to build an account's engine index.",
			Buckets: []float64{.01, .1, 1, 5, 10, 30, 60, 120, 300, 600},
		}),
		catchUps: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kizuna_engine_catchups_total",
			Help: "Catch-ups of an engine index with the database's change log.",
		}),
		catchUpFriends: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kizuna_engine_catchup_friends_total",
			Help: "Friends applied to engine indexes by catch-ups.",
		}),
	}
	reg.MustRegister(m.requests, m.signinThrottled, m.previews, m.previewSeconds, m.builds, m.buildSeconds, m.catchUps, m.catchUpFriends)
	for _, path := range []string{"engine", "sql"} { // present at 0 before the first preview
		m.previews.WithLabelValues(path)
	}
	for _, result := range []string{"ok", "failed"} {
		m.builds.WithLabelValues(result)
	}
	return m
}

// Handler serves the registry's metrics in Prometheus's formats.
func Handler(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{})
}

// Middleware records every request's route, status and duration. The route
// is the pattern of the http.ServeMux that served it, which the mux writes
// into the request it is given: next must hand the request it gets to its
// mux unchanged, or copy the pattern back (the API does). A request no
// pattern served is labelled "unmatched", so that scanning for paths cannot
// grow the number of series.
func (m *Metrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := statusrec.New(w)
		defer func() {
			status := rec.Status()
			route := r.Pattern
			if route == "" {
				route = unmatched
			}
			m.requests.WithLabelValues(route, strconv.Itoa(status)).Observe(time.Since(start).Seconds())
			if route == SigninRoute && status == http.StatusTooManyRequests {
				m.signinThrottled.Inc()
			}
		}()
		next.ServeHTTP(rec, r)
	})
}

// IndexBuilt implements engine.Observer.
func (m *Metrics) IndexBuilt(took time.Duration, err error) {
	if err != nil {
		m.builds.WithLabelValues("failed").Inc()
		return
	}
	m.builds.WithLabelValues("ok").Inc()
	m.buildSeconds.Observe(took.Seconds())
}

// CaughtUp implements engine.Observer.
func (m *Metrics) CaughtUp(c engine.CatchUp) {
	m.catchUps.Inc()
	m.catchUpFriends.Add(float64(c.Friends))
}

// Previewed implements engine.Observer.
func (m *Metrics) Previewed(path string, took time.Duration) {
	if path != "engine" {
		path = "sql" // the only other path; never a label from elsewhere
	}
	m.previews.WithLabelValues(path).Inc()
	m.previewSeconds.WithLabelValues(path).Observe(took.Seconds())
}
