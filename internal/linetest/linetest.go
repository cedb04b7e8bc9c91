// Package linetest sets up LINE for tests: a fake LINE server (the real
// wire format, internal/linefake), accounts connected to it through the
// real client, Kizuna's webhook receiver on a test server registered with
// the fake, and the job engine running, so that broadcasts are really sent
// to the fake and its webhooks really arrive.
package linetest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/internal/linefake"
	"github.com/kizuna-line/kizuna/jobs"
	"github.com/kizuna-line/kizuna/lineops"
	"github.com/kizuna-line/kizuna/sqlstore"
)

// The fake channel's secrets.
const (
	ChannelSecret = "linetest-channel-secret-0123456789"
	AccessToken   = "linetest-access-token-abcdefghijklmnop"
)

// Env is LINE for a test.
type Env struct {
	Fake *linefake.Fake
	// URL is the fake's base URL.
	URL string
	// Hooks serves Kizuna's webhook receiver at /line/webhook/{account}.
	Hooks   *httptest.Server
	Service *lineops.Service
	Jobs    *jobs.Jobs
}

// Options adjust Start.
type Options struct {
	// Fake configures the fake (its secret and token are set by Start).
	Fake linefake.Config
	// Jobs configures the job engine (store, database and LINE are set by
	// Start; the retry base defaults to 20 ms and the due check to 100 ms).
	Jobs jobs.Config
	// NoJobs leaves the job engine stopped (a test starts its own).
	NoJobs bool
}

// Start sets up LINE with the default options.
func Start(t testing.TB, db *sqlstore.DB, eng *engine.Engine, accounts ...*kizuna.Account) *Env {
	return StartWith(t, db, eng, Options{}, accounts...)
}

// StartWith sets up LINE: everything stops when the test ends.
func StartWith(t testing.TB, db *sqlstore.DB, eng *engine.Engine, o Options, accounts ...*kizuna.Account) *Env {
	t.Helper()
	ctx := context.Background()
	o.Fake.ChannelSecret, o.Fake.AccessToken = ChannelSecret, AccessToken
	fake := linefake.New(o.Fake)
	srv := httptest.NewServer(fake)
	t.Cleanup(func() { fake.Close(); srv.Close() })
	env := &Env{Fake: fake, URL: srv.URL}
	env.Service = &lineops.Service{Store: eng, Reacher: eng, NewAPI: lineops.SDK(srv.Client())}
	mux := http.NewServeMux()
	mux.Handle("POST /line/webhook/{account}", env.Service.Webhook())
	env.Hooks = httptest.NewServer(mux)
	t.Cleanup(env.Hooks.Close)
	env.Service.PublicURL = env.Hooks.URL
	if err := jobs.Migrate(ctx, db.WriteDB(), db.Dialect()); err != nil {
		t.Fatal(err)
	}
	jc := o.Jobs
	jc.DB, jc.Dialect, jc.Store, jc.Reacher = db.WriteDB(), db.Dialect(), eng, eng
	jc.Connect = lineops.Jobs(env.Service.NewAPI)
	if jc.RetryBase == 0 {
		jc.RetryBase = 20 * time.Millisecond
	}
	if jc.DueEvery == 0 {
		jc.DueEvery = 100 * time.Millisecond
	}
	j, err := jobs.New(jc)
	if err != nil {
		t.Fatal(err)
	}
	env.Jobs = j
	env.Service.Jobs = j
	if !o.NoJobs {
		if err := j.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			j.Stop(stop)
		})
	}
	for _, a := range accounts {
		env.Connect(t, a)
	}
	return env
}

// Connect connects an account to the fake (through lineops.Connect, so the
// webhook URL is registered with it).
func (env *Env) Connect(t testing.TB, a *kizuna.Account) {
	t.Helper()
	if _, err := env.Service.Connect(context.Background(), a, "linetest", env.URL, ChannelSecret, AccessToken); err != nil {
		t.Fatalf("connect %s to the fake LINE: %v", a.Name, err)
	}
}

// WaitBroadcast waits until the broadcast's latest run has ended (or the
// broadcast is canceled) and returns it.
func WaitBroadcast(t testing.TB, store kizuna.Store, a *kizuna.Account, id int64, within time.Duration) *kizuna.Broadcast {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		b, err := store.Broadcast(context.Background(), a, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Runs) > 0 {
			switch b.Runs[0].Status {
			case kizuna.RunSent, kizuna.RunPartial, kizuna.RunFailed, kizuna.RunCanceled:
				return b
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("broadcast %d has not ended within %v: %+v", id, within, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
