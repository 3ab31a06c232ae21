package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// rawProducts returns the products array of a request fixture, one raw
// JSON message per product.
func rawProducts(t *testing.T, file string) []json.RawMessage {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var req struct {
		Products []json.RawMessage `json:"products"`
	}
	if err := json.Unmarshal(data, &req); err != nil {
		t.Fatal(err)
	}
	if len(req.Products) == 0 {
		t.Fatalf("%s: no products", file)
	}
	return req.Products
}

// decodeStrict decodes data into v, failing on any field v does not model.
func decodeStrict(t *testing.T, data []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode: %v", err)
	}
}

// generic decodes JSON into a tree of maps, slices and scalars, normalized
// for comparison:
//   - members whose value is null are dropped, because null decodes to a
//     nil field, which is not sent back;
//   - date strings are rewritten as RFC 3339 in UTC, so that dates compare
//     as instants: the seed writes "2026-04-01T00:00:00.000Z" where Go
//     writes "2026-04-01T00:00:00Z".
func generic(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	return normalize(v)
}

func normalize(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if e == nil {
				delete(v, k)
				continue
			}
			v[k] = normalize(e)
		}
	case []any:
		for i, e := range v {
			v[i] = normalize(e)
		}
	case string:
		if tm, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return tm.UTC().Format(time.RFC3339Nano)
		}
	}
	return v
}

// roundTrip decodes raw strictly into a Product, encodes it again and
// compares the result with raw as generic JSON.
func roundTrip(t *testing.T, raw json.RawMessage) Product {
	t.Helper()
	var p Product
	decodeStrict(t, raw, &p)
	out, err := json.Marshal(p)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	if diff := cmp.Diff(generic(t, raw), generic(t, out)); diff != "" {
		t.Errorf("round trip mismatch (-fixture +encoded):\n%s", diff)
	}
	return p
}

func TestModelFullPayloadRoundTrip(t *testing.T) {
	raw := rawProducts(t, "testdata/full_payload.json")[0]
	p := roundTrip(t, raw)

	// Brand decodes through its own UnmarshalJSON, which is lenient;
	// decode the brand object strictly as well. (The round trip above would
	// also catch a dropped field.)
	var fields struct {
		Brand json.RawMessage `json:"brand"`
	}
	if err := json.Unmarshal(raw, &fields); err != nil {
		t.Fatal(err)
	}
	var b brandObject
	decodeStrict(t, fields.Brand, &b)

	// Spot checks of the typed values.
	if p.EntityCode != "SKU-0001" || p.SKU != "SKU-0001" {
		t.Errorf("identifiers = %q, %q", p.EntityCode, p.SKU)
	}
	if p.StockStatus == nil || *p.StockStatus != StockInStock {
		t.Errorf("StockStatus = %v, want %q", p.StockStatus, StockInStock)
	}
	if p.ProductKind == nil || *p.ProductKind != KindStandard {
		t.Errorf("ProductKind = %v, want %q", p.ProductKind, KindStandard)
	}
	if want := time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC); p.ItemCreationDate == nil || !p.ItemCreationDate.Equal(want) {
		t.Errorf("ItemCreationDate = %v, want %v", p.ItemCreationDate, want)
	}
	if p.ParentSKU != nil || p.ParentEntityCode != nil || p.ParentProduct != nil || p.Brand.ParentBrandID != nil {
		t.Error("JSON null did not decode to nil")
	}
	if p.SiblingVariants == nil || len(p.SiblingVariants) != 0 {
		t.Errorf("SiblingVariants = %#v, want empty non-nil", p.SiblingVariants)
	}
	if names, _ := p.Name.Localized(); names["it"] != "Valvola a sfera in ottone 1/2\"" {
		t.Errorf("Name[it] = %q", names["it"])
	}
	if v := p.TechnicalSpecifications["en"][1].Value; v != 40.0 {
		t.Errorf("numeric spec value = %#v, want 40", v)
	}
	if got := p.PackagingOptions[1].Promotions[0].StartDate; got == nil || !got.Equal(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("packaging promotion StartDate = %v", got)
	}
	if got := p.Pricing.VATRate; got == nil || *got != 22 {
		t.Errorf("Pricing.VATRate = %v, want 22", got)
	}
}

func TestModelDirectImportProducts(t *testing.T) {
	raws := rawProducts(t, "testdata/direct_import_request.json")
	if len(raws) != 2 {
		t.Fatalf("got %d products, want 2", len(raws))
	}
	first := roundTrip(t, raws[0])
	second := roundTrip(t, raws[1])

	if !isLocalized(first.Name) {
		t.Errorf("first name should be localized: %v", first.Name)
	}
	if s, ok := first.Description.Plain(); !ok || s != "Full-bore brass ball valve, threaded." {
		t.Errorf("first description = %v, want plain", first.Description)
	}
	if s, ok := second.Name.Plain(); !ok || s != "Copper elbow 22mm" {
		t.Errorf("second name = %v, want plain", second.Name)
	}
	if first.Brand == nil || first.Brand.Plain != "acme" {
		t.Errorf("brand = %+v, want Plain \"acme\"", first.Brand)
	}
	if second.SKU != "" {
		t.Errorf("second SKU = %q, want empty", second.SKU)
	}
}

func encode(t *testing.T, v any) string {
	t.Helper()
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestProductOptionalFields(t *testing.T) {
	if got, want := encode(t, Product{EntityCode: "A"}), `{"entity_code":"A"}`; got != want {
		t.Errorf("empty product = %s, want %s", got, want)
	}

	// Zero values set explicitly are sent.
	tests := []struct {
		name string
		p    Product
		want string
	}{
		{"price", Product{EntityCode: "A", Price: Ptr(0.0)}, `{"entity_code":"A","price":0}`},
		{"quantity", Product{EntityCode: "A", Quantity: Ptr(0.0)}, `{"entity_code":"A","quantity":0}`},
		{"images", Product{EntityCode: "A", Images: []Image{}}, `{"entity_code":"A","images":[]}`},
		{"channels", Product{EntityCode: "A", Channels: []string{}}, `{"entity_code":"A","channels":[]}`},
		{"is_parent", Product{EntityCode: "A", IsParent: Ptr(false)}, `{"entity_code":"A","is_parent":false}`},
		{"empty string", Product{EntityCode: "A", Unit: Ptr("")}, `{"entity_code":"A","unit":""}`},
		{"attributes", Product{EntityCode: "A", Attributes: map[string][]Attribute{}}, `{"entity_code":"A","attributes":{}}`},
		{"nested", Product{EntityCode: "A", Pricing: &Pricing{List: Ptr(0.0)}}, `{"entity_code":"A","pricing":{"list":0}}`},
		{"empty object", Product{EntityCode: "A", Pricing: &Pricing{}}, `{"entity_code":"A","pricing":{}}`},
		{"zero any", Product{EntityCode: "A", Meta: []MetaEntry{{Key: Ptr("k"), Value: 0}}}, `{"entity_code":"A","meta":[{"key":"k","value":0}]}`},
		{"stock status", Product{SKU: "S", StockStatus: Ptr(StockOutOfStock)}, `{"sku":"S","stock_status":"out_of_stock"}`},
		{"date", Product{EntityCode: "A", ItemCreationDate: Ptr(time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC))}, `{"entity_code":"A","item_creation_date":"2024-03-15T00:00:00Z"}`},
	}
	for _, tt := range tests {
		if got := encode(t, tt.p); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestTextForms(t *testing.T) {
	tests := []struct {
		name      string
		text      *Text
		want      string
		localized bool
	}{
		{"plain", PlainText("Valve"), `{"entity_code":"A","name":"Valve"}`, false},
		{"localized", Localized(map[string]string{"en": "Valve", "it": "Valvola"}), `{"entity_code":"A","name":{"en":"Valve","it":"Valvola"}}`, true},
		{"empty plain", PlainText(""), `{"entity_code":"A","name":""}`, false},
	}
	for _, tt := range tests {
		got := encode(t, Product{EntityCode: "A", Name: tt.text})
		if got != tt.want {
			t.Errorf("%s: encoded %s, want %s", tt.name, got, tt.want)
		}
		var p Product
		decodeStrict(t, []byte(got), &p)
		if p.Name == nil || isLocalized(p.Name) != tt.localized || p.Name.String() != tt.text.String() {
			t.Errorf("%s: decoded %v, want %v", tt.name, p.Name, tt.text)
		}
		if again := encode(t, p); again != tt.want {
			t.Errorf("%s: re-encoded %s, want %s", tt.name, again, tt.want)
		}
	}
}

// Localized gives the language-keyed values as a copy, one language by
// key and the codes by sorting its keys; a plain or nil Text has none.
func TestTextLocalized(t *testing.T) {
	text := Localized(map[string]string{"it": "Valvola", "en": "Valve"})
	m, ok := text.Localized()
	if !ok || m["it"] != "Valvola" || !slices.Equal(slices.Sorted(maps.Keys(m)), []string{"en", "it"}) {
		t.Fatalf("Localized() = %v, %v; want en and it", m, ok)
	}
	m["it"], m["de"] = "changed", "Ventil"
	if again, _ := text.Localized(); !maps.Equal(again, map[string]string{"en": "Valve", "it": "Valvola"}) || text.String() != `en="Valve" it="Valvola"` {
		t.Errorf("changing the returned map changed the Text: %v, %s", again, text)
	}
	if m, ok := Localized(nil).Localized(); !ok || len(m) != 0 {
		t.Errorf("Localized(nil).Localized() = %v, %v; want empty and true", m, ok)
	}
	for name, text := range map[string]*Text{"plain": PlainText("Valve"), "nil": nil} {
		if m, ok := text.Localized(); ok || m != nil {
			t.Errorf("%s: Localized() = %v, %v; want nil, false", name, m, ok)
		}
	}
}

func TestProductBrandForms(t *testing.T) {
	if got, want := encode(t, Product{EntityCode: "A", Brand: &Brand{Plain: "acme"}}), `{"entity_code":"A","brand":"acme"}`; got != want {
		t.Errorf("plain brand = %s, want %s", got, want)
	}
	if got, want := encode(t, Product{EntityCode: "A", Brand: &Brand{Label: Ptr("Acme"), Level: Ptr(0)}}), `{"entity_code":"A","brand":{"label":"Acme","level":0}}`; got != want {
		t.Errorf("brand object = %s, want %s", got, want)
	}
	_, err := json.Marshal(Product{EntityCode: "A", Brand: &Brand{Plain: "acme", Label: Ptr("Acme")}})
	if err == nil || !strings.Contains(err.Error(), "Brand.Plain") {
		t.Errorf("Plain combined with Label: err = %v, want an error naming Brand.Plain", err)
	}
}

func TestCategoryAndPromotionRoundTrip(t *testing.T) {
	c := Category{
		CategoryID: Ptr("cat_valves"),
		Name:       Localized(map[string]string{"en": "Valves"}),
		Image:      &CategoryImage{ID: Ptr("img")},
		Level:      Ptr(0),
		Path:       []string{},
		Hierarchy:  []Category{{CategoryID: Ptr("root"), Level: Ptr(0)}},
	}
	want := `{"category_id":"cat_valves","name":{"en":"Valves"},"image":{"id":"img"},"level":0,"path":[],"hierarchy":[{"category_id":"root","level":0}]}`
	if got := encode(t, c); got != want {
		t.Errorf("category = %s, want %s", got, want)
	}

	p := Promotion{
		PromoCode:          Ptr("P"),
		DiscountPercentage: Ptr(0.0),
		IsStackable:        Ptr(false),
		EndDate:            Ptr(time.Date(2026, 6, 30, 23, 59, 59, 0, time.UTC)),
		TargetPkgIDs:       []string{},
	}
	want = `{"promo_code":"P","discount_percentage":0,"is_stackable":false,"end_date":"2026-06-30T23:59:59Z","target_pkg_ids":[]}`
	if got := encode(t, p); got != want {
		t.Errorf("promotion = %s, want %s", got, want)
	}
}

// TestModelOptionalRule checks the rule on every model type reachable from
// Product and Promotion: each field is nil-able and tagged omitzero, except
// Product's two identifiers and Brand.Plain.
func TestModelOptionalRule(t *testing.T) {
	exceptions := map[string]string{
		"Product.EntityCode": "entity_code,omitempty",
		"Product.SKU":        "sku,omitempty",
		"Brand.Plain":        "-",
		"Product.Extra":      "-",
	}
	seen := map[reflect.Type]bool{}
	var check func(reflect.Type)
	check = func(typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice || typ.Kind() == reflect.Map {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || typ.PkgPath() != reflect.TypeFor[Product]().PkgPath() || typ == reflect.TypeFor[Text]() || seen[typ] {
			return
		}
		seen[typ] = true
		for i := range typ.NumField() {
			f := typ.Field(i)
			name := typ.Name() + "." + f.Name
			tag := f.Tag.Get("json")
			if want, ok := exceptions[name]; ok {
				if tag != want {
					t.Errorf("%s: tag %q, want %q", name, tag, want)
				}
				continue
			}
			if !strings.HasSuffix(tag, ",omitzero") {
				t.Errorf("%s: tag %q, want omitzero", name, tag)
			}
			switch f.Type.Kind() {
			case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
			default:
				t.Errorf("%s: type %s cannot express \"not sent\"", name, f.Type)
			}
			check(f.Type)
		}
	}
	check(reflect.TypeFor[Product]())
	check(reflect.TypeFor[Promotion]())
	if len(seen) < 20 {
		t.Errorf("checked only %d types", len(seen))
	}
}

// isLocalized reports whether t is language-keyed rather than plain.
func isLocalized(t *Text) bool {
	_, plain := t.Plain()
	return t != nil && !plain
}

func TestTextEqual(t *testing.T) {
	cases := []struct {
		a, b *Text
		want bool
	}{
		{nil, nil, true},
		{PlainText("x"), nil, false},
		{PlainText("x"), PlainText("x"), true},
		{PlainText("x"), PlainText("y"), false},
		{Localized(map[string]string{"en": "x"}), Localized(map[string]string{"en": "x"}), true},
		{Localized(map[string]string{"en": "x"}), Localized(map[string]string{"en": "x", "it": "y"}), false},
		{Localized(nil), PlainText(""), false}, // {} and "" differ on the wire
	}
	for _, c := range cases {
		if got := c.a.Equal(c.b); got != c.want {
			t.Errorf("%v.Equal(%v) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestRowErrorPrintsItsMessage(t *testing.T) {
	e := &RowError{Row: 2, EntityCode: "A", Field: "price", Reason: "must be >= 0", Cause: ErrServer}
	if got := fmt.Sprint(e); !strings.Contains(got, "must be >= 0") || !strings.Contains(got, "price") {
		t.Errorf("%%v of a *RowError = %q, want its message", got)
	}
	if !errors.Is(e, ErrServer) {
		t.Error("a *RowError does not unwrap to its cause")
	}
}
