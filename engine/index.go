// Package engine answers previews from an in-memory index of an account's
// friends: roaring bitmaps for set-like data (tags, lists, linked flags,
// dictionary-encoded text) and columns for days, counts and times. It answers
// exactly what the SQL path answers; the database stays the source of truth
// and the index is rebuilt from it (see Engine).
package engine

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/hex"
	"slices"
	"sync"
	"time"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/kizuna-line/kizuna"
)

// Index is one account's friends in memory. Friends are numbered densely in
// the order they were added to the index; a friend keeps its number for the
// life of the index, even when deleted (it is then simply not active).
// Previews read the index under a read lock; Apply changes it in place under
// the write lock, so a preview sees the index wholly before or wholly after
// a change.
type Index struct {
	mu      sync.RWMutex
	loc     *time.Location
	version int64 // the account's friends version the index reflects
	built   bool
	n       uint32
	// LINE user IDs are "U" + 32 hex digits: kept as their 16 bytes when the
	// hex is lower case (as LINE writes them), whose byte order is then the
	// ID's; any other spelling is kept as written in oddIDs.
	ids    [][16]byte
	oddIDs map[uint32]string
	oddNum map[string]uint32   // oddIDs reversed
	byID   []uint32            // friends with 16-byte IDs at build time, in ID order
	later  map[[16]byte]uint32 // 16-byte IDs of friends added after the build
	// Display names, one arena: name i is names[nameEnd[i-1]:nameEnd[i]],
	// unless the friend was renamed after being added.
	names    []byte
	nameEnd  []uint32
	renamed  map[uint32]string
	addedUS  []int64
	addedDay []int32
	active   *roaring.Bitmap // following friends: every answer is within it
	blocked  *roaring.Bitmap // blocked friends (present, not following): a broadcast's reach counts them
	// estimated holds the friends whose added date is a follower sync's
	// time: a preview that tests the added date counts its members in it.
	estimated *roaring.Bitmap
	// activeDense is active as a bitset of a word per 64 friends, where
	// dense groups start (see members).
	activeDense []uint64
	order       []uint32        // friend numbers, most recently added first, ties by LINE user ID
	tagNames    map[string]bool // every friend tag of the account, carried or not
	tags        map[string]*roaring.Bitmap

	shopify, hubspot, klaviyo *roaring.Bitmap // linked
	// Orders counts are range-encoded: ordersGE[k] holds the customers with
	// at least k orders, for k from 1 to smallOrders, so that a comparison
	// is one or two bitmaps; larger counts are also kept in ordersBig.
	ordersGE     [smallOrders + 1]*roaring.Bitmap // [0] unused
	ordersBig    sparse[int64]
	hasLastOrder *roaring.Bitmap
	lastOrderDay []int32
	hasAbandoned *roaring.Bitmap
	abandoned    sparse[int64]              // the most recent abandoned cart, microseconds
	shopifyTags  map[string]*roaring.Bitmap // normalized tag -> customers

	lists map[string]map[string]*roaring.Bitmap // source -> list ID -> members
	props map[string]map[string]*property       // source -> property name -> values

	cache *cache // condition results; nil: none kept
}

// smallOrders is the largest orders count with its own bitmap.
const smallOrders = 32

// property holds one property's readings in sparse columns. Text is
// dictionary-encoded while its values repeat (a condition tests the
// distinct values, then scans the column of codes); once most values are
// distinct (e-mail addresses, names), a map entry per value would cost more
// than the value, and the property keeps its text in an arena instead.
type property struct {
	known     *roaring.Bitmap
	codes     map[string]uint32 // normalized text -> code; nil once raw
	text      sparse[uint32]    // codes, or offsets into arena once raw
	arena     []byte            // raw text: a uvarint length, then the bytes
	dead      int               // arena bytes no friend's offset points to any more
	num       sparse[float64]
	boolTrue  *roaring.Bitmap
	boolFalse *roaring.Bitmap
	day       sparse[int32]
}

// rawAfter is how many distinct values a property's dictionary holds before
// the property may turn raw: when they are more than half its readings.
const rawAfter = 1024

func newProperty() *property {
	return &property{known: roaring.New(), codes: map[string]uint32{}, boolTrue: roaring.New(), boolFalse: roaring.New()}
}

// setText sets friend i's normalized text. In the arena, an unchanged text
// is left as it is (a change to a friend's tags rewrites all its facts),
// and a replaced one counts as dead until the arena is compacted.
func (p *property) setText(i uint32, text string) {
	if p.codes == nil {
		if off, ok := p.text.get(i); ok {
			if string(p.rawAt(off)) == text {
				return
			}
			p.forget(off)
		}
		p.text.set(i, p.store(text))
		p.compact()
		return
	}
	c, ok := p.codes[text]
	if !ok {
		c = uint32(len(p.codes))
		p.codes[text] = c
	}
	p.text.set(i, c)
	if len(p.codes) > rawAfter && 2*len(p.codes) > len(p.text.f) {
		p.toRaw()
	}
}

// store appends a text to the arena and returns its offset.
func (p *property) store(text string) uint32 {
	off := uint32(len(p.arena))
	p.arena = binary.AppendUvarint(p.arena, uint64(len(text)))
	p.arena = append(p.arena, text...)
	return off
}

// delText removes friend i's text.
func (p *property) delText(i uint32) {
	if off, ok := p.text.get(i); ok && p.codes == nil {
		p.forget(off)
	}
	p.text.del(i)
}

// forget counts the arena's text at offset off as dead.
func (p *property) forget(off uint32) {
	n, w := binary.Uvarint(p.arena[off:])
	p.dead += w + int(n)
}

// compact rewrites the arena without its dead text once that is more than
// half of it, so that an index applying changes for hours stays the size a
// rebuild would give.
func (p *property) compact() {
	if p.dead < 1<<16 || 2*p.dead < len(p.arena) {
		return
	}
	old := p.arena
	p.arena, p.dead = make([]byte, 0, len(old)-p.dead), 0
	for k, off := range p.text.v {
		n, w := binary.Uvarint(old[off:])
		start := int(off) + w
		p.text.v[k] = p.store(string(old[start : start+int(n)]))
	}
}

// rawAt returns the arena's text at offset off.
func (p *property) rawAt(off uint32) []byte {
	n, w := binary.Uvarint(p.arena[off:])
	start := int(off) + w
	return p.arena[start : start+int(n)]
}

// toRaw moves the property's text from the dictionary to the arena.
func (p *property) toRaw() {
	dict := make([]string, len(p.codes))
	for s, c := range p.codes {
		dict[c] = s
	}
	for k, c := range p.text.v {
		p.text.v[k] = p.store(dict[c])
	}
	p.codes = nil
}

// sparse is a column holding values for some friends, sorted by friend number.
type sparse[T any] struct {
	f []uint32
	v []T
}

// set sets friend i's value: an append when i is the highest friend number
// yet (as while building), an overwrite when i has a value, and otherwise
// an insertion.
func (s *sparse[T]) set(i uint32, v T) {
	if n := len(s.f); n == 0 || s.f[n-1] < i {
		s.f, s.v = append(s.f, i), append(s.v, v)
		return
	}
	k, ok := slices.BinarySearch(s.f, i)
	if ok {
		s.v[k] = v
		return
	}
	s.f, s.v = slices.Insert(s.f, k, i), slices.Insert(s.v, k, v)
}

// shrink gives back the column's unused capacity.
func (s *sparse[T]) shrink() {
	s.f, s.v = shrink(s.f), shrink(s.v)
}

// shrink returns s without unused capacity beyond a sixteenth: a copy,
// when that frees memory.
func shrink[T any](s []T) []T {
	if cap(s)-len(s) <= len(s)/16 {
		return s
	}
	return slices.Clone(s)
}

// del removes friend i's value, if any.
// get returns friend i's value, if it has one.
func (s *sparse[T]) get(i uint32) (T, bool) {
	if k, ok := slices.BinarySearch(s.f, i); ok {
		return s.v[k], true
	}
	var zero T
	return zero, false
}

func (s *sparse[T]) del(i uint32) {
	if k, ok := slices.BinarySearch(s.f, i); ok {
		s.f, s.v = slices.Delete(s.f, k, k+1), slices.Delete(s.v, k, k+1)
	}
}

// Builder makes an Index from a stream of friend facts.
type Builder struct {
	idx *Index
}

// NewBuilder starts an index for an account in zone loc whose friend tags
// (including tags no friend carries now) are tagNames.
func NewBuilder(loc *time.Location, tagNames []string) *Builder {
	idx := &Index{
		loc:          loc,
		oddIDs:       map[uint32]string{},
		oddNum:       map[string]uint32{},
		later:        map[[16]byte]uint32{},
		renamed:      map[uint32]string{},
		active:       roaring.New(),
		blocked:      roaring.New(),
		estimated:    roaring.New(),
		tagNames:     map[string]bool{},
		tags:         map[string]*roaring.Bitmap{},
		shopify:      roaring.New(),
		hubspot:      roaring.New(),
		klaviyo:      roaring.New(),
		hasLastOrder: roaring.New(),
		hasAbandoned: roaring.New(),
		shopifyTags:  map[string]*roaring.Bitmap{},
		lists:        map[string]map[string]*roaring.Bitmap{"hubspot": {}, "klaviyo": {}},
		props:        map[string]map[string]*property{"hubspot": {}, "klaviyo": {}},
	}
	for k := 1; k <= smallOrders; k++ {
		idx.ordersGE[k] = roaring.New()
	}
	for _, t := range tagNames {
		idx.tagNames[t] = true
	}
	return &Builder{idx: idx}
}

func bitmapFor(m map[string]*roaring.Bitmap, key string) *roaring.Bitmap {
	b := m[key]
	if b == nil {
		b = roaring.New()
		m[key] = b
	}
	return b
}

// Add appends one friend. Each LINE user ID must be added once.
func (b *Builder) Add(f *kizuna.FriendFacts) {
	b.idx.set(b.idx.add(f), f)
}

// add gives a new friend the next number, with its ID and name, and room in
// every dense column.
func (idx *Index) add(f *kizuna.FriendFacts) uint32 {
	i := idx.n
	idx.n++
	var id [16]byte
	if packID(f.LineUserID, &id) {
		if idx.built {
			idx.later[id] = i
		}
	} else {
		idx.oddIDs[i] = f.LineUserID
		idx.oddNum[f.LineUserID] = i
	}
	idx.ids = append(idx.ids, id)
	idx.names = append(idx.names, f.DisplayName...)
	idx.nameEnd = append(idx.nameEnd, uint32(len(idx.names)))
	idx.addedUS = append(idx.addedUS, 0)
	idx.addedDay = append(idx.addedDay, 0)
	idx.lastOrderDay = append(idx.lastOrderDay, 0)
	return i
}

// set records friend i's facts. The friend must be in no set: new, or
// cleared by clear.
func (idx *Index) set(i uint32, f *kizuna.FriendFacts) {
	start := uint32(0)
	if i > 0 {
		start = idx.nameEnd[i-1]
	}
	if string(idx.names[start:idx.nameEnd[i]]) != f.DisplayName {
		idx.renamed[i] = f.DisplayName
	} else if len(idx.renamed) > 0 {
		delete(idx.renamed, i)
	}
	idx.addedUS[i] = f.AddedAt.UnixMicro()
	idx.addedDay[i] = int32(f.AddedDay)
	if f.Following {
		idx.active.Add(i)
	} else {
		idx.blocked.Add(i)
	}
	if f.AddedEstimated {
		idx.estimated.Add(i)
	}
	for _, t := range f.Tags {
		idx.tagNames[t] = true
		bitmapFor(idx.tags, t).Add(i)
	}
	var lastDay int32
	if s := f.Shopify; s != nil {
		idx.shopify.Add(i)
		for k := int64(1); k <= min(s.OrdersCount, smallOrders); k++ {
			idx.ordersGE[k].Add(i)
		}
		if s.OrdersCount > smallOrders {
			idx.ordersBig.set(i, s.OrdersCount)
		}
		if s.HasLastOrder {
			idx.hasLastOrder.Add(i)
			lastDay = int32(s.LastOrderDay)
		}
		if s.HasAbandoned {
			idx.hasAbandoned.Add(i)
			idx.abandoned.set(i, s.AbandonedAt.UnixMicro())
		}
		for _, t := range s.TagsNorm {
			bitmapFor(idx.shopifyTags, t).Add(i)
		}
	}
	idx.lastOrderDay[i] = lastDay
	if c := f.HubSpot; c != nil {
		idx.hubspot.Add(i)
		idx.setContact("hubspot", i, c)
	}
	if c := f.Klaviyo; c != nil {
		idx.klaviyo.Add(i)
		idx.setContact("klaviyo", i, c)
	}
}

func (idx *Index) setContact(source string, i uint32, c *kizuna.ContactFacts) {
	for _, l := range c.Lists {
		bitmapFor(idx.lists[source], l).Add(i)
	}
	for name, r := range c.Properties {
		p := idx.props[source][name]
		if p == nil {
			p = newProperty()
			idx.props[source][name] = p
		}
		if r.Known {
			p.known.Add(i)
		}
		if r.HasText {
			p.setText(i, r.Text)
		}
		if r.HasNum {
			p.num.set(i, r.Num)
		}
		if r.HasBool {
			if r.Bool {
				p.boolTrue.Add(i)
			} else {
				p.boolFalse.Add(i)
			}
		}
		if r.HasDay {
			p.day.set(i, int32(r.Day))
		}
	}
}

// clear takes friend i out of every set, ready for set with its next facts
// (nil: the friend is gone). Sparse-column values that next replaces are
// left for set to overwrite: removing and inserting them would move the
// rest of the column twice.
func (idx *Index) clear(i uint32, next *kizuna.FriendFacts) {
	idx.active.Remove(i)
	idx.blocked.Remove(i)
	idx.estimated.Remove(i)
	for _, b := range idx.tags {
		b.Remove(i)
	}
	for _, b := range []*roaring.Bitmap{idx.shopify, idx.hubspot, idx.klaviyo, idx.hasLastOrder, idx.hasAbandoned} {
		b.Remove(i)
	}
	for _, b := range idx.ordersGE[1:] {
		b.Remove(i)
	}
	if next == nil || next.Shopify == nil || next.Shopify.OrdersCount <= smallOrders {
		idx.ordersBig.del(i)
	}
	if next == nil || next.Shopify == nil || !next.Shopify.HasAbandoned {
		idx.abandoned.del(i)
	}
	for _, b := range idx.shopifyTags {
		b.Remove(i)
	}
	for _, source := range []string{"hubspot", "klaviyo"} {
		var contact *kizuna.ContactFacts
		if next != nil {
			contact = next.HubSpot
			if source == "klaviyo" {
				contact = next.Klaviyo
			}
		}
		for _, b := range idx.lists[source] {
			b.Remove(i)
		}
		for name, p := range idx.props[source] {
			var r kizuna.PropertyReading
			if contact != nil {
				r = contact.Properties[name]
			}
			p.known.Remove(i)
			p.boolTrue.Remove(i)
			p.boolFalse.Remove(i)
			if !r.HasText {
				p.delText(i)
			}
			if !r.HasNum {
				p.num.del(i)
			}
			if !r.HasDay {
				p.day.del(i)
			}
		}
	}
}

// lookup returns the number of the friend with a LINE user ID.
func (idx *Index) lookup(id string) (uint32, bool) {
	var p [16]byte
	if !packID(id, &p) {
		i, ok := idx.oddNum[id]
		return i, ok
	}
	if i, ok := idx.later[p]; ok {
		return i, true
	}
	k, ok := slices.BinarySearchFunc(idx.byID, p, func(i uint32, p [16]byte) int { return bytes.Compare(idx.ids[i][:], p[:]) })
	if !ok {
		return 0, false
	}
	return idx.byID[k], true
}

// Build finishes the index: it orders friends for samples and lookups and
// compacts the bitmaps.
func (b *Builder) Build() *Index {
	idx := b.idx
	// The two orders are sorted at once, one per core: at 10M friends each
	// takes seconds.
	var wg sync.WaitGroup
	wg.Go(idx.sortSampleOrder)
	wg.Go(idx.sortIDOrder)
	wg.Wait()
	all := append([]*roaring.Bitmap{idx.active, idx.blocked, idx.estimated, idx.shopify, idx.hubspot, idx.klaviyo, idx.hasLastOrder, idx.hasAbandoned}, idx.ordersGE[1:]...)
	for _, m := range []map[string]*roaring.Bitmap{idx.tags, idx.shopifyTags, idx.lists["hubspot"], idx.lists["klaviyo"]} {
		for _, bm := range m {
			all = append(all, bm)
		}
	}
	for _, bm := range all {
		bm.RunOptimize()
	}
	// Appending left up to a quarter of each column unused: give it back.
	idx.ids, idx.names, idx.nameEnd = shrink(idx.ids), shrink(idx.names), shrink(idx.nameEnd)
	idx.addedUS, idx.addedDay, idx.lastOrderDay = shrink(idx.addedUS), shrink(idx.addedDay), shrink(idx.lastOrderDay)
	idx.ordersBig.shrink()
	idx.abandoned.shrink()
	for _, source := range []string{"hubspot", "klaviyo"} {
		for _, p := range idx.props[source] {
			p.text.shrink()
			p.num.shrink()
			p.day.shrink()
			p.arena = shrink(p.arena)
		}
	}
	idx.activeDense = toDense(idx.active, (int(idx.n)+63)/64)
	idx.cache = newCache(DefaultCacheBytes)
	idx.built = true
	b.idx = nil
	return idx
}

// sortSampleOrder sorts the friends for samples: more recently added first,
// ties by LINE user ID. It sorts keys next to the friend numbers, so that a
// comparison reads no column.
func (idx *Index) sortSampleOrder() {
	type key struct {
		at int64
		i  uint32
	}
	keys := make([]key, idx.n)
	for i := range keys {
		keys[i] = key{idx.addedUS[i], uint32(i)}
	}
	slices.SortFunc(keys, func(x, y key) int {
		switch {
		case x.at > y.at:
			return -1
		case x.at < y.at:
			return 1
		case x.i == y.i:
			return 0
		case idx.before(x.i, y.i):
			return -1
		}
		return 1
	})
	idx.order = make([]uint32, idx.n)
	for k, key := range keys {
		idx.order[k] = key.i
	}
}

// sortIDOrder sorts the friends with 16-byte IDs by ID, for lookups. The
// sort runs on a contiguous copy of each ID's first 8 bytes (random IDs
// rarely share them; the last 8 break ties): comparing keys in place is
// about twice as fast at 10M as reading two IDs at random per comparison.
func (idx *Index) sortIDOrder() {
	type key struct {
		hi uint64
		i  uint32
	}
	keys := make([]key, 0, int(idx.n)-len(idx.oddIDs))
	for i := range idx.n {
		if _, odd := idx.oddIDs[i]; !odd {
			keys = append(keys, key{binary.BigEndian.Uint64(idx.ids[i][:8]), i})
		}
	}
	slices.SortFunc(keys, func(x, y key) int {
		if c := cmp.Compare(x.hi, y.hi); c != 0 {
			return c
		}
		return cmp.Compare(binary.BigEndian.Uint64(idx.ids[x.i][8:]), binary.BigEndian.Uint64(idx.ids[y.i][8:]))
	})
	idx.byID = make([]uint32, len(keys))
	for k, key := range keys {
		idx.byID[k] = key.i
	}
}

// Version returns the account's friends version that the index reflects.
func (idx *Index) Version() int64 {
	idx.mu.RLock()
	defer idx.mu.RUnlock()
	return idx.version
}

// DropCache empties the condition cache.
func (idx *Index) DropCache() {
	if idx.cache != nil {
		idx.cache.clear()
	}
}

// CacheStats reports the use of the index's condition cache.
func (idx *Index) CacheStats() CacheStats {
	if idx.cache == nil {
		return CacheStats{}
	}
	return idx.cache.stats()
}

// before reports whether friend i comes before friend j in a sample: more
// recently added first, ties by LINE user ID in byte order.
func (idx *Index) before(i, j uint32) bool {
	if idx.addedUS[i] != idx.addedUS[j] {
		return idx.addedUS[i] > idx.addedUS[j]
	}
	if len(idx.oddIDs) > 0 {
		_, oi := idx.oddIDs[i]
		_, oj := idx.oddIDs[j]
		if oi || oj {
			return idx.lineID(i) < idx.lineID(j)
		}
	}
	return bytes.Compare(idx.ids[i][:], idx.ids[j][:]) < 0
}

// lineID returns friend i's LINE user ID as written.
func (idx *Index) lineID(i uint32) string {
	if s, ok := idx.oddIDs[i]; ok {
		return s
	}
	var b [33]byte
	b[0] = 'U'
	hex.Encode(b[1:], idx.ids[i][:])
	return string(b[:])
}

// name returns friend i's display name.
func (idx *Index) name(i uint32) string {
	if s, ok := idx.renamed[i]; ok {
		return s
	}
	start := uint32(0)
	if i > 0 {
		start = idx.nameEnd[i-1]
	}
	return string(idx.names[start:idx.nameEnd[i]])
}

// packID stores a "U" + 32 lower-case hex digits ID in 16 bytes; it reports
// false for any other spelling.
func packID(s string, out *[16]byte) bool {
	if len(s) != 33 || s[0] != 'U' {
		return false
	}
	for _, c := range []byte(s[1:]) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	_, err := hex.Decode(out[:], []byte(s[1:]))
	return err == nil
}

// Len returns the number of friends in the index, blocked included.
func (idx *Index) Len() int {
	idx.mu.RLock()
	defer idx.mu.RUnlock()
	return int(idx.n)
}

// HasTag reports whether the account has a friend tag of that name.
func (idx *Index) HasTag(name string) bool {
	idx.mu.RLock()
	defer idx.mu.RUnlock()
	return idx.tagNames[name]
}
