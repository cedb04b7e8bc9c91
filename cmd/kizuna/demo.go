package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/demo"
	"github.com/kizuna-line/kizuna/jobs"
	"github.com/kizuna-line/kizuna/sqlstore"
)

// DemoAccount is the account that kizuna demo creates and serves.
const DemoAccount = "demo"

// demo: kizuna demo [--addr ADDR] [--friends N]. It creates the demo account
// with generated data when the database lacks it, then serves it.
func (c *cmd) demo(ctx context.Context, args []string) error {
	fs, db := c.flags("demo")
	addr := fs.String("addr", DefaultAddr, "listen address")
	friends := fs.Int("friends", 50000, "number of demo friends to generate when the demo account is created")
	if _, err := c.parse(fs, args, 0, 0, "no positional arguments"); err != nil {
		return err
	}
	if *friends < 0 {
		return &usageError{"--friends must not be negative"}
	}
	// The address first: a port already taken is said at once, before
	// minutes of generating friends.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	store, err := c.open(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	a, created, err := c.ensureDemo(ctx, store, *friends)
	if err != nil {
		return err
	}
	if err := ensureDemoUser(ctx, store, a); err != nil {
		return err
	}
	// One API token, made with the account; later starts say how to make
	// another rather than leave a new live token behind each time.
	token := "TOKEN"
	tokenLine := fmt.Sprintf("made when the demo account was; make another with: kizuna token create --account %s", a.Name)
	if created {
		if token, err = store.CreateToken(ctx, a); err != nil {
			return err
		}
		tokenLine = token + "  (shown once: keep it)"
	}
	listen := ln.Addr().String()
	fake, err := demoLine(ctx, store, a, listen)
	if err != nil {
		return fmt.Errorf("demo LINE: %w", err)
	}
	defer fake.Close()
	shop, err := demoSources(ctx, store, a, listen)
	if err != nil {
		return fmt.Errorf("demo shop: %w", err)
	}
	defer shop.Close()
	go shop.live(ctx, demoShopEvery, func(format string, args ...any) { fmt.Fprintf(c.stderr, format, args...) })
	if created {
		go func() {
			if err := demoChat(ctx, store, a, fake, listen); err != nil {
				fmt.Fprintf(c.stderr, "demo Chat messages were not sent: %v\n", err)
			}
		}()
	}
	base := fmt.Sprintf("http://%s/api/v1/accounts/%s", ln.Addr(), a.Name)
	fmt.Fprintf(c.stdout, `Kizuna demo: a Japanese D2C cosmetics shop's LINE account, on %s.

  Web:   http://%s/  (sign in as %s, password %s)
  API:   %s
  Token: %s

Try a preview ("purchased 3 or more times"):

  curl -s -H 'Authorization: Bearer %s' -H 'Content-Type: application/json' \
    -d '{"filter":{"groups":[{"conditions":[{"field":"shopify.orders_count","op":"gte","value":3}]}]},"lang":"ja"}' \
    %s/preview

or from the command line: kizuna preview --account %s --filter FILE --json

LINE is a fake that runs inside the demo (nothing leaves this machine): create a
broadcast from the segment list ("Create Broadcast"), send it, and see what LINE
received at http://%s%s/fake/ . Chat has a few friends' messages.

Shopify, HubSpot and Klaviyo are fakes too, connected in Settings. The shop
lives: every few seconds an order is placed, a cart abandoned or recovered, a
contact moves between HubSpot segments; watch the segment list's counts move.
Press Ctrl-C to stop.
`, store.Dialect(), ln.Addr(), DemoEmail, DemoPassword, base, tokenLine, token, base, a.Name, listen, demoFakePath)
	return c.serveWith(ctx, ln, store, serveConfig{
		PublicURL: "http://" + listen,
		// The demo's shop changes every few seconds; HubSpot's segment
		// moves and Klaviyo's lists reach Kizuna by the sync's polls.
		Jobs: jobs.Config{PollEvery: demoPollEvery},
		Extra: func(mux *http.ServeMux) {
			mux.Handle(demoFakePath+"/", http.StripPrefix(demoFakePath, fake))
			shop.mount(mux)
		},
	})
}

// ensureDemo returns the demo account, creating and filling it first if
// needed (then created is true).
func (c *cmd) ensureDemo(ctx context.Context, store *sqlstore.DB, friends int) (a *kizuna.Account, created bool, err error) {
	a, err = store.FindAccount(ctx, DemoAccount)
	if err == nil {
		fmt.Fprintf(c.stderr, "using the existing %q account\n", DemoAccount)
		return a, false, nil
	} else if kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
		return nil, false, err
	}
	a, err = store.CreateAccount(ctx, DemoAccount, kizuna.DefaultTimeZone)
	if err != nil {
		return nil, false, err
	}
	cat, err := kizuna.ParseCatalog(demo.Catalog())
	if err != nil {
		return nil, false, fmt.Errorf("demo catalog: %w", err)
	}
	if err := store.PutCatalog(ctx, a, cat); err != nil {
		return nil, false, err
	}
	fmt.Fprintf(c.stderr, "generating %d demo friends…\n", friends)
	start := time.Now()
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(demo.WriteFriends(pw, demo.Options{Friends: friends, Seed: 1, Now: time.Now()}))
	}()
	res, err := store.ImportFriends(ctx, a, pr, kizuna.ImportOptions{})
	pr.Close()
	if err != nil {
		return nil, false, fmt.Errorf("import demo friends: %w", err)
	}
	fmt.Fprintf(c.stderr, "imported %d demo friends in %.1fs\n", res.Imported, time.Since(start).Seconds())
	return a, true, nil
}

// demoGenerate: kizuna demo generate --friends N [--seed N] [--now RFC3339] [--out FILE|-] [--catalog FILE].
// It writes the demo friends as NDJSON and the matching catalog.
func (c *cmd) demoGenerate(ctx context.Context, args []string) error {
	fs, _ := c.flags("demo generate")
	friends := fs.Int("friends", 50000, "number of friends")
	seed := fs.Int64("seed", 1, "random seed: the same seed, count and --now give the same bytes")
	nowFlag := fs.String("now", "", "reference instant, RFC 3339 (default: now)")
	out := fs.String("out", "-", "NDJSON output file, - for standard output")
	catalog := fs.String("catalog", "demo-catalog.json", "catalog output file (empty: do not write)")
	if _, err := c.parse(fs, args, 0, 0, "no positional arguments"); err != nil {
		return err
	}
	if *friends < 0 {
		return &usageError{"--friends must not be negative"}
	}
	now := time.Now()
	if *nowFlag != "" {
		t, err := time.Parse(time.RFC3339Nano, *nowFlag)
		if err != nil {
			return &usageError{fmt.Sprintf("--now %q is not an RFC 3339 timestamp", *nowFlag)}
		}
		now = t
	}
	if *catalog != "" {
		if err := os.WriteFile(*catalog, demo.Catalog(), 0o644); err != nil {
			return err
		}
	}
	w := c.stdout
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	if err := demo.WriteFriends(w, demo.Options{Friends: *friends, Seed: *seed, Now: now}); err != nil {
		return err
	}
	if f, ok := w.(*os.File); ok && f != os.Stdout {
		if err := f.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
			return err
		}
	}
	return nil
}

// The demo's user. The demo serves on loopback by default; its password is
// printed at every start and is not a secret.
const (
	DemoEmail    = "demo@example.com"
	DemoPassword = "kizuna-demo"
)

// demoSegments are saved in a folder the first time the demo starts, so the
// segment list has something a marketer would recognize.
var demoSegments = []struct{ name, filter string }{
	{"リピーター（3回以上購入）", `{"groups":[{"conditions":[{"field":"shopify.orders_count","op":"gte","value":3}]}]}`},
	{"休眠顧客（90日以上購入なし）", `{"groups":[{"conditions":[{"field":"shopify.days_since_last_order","op":"gte","value":90}]}]}`},
	{"カゴ落ち（72時間以内）", `{"groups":[{"conditions":[{"field":"shopify.abandoned_cart","op":"exists","hours_since":{"op":"lte","value":72}}]}]}`},
	{"新規友だち（7日以内）", `{"groups":[{"conditions":[{"field":"line.days_since_added","op":"lte","value":6}]}]}`},
}

// ensureDemoUser makes sure of the demo user, an owner of the demo account,
// and creates the demo segments once (with their folder). A start that
// stopped half-way is completed by the next.
func ensureDemoUser(ctx context.Context, store *sqlstore.DB, a *kizuna.Account) error {
	u, err := store.CreateUser(ctx, DemoEmail, DemoPassword, "")
	if kizuna.ErrorCode(err) == kizuna.ECONFLICT { // made by an earlier start
		u, err = store.Authenticate(ctx, DemoEmail, DemoPassword)
	}
	if err != nil {
		return err
	}
	if err := store.AddMember(ctx, u, a, kizuna.RoleOwner); err != nil {
		return err
	}
	folder, err := store.CreateFolder(ctx, a, "キャンペーン")
	if kizuna.ErrorCode(err) == kizuna.ECONFLICT {
		return nil // the segments were made by an earlier start
	} else if err != nil {
		return err
	}
	for _, s := range demoSegments {
		if _, err := store.CreateSegment(ctx, a, DemoEmail, s.name, folder.ID, json.RawMessage(s.filter)); err != nil {
			return err
		}
	}
	return nil
}
