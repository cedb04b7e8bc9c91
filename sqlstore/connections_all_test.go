package sqlstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

// TestConnectedSources lists every account's connections in order, without
// the disconnected ones, each with its latest full read: a finished
// backfill or reconcile counts, a poll or a failure does not, and neither
// does one from before the connection was made again.
func TestConnectedSources(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := testdb.Open(t, backend)
			now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
			db.Now = func() time.Time { return now }
			tick := func() time.Time { now = now.Add(time.Minute); return now }
			b, _ := db.CreateAccount(ctx, "b-shop", "")
			a, _ := db.CreateAccount(ctx, "a-shop", "")
			connect := func(acc *kizuna.Account, source string) {
				t.Helper()
				secrets := kizuna.ConnectionSecrets{}
				for _, n := range kizuna.RequiredSecrets(source) {
					secrets[n] = "s-" + n
				}
				if err := db.Connect(ctx, acc, "ann", kizuna.Connection{Source: source, APIBase: "https://api.example.com"}, secrets); err != nil {
					t.Fatal(err)
				}
			}
			sync := func(acc *kizuna.Account, source, kind string, ok bool) time.Time {
				t.Helper()
				tick()
				s, err := db.StartSourceSync(ctx, acc, source, kind, "test")
				if err != nil {
					t.Fatal(err)
				}
				at := tick()
				if ok {
					_, err = db.FinishSourceSync(ctx, acc, s.ID)
				} else {
					_, err = db.FailSourceSync(ctx, acc, s.ID, "the source answered 503")
				}
				if err != nil {
					t.Fatal(err)
				}
				return at
			}
			if cs, err := db.ConnectedSources(ctx); err != nil || len(cs) != 0 {
				t.Fatalf("no connections: %+v %v", cs, err)
			}
			connect(b, kizuna.SourceKlaviyo)
			connect(a, kizuna.SourceKlaviyo)
			connect(a, kizuna.SourceShopify)
			connect(a, kizuna.SourceHubSpot)
			tick()
			connect(b, kizuna.SourceHubSpot)
			hubspotB := now
			if err := db.Disconnect(ctx, a, kizuna.SourceKlaviyo); err != nil {
				t.Fatal(err)
			}
			sync(a, kizuna.SourceShopify, kizuna.SyncPoll, true)
			full := sync(a, kizuna.SourceShopify, kizuna.SyncBackfill, true)
			sync(a, kizuna.SourceShopify, kizuna.SyncPoll, true)
			sync(a, kizuna.SourceShopify, kizuna.SyncReconcile, false)
			reconciled := sync(a, kizuna.SourceHubSpot, kizuna.SyncReconcile, true)
			sync(b, kizuna.SourceKlaviyo, kizuna.SyncBackfill, true)
			tick()
			connect(b, kizuna.SourceKlaviyo) // again: the earlier backfill was of the old connection

			cs, err := db.ConnectedSources(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range cs {
				last := "never"
				if !c.LastFullAt.IsZero() {
					last = c.LastFullAt.Format("15:04")
				}
				got = append(got, fmt.Sprintf("%s/%s %s", c.Account, c.Source, last))
			}
			want := []string{"a-shop/shopify " + full.Format("15:04"), "a-shop/hubspot " + reconciled.Format("15:04"), "b-shop/hubspot never", "b-shop/klaviyo never"}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("connected sources\n got %v\nwant %v", got, want)
			}
			if !cs[2].ConnectedAt.Equal(hubspotB) {
				t.Fatalf("connected at %v, want %v", cs[2].ConnectedAt, hubspotB)
			}
		})
	}
}
