// Package shopifyfake is a fake Shopify Admin API for tests, the demo and
// `kizuna fake shopify`: the GraphQL reads Kizuna makes (routed by
// operation name, not a GraphQL engine), bulk operations with their JSONL,
// the REST customers and checkouts lists, the cost bucket on an injectable
// clock, fault injection, a record of requests, and signed webhooks for
// the changes made through it (orders, tags, carts), with replay.
package shopifyfake

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Defaults of Config.
const (
	DefaultAPIVersion  = "2026-07"
	DefaultShopDomain  = "kizuna-fake.myshopify.com"
	DefaultNamespace   = "line"
	DefaultKey         = "user_id"
	DefaultBucket      = 2000.0
	DefaultRestoreRate = 100.0
	DefaultBulkPolls   = 2
	DefaultMaxDepth    = 25000
)

// Routes, for InjectFault and Requests.
const (
	RouteGraphQL   = "graphql"
	RouteBulkFile  = "bulk-file"
	RouteCustomers = "rest-customers"
	RouteCheckouts = "rest-checkouts"
)

// Config configures a fake shop. Zero values take the defaults.
type Config struct {
	ShopDomain    string
	AccessToken   string // the token the fake accepts
	WebhookSecret string // signs webhooks
	WebhookURL    string // where webhooks go; empty keeps them unsent
	// APIVersion is what the fake answers in X-Shopify-API-Version when a
	// request's path names no version it knows, and what webhooks carry.
	APIVersion string
	// Namespace and Key name the customer metafield holding the LINE user
	// ID (default line / user_id).
	Namespace, Key string
	// Bucket and RestoreRate are the GraphQL cost bucket's size and its
	// points restored a second (defaults 2000 and 100, a Standard shop).
	Bucket, RestoreRate float64
	// ThrottleStatus is the HTTP status of a THROTTLED answer: 200 (the
	// default) or 429; Shopify's documentation says both.
	ThrottleStatus int
	// RESTRate is the REST leaky bucket's calls a second (default 2, a
	// bucket of 40).
	RESTRate float64
	// MaxDepth caps how many objects one paged list reads (default
	// 25,000, as Shopify's; negative: no cap): past it, the query must be
	// narrowed by updated_at.
	MaxDepth int
	// BulkPolls is how many polls a bulk operation stays unfinished
	// (default 2); BulkDuration, when set, finishes it once the clock has
	// moved that far instead.
	BulkPolls    int
	BulkDuration time.Duration
	// Now is the clock of rate limits, updated_at times and bulk
	// operations (default time.Now).
	Now func() time.Time
	// HTTPClient sends webhooks (default a 5 s timeout, as Shopify's).
	HTTPClient *http.Client
	// FailRate is the chance that a request fails with a 500; Seed seeds
	// the draws.
	FailRate float64
	Seed     uint64
}

// Fake is a fake shop. It is an http.Handler and safe for concurrent use.
type Fake struct {
	cfg   Config
	mux   *http.ServeMux
	close sync.Once
	stop  chan struct{}

	mu         sync.Mutex
	st         *store
	faults     map[string][]Fault
	requests   []Request
	available  float64
	filledAt   time.Time
	restUsed   float64
	restAt     time.Time
	bulk       map[string]*bulkOp
	bulkSeq    int64
	current    string
	deliveries []*Delivery
	mode       Mode
	held       []*Delivery
	rnd        *rand.Rand
	seq        int64
	record     bool
}

// Request is one request the fake received.
type Request struct {
	Route     string      `json:"route"`
	Method    string      `json:"method"`
	Path      string      `json:"path"`
	Operation string      `json:"operation,omitempty"`
	Header    http.Header `json:"-"`
	Body      []byte      `json:"-"`
	Status    int         `json:"status"`
	At        time.Time   `json:"at"`
}

// New returns an empty shop.
func New(cfg Config) *Fake {
	if cfg.ShopDomain == "" {
		cfg.ShopDomain = DefaultShopDomain
	}
	if cfg.APIVersion == "" {
		cfg.APIVersion = DefaultAPIVersion
	}
	if cfg.Namespace == "" {
		cfg.Namespace = DefaultNamespace
	}
	if cfg.Key == "" {
		cfg.Key = DefaultKey
	}
	if cfg.Bucket == 0 {
		cfg.Bucket = DefaultBucket
	}
	if cfg.RestoreRate == 0 {
		cfg.RestoreRate = DefaultRestoreRate
	}
	if cfg.ThrottleStatus == 0 {
		cfg.ThrottleStatus = http.StatusOK
	}
	if cfg.RESTRate == 0 {
		cfg.RESTRate = 2
	}
	if cfg.MaxDepth == 0 {
		cfg.MaxDepth = DefaultMaxDepth
	}
	if cfg.BulkPolls == 0 {
		cfg.BulkPolls = DefaultBulkPolls
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 5 * time.Second}
	}
	f := &Fake{
		cfg: cfg, stop: make(chan struct{}), st: newStore(),
		faults: map[string][]Fault{}, bulk: map[string]*bulkOp{},
		available: cfg.Bucket, filledAt: cfg.Now(), restAt: cfg.Now(),
		rnd:    rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x5bd1e995)),
		record: true,
	}
	m := http.NewServeMux()
	m.HandleFunc("POST /admin/api/{version}/graphql.json", f.api(RouteGraphQL, f.graphqlAnswer))
	m.HandleFunc("GET /admin/api/{version}/customers.json", f.api(RouteCustomers, f.restCustomersAnswer))
	m.HandleFunc("GET /admin/api/{version}/checkouts.json", f.api(RouteCheckouts, f.restCheckoutsAnswer))
	m.HandleFunc("GET /fake/bulk/{id}", f.api(RouteBulkFile, f.bulkFileAnswer))
	f.adminRoutes(m)
	f.mux = m
	return f
}

// ServeHTTP serves the Admin API and the fake's /fake/ routes.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) { f.mux.ServeHTTP(w, r) }

// Close releases requests held by a fault's delay.
func (f *Fake) Close() { f.close.Do(func() { close(f.stop) }) }

// Config returns the fake's configuration, defaults filled.
func (f *Fake) Config() Config { return f.cfg }

// SetRecording turns the record of requests on or off (benchmarks turn
// it off: a million pages would be kept).
func (f *Fake) SetRecording(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record = on
}

// Requests returns the requests received so far.
func (f *Fake) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), f.requests...)
}

// SetWebhookURL sets where webhooks go.
func (f *Fake) SetWebhookURL(u string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cfg.WebhookURL = u
}

func (f *Fake) now() time.Time { return f.cfg.Now() }

// call is one request being answered.
type call struct {
	r       *http.Request
	body    []byte
	version string
	op      string // the GraphQL operation, when known
}

// answer is what a handler returns: a JSON body or a stream.
type answer struct {
	status int
	header http.Header
	body   any
	stream func(io.Writer) // written instead of body
}

func jsonAnswer(status int, body any) answer { return answer{status: status, body: body} }

// restError is the REST errors shape.
func restError(status int, msg string) answer {
	return jsonAnswer(status, map[string]string{"errors": msg})
}

// MsgUnauthorized is the REST 401 errors string.
const MsgUnauthorized = "[API] Invalid API key or access token (unrecognized login or wrong password)"

// api wraps a route: record, auth, faults, the answer.
func (f *Fake) api(route string, h func(*call) answer) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		c := &call{r: r, body: body, version: r.PathValue("version")}
		if route == RouteGraphQL {
			c.op = operationOf(body)
		}
		version := c.version
		if !knownVersion(version) {
			version = f.cfg.APIVersion
		}
		w.Header().Set("X-Shopify-API-Version", version)
		w.Header().Set("X-Request-Id", f.requestID())
		a, ft := f.answer(route, c, h)
		if ft != nil && ft.Delay > 0 {
			select {
			case <-time.After(ft.Delay):
			case <-r.Context().Done():
				return
			case <-f.stop:
				return
			}
		}
		if ft != nil && ft.Drop {
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					return
				}
			}
			panic(http.ErrAbortHandler)
		}
		for k, v := range a.header {
			w.Header()[k] = v
		}
		f.log(route, c, a.status)
		if a.stream != nil {
			w.Header().Set("Content-Type", "application/jsonl")
			w.WriteHeader(a.status)
			a.stream(w)
			return
		}
		writeJSON(w, a.status, a.body)
	}
}

// answer decides a call's answer under the lock; a fault may override it.
func (f *Fake) answer(route string, c *call, h func(*call) answer) (answer, *Fault) {
	f.mu.Lock()
	ft := f.nextFault(route)
	if ft == nil && f.cfg.FailRate > 0 && f.rnd.Float64() < f.cfg.FailRate {
		ft = &Fault{Status: http.StatusInternalServerError}
	}
	f.mu.Unlock()
	if ft != nil && !ft.delayOnly() {
		return ft.answer(), ft
	}
	if route != RouteBulkFile && c.r.Header.Get("X-Shopify-Access-Token") != f.cfg.AccessToken {
		return restError(http.StatusUnauthorized, MsgUnauthorized), ft
	}
	return h(c), ft
}

func (f *Fake) log(route string, c *call, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.record {
		return
	}
	f.requests = append(f.requests, Request{
		Route: route, Method: c.r.Method, Path: c.r.URL.RequestURI(), Operation: c.op,
		Header: c.r.Header.Clone(), Body: c.body, Status: status, At: f.now(),
	})
}

func (f *Fake) requestID() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	return "fake-" + itoa(f.seq)
}

func knownVersion(v string) bool {
	if len(v) != 7 || v[4] != '-' {
		return false
	}
	switch v[5:] {
	case "01", "04", "07", "10":
		return v >= "2025-01"
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		status, b = http.StatusInternalServerError, *bytes.NewBufferString(`{"errors":"Internal error"}`)
	}
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
