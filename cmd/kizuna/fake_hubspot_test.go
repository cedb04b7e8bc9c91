package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna/hubspot"
)

func TestFakeHubSpotFlags(t *testing.T) {
	secret := writeFile(t, "secret", "testsecret\n")
	token := writeFile(t, "token", "tok\n")
	empty := writeFile(t, "empty", " \n")
	base := []string{"fake", "hubspot", "--access-token-file", token, "--client-secret-file", secret}
	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"fake", "hubspot"}, exitUsage, "--access-token-file and --client-secret-file"},
		{[]string{"fake", "hubspot", "--access-token-file", token}, exitUsage, "--client-secret-file"},
		{append(base, "--records", "-1"), exitUsage, "--records"},
		{append(base, "--records", "5", "--import", token), exitUsage, "do not go together"},
		{append(base, "--rate", "0"), exitUsage, "--rate"},
		{append(base, "--index-lag", "soon"), exitUsage, "index-lag"},
		{append(base, "extra"), exitUsage, "no positional arguments"},
		{[]string{"fake", "hubspot", "--access-token-file", empty, "--client-secret-file", secret}, 1, "access token file"},
		{append(base, "--import", token+".missing"), 1, "read the import file"},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}, tc.args)
		if code != tc.code || !strings.Contains(errb.String(), tc.says) {
			t.Errorf("kizuna %s: exit %d, stderr %q; want %d saying %q", strings.Join(tc.args, " "), code, errb.String(), tc.code, tc.says)
		}
	}
}

// TestFakeHubSpotServes runs `kizuna fake hubspot --import FILE` on a free
// port, reads it with Kizuna's client, and changes a contact through the
// admin route, which sends a signed webhook.
func TestFakeHubSpotServes(t *testing.T) {
	secret := writeFile(t, "secret", "  s3cret\n")
	token := writeFile(t, "token", "pat-123\r\n")
	lines := writeFile(t, "friends.ndjson", `{"line_user_id":"U0123456789abcdef0123456789abcdef","added_at":"2026-01-02T03:04:05Z","status":"following","tags":[],"hubspot":{"contact_id":"51","segments":["VIP"],"properties":{"lifecyclestage":"customer"}}}`+"\n")
	var mu sync.Mutex
	var got []hubspot.Event
	var hookURL string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := &hubspot.Verifier{ClientSecret: "s3cret", URL: hookURL}
		evs, err := v.Verify(r)
		if err != nil {
			w.WriteHeader(401)
			return
		}
		mu.Lock()
		got = append(got, evs...)
		mu.Unlock()
	}))
	defer hook.Close()
	hookURL = hook.URL + "/hubspot/webhook/demo"

	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var errb syncBuffer
	go func() {
		done <- run(ctx, &env{stdin: strings.NewReader(""), stdout: pw, stderr: &errb, getenv: func(string) string { return "" }},
			[]string{"fake", "hubspot", "--addr", "127.0.0.1:0", "--access-token-file", token, "--client-secret-file", secret,
				"--import", lines, "--webhook-url", hookURL})
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	if !sc.Scan() {
		t.Fatalf("no output; stderr %q", errb.String())
	}
	first := sc.Text()
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	_, rest, _ := strings.Cut(first, " at ")
	base, _, _ := strings.Cut(rest, " ")
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("first line %q does not name the URL", first)
	}
	c, err := hubspot.New(hubspot.Config{BaseURL: base, AccessToken: "pat-123"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Check(ctx); err != nil {
		t.Fatalf("the trimmed token: %v", err)
	}
	p, err := c.ListContacts(ctx, "", 10, []string{"lifecyclestage"})
	if err != nil || len(p.Contacts) != 1 || p.Contacts[0].ID != "51" || p.Contacts[0].LineUserID != "U0123456789abcdef0123456789abcdef" {
		t.Fatalf("%+v %v", p, err)
	}
	res, err := http.Post(base+"/fake/contacts/51/properties", "application/json", strings.NewReader(`{"name":"lifecyclestage","value":"evangelist"}`))
	if err != nil || res.StatusCode != 200 {
		t.Fatal(res, err)
	}
	res.Body.Close()
	mu.Lock()
	if len(got) != 1 || got[0].ObjectID != "51" || got[0].PropertyValue != "evangelist" {
		t.Errorf("webhook events %+v", got)
	}
	mu.Unlock()
	bad, _ := hubspot.New(hubspot.Config{BaseURL: base, AccessToken: "pat-123x"})
	if err := bad.Check(ctx); err == nil {
		t.Error("another token was accepted")
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d; stderr %q", code, errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the fake did not stop")
	}
}
