package demo_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/demo"
)

var testNow = time.Date(2026, 11, 28, 9, 30, 15, 500, time.FixedZone("JST", 9*3600))

func generate(t testing.TB, opt demo.Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := demo.WriteFriends(&buf, opt); err != nil {
		t.Fatalf("WriteFriends: %v", err)
	}
	return buf.Bytes()
}

type checkoutLine struct {
	ID          *string `json:"id"`
	UpdatedAt   *string `json:"updated_at"`
	CompletedAt *string `json:"completed_at"`
}

type friendLine struct {
	LineUserID  *string  `json:"line_user_id"`
	DisplayName *string  `json:"display_name"`
	AddedAt     *string  `json:"added_at"`
	Status      *string  `json:"status"`
	Tags        []string `json:"tags"`
	Shopify     *struct {
		CustomerID  *string        `json:"customer_id"`
		Tags        []string       `json:"tags"`
		OrdersCount *int           `json:"orders_count"`
		LastOrderAt *string        `json:"last_order_at"`
		Checkouts   []checkoutLine `json:"checkouts"`
	} `json:"shopify"`
	HubSpot *struct {
		ContactID  *string                    `json:"contact_id"`
		Segments   []string                   `json:"segments"`
		Properties map[string]json.RawMessage `json:"properties"`
	} `json:"hubspot"`
	Klaviyo *struct {
		ProfileID  *string                    `json:"profile_id"`
		Lists      []string                   `json:"lists"`
		Properties map[string]json.RawMessage `json:"properties"`
	} `json:"klaviyo"`
}

// parseLines decodes every line strictly: a key the import format does not
// define would be refused by the importer, so it fails here too.
func parseLines(t *testing.T, data []byte) []friendLine {
	t.Helper()
	var out []friendLine
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		var f friendLine
		if err := dec.Decode(&f); err != nil {
			t.Fatalf("line %d: %v\n%s", n, err, sc.Bytes())
		}
		if dec.More() {
			t.Fatalf("line %d: trailing data", n)
		}
		out = append(out, f)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDeterministic(t *testing.T) {
	opt := demo.Options{Friends: 3000, Seed: 7, Now: testNow}
	a := generate(t, opt)
	b := generate(t, opt)
	if !bytes.Equal(a, b) {
		t.Fatal("two runs with the same options differ")
	}
	opt.Seed = 8
	if bytes.Equal(a, generate(t, opt)) {
		t.Fatal("a different seed gave the same output")
	}
	opt.Seed = 7
	opt.Now = testNow.Add(24 * time.Hour)
	if bytes.Equal(a, generate(t, opt)) {
		t.Fatal("a different Now gave the same output")
	}
	// The instant matters, not the location it is expressed in.
	if !bytes.Equal(a, generate(t, demo.Options{Friends: 3000, Seed: 7, Now: testNow.UTC()})) {
		t.Fatal("the same instant in another location gave different output")
	}
}

func TestPrefixStable(t *testing.T) {
	// Generating more friends must not change the first ones, so a small demo
	// is a prefix of a large one.
	small := generate(t, demo.Options{Friends: 100, Seed: 3, Now: testNow})
	large := generate(t, demo.Options{Friends: 1000, Seed: 3, Now: testNow})
	if !bytes.HasPrefix(large, small) {
		t.Fatal("100 friends are not a prefix of 1000 friends")
	}
}

func TestOptionsErrors(t *testing.T) {
	var buf bytes.Buffer
	if err := demo.WriteFriends(&buf, demo.Options{Friends: 0, Now: testNow}); err != nil || buf.Len() != 0 {
		t.Fatalf("zero friends: err %v, %d bytes", err, buf.Len())
	}
	if err := demo.WriteFriends(&buf, demo.Options{Friends: 10}); err == nil {
		t.Fatal("zero Now was accepted")
	}
	if err := demo.WriteFriends(&buf, demo.Options{Friends: -1, Now: testNow}); err == nil {
		t.Fatal("negative Friends was accepted")
	}
}

type failWriter struct{ n int }

var errFail = errors.New("disk full")

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n <= 0 {
		return 0, errFail
	}
	w.n--
	return len(p), nil
}

func TestWriteError(t *testing.T) {
	err := demo.WriteFriends(&failWriter{n: 1}, demo.Options{Friends: 100000, Now: testNow})
	if !errors.Is(err, errFail) {
		t.Fatalf("got %v, want the writer's error", err)
	}
}

var (
	userIDRe    = regexp.MustCompile(`^U[0-9a-f]{32}$`)
	ulidRe      = regexp.MustCompile(`^[0-7][0-9A-HJKMNP-TV-Z]{25}$`)
	digitsRe    = regexp.MustCompile(`^[1-9][0-9]*$`)
	dateOnlyRe  = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	asciiOnlyRe = regexp.MustCompile(`^[\x00-\x7f]*$`)
)

func mustTime(t *testing.T, what, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("%s %q: %v", what, s, err)
	}
	if tm.After(testNow) {
		t.Fatalf("%s %s is after Now %s", what, s, testNow)
	}
	return tm
}

// daysSince is the spec's calendar-day distance in Asia/Tokyo.
func daysSince(tm time.Time) int {
	jst := time.FixedZone("JST", 9*3600)
	y, m, d := tm.In(jst).Date()
	ny, nm, nd := testNow.In(jst).Date()
	a := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	b := time.Date(ny, nm, nd, 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a) / (24 * time.Hour))
}

func unique(t *testing.T, seen map[string]bool, what string, s *string) {
	t.Helper()
	if s == nil {
		t.Fatalf("%s is missing", what)
	}
	if seen[*s] {
		t.Fatalf("%s %q is not unique", what, *s)
	}
	seen[*s] = true
}

func TestLinesAndProportions(t *testing.T) {
	const n = 20000
	lines := parseLines(t, generate(t, demo.Options{Friends: n, Seed: 1, Now: testNow}))
	if len(lines) != n {
		t.Fatalf("got %d lines, want %d", len(lines), n)
	}
	tagNames := demo.TagNames()
	ids, customers, contacts, profiles, checkoutIDs := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	var (
		shop, hub, kla, blocked, added7, zOffset, ascii                             int
		abandoned, abandoned24, abandoned72, repeat, dormant90, noOrders, completed int
		tagCount                                                                    [4]int
	)
	for i, f := range lines {
		unique(t, ids, "line_user_id", f.LineUserID)
		if !userIDRe.MatchString(*f.LineUserID) {
			t.Fatalf("line %d: line_user_id %q", i+1, *f.LineUserID)
		}
		if f.DisplayName == nil || *f.DisplayName == "" {
			t.Fatalf("line %d: no display_name", i+1)
		}
		if asciiOnlyRe.MatchString(*f.DisplayName) {
			ascii++
		}
		if f.AddedAt == nil {
			t.Fatalf("line %d: no added_at", i+1)
		}
		added := mustTime(t, "added_at", *f.AddedAt)
		if testNow.Sub(added) > 3*366*24*time.Hour {
			t.Fatalf("line %d: added_at %s is more than three years ago", i+1, *f.AddedAt)
		}
		if daysSince(added) <= 6 {
			added7++
		}
		if (*f.AddedAt)[len(*f.AddedAt)-1] == 'Z' {
			zOffset++
		}
		switch {
		case f.Status == nil:
			t.Fatalf("line %d: no status", i+1)
		case *f.Status == "blocked":
			blocked++
		case *f.Status != "following":
			t.Fatalf("line %d: status %q", i+1, *f.Status)
		}
		for _, tag := range f.Tags {
			if !slices.Contains(tagNames, tag) {
				t.Fatalf("line %d: tag %q is not in TagNames", i+1, tag)
			}
		}
		tagCount[min(len(f.Tags), 3)]++

		if s := f.Shopify; s != nil {
			shop++
			unique(t, customers, "shopify.customer_id", s.CustomerID)
			if !digitsRe.MatchString(*s.CustomerID) {
				t.Fatalf("line %d: customer_id %q", i+1, *s.CustomerID)
			}
			if s.OrdersCount == nil || *s.OrdersCount < 0 || *s.OrdersCount > 60 {
				t.Fatalf("line %d: orders_count %v", i+1, s.OrdersCount)
			}
			if s.Tags == nil || s.Checkouts == nil || len(s.Checkouts) > 3 {
				t.Fatalf("line %d: shopify tags %v, checkouts %v", i+1, s.Tags, s.Checkouts)
			}
			var last *time.Time
			if *s.OrdersCount == 0 {
				noOrders++
				if s.LastOrderAt != nil {
					t.Fatalf("line %d: no orders but last_order_at %s", i+1, *s.LastOrderAt)
				}
			} else {
				if s.LastOrderAt == nil {
					t.Fatalf("line %d: %d orders but no last_order_at", i+1, *s.OrdersCount)
				}
				tm := mustTime(t, "last_order_at", *s.LastOrderAt)
				last = &tm
				if daysSince(tm) >= 90 {
					dormant90++
				}
			}
			if *s.OrdersCount >= 3 {
				repeat++
			}
			// The spec's abandoned cart (section 3): open, and no order since.
			var abandonedAt *time.Time
			for _, c := range s.Checkouts {
				unique(t, checkoutIDs, "checkout id", c.ID)
				if c.UpdatedAt == nil {
					t.Fatalf("line %d: checkout without updated_at", i+1)
				}
				upd := mustTime(t, "checkout updated_at", *c.UpdatedAt)
				if c.CompletedAt != nil {
					completed++
					mustTime(t, "checkout completed_at", *c.CompletedAt)
					continue
				}
				if last == nil || last.Before(upd) {
					if abandonedAt == nil || upd.After(*abandonedAt) {
						abandonedAt = &upd
					}
				}
			}
			if abandonedAt != nil {
				abandoned++
				h := testNow.Sub(*abandonedAt).Hours()
				if h < 24 {
					abandoned24++
				}
				if h < 72 {
					abandoned72++
				}
			}
		}
		if h := f.HubSpot; h != nil {
			hub++
			unique(t, contacts, "hubspot.contact_id", h.ContactID)
			if h.Segments == nil || len(h.Segments) > 3 {
				t.Fatalf("line %d: hubspot segments %v", i+1, h.Segments)
			}
			if cd, ok := h.Properties["createdate"]; ok {
				var s string
				if err := json.Unmarshal(cd, &s); err != nil {
					t.Fatalf("line %d: createdate %s", i+1, cd)
				}
				if !dateOnlyRe.MatchString(s) {
					mustTime(t, "createdate", s)
				}
			}
		}
		if k := f.Klaviyo; k != nil {
			kla++
			unique(t, profiles, "klaviyo.profile_id", k.ProfileID)
			if !ulidRe.MatchString(*k.ProfileID) {
				t.Fatalf("line %d: profile_id %q", i+1, *k.ProfileID)
			}
			if k.Lists == nil {
				t.Fatalf("line %d: klaviyo lists missing", i+1)
			}
			if b, ok := k.Properties["birthday"]; ok {
				var s string
				if err := json.Unmarshal(b, &s); err != nil {
					t.Fatal(err)
				}
				if _, err := time.Parse(time.DateOnly, s); err != nil {
					t.Fatalf("line %d: birthday %q: %v", i+1, s, err)
				}
			}
		}
	}

	pct := func(k, of int) float64 { return 100 * float64(k) / float64(of) }
	t.Logf("shopify %.1f%%, hubspot %.1f%%, klaviyo %.1f%%, blocked %.1f%%, added in 7 days %.2f%%, added_at in Z %.1f%%, ASCII display names %.1f%%",
		pct(shop, n), pct(hub, n), pct(kla, n), pct(blocked, n), pct(added7, n), pct(zOffset, n), pct(ascii, n))
	t.Logf("of Shopify customers: abandoned cart %.1f%% (24 h %d, 72 h %d), 0 orders %.1f%%, 3+ orders %.1f%%, last order 90+ days ago %.1f%%, completed checkouts %d",
		pct(abandoned, shop), abandoned24, abandoned72, pct(noOrders, shop), pct(repeat, shop), pct(dormant90, shop), completed)
	t.Logf("friend tags per friend: 0: %.1f%%, 1: %.1f%%, 2: %.1f%%, 3+: %.1f%%",
		pct(tagCount[0], n), pct(tagCount[1], n), pct(tagCount[2], n), pct(tagCount[3], n))

	within := func(what string, k int, lo, hi float64) {
		t.Helper()
		if p := pct(k, n); p < lo || p > hi {
			t.Errorf("%s: %.2f%% of friends, want %.0f-%.0f%%", what, p, lo, hi)
		}
	}
	within("Shopify", shop, 55, 65)
	within("HubSpot", hub, 25, 35)
	within("Klaviyo", kla, 35, 45)
	within("blocked", blocked, 2, 6)
	within("added within 7 days", added7, 0.5, 3)
	if p := pct(abandoned, shop); p < 8 || p > 17 {
		t.Errorf("abandoned carts: %.1f%% of Shopify customers", p)
	}
	if abandoned24 == 0 || abandoned72 <= abandoned24 {
		t.Errorf("abandoned in 24 h: %d, in 72 h: %d", abandoned24, abandoned72)
	}
	if repeat == 0 || dormant90 == 0 || completed == 0 || zOffset == 0 {
		t.Errorf("repeat buyers %d, dormant customers %d, completed checkouts %d, Z offsets %d", repeat, dormant90, completed, zOffset)
	}
	if p := pct(tagCount[0]+tagCount[1]+tagCount[2], n); p < 95 {
		t.Errorf("only %.1f%% of friends have 0-2 tags", p)
	}
}

type catalog struct {
	HubSpot *struct {
		Segments   []idName   `json:"segments"`
		Properties []property `json:"properties"`
	} `json:"hubspot"`
	Klaviyo *struct {
		Lists      []idName   `json:"lists"`
		Properties []property `json:"properties"`
	} `json:"klaviyo"`
}

type idName struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type property struct {
	Name    string `json:"name"`
	Label   string `json:"label"`
	Type    string `json:"type"`
	Options []struct {
		Value string `json:"value"`
		Label string `json:"label"`
	} `json:"options"`
}

func TestCatalogCoversData(t *testing.T) {
	raw := demo.Catalog()
	if !json.Valid(raw) {
		t.Fatal("Catalog() is not valid JSON")
	}
	var c catalog
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		t.Fatal(err)
	}
	if c.HubSpot == nil || c.Klaviyo == nil {
		t.Fatal("catalog lacks hubspot or klaviyo")
	}
	segs, lists := map[string]bool{}, map[string]bool{}
	for _, s := range c.HubSpot.Segments {
		if s.ID == "" || s.Name == "" || segs[s.ID] {
			t.Fatalf("bad or repeated segment %+v", s)
		}
		segs[s.ID] = true
	}
	for _, l := range c.Klaviyo.Lists {
		if l.ID == "" || l.Name == "" || lists[l.ID] {
			t.Fatalf("bad or repeated list %+v", l)
		}
		lists[l.ID] = true
	}
	props := func(ps []property) map[string]property {
		m := map[string]property{}
		for _, p := range ps {
			switch p.Type {
			case "string", "number", "bool", "date", "days_since":
			default:
				t.Fatalf("property %s has type %q", p.Name, p.Type)
			}
			if p.Name == "" || p.Label == "" {
				t.Fatalf("property %+v lacks a name or label", p)
			}
			m[p.Name] = p
		}
		return m
	}
	hubProps, klaProps := props(c.HubSpot.Properties), props(c.Klaviyo.Properties)
	for _, name := range []string{"lifecyclestage", "hs_lead_status"} {
		if len(hubProps[name].Options) == 0 {
			t.Errorf("hubspot property %s has no options", name)
		}
	}

	checkValue := func(system, name string, v json.RawMessage, ps map[string]property) {
		t.Helper()
		p, ok := ps[name]
		if !ok {
			t.Fatalf("%s property %q is not in the catalog", system, name)
		}
		if len(p.Options) == 0 {
			return
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			t.Fatalf("%s property %s = %s is not a string", system, name, v)
		}
		for _, o := range p.Options {
			if o.Value == s {
				return
			}
		}
		t.Fatalf("%s property %s = %q is not among its options", system, name, s)
	}
	usedSegs, usedLists := map[string]bool{}, map[string]bool{}
	for _, f := range parseLines(t, generate(t, demo.Options{Friends: 20000, Seed: 42, Now: testNow})) {
		if h := f.HubSpot; h != nil {
			for _, s := range h.Segments {
				if !segs[s] {
					t.Fatalf("hubspot segment %q is not in the catalog", s)
				}
				usedSegs[s] = true
			}
			for name, v := range h.Properties {
				checkValue("hubspot", name, v, hubProps)
			}
		}
		if k := f.Klaviyo; k != nil {
			for _, l := range k.Lists {
				if !lists[l] {
					t.Fatalf("klaviyo list %q is not in the catalog", l)
				}
				usedLists[l] = true
			}
			for name, v := range k.Properties {
				checkValue("klaviyo", name, v, klaProps)
			}
		}
	}
	// Every catalog entry is used, so a picker in the demo never offers an
	// empty choice.
	if len(usedSegs) != len(segs) || len(usedLists) != len(lists) {
		t.Errorf("used %d of %d segments and %d of %d lists", len(usedSegs), len(segs), len(usedLists), len(lists))
	}
}

func TestTagNamesAllUsed(t *testing.T) {
	names := demo.TagNames()
	if len(names) == 0 {
		t.Fatal("no tag names")
	}
	used := map[string]int{}
	for _, f := range parseLines(t, generate(t, demo.Options{Friends: 20000, Seed: 5, Now: testNow})) {
		for _, tag := range f.Tags {
			used[tag]++
		}
	}
	for _, name := range names {
		if used[name] == 0 {
			t.Errorf("tag %q is never emitted", name)
		}
	}
	// TagNames returns a copy, so a caller cannot change the generator.
	names[0] = "changed"
	if demo.TagNames()[0] == "changed" {
		t.Error("TagNames exposes its backing array")
	}
}

func BenchmarkWriteFriends(b *testing.B) {
	const n = 100000
	opt := demo.Options{Friends: n, Seed: 1, Now: testNow}
	b.SetBytes(int64(len(generate(b, opt))))
	b.ReportAllocs()
	for b.Loop() {
		if err := demo.WriteFriends(io.Discard, opt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// TestSuiteFiltersParse keeps the benchmark suite valid and its tags real.
func TestSuiteFiltersParse(t *testing.T) {
	tags := map[string]bool{}
	for _, n := range demo.TagNames() {
		tags[n] = true
	}
	if len(demo.Suite) < 10 {
		t.Fatalf("the suite has %d filters, want at least 10", len(demo.Suite))
	}
	for _, s := range demo.Suite {
		f, err := kizuna.ParseFilter([]byte(s.Filter))
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		if err := f.CheckTags(func(n string) bool { return tags[n] }); err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
	}
}
