package catalog_test

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pimkit/catalog"
)

// A summary says each cause once, with the rows it befell by file line,
// the largest group first, and what to do.
func TestRowReportSummary(t *testing.T) {
	unauthorized := &catalog.APIError{StatusCode: http.StatusUnauthorized, Code: "UNAUTHENTICATED", Message: "invalid credentials"}
	gateway := &catalog.OutcomeUnknownError{Method: "POST", Path: "/api/b2b/pim/import/api",
		Err: &catalog.APIError{StatusCode: http.StatusBadGateway, Message: "502 Bad Gateway"}}
	rep := catalog.RowReport{
		Read:      12,
		Succeeded: 3,
		Failed: []catalog.RowError{
			{Row: 0, Line: 2, Reason: "its request failed", Cause: unauthorized},
			{Row: 1, Line: 3, Reason: "its request failed", Cause: unauthorized},
			{Row: 2, Line: 5, EntityCode: "SKU-3", Field: "quantity", Reason: "must be a finite number >= 0, got -3"},
			{Row: 3, Line: 6, Reason: "its request failed", Cause: unauthorized},
		},
		Unknown:      []catalog.RowError{{Row: 4, Reason: "its request may have been applied", Cause: gateway}},
		NotAttempted: []int{5, 6, 7, 9},
	}
	want := `4 rows failed:
  3 rows (lines 2-3, 6): its request failed: 401 Unauthorized (UNAUTHENTICATED): invalid credentials: check the credential (API key, token or session)
  line 5 (SKU-3): quantity: must be a finite number >= 0, got -3
1 row may have been applied (no answer said):
  row 4: its request may have been applied: 502 Bad Gateway: the platform failed: try again later
4 rows not attempted (rows 5-7, 9)
`
	if diff := cmp.Diff(want, rep.Summary()); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if s := (&catalog.RowReport{Read: 2, Succeeded: 2}).Summary(); s != "" {
		t.Errorf("summary of a report with every row applied = %q, want none", s)
	}
}

// A row with several problems has them all on its line: the client's
// (Field and Reason the first) and the server's (Reason its message).
func TestRowReportSummaryListsEveryProblem(t *testing.T) {
	rep := catalog.RowReport{
		Read: 2,
		Failed: []catalog.RowError{
			{Row: 0, Line: 2, EntityCode: "A", Field: "quantity", Reason: "must be a finite number >= 0, got -3", Rejected: true,
				Problems: []catalog.FieldProblem{
					{Field: "quantity", Value: "-3", Reason: "must be a finite number >= 0, got -3"},
					{Field: "weight", Value: "NaN", Reason: "must be a finite number >= 0, got NaN"},
					{Field: "ean[0]", Value: "1", Reason: `invalid EAN "1"`},
				}},
			{Row: 1, Line: 3, EntityCode: "B", Reason: `category "x" does not exist`,
				Problems: []catalog.FieldProblem{
					{Field: "category", Value: "x", Reason: `category "x" does not exist`},
					{Field: "channel_categories[0].category", Value: "y", Reason: `category "y" does not exist`},
				}},
		},
	}
	want := `2 rows failed:
  line 2 (A): quantity: must be a finite number >= 0, got -3; weight: must be a finite number >= 0, got NaN; ean[0]: invalid EAN "1"
  line 3 (B): category "x" does not exist; channel_categories[0].category: category "y" does not exist
`
	if diff := cmp.Diff(want, rep.Summary()); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
}
