package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/kizuna-line/kizuna/internal/hubspotfake"
)

// DefaultFakeHubSpotAddr is where `kizuna fake hubspot` listens unless
// told otherwise.
const DefaultFakeHubSpotAddr = "127.0.0.1:8092"

// fakeHubSpot: kizuna fake hubspot --access-token-file FILE
// --client-secret-file FILE [--addr ADDR] [--records N [--seed N] |
// --import FILE] [--rate N] [--search-rate N] [--daily N] [--index-lag DUR]
// [--webhook-url URL] [--line-user-id-property NAME].
func (c *cmd) fakeHubSpot(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("fake hubspot", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addr := fs.String("addr", DefaultFakeHubSpotAddr, "listen address")
	tokenFile := fs.String("access-token-file", "", "file holding the access token the fake accepts")
	secretFile := fs.String("client-secret-file", "", "file holding the app's client secret that signs webhooks")
	records := fs.Int("records", 0, "generate this many contacts")
	seed := fs.Uint64("seed", 1, "seed of the generated contacts")
	importFile := fs.String("import", "", "load contacts from this file of NDJSON friend lines (kizuna import's format)")
	rate := fs.Int("rate", hubspotfake.DefaultRateMax, "requests per rolling 10 seconds (HubSpot's Free/Starter: 100; -1: none)")
	searchRate := fs.Int("search-rate", hubspotfake.DefaultSearchRate, "search requests a second (-1: none)")
	daily := fs.Int("daily", 0, "requests a day (0: no daily limit)")
	lag := fs.Duration("index-lag", 0, "how long a write stays out of search results")
	webhookURL := fs.String("webhook-url", "", "where to send the signed webhooks (the URL HubSpot would call)")
	lineProp := fs.String("line-user-id-property", hubspotfake.DefaultLineUserID, "the contact property holding the LINE user ID")
	if _, err := c.parse(fs, args, 0, 0, "no positional arguments"); err != nil {
		return err
	}
	switch {
	case *tokenFile == "" || *secretFile == "":
		return &usageError{"fake hubspot needs --access-token-file and --client-secret-file"}
	case *records < 0:
		return &usageError{"--records cannot be negative"}
	case *records > 0 && *importFile != "":
		return &usageError{"--records and --import do not go together"}
	case *rate == 0 || *searchRate == 0:
		return &usageError{"--rate and --search-rate are at least 1 (or -1 for no limit)"}
	case *daily < 0 || *lag < 0:
		return &usageError{"--daily and --index-lag cannot be negative"}
	}
	token, err := readFakeSecret(*tokenFile, "access token")
	if err != nil {
		return err
	}
	secret, err := readFakeSecret(*secretFile, "client secret")
	if err != nil {
		return err
	}
	f := hubspotfake.New(hubspotfake.Config{AccessToken: token, ClientSecret: secret, RateMax: *rate, SearchRate: *searchRate,
		DailyMax: *daily, IndexLag: *lag, WebhookURL: *webhookURL, LineUserIDProperty: *lineProp})
	if *records > 0 {
		if err := f.Generate(*records, *seed); err != nil {
			return err
		}
	}
	if *importFile != "" {
		file, err := os.Open(*importFile)
		if err != nil {
			return fmt.Errorf("read the import file: %w", err)
		}
		_, err = f.LoadNDJSON(file)
		file.Close()
		if err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	st := f.Dump()
	fmt.Fprintf(c.stdout, "The HubSpot fake serves the CRM API at %s (%d contacts, %d lists)\n", base, st.Total, len(st.Lists))
	fmt.Fprintf(c.stdout, "  state:    GET %s/fake/dump\n  contact:  POST %s/fake/contacts {\"properties\":{\"email\":\"…\"}}\n", base, base)
	fmt.Fprintf(c.stdout, "  change:   POST %s/fake/contacts/{id}/properties {\"name\":\"…\",\"value\":\"…\"}\n", base)
	fmt.Fprintf(c.stdout, "  list:     POST %s/fake/memberships {\"list\":\"…\",\"contact_id\":\"…\",\"remove\":false}\n", base)
	return serveHandler(ctx, ln, f)
}

// serveHandler serves h on ln until ctx ends.
func serveHandler(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-done; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}
