package sources

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/jobs"
	"github.com/kizuna-line/kizuna/shopify"
)

func init() { readers[kizuna.SourceShopify] = newShopify }

// Config keys of a Shopify connection.
const (
	ShopifyShopDomain    = "shop_domain"            // {shop}.myshopify.com: the base URL when APIBase is empty
	ShopifyAPIVersion    = "api_version"            // default shopify.DefaultAPIVersion
	ShopifyLineMetafield = "line_user_id_metafield" // "namespace.key", default "line.user_id"
	ShopifyBulkThreshold = "bulk_threshold"         // customers above which a backfill is a bulk query (default shopify.DefaultBulkThreshold; -1 never)
	ShopifyPageSize      = "page_size"              // customers a page (default 250)
)

// shopifyReader reads one shop. Cursors (opaque to the sync):
//
//	""                a backfill or reconcile not begun: the shop's size picks paged or bulk
//	"c:<client>"      paged customers (the client's Customers cursor)
//	"b:<…>"           a bulk query (the client's Backfill cursor, itself "b:…")
//	"p:<ns>:<client>" a poll of customers updated since <ns> (unix ns)
type shopifyReader struct {
	client    *shopify.Client
	since     time.Time
	threshold int
	// checkouts are the shop's abandoned checkouts by customer GID, read
	// once per reader before the first paged customers (a bulk query nests
	// them): only checkouts of customers, only the fields kept.
	checkouts map[string][]shopify.Checkout
	bulk      *shopifyBulkStream
}

func newShopify(c *kizuna.Connection, secrets kizuna.ConnectionSecrets, since time.Time, o Options) (jobs.SourceReader, error) {
	base := c.APIBase
	if base == "" && c.Config[ShopifyShopDomain] != "" {
		base = "https://" + c.Config[ShopifyShopDomain]
	}
	cfg := shopify.Config{BaseURL: base, AccessToken: secrets["access_token"], APIVersion: c.Config[ShopifyAPIVersion],
		HTTPClient: o.HTTPClient, Now: o.Now, Sleep: o.Sleep}
	if m := c.Config[ShopifyLineMetafield]; m != "" {
		ns, key, ok := strings.Cut(m, ".")
		if !ok || ns == "" || key == "" {
			return nil, kizuna.ErrorAt(kizuna.EINVALID, ShopifyLineMetafield, "the Shopify LINE user ID metafield %q is not namespace.key", m)
		}
		cfg.Namespace, cfg.Key = ns, key
	}
	threshold := shopify.DefaultBulkThreshold
	for _, k := range []string{ShopifyBulkThreshold, ShopifyPageSize} {
		v, ok := c.Config[k]
		if !ok {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, kizuna.ErrorAt(kizuna.EINVALID, k, "the Shopify setting %s=%q is not a number", k, v)
		}
		if k == ShopifyBulkThreshold {
			threshold = n
		} else {
			cfg.PageSize = n
		}
	}
	cfg.BulkThreshold = threshold
	cl, err := shopify.New(cfg)
	if err != nil {
		return nil, err
	}
	return &shopifyReader{client: cl, since: since, threshold: threshold}, nil
}

// errShopifyPageDone stops the client after one page.
var errShopifyPageDone = errors.New("sources: a page was read")

func (r *shopifyReader) Page(ctx context.Context, kind, cursor string) (*jobs.SourcePage, error) {
	if cursor == "" {
		switch kind {
		case kizuna.SyncPoll:
			if !r.since.IsZero() {
				cursor = "p:" + strconv.FormatInt(r.since.UnixNano(), 10) + ":"
				break
			}
			cursor = "c:"
		case kizuna.SyncBackfill, kizuna.SyncReconcile:
			cursor = "c:"
			if r.threshold >= 0 {
				shop, err := r.client.Check(ctx)
				if err != nil {
					return nil, err
				}
				if shop.CustomersCount > int64(r.threshold) {
					cursor = "b:"
				}
			}
		default:
			return nil, kizuna.Errorf(kizuna.EINVALID, "a Shopify sync is a backfill, a poll or a reconcile, not %q", kind)
		}
	}
	tag, rest, _ := strings.Cut(cursor, ":")
	switch tag {
	case "c":
		return r.customers(ctx, shopify.Query{After: rest}, "c:")
	case "p":
		ns, after, ok := strings.Cut(rest, ":")
		n, err := strconv.ParseInt(ns, 10, 64)
		if !ok || err != nil {
			break
		}
		return r.customers(ctx, shopify.Query{After: after, UpdatedSince: time.Unix(0, n)}, "p:"+ns+":")
	case "b":
		return r.bulkPage(ctx, cursor)
	}
	return nil, kizuna.Errorf(kizuna.EINVALID, "the Shopify sync cursor %q is not one Kizuna made", cursor)
}

// customers reads one page of customers, with their checkouts from the
// map, read once per reader when a first page has customers (a poll that
// finds none reads no checkouts).
func (r *shopifyReader) customers(ctx context.Context, q shopify.Query, prefix string) (*jobs.SourcePage, error) {
	var page *shopify.CustomerPage
	err := r.client.Customers(ctx, q, func(p *shopify.CustomerPage) error {
		page = p
		return errShopifyPageDone
	})
	if err != nil && err != errShopifyPageDone {
		return nil, err
	}
	if page == nil {
		return &jobs.SourcePage{Done: true}, nil
	}
	if r.checkouts == nil && len(page.Customers) > 0 {
		m := map[string][]shopify.Checkout{}
		err := r.client.AbandonedCheckouts(ctx, shopify.Query{}, func(p *shopify.CheckoutPage) error {
			for _, ck := range p.Checkouts {
				if ck.CustomerID != "" {
					m[ck.CustomerID] = append(m[ck.CustomerID], ck)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		r.checkouts = m
	}
	out := &jobs.SourcePage{Next: prefix + page.Cursor, Done: !page.More}
	for i := range page.Customers {
		cu := &page.Customers[i]
		out.Records = append(out.Records, shopifyRecord(cu, r.checkouts[cu.ID]))
	}
	return out, nil
}

// shopifyRecord is a customer's record. Its update time is the latest of
// the customer's and its checkouts': a checkout's change (a cart
// abandoned or recovered) does not move the customer's updatedAt, and
// must still win over the record stored before it.
func shopifyRecord(cu *shopify.Customer, checkouts []shopify.Checkout) kizuna.SourceRecord {
	rec := kizuna.SourceRecord{Source: kizuna.SourceShopify, RecordID: cu.LegacyID, UpdatedAt: cu.UpdatedAt, Shopify: cu.Kizuna(checkouts)}
	for _, ck := range checkouts {
		if ck.CustomerID == cu.ID && ck.UpdatedAt.After(rec.UpdatedAt) {
			rec.UpdatedAt = ck.UpdatedAt
		}
	}
	if kizuna.ValidLineUserID(cu.LineUserID) {
		rec.LineUserID = cu.LineUserID
	}
	return rec
}

// shopifyBulkStream is a bulk query's file being read: the client streams it
// in a goroutine, a page at a time, one page ahead of the sync (so a page
// can say it is the last), instead of downloading it again for each page.
type shopifyBulkStream struct {
	at     string // the cursor the next page follows
	ahead  *shopify.Page
	pages  chan *shopify.Page
	errc   chan error
	cancel context.CancelFunc
}

func (r *shopifyReader) startBulk(ctx context.Context, cursor string) {
	if r.bulk != nil {
		r.bulk.cancel()
	}
	ctx, cancel := context.WithCancel(ctx)
	s := &shopifyBulkStream{at: cursor, pages: make(chan *shopify.Page), errc: make(chan error, 1), cancel: cancel}
	from := cursor
	if from == "" {
		from = "b:"
	}
	go func() {
		err := r.client.Backfill(ctx, from, func(p *shopify.Page) error {
			select {
			case s.pages <- p:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		s.errc <- err
		close(s.pages)
	}()
	r.bulk = s
}

// next is the stream's next page, nil at its end.
func (s *shopifyBulkStream) next(ctx context.Context) (*shopify.Page, error) {
	select {
	case p, ok := <-s.pages:
		if ok {
			return p, nil
		}
		return nil, <-s.errc
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (r *shopifyReader) bulkPage(ctx context.Context, cursor string) (*jobs.SourcePage, error) {
	if cursor == "b:" {
		cursor = ""
	}
	if r.bulk == nil || r.bulk.at != cursor {
		r.startBulk(ctx, cursor)
	}
	s := r.bulk
	fail := func(err error) (*jobs.SourcePage, error) {
		s.cancel()
		r.bulk = nil
		return nil, err
	}
	p := s.ahead
	s.ahead = nil
	if p == nil {
		var err error
		if p, err = s.next(ctx); err != nil {
			return fail(err)
		}
		if p == nil {
			r.bulk = nil
			return &jobs.SourcePage{Next: cursor, Done: true}, nil
		}
	}
	q, err := s.next(ctx)
	if err != nil {
		return fail(err)
	}
	out := &jobs.SourcePage{Next: p.Cursor, Done: q == nil}
	if q == nil {
		r.bulk = nil
	} else {
		s.ahead, s.at = q, p.Cursor
	}
	byCustomer := map[string][]shopify.Checkout{}
	for _, ck := range p.Checkouts {
		byCustomer[ck.CustomerID] = append(byCustomer[ck.CustomerID], ck)
	}
	for i := range p.Customers {
		cu := &p.Customers[i]
		out.Records = append(out.Records, shopifyRecord(cu, byCustomer[cu.ID]))
	}
	return out, nil
}
