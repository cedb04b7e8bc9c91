package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna/internal/testdb"
)

// result is what one command printed and returned.
type result struct {
	code           int
	stdout, stderr string
}

// kizunaCLI runs command lines in-process against one database.
type kizunaCLI struct {
	t   *testing.T
	dsn string
}

func (k kizunaCLI) run(stdin string, args ...string) result {
	k.t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, getenv: func(n string) string {
		if n == "KIZUNA_DB" {
			return k.dsn
		}
		return ""
	}}
	code := run(context.Background(), e, args)
	return result{code, out.String(), errb.String()}
}

func (k kizunaCLI) ok(stdin string, args ...string) result {
	k.t.Helper()
	r := k.run(stdin, args...)
	if r.code != 0 {
		k.t.Fatalf("kizuna %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const friendsNDJSON = `{"line_user_id": "U00000000000000000000000000000001", "display_name": "Aiko", "added_at": "2026-11-20T10:00:00+09:00", "tags": ["VIP"], "shopify": {"customer_id": "1", "orders_count": 4, "last_order_at": "2026-08-01T12:00:00Z"}}
{"line_user_id": "U00000000000000000000000000000002", "display_name": "Ben", "added_at": "2026-11-27T10:00:00+09:00", "tags": ["新規"], "hubspot": {"contact_id": "9", "segments": ["101"], "properties": {"lifecyclestage": "customer"}}}
{"line_user_id": "U00000000000000000000000000000003", "display_name": "Chika", "added_at": "2025-01-01T00:00:00+09:00", "status": "blocked", "tags": ["VIP"]}
`

const vipFilter = `{"groups":[{"conditions":[{"field":"tag","op":"has","value":"VIP"}]},{"conditions":[{"field":"hubspot.segment","op":"member_of","value":["101"]}]}]}`

// TestCLIContract checks the command-line contract that scripts depend on, on every backend.
func TestCLIContract(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			k := kizunaCLI{t: t, dsn: testdb.DSN(t, backend)}
			k.ok("", "account", "create", "shop")
			k.ok("", "account", "create", "la-shop", "--timezone", "America/Los_Angeles")
			if r := k.run("", "account", "create", "shop"); r.code == 0 || !strings.Contains(r.stderr, "already exists") {
				t.Errorf("duplicate account: %+v", r)
			}
			if r := k.run("", "account", "create", "x", "--timezone", "Mars/Olympus"); r.code == 0 || !strings.Contains(r.stderr, "Mars/Olympus") {
				t.Errorf("unknown zone accepted: %+v", r)
			}

			// token create prints the token and nothing else.
			tok := k.ok("", "token", "create", "--account", "shop").stdout
			if !regexp.MustCompile(`^kzn_[A-Za-z0-9_-]{43}\n$`).MatchString(tok) {
				t.Errorf("token output %q", tok)
			}

			// import from a file and from standard input.
			file := writeFile(t, "friends.ndjson", friendsNDJSON)
			if r := k.ok("", "import", "--account", "shop", file); !strings.Contains(r.stdout, "imported 3 friend(s)") {
				t.Errorf("import said %q", r.stdout)
			}
			k.ok(friendsNDJSON, "import", "--account", "la-shop", "-")

			// preview --json prints the spec section 6 object.
			ff := writeFile(t, "filter.json", vipFilter)
			var p struct {
				Count  int64 `json:"count"`
				Sample []struct {
					LineUserID  string `json:"line_user_id"`
					DisplayName string `json:"display_name"`
					AddedAt     string `json:"added_at"`
				} `json:"sample"`
				Summary     string `json:"summary"`
				EvaluatedAt string `json:"evaluated_at"`
			}
			r := k.ok("", "preview", "--account", "shop", "--filter", ff, "--now", "2026-11-28T03:00:00Z", "--json")
			if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
				t.Fatalf("preview --json is not JSON: %v\n%s", err, r.stdout)
			}
			if p.Count != 2 || len(p.Sample) != 2 || p.Sample[0].LineUserID != "U00000000000000000000000000000002" || p.Summary == "" || p.EvaluatedAt != "2026-11-28T03:00:00Z" {
				t.Errorf("preview: %+v", p)
			}
			// the filter from standard input, in Japanese.
			r = k.ok(vipFilter, "preview", "--account", "shop", "--filter", "-", "--lang", "ja", "--json")
			json.Unmarshal([]byte(r.stdout), &p)
			if !strings.Contains(p.Summary, "タグ") {
				t.Errorf("ja summary %q", p.Summary)
			}
			// without --json: a readable answer.
			r = k.ok(vipFilter, "preview", "--account", "shop", "--filter", "-")
			if !strings.Contains(r.stdout, "2 friend(s) match") || !strings.Contains(r.stdout, "Aiko") {
				t.Errorf("text preview %q", r.stdout)
			}

			// a refused filter prints the spec section 4 object and exits non-zero.
			r = k.run(`{"groups":[{"conditions":[{"field":"tag","op":"has","value":"nope"}]}]}`, "preview", "--account", "shop", "--filter", "-", "--json")
			var e struct {
				Error struct{ Code, Message, Path string } `json:"error"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &e); err != nil || r.code == 0 || e.Error.Code != "invalid_filter" || e.Error.Path != "groups[0].conditions[0].value" {
				t.Errorf("refused filter: %+v %+v", r, e)
			}

			// bad lines: reported with numbers, nothing imported, exit non-zero.
			bad := friendsNDJSON + `{"line_user_id": "nope", "added_at": "2026-01-01T00:00:00Z"}` + "\n" + `{"line_user_id": "U00000000000000000000000000000009"}` + "\n"
			r = k.run(bad, "import", "--account", "la-shop", "-")
			if r.code == 0 || !strings.Contains(r.stderr, "line 4:") || !strings.Contains(r.stderr, "line 5:") || !strings.Contains(r.stderr, "nothing was imported") {
				t.Errorf("bad import: %+v", r)
			}
			r = k.ok(bad, "import", "--account", "la-shop", "--skip-invalid", "-")
			if !strings.Contains(r.stdout, "skipped 2 bad line(s)") {
				t.Errorf("skip-invalid: %+v", r)
			}

			// catalog import, then the summary speaks in catalog names.
			cat := writeFile(t, "catalog.json", `{"hubspot": {"segments": [{"id": "101", "name": "Trade show leads 2026"}], "properties": []}}`)
			k.ok("", "catalog", "import", "--account", "shop", cat)
			r = k.ok(vipFilter, "preview", "--account", "shop", "--filter", "-", "--json")
			json.Unmarshal([]byte(r.stdout), &p)
			if !strings.Contains(p.Summary, "Trade show leads 2026") {
				t.Errorf("summary without catalog name: %q", p.Summary)
			}

			// an unknown account is an error, in JSON with --json.
			r = k.run(vipFilter, "preview", "--account", "nobody", "--filter", "-", "--json")
			if r.code == 0 || !strings.Contains(r.stdout, `"not_found"`) {
				t.Errorf("unknown account: %+v", r)
			}
			// usage mistakes exit 2.
			if r := k.run("", "import", "--account", "shop"); r.code != exitUsage {
				t.Errorf("import without FILE: %+v", r)
			}
			if r := k.run("", "frobnicate"); r.code != exitUsage {
				t.Errorf("unknown command: %+v", r)
			}
		})
	}
}

// TestDBFlagWinsOverEnvironment checks where the database comes from.
func TestDBFlagWinsOverEnvironment(t *testing.T) {
	envDSN := testdb.DSN(t, "sqlite")
	flagDSN := testdb.DSN(t, "sqlite")
	k := kizunaCLI{t: t, dsn: envDSN}
	k.ok("", "--db", flagDSN, "account", "create", "a1")
	k.ok("", "account", "create", "a2", "--db", flagDSN)
	k.ok("", "account", "create", "a1") // free in the KIZUNA_DB database
	if r := k.run("", "account", "create", "a2", "--db="+flagDSN); r.code == 0 {
		t.Errorf("a2 should exist in the --db database: %+v", r)
	}
}

// TestBinary builds the real binary and runs the contract as a script would:
// exit codes, standard output, the server and the demo.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "kizuna")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	cmd := func(stdin string, args ...string) (string, int) {
		c := exec.Command(bin, args...)
		c.Dir = dir
		c.Env = append(os.Environ(), "KIZUNA_DB=")
		c.Stdin = strings.NewReader(stdin)
		var out bytes.Buffer
		c.Stdout = &out
		c.Stderr = io.Discard
		err := c.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), code
	}
	// The default database is sqlite:./kizuna.db in the working directory.
	if _, code := cmd("", "account", "create", "shop"); code != 0 {
		t.Fatal("account create failed")
	}
	if _, err := os.Stat(filepath.Join(dir, "kizuna.db")); err != nil {
		t.Fatalf("default database not created: %v", err)
	}
	if _, code := cmd(friendsNDJSON, "import", "--account", "shop", "-"); code != 0 {
		t.Fatal("import failed")
	}
	out, code := cmd(`{"groups":[]}`, "preview", "--account", "shop", "--filter", "-", "--json")
	if code == 0 || !strings.Contains(out, `"invalid_filter"`) || !strings.Contains(out, `"path": "groups"`) {
		t.Errorf("refused filter: exit %d, %s", code, out)
	}
	token, _ := cmd("", "token", "create", "--account", "shop")
	token = strings.TrimSpace(token)

	// serve answers previews over HTTP with the token, and stops on SIGINT.
	srv := exec.Command(bin, "serve", "--addr", "127.0.0.1:0")
	srv.Dir = dir
	srv.Env = append(os.Environ(), "KIZUNA_DB=")
	stdout, _ := srv.StdoutPipe()
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Process.Kill()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("serve printed nothing: %v", err)
	}
	m := regexp.MustCompile(`http://(\S+)/api/v1`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("serve printed %q", line)
	}
	req, _ := http.NewRequest("POST", fmt.Sprintf("http://%s/api/v1/accounts/shop/preview", m[1]), strings.NewReader(`{"filter":`+vipFilter+`}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"count":2`) {
		t.Errorf("HTTP preview: %d %s", resp.StatusCode, body)
	}
	srv.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- srv.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve exited with %v after SIGINT", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("serve did not stop on SIGINT")
	}
}

// TestUserCreate makes the first owner of an account from the command line.
func TestUserCreate(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			k := kizunaCLI{t: t, dsn: testdb.DSN(t, backend)}
			k.ok("", "account", "create", "shop")
			out := k.ok("correct horse battery\n", "user", "create", "--email", "Owner@Example.com", "--account", "shop").stdout
			if out != "created user owner@example.com, owner of shop\n" {
				t.Fatalf("stdout %q", out)
			}
			for _, c := range []struct {
				stdin string
				args  []string
				want  string
			}{
				{"correct horse battery\n", []string{"--email", "owner@example.com"}, "already exists"},
				{"short\n", []string{"--email", "b@example.com"}, "at least 10 characters"},
				{"", []string{"--email", "c@example.com"}, "standard input"},
				{"correct horse battery\n", []string{"--email", "d@example.com", "--account", "nope"}, "nope"},
				{"correct horse battery\n", []string{"--email", "e@example.com", "--account", "shop", "--role", "admin"}, "--role"},
			} {
				r := k.run(c.stdin, append([]string{"user", "create"}, c.args...)...)
				if r.code == 0 || !strings.Contains(r.stderr, c.want) || strings.Contains(r.stderr, "correct horse") {
					t.Errorf("user create %v: exit %d, stderr %q (want it to mention %q, never the password)", c.args, r.code, r.stderr, c.want)
				}
			}
			// The refused role left no user behind: the address is free.
			if out := k.ok("correct horse battery\n", "user", "create", "--email", "e@example.com", "--account", "shop", "--role", "member").stdout; out != "created user e@example.com, member of shop\n" {
				t.Fatalf("stdout %q", out)
			}
		})
	}
}
