// Package syncstate keeps an incremental sync's state in a file of JSON
// lines: a catalog.SyncState that a single process reopens on every run.
//
//	state, err := syncstate.Open("catalog-sync.json")
//	if err != nil { ... }
//	rep, err := client.Sync(ctx, feed, &catalog.SyncOptions{Incremental: true, State: state})
//
// A vendor that keeps state in its own store implements catalog.SyncState
// instead; this package is one such implementation.
package syncstate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// File is a catalog.SyncState kept in one file of JSON lines: the whole
// state on the first line, then one line per Commit with its changes.
// Each Commit appends its line and flushes the file to disk before it
// returns, so that it costs what it changes, not the size of the state,
// and a commit that returned survives a crash of the machine. When the
// changes outgrow the whole state, a Commit writes the whole state again
// instead, to a temporary file in the same directory that it flushes,
// renames over the old file and flushes the directory: the file on disk is
// always the state before or after a commit, even if the process dies
// mid-write (a line cut short by a crash is a commit that never returned,
// and Open ignores it). It holds every hash in memory (about 60 bytes per
// product). Safe for concurrent use.
type File struct {
	path   string
	mu     sync.Mutex
	hashes map[string]string
	whole  int64 // bytes of the whole state's line, as last written
	logged int64 // bytes of the change lines after it
	// rewrite makes the next Commit write the whole state: the file does
	// not exist yet, is of version 1, or ends with a line cut short.
	rewrite bool
}

// version is the file format this package writes: version 1 was the
// whole state only, in one JSON object, which Open still reads.
const version = 2

// fileState is the file's first line.
type fileState struct {
	Version int               `json:"version"`
	Hashes  map[string]string `json:"hashes"` // entity_code -> content hash
}

// change is one Commit, a line after the first.
type change struct {
	Record map[string]string `json:"record,omitempty"`
	Forget []string          `json:"forget,omitempty"`
}

// minLogged is how many bytes of change lines a file takes before a
// Commit writes the whole state again, however small the state.
const minLogged = 1 << 20

// Open reads the state at path, or starts an empty one when the file does
// not exist yet (the first run sends everything). The directory must
// exist. It removes the temporary files of whole writes a killed process
// left half written, and ignores a last line cut short: the state is what
// the commits that returned made it.
func Open(path string) (*File, error) {
	st := &File{path: path, hashes: map[string]string{}, rewrite: true}
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
	if err := st.read(raw); err != nil {
		return nil, fmt.Errorf("syncstate: %s: %w", path, err)
	}
	return st, nil
}

// read loads the file's content: the whole state, then each change line
// that ends with its newline.
func (s *File) read(raw []byte) error {
	first, rest, complete := bytes.Cut(raw, []byte("\n"))
	var f fileState
	if err := json.Unmarshal(first, &f); err != nil {
		return fmt.Errorf("not a state file: %w", err)
	}
	if f.Version != 1 && f.Version != version {
		return fmt.Errorf("has version %d; this package reads versions 1 and %d", f.Version, version)
	}
	if f.Hashes != nil {
		s.hashes = f.Hashes
	}
	// Version 1 is rewritten in this version's form by the first Commit,
	// and so is a file whose whole state lacks its newline.
	s.rewrite = f.Version == 1 || !complete
	s.whole = int64(len(first) + 1)
	for n := 2; len(rest) > 0; n++ {
		line, after, complete := bytes.Cut(rest, []byte("\n"))
		if !complete { // cut short by a crash: its Commit never returned
			s.rewrite = true
			break
		}
		var c change
		if err := json.Unmarshal(line, &c); err != nil {
			return fmt.Errorf("line %d is not a commit: %w", n, err)
		}
		apply(s.hashes, c)
		s.logged += int64(len(line) + 1)
		rest = after
	}
	return nil
}

// apply makes the change c to hashes.
func apply(hashes map[string]string, c change) {
	for k, v := range c.Record {
		hashes[k] = v
	}
	for _, k := range c.Forget {
		delete(hashes, k)
	}
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

// Commit records the hashes of record and forgets the products of forget:
// when it returns, the change is on disk. A commit that changes nothing
// writes nothing. When the write fails, memory keeps the previous state,
// and so does the file, as Open reads it.
func (s *File) Commit(record map[string]string, forget []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.changes(record, forget) {
		return nil
	}
	c := change{Record: record, Forget: forget}
	line, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("syncstate: %w", err)
	}
	line = append(line, '\n')
	if s.rewrite || s.logged+int64(len(line)) > max(s.whole, minLogged) {
		return s.writeWhole(c)
	}
	if err := appendDurably(s.path, line); err != nil {
		s.rewrite = true // the file may end with part of the line
		return fmt.Errorf("syncstate: %w", err)
	}
	apply(s.hashes, c)
	s.logged += int64(len(line))
	return nil
}

// writeWhole writes the state with c made to it as the whole file.
func (s *File) writeWhole(c change) error {
	next := make(map[string]string, len(s.hashes)+len(c.Record))
	for k, v := range s.hashes {
		next[k] = v
	}
	apply(next, c)
	n, err := writeFileAtomic(s.path, fileState{Version: version, Hashes: next})
	if err != nil {
		return fmt.Errorf("syncstate: %w", err)
	}
	s.hashes, s.whole, s.logged, s.rewrite = next, n, 0, false
	return nil
}

// appendDurably appends line to the file at path and flushes it to disk.
func appendDurably(path string, line []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	if _, err := f.Write(line); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
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

// writeFileAtomic replaces the file at path with v's JSON and a newline,
// durably, and returns the bytes written.
func writeFileAtomic(path string, v any) (int64, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return 0, err
	}
	raw = append(raw, '\n')
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, tmpPattern(path))
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing left to remove
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		return 0, err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return 0, err
	}
	if err := tmp.Close(); err != nil {
		return 0, err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return 0, err
	}
	if d, err := os.Open(dir); err == nil { // make the rename itself durable, where the system allows
		_ = d.Sync()
		d.Close()
	}
	return int64(len(raw)), nil
}

// tmpPattern is the name pattern of the temporary files of commits to
// path, for os.CreateTemp and filepath.Glob alike.
func tmpPattern(path string) string { return filepath.Base(path) + ".tmp-*" }
