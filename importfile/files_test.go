package importfile

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pimkit/catalog"
)

// collect reads a whole row stream.
func collect(t *testing.T, r io.Reader, name string, opts *Options) ([]Row, []error) {
	t.Helper()
	var rows []Row
	var errs []error
	for row, err := range Rows(r, name, opts) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		rows = append(rows, row)
	}
	return rows, errs
}

// rowMaps turns rows into line -> column -> value.
func rowMaps(rows []Row) map[int]map[string]string {
	out := make(map[int]map[string]string)
	for _, r := range rows {
		out[r.Line] = r.Map()
	}
	return out
}

func products(t *testing.T, r io.Reader, name string, m Mapping) ([]catalog.Product, []error) {
	t.Helper()
	var ps []catalog.Product
	var errs []error
	for p, err := range Products(r, name, m, nil) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ps = append(ps, p)
	}
	return ps, errs
}

var productCmp = cmp.Comparer(func(a, b *catalog.Text) bool { return a.String() == b.String() })

// A semicolon export from a French spreadsheet: BOM, comma decimals,
// thousands with dots and spaces, booleans in French, an EAN list.
func TestCSVSemicolonBOMCommaDecimals(t *testing.T) {
	file := "\uFEFFRéf;Désignation;Prix HT;Stock;Actif;EAN\r\n" +
		"A-1;Vanne laiton;1.234,50;12;oui;3001234567892|3001234567908\r\n" +
		"A-2;Coude cuivre;12,5;1 200;non;\r\n"
	ps, errs := products(t, strings.NewReader(file), "export.csv", Mapping{Fields: map[string]string{
		"Réf": "entity_code", "Désignation": "name.fr", "Prix HT": "pricing.list",
		"Stock": "quantity", "Actif": "include_faceting", "EAN": "ean",
	}})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := []catalog.Product{
		{EntityCode: "A-1", Name: catalog.Localized(map[string]string{"fr": "Vanne laiton"}), Pricing: &catalog.Pricing{List: catalog.Ptr(1234.5)},
			Quantity: catalog.Ptr(12.0), IncludeFaceting: catalog.Ptr(true), EAN: []string{"3001234567892", "3001234567908"}},
		{EntityCode: "A-2", Name: catalog.Localized(map[string]string{"fr": "Coude cuivre"}), Pricing: &catalog.Pricing{List: catalog.Ptr(12.5)},
			Quantity: catalog.Ptr(1200.0), IncludeFaceting: catalog.Ptr(false)},
	}
	if d := cmp.Diff(want, ps, productCmp); d != "" {
		t.Fatalf("products (-want +got):\n%s", d)
	}
}

// Quoted cells hold commas, line breaks and doubled quotes; the line of a
// row is where it starts, as an editor shows it.
func TestCSVQuotedFieldsAndLines(t *testing.T) {
	file := "sku,description,price\n" +
		"S1,\"Valve, brass\nthreaded 1/2\"\"\",12.5\n" +
		"\n" +
		"S2,\"He said \"\"hi\"\"\",3\n" +
		"S3,bare \" quote,4\n"
	rows, errs := collect(t, strings.NewReader(file), "q.csv", nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := map[int]map[string]string{
		2: {"sku": "S1", "description": "Valve, brass\nthreaded 1/2\"", "price": "12.5"},
		5: {"sku": "S2", "description": `He said "hi"`, "price": "3"},
		6: {"sku": "S3", "description": `bare " quote`, "price": "4"},
	}
	if d := cmp.Diff(want, rowMaps(rows)); d != "" {
		t.Fatalf("rows (-want +got):\n%s", d)
	}
}

// Ragged rows are read as the server reads them; StrictColumns refuses
// them with the server's error shape.
func TestCSVRaggedRows(t *testing.T) {
	file := "a\tb\tc\n1\t2\n4\t5\t6\t7\n"
	rows, errs := collect(t, strings.NewReader(file), "tab.csv", nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := map[int]map[string]string{2: {"a": "1", "b": "2", "c": ""}, 3: {"a": "4", "b": "5", "c": "6"}}
	if d := cmp.Diff(want, rowMaps(rows)); d != "" {
		t.Fatalf("rows (-want +got):\n%s", d)
	}

	_, errs = collect(t, strings.NewReader(file), "tab.csv", &Options{StrictColumns: true})
	var fe *catalog.FileFormatError
	if len(errs) != 1 || !errors.As(errs[0], &fe) {
		t.Fatalf("errors %v, want one *catalog.FileFormatError", errs)
	}
	if fe.Code != "CSV_INCONSISTENT_RECORD_LENGTH" || fe.Line != 2 || fe.Column != 3 || fe.File != "tab.csv" || !errors.Is(fe, catalog.ErrValidation) {
		t.Fatalf("got %+v", fe)
	}
}

func TestDetectDelimiter(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want rune
	}{
		{"a;b;c\n1,5;2,5;3\n", ';'},
		{"a,b,c\n1;2,3,4\n", ','},
		{"a\tb\n1\t2\n", '\t'},
		{"\"x;y\",b,c\n1,2,3\n", ','},
		{"single\nrow\n", ','},
		{"a;b\n\"multi\nline;\";2\n", ';'},
	} {
		if got := detectDelimiter([]byte(tc.in)); got != tc.want {
			t.Errorf("detectDelimiter(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// A JSON export and the same as NDJSON give the same products; typed JSON
// values (numbers, booleans, arrays, language objects) are kept.
func TestJSONAndNDJSON(t *testing.T) {
	objs := []string{
		`{"id": "J1", "title": {"en": "Valve", "it": "Valvola"}, "price": 12.5, "eans": ["4006381333931"], "hidden": false, "brand": "acme"}`,
		`{"id": "J2", "title": "Elbow", "price": "8,90", "eans": "4006381333948|4006381333955", "hidden": "yes", "brand": {"label": "Acme"}, "extra": 1}`,
	}
	m := Mapping{Fields: map[string]string{"id": "entity_code", "title": "name", "price": "pricing.retail", "eans": "ean", "hidden": "not_visible", "brand": "brand"},
		Unmapped: UnmappedDrop}
	want := []catalog.Product{
		{EntityCode: "J1", Name: catalog.Localized(map[string]string{"en": "Valve", "it": "Valvola"}), Pricing: &catalog.Pricing{Retail: catalog.Ptr(12.5)},
			EAN: []string{"4006381333931"}, NotVisible: catalog.Ptr(false), Brand: &catalog.Brand{Plain: "acme"}},
		{EntityCode: "J2", Name: catalog.PlainText("Elbow"), Pricing: &catalog.Pricing{Retail: catalog.Ptr(8.9)},
			EAN: []string{"4006381333948", "4006381333955"}, NotVisible: catalog.Ptr(true), Brand: &catalog.Brand{Label: catalog.Ptr("Acme")}},
	}
	jsonFile := "[\n  " + strings.Join(objs, ",\n  ") + "\n]\n"
	ndjson := objs[0] + "\n\n" + objs[1] + "\n"
	for name, file := range map[string]string{"export.json": jsonFile, "export.ndjson": ndjson} {
		ps, errs := products(t, strings.NewReader(file), name, m)
		if len(errs) > 0 {
			t.Fatal(name, errs)
		}
		if d := cmp.Diff(want, ps, productCmp); d != "" {
			t.Fatalf("%s: products (-want +got):\n%s", name, d)
		}
	}
	rows, _ := collect(t, strings.NewReader(jsonFile), "export.json", nil)
	if rows[0].Line != 2 || rows[1].Line != 3 {
		t.Fatalf("JSON lines %d, %d; want 2, 3", rows[0].Line, rows[1].Line)
	}
	rows, _ = collect(t, strings.NewReader(ndjson), "export.ndjson", nil)
	if rows[0].Line != 1 || rows[1].Line != 3 {
		t.Fatalf("NDJSON lines %d, %d; want 1, 3", rows[0].Line, rows[1].Line)
	}
}

// Invalid values fail their row only, naming file, line, column and field.
func TestInvalidValuesNameLineAndColumn(t *testing.T) {
	file := "sku;price;active;ean;created\n" +
		"OK1;1,5;yes;123;2024-03-01\n" +
		"BAD1;1,2,3;yes;;\n" +
		"BAD2;2;maybe;;\n" +
		"BAD3;3;no;;31/02/2024\n" +
		"OK2;4;no;;\n"
	ps, errs := products(t, strings.NewReader(file), "bad.csv", Mapping{Fields: map[string]string{
		"sku": "sku", "price": "price", "active": "not_visible", "ean": "ean", "created": "item_creation_date",
	}})
	if len(ps) != 2 || ps[0].SKU != "OK1" || ps[1].SKU != "OK2" || ps[0].ItemCreationDate.Format("2006-01-02") != "2024-03-01" {
		t.Fatalf("products %+v", ps)
	}
	want := []string{
		`importfile: bad.csv: line 3, column 2 "price" -> price: "1,2,3": not a number`,
		`importfile: bad.csv: line 4, column 3 "active" -> not_visible: "maybe": ` + errNotBool.Error(),
		`importfile: bad.csv: line 5, column 5 "created" -> item_creation_date: "31/02/2024": ` + errNotDate.Error(),
	}
	var got []string
	for _, err := range errs {
		var ce *CellError
		if !errors.As(err, &ce) || ce.File != "bad.csv" || ce.Line == 0 || ce.Column == "" {
			t.Fatalf("%v: not a complete *CellError", err)
		}
		got = append(got, err.Error())
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("errors (-want +got):\n%s", d)
	}
}

func TestMapperRefusesBadMappings(t *testing.T) {
	for _, m := range []map[string]string{
		{"a": "nope"},
		{"a": "pricing.nope"},
		{"a": "name.it.x"},
		{"a": "name", "b": "name.it"},
		{"a": "sku", "b": "sku"},
		{"a": "price.x"},
	} {
		if _, err := NewMapper(Mapping{Fields: m}); err == nil {
			t.Errorf("NewMapper(%v) accepted", m)
		}
	}
	// Deep paths of every kind resolve.
	mp, err := NewMapper(Mapping{Fields: map[string]string{
		"a": "brand.label", "b": "marketing_features.it", "c": "packaging_options", "d": "brand.product_count", "e": "stock_status",
	}, Unmapped: UnmappedMeta})
	if err != nil {
		t.Fatal(err)
	}
	p, err := mp.Product("f.csv", Row{Line: 2, Cells: []Cell{
		{Column: "a", Value: "Acme"}, {Column: "b", Value: "solid | light"},
		{Column: "c", Value: `[{"code": "BOX", "qty": 10}]`}, {Column: "d", Value: "3"},
		{Column: "e", Value: "in_stock"}, {Column: "kept", Value: "x"}, {Column: "blank", Value: " "},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if *p.Brand.Label != "Acme" || *p.Brand.ProductCount != 3 || !cmp.Equal(p.MarketingFeatures["it"], []string{"solid", "light"}) ||
		*p.PackagingOptions[0].Code != "BOX" || *p.StockStatus != catalog.StockInStock || len(p.Meta) != 1 || *p.Meta[0].Key != "kept" {
		t.Fatalf("product %+v", p)
	}
	if _, err := mp.Product("f.csv", Row{Line: 2, Cells: []Cell{{Column: "d", Value: "2,5"}}}); err == nil {
		t.Fatal("2,5 accepted as a whole number")
	}
}

func TestParseNumber(t *testing.T) {
	good := map[string]float64{
		"12,50": 12.5, "1.234,50": 1234.5, "1,234.50": 1234.5, "1 234,5": 1234.5, "1\u00a0234,5": 1234.5,
		"1'234.50": 1234.5, "-3": -3, "+4": 4, "1e3": 1000, "1.234.567": 1234567, "1,234,567.25": 1234567.25,
		".5": 0.5, "7.": 7, " 42 ": 42, "1,234": 1.234, "0,001": 0.001,
	}
	for in, want := range good {
		if got, err := ParseNumber(in); err != nil || got != want {
			t.Errorf("ParseNumber(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "abc", "1,2,3", "1.23.456", "12 €", "NaN", "Inf", "0x10", "1..2", "1,234.5,6", "1e", "--1", "1.234,567.8", "12_3"} {
		if got, err := ParseNumber(in); err == nil {
			t.Errorf("ParseNumber(%q) = %v, want an error", in, got)
		}
	}
}

func TestUnsupportedFiles(t *testing.T) {
	_, errs := collect(t, strings.NewReader("\xd0\xcf\x11\xe0"), "old.XLS", nil)
	if len(errs) != 1 || !errors.Is(errs[0], ErrXLSUnsupported) || !strings.Contains(errs[0].Error(), "old.XLS") {
		t.Fatalf("errors %v", errs)
	}
	if _, err := Analyze(strings.NewReader(""), "old.xls", 4, nil); !errors.Is(err, ErrXLSUnsupported) {
		t.Fatalf("Analyze: %v", err)
	}
	_, errs = collect(t, strings.NewReader(""), "notes.txt", nil)
	var fte *catalog.FileFormatError
	if len(errs) != 1 || !errors.As(errs[0], &fte) || fte.Code != "UNSUPPORTED_FILE_TYPE" || !strings.Contains(fte.Details, `".txt"`) {
		t.Fatalf("errors %v", errs)
	}
}

// The analysis reads at most 15 rows and previews 10; its size is counted
// when not given, and the 50 MB limit holds.
func TestAnalyzeWindowsAndSize(t *testing.T) {
	var b strings.Builder
	b.WriteString("sku,qty,flag,day\n")
	for i := range 40 {
		qty := ""
		if i%5 != 0 {
			qty = fmt.Sprint(i % 3)
		}
		fmt.Fprintf(&b, "S%02d,%s,%v,2024-01-%02d\n", i, qty, i%2 == 0, i+1)
	}
	a, err := Analyze(strings.NewReader(b.String()), "w.csv", -1, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []catalog.ColumnAnalysis{
		{Name: "sku", Type: "string", SampleValues: []string{"S00", "S01", "S02"}, TotalValues: 15, UniqueCount: 15},
		{Name: "qty", Type: "number", SampleValues: []string{"1", "2", "0"}, TotalValues: 12, UniqueCount: 3, EmptyCount: 3},
		{Name: "flag", Type: "boolean", SampleValues: []string{"true", "false"}, TotalValues: 15, UniqueCount: 2},
		{Name: "day", Type: "date", SampleValues: []string{"2024-01-01", "2024-01-02", "2024-01-03"}, TotalValues: 15, UniqueCount: 15},
	}
	if d := cmp.Diff(want, a.Columns); d != "" {
		t.Fatalf("columns (-want +got):\n%s", d)
	}
	if a.TotalRows != 15 || len(a.PreviewRows) != 10 || a.FileSize != int64(b.Len()) || a.PreviewRows[9]["sku"] != "S09" {
		t.Fatalf("totalRows %d, preview %d, size %d", a.TotalRows, len(a.PreviewRows), a.FileSize)
	}
	_, err = Analyze(strings.NewReader(""), "big.csv", catalog.MaxFileBytes+1, nil)
	var tl *catalog.TooLargeError
	if !errors.As(err, &tl) || !errors.Is(err, catalog.ErrTooLarge) {
		t.Fatalf("got %v", err)
	}
}

// JSON analysis: columns are the keys, in order of first appearance; a key
// missing from a row counts empty.
func TestAnalyzeJSONColumns(t *testing.T) {
	file := `[{"a": 1, "b": "x"}, {"b": "y", "c": true}, {"a": null}]`
	a, err := Analyze(strings.NewReader(file), "k.json", int64(len(file)), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []catalog.ColumnAnalysis{
		{Name: "a", Type: "number", SampleValues: []string{"1"}, TotalValues: 1, UniqueCount: 1, EmptyCount: 2},
		{Name: "b", Type: "string", SampleValues: []string{"x", "y"}, TotalValues: 2, UniqueCount: 2, EmptyCount: 1},
		{Name: "c", Type: "boolean", SampleValues: []string{"true"}, TotalValues: 1, UniqueCount: 1, EmptyCount: 2},
	}
	if d := cmp.Diff(want, a.Columns); d != "" {
		t.Fatalf("columns (-want +got):\n%s", d)
	}
}

func TestJSONFormatErrors(t *testing.T) {
	for _, tc := range []struct{ file, code string }{
		{`{"a": 1}`, "JSON_NOT_ARRAY"},
		{"[\n{\"a\": 1},\n{\"a\": }\n]", "JSON_SYNTAX_ERROR"},
		{`[{"a": 1}`, "JSON_UNEXPECTED_END"},
		{`[{"a": 1}] [`, "JSON_TRAILING_DATA"},
	} {
		_, errs := collect(t, strings.NewReader(tc.file), "x.json", nil)
		var fe *catalog.FileFormatError
		if len(errs) == 0 || !errors.As(errs[len(errs)-1], &fe) || fe.Code != tc.code {
			t.Errorf("%q: errors %v, want %s", tc.file, errs, tc.code)
		}
	}
	// A row that is not an object fails alone.
	rows, errs := collect(t, strings.NewReader(`[{"a": 1}, 7, {"a": 2}]`), "x.json", nil)
	var ce *CellError
	if len(rows) != 2 || len(errs) != 1 || !errors.As(errs[0], &ce) {
		t.Fatalf("rows %v errors %v", rows, errs)
	}
}
