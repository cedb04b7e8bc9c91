package hubspotfake

import (
	"fmt"
	"strconv"
	"time"
)

// generator computes contacts 1..n from a seed, so that a million of them
// take no memory: a contact is built when it is read, and stored only
// once it changes.
type generator struct {
	n     uint64
	seed  uint64
	epoch time.Time
	line  string // the LINE user ID property
}

// GenEpoch is when the first generated contact was created; the others
// follow ten seconds apart, and each was last modified within 30 days of
// its creation.
var GenEpoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// Generated list names, with the share of generated contacts in each.
const (
	GenListVIP        = "Generated VIP" // one in ten
	GenListNewsletter = "Generated Newsletter"
	genBitVIP         = 1
	genBitNewsletter  = 2
)

var firstNames = []string{"Haruto", "Yui", "Sota", "Hina", "Ren", "Mio", "Minato", "Sakura", "Aoi", "Riku"}
var lastNames = []string{"Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Kobayashi", "Kato"}

func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func (g *generator) hash(id uint64) uint64 { return mix(g.seed ^ mix(id)) }

func (g *generator) created(id uint64) time.Time {
	return g.epoch.Add(time.Duration(id) * 10 * time.Second)
}

func (g *generator) inList(id uint64, bit int) bool {
	h := g.hash(id)
	switch bit {
	case genBitVIP:
		return (h>>40)%10 == 0
	case genBitNewsletter:
		return (h>>44)%3 == 0
	}
	return false
}

// LineUserID is the LINE user ID of generated contact id ("" for one in
// ten, which has none).
func (g *generator) lineUserID(id uint64) string {
	h := g.hash(id)
	if h%10 == 9 {
		return ""
	}
	return fmt.Sprintf("U%016x%016x", h, mix(h))
}

// contact returns generated contact id, its properties computed when
// read (see prop), so that a search over a million of them allocates
// little.
func (g *generator) contact(id uint64) *contact {
	created := g.created(id)
	updated := created.Add(time.Duration(g.hash(id)>>24%(30*24*3600)) * time.Second)
	return &contact{id: id, created: created, updated: updated, written: updated, gen: g}
}

// prop computes a generated contact's property.
func (g *generator) prop(id uint64, name string) (string, bool) {
	h := g.hash(id)
	switch name {
	case "email":
		return "contact" + strconv.FormatUint(id, 10) + "@example.com", true
	case "firstname":
		return firstNames[h%uint64(len(firstNames))], true
	case "lastname":
		return lastNames[(h>>4)%uint64(len(lastNames))], true
	case "lifecyclestage":
		return lifecycleStages[(h>>8)%uint64(len(lifecycleStages))], true
	case "hs_lead_status":
		return leadStatuses[(h>>12)%uint64(len(leadStatuses))], true
	case "total_revenue":
		return strconv.FormatUint((h>>16)%100000, 10), true
	case g.line:
		u := g.lineUserID(id)
		return u, u != ""
	}
	return "", false
}

// genProps are the properties a generated contact has.
var genProps = []string{"email", "firstname", "lastname", "lifecyclestage", "hs_lead_status", "total_revenue"}

// materialize returns a stored copy of a generated contact, to change.
func (c *contact) materialize() *contact {
	if c.gen == nil {
		return c
	}
	m := &contact{id: c.id, created: c.created, updated: c.updated, written: c.written, props: map[string]string{}}
	for _, p := range append(genProps, c.gen.line) {
		if v, ok := c.gen.prop(c.id, p); ok {
			m.props[p] = v
		}
	}
	return m
}

// Generate adds n generated contacts, IDs 1 to n, seeded, and the two
// generated lists (GenListVIP, GenListNewsletter). It must be called
// before any contact is loaded or created, and once.
func (f *Fake) Generate(n int, seed uint64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.gen != nil || len(f.contacts) > 0 {
		return fmt.Errorf("hubspotfake: Generate goes first, and once")
	}
	f.gen = &generator{n: uint64(n), seed: seed, epoch: GenEpoch, line: f.cfg.LineUserIDProperty}
	f.nextID = uint64(n) + 1
	f.newList(GenListVIP, "MANUAL").genBit = genBitVIP
	f.newList(GenListNewsletter, "MANUAL").genBit = genBitNewsletter
	return nil
}

// GeneratedLineUserID returns the LINE user ID of generated contact id, as
// the fake serves it until the contact changes ("" when it has none).
func (f *Fake) GeneratedLineUserID(id uint64) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.gen == nil || id < 1 || id > f.gen.n {
		return ""
	}
	return f.gen.lineUserID(id)
}
