// Command bulkimport streams a whole catalog into a tenant with
// Products.ImportAll and draws a progress bar. The rows come from an
// iterator, as they would from a database cursor, so the catalog never sits
// in memory.
//
//	go run ./examples/bulkimport             # 50,000 products into an in-process fake
//	go run ./examples/bulkimport -n 200000 -queued
//
// The environment variables of examples/quickstart point it at a real tenant.
package main

import (
	"context"
	"flag"
	"fmt"
	"iter"
	"log"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/examples/internal/tenant"
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

	client, sourceID, closeFn, err := tenant.Connect()
	if err != nil {
		log.Fatal(err)
	}
	defer closeFn()

	start := time.Now()
	rep, err := client.Products.ImportAll(ctx, sourceID, rows(*n), &catalog.BulkOptions{
		Queued:         *queued,
		RequestOptions: catalog.RequestOptions{MergeMode: catalog.MergeReplace},
		TotalItems:     *n,
		Progress:       func(p catalog.BulkProgress) { drawBar(p, *n) },
	})
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

// drawBar redraws one line: done rows against the total.
func drawBar(p catalog.BulkProgress, total int) {
	const width = 40
	done := p.Succeeded + p.Failed + p.Unknown + p.NotAttempted
	filled := width * done / max(total, 1)
	fmt.Printf("\r[%s%s] %3d%%  %d/%d rows  %d requests  %.1f MB",
		strings.Repeat("#", filled), strings.Repeat(".", width-filled), 100*done/max(total, 1),
		done, total, p.Requests, float64(p.Bytes)/1e6)
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
