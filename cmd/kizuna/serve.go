package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/kizuna-line/kizuna/api"
	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/sqlstore"
	"github.com/kizuna-line/kizuna/web"
)

// DefaultAddr is where serve and demo listen unless told otherwise.
const DefaultAddr = "127.0.0.1:8080"

// serve: kizuna serve [--addr ADDR].
func (c *cmd) serve(ctx context.Context, args []string) error {
	fs, db := c.flags("serve")
	addr := fs.String("addr", DefaultAddr, "listen address")
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
	return c.serveOn(ctx, ln, store)
}

// serveOn serves the API on ln until ctx ends, then shuts down gracefully so
// that requests in flight (an import, say) finish and commit. Previews come
// from the in-memory engine once an account's index is built; every
// account's build starts now, and previews use SQL until it is ready.
func (c *cmd) serveOn(ctx context.Context, ln net.Listener, store *sqlstore.DB) error {
	logger := slog.New(slog.NewTextHandler(c.stderr, nil))
	eng := engine.New(store, store, logger)
	defer eng.Stop()
	accounts, err := store.Accounts(ctx)
	if err != nil {
		return err
	}
	for _, a := range accounts {
		eng.Load(a)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", api.New(eng, logger).Handler())
	mux.Handle("/", web.New(eng, store, logger).Handler())
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
