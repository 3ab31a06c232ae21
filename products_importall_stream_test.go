package catalog_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
	"github.com/pimkit/catalog/internal/synth"
)

// How ImportAll reads its stream: one row at a time, each validated and
// encoded before the next is asked for.

// rowStream is a stream of 1,500 full products, with invalid rows, keys
// repeated nearby and far back, a row too large for any request and rows
// the stream yields with an error.
func rowStream() iter.Seq2[catalog.Product, error] {
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

// Every kind of row fault is reported, and the import goes on past each.
func TestImportAllFailsEachKindOfRow(t *testing.T) {
	srv := fakeServer(t)
	client := fakeClient(t, srv)
	rep, err := client.Products.ImportAll(context.Background(), catalogtest.DefaultSourceID, rowStream(), &catalog.BulkOptions{
		RequestOptions: catalog.RequestOptions{BatchID: "b1"},
		MaxProducts:    40, MaxBodyBytes: 200_000, Concurrency: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Read != 1500 || len(rep.Failed) < 40 || rep.Requests < 30 {
		t.Fatalf("the stream does not exercise enough: read %d, %d failed, %d requests", rep.Read, len(rep.Failed), rep.Requests)
	}
	var reasons []string
	for _, e := range rep.Failed {
		reasons = append(reasons, e.Reason)
	}
	for _, kind := range []string{"repeats row", "too large", "the stream yielded an error", "price must be"} {
		if !slices.ContainsFunc(reasons, func(r string) bool { return strings.Contains(r, kind) }) {
			t.Errorf("no failed row says %q", kind)
		}
	}
	checkAccounted(t, rep)
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

// The stream may reuse a product's memory once the next product is asked
// for: every row is sent as it was when yielded.
func TestImportAllStreamMayReuseMemory(t *testing.T) {
	srv := fakeServer(t)
	client := fakeClient(t, srv)
	const n = 500
	stream := func(yield func(catalog.Product, error) bool) {
		channels := make([]string, 1) // one backing array, one bool for every row
		hidden := new(bool)
		for i := range n {
			channels[0], *hidden = fmt.Sprintf("ch-%d", i), i%2 == 0
			if !yield(catalog.Product{EntityCode: code(i), Channels: channels, NotVisible: hidden}, nil) {
				return
			}
		}
	}
	rep, err := client.Products.ImportAll(context.Background(), catalogtest.DefaultSourceID, stream,
		&catalog.BulkOptions{MaxProducts: 30, Concurrency: 3})
	if err != nil || rep.Succeeded != n {
		t.Fatalf("%v: %d of %d succeeded", err, rep.Succeeded, n)
	}
	type row struct {
		EntityCode string   `json:"entity_code"`
		Channels   []string `json:"channels"`
		NotVisible bool     `json:"not_visible"`
	}
	var got []row
	for _, r := range srv.Requests() {
		var body struct{ Products []row }
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatal(err)
		}
		got = append(got, body.Products...)
	}
	slices.SortFunc(got, func(a, b row) int { return strings.Compare(a.EntityCode, b.EntityCode) })
	want := make([]row, n)
	for i := range want {
		want[i] = row{code(i), []string{fmt.Sprintf("ch-%d", i)}, i%2 == 0}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows sent (-want +got):\n%s", diff)
	}
}

// A stop midway (an answer that every request would get, or ctx ending)
// leaves every row read with exactly one outcome, and stops the reading.
func TestImportAllStop(t *testing.T) {
	const n = 20_000
	t.Run("400", func(t *testing.T) {
		srv := fakeServer(t, catalogtest.WithFaults(catalogtest.Fault{Kind: catalogtest.FaultStatus, Op: catalogtest.OpImportAPI, Nth: 3, Status: 400}))
		client := fakeClient(t, srv)
		rows := make([]catalog.Product, n)
		for i := range rows {
			rows[i] = synth.Minimal(i)
		}
		rep, err := client.Products.ImportAll(context.Background(), catalogtest.DefaultSourceID, catalog.FromSlice(rows),
			&catalog.BulkOptions{MaxProducts: 20, Concurrency: 1})
		if err == nil {
			t.Fatal("no error, want the 400")
		}
		if rep.Read >= n || len(rep.NotAttempted) == 0 {
			t.Errorf("read %d of %d, %d not attempted: the import did not stop", rep.Read, n, len(rep.NotAttempted))
		}
		checkAccounted(t, rep)
	})
	t.Run("ctx", func(t *testing.T) {
		srv := fakeServer(t)
		client := fakeClient(t, srv)
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
			&catalog.BulkOptions{MaxProducts: 50, Concurrency: 2})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v, want context.Canceled", err)
		}
		// ctx's end is noticed a little later (context.AfterFunc), but
		// not the rest of the stream.
		if rep.Read < 3001 || rep.Read >= n {
			t.Errorf("read %d rows of %d, want from 3001 to a few more", rep.Read, n)
		}
		checkAccounted(t, rep)
	})
}

// panicky panics when encoded, as a caller's broken MarshalJSON would.
type panicky struct{}

func (panicky) MarshalJSON() ([]byte, error) { panic("broken MarshalJSON") }

// importPanicking runs ImportAll over a stream of 2,000 minimal products,
// in batches of 1,000. panicAt is called at row 1,500, which the stream
// yields only once the first batch is stored, so that the senders are idle
// when the panic comes. It returns what ImportAll
// panicked with and how many products the server stored, once no import
// goroutine is left.
func importPanicking(t *testing.T, panicAt func(p *catalog.Product)) (recovered any, stored int) {
	t.Helper()
	srv := fakeServer(t)
	client := fakeClient(t, srv)
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
			&catalog.BulkOptions{MaxProducts: 1000, Concurrency: 2})
	}()
	checkNoImportGoroutine(t)
	return recovered, len(srv.Products())
}

// A panic while encoding a row, or from the stream, stops the import and
// reaches ImportAll's caller after the
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
		t.Run(tc.name, func(t *testing.T) {
			got, stored := importPanicking(t, tc.panicAt)
			if s := fmt.Sprint(got); !strings.Contains(s, tc.want) {
				t.Fatalf("recovered %v, want the panic %q", got, tc.want)
			}
			if stored != 1000 {
				t.Errorf("%d rows imported, want the 1,000 of the full batch before the panic, and no more", stored)
			}
		})
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
