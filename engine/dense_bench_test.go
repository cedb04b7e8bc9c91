package engine

import (
	"math/rand/v2"
	"testing"

	"github.com/RoaringBitmap/roaring/v2"
)

// midDensity returns a random set of 10M friends at density p, as a roaring
// bitmap and as the bitset a cached condition keeps.
func midDensity(p float64, seed uint64) (*roaring.Bitmap, []uint64) {
	const n = 10_000_000
	r := rand.New(rand.NewPCG(seed, 1))
	var c collector
	for i := range uint32(n) {
		if r.Float64() < p {
			c.add(i)
		}
	}
	b := c.bitmap()
	b.RunOptimize()
	return b, toDense(b, (n+63)/64)
}

// BenchmarkMidDensityAnd compares intersecting two 3% and 4% sets of 10M
// friends as roaring bitmaps (array containers) and as bitsets, the case
// dense groups exist for (docs/decisions.md):
//
//	go test -run XXX -bench MidDensityAnd ./engine/
func BenchmarkMidDensityAnd(b *testing.B) {
	x, dx := midDensity(0.03, 1)
	y, dy := midDensity(0.04, 2)
	b.Run("roaring", func(b *testing.B) {
		for b.Loop() {
			_ = roaring.And(x, y).GetCardinality()
		}
	})
	b.Run("bitset", func(b *testing.B) {
		idx := &Index{activeDense: make([]uint64, len(dx))}
		for w := range idx.activeDense {
			idx.activeDense[w] = ^uint64(0)
		}
		ops := []operand{{dense: dx}, {dense: dy}}
		for b.Loop() {
			_ = roaring.FromDense(idx.denseGroup(ops), false).GetCardinality()
		}
	})
}
