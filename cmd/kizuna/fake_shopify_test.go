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

	"github.com/kizuna-line/kizuna/shopify"
)

func TestFakeShopifyFlags(t *testing.T) {
	secret := writeFile(t, "secret", "whsec\n")
	token := writeFile(t, "token", "shpat\n")
	empty := writeFile(t, "empty", " \n")
	creds := []string{"--access-token-file", token, "--webhook-secret-file", secret}
	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"fake", "shopify"}, exitUsage, "--access-token-file and --webhook-secret-file"},
		{append([]string{"fake", "shopify", "--records", "-1"}, creds...), exitUsage, "--records"},
		{append([]string{"fake", "shopify", "--rate", "0"}, creds...), exitUsage, "--rate"},
		{append([]string{"fake", "shopify", "--throttle-status", "500"}, creds...), exitUsage, "--throttle-status"},
		{append([]string{"fake", "shopify", "--webhook-url", "ftp://x"}, creds...), exitUsage, "--webhook-url"},
		{append([]string{"fake", "shopify", "extra"}, creds...), exitUsage, "no positional arguments"},
		{[]string{"fake", "shopify", "--access-token-file", empty, "--webhook-secret-file", secret}, 1, "access token file"},
		{append([]string{"fake", "shopify", "--import", secret + ".missing"}, creds...), 1, "import file"},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}, tc.args)
		if code != tc.code || !strings.Contains(errb.String(), tc.says) {
			t.Errorf("kizuna %s: exit %d, stderr %q; want %d saying %q", strings.Join(tc.args, " "), code, errb.String(), tc.code, tc.says)
		}
	}
}

// TestFakeShopifyServes runs `kizuna fake shopify` with generated and
// imported customers, reads it with Kizuna's client and places an order
// through the admin route, whose webhooks arrive signed.
func TestFakeShopifyServes(t *testing.T) {
	secret := writeFile(t, "secret", "  whsec\n")
	token := writeFile(t, "token", "shpat_1\r\n")
	var mu sync.Mutex
	var topics []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, err := shopify.ReadWebhook(r, "whsec")
		if err != nil {
			http.Error(w, err.Error(), 401)
			return
		}
		mu.Lock()
		topics = append(topics, d.Topic)
		mu.Unlock()
	}))
	defer hook.Close()
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var errb syncBuffer
	go func() {
		done <- run(ctx, &env{stdin: strings.NewReader(""), stdout: pw, stderr: &errb, getenv: func(string) string { return "" }},
			[]string{"fake", "shopify", "--addr", "127.0.0.1:0", "--access-token-file", token, "--webhook-secret-file", secret,
				"--records", "300", "--import", "../../testdata/conformance/friends.ndjson", "--webhook-url", hook.URL})
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		t.Fatalf("no output; stderr %q", errb.String())
	}
	_, base, ok := strings.Cut(lines.Text(), " at ")
	if !ok || !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("first line %q does not name the URL", lines.Text())
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()

	c, err := shopify.New(shopify.Config{BaseURL: base, AccessToken: "shpat_1"})
	if err != nil {
		t.Fatal(err)
	}
	shop, err := c.Check(context.Background())
	if err != nil || shop.CustomersCount <= 300 {
		t.Fatalf("Check: %+v, %v", shop, err)
	}
	res, err := http.Post(base+"/fake/orders", "application/json", strings.NewReader(`{"customer_id":"7000000"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), `"orders_count":4`) {
		t.Errorf("POST /fake/orders: %d %s", res.StatusCode, body)
	}
	mu.Lock()
	if strings.Join(topics, ",") != "orders/create,customers/purchasing_summary,checkouts/update" && strings.Join(topics, ",") != "orders/create,customers/purchasing_summary" {
		t.Errorf("webhooks %q", topics)
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
