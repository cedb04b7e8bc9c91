package password

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// ErrBusy is returned when no hash could start within the wait: the
// server is at its bound, and the caller should refuse at once ("try again
// in a moment") rather than queue.
var ErrBusy = errors.New("password: too many passwords being hashed at once")

// Bound limits the Argon2id hashes in flight. Each hash holds 64 MiB for
// its duration, so an unbounded number of sign-ins, password changes or new
// users would take as many times 64 MiB; with a bound of n the hashes hold
// at most n × 64 MiB, whatever the number of requests. A request that finds
// every slot taken waits at most Wait for one, then gets ErrBusy.
type Bound struct {
	slots chan struct{}
	wait  time.Duration
	// Counters, read by Stats (the tests; no metric exports them yet).
	inFlight, peak, started, refused atomic.Int64
}

// Stats is what a Bound has done so far.
type Stats struct {
	InFlight int64 // hashes running now
	Peak     int64 // the most ever running at once
	Started  int64 // hashes started (sign-ins, changes, new users, dummy checks)
	Refused  int64 // requests refused with ErrBusy
}

// NewBound allows n hashes at once (at least 1); others wait up to wait.
func NewBound(n int, wait time.Duration) *Bound {
	return &Bound{slots: make(chan struct{}, max(n, 1)), wait: wait}
}

// Limit is the most hashes in flight.
func (b *Bound) Limit() int { return cap(b.slots) }

// Stats returns the counters.
func (b *Bound) Stats() Stats {
	return Stats{InFlight: b.inFlight.Load(), Peak: b.peak.Load(), Started: b.started.Load(), Refused: b.refused.Load()}
}

// acquire takes a slot, waiting at most b.wait; release gives it back.
func (b *Bound) acquire(ctx context.Context) error {
	select {
	case b.slots <- struct{}{}:
	default:
		timer := time.NewTimer(b.wait)
		defer timer.Stop()
		select {
		case b.slots <- struct{}{}:
		case <-timer.C:
			b.refused.Add(1)
			return ErrBusy
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	n := b.inFlight.Add(1)
	for {
		p := b.peak.Load()
		if n <= p || b.peak.CompareAndSwap(p, n) {
			break
		}
	}
	b.started.Add(1)
	return nil
}

func (b *Bound) release() {
	b.inFlight.Add(-1)
	<-b.slots
}

// Hash is Hash within the bound.
func (b *Bound) Hash(ctx context.Context, password string) (string, error) {
	if err := b.acquire(ctx); err != nil {
		return "", err
	}
	defer b.release()
	return Hash(password)
}

// Check is Check within the bound; the error is ErrBusy or the context's.
func (b *Bound) Check(ctx context.Context, hash, password string) (bool, error) {
	if err := b.acquire(ctx); err != nil {
		return false, err
	}
	defer b.release()
	return Check(hash, password), nil
}

// Hold runs f while holding a slot, as a hash would (tests use it to fill
// the bound).
func (b *Bound) Hold(f func()) {
	b.slots <- struct{}{}
	defer func() { <-b.slots }()
	f()
}
