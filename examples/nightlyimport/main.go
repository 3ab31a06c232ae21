// Command nightlyimport is a POS vendor's nightly task: import the catalog
// export in partial mode, then the day's price and stock changes, each a
// CSV file, and print every failure by its file line. Set CATALOG_BASE_URL,
// a credential and CATALOG_SOURCE_ID; run: nightlyimport export.csv sales.csv
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/importfile"
)

func main() {
	if len(os.Args) != 3 {
		log.Fatal("usage: nightlyimport export.csv sales.csv")
	}
	if err := run(context.Background(), os.Getenv, os.Stdout, os.Args[1], os.Args[2]); err != nil {
		log.Fatal(err)
	}
}

// The files' columns (the changes have no Name); other columns are dropped,
// and every price is in euros, which the files do not state.
var (
	exportColumns = map[string]string{"Code": "entity_code", "Name": "name", "Price": "pricing.list", "Stock": "quantity"}
	salesColumns  = map[string]string{"Code": "entity_code", "Price": "pricing.list", "Stock": "quantity"}
	euros         = map[string]string{"pricing.currency": "EUR"}
)

func run(ctx context.Context, getenv func(string) string, out io.Writer, export, sales string) error {
	client, err := catalog.NewClientFromEnv(getenv)
	if err != nil {
		return err
	}
	files := map[string]map[string]string{export: exportColumns, sales: salesColumns}
	for _, path := range []string{export, sales} { // partial mode keeps the fields a file lacks
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		lines := new(importfile.Lines)
		rows := importfile.Products(f, path, importfile.Mapping{Fields: files[path], Constants: euros, Unmapped: importfile.UnmappedDrop}, &importfile.Options{Lines: lines})
		rep, err := client.Products.ImportAll(ctx, getenv("CATALOG_SOURCE_ID"), rows, &catalog.BulkOptions{Lines: lines.Line})
		fmt.Fprintf(out, "%s: %d of %d rows applied\n%s", path, rep.Succeeded, rep.Read, rep.Summary())
		if err != nil {
			return err
		}
	}
	return nil
}
