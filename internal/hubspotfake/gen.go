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

func (g *generator) contact(id uint64) *contact {
	h := g.hash(id)
	created := g.created(id)
	c := &contact{id: id, created: created,
		updated: created.Add(time.Duration(h>>24%(30*24*3600)) * time.Second),
		props: map[string]string{
			"email":          fmt.Sprintf("contact%d@example.com", id),
			"firstname":      firstNames[h%uint64(len(firstNames))],
			"lastname":       lastNames[(h>>4)%uint64(len(lastNames))],
			"lifecyclestage": lifecycleStages[(h>>8)%uint64(len(lifecycleStages))],
			"hs_lead_status": leadStatuses[(h>>12)%uint64(len(leadStatuses))],
			"total_revenue":  strconv.FormatUint((h>>16)%100000, 10),
		}}
	c.written = c.updated
	if u := g.lineUserID(id); u != "" {
		c.props[g.line] = u
	}
	return c
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
