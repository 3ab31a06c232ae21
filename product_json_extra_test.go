package catalog_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

func TestExtraEncodedAsTopLevelKeys(t *testing.T) {
	p := catalog.Product{
		EntityCode: "A",
		Price:      catalog.Ptr(1.5),
		Extra: map[string]any{
			"Titre": "Robinet <1/2\">",
			"Prix":  12.5,
			"Raw":   json.RawMessage(`{"kept":[1,2]}`),
		},
	}
	// As Import and ImportAll send it: HTML characters are not escaped.
	raw, err := catalog.EncodeRow(&p)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"entity_code":"A","price":1.5,"Prix":12.5,"Raw":{"kept":[1,2]},"Titre":"Robinet <1/2\">"}`
	if string(raw) != want {
		t.Errorf("row encoder:\n got %s\nwant %s", raw, want)
	}
	// json.Marshal gives the same, with its HTML escaping.
	raw, err = json.Marshal(p)
	if want := strings.NewReplacer("<", `\u003c`, ">", `\u003e`).Replace(want); err != nil || string(raw) != want {
		t.Errorf("json.Marshal:\n got %s, %v\nwant %s", raw, err, want)
	}
	// Only Extra: no stray comma after the empty object's brace.
	raw, err = json.Marshal(catalog.Product{Extra: map[string]any{"Prix": 1}})
	if err != nil || string(raw) != `{"Prix":1}` {
		t.Errorf("got %s, %v", raw, err)
	}
}

func TestExtraDecodedFromUnknownKeys(t *testing.T) {
	in := `{"entity_code":"A","pricing":{"list":2},"Prix":"12,50","Stock":{"a":[1]}}`
	var p catalog.Product
	if err := json.Unmarshal([]byte(in), &p); err != nil {
		t.Fatal(err)
	}
	if p.EntityCode != "A" || p.Pricing == nil || *p.Pricing.List != 2 {
		t.Errorf("typed fields: %+v", p)
	}
	want := map[string]any{"Prix": "12,50", "Stock": map[string]any{"a": []any{1.0}}}
	if diff := cmp.Diff(want, p.Extra); diff != "" {
		t.Errorf("Extra (-want +got):\n%s", diff)
	}
	back, err := json.Marshal(p)
	if err != nil || string(back) != `{"entity_code":"A","pricing":{"list":2},"Prix":"12,50","Stock":{"a":[1]}}` {
		t.Errorf("round trip: %s, %v", back, err)
	}
	// encoding/json sets typed fields whatever the case of the key: such a
	// key is not kept in Extra as well.
	var none catalog.Product
	if err := json.Unmarshal([]byte(`{"sku":"B","ENTITY_CODE":"A","Price":2}`), &none); err != nil || none.Extra != nil || none.EntityCode != "A" {
		t.Errorf("Extra = %v, entity_code %q, %v; want nil, A", none.Extra, none.EntityCode, err)
	}
}

func TestExtraRefusedPerRow(t *testing.T) {
	srv := fakeServer(t)
	client := fakeClient(t, srv)
	res, err := client.Products.Import(context.Background(), catalogtest.DefaultSourceID, []catalog.Product{
		{EntityCode: "A", Extra: map[string]any{"price": 3.0, "Prix": 1.0}},
		{EntityCode: "B", Extra: map[string]any{"Hook": func() {}}},
		{EntityCode: "C", Extra: map[string]any{"Prix": 1.0}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary.Successful != 1 || len(res.Rejected) != 2 {
		t.Fatalf("summary %+v, rejected %v", res.Summary, res.Rejected)
	}
	for i, want := range []struct{ field, reason string }{
		{`extra["price"]`, "Product.Price"},
		{`extra["Hook"]`, "cannot be encoded"},
	} {
		got := res.Rejected[i]
		if got.Row != i || got.Field != want.field || !strings.Contains(got.Reason, want.reason) {
			t.Errorf("rejected[%d] = %+v; want field %s, reason with %q", i, got, want.field, want.reason)
		}
	}
	if _, err := json.Marshal(catalog.Product{Extra: map[string]any{"sku": "x"}}); err == nil || !strings.Contains(err.Error(), `Extra["sku"]`) {
		t.Errorf("json.Marshal with a colliding key: %v", err)
	}
}

// A vendor's own column name reaches the platform, whose import source maps
// it onto a product field.
func TestExtraThroughFieldMappings(t *testing.T) {
	srv := fakeServer(t)
	client := fakeClient(t, srv)
	ctx := context.Background()
	if _, err := client.Sources.Create(ctx, &catalog.Source{ID: "erp", FieldMappings: map[string]string{"Prix": "pricing.list"}}); err != nil {
		t.Fatal(err)
	}
	res, err := client.Products.Import(ctx, "erp", []catalog.Product{{EntityCode: "SKU-1", Extra: map[string]any{"Prix": 12.5}}}, nil)
	if err != nil || res.Summary.Successful != 1 {
		t.Fatalf("%+v, %v", res, err)
	}
	stored, ok := srv.Product("SKU-1")
	if !ok {
		t.Fatal("not stored")
	}
	pricing, _ := stored.Data["pricing"].(map[string]any)
	if got := pricing["list"]; got != json.Number("12.5") {
		t.Errorf("stored pricing.list = %#v, want 12.5; data %v", got, stored.Data)
	}
	if _, kept := stored.Data["Prix"]; kept {
		t.Errorf("the mapped key was stored as well: %v", stored.Data)
	}
}
