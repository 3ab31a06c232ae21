package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/pimkit/catalog"
)

// feedWithout is a feed of the source's products P000..P<n-1> but the
// last gone ones.
func feedWithout(n, gone int) catalog.Feed {
	var ps []catalog.Product
	for i := range n - gone {
		ps = append(ps, syncProduct(fmt.Sprintf("P%03d", i), "", 1))
	}
	return catalog.Feed{SourceID: "default", Products: catalog.FromSlice(ps)}
}

// The absolute and the percentage limit both apply and the stricter wins;
// the 10% default holds unless turned off explicitly. The repro: a
// feed missing 40% of 1,000 products with MaxRemovals 500 removed 400.
func TestRemovalLimitsCompose(t *testing.T) {
	for _, tc := range []struct {
		name      string
		opts      catalog.SyncOptions
		wantLimit int
		removed   bool
	}{
		{"absolute alone keeps the 10% default", catalog.SyncOptions{MaxRemovals: 500}, 100, false},
		{"absolute with the percentage off", catalog.SyncOptions{MaxRemovals: 500, MaxRemovalPercent: -1}, 500, true},
		{"absolute stricter", catalog.SyncOptions{MaxRemovals: 300, MaxRemovalPercent: 50}, 300, false},
		{"percent stricter", catalog.SyncOptions{MaxRemovals: 900, MaxRemovalPercent: 30}, 300, false},
		{"percent alone", catalog.SyncOptions{MaxRemovalPercent: 40}, 400, true},
		{"no limit", catalog.SyncOptions{NoRemovalLimit: true, MaxRemovals: 5}, -1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := newFake(t)
			seedSource(t, c, 1000)
			opts := tc.opts
			rep, err := c.Sync(context.Background(), feedWithout(1000, 400), &opts)
			if rep.Removals.Limit != tc.wantLimit || len(rep.Removals.Planned) != 400 {
				t.Errorf("limit %d, %d planned; want %d, 400", rep.Removals.Limit, len(rep.Removals.Planned), tc.wantLimit)
			}
			if !tc.removed {
				if !errors.Is(err, catalog.ErrRemovalLimit) || len(srv.Products()) != 1000 {
					t.Fatalf("error %v, %d stored; want ErrRemovalLimit and nothing removed", err, len(srv.Products()))
				}
				want := fmt.Sprintf("refused: 400 removals over the limit of %d", tc.wantLimit)
				if rep.Removals.Skipped != want || !strings.Contains(err.Error(), want) {
					t.Errorf("skipped %q, error %v; want %q", rep.Removals.Skipped, err, want)
				}
				return
			}
			if err != nil || rep.Removals.Succeeded != 400 || len(srv.Products()) != 600 {
				t.Errorf("error %v, %d removed, %d stored; want 400 removed", err, rep.Removals.Succeeded, len(srv.Products()))
			}
		})
	}
}

// A dry run takes the real run's decisions: over the limit it returns the
// refusal the real run would return, and sends nothing.
func TestDryRunRefusesAsTheRealRun(t *testing.T) {
	srv, c := newFake(t)
	seedSource(t, c, 1000)
	opts := catalog.SyncOptions{MaxRemovals: 500, DryRun: true}
	before := len(srv.Requests())
	dry, err := c.Sync(context.Background(), feedWithout(1000, 400), &opts)
	if !errors.Is(err, catalog.ErrRemovalLimit) {
		t.Fatalf("dry run error %v, want ErrRemovalLimit", err)
	}
	const wouldRefuse = "would refuse: 400 removals over the limit of 100"
	if dry.Removals.Skipped != wouldRefuse || !strings.Contains(err.Error(), wouldRefuse) || dry.Removals.Limit != 100 {
		t.Errorf("dry run: skipped %q, limit %d, error %v; want %q", dry.Removals.Skipped, dry.Removals.Limit, err, wouldRefuse)
	}
	for _, r := range srv.Requests()[before:] {
		if r.Method != http.MethodGet {
			t.Errorf("the dry run sent %s %s", r.Method, r.Path)
		}
	}
	opts.DryRun = false
	real, realErr := c.Sync(context.Background(), feedWithout(1000, 400), &opts)
	if !errors.Is(realErr, catalog.ErrRemovalLimit) || real.Removals.Skipped != "refused: 400 removals over the limit of 100" ||
		real.Removals.Limit != dry.Removals.Limit || len(real.Removals.Planned) != len(dry.Removals.Planned) {
		t.Errorf("real run: skipped %q, limit %d, error %v; want the dry run's refusal", real.Removals.Skipped, real.Removals.Limit, realErr)
	}
	if n := len(srv.Products()); n != 1000 {
		t.Errorf("%d products stored, want 1,000", n)
	}

	// Within the limit the dry run plans the removals and returns nil.
	opts = catalog.SyncOptions{MaxRemovals: 500, MaxRemovalPercent: -1, DryRun: true}
	dry, err = c.Sync(context.Background(), feedWithout(1000, 400), &opts)
	if err != nil || dry.Removals.Skipped != "dry run" || len(dry.Removals.NotAttempted) != 400 {
		t.Errorf("dry run within the limit: skipped %q, %d not attempted, error %v", dry.Removals.Skipped, len(dry.Removals.NotAttempted), err)
	}
}

// Listing at the quota's bound: a full sync of N products lists them
// 10,000 a page, ceil(N/10,000) requests (20,001 products: 3, not the 21
// of 1,000-product pages).
func TestFullSyncListsAtTheQuotasBound(t *testing.T) {
	srv, c := newFake(t)
	const n = 20_001
	ps := make([]catalog.Product, n)
	for i := range ps {
		ps[i] = catalog.Product{EntityCode: fmt.Sprintf("P%05d", i)}
		if _, err := srv.SeedProduct(ps[i]); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := c.Sync(context.Background(), catalog.Feed{SourceID: "default", Products: catalog.FromSlice(ps[:n-1])}, nil)
	if err != nil || rep.Removals.Succeeded != 1 {
		t.Fatalf("sync: %v, removals %+v", err, rep.Removals)
	}
	lists, imports := 0, 0
	for _, r := range srv.Requests() {
		switch r.Method + " " + r.Path {
		case "GET /api/b2b/pim/products":
			lists++
		case "POST /api/b2b/pim/import/api":
			imports++
		}
	}
	if lists != (n+catalog.MaxProducts-1)/catalog.MaxProducts || imports != 2 {
		t.Errorf("%d list and %d import requests, want 3 and 2", lists, imports)
	}
}
