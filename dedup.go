package catalog

import (
	"fmt"
	"hash/maphash"
	"math"
)

// streamKeys remembers the identity (entity_code, falling back to sku) of
// every row ImportAll has taken into a request, so that a key repeated
// anywhere in the stream is caught, not only within one request: otherwise
// both copies would be applied, each as a new version, and which one ends
// current would depend on where the requests happen to split.
//
// The first copy of a key wins: it is sent, and every later copy is a
// failed row (Rejected, Field "entity_code") whose reason names the row it
// repeats. A copy that fails for another reason (validation, size) does not
// count: the next copy of its key is then the first.
//
// Memory. Keys are not kept: each is reduced to a 64-bit hash, which places
// it in an open-addressing table, plus an independent 32-bit check hash and
// the row number, 16 bytes a slot. The table doubles when three quarters
// full, so it holds between 21 and 43 bytes per distinct key; measured with
// runtime.MemStats over 1,000,000 keys: 33.5 bytes per key
// (TestStreamKeysMemory), so a 10-million-row stream needs at most 430 MB
// for it, whatever the length of its keys.
//
// Collisions. Two distinct keys share a slot only when both hashes agree:
// 96 bits, chosen with random seeds for each ImportAll. Then the later key
// would be wrongly refused as a repeat. Over n distinct keys the chance that
// this happens at all is about n²/2^97: 6e-18 for a million keys, 6e-14 for
// a hundred million. A distinct key colliding on the 64-bit hash alone is
// told apart by the check hash and kept. The seeds change every run, so such
// a refusal would not recur on a retry.
type streamKeys struct {
	seed, checkSeed maphash.Seed
	slots           []keySlot // length a power of two, or 0 before the first key
	n               int
}

type keySlot struct {
	hash  uint64 // 0 marks an empty slot
	check uint32
	row   uint32 // the first copy's row, saturated at math.MaxUint32
}

func newStreamKeys() *streamKeys {
	return &streamKeys{seed: maphash.MakeSeed(), checkSeed: maphash.MakeSeed()}
}

// claim records p's key for row, or returns the row error of a later copy.
func (s *streamKeys) claim(p *Product, row int) *RowError {
	key := p.key()
	h := max(maphash.String(s.seed, key), 1) // 0 marks an empty slot
	check := uint32(maphash.String(s.checkSeed, key))
	if (s.n+1)*4 > len(s.slots)*3 {
		s.grow()
	}
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		sl := &s.slots[i]
		switch {
		case sl.hash == 0:
			*sl = keySlot{hash: h, check: check, row: uint32(min(row, math.MaxUint32))}
			s.n++
			return nil
		case sl.hash == h && sl.check == check:
			first := fmt.Sprintf("row %d", sl.row)
			if sl.row == math.MaxUint32 {
				first = "an earlier row"
			}
			return &RowError{EntityCode: p.EntityCode, Field: "entity_code", Rejected: true,
				Reason: fmt.Sprintf("%q repeats %s: ImportAll sends only the first copy of a key", key, first)}
		}
	}
}

// grow doubles the table (64 slots to start) and re-places every key.
func (s *streamKeys) grow() {
	old := s.slots
	s.slots = make([]keySlot, max(64, 2*len(old)))
	mask := uint64(len(s.slots) - 1)
	for _, sl := range old {
		if sl.hash == 0 {
			continue
		}
		i := sl.hash & mask
		for s.slots[i].hash != 0 {
			i = (i + 1) & mask
		}
		s.slots[i] = sl
	}
}
