package catalog_test

import (
	"context"
	"slices"
	"testing"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
	"github.com/pimkit/catalog/syncstate"
)

// oddSummary is a direct import's answer for three rows all stored, whose
// insert and update counts no client could guess from the rows it sent:
// three new products, counted one inserted and two updated.
var oddSummary = map[string]any{
	"success": true, "job_id": "api_import_odd",
	"summary": map[string]any{"total": 3, "successful": 3, "failed": 0, "auto_published": 0,
		"inserted": 1, "updated": 2, "duration_seconds": 0.1, "sync_batches_queued": 0},
	"errors": []any{}, "message": "Imported 3 of 3 products successfully",
}

func threeNew() []catalog.Product {
	return []catalog.Product{{EntityCode: "N1"}, {EntityCode: "N2"}, {EntityCode: "N3"}}
}

// ImportAll reports the counts the server gave, direct and queued, even
// when they are not what the client could reckon from the rows it sent.
func TestImportAllReportsTheServersCounts(t *testing.T) {
	ctx := context.Background()
	t.Run("direct", func(t *testing.T) {
		srv, c := newFake(t)
		srv.Stub(catalogtest.Stub{Op: catalogtest.OpImportAPI, Body: oddSummary})
		rep, err := c.Products.ImportAll(ctx, catalogtest.DefaultSourceID, catalog.FromSlice(threeNew()), nil)
		if err != nil || rep.Succeeded != 3 || rep.Inserted != 1 || rep.Updated != 2 {
			t.Fatalf("got %v, %d succeeded, %d inserted, %d updated; want 3, 1, 2", err, rep.Succeeded, rep.Inserted, rep.Updated)
		}
	})
	t.Run("queued", func(t *testing.T) {
		srv, c := newFake(t)
		var progress catalog.BulkProgress
		opts := &catalog.BulkOptions{Queued: true, Progress: func(p catalog.BulkProgress) { progress = p }}
		// The queue applies the rows (all new); the job's counters are the
		// server's word, scripted here to differ from the truth.
		srv.Stub(catalogtest.Stub{Op: catalogtest.OpGetJob, Body: map[string]any{"job": map[string]any{
			"job_id": "queue_import_odd", "status": "completed", "total_rows": 3, "processed_rows": 3,
			"successful_rows": 3, "failed_rows": 0, "created_rows": 2, "updated_rows": 1, "import_errors": []any{}}}})
		rep, err := c.Products.ImportAll(ctx, catalogtest.DefaultSourceID, catalog.FromSlice(threeNew()), opts)
		if err != nil || rep.Succeeded != 3 || rep.Inserted != 2 || rep.Updated != 1 {
			t.Fatalf("got %v, %d succeeded, %d inserted, %d updated; want 3, 2, 1", err, rep.Succeeded, rep.Inserted, rep.Updated)
		}
		if progress.Inserted != 2 || progress.Updated != 1 {
			t.Errorf("last progress counts %d inserted, %d updated; want 2, 1", progress.Inserted, progress.Updated)
		}
	})
	t.Run("lost answer", func(t *testing.T) {
		// The second request is applied but its answer is lost: its rows
		// are unknown and count in neither; the first request's count.
		srv, c := newFake(t)
		srv.AddFault(catalogtest.Fault{Kind: catalogtest.FaultResetAfterApply, Op: catalogtest.OpImportAPI, Nth: 2})
		products := append(threeNew(), catalog.Product{EntityCode: "N4"}, catalog.Product{EntityCode: "N5"})
		rep, _ := c.Products.ImportAll(ctx, catalogtest.DefaultSourceID, catalog.FromSlice(products),
			&catalog.BulkOptions{MaxProducts: 3, Concurrency: 1})
		if rep.Succeeded != 3 || len(rep.Unknown) != 2 || rep.Inserted != 3 || rep.Updated != 0 {
			t.Fatalf("%d succeeded, %d unknown, %d inserted, %d updated; want 3, 2, 3, 0",
				rep.Succeeded, len(rep.Unknown), rep.Inserted, rep.Updated)
		}
	})
	t.Run("counts that cannot be followed", func(t *testing.T) {
		// The answer counts 2 succeeded of 3 rows and lists no failure: the
		// rows are unknown, and so are its insert and update counts.
		srv, c := newFake(t)
		odd := map[string]any{"success": true, "job_id": "api_import_odd",
			"summary": map[string]any{"total": 3, "successful": 2, "failed": 0, "auto_published": 0,
				"inserted": 2, "updated": 0, "duration_seconds": 0.1, "sync_batches_queued": 0},
			"errors": []any{}}
		srv.Stub(catalogtest.Stub{Op: catalogtest.OpImportAPI, Body: odd})
		rep, _ := c.Products.ImportAll(ctx, catalogtest.DefaultSourceID, catalog.FromSlice(threeNew()), nil)
		if len(rep.Unknown) != 3 || rep.Inserted != 0 || rep.Updated != 0 {
			t.Fatalf("%d unknown, %d inserted, %d updated; want 3, 0, 0", len(rep.Unknown), rep.Inserted, rep.Updated)
		}
	})
}

// The Batcher's results carry the server's counts, summed over the
// requests answered so far.
func TestBatcherReportsTheServersCounts(t *testing.T) {
	srv, c := newFake(t)
	srv.Stub(catalogtest.Stub{Op: catalogtest.OpImportAPI, Nth: 1, Body: oddSummary})
	res := newResults()
	b, err := c.Products.NewBatcher("default", &catalog.BatcherOptions{MaxProducts: 3, MaxDelay: farFuture, OnResult: res.add})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, p := range append(threeNew(), change("N4", 1)) {
		if err := b.Add(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Close(ctx); err != nil {
		t.Fatal(err)
	}
	res.wait(t, 4)
	all := res.snapshot()
	// The first request (stubbed) counted 1 inserted, 2 updated; the second
	// (the fake) 1 inserted.
	for i, r := range all {
		wantIns, wantUpd := 1, 2
		if r.Seq == 4 {
			wantIns = 2
		}
		if r.Outcome != catalog.RowSucceeded || r.Inserted != wantIns || r.Updated != wantUpd {
			t.Errorf("result %d: %+v; want %d inserted, %d updated", i, r, wantIns, wantUpd)
		}
	}
}

// A first incremental run on a tenant that already holds some of the
// feed's products reports what the platform counted: the new ones
// inserted, the others updated, though the state knows none of them.
func TestIncrementalSyncCountsAsThePlatformDid(t *testing.T) {
	srv, c := newFake(t)
	ctx := context.Background()
	seedSource(t, c, 2) // P000, P001 exist
	state, err := syncstate.Open(t.TempDir() + "/state.json")
	if err != nil {
		t.Fatal(err)
	}
	var feed []catalog.Product
	for _, code := range []string{"P000", "P001", "N1", "N2", "N3"} {
		feed = append(feed, syncProduct(code, "", 2))
	}
	rep, err := c.Sync(ctx, catalog.Feed{SourceID: "default", Products: catalog.FromSlice(feed)},
		&catalog.SyncOptions{Incremental: true, State: state, CheckpointRows: 2})
	if err != nil {
		t.Fatal(err)
	}
	if p := rep.Products; p.Succeeded != 5 || p.Inserted != 3 || p.Updated != 2 {
		t.Fatalf("products %d succeeded, %d inserted, %d updated; want 5, 3, 2", p.Succeeded, p.Inserted, p.Updated)
	}
	if len(srv.Products()) != 5 {
		t.Errorf("%d products stored", len(srv.Products()))
	}
}

// A row the platform refuses for three fields comes back with its three
// problems, direct and queued, and its message names the other two.
func TestServerRowErrorListsEveryProblem(t *testing.T) {
	ctx := context.Background()
	for _, queued := range []bool{false, true} {
		srv, c := newFake(t)
		if err := srv.SeedCategory(catalog.Category{CategoryID: catalog.Ptr("valves")}); err != nil {
			t.Fatal(err)
		}
		ref := func(id string) *catalog.Category { return &catalog.Category{CategoryID: catalog.Ptr(id)} }
		bad := catalog.Product{EntityCode: "B", Category: ref("pumps"), ChannelCategories: []catalog.ChannelCategory{
			{ChannelCode: catalog.Ptr("b2c"), Category: ref("taps")}, {ChannelCode: catalog.Ptr("b2b"), Category: ref("valves")},
			{ChannelCode: catalog.Ptr("pos"), Category: ref("sinks")}}}
		rep, err := c.Products.ImportAll(ctx, catalogtest.DefaultSourceID,
			catalog.FromSlice([]catalog.Product{{EntityCode: "A"}, bad}), &catalog.BulkOptions{Queued: queued})
		if err != nil || rep.Succeeded != 1 || len(rep.Failed) != 1 {
			t.Fatalf("queued=%v: %v, %+v", queued, err, rep.RowReport)
		}
		got := rep.Failed[0]
		want := []catalog.FieldProblem{
			{Field: "category", Value: "pumps", Reason: `category "pumps" does not exist`},
			{Field: "channel_categories[0].category", Value: "taps", Reason: `category "taps" does not exist`},
			{Field: "channel_categories[2].category", Value: "sinks", Reason: `category "sinks" does not exist`},
		}
		if !slices.Equal(got.Problems, want) {
			t.Errorf("queued=%v: problems %+v, want %+v", queued, got.Problems, want)
		}
		const msg = `catalog: row 1 (B): category "pumps" does not exist (+2 more: channel_categories[0].category, channel_categories[2].category)`
		if got.Error() != msg {
			t.Errorf("queued=%v: Error() = %q, want %q", queued, got.Error(), msg)
		}
		// The job's paged row errors carry them too.
		n := 0
		for e, err := range c.Jobs.Errors(ctx, rep.JobIDs[0]) {
			if n++; err != nil || !slices.Equal(e.Problems, want) {
				t.Errorf("queued=%v: Jobs.Errors: %v, %+v", queued, err, e.Problems)
			}
		}
		if n != 1 {
			t.Errorf("queued=%v: Jobs.Errors listed %d rows, want 1 (jobs %v)", queued, n, rep.JobIDs)
		}
	}
}
