package sqlstore_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/sqlstore"
)

// TestFriendSearchNormalized checks on both backends that the friend list's
// search compares text as filters do (NFKC, then case folding): 「ﾅｵｷ」 finds
// 「ナオキ」, "ＶＩＰ" finds "vip", "STRASSE" finds "Straße", and a LINE user
// ID prefix is found in any case or width; names stored before the
// normalized column existed are filled in when the database opens.
func TestFriendSearchNormalized(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			dsn := testdb.DSN(t, backend)
			db, err := sqlstore.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			a, _ := db.CreateAccount(ctx, "search", "Asia/Tokyo")
			names := []string{"ナオキ", "VIP member", "Hauptstraße", "100% 本物", "山田 花子", "Ａｉｋｏ"}
			var lines []string
			for i, n := range names {
				lines = append(lines, fmt.Sprintf(`{"line_user_id": "U%032x", "display_name": %q, "added_at": "2026-11-%02dT10:00:00+09:00"}`, 0xab00+i, n, 10+i))
			}
			if _, err := db.ImportFriends(ctx, a, strings.NewReader(strings.Join(lines, "\n")), kizuna.ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			cases := []struct {
				search string
				want   []string
			}{
				{"ﾅｵｷ", []string{"ナオキ"}},
				{"ナオキ", []string{"ナオキ"}},
				{"ＶＩＰ", []string{"VIP member"}},
				{"vip MEMBER", []string{"VIP member"}},
				{"STRASSE", []string{"Hauptstraße"}},
				{"aiko", []string{"Ａｉｋｏ"}},
				{"１００％", []string{"100% 本物"}},
				{"0%", []string{"100% 本物"}},
				{"_", nil},
				{"山田", []string{"山田 花子"}},
				{"u" + strings.Repeat("0", 28) + "ab0", names}, // an ID prefix, lower case
				{"Ｕ" + strings.Repeat("０", 28) + "ＡＢ０５", []string{"Ａｉｋｏ"}},
			}
			check := func(db *sqlstore.DB) {
				t.Helper()
				for _, tc := range cases {
					pg, err := db.ListFriends(ctx, a, kizuna.FriendQuery{Search: tc.search})
					if err != nil {
						t.Fatalf("search %q: %v", tc.search, err)
					}
					var got []string
					for _, f := range pg.Friends {
						got = append(got, f.DisplayName)
					}
					slices.Sort(got)
					want := slices.Clone(tc.want)
					slices.Sort(want)
					if !slices.Equal(got, want) {
						t.Errorf("search %q found %q, want %q", tc.search, got, want)
					}
				}
			}
			check(db)
			// A database from before the column: filled when it opens.
			if err := db.ForgetDisplayNameNorms(ctx); err != nil {
				t.Fatal(err)
			}
			db.Close()
			db, err = sqlstore.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			check(db)
		})
	}
}

// TestPendingNormIndexed checks on both backends that the look for display
// names still to normalize, made at every start, uses the partial index of
// migration 9 rather than reading every friend.
func TestPendingNormIndexed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			db, err := sqlstore.Open(ctx, testdb.DSN(t, backend))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			plan, err := db.PendingNormPlan(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(plan, "friends_display_name_norm_pending") {
				t.Errorf("the start-up look for names to normalize does not use its index:\n%s", plan)
			}
		})
	}
}
