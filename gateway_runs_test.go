package catalog_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

// TestImportAllBehindGatewayAgainstFake runs ImportAll as examples/bulkimport
// does (replace, default concurrency, no ResendUnknown), scaled down to 6
// requests of 300 products, against a fake set up as a platform written from
// the seed documents alone: it ignores Idempotency-Key and its jobs answer
// seed 003's counters (created_rows, updated_rows, error_rows). Whatever the
// gateway in front of it does, the report must not call a row failed that
// was applied, and a clean queued import must leave no row unknown.
func TestImportAllBehindGatewayAgainstFake(t *testing.T) {
	const (
		perRequest = 300
		requests   = 6
		total      = perRequest * requests
	)
	// every3rd applies the 3rd and 6th import and then answers the
	// gateway's HTML 502 page. Each fault counts every import request, so
	// exactly two of the six are hit, whichever batches they carry.
	every3rd := func(op catalogtest.Operation) []catalogtest.Fault {
		return []catalogtest.Fault{
			{Kind: catalogtest.FaultGatewayAfterApply, Op: op, Nth: 3},
			{Kind: catalogtest.FaultGatewayAfterApply, Op: op, Nth: 6},
		}
	}
	for _, tt := range []struct {
		name   string
		queued bool
		faults []catalogtest.Fault
	}{
		{"direct, every 3rd import applied then answered 502", false, every3rd(catalogtest.OpImportAPI)},
		{"queued, no fault", true, nil},
		{"queued, every 3rd import applied then answered 502", true, every3rd(catalogtest.OpImportQueue)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := fakeServer(t, catalogtest.WithoutIdempotency(),
				catalogtest.WithJobCounters(catalogtest.JobCountersErrorRows), catalogtest.WithFaults(tt.faults...))
			client := fakeClient(t, srv, catalog.WithLimiter(nil))
			input := products(total, func(i int) catalog.Product {
				return catalog.Product{
					EntityCode:  fmt.Sprintf("SKU-%07d", i),
					Name:        catalog.Localized(map[string]string{"en": fmt.Sprint("Ball valve ", i), "it": fmt.Sprint("Valvola a sfera ", i)}),
					Pricing:     &catalog.Pricing{List: catalog.Ptr(float64(500+i%2000) / 100), Currency: catalog.Ptr("EUR")},
					Quantity:    catalog.Ptr(float64(i % 300)),
					StockStatus: catalog.Ptr(catalog.StockInStock),
				}
			})
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			rep, err := client.Products.ImportAll(ctx, catalogtest.DefaultSourceID, catalog.FromSlice(input), &catalog.BulkOptions{
				Queued:         tt.queued,
				RequestOptions: catalog.RequestOptions{MergeMode: catalog.MergeReplace},
				TotalItems:     total,
				MaxProducts:    perRequest,
				Wait:           &catalog.WaitOptions{MinInterval: 2 * time.Millisecond, MaxInterval: 20 * time.Millisecond},
			})
			if err != nil {
				t.Fatalf("ImportAll: %v", err)
			}
			if err := srv.WaitForJobs(ctx); err != nil {
				t.Fatal(err)
			}
			if rep.Read != total || rep.Requests != requests {
				t.Fatalf("read %d rows in %d requests, want %d in %d", rep.Read, rep.Requests, total, requests)
			}
			if got, want := srv.FaultsFired(), len(tt.faults); got != want {
				t.Fatalf("faults fired %d times, want %d", got, want)
			}

			if tt.queued {
				jobs := srv.Jobs()
				if len(jobs) != requests {
					t.Errorf("the fake ran %d jobs, want %d", len(jobs), requests)
				}
				for _, j := range jobs {
					if j.Status != catalog.JobCompleted {
						t.Errorf("job %s is %s, want completed", j.ID, j.Status)
					}
				}
			}

			applied := 0
			for _, p := range input {
				switch n := len(srv.Versions(p.EntityCode)); {
				case n > 1:
					t.Errorf("%s applied %d times with nothing re-sent", p.EntityCode, n)
					fallthrough
				case n == 1:
					applied++
				}
			}
			if len(srv.Products()) != applied {
				t.Errorf("the fake stored %d products, %d of them from the input", len(srv.Products()), applied)
			}
			t.Logf("report: %d imported, %d failed, %d unknown, %d not attempted; the fake had %d applied",
				rep.Succeeded, len(rep.Failed), len(rep.Unknown), len(rep.NotAttempted), applied)

			if rep.Succeeded > applied || applied > rep.Succeeded+len(rep.Unknown) {
				t.Errorf("want imported <= applied <= imported + unknown: %d imported, %d applied, %d unknown",
					rep.Succeeded, applied, len(rep.Unknown))
			}
			if rows := failedButApplied(srv, rep, input); len(rows) != 0 {
				t.Errorf("%d rows reported failed were applied, first row %d", len(rows), rows[0])
			}
			for row, p := range input {
				if rep.Outcome(row) == catalog.RowSucceeded && len(srv.Versions(p.EntityCode)) == 0 {
					t.Errorf("row %d reported imported, never applied", row)
				}
			}
			if tt.faults == nil && (len(rep.Unknown) != 0 || len(rep.Failed) != 0 || rep.Succeeded != total) {
				t.Errorf("clean queued import: %d imported, %d failed, %d unknown; want all %d imported",
					rep.Succeeded, len(rep.Failed), len(rep.Unknown), total)
			}
			// The gateway's pages leave their two requests' rows unknown. A
			// queued batch the client still finds in the queue is adopted
			// and settled by its job, so fewer may stay unknown there,
			// depending on how fast the fake's worker is.
			switch unknown := len(rep.Unknown); {
			case tt.faults == nil:
			case !tt.queued && unknown != 2*perRequest:
				t.Errorf("%d rows unknown, want the %d of the two requests the gateway answered", unknown, 2*perRequest)
			case tt.queued && unknown > 2*perRequest:
				t.Errorf("%d rows unknown, want at most the %d of the two requests the gateway answered", unknown, 2*perRequest)
			}
		})
	}
}
