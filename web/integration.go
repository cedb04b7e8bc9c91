package web

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kizuna-line/kizuna"
)

// integrationSection is one integration's data on a friend's page, as
// label and value rows in the marketer's words.
type integrationSection struct {
	Name string
	Rows []labelValue
}

type labelValue struct{ Label, Value string }

// integrationSections describes what Shopify, HubSpot and Klaviyo know of
// the friend: lists and properties by their catalog names (raw IDs when the
// catalog does not know them), dates in the account's zone with their age.
func integrationSections(fr *kizuna.Friend, cat *kizuna.Catalog, loc *time.Location, now time.Time, lang string) []integrationSection {
	today := kizuna.DayOf(now, loc)
	day := func(at time.Time) string {
		n := int64(today - kizuna.DayOf(at, loc))
		return fmt.Sprintf(t(lang, "integration.ago"), at.In(loc).Format("2006-01-02"), n)
	}
	none := t(lang, "integration.none")
	join := func(vs []string) string {
		if len(vs) == 0 {
			return none
		}
		return strings.Join(vs, ", ")
	}
	var out []integrationSection
	if sh := fr.Shopify; sh != nil {
		sec := integrationSection{Name: "Shopify", Rows: []labelValue{
			{t(lang, "integration.customer"), sh.CustomerID},
			{t(lang, "friend.orders"), fmt.Sprint(sh.OrdersCount)},
		}}
		last := none
		if sh.LastOrderAt != nil {
			last = day(*sh.LastOrderAt)
		}
		cart := none
		if at, ok := sh.AbandonedAt(); ok {
			cart = fmt.Sprintf(t(lang, "integration.hoursago"), at.In(loc).Format(timeInZone), kizuna.HoursSince(at, now))
		}
		sec.Rows = append(sec.Rows, labelValue{t(lang, "integration.lastorder"), last}, labelValue{t(lang, "integration.cart"), cart},
			labelValue{t(lang, "integration.shopifytags"), join(sh.Tags)})
		out = append(out, sec)
	}
	var hs, kl *kizuna.CatalogSection
	if cat != nil {
		hs, kl = cat.HubSpot, cat.Klaviyo
	}
	if c := fr.HubSpot; c != nil {
		sec := integrationSection{Name: "HubSpot", Rows: []labelValue{{t(lang, "integration.contact"), c.ContactID}, {t(lang, "integration.segments"), join(listNames(c.Segments, hs, true))}}}
		sec.Rows = append(sec.Rows, propertyRows(c.Properties, hs, loc, lang)...)
		out = append(out, sec)
	}
	if p := fr.Klaviyo; p != nil {
		sec := integrationSection{Name: "Klaviyo", Rows: []labelValue{{t(lang, "integration.profile"), p.ProfileID}, {t(lang, "integration.lists"), join(listNames(p.Lists, kl, false))}}}
		sec.Rows = append(sec.Rows, propertyRows(p.Properties, kl, loc, lang)...)
		out = append(out, sec)
	}
	return out
}

// listNames names list or segment IDs from the catalog.
func listNames(ids []string, sec *kizuna.CatalogSection, segments bool) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id
		if sec == nil {
			continue
		}
		entries := sec.Lists
		if segments {
			entries = sec.Segments
		}
		for _, e := range entries {
			if e.ID == id {
				out[i] = e.Name
				break
			}
		}
	}
	return out
}

// timeInZone is how pages show a time: in the account's zone, named
// ("2026-08-30 14:05 JST", or "+09" where the zone has no abbreviation).
const timeInZone = "2006-01-02 15:04 MST"

// propertyRows shows properties by their catalog labels (option labels for
// enumerated values), sorted by label; text values unquoted, true and false
// as yes and no, and times in the account's zone.
func propertyRows(props kizuna.Properties, sec *kizuna.CatalogSection, loc *time.Location, lang string) []labelValue {
	var rows []labelValue
	for name, raw := range props {
		label, value := name, string(raw)
		var text string
		if json.Unmarshal(raw, &text) == nil {
			value = text
			if at, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(text)); err == nil {
				value = at.In(loc).Format(timeInZone)
			}
		}
		switch string(raw) {
		case "null":
			continue
		case "true":
			value = t(lang, "yes")
		case "false":
			value = t(lang, "no")
		}
		if sec != nil {
			for _, p := range sec.Properties {
				if p.Name != name {
					continue
				}
				if p.Label != "" {
					label = p.Label
				}
				for _, o := range p.Options {
					if o.Value == value && o.Label != "" {
						value = o.Label
					}
				}
			}
		}
		rows = append(rows, labelValue{label, value})
	}
	slices.SortFunc(rows, func(a, b labelValue) int { return strings.Compare(a.Label, b.Label) })
	return rows
}
