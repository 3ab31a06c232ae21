package catalog

import (
	"hash/maphash"
	"runtime"
	"strconv"
	"testing"
)

// A distinct key whose 64-bit hash equals an earlier key's is told apart by
// the check hash: it is not refused.
func TestStreamKeysHashCollisionKeptApart(t *testing.T) {
	s := newStreamKeys(nil)
	s.grow()
	p := &Product{EntityCode: "B"}
	h := max(maphash.String(s.seed, "B"), 1)
	check := uint32(maphash.String(s.checkSeed, "B"))
	// An earlier key with the same hash and another check hash.
	s.slots[h&uint64(len(s.slots)-1)] = keySlot{hash: h, check: ^check, row: 0}
	s.n = 1
	if err := s.claim(p, 1); err != nil {
		t.Fatalf("a distinct key with the same 64-bit hash was refused: %v", err)
	}
	if err := s.claim(p, 2); err == nil || err.Reason != `"B" repeats row 1: ImportAll sends only the first copy of a key` {
		t.Fatalf("the real repeat: %v", err)
	}
}

func TestStreamKeysFallsBackToSKU(t *testing.T) {
	s := newStreamKeys(nil)
	if err := s.claim(&Product{EntityCode: "X"}, 0); err != nil {
		t.Fatal(err)
	}
	err := s.claim(&Product{SKU: "X"}, 7)
	if err == nil || err.Field != "entity_code" || !err.Rejected || err.Reason != `"X" repeats row 0: ImportAll sends only the first copy of a key` {
		t.Fatalf("got %+v", err)
	}
	if err := s.claim(&Product{EntityCode: "Y", SKU: "X"}, 8); err != nil {
		t.Fatalf("entity_code Y with sku X is another product: %v", err)
	}
}

// TestStreamKeysMemory measures the heap the set holds per distinct key,
// the figure given on streamKeys and in docs/DESIGN.md.
func TestStreamKeysMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("inserts a million keys")
	}
	const n = 1_000_000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := newStreamKeys(nil)
	p := &Product{}
	for i := range n {
		p.EntityCode = "SKU-" + strconv.Itoa(i)
		if err := s.claim(p, i); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perKey := float64(after.HeapAlloc-before.HeapAlloc) / n
	runtime.KeepAlive(s)
	t.Logf("%.1f bytes per key over %d keys (%d slots)", perKey, n, len(s.slots))
	if perKey > 43 {
		t.Errorf("%.1f bytes per key, want at most 43", perKey)
	}
}

func BenchmarkStreamKeysClaim(b *testing.B) {
	s := newStreamKeys(nil)
	p := &Product{}
	keys := make([]string, 1<<20)
	for i := range keys {
		keys[i] = "SKU-" + strconv.Itoa(i)
	}
	i := 0
	for b.Loop() {
		p.EntityCode = keys[i&(len(keys)-1)]
		_ = s.claim(p, i)
		i++
	}
}
