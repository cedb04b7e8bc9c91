package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/jobs"
	"github.com/kizuna-line/kizuna/sources"
)

// connect: kizuna connect shopify|hubspot|klaviyo --account NAME
// [--api-base URL] and the source's credentials, read from files (never
// from the command line, where ps would show them) and never printed:
// Shopify --shop-domain D --access-token-file F --webhook-secret-file F;
// HubSpot --access-token-file F --client-secret-file F; Klaviyo
// --api-key-file F. One real call checks them before anything is stored.
func (c *cmd) connect(ctx context.Context, args []string) error {
	if len(args) == 0 || !kizuna.ValidSource(args[0]) {
		return &usageError{"connect needs a source: kizuna connect shopify|hubspot|klaviyo --account NAME …"}
	}
	source := args[0]
	fs, db := c.flags("connect " + source)
	account := fs.String("account", "", "account name")
	apiBase := fs.String("api-base", "", "the source's API base URL (default the vendor's; a fake's for tests and the demo)")
	files := map[string]*string{}
	config := map[string]*string{}
	switch source {
	case kizuna.SourceShopify:
		config["shop_domain"] = fs.String("shop-domain", "", "the shop's domain, such as example.myshopify.com")
		config["api_version"] = fs.String("api-version", "", "the pinned Admin API version (default the client's)")
		files["access_token"] = fs.String("access-token-file", "", "file holding the Admin API access token")
		files["webhook_secret"] = fs.String("webhook-secret-file", "", "file holding the secret that signs the shop's webhooks")
	case kizuna.SourceHubSpot:
		files["access_token"] = fs.String("access-token-file", "", "file holding the private app's access token")
		files["client_secret"] = fs.String("client-secret-file", "", "file holding the app's client secret (signs webhooks)")
	case kizuna.SourceKlaviyo:
		files["api_key"] = fs.String("api-key-file", "", "file holding the private API key")
	}
	if _, err := c.parse(fs, args[1:], 0, 0, "no positional arguments after the source"); err != nil {
		return err
	}
	if *account == "" {
		return &usageError{fmt.Sprintf("connect %s needs --account NAME", source)}
	}
	for _, name := range kizuna.RequiredSecrets(source) {
		if *files[name] == "" {
			return &usageError{fmt.Sprintf("connect %s needs --%s-file FILE", source, strings.ReplaceAll(name, "_", "-"))}
		}
	}
	conn := kizuna.Connection{Source: source, APIBase: *apiBase, Config: map[string]string{}}
	for k, v := range config {
		if *v != "" {
			conn.Config[k] = *v
		}
	}
	if source == kizuna.SourceShopify && conn.Config["shop_domain"] == "" {
		return &usageError{"connect shopify needs --shop-domain D"}
	}
	secrets := kizuna.ConnectionSecrets{}
	for name, file := range files {
		v, err := readFakeSecret(*file, name)
		if err != nil {
			return err
		}
		secrets[name] = v
	}
	store, a, err := c.openAccount(ctx, *db, *account)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := sources.Connect(ctx, store, a, cliActor, conn, secrets, sources.Options{}); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "connected %s to %s; start its sync with: kizuna sync --account %s --source %s\n", source, a.Name, a.Name, source)
	return nil
}

// sync: kizuna sync --account NAME [--source S] [--kind backfill|poll|reconcile]
// runs the sync of each connected source (or one) in this process,
// printing its progress. A sync cut short (this command killed, say)
// resumes from its cursor the next time.
func (c *cmd) sync(ctx context.Context, args []string) error {
	fs, db := c.flags("sync")
	account := fs.String("account", "", "account name")
	only := fs.String("source", "", "one source: shopify, hubspot or klaviyo (default every connected one)")
	kind := fs.String("kind", kizuna.SyncBackfill, "backfill (every record), poll (those updated since the last sync) or reconcile")
	if _, err := c.parse(fs, args, 0, 0, "no positional arguments"); err != nil {
		return err
	}
	if *account == "" {
		return &usageError{"sync needs --account NAME"}
	}
	if *only != "" && !kizuna.ValidSource(*only) {
		return &usageError{fmt.Sprintf("--source %q: shopify, hubspot or klaviyo", *only)}
	}
	store, a, err := c.openAccount(ctx, *db, *account)
	if err != nil {
		return err
	}
	defer store.Close()
	conns, err := store.Connections(ctx, a)
	if err != nil {
		return err
	}
	readers := sources.For(sources.Options{})
	ran := 0
	for _, conn := range conns {
		if *only != "" && conn.Source != *only {
			continue
		}
		ran++
		secrets, err := store.ConnectionSecrets(ctx, a, conn.Source)
		if err != nil {
			return err
		}
		since, err := jobs.PollSince(ctx, store, a, conn.Source)
		if err != nil {
			return err
		}
		r, err := readers(&conn, secrets, since)
		if err != nil {
			return err
		}
		s, err := store.StartSourceSync(ctx, a, conn.Source, *kind, "kizuna sync")
		if err != nil {
			return err
		}
		if s.Resumed {
			fmt.Fprintf(c.stdout, "%s: resuming the %s cut short after %d records\n", conn.Source, s.Kind, s.Records)
		}
		done, err := jobs.SyncSource(ctx, store, r, a, s, func(n int64) {
			fmt.Fprintf(c.stdout, "%s: %d records\n", conn.Source, n)
		})
		if err != nil {
			store.FailSourceSync(context.WithoutCancel(ctx), a, s.ID, kizuna.ErrorMessage(err))
			return err
		}
		fmt.Fprintf(c.stdout, "%s: done, %d records\n", conn.Source, done.Records)
	}
	if ran == 0 {
		return kizuna.Errorf(kizuna.ECONFLICT, "no source is connected to account %q: connect one with kizuna connect", a.Name)
	}
	return nil
}
