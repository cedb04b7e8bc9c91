package engine_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

// failingScanner fails every facts scan until ok is set.
type failingScanner struct {
	kizuna.FactsScanner
	mu sync.Mutex
	ok bool
}

func (f *failingScanner) ScanFacts(ctx context.Context, a *kizuna.Account, fn func(*kizuna.FriendFacts) error) error {
	f.mu.Lock()
	ok := f.ok
	f.mu.Unlock()
	if !ok {
		return errors.New("scan failed")
	}
	return f.FactsScanner.ScanFacts(ctx, a, fn)
}

// countingObserver counts what the engine reports.
type countingObserver struct {
	mu            sync.Mutex
	built, failed int
	catchUps      int
	previews      map[string]int
}

func (o *countingObserver) IndexBuilt(_ time.Duration, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err != nil {
		o.failed++
	} else {
		o.built++
	}
}

func (o *countingObserver) CaughtUp(engine.CatchUp) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.catchUps++
}

func (o *countingObserver) Previewed(path string, _ time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.previews[path]++
}

// TestLoadingAndObserver checks Loading through failed builds and a good
// one, and what the observer hears: builds by result, previews by path,
// catch-ups.
func TestLoadingAndObserver(t *testing.T) {
	ctx := context.Background()
	store := testdb.Open(t, "sqlite")
	a, err := store.CreateAccount(ctx, "shop", kizuna.DefaultTimeZone)
	if err != nil {
		t.Fatal(err)
	}
	line := `{"line_user_id": "U00000000000000000000000000000001", "added_at": "2026-11-20T10:00:00+09:00", "tags": ["VIP"]}` + "\n"
	if _, err := store.ImportFriends(ctx, a, strings.NewReader(line), kizuna.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	scanner := &failingScanner{FactsScanner: store}
	e := engine.New(store, scanner, nil)
	defer e.Stop()
	obs := &countingObserver{previews: map[string]int{}}
	e.SetObserver(obs)
	if l := e.Loading(); len(l) != 0 {
		t.Fatalf("Loading before any Load: %+v", l)
	}
	failed := func() bool { l := e.Loading(); return len(l) == 1 && l[0].State == "failed" }
	e.Load(a)
	waitFor(t, failed)
	if l := e.Loading()[0]; l.AccountID != a.ID || l.Account != "shop" {
		t.Errorf("Loading: %+v", l)
	}
	filter := []byte(`{"groups": [{"conditions": [{"field": "tag", "op": "has", "value": "VIP"}]}]}`)
	if _, err := e.Preview(ctx, a, kizuna.PreviewRequest{Filter: filter}); err != nil { // SQL answers, and a build starts again
		t.Fatal(err)
	}
	waitFor(t, failed) // that build failed too
	scanner.mu.Lock()
	scanner.ok = true
	scanner.mu.Unlock()
	e.Load(a)
	waitFor(t, func() bool { return len(e.Loading()) == 0 && e.Ready(a) })
	if p, err := e.Preview(ctx, a, kizuna.PreviewRequest{Filter: filter}); err != nil || p.AnsweredBy != "engine" {
		t.Fatalf("preview once ready: %+v %v", p, err)
	}
	if err := e.TagFriends(ctx, a, []string{"U00000000000000000000000000000001"}, []string{"new"}, nil); err != nil {
		t.Fatal(err)
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if obs.failed != 2 || obs.built != 1 || obs.previews["sql"] != 1 || obs.previews["engine"] != 1 || obs.catchUps < 1 {
		t.Errorf("observer heard failed %d, built %d, previews %v, catch-ups %d", obs.failed, obs.built, obs.previews, obs.catchUps)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached within 10 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
