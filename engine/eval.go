package engine

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/kizuna-line/kizuna"
)

// Result is the answer to a filter: the members' count and the first
// SampleSize of them in the spec's sample order. When the filter tests the
// added date, EstimatedAdded counts the members whose added date is
// estimated (else it is 0).
type Result struct {
	Count          uint64
	Sample         []kizuna.PreviewFriend
	EstimatedAdded uint64
}

// SampleSize is how many members a preview shows (spec section 6).
const SampleSize = 10

// Evaluate answers a validated filter at now. The filter's friend tags must
// have been checked against the account (kizuna.Filter.CheckTags with
// Index.HasTag).
func (idx *Index) Evaluate(f *kizuna.Filter, now time.Time) Result {
	idx.mu.RLock()
	defer idx.mu.RUnlock()
	members := idx.members(f, now)
	r := Result{Count: members.GetCardinality(), Sample: idx.sample(members)}
	if f.TestsAddedDate() {
		r.EstimatedAdded = members.AndCardinality(idx.estimated)
	}
	return r
}

// members returns the friend numbers that match the filter at now. A group
// whose conditions all have dense copies (sets of at least 1/64 of the
// account, cached) is intersected as plain bitsets, a word at a time, which
// is several times faster than intersecting roaring's array containers of
// sets of a few percent; other groups are intersected as roaring bitmaps.
func (idx *Index) members(f *kizuna.Filter, now time.Time) *roaring.Bitmap {
	e := evaluator{idx: idx, now: now, today: int64(kizuna.DayOf(now, idx.loc))}
	out := roaring.New()
	var outDense []uint64
	for gi := range f.Groups {
		g := &f.Groups[gi]
		ops := make([]operand, 0, len(g.Conditions))
		dense := len(g.Conditions) > 1
		for ci := range g.Conditions {
			op := e.operand(&g.Conditions[ci])
			ops = append(ops, op)
			dense = dense && op.dense != nil
			if !op.neg && op.pos.IsEmpty() {
				break // the group matches nobody
			}
		}
		if dense && len(ops) == len(g.Conditions) {
			outDense = orWords(outDense, idx.denseGroup(ops))
			continue
		}
		var acc *roaring.Bitmap
		for _, op := range ops {
			b := op.pos
			if op.neg {
				b = roaring.AndNot(idx.active, op.pos)
			}
			if acc == nil {
				acc = b.Clone()
			} else {
				acc.And(b)
			}
			if acc.IsEmpty() {
				break
			}
		}
		out.Or(acc)
	}
	if outDense != nil {
		out.Or(roaring.FromDense(outDense, false))
	}
	out.And(idx.active)
	return out
}

// operand is one condition of a group: its positive twin's members (and
// their dense copy, when kept), and whether the condition is the negation.
type operand struct {
	pos   *roaring.Bitmap
	dense []uint64
	neg   bool
}

// denseGroup intersects the active friends with every operand, as bitsets.
func (idx *Index) denseGroup(ops []operand) []uint64 {
	acc := slices.Clone(idx.activeDense)
	for _, op := range ops {
		d := op.dense
		n := min(len(acc), len(d))
		if op.neg {
			for w := range n {
				acc[w] &^= d[w]
			}
			continue
		}
		for w := range n {
			acc[w] &= d[w]
		}
		clear(acc[n:])
	}
	return acc
}

// orWords returns a | b, reusing a.
func orWords(a, b []uint64) []uint64 {
	if len(a) < len(b) {
		a, b = b, a
	}
	for w, v := range b {
		a[w] |= v
	}
	return a
}

// denseFrom: a set of at least 1/denseFrom of the account gets a dense copy.
const denseFrom = 64

// toDense returns members as a bitset of words words.
func toDense(members *roaring.Bitmap, words int) []uint64 {
	d := members.ToDense()
	if len(d) < words {
		d = append(d, make([]uint64, words-len(d))...)
	}
	return d
}

// setBit sets or clears bit i of a bitset, growing it as needed.
func setBit(d []uint64, i uint32, on bool) []uint64 {
	w := int(i / 64)
	if w >= len(d) {
		if !on {
			return d
		}
		d = append(d, make([]uint64, w+1-len(d))...)
	}
	if on {
		d[w] |= 1 << (i % 64)
	} else {
		d[w] &^= 1 << (i % 64)
	}
	return d
}

// sample returns the first SampleSize members in sample order. Walking the
// precomputed order finds ten members after about 10·n/card friends when
// the members are spread over it, so it comes first, with a budget of a
// quarter as many lookups as there are members; members bunched among the
// oldest friends would make the walk long, so past the budget the members
// are scanned instead, keeping the best ten. Either way the cost stays
// within about twice a scan of the members.
func (idx *Index) sample(members *roaring.Bitmap) []kizuna.PreviewFriend {
	picked := make([]uint32, 0, SampleSize)
	card := members.GetCardinality()
	walked := false
	if budget := card / 4; budget >= 4*SampleSize {
		for k, i := range idx.order {
			if uint64(k) == budget {
				break
			}
			if members.Contains(i) {
				if picked = append(picked, i); len(picked) == SampleSize {
					break
				}
			}
		}
		walked = len(picked) == SampleSize
	}
	if !walked {
		picked = picked[:0]
		it := members.Iterator()
		for it.HasNext() {
			i := it.Next()
			if len(picked) == SampleSize && !idx.before(i, picked[SampleSize-1]) {
				continue
			}
			// Insert i in order, dropping the last when full.
			k := len(picked)
			if k < SampleSize {
				picked = append(picked, i)
			} else {
				k--
			}
			for ; k > 0 && idx.before(i, picked[k-1]); k-- {
				picked[k] = picked[k-1]
			}
			picked[k] = i
		}
	}
	out := make([]kizuna.PreviewFriend, len(picked))
	for k, i := range picked {
		out[k] = kizuna.PreviewFriend{LineUserID: idx.lineID(i), DisplayName: idx.name(i), AddedAt: time.UnixMicro(idx.addedUS[i]).In(idx.loc)}
	}
	return out
}

type evaluator struct {
	idx   *Index
	now   time.Time
	today int64
}

// operand evaluates one condition; a negative op is the complement of its
// positive twin over the following friends (spec 3.2). The bitmaps must not
// be modified: they may be cached or part of the index.
func (e *evaluator) operand(c *kizuna.Condition) operand {
	if pos, neg := c.Positive(); neg {
		b, d := e.cached(&pos)
		return operand{pos: b, dense: d, neg: true}
	}
	b, d := e.cached(c)
	return operand{pos: b, dense: d}
}

// cached returns a positive condition's members, and their dense copy when
// the set is dense enough to keep one, from the index's cache, or computes
// and caches them. A condition answered by one stored bitmap (a single tag,
// a linked flag) is cached only for the dense copy, when dense enough.
func (e *evaluator) cached(c *kizuna.Condition) (*roaring.Bitmap, []uint64) {
	if e.idx.cache == nil {
		return e.positive(c), nil
	}
	key := cacheKey(c, e.today)
	if b, d := e.idx.cache.get(key, e.now.UnixMicro()); b != nil {
		return b, d
	}
	b := e.positive(c)
	dense := b.GetCardinality()*denseFrom >= uint64(e.idx.n)
	if stored(c) {
		if !dense {
			return b, nil
		}
		b = b.Clone() // the cache's copy is patched on writes; the index's own is too
	}
	var d []uint64
	if dense {
		d = toDense(b, len(e.idx.activeDense))
	}
	from, to := int64(math.MinInt64), int64(math.MaxInt64)
	if c.Field == kizuna.FieldShopifyAbandoned && c.HoursSince != nil {
		from, to = e.hoursWindow(*c.HoursSince)
	}
	e.idx.cache.put(key, c, b, d, e.now.UnixMicro(), from, to)
	return b, d
}

func (e *evaluator) positive(c *kizuna.Condition) *roaring.Bitmap {
	idx := e.idx
	switch c.Field {
	case kizuna.FieldAddedDate:
		a, b := dayOpRange(c)
		return rangeDense32(idx.addedDay, a, b)
	case kizuna.FieldDaysSinceAdded:
		a, b, ok := c.Numeric().DayRange(kizuna.Day(e.today))
		if !ok {
			return roaring.New()
		}
		return rangeDense32(idx.addedDay, a, b)
	case kizuna.FieldTag:
		return setOp(c.Op, c.Strings, func(s string) *roaring.Bitmap { return idx.tags[s] })
	case kizuna.FieldShopifyLinked:
		return idx.shopify
	case kizuna.FieldHubSpotLinked:
		return idx.hubspot
	case kizuna.FieldKlaviyoLinked:
		return idx.klaviyo
	case kizuna.FieldShopifyTag:
		return setOp(c.Op, c.Strings, func(s string) *roaring.Bitmap { return idx.shopifyTags[kizuna.Normalize(s)] })
	case kizuna.FieldShopifyOrders:
		lo, hi, ok := c.Numeric().IntegerRange(kizuna.MaxCountOperand)
		if !ok {
			return roaring.New()
		}
		out := idx.ordersAtLeast(lo)
		if hi < math.MaxInt64 {
			out.AndNot(idx.ordersAtLeast(hi + 1))
		}
		return out
	case kizuna.FieldShopifyDaysSince:
		a, b, ok := c.Numeric().DayRange(kizuna.Day(e.today))
		if !ok {
			return roaring.New()
		}
		out := rangeDense32(idx.lastOrderDay, a, b)
		out.And(idx.hasLastOrder)
		return out
	case kizuna.FieldShopifyAbandoned:
		if c.HoursSince == nil {
			return idx.hasAbandoned
		}
		t := *c.HoursSince
		now := e.now.UnixMicro()
		return scanSparse(idx.abandoned.f, func(k int) bool { return t.Test(float64(hoursSince(idx.abandoned.v[k], now))) })
	case kizuna.FieldHubSpotSegment, kizuna.FieldKlaviyoList:
		lists := idx.lists[c.Source()]
		return setOp(kizuna.OpHasAny, c.Strings, func(s string) *roaring.Bitmap { return lists[s] })
	case kizuna.FieldHubSpotProperty, kizuna.FieldKlaviyoProperty:
		p := idx.props[c.Source()][c.Property]
		if p == nil {
			return roaring.New()
		}
		return e.property(c, p)
	}
	return roaring.New()
}

func (e *evaluator) property(c *kizuna.Condition, p *property) *roaring.Bitmap {
	if c.Op == kizuna.OpIsKnown {
		return p.known
	}
	switch c.Type {
	case kizuna.TypeString:
		if p.codes == nil {
			return e.rawText(c, p)
		}
		// Find the codes of the matching values, then the friends with them.
		hit := make([]bool, len(p.codes))
		found := false
		switch c.Op {
		case kizuna.OpEq, kizuna.OpIn:
			for _, v := range c.Strings {
				if code, ok := p.codes[kizuna.Normalize(v)]; ok {
					hit[code], found = true, true
				}
			}
		case kizuna.OpContains, kizuna.OpStartsWith:
			needle := kizuna.Normalize(c.Strings[0])
			match := strings.Contains
			if c.Op == kizuna.OpStartsWith {
				match = strings.HasPrefix
			}
			for s, code := range p.codes {
				if match(s, needle) {
					hit[code], found = true, true
				}
			}
		}
		if !found {
			return roaring.New()
		}
		return scanSparse(p.text.f, func(k int) bool { return hit[p.text.v[k]] })
	case kizuna.TypeNumber:
		t := c.Numeric()
		return scanSparse(p.num.f, func(k int) bool { return t.Test(p.num.v[k]) })
	case kizuna.TypeBool:
		if c.Bool {
			return p.boolTrue
		}
		return p.boolFalse
	case kizuna.TypeDate:
		a, b := dayOpRange(c)
		return scanSparse(p.day.f, func(k int) bool { v := int64(p.day.v[k]); return v >= a && v <= b })
	case kizuna.TypeDaysSince:
		a, b, ok := c.Numeric().DayRange(kizuna.Day(e.today))
		if !ok {
			return roaring.New()
		}
		return scanSparse(p.day.f, func(k int) bool { v := int64(p.day.v[k]); return v >= a && v <= b })
	}
	return roaring.New()
}

// ordersAtLeast returns a new bitmap of the customers with at least k orders.
func (idx *Index) ordersAtLeast(k int64) *roaring.Bitmap {
	switch {
	case k <= 0:
		return idx.shopify.Clone()
	case k <= smallOrders:
		return idx.ordersGE[k].Clone()
	}
	return scanSparse(idx.ordersBig.f, func(j int) bool { return idx.ordersBig.v[j] >= k })
}

// hoursSince is kizuna.HoursSince over microseconds.
func hoursSince(at, now int64) int64 {
	return kizuna.HoursSince(time.UnixMicro(at), time.UnixMicro(now))
}

// rawText tests each text of a property kept in its arena.
func (e *evaluator) rawText(c *kizuna.Condition, p *property) *roaring.Bitmap {
	var match func([]byte) bool
	switch c.Op {
	case kizuna.OpEq, kizuna.OpIn:
		want := make(map[string]bool, len(c.Strings))
		for _, v := range c.Strings {
			want[kizuna.Normalize(v)] = true
		}
		match = func(b []byte) bool { return want[string(b)] }
	case kizuna.OpContains:
		needle := []byte(kizuna.Normalize(c.Strings[0]))
		match = func(b []byte) bool { return bytes.Contains(b, needle) }
	case kizuna.OpStartsWith:
		needle := []byte(kizuna.Normalize(c.Strings[0]))
		match = func(b []byte) bool { return bytes.HasPrefix(b, needle) }
	default:
		return roaring.New()
	}
	return scanSparse(p.text.f, func(k int) bool { return match(p.rawAt(p.text.v[k])) })
}

// dayOpRange turns on/before/after/between a date into a range of days.
func dayOpRange(c *kizuna.Condition) (a, b int64) {
	d := int64(c.Days[0])
	switch c.Op {
	case kizuna.OpOn:
		return d, d
	case kizuna.OpBefore:
		return math.MinInt64, d - 1
	case kizuna.OpAfter:
		return d + 1, math.MaxInt64
	}
	return d, int64(c.Days[1]) // between
}

// rangeDense32 returns the friends whose value in col lies in [a, b]. The
// loop sets bits of a plain bitset, without a branch per friend, and the
// bitset becomes a roaring bitmap at the end.
func rangeDense32(col []int32, a, b int64) *roaring.Bitmap {
	a, b = max(a, math.MinInt32), min(b, math.MaxInt32)
	if a > b {
		return roaring.New()
	}
	width := uint64(b - a)
	words := make([]uint64, (len(col)+63)/64)
	for i, v := range col {
		in := uint64(int64(v)-a) <= width
		words[i>>6] |= uint64(b2i(in)) << (i & 63)
	}
	return roaring.FromDense(words, false)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// setOp evaluates has / has_any (union) and has_all (intersection) over the
// bitmaps of the named values; an unknown value has no members.
func setOp(op string, names []string, get func(string) *roaring.Bitmap) *roaring.Bitmap {
	if op == kizuna.OpHasAll {
		var acc *roaring.Bitmap
		for _, n := range names {
			b := get(n)
			if b == nil {
				return roaring.New()
			}
			if acc == nil {
				acc = b.Clone()
			} else {
				acc.And(b)
			}
		}
		return acc
	}
	var hits []*roaring.Bitmap
	for _, n := range names {
		if b := get(n); b != nil {
			hits = append(hits, b)
		}
	}
	return roaring.FastOr(hits...)
}

// scanSparse tests the entries of a sparse column whose friend numbers are friends.
func scanSparse(friends []uint32, test func(int) bool) *roaring.Bitmap {
	var out collector
	for k, i := range friends {
		if test(k) {
			out.add(i)
		}
	}
	return out.bitmap()
}

// collector gathers friend numbers, given in ascending order, into a bitmap
// a buffer at a time, which roaring adds much faster than one by one.
type collector struct {
	buf []uint32
	out *roaring.Bitmap
}

func (c *collector) add(i uint32) {
	if c.buf == nil {
		c.buf, c.out = make([]uint32, 0, 1024), roaring.New()
	}
	c.buf = append(c.buf, i)
	if len(c.buf) == cap(c.buf) {
		c.out.AddMany(c.buf)
		c.buf = c.buf[:0]
	}
}

func (c *collector) bitmap() *roaring.Bitmap {
	if c.out == nil {
		return roaring.New()
	}
	c.out.AddMany(c.buf)
	return c.out
}
