package importfile_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/importfile"
)

// readAll maps a whole file.
func readAll(name, file string, m importfile.Mapping) ([]catalog.Product, []error) {
	var ps []catalog.Product
	var errs []error
	for p, err := range importfile.Products(strings.NewReader(file), name, m, nil) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ps = append(ps, p)
	}
	return ps, errs
}

// A mapped column the file lacks is an error naming it and the file's
// columns, before any row is read.
func TestMappedColumnMissing(t *testing.T) {
	ps, errs := readAll("feed.csv", "sku,price\nA1,12\n", importfile.Mapping{Fields: map[string]string{"sku": "sku", "Prix": "pricing.list"}})
	var me *importfile.MappingError
	if len(ps) != 0 || len(errs) != 1 || !errors.As(errs[0], &me) || !slices.Equal(me.Missing, []string{"Prix"}) ||
		!errors.Is(errs[0], catalog.ErrValidation) || !strings.Contains(errs[0].Error(), `mapped column "Prix" is not in the file;`) ||
		!strings.Contains(errs[0].Error(), `(the file's columns: "sku", "price")`) {
		t.Fatalf("products %v, errors %v", ps, errs)
	}
	// JSON rows have their own keys: a mapped key that no row had is
	// reported after the rows.
	ps, errs = readAll("feed.ndjson", `{"sku": "A1", "price": 12}`+"\n", importfile.Mapping{Fields: map[string]string{"sku": "sku", "Prix": "pricing.list"}, Unmapped: importfile.UnmappedDrop})
	if len(ps) != 1 || len(errs) != 1 || !errors.As(errs[0], &me) || !slices.Equal(me.Missing, []string{"Prix"}) {
		t.Fatalf("products %v, errors %v", ps, errs)
	}
}

// Unmapped columns are refused unless the mapping says what becomes of
// them: dropped, kept as meta or as extra top-level keys.
func TestUnmappedColumns(t *testing.T) {
	const file = "sku,colour,note\nA1,red,\n"
	m := importfile.Mapping{Fields: map[string]string{"sku": "sku"}}
	_, errs := readAll("feed.csv", file, m)
	var me *importfile.MappingError
	if len(errs) != 1 || !errors.As(errs[0], &me) || !slices.Equal(me.Unmapped, []string{"colour", "note"}) ||
		!strings.Contains(errs[0].Error(), `columns "colour", "note" are not mapped`) {
		t.Fatalf("errors %v", errs)
	}
	m.Unmapped = importfile.UnmappedDrop
	ps, errs := readAll("feed.csv", file, m)
	if len(errs) != 0 || len(ps) != 1 || ps[0].SKU != "A1" || ps[0].Meta != nil || ps[0].Extra != nil {
		t.Fatalf("drop: products %+v, errors %v", ps, errs)
	}
	mp, _ := importfile.NewMapper(m)
	if unmapped, err := mp.Check("feed.csv", []string{"sku", "colour", "note"}); err != nil || !slices.Equal(unmapped, []string{"colour", "note"}) {
		t.Fatalf("Check: %v, %v", unmapped, err)
	}
	m.Unmapped = importfile.UnmappedMeta
	ps, _ = readAll("feed.csv", file, m)
	if len(ps) != 1 || len(ps[0].Meta) != 1 || *ps[0].Meta[0].Key != "colour" || ps[0].Meta[0].Value != "red" {
		t.Fatalf("meta: products %+v", ps)
	}
	m.Unmapped = importfile.UnmappedExtra
	ps, _ = readAll("feed.csv", file, m)
	if len(ps) != 1 || len(ps[0].Extra) != 1 || ps[0].Extra["colour"] != "red" {
		t.Fatalf("extra: products %+v", ps)
	}
	var u importfile.Unmapped
	if err := u.UnmarshalText([]byte("extra")); err != nil || u != importfile.UnmappedExtra || u.String() != "extra" {
		t.Fatalf("UnmarshalText: %v, %v", u, err)
	}
	if err := u.UnmarshalText([]byte("keep")); err == nil {
		t.Fatal(`UnmarshalText("keep") accepted`)
	}
}

// An object is not a target: the mapping is refused before any row is
// read, naming the object's fields.
func TestObjectTargetRefused(t *testing.T) {
	ps, errs := readAll("feed.csv", "sku,category\nA1,Valves\n", importfile.Mapping{Fields: map[string]string{"sku": "sku", "category": "category"}})
	if len(ps) != 0 || len(errs) != 1 || !strings.Contains(errs[0].Error(), `"category" is an object: map its fields (`) ||
		!strings.Contains(errs[0].Error(), "category.name") {
		t.Fatalf("products %v, errors %v", ps, errs)
	}
	// A type that takes a string, such as the brand, is a target.
	if _, err := importfile.NewMapper(importfile.Mapping{Fields: map[string]string{"b": "brand"}}); err != nil {
		t.Fatal(err)
	}
}

// Constants set a field of every product, converted as a cell is.
func TestMappingConstants(t *testing.T) {
	m := importfile.Mapping{Fields: map[string]string{"sku": "sku", "price": "pricing.list"}, Constants: map[string]string{"pricing.currency": "EUR", "pricing.vat_rate": "22"}}
	ps, errs := readAll("feed.csv", "sku,price\nA1,\"12,50\"\nA2,3\n", m)
	if len(errs) != 0 || len(ps) != 2 {
		t.Fatal(ps, errs)
	}
	for _, p := range ps {
		if p.Pricing == nil || p.Pricing.Currency == nil || *p.Pricing.Currency != "EUR" || p.Pricing.VATRate == nil || *p.Pricing.VATRate != 22 {
			t.Fatalf("product %+v", p.Pricing)
		}
	}
	if *ps[0].Pricing.List != 12.5 {
		t.Fatalf("list %v", *ps[0].Pricing.List)
	}
	for _, bad := range []importfile.Mapping{
		{Fields: map[string]string{"cur": "pricing.currency"}, Constants: map[string]string{"pricing.currency": "EUR"}},
		{Constants: map[string]string{"pricing.list": "cheap"}},
		{Constants: map[string]string{"nope": "x"}},
	} {
		if _, err := importfile.NewMapper(bad); err == nil {
			t.Errorf("NewMapper(%+v) accepted", bad)
		}
	}
}

// Fields lists every path a mapping may name, and NewMapper takes each.
func TestFields(t *testing.T) {
	fields := importfile.Fields()
	for _, want := range []string{"entity_code", "name", "name.<lang>", "pricing.currency", "pricing.list", "category.name", "attributes.<key>", "ean", "brand"} {
		if !slices.Contains(fields, want) {
			t.Errorf("Fields() lacks %q", want)
		}
	}
	for _, f := range fields {
		if f == "category" || f == "pricing" {
			t.Errorf("Fields() lists the object %q", f)
		}
		path := strings.NewReplacer("<lang>", "it", "<key>", "it").Replace(f)
		if _, err := importfile.NewMapper(importfile.Mapping{Fields: map[string]string{"c": path}}); err != nil {
			t.Errorf("Fields() lists %q, which NewMapper refuses: %v", f, err)
		}
	}
}

// A stream's rows keep their file lines: Lines maps stream positions to
// lines, and a cell's *CellError is matched with errors.As and names its
// line once.
func TestLinesOfAStream(t *testing.T) {
	lines := new(importfile.Lines)
	file := "sku,price\nA1,1\n\nA2,x\n\"A3\nB\",3\n"
	var errs []error
	n := 0
	for _, err := range importfile.Products(strings.NewReader(file), "feed.csv", importfile.Mapping{Fields: map[string]string{"sku": "sku", "price": "pricing.list"}},
		&importfile.Options{Lines: lines}) {
		if err != nil {
			errs = append(errs, err)
		}
		n++
	}
	if n != 3 || lines.Line(0) != 2 || lines.Line(1) != 4 || lines.Line(2) != 5 || lines.Line(3) != 0 {
		t.Fatalf("%d rows, lines %d %d %d", n, lines.Line(0), lines.Line(1), lines.Line(2))
	}
	var ce *importfile.CellError
	if len(errs) != 1 || !errors.As(errs[0], &ce) || ce.Line != 4 || ce.Column != "price" ||
		errs[0].Error() != `importfile: feed.csv: line 4, column 2 "price" -> pricing.list: "x": not a number` {
		t.Fatalf("errors %v", errs)
	}
}
