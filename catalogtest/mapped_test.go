package catalogtest

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pimkit/catalog"
)

// mappedSource maps two ERP columns onto typed product fields, as the
// user's source that stored an ean it could not read back did.
var mappedSource = catalog.Source{ID: "erp", FieldMappings: map[string]string{"Code": "ean", "Q": "quantity"}}

// rowProblems imports rows through source and returns each row error's
// problems by row, failing when a row was stored.
func rowProblems(t *testing.T, s *Server, source string, rows ...any) map[float64]any {
	t.Helper()
	a := directImport(t, s, importReq(source, rows...))
	errs, _ := a.body["errors"].([]any)
	if len(errs) != len(rows) {
		t.Fatalf("%d row errors for %d bad rows: %s", len(errs), len(rows), a.raw)
	}
	got := make(map[float64]any)
	for _, e := range errs {
		m := e.(map[string]any)
		got[m["row"].(float64)] = m["problems"]
	}
	return got
}

// Seed 004 types ean as "ean[] | string[]" and says plain strings are
// "auto-wrapped" only of the multilingual fields, so the platform does not
// wrap a single EAN: a string mapped to ean is refused, naming ean, with
// the same problem as a string sent as ean itself, and nothing is stored.
func TestMappedScalarEANRefusedNotWrapped(t *testing.T) {
	s := newTestServer(t, WithSource(mappedSource))
	got := rowProblems(t, s, "erp",
		map[string]any{"entity_code": "A", "Code": "4006381333931"},
		map[string]any{"entity_code": "B", "ean": "4006381333931"})
	want := []any{map[string]any{"field": "ean", "value": "4006381333931", "reason": "field ean must be an array, got string"}}
	for row := range 2 {
		if diff := cmp.Diff(want, got[float64(row)]); diff != "" {
			t.Errorf("row %d problems (-want +got):\n%s", row, diff)
		}
	}
	if len(s.Products()) != 0 {
		t.Errorf("stored %v", s.Products())
	}
}

// An invalid EAN and a quantity that is not a number are refused per row
// whether they come through a mapping or under their own names, with the
// same problems: the EAN rule and the type check run on the mapped row.
func TestMappedInvalidEANAndQuantityRefused(t *testing.T) {
	s := newTestServer(t, WithSource(mappedSource))
	got := rowProblems(t, s, "erp",
		map[string]any{"entity_code": "A", "Code": []any{"12"}, "Q": "x"},
		map[string]any{"entity_code": "B", "ean": []any{"12"}, "quantity": "x"})
	want := []any{
		map[string]any{"field": "ean[0]", "value": "12", "reason": `invalid EAN "12": an EAN/GTIN has 8, 12, 13 or 14 digits`},
		map[string]any{"field": "quantity", "value": "x", "reason": "field quantity must be a number, got string"},
	}
	for row := range 2 {
		if diff := cmp.Diff(want, got[float64(row)]); diff != "" {
			t.Errorf("row %d problems (-want +got):\n%s", row, diff)
		}
	}
	if len(s.Products()) != 0 {
		t.Errorf("stored %v", s.Products())
	}
}

// A mapped scalar EAN that is invalid too is refused once for its type:
// the EAN rule reads a list, and the row names ean a single time.
func TestMappedScalarInvalidEANNamedOnce(t *testing.T) {
	s := newTestServer(t, WithSource(mappedSource))
	got := rowProblems(t, s, "erp", map[string]any{"entity_code": "A", "Code": "12", "Q": "x"})
	want := []any{
		map[string]any{"field": "ean", "value": "12", "reason": "field ean must be an array, got string"},
		map[string]any{"field": "quantity", "value": "x", "reason": "field quantity must be a number, got string"},
	}
	if diff := cmp.Diff(want, got[0]); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

// What a mapping stores reads back through ProductVersion.Product.
func TestMappedValuesReadBack(t *testing.T) {
	s := newTestServer(t, WithSource(mappedSource))
	a := directImport(t, s, importReq("erp", map[string]any{"entity_code": "A", "Code": []any{"4006381333931"}, "Q": 5}))
	if errs, _ := a.body["errors"].([]any); len(errs) != 0 {
		t.Fatalf("errors %v", errs)
	}
	p, err := mustProduct(t, s, "A").Product()
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(p.EAN, []string{"4006381333931"}) || p.Quantity == nil || *p.Quantity != 5 || p.Extra != nil {
		t.Errorf("read back ean %v, quantity %v, extra %v", p.EAN, p.Quantity, p.Extra)
	}
}
