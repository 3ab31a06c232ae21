package catalog_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/pimkit/catalog"
)

func stocked(code string, list, qty float64) catalog.Product {
	return catalog.Product{EntityCode: code, Name: catalog.PlainText("Valve " + code),
		Pricing:     &catalog.Pricing{List: catalog.Ptr(list), Sale: catalog.Ptr(list - 1), Currency: catalog.Ptr("EUR")},
		Quantity:    catalog.Ptr(qty),
		StockStatus: catalog.Ptr(catalog.StockInStock),
		Unit:        catalog.Ptr("pcs")}
}

// A field mask overwrites the fields it names, clears those it names but
// the product leaves out, and keeps every other field whatever is sent.
func TestSelectiveUpdateFieldMask(t *testing.T) {
	srv, c := newFake(t)
	importOK(t, c, "default", catalog.MergeReplace, stocked("A", 10, 5), stocked("B", 20, 7))

	update := []catalog.Product{
		{EntityCode: "A", Quantity: catalog.Ptr(0.0), Pricing: &catalog.Pricing{Sale: catalog.Ptr(8.5)},
			Name: catalog.PlainText("outside the mask: ignored")}, // stock_status left out: cleared
		{EntityCode: "NEW", Quantity: catalog.Ptr(3.0), Unit: catalog.Ptr("box")},
	}
	res, err := c.Products.Import(context.Background(), "default", update, &catalog.ProductImportOptions{
		RequestOptions: catalog.RequestOptions{UpdateMask: []string{"quantity", "stock_status", "pricing.sale"}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary.Successful != 2 || res.Summary.Inserted != 1 || res.Summary.Updated != 1 {
		t.Fatalf("summary %+v", res.Summary)
	}
	a := current(t, srv, "A")
	pricing := a["pricing"].(map[string]any)
	switch {
	case num(a["quantity"]) != 0:
		t.Errorf("quantity %v, want 0", a["quantity"])
	case a["stock_status"] != nil:
		t.Errorf("stock_status %v, want cleared", a["stock_status"])
	case num(pricing["sale"]) != 8.5 || num(pricing["list"]) != 10 || pricing["currency"] != "EUR":
		t.Errorf("pricing %v, want sale 8.5 with list and currency kept", pricing)
	case a["name"].(map[string]any)["en"] != "Valve A":
		t.Errorf("name %v, want the stored one", a["name"])
	case a["unit"] != "pcs":
		t.Errorf("unit %v, want kept", a["unit"])
	}
	// A new product gets the masked fields only.
	n := current(t, srv, "NEW")
	if num(n["quantity"]) != 3 || n["unit"] != nil {
		t.Errorf("new product %v, want quantity 3 and no unit", n)
	}
	// B was not in the request: untouched.
	if len(srv.Versions("B")) != 1 {
		t.Error("B got a new version")
	}
}

// Update-only never creates: an unknown product is a row error, the others
// are applied; ImportAll carries the mode on every request.
func TestUpdateOnly(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	importOK(t, c, "default", catalog.MergeReplace, stocked("A", 10, 5))
	opts := catalog.RequestOptions{UpdateOnly: true, UpdateMask: []string{"quantity"}}
	res, err := c.Products.Import(ctx, "default", []catalog.Product{
		{EntityCode: "GHOST", Quantity: catalog.Ptr(1.0)}, {EntityCode: "A", Quantity: catalog.Ptr(4.0)},
	}, &catalog.ProductImportOptions{RequestOptions: opts})
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary.Updated != 1 || res.Summary.Inserted != 0 || len(res.Errors) != 1 || res.Errors[0].Row != 0 ||
		!strings.Contains(res.Errors[0].Reason, `"GHOST" does not exist`) {
		t.Fatalf("result %+v", res)
	}
	if _, ok := srv.Product("GHOST"); ok {
		t.Error("update-only created GHOST")
	}
	if num(current(t, srv, "A")["quantity"]) != 4 {
		t.Error("A was not updated")
	}

	rep, err := c.Products.ImportAll(ctx, "default", catalog.FromSlice([]catalog.Product{
		{EntityCode: "A", Quantity: catalog.Ptr(9.0)}, {EntityCode: "GHOST2", Quantity: catalog.Ptr(1.0)},
	}), &catalog.BulkOptions{RequestOptions: opts})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Succeeded != 1 || len(rep.Failed) != 1 || rep.Failed[0].Row != 1 {
		t.Errorf("ImportAll report %+v", rep)
	}
	if _, ok := srv.Product("GHOST2"); ok {
		t.Error("ImportAll in update-only mode created GHOST2")
	}
}

func TestUpdateMaskRefusedLocally(t *testing.T) {
	srv, c := newFake(t)
	for _, mask := range [][]string{{"quantiy"}, {"sku"}, {"pricing..sale"}, {"quantity", "quantity"}, {""}} {
		_, err := c.Products.Import(context.Background(), "default", []catalog.Product{{EntityCode: "A"}},
			&catalog.ProductImportOptions{RequestOptions: catalog.RequestOptions{UpdateMask: mask}})
		if !errors.Is(err, catalog.ErrValidation) {
			t.Errorf("mask %q: %v, want ErrValidation", mask, err)
		}
		_, err = c.Products.ImportAll(context.Background(), "default", catalog.FromSlice([]catalog.Product{{EntityCode: "A"}}),
			&catalog.BulkOptions{RequestOptions: catalog.RequestOptions{UpdateMask: mask}})
		if !errors.Is(err, catalog.ErrValidation) {
			t.Errorf("ImportAll mask %q: %v, want ErrValidation", mask, err)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// num reads a stored number (json.Number) as a float64; -1 when absent.
func num(v any) float64 {
	n, ok := v.(json.Number)
	if !ok {
		return -1
	}
	f, _ := n.Float64()
	return f
}
