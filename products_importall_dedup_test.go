package catalog_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

// A key repeated in another request of the same ImportAll used to be applied
// twice and reported succeeded twice; the first copy now wins and the later
// one fails naming it, wherever the requests split.
func TestImportAllRepeatAcrossRequests(t *testing.T) {
	srv := fakeServer(t)
	client := fakeClient(t, srv)
	rows := []catalog.Product{
		{EntityCode: "A", Price: catalog.Ptr(1.0)},  // 0: sent, request 1
		{EntityCode: "B", Price: catalog.Ptr(2.0)},  // 1: sent, request 1
		{EntityCode: "C", Price: catalog.Ptr(3.0)},  // 2: sent, request 2
		{EntityCode: "A", Price: catalog.Ptr(9.0)},  // 3: repeats row 0, in another request
		{SKU: "B", Price: catalog.Ptr(9.0)},         // 4: sku B is the identity of row 1
		{EntityCode: "E", Price: catalog.Ptr(-1.0)}, // 5: fails validation, so it does not count
		{EntityCode: "E", Price: catalog.Ptr(5.0)},  // 6: the first copy of E sent
		{EntityCode: "E", Price: catalog.Ptr(6.0)},  // 7: repeats row 6, in the same request
	}
	rep, err := client.Products.ImportAll(context.Background(), catalogtest.DefaultSourceID, catalog.FromSlice(rows),
		&catalog.BulkOptions{MaxProducts: 2, Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	fault := func(row int, code, field, value, reason string) catalog.RowError {
		return catalog.RowError{Row: row, EntityCode: code, Field: field, Reason: reason, Rejected: true,
			Problems: []catalog.FieldProblem{{Field: field, Value: value, Reason: reason}}}
	}
	wantFailed := []catalog.RowError{
		fault(3, "A", "entity_code", "A", `"A" repeats row 0: ImportAll sends only the first copy of a key`),
		fault(4, "", "entity_code", "B", `"B" repeats row 1: ImportAll sends only the first copy of a key`),
		fault(5, "E", "price", "-1", "price must be a finite number >= 0, got -1"),
		fault(7, "E", "entity_code", "E", `"E" repeats row 6: ImportAll sends only the first copy of a key`),
	}
	if diff := cmp.Diff(wantFailed, rep.Failed); diff != "" {
		t.Errorf("failed rows (-want +got):\n%s", diff)
	}
	if rep.Succeeded != 4 || rep.Requests != 2 {
		t.Errorf("succeeded %d in %d requests, want 4 in 2", rep.Succeeded, rep.Requests)
	}
	for code, price := range map[string]string{"A": "1", "B": "2", "C": "3", "E": "5"} {
		vs := srv.Versions(code)
		if len(vs) != 1 {
			t.Errorf("%s: %d versions stored, want 1", code, len(vs))
			continue
		}
		if got := vs[0].Data["price"]; got != json.Number(price) {
			t.Errorf("%s: stored price %v, want %s (the first copy)", code, got, price)
		}
	}
}
