package catalog_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

func TestListAndRemoveProducts(t *testing.T) {
	srv, c := newFake(t, catalogtest.WithSource(catalog.Source{ID: "other"}))
	ctx := context.Background()
	var feed []catalog.Product
	for i := range 2500 { // three pages of 1,000
		feed = append(feed, catalog.Product{EntityCode: fmt.Sprintf("P%04d", i)})
	}
	if rep, err := c.Products.ImportAll(ctx, "default", catalog.FromSlice(feed), nil); err != nil || rep.Succeeded != len(feed) {
		t.Fatalf("import: %+v %v", rep, err)
	}
	importOK(t, c, "other", catalog.MergeReplace, catalog.Product{EntityCode: "OTHER"})

	n := 0
	for ref, err := range c.Products.List(ctx, "default") {
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("P%04d", n); ref.EntityCode != want || ref.SourceID != "default" || ref.Version != 1 {
			t.Fatalf("item %d: %+v, want %s", n, ref, want)
		}
		n++
	}
	if n != len(feed) {
		t.Fatalf("listed %d, want %d", n, len(feed))
	}

	res, err := c.Products.Remove(ctx, "default", []string{"P0001", "OTHER", "NOPE", "P0002"})
	if err != nil {
		t.Fatal(err)
	}
	reasons := rowReasons(res.Failed)
	if res.Succeeded != 2 || len(res.Failed) != 2 || !strings.Contains(reasons[1], `belongs to source "other"`) || !strings.Contains(reasons[2], "not found") ||
		res.Outcome(0) != catalog.RowSucceeded || res.Failed[0].EntityCode != "OTHER" {
		t.Errorf("report %+v", res)
	}
	for code, want := range map[string]bool{"P0001": false, "P0002": false, "OTHER": true, "P0003": true} {
		if _, ok := srv.Product(code); ok != want {
			t.Errorf("%s stored: %v, want %v", code, ok, want)
		}
	}
	if _, err := c.Products.Remove(ctx, "default", []string{"A", "A"}); err == nil {
		t.Error("repeated code accepted")
	}
}
