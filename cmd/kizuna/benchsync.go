package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/hubspotfake"
	"github.com/kizuna-line/kizuna/internal/shopifyfake"
	"github.com/kizuna-line/kizuna/jobs"
	"github.com/kizuna-line/kizuna/sources"
	"github.com/kizuna-line/kizuna/sqlstore"
)

// benchSync: kizuna bench sync [--db DSN] [--records N] [--sources
// shopify,hubspot] [--shopify-restore P] [--shopify-bulk] [--hubspot-rate
// N] [--linked PCT] [--seed S]. It backfills N generated Shopify customers
// and N HubSpot contacts into a new account, each from an in-process fake
// on loopback limited to the configured rate, through the real reader
// (package sources), jobs.SyncSource and the store, one source after the
// other, and reports the records a second against what the fake's limit
// allows, and the peak heap (fakes and sync together).
//
// The first page of each source also reads what the reader preloads
// (Shopify's abandoned checkouts, HubSpot's list memberships), which
// spends the same limit; the steady rate is measured after it, and is the
// one compared with the limit (paged Shopify: restore × 250/252 customers
// a second; HubSpot: 100 contacts a request).
func (c *cmd) benchSync(ctx context.Context, args []string) error {
	fs, db := c.flags("bench sync")
	n := fs.Int("records", 1000000, "generated customers and contacts to backfill, each")
	sourcesFlag := fs.String("sources", "shopify,hubspot", "the sources to backfill, comma-separated")
	restore := fs.Float64("shopify-restore", 2000, "the fake Shopify's cost bucket restore rate, points a second (its size is twice that)")
	bulk := fs.Bool("shopify-bulk", false, "read Shopify by a bulk operation (which its cost bucket does not limit) instead of paged queries")
	hubspotRate := fs.Int("hubspot-rate", 200, "the fake HubSpot's limit, requests per ten seconds")
	linked := fs.Int("linked", 10, "percent of the records whose LINE user ID is a friend of the account")
	seed := fs.Uint64("seed", 1, "the generators' seed")
	if _, err := c.parse(fs, args, 0, 0, "no positional arguments"); err != nil {
		return err
	}
	if *n <= 0 || *restore <= 0 || *hubspotRate <= 0 || *linked < 0 || *linked > 100 {
		return &usageError{"--records, --shopify-restore and --hubspot-rate must be positive, --linked a percentage"}
	}
	var which []string
	for s := range strings.SplitSeq(*sourcesFlag, ",") {
		if s = strings.TrimSpace(s); s != kizuna.SourceShopify && s != kizuna.SourceHubSpot {
			return &usageError{fmt.Sprintf("--sources: %q is not shopify or hubspot", s)}
		}
		which = append(which, s)
	}
	store, err := c.open(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	a, err := store.CreateAccount(ctx, fmt.Sprintf("bench-sync-%d", time.Now().UnixNano()), kizuna.DefaultTimeZone)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "kizuna bench sync: %s backend, %d records a source, %d%% linked to friends, %s, GOMAXPROCS=%d\n",
		store.Dialect(), *n, *linked, runtime.Version(), runtime.GOMAXPROCS(0))
	for _, source := range which {
		b := &syncBench{c: c, store: store, a: a, n: *n, linked: *linked, seed: *seed}
		switch source {
		case kizuna.SourceShopify:
			err = b.shopify(ctx, *restore, *bulk)
		case kizuna.SourceHubSpot:
			err = b.hubspot(ctx, *hubspotRate)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", source, err)
		}
	}
	return nil
}

// syncBench is one source's backfill benchmark.
type syncBench struct {
	c      *cmd
	store  *sqlstore.DB
	a      *kizuna.Account
	n      int
	linked int
	seed   uint64
}

// serve serves h on a loopback port until the returned stop.
func benchServe(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

// friends imports a friend for every id ids yields (those with one).
func (b *syncBench) friends(ctx context.Context, ids func(yield func(string) bool)) (int, error) {
	pr, pw := io.Pipe()
	count := 0
	go func() {
		bw := bufio.NewWriterSize(pw, 1<<20)
		for u := range ids {
			if kizuna.ValidLineUserID(u) {
				fmt.Fprintf(bw, `{"line_user_id":%q,"added_at":"2026-01-01T00:00:00Z"}`+"\n", u)
				count++
			}
		}
		bw.Flush()
		pw.Close()
	}()
	if _, err := b.store.ImportFriends(ctx, b.a, pr, kizuna.ImportOptions{}); err != nil {
		return 0, err
	}
	return count, nil
}

func (b *syncBench) shopify(ctx context.Context, restore float64, bulk bool) error {
	const token = "shpat_bench"
	fake := shopifyfake.New(shopifyfake.Config{AccessToken: token, Bucket: 2 * restore, RestoreRate: restore, BulkDuration: time.Second})
	defer fake.Close()
	fake.SetRecording(false)
	fake.Generate(b.n, b.seed)
	base, stop, err := benchServe(fake)
	if err != nil {
		return err
	}
	defer stop()
	every := b.every()
	i := 0
	friends, err := b.friends(ctx, func(yield func(string) bool) {
		fake.Dump(func(cu shopifyfake.Customer) error {
			i++
			if every > 0 && i%every == 0 && !yield(cu.LineUserID) {
				return io.EOF
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	config := map[string]string{sources.ShopifyBulkThreshold: "-1"}
	mode := fmt.Sprintf("paged reads of 250: %.0f customers/s allowed", restore*250/252)
	if bulk {
		config = map[string]string{sources.ShopifyBulkThreshold: "0"}
		mode = "a bulk operation, which the bucket does not limit"
	}
	fmt.Fprintf(b.c.stdout, "\nshopify: fake at %s, cost bucket %.0f points restoring %.0f/s; %s; %d friends\n", base, 2*restore, restore, mode, friends)
	conn := &kizuna.Connection{Source: kizuna.SourceShopify, APIBase: base, Config: config}
	allowed := restore * 250 / 252
	if bulk {
		allowed = 0
	}
	return b.run(ctx, conn, kizuna.ConnectionSecrets{"access_token": token}, "customers", allowed)
}

func (b *syncBench) hubspot(ctx context.Context, rate int) error {
	const token = "pat-bench"
	fake := hubspotfake.New(hubspotfake.Config{AccessToken: token, RateMax: rate, SearchRate: -1, RecordLimit: 100})
	if err := fake.Generate(b.n, b.seed); err != nil {
		return err
	}
	base, stop, err := benchServe(fake)
	if err != nil {
		return err
	}
	defer stop()
	every := b.every()
	friends, err := b.friends(ctx, func(yield func(string) bool) {
		for i := every; every > 0 && i <= b.n; i += every {
			if !yield(fake.GeneratedLineUserID(uint64(i))) {
				return
			}
		}
	})
	if err != nil {
		return err
	}
	allowed := float64(rate) / 10 * 100
	fmt.Fprintf(b.c.stdout, "\nhubspot: fake at %s, %d requests per 10 s: %.0f contacts/s allowed; %d friends\n", base, rate, allowed, friends)
	conn := &kizuna.Connection{Source: kizuna.SourceHubSpot, APIBase: base}
	return b.run(ctx, conn, kizuna.ConnectionSecrets{"access_token": token, "client_secret": "s"}, "contacts", allowed)
}

// every is the step between linked records (0: none).
func (b *syncBench) every() int {
	if b.linked == 0 {
		return 0
	}
	return max(1, 100/b.linked)
}

// firstPage notes when the sync's first page (with what the reader
// preloads) was read.
type firstPage struct {
	r       jobs.SourceReader
	at      time.Time
	records int
}

func (f *firstPage) Page(ctx context.Context, kind, cursor string) (*jobs.SourcePage, error) {
	p, err := f.r.Page(ctx, kind, cursor)
	if err == nil && f.at.IsZero() {
		f.at, f.records = time.Now(), len(p.Records)
	}
	return p, err
}

// run backfills the connection and reports; allowed is what the limit
// allows, records a second (0: no limit applies).
func (b *syncBench) run(ctx context.Context, conn *kizuna.Connection, secrets kizuna.ConnectionSecrets, what string, allowed float64) error {
	runtime.GC()
	peak, stopHeap := heapPeak()
	start := time.Now()
	next := int64(b.n / 10)
	fp := &firstPage{}
	var done *kizuna.SourceSync
	// As the sync job does: a failed attempt is retried (up to its 20)
	// with a new reader, resuming from the saved cursor.
	for attempt := 1; ; attempt++ {
		r, err := sources.For(sources.Options{})(conn, secrets, time.Time{})
		if err != nil {
			return err
		}
		fp.r = r
		s, err := b.store.StartSourceSync(ctx, b.a, conn.Source, kizuna.SyncBackfill, "kizuna bench sync")
		if err != nil {
			return err
		}
		done, err = jobs.SyncSource(ctx, b.store, fp, b.a, s, func(records int64) {
			if records >= next {
				fmt.Fprintf(b.c.stdout, "  %d %s, %.0f s\n", records, what, time.Since(start).Seconds())
				next += int64(max(b.n/10, 1))
			}
		})
		if err == nil {
			break
		}
		if attempt == 20 || ctx.Err() != nil {
			stopHeap()
			return err
		}
		fmt.Fprintf(b.c.stdout, "  attempt %d failed after %.0f s (%v): resumed from the cursor\n", attempt, time.Since(start).Seconds(), err)
	}
	el := time.Since(start)
	stopHeap()
	if done.Records != int64(b.n) {
		return fmt.Errorf("the backfill stored %d %s, want %d", done.Records, what, b.n)
	}
	fmt.Fprintf(b.c.stdout, "  %d %s in %.1f s: %.0f records/s; first page (with what the reader preloads) after %.1f s\n",
		b.n, what, el.Seconds(), float64(b.n)/el.Seconds(), fp.at.Sub(start).Seconds())
	if steady := el - fp.at.Sub(start); allowed > 0 && steady > 0 && b.n > fp.records {
		rate := float64(b.n-fp.records) / steady.Seconds()
		fmt.Fprintf(b.c.stdout, "  after the first page: %.0f records/s, %.1f%% of the limit's %.0f/s\n", rate, 100*rate/allowed, allowed)
	}
	fmt.Fprintf(b.c.stdout, "  peak heap %.1f MB\n", float64(peak.Load())/(1<<20))
	return nil
}

// heapPeak samples the live heap every 10 ms until stop.
func heapPeak() (*atomic.Uint64, func()) {
	var peak atomic.Uint64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return &peak, func() { close(done); <-stopped }
}
