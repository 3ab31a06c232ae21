package catalog_test

import (
	"context"
	"fmt"
	"log"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

func ExampleProductsService_ImportAll() {
	srv := catalogtest.NewServer(catalogtest.WithoutRateLimit())
	defer srv.Close()
	client, err := srv.Client(catalog.WithLimiter(nil))
	if err != nil {
		log.Fatal(err)
	}

	// rows stands for a database cursor: each product is made when asked,
	// so the catalog never sits in memory.
	rows := func(yield func(catalog.Product, error) bool) {
		for i := range 25 {
			p := catalog.Product{
				EntityCode: fmt.Sprintf("SKU-%04d", i),
				Pricing:    &catalog.Pricing{List: catalog.Ptr(9.5 + float64(i)), Currency: catalog.Ptr("EUR")},
				Quantity:   catalog.Ptr(float64(i % 7)),
			}
			if i == 12 {
				p.Quantity = catalog.Ptr(-3.0) // refused by the client, named in the report
			}
			if i == 20 {
				p.EntityCode = "SKU-0003" // repeats row 3, in another request: refused
			}
			if !yield(p, nil) {
				return
			}
		}
	}
	rep, err := client.Products.ImportAll(context.Background(), catalogtest.DefaultSourceID, rows, &catalog.BulkOptions{
		RequestOptions: catalog.RequestOptions{MergeMode: catalog.MergeReplace, BatchID: "nightly-2026-11-30"},
		MaxProducts:    10, // a small request size, to show batching; the default is the platform's 10,000
	})
	if err != nil {
		log.Fatal(err) // the import stopped early; rep still accounts for every row read
	}
	fmt.Printf("read %d, imported %d, failed %d, in %d requests\n", rep.Read, rep.Succeeded, len(rep.Failed), rep.Requests)
	for _, f := range rep.Failed {
		fmt.Println(f.Error())
	}
	// Output:
	// read 25, imported 23, failed 2, in 3 requests
	// catalog: row 12 (SKU-0012): quantity: must be a finite number >= 0, got -3
	// catalog: row 20 (SKU-0003): entity_code: "SKU-0003" repeats row 3: ImportAll sends only the first copy of a key
}

func ExampleFromSlice() {
	srv := catalogtest.NewServer(catalogtest.WithoutRateLimit())
	defer srv.Close()
	client, err := srv.Client(catalog.WithLimiter(nil))
	if err != nil {
		log.Fatal(err)
	}

	products := []catalog.Product{
		{EntityCode: "SKU-0001", Pricing: &catalog.Pricing{List: catalog.Ptr(9.80), Currency: catalog.Ptr("EUR")}},
		{EntityCode: "SKU-0002", Pricing: &catalog.Pricing{List: catalog.Ptr(3.90), Currency: catalog.Ptr("EUR")}},
	}
	rep, err := client.Products.ImportAll(context.Background(), catalogtest.DefaultSourceID, catalog.FromSlice(products), nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rep.Succeeded, "of", rep.Read, "imported")
	// Output: 2 of 2 imported
}

// An interrupted or partly failed import resumes by sending again the rows
// that did not succeed.
func ExampleBulkReport_Outcome() {
	srv := catalogtest.NewServer(catalogtest.WithoutRateLimit())
	defer srv.Close()
	client, err := srv.Client(catalog.WithLimiter(nil))
	if err != nil {
		log.Fatal(err)
	}

	products := []catalog.Product{
		{EntityCode: "SKU-0001", Price: catalog.Ptr(12.5)},
		{EntityCode: "SKU-0002", Price: catalog.Ptr(-8.9)}, // a negative price
		{EntityCode: "SKU-0003", Price: catalog.Ptr(4.0)},
	}
	rep, err := client.Products.ImportAll(context.Background(), catalogtest.DefaultSourceID, catalog.FromSlice(products), nil)
	if err != nil {
		log.Fatal(err)
	}
	var again []catalog.Product
	for i, p := range products {
		fmt.Println(p.EntityCode, rep.Outcome(i))
		if rep.Outcome(i) != catalog.RowSucceeded {
			again = append(again, p)
		}
	}
	fmt.Println("to fix and send again:", len(again))
	// Output:
	// SKU-0001 succeeded
	// SKU-0002 failed
	// SKU-0003 succeeded
	// to fix and send again: 1
}

func ExampleJobsService_Get() {
	srv := catalogtest.NewServer(catalogtest.WithoutRateLimit())
	defer srv.Close()
	client, err := srv.Client(catalog.WithLimiter(nil))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// A direct import leaves an audit job behind.
	res, err := client.Products.Import(ctx, catalogtest.DefaultSourceID, []catalog.Product{
		{EntityCode: "SKU-0001", Price: catalog.Ptr(12.5)},
		{EntityCode: "SKU-0002", Price: catalog.Ptr(8.9)},
	}, nil)
	if err != nil {
		log.Fatal(err)
	}
	job, err := client.Jobs.Get(ctx, res.JobID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(job.Type, job.Status, job.SuccessfulRows, "of", job.TotalRows)
	// Output: api_import completed 2 of 2
}

// A vendor's export keeps its own column names; the import source maps
// them onto product fields, and Extra carries them.
func ExampleProduct_extra() {
	srv := catalogtest.NewServer(catalogtest.WithoutRateLimit())
	defer srv.Close()
	client, err := srv.Client(catalog.WithLimiter(nil))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	if _, err := client.Sources.Create(ctx, &catalog.Source{
		ID:            "pos-export",
		FieldMappings: map[string]string{"Prix": "pricing.list", "Devise": "pricing.currency"},
	}); err != nil {
		log.Fatal(err)
	}
	res, err := client.Products.Import(ctx, "pos-export", []catalog.Product{
		{EntityCode: "SKU-0001", Extra: map[string]any{"Prix": 12.5, "Devise": "EUR"}},
		{EntityCode: "SKU-0002", Extra: map[string]any{"price": 3.0}}, // "price" is Product.Price: refused
	}, nil)
	if err != nil {
		log.Fatal(err)
	}
	stored, _ := srv.Product("SKU-0001")
	fmt.Println(res.Summary.Successful, "imported; stored pricing:", stored.Data["pricing"])
	fmt.Println(res.Rejected[0].Error())
	// Output:
	// 1 imported; stored pricing: map[currency:EUR list:12.5]
	// catalog: row 1 (SKU-0002): extra["price"]: is the JSON name of Product.Price; set that field instead
}
