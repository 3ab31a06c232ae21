package catalogtest

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/internal/synth"
)

// TestProductReadsEveryFieldKind: a product with every field group of seed
// 004's full payload (texts by language, strings, numbers, booleans, lists,
// nested objects, maps by language) and keys of the caller's own reads
// back from the store as it was sent, through a direct and a queued import.
func TestProductReadsEveryFieldKind(t *testing.T) {
	s, c := Start(t)
	ctx := t.Context()
	sent := []catalog.Product{synth.Full(1), synth.Full(2)}
	for i := range sent {
		sent[i].Extra = map[string]any{"vendor_note": "<b>&", "vendor_rank": 3.0, "vendor_tags": []any{"a", "b"},
			"vendor_dims": map[string]any{"h": 1.5}}
	}
	if _, err := c.Products.Import(ctx, DefaultSourceID, sent[:1], nil); err != nil {
		t.Fatal(err)
	}
	q, err := c.Products.Queue(ctx, DefaultSourceID, sent[1:], nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.WaitJob(ctx, q.JobID, catalog.JobCompleted); err != nil {
		t.Fatal(err)
	}
	for _, p := range sent {
		v, ok := s.Product(p.EntityCode)
		if !ok {
			t.Fatalf("%s not stored", p.EntityCode)
		}
		got, err := v.Product()
		if err != nil {
			t.Fatalf("Product() of %s: %v", p.EntityCode, err)
		}
		// Values of type any (attribute values) decode as JSON's types.
		want := jsonRoundTrip(t, p)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s read back (-sent +read):\n%s", p.EntityCode, diff)
		}
	}
}

// TestProductReadsWrappedTexts: the server stores a multilingual value it
// does not recognise as language-keyed whole under the default language,
// {"en": {"en": ..., "pt": ...}}; Product reads it (it used to fail), the
// wrapped value as its JSON, and keeps the other languages' texts.
func TestProductReadsWrappedTexts(t *testing.T) {
	s, c := Start(t)
	sent := catalog.Product{
		EntityCode:  "A",
		Name:        catalog.Localized(map[string]string{"en": "Valve", "pt": "Válvula <&>"}),
		Description: catalog.PlainText("Brass"),
		MetaTitle:   catalog.Localized(map[string]string{"it": "Valvola"}),
	}
	if _, err := c.Products.Import(t.Context(), DefaultSourceID, []catalog.Product{sent}, nil); err != nil {
		t.Fatal(err)
	}
	// And what another client may send: a number where text belongs.
	send(t, s, "POST", pathImportAPI, `{"source_id":"default","products":[{"entity_code":"B","name":7,"slug":{"en":true}}]}`)
	want := map[string]catalog.Product{
		"A": {EntityCode: "A", SKU: "A",
			Name:        catalog.Localized(map[string]string{"en": `{"en":"Valve","pt":"Válvula <&>"}`}),
			Description: catalog.Localized(map[string]string{"en": "Brass"}),
			MetaTitle:   catalog.Localized(map[string]string{"it": "Valvola"})},
		"B": {EntityCode: "B", SKU: "B",
			Name: catalog.Localized(map[string]string{"en": "7"}),
			Slug: catalog.Localized(map[string]string{"en": "true"})},
	}
	for code, w := range want {
		v, _ := s.Product(code)
		got, err := v.Product()
		if err != nil {
			t.Fatalf("Product() of %s as stored (%v): %v", code, v.Data, err)
		}
		if diff := cmp.Diff(w, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", code, diff)
		}
	}
	// Text values of other types than the wrapped ones: SeedVersions
	// stores anything, and a name that is a bare number reads as its JSON.
	if err := s.SeedVersions(ProductVersion{EntityCode: "C", Data: map[string]any{"name": 12, "slug": []any{"x"}}}); err != nil {
		t.Fatal(err)
	}
	v, _ := s.Product("C")
	got, err := v.Product()
	if err != nil || got.Name.String() != "12" || got.Slug.String() != `["x"]` {
		t.Errorf("seeded C reads %v, %v (err %v); want the texts 12 and [\"x\"]", got.Name, got.Slug, err)
	}
}

// jsonRoundTrip is p as a client decoding its JSON reads it.
func jsonRoundTrip(t *testing.T, p catalog.Product) catalog.Product {
	t.Helper()
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var out catalog.Product
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRequestImportKeepsKeysTheModelLacks: Request.Import reads the rows as
// ProductVersion.Product does, keys the model has no place for in Extra,
// every field kind included.
func TestRequestImportKeepsKeysTheModelLacks(t *testing.T) {
	s, c := Start(t)
	p := synth.Full(3)
	p.Extra = map[string]any{"Prix": 12.5, "vendor_tags": []any{"a"}, "vendor_dims": map[string]any{"h": 1.5}}
	if _, err := c.Products.Import(t.Context(), DefaultSourceID, []catalog.Product{p}, nil); err != nil {
		t.Fatal(err)
	}
	body, err := s.Requests()[0].Import()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]catalog.Product{jsonRoundTrip(t, p)}, body.Products); diff != "" {
		t.Errorf("Import().Products (-sent +read):\n%s", diff)
	}
	v, _ := s.Product(p.EntityCode)
	stored, err := v.Product()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(stored.Extra, body.Products[0].Extra); diff != "" {
		t.Errorf("Extra: the stored product and the request differ (-stored +request):\n%s", diff)
	}
}

// TestSeedProductFromANamedSource: the source's mappings, required fields
// and auto-publish apply, and the version names the source; SeedProduct
// still goes through the default source; an unknown source is refused.
func TestSeedProductFromANamedSource(t *testing.T) {
	s, _ := Start(t, WithSource(catalog.Source{ID: "erp", Name: "ERP",
		FieldMappings:      map[string]string{"Prix": "pricing.list"},
		AutoPublishEnabled: catalog.Ptr(true), RequiredFields: []string{"pricing.list", "name"}}))
	v, err := s.SeedProductFrom("erp", map[string]any{"entity_code": "A", "Prix": 12.5})
	if err != nil {
		t.Fatal(err)
	}
	if v.Source.SourceID != "erp" || v.Status != StatusDraft {
		t.Errorf("seeded through erp: source %q, status %s; want erp, draft (name is required)", v.Source.SourceID, v.Status)
	}
	p, err := v.Product()
	if err != nil || p.Pricing == nil || p.Pricing.List == nil || *p.Pricing.List != 12.5 {
		t.Errorf("Prix was not mapped to pricing.list: %+v (err %v)", p.Pricing, err)
	}
	if v, err := s.SeedProduct(map[string]any{"entity_code": "B", "Prix": 1}); err != nil || v.Source.SourceID != DefaultSourceID || v.Status != StatusPublished {
		t.Errorf("SeedProduct = source %q status %s (err %v), want the default source, published", v.Source.SourceID, v.Status, err)
	}
	if _, err := s.SeedProductFrom("nope", map[string]any{"entity_code": "C"}); err == nil {
		t.Error("SeedProductFrom an unknown source did not fail")
	}
	if _, ok := s.Product("C"); ok {
		t.Error("SeedProductFrom an unknown source stored the product")
	}
}
