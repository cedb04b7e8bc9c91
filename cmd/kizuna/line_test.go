package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kizuna-line/kizuna/internal/linefake"
	"github.com/kizuna-line/kizuna/internal/secretbox"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/sqlstore"
)

// lineCLI runs command lines in-process against one database with a
// secret key, as an operator with KIZUNA_DB and KIZUNA_SECRET_KEY set.
type lineCLI struct {
	t   *testing.T
	dsn string
	key []byte
}

func newLineCLI(t *testing.T, backend string) lineCLI {
	key := make([]byte, secretbox.KeySize)
	rand.Read(key)
	return lineCLI{t: t, dsn: testdb.DSN(t, backend), key: key}
}

func (k lineCLI) run(stdin string, args ...string) result {
	k.t.Helper()
	var out, errb bytes.Buffer
	vars := map[string]string{"KIZUNA_DB": k.dsn, "KIZUNA_SECRET_KEY": base64.StdEncoding.EncodeToString(k.key)}
	e := &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, getenv: func(n string) string { return vars[n] }}
	code := run(context.Background(), e, args)
	return result{code, out.String(), errb.String()}
}

func (k lineCLI) ok(stdin string, args ...string) result {
	k.t.Helper()
	r := k.run(stdin, args...)
	if r.code != 0 {
		k.t.Fatalf("kizuna %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// store opens the database as kizuna serve would, with the same key.
func (k lineCLI) store() *sqlstore.DB {
	k.t.Helper()
	db, err := sqlstore.Open(context.Background(), k.dsn)
	if err != nil {
		k.t.Fatal(err)
	}
	if db.Secrets, err = secretbox.New(k.key); err != nil {
		k.t.Fatal(err)
	}
	k.t.Cleanup(func() { db.Close() })
	return db
}

func lineUser(n int) string { return fmt.Sprintf("U%032d", n) }

// noSecret fails when a command's output holds one of secrets.
func noSecret(t *testing.T, r result, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(r.stdout, s) || strings.Contains(r.stderr, s) {
			t.Errorf("the output holds a secret:\nstdout: %s\nstderr: %s", r.stdout, r.stderr)
		}
	}
}

// TestLineCommands: line connect reads the secrets from files and prints
// the bot and the webhook, never the secrets; line sync pages through
// LINE's followers printing its progress, adds the new ones with an
// estimated date and blocks those LINE no longer returns; LINE's 403 is a
// clear message and exit status 1, and changes no friend. On both backends.
func TestLineCommands(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			const secret, token = "cli-channel-secret-5f2a9c", "cli-access-token-8d41e7b0"
			fake := linefake.New(linefake.Config{ChannelSecret: secret, AccessToken: token})
			srv := httptest.NewServer(fake)
			t.Cleanup(func() { fake.Close(); srv.Close() })
			k := newLineCLI(t, backend)
			k.ok("", "account", "create", "shop")
			k.ok(friendsNDJSON, "import", "--account", "shop", "-") // 1 and 2 following, 3 blocked
			secretFile := writeFile(t, "secret", secret+"\n")
			tokenFile := writeFile(t, "token", "  "+token+"\r\n")

			r := k.ok("", "line", "connect", "--account", "shop", "--channel-secret-file", secretFile, "--access-token-file", tokenFile, "--api-base", srv.URL)
			noSecret(t, r, secret, token)
			if !strings.Contains(r.stdout, `"Kizuna Fake"`) || !strings.Contains(r.stdout, "webhook path: /line/webhook/shop\n") {
				t.Errorf("connect said:\n%s", r.stdout)
			}
			r = k.ok("", "line", "connect", "--account", "shop", "--channel-secret-file", secretFile, "--access-token-file", tokenFile, "--api-base", srv.URL, "--public-url", "https://kizuna.example.com/")
			noSecret(t, r, secret, token)
			if !strings.Contains(r.stdout, "webhook URL: https://kizuna.example.com/line/webhook/shop (registered with LINE)") || fake.WebhookURL() != "https://kizuna.example.com/line/webhook/shop" {
				t.Errorf("connect with --public-url said:\n%s\nLINE has %q", r.stdout, fake.WebhookURL())
			}
			// A token LINE refuses: a clear message, nothing stored, no secret shown.
			wrong := writeFile(t, "wrong", "not-the-token-3e9\n")
			r = k.run("", "line", "connect", "--account", "shop", "--channel-secret-file", secretFile, "--access-token-file", wrong, "--api-base", srv.URL)
			noSecret(t, r, secret, token, "not-the-token-3e9")
			if r.code != 1 || !strings.Contains(r.stderr, "refused the channel access token") {
				t.Errorf("a wrong token: %+v", r)
			}
			for _, c := range []struct {
				args []string
				code int
				says string
			}{
				{[]string{"line", "connect", "--account", "shop", "--channel-secret-file", secretFile}, exitUsage, "--access-token-file"},
				{[]string{"line", "connect", "--account", "shop", "--channel-secret-file", secretFile, "--access-token-file", tokenFile, "--public-url", "kizuna.example.com"}, exitUsage, "--public-url"},
				{[]string{"line", "connect", "--account", "shop", "--channel-secret-file", secretFile + ".missing", "--access-token-file", tokenFile}, 1, "read the channel secret"},
				{[]string{"line", "sync"}, exitUsage, "--account"},
				{[]string{"line", "nap"}, exitUsage, "unknown command"},
			} {
				if r := k.run("", c.args...); r.code != c.code || !strings.Contains(r.stderr, c.says) {
					t.Errorf("kizuna %s: exit %d, stderr %q; want %d saying %q", strings.Join(c.args, " "), r.code, r.stderr, c.code, c.says)
				}
			}

			// LINE knows 1 and two new friends, 4 and 5, two a page; 2 left.
			for _, n := range []int{1, 4, 5} {
				fake.AddFriend(lineUser(n), fmt.Sprintf("Friend %d", n))
			}
			fake.SetFollowersPageCap(2)
			r = k.ok("", "line", "sync", "--account", "shop")
			noSecret(t, r, secret, token)
			for _, want := range []string{
				"page 1: 2 followers seen, 1 new (added date estimated)\n",
				"page 2: 3 followers seen, 2 new (added date estimated)\n",
				"done: 3 followers in 2 page(s), 2 new (added date estimated), 1 no longer following (now blocked)\n",
			} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("sync did not say %q:\n%s", want, r.stdout)
				}
			}
			db := k.store()
			a, err := db.FindAccount(ctx, "shop")
			if err != nil {
				t.Fatal(err)
			}
			status := func() map[string]string {
				out := map[string]string{}
				for n := 1; n <= 5; n++ {
					f, err := db.FindFriend(ctx, a, lineUser(n))
					if err != nil {
						t.Fatalf("friend %d: %v", n, err)
					}
					out[fmt.Sprint(n)] = f.Status
				}
				return out
			}
			before := status()
			if fmt.Sprint(before) != "map[1:following 2:blocked 3:blocked 4:following 5:following]" {
				t.Fatalf("after the sync: %v", before)
			}
			f4, _ := db.FindFriend(ctx, a, lineUser(4))
			if f4.DisplayName != "Friend 4" || !f4.AddedEstimated {
				t.Errorf("a friend known only from the sync: %+v", f4)
			}

			// LINE's 403: exit 1 with the reason, and nobody is blocked.
			fake.SetFollowersForbidden(true)
			fake.Block(lineUser(1))
			r = k.run("", "line", "sync", "--account", "shop")
			noSecret(t, r, secret, token)
			if r.code != 1 || !strings.Contains(r.stderr, "403") || !strings.Contains(r.stderr, "verified") || !strings.Contains(r.stderr, "No friend was changed") {
				t.Errorf("sync under 403: %+v", r)
			}
			if after := status(); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Errorf("a refused sync changed friends: %v, was %v", after, before)
			}
			ls, err := db.LatestLineSync(ctx, a)
			if err != nil || ls.Status != "failed" || ls.ErrorCode != "forbidden" {
				t.Errorf("the refused sync is recorded as %+v (%v)", ls, err)
			}

			// Another account has no channel to sync.
			k.ok("", "account", "create", "other")
			if r := k.run("", "line", "sync", "--account", "other"); r.code != 1 || !strings.Contains(r.stderr, "no LINE channel") {
				t.Errorf("sync without a channel: %+v", r)
			}
		})
	}
}
