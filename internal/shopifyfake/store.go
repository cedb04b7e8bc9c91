package shopifyfake

import (
	"fmt"
	"hash/fnv"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kizuna-line/kizuna"
)

// IDBase is where generated ids start: above 2^53, so a client that
// decodes REST or webhook ids as float64 loses precision and a test sees it.
const IDBase int64 = 1<<53 + 1000

// customer is one customer of the shop.
type customer struct {
	id          int64
	email       string
	createdAt   time.Time
	updatedAt   time.Time
	tags        []string
	orders      int64
	lastOrderID int64
	lastOrderAt *time.Time
	lineUserID  string
	checkouts   []*checkout
}

// checkout is one checkout, abandoned until completedAt is set.
type checkout struct {
	id          int64
	token       string
	customerID  int64
	createdAt   time.Time
	updatedAt   time.Time
	completedAt *time.Time
}

// key orders customers and checkouts as sortKey UPDATED_AT does.
type key struct {
	t  int64 // unix nanoseconds of updatedAt
	id int64
}

func (a key) less(b key) bool { return a.t < b.t || (a.t == b.t && a.id < b.id) }

func (c *customer) key() key { return key{c.updatedAt.UnixNano(), c.id} }
func (c *checkout) key() key { return key{c.updatedAt.UnixNano(), c.id} }

// gen describes generated customers without holding them: customer i is
// computed from the seed and i whenever it is read, so a million of them
// cost nothing until one is changed (then it is kept like a loaded one).
type gen struct {
	n    int
	seed uint64
	base time.Time
	step time.Duration
}

func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

var genTags = []string{"vip", "newsletter", "wholesale", "定期購入", "sale-2025", "repeat"}

func (g *gen) id(i int) int64            { return IDBase + int64(i) }
func (g *gen) updatedAt(i int) time.Time { return g.base.Add(time.Duration(i) * g.step) }
func (g *gen) key(i int) key             { return key{g.updatedAt(i).UnixNano(), g.id(i)} }

// hasCheckout reports whether generated customer i has a checkout.
func (g *gen) hasCheckout(i int) bool { return (mix(g.seed^uint64(i))>>20)%4 == 0 }

// customer builds generated customer i.
func (g *gen) customer(i int) *customer {
	h := mix(g.seed ^ uint64(i))
	up := g.updatedAt(i)
	c := &customer{
		id:         g.id(i),
		email:      fmt.Sprintf("customer%d@example.com", i),
		createdAt:  up.Add(-time.Duration(h%1000) * time.Hour),
		updatedAt:  up,
		orders:     int64(h % 6),
		lineUserID: fmt.Sprintf("U%016x%016x", mix(h), mix(h^1)),
		tags:       []string{},
	}
	for b, t := range genTags {
		if (h>>(8+b))&3 == 0 {
			c.tags = append(c.tags, t)
		}
	}
	if c.orders > 0 {
		at := up.Add(-time.Duration((h>>12)%(90*24)) * time.Hour)
		c.lastOrderAt = &at
		c.lastOrderID = IDBase + int64(i)*10
	}
	if g.hasCheckout(i) {
		ck := &checkout{
			id: IDBase + 1<<40 + int64(i), token: fmt.Sprintf("%032x", h), customerID: c.id,
			createdAt: up.Add(-2 * time.Hour), updatedAt: up.Add(-time.Hour),
		}
		if (h>>24)%3 == 0 {
			done := up.Add(-30 * time.Minute)
			ck.completedAt = &done
		}
		c.checkouts = []*checkout{ck}
	}
	return c
}

// index returns the generated customer with id, if it is one.
func (g *gen) index(id int64) (int, bool) {
	i := id - IDBase
	if g == nil || i < 0 || i >= int64(g.n) {
		return 0, false
	}
	return int(i), true
}

// store holds the shop's customers: generated ones (gen) and kept ones
// (loaded, created, or generated then changed), merged in UPDATED_AT order.
type store struct {
	gen       *gen
	byID      map[int64]*customer
	sorted    []*customer // kept customers by key; nil when it must be rebuilt
	checkouts map[int64]*checkout
	ckSorted  []*checkout
	nextID    int64
}

func newStore() *store {
	return &store{byID: map[int64]*customer{}, checkouts: map[int64]*checkout{}, nextID: IDBase + 1<<50}
}

func (s *store) dirty() { s.sorted, s.ckSorted = nil, nil }

// total is the number of customers.
func (s *store) total() int {
	n := len(s.byID)
	if s.gen != nil {
		n += s.gen.n
		for id := range s.byID {
			if _, ok := s.gen.index(id); ok {
				n--
			}
		}
	}
	return n
}

// get returns the customer with id, keeping a generated one so that it can
// be changed.
func (s *store) get(id int64) (*customer, bool) {
	if c, ok := s.byID[id]; ok {
		return c, true
	}
	if i, ok := s.gen.index(id); ok {
		c := s.gen.customer(i)
		s.keep(c)
		return c, true
	}
	return nil, false
}

// peek returns the customer with id without keeping a generated one.
func (s *store) peek(id int64) *customer {
	if c, ok := s.byID[id]; ok {
		return c
	}
	if i, ok := s.gen.index(id); ok {
		return s.gen.customer(i)
	}
	return nil
}

func (s *store) keep(c *customer) {
	s.byID[c.id] = c
	for _, ck := range c.checkouts {
		s.checkouts[ck.id] = ck
	}
	s.dirty()
}

func (s *store) sortedCustomers() []*customer {
	if s.sorted == nil {
		s.sorted = make([]*customer, 0, len(s.byID))
		for _, c := range s.byID {
			s.sorted = append(s.sorted, c)
		}
		sort.Slice(s.sorted, func(i, j int) bool { return s.sorted[i].key().less(s.sorted[j].key()) })
	}
	return s.sorted
}

func (s *store) sortedCheckouts() []*checkout {
	if s.ckSorted == nil {
		s.ckSorted = make([]*checkout, 0, len(s.checkouts))
		for _, c := range s.checkouts {
			s.ckSorted = append(s.ckSorted, c)
		}
		sort.Slice(s.ckSorted, func(i, j int) bool { return s.ckSorted[i].key().less(s.ckSorted[j].key()) })
	}
	return s.ckSorted
}

// customersAfter returns up to limit customers after the key (exclusive)
// updated at or after since, and whether more follow.
func (s *store) customersAfter(after key, since time.Time, limit int) ([]*customer, bool) {
	if sk := (key{since.UnixNano(), -1 << 63}); !since.IsZero() && after.less(sk) {
		after = sk
	}
	kept := s.sortedCustomers()
	mi := sort.Search(len(kept), func(i int) bool { return after.less(kept[i].key()) })
	vi, vn := 0, 0
	if s.gen != nil {
		vn = s.gen.n
		vi = sort.Search(vn, func(i int) bool { return after.less(s.gen.key(i)) })
	}
	var out []*customer
	for len(out) <= limit {
		for vi < vn {
			if _, ok := s.byID[s.gen.id(vi)]; !ok {
				break
			}
			vi++
		}
		switch {
		case vi < vn && (mi >= len(kept) || s.gen.key(vi).less(kept[mi].key())):
			out = append(out, s.gen.customer(vi))
			vi++
		case mi < len(kept):
			out = append(out, kept[mi])
			mi++
		default:
			return out, false
		}
	}
	return out[:limit], true
}

// checkoutsAfter is customersAfter for checkouts.
func (s *store) checkoutsAfter(after key, since time.Time, limit int) ([]*checkout, bool) {
	if sk := (key{since.UnixNano(), -1 << 63}); !since.IsZero() && after.less(sk) {
		after = sk
	}
	kept := s.sortedCheckouts()
	mi := sort.Search(len(kept), func(i int) bool { return after.less(kept[i].key()) })
	vi, vn := 0, 0
	// A generated checkout's key is its customer's less an hour: the
	// search runs on the customer's key shifted by the same hour.
	if s.gen != nil {
		vn = s.gen.n
		sh := key{after.t + int64(time.Hour), after.id}
		if sh.id > math.MinInt64+1<<40 {
			sh.id -= 1 << 40
		}
		vi = sort.Search(vn, func(i int) bool { return sh.less(s.gen.key(i)) })
	}
	var out []*checkout
	for len(out) <= limit {
		var v *checkout
		for vi < vn {
			if _, ok := s.byID[s.gen.id(vi)]; !ok && s.gen.hasCheckout(vi) {
				v = s.gen.customer(vi).checkouts[0]
				break
			}
			vi++
		}
		switch {
		case v != nil && (mi >= len(kept) || v.key().less(kept[mi].key())):
			out = append(out, v)
			vi++
		case mi < len(kept):
			out = append(out, kept[mi])
			mi++
		default:
			return out, false
		}
	}
	return out[:limit], true
}

// numericID returns the number of an id written as a number or a GID, or
// a stable number above 2^53 for any other text.
func numericID(s string) int64 {
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		s = s[i+1:]
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
		return n
	}
	h := fnv.New64a()
	h.Write([]byte(s))
	return IDBase + 1<<52 + int64(h.Sum64()>>13)
}

// fromFriend builds the customer a friend's import line describes.
func fromFriend(f *kizuna.Friend, now time.Time) *customer {
	sc := f.Shopify
	c := &customer{
		id:         numericID(sc.CustomerID),
		email:      "",
		createdAt:  f.AddedAt,
		updatedAt:  now,
		tags:       append([]string{}, sc.Tags...),
		orders:     sc.OrdersCount,
		lineUserID: f.LineUserID,
	}
	if sc.LastOrderAt != nil {
		at := *sc.LastOrderAt
		c.lastOrderAt = &at
		c.lastOrderID = numericID("order-" + sc.CustomerID)
	}
	for _, ch := range sc.Checkouts {
		ck := &checkout{
			id: numericID("checkout-" + sc.CustomerID + "-" + ch.ID), token: ch.ID, customerID: c.id,
			createdAt: ch.UpdatedAt, updatedAt: ch.UpdatedAt,
		}
		if ch.CompletedAt != nil {
			at := *ch.CompletedAt
			ck.completedAt = &at
		}
		c.checkouts = append(c.checkouts, ck)
	}
	return c
}
