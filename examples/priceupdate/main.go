// Command priceupdate pushes prices and stock, and nothing else, with a
// selective update: the field mask names the fields to overwrite, fields
// in the mask that a row leaves out are cleared, every other field keeps
// its stored value. Update-only mode makes sure a typo in a product code
// never creates a stray product: the row fails instead.
//
//	go run ./examples/priceupdate
//
// With no configuration it runs against an in-process fake server (package
// catalogtest), seeded with a small catalog.
// To run it against a real tenant, set CATALOG_BASE_URL, one credential
// (CATALOG_TOKEN; or CATALOG_API_KEY_ID and CATALOG_API_SECRET; or
// CATALOG_SESSION) and the import source CATALOG_SOURCE_ID.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"os/signal"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

func main() {
	log.SetFlags(0)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	client, sourceID, closeFn, err := connect()
	if err != nil {
		log.Fatal(err)
	}
	defer closeFn()
	if err := priceAndStock(ctx, client, sourceID); err != nil {
		log.Fatal(err)
	}
}

// mask is what a price-and-stock feed owns: the sale price, the stock and
// its badge. List prices, names, images... are left alone.
var mask = []string{"pricing.sale", "quantity", "stock_status"}

func priceAndStock(ctx context.Context, client *catalog.Client, sourceID string) error {
	rows := []catalog.Product{
		{EntityCode: "SKU-0001", Pricing: &catalog.Pricing{Sale: catalog.Ptr(10.90)}, Quantity: catalog.Ptr(35.0),
			StockStatus: catalog.Ptr(catalog.StockInStock)},
		// No sale price any more: pricing.sale is in the mask and left
		// out, so it is cleared. Out of stock.
		{EntityCode: "SKU-0002", Quantity: catalog.Ptr(0.0), StockStatus: catalog.Ptr(catalog.StockOutOfStock)},
		// A code the tenant does not know: refused, not created.
		{EntityCode: "SKU-9999", Quantity: catalog.Ptr(5.0)},
	}
	rep, err := client.Products.ImportAll(ctx, sourceID, catalog.FromSlice(rows), &catalog.BulkOptions{
		RequestOptions: catalog.RequestOptions{UpdateMask: mask, UpdateOnly: true},
	})
	if err != nil {
		return err
	}
	fmt.Printf("price and stock update: %d rows, %d applied, %d failed\n", rep.Read, rep.Succeeded, len(rep.Failed))
	for _, e := range rep.Failed {
		fmt.Println("  ", e.Error())
	}
	return nil
}

// seedCatalog gives a fresh fake server two products with list and sale
// prices, names and stock.
func seedCatalog(srv *catalogtest.Server) error {
	for _, code := range []string{"SKU-0001", "SKU-0002"} {
		_, err := srv.SeedProduct(catalog.Product{
			EntityCode: code,
			Name:       catalog.PlainText("Item " + code),
			Pricing:    &catalog.Pricing{List: catalog.Ptr(19.90), Sale: catalog.Ptr(17.90), Currency: catalog.Ptr("EUR")},
			Quantity:   catalog.Ptr(10.0),
		})
		if err != nil {
			return err
		}
	}
	return nil
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
		if err := seedCatalog(srv); err != nil {
			srv.Close()
			return nil, "", nil, err
		}
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
