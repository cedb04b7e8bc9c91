package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/kizuna-line/kizuna/internal/shopifyfake"
)

// DefaultFakeShopifyAddr is where `kizuna fake shopify` listens unless
// told otherwise.
const DefaultFakeShopifyAddr = "127.0.0.1:8091"

// fakeShopify: kizuna fake shopify --addr ADDR --shop-domain D
// --access-token-file F --webhook-secret-file F [--records N | --import
// FILE] [--rate N] [--bucket N] [--webhook-url URL] [--api-version V]
// [--throttle-status 200|429] [--bulk-polls N] [--fail-rate F] [--seed N].
func (c *cmd) fakeShopify(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("fake shopify", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addr := fs.String("addr", DefaultFakeShopifyAddr, "listen address")
	domain := fs.String("shop-domain", shopifyfake.DefaultShopDomain, "the shop's myshopify.com domain, sent in X-Shopify-Shop-Domain")
	tokenFile := fs.String("access-token-file", "", "file holding the Admin API access token the fake accepts")
	secretFile := fs.String("webhook-secret-file", "", "file holding the secret that signs webhooks")
	records := fs.Int("records", 0, "generate this many customers (ids above 2^53)")
	importFile := fs.String("import", "", "load the customers of these NDJSON friend lines (kizuna import's format)")
	restore := fs.Float64("rate", shopifyfake.DefaultRestoreRate, "GraphQL cost points restored a second")
	bucket := fs.Float64("bucket", shopifyfake.DefaultBucket, "GraphQL cost bucket size")
	hook := fs.String("webhook-url", "", "where to send webhooks")
	version := fs.String("api-version", shopifyfake.DefaultAPIVersion, "the API version webhooks carry")
	throttle := fs.Int("throttle-status", 200, "HTTP status of a THROTTLED answer: 200 or 429")
	polls := fs.Int("bulk-polls", shopifyfake.DefaultBulkPolls, "polls a bulk operation stays unfinished")
	failRate := fs.Float64("fail-rate", 0, "chance (0 to 1) that a request fails with a 500")
	seed := fs.Uint64("seed", 1, "seed of the generated customers and the fail-rate draws")
	if _, err := c.parse(fs, args, 0, 0, "no positional arguments"); err != nil {
		return err
	}
	switch {
	case *tokenFile == "" || *secretFile == "":
		return &usageError{"fake shopify needs --access-token-file and --webhook-secret-file"}
	case *records < 0:
		return &usageError{"--records cannot be negative"}
	case *restore <= 0 || *bucket <= 0:
		return &usageError{"--rate and --bucket are positive"}
	case *throttle != 200 && *throttle != 429:
		return &usageError{"--throttle-status is 200 or 429"}
	case *failRate < 0 || *failRate > 1:
		return &usageError{"--fail-rate is between 0 and 1"}
	case *polls < 1:
		return &usageError{"--bulk-polls is at least 1"}
	}
	if *hook != "" {
		if u, err := url.Parse(*hook); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return &usageError{"--webhook-url must be an http or https URL"}
		}
	}
	token, err := readFakeSecret(*tokenFile, "access token")
	if err != nil {
		return err
	}
	secret, err := readFakeSecret(*secretFile, "webhook secret")
	if err != nil {
		return err
	}
	f := shopifyfake.New(shopifyfake.Config{
		ShopDomain: *domain, AccessToken: token, WebhookSecret: secret, WebhookURL: *hook, APIVersion: *version,
		Bucket: *bucket, RestoreRate: *restore, ThrottleStatus: *throttle, BulkPolls: *polls, FailRate: *failRate, Seed: *seed,
	})
	// A standalone fake serves for hours: keeping every request would grow
	// without bound.
	f.SetRecording(false)
	if *records > 0 {
		f.Generate(*records, *seed)
	}
	if *importFile != "" {
		file, err := os.Open(*importFile)
		if err != nil {
			return fmt.Errorf("read the import file: %w", err)
		}
		_, err = f.LoadNDJSON(file)
		file.Close()
		if err != nil {
			return fmt.Errorf("import %s: %w", *importFile, err)
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(c.stdout, "The Shopify fake serves the Admin API at %s\n", base)
	fmt.Fprintf(c.stdout, "  shop %s, %d customers, GraphQL at %s/admin/api/%s/graphql.json\n", *domain, f.CustomerCount(), base, *version)
	fmt.Fprintf(c.stdout, "  order: POST %s/fake/orders {\"customer_id\":\"…\"}   tags: POST %s/fake/tags {\"customer_id\":\"…\",\"add\":[…],\"remove\":[…]}\n", base, base)
	fmt.Fprintf(c.stdout, "  cart:  POST %s/fake/checkouts {\"customer_id\":\"…\"} then POST %s/fake/checkouts/{id}/complete\n", base, base)
	fmt.Fprintf(c.stdout, "  dump:  GET %s/fake/customers   deliveries: GET %s/fake/deliveries   replay: POST %s/fake/replay/{webhookId}\n", base, base, base)
	srv := &http.Server{Handler: f, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	f.Close()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	if serr := <-done; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}
