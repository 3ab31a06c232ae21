package catalog

import (
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The server's preview rows may hold typed values: they read as their
// JSON text, null as "".
func TestAnalysisPreviewRowsReadAsText(t *testing.T) {
	var w wireAnalysis
	body := `{"fileName":"a.csv","totalRows":1,"columns":[],"previewRows":[{"sku":"A","qty":3,"ok":true,"note":null}]}`
	if err := json.Unmarshal([]byte(body), &w); err != nil {
		t.Fatal(err)
	}
	a := w.analysis()
	want := []map[string]string{{"sku": "A", "qty": "3", "ok": "true", "note": ""}}
	if diff := cmp.Diff(want, a.PreviewRows); diff != "" || a.FileName != "a.csv" || a.TotalRows != 1 {
		t.Errorf("analysis %+v; preview rows (-want +got):\n%s", a, diff)
	}
}

// A job read from a platform that counts error_rows, or created and
// updated rows only, counts them in FailedRows and SuccessfulRows.
func TestJobCountersReadUnderOneName(t *testing.T) {
	var w wireJob
	if err := json.Unmarshal([]byte(`{"job_id":"j","created_rows":2,"updated_rows":3,"error_rows":4}`), &w); err != nil {
		t.Fatal(err)
	}
	if j := w.job(); j.SuccessfulRows != 5 || j.FailedRows != 4 {
		t.Errorf("job %+v: want 5 succeeded, 4 failed", j)
	}
}

// A reader that seeks is read from its offset at the call by every
// attempt; a pipe, whose Seek fails, is read once.
func TestFileSourceRereadsFromTheCallsOffset(t *testing.T) {
	r := strings.NewReader("skip|a,b\n1,2\n")
	r.Seek(5, io.SeekStart)
	open, reopen, err := fileSource("f.csv", r)
	if err != nil || !reopen {
		t.Fatalf("fileSource: %v, reopen %v", err, reopen)
	}
	for range 2 {
		src, err := open()
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := io.ReadAll(src); string(b) != "a,b\n1,2\n" {
			t.Fatalf("read %q", b)
		}
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	if _, reopen, err := fileSource("p.csv", pr); err != nil || reopen {
		t.Errorf("a pipe: %v, reopen %v; want it read once", err, reopen)
	}
}
