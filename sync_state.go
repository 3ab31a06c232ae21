package catalog

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// SyncState is where an incremental sync keeps, between runs, the content
// hash of every product the platform confirmed, so that the next run sends
// only what changed. The SDK keeps no database: the caller chooses where
// the state lives (FileSyncState is a JSON file; a vendor may back it with
// its own store). Use one state per import source.
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

// ContentHash is the hash an incremental sync compares: SHA-256 of the
// product as the client encodes it, and of the request options that
// change what the platform stores (merge mode and update mask). Products
// that fail client-side validation have no hash ("").
func ContentHash(p *Product, o RequestOptions) string {
	enc := encoders.Get().(*rowEncoder)
	defer encoders.Put(enc)
	hash, _ := contentHash(enc, hashPrefix(o), p)
	return hash
}

// hashPrefix is what ContentHash hashes ahead of the product: the request
// options that change what the platform stores. A sync computes it once.
func hashPrefix(o RequestOptions) []byte {
	return fmt.Appendf(nil, "%s\x00%q\x00", o.MergeMode.orDefault(), o.UpdateMask)
}

// contentHash validates and encodes p, and returns its ContentHash, or the
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

// FileSyncState is a SyncState kept in one JSON file. Each Commit writes
// the whole state to a temporary file in the same directory, flushes it to
// disk and renames it over the old file, so that the file on disk is
// always a complete state, the one before or the one after a commit, even
// if the process dies mid-write. It holds every hash in memory (about 60
// bytes per product). Safe for concurrent use.
type FileSyncState struct {
	path   string
	mu     sync.Mutex
	hashes map[string]string
}

// fileState is the file's content.
type fileState struct {
	Version int               `json:"version"`
	Hashes  map[string]string `json:"hashes"` // entity_code -> content hash
}

// OpenFileSyncState reads the state at path, or starts an empty one when
// the file does not exist yet (the first run sends everything). The
// directory must exist.
func OpenFileSyncState(path string) (*FileSyncState, error) {
	st := &FileSyncState{path: path, hashes: map[string]string{}}
	raw, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return st, nil
	case err != nil:
		return nil, fmt.Errorf("catalog: sync state: %w", err)
	}
	var f fileState
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, fmt.Errorf("catalog: sync state %s is not a state file: %w", path, err)
	}
	if f.Version != 1 {
		return nil, fmt.Errorf("catalog: sync state %s has version %d; this client reads version 1", path, f.Version)
	}
	if f.Hashes != nil {
		st.hashes = f.Hashes
	}
	return st, nil
}

// Hash returns the recorded hash of the product, or "".
func (s *FileSyncState) Hash(entityCode string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hashes[entityCode]
}

// Len returns the number of products recorded.
func (s *FileSyncState) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.hashes)
}

// Commit records and forgets, then replaces the file atomically. When the
// write fails, the file keeps the previous state and so does memory.
func (s *FileSyncState) Commit(confirmed map[string]string, removed []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := make(map[string]string, len(s.hashes)+len(confirmed))
	for k, v := range s.hashes {
		next[k] = v
	}
	for k, v := range confirmed {
		next[k] = v
	}
	for _, k := range removed {
		delete(next, k)
	}
	if err := writeFileAtomic(s.path, fileState{Version: 1, Hashes: next}); err != nil {
		return fmt.Errorf("catalog: sync state: %w", err)
	}
	s.hashes = next
	return nil
}

func writeFileAtomic(path string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing left to remove
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil { // make the rename itself durable, where the system allows
		_ = d.Sync()
		d.Close()
	}
	return nil
}
