package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/jobs"
	"github.com/kizuna-line/kizuna/lineops"
	"github.com/kizuna-line/kizuna/sqlstore"
)

// cliActor is who the records name for a change made on the command line.
const cliActor = "command line"

// lineService is the LINE service over store for a command: no jobs run in
// the command's process, so what it queues is done by kizuna serve.
func (c *cmd) lineService(store *sqlstore.DB, publicURL string) *lineops.Service {
	return &lineops.Service{Store: store, NewAPI: c.lineAPI, PublicURL: publicURL}
}

// lineAPI connects to LINE's Messaging API (or a fake) at apiBase, through
// the official SDK.
func (c *cmd) lineAPI(apiBase, accessToken string) (lineops.API, error) {
	return lineops.SDK(nil)(apiBase, accessToken)
}

// lineConnect: kizuna line connect --account NAME --channel-secret-file FILE
// --access-token-file FILE [--api-base URL] [--public-url URL]. The secrets
// are read from files (never from the command line, where ps would show
// them) and never printed.
func (c *cmd) lineConnect(ctx context.Context, args []string) error {
	fs, db := c.flags("line connect")
	account := fs.String("account", "", "account name")
	secretFile := fs.String("channel-secret-file", "", "file holding the channel secret")
	tokenFile := fs.String("access-token-file", "", "file holding the channel access token")
	apiBase := fs.String("api-base", kizuna.DefaultLineAPIBase, "the Messaging API's base URL (a fake's, for tests and the demo)")
	publicURL := fs.String("public-url", "", "the address LINE reaches Kizuna at: its webhook URL is registered with LINE")
	if _, err := c.parse(fs, args, 0, 0, "no positional arguments"); err != nil {
		return err
	}
	if *account == "" || *secretFile == "" || *tokenFile == "" {
		return &usageError{"line connect needs --account NAME, --channel-secret-file FILE and --access-token-file FILE"}
	}
	if *publicURL != "" {
		if u, err := url.Parse(*publicURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return &usageError{fmt.Sprintf("--public-url %q: give the http(s) address Kizuna is served at", *publicURL)}
		}
	}
	secret, err := readFakeSecret(*secretFile, "channel secret")
	if err != nil {
		return err
	}
	token, err := readFakeSecret(*tokenFile, "access token")
	if err != nil {
		return err
	}
	store, a, err := c.openAccount(ctx, *db, *account)
	if err != nil {
		return err
	}
	defer store.Close()
	svc := c.lineService(store, *publicURL)
	ch, err := svc.Connect(ctx, a, cliActor, *apiBase, secret, token)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "connected account %s to the LINE channel of bot %q (%s) at %s\n", a.Name, ch.BotName, ch.BotUserID, ch.APIBase)
	path := "/line/webhook/" + url.PathEscape(a.Name)
	if u := svc.WebhookURL(a); u != "" {
		fmt.Fprintf(c.stdout, "webhook URL: %s (registered with LINE)\n", u)
	} else {
		fmt.Fprintf(c.stdout, "webhook path: %s\nset https://YOUR-HOST%s as the webhook URL in the LINE Developers console, or connect again with --public-url\n", path, path)
	}
	return nil
}

// lineSync: kizuna line sync --account NAME. The sync runs in this
// process, page by page, printing its progress; friends LINE no longer
// returns become blocked at the end. LINE's 403 (the follower list is only
// for verified and premium accounts) is a clear message and exit status 1,
// and no friend is changed.
func (c *cmd) lineSync(ctx context.Context, args []string) error {
	fs, db := c.flags("line sync")
	account := fs.String("account", "", "account name")
	if _, err := c.parse(fs, args, 0, 0, "no positional arguments"); err != nil {
		return err
	}
	if *account == "" {
		return &usageError{"line sync needs --account NAME"}
	}
	store, a, err := c.openAccount(ctx, *db, *account)
	if err != nil {
		return err
	}
	defer store.Close()
	ch, err := store.LineChannel(ctx, a)
	if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
		return fmt.Errorf("account %s has no LINE channel connected; connect one with: kizuna line connect --account %s ...", a.Name, a.Name)
	} else if err != nil {
		return err
	}
	cred, err := store.LineCredentials(ctx, a)
	if err != nil {
		return err
	}
	api, err := c.lineAPI(ch.APIBase, cred.AccessToken)
	if err != nil {
		return err
	}
	ls, err := store.StartLineSync(ctx, a)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "syncing the followers of %s from LINE (sync %d)\n", a.Name, ls.ID)
	done, err := jobs.SyncFollowers(ctx, store, api, a, ls.ID, func(ls *kizuna.LineSync) {
		fmt.Fprintf(c.stdout, "page %d: %s followers seen, %s new (added date estimated)\n", ls.Pages, thousands(ls.Seen), thousands(ls.Added))
	})
	switch {
	case kizuna.ErrorCode(err) == kizuna.EFORBIDDEN:
		fmt.Fprintf(c.stderr, "kizuna: LINE refused the follower list (HTTP 403): %s\nNo friend was changed.\n", kizunaMessage(err))
		return errReported
	case err != nil:
		// SyncFollowers leaves other failures to its caller: end the sync
		// so that it does not stay "running", blocking nobody.
		stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if _, ferr := store.FailLineSync(stop, a, ls.ID, "error", kizunaMessage(err)); ferr != nil {
			fmt.Fprintf(c.stderr, "kizuna: recording the failed sync: %s\n", kizunaMessage(ferr))
		}
		return fmt.Errorf("the sync stopped, and no friend was blocked: %s", kizunaMessage(err))
	}
	fmt.Fprintf(c.stdout, "done: %s followers in %d page(s), %s new (added date estimated), %s no longer following (now blocked)\n",
		thousands(done.Seen), done.Pages, thousands(done.Added), thousands(done.Blocked))
	return nil
}

// thousands writes n with a comma every three digits.
func thousands(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
