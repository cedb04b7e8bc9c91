// Package api is Kizuna's JSON HTTP API, the route table for scripts and
// integrations. It speaks in domain terms: every handler parses the request,
// calls the kizuna.Store and writes the answer, and every failure is written
// by one function that maps the kizuna.Error code to an HTTP status.
//
// Routes, all under /api/v1 and all but healthz behind
// "Authorization: Bearer TOKEN", where TOKEN belongs to the account that
// {account} names:
//
//	POST /api/v1/accounts/{account}/friends/import       NDJSON friends (spec 5); ?skip_invalid=true
//	POST /api/v1/accounts/{account}/preview              {"filter", "now"?, "lang"?} -> spec 6 object
//	PUT  /api/v1/accounts/{account}/catalog              catalog document (spec 7) -> stored catalog
//	GET  /api/v1/accounts/{account}/friends/{line_user_id}
//	GET  /api/v1/accounts/{account}/tags                 {"tags": [...]}
//	GET  /api/v1/healthz                                 {"status": "ok"}, no token
//
// Request bodies: preview and catalog take application/json; an import takes
// NDJSON as application/x-ndjson or application/jsonl, and also
// application/json and text/plain, which is what curl users send. Media type
// parameters are allowed, but a charset must be UTF-8 and the body must not
// be compressed; anything else is 415. A JSON body may be MaxJSONBytes long
// and an import MaxImportBytes; a longer one is 413 and changes nothing.
//
// Every error has one shape:
//
//	{"error": {"code": "...", "message": "...", "path": "..."}}
//
// where path is present only when the error names a place in the input, and
// request_id is added for internal errors (500), whose cause is logged and
// never shown.
package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/agent"
	"github.com/kizuna-line/kizuna/internal/statusrec"
	"github.com/kizuna-line/kizuna/lineops"
	"github.com/kizuna-line/kizuna/sources"
)

// Body limits used by New.
const (
	// DefaultMaxImportBytes bounds an NDJSON import body (1 GiB): room for
	// about a million friends at 1 KB a line, and still a bound on what one
	// request may make the server read.
	DefaultMaxImportBytes int64 = 1 << 30
	// DefaultMaxJSONBytes bounds a JSON request body (1 MiB), many times the
	// size of a filter at spec 2's limits of 20 groups of 20 conditions.
	DefaultMaxJSONBytes int64 = 1 << 20
)

// Server is the JSON API. Its fields are read on every request, so they must
// not change once Handler is serving; a zero limit means the default.
type Server struct {
	Store  kizuna.Store
	Logger *slog.Logger
	// Line does what needs LINE; nil: those routes answer 503.
	Line *lineops.Service
	// Sources connects and syncs Shopify, HubSpot and Klaviyo; nil: PUT
	// connections and their syncs answer 503.
	Sources *sources.Service
	// Agent answers the agent's proposals; nil: its routes answer 503.
	Agent *agent.Service
	// MaxImportBytes is the largest import body accepted; a larger one is
	// answered 413 and imports nothing.
	MaxImportBytes int64
	// MaxJSONBytes is the largest JSON body (preview, catalog) accepted.
	MaxJSONBytes int64
	// MaxImports and MaxImportsPerAccount bound the imports in progress, in
	// total and per account; more are refused with 429 and Retry-After.
	MaxImports, MaxImportsPerAccount int
	// TempDir is where import bodies are spooled; "" is os.TempDir().
	TempDir string

	importSlots *importSlots
}

// New returns a Server over store that logs to logger, with the default body
// limits.
func New(store kizuna.Store, logger *slog.Logger) *Server {
	return &Server{Store: store, Logger: logger, MaxImportBytes: DefaultMaxImportBytes, MaxJSONBytes: DefaultMaxJSONBytes,
		MaxImports: DefaultMaxImports, MaxImportsPerAccount: DefaultMaxImportsPerAccount}
}

// Handler returns all routes, wrapped so that every response carries an
// X-Request-ID, every request is logged in one line, and a panic becomes a 500
// in the error shape instead of a dropped connection.
func (s *Server) Handler() http.Handler {
	if s.importSlots == nil {
		s.importSlots = &importSlots{byAccount: map[int64]int{}}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/healthz", s.healthz)
	mux.Handle("POST /api/v1/accounts/{account}/friends/import", s.account(s.importFriends))
	mux.Handle("POST /api/v1/accounts/{account}/preview", s.account(s.preview))
	mux.Handle("PUT /api/v1/accounts/{account}/catalog", s.account(s.putCatalog))
	mux.Handle("GET /api/v1/accounts/{account}/friends/{line_user_id}", s.account(s.friend))
	mux.Handle("DELETE /api/v1/accounts/{account}/friends/{line_user_id}", s.account(s.deleteFriend))
	mux.Handle("POST /api/v1/accounts/{account}/friends/tags", s.account(s.tagFriends))
	mux.Handle("GET /api/v1/accounts/{account}/tags", s.account(s.tags))
	s.segmentRoutes(mux)
	s.memberRoutes(mux)
	s.broadcastRoutes(mux)
	s.lineRoutes(mux)
	s.integrationRoutes(mux)
	s.agentRoutes(mux)
	return s.middleware(s.fallback(mux))
}

// fallback sends what the mux would answer in plain text (no route: 404;
// route without this method: 405 with Allow) in the error shape instead.
func (s *Server) fallback(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r) // ServeHTTP, not h, so that PathValue works
			return
		}
		r.Pattern = "" // no route served it, whatever pattern led here
		// The mux decides between 404 and 405 (and computes Allow) only
		// inside its fallback handler, so ask it on a scratch writer.
		probe := &probeWriter{header: http.Header{}}
		h.ServeHTTP(probe, r)
		if probe.status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", probe.header.Get("Allow"))
			s.fail(w, r, kizuna.Errorf(codeMethodNotAllowed, "%s is not allowed here; use %s", r.Method, probe.header.Get("Allow")))
			return
		}
		s.fail(w, r, kizuna.Errorf(kizuna.ENOTFOUND, "no API endpoint at %q", r.URL.Path))
	})
}

// probeWriter records what a handler would answer and discards it.
type probeWriter struct {
	header http.Header
	status int
}

func (p *probeWriter) Header() http.Header { return p.header }
func (p *probeWriter) WriteHeader(status int) {
	if p.status == 0 {
		p.status = status
	}
}
func (p *probeWriter) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	return len(b), nil
}

type requestIDKey struct{}

// requestID returns the ID that middleware gave the request.
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// middleware gives each request an ID, logs it in one line (never its
// Authorization header, query or body) and turns a panic into a 500.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		b := make([]byte, 8)
		rand.Read(b) // never fails (crypto/rand)
		id := hex.EncodeToString(b)
		outer := r
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
		// The mux writes the route's pattern into the request it serves, this
		// copy; give it back to the caller's, as a ServeMux would, so that
		// middleware around the API (metrics) can label the request by route
		// ("" when no route matched).
		defer func() { outer.Pattern = r.Pattern }()
		w.Header().Set("X-Request-ID", id)
		rec := statusrec.New(w)
		defer func() {
			v := recover()
			if v != nil && v != http.ErrAbortHandler {
				if !rec.Started() {
					s.fail(rec, r, fmt.Errorf("panic: %v\n%s", v, debug.Stack()))
				} else {
					s.logger().ErrorContext(r.Context(), "panic after the response started", "request_id", id, "panic", v, "stack", string(debug.Stack()))
				}
			}
			s.logger().LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", rec.Status()),
				slog.Duration("duration", time.Since(start)),
				slog.String("request_id", id))
			if v == http.ErrAbortHandler {
				panic(v) // the server's way to abort the response; let it
			}
		}()
		next.ServeHTTP(rec, r)
	})
}

func (s *Server) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

func (s *Server) maxImportBytes() int64 {
	if s.MaxImportBytes > 0 {
		return s.MaxImportBytes
	}
	return DefaultMaxImportBytes
}

func (s *Server) maxJSONBytes() int64 {
	if s.MaxJSONBytes > 0 {
		return s.MaxJSONBytes
	}
	return DefaultMaxJSONBytes
}
