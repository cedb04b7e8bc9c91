// Package linefake is a fake LINE Messaging API server for tests, the demo
// and `kizuna fake line`. It speaks LINE's wire format (bearer auth,
// X-Line-Request-Id, error bodies, X-Line-Retry-Key with 409s, quota and
// rate limits) for the endpoints Kizuna uses, records every send it
// accepts, injects faults on demand, and sends signed webhooks.
//
// It follows integrations.md §1.7; what LINE does and the fake does not
// (audiences, narrowcast targeting) is said where it matters.
package linefake

import (
	"crypto/subtle"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"golang.org/x/time/rate"
)

// Route names, used to inject faults and set rate limits per endpoint.
const (
	RouteBotInfo     = "bot/info"
	RouteFollowers   = "followers/ids"
	RouteProfile     = "profile"
	RoutePush        = "push"
	RouteMulticast   = "multicast"
	RouteBroadcast   = "broadcast"
	RouteNarrowcast  = "narrowcast"
	RouteQuota       = "quota"
	RouteConsumption = "quota/consumption"
	RouteWebhookSet  = "webhook/set"
	RouteWebhookGet  = "webhook/get"
)

// LINE's texts the fake answers with; tests compare against them.
const (
	MsgRateLimit    = "The API rate limit has been exceeded. Try again later."
	MsgMonthlyLimit = "You have reached your monthly limit."
	MsgRetryKey     = "The retry key is already accepted"
	MsgForbidden    = "Access to this API is not available for your account"
	MsgNotFound     = "Not found"
	MsgServerError  = "An error occurred in the server"
)

// DefaultMulticastRate is LINE's multicast limit, requests a second.
const DefaultMulticastRate = 200

// DefaultRate is LINE's limit of the endpoints without a limit of their
// own, requests a second.
const DefaultRate = 2000

// retryKeyTTL is how long LINE remembers a retry key after its first use.
const retryKeyTTL = 24 * time.Hour

// maxBody is LINE's request body limit (413 above).
const maxBody = 2 << 20

// Config sets up a Fake. Zero fields take defaults.
type Config struct {
	ChannelSecret string // signs webhooks
	AccessToken   string // the only bearer token accepted
	// The bot's answer to GET /v2/bot/info.
	BotUserID   string // default U + 32 hex digits derived from nothing secret
	BasicID     string // default @kizunafake
	DisplayName string // default Kizuna Fake
	// Now is the clock of rate limits, retry keys and webhook timestamps
	// (default time.Now).
	Now func() time.Time
	// MulticastRate is multicast's limit in requests a second (0: LINE's
	// 200; negative: no limit). Other endpoints have LINE's limits.
	MulticastRate int
	// Latency delays every Messaging API answer (real time).
	Latency time.Duration
	// FailRate is the chance (0 to 1) that a Messaging API request fails
	// with a 500 before it is processed, drawn from a generator seeded
	// with Seed.
	FailRate float64
	Seed     uint64
	// HTTPClient sends webhooks (default: a client with a 10 s timeout).
	HTTPClient *http.Client
}

// Fake is the fake LINE server. It is safe for concurrent use.
type Fake struct {
	cfg    Config
	mux    *http.ServeMux
	hangUp chan struct{}
	close  sync.Once

	mu         sync.Mutex
	friends    map[string]*friend
	order      []string // friends in the order they were added
	following  []string // order less the blocked; nil when it must be rebuilt
	forbidden  bool     // followers/ids answers 403
	pageCap    int      // most IDs on one followers page (0: limit)
	quotaType  string
	quotaValue int64
	usage      int64
	webhookURL string
	keys       map[string]*retryKey
	deliveries []Delivery
	counts     map[string]int
	faults     map[string][]Fault
	buckets    map[string]*rate.Limiter
	rnd        *rand.Rand
	msgSeq     int64
}

type friend struct {
	name    string
	blocked bool
}

type retryKey struct {
	firstSeen    time.Time
	accepted     bool
	requestID    string
	sentMessages []SentMessage
}

// SentMessage is one message of a push's answer.
type SentMessage struct {
	ID         string `json:"id"`
	QuoteToken string `json:"quoteToken,omitempty"`
}

// Delivery is one send the fake accepted.
type Delivery struct {
	RequestID string `json:"request_id"`
	RetryKey  string `json:"retry_key,omitempty"`
	Endpoint  string `json:"endpoint"` // push, multicast, broadcast, narrowcast
	// To are the request's recipients (for broadcast, the friends
	// following then); LINE accepts blocked users and delivers nothing to
	// them, and so does the fake: they are in To all the same.
	To       []string          `json:"to"`
	Messages []json.RawMessage `json:"messages"`
	At       time.Time         `json:"at"`
}

// New returns a fake with no friends, no quota limit and no webhook URL.
func New(cfg Config) *Fake {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.BotUserID == "" {
		cfg.BotUserID = "U0123456789abcdef0123456789abcdef"
	}
	if cfg.BasicID == "" {
		cfg.BasicID = "@kizunafake"
	}
	if cfg.DisplayName == "" {
		cfg.DisplayName = "Kizuna Fake"
	}
	if cfg.MulticastRate == 0 {
		cfg.MulticastRate = DefaultMulticastRate
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	f := &Fake{
		cfg:       cfg,
		hangUp:    make(chan struct{}),
		friends:   map[string]*friend{},
		quotaType: "none",
		keys:      map[string]*retryKey{},
		counts:    map[string]int{},
		faults:    map[string][]Fault{},
		buckets:   map[string]*rate.Limiter{},
		rnd:       rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
	}
	f.setLimit(RouteMulticast, float64(cfg.MulticastRate), cfg.MulticastRate)
	f.setLimit(RouteBroadcast, 60.0/3600, 60)
	f.setLimit(RouteNarrowcast, 60.0/3600, 60)
	f.setLimit(RouteWebhookSet, 1000.0/60, 1000)
	f.setLimit(RouteWebhookGet, 1000.0/60, 1000)
	for _, r := range []string{RouteBotInfo, RouteFollowers, RouteProfile, RoutePush, RouteQuota, RouteConsumption} {
		f.setLimit(r, DefaultRate, DefaultRate)
	}

	m := http.NewServeMux()
	f.mux = m
	m.HandleFunc("GET /v2/bot/info", f.api(RouteBotInfo, false, f.botInfo))
	m.HandleFunc("GET /v2/bot/followers/ids", f.api(RouteFollowers, false, f.followers))
	m.HandleFunc("GET /v2/bot/profile/{userId}", f.api(RouteProfile, false, f.profile))
	m.HandleFunc("POST /v2/bot/message/push", f.api(RoutePush, true, f.push))
	m.HandleFunc("POST /v2/bot/message/multicast", f.api(RouteMulticast, true, f.multicast))
	m.HandleFunc("POST /v2/bot/message/broadcast", f.api(RouteBroadcast, true, f.broadcast))
	m.HandleFunc("POST /v2/bot/message/narrowcast", f.api(RouteNarrowcast, true, f.narrowcast))
	m.HandleFunc("GET /v2/bot/message/quota", f.api(RouteQuota, false, f.quota))
	m.HandleFunc("GET /v2/bot/message/quota/consumption", f.api(RouteConsumption, false, f.consumption))
	m.HandleFunc("PUT /v2/bot/channel/webhook/endpoint", f.api(RouteWebhookSet, false, f.setWebhook))
	m.HandleFunc("GET /v2/bot/channel/webhook/endpoint", f.api(RouteWebhookGet, false, f.getWebhook))
	m.HandleFunc("GET /fake/deliveries", f.listDeliveries)
	m.HandleFunc("GET /fake/{$}", f.showDeliveries)
	m.HandleFunc("POST /fake/events", f.postEvent)
	m.HandleFunc("/v2/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Line-Request-Id", uuid.NewString())
		writeJSON(w, http.StatusNotFound, errorBody{Message: MsgNotFound})
	})
	return f
}

// ServeHTTP serves the Messaging API and the fake's own /fake/ routes.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) { f.mux.ServeHTTP(w, r) }

// Close releases requests hanging on a fault, so a server can shut down.
func (f *Fake) Close() { f.close.Do(func() { close(f.hangUp) }) }

// reply is what a route answers.
type reply struct {
	status int
	header http.Header
	body   any
}

type errorBody struct {
	Message      string        `json:"message"`
	Details      []ErrorDetail `json:"details,omitempty"`
	SentMessages []SentMessage `json:"sentMessages,omitempty"`
}

// ErrorDetail is one entry of an error body's details.
type ErrorDetail struct {
	Message  string `json:"message"`
	Property string `json:"property"`
}

func fail(status int, msg string) reply {
	return reply{status: status, body: errorBody{Message: msg}}
}

// call is one Messaging API request, its body read.
type call struct {
	r         *http.Request
	body      []byte
	requestID string
	retryKey  string
}

// api wraps a route with what every Messaging API request goes through:
// a request ID, latency, auth, the retry-key rule, the rate limit, faults,
// the random fail rate, then the route itself.
func (f *Fake) api(route string, sends bool, h func(*call) reply) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := &call{r: r, requestID: uuid.NewString()}
		w.Header().Set("X-Line-Request-Id", c.requestID)
		if f.cfg.Latency > 0 && !f.wait(r, f.cfg.Latency) {
			return
		}
		rep, fault := f.serve(route, sends, c, h)
		if fault != nil && fault.Hang {
			f.hang(r)
			return
		}
		for k, vs := range rep.header {
			w.Header()[k] = vs
		}
		writeJSON(w, rep.status, rep.body)
	}
}

func (f *Fake) serve(route string, sends bool, c *call, h func(*call) reply) (reply, *Fault) {
	r := c.r
	if rep, ok := f.auth(r); !ok {
		return rep, nil
	}
	c.retryKey = r.Header.Get("X-Line-Retry-Key")
	if c.retryKey != "" && !sends {
		return fail(http.StatusBadRequest, "X-Line-Retry-Key is not supported for this endpoint"), nil
	}
	if !f.allow(route) {
		return fail(http.StatusTooManyRequests, MsgRateLimit), nil
	}
	fault := f.nextFault(route)
	queued := fault != nil
	if fault != nil && fault.Delay > 0 && !f.wait(r, fault.Delay) {
		return reply{}, &Fault{Hang: true} // the client left: answer nothing
	}
	if fault != nil && fault.delayOnly() {
		fault = nil
	}
	if fault != nil && !fault.AcceptThenFail {
		if fault.Hang {
			return reply{}, fault
		}
		return fault.reply(), nil
	}
	if !queued && f.randomFail() {
		return fail(http.StatusInternalServerError, MsgServerError), nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		return fail(http.StatusRequestEntityTooLarge, "The request body is too large"), nil
	}
	c.body = body
	rep := h(c)
	if fault != nil && rep.status/100 == 2 {
		if fault.Hang {
			return reply{}, fault
		}
		return fault.reply(), nil
	}
	return rep, nil
}

// auth checks the bearer token as LINE does.
func (f *Fake) auth(r *http.Request) (reply, bool) {
	const prefix = "Authentication failed due to the following reason: "
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	switch {
	case h == "":
		return fail(http.StatusUnauthorized, prefix+"no access token. Confirm that the access token in the authorization header is valid."), false
	case !ok || f.cfg.AccessToken == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(f.cfg.AccessToken)) != 1:
		return fail(http.StatusUnauthorized, prefix+"invalid token. Confirm that the access token in the authorization header is valid."), false
	}
	return reply{}, true
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

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if body == nil {
		body = struct{}{}
	}
	_ = json.NewEncoder(w).Encode(body)
}

// now reads the clock.
func (f *Fake) now() time.Time { return f.cfg.Now() }

// AddFriend makes id a following friend named name (unblocking it if it was
// blocked).
func (f *Fake) AddFriend(id, name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.following = nil
	if fr, ok := f.friends[id]; ok {
		fr.blocked = false
		if name != "" {
			fr.name = name
		}
		return
	}
	f.friends[id] = &friend{name: name}
	f.order = append(f.order, id)
}

// Block marks a friend as having blocked the account: it leaves the
// follower list and its profile answers 404. An unknown id is recorded as
// a blocked friend.
func (f *Fake) Block(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.following = nil
	if fr, ok := f.friends[id]; ok {
		fr.blocked = true
		return
	}
	f.friends[id] = &friend{blocked: true}
	f.order = append(f.order, id)
}

// Unblock makes a blocked friend follow again (an unknown id becomes a
// friend with no name).
func (f *Fake) Unblock(id string) { f.AddFriend(id, "") }

// Following reports whether id is a friend who has not blocked the account.
func (f *Fake) Following(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	fr, ok := f.friends[id]
	return ok && !fr.blocked
}

// SetFollowersForbidden makes followers/ids answer 403, as LINE does for an
// account that is neither verified nor premium.
func (f *Fake) SetFollowersForbidden(on bool) {
	f.mu.Lock()
	f.forbidden = on
	f.mu.Unlock()
}

// SetFollowersPageCap caps the IDs of one followers page below the
// request's limit (0: no cap), so that pages shorter than the limit still
// carry a next token, as LINE's may.
func (f *Fake) SetFollowersPageCap(n int) {
	f.mu.Lock()
	f.pageCap = n
	f.mu.Unlock()
}

// SetQuota sets the monthly message quota: type "none" (no limit) or
// "limited" with value messages.
func (f *Fake) SetQuota(typ string, value int64) {
	f.mu.Lock()
	f.quotaType, f.quotaValue = typ, value
	f.mu.Unlock()
}

// SetUsage sets the month's consumption so far.
func (f *Fake) SetUsage(n int64) {
	f.mu.Lock()
	f.usage = n
	f.mu.Unlock()
}

// Usage returns the month's consumption: recipients of accepted sends.
func (f *Fake) Usage() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.usage
}

// SetWebhookURL sets the webhook URL, as PUT
// /v2/bot/channel/webhook/endpoint does.
func (f *Fake) SetWebhookURL(u string) {
	f.mu.Lock()
	f.webhookURL = u
	f.mu.Unlock()
}

// WebhookURL returns the webhook URL set through the API ("" when none).
func (f *Fake) WebhookURL() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.webhookURL
}

// Deliveries returns every accepted send, oldest first.
func (f *Fake) Deliveries() []Delivery {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Delivery(nil), f.deliveries...)
}

// Received returns how many accepted sends named the user as a recipient.
func (f *Fake) Received(userID string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[userID]
}

// Counts returns, per user, how many accepted sends named it.
func (f *Fake) Counts() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := make(map[string]int, len(f.counts))
	for k, v := range f.counts {
		m[k] = v
	}
	return m
}
