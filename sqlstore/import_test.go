package sqlstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/gen"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/sqlstore"
)

// uid returns a valid LINE user ID numbered n.
func uid(n int) string { return fmt.Sprintf("U%032x", n) }

// line returns an import line for friend n; fields add to or override the
// required line_user_id and added_at.
func line(n int, fields map[string]any) string {
	m := map[string]any{
		"line_user_id": uid(n),
		"added_at":     time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Minute).Format(time.RFC3339),
	}
	for k, v := range fields {
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// fullLine is friend n with every part of the format filled in.
func fullLine(n int, tag string) string {
	return line(n, map[string]any{
		"display_name": "Full",
		"status":       "following",
		"tags":         []string{tag, "Shared"},
		"shopify": map[string]any{"customer_id": "7", "tags": []string{"wholesale"}, "orders_count": 4, "last_order_at": "2026-08-01T12:00:00Z",
			"checkouts": []any{map[string]any{"id": "c1", "updated_at": "2026-11-27T09:00:00Z", "completed_at": nil}}},
		"hubspot": map[string]any{"contact_id": "501", "segments": []string{"12"}, "properties": map[string]any{"lifecyclestage": "customer"}},
		"klaviyo": map[string]any{"profile_id": "01HQ", "lists": []string{"Y6nRLr"}, "properties": map[string]any{"points": 1200}},
	})
}

func ndjson(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

// fillers returns count lines of friends from..from+count-1 without tags, so
// that a file can push a line into the next import batch.
func fillers(from, count int) []string {
	var out []string
	for i := range count {
		out = append(out, line(from+i, nil))
	}
	return out
}

// everyone matches every following friend.
var everyone = json.RawMessage(`{"groups":[{"conditions":[{"field":"shopify.linked","op":"is","value":true}]},{"conditions":[{"field":"shopify.linked","op":"is","value":false}]}]}`)

// state is what a black-box observer sees of an account: every listed
// friend as FindFriend returns it, the tags with their counts, and a preview.
type state struct {
	Friends map[string]string
	Tags    []kizuna.Tag
	Count   int64
	Sample  []kizuna.PreviewFriend
}

func snapshot(t *testing.T, db *sqlstore.DB, a *kizuna.Account, ids []string) state {
	t.Helper()
	ctx := context.Background()
	s := state{Friends: map[string]string{}}
	for _, id := range ids {
		f, err := db.FindFriend(ctx, a, id)
		if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
			s.Friends[id] = "absent"
			continue
		} else if err != nil {
			t.Fatalf("find %s: %v", id, err)
		}
		b, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		s.Friends[id] = string(b)
	}
	var err error
	if s.Tags, err = db.Tags(ctx, a); err != nil {
		t.Fatal(err)
	}
	p, err := db.Preview(ctx, a, kizuna.PreviewRequest{Filter: everyone, Now: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	s.Count, s.Sample = p.Count, p.Sample
	return s
}

func sameState(t *testing.T, what string, got, want state) {
	t.Helper()
	for id, w := range want.Friends {
		if g := got.Friends[id]; g != w {
			t.Errorf("%s: friend %s\n got %s\nwant %s", what, id, g, w)
		}
	}
	if !slices.Equal(got.Tags, want.Tags) {
		t.Errorf("%s: tags\n got %v\nwant %v", what, got.Tags, want.Tags)
	}
	if got.Count != want.Count || !slices.EqualFunc(got.Sample, want.Sample, func(a, b kizuna.PreviewFriend) bool {
		return a.LineUserID == b.LineUserID && a.DisplayName == b.DisplayName && a.AddedAt.Equal(b.AddedAt)
	}) {
		t.Errorf("%s: preview of everyone\n got %d %v\nwant %d %v", what, got.Count, got.Sample, want.Count, want.Sample)
	}
}

// importFixture is one backend's database; each scenario makes its own accounts.
type importFixture struct {
	db *sqlstore.DB
	n  int
}

func (fx *importFixture) account(t *testing.T, zone string) *kizuna.Account {
	t.Helper()
	fx.n++
	a, err := fx.db.CreateAccount(context.Background(), fmt.Sprintf("acct%d", fx.n), zone)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (fx *importFixture) mustImport(t *testing.T, a *kizuna.Account, data string) *kizuna.ImportResult {
	t.Helper()
	res, err := fx.db.ImportFriends(context.Background(), a, strings.NewReader(data), kizuna.ImportOptions{})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return res
}

// TestImport runs the import scenarios of spec section 5 on every backend.
func TestImport(t *testing.T) {
	t.Parallel()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			fx := &importFixture{db: testdb.Open(t, backend)}
			for _, sc := range []struct {
				name string
				run  func(*testing.T, *importFixture)
			}{
				{"bad lines are reported and change nothing", testImportBadLines},
				{"skip invalid imports the good lines", testImportSkipInvalid},
				{"same file twice gives the same state", testImportTwice},
				{"a later line replaces the whole record", testImportReplace},
				{"line length limit", testImportLongLine},
				{"blank lines, CRLF and no final newline", testImportLineEndings},
				{"a failing reader changes nothing", testImportReaderFails},
				{"accounts are isolated", testImportAccounts},
				{"text that cannot be stored is a bad line", testImportUnstorableText},
				{"concurrent imports into one account", testImportConcurrent},
				{"empty file", testImportEmpty},
			} {
				t.Run(sc.name, func(t *testing.T) { sc.run(t, fx) })
			}
		})
	}
}

// badLines are 25 bad lines, each with a fragment of the message it must get.
var badLines = []struct{ line, reason string }{
	{`{"line_user_id": "U0000000000000000000000000000abcd", "added_at": "2026-11-01T00:00:00Z"`, "JSON"},
	{`not json`, "JSON"},
	{`{"added_at": "2026-11-01T00:00:00Z"}`, "line_user_id"},
	{`{"line_user_id": "U123", "added_at": "2026-11-01T00:00:00Z"}`, "line_user_id"},
	{`{"line_user_id": "` + uid(9001) + `"}`, "added_at"},
	{`{"line_user_id": "` + uid(9002) + `", "added_at": "2026-11-01"}`, "added_at"},
	{`{"line_user_id": "` + uid(9003) + `", "added_at": "2026-11-01T00:00:00"}`, "added_at"},
	{`{"line_user_id": "` + uid(9004) + `", "added_at": "2026-02-30T00:00:00Z"}`, "added_at"},
	{`{"line_user_id": "` + uid(9005) + `", "added_at": "2026-11-01T00:00:00Z", "status": "unfollowed"}`, "status"},
	{`{"line_user_id": "` + uid(9006) + `", "added_at": "2026-11-01T00:00:00Z", "tags": ["ok", " "], "status": "following"}`, "tags"},
	{`{"line_user_id": "` + uid(9007) + `", "added_at": "2026-11-01T00:00:00Z", "tag": ["Only On A Bad Line"]}`, "tag"},
	{`{"line_user_id": "` + uid(9008) + `", "added_at": "2026-11-01T00:00:00Z", "tags": ["Only On A Bad Line"], "shopify": {"orders_count": -1}}`, "orders_count"},
	{`{"line_user_id": "` + uid(9009) + `", "added_at": "2026-11-01T00:00:00Z", "shopify": {"orders_count": "4"}}`, "orders_count"},
	{`{"line_user_id": "` + uid(9010) + `", "added_at": "2026-11-01T00:00:00Z", "shopify": {"checkouts": [{"id": "c"}]}}`, "updated_at"},
	{`{"line_user_id": "` + uid(9011) + `", "added_at": "2026-11-01T00:00:00Z", "shopify": {"last_order_at": "yesterday"}}`, "last_order_at"},
	{`{"line_user_id": "` + uid(9012) + `", "added_at": "2026-11-01T00:00:00Z", "hubspot": {"segment": ["1"]}}`, "segment"},
	{`{"line_user_id": "` + uid(9013) + `", "added_at": "2026-11-01T00:00:00Z", "hubspot": []}`, "hubspot"},
	{`{"line_user_id": "` + uid(9014) + `", "added_at": "2026-11-01T00:00:00Z", "klaviyo": {"lists": [""]}}`, "lists"},
	{`{"line_user_id": "` + uid(9015) + `", "added_at": "2026-11-01T00:00:00Z", "klaviyo": {"properties": []}}`, "properties"},
	{`[]`, ""},
	{`"just a string"`, ""},
	{`{"line_user_id": "` + uid(9016) + `", "added_at": "2026-11-01T00:00:00Z"} {"line_user_id": "` + uid(9017) + `"}`, "after"},
	{`{"line_user_id": null, "added_at": "2026-11-01T00:00:00Z"}`, "line_user_id"},
	{`{"line_user_id": "` + uid(9018) + `", "added_at": 1764547200}`, "added_at"},
	{`{"line_user_id": "` + uid(9019) + `", "added_at": "2026-11-01T00:00:00Z", "display_name": 7}`, "display_name"},
}

// badFile returns an import file of good and bad lines: 1200 good lines first
// (so a batch is written before the first bad line), then the bad lines with
// good lines and blank lines between them. It returns the file, the physical
// line numbers of the bad lines and the IDs of the friends on good lines.
func badFile() (data string, badAt []int64, goodIDs []string) {
	var lines []string
	add := func(l string) { lines = append(lines, l) }
	for i := range 1200 {
		// New friends, a changed existing friend and a new tag.
		add(line(5000+i, map[string]any{"tags": []string{"New On Good Line"}}))
		goodIDs = append(goodIDs, uid(5000+i))
	}
	add(line(1, map[string]any{"display_name": "changed", "tags": []string{"New On Good Line"}}))
	goodIDs = append(goodIDs, uid(1))
	for i, b := range badLines {
		add(b.line)
		badAt = append(badAt, int64(len(lines)))
		if i%3 == 0 {
			add("")
			add("   \t")
		}
		add(line(7000+i, map[string]any{"tags": []string{"Also New"}}))
		goodIDs = append(goodIDs, uid(7000+i))
	}
	return ndjson(lines...), badAt, goodIDs
}

func checkBadLines(t *testing.T, res *kizuna.ImportResult, badAt []int64) {
	t.Helper()
	if res.Invalid != int64(len(badLines)) {
		t.Errorf("invalid %d, want %d", res.Invalid, len(badLines))
	}
	if len(res.Errors) != kizuna.MaxReportedLineErrors {
		t.Fatalf("%d errors reported, want the first %d: %+v", len(res.Errors), kizuna.MaxReportedLineErrors, res.Errors)
	}
	for i, e := range res.Errors {
		if e.Line != badAt[i] {
			t.Errorf("error %d is on line %d, want %d (%s)", i, e.Line, badAt[i], badLines[i].line)
		}
		if e.Message == "" || !strings.Contains(e.Message, badLines[i].reason) {
			t.Errorf("line %d: message %q does not mention %q", e.Line, e.Message, badLines[i].reason)
		}
	}
}

func testImportBadLines(t *testing.T, fx *importFixture) {
	ctx := context.Background()
	a := fx.account(t, "")
	fx.mustImport(t, a, ndjson(fullLine(1, "Existing"), line(2, map[string]any{"status": "blocked", "tags": []string{"Existing"}})))
	data, badAt, goodIDs := badFile()
	// The friends on either side of the batch boundary and after the bad
	// lines; the preview's count and the tags vouch for the others.
	ids := []string{uid(1), uid(2), uid(9001), uid(9016), goodIDs[0], goodIDs[999], goodIDs[1000], goodIDs[len(goodIDs)-1]}
	before := snapshot(t, fx.db, a, ids)

	res, err := fx.db.ImportFriends(ctx, a, strings.NewReader(data), kizuna.ImportOptions{})
	var ie *kizuna.ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("want an *ImportError, got %v", err)
	}
	if kizuna.ErrorCode(err) == "" || ie.Result != res {
		t.Errorf("the error's result %p is not the returned result %p", ie.Result, res)
	}
	checkBadLines(t, res, badAt)
	if nonBlank := int64(len(goodIDs) + len(badLines)); res.Lines != nonBlank {
		t.Errorf("lines %d, want %d non-blank lines", res.Lines, nonBlank)
	}
	if res.Imported != 0 || res.Skipped != 0 {
		t.Errorf("imported %d, skipped %d: want 0 and 0 for a refused import", res.Imported, res.Skipped)
	}
	after := snapshot(t, fx.db, a, ids)
	sameState(t, "after a refused import", after, before)
	for _, tg := range after.Tags {
		if tg.Name == "New On Good Line" || tg.Name == "Also New" || tg.Name == "Only On A Bad Line" {
			t.Errorf("tag %q was created by a refused import", tg.Name)
		}
	}
	// The tag exists nowhere, so a filter naming it is refused.
	_, err = fx.db.Preview(ctx, a, kizuna.PreviewRequest{Filter: json.RawMessage(`{"groups":[{"conditions":[{"field":"tag","op":"has","value":"New On Good Line"}]}]}`)})
	if kizuna.ErrorCode(err) != kizuna.EINVALIDFILTER {
		t.Errorf("filter on a tag of a refused import: want invalid_filter, got %v", err)
	}
}

func testImportSkipInvalid(t *testing.T, fx *importFixture) {
	ctx := context.Background()
	a := fx.account(t, "")
	data, badAt, goodIDs := badFile()
	res, err := fx.db.ImportFriends(ctx, a, strings.NewReader(data), kizuna.ImportOptions{SkipInvalid: true})
	if err != nil {
		t.Fatalf("import with SkipInvalid: %v", err)
	}
	checkBadLines(t, res, badAt)
	if res.Skipped != int64(len(badLines)) || res.Imported != int64(len(goodIDs)) {
		t.Errorf("imported %d, skipped %d; want %d and %d", res.Imported, res.Skipped, len(goodIDs), len(badLines))
	}
	// The preview's count and the tag counts below vouch for the friends not sampled here.
	sampled := []string{goodIDs[0], goodIDs[999], goodIDs[1000], goodIDs[1200], goodIDs[len(goodIDs)-1]}
	s := snapshot(t, fx.db, a, append([]string{uid(9001), uid(9008), uid(9016), uid(9017)}, sampled...))
	for _, id := range sampled {
		if s.Friends[id] == "absent" {
			t.Errorf("friend %s of a good line was not imported", id)
		}
	}
	for _, id := range []string{uid(9001), uid(9008), uid(9016), uid(9017)} {
		if s.Friends[id] != "absent" {
			t.Errorf("friend %s of a bad line was imported: %s", id, s.Friends[id])
		}
	}
	want := []kizuna.Tag{{Name: "Also New", Friends: int64(len(badLines))}, {Name: "New On Good Line", Friends: 1201}}
	if !slices.Equal(s.Tags, want) {
		t.Errorf("tags %v, want %v (none from bad lines)", s.Tags, want)
	}
	if s.Count != int64(len(goodIDs)) {
		t.Errorf("preview counts %d friends, want %d", s.Count, len(goodIDs))
	}
}

func testImportTwice(t *testing.T, fx *importFixture) {
	now := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	// Generated friends, with repeated ones (a later line replacing an
	// earlier one), on both sides of a batch boundary made by plain fillers.
	gl := gen.Friends(rand.New(rand.NewPCG(42, 1)), 200, now)
	lines := append(append(slices.Clone(gl[:100]), fillers(100000, 850)...), gl[100:]...)
	data := ndjson(lines...)
	ids := []string{uid(100000), uid(100849)}
	for _, l := range gl {
		f, err := kizuna.ParseFriendLine([]byte(l))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, f.LineUserID)
	}
	a := fx.account(t, "")
	first := fx.mustImport(t, a, data)
	s1 := snapshot(t, fx.db, a, ids)
	second := fx.mustImport(t, a, data)
	s2 := snapshot(t, fx.db, a, ids)
	if fmt.Sprint(first) != fmt.Sprint(second) {
		t.Errorf("results differ: %+v, then %+v", first, second)
	}
	sameState(t, "after the second import", s2, s1)
	// A third account importing the file once agrees too: nothing depends on history.
	b := fx.account(t, "")
	fx.mustImport(t, b, data)
	sameState(t, "another account", snapshot(t, fx.db, b, ids), s1)
}

func testImportReplace(t *testing.T, fx *importFixture) {
	id := uid(1)
	minimal := line(1, map[string]any{"display_name": "Minimal"})
	// want is the state of friend 1 when only its later line was ever imported.
	wantFor := func(later string) state {
		ref := fx.account(t, "")
		fx.mustImport(t, ref, ndjson(later))
		return snapshot(t, fx.db, ref, []string{id})
	}
	for _, tc := range []struct {
		name   string
		first  string
		later  string
		filler int
	}{
		{"full then minimal, one batch", fullLine(1, "Replaced A"), minimal, 0},
		{"full then minimal, 500 lines apart in one batch", fullLine(1, "Replaced B"), minimal, 500},
		{"full then minimal, across batches", fullLine(1, "Replaced C"), minimal, 1000},
		{"minimal then full, across batches", minimal, fullLine(1, "Kept D"), 1000},
		{"empty integrations then none", line(1, map[string]any{"tags": []string{"Replaced E"}, "shopify": map[string]any{}, "hubspot": map[string]any{}, "klaviyo": map[string]any{}}), minimal, 1001},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := fx.account(t, "")
			lines := append([]string{tc.first}, fillers(100, tc.filler)...)
			lines = append(lines, tc.later)
			res := fx.mustImport(t, a, ndjson(lines...))
			if res.Lines != int64(len(lines)) || res.Imported != int64(len(lines)) {
				t.Errorf("result %+v, want %d lines imported", res, len(lines))
			}
			got := snapshot(t, fx.db, a, []string{id})
			want := wantFor(tc.later)
			if got.Friends[id] != want.Friends[id] {
				t.Errorf("friend after replacement\n got %s\nwant %s", got.Friends[id], want.Friends[id])
			}
			// Tags named on the replaced line exist (the file named them) but
			// nobody carries them, wherever the batch boundary fell.
			var first kizuna.Friend
			if err := json.Unmarshal([]byte(tc.first), &first); err != nil {
				t.Fatal(err)
			}
			var later kizuna.Friend
			if err := json.Unmarshal([]byte(tc.later), &later); err != nil {
				t.Fatal(err)
			}
			var wantTags []kizuna.Tag
			names := append(slices.Clone(first.Tags), later.Tags...)
			slices.Sort(names)
			for _, n := range slices.Compact(names) {
				c := int64(0)
				if slices.Contains(later.Tags, n) {
					c = 1
				}
				wantTags = append(wantTags, kizuna.Tag{Name: n, Friends: c})
			}
			if !slices.Equal(got.Tags, wantTags) {
				t.Errorf("tags %v, want %v", got.Tags, wantTags)
			}
			// The preview agrees: the replaced record's data selects nobody.
			for _, f := range []string{
				`{"field":"hubspot.linked","op":"is","value":true}`,
				`{"field":"shopify.abandoned_cart","op":"exists"}`,
				`{"field":"klaviyo.property","property":"points","type":"number","op":"gte","value":1}`,
				`{"field":"shopify.tag","op":"has_any","value":["wholesale"]}`,
			} {
				p, err := fx.db.Preview(context.Background(), a, kizuna.PreviewRequest{Filter: json.RawMessage(`{"groups":[{"conditions":[` + f + `]}]}`)})
				if err != nil {
					t.Fatal(err)
				}
				wantCount := int64(0)
				if later.Shopify != nil && later.HubSpot != nil {
					wantCount = 1 // the full line is the later one
				}
				if p.Count != wantCount {
					t.Errorf("%s: count %d, want %d", f, p.Count, wantCount)
				}
			}
		})
	}
}

func testImportLongLine(t *testing.T, fx *importFixture) {
	ctx := context.Background()
	// long returns friend n's line padded, by a Klaviyo property (display
	// names are limited to kizuna.MaxDisplayName), to exactly size bytes.
	long := func(n, size int) string {
		l := line(n, map[string]any{"klaviyo": map[string]any{"properties": map[string]any{"note": ""}}})
		return strings.Replace(l, `"note":""`, `"note":"`+strings.Repeat("x", size-len(l))+`"`, 1)
	}
	for _, tc := range []struct {
		name string
		data string
		bad  []int64 // physical line numbers of bad lines
		good []int
	}{
		{"at the limit", ndjson(line(1, nil), long(2, sqlstore.MaxImportLine), line(3, nil)), nil, []int{1, 2, 3}},
		{"at the limit with CRLF", strings.Join([]string{line(1, nil), long(2, sqlstore.MaxImportLine), line(3, nil)}, "\r\n"), nil, []int{1, 2, 3}},
		{"at the limit at the end", ndjson(line(1, nil)) + long(2, sqlstore.MaxImportLine), nil, []int{1, 2}},
		{"over the limit", ndjson(line(1, nil), long(2, sqlstore.MaxImportLine+1), line(3, nil), long(4, 3*sqlstore.MaxImportLine), "", line(5, nil)), []int64{2, 4}, []int{1, 3, 5}},
		{"over the limit at the end", ndjson(line(1, nil)) + long(2, sqlstore.MaxImportLine+1), []int64{2}, []int{1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := fx.account(t, "")
			res, err := fx.db.ImportFriends(ctx, a, strings.NewReader(tc.data), kizuna.ImportOptions{SkipInvalid: true})
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, e := range res.Errors {
				got = append(got, e.Line)
				if !strings.Contains(e.Message, "longer than") {
					t.Errorf("line %d: message %q", e.Line, e.Message)
				}
			}
			if !slices.Equal(got, tc.bad) || res.Imported != int64(len(tc.good)) {
				t.Errorf("bad lines %v, imported %d; want %v and %d", got, res.Imported, tc.bad, len(tc.good))
			}
			for _, n := range tc.good {
				f, err := fx.db.FindFriend(ctx, a, uid(n))
				if err != nil {
					t.Errorf("friend %d: %v", n, err)
				} else if n == 2 && (f.Klaviyo == nil || len(f.Klaviyo.Properties["note"]) < sqlstore.MaxImportLine-200) {
					t.Errorf("friend 2: the long property was not kept")
				}
			}
		})
	}
}

func testImportLineEndings(t *testing.T, fx *importFixture) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		data  string
		lines int64 // non-blank lines
		bad   []int64
	}{
		{"CRLF", strings.Join([]string{line(1, map[string]any{"display_name": "crlf"}), line(2, nil), line(3, nil)}, "\r\n") + "\r\n", 3, nil},
		{"CRLF without a final newline", strings.Join([]string{line(1, map[string]any{"display_name": "crlf"}), line(2, nil), line(3, nil)}, "\r\n"), 3, nil},
		{"no final newline", ndjson(line(1, map[string]any{"display_name": "crlf"}), line(2, nil)) + line(3, nil), 3, nil},
		{"a UTF-8 byte order mark is not part of line 1", "\ufeff" + ndjson(line(1, map[string]any{"display_name": "crlf"}), line(2, nil), line(3, nil)), 3, nil},
		{"blank lines count", "\n  \n" + line(1, map[string]any{"display_name": "crlf"}) + "\n\t\n\r\nbad\n\n" + line(2, nil) + "\r\n \r\n{\n" + line(3, nil) + "\n\n\n", 5, []int64{6, 10}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := fx.account(t, "")
			var progress []int64
			res, err := fx.db.ImportFriends(ctx, a, strings.NewReader(tc.data), kizuna.ImportOptions{SkipInvalid: true, Progress: func(n int64) { progress = append(progress, n) }})
			if err != nil {
				t.Fatal(err)
			}
			var bad []int64
			for _, e := range res.Errors {
				bad = append(bad, e.Line)
			}
			if res.Lines != tc.lines || res.Imported != 3 || !slices.Equal(bad, tc.bad) {
				t.Errorf("result %+v; want %d lines, 3 imported, bad lines %v", res, tc.lines, tc.bad)
			}
			if len(progress) == 0 || progress[len(progress)-1] < int64(strings.Count(tc.data, "\n")) {
				t.Errorf("progress %v for %d physical lines", progress, strings.Count(tc.data, "\n"))
			}
			for n := 1; n <= 3; n++ {
				if _, err := fx.db.FindFriend(ctx, a, uid(n)); err != nil {
					t.Errorf("friend %d: %v", n, err)
				}
			}
			if f, err := fx.db.FindFriend(ctx, a, uid(1)); err == nil && f.DisplayName != "crlf" {
				t.Errorf("display name %q", f.DisplayName)
			}
		})
	}
}

// failingReader returns data, then err.
type failingReader struct {
	r   io.Reader
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

func testImportReaderFails(t *testing.T, fx *importFixture) {
	a := fx.account(t, "")
	fx.mustImport(t, a, ndjson(fullLine(1, "Existing")))
	var lines []string
	for i := range 1200 {
		lines = append(lines, line(100+i, map[string]any{"tags": []string{"From Failed Read"}}))
	}
	lines = append(lines, line(1, nil))
	ids := []string{uid(1), uid(100), uid(1099), uid(1100), uid(1299)}
	before := snapshot(t, fx.db, a, ids)
	boom := errors.New("connection reset")
	for _, tc := range []struct {
		name string
		data string
	}{
		{"between lines, after a batch", ndjson(lines...)},
		{"in the middle of a line", ndjson(lines...) + `{"line_user_id": "` + uid(99)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := fx.db.ImportFriends(context.Background(), a, &failingReader{strings.NewReader(tc.data), boom}, kizuna.ImportOptions{SkipInvalid: true})
			if !errors.Is(err, boom) {
				t.Fatalf("want the read error, got %v (result %+v)", err, res)
			}
			sameState(t, "after a failed read", snapshot(t, fx.db, a, ids), before)
		})
	}
}

func testImportAccounts(t *testing.T, fx *importFixture) {
	ctx := context.Background()
	a := fx.account(t, "")
	b := fx.account(t, "America/Los_Angeles")
	fx.mustImport(t, a, ndjson(fullLine(1, "Only In A"), line(2, map[string]any{"tags": []string{"Shared"}})))
	fx.mustImport(t, b, ndjson(line(1, map[string]any{"display_name": "B", "added_at": "2026-11-27T23:30:00-08:00", "tags": []string{"Only In B", "Shared"}}),
		line(3, nil), line(4, nil)))
	fa, err := fx.db.FindFriend(ctx, a, uid(1))
	if err != nil {
		t.Fatal(err)
	}
	fb, err := fx.db.FindFriend(ctx, b, uid(1))
	if err != nil {
		t.Fatal(err)
	}
	if fa.DisplayName != "Full" || fb.DisplayName != "B" || fb.Shopify != nil || len(fa.Tags) != 2 {
		t.Errorf("one LINE user in two accounts: %+v and %+v", fa, fb)
	}
	if _, err := fx.db.FindFriend(ctx, a, uid(3)); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
		t.Errorf("friend of B found in A: %v", err)
	}
	for _, tc := range []struct {
		acct   *kizuna.Account
		filter string
		count  int64
	}{
		{a, string(everyone), 2},
		{b, string(everyone), 3},
		{a, `{"groups":[{"conditions":[{"field":"tag","op":"has","value":"Shared"}]}]}`, 2},
		{b, `{"groups":[{"conditions":[{"field":"tag","op":"has","value":"Shared"}]}]}`, 1},
		{b, `{"groups":[{"conditions":[{"field":"tag","op":"not_has","value":"Shared"}]}]}`, 2},
		{a, `{"groups":[{"conditions":[{"field":"shopify.linked","op":"is","value":true}]}]}`, 1},
		{b, `{"groups":[{"conditions":[{"field":"shopify.linked","op":"is","value":true}]}]}`, 0},
		// Friend 1 was added on 2026-11-27 in Los Angeles, 2026-11-28 in UTC.
		{b, `{"groups":[{"conditions":[{"field":"line.added_date","op":"on","value":"2026-11-27"}]}]}`, 1},
	} {
		p, err := fx.db.Preview(ctx, tc.acct, kizuna.PreviewRequest{Filter: json.RawMessage(tc.filter)})
		if err != nil {
			t.Errorf("%s in %s: %v", tc.filter, tc.acct.Name, err)
		} else if p.Count != tc.count {
			t.Errorf("%s in %s: count %d, want %d", tc.filter, tc.acct.Name, p.Count, tc.count)
		}
	}
	// A tag of the other account does not exist here.
	for _, tc := range []struct {
		acct *kizuna.Account
		tag  string
	}{{a, "Only In B"}, {b, "Only In A"}} {
		_, err := fx.db.Preview(ctx, tc.acct, kizuna.PreviewRequest{Filter: json.RawMessage(`{"groups":[{"conditions":[{"field":"tag","op":"has_any","value":["` + tc.tag + `"]}]}]}`)})
		if kizuna.ErrorCode(err) != kizuna.EINVALIDFILTER {
			t.Errorf("tag %q in %s: want invalid_filter, got %v", tc.tag, tc.acct.Name, err)
		}
	}
	ta, _ := fx.db.Tags(ctx, a)
	tb, _ := fx.db.Tags(ctx, b)
	if want := []kizuna.Tag{{Name: "Only In A", Friends: 1}, {Name: "Shared", Friends: 2}}; !slices.Equal(ta, want) {
		t.Errorf("tags of A %v, want %v", ta, want)
	}
	if want := []kizuna.Tag{{Name: "Only In B", Friends: 1}, {Name: "Shared", Friends: 1}}; !slices.Equal(tb, want) {
		t.Errorf("tags of B %v, want %v", tb, want)
	}
}

// testImportUnstorableText checks that text no backend can store the same
// way (PostgreSQL refuses NUL characters and invalid UTF-8) is a bad line
// on every backend, never an internal error that aborts the import.
func testImportUnstorableText(t *testing.T, fx *importFixture) {
	ctx := context.Background()
	lines := []string{
		line(1, nil),
		`{"line_user_id": "` + uid(2) + `", "added_at": "2026-11-01T00:00:00Z", "display_name": "a\u0000b"}`,
		`{"line_user_id": "` + uid(3) + `", "added_at": "2026-11-01T00:00:00Z", "tags": ["a\u0000b"]}`,
		`{"line_user_id": "` + uid(4) + `", "added_at": "2026-11-01T00:00:00Z", "hubspot": {"properties": {"p": "a\u0000b"}}}`,
		`{"line_user_id": "` + uid(5) + `", "added_at": "2026-11-01T00:00:00Z", "klaviyo": {"properties": {"p\u0000": 1}}}`,
		`{"line_user_id": "` + uid(6) + `", "added_at": "2026-11-01T00:00:00Z", "hubspot": {"properties": {"p": "a` + "\xff" + `b"}}}`,
		`{"line_user_id": "` + uid(7) + `", "added_at": "2026-11-01T00:00:00Z", "display_name": "a` + "\xc3" + `"}`,
		// Escaped, a NUL inside an object or a backslash before "u0000" is storable.
		`{"line_user_id": "` + uid(8) + `", "added_at": "2026-11-01T00:00:00Z", "display_name": "a\\u0000b", "hubspot": {"properties": {"p": {"q": "\u0000"}}}}`,
		`{"line_user_id": "` + uid(9) + `", "added_at": "2026-11-01T00:00:00Z", "shopify": {"tags": ["\u0000"]}}`,
	}
	a := fx.account(t, "")
	res, err := fx.db.ImportFriends(ctx, a, strings.NewReader(ndjson(lines...)), kizuna.ImportOptions{SkipInvalid: true})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	var bad []int64
	for _, e := range res.Errors {
		bad = append(bad, e.Line)
	}
	if want := []int64{2, 3, 4, 5, 6, 7, 9}; !slices.Equal(bad, want) || res.Imported != 2 {
		t.Errorf("result %+v; want bad lines %v and 2 imported", res, want)
	}
	f, err := fx.db.FindFriend(ctx, a, uid(8))
	if err != nil {
		t.Fatal(err)
	}
	if f.DisplayName != `a\u0000b` || string(f.HubSpot.Properties["p"]) != `{"q":"\u0000"}` {
		t.Errorf("friend 8: %q %s", f.DisplayName, f.HubSpot.Properties["p"])
	}
}

// testImportConcurrent runs imports into one account at once that create the
// same new tags and write the same friends in different orders: each must
// succeed, as if they had run one after the other.
func testImportConcurrent(t *testing.T, fx *importFixture) {
	ctx := context.Background()
	a := fx.account(t, "")
	const workers, friends = 4, 600
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		var lines []string
		for i := range friends {
			n := i
			if w%2 == 1 {
				n = friends - 1 - i // the other order
			}
			tags := []string{fmt.Sprintf("Concurrent %d", n%7), fmt.Sprintf("Concurrent %d", (n+w)%7)}
			lines = append(lines, line(n, map[string]any{"tags": tags, "display_name": fmt.Sprint(w)}))
		}
		wg.Go(func() {
			_, errs[w] = fx.db.ImportFriends(ctx, a, strings.NewReader(ndjson(lines...)), kizuna.ImportOptions{})
		})
	}
	wg.Wait()
	for w, err := range errs {
		if err != nil {
			t.Errorf("import %d: %v", w, err)
		}
	}
	tags, err := fx.db.Tags(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if len(tags) != 7 {
		t.Errorf("tags %v, want Concurrent 0-6 once each", tags)
	}
	p, err := fx.db.Preview(ctx, a, kizuna.PreviewRequest{Filter: everyone})
	if err != nil {
		t.Fatal(err)
	}
	if p.Count != friends {
		t.Errorf("count %d, want %d", p.Count, friends)
	}
}

func testImportEmpty(t *testing.T, fx *importFixture) {
	a := fx.account(t, "")
	for _, data := range []string{"", "\n\n", "  \r\n\t"} {
		res := fx.mustImport(t, a, data)
		if res.Lines != 0 || res.Imported != 0 || res.Invalid != 0 || res.Errors != nil {
			t.Errorf("%q: result %+v", data, res)
		}
	}
}
