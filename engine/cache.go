package engine

import (
	"container/list"
	"encoding/json"
	"math"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/kizuna-line/kizuna"
)

// DefaultCacheBytes bounds the condition bitmaps an index keeps.
const DefaultCacheBytes = 128 << 20

// cache keeps the friends matching positive conditions, shared by every
// filter that uses the same condition, least recently used evicted first. An
// entry is exact for the instants it covers: a condition on calendar days is
// keyed by today's date in the account's zone, so it moves at local
// midnight; one on elapsed hours records the interval of instants during
// which no friend's membership flips, computed when it was made.
type cache struct {
	mu       sync.Mutex
	maxBytes uint64
	bytes    uint64
	lru      *list.List // of *cacheEntry, most recent at the front
	entries  map[string]*list.Element
	hits     uint64
	misses   uint64
}

type cacheEntry struct {
	key      string
	cond     *kizuna.Condition // positive
	members  *roaring.Bitmap   // changed only by Apply, under the index's write lock
	dense    []uint64          // members as a bitset, for sets dense enough; else nil
	at       int64             // the instant it was computed, microseconds
	from, to int64             // valid for now in [from, to), microseconds
	size     uint64
}

func newCache(maxBytes uint64) *cache {
	return &cache{maxBytes: maxBytes, lru: list.New(), entries: map[string]*list.Element{}}
}

// get returns the cached members for key at instant now (microseconds).
func (c *cache) get(key string, now int64) (*roaring.Bitmap, []uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		c.misses++
		return nil, nil
	}
	e := el.Value.(*cacheEntry)
	if now < e.from || now >= e.to {
		c.misses++
		return nil, nil
	}
	c.lru.MoveToFront(el)
	c.hits++
	return e.members, e.dense
}

// put caches the members of cond, computed at instant at, for key, valid for
// instants in [from, to).
func (c *cache) put(key string, cond *kizuna.Condition, members *roaring.Bitmap, dense []uint64, at, from, to int64) {
	if c.maxBytes == 0 {
		return
	}
	members.RunOptimize()
	size := entrySize(key, members, dense)
	if size > c.maxBytes/4 {
		return // one entry must not flush the rest
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		c.remove(el)
	}
	c.entries[key] = c.lru.PushFront(&cacheEntry{key: key, cond: cond, members: members, dense: dense, at: at, from: from, to: to, size: size})
	c.bytes += size
	for c.bytes > c.maxBytes {
		c.remove(c.lru.Back())
	}
}

// clear drops every entry.
func (c *cache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lru.Init()
	clear(c.entries)
	c.bytes = 0
}

func (c *cache) remove(el *list.Element) {
	e := c.lru.Remove(el).(*cacheEntry)
	delete(c.entries, e.key)
	c.bytes -= e.size
}

// CacheStats reports the condition cache's use.
type CacheStats struct {
	Entries      int
	Bytes        uint64
	Hits, Misses uint64
}

func (c *cache) stats() CacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return CacheStats{Entries: len(c.entries), Bytes: c.bytes, Hits: c.hits, Misses: c.misses}
}

// cacheKey is the condition's canonical JSON, plus today's date for
// conditions on calendar days since something.
func cacheKey(c *kizuna.Condition, today int64) string {
	b, _ := json.Marshal(c) // a parsed condition always marshals
	key := string(b)
	if dependsOnToday(c) {
		key += "@" + kizuna.Day(today).String()
	}
	return key
}

func dependsOnToday(c *kizuna.Condition) bool {
	switch c.Field {
	case kizuna.FieldDaysSinceAdded, kizuna.FieldShopifyDaysSince:
		return true
	case kizuna.FieldHubSpotProperty, kizuna.FieldKlaviyoProperty:
		return c.Type == kizuna.TypeDaysSince && c.Op != kizuna.OpIsKnown
	}
	return false
}

// flipHours returns the hour counts k at which "k passes t" differs from
// "k-1 passes t": the only places where a friend's membership can change as
// its hours since grow.
func flipHours(t kizuna.NumericTest) []int64 {
	var out []int64
	operands := t.Nums[:1]
	if t.Op == kizuna.OpBetween {
		operands = t.Nums[:2]
	}
	for _, v := range operands {
		if math.Abs(v) > 2e9 {
			continue // beyond any elapsed hours: never crossed
		}
		f := int64(math.Floor(v))
		for _, k := range []int64{f, f + 1, f + 2} {
			if t.Test(float64(k-1)) != t.Test(float64(k)) {
				out = append(out, k)
			}
		}
	}
	return out
}

// entrySize is what a cache entry counts against the cache's bound.
func entrySize(key string, members *roaring.Bitmap, dense []uint64) uint64 {
	return members.GetSizeInBytes() + uint64(len(dense))*8 + uint64(len(key)) + 64
}

// stored reports whether a positive condition's members are one bitmap of
// the index looked up, rather than computed.
func stored(c *kizuna.Condition) bool {
	switch c.Field {
	case kizuna.FieldShopifyLinked, kizuna.FieldHubSpotLinked, kizuna.FieldKlaviyoLinked:
		return true
	case kizuna.FieldShopifyAbandoned:
		return c.HoursSince == nil
	case kizuna.FieldTag, kizuna.FieldShopifyTag, kizuna.FieldHubSpotSegment, kizuna.FieldKlaviyoList:
		return len(c.Strings) == 1
	case kizuna.FieldHubSpotProperty, kizuna.FieldKlaviyoProperty:
		return c.Op == kizuna.OpIsKnown || c.Type == kizuna.TypeBool
	}
	return false
}

// hoursWindow returns the instants [from, to) around now during which no
// friend with an abandoned cart enters or leaves "hours since its cart
// passes t".
func (e *evaluator) hoursWindow(t kizuna.NumericTest) (from, to int64) {
	from, to = math.MinInt64, math.MaxInt64
	flips := flipHours(t)
	now := e.now.UnixMicro()
	for _, at := range e.idx.abandoned.v {
		from, to = narrow(from, to, now, at, flips)
	}
	return from, to
}
