//go:build ignore

// gen writes the agent's fixture account: friends.ndjson (the import format,
// spec 5), catalog.json (spec 7) and fixture.json (name, time zone, now).
// The same program always writes the same bytes:
//
//	cd testdata/agent/independent && go run gen.go
//
// The data is meant to make different readings of a goal give different
// member sets: added dates over two years with many in the last 30 days,
// friend tags in English and Japanese, about 10% blocked, Shopify (about
// 60%), HubSpot (about 40%) and Klaviyo (about 40%) with every property type.
package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"time"
)

const friends = 800

var (
	jst = time.FixedZone("JST", 9*3600)
	// now is the instant the goals are evaluated at.
	now = time.Date(2026, 12, 1, 12, 0, 0, 0, jst)
)

type line struct {
	LineUserID  string   `json:"line_user_id"`
	DisplayName string   `json:"display_name"`
	AddedAt     string   `json:"added_at"`
	Status      string   `json:"status"`
	Tags        []string `json:"tags"`
	Shopify     *shopify `json:"shopify,omitempty"`
	HubSpot     *contact `json:"hubspot,omitempty"`
	Klaviyo     *profile `json:"klaviyo,omitempty"`
}

type shopify struct {
	CustomerID  string     `json:"customer_id"`
	Tags        []string   `json:"tags"`
	OrdersCount int        `json:"orders_count"`
	LastOrderAt *string    `json:"last_order_at"`
	Checkouts   []checkout `json:"checkouts,omitempty"`
}

type checkout struct {
	ID          string  `json:"id"`
	UpdatedAt   string  `json:"updated_at"`
	CompletedAt *string `json:"completed_at"`
}

type contact struct {
	ContactID  string         `json:"contact_id"`
	Segments   []string       `json:"segments"`
	Properties map[string]any `json:"properties"`
}

type profile struct {
	ProfileID  string         `json:"profile_id"`
	Lists      []string       `json:"lists"`
	Properties map[string]any `json:"properties"`
}

var r = rand.New(rand.NewPCG(2026, 12))

func pct(p int) bool        { return r.IntN(100) < p }
func pick[T any](xs ...T) T { return xs[r.IntN(len(xs))] }

// at is the instant days ago at a random time of that day (JST), written
// in JST or in UTC as the sources do.
func at(daysAgo int, utc bool) (time.Time, string) {
	d := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, jst).AddDate(0, 0, -daysAgo)
	t := d.Add(time.Duration(r.IntN(24*60)) * time.Minute)
	if daysAgo == 0 && t.After(now) {
		t = now.Add(-time.Duration(r.IntN(600)+1) * time.Minute)
	}
	if utc {
		return t, t.UTC().Format(time.RFC3339)
	}
	return t, t.Format(time.RFC3339)
}

var (
	family = []string{"佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山田", "松本", "井上", "木村"}
	given  = []string{"愛子", "花子", "美咲", "陽菜", "結衣", "さくら", "翔太", "大輔", "健", "優子", "真理", "葵", "蓮", "拓海", "彩"}
	latin  = []string{"Emma", "Olivia", "Liam", "Noah", "Mia", "Aiko", "Ken", "Yuki", "Hana", "Sora", "Rin", "Mei"}
	cities = []string{"Tokyo", "Tokyo", "Tokyo", "tokyo", "Osaka", "Osaka", "OSAKA", "Fukuoka", "Nagoya", "Sapporo", "Yokohama", "Kyoto"}
	corps  = []string{"Sakura Tech", "Hikari Trading", "Aozora Tech Labs", "株式会社みどり商事", "丸山商事", "Kaze Design", "North Star Foods", "株式会社ひまわり", "TechNova Japan", "山田商店"}
)

func main() {
	f, err := os.Create("friends.ndjson")
	if err != nil {
		panic(err)
	}
	w := bufio.NewWriter(f)
	for i := range friends {
		b, err := json.Marshal(friend(i))
		if err != nil {
			panic(err)
		}
		w.Write(b)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		panic(err)
	}
	f.Close()
	write("catalog.json", catalog())
	write("fixture.json", map[string]any{
		"account":   "agent-fixture",
		"time_zone": "Asia/Tokyo",
		"now":       now.Format(time.RFC3339),
		"friends":   friends,
	})
}

func write(name string, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err)
	}
	if err := os.WriteFile(name, append(b, '\n'), 0o644); err != nil {
		panic(err)
	}
}

func id(i int) string {
	s := sha256.Sum256([]byte(fmt.Sprintf("kizuna-agent-fixture-%d", i)))
	return "U" + hex.EncodeToString(s[:16])
}

func friend(i int) *line {
	l := &line{LineUserID: id(i), Status: "following", Tags: []string{}}
	if pct(60) {
		l.DisplayName = pick(family...) + " " + pick(given...)
	} else {
		l.DisplayName = pick(latin...)
	}
	// Added: about 8% in the last 7 days, 10% more in the last 30, the
	// rest over two years.
	var added int
	switch x := r.IntN(100); {
	case x < 8:
		added = r.IntN(7)
	case x < 18:
		added = 7 + r.IntN(23)
	default:
		added = 30 + r.IntN(700)
	}
	_, l.AddedAt = at(added, pct(30))
	if pct(10) {
		l.Status = "blocked"
	}
	tag := func(p int, name string) {
		if pct(p) {
			l.Tags = append(l.Tags, name)
		}
	}
	vip := pct(12)
	if vip {
		l.Tags = append(l.Tags, "VIP")
	}
	tag(8, "Seminar Attendee")
	tag(8, "セミナー参加者")
	tag(5, "Wholesale")
	tag(3, "スタッフ")
	tag(2, "テスト")
	tag(9, "大阪店")
	tag(11, "東京店")
	tag(7, "Instagram")
	tag(6, "キャンペーン応募")
	if added < 30 {
		tag(70, "新規")
	} else {
		tag(3, "新規")
	}

	// Shopify, about 60%.
	lastOrderDays := -1
	if pct(60) {
		s := &shopify{CustomerID: fmt.Sprint(7000000 + i*13), Tags: []string{}}
		switch x := r.IntN(100); {
		case x < 15:
			s.OrdersCount = 0
		case x < 45:
			s.OrdersCount = 1
		case x < 62:
			s.OrdersCount = 2
		case x < 82:
			s.OrdersCount = 3 + r.IntN(3)
		case x < 93:
			s.OrdersCount = 6 + r.IntN(5)
		default:
			s.OrdersCount = 11 + r.IntN(10)
		}
		if s.OrdersCount > 0 {
			lastOrderDays = r.IntN(401)
			_, t := at(lastOrderDays, pct(50))
			s.LastOrderAt = &t
		}
		if (vip && pct(60)) || pct(6) {
			s.Tags = append(s.Tags, pick("vip", "VIP", "Vip"))
		}
		if pct(7) || (contains(l.Tags, "Wholesale") && pct(50)) {
			s.Tags = append(s.Tags, "wholesale")
		}
		if pct(30) {
			s.Tags = append(s.Tags, "subscriber")
		}
		if s.OrdersCount >= 3 && pct(70) || s.OrdersCount == 2 && pct(20) {
			s.Tags = append(s.Tags, "リピーター")
		}
		if s.OrdersCount == 1 && pct(60) {
			s.Tags = append(s.Tags, "初回購入")
		}
		// Checkouts: about 35% of customers have one or two.
		if pct(35) {
			for c := range 1 + r.IntN(2) {
				var hours int
				if pct(75) {
					hours = r.IntN(24 * 14)
				} else {
					hours = 24*14 + r.IntN(24*60)
				}
				upd := now.Add(-time.Duration(hours)*time.Hour - time.Duration(r.IntN(60))*time.Minute)
				ch := checkout{ID: fmt.Sprintf("c%d-%d", i, c), UpdatedAt: upd.UTC().Format(time.RFC3339)}
				switch x := r.IntN(100); {
				case x < 25: // completed
					done := upd.Add(time.Duration(5+r.IntN(50)) * time.Minute).UTC().Format(time.RFC3339)
					ch.CompletedAt = &done
				case x < 45: // recovered: an order after the cart
					if s.OrdersCount == 0 {
						s.OrdersCount = 1
					}
					later := upd.Add(time.Duration(1+r.IntN(20)) * time.Hour)
					if later.After(now) {
						later = now.Add(-time.Minute)
					}
					if s.LastOrderAt == nil || mustParse(*s.LastOrderAt).Before(later) {
						t := later.Format(time.RFC3339)
						s.LastOrderAt = &t
					}
				}
				s.Checkouts = append(s.Checkouts, ch)
			}
		}
		l.Shopify = s
	}

	// HubSpot, about 40%.
	if pct(40) {
		h := &contact{ContactID: fmt.Sprint(501 + i), Segments: []string{}, Properties: map[string]any{}}
		stage := pick("subscriber", "lead", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer", "customer", "evangelist", "other")
		h.Properties["lifecyclestage"] = stage
		if pct(85) {
			h.Properties["hs_lead_status"] = pick("NEW", "NEW", "OPEN", "IN_PROGRESS", "ATTEMPTED_TO_CONTACT", "CONNECTED", "OPEN_DEAL", "UNQUALIFIED", "BAD_TIMING")
		}
		if pct(88) {
			user := pick("info", "sales", "hana", "ken", "m.tanaka", "yuki", "contact", "aiko")
			h.Properties["email"] = fmt.Sprintf("%s%d@%s", user, i, pick("example.com", "example.jp", "mail.example.co.jp"))
		} else if pct(50) {
			h.Properties["email"] = "  "
		}
		if pct(65) {
			h.Properties["company"] = pick(corps...)
		}
		if pct(70) {
			h.Properties["city"] = pick(cities...)
		}
		if pct(55) {
			n := pick(3, 8, 12, 25, 40, 60, 99, 100, 150, 300, 450, 1200, 5000)
			if pct(20) {
				h.Properties["num_employees"] = fmt.Sprint(n) // HubSpot sends numbers as strings
			} else {
				h.Properties["num_employees"] = n
			}
		}
		if pct(35) {
			d := time.Date(2026, 6, 1, 0, 0, 0, 0, jst).AddDate(0, 0, r.IntN(365))
			h.Properties["contract_renewal_date"] = d.Format("2006-01-02")
		}
		if pct(45) {
			_, t := at(r.IntN(300), true)
			h.Properties["last_meeting_at"] = t
		}
		seg := func(p int, id string) {
			if pct(p) {
				h.Segments = append(h.Segments, id)
			}
		}
		seg(18, "101")
		seg(12, "102")
		seg(22, "103")
		seg(10, "250")
		if stage == "customer" || stage == "evangelist" {
			seg(60, "260")
		} else {
			seg(5, "260")
		}
		seg(12, "270")
		l.HubSpot = h
	}

	// Klaviyo, about 40%.
	if pct(40) {
		k := &profile{ProfileID: fmt.Sprintf("01HQ%06d", i), Lists: []string{}, Properties: map[string]any{}}
		list := func(p int, id string) {
			if pct(p) {
				k.Lists = append(k.Lists, id)
			}
		}
		list(50, "Nw7Ltr")
		list(30, "Mg8Kai")
		if vip {
			list(50, "Vp9Erl")
		} else {
			list(6, "Vp9Erl")
		}
		list(25, "Sm3Sbs")
		list(15, "Bd4Cpn")
		if pct(85) {
			p := r.IntN(60) * 50
			if pct(15) {
				k.Properties["points"] = fmt.Sprint(p)
			} else {
				k.Properties["points"] = p
			}
		}
		if pct(80) {
			k.Properties["plan"] = pick("free", "free", "standard", "Standard", "premium", "Premium")
		}
		if pct(60) {
			k.Properties["birthday"] = time.Date(1965+r.IntN(40), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC).Format("2006-01-02")
		}
		if pct(75) {
			_, t := at(r.IntN(200), true)
			k.Properties["last_visit"] = t
		}
		switch x := r.IntN(100); {
		case x < 40:
			k.Properties["accepts_sms"] = true
		case x < 70:
			k.Properties["accepts_sms"] = false
		case x < 80:
			k.Properties["accepts_sms"] = pick("TRUE", "false")
		}
		l.Klaviyo = k
	}
	// 休眠 (dormant): set by the shop on customers long without an order,
	// and on a few others by hand.
	if lastOrderDays >= 150 && pct(55) || pct(3) {
		l.Tags = append(l.Tags, "休眠")
	}
	return l
}

func mustParse(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

type option struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

type property struct {
	Name    string   `json:"name"`
	Label   string   `json:"label"`
	Type    string   `json:"type"`
	Options []option `json:"options,omitempty"`
}

type list struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func catalog() any {
	return map[string]any{
		"hubspot": map[string]any{
			"segments": []list{
				{"101", "Trade show leads 2026"},
				{"102", "展示会リード"},
				{"103", "Webinar attendees"},
				{"250", "Enterprise prospects"},
				{"260", "既存顧客フォロー"},
				{"270", "Churn risk"},
			},
			"properties": []property{
				{Name: "lifecyclestage", Label: "Lifecycle stage", Type: "string", Options: []option{
					{"subscriber", "Subscriber"}, {"lead", "Lead"}, {"marketingqualifiedlead", "Marketing qualified lead"},
					{"salesqualifiedlead", "Sales qualified lead"}, {"opportunity", "Opportunity"}, {"customer", "Customer"},
					{"evangelist", "Evangelist"}, {"other", "Other"}}},
				{Name: "hs_lead_status", Label: "Lead status", Type: "string", Options: []option{
					{"NEW", "New"}, {"OPEN", "Open"}, {"IN_PROGRESS", "In progress"}, {"OPEN_DEAL", "Open deal"},
					{"UNQUALIFIED", "Unqualified"}, {"ATTEMPTED_TO_CONTACT", "Attempted to contact"}, {"CONNECTED", "Connected"},
					{"BAD_TIMING", "Bad timing"}}},
				{Name: "email", Label: "Email", Type: "string"},
				{Name: "company", Label: "Company name", Type: "string"},
				{Name: "city", Label: "City", Type: "string"},
				{Name: "num_employees", Label: "Number of employees", Type: "number"},
				{Name: "contract_renewal_date", Label: "Contract renewal date", Type: "date"},
				{Name: "last_meeting_at", Label: "Last meeting", Type: "days_since"},
			},
		},
		"klaviyo": map[string]any{
			"lists": []list{
				{"Nw7Ltr", "Newsletter"},
				{"Mg8Kai", "メルマガ会員"},
				{"Vp9Erl", "VIP early access"},
				{"Sm3Sbs", "SMS subscribers"},
				{"Bd4Cpn", "誕生日クーポン"},
			},
			"properties": []property{
				{Name: "points", Label: "Loyalty points", Type: "number"},
				{Name: "plan", Label: "Membership plan", Type: "string", Options: []option{
					{"free", "Free"}, {"standard", "Standard"}, {"premium", "Premium"}}},
				{Name: "birthday", Label: "Birthday", Type: "date"},
				{Name: "last_visit", Label: "Last store visit", Type: "days_since"},
				{Name: "accepts_sms", Label: "Accepts SMS", Type: "bool"},
			},
		},
	}
}
