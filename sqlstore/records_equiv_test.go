package sqlstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/sqlstore"
)

// TestApplyRecordsLikeSequential applies the same random batches of
// records (pages and webhook deliveries: older and newer versions of the
// same records in one batch, claims that move, conflicts, deleted records,
// links by hand between batches, replayed deliveries) to two accounts:
// one through ApplySourceRecords, ApplyDelivery and ApplyDeliveries
// (several deliveries at once), the other through the
// record-by-record version they replaced. The results and everything
// stored (records, links, friends' source columns and child rows) must be
// the same.
func TestApplyRecordsLikeSequential(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := testdb.Open(t, backend)
			clock := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
			db.Now = func() time.Time { return clock }
			u := func(i int) string { return fmt.Sprintf("U%032x", i) }
			var lines []string
			for i := 1; i <= 8; i++ { // friends 9 and 10 are not friends
				lines = append(lines, fmt.Sprintf(`{"line_user_id": %q, "added_at": "2026-11-01T10:00:00+09:00"}`, u(i)))
			}
			var accounts [2]*kizuna.Account
			for i := range accounts {
				a, err := db.CreateAccount(ctx, fmt.Sprintf("acc%d", i), "")
				if err != nil {
					t.Fatal(err)
				}
				if _, err := db.ImportFriends(ctx, a, strings.NewReader(strings.Join(lines, "\n")), kizuna.ImportOptions{}); err != nil {
					t.Fatal(err)
				}
				accounts[i] = a
			}
			rng := rand.New(rand.NewPCG(11, uint64(len(backend))))
			t0 := clock
			record := func(source string, step int) kizuna.SourceRecord {
				r := kizuna.SourceRecord{Source: source, RecordID: fmt.Sprintf("R%d", rng.IntN(10)), UpdatedAt: t0.Add(time.Duration(step+rng.IntN(10)) * time.Minute)}
				if rng.IntN(3) > 0 {
					r.LineUserID = u(1 + rng.IntN(10))
				}
				if rng.IntN(8) == 0 {
					r.Deleted = true
					return r
				}
				n := rng.IntN(3)
				props := kizuna.Properties{"plan": json.RawMessage(fmt.Sprintf(`"p%d"`, n)), "score": json.RawMessage(fmt.Sprint(rng.IntN(100)))}
				switch source {
				case kizuna.SourceShopify:
					last := t0.Add(-time.Duration(rng.IntN(100)) * time.Hour)
					r.Shopify = &kizuna.ShopifyCustomer{Tags: []string{"VIP", fmt.Sprintf("t%d", n)}[:1+n%2], OrdersCount: int64(rng.IntN(20)), LastOrderAt: &last}
				case kizuna.SourceHubSpot:
					r.HubSpot = &kizuna.HubSpotContact{Segments: []string{fmt.Sprint(n)}, Properties: props}
				default:
					r.Klaviyo = &kizuna.KlaviyoProfile{Lists: []string{fmt.Sprintf("L%d", n), "L9"}[:1+n%2], Properties: props}
				}
				return r
			}
			clone := func(rs []kizuna.SourceRecord) []kizuna.SourceRecord {
				b, _ := json.Marshal(rs)
				var out []kizuna.SourceRecord
				json.Unmarshal(b, &out)
				return out
			}
			var total kizuna.RecordsResult
			duplicates, batches := 0, 0
			for step := 0; step < 120; step++ {
				clock = clock.Add(time.Second)
				if rng.IntN(6) == 0 { // a link by hand, on both accounts
					source := kizuna.Sources[rng.IntN(3)]
					id, user, how := fmt.Sprintf("R%d", rng.IntN(10)), u(1+rng.IntN(8)), []string{kizuna.LinkAPI, kizuna.LinkManual}[rng.IntN(2)]
					for _, a := range accounts {
						if err := db.LinkRecord(ctx, a, source, id, user, how); err != nil {
							t.Fatal(err)
						}
					}
					continue
				}
				// A page of a sync, a delivery, or deliveries applied together.
				var source string
				var group []kizuna.Delivery
				mode := rng.IntN(3)
				if mode > 0 {
					source = kizuna.Sources[rng.IntN(3)]
				}
				count := 1
				if mode == 2 {
					count = 2 + rng.IntN(5)
				}
				for range count {
					var d kizuna.Delivery
					n := 1 + rng.IntN(15)
					if mode > 0 {
						d.Keys = []string{fmt.Sprintf("k%d", rng.IntN(20)), fmt.Sprintf("k%d", rng.IntN(20))}
						n = 1 + rng.IntN(3)
					}
					for range n {
						s := source
						if s == "" {
							s = kizuna.Sources[rng.IntN(3)]
						}
						d.Records = append(d.Records, record(s, step))
					}
					group = append(group, d)
				}
				var got [2][]*kizuna.RecordsResult
				for i, a := range accounts {
					var err error
					switch {
					case i == 1:
						for _, d := range group {
							res, err := db.ApplyRecordsSequential(ctx, a, source, d.Keys, clone(d.Records))
							if err != nil {
								t.Fatalf("step %d: %v", step, err)
							}
							got[i] = append(got[i], res)
						}
					case mode == 2:
						var ds []kizuna.Delivery
						for _, d := range group {
							ds = append(ds, kizuna.Delivery{Keys: d.Keys, Records: clone(d.Records)})
						}
						got[i], err = db.ApplyDeliveries(ctx, a, source, ds)
					case mode == 1:
						var res *kizuna.RecordsResult
						res, err = db.ApplyDelivery(ctx, a, source, group[0].Keys, clone(group[0].Records))
						got[i] = append(got[i], res)
					default:
						var res *kizuna.RecordsResult
						res, err = db.ApplySourceRecords(ctx, a, clone(group[0].Records))
						got[i] = append(got[i], res)
					}
					if err != nil {
						t.Fatalf("step %d: %v", step, err)
					}
				}
				if mode == 2 {
					batches++
				}
				for _, res := range got[0] {
					total.Applied += res.Applied
					total.Stale += res.Stale
					total.Friends += res.Friends
					total.Conflicts = append(total.Conflicts, res.Conflicts...)
					if res.Duplicate {
						duplicates++
					}
				}
				if !reflect.DeepEqual(got[0], got[1]) {
					t.Fatalf("step %d (mode %d): results differ: %s, sequentially %s", step, mode, showResults(got[0]), showResults(got[1]))
				}
				if a, b := dumpSources(t, db, accounts[0]), dumpSources(t, db, accounts[1]); !reflect.DeepEqual(a, b) {
					for i := range a {
						if i < len(b) && a[i] != b[i] {
							t.Fatalf("step %d: stored state differs:\n%s\nsequentially:\n%s", step, a[i], b[i])
						}
					}
					t.Fatalf("step %d: stored state differs: %d rows, sequentially %d", step, len(a), len(b))
				}
			}
			t.Logf("applied %d, stale %d, conflicts %d, friends %d, duplicate deliveries %d, ApplyDeliveries %d", total.Applied, total.Stale, len(total.Conflicts), total.Friends, duplicates, batches)
			if total.Stale == 0 || len(total.Conflicts) == 0 || duplicates == 0 || batches == 0 {
				t.Fatal("the batches missed a case")
			}
		})
	}
}

func showResults(rs []*kizuna.RecordsResult) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "%+v ", *r)
	}
	return b.String()
}

// dumpSources lists, as text, everything the records of account a wrote.
func dumpSources(t *testing.T, db *sqlstore.DB, a *kizuna.Account) []string {
	t.Helper()
	var out []string
	for _, q := range []string{
		`SELECT source, record_id, claimed, updated_at_us, deleted, data FROM source_records WHERE account_id = %d ORDER BY 1, 2`,
		`SELECT source, line_user_id, record_id, how, linked_at_us FROM source_links WHERE account_id = %d ORDER BY 1, 2`,
		`SELECT line_user_id, shopify_linked, shopify_customer_id, shopify_orders_count, shopify_last_order_us, shopify_last_order_day, shopify_abandoned_us,
			shopify_checkouts, hubspot_linked, hubspot_contact_id, klaviyo_linked, klaviyo_profile_id, updated_at_us FROM friends WHERE account_id = %d ORDER BY 1`,
		`SELECT f.line_user_id, t.tag, t.tag_norm FROM friend_shopify_tags t JOIN friends f ON f.id = t.friend_id WHERE f.account_id = %d ORDER BY 1, 2`,
		`SELECT f.line_user_id, l.source, l.list_id FROM friend_lists l JOIN friends f ON f.id = l.friend_id WHERE f.account_id = %d ORDER BY 1, 2, 3`,
		`SELECT f.line_user_id, p.source, p.name, p.raw, p.known, p.text_norm, p.num, p.bool, p.day FROM friend_properties p JOIN friends f ON f.id = p.friend_id
			WHERE f.account_id = %d ORDER BY 1, 2, 3`,
	} {
		rows, err := db.WriteDB().Query(fmt.Sprintf(q, a.ID))
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			b.WriteString(cols[0])
			for i, v := range vals {
				if s, ok := v.([]byte); ok {
					v = string(s)
				}
				fmt.Fprintf(&b, " %s=%v", cols[i], v)
			}
			out = append(out, b.String())
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}
