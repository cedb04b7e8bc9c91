package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/kizuna-line/kizuna/agent"
	"github.com/kizuna-line/kizuna/api"
	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/internal/metrics"
	"github.com/kizuna-line/kizuna/jobs"
	"github.com/kizuna-line/kizuna/lineops"
	"github.com/kizuna-line/kizuna/sources"
	"github.com/kizuna-line/kizuna/sqlstore"
	"github.com/kizuna-line/kizuna/web"
)

// DefaultAddr is where serve and demo listen unless told otherwise.
const DefaultAddr = "127.0.0.1:8080"

// Server limits used unless flags say otherwise. docs/decisions.md says why.
const (
	// DefaultBodyIdleTimeout is the longest wait for the next bytes of a
	// request body: a client that sends nothing for this long is cut off.
	// It is renewed while bytes arrive, so a large upload on a slow line
	// still finishes.
	DefaultBodyIdleTimeout = 30 * time.Second
	// DefaultBodyMinRate is the average rate a request body must keep up
	// once it has taken longer than the idle timeout (16 KiB/s, 128 kbit/s):
	// a slow line uploads a large file faster, and a client that trickles a
	// byte now and then to hold an import slot is cut off.
	DefaultBodyMinRate = 16 << 10
	// DefaultRequestTimeout bounds a request other than an import, reading
	// included. It is long because a preview by SQL over ten million friends
	// (before the account's index is loaded) takes minutes on SQLite.
	DefaultRequestTimeout = 5 * time.Minute
	// DefaultImportTimeout bounds an import, upload and write together: a
	// 1 GiB file is about a million friends, which PostgreSQL imports in
	// about 90 s and SQLite in about 50 s once the body has arrived.
	DefaultImportTimeout = time.Hour
)

// serveConfig is how serveWith serves; zero fields take the defaults.
type serveConfig struct {
	BodyIdleTimeout time.Duration
	BodyMinRate     int64 // bytes a second
	RequestTimeout  time.Duration
	ImportTimeout   time.Duration
	// MetricsAddr, when set, is where Prometheus metrics are served, on a
	// listener of their own: never on the public address.
	MetricsAddr string
	// Metrics is the listener for MetricsAddr, opened by the caller (tests
	// listen on port 0 and need the address); nil means listen on MetricsAddr.
	Metrics net.Listener
	// API configures the API server further (tests set its limits).
	API func(*api.Server)
	// PublicURL is the address LINE reaches this server at; connecting a
	// channel registers its webhook URL under it with LINE. HubSpot's
	// webhook signatures cover the URL it called, under this address.
	PublicURL string
	// Jobs configures the job engine (sending, syncing); Jobs.Workers,
	// JobTimeout and RescueAfter come from flags.
	Jobs jobs.Config
	// LineHTTP is the HTTP client of LINE calls (nil: the default).
	LineHTTP *http.Client
	// Extra mounts more routes (the demo's fake LINE).
	Extra func(*http.ServeMux)
}

func (sc *serveConfig) defaults() {
	if sc.BodyIdleTimeout <= 0 {
		sc.BodyIdleTimeout = DefaultBodyIdleTimeout
	}
	if sc.BodyMinRate <= 0 {
		sc.BodyMinRate = DefaultBodyMinRate
	}
	if sc.RequestTimeout <= 0 {
		sc.RequestTimeout = DefaultRequestTimeout
	}
	if sc.ImportTimeout <= 0 {
		sc.ImportTimeout = DefaultImportTimeout
	}
}

// serveFlags adds the flags of serveConfig to fs.
func serveFlags(fs *flag.FlagSet, sc *serveConfig) {
	fs.StringVar(&sc.MetricsAddr, "metrics-addr", "", "serve Prometheus metrics at http://ADDR/metrics (off when empty)")
	fs.DurationVar(&sc.BodyIdleTimeout, "body-idle-timeout", DefaultBodyIdleTimeout, "cut off a request body when nothing arrives for this long")
	fs.DurationVar(&sc.RequestTimeout, "request-timeout", DefaultRequestTimeout, "deadline of a request other than an import")
	fs.DurationVar(&sc.ImportTimeout, "import-timeout", DefaultImportTimeout, "deadline of an import, upload included")
	fs.StringVar(&sc.PublicURL, "public-url", "", "the address LINE and HubSpot reach this server at (https://…); connecting a channel registers its webhook URL with LINE, and HubSpot's webhook signatures cover it")
	fs.IntVar(&sc.Jobs.Workers, "job-workers", 16, "LINE sends this process makes at once")
	fs.DurationVar(&sc.Jobs.JobTimeout, "job-timeout", 2*time.Minute, "deadline of one background job (a batch of a broadcast)")
	fs.DurationVar(&sc.Jobs.RescueAfter, "job-rescue-after", 3*time.Minute, "a job running this long is taken for one whose process died, and retried (with the same LINE retry key)")
	fs.DurationVar(&sc.Jobs.PollEvery, "poll-every", jobs.DefaultPollEvery, "poll every connected Shopify, HubSpot and Klaviyo source this often")
	fs.DurationVar(&sc.Jobs.ReconcileEvery, "reconcile-every", jobs.DefaultReconcileEvery, "read every connected source whole again this often, to repair drift")
}

// serve: kizuna serve [--addr ADDR] [--metrics-addr ADDR] [timeouts].
func (c *cmd) serve(ctx context.Context, args []string) error {
	fs, db := c.flags("serve")
	addr := fs.String("addr", DefaultAddr, "listen address")
	var sc serveConfig
	serveFlags(fs, &sc)
	if _, err := c.parse(fs, args, 0, 0, "no positional arguments"); err != nil {
		return err
	}
	store, err := c.open(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "Kizuna is serving the API at http://%s/api/v1 (%s)\n", ln.Addr(), store.Dialect())
	return c.serveWith(ctx, ln, store, sc)
}

// serveOn serves on ln with the default limits and no metrics.
func (c *cmd) serveOn(ctx context.Context, ln net.Listener, store *sqlstore.DB) error {
	return c.serveWith(ctx, ln, store, serveConfig{})
}

// serveWith serves the API and the web application on ln until ctx ends,
// then shuts down gracefully so that requests in flight (an import, say)
// finish and commit. Previews come from the in-memory engine once an
// account's index is built; every account's build starts now, and previews
// use SQL until it is ready (/readyz says when all are).
func (c *cmd) serveWith(ctx context.Context, ln net.Listener, store *sqlstore.DB, sc serveConfig) error {
	sc.defaults()
	logger := slog.New(slog.NewTextHandler(c.stderr, nil))
	eng := engine.New(store, store, logger)
	defer eng.Stop()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := metrics.New(reg)
	eng.SetObserver(m)

	accounts, err := store.Accounts(ctx)
	if err != nil {
		return err
	}
	for _, a := range accounts {
		eng.Load(a)
	}
	// Background work: River's tables, then its workers (sending,
	// syncing), shared with every other process on the database.
	if err := jobs.Migrate(ctx, store.WriteDB(), store.Dialect()); err != nil {
		return err
	}
	line := &lineops.Service{Store: eng, Reacher: eng, NewAPI: lineops.SDK(sc.LineHTTP), PublicURL: sc.PublicURL, Logger: logger}
	jc := sc.Jobs
	jc.DB, jc.Dialect, jc.Store, jc.Reacher, jc.Logger = store.WriteDB(), store.Dialect(), eng, eng, logger
	jc.Connect = lineops.Jobs(line.NewAPI)
	jc.SourceStore, jc.Sources = eng, sources.For(sources.Options{})
	work, err := jobs.New(jc)
	if err != nil {
		return err
	}
	line.Jobs = work
	if err := work.Start(ctx); err != nil {
		return err
	}
	defer func() {
		stop, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		work.Stop(stop)
	}()

	srcs := &sources.Service{Store: store, Syncs: work}
	ag := &agent.Service{Store: eng, Counts: eng, Blocked: eng, Quota: line.Quota}
	if ag.Model, err = agent.ModelFromEnv(c.getenv, nil); err != nil {
		return err
	}
	apiServer := api.New(eng, logger)
	apiServer.Agent = ag
	apiServer.Line = line
	apiServer.Sources = srcs
	if sc.API != nil {
		sc.API(apiServer)
	}
	webServer := web.New(eng, store, logger)
	webServer.Line = line
	webServer.Sources = srcs
	webServer.Agent = ag
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", healthz)
	mux.Handle("GET /readyz", readyz(eng))
	mux.Handle("/api/", apiServer.Handler())
	mux.Handle("POST /line/webhook/{account}", line.Webhook())
	hooks := &sources.Webhooks{Store: eng, PublicURL: sc.PublicURL, Logger: logger}
	mux.Handle("POST /shopify/webhook/{account}", hooks.Shopify())
	mux.Handle("POST /hubspot/webhook/{account}", hooks.HubSpot())
	if sc.Extra != nil {
		sc.Extra(mux)
	}
	mux.Handle("/", webServer.Handler())
	srv := &http.Server{
		Handler: sc.deadlines(m.Middleware(mux)),
		// Headers must arrive in time; bodies are bounded by deadlines, which
		// renews the read deadline while bytes arrive (no ReadTimeout: it
		// would cut a large upload on a slow line).
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	servers := []*http.Server{srv}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	if sc.MetricsAddr != "" || sc.Metrics != nil {
		mln := sc.Metrics
		if mln == nil {
			if mln, err = net.Listen("tcp", sc.MetricsAddr); err != nil {
				srv.Close()
				return fmt.Errorf("metrics: %w", err)
			}
		}
		mmux := http.NewServeMux()
		mmux.Handle("GET /metrics", metrics.Handler(reg))
		msrv := &http.Server{Handler: mmux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute}
		servers = append(servers, msrv)
		logger.Info("serving metrics", "url", "http://"+mln.Addr().String()+"/metrics")
		go func() { errc <- msrv.Serve(mln) }()
	}
	select {
	case err := <-errc:
		for _, s := range servers {
			s.Close()
		}
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, s := range servers {
		if err := s.Shutdown(shutdown); err != nil {
			return err
		}
	}
	for range servers {
		if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	return nil
}
