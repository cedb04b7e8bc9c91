package hubspotfake

import (
	"net/http"
	"strconv"
	"time"
)

// window is a rolling window: at most max events in any span of length.
type window struct {
	max    int
	length time.Duration
	times  []time.Time // oldest first
}

func (w *window) prune(now time.Time) {
	i := 0
	for i < len(w.times) && !w.times[i].After(now.Add(-w.length)) {
		i++
	}
	if i > 0 {
		w.times = append(w.times[:0], w.times[i:]...)
	}
}

// take records an event at now if there is room.
func (w *window) take(now time.Time) bool {
	if w.max < 0 {
		return true
	}
	w.prune(now)
	if len(w.times) >= w.max {
		return false
	}
	w.times = append(w.times, now)
	return true
}

func (w *window) remaining(now time.Time) int {
	w.prune(now)
	return max(w.max-len(w.times), 0)
}

// limiter is HubSpot's per-app limits: the rolling ten seconds, the
// search endpoints' own bucket, and the day.
type limiter struct {
	burst    window
	search   window
	dailyMax int
	day      string
	dayCount int
}

func (l *limiter) init(cfg Config) {
	l.burst = window{max: cfg.RateMax, length: RateWindow}
	l.search = window{max: cfg.SearchRate, length: time.Second}
	l.dailyMax = cfg.DailyMax
}

// SetRateMax changes the rolling ten-second limit (negative: none).
func (f *Fake) SetRateMax(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.limits.burst.max = n
}

// SetSearchRate changes the search limit, requests a second (negative:
// none).
func (f *Fake) SetSearchRate(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.limits.search.max = n
}

// SetDailyMax changes the daily limit (0: none) and restarts the day's
// count.
func (f *Fake) SetDailyMax(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.limits.dailyMax = n
	f.limits.dayCount = 0
}

// admit counts a request against the limits; it returns the 429's policy
// name when one is exceeded, and sets the rate headers. Search requests
// count against the search bucket only and carry no rate headers, as at
// HubSpot.
func (f *Fake) admit(h http.Header, search bool) (policy string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	l := &f.limits
	if day := now.UTC().Format("2006-01-02"); day != l.day {
		l.day, l.dayCount = day, 0
	}
	if l.dailyMax > 0 && l.dayCount >= l.dailyMax {
		return "DAILY"
	}
	if search {
		if !l.search.take(now) {
			return "SECONDLY"
		}
	} else {
		if l.burst.max >= 0 {
			h.Set("X-HubSpot-RateLimit-Max", strconv.Itoa(l.burst.max))
			h.Set("X-HubSpot-RateLimit-Interval-Milliseconds", "10000")
		}
		if !l.burst.take(now) {
			h.Set("X-HubSpot-RateLimit-Remaining", "0")
			return "TEN_SECONDLY_ROLLING"
		}
		if l.burst.max >= 0 {
			h.Set("X-HubSpot-RateLimit-Remaining", strconv.Itoa(l.burst.remaining(now)))
		}
	}
	l.dayCount++
	if l.dailyMax > 0 {
		h.Set("X-HubSpot-RateLimit-Daily", strconv.Itoa(l.dailyMax))
		h.Set("X-HubSpot-RateLimit-Daily-Remaining", strconv.Itoa(l.dailyMax-l.dayCount))
	}
	return ""
}

// Fault is what one request to a route meets instead of being processed.
// Faults are queued per route and each is used by one request, in order.
type Fault struct {
	// Status and Body are the answer (default 500 with HubSpot's error
	// body; a 429 without Body is the ten-second limit's).
	Status int
	Body   string
	// Delay waits before anything else (real time). A fault with nothing
	// but a Delay slows the request, which is then processed as usual.
	Delay time.Duration
	// Drop closes the connection without an answer.
	Drop bool
	// RetryAfter, when set, is sent as Retry-After (seconds).
	RetryAfter int
}

// Faults for the common cases.
var (
	ServerError = Fault{Status: http.StatusInternalServerError}
	BadGateway  = Fault{Status: http.StatusBadGateway}
	RateLimited = Fault{Status: http.StatusTooManyRequests}
	DailyLimit  = Fault{Status: http.StatusTooManyRequests, Body: `{"status":"error","message":"You have reached your daily limit.","errorType":"RATE_LIMIT","correlationId":"00000000-0000-4000-8000-000000000000","policyName":"DAILY"}`}
	Dropped     = Fault{Drop: true}
)

// InjectFault queues faults for the route (one of the Route constants).
func (f *Fake) InjectFault(route string, faults ...Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[route] = append(f.faults[route], faults...)
}

// PendingFaults returns how many faults are still queued for the route.
func (f *Fake) PendingFaults(route string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.faults[route])
}

func (f *Fake) nextFault(route string) *Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := f.faults[route]
	if len(q) == 0 {
		return nil
	}
	ft := q[0]
	f.faults[route] = q[1:]
	return &ft
}

// Recorded is one request the fake received on its API (not /fake/…).
type Recorded struct {
	At     time.Time   `json:"at"`
	Route  string      `json:"route"`
	Method string      `json:"method"`
	URI    string      `json:"uri"`
	Header http.Header `json:"header"`
	Body   string      `json:"body,omitempty"`
	Status int         `json:"status"`
}

// Requests returns the recorded requests, oldest first (the most recent
// Config.RecordLimit of them).
func (f *Fake) Requests() []Recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Recorded(nil), f.log...)
}

// Count returns how many requests the route has received.
func (f *Fake) Count(route string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[route]
}

func (f *Fake) record(r Recorded) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.counts[r.Route]++
	if len(f.log) >= f.cfg.RecordLimit {
		n := copy(f.log, f.log[len(f.log)-f.cfg.RecordLimit/2:])
		f.log = f.log[:n]
	}
	f.log = append(f.log, r)
}
