package catalog_test

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

// syncErr fails unless err is a *SyncError for exactly the stages named,
// holding rep, and returns it.
func syncErr(t *testing.T, err error, rep *catalog.SyncReport, stages ...string) *catalog.SyncError {
	t.Helper()
	var se *catalog.SyncError
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T), want a *SyncError", err, err)
	}
	if !slices.Equal(se.Stages, stages) || se.Report != rep {
		t.Errorf("stages %v (report %p), want %v (report %p)", se.Stages, se.Report, stages, rep)
	}
	return se
}

// A sync whose every answer was lost applied nothing it knows of: its
// error says so, matches ErrOutcomeUnknown and names the stage and count.
func TestSyncErrorWhenRowsAreUnknown(t *testing.T) {
	srv, c := newFake(t)
	srv.AddFault(catalogtest.Fault{Kind: catalogtest.FaultResetAfterApply, Op: catalogtest.OpImportAPI})
	rep, err := c.Sync(context.Background(), catalog.Feed{SourceID: "default", Products: catalog.FromSlice(skuFeed(30, 14))},
		convergeOpts(t, filepath.Join(t.TempDir(), "state.json")))
	syncErr(t, err, rep, "products")
	if !errors.Is(err, catalog.ErrOutcomeUnknown) || errors.Is(err, catalog.ErrValidation) {
		t.Errorf("error %v: want it to match ErrOutcomeUnknown only", err)
	}
	if !strings.Contains(err.Error(), "products: 30 unknown of 30 rows") || !strings.Contains(err.Error(), "first row: catalog: row 0 (SKU-00000)") {
		t.Errorf("error %q does not say which stage, how many and why", err)
	}
	var row *catalog.RowError
	if !errors.As(err, &row) || row.Row != 0 {
		t.Errorf("errors.As found row %+v, want row 0", row)
	}
}

// Rows refused before sending, a category's and a product's, make the
// error name both stages and match ErrValidation; the rows applied stay
// applied.
func TestSyncErrorWhenRowsAreRefused(t *testing.T) {
	srv, c := newFake(t)
	feed := catalog.Feed{SourceID: "default", Categories: []catalog.Category{cat("valves", ""), cat("orphan", "nowhere")},
		Products: catalog.FromSlice([]catalog.Product{syncProduct("A", "valves", 1), syncProduct("B", "ghost", 1)})}
	rep, err := c.Sync(context.Background(), feed, &catalog.SyncOptions{Incremental: true, State: memState{}})
	syncErr(t, err, rep, "categories", "products")
	if !errors.Is(err, catalog.ErrValidation) || errors.Is(err, catalog.ErrOutcomeUnknown) {
		t.Errorf("error %v: want it to match ErrValidation only", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "categories: 1 failed of 2 rows; products: 1 failed of 2 rows") {
		t.Errorf("error %q", msg)
	}
	if _, ok := srv.Product("A"); !ok {
		t.Error("A was not applied")
	}
}

// Removals that fail are an error too, matching the request's cause.
func TestSyncErrorWhenRemovalsFail(t *testing.T) {
	srv, c := newFake(t)
	seedSource(t, c, 10)
	srv.Stub(catalogtest.Stub{Op: catalogtest.OpRemoveProducts, Status: http.StatusInternalServerError})
	var feed []catalog.Product
	for _, code := range []string{"P000", "P001", "P002", "P003", "P004", "P005", "P006", "P007", "P008"} {
		feed = append(feed, syncProduct(code, "", 1))
	}
	rep, err := c.Sync(context.Background(), catalog.Feed{SourceID: "default", Products: catalog.FromSlice(feed)},
		&catalog.SyncOptions{NoRemovalLimit: true})
	syncErr(t, err, rep, "removals")
	if !errors.Is(err, catalog.ErrServer) || !strings.Contains(err.Error(), "removals: 1 failed of 1 planned") {
		t.Errorf("error %v: want the removal's 500", err)
	}
}

// A removal limit that holds is an error that names the removals and
// matches ErrRemovalLimit.
func TestSyncErrorWhenTheRemovalLimitHolds(t *testing.T) {
	_, c := newFake(t)
	seedSource(t, c, 10)
	rep, err := c.Sync(context.Background(), catalog.Feed{SourceID: "default", Products: catalog.FromSlice([]catalog.Product{syncProduct("P000", "", 1)})}, nil)
	syncErr(t, err, rep, "removals")
	if !errors.Is(err, catalog.ErrRemovalLimit) {
		t.Errorf("error %v, want ErrRemovalLimit", err)
	}
}

// A sync that did its whole job returns nil, and so does a dry run that
// would; a dry run whose real run would refuse a row says so.
func TestSyncErrorOnlyWhenUndone(t *testing.T) {
	_, c := newFake(t)
	ctx := context.Background()
	good := catalog.Feed{SourceID: "default", Products: catalog.FromSlice(skuFeed(5, 1))}
	if _, err := c.Sync(ctx, good, &catalog.SyncOptions{DryRun: true}); err != nil {
		t.Errorf("dry run: %v", err)
	}
	if _, err := c.Sync(ctx, good, nil); err != nil {
		t.Errorf("real run: %v", err)
	}
	bad := catalog.Feed{SourceID: "default", Products: catalog.FromSlice(append(skuFeed(5, 1), syncProduct("X", "ghost", 1)))}
	rep, err := c.Sync(ctx, bad, &catalog.SyncOptions{DryRun: true})
	syncErr(t, err, rep, "products")
	if !strings.Contains(err.Error(), "products: 1 failed of 6 rows") {
		t.Errorf("dry run error %q", err)
	}
}
