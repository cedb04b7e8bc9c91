// Package klaviyo is Kizuna's client of the Klaviyo API (integrations.md
// §4), over the standard library: profiles with their custom properties,
// lists and segments with their members, read page by page with a cursor
// that survives a crash; the incremental poll the sync needs (Klaviyo has
// no profile or membership webhook); Klaviyo's rate limits and server
// errors absorbed; and the verification of signed system webhooks.
//
// Errors a person can meet are *kizuna.Error (wrapped in *APIError when
// Klaviyo answered); the API key never appears in them.
package klaviyo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kizuna-line/kizuna"
)

// DefaultBaseURL is Klaviyo's API host.
const DefaultBaseURL = "https://a.klaviyo.com"

// DefaultRevision is the API revision the client pins.
const DefaultRevision = "2026-07-15"

// DefaultLineUserIDProperty is the profile property the shop's LINE Login
// writes the LINE user ID to.
const DefaultLineUserIDProperty = "line_user_id"

// DefaultTimeout bounds one call when the given http.Client has none.
const DefaultTimeout = 30 * time.Second

// Page sizes: Klaviyo's maxima per endpoint.
const (
	ProfilesPageMax = 100
	ListsPageMax    = 10
	MembersPageMax  = 100
	// MembershipBatchMax is the most profiles one list add or remove
	// takes.
	MembershipBatchMax = 1000
)

// maxResponse caps one answer's body.
const maxResponse = 32 << 20

// Config sets up a Client. Zero fields take defaults.
type Config struct {
	// BaseURL is Klaviyo's (DefaultBaseURL) or a fake's.
	BaseURL string
	// APIKey is the private key, sent as Klaviyo-API-Key.
	APIKey string
	// Revision is the pinned revision (DefaultRevision).
	Revision string
	// LineUserIDProperty names the profile property holding the LINE user
	// ID (DefaultLineUserIDProperty).
	LineUserIDProperty string
	// HTTPClient makes the calls; one without a timeout gets
	// DefaultTimeout.
	HTTPClient *http.Client
	// Now and Sleep are the clock the client paces itself by (time.Now
	// and a timer); tests make both virtual.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// MaxRetries bounds the retries of one call after a 5xx or a lost
	// connection (default 6, with backoff from 500 ms doubling to 30 s).
	MaxRetries int
	// MaxThrottles bounds the 429s one call waits out (default 100).
	MaxThrottles int
	// MaxWait is the longest Retry-After the client waits; a longer one
	// (a daily cap) is an error (default 10 minutes).
	MaxWait time.Duration
}

// Client calls one Klaviyo account's API. It is safe for concurrent use.
type Client struct {
	base *url.URL
	cfg  Config
	hc   *http.Client

	mu        sync.Mutex
	notBefore map[string]time.Time // per path family: the steady window is used up until then
}

// String masks the client: it holds the API key.
func (c *Client) String() string { return "klaviyo.Client{" + c.base.String() + "}" }

// GoString masks the client for %#v.
func (c *Client) GoString() string { return c.String() }

// New returns a client.
func New(cfg Config) (*Client, error) {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	u, err := url.ParseRequestURI(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, kizuna.Errorf(kizuna.EINVALID, "the Klaviyo API base URL %q is not an http or https URL", cfg.BaseURL)
	}
	if strings.TrimSpace(cfg.APIKey) == "" {
		return nil, kizuna.Errorf(kizuna.EINVALID, "the Klaviyo API key is empty")
	}
	if cfg.Revision == "" {
		cfg.Revision = DefaultRevision
	}
	if cfg.LineUserIDProperty == "" {
		cfg.LineUserIDProperty = DefaultLineUserIDProperty
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = 6
	}
	if cfg.MaxThrottles == 0 {
		cfg.MaxThrottles = 100
	}
	if cfg.MaxWait == 0 {
		cfg.MaxWait = 10 * time.Minute
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: DefaultTimeout}
	} else if hc.Timeout == 0 {
		h := *hc
		h.Timeout = DefaultTimeout
		hc = &h
	}
	cfg.HTTPClient = nil
	return &Client{base: u, cfg: cfg, hc: hc, notBefore: map[string]time.Time{}}, nil
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

// APIError is an answer of Klaviyo's other than a success. It wraps the
// *kizuna.Error to show and keeps Klaviyo's status and first error.
type APIError struct {
	Status int
	Code   string // Klaviyo's errors[0].code
	Detail string // Klaviyo's errors[0].detail
	err    *kizuna.Error
}

func (e *APIError) Error() string { return e.err.Error() }

// Unwrap returns the domain error.
func (e *APIError) Unwrap() error { return e.err }

// errorDoc is Klaviyo's JSON:API error body.
type errorDoc struct {
	Errors []struct {
		Code   string         `json:"code"`
		Title  string         `json:"title"`
		Detail string         `json:"detail"`
		Meta   map[string]any `json:"meta"`
	} `json:"errors"`
}

// apiError maps an answer to an error a person can read.
func apiError(status int, body []byte) *APIError {
	var doc errorDoc
	_ = json.Unmarshal(body, &doc)
	e := &APIError{Status: status}
	if len(doc.Errors) > 0 {
		e.Code, e.Detail = doc.Errors[0].Code, doc.Errors[0].Detail
	}
	detail := e.Detail
	if len(detail) > 300 {
		detail = detail[:300]
	}
	switch {
	case status == http.StatusUnauthorized,
		status == http.StatusBadRequest && (e.Code == "not_authenticated" || e.Code == "authentication_failed"):
		e.err = kizuna.Errorf(kizuna.EUNAUTHORIZED, "Klaviyo refused the API key: check the private key")
	case status == http.StatusForbidden:
		e.err = kizuna.Errorf(kizuna.EFORBIDDEN, "the Klaviyo API key may not do this: give the private key read access to profiles, lists and segments")
	case status == http.StatusNotFound:
		e.err = kizuna.Errorf(kizuna.ENOTFOUND, "Klaviyo has no such record: %s", detail)
	case status == http.StatusConflict:
		e.err = kizuna.Errorf(kizuna.ECONFLICT, "Klaviyo refused a duplicate: %s", detail)
	case status == http.StatusTooManyRequests:
		e.err = kizuna.Errorf(kizuna.EUNAVAILABLE, "Klaviyo is throttling this account: try again later")
	case status >= 500:
		e.err = kizuna.Errorf(kizuna.EUPSTREAM, "Klaviyo failed to answer (status %d): try again later", status)
	default:
		e.err = kizuna.Errorf(kizuna.EUPSTREAM, "Klaviyo refused the request (status %d): %s", status, detail)
	}
	return e
}

// Temporary reports whether err is worth trying again later: Klaviyo did
// not answer, answered 5xx, or throttled.
func Temporary(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status == 0 || ae.Status >= 500 || ae.Status == http.StatusTooManyRequests
	}
	return false
}

// url returns the absolute URL of an API path with a query.
func (c *Client) url(path string, q url.Values) string {
	u := *c.base
	u.Path = strings.TrimRight(u.Path, "/") + path
	u.RawQuery = q.Encode()
	return u.String()
}

// sameOrigin checks that a links.next URL stays on the API's host, so the
// key is never sent elsewhere, and returns it.
func (c *Client) sameOrigin(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != c.base.Scheme || u.Host != c.base.Host || !strings.HasPrefix(u.Path, strings.TrimRight(c.base.Path, "/")+"/api/") {
		return "", kizuna.Errorf(kizuna.EINVALID, "the Klaviyo page cursor is not a URL of this Klaviyo API")
	}
	return raw, nil
}

// family is the rate-limit bucket a URL falls in, for the client's own
// pacing: the path with ids replaced.
func family(method, raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return method
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	for i := range parts {
		if i > 1 && i%2 == 0 && parts[i-1] != "relationships" {
			parts[i] = "{id}"
		}
	}
	return method + " " + strings.Join(parts, "/")
}

// do makes one call, waiting out 429s (Retry-After: nothing was done)
// and, when the call is idempotent, retrying 5xx and lost connections
// with backoff. It returns the body of a 2xx answer.
func (c *Client) do(ctx context.Context, method, rawURL string, body []byte, idempotent bool) ([]byte, int, error) {
	fam := family(method, rawURL)
	retries, throttles := 0, 0
	backoff := 500 * time.Millisecond
	for {
		if err := c.pace(ctx, fam); err != nil {
			return nil, 0, err
		}
		status, hdr, resp, err := c.once(ctx, method, rawURL, body)
		switch {
		case err != nil && ctx.Err() != nil:
			return nil, 0, ctx.Err()
		case err == nil && status/100 == 2:
			c.remember(fam, hdr)
			return resp, status, nil
		case err == nil && status == http.StatusTooManyRequests:
			wait := retryAfter(hdr.Get("Retry-After"))
			throttles++
			if wait > c.cfg.MaxWait || throttles > c.cfg.MaxThrottles {
				return nil, status, &APIError{Status: status, err: kizuna.Errorf(kizuna.EUNAVAILABLE, "Klaviyo is throttling this account for %s: try again later", wait.String())}
			}
			if err := c.cfg.Sleep(ctx, wait); err != nil {
				return nil, 0, err
			}
			continue
		case err == nil && status < 500:
			return nil, status, apiError(status, resp)
		}
		// A 5xx, or no answer.
		retries++
		if retries > c.cfg.MaxRetries || !idempotent {
			if err != nil {
				return nil, 0, &APIError{err: kizuna.Errorf(kizuna.EUPSTREAM, "Klaviyo did not answer: %s", redact(err))}
			}
			return nil, status, apiError(status, resp)
		}
		if err := c.cfg.Sleep(ctx, backoff); err != nil {
			return nil, 0, err
		}
		backoff = min(backoff*2, 30*time.Second)
	}
}

// redact keeps a transport error's cause without its URL (which holds no
// key, but a cursor the error need not show).
func redact(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

func (c *Client) once(ctx context.Context, method, rawURL string, body []byte) (int, http.Header, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Authorization", "Klaviyo-API-Key "+c.cfg.APIKey)
	req.Header.Set("revision", c.cfg.Revision)
	req.Header.Set("Accept", "application/vnd.api+json")
	if body != nil {
		req.Header.Set("Content-Type", "application/vnd.api+json")
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, maxResponse))
	if err != nil {
		return 0, nil, nil, err
	}
	return res.StatusCode, res.Header, b, nil
}

// retryAfter reads Retry-After in seconds (default 1 s).
func retryAfter(v string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 {
		return time.Second
	}
	return time.Duration(n) * time.Second
}

// remember notes that the steady window is used up (RateLimit-Remaining
// 0) so that the next call of the family waits for its reset instead of
// meeting a 429.
func (c *Client) remember(fam string, h http.Header) {
	if h.Get("RateLimit-Remaining") != "0" {
		return
	}
	reset, err := strconv.Atoi(h.Get("RateLimit-Reset"))
	if err != nil || reset < 0 || time.Duration(reset)*time.Second > c.cfg.MaxWait {
		return
	}
	c.mu.Lock()
	c.notBefore[fam] = c.cfg.Now().Add(time.Duration(reset) * time.Second)
	c.mu.Unlock()
}

// pace waits until the family's steady window has room.
func (c *Client) pace(ctx context.Context, fam string) error {
	c.mu.Lock()
	t, ok := c.notBefore[fam]
	c.mu.Unlock()
	if !ok {
		return nil
	}
	if d := t.Sub(c.cfg.Now()); d > 0 {
		if err := c.cfg.Sleep(ctx, d); err != nil {
			return err
		}
	}
	c.mu.Lock()
	if c.notBefore[fam].Equal(t) {
		delete(c.notBefore, fam)
	}
	c.mu.Unlock()
	return nil
}

// get calls GET and decodes the answer into v.
func (c *Client) get(ctx context.Context, rawURL string, v any) error {
	b, _, err := c.do(ctx, http.MethodGet, rawURL, nil, true)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return &APIError{Status: http.StatusOK, err: kizuna.Errorf(kizuna.EUPSTREAM, "Klaviyo answered with a body that is not JSON:API: %s", err)}
	}
	return nil
}

// Check makes one call (the first list) to verify the key and the
// revision.
func (c *Client) Check(ctx context.Context) error {
	var doc struct {
		Data []json.RawMessage `json:"data"`
	}
	return c.get(ctx, c.url("/api/lists", url.Values{"page[size]": {"1"}}), &doc)
}
