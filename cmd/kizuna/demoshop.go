package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/hubspotfake"
	"github.com/kizuna-line/kizuna/internal/klaviyofake"
	"github.com/kizuna-line/kizuna/internal/shopifyfake"
	"github.com/kizuna-line/kizuna/sqlstore"
)

// Where the demo mounts its in-process fakes of Shopify, HubSpot and
// Klaviyo, beside the fake LINE.
const (
	demoShopifyPath = "/fake-shopify"
	demoHubSpotPath = "/fake-hubspot"
	demoKlaviyoPath = "/fake-klaviyo"
)

// demoShopEvery is how often something happens in the demo's shop, and
// demoPollEvery how often the demo's sources are polled.
const (
	demoShopEvery = 3 * time.Second
	demoPollEvery = 20 * time.Second
)

// demoShop is the demo account's living shop: fakes of Shopify, HubSpot
// and Klaviyo holding the demo friends' customers, contacts and profiles,
// connected to the account like real ones, in which something happens
// every few seconds (an order, a cart abandoned or recovered, a contact
// moving between HubSpot segments, a Klaviyo list joined), reaching
// Kizuna by the vendors' signed webhooks or by the sync's polls.
type demoShop struct {
	shopify *shopifyfake.Fake
	hubspot *hubspotfake.Fake
	klaviyo *klaviyofake.Fake

	mu        sync.Mutex
	rnd       *rand.Rand
	customers []string // Shopify customer IDs
	contacts  []string // HubSpot contact IDs
	profiles  []string // Klaviyo profile IDs
	carts     []string // checkouts abandoned by the demo, not yet recovered
}

// demoSources starts the fakes, fills them with the demo account's
// friends as the store has them now (so a restart continues where the
// shop was), and connects the account to them with new credentials (they
// live in memory: each start connects again). addr is the demo's own
// address, under which the fakes are mounted and to which they send their
// webhooks.
func demoSources(ctx context.Context, store *sqlstore.DB, a *kizuna.Account, addr string) (*demoShop, error) {
	base := "http://" + addr
	d := &demoShop{rnd: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))}
	// The fakes' clock stands an hour back while they are filled, so
	// that the records they hold do not all look just updated to the
	// sync's polls; then it runs true.
	var back atomic.Int64
	back.Store(int64(time.Hour))
	clock := func() time.Time { return time.Now().Add(-time.Duration(back.Load())) }
	defer back.Store(0)
	shopToken, shopSecret := randomHex(24), randomHex(24)
	d.shopify = shopifyfake.New(shopifyfake.Config{AccessToken: shopToken, WebhookSecret: shopSecret,
		WebhookURL: base + "/shopify/webhook/" + a.Name, Bucket: 20000, RestoreRate: 5000, Now: clock})
	hubToken, hubSecret := randomHex(24), randomHex(24)
	d.hubspot = hubspotfake.New(hubspotfake.Config{AccessToken: hubToken, ClientSecret: hubSecret,
		WebhookURL: base + "/hubspot/webhook/" + a.Name, RateMax: -1, SearchRate: -1, Now: clock})
	klavKey := "pk_" + randomHex(20)
	d.klaviyo = klaviyofake.New(klaviyofake.Config{APIKey: klavKey, Limits: map[string]klaviyofake.Limit{}, Now: clock})

	cat, err := store.Catalog(ctx, a)
	if err != nil {
		return nil, err
	}
	if err := d.defineCatalog(cat); err != nil {
		return nil, err
	}
	if err := d.load(ctx, store, a); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	conns := []struct {
		c       kizuna.Connection
		secrets kizuna.ConnectionSecrets
	}{
		{kizuna.Connection{Source: kizuna.SourceShopify, APIBase: base + demoShopifyPath,
			Config: map[string]string{"shop_domain": d.shopify.Config().ShopDomain}},
			kizuna.ConnectionSecrets{"access_token": shopToken, "webhook_secret": shopSecret}},
		{kizuna.Connection{Source: kizuna.SourceHubSpot, APIBase: base + demoHubSpotPath, Config: map[string]string{}},
			kizuna.ConnectionSecrets{"access_token": hubToken, "client_secret": hubSecret}},
		{kizuna.Connection{Source: kizuna.SourceKlaviyo, APIBase: base + demoKlaviyoPath, Config: map[string]string{}},
			kizuna.ConnectionSecrets{"api_key": klavKey}},
	}
	for _, c := range conns {
		c.c.ConnectedAt, c.c.ConnectedBy = now, "kizuna demo"
		if err := store.Connect(ctx, a, "kizuna demo", c.c, c.secrets); err != nil {
			return nil, fmt.Errorf("connect the demo's fake %s: %w", c.c.Source, err)
		}
	}
	return d, nil
}

// defineCatalog gives the fakes the demo catalog's HubSpot segments and
// properties and Klaviyo lists, under their names, so that what the sync
// reads back names them as the catalog does.
func (d *demoShop) defineCatalog(cat *kizuna.Catalog) error {
	if cat == nil {
		return nil
	}
	if err := d.hubspot.LoadCatalog(cat.HubSpot); err != nil {
		return err
	}
	return d.klaviyo.LoadCatalog(cat.Klaviyo)
}

// load puts every demo friend's Shopify customer, HubSpot contact and
// Klaviyo profile into the fakes, a thousand friends at a time.
func (d *demoShop) load(ctx context.Context, store *sqlstore.DB, a *kizuna.Account) error {
	ids, err := store.LineUserIDs(ctx, a, 10_000_000)
	if err != nil {
		return err
	}
	for len(ids) > 0 {
		n := min(len(ids), 1000)
		friends := make([]*kizuna.Friend, n)
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < n; i += 4 {
					fr, err := store.FindFriend(ctx, a, ids[i])
					if err != nil {
						errs <- err
						return
					}
					friends[i] = fr
				}
			}()
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			return err
		}
		d.shopify.Load(friends)
		if _, err := d.hubspot.LoadFriends(friends); err != nil {
			return err
		}
		if _, err := d.klaviyo.LoadFriends(friends); err != nil {
			return err
		}
		for _, fr := range friends {
			if fr.Shopify != nil {
				d.customers = append(d.customers, fr.Shopify.CustomerID)
			}
			if fr.HubSpot != nil && fr.HubSpot.ContactID != "" {
				d.contacts = append(d.contacts, fr.HubSpot.ContactID)
			}
			if fr.Klaviyo != nil && fr.Klaviyo.ProfileID != "" {
				d.profiles = append(d.profiles, fr.Klaviyo.ProfileID)
			}
		}
		ids = ids[n:]
	}
	return nil
}

// mount serves the fakes under their paths on the demo's mux.
func (d *demoShop) mount(mux *http.ServeMux) {
	mux.Handle(demoShopifyPath+"/", http.StripPrefix(demoShopifyPath, d.shopify))
	mux.Handle(demoHubSpotPath+"/", http.StripPrefix(demoHubSpotPath, d.hubspot))
	mux.Handle(demoKlaviyoPath+"/", http.StripPrefix(demoKlaviyoPath, d.klaviyo))
}

// Close stops the fakes.
func (d *demoShop) Close() {
	d.shopify.Close()
	d.klaviyo.Close()
}

// live makes something happen in the shop every interval until ctx ends.
// Failures (the server not up yet, a webhook refused) are written to
// logf and the shop goes on.
func (d *demoShop) live(ctx context.Context, every time.Duration, logf func(format string, args ...any)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if what, err := d.step(ctx); err != nil {
			logf("demo shop: %s: %v\n", what, err)
		}
	}
}

// The HubSpot segments the living shop moves contacts between, and the
// Klaviyo list it has profiles join (the demo catalog's).
var (
	demoMovingSegments = []string{"Trade show leads 2026", "Churn risk"}
	demoJoinedList     = "XyZ123" // VIP Early Access
)

// step makes one thing happen: mostly orders and carts, sometimes a
// HubSpot or Klaviyo change. It returns what it did.
func (d *demoShop) step(ctx context.Context) (string, error) {
	d.mu.Lock()
	roll := d.rnd.IntN(100)
	pick := func(ids []string) string {
		if len(ids) == 0 {
			return ""
		}
		return ids[d.rnd.IntN(len(ids))]
	}
	customer, contact, profile := pick(d.customers), pick(d.contacts), pick(d.profiles)
	var cart string
	if len(d.carts) > 0 && roll >= 55 && roll < 65 {
		i := d.rnd.IntN(len(d.carts))
		cart = d.carts[i]
		d.carts = append(d.carts[:i], d.carts[i+1:]...)
	}
	segment := demoMovingSegments[d.rnd.IntN(len(demoMovingSegments))]
	d.mu.Unlock()
	switch {
	case roll < 40 && customer != "":
		_, err := d.shopify.PlaceOrder(ctx, customer)
		return "an order", err
	case roll < 55 && customer != "":
		id, _, err := d.shopify.AbandonCart(ctx, customer)
		if err == nil {
			d.mu.Lock()
			d.carts = append(d.carts, id)
			d.mu.Unlock()
		}
		return "a cart abandoned", err
	case cart != "":
		_, err := d.shopify.CompleteCart(ctx, cart)
		return "a cart recovered", err
	case roll < 75 && contact != "":
		if d.rnd.IntN(2) == 0 {
			return "a HubSpot segment joined", d.hubspot.AddToList(segment, contact)
		}
		err := d.hubspot.RemoveFromList(segment, contact)
		return "a HubSpot segment left", err
	case roll < 85 && contact != "":
		stage := []string{"lead", "marketingqualifiedlead", "customer"}[d.rnd.IntN(3)]
		return "a HubSpot lifecycle stage", d.hubspot.SetProperty(ctx, contact, "lifecyclestage", &stage)
	case profile != "":
		return "a Klaviyo list joined", d.klaviyo.AddToList(demoJoinedList, profile)
	}
	return "nothing", nil
}
