package store_test

import (
	"bytes"
	"testing"

	"flagsuite/common/store"
)

// BenchmarkWriteAtomic saves a flag-sized file (12 KB); the fsync dominates.
func BenchmarkWriteAtomic(b *testing.B) {
	dir := b.TempDir()
	data := bytes.Repeat([]byte("G"), 12<<10)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := store.WriteAtomic(dir, "BR.gif", data); err != nil {
			b.Fatal(err)
		}
	}
}
