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

	"github.com/kizuna-line/kizuna/internal/linefake"
)

func TestFakeLineFlags(t *testing.T) {
	secret := writeFile(t, "secret", "testsecret\n")
	token := writeFile(t, "token", "tok\n")
	empty := writeFile(t, "empty", " \n")
	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"fake"}, exitUsage, "kizuna fake line"},
		{[]string{"fake", "nosuch"}, exitUsage, "kizuna fake line"},
		{[]string{"fake", "line"}, exitUsage, "--channel-secret-file and --access-token-file"},
		{[]string{"fake", "line", "--channel-secret-file", secret}, exitUsage, "--access-token-file"},
		{[]string{"fake", "line", "--channel-secret-file", secret, "--access-token-file", token, "--fail-rate", "1.5"}, exitUsage, "--fail-rate"},
		{[]string{"fake", "line", "--channel-secret-file", secret, "--access-token-file", token, "--rate-limit", "0"}, exitUsage, "--rate-limit"},
		{[]string{"fake", "line", "--channel-secret-file", secret, "--access-token-file", token, "--latency", "soon"}, exitUsage, "latency"},
		{[]string{"fake", "line", "--channel-secret-file", secret, "--access-token-file", token, "extra"}, exitUsage, "no positional arguments"},
		{[]string{"fake", "line", "--channel-secret-file", empty, "--access-token-file", token}, 1, "channel secret file"},
		{[]string{"fake", "line", "--channel-secret-file", secret, "--access-token-file", secret + ".missing"}, 1, "read the access token"},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}, tc.args)
		if code != tc.code || !strings.Contains(errb.String(), tc.says) {
			t.Errorf("kizuna %s: exit %d, stderr %q; want %d saying %q", strings.Join(tc.args, " "), code, errb.String(), tc.code, tc.says)
		}
	}
}

// TestFakeLineServes runs `kizuna fake line` on a free port and uses it:
// the token and secret come from files, trimmed.
func TestFakeLineServes(t *testing.T) {
	secret := writeFile(t, "secret", "  testsecret\n")
	token := writeFile(t, "token", "tok-123\r\n")
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var errb syncBuffer
	go func() {
		done <- run(ctx, &env{stdin: strings.NewReader(""), stdout: pw, stderr: &errb, getenv: func(string) string { return "" }},
			[]string{"fake", "line", "--addr", "127.0.0.1:0", "--channel-secret-file", secret, "--access-token-file", token, "--rate-limit", "1"})
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		t.Fatalf("no output; stderr %q", errb.String())
	}
	first := lines.Text()
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	_, base, ok := strings.Cut(first, " at ")
	if !ok || !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("first line %q does not name the URL", first)
	}

	call := func(method, path, tok, body string) int {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if s := call("GET", "/v2/bot/info", "tok-123", ""); s != 200 {
		t.Errorf("the trimmed token: %d", s)
	}
	if s := call("GET", "/v2/bot/info", "tok-123x", ""); s != 401 {
		t.Errorf("another token: %d", s)
	}
	const send = `{"to":["U00000000000000000000000000000001"],"messages":[{"type":"text","text":"hi"}]}`
	if s := call("POST", "/v2/bot/message/multicast", "tok-123", send); s != 200 {
		t.Errorf("multicast: %d", s)
	}
	// --rate-limit 1: of the next few, sent at once, some are refused
	// (all of them unless the machine stalls for a second).
	statuses := map[int]int{}
	for range 5 {
		statuses[call("POST", "/v2/bot/message/multicast", "tok-123", send)]++
	}
	if statuses[429] == 0 || len(statuses) > 2 {
		t.Errorf("--rate-limit 1: five multicasts at once answered %v", statuses)
	}

	var mu sync.Mutex
	var sigOK bool
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		sigOK = r.Header.Get("X-Line-Signature") == linefake.Sign("testsecret", b)
		mu.Unlock()
	}))
	defer hook.Close()
	if s := call("PUT", "/v2/bot/channel/webhook/endpoint", "tok-123", `{"endpoint":"`+hook.URL+`"}`); s != 200 {
		t.Fatalf("set webhook: %d", s)
	}
	if s := call("POST", "/fake/events", "", `{"type":"message","userId":"U00000000000000000000000000000001","text":"hello"}`); s != 200 {
		t.Fatalf("event: %d", s)
	}
	mu.Lock()
	if !sigOK {
		t.Error("the webhook was not signed with the trimmed secret")
	}
	mu.Unlock()
	res, err := http.Get(base + "/fake/deliveries")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), `"to":["U00000000000000000000000000000001"]`) || strings.Contains(string(body), "tok-123") {
		t.Errorf("deliveries: %s", body)
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
