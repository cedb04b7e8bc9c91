package engine

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/kizuna-line/kizuna"
)

// Reach is who a broadcast to a filter reaches at an instant: the
// following members' LINE user IDs (the recipients, in LINE user ID
// order), and how many friends match the filter's conditions when blocked
// friends are counted too (the waterfall's first step).
type Reach struct {
	Recipients []string
	Matched    int64
	At         time.Time
}

// Reach evaluates a filter for a broadcast: the members at now (the
// engine's clock when zero) after catching the index up with every
// committed write. It needs the account's index: while it is being built
// the answer is an EUNAVAILABLE error, and the caller retries.
func (e *Engine) Reach(ctx context.Context, a *kizuna.Account, filter json.RawMessage, now time.Time) (*Reach, error) {
	f, err := kizuna.ParseFilter(filter)
	if err != nil {
		return nil, err
	}
	idx, err := e.index(ctx, a)
	if err != nil {
		return nil, err
	}
	if idx == nil {
		return nil, kizuna.Errorf(kizuna.EUNAVAILABLE, "the account's friends are still being loaded; try again in a moment")
	}
	if err := f.CheckTags(idx.HasTag); err != nil {
		return nil, err
	}
	if now.IsZero() {
		now = e.Now()
	}
	now = now.UTC().Truncate(time.Microsecond)
	return idx.reach(f, now), nil
}

func (idx *Index) reach(f *kizuna.Filter, now time.Time) *Reach {
	idx.mu.RLock()
	defer idx.mu.RUnlock()
	members := idx.members(f, now)
	out := &Reach{Recipients: make([]string, 0, members.GetCardinality()), At: now}
	// Recipients in LINE user ID order, so that a run's batches are the
	// same whichever process takes them.
	it := members.Iterator()
	for it.HasNext() {
		out.Recipients = append(out.Recipients, idx.lineID(it.Next()))
	}
	slices.Sort(out.Recipients)
	present := roaring.Or(idx.active, idx.blocked)
	out.Matched = int64(idx.membersIn(f, now, present).GetCardinality())
	return out
}

// membersIn is members over another universe of friends (the present ones,
// blocked included): a negation is the complement within it. It takes the
// plain roaring path; a broadcast asks it once per run.
func (idx *Index) membersIn(f *kizuna.Filter, now time.Time, universe *roaring.Bitmap) *roaring.Bitmap {
	e := evaluator{idx: idx, now: now, today: int64(kizuna.DayOf(now, idx.loc))}
	out := roaring.New()
	for gi := range f.Groups {
		g := &f.Groups[gi]
		acc := universe.Clone()
		for ci := range g.Conditions {
			op := e.operand(&g.Conditions[ci])
			if op.neg {
				acc.AndNot(op.pos)
			} else {
				acc.And(op.pos)
			}
			if acc.IsEmpty() {
				break
			}
		}
		out.Or(acc)
	}
	out.And(universe)
	return out
}

// BlockedMatching counts the blocked friends whose data matches the filter
// at now: the friends a broadcast to it loses to blocking (the waterfall's
// first step less its second). It needs the account's index, like Reach.
func (e *Engine) BlockedMatching(ctx context.Context, a *kizuna.Account, filter json.RawMessage, now time.Time) (int64, error) {
	f, err := kizuna.ParseFilter(filter)
	if err != nil {
		return 0, err
	}
	idx, err := e.index(ctx, a)
	if err != nil {
		return 0, err
	}
	if idx == nil {
		return 0, kizuna.Errorf(kizuna.EUNAVAILABLE, "the account's friends are still being loaded; try again in a moment")
	}
	if err := f.CheckTags(idx.HasTag); err != nil {
		return 0, err
	}
	if now.IsZero() {
		now = e.Now()
	}
	now = now.UTC().Truncate(time.Microsecond)
	idx.mu.RLock()
	defer idx.mu.RUnlock()
	return int64(idx.membersIn(f, now, idx.blocked).GetCardinality()), nil
}
