// Command bulkimport streams a whole catalog into a tenant with
// Products.ImportAll and shows its progress with a bar
// (github.com/schollz/progressbar). The rows come from an
// iterator, as they would from a database cursor, so the catalog never sits
// in memory.
//
//	go run ./examples/bulkimport             # 50,000 products into an in-process fake
//	go run ./examples/bulkimport -n 200000 -queued
//
// To run it against a real tenant, set CATALOG_BASE_URL, one credential
// (CATALOG_TOKEN; or CATALOG_API_KEY_ID and CATALOG_API_SECRET; or
// CATALOG_SESSION) and the import source CATALOG_SOURCE_ID.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"iter"
	"log"
	"os"
	"os/signal"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

func main() {
	n := flag.Int("n", 50_000, "products to import")
	queued := flag.Bool("queued", false, "use the queued import and wait for every job")
	flag.Parse()
	log.SetFlags(0)

	// Ctrl-C stops the import cleanly: requests already sent finish, and the
	// report says which rows were applied.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	client, sourceID, closeFn, err := connect()
	if err != nil {
		log.Fatal(err)
	}
	defer closeFn()

	bar := progressbar.NewOptions(*n, progressbar.OptionSetDescription("importing"),
		progressbar.OptionShowCount(), progressbar.OptionThrottle(100*time.Millisecond))
	start := time.Now()
	rep, err := client.Products.ImportAll(ctx, sourceID, rows(*n), &catalog.BulkOptions{
		Queued:         *queued,
		RequestOptions: catalog.RequestOptions{MergeMode: catalog.MergeReplace},
		TotalItems:     *n,
		Progress: func(p catalog.BulkProgress) {
			bar.Describe(fmt.Sprintf("%d requests, %.1f MB", p.Requests, float64(p.Bytes)/1e6))
			_ = bar.Set(p.Succeeded + p.Failed + p.Unknown + p.NotAttempted)
		},
	})
	_ = bar.Exit()
	fmt.Println()
	fmt.Printf("%d rows in %s: %d imported, %d failed, %d unknown, %d not attempted; %d requests, %.1f MB (batch %s)\n",
		rep.Read, time.Since(start).Round(time.Millisecond), rep.Succeeded, len(rep.Failed), len(rep.Unknown),
		len(rep.NotAttempted), rep.Requests, float64(rep.Bytes)/1e6, rep.BatchID)
	for _, f := range rep.Failed[:min(len(rep.Failed), 5)] {
		fmt.Println("  ", f.Error())
	}
	if err != nil {
		log.Fatal(err) // stopped early: rep.Outcome(i) tells which rows to send again
	}
}

// rows stands for a database cursor: it makes each product when asked.
func rows(n int) iter.Seq2[catalog.Product, error] {
	return func(yield func(catalog.Product, error) bool) {
		for i := range n {
			p := catalog.Product{
				EntityCode:  fmt.Sprintf("SKU-%07d", i),
				Name:        catalog.Localized(map[string]string{"en": fmt.Sprintf("Ball valve %d", i), "it": fmt.Sprintf("Valvola a sfera %d", i)}),
				Pricing:     &catalog.Pricing{List: catalog.Ptr(float64(500+i%2000) / 100), Currency: catalog.Ptr("EUR")},
				Quantity:    catalog.Ptr(float64(i % 300)),
				StockStatus: catalog.Ptr(catalog.StockInStock),
			}
			if !yield(p, nil) {
				return
			}
		}
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
