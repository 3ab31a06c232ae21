package syncstate_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/syncstate"
)

var _ catalog.SyncState = (*syncstate.File)(nil)

// A state committed by one process is what the next one opens; a failed
// write leaves both the file and memory as they were.
func TestFileRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	st, err := syncstate.Open(path)
	if err != nil || st.Len() != 0 {
		t.Fatalf("new state: %v, %d products", err, st.Len())
	}
	if err := st.Commit(map[string]string{"A": "1", "B": "2"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := st.Commit(map[string]string{"C": "3"}, []string{"A"}); err != nil {
		t.Fatal(err)
	}
	again, err := syncstate.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if again.Len() != 2 || again.Hash("A") != "" || again.Hash("B") != "2" || again.Hash("C") != "3" {
		t.Errorf("reopened state: %d products, A %q B %q C %q", again.Len(), again.Hash("A"), again.Hash("B"), again.Hash("C"))
	}

	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := again.Commit(map[string]string{"D": "4"}, nil); err == nil {
		t.Fatal("commit into a removed directory succeeded")
	}
	if again.Len() != 2 || again.Hash("D") != "" {
		t.Errorf("memory changed by a failed commit: %d products", again.Len())
	}
}

func TestOpenRefusesOtherFiles(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"not json":      "hashes: A",
		"other version": `{"version": 2, "hashes": {}}`,
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := syncstate.Open(path); err == nil {
			t.Errorf("%s: opened", name)
		}
	}
}

// A process killed in the middle of a commit leaves a temporary file: the
// state is still the last whole commit, and the next Open clears the
// leftover.
func TestOpenAfterACommitCutShort(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	st, err := syncstate.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Commit(map[string]string{"A": "1"}, nil); err != nil {
		t.Fatal(err)
	}
	left := filepath.Join(dir, "state.json.tmp-12345")
	if err := os.WriteFile(left, []byte(`{"version": 1, "hashes": {"A": "2", "B"`), 0o600); err != nil {
		t.Fatal(err)
	}
	again, err := syncstate.Open(path)
	if err != nil || again.Len() != 1 || again.Hash("A") != "1" {
		t.Fatalf("reopened: %v, A %q", err, again.Hash("A"))
	}
	if _, err := os.Stat(left); !os.IsNotExist(err) {
		t.Errorf("the leftover is still there: %v", err)
	}
}

// A commit that changes nothing does not rewrite the file.
func TestCommitOfNothingWritesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	st, err := syncstate.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Commit(map[string]string{"A": "1"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil { // a write would bring it back
		t.Fatal(err)
	}
	if err := st.Commit(map[string]string{"A": "1"}, []string{"Z"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("a commit of nothing wrote the file: %v", err)
	}
}

// BenchmarkCommit200k is one commit to a state of 200,000 products: a
// sync writes it once per checkpoint (forgetting the checkpoint's hashes
// and recording the previous one's), so a checkpoint of 10,000 rows pays
// it once per 10,000 products.
func BenchmarkCommit200k(b *testing.B) {
	st, err := syncstate.Open(filepath.Join(b.TempDir(), "state.json"))
	if err != nil {
		b.Fatal(err)
	}
	all := make(map[string]string, 200000)
	for i := range 200000 {
		all[fmt.Sprintf("SKU-%06d", i)] = fmt.Sprintf("%032x", i)
	}
	if err := st.Commit(all, nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		code := fmt.Sprintf("SKU-%06d", i%200000)
		if err := st.Commit(map[string]string{code: fmt.Sprintf("%032x", i+1)}, nil); err != nil {
			b.Fatal(err)
		}
	}
}
