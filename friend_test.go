package kizuna_test

import (
	"strings"
	"testing"

	"github.com/kizuna-line/kizuna"
)

// TestParseFriendLineRefusals checks that each bad line is refused with a
// message that says what is wrong and where.
func TestParseFriendLineRefusals(t *testing.T) {
	const id = `"line_user_id": "U00000000000000000000000000000001"`
	const added = `"added_at": "2026-11-20T10:00:00+09:00"`
	for _, tc := range []struct{ line, want string }{
		{`not json`, "invalid JSON"},
		{`{` + added + `}`, "line_user_id is required"},
		{`{"line_user_id": "U123", ` + added + `}`, `line_user_id "U123"`},
		{`{` + id + `}`, "added_at is required"},
		{`{` + id + `, "added_at": "2026-11-20 10:00"}`, `added_at "2026-11-20 10:00"`},
		{`{` + id + `, "added_at": "2026-11-20T10:00:00"}`, "with an offset"},
		{`{` + id + `, ` + added + `, "status": "gone"}`, `status "gone"`},
		{`{` + id + `, ` + added + `, "nickname": "x"}`, `unknown key "nickname"`},
		{`{` + id + `, ` + added + `, "shopify": {"orders": 3}}`, `unknown key "orders"`},
		{`{` + id + `, ` + added + `, "shopify": {"orders_count": "3"}}`, "shopify.orders_count must be a number"},
		{`{` + id + `, ` + added + `, "shopify": {"orders_count": -1}}`, "out of range"},
		{`{` + id + `, ` + added + `, "shopify": {"checkouts": [{"id": "c"}]}}`, "shopify.checkouts[0].updated_at is required"},
		{`{` + id + `, ` + added + `, "tags": ["VIP", " "]}`, "tags[1] is empty"},
		{`{` + id + `, ` + added + `, "tags": "VIP"}`, "tags must be a list"},
		{`{` + id + `, ` + added + `} {}`, "unexpected data"},
		{`{` + id + `, ` + added + `}}`, "unexpected data"},
		{`{` + id + `, "added_at": "2026-11-20T10:00:00+24:00"}`, "with an offset"},
		{`{` + id + `, ` + added + `, "shopify": {"orders_count": 9007199254740993}}`, "out of range"},
	} {
		_, err := kizuna.ParseFriendLine([]byte(tc.line))
		if err == nil || kizuna.ErrorCode(err) != kizuna.EINVALIDIMPORT || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s\n got %v\nwant %q", tc.line, err, tc.want)
		}
	}
}

// TestParseFriendLine checks defaults, links and the derived abandoned cart.
func TestParseFriendLine(t *testing.T) {
	f, err := kizuna.ParseFriendLine([]byte(`{"line_user_id": "U00000000000000000000000000000001", "added_at": "2026-11-20T10:00:00.1234567+09:00",
		"tags": ["VIP", "VIP", "新規"], "shopify": {"customer_id": "1", "last_order_at": "2026-11-01T00:00:00Z",
		"checkouts": [{"id": "a", "updated_at": "2026-10-01T00:00:00Z"}, {"id": "b", "updated_at": "2026-11-02T00:00:00Z", "completed_at": null},
		{"id": "c", "updated_at": "2026-11-03T00:00:00Z", "completed_at": "2026-11-03T00:10:00Z"}]}, "hubspot": null}`))
	if err != nil {
		t.Fatal(err)
	}
	if f.Status != kizuna.StatusFollowing || len(f.Tags) != 2 || f.HubSpot != nil || f.Shopify == nil || f.Shopify.OrdersCount != 0 {
		t.Errorf("parsed %+v", f)
	}
	if f.AddedAt.Nanosecond() != 123456000 {
		t.Errorf("added_at not truncated to microseconds: %v", f.AddedAt)
	}
	at, ok := f.Shopify.AbandonedAt()
	if !ok || at.Format("2006-01-02") != "2026-11-02" {
		t.Errorf("abandoned cart %v %v, want the checkout after the last order", at, ok)
	}
}
