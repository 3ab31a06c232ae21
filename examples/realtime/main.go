// Command realtime forwards changes as they happen (a price change at the
// till, a product created in the back office) through a Batcher: many
// goroutines add one change at a time; the batcher sends them in batches
// of up to 200 changes or 1 MB, or after 2 seconds, whichever comes first,
// within the client's rate limit. When the platform is slower than the
// changes, Add waits: memory stays bounded. Every change is reported once,
// applied or not.
//
//	go run ./examples/realtime
//
// With no configuration it runs against an in-process fake server (package
// catalogtest).
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
	"sync"
	"sync/atomic"
	"time"

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
	if err := forward(ctx, client, sourceID); err != nil {
		log.Fatal(err)
	}
}

func forward(ctx context.Context, client *catalog.Client, sourceID string) error {
	var added, applied, failed atomic.Int64 // OnResult reports every change Add accepted
	b, err := client.Products.NewBatcher(sourceID, &catalog.BatcherOptions{
		RequestOptions: catalog.RequestOptions{MergeMode: catalog.MergePartial},
		MaxProducts:    200,
		MaxBodyBytes:   1_000_000,
		MaxDelay:       2 * time.Second,
		OnResult: func(r catalog.BatchResult) {
			if r.Outcome == catalog.RowSucceeded {
				applied.Add(1)
				return
			}
			// Keep it for the next attempt, alert, ... but never lose it.
			failed.Add(1)
			fmt.Printf("change %d (%s) %s: %v\n", r.Seq, r.Product.EntityCode, r.Outcome, r.Err)
		},
	})
	if err != nil {
		return err
	}
	// Eight tills, each sending 50 price changes as they happen.
	var tills sync.WaitGroup
	for till := range 8 {
		tills.Add(1)
		go func() {
			defer tills.Done()
			for i := range 50 {
				change := catalog.Product{
					EntityCode: fmt.Sprintf("SKU-%02d-%03d", till, i),
					Pricing:    &catalog.Pricing{Sale: catalog.Ptr(9.90 + float64(i)/10)},
				}
				if err := b.Add(ctx, change); err != nil {
					fmt.Println("not queued:", err)
					return
				}
				added.Add(1)
			}
		}()
	}
	tills.Wait()
	// On shutdown, send what is pending, giving it at most 30 seconds.
	closeCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := b.Close(closeCtx); err != nil {
		return err
	}
	fmt.Printf("%d changes: %d applied, %d not applied\n", added.Load(), applied.Load(), failed.Load())
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
