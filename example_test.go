package catalog_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"slices"
	"time"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

// The examples run against an in-process fake of the platform, with the
// rate limit off on both sides so that they finish at once. Against a real
// tenant, build the client with catalog.NewClient and keep the default
// limit.

func ExampleNewClient() {
	srv := catalogtest.NewServer()
	defer srv.Close()

	client, err := catalog.NewClient(srv.URL,
		catalog.WithAPIKey(catalogtest.DefaultAPIKeyID, catalogtest.DefaultAPISecret),
		catalog.WithRateLimit(40, time.Minute), // the default, shown for clarity
		catalog.WithTimeout(30*time.Second),
	)
	if err != nil {
		log.Fatal(err)
	}
	status, err := client.Jobs.QueueStatus(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("pending jobs:", len(status.PendingJobs))
	// Output: pending jobs: 0
}

func ExampleProductsService_Import() {
	srv := catalogtest.NewServer(catalogtest.WithoutRateLimit())
	defer srv.Close()
	client, err := srv.Client(catalog.WithLimiter(nil))
	if err != nil {
		log.Fatal(err)
	}

	products := []catalog.Product{
		{
			EntityCode: "SKU-0001",
			Name:       catalog.Localized(map[string]string{"en": "Brass ball valve", "it": "Valvola a sfera"}),
			Pricing:    &catalog.Pricing{List: catalog.Ptr(9.80), Currency: catalog.Ptr("EUR")},
		},
		{EntityCode: "SKU-0002", Name: catalog.PlainText("Copper elbow 22mm"), Price: catalog.Ptr(3.90)},
		{Name: catalog.PlainText("a row without entity_code or sku")},
	}
	res, err := client.Products.Import(context.Background(), catalogtest.DefaultSourceID, products,
		&catalog.ProductImportOptions{RequestOptions: catalog.RequestOptions{MergeMode: catalog.MergeReplace, BatchID: "weekly-2026-17"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("sent %d, imported %d, failed %d\n", res.Summary.Total, res.Summary.Successful, res.Summary.Failed)
	for _, rej := range res.Rejected {
		fmt.Println("rejected:", rej.Error())
	}
	// Output:
	// sent 2, imported 2, failed 0
	// rejected: catalog: row 2: entity_code: entity_code or sku is required
}

func ExampleProductsService_Queue() {
	srv := catalogtest.NewServer(catalogtest.WithoutRateLimit())
	defer srv.Close()
	client, err := srv.Client(catalog.WithLimiter(nil))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	q, err := client.Products.Queue(ctx, catalogtest.DefaultSourceID,
		[]catalog.Product{{EntityCode: "SKU-0001", Price: catalog.Ptr(12.5)}, {EntityCode: "SKU-0002", Price: catalog.Ptr(8.9)}},
		&catalog.ProductImportOptions{BatchMetadata: &catalog.BatchMetadata{BatchID: "weekly-2026-17", BatchPart: 1, BatchTotalParts: 4}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("queued", q.ProductsQueued)

	job, err := client.Jobs.Wait(ctx, q.JobID, &catalog.WaitOptions{MinInterval: 10 * time.Millisecond})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(job.Status, job.SuccessfulRows, job.FailedRows)
	// Output:
	// queued 2
	// completed 2 0
}

func ExampleJobsService_Wait() {
	srv := catalogtest.NewServer(catalogtest.WithoutRateLimit(), catalogtest.WithJobDelay(20*time.Millisecond))
	defer srv.Close()
	client, err := srv.Client(catalog.WithLimiter(nil))
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	q, err := client.Products.Queue(ctx, catalogtest.DefaultSourceID, []catalog.Product{{EntityCode: "SKU-0001"}}, nil)
	if err != nil {
		log.Fatal(err)
	}
	job, err := client.Jobs.Wait(ctx, q.JobID, &catalog.WaitOptions{
		MinInterval: 5 * time.Millisecond,
		MaxInterval: 50 * time.Millisecond,
		Progress: func(j *catalog.Job) {
			switch j.Status {
			case catalog.JobCompleted, catalog.JobCompletedWithErrors, catalog.JobFailed: // the last poll
				fmt.Println("progress:", j.Status, j.ProcessedRows, "of", j.TotalRows)
			}
		},
	})
	switch {
	case errors.Is(err, catalog.ErrJobFailed):
		fmt.Println("the job failed:", job.Errors)
	case err != nil:
		log.Fatal(err) // ctx ended, or the job could not be read
	default:
		fmt.Println("done:", job.Status)
	}
	// Output:
	// progress: completed 1 of 1
	// done: completed
}

func ExampleJobsService_QueueStatus() {
	srv := catalogtest.NewServer(catalogtest.WithoutRateLimit(), catalogtest.WithJobDelay(time.Hour))
	defer srv.Close()
	client, err := srv.Client(catalog.WithLimiter(nil))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	for part := 1; part <= 2; part++ {
		_, err := client.Products.Queue(ctx, catalogtest.DefaultSourceID, []catalog.Product{{EntityCode: fmt.Sprint("SKU-", part)}},
			&catalog.ProductImportOptions{BatchMetadata: &catalog.BatchMetadata{BatchID: "nightly", BatchPart: part, BatchTotalParts: 2}})
		if err != nil {
			log.Fatal(err)
		}
	}
	status, err := client.Jobs.QueueStatus(ctx)
	if err != nil {
		log.Fatal(err)
	}
	// The worker holds the first job (processing); the second is pending.
	jobs := append(status.ProcessingJobs, status.PendingJobs...)
	slices.SortFunc(jobs, func(a, b catalog.Job) int { return a.BatchPart - b.BatchPart })
	for _, j := range jobs {
		fmt.Println(j.BatchID, j.BatchPart, "of", j.BatchTotalParts)
	}
	// Output:
	// nightly 1 of 2
	// nightly 2 of 2
}

func ExampleSourcesService_Create() {
	srv := catalogtest.NewServer(catalogtest.WithoutRateLimit())
	defer srv.Close()
	client, err := srv.Client(catalog.WithLimiter(nil))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	src, err := client.Sources.Create(ctx, &catalog.Source{
		ID:            "erp-feed",
		Name:          "ERP nightly feed",
		FieldMappings: map[string]string{"list_price": "pricing.list"}, // the feed's column -> product field
		LockedFields:  []string{"name"},                                // curated by hand, never overwritten
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(src.ID, src.FieldMappings["list_price"], src.LockedFields, src.CreatedAt.IsZero())
	// Output: erp-feed pricing.list [name] false
}

// The nil-means-not-sent rule in partial mode: a pointer to zero and an
// empty list are sent; nil fields are left alone on the server.
func ExamplePtr() {
	update := catalog.Product{
		EntityCode: "SKU-0003",
		Quantity:   catalog.Ptr(0.0),            // sent: out of stock
		Images:     []catalog.Image{},           // sent: clears the gallery
		Name:       nil,                         // not sent: the name is kept
		Pricing:    &catalog.Pricing{Sale: nil}, // sent as {}: no price changes
		IsParent:   catalog.Ptr(false),          // sent
	}
	raw, err := json.Marshal(update)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(raw))
	// Output: {"entity_code":"SKU-0003","is_parent":false,"quantity":0,"images":[],"pricing":{}}
}

func ExampleLocalized() {
	name := catalog.Localized(map[string]string{"en": "Ball valve", "it": "Valvola a sfera"})
	desc := catalog.PlainText("Full-bore, PN40.") // the server wraps it in the default language
	raw, err := json.Marshal(catalog.Product{EntityCode: "SKU-0001", Name: name, Description: desc})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(raw))

	var back catalog.Product
	if err := json.Unmarshal(raw, &back); err != nil {
		log.Fatal(err)
	}
	names, _ := back.Name.Localized()
	plain, isPlain := back.Description.Plain()
	fmt.Println(names["it"], "|", plain, isPlain)
	// Output:
	// {"entity_code":"SKU-0001","name":{"en":"Ball valve","it":"Valvola a sfera"},"description":"Full-bore, PN40."}
	// Valvola a sfera | Full-bore, PN40. true
}

// Errors match sentinels by status with errors.Is, and carry the server's
// details for errors.As.
func ExampleAPIError() {
	srv := catalogtest.NewServer(catalogtest.WithoutRateLimit())
	defer srv.Close()
	client, err := srv.Client(catalog.WithLimiter(nil))
	if err != nil {
		log.Fatal(err)
	}
	_, err = client.Products.Import(context.Background(), "no-such-source", []catalog.Product{{EntityCode: "A"}}, nil)

	var apiErr *catalog.APIError
	if errors.Is(err, catalog.ErrNotFound) && errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Code)
	}
	// Output: 404 SOURCE_NOT_FOUND
}

// A row refused for several fields lists every problem, with each field's
// path, value and reason; its message names the first and counts the rest.
func ExampleFieldProblem() {
	srv := catalogtest.NewServer(catalogtest.WithoutRateLimit())
	defer srv.Close()
	client, err := srv.Client(catalog.WithLimiter(nil))
	if err != nil {
		log.Fatal(err)
	}
	bad := catalog.Product{EntityCode: "SKU-0003", Quantity: catalog.Ptr(-2.0),
		EAN: []string{"12345"}, Pricing: &catalog.Pricing{VATRate: catalog.Ptr(122.0)}}
	rep, err := client.Products.ImportAll(context.Background(), catalogtest.DefaultSourceID, catalog.FromSlice([]catalog.Product{bad}), nil)
	if err != nil {
		log.Fatal(err)
	}
	rowErr := rep.Failed[0]
	fmt.Println(rowErr.Error())
	for _, p := range rowErr.Problems {
		fmt.Printf("%s = %q: %s\n", p.Field, p.Value, p.Reason)
	}
	// Output:
	// catalog: row 0 (SKU-0003): ean[0]: invalid EAN "12345": an EAN/GTIN has 8, 12, 13 or 14 digits (+2 more: quantity, pricing.vat_rate)
	// ean[0] = "12345": invalid EAN "12345": an EAN/GTIN has 8, 12, 13 or 14 digits
	// quantity = "-2": must be a finite number >= 0, got -2
	// pricing.vat_rate = "122": must be a percentage from 0 to 100, got 122
}
