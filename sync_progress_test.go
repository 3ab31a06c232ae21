package catalog_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pimkit/catalog"
)

// SyncOptions.Progress follows every phase by rows, the product stage's
// across its ImportAll calls.
func TestSyncProgressFollowsEveryPhase(t *testing.T) {
	_, c := newFake(t)
	seedSource(t, c, 10) // P000..P009
	var products []catalog.Product
	for i := range 9 { // P009 is gone from the feed
		products = append(products, syncProduct(fmt.Sprintf("P%03d", i), "valves", 1))
	}
	feed := catalog.Feed{SourceID: "default", Categories: []catalog.Category{cat("valves", "")}, Products: catalog.FromSlice(products),
		Promotions: []catalog.Promotion{{PromoCode: catalog.Ptr("SPRING"), DiscountPercentage: catalog.Ptr(5.0), TargetPkgIDs: []string{"P000-PZ"}}}}
	var phases []string
	last := map[string]catalog.BulkProgress{}
	done := 0 // the product stage's rows done, never going back
	opts := &catalog.SyncOptions{CheckpointRows: 4, Bulk: &catalog.BulkOptions{MaxProducts: 2},
		Progress: func(phase string, p catalog.BulkProgress) {
			if len(phases) == 0 || phases[len(phases)-1] != phase {
				phases = append(phases, phase)
			}
			if n := p.Succeeded + p.Failed + p.Unknown + p.NotAttempted; phase == "products" {
				if n < done {
					t.Errorf("products progress went back from %d to %d rows done", done, n)
				}
				done = n
			}
			p.RateLimitWait = 0
			last[phase] = p
		}}
	if _, err := c.Sync(context.Background(), feed, opts); err != nil {
		t.Fatal(err)
	}
	if want := []string{"listing", "categories", "products", "promotions", "promotion removals", "removals", "category removals"}; !slices.Equal(phases, want) {
		t.Errorf("phases %v, want %v", phases, want)
	}
	want := map[string]catalog.BulkProgress{
		"listing":    {Read: 10},
		"categories": {Read: 1, Sent: 1, Succeeded: 1, Requests: 1},
		"products":   {Read: 9, Sent: 9, Succeeded: 9, Requests: 5, Bytes: last["products"].Bytes},
		"promotions": {Read: 1, Sent: 1, Succeeded: 1, Requests: 1},
		"removals":   {Read: 1, Sent: 1, Succeeded: 1, Requests: 1},
		// The feed replaces the tenant's categories and promotions too,
		// none of which it lacks.
		"promotion removals": {},
		"category removals":  {},
	}
	if diff := cmp.Diff(want, last); diff != "" {
		t.Errorf("last progress of each phase (-want +got):\n%s", diff)
	}
	if last["products"].Bytes == 0 {
		t.Error("the product stage counted no bytes")
	}
}
