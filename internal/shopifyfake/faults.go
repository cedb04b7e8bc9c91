package shopifyfake

import (
	"net/http"
	"time"
)

// Fault is what one request to a route meets instead of its answer.
// Faults are queued per route and each is used by one request, in order.
type Fault struct {
	// Status and Body are the answer (default 500 and a REST errors
	// body; a 429 without Body gets Retry-After and the REST limit text).
	Status int
	Body   string
	// Delay waits (real time) before answering; a fault with only a
	// Delay slows the request, which is then answered as usual.
	Delay time.Duration
	// Drop closes the connection without an answer.
	Drop bool
}

// Faults for the common cases.
var (
	ServerError = Fault{Status: http.StatusInternalServerError}
	BadGateway  = Fault{Status: http.StatusBadGateway}
	TooMany     = Fault{Status: http.StatusTooManyRequests}
	Dropped     = Fault{Drop: true}
)

// MsgRESTLimit is the REST 429 errors string.
const MsgRESTLimit = "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."

func (ft *Fault) delayOnly() bool { return ft.Status == 0 && ft.Body == "" && !ft.Drop }

func (ft *Fault) answer() answer {
	status := ft.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if ft.Body != "" {
		return answer{status: status, body: rawJSON(ft.Body)}
	}
	if status == http.StatusTooManyRequests {
		a := restError(status, MsgRESTLimit)
		a.header = http.Header{"Retry-After": {"2.0"}}
		return a
	}
	return restError(status, "Internal Server Error")
}

// rawJSON is a body written as it is.
type rawJSON string

// MarshalJSON returns the text itself.
func (r rawJSON) MarshalJSON() ([]byte, error) { return []byte(r), nil }

// InjectFault queues faults for the route (a Route constant).
func (f *Fake) InjectFault(route string, faults ...Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[route] = append(f.faults[route], faults...)
}

// PendingFaults returns how many faults are queued for the route.
func (f *Fake) PendingFaults(route string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.faults[route])
}

// SetFailRate sets the chance that a request fails with a 500.
func (f *Fake) SetFailRate(p float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cfg.FailRate = p
}

func (f *Fake) nextFault(route string) *Fault {
	q := f.faults[route]
	if len(q) == 0 {
		return nil
	}
	ft := q[0]
	f.faults[route] = q[1:]
	return &ft
}

// SetRate changes the cost bucket: its size and restore rate a second.
// The bucket is refilled.
func (f *Fake) SetRate(bucket, restore float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cfg.Bucket, f.cfg.RestoreRate = bucket, restore
	f.available, f.filledAt = bucket, f.now()
}

// SetAvailable empties (or fills) the cost bucket to n points, for a
// throttling test.
func (f *Fake) SetAvailable(n float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.available, f.filledAt = n, f.now()
}

// throttle is the cost bucket's state as extensions.cost.throttleStatus.
type throttle struct {
	MaximumAvailable   float64 `json:"maximumAvailable"`
	CurrentlyAvailable float64 `json:"currentlyAvailable"`
	RestoreRate        float64 `json:"restoreRate"`
}

// cost is extensions.cost.
type cost struct {
	RequestedQueryCost int      `json:"requestedQueryCost"`
	ActualQueryCost    *int     `json:"actualQueryCost"`
	ThrottleStatus     throttle `json:"throttleStatus"`
}

// refill brings the bucket to the clock; the caller holds the lock.
func (f *Fake) refill() {
	now := f.now()
	if d := now.Sub(f.filledAt).Seconds(); d > 0 {
		f.available = min(f.cfg.Bucket, f.available+d*f.cfg.RestoreRate)
	}
	f.filledAt = now
}

// spend takes the requested cost from the bucket, or reports that it is
// short; the caller holds the lock.
func (f *Fake) spend(requested int) bool {
	f.refill()
	if f.available < float64(requested) {
		return false
	}
	f.available -= float64(requested)
	return true
}

// settle refunds what a query did not use and returns extensions.cost.
func (f *Fake) settle(requested, actual int) cost {
	f.available = min(f.cfg.Bucket, f.available+float64(requested-actual))
	return cost{RequestedQueryCost: requested, ActualQueryCost: &actual, ThrottleStatus: f.status()}
}

func (f *Fake) status() throttle {
	return throttle{MaximumAvailable: f.cfg.Bucket, CurrentlyAvailable: float64(int(f.available)), RestoreRate: f.cfg.RestoreRate}
}

// restAllow is the REST leaky bucket (40 calls, RESTRate a second); it
// returns the X-Shopify-Shop-Api-Call-Limit value.
func (f *Fake) restAllow() (string, bool) {
	now := f.now()
	f.restUsed = max(0, f.restUsed-now.Sub(f.restAt).Seconds()*f.cfg.RESTRate)
	f.restAt = now
	if f.restUsed+1 > 40 {
		return itoa(int64(f.restUsed)) + "/40", false
	}
	f.restUsed++
	return itoa(int64(f.restUsed)) + "/40", true
}
