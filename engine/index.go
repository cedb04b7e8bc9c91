// Package engine answers previews from an in-memory index of an account's
// friends: roaring bitmaps for set-like data (tags, lists, linked flags,
// dictionary-encoded text) and columns for days, counts and times. It answers
// exactly what the SQL path answers; the database stays the source of truth
// and the index is rebuilt from it (see Engine).
package engine

import (
	"bytes"
	"encoding/hex"
	"sort"
	"time"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/kizuna-line/kizuna"
)

// Index is one account's friends in memory. Friends are numbered densely in
// the order they were added to the index. An Index is immutable once built,
// so any number of previews may read it at once.
type Index struct {
	loc *time.Location
	n   uint32
	// LINE user IDs are "U" + 32 hex digits: kept as their 16 bytes when the
	// hex is lower case (as LINE writes them), whose byte order is then the
	// ID's; any other spelling is kept as written in oddIDs.
	ids    [][16]byte
	oddIDs map[uint32]string
	// Display names, one arena: name i is names[nameEnd[i-1]:nameEnd[i]].
	names    []byte
	nameEnd  []uint32
	addedUS  []int64
	addedDay []int32
	active   *roaring.Bitmap // following friends: every answer is within it
	order    []uint32        // friend numbers, most recently added first, ties by LINE user ID
	tagNames map[string]bool // every friend tag of the account, carried or not
	tags     map[string]*roaring.Bitmap

	shopify, hubspot, klaviyo *roaring.Bitmap // linked
	orders                    []int64         // valid where shopify is set
	hasLastOrder              *roaring.Bitmap
	lastOrderDay              []int32
	hasAbandoned              *roaring.Bitmap
	abandonedUS               []int64
	shopifyTags               map[string]*roaring.Bitmap // normalized tag -> customers

	lists map[string]map[string]*roaring.Bitmap // source -> list ID -> members
	props map[string]map[string]*property       // source -> property name -> values

	cache *cache // condition results; nil: none kept
}

// property holds one property's readings. Text is dictionary-encoded (a
// condition scans the distinct values, not the friends); numbers and days are
// sparse columns sorted by friend number.
type property struct {
	known *roaring.Bitmap
	// Normalized text values: those that one friend alone carries (often
	// most of them: e-mail addresses, names) cost a map entry, not a bitmap.
	textOne   map[string]uint32
	text      map[string]*roaring.Bitmap
	numF      []uint32
	numV      []float64
	boolTrue  *roaring.Bitmap
	boolFalse *roaring.Bitmap
	dayF      []uint32
	dayV      []int32
}

// Builder makes an Index from a stream of friend facts.
type Builder struct {
	idx   *Index
	seen  map[string]bool
	dupes int
}

// NewBuilder starts an index for an account in zone loc whose friend tags
// (including tags no friend carries now) are tagNames.
func NewBuilder(loc *time.Location, tagNames []string) *Builder {
	idx := &Index{
		loc:          loc,
		oddIDs:       map[uint32]string{},
		active:       roaring.New(),
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
	idx := b.idx
	i := idx.n
	idx.n++
	var id [16]byte
	if !packID(f.LineUserID, &id) {
		idx.oddIDs[i] = f.LineUserID
	}
	idx.ids = append(idx.ids, id)
	idx.names = append(idx.names, f.DisplayName...)
	idx.nameEnd = append(idx.nameEnd, uint32(len(idx.names)))
	idx.addedUS = append(idx.addedUS, f.AddedAt.UnixMicro())
	idx.addedDay = append(idx.addedDay, int32(f.AddedDay))
	if f.Following {
		idx.active.Add(i)
	}
	for _, t := range f.Tags {
		idx.tagNames[t] = true
		bitmapFor(idx.tags, t).Add(i)
	}
	var orders, abandoned int64
	var lastDay int32
	if s := f.Shopify; s != nil {
		idx.shopify.Add(i)
		orders = s.OrdersCount
		if s.HasLastOrder {
			idx.hasLastOrder.Add(i)
			lastDay = int32(s.LastOrderDay)
		}
		if s.HasAbandoned {
			idx.hasAbandoned.Add(i)
			abandoned = s.AbandonedAt.UnixMicro()
		}
		for _, t := range s.TagsNorm {
			bitmapFor(idx.shopifyTags, t).Add(i)
		}
	}
	idx.orders = append(idx.orders, orders)
	idx.lastOrderDay = append(idx.lastOrderDay, lastDay)
	idx.abandonedUS = append(idx.abandonedUS, abandoned)
	if c := f.HubSpot; c != nil {
		idx.hubspot.Add(i)
		b.addContact("hubspot", i, c)
	}
	if c := f.Klaviyo; c != nil {
		idx.klaviyo.Add(i)
		b.addContact("klaviyo", i, c)
	}
}

func (b *Builder) addContact(source string, i uint32, c *kizuna.ContactFacts) {
	idx := b.idx
	for _, l := range c.Lists {
		bitmapFor(idx.lists[source], l).Add(i)
	}
	for name, r := range c.Properties {
		p := idx.props[source][name]
		if p == nil {
			p = &property{known: roaring.New(), textOne: map[string]uint32{}, text: map[string]*roaring.Bitmap{}, boolTrue: roaring.New(), boolFalse: roaring.New()}
			idx.props[source][name] = p
		}
		if r.Known {
			p.known.Add(i)
		}
		if r.HasText {
			if b := p.text[r.Text]; b != nil {
				b.Add(i)
			} else if j, ok := p.textOne[r.Text]; ok {
				delete(p.textOne, r.Text)
				p.text[r.Text] = roaring.BitmapOf(j, i)
			} else {
				p.textOne[r.Text] = i
			}
		}
		if r.HasNum {
			p.numF, p.numV = append(p.numF, i), append(p.numV, r.Num)
		}
		if r.HasBool {
			if r.Bool {
				p.boolTrue.Add(i)
			} else {
				p.boolFalse.Add(i)
			}
		}
		if r.HasDay {
			p.dayF, p.dayV = append(p.dayF, i), append(p.dayV, int32(r.Day))
		}
	}
}

// Build finishes the index: it orders friends for samples and compacts the bitmaps.
func (b *Builder) Build() *Index {
	idx := b.idx
	idx.order = make([]uint32, idx.n)
	for i := range idx.order {
		idx.order[i] = uint32(i)
	}
	sort.Slice(idx.order, func(x, y int) bool { return idx.before(idx.order[x], idx.order[y]) })
	all := []*roaring.Bitmap{idx.active, idx.shopify, idx.hubspot, idx.klaviyo, idx.hasLastOrder, idx.hasAbandoned}
	for _, m := range []map[string]*roaring.Bitmap{idx.tags, idx.shopifyTags, idx.lists["hubspot"], idx.lists["klaviyo"]} {
		for _, bm := range m {
			all = append(all, bm)
		}
	}
	for _, bm := range all {
		bm.RunOptimize()
	}
	idx.cache = newCache(DefaultCacheBytes)
	b.idx = nil
	return idx
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
func (idx *Index) Len() int { return int(idx.n) }

// HasTag reports whether the account has a friend tag of that name.
func (idx *Index) HasTag(name string) bool { return idx.tagNames[name] }
