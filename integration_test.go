package catalog_test

// End-to-end tests: the real client against the catalogtest fake, over
// loopback HTTP.

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pimkit/catalog"
	"github.com/pimkit/catalog/catalogtest"
)

func importOK(t *testing.T, c *catalog.Client, source string, mode catalog.MergeMode, products ...catalog.Product) *catalog.ProductImportResult {
	t.Helper()
	res, err := c.Products.Import(context.Background(), source, products, &catalog.ProductImportOptions{RequestOptions: catalog.RequestOptions{MergeMode: mode}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Summary.Failed > 0 || len(res.Rejected) > 0 {
		t.Fatalf("rows failed: %+v %+v", res.Errors, res.Rejected)
	}
	return res
}

func current(t *testing.T, srv *catalogtest.Server, code string) map[string]any {
	t.Helper()
	p, ok := srv.Product(code)
	if !ok {
		t.Fatalf("%s not stored", code)
	}
	return p.Data
}

// TestPartialMergeSendsZeroValuesAndKeepsUnset is the reason for the
// nil-means-not-sent rule: a zero is applied, an unset field is kept.
func TestPartialMergeSendsZeroValuesAndKeepsUnset(t *testing.T) {
	srv, c := newFake(t)
	importOK(t, c, catalogtest.DefaultSourceID, catalog.MergeReplace, catalog.Product{
		EntityCode: "A", Name: catalog.PlainText("Valve"), Price: catalog.Ptr(12.5), Quantity: catalog.Ptr(7.0),
		Images: []catalog.Image{{URL: catalog.Ptr("https://cdn.example.com/a.jpg")}},
		Media: []catalog.Media{
			{Type: catalog.Ptr("document"), URL: catalog.Ptr("https://cdn.example.com/a.pdf")},
			{Type: catalog.Ptr("video"), URL: catalog.Ptr("https://youtu.be/x")},
		},
	})
	importOK(t, c, catalogtest.DefaultSourceID, catalog.MergePartial, catalog.Product{
		EntityCode: "A", Quantity: catalog.Ptr(0.0), Images: []catalog.Image{},
		Media: []catalog.Media{{Type: catalog.Ptr("video"), URL: catalog.Ptr("https://youtu.be/y")}},
	})
	got := current(t, srv, "A")
	want := map[string]any{
		"entity_code": "A", "sku": "A", "name": map[string]any{"en": "Valve"}, "price": 12.5, "quantity": 0.0,
		"images": []any{},
		"media": []any{
			map[string]any{"type": "document", "url": "https://cdn.example.com/a.pdf"},
			map[string]any{"type": "video", "url": "https://youtu.be/y"},
		},
	}
	if diff := cmp.Diff(want, normalize(t, got)); diff != "" {
		t.Fatalf("stored product (-want +got):\n%s", diff)
	}

	importOK(t, c, catalogtest.DefaultSourceID, catalog.MergeReplace, catalog.Product{EntityCode: "A", Price: catalog.Ptr(1.0)})
	if diff := cmp.Diff(map[string]any{"entity_code": "A", "sku": "A", "price": 1.0}, normalize(t, current(t, srv, "A"))); diff != "" {
		t.Fatalf("replace kept old fields (-want +got):\n%s", diff)
	}
	if n := len(srv.Versions("A")); n != 3 {
		t.Fatalf("%d versions, want 3", n)
	}
}

func TestRulesEndToEnd(t *testing.T) {
	srv, c := newFake(t, catalogtest.WithSource(catalog.Source{
		ID: "erp", Name: "ERP", FieldMappings: map[string]string{"model": "product_model"}, LockedFields: []string{"slug"},
		AutoPublishEnabled: catalog.Ptr(true), RequiredFields: []string{"name", "pricing.list"},
	}), catalogtest.WithDefaultLanguage("it"))
	ctx := context.Background()

	// sku falls back to entity_code, plain text is wrapped in the default
	// language, and a complete product is published.
	res := importOK(t, c, "erp", "", catalog.Product{
		EntityCode: "A", Name: catalog.PlainText("Valvola"), Slug: catalog.PlainText("valvola"),
		Pricing: &catalog.Pricing{List: catalog.Ptr(9.8)},
	}, catalog.Product{SKU: "B", Name: catalog.Localized(map[string]string{"en": "Elbow"})})
	if res.Summary.AutoPublished != 1 || res.Summary.SyncBatchesQueued != 1 {
		t.Errorf("summary %+v, want 1 auto-published and 1 sync batch", res.Summary)
	}
	a, _ := srv.Product("A")
	if a.SKU != "A" || a.Status != catalogtest.StatusPublished || !cmp.Equal(a.Data["name"], map[string]any{"it": "Valvola"}) {
		t.Errorf("A = %+v", a)
	}
	if b, _ := srv.Product("B"); b.EntityCode != "B" || b.Status != catalogtest.StatusDraft || !cmp.Equal(b.Data["name"], map[string]any{"en": "Elbow"}) {
		t.Errorf("B = %+v", b)
	}
	// The locked slug survives a new version that sends another one.
	importOK(t, c, "erp", catalog.MergeReplace, catalog.Product{EntityCode: "A", Slug: catalog.PlainText("other")})
	if got := current(t, srv, "A")["slug"]; !cmp.Equal(got, map[string]any{"it": "valvola"}) {
		t.Errorf("locked slug = %v", got)
	}
	// Re-sending is not deduplicated: every import makes a version.
	for range 2 {
		importOK(t, c, "erp", catalog.MergePartial, catalog.Product{EntityCode: "B", Price: catalog.Ptr(3.0)})
	}
	if v := srv.Versions("B"); len(v) != 3 || v[2].Version != 3 || !v[2].IsCurrent || v[1].IsCurrent {
		t.Errorf("versions of B: %+v", v)
	}
	// A server-side row error comes back with the caller's row index.
	raw, err := c.Products.Import(ctx, "erp", []catalog.Product{{EntityCode: "C"}, {}, {EntityCode: "D"}}, nil)
	if err != nil || raw.Summary.Successful != 2 || len(raw.Rejected) != 1 || raw.Rejected[0].Row != 1 {
		t.Errorf("got %+v, %v", raw, err)
	}
}

func TestQueueAndWaitEndToEnd(t *testing.T) {
	srv, c := newFake(t, catalogtest.WithJobDelay(30*time.Millisecond))
	ctx := context.Background()
	meta := &catalog.BatchMetadata{BatchID: "nightly", BatchPart: 1, BatchTotalParts: 1, BatchTotalItems: 2}
	q, err := c.Products.Queue(ctx, catalogtest.DefaultSourceID, []catalog.Product{{EntityCode: "A"}, {EntityCode: "B"}},
		&catalog.ProductImportOptions{RequestOptions: catalog.RequestOptions{MergeMode: catalog.MergePartial}, BatchMetadata: meta})
	if err != nil {
		t.Fatal(err)
	}
	if q.JobID == "" || q.ProductsQueued != 2 {
		t.Fatalf("queued answer %+v", q)
	}
	status, err := c.Jobs.QueueStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	listed := slices.ContainsFunc(append(status.PendingJobs, status.ProcessingJobs...), func(j catalog.Job) bool {
		return j.ID == q.JobID && j.BatchID == "nightly" && j.BatchPart == 1
	})
	if !listed {
		t.Errorf("queue status does not list job %s with its batch: %+v", q.JobID, status)
	}
	var seen []catalog.JobStatus
	job, err := c.Jobs.Wait(ctx, q.JobID, &catalog.WaitOptions{MinInterval: 5 * time.Millisecond, Progress: func(j *catalog.Job) {
		if len(seen) == 0 || seen[len(seen)-1] != j.Status {
			seen = append(seen, j.Status)
		}
	}})
	if err != nil || job.Status != catalog.JobCompleted || job.SuccessfulRows != 2 || job.TotalRows != 2 {
		t.Fatalf("got %+v, %v", job, err)
	}
	if seen[len(seen)-1] != catalog.JobCompleted || slices.Index(seen, catalog.JobCompleted) != len(seen)-1 {
		t.Errorf("status sequence %v", seen)
	}
	if _, ok := srv.Product("B"); !ok {
		t.Error("queued product not stored")
	}

	// A source that maps entity_code away leaves rows without identity:
	// every row fails on the server, so the job fails and Wait says so.
	if err := srv.AddSource(catalog.Source{ID: "broken", FieldMappings: map[string]string{"entity_code": "legacy_code"}}); err != nil {
		t.Fatal(err)
	}
	q, err = c.Products.Queue(ctx, "broken", []catalog.Product{{EntityCode: "A"}, {EntityCode: "B"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	job, err = c.Jobs.Wait(ctx, q.JobID, &catalog.WaitOptions{MinInterval: 5 * time.Millisecond})
	if !errors.Is(err, catalog.ErrJobFailed) || !strings.Contains(err.Error(), q.JobID) || job.FailedRows != 2 || len(job.Errors) != 2 {
		t.Fatalf("got %+v, %v; want a failed job with 2 row errors", job, err)
	}
}

func TestErrorStatusesEndToEnd(t *testing.T) {
	ctx := context.Background()
	one := []catalog.Product{{EntityCode: "A"}}
	t.Run("401 without credentials", func(t *testing.T) {
		srv, _ := newFake(t)
		c, err := catalog.NewClient(srv.URL, catalog.WithLimiter(nil))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Products.Import(ctx, catalogtest.DefaultSourceID, one, nil); !errors.Is(err, catalog.ErrUnauthorized) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("401 with a wrong secret", func(t *testing.T) {
		srv, _ := newFake(t)
		c, _ := srv.Client(catalog.WithAPIKey(catalogtest.DefaultAPIKeyID, "sk_wrong"))
		if _, err := c.Jobs.QueueStatus(ctx); !errors.Is(err, catalog.ErrUnauthorized) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("403 for a key without the import permission", func(t *testing.T) {
		srv, _ := newFake(t, catalogtest.WithAPIKey("ak_read", "sk_read", "read"))
		c, _ := srv.Client()
		_, err := c.Products.Import(ctx, catalogtest.DefaultSourceID, one, nil)
		var apiErr *catalog.APIError
		if !errors.Is(err, catalog.ErrForbidden) || !errors.As(err, &apiErr) || apiErr.Code != "FORBIDDEN" {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("404 for an unknown source", func(t *testing.T) {
		_, c := newFake(t)
		_, err := c.Products.Queue(ctx, "nope", one, nil)
		var apiErr *catalog.APIError
		if !errors.Is(err, catalog.ErrNotFound) || !errors.As(err, &apiErr) || apiErr.Code != catalog.CodeSourceNotFound {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("404 for an unknown job", func(t *testing.T) {
		_, c := newFake(t)
		if _, err := c.Jobs.Get(ctx, "queue_import_0_none"); !errors.Is(err, catalog.ErrNotFound) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("400 from the server", func(t *testing.T) {
		// The client checks products per request against MaxProducts; a
		// fake with a lower limit shows the server's own 400.
		_, c := newFake(t, catalogtest.WithMaxProducts(1))
		_, err := c.Products.Import(ctx, catalogtest.DefaultSourceID, []catalog.Product{{EntityCode: "A"}, {EntityCode: "B"}}, nil)
		var apiErr *catalog.APIError
		if !errors.Is(err, catalog.ErrValidation) || !errors.As(err, &apiErr) || apiErr.Code != "VALIDATION_ERROR" {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("409 for a duplicate source", func(t *testing.T) {
		_, c := newFake(t)
		_, err := c.Sources.Create(ctx, &catalog.Source{ID: catalogtest.DefaultSourceID})
		var apiErr *catalog.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 409 {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("413 from the server", func(t *testing.T) {
		srv, _ := newFake(t, catalogtest.WithMaxBodyBytes(100))
		c, _ := srv.Client(catalog.WithMaxBodyBytes(1000), catalog.WithRetries(0, time.Millisecond, time.Millisecond))
		big := []catalog.Product{{EntityCode: "A", Description: catalog.PlainText(string(make([]byte, 200)))}}
		if _, err := c.Products.Import(ctx, catalogtest.DefaultSourceID, big, nil); !errors.Is(err, catalog.ErrTooLarge) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("429 with Retry-After", func(t *testing.T) {
		clock := catalogtest.NewFakeClock(time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC))
		srv := catalogtest.NewServer(catalogtest.WithRateLimit(2, time.Minute), catalogtest.WithClock(clock))
		t.Cleanup(srv.Close)
		c, _ := srv.Client(catalog.WithLimiter(nil), catalog.WithRetries(0, time.Millisecond, time.Millisecond))
		for range 2 {
			if _, err := c.Jobs.QueueStatus(ctx); err != nil {
				t.Fatal(err)
			}
		}
		clock.Advance(15 * time.Second)
		_, err := c.Jobs.QueueStatus(ctx)
		var rl *catalog.APIError
		if !errors.Is(err, catalog.ErrRateLimited) || !errors.As(err, &rl) || rl.RetryAfter != 45*time.Second {
			t.Fatalf("got %v, want a 429 *APIError with RetryAfter 45s", err)
		}
	})
}

// TestClientRateLimitKeepsEveryWindow sends requests from many goroutines
// through one client whose limit matches the server's, and checks that the
// server refused none and saw no window over the limit. Client limiter and
// server share one fake clock, moved only while every request is asleep in
// the limiter, so arrival times are the limiter's own and a busy machine
// cannot shift them.
func TestClientRateLimitKeepsEveryWindow(t *testing.T) {
	const n, window, requests = 10, 500 * time.Millisecond, 25
	clock := catalogtest.NewFakeClock(time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC))
	srv := catalogtest.NewServer(catalogtest.WithRateLimit(n, window), catalogtest.WithClock(clock))
	t.Cleanup(srv.Close)
	c, err := srv.Client(catalog.WithRetries(0, time.Millisecond, time.Millisecond), catalog.WithLimiterClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	var done atomic.Int64
	errs := make(chan error, requests)
	for range requests {
		go func() {
			_, err := c.Jobs.QueueStatus(context.Background())
			errs <- err
			done.Add(1)
		}()
	}
	// Move the clock 1 ms at a time, and only when each request is either
	// finished or waiting for its slot: none is on its way to the server.
	giveUp := time.Now().Add(time.Minute) // a hang guard, not a timing assertion
	for done.Load() < requests {
		if int64(clock.Timers())+done.Load() == requests {
			clock.Advance(time.Millisecond)
			continue
		}
		if time.Now().After(giveUp) {
			t.Fatalf("stuck: %d done, %d waiting for the limiter", done.Load(), clock.Timers())
		}
		time.Sleep(50 * time.Microsecond)
	}
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a request failed (a 429 means the client let too many through): %v", err)
		}
	}
	var times []time.Time
	for _, r := range srv.Requests() {
		times = append(times, r.Time)
	}
	if len(times) != requests {
		t.Fatalf("server saw %d requests, want %d", len(times), requests)
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	// The server's window at an arrival t holds the arrivals in (t-window,
	// t]. On this clock an answer takes no time, so a slot freed a window
	// after its answer is taken at exactly a window after the arrival it
	// stood for; on a real network the gap is strictly longer.
	for i := range times {
		in := 0
		for _, u := range times[:i+1] {
			if times[i].Sub(u) < window {
				in++
			}
		}
		if in > n {
			t.Fatalf("%d requests in the %s before request %d; limit %d", in, window, i, n)
		}
	}
	// The limit is used, not just kept: n requests went out at once, and
	// the next n a window later (plus the clock's 1 ms steps), not slower.
	if span := times[requests-1].Sub(times[0]); span > (requests-1)/n*(window+time.Millisecond) {
		t.Fatalf("%d requests took %v of clock time, want %v", requests, span, (requests-1)/n*window)
	}
}

func jsonRoundTrip(t *testing.T, v any) any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// normalize round-trips a stored payload through JSON so that numbers
// compare as float64.
func normalize(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	return jsonRoundTrip(t, m).(map[string]any)
}
