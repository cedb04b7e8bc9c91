package sources

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
)

// groupStore counts the deliveries applied together.
type groupStore struct {
	*blockingStore
	mu     sync.Mutex
	groups []int
}

func (s *groupStore) ApplyDeliveries(ctx context.Context, a *kizuna.Account, source string, ds []kizuna.Delivery) ([]*kizuna.RecordsResult, error) {
	s.mu.Lock()
	s.groups = append(s.groups, len(ds))
	s.mu.Unlock()
	return s.blockingStore.WebhookStore.ApplyDeliveries(ctx, a, source, ds)
}

// TestWebhookGroupCommit: deliveries that wait while another of the
// account is written are written together, in one ApplyDeliveries, and
// each is answered as if written alone; a replay of one of them is then
// a duplicate.
func TestWebhookGroupCommit(t *testing.T) {
	env := newHookEnv(t, "sqlite")
	ctx := context.Background()
	env.shop.SetWebhookURL("")
	_, d1 := env.shop.CreateCustomer(ctx, hookShopFriend, "")
	_, d2 := env.shop.CreateCustomer(ctx, hookOtherFriend, "")
	_, d3 := env.shop.CreateCustomer(ctx, hookHubFriend, "")
	st := &groupStore{blockingStore: &blockingStore{WebhookStore: env.eng, entered: make(chan struct{}), release: make(chan struct{})}}
	hooks := &Webhooks{Store: st, Options: Options{Now: env.clock.Now}}
	mux := http.NewServeMux()
	mux.Handle("POST /shopify/webhook/{account}", hooks.Shopify())
	srv := httptest.NewServer(mux)
	defer srv.Close()
	url := srv.URL + "/shopify/webhook/shop"
	type answer struct {
		status int
		body   string
	}
	answers := make(chan answer, 3)
	send := func(req *http.Request) {
		go func() {
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				answers <- answer{}
				return
			}
			defer res.Body.Close()
			var b strings.Builder
			buf := make([]byte, 512)
			n, _ := res.Body.Read(buf)
			b.Write(buf[:n])
			answers <- answer{res.StatusCode, b.String()}
		}()
	}
	send(env.shopifyRequest(url, d1))
	<-st.entered // the first delivery is being written
	send(env.shopifyRequest(url, d2))
	send(env.shopifyRequest(url, d3))
	q := hooks.writer(env.a)
	for deadline := time.Now().Add(10 * time.Second); ; {
		q.mu.Lock()
		n := len(q.pending)
		q.mu.Unlock()
		if n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d deliveries wait for the account's turn, not 2", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	st.release <- struct{}{}
	for range 3 {
		if a := <-answers; a.status != http.StatusOK || !strings.Contains(a.body, "applied") {
			t.Fatalf("a delivery: %d %s", a.status, a.body)
		}
	}
	st.mu.Lock()
	groups := st.groups
	st.mu.Unlock()
	if len(groups) != 1 || groups[0] != 2 {
		t.Fatalf("deliveries written together: %v, want [2]", groups)
	}
	if env.records() != 3 || env.count(condShopify) != 3 {
		t.Fatalf("%d records, %d friends with Shopify data", env.records(), env.count(condShopify))
	}
	// A replay, alone: written by ApplyDelivery, a duplicate.
	go func() { <-st.entered; st.release <- struct{}{} }()
	if status, body := env.post(env.shopifyRequest(url, d2)); status != http.StatusOK || !strings.Contains(body, "duplicate") {
		t.Fatalf("a replay: %d %s", status, body)
	}
}
