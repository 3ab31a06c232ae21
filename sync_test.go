package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
	"github.com/pimkit/catalog/syncstate"
)

// syncProduct is a product of the test feeds, in category catID ("" for none).
func syncProduct(code, catID string, price float64) catalog.Product {
	p := catalog.Product{EntityCode: code, Name: catalog.PlainText("Item " + code),
		Pricing:          &catalog.Pricing{List: catalog.Ptr(price), Currency: catalog.Ptr("EUR")},
		PackagingOptions: []catalog.PackagingOption{{PkgID: catalog.Ptr(code + "-PZ"), Code: catalog.Ptr("PZ")}}}
	if catID != "" {
		p.Category = &catalog.Category{CategoryID: catalog.Ptr(catID)}
	}
	return p
}

// seedSource imports n products P000..P<n-1> through the default source.
func seedSource(t *testing.T, c *catalog.Client, n int) {
	t.Helper()
	var ps []catalog.Product
	for i := range n {
		ps = append(ps, syncProduct(fmt.Sprintf("P%03d", i), "", 1))
	}
	importOK(t, c, "default", catalog.MergeReplace, ps...)
}

func storedCodes(srv *catalogtest.Server) []string {
	var out []string
	for _, p := range srv.Products() {
		out = append(out, p.EntityCode)
	}
	return out
}

// checkStage fails unless every row of the stage has one outcome.
func checkStage(t *testing.T, name string, st catalog.StageReport) {
	t.Helper()
	if sum := st.Succeeded + len(st.Unchanged) + len(st.Failed) + len(st.Unknown) + len(st.NotAttempted); sum != st.Read {
		t.Errorf("%s: %d rows read, %d accounted for: %+v", name, st.Read, sum, st)
	}
}

func TestFullSync(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	seedSource(t, c, 10) // P000..P009
	feedProducts := []catalog.Product{syncProduct("P000", "valves", 2), syncProduct("P001", "valves-ball", 3)}
	for i := 2; i < 9; i++ { // P009 is gone from the feed
		feedProducts = append(feedProducts, syncProduct(fmt.Sprintf("P%03d", i), "", 1))
	}
	feedProducts = append(feedProducts, syncProduct("NEW1", "valves", 5))
	feed := catalog.Feed{
		SourceID:   "default",
		Categories: []catalog.Category{cat("valves-ball", "valves"), cat("valves", "")},
		Products:   catalog.FromSlice(feedProducts),
		Promotions: []catalog.Promotion{{PromoCode: catalog.Ptr("SPRING"), DiscountPercentage: catalog.Ptr(5.0), TargetPkgIDs: []string{"NEW1-PZ"}}},
	}
	rep, err := c.Sync(ctx, feed, &catalog.SyncOptions{CheckpointRows: 4, Bulk: &catalog.BulkOptions{MaxProducts: 2}})
	if err != nil {
		t.Fatal(err)
	}
	for name, st := range map[string]catalog.StageReport{"categories": rep.Categories, "products": rep.Products, "promotions": rep.Promotions} {
		checkStage(t, name, st)
		if !(len(st.Failed) == 0 && len(st.Unknown) == 0 && len(st.NotAttempted) == 0) {
			t.Errorf("%s: %+v", name, st)
		}
	}
	if rep.Categories.Inserted != 2 || rep.Products.Succeeded != 10 || rep.Products.Inserted != 1 || rep.Products.Updated != 9 || rep.Promotions.Inserted != 1 {
		t.Errorf("counts: categories %+v products %+v promotions %+v", rep.Categories, rep.Products, rep.Promotions)
	}
	if rep.Products.Requests != 5 { // 10 rows, 2 per request
		t.Errorf("product requests %d, want 5", rep.Products.Requests)
	}
	if !slices.Equal(rep.Removals.Planned, []string{"P009"}) || rep.Removals.Succeeded != 1 || rep.Removals.Requests != 1 {
		t.Errorf("removals %+v", rep.Removals)
	}
	want := []string{"NEW1", "P000", "P001", "P002", "P003", "P004", "P005", "P006", "P007", "P008"}
	if got := storedCodes(srv); !slices.Equal(got, want) {
		t.Errorf("stored %v, want %v", got, want)
	}
	// The category tree went before the products that reference it.
	var paths []string
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPost {
			paths = append(paths, r.Path)
		}
	}
	paths = paths[1:] // the first is seedSource's import
	if paths[0] != "/api/b2b/pim/categories/import" || paths[len(paths)-2] != "/api/b2b/pim/promotions/import" || paths[len(paths)-1] != "/api/b2b/pim/products/remove" {
		t.Errorf("order of writes: %v", paths)
	}
}

// A dry run changes nothing and lists what a real run would do.
func TestFullSyncDryRun(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	seedSource(t, c, 5)
	before := srv.Products()
	feed := catalog.Feed{SourceID: "default", Categories: []catalog.Category{cat("valves", "")},
		Products: catalog.FromSlice([]catalog.Product{syncProduct("P000", "valves", 2), syncProduct("NEW", "", 1), syncProduct("BAD", "pumps", 1)})}
	rep, err := c.Sync(ctx, feed, &catalog.SyncOptions{DryRun: true, MaxRemovals: 100, MaxRemovalPercent: -1})
	// The real run would refuse BAD, so it would remove nothing: the dry
	// run says so, with the real run's error.
	syncErr(t, err, rep, "products", "removals")
	if !errors.Is(err, catalog.ErrRemovalsSkipped) || !strings.HasPrefix(rep.Removals.Skipped, "would skip: ") {
		t.Fatalf("error %v, skipped %q; want ErrRemovalsSkipped and a would-skip reason", err, rep.Removals.Skipped)
	}
	switch p, rr := rep.Products, rep.Removals; {
	case !slices.Equal(p.Creates, []string{"NEW"}) || !slices.Equal(p.Updates, []string{"P000"}):
		t.Errorf("creates %v updates %v", p.Creates, p.Updates)
	case !slices.Equal(rr.Planned, []string{"P001", "P002", "P003", "P004"}) || rr.Limit != 100:
		t.Errorf("removals %v limit %d", rr.Planned, rr.Limit)
	case !slices.Equal(rep.Categories.Creates, []string{"valves"}):
		t.Errorf("category creates %v", rep.Categories.Creates)
	}
	if f := rep.Products.Failed; len(f) != 1 || f[0].Row != 2 || !strings.Contains(f[0].Reason, `"pumps"`) {
		t.Errorf("refused %+v", f)
	}
	checkStage(t, "products", rep.Products)
	for _, r := range srv.Requests()[1:] { // the first is seedSource's import
		if r.Method != http.MethodGet {
			t.Errorf("dry run sent %s %s", r.Method, r.Path)
		}
	}
	if after := srv.Products(); len(after) != len(before) || len(srv.Categories()) != 0 {
		t.Errorf("dry run changed the tenant: %d products, %d categories", len(after), len(srv.Categories()))
	}
	for _, p := range srv.Products() {
		if p.Version != 1 {
			t.Errorf("%s has version %d", p.EntityCode, p.Version)
		}
	}
}

// Over the removal limit nothing is removed and the error says how many
// would have gone.
func TestFullSyncRemovalLimit(t *testing.T) {
	for _, tc := range []struct {
		name      string
		opts      catalog.SyncOptions
		wantLimit int
	}{
		{"absolute", catalog.SyncOptions{MaxRemovals: 2}, 2},
		{"percent", catalog.SyncOptions{MaxRemovalPercent: 25}, 5},
		{"default 10%", catalog.SyncOptions{}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := newFake(t)
			seedSource(t, c, 20)
			opts := tc.opts
			feed := catalog.Feed{SourceID: "default", Products: catalog.FromSlice([]catalog.Product{syncProduct("P000", "", 1)})}
			rep, err := c.Sync(context.Background(), feed, &opts)
			if !errors.Is(err, catalog.ErrRemovalLimit) {
				t.Fatalf("error %v, want ErrRemovalLimit", err)
			}
			if len(rep.Removals.Planned) != 19 || rep.Removals.Limit != tc.wantLimit || !strings.Contains(err.Error(), "refused: 19 removals over the limit of") {
				t.Errorf("%v; %+v", err, rep.Removals)
			}
			if len(srv.Products()) != 20 || rep.Removals.Succeeded != 0 || rep.Removals.Requests != 0 || len(rep.Removals.NotAttempted) != 19 {
				t.Errorf("removed anyway: %d stored, %+v", len(srv.Products()), rep.Removals)
			}
		})
	}
	// Within the limit, removals go in batches.
	srv, c := newFake(t)
	seedSource(t, c, 20)
	feed := catalog.Feed{SourceID: "default", Products: catalog.FromSlice([]catalog.Product{syncProduct("P000", "", 1)})}
	rep, err := c.Sync(context.Background(), feed, &catalog.SyncOptions{NoRemovalLimit: true, RemovalBatch: 5})
	if err != nil || rep.Removals.Succeeded != 19 || rep.Removals.Requests != 4 || len(srv.Products()) != 1 {
		t.Errorf("unlimited: %+v, %v, %d stored", rep.Removals, err, len(srv.Products()))
	}
}

// A feed that fails halfway removes nothing.
func TestFullSyncFailedBatchRemovesNothing(t *testing.T) {
	srv, c := newFake(t)
	seedSource(t, c, 12)
	var feed []catalog.Product
	for i := range 8 { // P008..P011 are gone from the feed
		feed = append(feed, syncProduct(fmt.Sprintf("P%03d", i), "", 2))
	}
	srv.Stub(catalogtest.Stub{Op: catalogtest.OpImportAPI, Nth: 2, Status: http.StatusInternalServerError})
	rep, err := c.Sync(context.Background(), catalog.Feed{SourceID: "default", Products: catalog.FromSlice(feed)},
		&catalog.SyncOptions{NoRemovalLimit: true, CheckpointRows: 4, Bulk: &catalog.BulkOptions{MaxProducts: 2, Concurrency: 1}})
	if !errors.Is(err, catalog.ErrRemovalsSkipped) {
		t.Fatalf("error %v, want ErrRemovalsSkipped", err)
	}
	checkStage(t, "products", rep.Products)
	if rep.Products.Succeeded != 6 || len(rep.Products.Failed) != 2 || rep.Products.Failed[0].Row != 2 || rep.Products.Failed[1].EntityCode != "P003" {
		t.Errorf("products %+v", rep.Products)
	}
	for row, want := range map[int]catalog.RowOutcome{0: catalog.RowSucceeded, 2: catalog.RowFailed, 3: catalog.RowFailed, 7: catalog.RowSucceeded, 8: catalog.RowNotAttempted} {
		if got := rep.Products.Outcome(row); got != want {
			t.Errorf("row %d: %v, want %v", row, got, want)
		}
	}
	if len(srv.Products()) != 12 || rep.Removals.Requests != 0 || len(rep.Removals.Planned) != 4 || rep.Removals.Skipped == "" {
		t.Errorf("removals %+v; %d stored", rep.Removals, len(srv.Products()))
	}
	for _, r := range srv.Requests() {
		if r.Path == "/api/b2b/pim/products/remove" {
			t.Error("a removal request was sent")
		}
	}
}

// A product whose category neither exists nor is in the feed is refused on
// its own; a category refused in the feed refuses its products too.
func TestSyncRefusesProductsWithUnknownCategories(t *testing.T) {
	srv, c := newFake(t)
	if err := srv.SeedCategory(cat("existing", "")); err != nil {
		t.Fatal(err)
	}
	feed := catalog.Feed{SourceID: "default",
		Categories: []catalog.Category{cat("fresh", "existing"), cat("orphan", "nowhere")},
		Products: catalog.FromSlice([]catalog.Product{syncProduct("A", "existing", 1), syncProduct("B", "fresh", 1),
			syncProduct("C", "ghost", 1), syncProduct("D", "orphan", 1)})}
	rep, err := c.Sync(context.Background(), feed, &catalog.SyncOptions{Incremental: true, State: memState{}})
	syncErr(t, err, rep, "categories", "products")
	failed := rowReasons(rep.Products.Failed)
	if rep.Products.Succeeded != 2 || len(failed) != 2 || !strings.Contains(failed[2], `"ghost" neither exists`) || !strings.Contains(failed[3], `"orphan" was refused`) {
		t.Errorf("products %+v", rep.Products)
	}
	if _, ok := srv.Product("C"); ok {
		t.Error("C was sent")
	}
	if len(rep.Categories.Failed) != 1 || rep.Categories.Failed[0].Row != 1 {
		t.Errorf("categories %+v", rep.Categories)
	}
}

// memState is a SyncState in memory.
type memState map[string]string

func (m memState) Hash(code string) string { return m[code] }
func (m memState) Commit(confirmed map[string]string, removed []string) error {
	for k, v := range confirmed {
		m[k] = v
	}
	for _, k := range removed {
		delete(m, k)
	}
	return nil
}

// An incremental sync sends only what changed since the state was
// committed; a run that failed part way re-sends only the unconfirmed
// checkpoints, reading the state back from its file.
func TestIncrementalSync(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.json")
	products := func(changed map[string]float64) []catalog.Product {
		var ps []catalog.Product
		for i := range 8 {
			code := fmt.Sprintf("P%03d", i)
			ps = append(ps, syncProduct(code, "", 1+changed[code]))
		}
		return ps
	}
	run := func(ps []catalog.Product) *catalog.SyncReport {
		t.Helper()
		state, err := syncstate.Open(path) // as a new process would
		if err != nil {
			t.Fatal(err)
		}
		rep, _ := c.Sync(ctx, catalog.Feed{SourceID: "default", Products: catalog.FromSlice(ps)},
			&catalog.SyncOptions{Incremental: true, State: state, CheckpointRows: 3})
		checkStage(t, "products", rep.Products)
		return rep
	}
	// The second checkpoint (rows 3..5) fails: only the first is committed.
	srv.Stub(catalogtest.Stub{Op: catalogtest.OpImportAPI, Nth: 2, Status: http.StatusInternalServerError})
	rep := run(products(nil))
	if rep.Products.Succeeded != 5 || len(rep.Products.Failed) != 3 {
		t.Fatalf("first run %+v", rep.Products)
	}
	state, _ := syncstate.Open(path)
	if state.Len() != 5 || state.Hash("P003") != "" {
		t.Errorf("state after the failed run holds %d products (P003: %q)", state.Len(), state.Hash("P003"))
	}
	// The next run re-sends the three that failed, and nothing else.
	rep = run(products(nil))
	if rep.Products.Succeeded != 3 || len(rep.Products.Unchanged) != 5 || rep.Products.Inserted != 3 {
		t.Errorf("second run %+v", rep.Products)
	}
	// Then only the changed product goes, counted as an update.
	rep = run(products(map[string]float64{"P006": 0.5}))
	if rep.Products.Succeeded != 1 || len(rep.Products.Unchanged) != 7 || rep.Products.Updated != 1 || rep.Products.Requests != 1 {
		t.Errorf("third run %+v", rep.Products)
	}
	if v := srv.Versions("P006"); len(v) != 2 {
		t.Errorf("P006 has %d versions, want 2", len(v))
	}
	if v := srv.Versions("P000"); len(v) != 1 {
		t.Errorf("P000 has %d versions, want 1 (never re-sent)", len(v))
	}
}

func TestSyncRefusesBadOptions(t *testing.T) {
	_, c := newFake(t)
	feed := catalog.Feed{SourceID: "default", Products: catalog.FromSlice(nil)}
	for name, o := range map[string]*catalog.SyncOptions{
		"incremental no state": {Incremental: true},
		"percent over 100":     {MaxRemovalPercent: 150},
		"bad mask":             {Bulk: &catalog.BulkOptions{RequestOptions: catalog.RequestOptions{UpdateMask: []string{"nope"}}}},
	} {
		if _, err := c.Sync(context.Background(), feed, o); !errors.Is(err, catalog.ErrValidation) {
			t.Errorf("%s: %v, want ErrValidation", name, err)
		}
	}
}

// Nil options are a full sync with the default removal limit.
func TestSyncNilOptionsIsFull(t *testing.T) {
	_, c := newFake(t)
	seedSource(t, c, 20)
	feed := catalog.Feed{SourceID: "default", Products: catalog.FromSlice([]catalog.Product{syncProduct("P000", "", 1)})}
	rep, err := c.Sync(context.Background(), feed, nil)
	if !errors.Is(err, catalog.ErrRemovalLimit) || rep.Incremental || len(rep.Removals.Planned) != 19 || rep.Removals.Limit != 2 {
		t.Errorf("incremental %v, %d planned removals (limit %d), error %v; want a full sync held by the 10%% limit",
			rep.Incremental, len(rep.Removals.Planned), rep.Removals.Limit, err)
	}
}

// A dry run refuses what the real run would refuse, a product that cannot
// be encoded included: it is planned neither as a create nor an update.
func TestSyncDryRunRefusesWhatCannotBeEncoded(t *testing.T) {
	_, c := newFake(t)
	bad := syncProduct("CHAN", "", 1)
	bad.Extra = map[string]any{"x": make(chan int)}
	feed := catalog.Feed{SourceID: "default", Products: catalog.FromSlice([]catalog.Product{syncProduct("OK", "", 1), bad})}
	rep, err := c.Sync(context.Background(), feed, &catalog.SyncOptions{DryRun: true})
	syncErr(t, err, rep, "products")
	if p := rep.Products; !slices.Equal(p.Creates, []string{"OK"}) || len(p.Failed) != 1 ||
		p.Failed[0].Row != 1 || !strings.Contains(p.Failed[0].Error(), "extra") {
		t.Errorf("creates %v, refused %+v; want OK created and row 1 refused for its extra field", p.Creates, p.Failed)
	}
	checkStage(t, "products", rep.Products)
}

// A dry run lists the promotions a real run would create and update, by
// "promo_code#promo_row", in full and incremental mode, and changes
// nothing.
func TestSyncDryRunPlansPromotions(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	seedSource(t, c, 1) // P000, whose packaging P000-PZ the promotions target
	promo := func(code string, row int, pct float64) catalog.Promotion {
		return catalog.Promotion{PromoCode: catalog.Ptr(code), PromoRow: catalog.Ptr(row), DiscountPercentage: catalog.Ptr(pct), TargetPkgIDs: []string{"P000-PZ"}}
	}
	if err := srv.SeedPromotion(promo("OLD", 2, 5)); err != nil {
		t.Fatal(err)
	}
	feed := catalog.Feed{SourceID: "default", Products: catalog.FromSlice([]catalog.Product{syncProduct("P000", "", 1)}),
		Promotions: []catalog.Promotion{promo("PN", 1, 10), promo("OLD", 2, 7)}}
	before := len(srv.Requests())
	for _, opts := range []catalog.SyncOptions{
		{DryRun: true},
		{DryRun: true, Incremental: true, State: memState{}},
	} {
		rep, err := c.Sync(ctx, feed, &opts)
		if err != nil {
			t.Fatalf("incremental %v: %v", opts.Incremental, err)
		}
		if p := rep.Promotions; !slices.Equal(p.Creates, []string{"PN#1"}) || !slices.Equal(p.Updates, []string{"OLD#2"}) || len(p.NotAttempted) != 2 {
			t.Errorf("incremental %v: creates %v updates %v, %d not attempted", opts.Incremental, p.Creates, p.Updates, len(p.NotAttempted))
		}
		checkStage(t, "promotions", rep.Promotions)
	}
	for _, r := range srv.Requests()[before:] {
		if r.Method != http.MethodGet {
			t.Errorf("dry run sent %s %s", r.Method, r.Path)
		}
	}
	if ps := srv.Promotions(); len(ps) != 1 || *ps[0].PromoCode != "OLD" || *ps[0].DiscountPercentage != 5 {
		t.Errorf("dry run changed the promotions: %+v", ps)
	}
}
