package catalog

import (
	"encoding/json"
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
