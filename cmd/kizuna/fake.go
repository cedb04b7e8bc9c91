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
	"strings"
	"time"

	"github.com/kizuna-line/kizuna/internal/linefake"
)

// DefaultFakeLineAddr is where `kizuna fake line` listens unless told
// otherwise.
const DefaultFakeLineAddr = "127.0.0.1:8090"

// fake: kizuna fake line --addr ADDR --channel-secret-file FILE
// --access-token-file FILE [--latency DUR] [--fail-rate F] [--rate-limit N]
// [--seed N].
func (c *cmd) fake(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "klaviyo" {
		return c.fakeKlaviyo(ctx, args[1:])
	}
	if len(args) > 0 && args[0] == "shopify" {
		return c.fakeShopify(ctx, args[1:])
	}
	if len(args) > 0 && args[0] == "hubspot" {
		return c.fakeHubSpot(ctx, args[1:])
	}
	if len(args) == 0 || args[0] != "line" {
		return &usageError{"fake needs a provider: kizuna fake line|shopify|hubspot|klaviyo"}
	}
	fs := flag.NewFlagSet("fake line", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addr := fs.String("addr", DefaultFakeLineAddr, "listen address")
	secretFile := fs.String("channel-secret-file", "", "file holding the channel secret that signs webhooks")
	tokenFile := fs.String("access-token-file", "", "file holding the access token the fake accepts")
	latency := fs.Duration("latency", 0, "delay every Messaging API answer by this much")
	failRate := fs.Float64("fail-rate", 0, "chance (0 to 1) that a request fails with a 500")
	rateLimit := fs.Int("rate-limit", linefake.DefaultMulticastRate, "multicast requests a second (LINE's is 200)")
	seed := fs.Uint64("seed", 1, "seed of the fail-rate draws")
	if _, err := c.parse(fs, args[1:], 0, 0, "no positional arguments"); err != nil {
		return err
	}
	switch {
	case *secretFile == "" || *tokenFile == "":
		return &usageError{"fake line needs --channel-secret-file and --access-token-file"}
	case *failRate < 0 || *failRate > 1:
		return &usageError{"--fail-rate is between 0 and 1"}
	case *rateLimit < 1:
		return &usageError{"--rate-limit is at least 1"}
	case *latency < 0:
		return &usageError{"--latency cannot be negative"}
	}
	secret, err := readFakeSecret(*secretFile, "channel secret")
	if err != nil {
		return err
	}
	token, err := readFakeSecret(*tokenFile, "access token")
	if err != nil {
		return err
	}
	f := linefake.New(linefake.Config{
		ChannelSecret: secret,
		AccessToken:   token,
		MulticastRate: *rateLimit,
		Latency:       *latency,
		FailRate:      *failRate,
		Seed:          *seed,
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(c.stdout, "The LINE fake serves the Messaging API at %s\n", base)
	fmt.Fprintf(c.stdout, "  deliveries: GET %s/fake/deliveries\n  events:     POST %s/fake/events {\"type\":\"follow|unfollow|message\",\"userId\":\"U…\",\"text\":\"…\"}\n", base, base)
	return serveFake(ctx, ln, f)
}

// serveFake serves the fake on ln until ctx ends.
func serveFake(ctx context.Context, ln net.Listener, f *linefake.Fake) error {
	srv := &http.Server{Handler: f, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	f.Close() // release requests hanging on a fault
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-done; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

// readFakeSecret reads a secret from a file, without the surrounding
// whitespace (a trailing newline, usually).
func readFakeSecret(path, what string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read the %s: %w", what, err)
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("the %s file %s is empty", what, path)
	}
	return s, nil
}
