package main

// The vendor's test of the nightly task against the fake platform: a
// 2,000-row export with 5 bad rows, then 100 price and stock changes. Each
// failure is reported by its file line, and the changes keep the names.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

func TestNightlyImport(t *testing.T) {
	srv := catalogtest.NewServer(catalogtest.WithoutRateLimit())
	t.Cleanup(srv.Close)
	env := map[string]string{"CATALOG_BASE_URL": srv.URL, "CATALOG_API_KEY_ID": catalogtest.DefaultAPIKeyID,
		"CATALOG_API_SECRET": catalogtest.DefaultAPISecret, "CATALOG_SOURCE_ID": catalogtest.DefaultSourceID}

	// The export: a header on line 1, so row i (from 0) is on line i+2.
	export := []string{"Code,Name,Price,Stock,Aisle"}
	for i := range 2000 {
		export = append(export, fmt.Sprintf("SKU-%04d,Item %d,%d.50,%d,A%d", i, i, 1+i%50, i%7, i%9))
	}
	export[1+300] = "SKU-0300,Item 300,twelve,4,A1" // line 302: a price that is not a number
	export[1+700] = "SKU-0700,Item 700,3.50,-4,A1"  // line 702: a negative stock
	export[1+1100] = ",Item 1100,3.50,4,A1"         // line 1102: no code
	export[1+1500] = "SKU-0010,Item 1500,3.50,4,A1" // line 1502: repeats line 12
	export[1+1999] = "SKU-1999,Item 1999,NaN,4,A1"  // line 2001: a price that is not finite
	sales := []string{"Code,Price,Stock"}
	for i := range 100 {
		sales = append(sales, fmt.Sprintf("SKU-%04d,%d.99,%d", 1000+i, 2+i%40, 100+i))
	}
	dir := t.TempDir()
	exportPath, salesPath := filepath.Join(dir, "export.csv"), filepath.Join(dir, "sales.csv")
	for path, rows := range map[string][]string{exportPath: export, salesPath: sales} {
		if err := os.WriteFile(path, []byte(strings.Join(rows, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	var out bytes.Buffer
	if err := run(context.Background(), func(k string) string { return env[k] }, &out, exportPath, salesPath); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	var failedLines []string
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "  line ") {
			failedLines = append(failedLines, strings.TrimSuffix(strings.Fields(line)[1], ":"))
		}
	}
	if diff := cmp.Diff([]string{"302", "702", "1102", "1502", "2001"}, failedLines); diff != "" {
		t.Errorf("failures by file line (-want +got):\n%s\noutput:\n%s", diff, out.String())
	}
	for _, want := range []string{"export.csv: 1995 of 2000 rows applied", "sales.csv: 100 of 100 rows applied", `repeats line 12`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}

	// The changes kept each product's name and set its price and stock.
	for i := range 100 {
		code := fmt.Sprintf("SKU-%04d", 1000+i)
		v, ok := srv.Product(code)
		if !ok {
			t.Fatalf("%s not stored", code)
		}
		p, err := v.Product()
		if err != nil {
			t.Fatal(err)
		}
		want := catalog.Product{EntityCode: code, Name: catalog.Localized(map[string]string{"en": fmt.Sprintf("Item %d", 1000+i)}), // the platform keys a plain name by its default language
			Pricing:  &catalog.Pricing{List: catalog.Ptr(float64(2+i%40) + 0.99), Currency: catalog.Ptr("EUR")},
			Quantity: catalog.Ptr(float64(100 + i))}
		if diff := cmp.Diff(want.Name, p.Name); diff != "" || *p.Quantity != *want.Quantity || *p.Pricing.List != *want.Pricing.List {
			t.Errorf("%s: name (-want +got) %s, stock %v, price %v", code, diff, *p.Quantity, *p.Pricing.List)
		}
	}
}
