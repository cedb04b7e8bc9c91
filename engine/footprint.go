package engine

import (
	"github.com/RoaringBitmap/roaring/v2"
)

// Part is the memory one part of an index takes, approximately: what its
// columns, bitmaps and dictionaries hold, without the maps' own overhead
// beyond a fixed estimate per entry.
type Part struct {
	Name  string
	Bytes uint64
}

// mapEntry is an estimate of a Go map entry's overhead beyond its key and value.
const mapEntry = 16

// Footprint reports the index's memory by part, the condition cache aside.
func (idx *Index) Footprint() []Part {
	idx.mu.RLock()
	defer idx.mu.RUnlock()
	n := uint64(idx.n)
	bitmaps := func(bs ...*roaring.Bitmap) (sum uint64) {
		for _, b := range bs {
			sum += b.GetSizeInBytes()
		}
		return sum
	}
	mapped := func(m map[string]*roaring.Bitmap) (sum uint64) {
		for k, b := range m {
			sum += uint64(len(k)) + 16 + 8 + mapEntry + b.GetSizeInBytes()
		}
		return sum
	}
	var odd uint64
	for _, s := range idx.oddIDs {
		odd += 2 * (uint64(len(s)) + 16 + 4 + mapEntry)
	}
	var renamed uint64
	for _, s := range idx.renamed {
		renamed += uint64(len(s)) + 16 + 4 + mapEntry
	}
	var lists, text, num, day, propBitmaps uint64
	for _, source := range []string{"hubspot", "klaviyo"} {
		lists += mapped(idx.lists[source])
		for _, p := range idx.props[source] {
			propBitmaps += bitmaps(p.known, p.boolTrue, p.boolFalse)
			text += uint64(len(p.text.f))*8 + uint64(len(p.arena))
			for s := range p.codes {
				text += uint64(len(s)) + 16 + 4 + mapEntry
			}
			num += uint64(len(p.num.f)) * 12
			day += uint64(len(p.day.f)) * 8
		}
	}
	return []Part{
		{"LINE user IDs (16 bytes each) and their lookup order", n*16 + uint64(len(idx.byID))*4 + uint64(len(idx.later))*(20+mapEntry) + odd},
		{"display names", uint64(len(idx.names)) + n*4 + renamed},
		{"added at and added day", n * 12},
		{"sample order", n * 4},
		{"active, linked and Shopify presence bitmaps", bitmaps(idx.active, idx.estimated, idx.shopify, idx.hubspot, idx.klaviyo, idx.hasLastOrder, idx.hasAbandoned)},
		{"friend tags", mapped(idx.tags)},
		{"Shopify orders (range-encoded), last order day, abandoned cart", bitmaps(idx.ordersGE[1:]...) + uint64(len(idx.ordersBig.f))*12 + n*4 + uint64(len(idx.abandoned.f))*12},
		{"Shopify tags", mapped(idx.shopifyTags)},
		{"HubSpot segments and Klaviyo lists", lists},
		{"property text (codes and dictionary)", text},
		{"property numbers", num},
		{"property days", day},
		{"property known and bool bitmaps", propBitmaps},
	}
}
