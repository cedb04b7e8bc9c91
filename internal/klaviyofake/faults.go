package klaviyofake

import (
	"net/http"
	"strconv"
	"time"
)

// Fault is what one request to a route meets instead of (or after) being
// processed. Faults are queued per route and each is used by one request,
// in order.
type Fault struct {
	// Status and Body are the answer (default 500 and a JSON:API error;
	// a 429 without Body is Klaviyo's throttled error).
	Status int
	Body   string
	// RetryAfter is a 429's Retry-After in seconds (default 1).
	RetryAfter int
	// Delay waits before anything else (real time). A fault with nothing
	// but a Delay slows the request, which is then processed as usual.
	Delay time.Duration
	// AcceptThenFail processes the request first, then answers Status
	// (or drops or hangs): the change is made but the client cannot tell.
	AcceptThenFail bool
	// Hang never answers: the request waits until the client gives up.
	Hang bool
	// Drop closes the connection without an answer.
	Drop bool
}

// Faults for the common cases.
var (
	// ServerError is a 500 with nothing processed.
	ServerError = Fault{Status: http.StatusInternalServerError}
	// Unavailable is a 503 with nothing processed.
	Unavailable = Fault{Status: http.StatusServiceUnavailable}
	// Throttled is a 429 with Retry-After: 1, nothing processed.
	Throttled = Fault{Status: http.StatusTooManyRequests, RetryAfter: 1}
	// DropConnection closes the connection, nothing processed.
	DropConnection = Fault{Drop: true}
)

func (ft *Fault) delayOnly() bool {
	return ft.Status == 0 && ft.Body == "" && !ft.AcceptThenFail && !ft.Hang && !ft.Drop
}

func (ft *Fault) reply() reply {
	status := ft.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	var rep reply
	switch {
	case ft.Body != "":
		rep = reply{status: status, body: rawJSON(ft.Body)}
	case status == http.StatusTooManyRequests:
		rep = throttled(max(ft.RetryAfter, 1))
	default:
		rep = errReply(status, "error", "A server error occurred.", "A server error occurred.", nil)
	}
	if status == http.StatusTooManyRequests && rep.header == nil {
		rep.header = http.Header{"Retry-After": {strconv.Itoa(max(ft.RetryAfter, 1))}}
	}
	return rep
}

func throttled(retryAfter int) reply {
	rep := errReply(http.StatusTooManyRequests, "throttled", "Request was throttled.",
		"Request was throttled. Expected available in "+strconv.Itoa(retryAfter)+" second"+plural(retryAfter)+".", nil)
	rep.header = http.Header{"Retry-After": {strconv.Itoa(retryAfter)}}
	return rep
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// rawJSON is a body written as it is.
type rawJSON string

// MarshalJSON returns the text itself.
func (r rawJSON) MarshalJSON() ([]byte, error) { return []byte(r), nil }

// InjectFault queues faults for the route (one of the Route constants):
// the next requests to it meet them in order.
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

// SetLimit sets a route's rate limit; the zero Limit removes it.
func (f *Fake) SetLimit(route string, l Limit) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.limits[route] = l
	delete(f.windows, route)
}

// Limits returns the rate limit of every route.
func (f *Fake) Limits() map[string]Limit {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := make(map[string]Limit, len(f.limits))
	for k, v := range f.limits {
		m[k] = v
	}
	return m
}

// window counts a route's requests in the current fixed windows, aligned
// on the clock's seconds and minutes as Klaviyo's are.
type window struct {
	second, minute int64 // the windows' start, Unix seconds
	inSecond       int
	inMinute       int
}

// take counts a request against the route's limits. It returns the
// RateLimit-* headers of a request that may go on, or a 429 reply.
func (f *Fake) take(route string) (http.Header, reply, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	l := f.limits[route]
	if l.Burst <= 0 && l.Steady <= 0 {
		return nil, reply{}, true
	}
	now := f.now()
	sec := now.Unix()
	min := sec - sec%60
	w := f.windows[route]
	if w == nil {
		w = &window{}
		f.windows[route] = w
	}
	if w.second != sec {
		w.second, w.inSecond = sec, 0
	}
	if w.minute != min {
		w.minute, w.inMinute = min, 0
	}
	// Seconds until a window ends, rounded up: a client that waits that
	// long finds room.
	untilSecond := 1
	untilMinute := int(min + 60 - sec)
	if l.Steady > 0 && w.inMinute >= l.Steady {
		return nil, throttled(untilMinute), false
	}
	if l.Burst > 0 && w.inSecond >= l.Burst {
		return nil, throttled(untilSecond), false
	}
	w.inSecond++
	w.inMinute++
	limit, remaining := l.Steady, l.Steady-w.inMinute
	if l.Steady <= 0 {
		limit, remaining, untilMinute = l.Burst, l.Burst-w.inSecond, untilSecond
	}
	return http.Header{
		"Ratelimit-Limit":     {strconv.Itoa(limit)},
		"Ratelimit-Remaining": {strconv.Itoa(remaining)},
		"Ratelimit-Reset":     {strconv.Itoa(untilMinute)},
	}, reply{}, true
}
