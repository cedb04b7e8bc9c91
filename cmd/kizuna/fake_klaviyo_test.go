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

	"github.com/kizuna-line/kizuna/klaviyo"
)

func TestFakeKlaviyoFlags(t *testing.T) {
	key := writeFile(t, "key", "pk_test\n")
	empty := writeFile(t, "empty", " \n")
	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"fake", "klaviyo"}, exitUsage, "--api-key-file"},
		{[]string{"fake", "klaviyo", "--api-key-file", key, "--rate", "fast"}, exitUsage, "BURST/STEADY"},
		{[]string{"fake", "klaviyo", "--api-key-file", key, "--rate", "0/10"}, exitUsage, "BURST/STEADY"},
		{[]string{"fake", "klaviyo", "--api-key-file", key, "--records", "-1"}, exitUsage, "--records"},
		{[]string{"fake", "klaviyo", "--api-key-file", key, "--records", "5", "--import", key}, exitUsage, "not both"},
		{[]string{"fake", "klaviyo", "--api-key-file", key, "--webhook-url", "http://x"}, exitUsage, "--webhook-secret-file"},
		{[]string{"fake", "klaviyo", "--api-key-file", key, "extra"}, exitUsage, "no positional arguments"},
		{[]string{"fake", "klaviyo", "--api-key-file", empty}, 1, "API key file"},
		{[]string{"fake", "klaviyo", "--api-key-file", key + ".missing"}, 1, "read the API key"},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}, tc.args)
		if code != tc.code || !strings.Contains(errb.String(), tc.says) {
			t.Errorf("kizuna %s: exit %d, stderr %q; want %d saying %q", strings.Join(tc.args, " "), code, errb.String(), tc.code, tc.says)
		}
	}
}

// TestFakeKlaviyoServes runs `kizuna fake klaviyo` on a free port with
// generated profiles and reads them with Kizuna's client; a property
// change through the admin route shows in the next poll, and a webhook is
// signed with the trimmed secret.
func TestFakeKlaviyoServes(t *testing.T) {
	key := writeFile(t, "key", "  pk_test_abc\n")
	secret := writeFile(t, "secret", "webhook-secret-0123\n")
	var mu sync.Mutex
	var hookErr error = io.EOF
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := klaviyo.ReadWebhook(r, "webhook-secret-0123")
		mu.Lock()
		hookErr = err
		mu.Unlock()
	}))
	defer hook.Close()
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var errb syncBuffer
	go func() {
		done <- run(ctx, &env{stdin: strings.NewReader(""), stdout: pw, stderr: &errb, getenv: func(string) string { return "" }},
			[]string{"fake", "klaviyo", "--addr", "127.0.0.1:0", "--api-key-file", key, "--records", "120", "--rate", "off",
				"--webhook-url", hook.URL, "--webhook-secret-file", secret})
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		t.Fatalf("no output; stderr %q", errb.String())
	}
	first := lines.Text()
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	_, rest, ok := strings.Cut(first, " at ")
	base, _, _ := strings.Cut(rest, " ")
	if !ok || !strings.HasPrefix(base, "http://127.0.0.1:") || !strings.Contains(first, "120 profiles") {
		t.Fatalf("first line %q does not name the URL and the profiles", first)
	}
	c, err := klaviyo.New(klaviyo.Config{BaseURL: base, APIKey: "pk_test_abc"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Check(ctx); err != nil {
		t.Fatalf("check: %v", err)
	}
	var ids []string
	if err := c.Profiles(ctx, klaviyo.ProfileQuery{}, "", func(p *klaviyo.ProfilePage) error {
		for _, pr := range p.Profiles {
			ids = append(ids, pr.ID)
		}
		return nil
	}); err != nil || len(ids) != 120 {
		t.Fatalf("read %d profiles: %v", len(ids), err)
	}
	since := time.Now().Add(time.Second)
	time.Sleep(1100 * time.Millisecond)
	post := func(path, body string) int {
		res, err := http.Post(base+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if s := post("/fake/profiles/"+ids[7]+"/properties", `{"plan":"platinum"}`); s != 204 {
		t.Fatalf("property change: %d", s)
	}
	var changed []klaviyo.Profile
	if err := c.UpdatedSince(ctx, since, "", func(p *klaviyo.ProfilePage) error {
		changed = append(changed, p.Profiles...)
		return nil
	}); err != nil || len(changed) != 1 || changed[0].ID != ids[7] || string(changed[0].Properties["plan"]) != `"platinum"` {
		t.Errorf("updated since: %+v %v", changed, err)
	}
	if s := post("/fake/webhooks", `{"profile_id":"`+ids[7]+`"}`); s != 200 {
		t.Fatalf("webhook: %d", s)
	}
	mu.Lock()
	if hookErr != nil {
		t.Errorf("the webhook did not verify: %v", hookErr)
	}
	mu.Unlock()
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
