package kizuna_test

import (
	"testing"

	"github.com/kizuna-line/kizuna"
)

// benchLine is a line with every part of the format, like the demo's.
var benchLine = []byte(`{"line_user_id": "U4af4980629f1bd2b5c7e1d8a0f3b6c21", "display_name": "Aiko", "added_at": "2026-11-20T10:00:00+09:00", "status": "following", "tags": ["VIP", "Seminar Attendee"], "shopify": {"customer_id": "7012345", "tags": ["wholesale"], "orders_count": 4, "last_order_at": "2026-08-01T12:00:00Z", "checkouts": [{"id": "c1", "updated_at": "2026-11-27T09:00:00Z", "completed_at": null}]}, "hubspot": {"contact_id": "501", "segments": ["12", "34"], "properties": {"lifecyclestage": "customer", "hs_lead_status": "OPEN"}}, "klaviyo": {"profile_id": "01HQ3Z", "lists": ["Y6nRLr"], "properties": {"plan": "gold", "points": 1200}}}`)

// BenchmarkParseFriendLine measures the import's parse of one full line,
// and the part of it that looks for duplicate keys.
func BenchmarkParseFriendLine(b *testing.B) {
	b.Run("parse", func(b *testing.B) {
		b.SetBytes(int64(len(benchLine)))
		for b.Loop() {
			if _, err := kizuna.ParseFriendLine(benchLine); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("duplicate-keys", func(b *testing.B) {
		b.SetBytes(int64(len(benchLine)))
		for b.Loop() {
			if err := kizuna.CheckDuplicateKeys(kizuna.EINVALIDIMPORT, benchLine); err != nil {
				b.Fatal(err)
			}
		}
	})
}
