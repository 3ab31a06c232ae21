package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

// A nightly full sync: a dry run first, then the real run on the same Feed.
// The tenant holds 20 products of the source; tonight's feed lacks 3 of
// them, over the limit of 10%, so the dry run says the real run would
// refuse, and the caller decides before anything changes.
func ExampleClient_Sync() {
	srv := catalogtest.NewServer(catalogtest.WithoutRateLimit())
	defer srv.Close()
	client, err := srv.Client(catalog.WithLimiter(nil))
	if err != nil {
		log.Fatal(err)
	}
	var products []catalog.Product
	for i := range 20 {
		p := catalog.Product{EntityCode: fmt.Sprintf("SKU-%02d", i), Name: catalog.PlainText("Valve")}
		if _, err := srv.SeedProduct(p); err != nil {
			log.Fatal(err)
		}
		products = append(products, p)
	}
	ctx := context.Background()
	feed := catalog.Feed{SourceID: catalogtest.DefaultSourceID, Products: catalog.FromSlice(products[:17])}

	rep, err := client.Sync(ctx, feed, &catalog.SyncOptions{DryRun: true})
	fmt.Println(errors.Is(err, catalog.ErrRemovalLimit), rep.Removals.Skipped)

	// Removing the 3 is meant: allow 5 removals, and no percentage.
	opts := &catalog.SyncOptions{MaxRemovals: 5, MaxRemovalPercent: -1}
	rep, err = client.Sync(ctx, feed, opts)
	fmt.Println(err, rep.Products.Succeeded, rep.Removals.Succeeded)
	// Output:
	// true would refuse: 3 removals over the limit of 2
	// <nil> 17 3
}
