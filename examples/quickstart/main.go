// Command quickstart pushes a small catalog into a tenant: one direct
// import, one queued batch, then it waits for the queued job and prints the
// outcome.
//
// With no configuration it runs against an in-process fake server
// (package catalogtest), so it works anywhere:
//
//	go run ./examples/quickstart
//
// To run it against a real tenant, set CATALOG_BASE_URL, one credential
// (CATALOG_TOKEN; or CATALOG_API_KEY_ID and CATALOG_API_SECRET; or
// CATALOG_SESSION) and the import source CATALOG_SOURCE_ID. Add -v to log
// every HTTP request to stderr.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"time"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

func main() {
	verbose := flag.Bool("v", false, "log every HTTP request to stderr")
	flag.Parse()
	log.SetFlags(0)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *verbose); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, verbose bool) error {
	var opts []catalog.Option
	if verbose {
		opts = append(opts, catalog.WithLogger(slog.New(slog.NewTextHandler(os.Stderr, nil))))
	}
	client, sourceID, closeFn, err := connect(opts...)
	if err != nil {
		return err
	}
	defer closeFn()

	// 1. The catalog, applied at once. Replace mode stores each product
	// exactly as sent.
	res, err := client.Products.Import(ctx, sourceID, starterCatalog(), &catalog.ProductImportOptions{
		RequestOptions: catalog.RequestOptions{MergeMode: catalog.MergeReplace, BatchID: "quickstart-" + time.Now().UTC().Format("20060102-150405")},
	})
	if err != nil {
		return fmt.Errorf("direct import: %w", err)
	}
	fmt.Printf("direct import %s: %d of %d products imported, %d failed, %d auto-published\n",
		res.JobID, res.Summary.Successful, res.Summary.Total, res.Summary.Failed, res.Summary.AutoPublished)
	printRowErrors(res.Rejected, res.Errors)

	// 2. A price and stock update, queued. Partial mode changes only the
	// fields sent: a quantity of 0 is sent, a field left nil is kept.
	queued, err := client.Products.Queue(ctx, sourceID, priceUpdate(), &catalog.ProductImportOptions{
		RequestOptions: catalog.RequestOptions{MergeMode: catalog.MergePartial},
		BatchMetadata:  &catalog.BatchMetadata{BatchID: "quickstart-prices", BatchPart: 1, BatchTotalParts: 1, BatchTotalItems: 3},
	})
	if err != nil {
		return fmt.Errorf("queued import: %w", err)
	}
	fmt.Printf("queued import %s: %d products queued\n", queued.JobID, queued.ProductsQueued)

	// 3. Wait for the worker, reporting progress.
	waitCtx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	job, err := client.Jobs.Wait(waitCtx, queued.JobID, &catalog.WaitOptions{
		MinInterval: 500 * time.Millisecond,
		Progress: func(j *catalog.Job) {
			fmt.Printf("  job %s: %s, %d/%d rows\n", j.ID, j.Status, j.ProcessedRows, j.TotalRows)
		},
	})
	if err != nil {
		return fmt.Errorf("waiting for %s: %w", queued.JobID, err)
	}
	fmt.Printf("queued job %s %s: %d succeeded, %d failed\n", job.ID, job.Status, job.SuccessfulRows, job.FailedRows)
	printRowErrors(nil, job.Errors)
	return nil
}

func printRowErrors(lists ...[]catalog.RowError) {
	for _, list := range lists {
		for _, e := range list {
			fmt.Println("  ", e.Error())
		}
	}
}

// starterCatalog is a small plumbing catalog, in the shape of the platform's
// examples.
func starterCatalog() []catalog.Product {
	acme := &catalog.Brand{BrandID: catalog.Ptr("brand_acme"), Label: catalog.Ptr("Acme"), Slug: catalog.Ptr("acme")}
	valves := &catalog.Category{
		CategoryID: catalog.Ptr("cat_valves"),
		Name:       catalog.Localized(map[string]string{"en": "Valves", "it": "Valvole"}),
		Path:       []string{"plumbing", "valves"},
	}
	product := func(code, en, it string, list, retail float64, qty float64) catalog.Product {
		return catalog.Product{
			EntityCode:  code,
			SKU:         code,
			Name:        catalog.Localized(map[string]string{"en": en, "it": it}),
			Description: catalog.PlainText(en + ", professional grade."),
			Brand:       acme,
			Category:    valves,
			Pricing: &catalog.Pricing{
				List: catalog.Ptr(list), Retail: catalog.Ptr(retail),
				Currency: catalog.Ptr("EUR"), VATRate: catalog.Ptr(22.0),
			},
			Quantity:    catalog.Ptr(qty),
			StockStatus: catalog.Ptr(catalog.StockInStock),
			Images: []catalog.Image{{
				URL:      catalog.Ptr("https://cdn.example.com/products/" + code + "/front.jpg"),
				Position: catalog.Ptr(0),
			}},
		}
	}
	return []catalog.Product{
		product("SKU-0001", `Brass ball valve 1/2"`, `Valvola a sfera in ottone 1/2"`, 9.80, 12.50, 420),
		product("SKU-0002", `Brass ball valve 3/4"`, `Valvola a sfera in ottone 3/4"`, 12.40, 15.90, 260),
		product("SKU-0003", "Copper elbow 22mm", "Gomito in rame 22mm", 2.10, 3.90, 1200),
		product("SKU-0004", "Check valve 1/2\"", "Valvola di ritegno 1/2\"", 7.30, 9.90, 85),
	}
}

// priceUpdate changes prices and stock of three products in partial mode.
func priceUpdate() []catalog.Product {
	return []catalog.Product{
		{EntityCode: "SKU-0001", Pricing: &catalog.Pricing{Sale: catalog.Ptr(10.90)}},
		{EntityCode: "SKU-0003", Quantity: catalog.Ptr(0.0), StockStatus: catalog.Ptr(catalog.StockOutOfStock)},
		{EntityCode: "SKU-0004", Pricing: &catalog.Pricing{List: catalog.Ptr(6.90), Retail: catalog.Ptr(8.90)}},
	}
}

// connect returns a client and the import source to use, and a function to
// call when done. Without CATALOG_BASE_URL it starts an in-process fake of
// the platform (package catalogtest), so the program runs anywhere; with
// it, catalog.NewClientFromEnv reads one credential (CATALOG_TOKEN; or
// CATALOG_API_KEY_ID and CATALOG_API_SECRET; or CATALOG_SESSION), and
// CATALOG_SOURCE_ID names the import source.
func connect(opts ...catalog.Option) (*catalog.Client, string, func(), error) {
	if os.Getenv("CATALOG_BASE_URL") == "" {
		srv := catalogtest.NewServer()
		client, err := srv.Client(opts...)
		if err != nil {
			srv.Close()
			return nil, "", nil, err
		}
		fmt.Printf("using an in-process fake server at %s (set CATALOG_BASE_URL for a real tenant)\n", srv.URL)
		return client, catalogtest.DefaultSourceID, srv.Close, nil
	}
	sourceID := os.Getenv("CATALOG_SOURCE_ID")
	if sourceID == "" {
		return nil, "", nil, errors.New("CATALOG_SOURCE_ID is not set: name the import source to apply")
	}
	client, err := catalog.NewClientFromEnv(os.Getenv, opts...)
	if err != nil {
		return nil, "", nil, err
	}
	return client, sourceID, func() {}, nil
}
