package engine

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// BenchmarkSortIDOrder sorts 10M random 16-byte LINE user IDs into the
// lookup order, the longer of the build's two sorts (docs/benchmarks.md):
//
//	go test -run XXX -bench SortIDOrder -benchtime 3x ./engine/
func BenchmarkSortIDOrder(b *testing.B) {
	const n = 10_000_000
	r := rand.New(rand.NewPCG(1, 2))
	idx := &Index{n: n, ids: make([][16]byte, n), oddIDs: map[uint32]string{}}
	for i := range idx.ids {
		binary.BigEndian.PutUint64(idx.ids[i][:8], r.Uint64())
		binary.BigEndian.PutUint64(idx.ids[i][8:], r.Uint64())
	}
	for b.Loop() {
		idx.sortIDOrder()
	}
}
