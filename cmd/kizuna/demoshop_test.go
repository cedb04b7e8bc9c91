package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/sqlstore"
)

// TestDemoShop: the demo account is connected to the demo's fakes of
// Shopify, HubSpot and Klaviyo; the sync reads all three without anyone
// asking; an order placed in the fake shop reaches the friend by Shopify's
// signed webhook.
func TestDemoShop(t *testing.T) {
	dsn := testdb.DSN(t, "sqlite")
	var out, errb syncBuffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(n string) string {
		if n == "KIZUNA_DB" {
			return dsn
		}
		return ""
	}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- run(ctx, e, []string{"demo", "--addr", "127.0.0.1:0", "--friends", "300"}) }()
	defer func() { cancel(); <-done }()
	for i := 0; !strings.Contains(out.String(), "Press Ctrl-C"); i++ {
		if i > 1200 {
			t.Fatalf("kizuna demo never served\n%s\n%s", out.String(), errb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	m := regexp.MustCompile(`http://(\S+)/fake-line/fake/`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("the demo names no fake LINE page:\n%s", out.String())
	}
	addr := m[1]
	store, err := sqlstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	bg := context.Background()
	a, err := store.FindAccount(bg, "demo")
	if err != nil {
		t.Fatal(err)
	}
	conns, err := store.Connections(bg, a)
	if err != nil || len(conns) != 3 {
		t.Fatalf("connections %+v, %v", conns, err)
	}
	// Every source is synced without anyone asking.
	for i := 0; ; i++ {
		fresh, err := store.Freshness(bg, a)
		if err != nil {
			t.Fatal(err)
		}
		ok := 0
		for _, f := range fresh {
			if f.LastSuccessAt != nil {
				ok++
			}
		}
		if ok == 3 {
			break
		}
		if i > 1200 {
			t.Fatalf("freshness after a minute: %+v\n%s", fresh, errb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// An order in the fake shop reaches its friend.
	page, err := store.ListFriends(bg, a, kizuna.FriendQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var fr *kizuna.Friend
	for _, s := range page.Friends {
		if f, err := store.FindFriend(bg, a, s.LineUserID); err == nil && f.Shopify != nil {
			fr = f
			break
		}
	}
	if fr == nil {
		t.Fatal("no demo friend has a Shopify customer")
	}
	before := fr.Shopify.OrdersCount
	res, err := http.Post("http://"+addr+demoShopifyPath+"/fake/orders", "application/json",
		bytes.NewReader(fmt.Appendf(nil, `{"customer_id":%q}`, fr.Shopify.CustomerID)))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("placing an order in the fake: %d", res.StatusCode)
	}
	for i := 0; ; i++ {
		f, err := store.FindFriend(bg, a, fr.LineUserID)
		if err != nil {
			t.Fatal(err)
		}
		if f.Shopify != nil && f.Shopify.OrdersCount > before {
			break
		}
		if i > 400 {
			t.Fatalf("the order never reached the friend (orders %d)\n%s", before, errb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
