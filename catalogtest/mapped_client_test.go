package catalogtest_test

import (
	"context"
	"testing"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

// A v1.0 user's report: Extra fields mapped onto ean and quantity were
// stored as a string ean and a string quantity that ProductVersion.Product
// could not read back. The row is now a row error naming both fields, and
// a well-typed mapped row reads back.
func TestMappedExtraFieldsThroughClient(t *testing.T) {
	srv := catalogtest.NewServer(catalogtest.WithoutRateLimit(), catalogtest.WithSource(catalog.Source{
		ID: "erp", FieldMappings: map[string]string{"Code": "ean", "Q": "quantity"}}))
	t.Cleanup(srv.Close)
	client, err := srv.Client(catalog.WithLimiter(nil))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	res, err := client.Products.Import(ctx, "erp", []catalog.Product{
		{EntityCode: "A", Extra: map[string]any{"Code": "12", "Q": "x"}},
		{EntityCode: "B", Extra: map[string]any{"Code": []string{"4006381333931"}, "Q": 3}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary.Successful != 1 || len(res.Errors) != 1 {
		t.Fatalf("summary %+v, errors %v", res.Summary, res.Errors)
	}
	var fields []string
	for _, p := range res.Errors[0].Problems {
		fields = append(fields, p.Field)
	}
	if e := res.Errors[0]; e.Row != 0 || len(fields) != 2 || fields[0] != "ean" || fields[1] != "quantity" {
		t.Errorf("row error %v, problems at %v; want row 0 naming ean and quantity", &e, fields)
	}
	if _, stored := srv.Product("A"); stored {
		t.Error("product A was stored")
	}
	v, ok := srv.Product("B")
	if !ok {
		t.Fatal("product B not stored")
	}
	p, err := v.Product()
	if err != nil {
		t.Fatalf("product B does not read back: %v", err)
	}
	if len(p.EAN) != 1 || p.EAN[0] != "4006381333931" || p.Quantity == nil || *p.Quantity != 3 {
		t.Errorf("product B read back with ean %v, quantity %v", p.EAN, p.Quantity)
	}
}
