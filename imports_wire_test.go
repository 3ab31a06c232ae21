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
