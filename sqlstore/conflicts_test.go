package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

// TestLinkConflictsAndFriendLinks: a record claiming a friend another
// record is linked to is listed as a conflict (not a deleted one, not one
// of another source or account) until the claim moves away; a friend's
// links say how each was made and whether its record has arrived.
func TestLinkConflictsAndFriendLinks(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := testdb.Open(t, backend)
			a, _ := db.CreateAccount(ctx, "shop", "")
			b, _ := db.CreateAccount(ctx, "other", "")
			u := func(i int) string { return fmt.Sprintf("U%032x", i) }
			var lines []string
			for i := 1; i <= 3; i++ {
				lines = append(lines, fmt.Sprintf(`{"line_user_id": %q, "added_at": "2026-11-01T10:00:00+09:00"}`, u(i)))
			}
			for _, acc := range []*kizuna.Account{a, b} {
				if _, err := db.ImportFriends(ctx, acc, strings.NewReader(strings.Join(lines, "\n")), kizuna.ImportOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
			shop := func(id, claim string, h int, deleted bool) kizuna.SourceRecord {
				r := kizuna.SourceRecord{Source: "shopify", RecordID: id, LineUserID: claim, UpdatedAt: t0.Add(time.Duration(h) * time.Hour), Deleted: deleted}
				if !deleted {
					r.Shopify = &kizuna.ShopifyCustomer{OrdersCount: 1}
				}
				return r
			}
			apply := func(acc *kizuna.Account, rs ...kizuna.SourceRecord) {
				t.Helper()
				if _, err := db.ApplySourceRecords(ctx, acc, rs); err != nil {
					t.Fatal(err)
				}
			}
			apply(a, shop("C1", u(1), 1, false), shop("C2", u(1), 2, false), shop("C3", u(1), 3, true), shop("C4", "", 1, false))
			apply(a, kizuna.SourceRecord{Source: "hubspot", RecordID: "H1", LineUserID: u(1), UpdatedAt: t0, HubSpot: &kizuna.HubSpotContact{}})
			apply(b, shop("C1", u(1), 1, false))
			conflicts := func(acc *kizuna.Account, source string, limit int) ([]kizuna.LinkConflict, int) {
				t.Helper()
				cs, n, err := db.LinkConflicts(ctx, acc, source, limit)
				if err != nil {
					t.Fatal(err)
				}
				return cs, n
			}
			cs, n := conflicts(a, "shopify", 10)
			if n != 1 || len(cs) != 1 || cs[0] != (kizuna.LinkConflict{Source: "shopify", RecordID: "C2", LineUserID: u(1), LinkedTo: "C1"}) {
				t.Fatalf("conflicts: %d %+v", n, cs)
			}
			if _, n := conflicts(a, "hubspot", 10); n != 0 {
				t.Errorf("HubSpot conflicts: %d", n)
			}
			if _, n := conflicts(b, "shopify", 10); n != 0 {
				t.Errorf("the other account's conflicts: %d", n)
			}
			if cs, n := conflicts(a, "shopify", 0); n != 1 || cs != nil {
				t.Errorf("with no room: %d %+v", n, cs)
			}
			if _, _, err := db.LinkConflicts(ctx, a, "square", 1); kizuna.ErrorCode(err) != kizuna.EINVALID {
				t.Errorf("an unknown source: %v", err)
			}
			// C2's claim moves to friend 2, who is free: linked, no conflict.
			apply(a, shop("C2", u(2), 4, false))
			if _, n := conflicts(a, "shopify", 10); n != 0 {
				t.Errorf("after the claim moved: %d conflicts", n)
			}

			// A friend's links: claimed, by hand (before its record arrives).
			if err := db.LinkRecord(ctx, a, "shopify", "C9", u(3), kizuna.LinkManual); err != nil {
				t.Fatal(err)
			}
			links, err := db.FriendLinks(ctx, a, u(3))
			if err != nil || len(links) != 1 || links[0].How != kizuna.LinkManual || links[0].RecordID != "C9" || links[0].Synced || links[0].LinkedAt.IsZero() {
				t.Fatalf("friend 3's links: %+v %v", links, err)
			}
			apply(a, shop("C9", "", 5, false))
			if links, _ := db.FriendLinks(ctx, a, u(3)); len(links) != 1 || !links[0].Synced || links[0].Deleted {
				t.Errorf("friend 3's link after its record arrived: %+v", links)
			}
			links, err = db.FriendLinks(ctx, a, u(1))
			if err != nil || len(links) != 2 || links[0].Source != "shopify" || links[0].How != kizuna.LinkClaimed || links[0].RecordID != "C1" || links[1].Source != "hubspot" {
				t.Fatalf("friend 1's links: %+v %v", links, err)
			}
			apply(a, shop("C1", "", 6, true))
			if links, _ := db.FriendLinks(ctx, a, u(1)); len(links) != 1 || links[0].Source != "hubspot" {
				t.Errorf("friend 1's links after its Shopify record went: %+v", links)
			}
			if links, _ := db.FriendLinks(ctx, b, u(3)); len(links) != 0 {
				t.Errorf("the other account's friend 3: %+v", links)
			}
		})
	}
}
