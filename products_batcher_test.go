package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

// results collects a batcher's outcomes.
type results struct {
	mu  sync.Mutex
	all []catalog.BatchResult
	ch  chan struct{}
}

func newResults() *results { return &results{ch: make(chan struct{}, 1<<16)} }

func (r *results) add(res catalog.BatchResult) {
	r.mu.Lock()
	r.all = append(r.all, res)
	r.mu.Unlock()
	r.ch <- struct{}{}
}

// wait blocks until n more outcomes arrived (the test's deadline bounds it).
func (r *results) wait(t *testing.T, n int) {
	t.Helper()
	for range n {
		select {
		case <-r.ch:
		case <-time.After(30 * time.Second): // a hang guard, not a timing assumption
			t.Fatalf("outcomes did not arrive; have %d", len(r.snapshot()))
		}
	}
}

func (r *results) snapshot() []catalog.BatchResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]catalog.BatchResult(nil), r.all...)
}

func importSizes(srv *catalogtest.Server) []int {
	var out []int
	for _, req := range srv.Requests() {
		if req.Path == "/api/b2b/pim/import/api" {
			body, _ := req.Import()
			out = append(out, len(body.Products))
		}
	}
	return out
}

func change(code string, price float64) catalog.Product {
	return catalog.Product{EntityCode: code, Pricing: &catalog.Pricing{List: catalog.Ptr(price), Currency: catalog.Ptr("EUR")}}
}

var farFuture = 1000 * time.Hour // a delay the tests never reach

func TestBatcherFlushByCount(t *testing.T) {
	srv, c := newFake(t)
	res := newResults()
	b, err := c.Products.NewBatcher("default", &catalog.BatcherOptions{MaxProducts: 3, MaxDelay: farFuture, OnResult: res.add})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 7 { // many goroutines, one change each
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := b.Add(ctx, change(fmt.Sprintf("C%d", g), 1)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	res.wait(t, 6) // two full batches go without Flush, Close or time
	if got := importSizes(srv); fmt.Sprint(got) != "[3 3]" {
		t.Errorf("requests %v, want [3 3]", got)
	}
	if err := b.Close(ctx); err != nil {
		t.Fatal(err)
	}
	res.wait(t, 1)
	if got := importSizes(srv); fmt.Sprint(got) != "[3 3 1]" {
		t.Errorf("requests %v, want [3 3 1]", got)
	}
	seen := map[uint64]bool{}
	for _, r := range res.snapshot() {
		if r.Outcome != catalog.RowSucceeded || seen[r.Seq] {
			t.Errorf("result %+v", r)
		}
		seen[r.Seq] = true
	}
	if len(seen) != 7 {
		t.Errorf("%d outcomes, want 7", len(seen))
	}
	if len(srv.Products()) != 7 {
		t.Errorf("%d products stored", len(srv.Products()))
	}
	if err := b.Add(ctx, change("LATE", 1)); !errors.Is(err, catalog.ErrBatcherClosed) {
		t.Errorf("Add after Close: %v", err)
	}
}

func TestBatcherFlushByBytes(t *testing.T) {
	srv, c := newFake(t)
	res := newResults()
	big := func(code string) catalog.Product {
		p := change(code, 1)
		p.Description = catalog.PlainText(strings.Repeat("x", 1000))
		return p
	}
	const limit = 2600 // two products of about 1,100 bytes fit, three do not
	b, err := c.Products.NewBatcher("default", &catalog.BatcherOptions{MaxProducts: 100, MaxBodyBytes: limit, MaxDelay: farFuture,
		OnResult: res.add})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range 5 {
		if err := b.Add(ctx, big(fmt.Sprintf("B%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	res.wait(t, 4)
	huge := change("HUGE", 1)
	huge.Description = catalog.PlainText(strings.Repeat("y", limit))
	var rowErr *catalog.RowError
	if err := b.Add(ctx, huge); !errors.As(err, &rowErr) || !strings.Contains(rowErr.Reason, "too large") {
		t.Errorf("oversize change: %v", err)
	}
	if err := b.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := importSizes(srv); fmt.Sprint(got) != "[2 2 1]" {
		t.Errorf("requests %v, want [2 2 1]", got)
	}
	for _, req := range srv.Requests() {
		if len(req.Body) > limit {
			t.Errorf("request body of %d bytes, over %d", len(req.Body), limit)
		}
	}
	if err := b.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got := res.snapshot(); len(got) != 5 || slices.ContainsFunc(got, func(r catalog.BatchResult) bool { return r.Outcome != catalog.RowSucceeded }) {
		t.Errorf("outcomes %+v, want 5 succeeded", got)
	}
}

func TestBatcherFlushByTime(t *testing.T) {
	srv, _ := newFake(t)
	clock := catalogtest.NewFakeClock(time.Unix(0, 0))
	c := fakeClient(t, srv, catalog.WithRetries(0, time.Millisecond, time.Millisecond), catalog.WithClock(clock))
	res := newResults()
	b, err := c.Products.NewBatcher("default", &catalog.BatcherOptions{MaxProducts: 100, MaxDelay: time.Second, OnResult: res.add})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := b.Add(ctx, change("T1", 1)); err != nil {
		t.Fatal(err)
	}
	if err := clock.WaitForTimers(ctx, 1); err != nil { // the batcher took the change and set its deadline
		t.Fatal(err)
	}
	if err := b.Add(ctx, change("T2", 1)); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	res.wait(t, 2)
	if got := importSizes(srv); fmt.Sprint(got) != "[2]" {
		t.Errorf("requests %v, want one of 2 changes", got)
	}
	if err := b.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// gatedTransport holds import requests until the test releases them.
type gatedTransport struct {
	arrived chan struct{}
	release chan struct{}
}

func (g *gatedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/import/api") {
		g.arrived <- struct{}{}
		select {
		case <-g.release:
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// gatedClient returns a client of a fake platform, without retries, whose
// import requests wait at gate.
func gatedClient(t *testing.T) (*gatedTransport, *catalog.Client) {
	t.Helper()
	gate := &gatedTransport{arrived: make(chan struct{}, 10), release: make(chan struct{})}
	return gate, fakeClient(t, fakeServer(t), catalog.WithHTTPClient(&http.Client{Transport: gate}), catalog.WithRetries(0, time.Millisecond, time.Millisecond))
}

// When the platform is slower than the changes, Add waits for room: the
// batcher holds at most QueueSize queued changes plus one batch.
func TestBatcherBackpressure(t *testing.T) {
	gate, c := gatedClient(t)
	res := newResults()
	b, err := c.Products.NewBatcher("default", &catalog.BatcherOptions{MaxProducts: 1, QueueSize: 2, MaxDelay: farFuture,
		OnResult: res.add})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := b.Add(ctx, change("Q0", 1)); err != nil {
		t.Fatal(err)
	}
	<-gate.arrived // Q0's request is in flight and held
	for _, code := range []string{"Q1", "Q2"} {
		if err := b.Add(ctx, change(code, 1)); err != nil {
			t.Fatal(err)
		}
	}
	// The queue is full: Add waits, and gives up when its ctx ends.
	ended, cancel := context.WithCancel(ctx)
	cancel()
	if err := b.Add(ended, change("Q3", 1)); !errors.Is(err, context.Canceled) {
		t.Fatalf("Add on a full queue: %v, want context.Canceled", err)
	}
	blocked := make(chan error, 1)
	go func() { blocked <- b.Add(ctx, change("Q4", 1)) }()
	close(gate.release) // the platform catches up
	if err := <-blocked; err != nil {
		t.Fatal(err)
	}
	if err := b.Close(ctx); err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, r := range res.snapshot() {
		if r.Outcome != catalog.RowSucceeded {
			t.Errorf("%+v", r)
		}
		codes = append(codes, r.Product.EntityCode)
	}
	if fmt.Sprint(codes) != "[Q0 Q1 Q2 Q4]" {
		t.Errorf("outcomes for %v, want Q0 Q1 Q2 Q4 (Q3 was refused)", codes)
	}
}

// Close with an ended ctx still reports every change: the one in flight
// as unknown or not attempted, the queued ones as not attempted.
func TestBatcherCloseReportsEveryChange(t *testing.T) {
	gate, c := gatedClient(t)
	res := newResults()
	b, err := c.Products.NewBatcher("default", &catalog.BatcherOptions{MaxProducts: 1, MaxDelay: farFuture,
		OnResult: res.add})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, code := range []string{"X0", "X1", "X2"} {
		if err := b.Add(ctx, change(code, 1)); err != nil {
			t.Fatal(err)
		}
	}
	<-gate.arrived
	ended, cancel := context.WithCancel(ctx)
	cancel()
	if err := b.Close(ended); !errors.Is(err, context.Canceled) {
		t.Errorf("Close: %v", err)
	}
	got := res.snapshot()
	if len(got) != 3 {
		t.Fatalf("%d outcomes, want 3: %+v", len(got), got)
	}
	for _, r := range got {
		if r.Outcome == catalog.RowSucceeded || r.Err == nil {
			t.Errorf("%+v", r)
		}
	}
	if got[1].Outcome != catalog.RowNotAttempted || got[2].Outcome != catalog.RowNotAttempted {
		t.Errorf("queued changes: %v %v, want not attempted", got[1].Outcome, got[2].Outcome)
	}
}

// Two changes to one product never share a request, and a change the
// platform refuses is reported with its reason.
func TestBatcherSameProductAndRowFailures(t *testing.T) {
	srv, c := newFake(t)
	res := newResults()
	b, err := c.Products.NewBatcher("default", &catalog.BatcherOptions{MaxDelay: farFuture,
		OnResult: res.add, RequestOptions: catalog.RequestOptions{UpdateOnly: true, UpdateMask: []string{"pricing.list"}}})
	if err != nil {
		t.Fatal(err)
	}
	importOK(t, c, "default", catalog.MergeReplace, change("A", 1))
	ctx := context.Background()
	for _, p := range []catalog.Product{change("A", 2), change("GHOST", 1), change("A", 3)} {
		if err := b.Add(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got := importSizes(srv); fmt.Sprint(got) != "[1 2 1]" { // the seed import, then [A GHOST], then [A]
		t.Errorf("requests %v", got)
	}
	versions := srv.Versions("A")
	if len(versions) != 3 || num(versions[2].Data["pricing"].(map[string]any)["list"]) != 3 {
		t.Errorf("A's versions %d; last %v", len(versions), versions[len(versions)-1].Data)
	}
	var rowErr *catalog.RowError
	for _, r := range res.snapshot() {
		if r.Product.EntityCode == "GHOST" && (r.Outcome != catalog.RowFailed || !errors.As(r.Err, &rowErr) || !strings.Contains(rowErr.Reason, "does not exist")) {
			t.Errorf("GHOST: %+v", r)
		}
	}
}

// A batch with more failed rows than the answer lists (it names the first
// 100), behind a platform whose job answers list only their first error,
// settles every change from the job's paged errors: failed, none unknown.
func TestBatcherReadsEveryRowError(t *testing.T) {
	srv := fakeServer(t)
	c := fakeClient(t, srv, catalog.WithHTTPClient(&http.Client{Transport: firstErrorOnly{http.DefaultTransport}}))
	res := newResults()
	b, err := c.Products.NewBatcher("default", &catalog.BatcherOptions{MaxProducts: 150, MaxDelay: time.Hour,
		OnResult: res.add, RequestOptions: catalog.RequestOptions{UpdateOnly: true}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 150 {
		if err := b.Add(context.Background(), catalog.Product{EntityCode: fmt.Sprintf("NEW-%03d", i)}); err != nil { // unknown: update-only refuses each
			t.Fatal(err)
		}
	}
	res.wait(t, 150)
	if err := b.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, r := range res.snapshot() {
		if r.Outcome != catalog.RowFailed {
			t.Fatalf("change %d: %v (%v); want every change failed, read from the job's errors", r.Seq, r.Outcome, r.Err)
		}
	}
}
