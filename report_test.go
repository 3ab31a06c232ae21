package catalog_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pimkit/catalog"
)

// settledRow is one row's outcome as a test compares it: the outcome and
// the sentinel its error unwraps to ("" for none).
type settledRow struct {
	Outcome catalog.RowOutcome
	Cause   string
}

// causeName names the sentinel err matches, the outcome-unknown one first
// (a gateway's 5xx matches both).
func causeName(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, catalog.ErrOutcomeUnknown):
		return "ErrOutcomeUnknown"
	case errors.Is(err, catalog.ErrServer):
		return "ErrServer"
	case errors.Is(err, catalog.ErrJobFailed):
		return "ErrJobFailed"
	}
	return ""
}

// rowsOf reads n rows of a report as settledRows.
func rowsOf(rep *catalog.RowReport, n int) []settledRow {
	errs := map[int]catalog.RowError{}
	for _, e := range append(append([]catalog.RowError(nil), rep.Failed...), rep.Unknown...) {
		errs[e.Row] = e
	}
	out := make([]settledRow, n)
	for i := range out {
		out[i].Outcome = rep.Outcome(i)
		if e, ok := errs[i]; ok {
			out[i].Cause = causeName(&e)
		}
	}
	return out
}

// settleAnswer is what a fake platform answers to every request that
// carries rows, in each endpoint's shape.
type settleAnswer struct {
	status            int   // 0: hang up once the request is read
	succeeded, failed int   // the answer's counts
	errRows           []int // rows it lists failed
	noJobID           bool  // a queue answer without job_id
}

// settleServer answers the row-carrying requests of ImportAll (direct and
// queued), the Batcher and Sync (a category stage and removals) with a,
// and the reads around them (listings, the queued job) consistently.
func settleServer(t *testing.T, a settleAnswer) *httptest.Server {
	t.Helper()
	rowErrs := func(key string) []map[string]any {
		out := []map[string]any{}
		for _, r := range a.errRows {
			out = append(out, map[string]any{"row": r, key: "refused by the platform"})
		}
		return out
	}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		answer := func(code int, v any) {
			w.WriteHeader(code)
			_ = json.NewEncoder(w).Encode(v)
		}
		if r.Method == http.MethodPost {
			switch {
			case a.status == 0:
				conn, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					_ = conn.Close()
				}
				return
			case a.status >= 300:
				answer(a.status, map[string]any{"error": "the platform failed"})
				return
			}
		}
		summary := map[string]any{"total": 3, "successful": a.succeeded, "failed": a.failed}
		switch r.URL.Path {
		case "/api/b2b/pim/import/api", "/api/b2b/pim/categories/import":
			answer(http.StatusOK, map[string]any{"success": true, "summary": summary, "errors": rowErrs("error")})
		case "/api/b2b/pim/products/remove":
			answer(http.StatusOK, map[string]any{"success": true, "errors": rowErrs("error"),
				"summary": map[string]any{"total": 3, "removed": a.succeeded, "failed": a.failed}})
		case "/api/b2b/pim/import/queue":
			if a.noJobID {
				answer(http.StatusAccepted, map[string]any{"success": true, "status": "queued"})
				return
			}
			answer(http.StatusAccepted, map[string]any{"success": true, "job_id": "queue_import_1", "status": "queued"})
		case "/api/b2b/pim/jobs/queue_import_1":
			status := "completed"
			if a.failed > 0 {
				status = "completed_with_errors"
			}
			answer(http.StatusOK, map[string]any{"job": map[string]any{"job_id": "queue_import_1", "status": status,
				"total_rows": 3, "processed_rows": 3, "successful_rows": a.succeeded, "failed_rows": a.failed,
				"import_errors": rowErrs("error")}})
		case "/api/b2b/pim/categories":
			answer(http.StatusOK, map[string]any{"data": []any{}, "meta": map[string]any{"total": 0}})
		case "/api/b2b/pim/products":
			data := []map[string]any{}
			for i := range 3 {
				data = append(data, map[string]any{"entity_code": fmt.Sprintf("R%d", i), "source_id": "src", "version": 1})
			}
			answer(http.StatusOK, map[string]any{"data": data, "meta": map[string]any{"total": 3}})
		default:
			answer(http.StatusNotFound, map[string]any{"error": "not found"})
		}
	}))
	t.Cleanup(hs.Close)
	return hs
}

// TestSameAnswerSameOutcome feeds the same answers through every call that
// sends rows and reads an answer (ImportAll direct and queued, the Batcher,
// a Sync stage and Sync's removals): each answer means the same row
// outcomes in all of them, and every row error unwraps to its cause.
func TestSameAnswerSameOutcome(t *testing.T) {
	ok := settledRow{catalog.RowSucceeded, ""}
	refused := settledRow{catalog.RowFailed, ""}
	unknown := settledRow{catalog.RowUnknown, "ErrOutcomeUnknown"}
	serverFailed := settledRow{catalog.RowFailed, "ErrServer"}
	for _, tc := range []struct {
		name      string
		answer    settleAnswer
		queueOnly bool // the answer only means something to a queued import
		want      []settledRow
	}{
		{"clean", settleAnswer{status: 200, succeeded: 3}, false, []settledRow{ok, ok, ok}},
		{"partial row errors", settleAnswer{status: 200, succeeded: 2, failed: 1, errRows: []int{1}}, false,
			[]settledRow{ok, refused, ok}},
		// The counts name a row the list does not: only the listed row is
		// certain, the others may have been applied.
		{"summary disagreeing", settleAnswer{status: 200, succeeded: 1, failed: 1, errRows: []int{1}}, false,
			[]settledRow{unknown, refused, unknown}},
		{"missing job_id", settleAnswer{status: 200, succeeded: 3, noJobID: true}, true,
			[]settledRow{unknown, unknown, unknown}},
		{"500", settleAnswer{status: 500}, false, []settledRow{serverFailed, serverFailed, serverFailed}},
		{"network error after send", settleAnswer{}, false, []settledRow{unknown, unknown, unknown}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			c := newPlainClient(t, settleServer(t, tc.answer))
			input := products(3, func(i int) catalog.Product { return catalog.Product{EntityCode: code(i)} })
			got := map[string][]settledRow{}

			for _, queued := range []bool{false, true} {
				if tc.queueOnly && !queued {
					continue
				}
				rep, _ := c.Products.ImportAll(ctx, "src", catalog.FromSlice(input),
					&catalog.BulkOptions{MaxProducts: 3, Concurrency: 1, Queued: queued})
				got[fmt.Sprintf("ImportAll queued=%v", queued)] = rowsOf(&rep.RowReport, 3)
			}
			if tc.queueOnly {
				_, err := c.Products.Queue(ctx, "src", input, nil)
				if !errors.Is(err, catalog.ErrOutcomeUnknown) {
					t.Errorf("Queue: got %v, want ErrOutcomeUnknown", err)
				}
			} else {
				got["Batcher"] = batcherRows(t, c, input)
				cats := make([]catalog.Category, 3)
				for i := range cats {
					cats[i] = catalog.Category{CategoryID: catalog.Ptr(fmt.Sprintf("C%d", i)), Name: catalog.PlainText("Category")}
				}
				rep, _ := c.Sync(ctx, catalog.Feed{SourceID: "src", Categories: cats}, &catalog.SyncOptions{NoRemovalLimit: true})
				got["Sync categories"] = rowsOf(&rep.Categories.RowReport, 3)
				// A sync removes only once every row of its feed was
				// applied: the removals' answer is met by a feed with no row.
				rep, _ = c.Sync(ctx, catalog.Feed{SourceID: "src"}, &catalog.SyncOptions{NoRemovalLimit: true})
				got["Sync removals"] = rowsOf(&rep.Removals.RowReport, 3)
				if len(rep.Removals.Planned) != 3 {
					t.Fatalf("removals planned %v, want the 3 products the feed lacks", rep.Removals.Planned)
				}
			}
			for call, rows := range got {
				if diff := cmp.Diff(tc.want, rows); diff != "" {
					t.Errorf("%s: outcomes (-want +got):\n%s", call, diff)
				}
			}
		})
	}
}

// batcherRows adds input to a new Batcher, closes it and returns each
// change's outcome, with the cause its error unwraps to.
func batcherRows(t *testing.T, c *catalog.Client, input []catalog.Product) []settledRow {
	t.Helper()
	var mu sync.Mutex
	out := make([]settledRow, len(input))
	b, err := c.Products.NewBatcher("src", &catalog.BatcherOptions{MaxProducts: len(input), OnResult: func(r catalog.BatchResult) {
		mu.Lock()
		defer mu.Unlock()
		out[r.Seq-1] = settledRow{r.Outcome, causeName(r.Err)}
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range input {
		if err := b.Add(context.Background(), p); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	return out
}
