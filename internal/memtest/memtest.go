// Package memtest measures what a piece of code allocates, for the tests
// that hold the file readers to their memory bounds.
package memtest

import "runtime"

// Bound is the most a hostile-file test lets a reader allocate.
const Bound = 64 << 20

// Growth runs f and returns the bytes it allocated (TotalAlloc) and the
// growth of the heap in use, after a collection before it.
func Growth(f func()) (alloc, inuse int64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after) // no GC first: what f left live counts
	return int64(after.TotalAlloc - before.TotalAlloc), int64(after.HeapInuse) - int64(before.HeapInuse)
}
