package line

import (
	"context"

	"golang.org/x/time/rate"
)

// MulticastRate is LINE's multicast limit, requests a second per channel.
const MulticastRate = 200

// Limiter spaces requests to stay within a rate: a sender shares one per
// channel across its workers.
type Limiter struct {
	l *rate.Limiter
}

// NewLimiter allows perSecond requests a second, evenly spaced (no
// bursts, so that no second of LINE's ever counts more); perSecond <= 0
// means no limit.
func NewLimiter(perSecond int) *Limiter {
	if perSecond <= 0 {
		return &Limiter{l: rate.NewLimiter(rate.Inf, 1)}
	}
	return &Limiter{l: rate.NewLimiter(rate.Limit(perSecond), 1)}
}

// Wait blocks until the next request may go, or ctx ends.
func (l *Limiter) Wait(ctx context.Context) error { return l.l.Wait(ctx) }
