package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
	"github.com/pimkit/catalog/internal/synth"
)

// parStream is a stream of 1,500 rows, several chunks of the parallel
// path: full products, with invalid rows, keys repeated within and across
// chunks, a row too large for any request and rows the stream yields with
// an error.
func parStream() iter.Seq2[catalog.Product, error] {
	return func(yield func(catalog.Product, error) bool) {
		for i := range 1500 {
			p := synth.Full(i)
			var err error
			switch {
			case i%97 == 5:
				p.Price = catalog.Ptr(-1.0) // fails validation
			case i%101 == 7 && i > 300:
				p = synth.Full(i - 300) // repeats a key of an earlier chunk
				p.EntityCode = synth.Full(i - 300).EntityCode
			case i%50 == 9:
				p = synth.Full(i - 1) // repeats the previous row's key
			case i == 700:
				p.Description = catalog.PlainText(strings.Repeat("x", 300_000)) // too large
			case i%211 == 3:
				err = fmt.Errorf("bad line %d", i)
			case i == 1000:
				p = synth.Full(5) // row 5 failed validation: this copy of its key is the first
			}
			if !yield(p, err) {
				return
			}
		}
	}
}

// EncodeWorkers 1, 2 and 4 send the same bodies and report the same rows.
func TestImportAllEncodeWorkersSame(t *testing.T) {
	type result struct {
		bodies []string
		rep    *catalog.BulkReport
	}
	run := func(workers int) result {
		srv := catalogtest.NewServer(catalogtest.WithoutRateLimit())
		defer srv.Close()
		client, err := srv.Client()
		if err != nil {
			t.Fatal(err)
		}
		rep, err := client.Products.ImportAll(context.Background(), catalogtest.DefaultSourceID, parStream(), &catalog.BulkOptions{
			RequestOptions: catalog.RequestOptions{BatchID: "b1"},
			MaxProducts:    40, MaxBodyBytes: 200_000, Concurrency: 2, EncodeWorkers: workers,
		})
		if err != nil {
			t.Fatalf("workers %d: %v", workers, err)
		}
		var bodies []string
		for _, r := range srv.Requests() {
			if r.Path == "/api/b2b/pim/import/api" {
				bodies = append(bodies, string(r.Body))
			}
		}
		slices.Sort(bodies) // two requests in flight may arrive in either order
		return result{bodies, rep}
	}
	want := run(1)
	if want.rep.Read != 1500 || len(want.rep.Failed) < 40 || want.rep.Requests < 30 {
		t.Fatalf("the stream does not exercise enough: read %d, %d failed, %d requests", want.rep.Read, len(want.rep.Failed), want.rep.Requests)
	}
	var reasons []string
	for _, e := range want.rep.Failed {
		reasons = append(reasons, e.Reason)
	}
	for _, kind := range []string{"repeats row", "too large", "the stream yielded an error", "price must be"} {
		if !slices.ContainsFunc(reasons, func(r string) bool { return strings.Contains(r, kind) }) {
			t.Errorf("no failed row says %q", kind)
		}
	}
	for _, workers := range []int{2, 4} {
		got := run(workers)
		if !slices.Equal(want.bodies, got.bodies) {
			t.Errorf("workers %d: %d request bodies differ from those of 1 worker (%d)", workers, len(got.bodies), len(want.bodies))
		}
		if diff := cmp.Diff(want.rep, got.rep, cmpopts.IgnoreFields(catalog.BulkReport{}, "JobIDs", "RateLimitWait"),
			cmpopts.IgnoreFields(catalog.RowError{}, "Cause"), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("workers %d: report differs from 1 worker's (-1 +%d):\n%s", workers, workers, diff)
		}
	}
}

// checkAccounted checks that every row read has exactly one outcome.
func checkAccounted(t *testing.T, rep *catalog.BulkReport) {
	t.Helper()
	seen := make(map[int]string)
	mark := func(row int, what string) {
		if row < 0 || row >= rep.Read {
			t.Errorf("%s row %d, outside the %d read", what, row, rep.Read)
		}
		if prev, ok := seen[row]; ok {
			t.Errorf("row %d is both %s and %s", row, prev, what)
		}
		seen[row] = what
	}
	for _, e := range rep.Failed {
		mark(e.Row, "failed")
	}
	for _, e := range rep.Unknown {
		mark(e.Row, "unknown")
	}
	for _, row := range rep.NotAttempted {
		mark(row, "not attempted")
	}
	if got := rep.Succeeded + len(seen); got != rep.Read {
		t.Errorf("read %d, but %d succeeded + %d failed, unknown or not attempted = %d", rep.Read, rep.Succeeded, len(seen), got)
	}
}

// A stop midway (an answer that every request would get, or ctx ending)
// leaves every row read with exactly one outcome, and stops the reading.
func TestImportAllEncodeWorkersStop(t *testing.T) {
	const n = 20_000
	for _, workers := range []int{1, 2, 4} {
		t.Run(fmt.Sprintf("400/workers=%d", workers), func(t *testing.T) {
			srv := catalogtest.NewServer(catalogtest.WithoutRateLimit(),
				catalogtest.WithFaults(catalogtest.Fault{Kind: catalogtest.FaultStatus, Op: catalogtest.OpImportAPI, Nth: 3, Status: 400}))
			defer srv.Close()
			client, err := srv.Client()
			if err != nil {
				t.Fatal(err)
			}
			rows := make([]catalog.Product, n)
			for i := range rows {
				rows[i] = synth.Minimal(i)
			}
			rep, err := client.Products.ImportAll(context.Background(), catalogtest.DefaultSourceID, catalog.FromSlice(rows),
				&catalog.BulkOptions{MaxProducts: 20, Concurrency: 1, EncodeWorkers: workers})
			if err == nil {
				t.Fatal("no error, want the 400")
			}
			if rep.Read >= n || len(rep.NotAttempted) == 0 {
				t.Errorf("read %d of %d, %d not attempted: the import did not stop", rep.Read, n, len(rep.NotAttempted))
			}
			checkAccounted(t, rep)
		})
		t.Run(fmt.Sprintf("ctx/workers=%d", workers), func(t *testing.T) {
			srv := catalogtest.NewServer(catalogtest.WithoutRateLimit())
			defer srv.Close()
			client, err := srv.Client()
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			stream := func(yield func(catalog.Product, error) bool) {
				for i := range n {
					if i == 3000 {
						cancel()
					}
					var err error
					if i%500 == 1 {
						err = errors.New("bad line")
					}
					if !yield(synth.Minimal(i%2500), err) { // keys repeat from row 2500
						return
					}
				}
			}
			rep, err := client.Products.ImportAll(ctx, catalogtest.DefaultSourceID, stream,
				&catalog.BulkOptions{MaxProducts: 50, Concurrency: 2, EncodeWorkers: workers})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("error %v, want context.Canceled", err)
			}
			// ctx's end is noticed a little later (context.AfterFunc), and
			// with workers the rows read ahead count too, but not the rest.
			if rep.Read < 3001 || rep.Read >= n {
				t.Errorf("read %d rows of %d, want from 3001 to a few chunks more", rep.Read, n)
			}
			checkAccounted(t, rep)
		})
	}
}

// panicky panics when encoded, as a caller's broken MarshalJSON would.
type panicky struct{}

func (panicky) MarshalJSON() ([]byte, error) { panic("broken MarshalJSON") }

// importPanicking runs ImportAll over a stream of 2,000 minimal products
// with the given workers, in batches of 1,000. panicAt is called at row
// 1,500, which the stream yields only once the first batch is stored, so
// that the senders are idle when the panic comes. It returns what ImportAll
// panicked with and how many products the server stored, once no import
// goroutine is left.
func importPanicking(t *testing.T, workers int, panicAt func(p *catalog.Product)) (recovered any, stored int) {
	t.Helper()
	srv := catalogtest.NewServer(catalogtest.WithoutRateLimit())
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	stream := func(yield func(catalog.Product, error) bool) {
		for i := range 2000 {
			p := synth.Minimal(i)
			if i == 1500 {
				if _, err := srv.WaitRequests(t.Context(), 1); err != nil { // rows 0 to 999, stored
					t.Error(err)
				}
				panicAt(&p)
			}
			if !yield(p, nil) {
				return
			}
		}
	}
	func() {
		defer func() { recovered = recover() }()
		_, _ = client.Products.ImportAll(context.Background(), catalogtest.DefaultSourceID, stream,
			&catalog.BulkOptions{MaxProducts: 1000, Concurrency: 2, EncodeWorkers: workers})
	}()
	checkNoImportGoroutine(t)
	return recovered, len(srv.Products())
}

// A panic while encoding a row, or from the stream, stops the import and
// reaches ImportAll's caller, with any number of workers, after the
// import's goroutines have ended: none is left behind, and the rows packed
// since the last full batch are not sent.
func TestImportAllPanicStopsTheImport(t *testing.T) {
	for _, tc := range []struct {
		name    string
		panicAt func(p *catalog.Product)
		want    string
	}{
		{"encoding", func(p *catalog.Product) { p.Extra = map[string]any{"x": panicky{}} }, "broken MarshalJSON"},
		{"stream", func(*catalog.Product) { panic("the cursor broke") }, "the cursor broke"},
	} {
		for _, workers := range []int{1, 2, 4} {
			t.Run(fmt.Sprintf("%s/workers=%d", tc.name, workers), func(t *testing.T) {
				got, stored := importPanicking(t, workers, tc.panicAt)
				if s := fmt.Sprint(got); !strings.Contains(s, tc.want) {
					t.Fatalf("recovered %v, want the panic %q", got, tc.want)
				}
				if stored != 1000 {
					t.Errorf("%d rows imported, want the 1,000 of the full batch before the panic, and no more", stored)
				}
			})
		}
	}
}

// checkNoImportGoroutine fails when an import goroutine is still running a
// little after ImportAll returned or panicked. Goroutines that have signalled
// that they are done may take a moment to exit, so it looks again until a
// deadline.
func checkNoImportGoroutine(t *testing.T) {
	t.Helper()
	buf := make([]byte, 1<<20)
	var stacks string
	for range 500 {
		stacks = string(buf[:runtime.Stack(buf, true)])
		if !strings.Contains(stacks, "catalog.(*bulkRun)") {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("an import goroutine is left after the panic:\n%s", stacks)
}
