package sources

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/hubspotfake"
	"github.com/kizuna-line/kizuna/internal/shopifyfake"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

// Sizes of the webhook benchmarks.
const (
	benchHookRecords = 1000 // customers and contacts the deliveries are about, each a friend
	benchHookSenders = 32   // deliveries in flight at once
)

// benchHookUser is the LINE user ID of record i.
func benchHookUser(i int) string { return fmt.Sprintf("U%032x", 0xb0000+i) }

// benchHookFriends imports n friends more, benchHookUser(0…n-1).
func benchHookFriends(b *testing.B, env *hookEnv, n int) {
	b.Helper()
	var lines bytes.Buffer
	for i := range n {
		fmt.Fprintf(&lines, `{"line_user_id":%q,"display_name":"Bench","added_at":"2026-10-01T00:00:00Z","status":"following"}`+"\n", benchHookUser(i))
	}
	if _, err := env.db.ImportFriends(context.Background(), env.a, &lines, kizuna.ImportOptions{}); err != nil {
		b.Fatal(err)
	}
}

// benchSend posts the requests, benchHookSenders at once, and returns
// how long they took; any answer but 200 fails the benchmark.
func benchSend(b *testing.B, reqs []*http.Request) time.Duration {
	b.Helper()
	return benchSendN(b, reqs, benchHookSenders)
}

// benchSendN is benchSend with senders in flight.
func benchSendN(b *testing.B, reqs []*http.Request, senders int) time.Duration {
	b.Helper()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders}}
	defer client.CloseIdleConnections()
	var next atomic.Int64
	var failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(reqs) {
					return
				}
				res, err := client.Do(reqs[i])
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, res.Status+" "+string(body))
				}
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d deliveries failed, the first: %v", n, len(reqs), firstErr.Load())
	}
	return took
}

// BenchmarkWebhookIngest measures deliveries applied a second, per source
// and backend: each a signed delivery about one of 1,000 records (each a
// friend), verified, its record read again from the fake (Shopify: one
// GraphQL call; HubSpot: a batch read and the contact's lists, two calls)
// and applied through the engine, 32 deliveries in flight. The fakes'
// rate limits are lifted: the real vendors' bound the re-reads (see
// DOCS.md).
func BenchmarkWebhookIngest(b *testing.B) {
	for _, source := range []string{"shopify", "hubspot"} {
		for _, backend := range testdb.Backends() {
			b.Run(source+"/"+backend, func(b *testing.B) {
				env := newHookEnvWith(b, backend, true)
				benchHookFriends(b, env, benchHookRecords)
				ctx := context.Background()
				ids := make([]string, benchHookRecords)
				env.shop.SetWebhookURL("")
				env.hub.SetWebhookURL("")
				for i := range ids {
					if source == "shopify" {
						ids[i], _ = env.shop.CreateCustomer(ctx, benchHookUser(i), "")
					} else {
						id, err := env.hub.CreateContact(ctx, map[string]string{"line_user_id": benchHookUser(i), "company": "ACME"})
						if err != nil {
							b.Fatal(err)
						}
						ids[i] = id
					}
				}
				reqs := make([]*http.Request, b.N)
				now := time.Now()
				for i := range reqs {
					id := ids[i%len(ids)]
					if source == "shopify" {
						reqs[i] = benchShopifyDelivery(b, env, id, i, now)
					} else {
						reqs[i] = benchHubSpotDelivery(b, env, id, i, now)
					}
				}
				b.ResetTimer()
				took := benchSend(b, reqs)
				b.StopTimer()
				b.ReportMetric(float64(b.N)/took.Seconds(), "deliveries/s")
				if n := env.records(); n != min(b.N, benchHookRecords) {
					b.Fatalf("%d records stored after %d deliveries", n, b.N)
				}
			})
		}
	}
}

// benchShopifyDelivery is a customers/update delivery about customer id,
// signed as Shopify signs it.
func benchShopifyDelivery(b *testing.B, env *hookEnv, id string, i int, at time.Time) *http.Request {
	n, _ := strconv.ParseInt(id, 10, 64)
	body, _ := json.Marshal(map[string]any{"id": n, "admin_graphql_api_id": "gid://shopify/Customer/" + id, "email": nil,
		"updated_at": at.Format(time.RFC3339)})
	d := &shopifyfake.Delivery{WebhookID: fmt.Sprintf("bench-%d", i), EventID: fmt.Sprintf("bench-event-%d", i), Topic: "customers/update", TriggeredAt: at, Body: body}
	return env.shopifyRequest(env.srv.URL+"/shopify/webhook/shop", d)
}

// benchHubSpotDelivery is a batch of one contact.propertyChange about
// contact id, signed as HubSpot signs it.
func benchHubSpotDelivery(b *testing.B, env *hookEnv, id string, i int, at time.Time) *http.Request {
	n, _ := strconv.ParseInt(id, 10, 64)
	body, _ := json.Marshal([]hubspotfake.Event{{ObjectID: n, PropertyName: "company", PropertyValue: "ACME", ChangeSource: "API",
		EventID: int64(1e9 + i), SubscriptionID: hubspotfake.SubscriptionPropertyChange, PortalID: 1, AppID: 1,
		OccurredAt: at.UnixMilli(), SubscriptionType: "contact.propertyChange"}})
	return hubspotSigned(env.srv.URL+"/hubspot/webhook/shop", string(body), strconv.FormatInt(at.UnixMilli(), 10))
}

// BenchmarkWebhookOrderToPreview measures, per backend, the time from an
// orders/create delivery sent to the receiver until the next preview
// (the engine's, its index loaded, 10,000 friends) counts the friend in
// "purchased exactly N times": one order an iteration, p50 and p95
// reported.
func BenchmarkWebhookOrderToPreview(b *testing.B) {
	for _, backend := range testdb.Backends() {
		b.Run(backend, func(b *testing.B) {
			env := newHookEnvWith(b, backend, true)
			benchHookFriends(b, env, 10000)
			ctx := context.Background()
			id, d := env.shop.CreateCustomer(ctx, hookShopFriend, "")
			if d.LastStatus != http.StatusOK {
				b.Fatalf("customers/create answered %d", d.LastStatus)
			}
			env.eng.Load(env.a)
			for deadline := time.Now().Add(time.Minute); !env.eng.Ready(env.a); time.Sleep(5 * time.Millisecond) {
				if time.Now().After(deadline) {
					b.Fatal("the engine's index was not ready after a minute")
				}
			}
			env.shop.SetWebhookURL("") // the order's deliveries are sent below, one
			url := env.srv.URL + "/shopify/webhook/shop"
			client := &http.Client{}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 1; i <= b.N; i++ {
				b.StopTimer()
				o, err := env.shop.PlaceOrder(ctx, id)
				if err != nil {
					b.Fatal(err)
				}
				cond := fmt.Sprintf(`{"field":"shopify.orders_count","op":"eq","value":%d}`, i)
				if env.count(cond) != 0 {
					b.Fatal("the order counted before its webhook")
				}
				req := env.shopifyRequest(url, o.Deliveries[0]) // orders/create
				b.StartTimer()
				start := time.Now()
				res, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				n := env.count(cond)
				took := time.Since(start)
				b.StopTimer()
				if res.StatusCode != http.StatusOK || n != 1 {
					b.Fatalf("order %d: answered %d, counted %d", i, res.StatusCode, n)
				}
				lat = append(lat, took)
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
		})
	}
}

// BenchmarkWebhookApplyOnly is the store's part of a delivery alone, per
// backend: ApplyDelivery of one customer record (a friend's, its orders
// count changed) with its two keys, one after another, as the account's
// writes are taken one at a time. Its rate is the ceiling of
// BenchmarkWebhookIngest for one account.
func BenchmarkWebhookApplyOnly(b *testing.B) {
	for _, backend := range testdb.Backends() {
		b.Run(backend, func(b *testing.B) {
			env := newHookEnvWith(b, backend, true)
			benchHookFriends(b, env, benchHookRecords)
			ctx := context.Background()
			start := time.Now()
			b.ResetTimer()
			for i := range b.N {
				rec := kizuna.SourceRecord{Source: kizuna.SourceShopify, RecordID: strconv.Itoa(i % benchHookRecords), LineUserID: benchHookUser(i % benchHookRecords),
					UpdatedAt: start.Add(time.Duration(i) * time.Millisecond),
					Shopify:   &kizuna.ShopifyCustomer{Tags: []string{}, OrdersCount: int64(i), Checkouts: []kizuna.Checkout{}}}
				if _, err := env.eng.ApplyDelivery(ctx, env.a, kizuna.SourceShopify, []string{"webhook:" + strconv.Itoa(i), "event:" + strconv.Itoa(i)}, []kizuna.SourceRecord{rec}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "deliveries/s")
		})
	}
}

// BenchmarkWebhookHubSpotBatch measures HubSpot's usual delivery, a batch
// of 100 contact.propertyChange events about 100 contacts (each a
// friend), per backend: one batch read, 100 list reads and one write of
// 100 records a delivery, 4 deliveries in flight; events/s reported.
func BenchmarkWebhookHubSpotBatch(b *testing.B) {
	for _, backend := range testdb.Backends() {
		b.Run(backend, func(b *testing.B) {
			env := newHookEnvWith(b, backend, true)
			benchHookFriends(b, env, benchHookRecords)
			ctx := context.Background()
			env.hub.SetWebhookURL("")
			ids := make([]int64, benchHookRecords)
			for i := range ids {
				id, err := env.hub.CreateContact(ctx, map[string]string{"line_user_id": benchHookUser(i), "company": "ACME"})
				if err != nil {
					b.Fatal(err)
				}
				ids[i], _ = strconv.ParseInt(id, 10, 64)
			}
			now := time.Now()
			reqs := make([]*http.Request, b.N)
			for i := range reqs {
				evs := make([]hubspotfake.Event, 100)
				for j := range evs {
					evs[j] = hubspotfake.Event{ObjectID: ids[(i*100+j)%len(ids)], PropertyName: "company", PropertyValue: "ACME", ChangeSource: "API",
						EventID: int64(1e9 + i*100 + j), SubscriptionID: hubspotfake.SubscriptionPropertyChange, PortalID: 1, AppID: 1,
						OccurredAt: now.UnixMilli(), SubscriptionType: "contact.propertyChange"}
				}
				body, _ := json.Marshal(evs)
				reqs[i] = hubspotSigned(env.srv.URL+"/hubspot/webhook/shop", string(body), strconv.FormatInt(now.UnixMilli(), 10))
			}
			b.ResetTimer()
			took := benchSendN(b, reqs, 4)
			b.StopTimer()
			b.ReportMetric(float64(b.N*100)/took.Seconds(), "events/s")
			b.ReportMetric(float64(b.N)/took.Seconds(), "deliveries/s")
		})
	}
}
