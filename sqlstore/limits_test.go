package sqlstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

// wantRefused fails unless err is an *kizuna.Error with code and path.
func wantRefused(t *testing.T, what string, err error, code, path string) {
	t.Helper()
	var e *kizuna.Error
	if !errors.As(err, &e) || e.Code != code || e.Path != path {
		t.Errorf("%s: got %v, want %s at %q", what, err, code, path)
	}
}

// TestImportTimesInRange refuses, with the line and the path, times that
// would leave the years 0001-9999 in UTC or in some zone, and checks that
// the account's pages still answer afterwards (nothing was written).
func TestImportTimesInRange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			db := testdb.Open(t, backend)
			a, _ := db.CreateAccount(ctx, "shop", "Pacific/Kiritimati") // UTC+14
			for _, tc := range []struct {
				line string
				path string
			}{
				{line(2, map[string]any{"added_at": "9999-12-31T23:59:59-14:00"}), "added_at"},
				{line(2, map[string]any{"added_at": "9999-12-31T00:00:00Z"}), "added_at"},
				{line(2, map[string]any{"added_at": "0001-01-01T00:00:00+14:00"}), "added_at"},
				{line(2, map[string]any{"shopify": map[string]any{"last_order_at": "9999-12-31T23:59:59-14:00"}}), "shopify.last_order_at"},
				{line(2, map[string]any{"shopify": map[string]any{"checkouts": []any{map[string]any{"updated_at": "0001-01-01T12:00:00Z"}}}}), "shopify.checkouts[0].updated_at"},
				{line(2, map[string]any{"shopify": map[string]any{"checkouts": []any{map[string]any{"updated_at": "2026-01-01T00:00:00Z", "completed_at": "9999-12-31T12:00:00Z"}}}}), "shopify.checkouts[0].completed_at"},
			} {
				res, err := db.ImportFriends(ctx, a, strings.NewReader(ndjson(line(1, nil), tc.line)), kizuna.ImportOptions{})
				var ie *kizuna.ImportError
				if !errors.As(err, &ie) || len(res.Errors) != 1 {
					t.Fatalf("%s: got %v, want a refused import", tc.line, err)
				}
				if e := res.Errors[0]; e.Line != 2 || e.Path != tc.path || !strings.Contains(e.Message, "between 0001-01-02 and 9999-12-30") {
					t.Errorf("%s: error %+v, want line 2 at %s", tc.line, e, tc.path)
				}
			}
			// The last accepted instants, which the friend list and pages
			// show in UTC+14 and UTC.
			edge := ndjson(line(1, map[string]any{"added_at": "9999-12-30T23:59:59.999999Z"}), line(2, map[string]any{"added_at": "0001-01-02T00:00:00Z"}))
			if _, err := db.ImportFriends(ctx, a, strings.NewReader(edge), kizuna.ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			page, err := db.ListFriends(ctx, a, kizuna.FriendQuery{})
			if err != nil || len(page.Friends) != 2 {
				t.Fatalf("friend list after the edge times: %v %+v", err, page)
			}
			if _, err := json.Marshal(page); err != nil {
				t.Fatalf("the friend list cannot be written as JSON: %v", err)
			}
			p, err := db.Preview(ctx, a, kizuna.PreviewRequest{Filter: json.RawMessage(`{"groups":[{"conditions":[{"field":"line.days_since_added","op":"gte","value":-10000000}]}]}`)})
			if err != nil || p.Count != 2 {
				t.Fatalf("preview after the edge times: %v %+v", err, p)
			}
			if _, err := json.Marshal(p); err != nil {
				t.Fatalf("the preview cannot be written as JSON: %v", err)
			}
		})
	}
}

// TestPreviewNowInRange refuses a preview instant outside the years
// 0001-9999 with EINVALID at "now" instead of failing when it is written.
func TestPreviewNowInRange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			db := testdb.Open(t, backend)
			a, _ := db.CreateAccount(ctx, "shop", "")
			f := json.RawMessage(`{"groups":[{"conditions":[{"field":"line.days_since_added","op":"gte","value":0}]}]}`)
			late, _ := time.Parse(time.RFC3339, "9999-12-31T23:59:59-14:00")
			for _, now := range []time.Time{late, time.Date(0, 6, 1, 0, 0, 0, 0, time.UTC)} {
				_, err := db.Preview(ctx, a, kizuna.PreviewRequest{Filter: f, Now: now})
				wantRefused(t, "now "+now.String(), err, kizuna.EINVALID, "now")
			}
			if _, err := db.Preview(ctx, a, kizuna.PreviewRequest{Filter: f, Now: time.Date(9999, 12, 30, 0, 0, 0, 0, time.UTC)}); err != nil {
				t.Errorf("a late but valid now: %v", err)
			}
		})
	}
}

// TestTextBothBackends sends U+0000 and invalid UTF-8 through every store
// method that takes a name or a search: both backends refuse them the same
// way (PostgreSQL used to fail with 500, SQLite to store them).
func TestTextBothBackends(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			db := testdb.Open(t, backend)
			a, _ := db.CreateAccount(ctx, "shop", "")
			if _, err := db.ImportFriends(ctx, a, strings.NewReader(ndjson(fullLine(1, "VIP"))), kizuna.ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			seg, err := db.CreateSegment(ctx, a, "test", "VIPs", 0, json.RawMessage(`{"groups":[{"conditions":[{"field":"tag","op":"has","value":"VIP"}]}]}`))
			if err != nil {
				t.Fatal(err)
			}
			for _, bad := range []string{"a\x00b", "a\xffb"} {
				wantRefused(t, fmt.Sprintf("create tag %q", bad), db.CreateTag(ctx, a, bad), kizuna.EINVALID, "name")
				wantRefused(t, fmt.Sprintf("rename to %q", bad), db.RenameTag(ctx, a, "x", "VIP", bad), kizuna.EINVALID, "name")
				wantRefused(t, fmt.Sprintf("rename from %q", bad), db.RenameTag(ctx, a, "x", bad, "Other"), kizuna.EINVALID, "from")
				wantRefused(t, fmt.Sprintf("delete %q", bad), db.DeleteTag(ctx, a, bad), kizuna.EINVALID, "name")
				wantRefused(t, fmt.Sprintf("add %q", bad), db.TagFriends(ctx, a, []string{uid(1)}, []string{bad}, nil), kizuna.EINVALID, "add[0]")
				wantRefused(t, fmt.Sprintf("remove %q", bad), db.TagFriends(ctx, a, []string{uid(1)}, nil, []string{bad}), kizuna.EINVALID, "remove[0]")
				_, err := db.TagSegmentMembers(ctx, a, seg.ID, bad)
				wantRefused(t, fmt.Sprintf("apply %q", bad), err, kizuna.EINVALID, "tag")
				_, err = db.CreateSegment(ctx, a, "test", bad, 0, seg.Filter)
				wantRefused(t, fmt.Sprintf("segment %q", bad), err, kizuna.EINVALID, "name")
				_, err = db.EditSegment(ctx, a, "test", seg.ID, kizuna.SegmentEdit{Name: &bad})
				wantRefused(t, fmt.Sprintf("rename segment %q", bad), err, kizuna.EINVALID, "name")
				_, err = db.CreateFolder(ctx, a, bad)
				wantRefused(t, fmt.Sprintf("folder %q", bad), err, kizuna.EINVALID, "name")
				_, err = db.ListFriends(ctx, a, kizuna.FriendQuery{Search: bad})
				wantRefused(t, fmt.Sprintf("search %q", bad), err, kizuna.EINVALID, "q")
				_, err = db.ListFriends(ctx, a, kizuna.FriendQuery{Tag: bad})
				wantRefused(t, fmt.Sprintf("tag filter %q", bad), err, kizuna.EINVALID, "tag")
				_, err = db.FindFriend(ctx, a, "U"+bad)
				wantRefused(t, fmt.Sprintf("friend %q", bad), err, kizuna.ENOTFOUND, "")
				if _, err := db.FindAccount(ctx, "shop"+bad); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
					t.Errorf("account %q: %v", bad, err)
				}
				_, err = db.CreateUser(ctx, "a"+bad+"@example.com", "long enough password", "en")
				wantRefused(t, fmt.Sprintf("e-mail %q", bad), err, kizuna.EINVALID, "email")
				if _, err := db.Authenticate(ctx, "a"+bad+"@example.com", "long enough password"); kizuna.ErrorCode(err) != kizuna.EUNAUTHORIZED {
					t.Errorf("sign in as %q: %v", bad, err)
				}
				quoted, _ := json.Marshal(bad) // "\u0000", or the invalid byte as U+FFFD
				raw := bad
				if bad == "a\x00b" {
					raw = string(quoted[1 : len(quoted)-1])
				}
				_, err = db.Preview(ctx, a, kizuna.PreviewRequest{Filter: json.RawMessage(`{"groups":[{"conditions":[{"field":"hubspot.property","property":"x","type":"string","op":"eq","value":"` + raw + `"}]}]}`)})
				wantRefused(t, fmt.Sprintf("filter value %q", bad), err, kizuna.EINVALIDFILTER, map[string]string{"a\x00b": "groups[0].conditions[0].value", "a\xffb": "$"}[bad])
			}
			if tags, _ := db.Tags(ctx, a); len(tags) != 2 {
				t.Errorf("tags after the refusals: %+v", tags)
			}
		})
	}
}

// TestNameLimits checks the limits of docs/segments.md ("Limits") in the
// store: tag names of 100 characters, 1,000 tags a friend, searches of
// 200 characters, counted in characters, not bytes.
func TestNameLimits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			db := testdb.Open(t, backend)
			a, _ := db.CreateAccount(ctx, "shop", "")
			many := make([]string, kizuna.MaxFriendTags-1)
			for i := range many {
				many[i] = fmt.Sprintf("t%04d", i)
			}
			if _, err := db.ImportFriends(ctx, a, strings.NewReader(ndjson(line(1, map[string]any{"tags": many}), line(2, nil))), kizuna.ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			// 1,001 tags on a line are refused at "tags".
			res, err := db.ImportFriends(ctx, a, strings.NewReader(ndjson(line(3, map[string]any{"tags": append(many, "a", "b")}))), kizuna.ImportOptions{})
			if err == nil || len(res.Errors) != 1 || res.Errors[0].Path != "tags" {
				t.Errorf("1,001 tags on a line: %v %+v", err, res)
			}
			kana := strings.Repeat("あ", kizuna.MaxTagName) // 300 bytes, 100 characters
			if err := db.CreateTag(ctx, a, kana); err != nil {
				t.Errorf("a tag of 100 characters: %v", err)
			}
			wantRefused(t, "a tag of 101 characters", db.CreateTag(ctx, a, kana+"あ"), kizuna.EINVALID, "name")
			// The 1,000th tag fits; the 1,001st is refused and changes nothing.
			if err := db.TagFriends(ctx, a, []string{uid(1)}, []string{"one more"}, nil); err != nil {
				t.Fatal(err)
			}
			wantRefused(t, "the 1,001st tag", db.TagFriends(ctx, a, []string{uid(1), uid(2)}, []string{"too many"}, nil), kizuna.EINVALID, "add")
			if f, _ := db.FindFriend(ctx, a, uid(2)); len(f.Tags) != 0 {
				t.Errorf("a refused TagFriends tagged friend 2: %v", f.Tags)
			}
			seg, err := db.CreateSegment(ctx, a, "test", "everyone", 0, json.RawMessage(`{"groups":[{"conditions":[{"field":"line.days_since_added","op":"gte","value":0}]}]}`))
			if err != nil {
				t.Fatal(err)
			}
			_, err = db.TagSegmentMembers(ctx, a, seg.ID, "too many")
			wantRefused(t, "applying a tag to a friend with 1,000", err, kizuna.EINVALID, "tag")
			if f, _ := db.FindFriend(ctx, a, uid(2)); len(f.Tags) != 0 {
				t.Errorf("a refused TagSegmentMembers tagged friend 2: %v", f.Tags)
			}
			if _, err := db.ListFriends(ctx, a, kizuna.FriendQuery{Search: strings.Repeat("あ", kizuna.MaxSearch)}); err != nil {
				t.Errorf("a search of 200 characters: %v", err)
			}
			_, err = db.ListFriends(ctx, a, kizuna.FriendQuery{Search: strings.Repeat("あ", kizuna.MaxSearch+1)})
			wantRefused(t, "a search of 201 characters", err, kizuna.EINVALID, "q")
		})
	}
}

// TestZoneNotLoaded: an account whose stored zone this host cannot load is
// an error wherever it is read, never an account counted in UTC.
func TestZoneNotLoaded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			db := testdb.Open(t, backend)
			a, _ := db.CreateAccount(ctx, "shop", "Asia/Tokyo")
			if err := db.SetTimeZone(ctx, a, "Mars/Olympus_Mons"); err != nil {
				t.Fatal(err)
			}
			if got, err := db.FindAccount(ctx, "shop"); err == nil || !strings.Contains(err.Error(), "Mars/Olympus_Mons") {
				t.Errorf("FindAccount with an unloadable zone: %+v, %v", got, err)
			}
			if got, err := db.Accounts(ctx); err == nil {
				t.Errorf("Accounts with an unloadable zone: %+v", got)
			}
		})
	}
}
