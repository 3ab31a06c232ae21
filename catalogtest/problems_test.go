package catalogtest

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pimkit/catalog"
)

// A row with several invalid fields gets one row error listing every
// problem, each with its field, value and reason; error stays the first
// problem's reason, as seed 004's one message for the row. The job's
// import_errors and its paged errors carry the same list.
func TestRowErrorListsEveryProblem(t *testing.T) {
	s := newTestServer(t)
	if err := s.SeedCategory(catalog.Category{CategoryID: catalog.Ptr("valves")}); err != nil {
		t.Fatal(err)
	}
	bad := map[string]any{"entity_code": "A", "ean": []any{"4006381333931", "12345", "x"},
		"category":           map[string]any{"category_id": "pumps"},
		"channel_categories": []any{map[string]any{"channel_code": "b2c", "category": map[string]any{"category_id": "valves"}}}}
	a := directImport(t, s, importReq(DefaultSourceID, map[string]any{"entity_code": "OK"}, bad))
	errs, _ := a.body["errors"].([]any)
	if len(errs) != 1 {
		t.Fatalf("errors %v", errs)
	}
	wantProblems := []any{
		map[string]any{"field": "ean[1]", "value": "12345", "reason": `invalid EAN "12345": an EAN/GTIN has 8, 12, 13 or 14 digits`},
		map[string]any{"field": "ean[2]", "value": "x", "reason": `invalid EAN "x": an EAN/GTIN has 8, 12, 13 or 14 digits`},
		map[string]any{"field": "category", "value": "pumps", "reason": `category "pumps" does not exist`},
	}
	got := errs[0].(map[string]any)
	if diff := cmp.Diff(wantProblems, got["problems"]); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if got["row"] != 1.0 || got["entity_code"] != "A" || got["error"] != wantProblems[0].(map[string]any)["reason"] {
		t.Errorf("row error %v", got)
	}
	if _, ok := s.Product("A"); ok {
		t.Error("the row with problems was stored")
	}

	job, _ := s.Job(a.body["job_id"].(string))
	if len(job.Errors) != 1 || len(job.Errors[0].Problems) != 3 {
		t.Errorf("job import_errors %+v", job.Errors)
	}
	page := send(t, s, http.MethodGet, "/api/b2b/pim/jobs/"+job.ID+"/errors", nil)
	page.wantStatus(t, http.StatusOK, "")
	data, _ := page.body["data"].([]any)
	if len(data) != 1 {
		t.Fatalf("paged errors %s", page.raw)
	}
	if diff := cmp.Diff(wantProblems, data[0].(map[string]any)["problems"]); diff != "" {
		t.Errorf("paged problems (-want +got):\n%s", diff)
	}
}
