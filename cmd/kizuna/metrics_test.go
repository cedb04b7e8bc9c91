package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

// scrape reads the metrics endpoint and returns the value of each series,
// keyed by the series as written ("name{label=\"value\",...}").
func scrape(t *testing.T, ctx context.Context, addr string) map[string]float64 {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+addr+"/metrics", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", resp.StatusCode, body)
	}
	series := map[string]float64{}
	for _, line := range strings.Split(string(body), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		series[line[:i]] = v
	}
	return series
}

// TestMetrics serves with --metrics-addr, makes requests of every kind the
// metrics count, and checks the series and their labels on the metrics
// address, and that the public address does not serve them.
func TestMetrics(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			mln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ts := startServer(t, backend, serveConfig{Metrics: mln})
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			ts.waitReady(t, ctx)

			if status, body, err := ts.api(ctx, "shop", "POST", "/preview", `{"filter":`+vipFilter+`}`); err != nil || status != http.StatusOK || !strings.Contains(body, `"answered_by":"engine"`) {
				t.Fatalf("preview: %d %s %v", status, body, err)
			}
			if status, _, _ := ts.api(ctx, "shop", "GET", "/friends/U00000000000000000000000000000404", ""); status != http.StatusNotFound {
				t.Fatalf("unknown friend: %d", status)
			}
			if status, _, _ := ts.api(ctx, "shop", "GET", "/no/such/route", ""); status != http.StatusNotFound {
				t.Fatalf("unknown route: %d", status)
			}
			if status, body, err := ts.api(ctx, "shop", "POST", "/friends/tags", tagBody); err != nil || status != http.StatusOK {
				t.Fatalf("tag write: %d %s %v", status, body, err)
			}
			// Wrong passwords until the sign-in is throttled.
			throttled := false
			for range 30 {
				status, err := ts.signin(ctx, "wrong password!!")
				if err != nil {
					t.Fatal(err)
				}
				if status == http.StatusTooManyRequests {
					throttled = true
					break
				}
			}
			if !throttled {
				t.Fatal("30 wrong passwords were never throttled")
			}
			resp, err := http.Get(ts.url + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				t.Error("the public address serves /metrics")
			}

			got := scrape(t, ctx, mln.Addr().String())
			atLeast := func(series string, min float64) {
				t.Helper()
				if v, ok := got[series]; !ok || v < min {
					t.Errorf("%s = %v (present %v), want at least %v", series, v, ok, min)
				}
			}
			atLeast(`kizuna_http_request_duration_seconds_count{route="POST /api/v1/accounts/{account}/preview",status="200"}`, 1)
			atLeast(`kizuna_http_request_duration_seconds_bucket{route="POST /api/v1/accounts/{account}/preview",status="200",le="+Inf"}`, 1)
			atLeast(`kizuna_http_request_duration_seconds_count{route="GET /api/v1/accounts/{account}/friends/{line_user_id}",status="404"}`, 1)
			atLeast(`kizuna_http_request_duration_seconds_count{route="POST /api/v1/accounts/{account}/friends/tags",status="200"}`, 1)
			atLeast(`kizuna_http_request_duration_seconds_count{route="unmatched",status="404"}`, 1)
			atLeast(`kizuna_http_request_duration_seconds_count{route="GET /signin",status="200"}`, 1)
			atLeast(`kizuna_http_request_duration_seconds_count{route="POST /signin",status="429"}`, 1)
			atLeast(`kizuna_http_request_duration_seconds_count{route="GET /readyz",status="200"}`, 1)
			atLeast(`kizuna_signin_throttled_total`, 1)
			atLeast(`kizuna_previews_total{path="engine"}`, 1)
			atLeast(`kizuna_preview_duration_seconds_count{path="engine"}`, 1)
			atLeast(`kizuna_engine_index_builds_total{result="ok"}`, 1)
			atLeast(`kizuna_engine_index_build_duration_seconds_count`, 1)
			atLeast(`kizuna_engine_catchups_total`, 1)
			atLeast(`kizuna_engine_catchup_friends_total`, 1)
			atLeast(`go_goroutines`, 1)
			// Requests are labelled by pattern, never by path: no account
			// name, friend ID or unknown path becomes a label.
			route := regexp.MustCompile(`route="([^"]*)"`)
			for s := range got {
				if m := route.FindStringSubmatch(s); m != nil && (strings.Contains(m[1], "shop") || strings.Contains(m[1], "U000") || strings.Contains(m[1], "no/such")) {
					t.Errorf("a request is labelled by its path: %s", s)
				}
			}
			if got[`kizuna_previews_total{path="sql"}`] != 0 {
				t.Errorf("previews by SQL counted after the index was ready: %v", got[`kizuna_previews_total{path="sql"}`])
			}
		})
	}
}

// TestHealthAndReady checks /healthz and /readyz over an engine whose index
// build is held back: 503 naming the loading account (by ID) until the
// index is built, then 200.
func TestHealthAndReady(t *testing.T) {
	ctx := context.Background()
	store := testdb.Open(t, "sqlite")
	a, err := store.CreateAccount(ctx, "shop", kizuna.DefaultTimeZone)
	if err != nil {
		t.Fatal(err)
	}
	gate := make(chan struct{})
	eng := engine.New(store, heldScanner{FactsScanner: store, gate: gate}, slog.New(slog.DiscardHandler))
	defer eng.Stop()

	rec := httptest.NewRecorder()
	healthz(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"ok"`) {
		t.Errorf("healthz: %d %s", rec.Code, rec.Body)
	}
	ready := func() (int, map[string]any) {
		rec := httptest.NewRecorder()
		readyz(eng).ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("readyz body %q: %v", rec.Body, err)
		}
		return rec.Code, body
	}
	if code, body := ready(); code != http.StatusOK {
		t.Errorf("readyz with no account asked for: %d %v", code, body)
	}
	eng.Load(a)
	code, body := ready()
	loading, _ := body["loading"].([]any)
	if code != http.StatusServiceUnavailable || body["status"] != "loading" || len(loading) != 1 {
		t.Fatalf("readyz while the index loads: %d %v", code, body)
	}
	if l := loading[0].(map[string]any); l["account_id"] != float64(a.ID) || l["state"] != "loading" {
		t.Errorf("readyz's loading account: %v", l)
	}
	if strings.Contains(strings.ToLower(jsonString(body)), "shop") {
		t.Errorf("readyz tells strangers an account's name: %v", body)
	}
	close(gate)
	deadline, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		if code, _ := ready(); code == http.StatusOK {
			break
		}
		select {
		case <-deadline.Done():
			t.Fatal("readyz never answered 200 once the index was built")
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// heldScanner holds every facts scan until gate is closed.
type heldScanner struct {
	kizuna.FactsScanner
	gate chan struct{}
}

func (h heldScanner) ScanFacts(ctx context.Context, a *kizuna.Account, fn func(*kizuna.FriendFacts) error) error {
	select {
	case <-h.gate:
	case <-ctx.Done():
		return ctx.Err()
	}
	return h.FactsScanner.ScanFacts(ctx, a, fn)
}
