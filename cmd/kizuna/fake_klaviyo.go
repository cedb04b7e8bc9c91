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
	"strconv"
	"strings"
	"time"

	"github.com/kizuna-line/kizuna/internal/klaviyofake"
)

// DefaultFakeKlaviyoAddr is where `kizuna fake klaviyo` listens unless told
// otherwise.
const DefaultFakeKlaviyoAddr = "127.0.0.1:8093"

// fakeKlaviyo: kizuna fake klaviyo --addr ADDR --api-key-file FILE
// [--records N [--seed N] | --import FILE] [--rate BURST/STEADY|off]
// [--revision R] [--line-user-id-property NAME] [--webhook-url URL
// --webhook-secret-file FILE].
func (c *cmd) fakeKlaviyo(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("fake klaviyo", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addr := fs.String("addr", DefaultFakeKlaviyoAddr, "listen address")
	keyFile := fs.String("api-key-file", "", "file holding the private API key the fake accepts")
	records := fs.Int("records", 0, "generate this many profiles")
	seed := fs.Uint64("seed", 1, "seed of the generated profiles")
	importFile := fs.String("import", "", "load the Klaviyo profiles of these NDJSON friend lines")
	rateFlag := fs.String("rate", "", "the profile reads' limit as BURST/STEADY requests a second and a minute (Klaviyo's: 75/750), or off")
	revision := fs.String("revision", klaviyofake.DefaultRevision, "the newest revision accepted")
	lineProp := fs.String("line-user-id-property", klaviyofake.DefaultLineUserIDProperty, "the profile property holding the LINE user ID")
	hookURL := fs.String("webhook-url", "", "where system webhooks go")
	hookSecretFile := fs.String("webhook-secret-file", "", "file holding the secret that signs webhooks")
	if _, err := c.parse(fs, args, 0, 0, "no positional arguments"); err != nil {
		return err
	}
	switch {
	case *keyFile == "":
		return &usageError{"fake klaviyo needs --api-key-file"}
	case *records < 0:
		return &usageError{"--records cannot be negative"}
	case *records > 0 && *importFile != "":
		return &usageError{"fake klaviyo takes --records or --import, not both"}
	case *hookURL != "" && *hookSecretFile == "":
		return &usageError{"--webhook-url needs --webhook-secret-file"}
	}
	limits, err := parseKlaviyoRate(*rateFlag)
	if err != nil {
		return err
	}
	key, err := readFakeSecret(*keyFile, "API key")
	if err != nil {
		return err
	}
	var hookSecret string
	if *hookSecretFile != "" {
		if hookSecret, err = readFakeSecret(*hookSecretFile, "webhook secret"); err != nil {
			return err
		}
	}
	f := klaviyofake.New(klaviyofake.Config{APIKey: key, Revision: *revision, LineUserIDProperty: *lineProp,
		Limits: limits, WebhookURL: *hookURL, WebhookSecret: hookSecret})
	if *records > 0 {
		f.Generate(*records, *seed)
	}
	if *importFile != "" {
		file, err := os.Open(*importFile)
		if err != nil {
			return err
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
	fmt.Fprintf(c.stdout, "The Klaviyo fake serves the API at %s (%d profiles)\n", base, f.ProfileCount())
	fmt.Fprintf(c.stdout, "  dump:       GET %s/fake/dump?offset=0&limit=100\n", base)
	fmt.Fprintf(c.stdout, "  property:   POST %s/fake/profiles/{id}/properties {\"plan\":\"gold\"}\n", base)
	fmt.Fprintf(c.stdout, "  membership: POST %s/fake/lists/{id}/members {\"add\":[\"…\"],\"remove\":[\"…\"]}\n", base)
	fmt.Fprintf(c.stdout, "  webhook:    POST %s/fake/webhooks {\"topic\":\"event:klaviyo.opened_email\",\"profile_id\":\"…\"}\n", base)
	return serveKlaviyoFake(ctx, ln, f)
}

// parseKlaviyoRate reads --rate: "" keeps Klaviyo's limits, "off" removes
// every limit, BURST/STEADY sets the profile and member reads'.
func parseKlaviyoRate(s string) (map[string]klaviyofake.Limit, error) {
	switch s {
	case "":
		return nil, nil
	case "off":
		m := map[string]klaviyofake.Limit{}
		for r := range klaviyofake.DefaultLimits() {
			m[r] = klaviyofake.Limit{}
		}
		return m, nil
	}
	b, st, ok := strings.Cut(s, "/")
	burst, err1 := strconv.Atoi(b)
	steady, err2 := strconv.Atoi(st)
	if !ok || err1 != nil || err2 != nil || burst < 1 || steady < 1 {
		return nil, &usageError{"--rate is BURST/STEADY (such as 75/750) or off"}
	}
	l := klaviyofake.Limit{Burst: burst, Steady: steady}
	return map[string]klaviyofake.Limit{
		klaviyofake.RouteProfiles:        l,
		klaviyofake.RouteListProfiles:    l,
		klaviyofake.RouteSegmentProfiles: l,
	}, nil
}

// serveKlaviyoFake serves the fake on ln until ctx ends.
func serveKlaviyoFake(ctx context.Context, ln net.Listener, f *klaviyofake.Fake) error {
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
	err := srv.Shutdown(sctx)
	if serr := <-done; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}
