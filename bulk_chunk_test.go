package catalog

import "testing"

// Chunks hold about chunkTargetBytes of JSON: many small rows, few large
// ones, never none, never more than maxChunkRows.
func TestChunkRows(t *testing.T) {
	for _, tc := range []struct {
		bytes, rows, want int
	}{
		{0, 0, firstChunkRows},                     // nothing encoded yet
		{94 * 256, 256, maxChunkRows},              // minimal products: 1,394 would fit, capped
		{9_300 * 16, 16, chunkTargetBytes / 9_300}, // full products: 56 rows
		{35_000_000, 1, 1},                         // one huge row
		{0, 40, maxChunkRows},                      // every row failed: no bytes
	} {
		if got := chunkRows(tc.bytes, tc.rows); got != tc.want {
			t.Errorf("chunkRows(%d, %d) = %d, want %d", tc.bytes, tc.rows, got, tc.want)
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
