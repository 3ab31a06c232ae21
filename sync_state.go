package catalog

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// SyncState is where an incremental sync keeps, between runs, the content
// hash of every product the platform holds as the feed last sent it, so
// that the next run sends only what changed. The SDK keeps no database:
// the caller chooses where the state lives (package syncstate keeps it in a
// file; a vendor may back it with its own store). Use one state per import
// source.
//
// Client.Sync keeps one rule: a recorded hash means the platform holds that
// content. Before it sends a product that has a hash, it calls Commit to
// forget the hash, and it sends only once that Commit returned; it records
// the new hash (with a later Commit) only once the platform confirmed the
// product applied. A full sync also forgets, before its removals, the
// products it would remove. So a product that failed, whose outcome is
// unknown (the answer was lost after the platform applied it), or that was
// never confirmed because the process was killed, has no hash, and the
// next run sends it whatever the feed says then, even the value the state
// last recorded. A crash at any point costs at most a product sent again
// (the platform stores a new, identical version: harmless), never one
// skipped. A dry run calls neither Commit.
type SyncState interface {
	// Hash returns the content hash recorded for the product, or "" when
	// none is.
	Hash(entityCode string) string
	// Commit records the hashes of record and forgets the products of
	// forget, as one change. It must be durable when it returns: Sync sends
	// products right after a Commit that forgot them, and a forget lost in
	// a crash could make the next run skip a product the platform holds in
	// another version. When Commit fails, Sync sends nothing more.
	Commit(record map[string]string, forget []string) error
}

// forgetBeforeSending forgets, in State, the hashes of the checkpoint's
// products, committing with them the hashes confirmed so far, before the
// checkpoint is sent. When State cannot be written it reports false: the
// checkpoint's rows are not attempted, and the stage stops.
func (r *syncRun) forgetBeforeSending(cp *checkpoint) bool {
	if r.commitState(cp.forget) {
		return true
	}
	r.rep.Products.NotAttempted = append(r.rep.Products.NotAttempted, cp.rows...)
	return false
}

// record keeps the hash of a product the platform confirmed, for the next
// Commit.
func (r *syncRun) record(key, hash string) {
	if r.o.State == nil {
		return
	}
	if r.recorded == nil {
		r.recorded = map[string]string{}
	}
	r.recorded[key] = hash
}

// settleState ends the product stage: it commits the hashes confirmed and,
// in a full sync, forgets the products the removals may remove, before
// any removal is sent.
func (r *syncRun) settleState() {
	if r.o.State == nil || r.o.DryRun || r.stateErr != nil {
		return
	}
	var forget []string
	for code := range r.existing {
		if _, inFeed := r.inFeed[code]; !inFeed && !r.o.Incremental && r.o.State.Hash(code) != "" {
			forget = append(forget, code)
		}
	}
	r.commitState(forget)
}

// commitState commits the hashes recorded so far and forgets those of
// forget, when there is anything to commit; it reports whether State took
// the change. A failure is the run's error (stateErr).
func (r *syncRun) commitState(forget []string) bool {
	if r.o.State == nil || r.o.DryRun || len(forget) == 0 && len(r.recorded) == 0 {
		return true
	}
	if err := r.o.State.Commit(r.recorded, forget); err != nil {
		if r.stateErr == nil {
			r.stateErr = fmt.Errorf("catalog: sync: committing the state: %w", err)
		}
		return false
	}
	r.recorded = nil
	return true
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
