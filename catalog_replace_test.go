package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

// CategoriesService.Remove removes in the order given; the platform keeps
// a category with a child still stored, and one a product references.
func TestCategoriesRemove(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	if _, err := c.Categories.Import(ctx, []catalog.Category{cat("tools", ""), cat("saws", "tools"), cat("valves", ""), cat("old", "")}, nil); err != nil {
		t.Fatal(err)
	}
	importOK(t, c, "default", catalog.MergeReplace, syncProduct("V1", "valves", 1))
	rep, err := c.Categories.Remove(ctx, []string{"tools", "saws", "valves", "old", "gone"})
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[int]string{}
	for _, e := range rep.Failed {
		reasons[e.Row] = e.Reason
	}
	if rep.Succeeded != 2 || len(reasons) != 3 || !strings.Contains(reasons[0], `child category "saws"`) ||
		!strings.Contains(reasons[2], `referenced by product "V1"`) || !strings.Contains(reasons[4], "not found") {
		t.Errorf("report %+v", rep)
	}
	var ids []string
	for _, c := range srv.Categories() {
		ids = append(ids, *c.CategoryID)
	}
	if !slices.Equal(ids, []string{"tools", "valves"}) {
		t.Errorf("stored %v, want tools and valves", ids)
	}
	if _, err := c.Categories.Remove(ctx, []string{"a", "a"}); !errors.Is(err, catalog.ErrValidation) {
		t.Errorf("repeated ids: %v, want ErrValidation", err)
	}
}

// Promotions can be listed and removed, by promo_code and promo_row.
func TestPromotionsListAndRemove(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	importOK(t, c, "default", catalog.MergeReplace, syncProduct("P1", "", 1))
	promos := []catalog.Promotion{promo("SALE", 0, 50), promo("SALE", 1, 20), promo("SPRING", 0, 5)}
	if _, err := c.Promotions.Import(ctx, promos, nil); err != nil {
		t.Fatal(err)
	}
	var listed []string
	var stored []catalog.Promotion
	for p, err := range c.Promotions.List(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, fmt.Sprintf("%s#%d", *p.PromoCode, rowOf(p)))
		stored = append(stored, p)
	}
	if !slices.Equal(listed, []string{"SALE#0", "SALE#1", "SPRING#0"}) {
		t.Fatalf("listed %v", listed)
	}
	rep, err := c.Promotions.Remove(ctx, []catalog.Promotion{stored[1], promo("NONE", 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Succeeded != 1 || len(rep.Failed) != 1 || rep.Failed[0].Row != 1 || !strings.Contains(rep.Failed[0].Reason, "not found") {
		t.Errorf("report %+v", rep)
	}
	if n := len(srv.Promotions()); n != 2 {
		t.Errorf("%d promotions stored, want 2", n)
	}
}

// promo is a promotion on P1's packaging option.
func promo(code string, row int, pct float64) catalog.Promotion {
	p := catalog.Promotion{PromoCode: catalog.Ptr(code), DiscountPercentage: catalog.Ptr(pct), TargetPkgIDs: []string{"P1-PZ"}}
	if row != 0 {
		p.PromoRow = catalog.Ptr(row)
	}
	return p
}

// A full sync replaces the whole catalog: the repros. An ended 50%
// promotion is removed; a category gone from the feed is removed, children
// before parents; a category a product of the feed still references is
// kept, reported with why.
func TestFullSyncReplacesCategoriesAndPromotions(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	if _, err := c.Categories.Import(ctx, []catalog.Category{cat("valves", ""), cat("old", ""), cat("old-sub", "old"),
		cat("legacy", ""), cat("legacy-sub", "legacy")}, nil); err != nil {
		t.Fatal(err)
	}
	importOK(t, c, "default", catalog.MergeReplace, syncProduct("P1", "valves", 1))
	// Last month's 50% sale has ended: tonight's export no longer has it.
	sale := promo("SALE50", 0, 50)
	sale.StartDate = catalog.Ptr(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	sale.EndDate = catalog.Ptr(time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC))
	if _, err := c.Promotions.Import(ctx, []catalog.Promotion{sale, promo("SPRING", 0, 5)}, nil); err != nil {
		t.Fatal(err)
	}
	before := len(srv.Requests())
	// legacy-sub is gone from the feed but P2 still references it.
	feed := catalog.Feed{SourceID: "default", Categories: []catalog.Category{cat("valves", "")},
		Products:   catalog.FromSlice([]catalog.Product{syncProduct("P1", "valves", 2), syncProduct("P2", "legacy-sub", 3)}),
		Promotions: []catalog.Promotion{promo("SPRING", 0, 5)}}
	rep, err := c.Sync(ctx, feed, &catalog.SyncOptions{NoRemovalLimit: true})
	if err != nil {
		t.Fatal(err)
	}
	if pr := rep.PromotionRemovals; !slices.Equal(pr.Planned, []string{"SALE50#0"}) || pr.Succeeded != 1 {
		t.Errorf("promotion removals %+v", pr)
	}
	cr := rep.CategoryRemovals
	if !slices.Equal(cr.Planned, []string{"old-sub", "old"}) || cr.Succeeded != 2 || cr.Requests != 1 {
		t.Errorf("category removals %+v, want old-sub then old removed", cr)
	}
	kept := map[string]string{}
	for _, e := range cr.Kept {
		kept[e.EntityCode] = e.Reason
	}
	if len(kept) != 2 || !strings.Contains(kept["legacy-sub"], `referenced by product "P2"`) || !strings.Contains(kept["legacy"], `parent of category "legacy-sub"`) {
		t.Errorf("kept %v", kept)
	}
	var ids []string
	for _, c := range srv.Categories() {
		ids = append(ids, *c.CategoryID)
	}
	if !slices.Equal(ids, []string{"legacy", "legacy-sub", "valves"}) {
		t.Errorf("categories stored %v", ids)
	}
	if ps := srv.Promotions(); len(ps) != 1 || *ps[0].PromoCode != "SPRING" {
		t.Errorf("promotions stored %+v", ps)
	}
	// Safe order: promotions, then products, then categories.
	var removals []string
	for _, r := range srv.Requests()[before:] {
		if strings.HasSuffix(r.Path, "/remove") {
			removals = append(removals, r.Path)
		}
	}
	if want := []string{"/api/b2b/pim/promotions/remove", "/api/b2b/pim/categories/remove"}; !slices.Equal(removals, want) {
		t.Errorf("removal requests %v, want %v", removals, want)
	}
}

// A feed that leaves categories and promotions nil leaves them alone; an
// empty one says the catalog has none, within the limits like products.
func TestFullSyncCategoryLimitAndDryRun(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	for i := range 10 {
		if err := srv.SeedCategory(cat(fmt.Sprintf("c%d", i), "")); err != nil {
			t.Fatal(err)
		}
	}
	products := func() catalog.Feed {
		return catalog.Feed{SourceID: "default", Products: catalog.FromSlice([]catalog.Product{syncProduct("P1", "c0", 1)})}
	}
	if rep, err := c.Sync(ctx, products(), nil); err != nil || len(rep.CategoryRemovals.Planned) != 0 || len(srv.Categories()) != 10 {
		t.Fatalf("nil categories: %v, %+v", err, rep.CategoryRemovals)
	}
	feed := products()
	feed.Categories = []catalog.Category{cat("c0", ""), cat("c1", ""), cat("c2", "")}
	// 7 of 10 gone: over the default 10%; MaxRemovals 7 alone does not lift it.
	dry, err := c.Sync(ctx, feed, &catalog.SyncOptions{DryRun: true, MaxRemovals: 7})
	const wouldRefuse = "would refuse: 7 removals over the limit of 1"
	if !errors.Is(err, catalog.ErrRemovalLimit) || dry.CategoryRemovals.Skipped != wouldRefuse || !strings.Contains(err.Error(), "categories: "+wouldRefuse) {
		t.Fatalf("dry run: %v, %q", err, dry.CategoryRemovals.Skipped)
	}
	feed = products()
	feed.Categories = []catalog.Category{cat("c0", ""), cat("c1", ""), cat("c2", "")}
	rep, err := c.Sync(ctx, feed, &catalog.SyncOptions{MaxRemovals: 7, MaxRemovalPercent: -1})
	if err != nil || rep.CategoryRemovals.Succeeded != 7 || len(srv.Categories()) != 3 {
		t.Errorf("real run: %v, %+v, %d stored", err, rep.CategoryRemovals, len(srv.Categories()))
	}
}

// A feed applied in part removes no category nor promotion either.
func TestFullSyncFailedFeedKeepsCategoriesAndPromotions(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	if err := srv.SeedCategory(cat("old", "")); err != nil {
		t.Fatal(err)
	}
	importOK(t, c, "default", catalog.MergeReplace, syncProduct("P1", "", 1))
	if _, err := c.Promotions.Import(ctx, []catalog.Promotion{promo("SALE50", 0, 50)}, nil); err != nil {
		t.Fatal(err)
	}
	srv.Stub(catalogtest.Stub{Op: catalogtest.OpImportAPI, Status: http.StatusInternalServerError})
	feed := catalog.Feed{SourceID: "default", Categories: []catalog.Category{}, Promotions: []catalog.Promotion{},
		Products: catalog.FromSlice([]catalog.Product{syncProduct("P1", "", 2)})}
	rep, err := c.Sync(ctx, feed, &catalog.SyncOptions{NoRemovalLimit: true, Bulk: &catalog.BulkOptions{Concurrency: 1}})
	if !errors.Is(err, catalog.ErrRemovalsSkipped) || rep.CategoryRemovals.Requests+rep.PromotionRemovals.Requests != 0 ||
		len(srv.Categories()) != 1 || len(srv.Promotions()) != 1 {
		t.Errorf("%v; categories %+v promotions %+v", err, rep.CategoryRemovals, rep.PromotionRemovals)
	}
}

func rowOf(p catalog.Promotion) int {
	if p.PromoRow == nil {
		return 0
	}
	return *p.PromoRow
}

// A category or promotion removal that failed, or whose outcome is
// unknown, is a sync that did not do its whole job: Sync says so with a
// *SyncError naming the removal stage, as for products.
func TestSyncErrorWhenCategoryOrPromotionRemovalsFail(t *testing.T) {
	for _, c := range []struct {
		op    catalogtest.Operation
		fault catalogtest.FaultKind
		stage string
		is    error
	}{
		{catalogtest.OpRemoveCategories, catalogtest.FaultStatus, "category removals", catalog.ErrServer},
		{catalogtest.OpRemovePromotions, catalogtest.FaultStatus, "promotion removals", catalog.ErrServer},
		{catalogtest.OpRemoveCategories, catalogtest.FaultResetAfterApply, "category removals", catalog.ErrOutcomeUnknown},
	} {
		t.Run(fmt.Sprintf("%s/%d", c.stage, c.fault), func(t *testing.T) {
			srv, cl := newFake(t)
			ctx := context.Background()
			if _, err := cl.Categories.Import(ctx, []catalog.Category{cat("valves", ""), cat("old", "")}, nil); err != nil {
				t.Fatal(err)
			}
			importOK(t, cl, "default", catalog.MergeReplace, syncProduct("P1", "valves", 1)) // the promotions' target
			if _, err := cl.Promotions.Import(ctx, []catalog.Promotion{promo("SALE50", 0, 50), promo("SPRING", 0, 5)}, nil); err != nil {
				t.Fatal(err)
			}
			srv.AddFault(catalogtest.Fault{Kind: c.fault, Status: 500, Op: c.op})
			feed := catalog.Feed{SourceID: "default", Categories: []catalog.Category{cat("valves", "")},
				Products:   catalog.FromSlice([]catalog.Product{syncProduct("P1", "valves", 1)}),
				Promotions: []catalog.Promotion{promo("SPRING", 0, 5)}}
			rep, err := cl.Sync(ctx, feed, &catalog.SyncOptions{NoRemovalLimit: true})
			se := syncErr(t, err, rep, c.stage)
			if !errors.Is(err, c.is) || !strings.Contains(se.Error(), c.stage+": 1 ") {
				t.Errorf("error %v: want it to match %v and count the stage's row", err, c.is)
			}
		})
	}
}
