// Package demo generates a deterministic, realistic demo account: the LINE
// friends of "Hanami Cosmetics", a Japanese direct-to-consumer cosmetics shop,
// linked to Shopify customers, HubSpot contacts and Klaviyo profiles.
//
// The output is the import format of the segments spec (section 5) and the
// matching catalog (section 7). Every instant in the data is placed relative to
// Options.Now, so a demo generated today looks as fresh as one generated a year
// ago, and the same options always give the same bytes.
//
// The generator draws only integers from its random source: floating-point
// results may differ in the last bit between platforms (fused multiply-add,
// assembly math routines), which would break byte-identical output.
package demo

import (
	"bufio"
	"errors"
	"io"
	"math/rand/v2"
	"time"
)

// Options controls generation. Now is the reference instant: every time in the
// data is placed relative to it, so the demo looks fresh whenever it is
// generated. The same Seed, Friends and Now give byte-identical output.
type Options struct {
	Friends int       // number of NDJSON lines
	Seed    int64     // used as given; zero is a seed like any other
	Now     time.Time // reference instant; must not be zero
}

const (
	day      = 86400
	jstShift = 9 * 3600
	// historyDays is how far back the shop's LINE account goes.
	historyDays = 3 * 365
)

// WriteFriends streams opt.Friends NDJSON lines (spec section 5) to w. Memory
// use does not grow with opt.Friends: each line is built in a reused buffer and
// the random source is consumed sequentially.
func WriteFriends(w io.Writer, opt Options) error {
	if opt.Friends < 0 {
		return errors.New("demo: Friends must not be negative")
	}
	if opt.Now.IsZero() {
		return errors.New("demo: Now must be set")
	}
	// Four-digit years keep every timestamp valid RFC 3339.
	if y := opt.Now.Year(); y < 1900 || y > 9999 {
		return errors.New("demo: Now must be between the years 1900 and 9999")
	}
	g := newGenerator(opt)
	bw := bufio.NewWriterSize(w, 256<<10)
	for i := 0; i < opt.Friends; i++ {
		g.friend(uint64(i))
		g.buf = g.appendFriend(g.buf[:0])
		if _, err := bw.Write(g.buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// stamp is an instant together with the way its source system writes it.
type stamp struct {
	sec   int64 // Unix seconds
	ms    int32 // milliseconds, written only by styleZMillis
	style uint8
}

const (
	styleJST       uint8 = iota // 2026-11-20T19:00:00+09:00 (LINE, Shopify in a Japanese shop)
	styleZ                      // 2026-11-20T10:00:00Z
	styleZMillis                // 2026-11-20T10:00:00.123Z (HubSpot)
	styleUTCOffset              // 2026-11-20T10:00:00+00:00 (Klaviyo)
	styleDate                   // 2026-11-20, the calendar date in Japan
)

type checkout struct {
	id        uint64
	updated   stamp
	completed stamp
	done      bool
}

// friend is the record being generated. It is reused from line to line so that
// generation does not allocate.
type friend struct {
	idHi, idLo uint64
	name       []byte
	japanese   bool
	// romaji parts of the name, for e-mail addresses.
	romFirst, romLast string

	addedDays int
	added     stamp
	blocked   bool
	tags      [numTags]bool

	shop       bool
	customerID uint64
	shopTags   []string
	orders     int
	last       stamp
	lastDays   int
	checkouts  [3]checkout
	nCheckouts int
	abandoned  bool
	wholesale  bool

	hub          bool
	contactID    uint64
	segments     [len(hubspotSegments)]bool
	lifecycle    string
	leadStatus   string
	company      *company
	email        []byte
	employees    int
	employeesStr bool
	createdate   stamp
	contacted    bool
	contactedAt  stamp

	kla        bool
	profileID  [26]byte
	lists      [len(klaviyoLists)]bool
	plan       string
	points     int
	birthday   bool
	by, bm, bd int
	lastOpen   bool
	lastOpenAt stamp
	accepts    bool
	favorite   string
}

type generator struct {
	r        *rand.Rand
	seedKey  uint64
	now      int64 // Unix seconds, truncated so that nothing lands after Now
	midnight int64 // start of today in Japan, Unix seconds
	nowYear  int
	addedCum []int64 // cumulative weight of "added N days ago"
	buf      []byte
	f        friend
}

func newGenerator(opt Options) *generator {
	seed := uint64(opt.Seed)
	g := &generator{
		r:       rand.New(rand.NewPCG(seed, 0x4b697a756e612121)), // "Kizuna!!"
		seedKey: mix64(seed ^ 0x9e3779b97f4a7c15),
		now:     opt.Now.Unix(),
		buf:     make([]byte, 0, 2048),
	}
	g.midnight = floorDiv(g.now+jstShift, day)*day - jstShift
	g.nowYear, _, _ = civil(floorDiv(g.now+jstShift, day))
	g.addedCum = addedWeights(g.midnight)
	g.f.name = make([]byte, 0, 64)
	g.f.email = make([]byte, 0, 64)
	g.f.shopTags = make([]string, 0, 8)
	return g
}

// addedWeights returns the cumulative weights of a friend having been added d
// days before today, for d in [0, historyDays]. The account grows about 5x over
// three years (so 1-2% of friends are from the last week), weekends bring a
// few more friends, and the New Year and summer sales bring bursts.
func addedWeights(midnight int64) []int64 {
	cum := make([]int64, historyDays+1)
	w := int64(1_000_000_000)
	var total int64
	today := floorDiv(midnight+jstShift, day)
	for d := 0; d <= historyDays; d++ {
		x := w
		date := today - int64(d)
		_, m, dd := civil(date)
		// 1970-01-01 was a Thursday; 2 and 3 are Saturday and Sunday.
		if wd := ((date % 7) + 7) % 7; wd == 2 || wd == 3 {
			x = x * 115 / 100
		}
		switch {
		case m == 1 && dd <= 3:
			x *= 2
		case m == 7 && dd <= 5:
			x = x * 16 / 10
		case m == 11 && dd >= 24 && dd <= 30:
			x = x * 13 / 10
		}
		total += x
		cum[d] = total
		w = w * 998540 / 1000000
	}
	return cum
}

// hourWeights is when Japanese LINE users act: lunch and late evening.
var hourWeights = [24]int{3, 2, 1, 1, 1, 1, 2, 4, 5, 5, 5, 6, 9, 7, 5, 5, 5, 6, 7, 9, 11, 12, 10, 6}

var hourCum = func() (c [24]int) {
	s := 0
	for h, w := range hourWeights {
		s += w
		c[h] = s
	}
	return c
}()

func (g *generator) n(k int) int { return g.r.IntN(k) }

// chance reports true with probability perMille/1000.
func (g *generator) chance(perMille int) bool { return g.r.IntN(1000) < perMille }

// lowSkew returns a number in [0, k) with a linearly falling density, for
// quantities where small values are common and large ones rare.
func (g *generator) lowSkew(k int) int { return min(g.r.IntN(k), g.r.IntN(k)) }

func (g *generator) secondOfDay() int64 {
	x := g.n(hourCum[23])
	h := 0
	for hourCum[h] <= x {
		h++
	}
	return int64(h*3600 + g.n(3600))
}

// dayTime returns a time of day, Japanese habits, daysAgo calendar days before
// today in Japan, never after now.
func (g *generator) dayTime(daysAgo int) int64 {
	t := g.midnight - int64(daysAgo)*day + g.secondOfDay()
	if t > g.now {
		t = g.midnight + g.r.Int64N(g.now-g.midnight+1)
	}
	return t
}

func (g *generator) addedDaysAgo() int {
	x := g.r.Int64N(g.addedCum[len(g.addedCum)-1])
	lo, hi := 0, len(g.addedCum)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if g.addedCum[mid] > x {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// friend generates friend number i into g.f. Sections are generated in
// dependency order (purchases drive CRM and e-mail data, all of them drive the
// friend tags) so that the links between systems are plausible.
func (g *generator) friend(i uint64) {
	f := &g.f
	f.idHi = mix64(i + g.seedKey)
	f.idLo = mix64(f.idHi ^ 0xd6e8feb86659fd93)
	g.name()

	f.addedDays = g.addedDaysAgo()
	f.added = stamp{sec: g.dayTime(f.addedDays), style: styleJST}
	if g.chance(120) {
		f.added.style = styleZ
	}
	// Old friends have had more time to block the account.
	f.blocked = g.chance(25 + 45*f.addedDays/historyDays)

	f.shop = g.chance(600)
	if f.shop {
		g.shopify(i)
	} else {
		f.orders, f.lastDays, f.abandoned, f.wholesale = 0, -1, false, false
	}

	hubChance := 180
	switch {
	case f.wholesale:
		hubChance = 850
	case f.shop:
		hubChance = 380
	}
	f.hub = g.chance(hubChance)
	if f.hub {
		g.hubspot(i)
	}

	klaChance := 250
	if f.shop {
		klaChance = 500
	}
	f.kla = g.chance(klaChance)
	if f.kla {
		g.klaviyo(i)
	}
	g.friendTags()
}

func (g *generator) name() {
	f := &g.f
	b := f.name[:0]
	f.japanese = g.chance(750)
	female := g.chance(800)
	if f.japanese {
		var gv jaGiven
		if female {
			gv = jaGivenFemale[g.n(len(jaGivenFemale))]
		} else {
			gv = jaGivenMale[g.n(len(jaGivenMale))]
		}
		sn := jaSurnames[g.n(len(jaSurnames))]
		f.romFirst, f.romLast = gv.romaji, sn.romaji
		switch x := g.n(100); {
		case x < 34:
			b = append(b, sn.kanji...)
			switch y := g.n(20); {
			case y < 13:
				b = append(b, ' ')
			case y < 15:
				b = append(b, "　"...)
			}
			b = append(b, gv.kanji...)
		case x < 42:
			b = append(b, gv.kanji...)
		case x < 46:
			b = append(b, sn.kanji...)
		case x < 65:
			b = append(b, gv.hira...)
		case x < 74:
			b = append(b, gv.kata...)
		case x < 81:
			b = append(b, gv.halfKata...)
		case x < 89:
			b = appendCapitalized(b, gv.romaji)
		case x < 93:
			b = append(b, gv.romaji...)
			b = append(b, '_')
			b = appendInt(b, 1+g.n(12))
			b = appendPad2(b, 1+g.n(28))
		default:
			b = appendCapitalized(b, gv.romaji)
			b = append(b, ' ')
			b = append(b, sn.romaji[0]-'a'+'A', '.')
		}
	} else {
		var first string
		if female {
			first = enGivenFemale[g.n(len(enGivenFemale))]
		} else {
			first = enGivenMale[g.n(len(enGivenMale))]
		}
		last := enSurnames[g.n(len(enSurnames))]
		f.romFirst, f.romLast = first, last
		switch x := g.n(100); {
		case x < 40:
			b = append(b, first...)
		case x < 72:
			b = append(b, first...)
			b = append(b, ' ')
			b = append(b, last...)
		case x < 85:
			b = append(b, first...)
			b = append(b, ' ', last[0], '.')
		case x < 97:
			b = appendLower(b, first)
		default:
			b = appendUpper(b, first)
		}
	}
	if g.chance(70) {
		b = append(b, nameDecorations[g.n(len(nameDecorations))]...)
	}
	f.name = b
}

// Order counts: most customers bought once or never, a healthy core buys
// again, and a few fans have bought dozens of times.
func (g *generator) orderCount() int {
	switch x := g.n(1000); {
	case x < 250:
		return 0
	case x < 580:
		return 1
	case x < 720:
		return 2
	case x < 880:
		return 3 + g.n(3)
	case x < 960:
		return 6 + g.n(7)
	default:
		return 13 + g.lowSkew(28)
	}
}

func (g *generator) shopify(i uint64) {
	f := &g.f
	// 13-digit IDs like Shopify's; the stride keeps them unique.
	f.customerID = 6_800_000_000_000 + i*1009 + uint64(g.n(1009))
	f.orders = g.orderCount()
	style := styleJST
	if g.chance(100) {
		style = styleZ
	}
	f.lastDays = -1
	if f.orders > 0 {
		dormant := 150
		switch {
		case f.orders == 1:
			dormant = 550
		case f.orders <= 5:
			dormant = 380
		}
		if g.chance(dormant) {
			f.lastDays = 90 + g.lowSkew(900)
		} else {
			f.lastDays = g.n(90)
		}
		f.last = stamp{sec: g.dayTime(f.lastDays), style: style}
	}

	f.nCheckouts = 0
	abandonChance := 90
	if f.orders == 0 {
		abandonChance = 230
	}
	f.abandoned = g.chance(abandonChance)
	if f.abandoned {
		// Within the last two weeks, most recent most likely, so that the
		// "abandoned in the last 24 hours" reminder has an audience.
		at := g.now - 60 - int64(g.lowSkew(14*day))
		if f.orders > 0 && f.last.sec >= at {
			// The cart was left after the last order, not before it.
			f.last.sec = at - 7200 - int64(g.n(30*day))
			f.lastDays = int(floorDiv(g.midnight+day-1-f.last.sec, day))
		}
		g.addCheckout(i, stamp{sec: at, style: style}, stamp{}, false)
	}
	if f.orders > 0 {
		if g.chance(450) {
			upd := min(f.last.sec+int64(g.n(90)), g.now)
			g.addCheckout(i, stamp{sec: upd, style: style}, f.last, true)
		}
		// A cart left and then bought anyway: not abandoned, and a good test
		// that the reminder segment does not nag people who already paid.
		if g.chance(120) {
			upd := f.last.sec - 3600 - int64(g.n(10*day))
			g.addCheckout(i, stamp{sec: upd, style: style}, stamp{}, false)
		}
		if f.orders >= 2 && g.chance(150) {
			done := f.last.sec - int64(7+g.n(200))*day
			g.addCheckout(i, stamp{sec: done + int64(g.n(60)), style: style}, stamp{sec: done, style: style}, true)
		}
	}
	// Most recently updated first, as the Shopify admin lists them.
	c := f.checkouts[:f.nCheckouts]
	for a := 1; a < len(c); a++ {
		for b := a; b > 0 && c[b].updated.sec > c[b-1].updated.sec; b-- {
			c[b], c[b-1] = c[b-1], c[b]
		}
	}

	tags := f.shopTags[:0]
	switch {
	case f.orders >= 8 && g.chance(650), f.orders >= 5 && g.chance(150):
		// Staff typed this tag by hand for years, so its spelling varies.
		switch x := g.n(100); {
		case x < 60:
			tags = append(tags, "vip")
		case x < 85:
			tags = append(tags, "VIP")
		case x < 93:
			tags = append(tags, "Vip")
		case x < 97:
			tags = append(tags, "Ｖｉｐ")
		default:
			tags = append(tags, "ＶＩＰ")
		}
	}
	if f.orders >= 3 && g.chance(350) {
		tags = append(tags, "リピーター")
	}
	if (f.orders >= 2 && g.chance(120)) || g.chance(15) {
		tags = append(tags, "定期購入")
	}
	f.wholesale = f.orders >= 1 && g.chance(15)
	if f.wholesale {
		if g.chance(700) {
			tags = append(tags, "wholesale")
		} else {
			tags = append(tags, "Wholesale")
		}
	}
	if f.orders >= 1 && g.chance(150) {
		tags = append(tags, "sale-2025")
	}
	if g.chance(180) {
		tags = append(tags, "newsletter")
	}
	f.shopTags = tags
}

func (g *generator) addCheckout(i uint64, updated, completed stamp, done bool) {
	f := &g.f
	n := f.nCheckouts
	if n == len(f.checkouts) {
		return
	}
	// Unique per friend and slot: the low bits hold the slot and a random part.
	f.checkouts[n] = checkout{
		id:        31_000_000_000_000 + i*16 + uint64(n*4+g.n(4)),
		updated:   updated,
		completed: completed,
		done:      done,
	}
	f.nCheckouts++
}

func (g *generator) hubspot(i uint64) {
	f := &g.f
	f.contactID = 1_000_000 + i*7 + uint64(g.n(7))

	// Individuals who signed up at a pop-up have no company; salons,
	// retailers and distributors do.
	f.company = nil
	f.employees = 0
	companyChance := 450
	if f.wholesale {
		companyChance = 950
	}
	if g.chance(companyChance) {
		switch x := g.n(100); {
		case x < 55:
			f.company = &smallCompanies[g.n(len(smallCompanies))]
			f.employees = 1 + g.lowSkew(49)
		case x < 85:
			f.company = &midCompanies[g.n(len(midCompanies))]
			f.employees = 50 + g.n(250)
		default:
			f.company = &largeCompanies[g.n(len(largeCompanies))]
			f.employees = 300 + g.lowSkew(20000)
		}
		f.employeesStr = g.chance(150)
	}

	f.lifecycle, f.leadStatus = "", ""
	switch {
	case f.orders >= 8:
		f.lifecycle = g.pick(350, "evangelist", "customer")
	case f.orders >= 1:
		switch x := g.n(100); {
		case x < 88:
			f.lifecycle = "customer"
		case x < 92:
			f.lifecycle = "evangelist"
		default:
			f.lifecycle = "other"
		}
	default:
		switch x := g.n(100); {
		case x < 34:
			f.lifecycle = "subscriber"
		case x < 64:
			f.lifecycle = "lead"
		case x < 77:
			f.lifecycle = "marketingqualifiedlead"
		case x < 85:
			f.lifecycle = "salesqualifiedlead"
		case x < 91:
			f.lifecycle = "opportunity"
		default:
			f.lifecycle = "other"
		}
	}
	statusChance := 700
	if f.orders > 0 {
		statusChance = 250
	}
	if g.chance(statusChance) {
		switch x := g.n(100); {
		case x < 25:
			f.leadStatus = "NEW"
		case x < 45:
			f.leadStatus = "OPEN"
		case x < 60:
			f.leadStatus = "IN_PROGRESS"
		case x < 72:
			f.leadStatus = "ATTEMPTED_TO_CONTACT"
		case x < 82:
			f.leadStatus = "CONNECTED"
		case x < 88:
			f.leadStatus = "OPEN_DEAL"
		case x < 96:
			f.leadStatus = "UNQUALIFIED"
		default:
			f.leadStatus = "BAD_TIMING"
		}
	}

	f.email = f.email[:0]
	if g.chance(960) {
		f.email = g.appendEmail(f.email)
	}

	cd := g.lowSkew(historyDays)
	f.createdate = stamp{sec: g.dayTime(cd), ms: int32(g.n(1000))}
	switch x := g.n(100); {
	case x < 60:
		f.createdate.style = styleZMillis
	case x < 78:
		f.createdate.style = styleZ
	default:
		f.createdate.style = styleDate
	}
	f.contacted = f.company != nil && g.chance(550)
	if f.contacted {
		f.contactedAt = stamp{sec: g.dayTime(g.lowSkew(min(cd, 400) + 1)), ms: int32(g.n(1000)), style: styleZMillis}
	}

	f.segments = [len(hubspotSegments)]bool{}
	if f.company != nil {
		if f.japanese {
			f.segments[segTradeShowJA] = g.chance(300)
		} else {
			f.segments[segTradeShowEN] = g.chance(300)
		}
		f.segments[segEnterprise] = f.employees >= 300 && g.chance(600)
	}
	f.segments[segNewsletter] = g.chance(350)
	f.segments[segWholesale] = (f.wholesale && g.chance(800)) || (f.company != nil && g.chance(60))
	if f.orders >= 2 && f.lastDays >= 90 {
		f.segments[segChurnRisk] = g.chance(450)
	} else {
		f.segments[segChurnRisk] = g.chance(20)
	}
	// HubSpot list memberships shown in a demo rarely exceed three.
	n := 0
	for s := range f.segments {
		if f.segments[s] {
			n++
			if n > 3 {
				f.segments[s] = false
			}
		}
	}
}

// pick returns yes with probability perMille/1000, otherwise no.
func (g *generator) pick(perMille int, yes, no string) string {
	if g.chance(perMille) {
		return yes
	}
	return no
}

func (g *generator) appendEmail(b []byte) []byte {
	f := &g.f
	switch x := g.n(4); x {
	case 0:
		b = appendLower(b, f.romFirst)
		b = append(b, '.')
		b = appendLower(b, f.romLast)
	case 1:
		b = appendLower(b, f.romFirst)
		b = appendInt(b, 1+g.n(99))
	case 2:
		b = appendLower(b, f.romFirst)
		b = append(b, '_')
		b = appendLower(b, f.romLast[:1])
		b = appendInt(b, 10+g.n(90))
	default:
		b = appendLower(b, f.romLast)
		b = append(b, '.')
		b = appendLower(b, f.romFirst)
		b = appendInt(b, 1970+g.n(37))
	}
	b = append(b, '@')
	if f.company != nil && g.chance(800) {
		return append(b, f.company.domain...)
	}
	return append(b, consumerDomains[g.n(len(consumerDomains))]...)
}

func (g *generator) klaviyo(i uint64) {
	f := &g.f
	switch o := f.orders; {
	case o >= 10:
		f.plan = g.pick(600, "platinum", "gold")
	case o >= 3:
		switch x := g.n(100); {
		case x < 5:
			f.plan = "free"
		case x < 40:
			f.plan = "silver"
		case x < 85:
			f.plan = "gold"
		default:
			f.plan = "platinum"
		}
	case o >= 1:
		switch x := g.n(100); {
		case x < 50:
			f.plan = "free"
		case x < 88:
			f.plan = "silver"
		case x < 98:
			f.plan = "gold"
		default:
			f.plan = "platinum"
		}
	default:
		switch x := g.n(100); {
		case x < 85:
			f.plan = "free"
		case x < 97:
			f.plan = "silver"
		default:
			f.plan = "gold"
		}
	}
	f.points = f.orders*(80+g.n(320)) + g.lowSkew(300)
	if f.plan == "platinum" {
		f.points += 2000 + g.n(3000)
	}

	f.birthday = g.chance(700)
	if f.birthday {
		age := 18 + g.n(15) + g.lowSkew(35)
		f.by = g.nowYear - age
		f.bm = 1 + g.n(12)
		f.bd = 1 + g.n(daysIn(f.by, f.bm))
	}

	f.accepts = g.chance(820)
	f.lastOpen = g.chance(780)
	if f.lastOpen {
		ago := g.lowSkew(120)
		if !f.accepts || g.chance(150) {
			ago = 120 + g.n(600)
		}
		f.lastOpenAt = stamp{sec: g.dayTime(ago), style: styleUTCOffset}
	}

	// A ULID: a 48-bit millisecond timestamp (the profile was created before
	// it opened any e-mail) and 80 bits of which 64 are a bijection of the
	// friend number, so profile IDs never collide.
	created := g.now - int64(g.lowSkew(historyDays*day))
	if f.lastOpen {
		created = min(created, f.lastOpenAt.sec-int64(g.n(60*day)))
	}
	hi := uint64(g.n(1 << 16))
	lo := mix64(i ^ g.seedKey ^ 0x5851f42d4c957f2d)
	encodeULID(&f.profileID, uint64(created)*1000+uint64(g.n(1000)), hi, lo)

	f.favorite = ""
	if g.chance(880) {
		switch x := g.n(100); {
		case x < 45:
			f.favorite = g.pick(850, "スキンケア", "Skincare")
		case x < 75:
			f.favorite = g.pick(850, "メイク", "Makeup")
		case x < 88:
			f.favorite = g.pick(900, "ヘアケア", "Fragrance")
		default:
			f.favorite = "Fragrance"
		}
		// English speakers filled in the English form.
		if !f.japanese && g.chance(800) {
			switch f.favorite {
			case "スキンケア":
				f.favorite = "Skincare"
			case "メイク":
				f.favorite = "Makeup"
			}
		}
	}

	f.lists = [len(klaviyoLists)]bool{}
	if f.accepts {
		if f.japanese {
			f.lists[listNewsletterJA] = g.chance(650)
			f.lists[listNewsletterEN] = g.chance(150)
		} else {
			f.lists[listNewsletterEN] = g.chance(700)
		}
	}
	vip := f.plan == "gold" || f.plan == "platinum"
	f.lists[listVIPEarly] = (vip && g.chance(600)) || g.chance(25)
	f.lists[listBackInStock] = g.chance(120)
	f.lists[listBirthday] = f.birthday && g.chance(300)
}

func (g *generator) friendTags() {
	f := &g.f
	t := &f.tags
	*t = [numTags]bool{}
	switch {
	case f.orders >= 10:
		t[tagVIP] = g.chance(700)
	case f.orders >= 5:
		t[tagVIP] = g.chance(200)
	default:
		t[tagVIP] = g.chance(3)
	}
	t[tagRepeater] = f.orders >= 3 && !t[tagVIP] && g.chance(450)
	t[tagNew] = (f.addedDays <= 30 && g.chance(550)) ||
		(f.orders == 1 && f.lastDays <= 30 && g.chance(250))
	t[tagDormant] = (f.orders > 0 && f.lastDays >= 180 && g.chance(400)) ||
		(!f.shop && f.addedDays > 365 && g.chance(40))
	tradeJA := f.hub && f.segments[segTradeShowJA]
	tradeEN := f.hub && f.segments[segTradeShowEN]
	if f.japanese {
		t[tagSeminarJA] = (tradeJA && g.chance(500)) || g.chance(30)
	} else {
		t[tagSeminarEN] = (tradeEN && g.chance(500)) || g.chance(40)
	}
	newsletter := f.kla && (f.lists[listNewsletterEN] || f.lists[listNewsletterJA])
	t[tagNewsletter] = (newsletter && g.chance(250)) || g.chance(15)
	t[tagCoupon] = g.chance(70)
	skincare := f.kla && (f.favorite == "スキンケア" || f.favorite == "Skincare")
	if skincare {
		t[tagSensitiveSkin] = g.chance(120)
	} else {
		t[tagSensitiveSkin] = g.chance(40)
	}
	t[tagDrySkin] = g.chance(40)
	t[tagPopUp] = g.chance(25)
	t[tagStaff] = g.chance(3)
}

// appendFriend writes g.f as one NDJSON line. The JSON is built by hand
// because encoding/json would allocate for every line; keys are written in the
// order of the spec's example.
func (g *generator) appendFriend(b []byte) []byte {
	f := &g.f
	b = append(b, `{"line_user_id":"U`...)
	b = appendHex64(b, f.idHi)
	b = appendHex64(b, f.idLo)
	b = append(b, `","display_name":`...)
	b = appendString(b, f.name)
	b = append(b, `,"added_at":`...)
	b = appendStamp(b, f.added)
	if f.blocked {
		b = append(b, `,"status":"blocked","tags":[`...)
	} else {
		b = append(b, `,"status":"following","tags":[`...)
	}
	first := true
	for k, on := range f.tags {
		if on {
			if !first {
				b = append(b, ',')
			}
			first = false
			b = appendString(b, tagNames[k])
		}
	}
	b = append(b, ']')

	if f.shop {
		b = append(b, `,"shopify":{"customer_id":"`...)
		b = appendUint(b, f.customerID)
		b = append(b, `","tags":[`...)
		for k, s := range f.shopTags {
			if k > 0 {
				b = append(b, ',')
			}
			b = appendString(b, s)
		}
		b = append(b, `],"orders_count":`...)
		b = appendInt(b, f.orders)
		b = append(b, `,"last_order_at":`...)
		if f.orders > 0 {
			b = appendStamp(b, f.last)
		} else {
			b = append(b, "null"...)
		}
		b = append(b, `,"checkouts":[`...)
		for k, c := range f.checkouts[:f.nCheckouts] {
			if k > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"id":"`...)
			b = appendUint(b, c.id)
			b = append(b, `","updated_at":`...)
			b = appendStamp(b, c.updated)
			b = append(b, `,"completed_at":`...)
			if c.done {
				b = appendStamp(b, c.completed)
			} else {
				b = append(b, "null"...)
			}
			b = append(b, '}')
		}
		b = append(b, "]}"...)
	}

	if f.hub {
		b = append(b, `,"hubspot":{"contact_id":"`...)
		b = appendUint(b, f.contactID)
		b = append(b, `","segments":[`...)
		first := true
		for k, on := range f.segments {
			if on {
				if !first {
					b = append(b, ',')
				}
				first = false
				b = appendString(b, hubspotSegments[k].ID)
			}
		}
		b = append(b, `],"properties":{"lifecyclestage":`...)
		b = appendString(b, f.lifecycle)
		if f.leadStatus != "" {
			b = append(b, `,"hs_lead_status":`...)
			b = appendString(b, f.leadStatus)
		}
		b = append(b, `,"company":`...)
		if f.company != nil {
			b = appendString(b, f.company.name)
			b = append(b, `,"num_employees":`...)
			if f.employeesStr {
				b = append(b, '"')
				b = appendInt(b, f.employees)
				b = append(b, '"')
			} else {
				b = appendInt(b, f.employees)
			}
		} else {
			b = append(b, `""`...)
		}
		if len(f.email) > 0 {
			b = append(b, `,"email":`...)
			b = appendString(b, f.email)
		}
		b = append(b, `,"createdate":`...)
		b = appendStamp(b, f.createdate)
		if f.contacted {
			b = append(b, `,"notes_last_contacted":`...)
			b = appendStamp(b, f.contactedAt)
		}
		b = append(b, "}}"...)
	}

	if f.kla {
		b = append(b, `,"klaviyo":{"profile_id":"`...)
		b = append(b, f.profileID[:]...)
		b = append(b, `","lists":[`...)
		first := true
		for k, on := range f.lists {
			if on {
				if !first {
					b = append(b, ',')
				}
				first = false
				b = appendString(b, klaviyoLists[k].ID)
			}
		}
		b = append(b, `],"properties":{"plan":`...)
		b = appendString(b, f.plan)
		b = append(b, `,"points":`...)
		b = appendInt(b, f.points)
		if f.birthday {
			b = append(b, `,"birthday":"`...)
			b = appendDate(b, f.by, f.bm, f.bd)
			b = append(b, '"')
		}
		if f.lastOpen {
			b = append(b, `,"last_open":`...)
			b = appendStamp(b, f.lastOpenAt)
		}
		if f.accepts {
			b = append(b, `,"accepts_marketing":true`...)
		} else {
			b = append(b, `,"accepts_marketing":false`...)
		}
		if f.favorite != "" {
			b = append(b, `,"favorite_category":`...)
			b = appendString(b, f.favorite)
		}
		b = append(b, "}}"...)
	}
	return append(b, "}\n"...)
}
