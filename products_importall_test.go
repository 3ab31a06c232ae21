package catalog_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

// front puts a handler in front of a fake server, to fail, delay or watch
// requests; it returns a client pointed at the front.
func front(t *testing.T, srv *catalogtest.Server, wrap func(next http.Handler) http.Handler) *catalog.Client {
	t.Helper()
	hs := httptest.NewServer(wrap(srv.Handler()))
	t.Cleanup(hs.Close)
	c, err := catalog.NewClient(hs.URL, catalog.WithAPIKey(catalogtest.DefaultAPIKeyID, catalogtest.DefaultAPISecret),
		catalog.WithLimiter(nil), catalog.WithRetries(1, time.Millisecond, 2*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func products(n int, f func(i int) catalog.Product) []catalog.Product {
	out := make([]catalog.Product, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

func code(i int) string { return fmt.Sprintf("SKU-%04d", i) }

// checkAccounting asserts that every row read has exactly one outcome and
// that the fake's state agrees with the report: a succeeded row is stored
// exactly once, a failed or not attempted row not at all.
func checkAccounting(t *testing.T, srv *catalogtest.Server, rep *catalog.BulkReport, input []catalog.Product) {
	t.Helper()
	if got := rep.Succeeded + len(rep.Failed) + len(rep.Unknown) + len(rep.NotAttempted); got != rep.Read {
		t.Fatalf("outcomes add up to %d, read %d: %+v", got, rep.Read, rep)
	}
	counts := map[catalog.RowOutcome]int{}
	for row := range rep.Read {
		o := rep.Outcome(row)
		counts[o]++
		key := input[row].EntityCode
		if key == "" {
			key = input[row].SKU
		}
		versions := 0
		if key != "" {
			versions = len(srv.Versions(key))
		}
		switch o {
		case catalog.RowSucceeded:
			if versions != 1 {
				t.Errorf("row %d (%s) succeeded with %d versions stored", row, key, versions)
			}
		case catalog.RowFailed, catalog.RowNotAttempted:
			if versions != 0 && !sharesKeyWithSuccess(rep, input, row) {
				t.Errorf("row %d (%s) is %s but stored %d times", row, key, o, versions)
			}
		}
	}
	if counts[catalog.RowSucceeded] != rep.Succeeded || counts[catalog.RowFailed] != len(rep.Failed) ||
		counts[catalog.RowNotAttempted] != len(rep.NotAttempted) || counts[catalog.RowUnknown] != len(rep.Unknown) {
		t.Fatalf("Outcome disagrees with the report: %v vs %+v", counts, rep)
	}
}

// sharesKeyWithSuccess: a duplicate row fails while its twin is stored.
func sharesKeyWithSuccess(rep *catalog.BulkReport, input []catalog.Product, row int) bool {
	for other := range rep.Read {
		if other != row && input[other].EntityCode == input[row].EntityCode && rep.Outcome(other) == catalog.RowSucceeded {
			return true
		}
	}
	return false
}

func TestImportAllAccountsForEveryRow(t *testing.T) {
	srv, c := newFake(t)
	big := catalog.PlainText(strings.Repeat("x", 5000))
	input := products(60, func(i int) catalog.Product {
		p := catalog.Product{EntityCode: code(i), Name: catalog.PlainText(fmt.Sprint("Product ", i)), Price: catalog.Ptr(float64(i))}
		switch i {
		case 7:
			p.EntityCode = "" // no identity
		case 13:
			p.Price = catalog.Ptr(-1.0)
		case 21:
			p.Description = big // alone larger than a request
		case 25:
			p.EntityCode = code(24) // repeats row 24, in the same request
		case 33:
			p.Pricing = &catalog.Pricing{List: catalog.Ptr(math.Inf(1))}
		}
		return p
	})
	var progress []catalog.BulkProgress
	rep, err := c.Products.ImportAll(context.Background(), catalogtest.DefaultSourceID, catalog.FromSlice(input), &catalog.BulkOptions{
		MaxProducts: 7, MaxBodyBytes: 2000, Concurrency: 3,
		Progress: func(p catalog.BulkProgress) { progress = append(progress, p) },
	})
	if err != nil {
		t.Fatal(err)
	}
	checkAccounting(t, srv, rep, input)
	wantFailed := map[int]string{7: "entity_code or sku", 13: "price must be", 21: "too large", 25: "repeats row 24", 33: "price must be"}
	if len(rep.Failed) != len(wantFailed) {
		t.Fatalf("failed rows %+v", rep.Failed)
	}
	for _, f := range rep.Failed {
		if !strings.Contains(f.Reason, wantFailed[f.Row]) {
			t.Errorf("row %d failed with %q, want %q", f.Row, f.Reason, wantFailed[f.Row])
		}
	}
	// 55 good rows, 7 per request: 8 requests; a rejected or too-large row
	// must not cut a request short.
	if rep.Read != 60 || rep.Succeeded != 55 || rep.Requests != 8 || len(rep.Unknown) != 0 || len(rep.NotAttempted) != 0 {
		t.Fatalf("report %+v", rep)
	}
	last := progress[len(progress)-1]
	if last.Read != 60 || last.Succeeded != 55 || last.Failed != 5 || last.Requests != rep.Requests || last.Bytes != rep.Bytes {
		t.Errorf("last progress %+v, report %+v", last, rep)
	}
	for i := 1; i < len(progress); i++ {
		if progress[i].Succeeded < progress[i-1].Succeeded || progress[i].Requests < progress[i-1].Requests {
			t.Fatalf("progress went backwards: %+v then %+v", progress[i-1], progress[i])
		}
	}
}

func TestImportAllBatchMetadataAndFewestRequests(t *testing.T) {
	srv, c := newFake(t)
	input := products(25, func(i int) catalog.Product { return catalog.Product{EntityCode: code(i)} })
	rep, err := c.Products.ImportAll(context.Background(), catalogtest.DefaultSourceID, catalog.FromSlice(input),
		&catalog.BulkOptions{MaxProducts: 10, RequestOptions: catalog.RequestOptions{BatchID: "nightly-1", MergeMode: catalog.MergePartial}, TotalItems: 25})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Requests != 3 || rep.Succeeded != 25 || rep.BatchID != "nightly-1" || len(rep.JobIDs) != 3 {
		t.Fatalf("report %+v, want 3 requests of at most 10", rep)
	}
	parts := map[float64]bool{}
	for _, r := range srv.Requests() {
		var body struct {
			BatchID       string         `json:"batch_id"`
			MergeMode     string         `json:"merge_mode"`
			BatchMetadata map[string]any `json:"batch_metadata"`
		}
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatal(err)
		}
		m := body.BatchMetadata
		if body.BatchID != "nightly-1" || body.MergeMode != "partial" || m["batch_id"] != "nightly-1" || m["batch_total_items"] != 25.0 {
			t.Errorf("request fields %+v", body)
		}
		parts[m["batch_part"].(float64)] = true
	}
	if len(parts) != 3 || !parts[1] || !parts[2] || !parts[3] {
		t.Errorf("parts sent: %v", parts)
	}

	// Byte-bound: products of about 300 bytes in 2,000-byte requests.
	srv2, c2 := newFake(t)
	input = products(40, func(i int) catalog.Product {
		return catalog.Product{EntityCode: code(i), Description: catalog.PlainText(strings.Repeat("d", 250+i%50))}
	})
	rep, err = c2.Products.ImportAll(context.Background(), catalogtest.DefaultSourceID, catalog.FromSlice(input), &catalog.BulkOptions{MaxBodyBytes: 2000})
	if err != nil {
		t.Fatal(err)
	}
	var productBytes int
	for _, r := range srv2.Requests() {
		if len(r.Body) > 2000 {
			t.Errorf("a request of %d bytes", len(r.Body))
		}
		productBytes += len(r.Body)
	}
	bound := int(math.Ceil(float64(productBytes)/2000)) + 1
	if rep.Requests > bound || rep.Succeeded != 40 {
		t.Errorf("%d requests for %d bytes, bound %d", rep.Requests, productBytes, bound)
	}
}

// TestImportAllFailedBatch: one request fails as a whole with the
// platform's own 500 (a real answer: not applied); its rows are failed with
// the cause and the import goes on, or stops with StopOnError.
func TestImportAllFailedBatch(t *testing.T) {
	for _, stop := range []bool{false, true} {
		t.Run(fmt.Sprint("StopOnError=", stop), func(t *testing.T) {
			srv := fakeServer(t)
			var n atomic.Int32
			c := front(t, srv, func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == "/api/b2b/pim/import/api" && n.Add(1) == 2 {
						w.WriteHeader(http.StatusInternalServerError)
						fmt.Fprint(w, `{"error":"upstream down"}`)
						return
					}
					next.ServeHTTP(w, r)
				})
			})
			input := products(50, func(i int) catalog.Product { return catalog.Product{EntityCode: code(i)} })
			rep, err := c.Products.ImportAll(context.Background(), catalogtest.DefaultSourceID, catalog.FromSlice(input),
				&catalog.BulkOptions{MaxProducts: 10, Concurrency: 1, StopOnError: stop})
			checkAccounting(t, srv, rep, input)
			if len(rep.Failed) != 10 || rep.Failed[0].Row != 10 || !strings.Contains(rep.Failed[0].Error(), "upstream down") {
				t.Fatalf("failed %+v", rep.Failed)
			}
			if !stop {
				if err != nil || rep.Succeeded != 40 || rep.Read != 50 {
					t.Fatalf("err %v, report %+v", err, rep)
				}
				return
			}
			var apiErr *catalog.APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusInternalServerError {
				t.Fatalf("err %v, want the 500 that stopped the import", err)
			}
			if rep.Read == 50 && len(rep.NotAttempted) == 0 {
				t.Fatalf("nothing stopped: %+v", rep)
			}
		})
	}
}

// TestImportAllCancelledHalfWay cancels the context while the third request
// is at the server: requests in flight finish, nothing new starts, and the
// report says exactly which rows were applied.
func TestImportAllCancelledHalfWay(t *testing.T) {
	srv := fakeServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var n atomic.Int32
	c := front(t, srv, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) == 3 {
				cancel()
				time.Sleep(50 * time.Millisecond) // the answer comes after the cancellation
			}
			next.ServeHTTP(w, r)
		})
	})
	input := products(100, func(i int) catalog.Product { return catalog.Product{EntityCode: code(i)} })
	rep, err := c.Products.ImportAll(ctx, catalogtest.DefaultSourceID, catalog.FromSlice(input), &catalog.BulkOptions{MaxProducts: 10, Concurrency: 2})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want Canceled", err)
	}
	checkAccounting(t, srv, rep, input)
	if rep.Succeeded < 30 || rep.Succeeded > 40 || len(rep.Unknown) != 0 || rep.Read == 100 && len(rep.NotAttempted) == 0 {
		t.Fatalf("report %+v: want the 3 or 4 batches in flight applied and the rest not attempted", rep)
	}
	if got := len(srv.Products()); got != rep.Succeeded {
		t.Fatalf("server stored %d products, report says %d", got, rep.Succeeded)
	}
	// Resuming from the report imports the rest exactly once.
	var rest []catalog.Product
	for row := range input {
		if rep.Outcome(row) != catalog.RowSucceeded {
			rest = append(rest, input[row])
		}
	}
	if _, err := c.Products.ImportAll(context.Background(), catalogtest.DefaultSourceID, catalog.FromSlice(rest), nil); err != nil {
		t.Fatal(err)
	}
	for i := range input {
		if v := srv.Versions(code(i)); len(v) != 1 {
			t.Fatalf("%s has %d versions after the resume", code(i), len(v))
		}
	}
}

func TestImportAllQueued(t *testing.T) {
	srv, c := newFake(t, catalogtest.WithSource(catalog.Source{ID: "feed", FieldMappings: map[string]string{"sku": "supplier_sku"}}))
	// Rows with only a sku lose it to the mapping: the server fails them.
	input := products(35, func(i int) catalog.Product {
		if i%10 == 4 {
			return catalog.Product{SKU: code(i)}
		}
		return catalog.Product{EntityCode: code(i)}
	})
	rep, err := c.Products.ImportAll(context.Background(), "feed", catalog.FromSlice(input), &catalog.BulkOptions{
		Queued: true, MaxProducts: 10, Wait: &catalog.WaitOptions{MinInterval: 5 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	checkAccounting(t, srv, rep, input)
	if rep.Requests != 4 || len(rep.JobIDs) != 4 || rep.Succeeded != 31 || len(rep.Failed) != 4 {
		t.Fatalf("report %+v", rep)
	}
	for _, f := range rep.Failed {
		if f.Row%10 != 4 || !strings.Contains(f.Reason, "entity_code or sku") {
			t.Errorf("failed row %+v", f)
		}
	}
}

func TestImportAllConcurrencyAndStreamErrors(t *testing.T) {
	srv := fakeServer(t)
	var inFlight, most atomic.Int32
	c := front(t, srv, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			now := inFlight.Add(1)
			defer inFlight.Add(-1)
			for m := most.Load(); now > m && !most.CompareAndSwap(m, now); m = most.Load() {
			}
			time.Sleep(5 * time.Millisecond)
			next.ServeHTTP(w, r)
		})
	})
	input := products(200, func(i int) catalog.Product { return catalog.Product{EntityCode: code(i)} })
	stream := iter.Seq2[catalog.Product, error](func(yield func(catalog.Product, error) bool) {
		for i, p := range input {
			var err error
			if i%50 == 49 {
				err = errors.New("row unreadable")
			}
			if !yield(p, err) {
				return
			}
		}
	})
	rep, err := c.Products.ImportAll(context.Background(), catalogtest.DefaultSourceID, stream, &catalog.BulkOptions{MaxProducts: 5, Concurrency: 3})
	if err != nil {
		t.Fatal(err)
	}
	if most.Load() > 3 || most.Load() < 2 {
		t.Errorf("%d requests were in flight at once, want 2 to 3", most.Load())
	}
	if len(rep.Failed) != 4 || !strings.Contains(rep.Failed[0].Error(), "row unreadable") || rep.Succeeded != 196 {
		t.Fatalf("report %+v", rep)
	}
}

func TestImportAllRefusesBadOptions(t *testing.T) {
	_, c := newFake(t)
	for name, o := range map[string]*catalog.BulkOptions{
		"body over the client's limit": {MaxBodyBytes: catalog.MaxBodyBytes + 1},
		"too many products":            {MaxProducts: catalog.MaxProducts + 1},
		"negative concurrency":         {Concurrency: -1},
		"bad merge mode":               {RequestOptions: catalog.RequestOptions{MergeMode: "upsert"}},
	} {
		rep, err := c.Products.ImportAll(context.Background(), catalogtest.DefaultSourceID, catalog.FromSlice([]catalog.Product{{EntityCode: "A"}}), o)
		if !errors.Is(err, catalog.ErrValidation) || rep == nil || rep.Read != 0 {
			t.Errorf("%s: got %v, %+v", name, err, rep)
		}
	}
}

// TestImportAllCountsInsertsAndUpdates checks that the report splits the
// rows applied into new products and new versions, as the server counted
// them, for direct and queued imports alike.
func TestImportAllCountsInsertsAndUpdates(t *testing.T) {
	for _, queued := range []bool{false, true} {
		_, c := newFake(t)
		products := []catalog.Product{{EntityCode: "A"}, {EntityCode: "B"}, {EntityCode: "C"}}
		opts := &catalog.BulkOptions{Queued: queued, MaxProducts: 2}
		first, err := c.Products.ImportAll(context.Background(), catalogtest.DefaultSourceID, catalog.FromSlice(products), opts)
		if err != nil {
			t.Fatal(err)
		}
		second, err := c.Products.ImportAll(context.Background(), catalogtest.DefaultSourceID, catalog.FromSlice(products[:2]), opts)
		if err != nil {
			t.Fatal(err)
		}
		if first.Inserted != 3 || first.Updated != 0 || second.Inserted != 0 || second.Updated != 2 {
			t.Errorf("queued=%v: first run inserted %d, updated %d; second inserted %d, updated %d; want 3, 0, 0, 2",
				queued, first.Inserted, first.Updated, second.Inserted, second.Updated)
		}
	}
}

// With BulkOptions.Lines, a report names rows by their file lines: each
// failed row carries its Line, its message names the line, and a repeated
// key names the line of the copy it repeats.
func TestImportAllNamesFileLines(t *testing.T) {
	_, c := newFake(t)
	products := []catalog.Product{
		{EntityCode: "A", Price: catalog.Ptr(1.0)},
		{EntityCode: "B", Price: catalog.Ptr(-2.0)}, // a negative price
		{EntityCode: "A", Price: catalog.Ptr(3.0)},  // repeats row 0
	}
	lines := func(row int) int { return []int{2, 4, 7}[row] } // a header, then rows with blank lines between
	rep, err := c.Products.ImportAll(context.Background(), "default", catalog.FromSlice(products),
		&catalog.BulkOptions{Lines: lines})
	if err != nil {
		t.Fatal(err)
	}
	got := make([]string, len(rep.Failed))
	for i := range rep.Failed {
		if want := lines(rep.Failed[i].Row); rep.Failed[i].Line != want {
			t.Errorf("row %d: Line %d, want %d", rep.Failed[i].Row, rep.Failed[i].Line, want)
		}
		got[i] = rep.Failed[i].Error()
	}
	want := []string{
		"catalog: line 4 (B): price: price must be a finite number >= 0, got -2",
		`catalog: line 7 (A): entity_code: "A" repeats line 2: ImportAll sends only the first copy of a key`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("failed rows (-want +got):\n%s", diff)
	}
}
