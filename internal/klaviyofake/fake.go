// Package klaviyofake is a fake Klaviyo API server for tests, the demo and
// `kizuna fake klaviyo`. It speaks Klaviyo's wire format (integrations.md
// §4): the Klaviyo-API-Key header and the required revision header, JSON:API
// envelopes in application/vnd.api+json, links.next as a full URL carrying
// an opaque page[cursor], page[size] maxima per endpoint, a small filter
// language, fixed-window burst and steady rate limits with RateLimit-*
// headers and 429 + Retry-After, and signed system webhooks.
//
// Klaviyo has no profile-updated or list-membership webhook, so the sync
// polls: every change of a profile's properties or memberships moves its
// `updated`, and `filter=greater-than(updated,…)&sort=updated` finds it.
package klaviyofake

import (
	"crypto/subtle"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// DefaultRevision is the revision the fake accepts unless configured.
const DefaultRevision = "2026-07-15"

// DefaultLineUserIDProperty is the profile property holding the LINE user
// ID that the shop's LINE Login writes.
const DefaultLineUserIDProperty = "line_user_id"

// ContentType is JSON:API's media type, which Klaviyo answers with.
const ContentType = "application/vnd.api+json"

// Route names, used to inject faults and set rate limits per endpoint.
const (
	RouteProfiles         = "profiles"         // GET /api/profiles
	RouteProfile          = "profile"          // GET /api/profiles/{id}
	RouteCreateProfile    = "profiles/create"  // POST /api/profiles
	RouteProfileImport    = "profile-import"   // POST /api/profile-import
	RouteProfileLists     = "profile/lists"    // GET /api/profiles/{id}/lists
	RouteProfileSegments  = "profile/segments" // GET /api/profiles/{id}/segments
	RouteLists            = "lists"            // GET /api/lists, GET and PATCH /api/lists/{id}, POST /api/lists
	RouteListProfiles     = "list/profiles"    // GET /api/lists/{id}/profiles and .../relationships/profiles
	RouteListMembership   = "list/membership"  // POST and DELETE /api/lists/{id}/relationships/profiles
	RouteSegments         = "segments"         // GET /api/segments, GET /api/segments/{id}
	RouteSegmentProfiles  = "segment/profiles" // GET /api/segments/{id}/profiles and .../relationships/profiles
	RouteAccounts         = "accounts"         // GET /api/accounts
	maxBody               = 100 << 10          // Klaviyo's payload limit
	maxMembershipPerCall  = 1000               // ids per list add/remove
	maxRecorded           = 20000              // requests kept by the record
	defaultProfilesSize   = 20                 // page[size] default
	profilesSizeMax       = 100                // page[size] max for profiles and members
	listsSizeMax          = 10                 // page[size] max for lists and segments
	relationshipsSizeMax  = 1000               // page[size] max of relationship (id-only) pages
	defaultListsPageSize  = 10                 // lists' default
	defaultMembersPerPage = 20                 // members' default
)

// Limit is an endpoint's fixed-window rate limit: Burst requests a second
// and Steady a minute. A zero field has no limit.
type Limit struct {
	Burst  int
	Steady int
}

// DefaultLimits are Klaviyo's published limits of the endpoints the fake
// serves (integrations.md §4.2-4.4).
func DefaultLimits() map[string]Limit {
	return map[string]Limit{
		RouteProfiles:        {75, 750},
		RouteProfile:         {75, 750},
		RouteCreateProfile:   {75, 700},
		RouteProfileImport:   {75, 700},
		RouteProfileLists:    {3, 60},
		RouteProfileSegments: {3, 60},
		RouteLists:           {75, 700},
		RouteListProfiles:    {75, 750},
		RouteListMembership:  {10, 150},
		RouteSegments:        {75, 700},
		RouteSegmentProfiles: {75, 750},
		RouteAccounts:        {1, 15},
	}
}

// Config sets up a Fake. Zero fields take defaults.
type Config struct {
	// APIKey is the only private key accepted (Klaviyo-API-Key); empty
	// accepts none.
	APIKey string
	// Revision is the revision accepted (default DefaultRevision); older
	// revisions in Klaviyo's format (YYYY-MM-DD) are accepted too, later
	// ones refused.
	Revision string
	// LineUserIDProperty names the profile property holding the LINE user
	// ID (default line_user_id).
	LineUserIDProperty string
	// Now is the clock of rate limits, `updated` and webhook timestamps
	// (default time.Now).
	Now func() time.Time
	// Limits overrides rate limits per route (see DefaultLimits); a route
	// mapped to the zero Limit has none.
	Limits map[string]Limit
	// UnknownProfileStatus is the status of a list add/remove naming a
	// profile the fake does not know: 400 (default) or 404.
	UnknownProfileStatus int
	// WebhookURL, WebhookSecret and WebhookID configure the system webhook
	// the fake sends events to.
	WebhookURL    string
	WebhookSecret string
	WebhookID     string
	// AccountID is the Klaviyo account's id (default "KzFake").
	AccountID string
	// HTTPClient sends webhooks (default: a client with a 10 s timeout).
	HTTPClient *http.Client
}

// Fake is the fake Klaviyo server. It is safe for concurrent use.
type Fake struct {
	cfg    Config
	mux    *http.ServeMux
	hangUp chan struct{}
	close  sync.Once

	mu      sync.Mutex
	store   *store
	limits  map[string]Limit
	windows map[string]*window
	faults  map[string][]Fault
	log     []Recorded
	counts  map[string]int
	hooks   []*Delivery
}

// Recorded is one request the fake received.
type Recorded struct {
	Method string      `json:"method"`
	Route  string      `json:"route"`
	URL    string      `json:"url"`
	Header http.Header `json:"header"`
	Body   []byte      `json:"body,omitempty"`
	Status int         `json:"status"`
	At     time.Time   `json:"at"`
}

// New returns a fake with no profiles, lists or segments.
func New(cfg Config) *Fake {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Revision == "" {
		cfg.Revision = DefaultRevision
	}
	if cfg.LineUserIDProperty == "" {
		cfg.LineUserIDProperty = DefaultLineUserIDProperty
	}
	if cfg.UnknownProfileStatus == 0 {
		cfg.UnknownProfileStatus = http.StatusBadRequest
	}
	if cfg.AccountID == "" {
		cfg.AccountID = "KzFake"
	}
	if cfg.WebhookID == "" {
		cfg.WebhookID = "01KZFAKEWEBHOOK0000000000"
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	limits := DefaultLimits()
	for k, v := range cfg.Limits {
		limits[k] = v
	}
	f := &Fake{
		cfg:     cfg,
		hangUp:  make(chan struct{}),
		store:   newStore(),
		limits:  limits,
		windows: map[string]*window{},
		faults:  map[string][]Fault{},
		counts:  map[string]int{},
	}
	m := http.NewServeMux()
	f.mux = m
	m.HandleFunc("GET /api/accounts", f.api(RouteAccounts, f.getAccounts))
	m.HandleFunc("GET /api/profiles", f.api(RouteProfiles, f.getProfiles))
	m.HandleFunc("POST /api/profiles", f.api(RouteCreateProfile, f.createProfile))
	m.HandleFunc("GET /api/profiles/{id}", f.api(RouteProfile, f.getProfile))
	m.HandleFunc("POST /api/profile-import", f.api(RouteProfileImport, f.importProfile))
	m.HandleFunc("GET /api/profiles/{id}/lists", f.api(RouteProfileLists, f.getProfileLists))
	m.HandleFunc("GET /api/profiles/{id}/segments", f.api(RouteProfileSegments, f.getProfileSegments))
	m.HandleFunc("GET /api/lists", f.api(RouteLists, f.getLists))
	m.HandleFunc("POST /api/lists", f.api(RouteLists, f.createList))
	m.HandleFunc("GET /api/lists/{id}", f.api(RouteLists, f.getList))
	m.HandleFunc("PATCH /api/lists/{id}", f.api(RouteLists, f.updateList))
	m.HandleFunc("GET /api/lists/{id}/profiles", f.api(RouteListProfiles, f.groupProfiles(false, false)))
	m.HandleFunc("GET /api/lists/{id}/relationships/profiles", f.api(RouteListProfiles, f.groupProfiles(false, true)))
	m.HandleFunc("POST /api/lists/{id}/relationships/profiles", f.api(RouteListMembership, f.changeMembers(true)))
	m.HandleFunc("DELETE /api/lists/{id}/relationships/profiles", f.api(RouteListMembership, f.changeMembers(false)))
	m.HandleFunc("GET /api/segments", f.api(RouteSegments, f.getSegments))
	m.HandleFunc("GET /api/segments/{id}", f.api(RouteSegments, f.getSegment))
	m.HandleFunc("GET /api/segments/{id}/profiles", f.api(RouteSegmentProfiles, f.groupProfiles(true, false)))
	m.HandleFunc("GET /api/segments/{id}/relationships/profiles", f.api(RouteSegmentProfiles, f.groupProfiles(true, true)))
	f.adminRoutes(m)
	m.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeAPI(w, reply{status: http.StatusNotFound, body: errBody(http.StatusNotFound, "not_found", "Not found.", "The requested resource was not found.", nil)})
	})
	return f
}

// ServeHTTP serves Klaviyo's API under /api/ and the fake's own /fake/
// routes.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) { f.mux.ServeHTTP(w, r) }

// Close releases requests hanging on a fault, so a server can shut down.
func (f *Fake) Close() { f.close.Do(func() { close(f.hangUp) }) }

// now reads the clock.
func (f *Fake) now() time.Time { return f.cfg.Now() }

// reply is what a route answers.
type reply struct {
	status int
	header http.Header
	body   any // nil: no body (204)
}

// call is one API request, its body read.
type call struct {
	r    *http.Request
	body []byte
	base string // scheme://host of the request, for links
}

// api wraps a route with what every request goes through: the record,
// auth, revision, the rate limits, faults, then the route itself.
func (f *Fake) api(route string, h func(*call) reply) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		c := &call{r: r, body: body, base: baseURL(r)}
		rep, fault := f.serve(route, c, err, h)
		f.record(route, c, rep.status)
		if fault != nil && fault.Drop {
			dropConn(w)
			return
		}
		if fault != nil && fault.Hang {
			f.hang(r)
			return
		}
		for k, vs := range rep.header {
			w.Header()[k] = vs
		}
		writeAPI(w, rep)
	}
}

func (f *Fake) serve(route string, c *call, readErr error, h func(*call) reply) (reply, *Fault) {
	if readErr != nil {
		return errReply(http.StatusRequestEntityTooLarge, "request_too_large", "Request too large.", "The request body is over 100 KB.", nil), nil
	}
	if rep, ok := f.auth(c.r); !ok {
		return rep, nil
	}
	if rep, ok := f.revision(c.r); !ok {
		return rep, nil
	}
	fault := f.nextFault(route)
	if fault != nil && fault.Delay > 0 && !f.wait(c.r, fault.Delay) {
		return reply{}, &Fault{Hang: true}
	}
	if fault != nil && !fault.delayOnly() && !fault.AcceptThenFail {
		if fault.Drop || fault.Hang {
			return reply{}, fault
		}
		return fault.reply(), nil
	}
	hdr, rep, ok := f.take(route)
	if !ok {
		return rep, nil
	}
	rep = h(c)
	for k, vs := range hdr {
		if rep.header == nil {
			rep.header = http.Header{}
		}
		rep.header[k] = vs
	}
	if fault != nil && fault.AcceptThenFail {
		if fault.Drop || fault.Hang {
			return reply{}, fault
		}
		return fault.reply(), nil
	}
	return rep, nil
}

// auth checks the Klaviyo-API-Key header. A missing key is a 401 as
// Klaviyo answers now (older docs said 400).
func (f *Fake) auth(r *http.Request) (reply, bool) {
	h := r.Header.Get("Authorization")
	key, ok := strings.CutPrefix(h, "Klaviyo-API-Key ")
	switch {
	case h == "":
		return errReply(http.StatusUnauthorized, "not_authenticated", "Authentication credentials were not provided.", "Missing or invalid private key.", nil), false
	case !ok || f.cfg.APIKey == "" || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(key)), []byte(f.cfg.APIKey)) != 1:
		return errReply(http.StatusUnauthorized, "authentication_failed", "Incorrect authentication credentials.", "Incorrect authentication credentials.", nil), false
	}
	return reply{}, true
}

// revision checks the required revision header.
func (f *Fake) revision(r *http.Request) (reply, bool) {
	rev := r.Header.Get("revision")
	if rev == "" {
		return errReply(http.StatusBadRequest, "invalid", "Invalid input.", "Missing `revision` header.", &source{Header: "revision"}), false
	}
	rd, err := time.Parse("2006-01-02", rev)
	if err != nil {
		return errReply(http.StatusBadRequest, "invalid", "Invalid input.", "Invalid `revision` header: "+rev, &source{Header: "revision"}), false
	}
	max, _ := time.Parse("2006-01-02", f.cfg.Revision)
	if rd.After(max) {
		return errReply(http.StatusBadRequest, "invalid", "Invalid input.", "Revision "+rev+" is not available.", &source{Header: "revision"}), false
	}
	return reply{}, true
}

// record keeps the request in the log.
func (f *Fake) record(route string, c *call, status int) {
	if status == 0 {
		status = http.StatusOK
	}
	h := c.r.Header.Clone()
	if h.Get("Authorization") != "" {
		h.Set("Authorization", "Klaviyo-API-Key ***")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.log) >= maxRecorded {
		f.log = append(f.log[:0], f.log[len(f.log)/2:]...)
	}
	f.log = append(f.log, Recorded{Method: c.r.Method, Route: route, URL: c.r.URL.String(), Header: h, Body: c.body, Status: status, At: f.now()})
	f.counts[route]++
}

// Requests returns the recorded requests, oldest first (the newest
// 20,000 at most). The API key is masked.
func (f *Fake) Requests() []Recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Recorded(nil), f.log...)
}

// Count returns how many requests reached the route.
func (f *Fake) Count(route string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[route]
}

// ResetRequests forgets the recorded requests and counts.
func (f *Fake) ResetRequests() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = nil
	f.counts = map[string]int{}
}

// wait waits d, or until the client leaves (false).
func (f *Fake) wait(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	case <-f.hangUp:
		return false
	}
}

// hang answers nothing until the client gives up or the fake is closed.
func (f *Fake) hang(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-f.hangUp:
	}
}

// dropConn closes the connection without an answer.
func dropConn(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	conn.Close()
}

func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// source is a JSON:API error's source.
type source struct {
	Pointer   string `json:"pointer,omitempty"`
	Parameter string `json:"parameter,omitempty"`
	Header    string `json:"header,omitempty"`
}

// apiError is one JSON:API error.
type apiError struct {
	ID     string         `json:"id"`
	Status int            `json:"status"`
	Code   string         `json:"code"`
	Title  string         `json:"title"`
	Detail string         `json:"detail"`
	Source *source        `json:"source,omitempty"`
	Meta   map[string]any `json:"meta,omitempty"`
}

type errorsBody struct {
	Errors []apiError `json:"errors"`
}

func errBody(status int, code, title, detail string, src *source) errorsBody {
	return errorsBody{Errors: []apiError{{ID: newID(), Status: status, Code: code, Title: title, Detail: detail, Source: src}}}
}

func errReply(status int, code, title, detail string, src *source) reply {
	return reply{status: status, body: errBody(status, code, title, detail, src)}
}

func badParam(param, detail string) reply {
	return errReply(http.StatusBadRequest, "invalid", "Invalid input.", detail, &source{Parameter: param})
}

func notFound(detail string) reply {
	return errReply(http.StatusNotFound, "not_found", "Not found.", detail, nil)
}

func writeAPI(w http.ResponseWriter, rep reply) {
	status := rep.status
	if status == 0 {
		status = http.StatusOK
	}
	if rep.body == nil {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", ContentType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(rep.body)
}
