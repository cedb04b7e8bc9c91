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

// BenchmarkRangeDense32 scans a day column of 10M friends for a range
// holding about a tenth of them (docs/decisions.md, "Numbers and days"):
//
//	go test -run XXX -bench RangeDense32 -benchtime 20x ./engine/
func BenchmarkRangeDense32(b *testing.B) {
	const n = 10_000_000
	r := rand.New(rand.NewPCG(3, 4))
	col := make([]int32, n)
	for i := range col {
		col[i] = 20000 + int32(r.IntN(1000))
	}
	for b.Loop() {
		rangeDense32(col, 20100, 20199)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/friend")
}
