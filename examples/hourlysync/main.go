// Command hourlysync is the hourly incremental sync: it sends only the
// products whose content changed since the last run. The SDK hashes each
// product and compares with the hashes kept in a state file; nothing is
// removed (the nightly full sync does that).
//
//	go run ./examples/hourlysync -state /var/lib/pos-sync/catalog-state.json
//
// Where the state lives: one JSON file per import source (package
// syncstate), rewritten atomically (temporary file, flush, rename) after
// every confirmed checkpoint of 1,000 products. If the process dies
// mid-run, the file holds the hashes of every checkpoint the platform
// confirmed, and the next run sends the rest again. Delete the file to send everything.
//
// With no configuration it runs against an in-process fake server (package
// catalogtest) and runs twice, changing one price in between, to show
// that the second run sends one product.
// To run it against a real tenant, set CATALOG_BASE_URL, one credential
// (CATALOG_TOKEN; or CATALOG_API_KEY_ID and CATALOG_API_SECRET; or
// CATALOG_SESSION) and the import source CATALOG_SOURCE_ID.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
	"github.com/pimkit/catalog/syncstate"
)

func main() {
	statePath := flag.String("state", filepath.Join(os.TempDir(), "catalog-hourly-state.json"), "the sync state file")
	flag.Parse()
	log.SetFlags(0)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	client, sourceID, closeFn, err := connect()
	if err != nil {
		log.Fatal(err)
	}
	defer closeFn()
	if os.Getenv("CATALOG_BASE_URL") == "" {
		// A fresh fake knows nothing of earlier runs: start from an empty state.
		_ = os.Remove(*statePath)
	}
	prices := map[string]float64{"SKU-0001": 12.50, "SKU-0002": 15.90, "SKU-0003": 3.90}
	if err := hourly(ctx, client, sourceID, *statePath, prices); err != nil {
		log.Fatal(err)
	}
	prices["SKU-0002"] = 14.90 // an hour later, one price changed
	if err := hourly(ctx, client, sourceID, *statePath, prices); err != nil {
		log.Fatal(err)
	}
}

// hourly sends the products that changed since the state was written.
func hourly(ctx context.Context, client *catalog.Client, sourceID, statePath string, prices map[string]float64) error {
	state, err := syncstate.Open(statePath)
	if err != nil {
		return err
	}
	rep, err := client.Sync(ctx, catalog.Feed{SourceID: sourceID, Products: catalog.FromSlice(export(prices))},
		&catalog.SyncOptions{Incremental: true, State: state})
	st := rep.Products
	fmt.Printf("incremental sync: %d products read, %d unchanged, %d sent and applied, %d failed, %d unknown, %d not attempted\n",
		st.Read, len(st.Unchanged), st.Succeeded, len(st.Failed), len(st.Unknown), len(st.NotAttempted))
	for _, e := range st.Failed {
		fmt.Println("  ", e.Error())
	}
	return err
}

// export stands for the POS's product export.
func export(prices map[string]float64) []catalog.Product {
	var out []catalog.Product
	for _, code := range []string{"SKU-0001", "SKU-0002", "SKU-0003"} {
		out = append(out, catalog.Product{
			EntityCode: code,
			Name:       catalog.PlainText("Item " + code),
			Pricing:    &catalog.Pricing{List: catalog.Ptr(prices[code]), Currency: catalog.Ptr("EUR")},
		})
	}
	return out
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
