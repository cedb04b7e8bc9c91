package sqlstore

import (
	"context"
	"fmt"

	"github.com/kizuna-line/kizuna"
)

// MaxShopifyTagSuggestions bounds the Shopify tags ShopifyTags lists: the
// editor suggests them while typing, and an account with more distinct
// tags than this gets the first ones by name.
const MaxShopifyTagSuggestions = 1000

// ShopifyTags lists the distinct Shopify customer tags stored for the
// account's friends, as written, sorted, at most MaxShopifyTagSuggestions.
func (db *DB) ShopifyTags(ctx context.Context, a *kizuna.Account) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`
		SELECT DISTINCT st.tag
		FROM friend_shopify_tags st
		JOIN friends f ON f.id = st.friend_id
		WHERE f.account_id = ?
		ORDER BY st.tag
		LIMIT ?`), a.ID, MaxShopifyTagSuggestions)
	if err != nil {
		return nil, fmt.Errorf("list shopify tags: %w", err)
	}
	defer rows.Close()
	tags := []string{}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("list shopify tags: %w", err)
		}
		tags = append(tags, t)
	}
	return tags, rows.Err()
}
