package engine

import (
	"slices"
	"time"

	"github.com/kizuna-line/kizuna"
)

// patchLimit is the most changed friends whose cached condition results are
// patched one by one; beyond it the cache is emptied instead. Patching costs
// a condition test per friend and entry, recomputing an entry a pass over
// its column or bitmaps, so past a few thousand friends recomputing wins.
const patchLimit = 4096

// Apply brings the index to ch.Version: each changed friend's facts replace
// its old ones (or it is added), gone friends leave every set, and the
// cached condition results are patched to match, so that they stay exact.
// It must not be given a Rebuild.
func (idx *Index) Apply(ch *kizuna.FriendChanges) {
	idx.mu.Lock()
	defer idx.mu.Unlock()
	if ch.TagNames != nil {
		clear(idx.tagNames)
		for _, t := range ch.TagNames {
			idx.tagNames[t] = true
		}
	}
	changed := make([]uint32, 0, len(ch.Friends)+len(ch.Gone))
	facts := make([]*kizuna.FriendFacts, 0, cap(changed))
	var moved []uint32 // friends whose place in the sample order is new
	for _, f := range ch.Friends {
		i, ok := idx.lookup(f.LineUserID)
		if !ok {
			i = idx.add(f)
			moved = append(moved, i)
		} else {
			if idx.addedUS[i] != f.AddedAt.UnixMicro() {
				moved = append(moved, i)
			}
			idx.clear(i, f)
		}
		idx.set(i, f)
		changed, facts = append(changed, i), append(facts, f)
	}
	for _, id := range ch.Gone {
		if i, ok := idx.lookup(id); ok {
			idx.clear(i, nil)
			changed, facts = append(changed, i), append(facts, nil)
		}
	}
	if len(moved) > 0 {
		idx.reorder(moved)
	}
	for _, i := range changed {
		idx.activeDense = setBit(idx.activeDense, i, idx.active.Contains(i))
	}
	idx.patchCache(changed, facts)
	idx.version = ch.Version
}

// reorder puts the moved friends (new ones among them) in their places in
// the sample order: one pass to take them out, one to merge them back.
func (idx *Index) reorder(moved []uint32) {
	isMoved := make([]uint64, (idx.n+63)/64)
	for _, i := range moved {
		isMoved[i/64] |= 1 << (i % 64)
	}
	slices.SortFunc(moved, func(i, j uint32) int {
		switch {
		case i == j:
			return 0
		case idx.before(i, j):
			return -1
		}
		return 1
	})
	moved = slices.Compact(moved)
	out := make([]uint32, 0, int(idx.n))
	k := 0
	for _, i := range idx.order {
		if isMoved[i/64]&(1<<(i%64)) != 0 {
			continue
		}
		for k < len(moved) && idx.before(moved[k], i) {
			out = append(out, moved[k])
			k++
		}
		out = append(out, i)
	}
	idx.order = append(out, moved[k:]...)
}

// patchCache brings the cached condition results up to date for the changed
// friends (facts nil: gone), or empties the cache when they are many. Each
// entry's friends are retested at the instant the entry was computed, so an
// entry keyed by a date stays right for that date; an entry on elapsed hours
// also narrows its window to the instants at which none of the changed
// friends' carts crosses a boundary of the condition.
func (idx *Index) patchCache(changed []uint32, facts []*kizuna.FriendFacts) {
	c := idx.cache
	if c == nil || len(changed) == 0 {
		return
	}
	if len(changed) > patchLimit {
		c.clear()
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for el := c.lru.Front(); el != nil; el = el.Next() {
		e := el.Value.(*cacheEntry)
		m := kizuna.Matcher{Loc: idx.loc, Now: time.UnixMicro(e.at)}
		var flips []int64
		if e.cond.Field == kizuna.FieldShopifyAbandoned && e.cond.HoursSince != nil {
			flips = flipHours(*e.cond.HoursSince)
		}
		for k, i := range changed {
			f := facts[k]
			in := f != nil && m.MatchFactsCondition(e.cond, f)
			if in {
				e.members.Add(i)
			} else {
				e.members.Remove(i)
			}
			if e.dense != nil {
				e.dense = setBit(e.dense, i, in)
			}
			if f != nil && f.Shopify != nil && f.Shopify.HasAbandoned {
				e.from, e.to = narrow(e.from, e.to, e.at, f.Shopify.AbandonedAt.UnixMicro(), flips)
			}
		}
		size := entrySize(e.key, e.members, e.dense)
		c.bytes += size - e.size
		e.size = size
	}
	for c.bytes > c.maxBytes {
		c.remove(c.lru.Back())
	}
}

// narrow narrows the window [from, to) around instant at to the instants at
// which a cart abandoned at cart crosses none of the flip hours.
func narrow(from, to, at, cart int64, flips []int64) (int64, int64) {
	const hour = int64(time.Hour / time.Microsecond)
	for _, k := range flips {
		if x := cart + k*hour; x <= at {
			from = max(from, x)
		} else {
			to = min(to, x)
		}
	}
	return from, to
}
