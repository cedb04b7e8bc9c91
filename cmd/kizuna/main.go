// Command kizuna is the Kizuna binary: account and token administration,
// friend and catalog import, previews, the HTTP server and the demo.
//
// The database comes from --db DSN or KIZUNA_DB, default sqlite:./kizuna.db.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/secretbox"
	"github.com/kizuna-line/kizuna/sqlstore"
)

const usage = `kizuna: the audience engine for LINE Official Accounts

Usage:
  kizuna account create NAME [--timezone ZONE]
  kizuna import --account NAME [--skip-invalid] FILE|-
  kizuna catalog import --account NAME FILE|-
  kizuna preview --account NAME --filter FILE|- [--now RFC3339] [--lang en|ja] [--json]
  kizuna agent propose --account NAME [--mode auto|consult] [--lang en|ja] [--now RFC3339] [--after ID] [--choose KEY=VALUE]... [--json] GOAL
  kizuna agent approve --account NAME [--name NAME] [--json] ID
  kizuna agent cancel --account NAME [--json] ID
  kizuna token create --account NAME
  kizuna user create --email EMAIL [--account NAME] [--role owner|member] [--lang en|ja]   (password on stdin)
  kizuna line connect --account NAME --channel-secret-file FILE --access-token-file FILE [--api-base URL] [--public-url URL]
  kizuna line sync --account NAME
  kizuna broadcast send --account NAME --segment NAME --messages FILE|- [--at RFC3339] [--name NAME]
  kizuna broadcast show --account NAME ID [--json]
  kizuna broadcast list --account NAME
  kizuna serve [--addr ADDR] [--metrics-addr ADDR] [--body-idle-timeout D] [--request-timeout D] [--import-timeout D]
  kizuna demo [--addr ADDR] [--friends N]
  kizuna demo generate --friends N [--seed N] [--now RFC3339] [--out FILE|-] [--catalog FILE]
  kizuna connect shopify --account NAME --shop-domain D --access-token-file FILE --webhook-secret-file FILE [--api-base URL] [--api-version V]
  kizuna connect hubspot --account NAME --access-token-file FILE --client-secret-file FILE [--api-base URL]
  kizuna connect klaviyo --account NAME --api-key-file FILE [--api-base URL]
  kizuna sync --account NAME [--source shopify|hubspot|klaviyo] [--kind backfill|poll|reconcile]
  kizuna fake line --channel-secret-file FILE --access-token-file FILE [--addr ADDR] [--latency DUR] [--fail-rate F] [--rate-limit N] [--seed N]
  kizuna fake shopify --shop-domain D --access-token-file FILE --webhook-secret-file FILE [--addr ADDR] [--records N [--seed N] | --import FILE] [--rate N] [--bucket N] [--webhook-url URL]
  kizuna fake klaviyo --api-key-file FILE [--addr ADDR] [--records N [--seed N] | --import FILE] [--rate BURST/STEADY|off] [--webhook-url URL --webhook-secret-file FILE]
  kizuna fake hubspot --access-token-file FILE --client-secret-file FILE [--addr ADDR] [--records N [--seed N] | --import FILE] [--rate N] [--search-rate N] [--daily N] [--index-lag DUR] [--webhook-url URL]
  kizuna bench [--friends N] [--runs R] [--seed N] [--now RFC3339] [--account NAME] [--also-db DSN [--also-account NAME]]
  kizuna bench agent [--friends N] [--runs R] [--seed N] [--now RFC3339] [--account NAME]
  kizuna bench sync [--records N] [--sources shopify,hubspot] [--shopify-restore P] [--shopify-bulk] [--hubspot-rate N] [--linked PCT] [--seed N]

Every command takes --db DSN (default: $KIZUNA_DB, else sqlite:./kizuna.db);
DSN is sqlite:PATH or a postgres:// URL.
`

// exitUsage is the exit status of a command line that cannot be understood.
const exitUsage = 2

// env is what a command runs with; tests give their own.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

// usageError is a mistake in the command line itself.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	os.Exit(run(ctx, e, os.Args[1:]))
}

// run executes one command line and returns the exit status.
func run(ctx context.Context, e *env, args []string) int {
	err := dispatch(ctx, e, args)
	if err == nil {
		return 0
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(e.stderr, "kizuna: %s\n\n%s", ue.msg, usage)
		return exitUsage
	}
	if errors.Is(err, errReported) {
		return 1
	}
	fmt.Fprintf(e.stderr, "kizuna: %s\n", kizunaMessage(err))
	return 1
}

// errReported means the command already told the user what went wrong.
var errReported = errors.New("reported")

// kizunaMessage is the text shown for an error: a domain error's own message,
// or the error itself, which on the command line is the operator's to read.
func kizunaMessage(err error) string {
	var ke *kizuna.Error
	if errors.As(err, &ke) {
		if ke.Path != "" {
			return fmt.Sprintf("%s (at %s)", ke.Message, ke.Path)
		}
		return ke.Message
	}
	return err.Error()
}

func dispatch(ctx context.Context, e *env, args []string) error {
	// A --db given before the command applies to it.
	var globalDB string
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		name, val, hasVal := strings.Cut(strings.TrimLeft(args[0], "-"), "=")
		switch {
		case name == "h" || name == "help":
			fmt.Fprint(e.stdout, usage)
			return nil
		case name == "db" && hasVal:
			globalDB, args = val, args[1:]
		case name == "db" && len(args) > 1:
			globalDB, args = args[1], args[2:]
		default:
			return &usageError{fmt.Sprintf("unknown flag %s", args[0])}
		}
	}
	if len(args) == 0 {
		return &usageError{"no command given"}
	}
	c := &cmd{env: e, db: globalDB}
	switch cmdName, rest := args[0], args[1:]; cmdName {
	case "account":
		return c.sub(ctx, "account", rest, map[string]func(context.Context, []string) error{"create": c.accountCreate})
	case "token":
		return c.sub(ctx, "token", rest, map[string]func(context.Context, []string) error{"create": c.tokenCreate})
	case "user":
		return c.sub(ctx, "user", rest, map[string]func(context.Context, []string) error{"create": c.userCreate})
	case "catalog":
		return c.sub(ctx, "catalog", rest, map[string]func(context.Context, []string) error{"import": c.catalogImport})
	case "line":
		return c.sub(ctx, "line", rest, map[string]func(context.Context, []string) error{"connect": c.lineConnect, "sync": c.lineSync})
	case "broadcast":
		return c.sub(ctx, "broadcast", rest, map[string]func(context.Context, []string) error{"send": c.broadcastSend, "show": c.broadcastShow, "list": c.broadcastList})
	case "agent":
		return c.sub(ctx, "agent", rest, map[string]func(context.Context, []string) error{"propose": c.agentPropose, "approve": c.agentDecide(true), "cancel": c.agentDecide(false)})
	case "import":
		return c.importFriends(ctx, rest)
	case "preview":
		return c.preview(ctx, rest)
	case "connect":
		return c.connect(ctx, rest)
	case "sync":
		return c.sync(ctx, rest)
	case "serve":
		return c.serve(ctx, rest)
	case "bench":
		if len(rest) > 0 && rest[0] == "send" {
			return c.benchSend(ctx, rest[1:])
		}
		if len(rest) > 0 && rest[0] == "sync" {
			return c.benchSync(ctx, rest[1:])
		}
		if len(rest) > 0 && rest[0] == "agent" {
			return c.benchAgent(ctx, rest[1:])
		}
		return c.bench(ctx, rest)
	case "fake":
		return c.fake(ctx, rest)
	case "demo":
		if len(rest) > 0 && rest[0] == "generate" {
			return c.demoGenerate(ctx, rest[1:])
		}
		return c.demo(ctx, rest)
	case "help":
		fmt.Fprint(e.stdout, usage)
		return nil
	default:
		return &usageError{fmt.Sprintf("unknown command %q", cmdName)}
	}
}

// cmd carries what every subcommand shares.
type cmd struct {
	*env
	db string // from a --db before the command
}

func (c *cmd) sub(ctx context.Context, name string, args []string, subs map[string]func(context.Context, []string) error) error {
	if len(args) == 0 {
		return &usageError{fmt.Sprintf("%s needs a subcommand", name)}
	}
	fn, ok := subs[args[0]]
	if !ok {
		return &usageError{fmt.Sprintf("unknown command %q %q", name, args[0])}
	}
	return fn(ctx, args[1:])
}

// flags returns a FlagSet with the --db flag every command takes.
func (c *cmd) flags(name string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	db := fs.String("db", "", "database DSN: sqlite:PATH or postgres://…")
	return fs, db
}

// parse parses flags and positional arguments in any order and checks the
// number of positional arguments.
func (c *cmd) parse(fs *flag.FlagSet, args []string, minPos, maxPos int, what string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, &usageError{fmt.Sprintf("%s: %v", fs.Name(), err)}
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	if len(pos) < minPos || len(pos) > maxPos {
		return nil, &usageError{fmt.Sprintf("%s takes %s", fs.Name(), what)}
	}
	return pos, nil
}

// open opens the store named by --db, KIZUNA_DB or the default.
func (c *cmd) open(ctx context.Context, flagDB string) (*sqlstore.DB, error) {
	dsn := flagDB
	if dsn == "" {
		dsn = c.db
	}
	if dsn == "" {
		dsn = c.getenv("KIZUNA_DB")
	}
	if dsn == "" {
		dsn = sqlstore.DefaultDSN
	}
	store, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if store.Secrets, err = secretbox.Load(c.getenv("KIZUNA_SECRET_KEY"), c.keyFile(dsn)); err != nil {
		store.Close()
		return nil, err
	}
	return store, nil
}

// keyFile is where the key that encrypts LINE credentials is kept when
// KIZUNA_SECRET_KEY is not set: KIZUNA_SECRET_KEY_FILE, or beside a SQLite
// database (kizuna.db.key for kizuna.db), or kizuna.key in the working
// directory for PostgreSQL. It is created, mode 0600, on first use.
func (c *cmd) keyFile(dsn string) string {
	if f := c.getenv("KIZUNA_SECRET_KEY_FILE"); f != "" {
		return f
	}
	if file, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		return strings.TrimPrefix(file, "//") + ".key"
	}
	return filepath.Join(keyDir, "kizuna.key")
}

// keyDir is where a PostgreSQL deployment's default key file is: the
// working directory (tests point it at a temporary one).
var keyDir = "."

// openAccount opens the store and finds the named account in it, which is
// how every per-account command starts. The caller closes the store.
func (c *cmd) openAccount(ctx context.Context, flagDB, name string) (*sqlstore.DB, *kizuna.Account, error) {
	store, err := c.open(ctx, flagDB)
	if err != nil {
		return nil, nil, err
	}
	a, err := store.FindAccount(ctx, name)
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	return store, a, nil
}

// input opens FILE, or standard input for "-".
func (c *cmd) input(name string) (io.ReadCloser, int64, error) {
	if name == "-" {
		return io.NopCloser(c.stdin), -1, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, 0, err
	}
	size := int64(-1)
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	return f, size, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
