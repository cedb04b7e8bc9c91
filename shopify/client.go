// Package shopify is Kizuna's client of the Shopify Admin API: GraphQL
// reads of customers (with the LINE user ID from a customer metafield)
// and abandoned checkouts, paged or through a bulk operation for a large
// shop, within the cost bucket that each answer reports; and the parsing
// of signed webhooks into typed deliveries.
//
// Errors a person can meet are *kizuna.Error. The access token never
// appears in them, nor in the client's String.
package shopify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kizuna-line/kizuna"
)

// Defaults of Config.
const (
	DefaultAPIVersion    = "2026-07"
	DefaultNamespace     = "line"
	DefaultKey           = "user_id"
	DefaultPageSize      = 250
	DefaultBulkThreshold = 25000
	DefaultTimeout       = 30 * time.Second
	DefaultMaxRetries    = 6
	DefaultMaxDepth      = 25000
)

// Config configures a client. Zero values take the defaults.
type Config struct {
	// BaseURL is the shop's admin host, https://{shop}.myshopify.com, or
	// a fake's URL.
	BaseURL     string
	AccessToken string
	// APIVersion is the pinned API version (default 2026-07).
	APIVersion string
	// Namespace and Key name the customer metafield the shop's LINE Login
	// writes the LINE user ID into (default line / user_id).
	Namespace, Key string
	// PageSize is the customers or checkouts asked for a page (≤ 250).
	PageSize int
	// BulkThreshold: Backfill uses a bulk operation when the shop has
	// more customers than this (default 25,000, where Shopify's paging
	// stops), paged reads otherwise. Negative: never bulk.
	BulkThreshold int
	// BulkPoll is the wait between polls of a bulk operation (default 1s).
	BulkPoll time.Duration
	// MaxDepth is how many objects Shopify lets one paged list read
	// (default 25,000); a longer read goes on in a new updated_at window.
	MaxDepth int
	// MaxRetries bounds the retries of a 5xx or a dropped connection
	// (default 6); throttling is waited out, not counted.
	MaxRetries int
	HTTPClient *http.Client
	// Now and Sleep are the clock the cost bucket is paced on; tests
	// inject both (default time.Now and a timer that honours ctx).
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// Client reads one shop. It is safe for concurrent use.
type Client struct {
	cfg Config
	url string // the GraphQL endpoint

	mu       sync.Mutex
	bucket   *Throttle
	bucketAt time.Time
	stats    Stats
}

// Throttle is the cost bucket as the last answer reported it.
type Throttle struct {
	MaximumAvailable   float64 `json:"maximumAvailable"`
	CurrentlyAvailable float64 `json:"currentlyAvailable"`
	RestoreRate        float64 `json:"restoreRate"`
}

// Stats counts what the client met, for progress and benchmarks.
type Stats struct {
	Requests  int64
	Throttled int64
	Retries   int64
	Waited    time.Duration
}

// String masks the client: it holds the access token.
func (c *Client) String() string { return "shopify.Client{" + c.cfg.BaseURL + "}" }

// GoString masks the client for %#v.
func (c *Client) GoString() string { return c.String() }

// New returns a client of the shop at cfg.BaseURL.
func New(cfg Config) (*Client, error) {
	u, err := url.ParseRequestURI(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, kizuna.Errorf(kizuna.EINVALID, "the Shopify base URL %q is not an http or https URL", cfg.BaseURL)
	}
	if strings.TrimSpace(cfg.AccessToken) == "" {
		return nil, kizuna.Errorf(kizuna.EINVALID, "the Shopify access token is empty")
	}
	if cfg.APIVersion == "" {
		cfg.APIVersion = DefaultAPIVersion
	}
	if !validVersion(cfg.APIVersion) {
		return nil, kizuna.Errorf(kizuna.EINVALID, "the Shopify API version %q is not a version such as 2026-07", cfg.APIVersion)
	}
	if cfg.Namespace == "" {
		cfg.Namespace = DefaultNamespace
	}
	if cfg.Key == "" {
		cfg.Key = DefaultKey
	}
	if cfg.PageSize <= 0 || cfg.PageSize > 250 {
		cfg.PageSize = DefaultPageSize
	}
	if cfg.BulkThreshold == 0 {
		cfg.BulkThreshold = DefaultBulkThreshold
	}
	if cfg.BulkPoll <= 0 {
		cfg.BulkPoll = time.Second
	}
	if cfg.MaxDepth <= 0 {
		cfg.MaxDepth = DefaultMaxDepth
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = DefaultMaxRetries
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: DefaultTimeout}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	return &Client{cfg: cfg, url: cfg.BaseURL + "/admin/api/" + cfg.APIVersion + "/graphql.json"}, nil
}

func validVersion(v string) bool {
	if len(v) != 7 || v[4] != '-' {
		return false
	}
	_, err1 := strconv.Atoi(v[:4])
	m, err2 := strconv.Atoi(v[5:])
	return err1 == nil && err2 == nil && m >= 1 && m <= 12
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stats returns what the client has met so far.
func (c *Client) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

// Bucket returns the cost bucket as the last answer reported it, or nil.
func (c *Client) Bucket() *Throttle {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bucket == nil {
		return nil
	}
	b := *c.bucket
	return &b
}

// gqlError is one entry of an answer's errors.
type gqlError struct {
	Message    string `json:"message"`
	Extensions struct {
		Code string `json:"code"`
	} `json:"extensions"`
}

// gqlAnswer is a GraphQL answer. errors is an array, or a string or an
// object in REST-style refusals.
type gqlAnswer struct {
	Data       json.RawMessage `json:"data"`
	Errors     json.RawMessage `json:"errors"`
	Extensions struct {
		Cost *struct {
			RequestedQueryCost float64  `json:"requestedQueryCost"`
			ThrottleStatus     Throttle `json:"throttleStatus"`
		} `json:"cost"`
	} `json:"extensions"`
}

// maxThrottleWaits bounds consecutive throttled answers: a bucket that
// never refills is a shop in trouble, not a wait.
const maxThrottleWaits = 50

// query runs a GraphQL operation, waiting out the cost bucket and retrying
// 5xx and dropped connections, and decodes data into out.
func (c *Client) query(ctx context.Context, op, q string, vars map[string]any, cost int, out any) error {
	body, err := json.Marshal(map[string]any{"query": q, "operationName": op, "variables": vars})
	if err != nil {
		return err
	}
	retries, throttles := 0, 0
	for {
		if err := c.pace(ctx, cost); err != nil {
			return err
		}
		ans, status, hdr, err := c.post(ctx, body)
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if retries++; retries > c.cfg.MaxRetries {
				return kizuna.Errorf(kizuna.EUPSTREAM, "Shopify did not answer after %d tries: %v", retries, err)
			}
			if err := c.backoff(ctx, retries); err != nil {
				return err
			}
			continue
		case status == http.StatusUnauthorized:
			return kizuna.Errorf(kizuna.EUNAUTHORIZED, "Shopify refused the access token: check the token and the shop domain")
		case status == http.StatusForbidden:
			return kizuna.Errorf(kizuna.EFORBIDDEN, "Shopify refused access: the app needs the read_customers and read_orders scopes")
		case status == http.StatusNotFound:
			return kizuna.Errorf(kizuna.EUPSTREAM, "Shopify answered 404: check the shop domain and the API version %s", c.cfg.APIVersion)
		}
		c.record(ans)
		if code := errorCode(ans); code == "THROTTLED" || status == http.StatusTooManyRequests {
			if throttles++; throttles > maxThrottleWaits {
				return kizuna.Errorf(kizuna.EUNAVAILABLE, "Shopify kept throttling the sync: tried %d times", throttles)
			}
			c.count(func(s *Stats) { s.Throttled++ })
			if err := c.waitThrottled(ctx, ans, hdr, cost); err != nil {
				return err
			}
			continue
		}
		if status >= 500 || status == 0 {
			if retries++; retries > c.cfg.MaxRetries {
				return kizuna.Errorf(kizuna.EUPSTREAM, "Shopify answered %d after %d tries", status, retries)
			}
			if err := c.backoff(ctx, retries); err != nil {
				return err
			}
			continue
		}
		if status != http.StatusOK {
			return kizuna.Errorf(kizuna.EUPSTREAM, "Shopify answered %d: %s", status, errorText(ans))
		}
		if msg := errorText(ans); msg != "" {
			return kizuna.Errorf(kizuna.EUPSTREAM, "Shopify answered a GraphQL error: %s", msg)
		}
		if out == nil {
			return nil
		}
		if err := json.Unmarshal(ans.Data, out); err != nil {
			return kizuna.Errorf(kizuna.EUPSTREAM, "Shopify's answer to %s could not be read: %v", op, err)
		}
		return nil
	}
}

// post sends one request. The answer is nil when the body is not JSON
// (a proxy's error page).
func (c *Client) post(ctx context.Context, body []byte) (*gqlAnswer, int, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Shopify-Access-Token", c.cfg.AccessToken)
	c.count(func(s *Stats) { s.Requests++ })
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, 0, nil, scrub(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, 0, nil, scrub(err)
	}
	var ans gqlAnswer
	if json.Unmarshal(raw, &ans) != nil {
		return &gqlAnswer{}, resp.StatusCode, resp.Header, nil
	}
	return &ans, resp.StatusCode, resp.Header, nil
}

// scrub drops the URL from a transport error: it is the shop's, harmless,
// but an error should say what failed, not where.
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func (c *Client) count(f func(*Stats)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f(&c.stats)
}

// record keeps the bucket an answer reports.
func (c *Client) record(ans *gqlAnswer) {
	if ans == nil || ans.Extensions.Cost == nil || ans.Extensions.Cost.ThrottleStatus.RestoreRate <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t := ans.Extensions.Cost.ThrottleStatus
	c.bucket, c.bucketAt = &t, c.cfg.Now()
}

// pace waits, before a request, until the bucket as last reported has
// refilled enough for cost: the sync runs at the restore rate instead of
// being throttled.
func (c *Client) pace(ctx context.Context, cost int) error {
	c.mu.Lock()
	b, at := c.bucket, c.bucketAt
	c.mu.Unlock()
	if b == nil {
		return nil
	}
	have := b.CurrentlyAvailable + c.cfg.Now().Sub(at).Seconds()*b.RestoreRate
	if need := float64(cost) - have; need > 0 {
		return c.wait(ctx, seconds(need/b.RestoreRate))
	}
	return nil
}

// waitThrottled waits as a THROTTLED answer says: (requested − available)
// / restoreRate, or Retry-After, or a second.
func (c *Client) waitThrottled(ctx context.Context, ans *gqlAnswer, hdr http.Header, cost int) error {
	if ans != nil && ans.Extensions.Cost != nil && ans.Extensions.Cost.ThrottleStatus.RestoreRate > 0 {
		t := ans.Extensions.Cost.ThrottleStatus
		req := max(ans.Extensions.Cost.RequestedQueryCost, float64(cost))
		return c.wait(ctx, seconds(max(req-t.CurrentlyAvailable, 1)/t.RestoreRate))
	}
	if s, err := strconv.ParseFloat(hdr.Get("Retry-After"), 64); err == nil && s > 0 {
		return c.wait(ctx, seconds(s))
	}
	return c.wait(ctx, time.Second)
}

func seconds(s float64) time.Duration { return time.Duration(math.Ceil(s * float64(time.Second))) }

func (c *Client) wait(ctx context.Context, d time.Duration) error {
	c.count(func(s *Stats) { s.Waited += d })
	return c.cfg.Sleep(ctx, d)
}

// backoff waits 200 ms × 2^(n−1), jittered, at most 30 s.
func (c *Client) backoff(ctx context.Context, n int) error {
	c.count(func(s *Stats) { s.Retries++ })
	d := min(200*time.Millisecond<<(n-1), 30*time.Second)
	d = d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
	return c.wait(ctx, d)
}

func errorCode(ans *gqlAnswer) string {
	if ans == nil || len(ans.Errors) == 0 || ans.Errors[0] != '[' {
		return ""
	}
	var errs []gqlError
	if json.Unmarshal(ans.Errors, &errs) != nil || len(errs) == 0 {
		return ""
	}
	return errs[0].Extensions.Code
}

// errorText returns the answer's errors as text, "" when there are none.
func errorText(ans *gqlAnswer) string {
	if ans == nil || len(ans.Errors) == 0 || string(ans.Errors) == "null" {
		return ""
	}
	var errs []gqlError
	if json.Unmarshal(ans.Errors, &errs) == nil {
		msgs := make([]string, 0, len(errs))
		for _, e := range errs {
			msgs = append(msgs, e.Message)
		}
		return strings.Join(msgs, "; ")
	}
	var s string
	if json.Unmarshal(ans.Errors, &s) == nil {
		return s
	}
	return string(ans.Errors)
}

// Shop is what Check reads.
type Shop struct {
	Name           string
	Domain         string
	Currency       string
	CustomersCount int64
}

const shopQuery = `query Shop { shop { name myshopifyDomain currencyCode } customersCount { count precision } }`

// Check makes one call with the credentials and returns the shop: a wrong
// token is an EUNAUTHORIZED error, missing scopes EFORBIDDEN.
func (c *Client) Check(ctx context.Context) (*Shop, error) {
	var out struct {
		Shop struct {
			Name     string `json:"name"`
			Domain   string `json:"myshopifyDomain"`
			Currency string `json:"currencyCode"`
		} `json:"shop"`
		CustomersCount struct {
			Count json.Number `json:"count"`
		} `json:"customersCount"`
	}
	if err := c.query(ctx, "Shop", shopQuery, nil, 2, &out); err != nil {
		return nil, err
	}
	n, _ := out.CustomersCount.Count.Int64()
	return &Shop{Name: out.Shop.Name, Domain: out.Shop.Domain, Currency: out.Shop.Currency, CustomersCount: n}, nil
}
