package catalog

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestEveryNumberChecked puts one bad number in each numeric field of the
// model in turn and checks that validation names that field.
func TestEveryNumberChecked(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		field  string
		reason string // a part of the reason
		p      Product
	}{
		{"quantity", "got NaN", Product{Quantity: Ptr(nan)}},
		{"quantity", ">= 0, got -1", Product{Quantity: Ptr(-1.0)}},
		{"sold", "got -Inf", Product{Sold: Ptr(math.Inf(-1))}},
		{"weight", ">= 0", Product{Weight: Ptr(-0.1)}},
		{"volume", "got +Inf", Product{Volume: Ptr(inf)}},
		{"dimension_height", ">= 0", Product{DimensionHeight: Ptr(-2.0)}},
		{"dimension_width", "NaN", Product{DimensionWidth: Ptr(nan)}},
		{"dimension_length", ">= 0", Product{DimensionLength: Ptr(-3.0)}},
		{"brand.product_count", "must be >= 0, got -5", Product{Brand: &Brand{ProductCount: Ptr(-5)}}},
		{"brand.level", ">= 0", Product{Brand: &Brand{Level: Ptr(-1)}}},
		{"brand.hierarchy[1].level", ">= 0", Product{Brand: &Brand{Hierarchy: []Brand{{}, {Level: Ptr(-1)}}}}},
		{"category.level", ">= 0", Product{Category: &Category{Level: Ptr(-1)}}},
		{"category.hierarchy[0].level", ">= 0", Product{Category: &Category{Hierarchy: []Category{{Level: Ptr(-1)}}}}},
		{"channel_categories[1].category.level", ">= 0", Product{ChannelCategories: []ChannelCategory{{}, {Category: &Category{Level: Ptr(-4)}}}}},
		{"collections[0].level", ">= 0", Product{Collections: []Collection{{Level: Ptr(-1)}}}},
		{"images[1].position", ">= 0", Product{Images: []Image{{}, {Position: Ptr(-1)}}}},
		{"images[0].size_bytes", ">= 0", Product{Images: []Image{{SizeBytes: Ptr(-10)}}}},
		{"media[0].size_bytes", ">= 0", Product{Media: []Media{{SizeBytes: Ptr(-1)}}}},
		{"media[2].position", ">= 0", Product{Media: []Media{{}, {}, {Position: Ptr(-1)}}}},
		{`attributes["en"][1].value`, "must be a finite number, got NaN", Product{Attributes: map[string][]Attribute{
			"it": {{Value: "ok"}}, "en": {{Value: 1.0}, {Value: nan}}}}},
		{`attributes["de"][0].value`, "NaN", Product{Attributes: map[string][]Attribute{ // the smallest language of several
			"it": {{Value: nan}}, "en": {{Value: inf}}, "de": {{Value: nan}}, "fr": {{Value: float32(nan)}}}}},
		{`technical_specifications["en"][0].value`, "+Inf", Product{TechnicalSpecifications: map[string][]TechnicalSpec{"en": {{Value: inf}}}}},
		{"meta[1].value", "NaN", Product{Meta: []MetaEntry{{Value: "5"}, {Value: []any{1.0, map[string]any{"x": nan}}}}}},
		{"price", "price must be a finite number >= 0, got -1", Product{Price: Ptr(-1.0)}},
		{"pricing.list", "price must be", Product{Pricing: &Pricing{List: Ptr(nan)}}},
		{"pricing.retail", "price must be", Product{Pricing: &Pricing{Retail: Ptr(-1.0)}}},
		{"pricing.sale", "price must be", Product{Pricing: &Pricing{Sale: Ptr(inf)}}},
		{"pricing.vat_rate", "percentage from 0 to 100, got 122", Product{Pricing: &Pricing{VATRate: Ptr(122.0)}}},
		{"pricing.vat_rate", "percentage from 0 to 100, got -1", Product{Pricing: &Pricing{VATRate: Ptr(-1.0)}}},
		{"packaging_options[1].pricing.sale_unit", "price must be", Product{PackagingOptions: []PackagingOption{{}, {Pricing: &Pricing{SaleUnit: Ptr(nan)}}}}},
		{"packaging_options[0].pricing.list_unit", "price must be", Product{PackagingOptions: []PackagingOption{{Pricing: &Pricing{ListUnit: Ptr(-1.0)}}}}},
		{"packaging_options[0].pricing.retail_unit", "price must be", Product{PackagingOptions: []PackagingOption{{Pricing: &Pricing{RetailUnit: Ptr(-1.0)}}}}},
		{"packaging_options[0].pricing.list_discount_pct", "percentage", Product{PackagingOptions: []PackagingOption{{Pricing: &Pricing{ListDiscountPct: Ptr(101.0)}}}}},
		{"packaging_options[0].pricing.sale_discount_pct", "percentage", Product{PackagingOptions: []PackagingOption{{Pricing: &Pricing{SaleDiscountPct: Ptr(nan)}}}}},
		{"packaging_options[0].qty", ">= 0", Product{PackagingOptions: []PackagingOption{{Qty: Ptr(-10.0)}}}},
		{"packaging_options[0].position", ">= 0", Product{PackagingOptions: []PackagingOption{{Position: Ptr(-1)}}}},
		{"packaging_options[0].promotions[1].discount_percentage", "percentage", Product{PackagingOptions: []PackagingOption{{Promotions: []Promotion{{}, {DiscountPercentage: Ptr(110.0)}}}}}},
		{"packaging_info[0].qty", ">= 0", Product{PackagingInfo: []PackagingInfo{{Qty: Ptr(-1.0)}}}},
		{"promotions[0].promo_row", ">= 0", Product{Promotions: []Promotion{{PromoRow: Ptr(-1)}}}},
		{"promotions[0].discount_percentage", "percentage", Product{Promotions: []Promotion{{DiscountPercentage: Ptr(-5.0)}}}},
		{"promotions[0].min_quantity", ">= 0", Product{Promotions: []Promotion{{MinQuantity: Ptr(-1.0)}}}},
		{"promotions[1].min_order_value", ">= 0", Product{Promotions: []Promotion{{}, {MinOrderValue: Ptr(nan)}}}},
		{"parent_product.price", "price must be", Product{ParentProduct: &ParentProduct{Price: Ptr(-1.0)}}},
		{"parent_product.brand.level", ">= 0", Product{ParentProduct: &ParentProduct{Brand: &Brand{Level: Ptr(-1)}}}},
		{"parent_product.category.level", ">= 0", Product{ParentProduct: &ParentProduct{Category: &Category{Level: Ptr(-1)}}}},
		{`sibling_variants[0].variant_attributes["size"]`, "NaN", Product{SiblingVariants: []SiblingVariant{{VariantAttributes: map[string]any{"color": "red", "size": nan}}}}},
		{"sibling_variants[1].price", "price must be", Product{SiblingVariants: []SiblingVariant{{}, {Price: Ptr(-1.0)}}}},
		{"min_score_threshold", "percentage", Product{MinScoreThreshold: Ptr(120.0)}},
		{`extra["Prix"]`, "NaN", Product{Extra: map[string]any{"Prix": nan, "Titre": "ok"}}},
		{`extra["Poids"]`, "+Inf", Product{Extra: map[string]any{"Poids": Ptr(inf)}}},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			tt.p.EntityCode = "A"
			for range 5 { // several runs: map order must not change the answer
				got := validateProduct(&tt.p, nil)
				if got == nil {
					t.Fatal("accepted")
				}
				if got.Field != tt.field || !strings.Contains(got.Reason, tt.reason) {
					t.Fatalf("got %s: %s; want %s: ...%s...", got.Field, got.Reason, tt.field, tt.reason)
				}
			}
		})
	}
}

// TestNumbersAtTheirBoundsAccepted: zero, 100% and negative sort keys are
// valid.
func TestNumbersAtTheirBoundsAccepted(t *testing.T) {
	p := Product{
		EntityCode: "A", Quantity: Ptr(0.0), Price: Ptr(0.0),
		Pricing:           &Pricing{VATRate: Ptr(100.0), List: Ptr(0.0)},
		Promotions:        []Promotion{{Priority: Ptr(-3), DiscountPercentage: Ptr(0.0)}},
		Brand:             &Brand{DisplayOrder: Ptr(-1)},
		Tags:              []Tag{{DisplayOrder: Ptr(-2)}},
		MinScoreThreshold: Ptr(100.0),
		Meta:              []MetaEntry{{Value: -12.5}, {Value: "NaN"}},
		Extra:             map[string]any{"Prix": -1.0}, // Extra's meaning is the source's: only finiteness is checked
	}
	if err := validateProduct(&p, nil); err != nil {
		t.Fatal(err)
	}
}

// A NaN quantity used to reach the JSON encoder and come back as
// "json: unsupported value: NaN" with no field; it is now a row error
// naming the field, and the other rows are sent.
func TestImportRefusesNaNQuantityNamingTheField(t *testing.T) {
	c, mt := newMockClient(t)
	rec := &recorder{}
	mt.RegisterResponder("POST", testBase+importAPIPath, rec.respond(200, `{"success":true,"job_id":"api_import_1","summary":{"total":1,"successful":1},"message":"m"}`))
	res, err := c.Products.Import(context.Background(), "src", []Product{
		{EntityCode: "A", Quantity: Ptr(math.NaN())},
		{EntityCode: "B", Quantity: Ptr(3.0)},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []RowError{{Row: 0, EntityCode: "A", Field: "quantity", Reason: "must be a finite number >= 0, got NaN", Rejected: true,
		Problems: []FieldProblem{{Field: "quantity", Value: "NaN", Reason: "must be a finite number >= 0, got NaN"}}}}
	if diff := cmp.Diff(want, res.Rejected); diff != "" {
		t.Errorf("rejected (-want +got):\n%s", diff)
	}
	if len(rec.bodies) != 1 || strings.Contains(string(rec.bodies[0]), `"A"`) {
		t.Errorf("row A was sent: %s", rec.bodies)
	}
}

// A row with several invalid fields reports each of them, in field order,
// with its path, value and reason; the first stays its Field and Reason,
// and its message names the others.
func TestValidationReportsEveryProblem(t *testing.T) {
	p := Product{EntityCode: "A", Quantity: Ptr(-3.0), EAN: []string{"4006381333931", "12345"},
		Pricing:          &Pricing{List: Ptr(math.NaN()), VATRate: Ptr(22.0)},
		PackagingOptions: []PackagingOption{{}, {Pricing: &Pricing{SaleDiscountPct: Ptr(120.0)}}},
		Attributes:       map[string][]Attribute{"it": {{Value: math.Inf(1)}}, "en": {{Value: 1.0}, {Value: math.NaN()}}},
		Extra:            map[string]any{"price": 3.0, "Prix": math.NaN()},
	}
	want := []FieldProblem{
		{Field: "ean[1]", Value: "12345", Reason: `invalid EAN "12345": an EAN/GTIN has 8, 12, 13 or 14 digits`},
		{Field: "quantity", Value: "-3", Reason: "must be a finite number >= 0, got -3"},
		{Field: `attributes["en"][1].value`, Value: "NaN", Reason: "must be a finite number, got NaN"},
		{Field: `attributes["it"][0].value`, Value: "+Inf", Reason: "must be a finite number, got +Inf"},
		{Field: "pricing.list", Value: "NaN", Reason: "price must be a finite number >= 0, got NaN"},
		{Field: "packaging_options[1].pricing.sale_discount_pct", Value: "120", Reason: "must be a percentage from 0 to 100, got 120"},
		{Field: `extra["Prix"]`, Value: "NaN", Reason: "must be a finite number, got NaN"},
		{Field: `extra["price"]`, Reason: "is the JSON name of Product.Price; set that field instead"},
	}
	for range 5 { // map order must not change the answer
		got := validateProduct(&p, nil)
		if got == nil {
			t.Fatal("accepted")
		}
		if diff := cmp.Diff(want, got.Problems); diff != "" {
			t.Fatalf("problems (-want +got):\n%s", diff)
		}
		if got.Field != "ean[1]" || got.Reason != want[0].Reason {
			t.Errorf("first problem %s: %s", got.Field, got.Reason)
		}
	}

	three := Product{SKU: "B", Quantity: Ptr(-1.0), Weight: Ptr(math.NaN()), Pricing: &Pricing{Sale: Ptr(-2.0)}}
	_, rowErr := newRowEncoder().encode(&three, nil)
	if rowErr == nil || len(rowErr.Problems) != 3 {
		t.Fatalf("got %+v, want three problems", rowErr)
	}
	rowErr.Row = 4
	const msg = "catalog: row 4: quantity: must be a finite number >= 0, got -1 (+2 more: weight, pricing.sale)"
	if got := rowErr.Error(); got != msg {
		t.Errorf("Error() = %q, want %q", got, msg)
	}
	one := RowError{Row: 4, Field: "quantity", Reason: "must be a finite number >= 0, got -1", Problems: rowErr.Problems[:1]}
	if got, want := one.Error(), "catalog: row 4: quantity: must be a finite number >= 0, got -1"; got != want {
		t.Errorf("one problem: Error() = %q, want %q (as before Problems)", got, want)
	}
}
