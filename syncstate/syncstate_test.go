package syncstate_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
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
		"other version": `{"version": 3, "hashes": {}}`,
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

// BenchmarkCommit200k is the commit a sync makes per checkpoint of 1,000
// rows (recording the hashes of the checkpoint confirmed, forgetting those
// of the next one) to a state of 200,000 products.
func BenchmarkCommit200k(b *testing.B) {
	st, err := syncstate.Open(filepath.Join(b.TempDir(), "state.json"))
	if err != nil {
		b.Fatal(err)
	}
	code := func(i int) string { return fmt.Sprintf("SKU-%06d", i%200000) }
	all := make(map[string]string, 200000)
	for i := range 200000 {
		all[code(i)] = fmt.Sprintf("%032x", i)
	}
	if err := st.Commit(all, nil); err != nil {
		b.Fatal(err)
	}
	for n := 0; b.Loop(); n++ {
		record, forget := make(map[string]string, 1000), make([]string, 0, 1000)
		for i := range 1000 {
			record[code(n*1000+i)] = fmt.Sprintf("%032x", n+1)
			forget = append(forget, code((n+1)*1000+i))
		}
		if err := st.Commit(record, forget); err != nil {
			b.Fatal(err)
		}
	}
}

// lines returns the file's lines.
func lines(t *testing.T, path string) []string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
}

// A commit appends its change, and a line cut short by a crash (a commit
// that never returned) is ignored: the state is the commits that returned,
// and the next commit writes the whole state again.
func TestCommitAppendsAndSurvivesATornLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	st, err := syncstate.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		record map[string]string
		forget []string
	}{{map[string]string{"A": "1", "B": "2"}, nil}, {nil, []string{"A"}}, {map[string]string{"C": "3"}, nil}} {
		if err := st.Commit(c.record, c.forget); err != nil {
			t.Fatal(err)
		}
	}
	if got := lines(t, path); len(got) != 3 || got[1] != `{"forget":["A"]}` {
		t.Fatalf("file lines %q, want the whole state then two changes", got)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`{"record":{"D":"4`); err != nil { // a crash mid-append
		t.Fatal(err)
	}
	f.Close()
	again, err := syncstate.Open(path)
	if err != nil || again.Len() != 2 || again.Hash("A") != "" || again.Hash("B") != "2" || again.Hash("C") != "3" || again.Hash("D") != "" {
		t.Fatalf("reopened: %v, %d products, B %q C %q D %q", err, again.Len(), again.Hash("B"), again.Hash("C"), again.Hash("D"))
	}
	if err := again.Commit(map[string]string{"E": "5"}, nil); err != nil {
		t.Fatal(err)
	}
	if got := lines(t, path); len(got) != 1 {
		t.Errorf("after a torn line the commit appended: %q", got)
	}
	if last, err := syncstate.Open(path); err != nil || last.Len() != 3 || last.Hash("E") != "5" {
		t.Errorf("reopened after the rewrite: %v, %d products", err, last.Len())
	}
}

// Changes that outgrow the whole state are folded into it: the file does
// not grow without bound.
func TestCommitsFoldIntoTheWholeState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	st, err := syncstate.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for round := range 12 { // each change about 240 KB: the whole state is rewritten past 1 MiB of changes
		batch := map[string]string{}
		for i := range 5000 {
			batch[fmt.Sprintf("SKU-%05d", i)] = fmt.Sprintf("%032x", round)
		}
		if err := st.Commit(batch, nil); err != nil {
			t.Fatal(err)
		}
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Size() > 2<<20 {
		t.Errorf("the file holds %d bytes for 5,000 products", info.Size())
	}
	again, err := syncstate.Open(path)
	if err != nil || again.Len() != 5000 || again.Hash("SKU-04999") != fmt.Sprintf("%032x", 11) {
		t.Errorf("reopened: %v, %d products, last hash %q", err, again.Len(), again.Hash("SKU-04999"))
	}
}

// A state file of version 1 (the whole state in one object) is read, and
// the first commit writes it in this version's form; a change line that is
// not one is refused, not skipped.
func TestOpenReadsVersion1AndRefusesABadLine(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "v1.json")
	if err := os.WriteFile(path, []byte(`{"version":1,"hashes":{"A":"1"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := syncstate.Open(path)
	if err != nil || st.Hash("A") != "1" {
		t.Fatalf("version 1: %v, A %q", err, st.Hash("A"))
	}
	if err := st.Commit(map[string]string{"B": "2"}, nil); err != nil {
		t.Fatal(err)
	}
	if got := lines(t, path); len(got) != 1 || !strings.HasPrefix(got[0], `{"version":2,`) {
		t.Errorf("after the first commit: %q", got)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte("{\"version\":2,\"hashes\":{}}\nnot a commit\n{\"record\":{\"A\":\"1\"}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := syncstate.Open(bad); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("a bad line: %v", err)
	}
}
