package catalogtest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pimkit/catalog"
)

// TestLoadConcurrentImporters runs many ImportAll calls at once against one
// fake server, half direct and half queued, over loopback, and checks that
// every row lands exactly once. The sizes are fixed so that the figure it
// logs can be compared from run to run; it takes a few seconds under -race
// on 2 cores.
func TestLoadConcurrentImporters(t *testing.T) {
	if testing.Short() {
		t.Skip("load test; skipped with -short")
	}
	const (
		importers   = 32  // goroutines, each running one ImportAll
		perImporter = 300 // distinct products per goroutine
		maxProducts = 50  // products per request
		requestsPer = perImporter / maxProducts
		total       = importers * perImporter
	)
	srv := NewServer(WithoutRateLimit())
	t.Cleanup(srv.Close)
	client, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	codes := make([][]string, importers)
	inputs := make([][]catalog.Product, importers)
	for g := range importers {
		codes[g] = make([]string, perImporter)
		inputs[g] = make([]catalog.Product, perImporter)
		for i := range perImporter {
			code := fmt.Sprintf("LOAD-%02d-%04d", g, i)
			codes[g][i] = code
			inputs[g][i] = catalog.Product{
				EntityCode: code,
				Name:       catalog.Localized(map[string]string{"en": "Load item " + code, "it": "Articolo " + code}),
				Price:      catalog.Ptr(float64(i%97) + 0.5),
				Quantity:   catalog.Ptr(float64(g)),
			}
		}
	}

	reports := make([]*catalog.BulkReport, importers)
	errs := make([]error, importers)
	var wg sync.WaitGroup
	start := time.Now()
	for g := range importers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			opts := &catalog.BulkOptions{
				MaxProducts:    maxProducts,
				Concurrency:    2,
				Queued:         g%2 == 1,
				RequestOptions: catalog.RequestOptions{BatchID: fmt.Sprintf("load-%02d", g)},
				Wait:           &catalog.WaitOptions{MinInterval: 5 * time.Millisecond},
			}
			reports[g], errs[g] = client.Products.ImportAll(ctx, DefaultSourceID, catalog.FromSlice(inputs[g]), opts)
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)

	for g, rep := range reports {
		mode := "direct"
		if g%2 == 1 {
			mode = "queued"
		}
		switch {
		case errs[g] != nil:
			t.Errorf("importer %d (%s): %v", g, mode, errs[g])
		case rep.Read != perImporter || rep.Succeeded != perImporter || len(rep.Failed) != 0 ||
			len(rep.Unknown) != 0 || len(rep.NotAttempted) != 0 || len(rep.MaybeTwice) != 0:
			t.Errorf("importer %d (%s): read %d, succeeded %d, failed %d, unknown %d, not attempted %d, maybe twice %d; want %d read and succeeded, nothing else (first failure %v, first unknown %v)",
				g, mode, rep.Read, rep.Succeeded, len(rep.Failed), len(rep.Unknown), len(rep.NotAttempted), len(rep.MaybeTwice), perImporter,
				loadFirstError(rep.Failed), loadFirstError(rep.Unknown))
		case rep.Requests != requestsPer || len(rep.JobIDs) != requestsPer:
			t.Errorf("importer %d (%s): %d requests and %d jobs, want %d of each", g, mode, rep.Requests, len(rep.JobIDs), requestsPer)
		}
	}

	if got := srv.rowsReceivedCount(); got != total {
		t.Errorf("rowsReceivedCount() = %d, want %d", got, total)
	}
	if got, want := srv.importRequestCount(), importers*requestsPer; got != want {
		t.Errorf("importRequestCount() = %d, want %d", got, want)
	}
	if got := len(srv.Products()); got != total {
		t.Errorf("the server holds %d products, want %d", got, total)
	}
	for g := range importers {
		for _, code := range codes[g] {
			if vs := srv.Versions(code); len(vs) != 1 {
				t.Errorf("%s has %d versions, want exactly 1", code, len(vs))
			}
		}
	}
	for _, j := range srv.Jobs() {
		if j.Status != catalog.JobCompleted || j.SuccessfulRows != maxProducts {
			t.Errorf("job %s (%s): status %s, %d successful rows; want %s with %d", j.ID, j.Type, j.Status, j.SuccessfulRows, catalog.JobCompleted, maxProducts)
		}
	}

	t.Logf("%d products from %d importers (%d direct, %d queued) in %d import requests (%d HTTP requests with job polls) in %.2f s: %.0f products/s",
		total, importers, importers/2, importers/2, srv.importRequestCount(), len(srv.Requests()), elapsed.Seconds(), float64(total)/elapsed.Seconds())
}

// loadFirstError returns the first row error, or nil.
func loadFirstError(errs []catalog.RowError) *catalog.RowError {
	if len(errs) == 0 {
		return nil
	}
	return &errs[0]
}
