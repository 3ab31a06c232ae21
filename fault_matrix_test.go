package catalog_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

// The fault matrix runs ImportAll over a few thousand products, direct and
// queued, replace and partial, against each fault catalogtest can inject and
// all of them mixed, and checks every row against the fake's state. Queued
// imports also run against jobs that answer seed 003's counters
// (catalogtest.JobCountersErrorRows). Its table is docs/RELIABILITY.md's; print
// it with
//
//	go test -run TestFaultMatrix -v .

const matrixRows = 2000

type matrixFault struct {
	name   string
	faults []catalogtest.Fault
}

// imports is every import operation: faults on them hit the batches.
var imports = []catalogtest.Operation{catalogtest.OpImportAPI, catalogtest.OpImportQueue}

func onImports(f catalogtest.Fault) []catalogtest.Fault {
	var out []catalogtest.Fault
	for _, op := range imports {
		f.Op = op
		out = append(out, f)
	}
	return out
}

func matrixFaults() []matrixFault {
	some := func(kind catalogtest.FaultKind, f catalogtest.Fault) []catalogtest.Fault {
		f.Kind, f.Probability = kind, 0.3
		if f.Times == 0 {
			f.Times = 4
		}
		return onImports(f)
	}
	var mixed []catalogtest.Fault
	for _, f := range []catalogtest.Fault{
		{Kind: catalogtest.FaultStatus, Status: 503, RetryAfter: time.Second},
		{Kind: catalogtest.FaultStatus, Status: 500},
		{Kind: catalogtest.FaultDelay, Delay: 20 * time.Millisecond},
		{Kind: catalogtest.FaultResetBeforeApply},
		{Kind: catalogtest.FaultResetAfterApply},
		{Kind: catalogtest.FaultTruncatedJSON},
		{Kind: catalogtest.FaultHTML, Status: 502},
		{Kind: catalogtest.FaultTrickle, Delay: time.Millisecond},
		{Kind: catalogtest.FaultGatewayAfterApply, Status: 504},
	} {
		f.Probability, f.Times = 0.1, 2 // on every operation, polls and lookups included
		mixed = append(mixed, f)
	}
	return []matrixFault{
		{"none", nil},
		{"503 + Retry-After", some(catalogtest.FaultStatus, catalogtest.Fault{Status: 503, RetryAfter: time.Second, Times: 2})},
		{"429 + Retry-After", some(catalogtest.FaultStatus, catalogtest.Fault{Status: 429, RetryAfter: time.Second, Times: 2})},
		{"500", some(catalogtest.FaultStatus, catalogtest.Fault{Status: 500})},
		{"delay", some(catalogtest.FaultDelay, catalogtest.Fault{Delay: 30 * time.Millisecond})},
		{"reset before apply", some(catalogtest.FaultResetBeforeApply, catalogtest.Fault{})},
		{"reset after apply", some(catalogtest.FaultResetAfterApply, catalogtest.Fault{})},
		{"truncated JSON", some(catalogtest.FaultTruncatedJSON, catalogtest.Fault{})},
		{"HTML body", some(catalogtest.FaultHTML, catalogtest.Fault{Status: 502})},
		{"trickled answer", some(catalogtest.FaultTrickle, catalogtest.Fault{Delay: time.Millisecond})},
		{"gateway 502 after apply", some(catalogtest.FaultGatewayAfterApply, catalogtest.Fault{Status: 502})},
		{"gateway 504 after apply", some(catalogtest.FaultGatewayAfterApply, catalogtest.Fault{Status: 504})},
		{"all mixed", mixed},
	}
}

type matrixMode struct {
	name   string
	queued bool
	merge  catalog.MergeMode
}

var matrixModes = []matrixMode{
	{"direct replace", false, catalog.MergeReplace},
	{"direct partial", false, catalog.MergePartial},
	{"queued replace", true, catalog.MergeReplace},
	{"queued partial", true, catalog.MergePartial},
}

// matrixCounters are the counter namings a queued cell's jobs answer
// with. Direct imports read no job, so they run with the default only.
var matrixCounters = []struct {
	name     string
	counters catalogtest.JobCounters
}{
	{"default", catalogtest.JobCountersDefault},
	{"error_rows", catalogtest.JobCountersErrorRows},
}

// ambiguousFault reports whether a fault can leave a request applied
// without an answer that says so: only those differ without keys.
func ambiguousFault(name string) bool {
	switch name {
	case "reset after apply", "truncated JSON", "gateway 502 after apply", "gateway 504 after apply", "all mixed":
		return true
	}
	return false
}

// matrixCounts is one line of the table.
type matrixCounts struct {
	read, appliedOnce, appliedTwice, lost, misreported, failed, failedApplied, unknown, maybeTwice int
}

func TestFaultMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("the fault matrix takes a while")
	}
	var table []string
	for _, keys := range []bool{true, false} {
		for _, f := range matrixFaults() {
			if !keys && !ambiguousFault(f.name) {
				continue // without keys only the ambiguous faults differ
			}
			for _, m := range matrixModes {
				for _, jc := range matrixCounters {
					if !m.queued && jc.counters != catalogtest.JobCountersDefault {
						continue
					}
					counters := jc.name
					if !m.queued {
						counters = "-"
					}
					name := fmt.Sprintf("%s/%s/counters=%s/keys=%v", f.name, m.name, jc.name, keys)
					t.Run(name, func(t *testing.T) {
						c := runMatrixCell(t, f, m, jc.counters, keys)
						table = append(table, fmt.Sprintf("| %s | %s | %s | %v | %d | %d | %d | %d | %d | %d | %d | %d |",
							f.name, m.name, counters, keys, c.read, c.appliedOnce, c.appliedTwice, c.lost,
							c.failed, c.failedApplied, c.unknown, c.maybeTwice))
					})
				}
			}
		}
	}
	t.Log("\n| fault | mode | job counters | keys honoured | rows sent | applied once | applied twice | lost | failed | failed but applied | unknown | maybe twice |\n" +
		"|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n" + strings.Join(table, "\n"))
}

func runMatrixCell(t *testing.T, f matrixFault, m matrixMode, counters catalogtest.JobCounters, keys bool) matrixCounts {
	opts := []catalogtest.Option{catalogtest.WithoutRateLimit(), catalogtest.WithFaultSeed(7), catalogtest.WithFaults(f.faults...),
		catalogtest.WithJobCounters(counters)}
	if !keys {
		opts = append(opts, catalogtest.WithoutIdempotency())
	}
	srv := catalogtest.NewServer(opts...)
	t.Cleanup(srv.Close)
	client, err := srv.Client(catalog.WithLimiter(nil), catalog.WithRetries(4, time.Millisecond, 5*time.Millisecond), catalog.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	input := products(matrixRows, func(i int) catalog.Product {
		return catalog.Product{EntityCode: code(i), Name: catalog.PlainText(fmt.Sprint("Product ", i)), Price: catalog.Ptr(float64(i % 90))}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := client.Products.ImportAll(ctx, catalogtest.DefaultSourceID, catalog.FromSlice(input), &catalog.BulkOptions{
		Queued: m.queued, RequestOptions: catalog.RequestOptions{MergeMode: m.merge}, MaxProducts: 100, Concurrency: 2, ResendUnknown: true,
		Wait: &catalog.WaitOptions{MinInterval: 2 * time.Millisecond, MaxInterval: 20 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.WaitForJobs(ctx); err != nil {
		t.Fatal(err)
	}
	return checkMatrixRows(t, srv, rep, input, keys)
}

// checkMatrixRows compares every row's reported outcome with the number of
// versions the fake stored for it.
func checkMatrixRows(t *testing.T, srv *catalogtest.Server, rep *catalog.BulkReport, input []catalog.Product, keys bool) matrixCounts {
	t.Helper()
	c := matrixCounts{read: rep.Read, failed: len(rep.Failed), unknown: len(rep.Unknown), maybeTwice: len(rep.MaybeTwice)}
	if rep.Read != len(input) || rep.Succeeded+len(rep.Failed)+len(rep.Unknown)+len(rep.NotAttempted) != rep.Read {
		t.Fatalf("rows do not add up: %+v", rep)
	}
	// Rows reported failed that the fake stored anyway: a caller would send
	// them again and have them applied twice.
	c.failedApplied = len(failedButApplied(srv, rep, input))
	if c.failedApplied != 0 {
		t.Errorf("%d rows reported failed were applied: %v", c.failedApplied, failedButApplied(srv, rep, input))
	}
	maybeTwice := map[int]bool{}
	for _, row := range rep.MaybeTwice {
		maybeTwice[row] = true
	}
	for row := range input {
		applied := len(srv.Versions(input[row].EntityCode))
		switch applied {
		case 0:
		case 1:
			c.appliedOnce++
		default:
			c.appliedTwice++
			if keys || !maybeTwice[row] {
				t.Errorf("row %d applied %d times; reported %s, maybe twice: %v", row, applied, rep.Outcome(row), maybeTwice[row])
			}
		}
		switch o := rep.Outcome(row); {
		case o == catalog.RowSucceeded && applied == 0:
			c.lost++
			t.Errorf("row %d reported succeeded but never applied", row)
		case (o == catalog.RowFailed || o == catalog.RowNotAttempted) && applied > 0:
			c.misreported++
			t.Errorf("row %d reported %s but applied %d times", row, o, applied)
		}
	}
	return c
}

// failedButApplied returns the rows of rep.Failed whose product the fake
// stored: the intersection of the report's failed rows with its state.
func failedButApplied(srv *catalogtest.Server, rep *catalog.BulkReport, input []catalog.Product) []int {
	stored := map[string]bool{}
	for _, p := range srv.Products() {
		stored[p.EntityCode] = true
	}
	var rows []int
	for _, f := range rep.Failed {
		if f.Row >= 0 && f.Row < len(input) && stored[input[f.Row].EntityCode] {
			rows = append(rows, f.Row)
		}
	}
	return rows
}
