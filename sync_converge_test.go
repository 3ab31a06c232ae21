package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
	"github.com/pimkit/catalog/importfile"
	"github.com/pimkit/catalog/syncstate"
)

// skuFeed is n products SKU-00000.. with quantity qty: the feed,
// whose SKU-00400 went from 14 to 15 and back.
func skuFeed(n int, qty float64) []catalog.Product {
	ps := make([]catalog.Product, n)
	for i := range ps {
		ps[i] = stocked(fmt.Sprintf("SKU-%05d", i), 10, qty)
	}
	return ps
}

// convergeOpts is an incremental sync of checkpoints of 10 rows, one
// request each, one at a time, with its state reopened from path as a new
// process would.
func convergeOpts(t *testing.T, path string) *catalog.SyncOptions {
	t.Helper()
	state, err := syncstate.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return &catalog.SyncOptions{Incremental: true, State: state, CheckpointRows: 10,
		Bulk: &catalog.BulkOptions{MaxProducts: 10, Concurrency: 1}}
}

// checkHolds fails unless the platform holds exactly the feed's products,
// each at its quantity.
func checkHolds(t *testing.T, srv *catalogtest.Server, feed []catalog.Product) {
	t.Helper()
	stored := srv.Products()
	if len(stored) != len(feed) {
		t.Errorf("the platform holds %d products, the feed %d", len(stored), len(feed))
	}
	stale := 0
	for _, p := range feed {
		v, ok := srv.Product(p.EntityCode)
		if got := num(v.Data["quantity"]); !ok || got != *p.Quantity {
			if stale == 0 {
				t.Errorf("%s: the platform holds quantity %v, the feed says %v", p.EntityCode, got, *p.Quantity)
			}
			stale++
		}
	}
	if stale > 0 {
		t.Errorf("%d of %d products differ from the feed", stale, len(feed))
	}
}

// An answer lost after the platform applied a request leaves its products
// without a recorded hash, so the next run sends them again, even when the
// feed went back to the value the state last recorded (the platform holds
// 15, the feed says 14 again).
func TestIncrementalSyncConvergesAfterLostAnswers(t *testing.T) {
	for _, kind := range []catalogtest.FaultKind{catalogtest.FaultResetAfterApply, catalogtest.FaultGatewayAfterApply,
		catalogtest.FaultTruncatedJSON} {
		t.Run(kind.String(), func(t *testing.T) {
			srv, c := newFake(t)
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "state.json")
			if _, err := c.Sync(ctx, catalog.Feed{SourceID: "default", Products: catalog.FromSlice(skuFeed(30, 14))}, convergeOpts(t, path)); err != nil {
				t.Fatal(err)
			}
			srv.AddFault(catalogtest.Fault{Kind: kind, Op: catalogtest.OpImportAPI})
			rep, _ := c.Sync(ctx, catalog.Feed{SourceID: "default", Products: catalog.FromSlice(skuFeed(30, 15))}, convergeOpts(t, path))
			if len(rep.Products.Unknown) != 30 {
				t.Fatalf("the faulted run: %d unknown rows, want 30", len(rep.Products.Unknown))
			}
			checkHolds(t, srv, skuFeed(30, 15)) // applied, though no answer said so
			srv.ClearFaults()
			feed := skuFeed(30, 14)
			rep, err := c.Sync(ctx, catalog.Feed{SourceID: "default", Products: catalog.FromSlice(feed)}, convergeOpts(t, path))
			if err != nil || rep.Products.Succeeded != 30 || len(rep.Products.Unchanged) != 0 {
				t.Errorf("the rerun sent %d products (%d unchanged), error %v; want all 30 sent", rep.Products.Succeeded, len(rep.Products.Unchanged), err)
			}
			checkHolds(t, srv, feed)
		})
	}
}

// Only the products whose answer was lost are sent again: the confirmed
// ones keep their hash.
func TestIncrementalSyncResendsOnlyUnconfirmed(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.json")
	if _, err := c.Sync(ctx, catalog.Feed{SourceID: "default", Products: catalog.FromSlice(skuFeed(30, 14))}, convergeOpts(t, path)); err != nil {
		t.Fatal(err)
	}
	srv.AddFault(catalogtest.Fault{Kind: catalogtest.FaultResetAfterApply, Op: catalogtest.OpImportAPI, Nth: 2})
	feed := skuFeed(30, 15)
	rep, _ := c.Sync(ctx, catalog.Feed{SourceID: "default", Products: catalog.FromSlice(feed)}, convergeOpts(t, path))
	if rep.Products.Succeeded != 20 || len(rep.Products.Unknown) != 10 || rep.Products.Unknown[0].Row != 10 {
		t.Fatalf("the faulted run: %d succeeded, unknown %v", rep.Products.Succeeded, rep.Products.Unknown)
	}
	rep, err := c.Sync(ctx, catalog.Feed{SourceID: "default", Products: catalog.FromSlice(feed)}, convergeOpts(t, path))
	if err != nil || rep.Products.Succeeded != 10 || len(rep.Products.Unchanged) != 20 || rep.Products.Outcome(10) != catalog.RowSucceeded {
		t.Errorf("the rerun: %d sent, %d unchanged, error %v; want the 10 unknown sent", rep.Products.Succeeded, len(rep.Products.Unchanged), err)
	}
	checkHolds(t, srv, feed)
}

// A full sync whose removal was applied but not answered leaves the
// removed product without a hash: when it comes back to the feed with the
// content it had, an incremental run sends it again.
func TestSyncConvergesAfterLostRemovalAnswer(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.json")
	feed := skuFeed(20, 14)
	full := func() *catalog.SyncOptions {
		o := convergeOpts(t, path)
		o.Incremental, o.NoRemovalLimit = false, true
		return o
	}
	if _, err := c.Sync(ctx, catalog.Feed{SourceID: "default", Products: catalog.FromSlice(feed)}, full()); err != nil {
		t.Fatal(err)
	}
	srv.AddFault(catalogtest.Fault{Kind: catalogtest.FaultResetAfterApply, Op: catalogtest.OpRemoveProducts})
	rep, _ := c.Sync(ctx, catalog.Feed{SourceID: "default", Products: catalog.FromSlice(feed[:19])}, full())
	if len(rep.Removals.Unknown) != 1 {
		t.Fatalf("removals %+v, want SKU-00019's unknown", rep.Removals)
	}
	if _, ok := srv.Product("SKU-00019"); ok {
		t.Fatal("the fault did not apply the removal")
	}
	srv.ClearFaults()
	rep, err := c.Sync(ctx, catalog.Feed{SourceID: "default", Products: catalog.FromSlice(feed)}, convergeOpts(t, path))
	if err != nil || rep.Products.Succeeded != 1 {
		t.Errorf("the rerun sent %d products, error %v; want SKU-00019 sent", rep.Products.Succeeded, err)
	}
	checkHolds(t, srv, feed)
}

// failingState is a SyncState whose Commits fail once fail is set.
type failingState struct {
	memState
	fail bool
}

func (s *failingState) Commit(record map[string]string, forget []string) error {
	if s.fail {
		return errors.New("disk full")
	}
	return s.memState.Commit(record, forget)
}

// A product is never sent while its old hash could not be forgotten: when
// State cannot be written, the sync sends nothing more and says why.
func TestSyncStopsWhenStateCannotForget(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	state := &failingState{memState: memState{}}
	opts := &catalog.SyncOptions{Incremental: true, State: state, CheckpointRows: 10, Bulk: &catalog.BulkOptions{MaxProducts: 10}}
	if _, err := c.Sync(ctx, catalog.Feed{SourceID: "default", Products: catalog.FromSlice(skuFeed(30, 14))}, opts); err != nil {
		t.Fatal(err)
	}
	posts := func() int {
		n := 0
		for _, r := range srv.Requests() {
			if r.Method == http.MethodPost {
				n++
			}
		}
		return n
	}
	imports := posts()
	state.fail = true
	rep, err := c.Sync(ctx, catalog.Feed{SourceID: "default", Products: catalog.FromSlice(skuFeed(30, 15))}, opts)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("error %v, want the state's", err)
	}
	if posts() != imports || rep.Products.Succeeded != 0 || len(rep.Products.NotAttempted) == 0 {
		t.Errorf("%d imports sent, products %+v; want none sent", posts()-imports, rep.Products)
	}
	checkStage(t, "products", rep.Products)
	checkHolds(t, srv, skuFeed(30, 14))
}

// A sync's feed is the whole truth: a sale price the export no longer has
// is gone after the run, full or incremental, with the default options.
func TestSyncReplacesByDefault(t *testing.T) {
	for _, incremental := range []bool{false, true} {
		t.Run(fmt.Sprintf("incremental=%v", incremental), func(t *testing.T) {
			srv, c := newFake(t)
			ctx := context.Background()
			var opts *catalog.SyncOptions // nil: a full sync with the defaults
			if incremental {
				opts = &catalog.SyncOptions{Incremental: true, State: memState{}}
			}
			onSale := stocked("SKU-00400", 20, 14) // list 20, sale 19
			if _, err := c.Sync(ctx, catalog.Feed{SourceID: "default", Products: catalog.FromSlice([]catalog.Product{onSale})}, opts); err != nil {
				t.Fatal(err)
			}
			ended := onSale
			ended.Pricing = &catalog.Pricing{List: catalog.Ptr(20.0), Currency: catalog.Ptr("EUR")} // the sale ended
			if _, err := c.Sync(ctx, catalog.Feed{SourceID: "default", Products: catalog.FromSlice([]catalog.Product{ended})}, opts); err != nil {
				t.Fatal(err)
			}
			v, _ := srv.Product("SKU-00400")
			pricing, _ := v.Data["pricing"].(map[string]any)
			if _, on := pricing["sale"]; on || num(pricing["list"]) != 20 {
				t.Errorf("stored pricing %v, want list 20 and no sale", pricing)
			}
			for _, r := range srv.Requests() {
				if r.Path == "/api/b2b/pim/import/api" && !strings.Contains(string(r.Body), `"merge_mode":"replace"`) {
					t.Errorf("an import sent %s, want merge_mode replace", r.Body)
					break
				}
			}
		})
	}
}

// One Feed serves a dry run and then the real run: each Sync ranges its
// Products from the first row, for the producers the SDK ships (FromSlice,
// and importfile.Products over a file).
func TestSyncFeedCanBeReadAgain(t *testing.T) {
	path := filepath.Join(t.TempDir(), "feed.csv")
	if err := os.WriteFile(path, []byte("sku;qty\nSKU-1;4\nSKU-2;5\nSKU-3;6\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fromFile := importfile.Products(f, "feed.csv", importfile.Mapping{Fields: map[string]string{"sku": "entity_code", "qty": "quantity"}}, nil)
	for name, products := range map[string]iter.Seq2[catalog.Product, error]{
		"FromSlice": catalog.FromSlice(skuFeed(3, 7)), "importfile.Products": fromFile} {
		t.Run(name, func(t *testing.T) {
			srv, c := newFake(t)
			feed := catalog.Feed{SourceID: "default", Products: products}
			dry, err := c.Sync(context.Background(), feed, &catalog.SyncOptions{DryRun: true})
			if err != nil || len(dry.Products.Creates) != 3 {
				t.Fatalf("dry run: creates %v, error %v", dry.Products.Creates, err)
			}
			rep, err := c.Sync(context.Background(), feed, nil)
			if err != nil || rep.Products.Read != 3 || rep.Products.Succeeded != 3 || len(srv.Products()) != 3 {
				t.Errorf("real run: %d read, %d applied, %d stored, error %v; want 3", rep.Products.Read, rep.Products.Succeeded, len(srv.Products()), err)
			}
		})
	}
}

// A dry run leaves the state as it is: it never commits.
func TestSyncDryRunCommitsNothing(t *testing.T) {
	_, c := newFake(t)
	state := &failingState{memState: memState{"SKU-00000": "old"}, fail: true}
	for _, incremental := range []bool{false, true} {
		rep, err := c.Sync(context.Background(), catalog.Feed{SourceID: "default", Products: catalog.FromSlice(skuFeed(3, 1))},
			&catalog.SyncOptions{DryRun: true, Incremental: incremental, State: state, NoRemovalLimit: true})
		if err != nil || len(rep.Products.Creates) != 3 || state.memState["SKU-00000"] != "old" {
			t.Errorf("incremental %v: %v, creates %v, state %v", incremental, err, rep.Products.Creates, state.memState)
		}
	}
}

// forgetFailingState is a SyncState that cannot forget the codes of fail.
type forgetFailingState struct {
	memState
	fail map[string]bool
}

func (s *forgetFailingState) Commit(record map[string]string, forget []string) error {
	for _, code := range forget {
		if s.fail[code] {
			return errors.New("disk full")
		}
	}
	return s.memState.Commit(record, forget)
}

// A full sync removes nothing when it could not forget, first, the hashes
// of the products it would remove: else the state would keep saying the
// platform holds them, and a later incremental run would skip them.
func TestFullSyncRemovesNothingWhenStateCannotForget(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	all := skuFeed(10, 14)
	state := &forgetFailingState{memState: memState{}}
	if _, err := c.Sync(ctx, catalog.Feed{SourceID: "default", Products: catalog.FromSlice(all)}, &catalog.SyncOptions{State: state}); err != nil {
		t.Fatal(err)
	}
	state.fail = map[string]bool{}
	for _, p := range all[5:] {
		state.fail[p.EntityCode] = true
	}
	rep, err := c.Sync(ctx, catalog.Feed{SourceID: "default", Products: catalog.FromSlice(all[:5])},
		&catalog.SyncOptions{State: state, NoRemovalLimit: true})
	if !errors.Is(err, catalog.ErrRemovalsSkipped) || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("error %v, want removals skipped for the state's error", err)
	}
	if rep.Removals.Succeeded != 0 || rep.Removals.Requests != 0 {
		t.Errorf("removals %+v, want none sent", rep.Removals)
	}
	checkHolds(t, srv, all)
}
