package kizuna_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
)

// TestCheckDuplicateKeys: a key an object names twice is refused with the
// path of the second one, at any depth and however it is escaped; the same
// key in two objects is not a duplicate.
func TestCheckDuplicateKeys(t *testing.T) {
	for _, tc := range []struct{ doc, path string }{
		{`{"a":1,"b":2}`, ""},
		{`{"a":1,"a":2}`, "a"},
		{`{"a":{"x":1},"b":{"x":2}}`, ""},
		{`{"a":[{"x":1},{"x":2,"y":3,"x":4}]}`, "a[1].x"},
		{`{"a":[[],[{"k":1,"k":2}]]}`, "a[1][0].k"},
		{`{"a":1,"\u0061":2}`, "a"},
		{`{"a b":1,"a b":2}`, `["a b"]`},
		{`{"p":{"x.y":1,"x.y":2}}`, `p["x.y"]`},
		{`{"s":"{\"a\":1,\"a\":2}"}`, ""}, // inside a string, not keys
		{`[{"a":"\\","a":1}]`, "[0].a"},
		{`{"a":1,"a":2`, ""}, // not JSON: the decoder reports it
		{`{"groups":[{"conditions":[{"field":"tag","op":"has","op":"not_has"}]}]}`, "groups[0].conditions[0].op"},
	} {
		err := kizuna.CheckDuplicateKeys(kizuna.EINVALID, []byte(tc.doc))
		var e *kizuna.Error
		switch {
		case tc.path == "" && err != nil:
			t.Errorf("%s: refused: %v", tc.doc, err)
		case tc.path != "" && (!errors.As(err, &e) || e.Code != kizuna.EINVALID || e.Path != tc.path || !strings.Contains(e.Message, "appears twice")):
			t.Errorf("%s: got %v, want a duplicate at %s", tc.doc, err, tc.path)
		}
	}
}

// TestParseFriendLineLimits: times that leave the years 0001-9999 in UTC or
// in any zone, text no backend stores alike, too long or too many names,
// and duplicate keys are refused with the path; the limits themselves pass.
func TestParseFriendLineLimits(t *testing.T) {
	const id = `"line_user_id": "U00000000000000000000000000000001"`
	const added = `"added_at": "2026-11-20T10:00:00+09:00"`
	tags := func(n int, name string) string {
		list := make([]string, n)
		for i := range list {
			list[i] = name + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + strings.Repeat("y", i/26)
		}
		b, _ := json.Marshal(list)
		return string(b)
	}
	for _, tc := range []struct{ line, path string }{
		{`{` + id + `, "added_at": "9999-12-31T23:59:59-14:00"}`, "added_at"},
		{`{` + id + `, "added_at": "9999-12-31T00:00:00Z"}`, "added_at"},
		{`{` + id + `, "added_at": "9999-12-31T09:00:00-14:00"}`, "added_at"},
		{`{` + id + `, "added_at": "0001-01-01T23:59:59Z"}`, "added_at"},
		{`{` + id + `, "added_at": "0001-01-02T09:00:00+14:00"}`, "added_at"},
		{`{` + id + `, ` + added + `, "shopify": {"last_order_at": "9999-12-31T23:59:59-14:00"}}`, "shopify.last_order_at"},
		{`{` + id + `, ` + added + `, "shopify": {"checkouts": [{"updated_at": "2026-01-01T00:00:00Z"}, {"updated_at": "0001-01-01T00:00:00Z"}]}}`, "shopify.checkouts[1].updated_at"},
		{`{` + id + `, ` + added + `, "shopify": {"checkouts": [{"updated_at": "2026-01-01T00:00:00Z", "completed_at": "9999-12-31T12:00:00Z"}]}}`, "shopify.checkouts[0].completed_at"},
		{`{` + id + `, ` + added + `, "display_name": "a\u0000b"}`, "display_name"},
		{`{` + id + `, ` + added + `, "display_name": "` + strings.Repeat("名", kizuna.MaxDisplayName+1) + `"}`, "display_name"},
		{`{` + id + `, ` + added + `, "tags": ["VIP", "a\u0000b"]}`, "tags[1]"},
		{`{` + id + `, ` + added + `, "tags": ["VIP", "` + strings.Repeat("タ", kizuna.MaxTagName+1) + `"]}`, "tags[1]"},
		{`{` + id + `, ` + added + `, "tags": ` + tags(kizuna.MaxFriendTags+1, "t") + `}`, "tags"},
		{`{` + id + `, ` + added + `, "shopify": {"tags": ` + tags(kizuna.MaxFriendTags+1, "s") + `}}`, "shopify.tags"},
		{`{` + id + `, ` + added + `, "tags": ["a"], "tags": ["b"]}`, "tags"},
		{`{` + id + `, ` + added + `, "hubspot": {"properties": {"plan": "a", "plan": "b"}}}`, "hubspot.properties.plan"},
		{`{` + id + `, ` + added + `, "shopify": {"tagz": []}}`, "shopify.tagz"},
		{`{` + id + `, ` + added + `, "tags": "VIP"}`, "tags"},
		{`{` + id + `, ` + added + `, "Tags": ["VIP"]}`, "Tags"},
		{`{` + id + `, ` + added + `, "tags": ["a"], "TAGS": ["b"]}`, "TAGS"},
		{`{` + id + `, ` + added + `, "shopify": {"Orders_Count": 3}}`, "shopify.Orders_Count"},
		{`not json`, "$"},
	} {
		_, err := kizuna.ParseFriendLine([]byte(tc.line))
		var e *kizuna.Error
		if !errors.As(err, &e) || e.Code != kizuna.EINVALIDIMPORT || e.Path != tc.path || e.Message == "" {
			t.Errorf("%.120s: got %v, want a refusal at %s", tc.line, err, tc.path)
		}
	}
	for _, line := range []string{
		`{` + id + `, "added_at": "9999-12-30T23:59:59.999999Z"}`,
		`{` + id + `, "added_at": "9999-12-31T09:59:59+14:00"}`, // 9999-12-30T19:59:59Z
		`{` + id + `, "added_at": "0001-01-02T00:00:00Z"}`,
		`{` + id + `, ` + added + `, "display_name": "` + strings.Repeat("名", kizuna.MaxDisplayName) + `", "tags": ` + tags(kizuna.MaxFriendTags, "t") + `}`,
		`{` + id + `, ` + added + `, "tags": ["` + strings.Repeat("タ", kizuna.MaxTagName) + `"]}`,
		`{` + id + `, ` + added + `, "hubspot": {"properties": {"Plan": "gold", "plan": {"Tags": 1}}}}`, // property names are the data's
	} {
		if _, err := kizuna.ParseFriendLine([]byte(line)); err != nil {
			t.Errorf("%.120s: %v", line, err)
		}
	}
}

// TestTimeRangeSurvivesEveryZone: the first and last accepted instants
// stay within the years 0001-9999, and JSON can write them, in UTC and in
// the zones furthest east and west; one microsecond outside is refused.
// (Before about 1900 zones keep local mean time, whose offsets have seconds
// that RFC 3339 cannot write: such a time formats, to the minute.)
func TestTimeRangeSurvivesEveryZone(t *testing.T) {
	first := time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC)
	last := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC).Add(-time.Microsecond)
	if !kizuna.TimeInRange(first) || !kizuna.TimeInRange(last) || kizuna.TimeInRange(first.Add(-time.Microsecond)) || kizuna.TimeInRange(last.Add(time.Microsecond)) {
		t.Fatal("the range's ends are not where docs/segments.md says")
	}
	for _, zone := range []string{"UTC", "Pacific/Kiritimati", "Etc/GMT-14", "Etc/GMT+12", "Pacific/Pago_Pago", "Asia/Tokyo"} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		for _, at := range []time.Time{first, last} {
			in := at.In(loc)
			if y := in.Year(); y < 1 || y > 9999 {
				t.Errorf("%s in %s is in the year %d", at, zone, y)
			}
			if _, err := json.Marshal(in); err != nil {
				t.Errorf("%s in %s: %v", at, zone, err)
			}
			if _, ok := kizuna.ParseTimestamp(in.Format(time.RFC3339Nano)); !ok {
				t.Errorf("%s in %s does not format as RFC 3339", at, zone)
			}
			if back, ok := kizuna.ParseTimestamp(at.Format(time.RFC3339Nano)); !ok || !back.Equal(at) {
				t.Errorf("%s does not survive RFC 3339 in UTC", at)
			}
		}
	}
}

// TestNamesRefuseUnstorableText: the domain's name checks refuse U+0000
// and invalid UTF-8, and count characters, not bytes.
func TestNamesRefuseUnstorableText(t *testing.T) {
	for _, bad := range []string{"a\x00b", "a\xffb"} {
		if _, err := kizuna.CleanTagName("name", bad); kizuna.ErrorCode(err) != kizuna.EINVALID {
			t.Errorf("tag %q: %v", bad, err)
		}
		if _, err := kizuna.CleanName("name", bad); kizuna.ErrorCode(err) != kizuna.EINVALID {
			t.Errorf("name %q: %v", bad, err)
		}
		if err := kizuna.CheckSearch("q", bad); kizuna.ErrorCode(err) != kizuna.EINVALID {
			t.Errorf("search %q: %v", bad, err)
		}
		if _, err := kizuna.CleanEmail("a" + bad + "@example.com"); kizuna.ErrorCode(err) != kizuna.EINVALID {
			t.Errorf("e-mail %q: %v", bad, err)
		}
	}
	if _, err := kizuna.CleanTagName("name", strings.Repeat("あ", kizuna.MaxTagName)); err != nil {
		t.Errorf("a tag of 100 characters (300 bytes): %v", err)
	}
	if _, err := kizuna.CleanTagName("name", strings.Repeat("a", kizuna.MaxTagName+1)); kizuna.ErrorCode(err) != kizuna.EINVALID {
		t.Errorf("a tag of 101 characters: %v", err)
	}
}

// TestParseCatalogRefuses: duplicate keys, U+0000 and over-long names in a
// catalog are refused with their path.
func TestParseCatalogRefuses(t *testing.T) {
	for _, tc := range []struct{ doc, path string }{
		{`{"hubspot":{"segments":[],"properties":[],"properties":[]}}`, "hubspot.properties"},
		{`{"hubspot":{"segments":[{"id":"1","name":"a\u0000"}],"properties":[]}}`, "hubspot.segments[0].name"},
		{`{"klaviyo":{"lists":[],"properties":[{"name":"p","label":"` + strings.Repeat("x", kizuna.MaxCatalogText+1) + `","type":"string"}]}}`, "klaviyo.properties[0].label"},
		{`{"klaviyo":{"lists":[],"properties":[{"name":"p","label":"P","type":"string","options":[{"value":"a\u0000","label":"A"}]}]}}`, "klaviyo.properties[0].options[0].value"},
		{"{\"hubspot\":{\"segments\":[{\"id\":\"1\",\"name\":\"a\xff\"}]}}", "$"},
		{`{"mailchimp":{}}`, "mailchimp"},
		{`{"HubSpot":{"segments":[],"properties":[]}}`, "HubSpot"},
		{`{"hubspot":{"segments":[{"id":"1","Name":"a"}],"properties":[]}}`, "hubspot.segments[0].Name"},
	} {
		_, err := kizuna.ParseCatalog([]byte(tc.doc))
		var e *kizuna.Error
		if !errors.As(err, &e) || e.Code != kizuna.EINVALID || e.Path != tc.path {
			t.Errorf("%.100s: got %v, want a refusal at %s", tc.doc, err, tc.path)
		}
	}
}

// TestParseFilterRefusesUnstorableText: a filter that PostgreSQL could not
// store or compare (U+0000, invalid UTF-8) or that names a key twice is
// refused with its path, so the SQL path and the engine never disagree.
func TestParseFilterRefusesUnstorableText(t *testing.T) {
	for _, tc := range []struct{ doc, path string }{
		{`{"groups":[{"conditions":[{"field":"tag","op":"has","value":"a\u0000"}]}]}`, "groups[0].conditions[0].value"},
		{`{"groups":[{"conditions":[{"field":"tag","op":"has_any","value":["a","b\u0000"]}]}]}`, "groups[0].conditions[0].value[1]"},
		{`{"groups":[{"conditions":[{"field":"hubspot.property","property":"p\u0000","type":"string","op":"is_known"}]}]}`, "groups[0].conditions[0].property"},
		{"{\"groups\":[{\"conditions\":[{\"field\":\"tag\",\"op\":\"has\",\"value\":\"a\xff\"}]}]}", "$"},
		{`{"groups":[{"conditions":[{"field":"tag","op":"has","value":"a","value":"b"}]}]}`, "groups[0].conditions[0].value"},
	} {
		_, err := kizuna.ParseFilter([]byte(tc.doc))
		var e *kizuna.Error
		if !errors.As(err, &e) || e.Code != kizuna.EINVALIDFILTER || e.Path != tc.path {
			t.Errorf("%s: got %v, want a refusal at %s", tc.doc, err, tc.path)
		}
	}
}

// TestAccountZoneNeverFallsBack: a zone that cannot be loaded is an error
// from LoadLocation and a panic from Location, never UTC.
func TestAccountZoneNeverFallsBack(t *testing.T) {
	a := &kizuna.Account{Name: "shop", TimeZone: "Mars/Olympus_Mons"}
	if err := a.LoadLocation(); err == nil || !strings.Contains(err.Error(), "Mars/Olympus_Mons") {
		t.Errorf("LoadLocation: %v", err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Location fell back instead of failing")
			}
		}()
		a.Location()
	}()
	ok := &kizuna.Account{Name: "shop", TimeZone: "Asia/Tokyo"}
	if err := ok.LoadLocation(); err != nil || ok.Location().String() != "Asia/Tokyo" {
		t.Errorf("Asia/Tokyo: %v %v", err, ok.Location())
	}
}
