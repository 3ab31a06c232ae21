package catalog_test

import (
	"context"
	"testing"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

// TestRowErrorsNameTheirEntityCode: a row that fails or is unknown names
// the entity_code it was sent with, whatever befell it: its request
// refused as a whole, its outcome unknown, its job failed without naming
// rows, or its own validation. A row sent without one names none.
func TestRowErrorsNameTheirEntityCode(t *testing.T) {
	products := []catalog.Product{{EntityCode: "A"}, {SKU: "only-sku"}, {EntityCode: "C"}}
	for _, tc := range []struct {
		name    string
		opts    []catalogtest.Option
		stub    *catalogtest.Stub
		bulk    catalog.BulkOptions
		unknown bool
	}{
		{name: "request refused", stub: &catalogtest.Stub{Op: catalogtest.OpImportAPI, Status: 500, Message: "down"}},
		{name: "outcome unknown", opts: []catalogtest.Option{catalogtest.WithFaults(catalogtest.Fault{
			Kind: catalogtest.FaultResetAfterApply, Op: catalogtest.OpImportAPI})}, unknown: true},
		{name: "job failed without rows", bulk: catalog.BulkOptions{Queued: true},
			stub: &catalogtest.Stub{Op: catalogtest.OpGetJob, Body: map[string]any{"success": true,
				"job": map[string]any{"job_id": "queue_import_x", "status": "failed", "total_rows": 3}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, client := catalogtest.Start(t, tc.opts...)
			if tc.stub != nil {
				srv.Stub(*tc.stub)
			}
			rep, _ := client.Products.ImportAll(context.Background(), catalogtest.DefaultSourceID,
				catalog.FromSlice(products), &tc.bulk)
			rows := rep.Failed
			if tc.unknown {
				rows = rep.Unknown
			}
			if len(rows) != 3 {
				t.Fatalf("failed %v, unknown %v; want all 3 rows in one list", rep.Failed, rep.Unknown)
			}
			for i, want := range []string{"A", "", "C"} {
				if rows[i].EntityCode != want {
					t.Errorf("row %d: EntityCode %q, want %q (%v)", i, rows[i].EntityCode, want, rows[i])
				}
			}
		})
	}
	t.Run("validation", func(t *testing.T) {
		_, client := catalogtest.Start(t)
		rep, _ := client.Products.ImportAll(context.Background(), catalogtest.DefaultSourceID,
			catalog.FromSlice([]catalog.Product{{EntityCode: "A", Price: catalog.Ptr(-1.0)}}), nil)
		if len(rep.Failed) != 1 || rep.Failed[0].EntityCode != "A" {
			t.Errorf("failed %v, want row 0 naming A", rep.Failed)
		}
	})
}
