// Package syncstate keeps an incremental sync's state in a JSON file: a
// catalog.SyncState that a single process reopens on every run.
//
//	state, err := syncstate.Open("catalog-sync.json")
//	if err != nil { ... }
//	rep, err := client.Sync(ctx, feed, &catalog.SyncOptions{Incremental: true, State: state})
//
// A vendor that keeps state in its own store implements catalog.SyncState
// instead; this package is one such implementation.
package syncstate

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// File is a catalog.SyncState kept in one JSON file. Each Commit writes
// the whole state to a temporary file in the same directory, flushes it to
// disk, renames it over the old file and flushes the directory, so that the
// file on disk is always a complete state, the one before or the one after
// a commit, even if the process dies mid-write, and a commit that returned
// survives a crash of the machine. It holds every hash in memory (about 60
// bytes per product). Safe for concurrent use.
type File struct {
	path   string
	mu     sync.Mutex
	hashes map[string]string
}

// fileState is the file's content.
type fileState struct {
	Version int               `json:"version"`
	Hashes  map[string]string `json:"hashes"` // entity_code -> content hash
}

// Open reads the state at path, or starts an empty one when the file does
// not exist yet (the first run sends everything). The directory must
// exist. It removes the temporary files of commits a killed process left
// half written: the state is the file at path, whole.
func Open(path string) (*File, error) {
	st := &File{path: path, hashes: map[string]string{}}
	if left, err := filepath.Glob(filepath.Join(filepath.Dir(path), tmpPattern(path))); err == nil {
		for _, f := range left {
			_ = os.Remove(f) // a leftover that stays costs only disk space
		}
	}
	raw, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return st, nil
	case err != nil:
		return nil, fmt.Errorf("syncstate: %w", err)
	}
	var f fileState
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, fmt.Errorf("syncstate: %s is not a state file: %w", path, err)
	}
	if f.Version != 1 {
		return nil, fmt.Errorf("syncstate: %s has version %d; this package reads version 1", path, f.Version)
	}
	if f.Hashes != nil {
		st.hashes = f.Hashes
	}
	return st, nil
}

// Hash returns the recorded hash of the product, or "".
func (s *File) Hash(entityCode string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hashes[entityCode]
}

// Len returns the number of products recorded.
func (s *File) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.hashes)
}

// Commit records the hashes of record and forgets the products of forget,
// then replaces the file atomically and durably: when it returns, the
// change is on disk. A commit that changes nothing writes nothing. When
// the write fails, the file keeps the previous state and so does memory.
func (s *File) Commit(record map[string]string, forget []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.changes(record, forget) {
		return nil
	}
	next := make(map[string]string, len(s.hashes)+len(record))
	for k, v := range s.hashes {
		next[k] = v
	}
	for k, v := range record {
		next[k] = v
	}
	for _, k := range forget {
		delete(next, k)
	}
	if err := writeFileAtomic(s.path, fileState{Version: 1, Hashes: next}); err != nil {
		return fmt.Errorf("syncstate: %w", err)
	}
	s.hashes = next
	return nil
}

// changes reports whether a commit of record and forget would change the
// state. The caller holds s.mu.
func (s *File) changes(record map[string]string, forget []string) bool {
	for k, v := range record {
		if old, ok := s.hashes[k]; !ok || old != v {
			return true
		}
	}
	for _, k := range forget {
		if _, ok := s.hashes[k]; ok {
			return true
		}
	}
	return false
}

func writeFileAtomic(path string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, tmpPattern(path))
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

// tmpPattern is the name pattern of the temporary files of commits to
// path, for os.CreateTemp and filepath.Glob alike.
func tmpPattern(path string) string { return filepath.Base(path) + ".tmp-*" }
