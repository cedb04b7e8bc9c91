package linefake

import (
	"net/http"
	"time"

	"golang.org/x/time/rate"
)

// Fault is what one request to a route meets instead of (or after) being
// processed. Faults are queued per route and each is used by one request,
// in order.
type Fault struct {
	// Status and Body are the answer (default 500 and LINE's server-error
	// body; a 429 without Body says the rate limit).
	Status int
	Body   string
	// Delay waits before anything else (real time). A fault with nothing
	// but a Delay slows the request, which is then processed as usual.
	Delay time.Duration
	// AcceptThenFail processes the request first: a send is accepted,
	// recorded and its retry key bound, then the answer is Status and Body,
	// or nothing when Hang is set. The client cannot tell that it was
	// accepted, which is what a retry with the same key must get right.
	AcceptThenFail bool
	// Hang never answers: the request waits until the client gives up.
	Hang bool
}

// Faults for the common cases.
var (
	// ServerError is a 500 with nothing processed.
	ServerError = Fault{Status: http.StatusInternalServerError}
	// RateLimited is LINE's 429 for a rate limit, nothing processed.
	RateLimited = Fault{Status: http.StatusTooManyRequests, Body: `{"message":"` + MsgRateLimit + `"}`}
	// MonthlyLimit is LINE's 429 for an exhausted monthly quota.
	MonthlyLimit = Fault{Status: http.StatusTooManyRequests, Body: `{"message":"` + MsgMonthlyLimit + `"}`}
	// AcceptThenServerError accepts the send, then answers 500.
	AcceptThenServerError = Fault{AcceptThenFail: true, Status: http.StatusInternalServerError}
	// AcceptThenHang accepts the send, then never answers.
	AcceptThenHang = Fault{AcceptThenFail: true, Hang: true}
)

func (ft *Fault) delayOnly() bool {
	return ft.Status == 0 && ft.Body == "" && !ft.AcceptThenFail && !ft.Hang
}

func (ft *Fault) reply() reply {
	status := ft.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if ft.Body != "" {
		return reply{status: status, body: rawJSON(ft.Body)}
	}
	if status == http.StatusTooManyRequests {
		return fail(status, MsgRateLimit)
	}
	return fail(status, MsgServerError)
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

// SetFailRate changes the chance that a request fails with a 500.
func (f *Fake) SetFailRate(p float64) {
	f.mu.Lock()
	f.cfg.FailRate = p
	f.mu.Unlock()
}

func (f *Fake) randomFail() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cfg.FailRate > 0 && f.rnd.Float64() < f.cfg.FailRate
}

// SetRateLimit sets a route's token bucket: perSecond requests a second
// with room for burst at once; perSecond < 0 removes the limit.
func (f *Fake) SetRateLimit(route string, perSecond float64, burst int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.setLimit(route, perSecond, burst)
}

func (f *Fake) setLimit(route string, perSecond float64, burst int) {
	if perSecond < 0 {
		delete(f.buckets, route)
		return
	}
	l := rate.NewLimiter(rate.Limit(perSecond), max(burst, 1))
	// A new bucket starts full at the fake's clock, which tests may have
	// set anywhere.
	l.AllowN(f.now(), 0)
	f.buckets[route] = l
}

// allow takes a token from the route's bucket at the fake's clock.
func (f *Fake) allow(route string) bool {
	f.mu.Lock()
	l := f.buckets[route]
	f.mu.Unlock()
	return l == nil || l.AllowN(f.now(), 1)
}
