package sqlstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

// TestSourceRecords applies records from the sources as a sync would: a
// record linked to the friend it claims gives that friend its data (the
// engine's next preview counts it), an older record loses to a newer one,
// a claim that moves unlinks the first friend, a second record claiming a
// linked friend is a reported conflict, links by hand win over claims, an
// unlink or a deleted record takes the data away, and another account is
// untouched.
func TestSourceRecords(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := testdb.Open(t, backend)
			eng := engine.New(db, db, nil)
			defer eng.Stop()
			a, _ := db.CreateAccount(ctx, "shop", "")
			b, _ := db.CreateAccount(ctx, "other", "")
			u := func(i int) string { return fmt.Sprintf("U%032x", i) }
			var lines []string
			for i := 1; i <= 4; i++ {
				lines = append(lines, fmt.Sprintf(`{"line_user_id": %q, "added_at": "2026-11-01T10:00:00+09:00"}`, u(i)))
			}
			for _, acc := range []*kizuna.Account{a, b} {
				if _, err := db.ImportFriends(ctx, acc, strings.NewReader(strings.Join(lines, "\n")), kizuna.ImportOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			waitReady(t, eng, a)
			waitReady(t, eng, b)
			count := func(acc *kizuna.Account, filter string) int64 {
				t.Helper()
				p, err := eng.Preview(ctx, acc, kizuna.PreviewRequest{Filter: json.RawMessage(filter), CountOnly: true})
				if err != nil {
					t.Fatal(err)
				}
				if p.AnsweredBy != "engine" {
					t.Fatalf("answered by %s", p.AnsweredBy)
				}
				q, err := db.Preview(ctx, acc, kizuna.PreviewRequest{Filter: json.RawMessage(filter), CountOnly: true})
				if err != nil || q.Count != p.Count {
					t.Fatalf("%s: the engine counts %d, SQL %d (%v)", filter, p.Count, q.Count, err)
				}
				return p.Count
			}
			orders := func(n int) string {
				return fmt.Sprintf(`{"groups":[{"conditions":[{"field":"shopify.orders_count","op":"gte","value":%d}]}]}`, n)
			}
			const customer = `{"groups":[{"conditions":[{"field":"hubspot.property","property":"lifecyclestage","type":"string","op":"eq","value":"customer"}]}]}`
			const newsletter = `{"groups":[{"conditions":[{"field":"klaviyo.list","op":"member_of","value":["L1"]}]}]}`
			t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
			at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
			last := at(-48)
			shop := func(id, claim string, h int, n int64) kizuna.SourceRecord {
				return kizuna.SourceRecord{Source: "shopify", RecordID: id, LineUserID: claim, UpdatedAt: at(h),
					Shopify: &kizuna.ShopifyCustomer{Tags: []string{"VIP"}, OrdersCount: n, LastOrderAt: &last}}
			}
			apply := func(acc *kizuna.Account, rs ...kizuna.SourceRecord) *kizuna.RecordsResult {
				t.Helper()
				res, err := db.ApplySourceRecords(ctx, acc, rs)
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			res := apply(a, shop("C1", u(1), 1, 3),
				kizuna.SourceRecord{Source: "hubspot", RecordID: "H1", LineUserID: u(2), UpdatedAt: at(1),
					HubSpot: &kizuna.HubSpotContact{Segments: []string{"12"}, Properties: kizuna.Properties{"lifecyclestage": json.RawMessage(`"customer"`)}}},
				kizuna.SourceRecord{Source: "klaviyo", RecordID: "K1", LineUserID: u(3), UpdatedAt: at(1),
					Klaviyo: &kizuna.KlaviyoProfile{Lists: []string{"L1"}, Properties: kizuna.Properties{"plan": json.RawMessage(`"gold"`)}}})
			if res.Applied != 3 || res.Friends != 3 || len(res.Conflicts) != 0 {
				t.Fatalf("first apply: %+v", res)
			}
			if count(a, orders(3)) != 1 || count(a, customer) != 1 || count(a, newsletter) != 1 {
				t.Fatalf("after the first records: %d %d %d", count(a, orders(3)), count(a, customer), count(a, newsletter))
			}
			if count(b, orders(3)) != 0 {
				t.Fatal("another account sees the records")
			}
			// Older loses, newer wins.
			if res := apply(a, shop("C1", u(1), 0, 9)); res.Stale != 1 || res.Applied != 0 {
				t.Fatalf("an older record: %+v", res)
			}
			if count(a, orders(5)) != 0 {
				t.Fatal("an older record was applied")
			}
			apply(a, shop("C1", u(1), 2, 5))
			if count(a, orders(5)) != 1 {
				t.Fatal("a newer record was not applied")
			}
			// The claim moves to friend 4: friend 1 loses the data.
			apply(a, shop("C1", u(4), 3, 5))
			f1, _ := db.FindFriend(ctx, a, u(1))
			f4, _ := db.FindFriend(ctx, a, u(4))
			if f1.Shopify != nil || f4.Shopify == nil || f4.Shopify.OrdersCount != 5 || f4.Shopify.CustomerID != "C1" || len(f4.Shopify.Tags) != 1 {
				t.Fatalf("after the claim moved: %+v / %+v", f1.Shopify, f4.Shopify)
			}
			// A second record claiming friend 4: reported, not linked.
			res = apply(a, shop("C2", u(4), 3, 1))
			if len(res.Conflicts) != 1 || res.Conflicts[0].RecordID != "C2" || res.Conflicts[0].LinkedTo != "C1" {
				t.Fatalf("conflict: %+v", res)
			}
			if f4, _ = db.FindFriend(ctx, a, u(4)); f4.Shopify.CustomerID != "C1" {
				t.Fatal("the conflicting record replaced the linked one")
			}
			// By hand: friend 1 gets C2, and keeps it whatever C2 claims.
			if err := db.LinkRecord(ctx, a, "shopify", "C2", u(1), kizuna.LinkManual); err != nil {
				t.Fatal(err)
			}
			apply(a, shop("C2", u(4), 4, 7))
			if f1, _ = db.FindFriend(ctx, a, u(1)); f1.Shopify == nil || f1.Shopify.CustomerID != "C2" || f1.Shopify.OrdersCount != 7 {
				t.Fatalf("a manual link: %+v", f1.Shopify)
			}
			if n, _ := db.LinkCounts(ctx, a); n["shopify"] != 2 || n["hubspot"] != 1 || n["klaviyo"] != 1 {
				t.Fatalf("link counts %v", n)
			}
			if err := db.UnlinkRecord(ctx, a, "shopify", u(1)); err != nil {
				t.Fatal(err)
			}
			if f1, _ = db.FindFriend(ctx, a, u(1)); f1.Shopify != nil || count(a, orders(7)) != 0 {
				t.Fatal("unlink kept the data")
			}
			// A deleted record takes its data away.
			apply(a, kizuna.SourceRecord{Source: "klaviyo", RecordID: "K1", LineUserID: u(3), UpdatedAt: at(5), Deleted: true})
			if count(a, newsletter) != 0 {
				t.Fatal("a deleted record still counts")
			}
			// Refusals change nothing; another account cannot link to A's friends' records.
			if _, err := db.ApplySourceRecords(ctx, a, []kizuna.SourceRecord{{Source: "shopify", RecordID: "C3", UpdatedAt: at(6), HubSpot: &kizuna.HubSpotContact{}}}); kizuna.ErrorCode(err) != kizuna.EINVALID {
				t.Fatalf("a record with another source's data: %v", err)
			}
			if err := db.LinkRecord(ctx, b, "shopify", "C1", u(9), kizuna.LinkAPI); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
				t.Fatalf("a link to an unknown friend: %v", err)
			}
			if f4b, _ := db.FindFriend(ctx, b, u(4)); f4b.Shopify != nil {
				t.Fatal("another account's friend got data")
			}
			// A webhook delivery applies once: a replay changes nothing,
			// even with a record that would otherwise be newer.
			first, err := db.ApplyDelivery(ctx, a, "shopify", []string{"wh-1", "ev-1"}, []kizuna.SourceRecord{shop("C7", u(2), 9, 21)})
			if err != nil || first.Duplicate || first.Applied != 1 || count(a, orders(21)) != 1 {
				t.Fatalf("a delivery: %+v %v", first, err)
			}
			again, err := db.ApplyDelivery(ctx, a, "shopify", []string{"wh-1", "ev-1"}, []kizuna.SourceRecord{shop("C7", u(2), 10, 30)})
			if err != nil || !again.Duplicate || again.Applied != 0 || count(a, orders(30)) != 0 {
				t.Fatalf("a replay: %+v %v", again, err)
			}
			if _, err := db.ApplyDelivery(ctx, a, "hubspot", []string{"x"}, []kizuna.SourceRecord{shop("C7", u(2), 11, 30)}); kizuna.ErrorCode(err) != kizuna.EINVALID {
				t.Fatalf("a Shopify record in a HubSpot delivery: %v", err)
			}
			// A record claiming someone who is not a friend yet: when the
			// friend follows, it has the record's data at once.
			apply(a, shop("C9", u(9), 7, 12))
			if _, err := db.ApplyWebhookEvents(ctx, a, []kizuna.WebhookEvent{{ID: "01JFOLLOW9", Type: kizuna.EventFollow, LineUserID: u(9), At: at(8)}}); err != nil {
				t.Fatal(err)
			}
			if f9, err := db.FindFriend(ctx, a, u(9)); err != nil || f9.Shopify == nil || f9.Shopify.OrdersCount != 12 || count(a, orders(12)) != 2 {
				t.Fatal("a friend who followed after the record arrived has none of its data")
			}
		})
	}
}

// waitReady loads the account's engine index and waits for it.
func waitReady(t *testing.T, e *engine.Engine, a *kizuna.Account) {
	t.Helper()
	e.Load(a)
	deadline := time.Now().Add(30 * time.Second)
	for !e.Ready(a) {
		if time.Now().After(deadline) {
			t.Fatal("index not ready after 30s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
