package importfile_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pimkit/catalog/importfile"
)

func ExampleAnalyze() {
	const file = "\uFEFFsku;name;price\n" +
		"SKU-1;Brass valve;12,50\n" +
		"SKU-2;\"Copper elbow; 22mm\";8,90\n" +
		"SKU-3;Ball valve;\n"
	a, err := importfile.Analyze(strings.NewReader(file), "products.csv", int64(len(file)), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a.FileType, a.TotalRows, "rows")
	for _, c := range a.Columns {
		fmt.Printf("%s: %s %q total=%d unique=%d empty=%d\n", c.Name, c.Type, c.SampleValues, c.TotalValues, c.UniqueCount, c.EmptyCount)
	}
	fmt.Println(a.PreviewRows[1]["name"])
	// Output:
	// csv 3 rows
	// sku: string ["SKU-1" "SKU-2" "SKU-3"] total=3 unique=3 empty=0
	// name: string ["Brass valve" "Copper elbow; 22mm" "Ball valve"] total=3 unique=3 empty=0
	// price: number ["12,50" "8,90"] total=2 unique=2 empty=1
	// Copper elbow; 22mm
}

func ExampleProducts() {
	const file = "Code,Titre,Nom_it,Prix,EAN,Visible\n" +
		"SKU-1,Brass valve,Valvola,\"1.234,50\",8001234567890|8001234567906,oui\n" +
		"SKU-2,Copper elbow,Gomito,12x,,non\n"
	products := importfile.Products(strings.NewReader(file), "products.csv", importfile.Mapping{
		Fields: map[string]string{
			"Code": "entity_code", "Titre": "name.en", "Nom_it": "name.it",
			"Prix": "pricing.list", "EAN": "ean", "Visible": "include_faceting",
		},
	}, nil)
	for p, err := range products {
		if cerr := (*importfile.CellError)(nil); errors.As(err, &cerr) {
			fmt.Println("row skipped:", cerr)
			continue
		}
		fmt.Println(p.EntityCode, p.Name, *p.Pricing.List, p.EAN, *p.IncludeFaceting)
	}
	// Output:
	// SKU-1 en="Brass valve" it="Valvola" 1234.5 [8001234567890 8001234567906] true
	// row skipped: importfile: products.csv: line 3, column 4 "Prix" -> pricing.list: "12x": not a number
}
