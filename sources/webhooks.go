package sources

import (
	"context"
	"encoding/json"
	"errors"
	"hash/fnv"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/hubspot"
	"github.com/kizuna-line/kizuna/shopify"
)

// WebhookStore is what the webhook receivers need of kizuna.Store. Pass
// the engine (engine.Engine) in a server, so that previews see each
// delivery at once.
type WebhookStore interface {
	FindAccount(ctx context.Context, name string) (*kizuna.Account, error)
	Connection(ctx context.Context, account *kizuna.Account, source string) (*kizuna.Connection, error)
	ConnectionSecrets(ctx context.Context, account *kizuna.Account, source string) (kizuna.ConnectionSecrets, error)
	ApplyDelivery(ctx context.Context, account *kizuna.Account, source string, keys []string, records []kizuna.SourceRecord) (*kizuna.RecordsResult, error)
	ApplyDeliveries(ctx context.Context, account *kizuna.Account, source string, deliveries []kizuna.Delivery) ([]*kizuna.RecordsResult, error)
}

// Defaults of Webhooks.
const (
	// DefaultWebhookWorkers is how many deliveries a process works on at
	// once (each holds a database connection while it applies).
	DefaultWebhookWorkers = 32
	// DefaultWebhookWait is how long a delivery waits for a worker before
	// it is answered 503 (the vendor retries it later).
	DefaultWebhookWait = 2 * time.Second
	// DefaultWebhookTimeout bounds the work on one delivery: the vendor's
	// read and the write. Shopify and HubSpot give up after 5 s and retry.
	DefaultWebhookTimeout = 15 * time.Second
	// HubSpotPropertiesTTL is how long the receiver keeps an account's
	// HubSpot property definitions before reading them again.
	HubSpotPropertiesTTL = 5 * time.Minute
	// WebhookGroupMax and WebhookGroupRecords bound the deliveries (and
	// their records) written together in one transaction.
	WebhookGroupMax     = 100
	WebhookGroupRecords = 2000
)

// Webhooks receives Shopify's and HubSpot's webhooks:
// POST /shopify/webhook/{account} and POST /hubspot/webhook/{account}.
//
// A request is hostile until verified: its body is read up to the
// vendor's cap (413 beyond), then an unknown account, a source that is
// not connected, a bad or missing signature or (HubSpot) a timestamp
// older than five minutes is 401, nothing stored. The webhooks are thin:
// each verified delivery names the records it is about, which are read
// again from the vendor (Shopify: the customer with its checkouts, one
// GraphQL call; HubSpot: the contacts by batch read, with their list
// memberships) and applied with the delivery's ids as keys
// (kizuna.SourceRecordStore.ApplyDelivery): a replay is a Duplicate and
// changes nothing, and a record older than the stored one loses, so
// deliveries may arrive in any order. A vendor read that fails is 503 and
// the vendor retries.
type Webhooks struct {
	Store WebhookStore
	// Options are the vendor clients' HTTP client and clock (nil HTTP
	// client: one of the receiver's own, keeping Workers connections per
	// host).
	Options Options
	// PublicURL is the address HubSpot calls this server at
	// (https://kizuna.example.com): HubSpot signs the full URL it called,
	// so behind a proxy it must be set. Empty: the URL is rebuilt from the
	// request (its Host, https when the connection is TLS), which is right
	// only when HubSpot reaches this server directly.
	PublicURL string
	Logger    *slog.Logger
	// Workers, Wait and Timeout default to DefaultWebhookWorkers,
	// DefaultWebhookWait and DefaultWebhookTimeout.
	Workers int
	Wait    time.Duration
	Timeout time.Duration

	once  sync.Once
	slots chan struct{}
	locks [256]sync.Mutex

	mu      sync.Mutex
	conns   map[string]*hookConn
	writers map[int64]*writeQueue
}

// writeQueue is an account's write turn: the store takes one write of an
// account at a time anyway (SQLite's one writer, PostgreSQL's account
// lock), and deliveries waiting here hold no database connection. The
// delivery whose turn it is writes every delivery of its source waiting
// behind it in one transaction (group commit, up to WebhookGroupMax).
type writeQueue struct {
	mu      sync.Mutex
	busy    bool // a delivery is writing for the account
	pending []*pendingWrite
}

// pendingWrite is a delivery waiting for its account's write turn.
type pendingWrite struct {
	source string
	d      kizuna.Delivery
	done   chan struct{} // closed when written, or when it leads
	lead   bool          // it writes next, for itself and those behind it
	res    *kizuna.RecordsResult
	err    error
}

// writer returns the account's write queue.
func (h *Webhooks) writer(a *kizuna.Account) *writeQueue {
	h.mu.Lock()
	defer h.mu.Unlock()
	q := h.writers[a.ID]
	if q == nil {
		q = &writeQueue{}
		h.writers[a.ID] = q
	}
	return q
}

// write applies a delivery in the account's turn, with those waiting
// behind it.
func (h *Webhooks) write(ctx context.Context, a *kizuna.Account, source string, d kizuna.Delivery) (*kizuna.RecordsResult, error) {
	q := h.writer(a)
	w := &pendingWrite{source: source, d: d, done: make(chan struct{})}
	q.mu.Lock()
	q.pending = append(q.pending, w)
	if q.busy {
		q.mu.Unlock()
		<-w.done
		if !w.lead {
			return w.res, w.err
		}
	} else {
		q.busy = true
		q.mu.Unlock()
	}
	// Its turn: write groups until its own is written, then hand the turn
	// to the first delivery waiting.
	for written := false; !written; {
		group := q.take()
		h.writeGroup(ctx, a, group)
		for _, p := range group {
			if p == w {
				written = true
			} else {
				close(p.done)
			}
		}
	}
	q.mu.Lock()
	if len(q.pending) > 0 {
		q.pending[0].lead = true
		close(q.pending[0].done)
	} else {
		q.busy = false
	}
	q.mu.Unlock()
	return w.res, w.err
}

// take removes from the queue the first waiting delivery and those of its
// source behind it, up to WebhookGroupMax deliveries and
// WebhookGroupRecords records.
func (q *writeQueue) take() []*pendingWrite {
	q.mu.Lock()
	defer q.mu.Unlock()
	var group, rest []*pendingWrite
	records := 0
	for i, p := range q.pending {
		if i > 0 && (p.source != group[0].source || len(group) == WebhookGroupMax || records+len(p.d.Records) > WebhookGroupRecords) {
			rest = append(rest, p)
			continue
		}
		group = append(group, p)
		records += len(p.d.Records)
	}
	q.pending = rest
	return group
}

// writeGroup applies a group of deliveries in one transaction; when that
// fails, each is applied alone, so that one delivery the store refuses
// does not fail the others.
func (h *Webhooks) writeGroup(ctx context.Context, a *kizuna.Account, group []*pendingWrite) {
	// The write is the group's, not only this request's: a client gone
	// away does not cancel it.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.Timeout)
	defer cancel()
	if len(group) > 1 {
		ds := make([]kizuna.Delivery, len(group))
		for i, p := range group {
			ds[i] = p.d
		}
		res, err := h.Store.ApplyDeliveries(ctx, a, group[0].source, ds)
		if err == nil && len(res) == len(group) {
			for i, p := range group {
				p.res = res[i]
			}
			return
		}
	}
	for _, p := range group {
		p.res, p.err = h.Store.ApplyDelivery(ctx, a, p.source, p.d.Keys, p.d.Records)
	}
}

// hookConn is an account's vendor client, kept while its connection is
// the same so that the client's rate limits span deliveries.
type hookConn struct {
	key     string
	secrets kizuna.ConnectionSecrets
	shop    *shopifyReader

	mu    sync.Mutex
	hub   *hubspotReader // copied on refresh, never changed in place
	hubAt time.Time
}

func (h *Webhooks) init() {
	h.once.Do(func() {
		if h.Workers <= 0 {
			h.Workers = DefaultWebhookWorkers
		}
		if h.Wait <= 0 {
			h.Wait = DefaultWebhookWait
		}
		if h.Timeout <= 0 {
			h.Timeout = DefaultWebhookTimeout
		}
		if h.Logger == nil {
			h.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
		}
		if h.Options.HTTPClient == nil {
			t := http.DefaultTransport.(*http.Transport).Clone()
			t.MaxIdleConnsPerHost = h.Workers
			h.Options.HTTPClient = &http.Client{Timeout: 30 * time.Second, Transport: t}
		}
		h.slots = make(chan struct{}, h.Workers)
		h.conns = map[string]*hookConn{}
		h.writers = map[int64]*writeQueue{}
	})
}

func (h *Webhooks) now() time.Time {
	if h.Options.Now != nil {
		return h.Options.Now()
	}
	return time.Now()
}

// hook is one delivery being answered.
type hook struct {
	h      *Webhooks
	w      http.ResponseWriter
	r      *http.Request
	source string
	name   string // the account's name, as the path has it
}

// answer writes a status and a short JSON body (nothing from the request
// nor any secret), logging why a delivery was refused.
func (k *hook) answer(status int, why string, err error) {
	if status != http.StatusOK {
		attrs := []any{"source", k.source, "account", k.name, "status", status, "why", why}
		if err != nil {
			attrs = append(attrs, "err", err)
		}
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelWarn
		}
		k.h.Logger.Log(k.r.Context(), level, "webhook refused", attrs...)
	}
	if status == http.StatusServiceUnavailable {
		k.w.Header().Set("Retry-After", "5")
	}
	k.w.Header().Set("Content-Type", "application/json")
	k.w.WriteHeader(status)
	msg := http.StatusText(status)
	if status == http.StatusOK {
		msg = why
	}
	b, _ := json.Marshal(map[string]string{"message": msg})
	k.w.Write(b)
}

// dropped answers 200 to a verified delivery Kizuna cannot use (a
// payload it cannot read, a record beyond its limits), saying why in the
// log: a retry would fail the same, and a vendor whose deliveries keep
// failing stops sending them (Shopify removes the subscription).
func (k *hook) dropped(why string, err error) {
	k.h.Logger.Warn("webhook dropped", "source", k.source, "account", k.name, "why", why, "err", err)
	k.answer(http.StatusOK, "dropped", nil)
}

// begin reads the body (at most limit bytes), waits for a worker and
// finds the account's connection of the source, with its secrets and
// vendor client. It answers and returns ok false when the delivery goes
// no further; done releases the worker.
func (h *Webhooks) begin(w http.ResponseWriter, r *http.Request, source string, limit int64) (k *hook, body []byte, a *kizuna.Account, hc *hookConn, done func(), ok bool) {
	h.init()
	name := r.PathValue("account")
	if len(name) > 100 {
		name = name[:100]
	}
	k = &hook{h: h, w: w, r: r, source: source, name: name}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		k.answer(http.StatusBadRequest, "unreadable body", nil)
		return
	}
	if int64(len(body)) > limit {
		k.answer(http.StatusRequestEntityTooLarge, "body too large", nil)
		return
	}
	t := time.NewTimer(h.Wait)
	defer t.Stop()
	select {
	case h.slots <- struct{}{}:
	case <-t.C:
		k.answer(http.StatusServiceUnavailable, "busy", nil)
		return
	case <-r.Context().Done():
		return
	}
	release := func() { <-h.slots }
	ctx := r.Context()
	a, err = h.Store.FindAccount(ctx, r.PathValue("account"))
	if err != nil {
		release()
		if code := kizuna.ErrorCode(err); code == kizuna.ENOTFOUND || code == kizuna.EINVALID {
			k.answer(http.StatusUnauthorized, "unknown account", nil)
		} else {
			k.answer(http.StatusInternalServerError, "account", err)
		}
		return
	}
	c, err := h.Store.Connection(ctx, a, source)
	if err == nil {
		hc, err = h.client(ctx, a, c)
	}
	if err != nil {
		release()
		switch kizuna.ErrorCode(err) {
		case kizuna.ENOTFOUND:
			h.mu.Lock()
			delete(h.conns, source+":"+strconv.FormatInt(a.ID, 10)) // its secrets are forgotten here too
			h.mu.Unlock()
			k.answer(http.StatusUnauthorized, "not connected", nil)
		case kizuna.EINVALID:
			k.answer(http.StatusInternalServerError, "connection settings", err)
		default:
			k.answer(http.StatusInternalServerError, "connection", errors.New("the connection could not be read"))
		}
		return
	}
	return k, body, a, hc, release, true
}

// client returns the account's vendor client and secrets for the
// connection, kept while the connection is the same (its secrets change
// only when it is connected again, which moves ConnectedAt): a delivery
// then costs no decryption, and the client's rate limits span
// deliveries.
func (h *Webhooks) client(ctx context.Context, a *kizuna.Account, c *kizuna.Connection) (*hookConn, error) {
	cfg, _ := json.Marshal(c.Config)
	key := c.APIBase + "\x00" + strconv.FormatInt(c.ConnectedAt.UnixNano(), 10) + "\x00" + string(cfg)
	id := c.Source + ":" + strconv.FormatInt(a.ID, 10)
	h.mu.Lock()
	hc := h.conns[id]
	h.mu.Unlock()
	if hc != nil && hc.key == key {
		return hc, nil
	}
	secrets, err := h.Store.ConnectionSecrets(ctx, a, c.Source)
	if err != nil {
		return nil, err
	}
	hc = &hookConn{key: key, secrets: secrets}
	switch c.Source {
	case kizuna.SourceShopify:
		r, err := newShopify(c, secrets, time.Time{}, h.Options)
		if err != nil {
			return nil, err
		}
		hc.shop = r.(*shopifyReader)
	case kizuna.SourceHubSpot:
		r, err := newHubSpot(c, secrets, time.Time{}, h.Options)
		if err != nil {
			return nil, err
		}
		hc.hub = r.(*hubspotReader)
	}
	h.mu.Lock()
	h.conns[id] = hc
	h.mu.Unlock()
	return hc, nil
}

// lock serializes the read and the write of the records of one account
// and source whose IDs hash alike, so that two deliveries about one
// record cannot write what they read in the opposite order. It returns
// the unlock.
func (h *Webhooks) lock(a *kizuna.Account, source string, ids []string) func() {
	var stripes []int
	for _, id := range ids {
		f := fnv.New32a()
		f.Write([]byte(strconv.FormatInt(a.ID, 10) + ":" + source + ":" + id))
		stripes = append(stripes, int(f.Sum32()%uint32(len(h.locks))))
	}
	slices.Sort(stripes)
	stripes = slices.Compact(stripes)
	for _, s := range stripes {
		h.locks[s].Lock()
	}
	return func() {
		for _, s := range stripes {
			h.locks[s].Unlock()
		}
	}
}

// apply stores a delivery's records and answers it.
func (k *hook) apply(ctx context.Context, a *kizuna.Account, keys []string, records []kizuna.SourceRecord) {
	res, err := k.h.write(ctx, a, k.source, kizuna.Delivery{Keys: keys, Records: records})
	switch code := kizuna.ErrorCode(err); {
	case err == nil:
	case code == kizuna.EINVALID || code == kizuna.ETOOLARGE:
		k.dropped("record refused", err)
		return
	default:
		k.answer(http.StatusInternalServerError, "store", err)
		return
	}
	if res.Duplicate {
		k.answer(http.StatusOK, "duplicate", nil)
		return
	}
	k.answer(http.StatusOK, "applied", nil)
}

// Shopify returns the handler of POST /shopify/webhook/{account}.
//
// The delivery's customer (the customer of a customer, tags or purchasing
// summary topic, an order's or a checkout's customer; a guest's order or
// checkout and any other topic change nothing) is read again with
// shopify.Client.Customer, and applied with the keys "webhook:<
// X-Shopify-Webhook-Id>" and "event:<X-Shopify-Event-Id>". A customer the
// shop no longer has is a Deleted record. The record's update time is
// the latest of the customer's and its checkouts'.
func (h *Webhooks) Shopify() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k, body, a, hc, done, ok := h.begin(w, r, kizuna.SourceShopify, shopify.MaxWebhookBody)
		if !ok {
			return
		}
		defer done()
		if !shopify.Verify(hc.secrets["webhook_secret"], body, r.Header.Get("X-Shopify-Hmac-Sha256")) {
			k.answer(http.StatusUnauthorized, "bad signature", nil)
			return
		}
		d, err := shopify.ParseWebhook(r.Header, body)
		if err != nil {
			k.dropped("unreadable delivery", err)
			return
		}
		customer := shopifyCustomerOf(d)
		if customer == "" || !strings.HasPrefix(customer, "gid://shopify/Customer/") {
			k.answer(http.StatusOK, "ignored", nil)
			return
		}
		ctx, cancel := h.workContext(r)
		defer cancel()
		unlock := h.lock(a, kizuna.SourceShopify, []string{customer})
		defer unlock()
		cu, checkouts, err := hc.shop.client.Customer(ctx, customer)
		if err != nil {
			k.answer(http.StatusServiceUnavailable, "shopify read", err)
			return
		}
		var rec kizuna.SourceRecord
		if cu == nil {
			at := d.RecordTime()
			if at.IsZero() {
				at = h.now()
			}
			rec = kizuna.SourceRecord{Source: kizuna.SourceShopify, RecordID: shopify.LegacyID(customer), UpdatedAt: at, Deleted: true}
		} else {
			rec = shopifyRecord(cu, checkouts)
		}
		keys := []string{"webhook:" + d.WebhookID}
		if d.EventID != "" {
			keys = append(keys, "event:"+d.EventID)
		}
		k.apply(ctx, a, keys, []kizuna.SourceRecord{rec})
	})
}

// shopifyCustomerOf returns the GID of the customer a delivery is about,
// "" for none.
func shopifyCustomerOf(d *shopify.Delivery) string {
	switch {
	case d.Customer != nil:
		return d.Customer.ID
	case d.Summary != nil:
		return d.Summary.CustomerID
	case d.Tags != nil:
		return d.Tags.CustomerID
	case d.Order != nil:
		return d.Order.CustomerID
	case d.Checkout != nil:
		return d.Checkout.CustomerID
	}
	return ""
}

// hubspotMaxEvents bounds the events of one delivery (HubSpot sends at
// most 100).
const hubspotMaxEvents = 1000

// HubSpot returns the handler of POST /hubspot/webhook/{account}.
//
// The contacts of the batch's contact.* events are read again by batch
// read with the properties the sync reads, and each one's list
// memberships; a contact HubSpot no longer has (deleted, merged away) is
// a Deleted record dated by its latest event. The keys are the events'
// hubspot.Event.DedupKey. Other objects' events change nothing.
func (h *Webhooks) HubSpot() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k, body, a, hc, done, ok := h.begin(w, r, kizuna.SourceHubSpot, hubspot.MaxWebhookBody)
		if !ok {
			return
		}
		defer done()
		if err := hubspot.VerifySignature(hc.secrets["client_secret"], r.Method, h.hubspotURL(r), body,
			r.Header.Get("X-HubSpot-Request-Timestamp"), r.Header.Get("X-HubSpot-Signature-v3"), h.now()); err != nil {
			k.answer(http.StatusUnauthorized, "bad signature or timestamp", nil)
			return
		}
		events, err := hubspot.ParseEvents(body)
		if err != nil {
			k.dropped("unreadable delivery", err)
			return
		}
		if len(events) > hubspotMaxEvents {
			k.answer(http.StatusRequestEntityTooLarge, "too many events", nil)
			return
		}
		var keys, ids []string
		latest := map[string]time.Time{}
		for _, e := range events {
			if !strings.HasPrefix(e.SubscriptionType, "contact.") || !hubspotID(e.ObjectID) {
				continue
			}
			keys = append(keys, e.DedupKey())
			if _, seen := latest[e.ObjectID]; !seen {
				ids = append(ids, e.ObjectID)
			}
			if e.OccurredAt.After(latest[e.ObjectID]) {
				latest[e.ObjectID] = e.OccurredAt
			}
		}
		if len(ids) == 0 {
			k.answer(http.StatusOK, "ignored", nil)
			return
		}
		slices.Sort(keys)
		keys = slices.Compact(keys)
		ctx, cancel := h.workContext(r)
		defer cancel()
		reader, err := h.hubspotReader(ctx, hc)
		if err != nil {
			k.answer(http.StatusServiceUnavailable, "hubspot properties", err)
			return
		}
		unlock := h.lock(a, kizuna.SourceHubSpot, ids)
		defer unlock()
		records, err := hubspotRead(ctx, reader, ids, latest)
		if err != nil {
			k.answer(http.StatusServiceUnavailable, "hubspot read", err)
			return
		}
		k.apply(ctx, a, keys, records)
	})
}

// hubspotID reports whether s is a HubSpot object ID (a decimal number).
func hubspotID(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// hubspotURL is the URL HubSpot signed: PublicURL with the request's path
// and query, else the request's own.
func (h *Webhooks) hubspotURL(r *http.Request) string {
	if h.PublicURL != "" {
		return strings.TrimRight(h.PublicURL, "/") + r.URL.RequestURI()
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.RequestURI()
}

// hubspotReader returns the connection's reader with property definitions
// read at most HubSpotPropertiesTTL ago.
func (h *Webhooks) hubspotReader(ctx context.Context, hc *hookConn) (*hubspotReader, error) {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	now := h.now()
	if hc.hub.defs != nil && now.Sub(hc.hubAt) < HubSpotPropertiesTTL {
		return hc.hub, nil
	}
	defs, names, err := hc.hub.propertyNames(ctx)
	if err != nil {
		if hc.hub.defs != nil {
			return hc.hub, nil // the last ones, rather than no delivery
		}
		return nil, err
	}
	fresh := *hc.hub
	fresh.defs, fresh.names = defs, names
	hc.hub, hc.hubAt = &fresh, now
	return hc.hub, nil
}

// hubspotLists is how many list-membership reads of one delivery run at
// once (the client keeps to HubSpot's rate limit).
const hubspotLists = 8

// hubspotRead reads the contacts with their list memberships as records,
// in the sync reader's shape (hubspotReader.records); a contact HubSpot
// does not have is a Deleted record dated by its latest event.
func hubspotRead(ctx context.Context, r *hubspotReader, ids []string, latest map[string]time.Time) ([]kizuna.SourceRecord, error) {
	found, missing, err := r.c.ReadContacts(ctx, ids, r.names)
	if err != nil {
		return nil, err
	}
	members := make(map[string][]string, len(found))
	var mu sync.Mutex
	var first error
	sem := make(chan struct{}, hubspotLists)
	var wg sync.WaitGroup
	for i := range found {
		if found[i].Archived {
			continue
		}
		id := found[i].ID
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			lists, err := r.c.ContactLists(ctx, id)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if first == nil {
					first = err
				}
				return
			}
			slices.SortFunc(lists, compareHubSpotIDs)
			members[id] = lists
		}()
	}
	wg.Wait()
	if first != nil {
		return nil, first
	}
	one := *r
	one.members = members
	records := one.records(found)
	for _, id := range missing {
		at, ok := latest[id]
		if !ok {
			continue
		}
		records = append(records, kizuna.SourceRecord{Source: kizuna.SourceHubSpot, RecordID: id, UpdatedAt: at, Deleted: true})
	}
	return records, nil
}

// workContext bounds the work on a verified delivery by Timeout, not by
// the request: a vendor that stops waiting (Shopify and HubSpot after
// 5 s) does not cancel a read and write under way, so its retry finds
// the delivery applied (a duplicate) instead of starting it again.
func (h *Webhooks) workContext(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(r.Context()), h.Timeout)
}
