// Package hubspot is Kizuna's client of the HubSpot CRM API, over the
// standard library: contacts (paged list, search, updated-since walks, batch
// read), contact properties with their types and options, lists (segments)
// and their memberships, and the verification and parsing of webhooks v3.
//
// It honours HubSpot's limits (the rolling ten-second window, learned from
// the X-HubSpot-RateLimit-* headers, and the search endpoints' own four a
// second), retries 429s and 5xx with backoff on an injectable sleeper, and
// gives up on the daily limit with a clear error. Errors a person can meet
// are *kizuna.Error (wrapped in *APIError, which keeps HubSpot's status);
// the access token never appears in them.
package hubspot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kizuna-line/kizuna"
)

// Defaults.
const (
	DefaultBaseURL    = "https://api.hubapi.com"
	DefaultVersion    = "2026-03" // date-based paths; "v3" for the legacy ones
	DefaultLineUserID = "line_user_id"
	DefaultTimeout    = 30 * time.Second
	DefaultRateMax    = 100 // per ten seconds, until HubSpot's headers say
	DefaultSearchRate = 4   // search requests a second
	DefaultMaxRetries = 8
	RateWindow        = 10 * time.Second
	// ContactsPageMax, SearchPageMax, MembershipsPageMax and BatchReadMax
	// are HubSpot's largest pages.
	ContactsPageMax    = 100
	SearchPageMax      = 200
	MembershipsPageMax = 250
	BatchReadMax       = 100
	// SearchMaxResults is how deep search paging goes.
	SearchMaxResults = 10000
)

// Config sets up a Client. Zero fields take defaults.
type Config struct {
	BaseURL     string // default DefaultBaseURL
	AccessToken string // a private app's or OAuth access token
	// Version picks the path family: a date ("2026-03", the default) for
	// /crm/objects/2026-03/…, or "v3" for /crm/v3/….
	Version string
	// LineUserIDProperty is the contact property the shop's LINE Login
	// writes the LINE user ID into (default line_user_id).
	LineUserIDProperty string
	HTTPClient         *http.Client
	// Now and Sleep are the clock and the sleeper of rate limits and
	// backoff (default: the real ones).
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// RateMax is the ten-second limit to keep to until HubSpot's headers
	// say otherwise (0: 100); SearchRate the search requests a second
	// (0: 4). Negative: no limit of the client's own.
	RateMax    int
	SearchRate int
	// MaxRetries bounds the retries of one call on 429, 5xx and lost
	// connections (0: 8; negative: none).
	MaxRetries int
}

// Client calls one HubSpot account. It is safe for concurrent use.
type Client struct {
	base    string
	token   string
	version string
	lineID  string
	hc      *http.Client
	now     func() time.Time
	sleep   func(ctx context.Context, d time.Duration) error
	retries int
	burst   *window
	search  *window
}

// String masks the client: it holds the access token.
func (c *Client) String() string { return "hubspot.Client{" + c.base + "}" }

// GoString masks the client for %#v.
func (c *Client) GoString() string { return c.String() }

// New returns a client.
func New(cfg Config) (*Client, error) {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	u, err := url.ParseRequestURI(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, kizuna.Errorf(kizuna.EINVALID, "the HubSpot API base URL %q is not an http or https URL", cfg.BaseURL)
	}
	if strings.TrimSpace(cfg.AccessToken) == "" {
		return nil, kizuna.Errorf(kizuna.EINVALID, "the HubSpot access token is empty")
	}
	if cfg.Version == "" {
		cfg.Version = DefaultVersion
	}
	if cfg.Version != "v3" && !isDateVersion(cfg.Version) {
		return nil, kizuna.Errorf(kizuna.EINVALID, "the HubSpot API version %q is neither v3 nor a date such as 2026-03", cfg.Version)
	}
	if cfg.LineUserIDProperty == "" {
		cfg.LineUserIDProperty = DefaultLineUserID
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: DefaultTimeout}
	} else if cfg.HTTPClient.Timeout == 0 {
		hc := *cfg.HTTPClient
		hc.Timeout = DefaultTimeout
		cfg.HTTPClient = &hc
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	if cfg.RateMax == 0 {
		cfg.RateMax = DefaultRateMax
	}
	if cfg.SearchRate == 0 {
		cfg.SearchRate = DefaultSearchRate
	}
	switch {
	case cfg.MaxRetries == 0:
		cfg.MaxRetries = DefaultMaxRetries
	case cfg.MaxRetries < 0:
		cfg.MaxRetries = 0
	}
	return &Client{base: strings.TrimRight(cfg.BaseURL, "/"), token: cfg.AccessToken, version: cfg.Version,
		lineID: cfg.LineUserIDProperty, hc: cfg.HTTPClient, now: cfg.Now, sleep: cfg.Sleep, retries: cfg.MaxRetries,
		burst:  &window{max: cfg.RateMax, length: RateWindow},
		search: &window{max: cfg.SearchRate, length: time.Second}}, nil
}

func isDateVersion(v string) bool {
	_, err := time.Parse("2006-01", v)
	return err == nil && len(v) == 7
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// LineUserIDProperty is the contact property holding the LINE user ID.
func (c *Client) LineUserIDProperty() string { return c.lineID }

// path builds an API path: rest starts with objects/, properties/ or
// lists/, and goes under the configured path family.
func (c *Client) path(rest string) string {
	if c.version == "v3" {
		return "/crm/v3/" + rest
	}
	family, tail, _ := strings.Cut(rest, "/")
	if tail == "" {
		return "/crm/" + family + "/" + c.version
	}
	return "/crm/" + family + "/" + c.version + "/" + tail
}

// APIError is a refusal or failure of a call. It wraps the *kizuna.Error to
// show and keeps HubSpot's answer.
type APIError struct {
	Status        int // 0: HubSpot did not answer
	Category      string
	PolicyName    string
	Message       string
	CorrelationID string
	err           *kizuna.Error
}

func (e *APIError) Error() string { return e.err.Error() }

// Unwrap returns the domain error.
func (e *APIError) Unwrap() error { return e.err }

// Temporary reports whether err is worth trying again later: HubSpot did
// not answer, answered 5xx, or a rate limit other than the day's.
func Temporary(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	return ae.Status == 0 || ae.Status >= 500 || (ae.Status == http.StatusTooManyRequests && ae.PolicyName != "DAILY")
}

// errorBody is HubSpot's error answer; every field is optional.
type errorBody struct {
	Message       string `json:"message"`
	Category      string `json:"category"`
	PolicyName    string `json:"policyName"`
	CorrelationID string `json:"correlationId"`
}

// call is one request: method, path (under the family), query, JSON body.
type call struct {
	method string
	rest   string
	query  url.Values
	body   any
	search bool // counts against the search limit
}

// do makes the call, within the limits and with retries, and decodes a 2xx
// answer into out (nil: discard). It returns the status.
func (c *Client) do(ctx context.Context, cl call, out any) (int, error) {
	var payload []byte
	if cl.body != nil {
		var err error
		if payload, err = json.Marshal(cl.body); err != nil {
			return 0, fmt.Errorf("hubspot: encode: %w", err)
		}
	}
	u := c.base + c.path(cl.rest)
	if len(cl.query) > 0 {
		u += "?" + cl.query.Encode()
	}
	w := c.burst
	if cl.search {
		w = c.search
	}
	for attempt := 0; ; attempt++ {
		slot, err := w.wait(ctx, c.now, c.sleep)
		if err != nil {
			return 0, err
		}
		status, hdr, body, err := c.send(ctx, cl.method, u, payload)
		w.done(slot, c.now())
		if err != nil {
			if ctx.Err() != nil {
				return 0, ctx.Err()
			}
			if attempt < c.retries {
				if serr := c.sleep(ctx, backoff(attempt)); serr != nil {
					return 0, serr
				}
				continue
			}
			return 0, &APIError{err: kizuna.Errorf(kizuna.EUPSTREAM, "HubSpot could not be reached: %s", c.scrub(err.Error()))}
		}
		if !cl.search {
			c.learn(hdr)
		}
		if status/100 == 2 {
			if out != nil {
				if err := json.Unmarshal(body, out); err != nil {
					return status, fmt.Errorf("hubspot: %s %s: decode the answer: %w", cl.method, cl.rest, err)
				}
			}
			return status, nil
		}
		ae := c.apiError(status, body)
		if status == http.StatusTooManyRequests && ae.PolicyName != "DAILY" && attempt < c.retries {
			wait := time.Second
			if s, err := strconv.Atoi(hdr.Get("Retry-After")); err == nil && s > 0 {
				wait = time.Duration(s) * time.Second
			} else if d := w.untilFree(c.now()); d > wait {
				wait = d
			}
			if err := c.sleep(ctx, wait); err != nil {
				return 0, err
			}
			continue
		}
		if status >= 500 && attempt < c.retries {
			if err := c.sleep(ctx, backoff(attempt)); err != nil {
				return 0, err
			}
			continue
		}
		return status, ae
	}
}

// backoff is 500 ms doubled each attempt, at most 30 s.
func backoff(attempt int) time.Duration {
	return min(500*time.Millisecond<<min(attempt, 10), 30*time.Second)
}

func (c *Client) send(ctx context.Context, method, u string, payload []byte) (int, http.Header, []byte, error) {
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return 0, nil, nil, err
	}
	return res.StatusCode, res.Header, body, nil
}

// learn follows HubSpot's rate headers: the window's size, and a
// Remaining of 0 (another client of the app used it up).
func (c *Client) learn(h http.Header) {
	if n, err := strconv.Atoi(h.Get("X-HubSpot-RateLimit-Max")); err == nil && n > 0 {
		c.burst.setMax(n)
	}
	if h.Get("X-HubSpot-RateLimit-Remaining") == "0" {
		c.burst.fill(c.now())
	}
}

func (c *Client) apiError(status int, body []byte) *APIError {
	var b errorBody
	_ = json.Unmarshal(body, &b)
	ae := &APIError{Status: status, Category: b.Category, PolicyName: b.PolicyName, Message: b.Message, CorrelationID: b.CorrelationID}
	msg := c.scrub(b.Message)
	if msg == "" {
		msg = http.StatusText(status)
	}
	switch {
	case status == http.StatusUnauthorized:
		ae.err = kizuna.Errorf(kizuna.EUNAUTHORIZED, "HubSpot refused the access token: check that it is the private app's current access token")
	case status == http.StatusForbidden:
		ae.err = kizuna.Errorf(kizuna.EFORBIDDEN, "HubSpot refused access (%s): the app needs the crm.objects.contacts.read, crm.schemas.contacts.read and crm.lists.read scopes", msg)
	case status == http.StatusTooManyRequests && b.PolicyName == "DAILY":
		ae.err = kizuna.Errorf(kizuna.EUNAVAILABLE, "HubSpot's daily API limit of this account is used up: the sync goes on after midnight in the portal's time zone")
	case status == http.StatusTooManyRequests || status >= 500:
		ae.err = kizuna.Errorf(kizuna.EUPSTREAM, "HubSpot is busy or failing (HTTP %d: %s); try again later", status, msg)
	case status == http.StatusNotFound:
		ae.err = kizuna.Errorf(kizuna.ENOTFOUND, "HubSpot has no such record (%s)", msg)
	default:
		ae.err = kizuna.Errorf(kizuna.EUPSTREAM, "HubSpot refused the request (HTTP %d: %s)", status, msg)
	}
	return ae
}

// scrub removes the token from a text, should it ever hold it.
func (c *Client) scrub(s string) string {
	return strings.ReplaceAll(s, c.token, "[token]")
}

// Check makes one real call (a contact page of one) to verify the token.
func (c *Client) Check(ctx context.Context) error {
	_, err := c.do(ctx, call{method: http.MethodGet, rest: "objects/contacts", query: url.Values{"limit": {"1"}}}, nil)
	return err
}

// window is a rolling window: at most max requests in any span of length.
// A request's time is when its answer came, so that the server, which
// counts it on arrival, has always let it go first.
type window struct {
	mu     sync.Mutex
	max    int
	length time.Duration
	seq    uint64
	slots  map[uint64]time.Time // zero: in flight
}

func (w *window) setMax(n int) {
	w.mu.Lock()
	w.max = n
	w.mu.Unlock()
}

// prune drops the slots that left the window; it returns the earliest
// time one of the rest leaves (zero when one is in flight or none is).
func (w *window) prune(now time.Time) (earliest time.Time) {
	for id, t := range w.slots {
		switch {
		case t.IsZero():
		case !t.After(now.Add(-w.length)):
			delete(w.slots, id)
		case earliest.IsZero() || t.Before(earliest):
			earliest = t
		}
	}
	if earliest.IsZero() {
		return earliest
	}
	return earliest.Add(w.length)
}

// wait blocks until a request may go, and takes a slot for it.
func (w *window) wait(ctx context.Context, now func() time.Time, sleep func(context.Context, time.Duration) error) (uint64, error) {
	for {
		w.mu.Lock()
		if w.slots == nil {
			w.slots = map[uint64]time.Time{}
		}
		if w.max < 0 {
			w.mu.Unlock()
			return 0, nil
		}
		t := now()
		free := w.prune(t)
		if len(w.slots) < w.max {
			w.seq++
			w.slots[w.seq] = time.Time{}
			w.mu.Unlock()
			return w.seq, nil
		}
		w.mu.Unlock()
		d := free.Sub(t)
		if free.IsZero() || d <= 0 {
			d = 10 * time.Millisecond // all in flight: one will land soon
		}
		if err := sleep(ctx, d); err != nil {
			return 0, err
		}
	}
}

// done dates the request's slot at its answer.
func (w *window) done(slot uint64, at time.Time) {
	if slot == 0 {
		return
	}
	w.mu.Lock()
	if _, ok := w.slots[slot]; ok {
		w.slots[slot] = at
	}
	w.mu.Unlock()
}

// fill marks the window full as of now, as the server said.
func (w *window) fill(now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for len(w.slots) < w.max {
		w.seq++
		w.slots[w.seq] = now
	}
}

// untilFree is how long until a slot leaves the window.
func (w *window) untilFree(now time.Time) time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.max < 0 || w.slots == nil {
		return 0
	}
	free := w.prune(now)
	if free.IsZero() {
		return 0
	}
	return free.Sub(now)
}
