package catalog_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/pimkit/catalog"
)

func cat(id, parent string) catalog.Category {
	c := catalog.Category{CategoryID: catalog.Ptr(id), Name: catalog.PlainText("Category " + id)}
	if parent != "" {
		c.ParentID = catalog.Ptr(parent)
	}
	return c
}

func rowReasons(errs []catalog.RowError) map[int]string {
	out := map[int]string{}
	for _, e := range errs {
		out[e.Row] = e.Field + ": " + e.Reason
	}
	return out
}

// Children listed before their parents are sent after them, and every
// category is stored; row numbers stay the caller's.
func TestCategoriesImportOrdersParentsFirst(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	res, err := c.Categories.Import(ctx, []catalog.Category{
		cat("valves-ball", "valves"), cat("valves", "plumbing"), cat("plumbing", ""), cat("fittings", "plumbing"),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary.Successful != 4 || res.Summary.Inserted != 4 || len(res.Rejected) != 0 || len(res.Errors) != 0 {
		t.Fatalf("result %+v", res)
	}
	got := srv.Categories()
	if len(got) != 4 || *got[3].CategoryID != "valves-ball" || *got[3].ParentID != "valves" {
		t.Fatalf("stored %+v", got)
	}
	// The request itself carried parents first.
	body := string(srv.Requests()[0].Body)
	if !(strings.Index(body, `"plumbing"`) < strings.Index(body, `"category_id":"valves"`) &&
		strings.Index(body, `"category_id":"valves"`) < strings.Index(body, `"category_id":"valves-ball"`)) {
		t.Errorf("request not parents-first: %s", body)
	}
	// Importing again replaces: updated, not inserted.
	res, err = c.Categories.Import(ctx, []catalog.Category{cat("valves", "plumbing")}, nil)
	if err != nil || res.Summary.Updated != 1 || res.Summary.Inserted != 0 {
		t.Fatalf("second import: %+v, %v", res, err)
	}
}

func TestCategoriesImportRefusesBadTrees(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	if err := srv.SeedCategory(cat("root", "")); err != nil {
		t.Fatal(err)
	}
	res, err := c.Categories.Import(ctx, []catalog.Category{
		cat("a", "b"), cat("b", "a"), // a cycle
		cat("c", "a"),       // under a refused parent
		cat("d", "nowhere"), // unknown parent
		cat("e", "root"),    // parent in the tenant
		{Name: catalog.PlainText("no id")},
		cat("e", ""), // repeated id
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := rowReasons(res.Rejected)
	for row, want := range map[int]string{0: "cycle", 1: "cycle", 2: `parent category "a" was refused`, 3: "neither in this import nor in the tenant", 5: "category_id: required", 6: "repeats row 4"} {
		if !strings.Contains(got[row], want) {
			t.Errorf("row %d: %q, want it to mention %q", row, got[row], want)
		}
	}
	if len(res.Rejected) != 6 || res.Summary.Total != 1 || res.Summary.Successful != 1 {
		t.Errorf("result %+v", res)
	}
	if _, ok := srv.Category("e"); !ok {
		t.Error("category e under the tenant's root was not stored")
	}
	if _, ok := srv.Category("a"); ok {
		t.Error("a category of a cycle was stored")
	}
}

// The fake applies the platform's own parent check (the client checks
// first, so only seeding reaches it), and an empty call is refused.
func TestCategoriesParentCheckedByTheFake(t *testing.T) {
	srv, c := newFake(t)
	if err := srv.SeedCategory(cat("x", "missing")); err == nil {
		t.Fatal("SeedCategory accepted a category whose parent does not exist")
	}
	_, err := c.Categories.Import(context.Background(), nil, nil)
	if !errors.Is(err, catalog.ErrValidation) {
		t.Errorf("empty import: %v, want ErrValidation", err)
	}
}

// Once the tenant has a category tree, a product row whose category is
// not in it fails, naming the category; the other rows are applied.
func TestProductWithUnknownCategoryFails(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	withCat := func(code, catID string) catalog.Product {
		return catalog.Product{EntityCode: code, Name: catalog.PlainText(code), Category: &catalog.Category{CategoryID: catalog.Ptr(catID)}}
	}
	// No tree yet: embedded categories are kept as sent.
	importOK(t, c, "default", catalog.MergeReplace, withCat("P0", "anything"))

	if _, err := c.Categories.Import(ctx, []catalog.Category{cat("valves", "")}, nil); err != nil {
		t.Fatal(err)
	}
	res, err := c.Products.Import(ctx, "default", []catalog.Product{withCat("P1", "valves"), withCat("P2", "pumps")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary.Successful != 1 || len(res.Errors) != 1 || res.Errors[0].Row != 1 || !strings.Contains(res.Errors[0].Reason, `category "pumps" does not exist`) {
		t.Fatalf("result %+v", res)
	}
	if _, ok := srv.Product("P2"); ok {
		t.Error("P2 was stored with an unknown category")
	}
	// The known reference is completed from the stored category.
	p, _ := srv.Product("P1")
	if got := p.Data["category"].(map[string]any)["name"]; got == nil {
		t.Errorf("P1's category was not resolved: %v", p.Data["category"])
	}
}
