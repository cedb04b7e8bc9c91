package engine

import (
	"context"
	"slices"

	"github.com/kizuna-line/kizuna"
)

// MaxShopifyTagNames bounds ShopifyTagNames' answer.
const MaxShopifyTagNames = 1000

// TagNames lists the account's friend tag names from its index (the
// database's when the index is not built yet), without counting friends.
func (e *Engine) TagNames(ctx context.Context, a *kizuna.Account) ([]string, error) {
	idx, err := e.index(ctx, a)
	if err != nil || idx == nil {
		return e.scanner.TagNames(ctx, a)
	}
	idx.mu.RLock()
	defer idx.mu.RUnlock()
	out := make([]string, 0, len(idx.tagNames))
	for name, ok := range idx.tagNames {
		if ok {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out, nil
}

// ShopifyTagNames lists the Shopify customer tags the account's friends
// carry, normalized (kizuna.Normalize: how filters compare them), sorted,
// at most MaxShopifyTagNames, from the index without a pass over the
// friends (the database's ShopifyTags before the index is built).
func (e *Engine) ShopifyTagNames(ctx context.Context, a *kizuna.Account) ([]string, error) {
	idx, err := e.index(ctx, a)
	if err != nil || idx == nil {
		return e.Store.ShopifyTags(ctx, a)
	}
	idx.mu.RLock()
	defer idx.mu.RUnlock()
	out := make([]string, 0, len(idx.shopifyTags))
	for name, b := range idx.shopifyTags {
		if !b.IsEmpty() {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	if len(out) > MaxShopifyTagNames {
		out = out[:MaxShopifyTagNames]
	}
	return out, nil
}
