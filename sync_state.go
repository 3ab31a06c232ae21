package catalog

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// SyncState is where an incremental sync keeps, between runs, the content
// hash of every product the platform confirmed, so that the next run sends
// only what changed. The SDK keeps no database: the caller chooses where
// the state lives (package syncstate keeps it in a JSON file; a vendor may
// back it with its own store). Use one state per import source.
//
// Client.Sync calls Commit after each confirmed checkpoint (a slice of the
// feed, SyncOptions.CheckpointRows rows) and after each removal request.
// A run that crashes therefore loses at most the checkpoints not yet
// committed: their products have no recorded hash, or an old one, so the
// next run sends them again (the platform stores a new, identical
// version: harmless).
type SyncState interface {
	// Hash returns the content hash recorded for the product, or "" when
	// none is.
	Hash(entityCode string) string
	// Commit records hashes of products the platform confirmed and forgets
	// the removed ones. It must be durable when it returns.
	Commit(confirmed map[string]string, removed []string) error
}

// hashPrefix is what contentHash hashes ahead of the product: the request
// options that change what the platform stores (merge mode and update
// mask). A sync computes it once.
func hashPrefix(o RequestOptions) []byte {
	return fmt.Appendf(nil, "%s\x00%q\x00", o.MergeMode.orDefault(), o.UpdateMask)
}

// contentHash validates and encodes p, and returns the hash an
// incremental sync compares: SHA-256 of prefix and of the product as the
// client encodes it. For a product that fails validation it returns the
// row fault (as the row encoder reports it) and "".
func contentHash(enc *rowEncoder, prefix []byte, p *Product) (string, *RowError) {
	raw, rowErr := enc.encode(p, nil)
	if rowErr != nil {
		return "", rowErr
	}
	h := sha256.New()
	h.Write(prefix)
	h.Write(raw)
	return hex.EncodeToString(h.Sum(nil)[:16]), nil
}
