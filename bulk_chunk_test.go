package catalog

import "testing"

// Chunks hold about chunkTargetBytes of JSON at the largest row seen:
// many small rows, few large ones, never none, never more than
// maxChunkRows.
func TestChunkRows(t *testing.T) {
	for _, tc := range []struct{ largest, want int }{
		{94, maxChunkRows},          // minimal products: 5,577 would fit, capped
		{9_300, 56},                 // full products
		{35_000_000, 1},             // one huge row
		{0, maxChunkRows},           // every row failed: no bytes
		{chunkTargetBytes, 1},       // rows as large as the target
		{chunkTargetBytes/2 - 1, 2}, // two fit
	} {
		if got := chunkRows(tc.largest); got != tc.want {
			t.Errorf("chunkRows(%d) = %d, want %d", tc.largest, got, tc.want)
		}
	}
}

// One encoding goroutine on up to two cores, half the cores above, at
// most four.
func TestEncodeWorkersFor(t *testing.T) {
	for cores, want := range map[int]int{1: 1, 2: 1, 3: 1, 4: 2, 5: 2, 6: 3, 8: 4, 64: 4} {
		if got := encodeWorkersFor(cores); got != want {
			t.Errorf("encodeWorkersFor(%d) = %d, want %d", cores, got, want)
		}
	}
}
